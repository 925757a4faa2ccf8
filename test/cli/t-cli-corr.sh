#!/bin/sh
# deq corr / deq mc corr: the spec sheet's values, K = I against deq ridge,
# the equicorrelated reduction, forecasting, Monte Carlo columns, JSON and
# input errors.
. "$(dirname "$0")/lib.sh"

HEADER="P lambda kappa kappa_K df1 gamma bias var_noise E_g E_test E_tr gcv corrgcv E_forecast dkappa_dlambda"

# The spec sheet's Sigma: log-uniform on [0.1, 10], N = 200, target power
# sqrt(s)/N per eigenvalue (ridge_family.md section 3).
awk 'BEGIN { N = 200; for (i = 1; i <= N; i++) {
  s = exp(log(10) - (i - 0.5) / N * log(100)); printf "%.17g %.17g\n", s, sqrt(s) / N } }' >"$TMP/lu.txt"
LU="--spectrum file:$TMP/lu.txt"

run corr --help
check "corr --help" [ "$RC" -eq 0 ]
check "corr --help documents corrgcv" grep -q corrgcv "$OUT"

# ---------------------------------------------------------------- spec values
# AR(1) rho = 0.7, P = 400, lambda = 0.05, sigma^2 = 0.5, noise K:
# E_test = 0.961663, naive GCV 0.40, forecast tau = 1: 0.570591,
# dkappa/dlambda = 2.6601945368 (finite difference in the sheet).
if ok "ar1 spec" corr $LU --noise 0.5 --corr ar1:rho=0.7 --P 400 --lambda 0.05 --horizon 1; then
  same "header" "$(header)" "$HEADER"
  close "E_test" "$(col E_test)" 0.961663 5e-7
  close "gcv" "$(col gcv)" 0.40 0.005
  close "corrgcv = E_test (noise K)" "$(col corrgcv)" "$(col E_test)" 1e-14
  close "E_forecast tau=1" "$(col E_forecast)" 0.570591 1e-6
  close "dkappa/dlambda" "$(col dkappa_dlambda)" 2.6601945368 1e-9
  close "E_test = E_g + noise" "$(col E_test)" "$(calc "$(col E_g) + 0.5")" 1e-14
fi
if ok "ar1 spec tau 3" corr $LU --noise 0.5 --corr ar1:rho=0.7 --P 400 --lambda 0.05 --horizon 3; then
  close "E_forecast tau=3" "$(col E_forecast)" 0.867767 1e-6
fi
if ok "blocks spec" corr $LU --noise 0.5 --corr blocks:m=4,c=0.5 --P 400 --lambda 0.05; then
  close "blocks E_test" "$(col E_test)" 0.90 0.005
  close "blocks gcv" "$(col gcv)" 0.60 0.005
  same "no horizon: nan" "$(col E_forecast)" nan
fi
# iid noise: E_test = E_g + noise, CorrGCV biased upwards.
if ok "ar1 iid" corr $LU --noise 0.5 --noise-model iid --corr ar1:rho=0.7 --P 400 --lambda 0.05; then
  close "iid E_test = E_g + noise" "$(col E_test)" "$(calc "$(col E_g) + 0.5")" 1e-14
  check "iid corrgcv > E_test" awk -v a="$(col corrgcv)" -v b="$(col E_test)" 'BEGIN { exit !(a > 1.1 * b) }'
fi

# ---------------------------------------------------------------- K = I is ridge
ok "ridge" ridge $LU --noise 0.3 --P 150,300 --lambda 0.01,1 && cp "$OUT" "$TMP/ridge.tsv"
if ok "iid K" corr $LU --noise 0.3 --corr iid --P 150,300 --lambda 0.01,1; then
  same "rows" "$(rows)" 4
  for r in 1 2 3 4; do
    close "K=I kappa row $r" "$(col kappa $r)" "$(col kappa $r "$TMP/ridge.tsv")" 1e-12
    close "K=I E_g row $r" "$(col E_g $r)" "$(col E_g $r "$TMP/ridge.tsv")" 1e-12
    close "K=I E_tr row $r" "$(col E_tr $r)" "$(col E_tr $r "$TMP/ridge.tsv")" 1e-12
    close "K=I gcv = E_test row $r" "$(col gcv $r)" "$(col E_test $r "$TMP/ridge.tsv")" 1e-12
  done
fi
# acf file rho^h and the matrix file of K = I reproduce ar1 / iid.
awk 'BEGIN { for (h = 0; h < 60; h++) printf "%.17g\n", 0.7^h }' >"$TMP/acf.txt"
if ok "acf file" corr $LU --noise 0.5 --corr "acf:file=$TMP/acf.txt" --P 40 --lambda 0.05 --horizon 2; then
  cp "$OUT" "$TMP/acf.tsv"
  ok "ar1 P=40" corr $LU --noise 0.5 --corr ar1:rho=0.7 --P 40 --lambda 0.05 --horizon 2
  close "acf = ar1: kappa" "$(col kappa 1 "$TMP/acf.tsv")" "$(col kappa)" 1e-12
  close "acf = ar1: forecast" "$(col E_forecast 1 "$TMP/acf.tsv")" "$(col E_forecast)" 1e-10
fi
awk 'BEGIN { for (i = 0; i < 5; i++) { for (j = 0; j < 5; j++) printf "%s%d", j ? " " : "", i == j; print "" } }' >"$TMP/id5.txt"
if ok "matrix file" corr --spectrum iso:n=3 --target iso:norm=1 --noise 0.1 --corr "file:$TMP/id5.txt" --P 5 --lambda 0.1; then
  cp "$OUT" "$TMP/m.tsv"
  ok "ridge 5" ridge --spectrum iso:n=3 --target iso:norm=1 --noise 0.1 --P 5 --lambda 0.1
  close "file K=I E_g" "$(col E_g 1 "$TMP/m.tsv")" "$(col E_g)" 1e-12
fi
# symbol spectrum: O(1/P) away from the exact one
if ok "symbol" corr $LU --noise 0.5 --corr ar1:rho=0.7 --k-spectrum symbol --P 400 --lambda 0.05; then
  close "symbol kappa within 0.5%" "$(col kappa)" 0.15724544 0.005
fi
if ok "json" corr $LU --corr ar1:rho=0.5 --P 100 --lambda 0.1 --format json; then
  json_ok "corr json" corr
fi

# ---------------------------------------------------------------- Monte Carlo
if ok "mc corr" mc corr --spectrum loguniform:n=40,lo=0.1,hi=10 --target iso:norm=1 --noise 0.5 --corr ar1:rho=0.7 --P 80 --lambda 0.05 --horizon 1 --trials 60 --seed 3; then
  for q in E_g E_tr gcv corrgcv E_forecast; do
    check "mc $q |z| < 4" awk -v z="$(col ${q}_z)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
  cp "$OUT" "$TMP/mc1.tsv"
  ok "mc corr threads" mc corr --spectrum loguniform:n=40,lo=0.1,hi=10 --target iso:norm=1 --noise 0.5 --corr ar1:rho=0.7 --P 80 --lambda 0.05 --horizon 1 --trials 60 --seed 3 --threads 1
  check "mc thread invariance" cmp -s "$OUT" "$TMP/mc1.tsv"
fi
ok "mc blocks iid" mc corr --spectrum iso:n=20 --target iso:norm=1 --noise 0.2 --noise-model iid --corr blocks:m=4,c=0.5 --P 40 --lambda 0.1 --trials 20

# ---------------------------------------------------------------- errors
error "rho" 1 "rho must be in (-1, 1)" corr $LU --corr ar1:rho=1 --P 10
error "blocks divide" 1 "does not divide P = 10" corr $LU --corr blocks:m=4,c=0.5 --P 10
error "blocks c" 1 "positive-definite" corr $LU --corr blocks:m=4,c=1 --P 12
error "unknown key" 1 "unknown key 'r'" corr $LU --corr ar1:r=1 --P 10
error "missing key" 1 "missing key 'c'" corr $LU --corr blocks:m=4 --P 12
error "unknown corr" 1 "unknown correlation" corr $LU --corr ma2 --P 10
error "no corr" 1 "--corr is required" corr $LU --P 10
error "noise model" 1 "--noise-model" corr $LU --corr iid --noise-model x --P 10
error "P integer" 1 "--P" corr $LU --corr iid --P 10.5
error "horizon blocks" 1 "--horizon needs" corr $LU --corr blocks:m=2,c=0.1 --P 10 --horizon 1
printf '1\n0.9\n0\n' >"$TMP/badacf.txt"
error "non-PD acf" 1 "not positive definite" corr $LU --corr "acf:file=$TMP/badacf.txt" --P 3
error "non-PD acf symbol" 1 "symbol" corr $LU --corr "acf:file=$TMP/badacf.txt" --P 3 --k-spectrum symbol
printf '1 0.5\n0.5 oops\n' >"$TMP/badK.txt"
error "bad matrix cell" 1 "badK.txt:2:2: not a number" corr $LU --corr "file:$TMP/badK.txt" --P 2
printf '1 2\n2 1\n' >"$TMP/npdK.txt"
error "non-PD matrix" 1 "positive definite" corr $LU --corr "file:$TMP/npdK.txt" --P 2
error "matrix size" 1 "P = 3" corr $LU --corr "file:$TMP/npdK.txt" --P 3
error "missing acf file" 1 "$TMP/none.txt" corr $LU --corr "acf:file=$TMP/none.txt" --P 3

finish
