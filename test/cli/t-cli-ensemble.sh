#!/bin/sh
# deq ensemble and deq mc ensemble: K = 1 is rf, K = inf is rf's E_cross,
# the optimal ridge and its boundary, the no-free-lunch mode, the MPFR
# check, Monte Carlo, plots and input errors.
. "$(dirname "$0")/lib.sh"

HEADER="P K M lambda at_boundary kappa kappa_f df1 gamma gamma_c E_diag E_cross E_ens E_test"
LU="loguniform:n=200,lo=0.1,hi=10"
PL="powerlaw:alpha=1.5,n=2000"

run ensemble --help
check "ensemble --help exits 0" [ "$RC" -eq 0 ]
check "ensemble --help documents --no-free-lunch" grep -q -- --no-free-lunch "$OUT"
check "ensemble --help documents at_boundary" grep -q at_boundary "$OUT"
run mc ensemble --help
check "mc ensemble --help exits 0" [ "$RC" -eq 0 ]
check "mc ensemble --help: E_cross_mc" grep -q E_cross_mc "$OUT"

# ---------------------------------------------------------------- reductions
if ok "K = 1, inf" ensemble --spectrum "$LU" --target iso --noise 0.25 --members 1,inf --features 60 --P 100,300 --lambda 0,0.02; then
  same "header" "$(header)" "$HEADER"
  same "2 x 2 x 2 rows" "$(rows)" 8
  cp "$OUT" "$TMP/ens.tsv"
  if ok "rf" rf --spectrum "$LU" --target iso --noise 0.25 --features 60 --P 100,300 --lambda 0,0.02; then
    for r in 1 2 3 4; do
      same "K = 1 is rf's E_g (row $r)" "$(col E_ens $r "$TMP/ens.tsv")" "$(col E_g $r)"
      same "E_diag is rf's E_g (row $r)" "$(col E_diag $r "$TMP/ens.tsv")" "$(col E_g $r)"
      same "K = inf is rf's E_cross (row $r)" "$(col E_ens $((r + 4)) "$TMP/ens.tsv")" "$(col E_cross $r)"
    done
  fi
fi
if ok "K = 4" ensemble --spectrum "$LU" --target iso --noise 0.25 --members 4 --features 60 --P 100 --lambda 0.02; then
  close "E_4 = E_cross + (E_diag - E_cross)/4" "$(col E_ens)" "$(calc "$(col E_cross) + ($(col E_diag) - $(col E_cross))/4")" 1e-13
  close "E_test = E_ens + sigma^2" "$(col E_test)" "$(calc "$(col E_ens) + 0.25")" 1e-15
fi

# ---------------------------------------------------------------- no free lunch
# ridge_family.md 4a: E* = 0.0130426, 0.0134069, 0.0142610, 0.0163395 for
# K = 1, 2, 4, 8 at P = 200, K M = 800, sigma^2 = 0.01.
if ok "no free lunch" ensemble --spectrum "$PL" --target source:r=0.4 --noise 0.01 --P 200 --no-free-lunch 800; then
  same "one row per divisor of 800" "$(rows)" 18
  same "K of row 1" "$(col K 1)" 1
  same "K of row 18" "$(col K 18)" 800
  same "M of row 18" "$(col M 18)" 1
  close "E*(K=1)" "$(col E_ens 1)" 0.0130426 4e-6
  close "E*(K=2)" "$(col E_ens 2)" 0.0134069 4e-6
  close "E*(K=4)" "$(col E_ens 3)" 0.0142610 4e-6
  close "E*(K=8)" "$(col E_ens 5)" 0.0163395 4e-6
  check "E* nondecreasing in K" awk -F '\t' 'NR > 2 && $13 < prev { bad = 1 } NR > 1 { prev = $13 } END { exit bad }' "$OUT"
  check "K M = 800 on every row" awk -F '\t' 'NR > 1 && $2 * $3 != 800 { bad = 1 } END { exit bad }' "$OUT"
  same "K = 1: interior optimum" "$(col at_boundary 1)" 0
  same "K = 800: boundary optimum" "$(col at_boundary 18)" 1
  same "boundary: lambda printed as 0" "$(col lambda 18)" 0
fi
if ok "optimal lambda" ensemble --spectrum "$PL" --target source:r=0.4 --noise 0.01 --P 200 --members 4 --features 200 --optimal-lambda; then
  close "optimal-lambda agrees with the no-free-lunch row" "$(col E_ens)" 0.0142610 4e-6
  same "one row" "$(rows)" 1
fi

# ---------------------------------------------------------------- divergence
run ensemble --spectrum iso:n=50 --target iso --noise 0.1 --members 2 --features 25 --P 25 --lambda 0
check "M = P ridgeless: exit 0" [ "$RC" -eq 0 ]
same "M = P ridgeless: E_ens = inf" "$(col E_ens)" inf
check "M = P ridgeless: the divergence on stderr" grep -q 'interpolation peak' "$ERR"

# ---------------------------------------------------------------- MPFR
if ok "certify" ensemble --spectrum "$LU" --target iso --noise 0.1 --members 1,3,inf --features 40,400 --P 100 --lambda 1e-3,0.1 --certify; then
  check "certify: a largest difference below 1e-12" awk '/largest relative difference/ { for (i = 1; i <= NF; i++) if ($i == "difference") x = $(i + 1) } END { exit !(x != "" && x + 0 < 1e-12) }' "$ERR"
fi

# ---------------------------------------------------------------- Monte Carlo
if ok "mc ensemble" mc ensemble --spectrum iso:n=60 --target iso:norm=1 --noise 0.25 --members 1,3 --features 20 --P 40 --lambda 0.05,0.5 --trials 300 --seed 5 --threads 1; then
  cp "$OUT" "$TMP/mc1.tsv"
  same "mc rows" "$(rows)" 4
  for q in E_diag E_cross E_ens; do
    check "mc: |${q}_z| < 4" awk -F '\t' -v c="${q}_z" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { z = $k < 0 ? -$k : $k; if (!(z < 4)) bad = 1 } END { exit bad || !k }' "$OUT"
  done
  if ok "mc ensemble, 2 threads" mc ensemble --spectrum iso:n=60 --target iso:norm=1 --noise 0.25 --members 1,3 --features 20 --P 40 --lambda 0.05,0.5 --trials 300 --seed 5 --threads 2; then
    check "mc: thread invariance" cmp -s "$OUT" "$TMP/mc1.tsv"
  fi
fi
if ok "mc no free lunch" mc ensemble --spectrum iso:n=40 --target iso:norm=1 --noise 0.1 --P 30 --no-free-lunch 12 --trials 50; then
  same "mc: one row per divisor" "$(rows)" 6
fi
run mc ensemble --spectrum iso:n=20 --target iso --members inf --features 5 --P 10 --lambda 0.1 --trials 10
check "mc infinite ensemble: exit 1" [ "$RC" -eq 1 ]
check "mc infinite ensemble: no rows" [ ! -s "$OUT" ]
check "mc infinite ensemble: says why" grep -q "needs finite K" "$ERR"

# ---------------------------------------------------------------- plots
DEQ_GNUPLOT="$TMP/no-such-gnuplot"
export DEQ_GNUPLOT
ok "plot without gnuplot" ensemble --spectrum "$LU" --target iso --P 200 --no-free-lunch 12 --plot "$TMP/nfl.svg" >/dev/null
unset DEQ_GNUPLOT
if command -v gnuplot >/dev/null 2>&1; then
  if ok "no-free-lunch plot" ensemble --spectrum "$PL" --target source:r=0.4 --noise 0.01 --P 200 --no-free-lunch 800 --plot "$TMP/nfl.svg"; then
    check "no-free-lunch plot: svg written" grep -q '<svg' "$TMP/nfl.svg"
    check "no-free-lunch plot: K on the x axis" grep -q '>K<' "$TMP/nfl.svg"
  fi
  if ok "E_ens vs P plot" ensemble --spectrum "$LU" --target iso --noise 0.1 --members 1,4,inf --features 50 --P 20:400:15:log --lambda 0.01 --plot "$TMP/p.svg"; then
    check "E_ens vs P plot: svg written" grep -q '<svg' "$TMP/p.svg"
  fi
else
  echo "note: gnuplot not installed; plot files not checked"
fi

# ---------------------------------------------------------------- errors
error "K = 0" 1 "--members" ensemble --spectrum "$LU" --target iso --members 0 --features 5 --P 10
error "K = 1.5" 1 "--members" ensemble --spectrum "$LU" --target iso --members 1.5 --features 5 --P 10
error "M = 0" 1 "--features" ensemble --spectrum "$LU" --target iso --features 0 --P 10
error "M = -2" 1 "--features" ensemble --spectrum "$LU" --target iso --features -2 --P 10
error "no M" 1 "--features" ensemble --spectrum "$LU" --target iso --P 10
error "TOTAL = 0" 1 "--no-free-lunch" ensemble --spectrum "$LU" --target iso --P 10 --no-free-lunch 0
error "TOTAL = 2.5" 1 "--no-free-lunch" ensemble --spectrum "$LU" --target iso --P 10 --no-free-lunch 2.5
error "TOTAL = -8" 1 "--no-free-lunch" ensemble --spectrum "$LU" --target iso --P 10 --no-free-lunch -8
error "TOTAL = x" 1 "--no-free-lunch" ensemble --spectrum "$LU" --target iso --P 10 --no-free-lunch x
error "TOTAL with --members" 1 "--no-free-lunch" ensemble --spectrum "$LU" --target iso --P 10 --no-free-lunch 8 --members 2
error "optimal with lambda" 1 "--optimal-lambda" ensemble --spectrum "$LU" --target iso --features 5 --P 10 --lambda 0.1 --optimal-lambda
error "mc K = 0" 1 "--members" mc ensemble --spectrum "$LU" --target iso --members 0 --features 5 --P 10

finish
