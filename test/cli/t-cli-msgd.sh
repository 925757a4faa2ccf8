#!/bin/sh
# deq msgd / deq mc msgd: closed forms for Sigma = I at t = 1 (moments of
# the Marchenko-Pastur law), the one-pass default step size at P = inf
# (stability bound 2B/(N + B)), full-batch GD as B -> inf, a seeded Monte
# Carlo with |z| < 4 that is the same on 1 and 2 threads (and one at
# P = N), B -> inf at P = N, N (1 -+ 1e-3) and P < N, and input
# errors (exit 1, no rows).
. "$(dirname "$0")/lib.sh"

HEADER="step P lr batch epoch E_g E_test E_tr E_g_gd E_tr_gd"
SP="--spectrum iso:n=100 --target iso:norm=2 --noise 0.3"

run msgd --help
check "msgd --help" [ "$RC" -eq 0 ]
check "--help names the stability bound" grep -q 'stability' "$OUT"

# q = N/P = 0.4, eta = 0.01, B = 2, |wbar|^2 = 2, sigma^2 = 0.3, c = eta^2/B:
# E_g(1)  = 2 (1 - 2 eta + eta^2 (1 + q)) + sigma^2 q eta^2 + c N (2 + sigma^2)
# E_tr(1) = 2 (1 - 2 eta (1 + q) + eta^2 (1 + 3q + q^2))
#           + (sigma^2/P) ((P - N) + N (1 - 2 eta + eta^2 (1 + q)))
#           + c N (1 + q) (2 + sigma^2)
V="e = 0.01; q = 0.4; c = e * e / 2"
if ok "iso" msgd $SP --P 250 --lr 0.01 --batch 2 --steps 0,1; then
  same "header" "$(header)" "$HEADER"
  close "t = 0 E_g" "$(col E_g 1)" 2 1e-12
  close "t = 0 E_tr" "$(col E_tr 1)" 2.3 1e-12
  close "t = 1 E_g" "$(col E_g 2)" "$(calc "$V; 2 * (1 - 2 * e + e * e * (1 + q)) + 0.3 * q * e * e + c * 100 * 2.3")" 1e-12
  close "t = 1 E_tr" "$(col E_tr 2)" "$(calc "$V; 2 * (1 - 2 * e * (1 + q) + e * e * (1 + 3 * q + q * q)) + 0.3 / 250 * (150 + 100 * (1 - 2 * e + e * e * (1 + q))) + c * 100 * (1 + q) * 2.3")" 1e-12
  close "epoch = t B/P" "$(col epoch 2)" 0.008 1e-15
  close "E_test = E_g + noise" "$(col E_test 2)" "$(calc "$(col E_g 2) + 0.3")" 1e-15
fi
# one pass: S = (eta/B) N/(2 - eta) = 1 at eta = 2B/(N + B); default half
if ok "P = inf" msgd $SP --P inf --batch 1 --steps 5; then
  close "lr = 1/(N + 1)" "$(col lr)" "$(calc "1 / 101")" 1e-12
  close "one pass: E_tr = E_g + noise" "$(col E_tr)" "$(calc "$(col E_g) + 0.3")" 1e-14
fi
if ok "B -> inf" msgd $SP --P 250 --lr 0.2 --batch 1e15 --steps 40; then
  close "E_g = GD" "$(col E_g)" "$(col E_g_gd)" 1e-12
  G=$(col E_g_gd)
  ok "gd" gd $SP --P 250 --lr 0.2 --steps 40 &&
    close "E_g_gd = deq gd" "$G" "$(col E_g)" 1e-15
fi
# P = N and N (1 -+ 1e-3) on the lens: B -> inf is deq gd there too
for P in 100 99.9 100.1 80; do
  if ok "B -> inf, P = $P" msgd $SP --P $P --lr 0.2 --batch 1e15 --steps 40; then
    close "E_g = GD, P = $P" "$(col E_g)" "$(col E_g_gd)" 1e-12
    G=$(col E_g_gd)
    ok "gd, P = $P" gd $SP --P $P --lr 0.2 --steps 40 &&
      close "E_g_gd = deq gd, P = $P" "$G" "$(col E_g)" 1e-15
  fi
done
run msgd $SP --P inf --batch 1,4 --steps 0,10,200 --certify
check "--certify at P = inf" [ "$RC" -eq 0 ]
check "--certify reports" grep -q 'MPFR check' "$ERR"
error "--certify at finite P" 1 "does not cover" msgd $SP --P 250 --steps 10 --certify
ok "grid" msgd $SP --P 250,400 --batch 1,4 --steps 10,20 &&
  same "two P x two B x two steps" "$(rows)" 8
ok "json" msgd $SP --P 250 --steps 10 --format json && check_json "json" msgd

# Monte Carlo: columns, |z| < 4, thread invariance
MC="--spectrum loguniform:n=30,lo=0.2,hi=2 --target iso:norm=1 --noise 0.3 --P 90 --batch 2 --steps 10,60,240 --trials 200 --seed 7"
if ok "mc msgd" mc msgd $MC --threads 2; then
  same "mc header" "$(header)" "step P lr batch E_g E_tr E_g_mc E_g_se E_g_z E_tr_mc E_tr_se E_tr_z"
  for r in 1 2 3; do
    check "E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
    check "E_tr z row $r" awk -v z="$(col E_tr_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
  cp "$OUT" "$TMP/mc2"
  ok "mc msgd 1 thread" mc msgd $MC --threads 1 &&
    check "bitwise the same on 1 and 2 threads" cmp -s "$OUT" "$TMP/mc2"
fi

# Monte Carlo at P = N (the lens)
if ok "mc msgd P = N" mc msgd --spectrum loguniform:n=60,lo=0.2,hi=2 --target iso:norm=1 --noise 0.3 --P 60 --batch 2 --steps 15,60,300 --trials 200 --seed 11 --threads 2; then
  for r in 1 2 3; do
    check "P = N: E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
    check "P = N: E_tr z row $r" awk -v z="$(col E_tr_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
fi

# ---------------------------------------------------------------- errors
error "unstable lr at P = N" 1 "stability bound" msgd $SP --P 100 --lr 0.5 --steps 3
error "unstable lr" 1 "stability bound" msgd $SP --P 250 --lr 0.05 --steps 3
error "zero batch" 1 "--batch" msgd $SP --P 250 --batch 0 --steps 3
error "fractional steps" 1 "--steps" msgd $SP --P 250 --steps 2.5
error "mc at P = inf" 1 "finite" mc msgd $SP --P inf --steps 3 --trials 10
error "mc fractional batch" 1 "integer" mc msgd $SP --P 250 --batch 1.5 --steps 3 --trials 10

finish
