#!/bin/sh
# --exact: every column the theory commands print agrees to 1e-13 with and
# without compressed spectra (deq/spectrum_rule.h), on power-law,
# log-uniform, two-cluster and file spectra with multiplicities; the
# linear-views ensembles (subsample) with their pair sums; the
# two-point function at real z1, z2 from 0 to 1e300 (two poles
# -kappa1, -kappa2 <= 0), A = I and A = Sigma.
. "$(dirname "$0")/lib.sh"

# tables_agree NAME A B: same header, same number of rows, every numeric
# field within 1e-13 relative (of the larger, or of 1e-290 if both are
# smaller).
tables_agree() {
  CHECKS=$((CHECKS + 1))
  msg=$(awk -F '\t' -v tol=1e-13 '
    function abs(x) { return x < 0 ? -x : x }
    NR == FNR { a[FNR] = $0; n = FNR; next }
    { if (!(FNR in a)) { print "extra row " FNR; bad = 1; exit }
      split(a[FNR], f, "\t")
      for (i = 1; i <= NF; i++) {
        if (f[i] == $i) continue
        num = "^[-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$"
        x = f[i] + 0; y = $i + 0; m = abs(x) > abs(y) ? abs(x) : abs(y)
        # inf, nan and words: equal strings; below 1e-290 (terms near the
        # subnormal range) an absolute 1e-13 * 1e-290, as t-compress.c
        if (m < 1e-290) m = 1e-290
        if (f[i] !~ num || $i !~ num || abs(x - y) > tol * m) {
          print "row " FNR " field " i ": " f[i] " vs " $i; bad = 1 }
      }
      rows = FNR }
    END { if (!bad && rows != n) print "rows " rows " vs " n }' "$2" "$3")
  [ -z "$msg" ] || fail "$1: $(echo "$msg" | head -n 3)"
}

# compare NAME ARGS...: deq ARGS with and without --exact.
compare() {
  name=$1
  shift
  ok "$name" "$@" || return
  cp "$OUT" "$TMP/compressed.tsv"
  ok "$name --exact" "$@" --exact || return
  cp "$OUT" "$TMP/exact.tsv"
  tables_agree "$name: compressed = exact" "$TMP/compressed.tsv" "$TMP/exact.tsv"
}

PL="powerlaw:alpha=1.5,n=200000"
LU="loguniform:n=20000,lo=1e-6,hi=1"

run ridge --help
check "ridge --help documents --exact" grep -q -- --exact "$OUT"
run mc ridge --exact --spectrum iso:n=10
check "mc ridge has no --exact" [ "$RC" -eq 1 ]

compare "ridge power law" ridge --spectrum "$PL" --target source:r=0.4 --noise 0.1 --P 10:1e5:40:log --lambda 0,1e-4,1
compare "ridge log-uniform" ridge --spectrum "$LU" --target iso --noise 0.1 --P 10:1e5:25:log --lambda 0,1e-8,1e-2
compare "ridge inf power law" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.3 --P 1:1e6:20:log --lambda 1e-6
compare "rf power law" rf --spectrum "$PL" --target source:r=0.4 --noise 0.1 --features 50,2000 --P 100,3000 --lambda 0,1e-3
compare "corr ar1" corr --spectrum "$LU" --target iso --noise 0.5 --corr ar1:rho=0.7 --P 400 --lambda 1e-4,0.05
compare "ensemble" ensemble --spectrum "$PL" --target source:r=0.4 --noise 0.1 --members 1,4 --features 100 --P 300 --lambda 1e-3,0.1

# a file spectrum with multiplicities
awk 'BEGIN { for (i = 1; i <= 6000; i++) { s = exp(-18 * ((i * 0.618034) % 1)); printf "%.17g %.17g %d\n", s, s * ((i * 0.414214) % 1), 1 + i % 3 } }' > "$TMP/spec.txt"
compare "ridge file" ridge --spectrum "file:$TMP/spec.txt" --noise 0.1 --P 10:1e4:20:log --lambda 0,1e-5,0.1

# the two-point function (ridges z1, z2 from 0 to 1e300)
Z1=0,1e-6,1e-2,10
Z2=0,1e-4,1,1e100,1e300
compare "twopoint power law" twopoint --spectrum "$PL" --target source:r=0.4 --P 10,1000,1e5,1e6 --z1 "$Z1" --z2 "$Z2"
compare "twopoint power law sigma" twopoint --spectrum "$PL" --target source:r=0.4 --weights sigma --P 10,1000,1e5,1e6 --z1 "$Z1" --z2 "$Z2"
compare "twopoint log-uniform" twopoint --spectrum "$LU" --target iso --P 10,1e3,1e5 --z1 "$Z1" --z2 "$Z2"
compare "twopoint file" twopoint --spectrum "file:$TMP/spec.txt" --weights sigma --P 10,1e3,1e5 --z1 "$Z1" --z2 "$Z2"
# two clusters (around 1 and 1e-3) with multiplicities 1..5
awk 'BEGIN { for (i = 1; i <= 8000; i++) { c = i <= 4000 ? 1 : 1e-3; s = c * (0.8 + 0.4 * ((i * 0.618034) % 1)); printf "%.17g %.17g %d\n", s, s * ((i * 0.414214) % 1), 1 + i % 5 } }' > "$TMP/cluster.txt"
compare "twopoint two clusters" twopoint --spectrum "file:$TMP/cluster.txt" --P 10,1e3,3e4,1e5 --z1 "$Z1" --z2 "$Z2"
compare "ridge two clusters" ridge --spectrum "file:$TMP/cluster.txt" --noise 0.1 --P 10:1e5:20:log --lambda 0,1e-5,0.1
# linear views: the pair sums on per-pair rules (random overlapping and
# disjoint subsets, eta = 0 and > 0, lambda = 0 below N_r up to 1e300)
compare "subsample power law" subsample --spectrum "$PL" --target source:r=0.4 --noise 0.1 --members 1,4 --fraction 0.3 --eta 0.1 --P 100,3000,1e5 --lambda 0,1e-4,1,1e300
compare "subsample log-uniform disjoint" subsample --spectrum "$LU" --target iso --noise 0.1 --members 2,4 --disjoint --P 10,1000,4000 --lambda 0,1e-6,1e-2 --readout-noise 0.2
cat > "$TMP/views.txt" <<'VIEWS'
1-9000            eta=0.3 lambda=0.05
fraction=0.67,seed=6
fraction=0.4,seed=7  eta=0.01
2000-6000,12000-20000
VIEWS
compare "subsample two clusters views" subsample --spectrum "file:$TMP/cluster.txt" --noise 0.1 --views "$TMP/views.txt" --P 10,1000,5000,1e5 --lambda 0,1e-5,0.1,1e300
# per-atom weights: every atom is summed (the kappas are compressed)
awk '{ print 1 + NR % 7 }' "$TMP/spec.txt" > "$TMP/weights.txt"
compare "twopoint weight values" twopoint --spectrum "file:$TMP/spec.txt" --weight-values "file:$TMP/weights.txt" --P 10,1e3 --z1 0,1e-3 --z2 0,1

finish
