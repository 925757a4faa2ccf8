#!/bin/sh
# run-long.sh -- long statistical sweeps (make check-long), not part of
# make check.  Every run prints its seed; DEQ_TEST_SEED overrides it.
#  1. Ridge Monte Carlo at N = 100..800, both sides of the threshold:
#     |z| < 4 for E_g, E_tr and GCV, and the relative gap of the
#     self-averaging df1 shrinking by at least 1.5x per doubling of N.
#  2. The fitted Monte Carlo exponent of a ridgeless power-law curve
#     against the exponent of the theory curve on the same window.
#  3. Linear-attention ICL pretraining (deq mc icl) at d = 25, 50, 100:
#     the gap of e_ICL and e_IDG to theory shrinking with d, and the
#     extrapolation to d = inf, quadratic in 1/d through the three sizes
#     ((8 e(100) - 6 e(50) + e(25))/3: the gap is a/d + b/d^2 with b
#     visible at this accuracy), within 4 standard errors.
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

# 3. ICL: five-level pretraining tasks (each level on d/5 directions, so
# d = 25, 50, 100 all fit), the reversed levels as test tasks, tau < 1
# (kernel path, n = d^2/2 contexts) and a small ridge.
printf '1.8 0 1\n1.4 0 1\n1 0 1\n0.6 0 1\n0.2 0 1\n' > "$tmp/tr.txt"
printf '0.2 0 1\n0.6 0 1\n1 0 1\n1.4 0 1\n1.8 0 1\n' > "$tmp/anti.txt"
for d in 25 50 100; do
  "$DEQ" mc icl --alpha 1 --kappa 0.5 --tau 0.5 --noise 0.1 --lambda 0.1 \
    --task-spectrum "file:$tmp/tr.txt" --test-task-spectrum "file:$tmp/anti.txt" \
    --d "$d" --trials 40 --seed "$seed" > "$tmp/icl$d.tsv" 2>/dev/null
done
for q in e_ICL e_IDG; do
  line=$(for d in 25 50 100; do
    awk -F'\t' -v q="$q" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { printf "%s %s %s ", $c[q], $c[q "_mc"], $c[q "_se"] }' "$tmp/icl$d.tsv"
  done)
  set -- $line
  echo "icl $q: theory $1; d=25 $2 +- $3, d=50 $5 +- $6, d=100 $8 +- $9"
  if ! awk -v t="$1" -v a="$2" -v b="$5" -v c="$8" -v sa="$3" -v sb="$6" -v sc="$9" 'BEGIN {
      ga = a - t; gb = b - t; gc = c - t
      if (ga < 0) ga = -ga; if (gb < 0) gb = -gb; if (gc < 0) gc = -gc
      ext = (8 * c - 6 * b + a) / 3
      se = sqrt(64 * sc * sc + 36 * sb * sb + sa * sa) / 3; z = (ext - t) / se
      printf "  gaps %.4f %.4f %.4f; extrapolated %.5f +- %.5f, z = %.2f\n", ga, gb, gc, ext, se, z
      exit !(gb < ga + 2 * sb && gc < gb + 2 * sc && z < 4 && z > -4) }'; then
    echo "  FAIL: gap not shrinking or |z| >= 4"; fail=1
  fi
done

[ "$fail" = 0 ] && echo "check-long: all passed" || echo "check-long: FAILED"
exit "$fail"
