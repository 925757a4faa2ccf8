#!/bin/sh
# t-cli-gcv.sh -- `deq gcv` on real data (test/data/real, see its README):
# the diabetes regression (sklearn) and lagged regressions on the yearly
# sunspot series (statsmodels), output structure, selected lambdas, and
# bad input.
. "$(dirname "$0")/lib.sh"

R=$DEQ_DATA/real
GRID=1e-4:10:6:log

# --- diabetes: 442 rows, 10 features + intercept -------------------------
if ok "diabetes" gcv --data "$R/diabetes.csv.gz" --y y --standardize \
    --lambda 0,1e-4,1e-3,1e-2,1e-1,1,10; then
  same "diabetes header" "$(header)" "lambda E_tr gcv loo corrgcv df1 kappa_K"
  same "diabetes rows" "$(rows)" 7
  # Least squares on the diabetes data: the residual mean square 2859.69
  # is the value scikit-learn's documentation example prints for the full
  # data; df = 11 (10 features + intercept) at lambda = 0.
  close "diabetes OLS train" "$(col E_tr 1)" 2859.69 5e-6
  close "diabetes OLS df" "$(col df1 1)" 11 1e-12
  close "diabetes OLS gcv" "$(col gcv 1)" \
    "$(calc "t = $(col E_tr 1); t / (1 - 11/442)^2")" 1e-12
  same "diabetes corrgcv without K" "$(col corrgcv 1)" nan
  # df falls and train rises with lambda; LOO and GCV exceed train
  CHECKS=$((CHECKS + 1))
  awk -F '\t' 'NR > 2 && ($6 >= df || $2 < tr) { bad = 1 }
    NR > 1 { df = $6; tr = $2; if ($3 <= $2 || $4 <= $2) bad = 1 }
    END { exit bad }' "$OUT" || fail "diabetes monotone df/train"
  # the selected lambdas: one line each, values from the grid, the argmin
  for c in gcv loo; do
    sel=$(sed -n "s/^# selected: $c lambda=\([^ ]*\) value=.*/\1/p" "$ERR")
    want=$(awk -F '\t' -v c=$c 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
      NR == 2 || $k < best { best = $k; lam = $1 } END { print lam }' "$OUT")
    close "diabetes selected $c" "$sel" "$want" 1e-15
  done
  close "diabetes selects lambda 0.01" "$(sed -n 's/^# selected: gcv lambda=\([^ ]*\).*/\1/p' "$ERR")" 0.01 1e-12
  cp "$OUT" "$TMP/diabetes.tsv"
fi

# the same file uncompressed, and with its rows reversed: GCV and LOO only
# see the rows as a set
gzip -dc "$R/diabetes.csv.gz" >"$TMP/diab.csv"
if ok "diabetes plain" gcv --data "$TMP/diab.csv" --y y --standardize \
    --lambda 0,1e-4,1e-3,1e-2,1e-1,1,10; then
  same "gz = plain" "$(cat "$OUT")" "$(cat "$TMP/diabetes.tsv")"
fi
{ head -n 1 "$TMP/diab.csv"; tail -n +2 "$TMP/diab.csv" | sort -r; } >"$TMP/rev.csv"
if ok "diabetes reversed" gcv --data "$TMP/rev.csv" --y y --standardize \
    --lambda 0,1e-4,1e-3,1e-2,1e-1,1,10; then
  for r in 1 4 7; do
    close "reversed gcv $r" "$(col gcv $r)" "$(col gcv $r "$TMP/diabetes.tsv")" 1e-10
    close "reversed loo $r" "$(col loo $r)" "$(col loo $r "$TMP/diabetes.tsv")" 1e-10
  done
fi

# A file above the parallel reader's 1 MiB: read by one streaming thread
# and by two threads on its mapped text, the same table, the same output
awk 'BEGIN { printf "y"; for (j = 1; j <= 10; j++) printf ",x%d", j; print "";
  for (i = 0; i < 12000; i++) { if (i % 997 == 0) print "# c"; printf "%.17g", sin(i);
    for (j = 1; j <= 10; j++) printf ",%.17g", cos(i * j + 0.5); print "" } }' >"$TMP/big.csv"
saved_omp=${OMP_NUM_THREADS-unset}
for n in 1 2; do
  OMP_NUM_THREADS=$n
  export OMP_NUM_THREADS
  if ok "reader on $n threads" gcv --data "$TMP/big.csv" --y y \
      --lambda 1e-3,1e-1; then
    cp "$OUT" "$TMP/big$n.tsv"
  fi
done
if [ "$saved_omp" = unset ]; then unset OMP_NUM_THREADS; else OMP_NUM_THREADS=$saved_omp; fi
same "1 and 2 reader threads" "$(cat "$TMP/big1.tsv")" "$(cat "$TMP/big2.tsv")"

# K = I: CorrGCV is GCV
if ok "diabetes iid" gcv --data "$R/diabetes.csv.gz" --y y --columns bmi,bp,s5 \
    --lambda $GRID --corr iid; then
  for r in 1 3 6; do
    close "iid corrgcv = gcv $r" "$(col corrgcv $r)" "$(col gcv $r)" 1e-12
  done
  close "3 features df" "$(col df1 1)" 4 1e-3
  grep -q '^# selected: corrgcv lambda=' "$ERR" || { CHECKS=$((CHECKS + 1)); fail "iid: no corrgcv selection"; }
fi

if ok "diabetes json" gcv --data "$R/diabetes.csv.gz" --y y --lambda $GRID --format json; then
  json_ok "diabetes json" gcv
fi

# --- sunspots: y_t from y_{t-4}, y_{t-5}, y_{t-6}; residuals of a
# 4-step-ahead forecast are strongly autocorrelated, so naive GCV is
# optimistic and CorrGCV (AR(1) K from the residuals) is larger at every
# lambda (spec section 3.4: GCV -> E_test kappa_K (df - df2^K)/(P (1 -
# df/P)^2) < E_test for positive correlations).
if ok "sunspots h=4" gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 3 \
    --horizon 4 --standardize --lambda 1e-3:1e3:7:log --corr-estimate ar1 \
    --holdout 50; then
  same "sunspots header" "$(header)" "lambda E_tr gcv loo corrgcv df1 kappa_K holdout"
  same "sunspots rows" "$(rows)" 7
  CHECKS=$((CHECKS + 1))
  awk -F '\t' 'NR > 1 && !($5 > $3) { bad = 1 } END { exit bad }' "$OUT" ||
    fail "sunspots: corrgcv > gcv"
  rho=$(sed -n 's/^# rho: \([^ ]*\) .*/\1/p' "$ERR")
  CHECKS=$((CHECKS + 1))
  awk -v r="$rho" 'BEGIN { exit !(r > 0.5 && r < 0.99) }' || fail "sunspots rho $rho"
  CHECKS=$((CHECKS + 1))
  [ "$(grep -c '^# selected: ' "$ERR")" -eq 4 ] || fail "sunspots: 4 selections: $(cat "$ERR")"
  # 309 years - (3 + 4 - 1) lags - 50 held out = 253 training rows
  close "sunspots df <= 4" "$(col df1 1)" 4 0.01
fi
# one-step-ahead with 9 lags: residuals nearly white, CorrGCV ~ GCV
if ok "sunspots h=1" gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 9 \
    --lambda 1e-3:1e3:7:log --corr-estimate ar1:lambda=1; then
  close "sunspots h=1 corrgcv ~ gcv" "$(col corrgcv 4)" "$(col gcv 4)" 0.05
  grep -q '^# rho: .* at lambda=1)$' "$ERR" || { CHECKS=$((CHECKS + 1)); fail "rho line: $(cat "$ERR")"; }
fi
# AR(1) K given: same rows as its estimate at that rho
if ok "sunspots ar1 given" gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 9 \
    --lambda 1 --corr ar1:rho=0.5; then
  CHECKS=$((CHECKS + 1))
  awk -F '\t' 'NR == 2 { exit !($5 > $3) }' "$OUT" || fail "ar1 0.5: corrgcv > gcv"
fi

# --- bad input ----------------------------------------------------------
error "missing cell (co2)" 1 "--data: "$R"/co2.csv.gz:8:2: empty field" \
  gcv --data "$R/co2.csv.gz" --y co2 --lambda 1
printf 'a,b,y\n1,2,3\n4,x5,6\n' >"$TMP/text.csv"
error "non-numeric cell" 1 "text.csv:3:2: not a number" \
  gcv --data "$TMP/text.csv" --y y --lambda 1
printf 'a,b,y\n1,2,3\n1,3,5\n1,5,6\n1,7,9\n' >"$TMP/const.csv"
error "constant under --standardize" 1 "feature 'a' is constant" \
  gcv --data "$TMP/const.csv" --y y --lambda 1 --standardize
run gcv --data "$TMP/const.csv" --y y --lambda 1
same "constant without --standardize" "$RC" 0
printf 'a,y\n1,3\n2,5\n' >"$TMP/short.csv"
error "too few rows" 1 "need at least 3" \
  gcv --data "$TMP/short.csv" --y y --lambda 1
error "too few rows for lags" 1 "need at least" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 400 --lambda 1
error "unknown label" 1 "no column 'nope'" \
  gcv --data "$R/sunspots.csv" --y nope --lambda 1
error "unknown feature" 1 "no column 'zz'" \
  gcv --data "$R/diabetes.csv.gz" --y y --columns bmi,zz --lambda 1
error "missing file" 1 "no-such.csv" \
  gcv --data "$TMP/no-such.csv" --y y --lambda 1
error "rho out of range" 1 "rho must be" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 2 --lambda 1 --corr ar1:rho=1
error "horizon without lags" 1 "--horizon needs --lags" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --horizon 2 --lambda 1
error "no lambda" 1 "--lambda is required" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY
error "negative lambda" 1 "--lambda" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lambda -1
error "two corr options" 1 "only one of" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lambda 1 --corr iid --corr-estimate ar1
printf '1\n1\n1\n' >"$TMP/K3.txt"
error "K eigenvalues of the wrong size" 1 "dimension 3" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 2 --lambda 1 --corr "eigs:file=$TMP/K3.txt"
printf '1 0.5 0\n0.5 1 0.5\n0 0.5 1\n' >"$TMP/K3m.txt"
error "K matrix of the wrong size" 1 "K is 3 x 3" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 2 --lambda 1 --corr "file:$TMP/K3m.txt"

# --corr means the same in deq gcv as in deq corr: file:PATH is the P x P
# matrix.  On a 6-row data set, K = AR(1) given as its matrix, as its
# eigenvalues and as ar1:rho gives the same CorrGCV.
printf 'x,y\n0.3,1.2\n-1.1,0.4\n0.8,2.0\n1.5,1.1\n-0.2,-0.7\n0.9,0.3\n' >"$TMP/six.csv"
awk 'BEGIN { for (i = 0; i < 6; i++) { l = ""; for (j = 0; j < 6; j++)
  l = l (j ? " " : "") 0.6 ^ (i > j ? i - j : j - i); print l } }' >"$TMP/K6.txt"
if ok "corr ar1 on six rows" gcv --data "$TMP/six.csv" --y y --lambda 0.1 --corr ar1:rho=0.6; then
  ref=$(col corrgcv)
  ok "corr matrix on six rows" gcv --data "$TMP/six.csv" --y y --lambda 0.1 --corr "file:$TMP/K6.txt" &&
    close "file:K equals ar1:rho" "$(col corrgcv)" "$ref" 1e-12
  ok "deprecated --features" gcv --data "$TMP/six.csv" --y y --features x --lambda 0.1 --corr ar1:rho=0.6 &&
    { close "--features = --columns" "$(col corrgcv)" "$ref" 0;
      check "--features names --columns" grep -q -- "--columns" "$ERR"; }
fi

# Counts are range-checked integers (a huge value was cast to 0).
error "huge horizon" 1 "--horizon '1e300'" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 2 --horizon 1e300 --lambda 1
error "huge holdout" 1 "--holdout '100000000000000000000'" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --holdout 100000000000000000000 --lambda 1
printf '1\n0.9\n' >"$TMP/acf.txt"
error "acf not positive definite" 1 "positive definite" \
  gcv --data "$R/sunspots.csv" --y SUNACTIVITY --lags 2 --lambda 1 --corr "acf:file=$TMP/acf.txt"

# A truncated gzip file is an error, never the rows before the damage.
head -c 400 "$R/diabetes.csv.gz" > "$TMP/trunc.csv.gz"
error "truncated gzip data" 1 "trunc.csv.gz" \
  gcv --data "$TMP/trunc.csv.gz" --y y --lambda 1

# Data near the ends of the double range (issue 8): the estimators are
# invariant under scaling the design, and scale with the labels squared.
zcat "$R/diabetes.csv.gz" 2>/dev/null | awk -F, -v OFS=, 'NR == 1 { print; next }
  { for (i = 1; i <= NF; i++) $i = $i * 1e150; print }' > "$TMP/big150.csv"
if [ -s "$TMP/big150.csv" ] &&
   ok "diabetes scaled by 1e150" gcv --data "$TMP/big150.csv" --y y --standardize --lambda 0; then
  close "scaled df1 = 11" "$(col df1)" 11 1e-12
  close "scaled E_tr = 1e300 E_tr" "$(col E_tr)" 2.8596963475867501e+303 1e-12
  close "scaled loo" "$(col loo)" 3.0017528469994304e+303 1e-12
fi
zcat "$R/diabetes.csv.gz" 2>/dev/null | awk -F, -v OFS=, 'NR == 1 { print; next }
  { $1 = $1 * 1e-160; $2 = $2 * 1e160; print }' > "$TMP/mixed.csv"
if [ -s "$TMP/mixed.csv" ] &&
   ok "columns at 1e-160 and 1e160, standardised" gcv --data "$TMP/mixed.csv" --y y --columns age,sex --standardize --lambda 0; then
  close "standardised df1 = 3" "$(col df1)" 3 1e-12
fi
zcat "$R/diabetes.csv.gz" 2>/dev/null | awk -F, -v OFS=, 'NR == 1 { print; next }
  { $NF = $NF * 1e160; print }' > "$TMP/bigy.csv"
[ -s "$TMP/bigy.csv" ] && error "squared labels beyond the double range" 2 "exceeds the double range" \
  gcv --data "$TMP/bigy.csv" --y y --lambda 1

finish
