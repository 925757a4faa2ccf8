#!/bin/sh
# t-cli-data.sh -- spectra from data (`deq spectrum --data`), exponents
# fitted to a spectrum file (`deq fit --spectrum`) and the measured
# learning curve (`deq gcv --learning-curve`) on the real data sets of
# test/data/real (see its README), and their bad input.
. "$(dirname "$0")/lib.sh"

R=$DEQ_DATA/real

# --- diabetes, linear kernel: the noise is the OLS residual mean square --
if ok "diabetes spectrum" spectrum --data "$R/diabetes.csv.gz" --y y \
    --standardize; then
  cp "$OUT" "$TMP/diab.spec"
  same "diabetes atoms" "$(grep -vc '^#' "$OUT")" 10
  noise=$(sed -n 's/^# noise: //p' "$OUT")
  expl=$(sed -n 's/^# explained: //p' "$OUT")
  var=$(sed -n 's/^# label_variance: //p' "$OUT")
  # 2859.69: the residual mean square of least squares on the full data
  # (scikit-learn's documentation; also t-cli-gcv.sh's E_tr at lambda 0)
  close "diabetes noise" "$noise" 2859.69 5e-6
  close "explained + noise = variance" "$(calc "$expl + $noise")" "$var" 1e-12
  same "kernel comment" "$(sed -n 's/^# kernel: //p' "$OUT")" linear
  # the file reads back as a spectrum: its signal is the explained variance
  if ok "read back" spectrum --spectrum "file:$TMP/diab.spec" --summary; then
    close "signal = explained" "$(col signal)" "$expl" 1e-14
    close "trace = total variance of the standardized features" \
      "$(col trace)" 10 1e-12
  fi
fi

# --- digits, RBF kernel on the first 300 rows ------------------------------
if ok "digits rbf" spectrum --data "$R/digits.csv.gz" --y digit \
    --kernel rbf:gamma=0.001 --max-rows 300; then
  cp "$OUT" "$TMP/dig.spec"
  same "digits modes" "$(grep -vc '^#' "$OUT")" 300
  same "digits rows" "$(sed -n 's/^# data: \([0-9]*\) rows.*/\1/p' "$OUT")" 300
  # the RBF eigenvalues of G/n sum to tr G/n = 1
  close "digits trace" "$(grep -v '^#' "$OUT" | awk '{ s += $1 } END { printf "%.17g", s }')" 1 1e-12
  if ok "fit digits" fit --spectrum "$TMP/dig.spec"; then
    same "fit header" "$(header)" "quantity value se drift kmin kmax"
    same "fit rows" "$(rows)" 5
    same "fit window" "$(col kmin 1) $(col kmax 1)" "2 37"
    a=$(col value 1) b=$(col value 2)
    close "r = tail/(2 alpha)" "$(col value 3)" "$(calc "$b / (2 * $a)")" 1e-14
  fi
  if ok "fit window override" fit --spectrum "$TMP/dig.spec" --kmin 3 --kmax 30; then
    same "override window" "$(col kmin 2) $(col kmax 2)" "3 30"
  fi
fi

# --- the learning curve ----------------------------------------------------
LC="--data $R/digits.csv.gz --y digit --kernel rbf:gamma=0.001 --max-rows 300 --lambda 1e-3 --trials 4 --seed 3"
if ok "learning curve" gcv --learning-curve 10,20,40 $LC --threads 1; then
  same "curve header" "$(header)" "P lambda E_test E_test_mc E_test_se E_test_z"
  same "curve rows" "$(rows)" 3
  CHECKS=$((CHECKS + 1))
  grep -q '^# exponent of E_test - noise, measured: b = ' "$ERR" &&
    grep -q '^# exponent of E_test - noise, theory: ' "$ERR" ||
    fail "curve exponents on stderr: $(cat "$ERR")"
  cp "$OUT" "$TMP/lc1"
  # the theory column is deq ridge on the spectrum file with its noise
  noise=$(sed -n 's/^# noise: //p' "$TMP/dig.spec")
  if ok "theory by deq ridge" ridge --spectrum "file:$TMP/dig.spec" \
      --P 10,20,40 --lambda 1e-3 --noise "$noise"; then
    close "theory P=10" "$(col E_test 1 "$TMP/lc1")" "$(col E_test 1)" 1e-12
    close "theory P=40" "$(col E_test 3 "$TMP/lc1")" "$(col E_test 3)" 1e-12
  fi
  if ok "learning curve, 2 threads" gcv --learning-curve 10,20,40 $LC --threads 2; then
    same "bitwise for any thread count" "$(cat "$OUT")" "$(cat "$TMP/lc1")"
  fi
fi

# --- bad input -------------------------------------------------------------
D="--data $R/digits.csv.gz --y digit"
error "rbf gamma 0" 1 "gamma must be positive" spectrum $D --kernel rbf:gamma=0
error "laplace gamma inf" 1 "gamma" spectrum $D --kernel laplace:gamma=inf
error "poly degree" 1 "degree must be an integer" spectrum $D --kernel poly:degree=2.5
error "poly c" 1 "c must be >= 0" spectrum $D --kernel poly:c=-1
error "rbf without gamma" 1 "missing key 'gamma'" spectrum $D --kernel rbf
error "unknown kernel" 1 "unknown kernel 'cosine'" spectrum $D --kernel cosine
error "linear with keys" 1 "linear takes no parameters" spectrum $D --kernel linear:gamma=1
error "constant column" 1 "column 'p0' is constant" spectrum $D --standardize
error "no label" 1 "--y" spectrum --data "$R/digits.csv.gz"
error "unknown label" 1 "no column 'label'" spectrum --data "$R/digits.csv.gz" --y label
printf 'a,b,y\n1,2,3\n2,nan,1\n3,1,2\n4,4,0\n' >"$TMP/nan.csv"
error "nan cell" 1 "data row 2, column 'b': value is not finite" \
  spectrum --data "$TMP/nan.csv" --y y
awk 'BEGIN { print "x,y"; for (i = 0; i < 5001; i++) printf "%d,%d\n", i % 7, i % 3 }' >"$TMP/big.csv"
error "row limit" 1 "limit of 5000 rows" spectrum --data "$TMP/big.csv" --y y --kernel rbf:gamma=1
grep -qF -- "--max-rows" "$ERR" || fail "row limit message names --max-rows"
CHECKS=$((CHECKS + 1))
ok "max-rows under the limit" spectrum --data "$TMP/big.csv" --y y --kernel rbf:gamma=1 --max-rows 50
ok "linear kernel has no row limit" spectrum --data "$TMP/big.csv" --y y
error "curve row limit" 1 "limit of 5000 rows" gcv --learning-curve 10 --data "$TMP/big.csv" --y y
error "curve P limit" 1 "P = 6000" gcv --learning-curve 10,6000 $D
error "curve without data" 1 "needs --data" gcv --learning-curve 10
error "fit spectrum short window" 1 "at least 4 modes" fit --spectrum "$TMP/diab.spec" --kmin 2 --kmax 4
error "fit spectrum kmin alone" 1 "go together" fit --spectrum "$TMP/diab.spec" --kmin 2

finish
