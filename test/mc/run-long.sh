#!/bin/sh
# run-long.sh -- long statistical sweeps (make check-long), not part of
# make check.  Every run prints its seed; DEQ_TEST_SEED overrides it.
#  1. Ridge Monte Carlo at N = 100..800, both sides of the threshold:
#     |z| < 4 for E_g, E_tr and GCV, and the relative gap of the
#     self-averaging df1 shrinking by at least 1.5x per doubling of N.
#  2. The fitted Monte Carlo exponent of a ridgeless power-law curve
#     against the exponent of the theory curve on the same window.
set -eu
: "${DEQ:?set DEQ to the deq binary}"
seed=${DEQ_TEST_SEED:-20261128}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# check-long: seed $seed"
for q in 0.5 2; do
  prev=
  for N in 100 200 400 800; do
    P=$(awk -v n="$N" -v q="$q" 'BEGIN { printf "%d", n / q }')
    trials=$(( N >= 800 ? 400 : 1000 ))
    "$DEQ" mc ridge --spectrum loguniform:n="$N",lo=0.1,hi=10 --target iso:norm=1 \
      --noise 0.25 --P "$P" --lambda 0.05 --trials "$trials" --seed "$seed" \
      > "$tmp/mc.tsv" 2>/dev/null
    line=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { gap = ($c["df1_mc"] - $c["df1"]) / $c["df1"]; if (gap < 0) gap = -gap;
        printf "%s %s %s %s %.3e", $c["E_g_z"], $c["E_tr_z"], $c["gcv_z"], $c["df1_z"], gap }' "$tmp/mc.tsv")
    set -- $line
    echo "q=$q N=$N P=$P trials=$trials: z(E_g)=$1 z(E_tr)=$2 z(gcv)=$3 df1 gap=$5"
    for z in "$1" "$2" "$3"; do
      if awk -v z="$z" 'BEGIN { exit !(z > 4 || z < -4) }'; then
        echo "  FAIL: |z| >= 4"; fail=1
      fi
    done
    if [ -n "$prev" ] && awk -v a="$prev" -v b="$5" 'BEGIN { exit !(b * 1.5 > a) }'; then
      echo "  FAIL: df1 gap did not shrink by 1.5x ($prev -> $5)"; fail=1
    fi
    prev=$5
  done
done

spec="--spectrum powerlaw:alpha=1.5,n=4000 --target source:r=0.4 --noise 0 --lambda 0"
grid="--P 32,45,64,91,128,181,256"
"$DEQ" ridge $spec $grid > "$tmp/de.tsv"
"$DEQ" mc ridge $spec $grid --trials 300 --seed "$seed" > "$tmp/mc.tsv" 2>/dev/null
de=$("$DEQ" fit --y E_g "$tmp/de.tsv" | awk -F'\t' 'NR == 2 { print $1 }')
mc=$("$DEQ" fit --y E_g_mc "$tmp/mc.tsv" | awk -F'\t' 'NR == 2 { print $1, $2 }')
set -- $mc
echo "power law exponent: Monte Carlo $1 +- $2, theory curve $de (asymptote 1.2)"
if awk -v m="$1" -v s="$2" -v d="$de" 'BEGIN { z = (m - d) / s; exit !(z > 3 || z < -3) }'; then
  echo "  FAIL: Monte Carlo exponent more than 3 standard errors from theory"; fail=1
fi

# 3. Chain of thought (spec icl_cot.md section 4.4, a reconstruction):
#    finite pretraining, alpha = 2, tau = 4, rho = 0.1, depth 2: the
#    relative gap to theory shrinks from d = 25 to 50 to 100; tau = Inf
#    at d = 200: |z| < 4 at depths 1, 3, 8.  L-step GD at gamma*:
#    |z| < 4 at D = 100.
prev=
for d in 25 50 100; do
  "$DEQ" mc cot --alpha 2 --tau 4 --noise 0.1 --depth 2 --d "$d" --tests 8 \
    --trials 200 --seed "$seed" > "$tmp/cot.tsv" 2>/dev/null
  gap=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { g = ($c["E_g_mc"] - $c["E_g"]) / $c["E_g"]; printf "%.4e", g < 0 ? -g : g }' "$tmp/cot.tsv")
  echo "cot d=$d tau=4 T=2: relative gap $gap"
  if [ -n "$prev" ] && awk -v a="$prev" -v b="$gap" 'BEGIN { exit !(b >= a) }'; then
    echo "  FAIL: the finite-d gap did not shrink ($prev -> $gap)"; fail=1
  fi
  prev=$gap
done
"$DEQ" mc cot --alpha 2 --noise 0.1 --depth 1,3,8 --d 200 --tests 4 --trials 100 \
  --seed "$seed" > "$tmp/cot.tsv" 2>/dev/null
"$DEQ" mc icl-depth --alpha 1,4 --noise 0.1 --layers 1,4,16 --D 100 --trials 400 \
  --seed "$seed" >> "$tmp/cot.tsv" 2>/dev/null
awk -F'\t' '/^alpha/ { split("", c); for (i = 1; i <= NF; i++) c[$i] = i; next }
  { z = ("E_g_z" in c) ? $c["E_g_z"] : $c["E_test_z"];
    printf "cot/icl-depth row: z = %s\n", z; if (z > 4 || z < -4) bad = 1 }
  END { exit bad }' "$tmp/cot.tsv" || { echo "  FAIL: |z| >= 4"; fail=1; }

[ "$fail" = 0 ] && echo "check-long: all passed" || echo "check-long: FAILED"
exit "$fail"
