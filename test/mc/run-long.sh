#!/bin/sh
# run-long.sh -- long statistical sweeps (make check-long), not part of
# make check.  Every run prints its seed; DEQ_TEST_SEED overrides it.
#  1. Ridge Monte Carlo at N = 100..800, both sides of the threshold:
#     |z| < 4 for E_g, E_tr and GCV, and the relative gap of the
#     self-averaging df1 shrinking by at least 1.5x per doubling of N.
#  2. The fitted Monte Carlo exponent of a ridgeless power-law curve
#     against the exponent of the theory curve on the same window.
#  3. Feature-subsampled ensembles at N = 100, 200, 400 (see below).
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

# 3. Feature-subsampled ensembles (deq mc subsample): three random members
#    of half the coordinates with feature noise, P = N/2, N = 100, 200,
#    400: |z| < 4 for E_ens, E_diag, E_cross, and the relative gap of E_ens
#    at N = 400 no larger than at N = 100 (within two standard errors).
first_gap= first_se=
for N in 100 200 400; do
  P=$((N / 2))
  "$DEQ" mc subsample --spectrum loguniform:n="$N",lo=0.1,hi=10 --target iso:norm=1 \
    --noise 0.25 --members 3 --fraction 0.5 --eta 0.3 --P "$P" --lambda 0.02 \
    --trials 2000 --seed "$seed" > "$tmp/mc.tsv" 2>/dev/null
  line=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { gap = ($c["E_ens_mc"] - $c["E_ens"]) / $c["E_ens"]; if (gap < 0) gap = -gap;
      printf "%s %s %s %.3e %.3e", $c["E_ens_z"], $c["E_diag_z"], $c["E_cross_z"], gap,
        $c["E_ens_se"] / $c["E_ens"] }' "$tmp/mc.tsv")
  set -- $line
  echo "subsample N=$N P=$P: z(E_ens)=$1 z(E_diag)=$2 z(E_cross)=$3 E_ens gap=$4 (se $5)"
  for z in "$1" "$2" "$3"; do
    if awk -v z="$z" 'BEGIN { exit !(z > 4 || z < -4) }'; then
      echo "  FAIL: |z| >= 4"; fail=1
    fi
  done
  if [ -z "$first_gap" ]; then
    first_gap=$4 first_se=$5
  elif [ "$N" = 400 ] && awk -v a="$first_gap" -v sa="$first_se" -v b="$4" -v sb="$5" \
      'BEGIN { exit !(b > a + 2 * sqrt(sa * sa + sb * sb)) }'; then
    echo "  FAIL: the E_ens gap grew from N = 100 to N = 400"; fail=1
  fi
done

[ "$fail" = 0 ] && echo "check-long: all passed" || echo "check-long: FAILED"
exit "$fail"
