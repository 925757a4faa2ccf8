#!/bin/sh
# deq twopoint / deq mc twopoint: the isotropic closed form, z1 = z2
# against deq ridge, weights (choice, list, file), the interpolation peak,
# MPFR certification, Monte Carlo (agreement, thread invariance), JSON and
# input errors.
. "$(dirname "$0")/lib.sh"

HEADER="P z1 z2 kappa1 kappa2 gamma12 amplification cross_trace trace trace_per_dim form"

run twopoint --help
check "twopoint --help" [ "$RC" -eq 0 ]
check "help names cross_trace" grep -q cross_trace "$OUT"
check "help names weight-values" grep -q weight-values "$OUT"

# ---------------------------------------------------------------- closed form
# Sigma = I (N = 400), P = 800: kappa^2 + (1 - q - z) kappa - z = 0,
# r = 1/(1 + kappa), gamma12 = q r1 r2, trace = N k1 k2 r1 r2/(1 - gamma12),
# form = |wbar|^2 trace/N (iso target, norm 2).
K="q = 0.5; b1 = 0.05 + q - 1; k1 = (b1 + sqrt(b1 * b1 + 0.2)) / 2;
   b2 = 0.5 + q - 1; k2 = (b2 + sqrt(b2 * b2 + 2)) / 2;
   r = 1 / ((1 + k1) * (1 + k2)); g = q * r"
if ok "iso" twopoint --spectrum iso:n=400 --target iso:norm=2 --P 800 --z1 0.05 --z2 0.5; then
  same "header" "$(header)" "$HEADER"
  close "kappa1" "$(col kappa1)" "$(calc "$K; k1")" 1e-13
  close "kappa2" "$(col kappa2)" "$(calc "$K; k2")" 1e-13
  close "gamma12" "$(col gamma12)" "$(calc "$K; g")" 1e-13
  close "cross_trace" "$(col cross_trace)" "$(calc "$K; 400 * r")" 1e-13
  close "trace" "$(col trace)" "$(calc "$K; 400 * k1 * k2 * r / (1 - g)")" 1e-12
  close "form" "$(col form)" "$(calc "$K; 2 * k1 * k2 * r / (1 - g)")" 1e-12
fi

# ---------------------------------------------------------------- ridge
LU="--spectrum loguniform:n=200,lo=0.1,hi=10 --target iso:norm=1"
if ok "ridge" ridge $LU --P 100 --lambda 0.05; then
  cp "$OUT" "$TMP/ridge.tsv"
  if ok "z1 = z2" twopoint $LU --P 100 --z1 0.05 --z2 0.05 --weights sigma; then
    same "kappa is the ridge's" "$(col kappa1)" "$(col kappa 1 "$TMP/ridge.tsv")"
    close "gamma12 = gamma" "$(col gamma12)" "$(col gamma 1 "$TMP/ridge.tsv")" 1e-14
    close "form = bias" "$(col form)" "$(col bias 1 "$TMP/ridge.tsv")" 1e-14
    close "amplification" "$(col amplification)" "$(col dkappa_dlambda 1 "$TMP/ridge.tsv")" 1e-14
  fi
fi

# ---------------------------------------------------------------- weights
awk 'BEGIN { for (i = 1; i <= 5; i++) printf "%.17g %.17g\n", 6 - i, 0.1 * i }' >"$TMP/sp.txt"
awk 'BEGIN { for (i = 1; i <= 5; i++) printf "%.17g\n", 6 - i }' >"$TMP/w.txt"
if ok "identity" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1,1 --z2 0.2; then
  cp "$OUT" "$TMP/identity.tsv"
fi
if ok "weights sigma" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1,1 --z2 0.2 --weights sigma; then
  cp "$OUT" "$TMP/sigma.tsv"
  ok "weights file" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1,1 --z2 0.2 --weight-values "file:$TMP/w.txt" &&
    check "file = sigma" cmp -s "$OUT" "$TMP/sigma.tsv"
  ok "weights list" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1,1 --z2 0.2 --weight-values 5,4,3,2,1 &&
    check "list = sigma" cmp -s "$OUT" "$TMP/sigma.tsv"
  ok "unit weights" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1,1 --z2 0.2 --weight-values 1,1,1,1,1 &&
    check "ones = identity" cmp -s "$OUT" "$TMP/identity.tsv"
fi

# ---------------------------------------------------------------- peak
if ok "peak" twopoint --spectrum iso:n=100 --target iso --P 100 --z1 0,1e-6 --z2 0; then
  same "amplification inf" "$(col amplification)" inf
  same "gamma12 = 1" "$(col gamma12)" 1
  check "no nan" not grep -q nan "$OUT"
fi

# ---------------------------------------------------------------- MPFR
run twopoint $LU --P 50,300 --z1 0.01,1 --z2 0.1,2 --weights sigma --certify
check "certify exit" [ "$RC" -eq 0 ]
rel=$(sed -n 's/.*largest relative difference \([^ ]*\) .*/\1/p' "$ERR")
close "certify below 1e-12" "${rel:-MISSING}" 0 0 1e-12

# ---------------------------------------------------------------- Monte Carlo
MC="mc twopoint $LU --P 100 --z1 0.05 --z2 0,0.05,0.5 --trials 40 --seed 5"
if ok "mc" $MC --threads 1; then
  cp "$OUT" "$TMP/mc1.tsv"
  for q in trace form; do
    for c in "${q}_mc" "${q}_se" "${q}_z"; do
      check "column $c" [ "$(col "$c")" != MISSING ]
    done
  done
  for r in 1 2 3; do
    close "form z row $r" "$(col form_z "$r")" 0 0 4
    close "trace gap row $r" "$(col trace_mc "$r")" "$(col trace "$r")" 0.02 1e-9
  done
  ok "mc threads 2" $MC --threads 2 && check "thread invariant" cmp -s "$OUT" "$TMP/mc1.tsv"
fi

# ---------------------------------------------------------------- JSON
ok "json" twopoint $LU --P 100 --z1 0.05 --z2 0.5 --format json && json_ok "json" twopoint

# ---------------------------------------------------------------- errors
error "negative z1" 1 "--z1" twopoint $LU --P 100 --z1 -0.1 --z2 0.5
error "negative z2" 1 "--z2" twopoint $LU --P 100 --z1 0.1 --z2 -1e-9
error "P = 0" 1 "--P" twopoint $LU --P 0 --z1 0.1 --z2 0.5
error "missing z2" 1 "--z2" twopoint $LU --P 10 --z1 0.1
error "bad weights kind" 1 "--weights" twopoint $LU --P 10 --z1 0.1 --z2 0.1 --weights diag
error "weights and values" 1 "--weight-values" twopoint $LU --P 10 --z1 0.1 --z2 0.1 --weights sigma --weight-values 1
error "too few weights" 1 "3 values for a spectrum of 200 atoms" twopoint $LU --P 10 --z1 0.1 --z2 0.1 --weight-values 1,2,3
printf '1\n2\n3\n4\n' >"$TMP/w4.txt"
error "weights file rows" 1 "4 values for a spectrum of 5 atoms" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1 --z2 0.1 --weight-values "file:$TMP/w4.txt"
printf '1\n2\nx\n4\n5\n' >"$TMP/wbad.txt"
error "weights file text" 1 "line 3" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1 --z2 0.1 --weight-values "file:$TMP/wbad.txt"
error "weights file missing" 1 "cannot open" twopoint --spectrum "file:$TMP/sp.txt" --P 3 --z1 0.1 --z2 0.1 --weight-values "file:$TMP/none.txt"
error "mc negative z" 1 "--z2" mc twopoint $LU --P 100 --z1 0.05 --z2 -1 --trials 4
error "mc P fraction" 1 "--P" mc twopoint $LU --P 10.5 --z1 0.05 --z2 1 --trials 4

finish
