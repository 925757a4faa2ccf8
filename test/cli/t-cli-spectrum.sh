#!/bin/sh
# deq spectrum: atoms of every spectrum kind and of files, targets, merging
# and sorting, and the summary row.
. "$(dirname "$0")/lib.sh"

HEADER="index eigenvalue multiplicity target_power"
SUMMARY="atoms dim rank trace signal alpha_eff"

run spectrum --help
check "spectrum --help exits 0" [ "$RC" -eq 0 ]
check "spectrum --help documents --summary" grep -q -- --summary "$OUT"

# ---------------------------------------------------------------- generated kinds
# iso:n=5 with |w|^2 = 2: one atom (1, multiplicity 5, target 2 m s/dim = 2).
if ok "iso" spectrum --spectrum iso:n=5 --target iso:norm=2; then
  same "atoms header" "$(header)" "$HEADER"
  same "iso: one atom" "$(rows)" 1
  same "iso index" "$(col index)" 1
  same "iso eigenvalue" "$(col eigenvalue)" 1
  same "iso multiplicity" "$(col multiplicity)" 5
  close "iso target power" "$(col target_power)" 2 1e-15
fi
ok "iso scale, no target" spectrum --spectrum iso:n=3,scale=2.5 &&
  { same "iso scale" "$(col eigenvalue)" 2.5; same "no target" "$(col target_power)" 0; }

# s_i = exp(log hi - (i - 1/2)/n log(hi/lo)); symmetric: s_i s_{n+1-i} = lo hi.
if ok "loguniform" spectrum --spectrum loguniform:n=4,lo=0.1,hi=10; then
  same "loguniform rows" "$(rows)" 4
  for i in 1 2 3 4; do
    close "loguniform s_$i" "$(col eigenvalue $i)" "$(calc "exp(log(10) - ($i - 0.5)/4 * log(100))")" 1e-14
  done
  close "loguniform symmetry" "$(calc "$(col eigenvalue 1) * $(col eigenvalue 4)")" 1 1e-14
fi

# s_k = k^-alpha, v_k = amp k^-(1 + 2 alpha r): alpha = 2, r = 1/2 gives 2 k^-3.
if ok "powerlaw" spectrum --spectrum powerlaw:alpha=2,n=5 --target source:r=0.5,amp=2; then
  same "powerlaw rows" "$(rows)" 5
  for k in 1 3 5; do
    close "powerlaw s_$k" "$(col eigenvalue $k)" "$(calc "$k^-2")" 1e-15
    close "powerlaw v_$k" "$(col target_power $k)" "$(calc "2 * $k^-3")" 1e-15
  done
fi
ok "powerlaw json" spectrum --spectrum powerlaw:alpha=2,n=5 --target source:r=0.5 --format json &&
  json_ok "spectrum json" spectrum

# ---------------------------------------------------------------- files
# Four atoms with equal eigenvalues merge into one (multiplicities and
# target powers add up).
if ok "merge" spectrum --spectrum "file:$DEQ_DATA/spec-split.txt"; then
  same "merged to one atom" "$(rows)" 1
  same "merged multiplicity" "$(col multiplicity)" 200
  close "merged target power" "$(col target_power)" 1 1e-15
fi
# Atoms come out sorted by decreasing eigenvalue; zero eigenvalues count in
# the dimension, not the rank.
if ok "zero eigenvalue" spectrum --spectrum "file:$DEQ_DATA/spec-zero.txt"; then
  same "sorted eigenvalues" "$(awk 'NR > 1 { printf "%s ", $2 }' "$OUT")" "2 1 0 "
  same "multiplicities follow" "$(awk 'NR > 1 { printf "%s ", $3 }' "$OUT")" "3 5 2 "
fi
if ok "summary file" spectrum --spectrum "file:$DEQ_DATA/spec-zero.txt" --summary; then
  same "summary header" "$(header)" "$SUMMARY"
  same "summary atoms" "$(col atoms)" 3
  same "summary dim" "$(col dim)" 10
  same "summary rank" "$(col rank)" 8
  close "summary trace 2*3 + 1*5" "$(col trace)" 11 1e-15
  close "summary signal" "$(col signal)" 0.5 1e-15
fi
ok "eigenvalues only" spectrum --spectrum "file:$DEQ_DATA/spec-eigs.txt" &&
  same "missing target power is 0" "$(awk 'NR > 1 { printf "%s/%s ", $3, $4 }' "$OUT")" "1/0 1/0 1/0 "

# A target file is in the spectrum's own (file) order, before sorting:
# eigenvalues 1, 3, 2 get 0.2, 0.3, 0.4.
if ok "target file order" spectrum --spectrum "file:$DEQ_DATA/spec-unsorted.txt" \
    --target "file:$DEQ_DATA/target-three.txt"; then
  same "sorted with their targets" "$(awk 'NR > 1 { printf "%s/%s ", $2, $4 }' "$OUT")" \
    "3/0.29999999999999999 2/0.40000000000000002 1/0.20000000000000001 "
fi
ok "target overrides file column" spectrum --spectrum "file:$DEQ_DATA/spec-two.txt" \
  --target "file:$DEQ_DATA/target-two.txt" &&
  same "overridden targets" "$(awk 'NR > 1 { printf "%s ", $4 }' "$OUT")" \
    "0.20000000000000001 0.29999999999999999 "
ok "target none on a file" spectrum --spectrum "file:$DEQ_DATA/spec-two.txt" --target none --summary &&
  same "target none: no signal" "$(col signal)" 0

# ---------------------------------------------------------------- summaries
# alpha = 1.5, n = 1000, source r = 0.4: trace = sum k^-1.5, signal =
# sum k^-2.2, and alpha_eff = 1.5 (mid index of a single mode k is k).
trace=$(awk 'BEGIN { for (k = 1000; k >= 1; k--) t += k^-1.5; printf "%.17g", t }')
signal=$(awk 'BEGIN { for (k = 1000; k >= 1; k--) t += k^-2.2; printf "%.17g", t }')
if ok "summary powerlaw" spectrum --spectrum powerlaw:alpha=1.5,n=1000 --target source:r=0.4 --summary; then
  same "powerlaw atoms" "$(col atoms)" 1000
  same "powerlaw dim" "$(col dim)" 1000
  close "powerlaw trace" "$(col trace)" "$trace" 1e-13
  close "powerlaw signal" "$(col signal)" "$signal" 1e-13
  close "powerlaw alpha_eff" "$(col alpha_eff)" 1.5 1e-9
fi
# n = inf: the trace is zeta(2) = pi^2/6; the tail atoms still follow k^-2.
if ok "summary infinite" spectrum --spectrum powerlaw:alpha=2,n=inf --summary; then
  same "infinite dim" "$(col dim)" inf
  close "zeta(2)" "$(col trace)" "$(calc "atan2(0, -1)^2 / 6")" 1e-10
  close "infinite alpha_eff" "$(col alpha_eff)" 2 1e-3
fi
if ok "summary iso" spectrum --spectrum iso:n=7 --target iso:norm=3 --summary; then
  same "iso alpha_eff needs 3 atoms" "$(col alpha_eff)" nan
  close "iso signal = |w|^2 s" "$(col signal)" 3 1e-15
fi
ok "summary json" spectrum --spectrum iso:n=7 --summary --format json &&
  { json_ok "summary json with nan" spectrum; check "nan is a string" grep -q '"nan"' "$OUT"; }

finish
