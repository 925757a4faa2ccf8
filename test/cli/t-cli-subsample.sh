#!/bin/sh
# deq subsample, deq mc subsample and deq ensemble --views: the peak shift
# (spec 4b's quoted values), ridge as the one-member ensemble, member
# files, forwarding, Monte Carlo, --certify, JSON and input errors.
. "$(dirname "$0")/lib.sh"

HEADER="P lambda members E_ens E_test E_diag E_cross"
ISO="iso:n=400"

run subsample --help
check "subsample --help exits 0" [ "$RC" -eq 0 ]
check "subsample --help documents --views" grep -q -- --views "$OUT"
run mc subsample --help
check "mc subsample --help exits 0" [ "$RC" -eq 0 ]

# ---------------------------------------------------------------- peak shift
# k = 4 disjoint quarters of N = 400, lambda = 0, sigma^2 = 0.1: the spec's
# 1.50, 5.87, 1.63 at alpha = 0.2, 0.26, 0.3 and 0.775 at 0.5 (exactly
# 1.5, 5.875, 1.625, 0.775); the single model at alpha = 0.5 is ridge's
# |w|^2 (1 - 1/q) + sigma^2/(q - 1) with q = 2.
if ok "peak shift" subsample --spectrum "$ISO" --target iso --noise 0.1 --members 1,4 --disjoint --P 80,104,120,200 --lambda 0; then
  same "header" "$(header)" "$HEADER"
  close "K = 1 at alpha = 0.5" "$(col E_ens 4)" 0.6 1e-13
  close "K = 4 at alpha = 0.2" "$(col E_ens 5)" 1.5 1e-13
  close "K = 4 at alpha = 0.26" "$(col E_ens 6)" 5.875 1e-13
  close "K = 4 at alpha = 0.3" "$(col E_ens 7)" 1.625 1e-13
  close "K = 4 at alpha = 0.5" "$(col E_ens 8)" 0.775 1e-13
  close "E_test = E_ens + sigma^2" "$(col E_test 8)" 0.875 1e-13
  same "K = 1 has no pairs" "$(col E_cross 1)" nan
fi
# the divergence moves to P = N_r = 100: +Inf, status diverge, exit 0
if ok "divergence" subsample --spectrum "$ISO" --target iso --noise 0.1 --members 4 --disjoint --P 100 --lambda 0; then
  same "E_ens at P = N_r" "$(col E_ens)" inf
  check "divergence is reported" grep -q "interpolation peak" "$ERR"
fi
if ok "divergence json" subsample --spectrum "$ISO" --target iso --members 4 --disjoint --P 100 --lambda 0 --format json; then
  json_ok "divergence json" subsample
  check "status diverge" grep -q '"diverge"' "$OUT"
fi

# ---------------------------------------------------------------- member files
LU="loguniform:n=200,lo=0.1,hi=10"
printf '# the whole input\n1-200\n' > "$TMP/full.txt"
if ok "full member" subsample --spectrum "$LU" --target iso --noise 0.25 --views "$TMP/full.txt" --P 50,300 --lambda 0.01; then
  cp "$OUT" "$TMP/full.tsv"
  if ok "ridge" ridge --spectrum "$LU" --target iso --noise 0.25 --P 50,300 --lambda 0.01; then
    for r in 1 2; do
      close "one full member is ridge (row $r)" "$(col E_ens $r "$TMP/full.tsv")" "$(col E_g $r)" 1e-13
    done
  fi
fi
cat > "$TMP/views.txt" <<'VIEWS'
# three heterogeneous overlapping members
1-100            eta=0.3 lambda=0.05
fraction=0.67,seed=6  lambda=0.01
1-66,150-170 lambda=0.1
VIEWS
if ok "member file" subsample --spectrum "$LU" --target iso --noise 0.25 --views "$TMP/views.txt" --P 100 --readout-noise 0.3; then
  cp "$OUT" "$TMP/views.tsv"
  close "members" "$(col members)" 3 0
  e=$(col E_ens) d=$(col E_diag) c=$(col E_cross)
  close "E_ens = E_cross + (E_diag - E_cross)/K + zeta^2/K" "$e" "$(calc "$c + ($d - $c)/3 + 0.1")" 1e-13
  run subsample --spectrum "$LU" --target iso --noise 0.25 --views "$TMP/views.txt" --P 100 --readout-noise 0.3 --certify
  check "--certify" grep -q "MPFR check" "$ERR"
  if ok "ensemble --views" ensemble --spectrum "$LU" --target iso --noise 0.25 --views "$TMP/views.txt" --P 100 --readout-noise 0.3; then
    check "ensemble --views forwards to subsample" cmp -s "$OUT" "$TMP/views.tsv"
  fi
fi

# ---------------------------------------------------------------- dense Sigma
# Sigma = I_40 given densely (--sigma) is the isotropic spectrum.
awk 'BEGIN { N = 40; for (j = 1; j <= N; j++) printf "x%d\t", j; print "wbar";
  for (i = 1; i <= N; i++) { for (j = 1; j <= N; j++) printf "%s\t", (i == j) ? 1 : 0;
  printf "%.17g\n", sqrt(1 / N) } }' > "$TMP/I40.tsv"
printf '1-20 eta=0.3\n11-40 lambda=0.05\n' > "$TMP/w.txt"
if ok "dense" subsample --sigma "file:$TMP/I40.tsv" --views "$TMP/w.txt" --P 10,30,60 --lambda 0.01 --noise 0.2; then
  cp "$OUT" "$TMP/dense.tsv"
  if ok "diagonal" subsample --spectrum iso:n=40 --target iso --views "$TMP/w.txt" --P 10,30,60 --lambda 0.01 --noise 0.2; then
    for r in 1 2 3; do
      for q in E_ens E_diag E_cross; do
        close "dense Sigma = I is iso ($q, row $r)" "$(col $q $r "$TMP/dense.tsv")" "$(col $q $r)" 1e-12
      done
    done
  fi
fi
if ok "mc dense" mc subsample --sigma "$TMP/I40.tsv" --views "$TMP/w.txt" --P 30 --lambda 0.01 --noise 0.2 --trials 100 --seed 5; then
  z=$(col E_ens_z)
  check "mc dense: |z| < 4 (z = $z)" awk -v z="$z" 'BEGIN { exit !(z < 4 && z > -4) }'
fi
head -n 3 "$TMP/I40.tsv" > "$TMP/short.tsv"
error "non-square sigma" 1 "--sigma: want N rows and N + 1 columns" subsample --sigma "$TMP/short.tsv" --members 2 --P 10
awk -F '\t' -v OFS='\t' 'NR == 2 { $2 = 0.5 } { print }' "$TMP/I40.tsv" > "$TMP/asym.tsv"
error "asymmetric sigma" 1 "--sigma: Sigma must be finite and symmetric" subsample --sigma "$TMP/asym.tsv" --members 2 --P 10
error "sigma and spectrum" 1 "exactly one of --spectrum SPEC and --sigma" subsample --sigma "$TMP/I40.tsv" --spectrum "$ISO" --target iso --members 2 --P 10
error "sigma missing file" 1 "--sigma: $TMP/none.tsv" subsample --sigma "$TMP/none.tsv" --members 2 --P 10

# ---------------------------------------------------------------- Monte Carlo
if ok "mc" mc subsample --spectrum "loguniform:n=80,lo=0.1,hi=10" --target iso --noise 0.25 --members 3 --fraction 0.5 --eta 0.2 --P 40 --lambda 0.01,0.1 --trials 200 --seed 3; then
  for q in E_ens E_diag E_cross; do
    for r in 1 2; do
      z=$(col ${q}_z $r)
      check "mc $q row $r: |z| < 4 (z = $z)" awk -v z="$z" 'BEGIN { exit !(z < 4 && z > -4) }'
    done
  done
  cp "$OUT" "$TMP/mc1.tsv"
  run mc subsample --spectrum "loguniform:n=80,lo=0.1,hi=10" --target iso --noise 0.25 --members 3 --fraction 0.5 --eta 0.2 --P 40 --lambda 0.01,0.1 --trials 200 --seed 3 --threads 1
  check "mc: any thread count, same bits" cmp -s "$OUT" "$TMP/mc1.tsv"
fi
printf '1-40\n' > "$TMP/small.txt"
if ok "mc ensemble --views" mc ensemble --spectrum "iso:n=40" --target iso --views "$TMP/small.txt" --P 60 --trials 20; then
  check "mc ensemble --views columns" [ "$(col E_ens_mc)" != MISSING ]
fi

# ---------------------------------------------------------------- plot
if command -v gnuplot >/dev/null 2>&1; then
  if ok "plot" subsample --spectrum "$ISO" --target iso --noise 0.1 --members 1,4 --disjoint --P 20:600:40 --lambda 1e-4 --plot "$TMP/peak.svg"; then
    check "peak-shift plot written" [ -s "$TMP/peak.svg" ]
  fi
fi

# ---------------------------------------------------------------- errors
error "missing file" 1 "--views: $TMP/none.txt" subsample --spectrum "$ISO" --target iso --views "$TMP/none.txt" --P 10
printf '\n# nothing\n' > "$TMP/empty.txt"
error "no members" 1 "no members" subsample --spectrum "$ISO" --target iso --views "$TMP/empty.txt" --P 10
printf '1-10\n0-5 eta=0.1\n' > "$TMP/bad1.txt"
error "bad subset" 1 "--views: $TMP/bad1.txt:2:1: subset:" subsample --spectrum "$ISO" --target iso --views "$TMP/bad1.txt" --P 10
printf '1-10\n1-5 colour=3\n' > "$TMP/bad2.txt"
error "unknown key" 1 "$TMP/bad2.txt:2:2 'colour=3': unknown key 'colour'" subsample --spectrum "$ISO" --target iso --views "$TMP/bad2.txt" --P 10
printf '1-10\n1-5 eta=-1\n' > "$TMP/bad3.txt"
error "eta < 0" 1 "--views: $TMP/bad3.txt:2: eta: must be" subsample --spectrum "$ISO" --target iso --views "$TMP/bad3.txt" --P 10
printf '1-10\n395-401\n' > "$TMP/bad4.txt"
error "index out of range" 1 "--views: $TMP/bad4.txt:2: subset: index 401 is beyond N = 400" subsample --spectrum "$ISO" --target iso --views "$TMP/bad4.txt" --P 10
printf '1-10\neta=0.2\n' > "$TMP/bad5.txt"
error "no subset" 1 "--views: $TMP/bad5.txt:2: no subset" subsample --spectrum "$ISO" --target iso --views "$TMP/bad5.txt" --P 10
printf '1-10 fraction=0.5\n' > "$TMP/bad6.txt"
error "subset and fraction" 1 "$TMP/bad6.txt:1: give either a subset or fraction=" subsample --spectrum "$ISO" --target iso --views "$TMP/bad6.txt" --P 10
printf '1-10 eta=x\n' > "$TMP/bad7.txt"
error "eta not a number" 1 "$TMP/bad7.txt:1:2 'eta=x': eta='x' is not a finite number" subsample --spectrum "$ISO" --target iso --views "$TMP/bad7.txt" --P 10
printf '1-5,5\n' > "$TMP/bad8.txt"
error "repeated index" 1 "$TMP/bad8.txt:1: subset: index 5 is repeated" subsample --spectrum "$ISO" --target iso --views "$TMP/bad8.txt" --P 10
printf 'fraction=0.001,seed=2\n' > "$TMP/bad9.txt"
error "empty random subset" 1 "$TMP/bad9.txt:1: fraction:" subsample --spectrum "$ISO" --target iso --views "$TMP/bad9.txt" --P 10
error "ensemble --views bad file" 1 "$TMP/bad3.txt:2: eta:" ensemble --spectrum "$ISO" --target iso --views "$TMP/bad3.txt" --P 10
error "K < 1" 1 "--members" subsample --spectrum "$ISO" --target iso --members 0 --P 10
error "neither" 1 "exactly one of --views FILE and --members K" subsample --spectrum "$ISO" --target iso --P 10
error "both" 1 "exactly one of --views FILE and --members K" subsample --spectrum "$ISO" --target iso --members 2 --views "$TMP/full.txt" --P 10
error "shortcut with a file" 1 "--eta goes with --members" subsample --spectrum "$ISO" --target iso --eta 0.1 --views "$TMP/full.txt" --P 10
error "eta < 0 shortcut" 1 "--eta" subsample --spectrum "$ISO" --target iso --members 2 --eta -1 --P 10
error "disjoint too large" 1 "--disjoint" subsample --spectrum "$ISO" --target iso --members 3 --fraction 0.5 --disjoint --P 10

finish
