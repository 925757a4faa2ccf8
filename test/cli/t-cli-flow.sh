#!/bin/sh
# deq flow: the spec sheet's table 2.5 (scaling_dynamics, an independent
# numpy script; its contour ran in double precision, about 2e-7), t = 0
# and t = inf, the interpolation peak, and input errors (exit 1, no rows).
. "$(dirname "$0")/lib.sh"

HEADER="N P t E_g E_test kappa0 signal"
SP="--spectrum powerlaw:alpha=1.5,n=1500 --target source:r=0.4 --noise 0.05"

run flow --help
check "flow --help" [ "$RC" -eq 0 ]

if ok "RF" flow $SP --N 100 --P 400 --time 0,1e3,inf; then
  same "header" "$(header)" "$HEADER"
  close "N=100 P=400 t=1e3" "$(col E_g 2)" 4.32706371e-02 1e-6
  same "t = 0 is the signal" "$(col E_g 1)" "$(col signal 1)"
  close "E_test = E_g + noise" "$(col E_test 2)" "$(calc "$(col E_g 2) + 0.05")" 1e-15
fi
if ok "LR" flow $SP --N inf --P 200 --time 10; then
  close "linear regression P=200 t=10" "$(col E_g)" 7.68458989e-02 1e-6
fi
if ok "ridgeless" flow $SP --N 300 --P 150 --time inf; then
  close "ridgeless RF N=300 P=150" "$(col E_g)" 1.05988132e-01 2e-8
fi
run flow $SP --N 100 --P 100 --time inf
check "peak: exit 0" [ "$RC" -eq 0 ]
check "peak: E_g inf" grep -q inf "$OUT"
run flow $SP --N 100 --P 400 --time -1
check "negative time: exit 1" [ "$RC" -eq 1 ]
run flow $SP --N 0 --P 400 --time 1
check "N = 0: exit 1" [ "$RC" -eq 1 ]
# deq mc flow: the direct simulation (exact flow through the SVD of the
# sampled features) on both sides of the bottleneck, |z| < 4 after t = 0
# (exact: v = 0), bitwise the same on 1 and 2 threads; N = inf is theory
# only.
MC="--spectrum loguniform:n=60,lo=0.1,hi=10 --target iso:norm=1 --noise 0.05 --time 0,1,10,inf --trials 200 --seed 4"
if ok "mc flow" mc flow $MC --N 30 --P 90 --threads 2; then
  same "mc header" "$(header)" "N P t E_g E_g_mc E_g_se E_g_z"
  same "t = 0 is the signal" "$(col E_g_mc 1)" "$(col E_g 1)"
  for r in 2 3 4; do
    check "E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
  cp "$OUT" "$TMP/mc2"
  ok "mc flow 1 thread" mc flow $MC --N 30 --P 90 --threads 1 &&
    check "bitwise the same on 1 and 2 threads" cmp -s "$OUT" "$TMP/mc2"
fi
if ok "mc flow N > P" mc flow $MC --N 90 --P 30; then
  for r in 2 3 4; do
    check "N > P: E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
fi
run mc flow $MC --N inf --P 30
check "mc flow N = inf: exit 1" [ "$RC" -eq 1 ]
check "mc flow N = inf: no rows" [ ! -s "$OUT" ]
check "mc flow N = inf: says why" grep -q "needs finite N and P" "$ERR"

error "non-monotone time" 1 "time: values must be strictly increasing (entry 3 is 10 after inf)" \
  flow $SP --N 100 --P 400 --time 1,inf,10
finish
