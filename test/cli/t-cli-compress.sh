#!/bin/sh
# --exact: every column the theory commands print agrees to 1e-13 with and
# without compressed spectra (deq/spectrum_rule.h), on power-law,
# log-uniform and file spectra with multiplicities.
. "$(dirname "$0")/lib.sh"

# tables_agree NAME A B: same header, same number of rows, every numeric
# field within 1e-13 relative (or both below 1e-290).
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
        # inf, nan, words and values in the subnormal range: equal strings
        if (f[i] !~ num || $i !~ num || m < 1e-290 || abs(x - y) > tol * m) {
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

finish
