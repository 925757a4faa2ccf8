#!/bin/sh
# deq gd: closed forms for Sigma = I (t = 0: |wbar|^2; t = 1: moments of
# the Marchenko-Pastur law; t -> inf: sigma^2 N/(P - N)), the default step
# size, P = N and a singular Sigma, --certify, and input errors (exit 1,
# no rows).
. "$(dirname "$0")/lib.sh"

HEADER="step P lr signal variance E_g E_test"
SP="--spectrum iso:n=100 --target iso:norm=2 --noise 0.3"

run gd --help
check "gd --help" [ "$RC" -eq 0 ]
check "--help names the stability bound" grep -q 'stability' "$OUT"

# q = N/P = 0.4, eta = 0.2: E(1 - eta s)^2 = 1 - 2 eta + eta^2 (1 + q);
# variance(t = 1) = sigma^2 q eta^2 E s = 0.3 * 0.4 * 0.04.
if ok "iso" gd $SP --P 250 --lr 0.2 --steps 0,1,100000; then
  same "header" "$(header)" "$HEADER"
  close "t = 0 signal" "$(col signal 1)" 2 1e-12
  same "t = 0 variance" "$(col variance 1)" 0
  close "t = 1 signal" "$(col signal 2)" 1.312 1e-12
  close "t = 1 variance" "$(col variance 2)" 0.0048 1e-12
  close "t = 1e5 E_g (least squares)" "$(col E_g 3)" 0.2 1e-12
  close "E_test = E_g + noise" "$(col E_test 2)" "$(calc "$(col E_g 2) + 0.3")" 1e-15
fi
# default lr: 1/hi, hi = (1 + sqrt q)^2
if ok "default lr" gd $SP --P 250 --steps 3; then
  close "lr = 1/hi" "$(col lr)" "$(calc "1 / (1 + sqrt(0.4))^2")" 1e-13
fi

# P < N (q = 2.5): the atom 1 - 1/q of Sigma_hat at 0 does not move, so
# t = 1: signal = |wbar|^2 (1 - 2 eta + eta^2 (1 + q)) still; variance
# sigma^2 q eta^2; t -> inf: deq ridge --lambda 0 (bias + variance).
if ok "P < N" gd $SP --P 40 --lr 0.2 --steps 0,1,1000000; then
  close "t = 0 signal" "$(col signal 1)" 2 1e-12
  close "t = 1 signal" "$(col signal 2)" "$(calc "2 * (1 - 0.4 + 0.04 * 3.5)")" 1e-12
  close "t = 1 variance" "$(col variance 2)" "$(calc "0.3 * 2.5 * 0.04")" 1e-12
  E_inf=$(col E_g 3)
  if ok "ridgeless" ridge $SP --P 40 --lambda 0; then
    close "t = 1e6 E_g = ridgeless E_g" "$E_inf" "$(col E_g)" 1e-12
  fi
fi

# --early-stop against the brute-force minimum of the full table over
# every step 0..300, on both sides of N (loguniform Sigma, noisy labels:
# an interior optimum).
LOGU="--spectrum loguniform:n=60,lo=0.1,hi=10 --target iso:norm=1 --noise 1"
for P in 120 30; do
  if ok "early stop P=$P" gd $LOGU --P $P --steps 300 --early-stop; then
    same "early-stop header" "$(header)" \
      "P lr t_max t_star E_g signal variance E_test E_g_t_max E_g_inf"
    TSTAR=$(col t_star) ESTAR=$(col E_g) EINF=$(col E_g_inf)
    if ok "scan P=$P" gd $LOGU --P $P --steps 0:300:301; then
      BEST=$(awk -F '\t' 'NR > 1 && (b == "" || $6 < b) { b = $6; s = $1 }
                          END { print s, b }' "$OUT")
      same "P=$P: t_star = argmin of the scan" "$TSTAR" "${BEST% *}"
      close "P=$P: E_g(t_star) = min of the scan" "$ESTAR" "${BEST#* }" 1e-13
      check "P=$P: interior optimum" [ "$TSTAR" -gt 0 ] && [ "$TSTAR" -lt 300 ]
    fi
    if ok "ridgeless P=$P" ridge $LOGU --P $P --lambda 0; then
      close "P=$P: E_g_inf = ridgeless" "$EINF" "$(col E_g)" 1e-11
    fi
  fi
done
error "early stop: no plot" 1 "--early-stop has no curve" \
  gd $LOGU --P 120 --steps 300 --early-stop --plot out.png
error "early stop: finite horizon" 1 "search horizon" \
  gd $LOGU --P 120 --steps 2e7 --early-stop
error "early stop: ordered steps" 1 "strictly increasing" \
  gd $LOGU --P 120 --steps 300,2 --early-stop

# deq mc gd: GD on sampled data (exact through the SVD of X), P < N and
# P > N, |z| < 4 at every step after 0 (t = 0 is exact: w_0 = 0, no
# spread), and bitwise the same on 1 and 2 threads.
MC="--spectrum loguniform:n=40,lo=0.1,hi=10 --target iso:norm=1 --noise 0.5 --P 20,80 --steps 0,5,50,inf --trials 300 --seed 11"
if ok "mc gd" mc gd $MC --threads 2; then
  same "mc header" "$(header)" "step P lr E_g E_g_mc E_g_se E_g_z"
  same "mc rows" "$(rows)" 8
  for r in 1 5; do
    close "t = 0 row $r: the signal" "$(col E_g_mc $r)" "$(col E_g $r)" 1e-13
  done
  for r in 2 3 4 6 7 8; do
    check "E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
  cp "$OUT" "$TMP/mc2"
  ok "mc gd 1 thread" mc gd $MC --threads 1 &&
    check "bitwise the same on 1 and 2 threads" cmp -s "$OUT" "$TMP/mc2"
fi

# P = N (q = 1, the hard edge at 0): t = 1 by the same moments (signal
# |wbar|^2 (1 - 2 eta + 2 eta^2), variance sigma^2 eta^2); t = inf is the
# interpolation peak (+Inf, a warning, exit 0); --certify against the
# MPFR moments (t <= 64 only: 3 of 4 points).
if ok "P = N" gd $SP --P 100 --lr 0.25 --steps 0,1,40,inf --certify; then
  close "P = N t = 0 signal" "$(col signal 1)" 2 1e-14
  close "P = N t = 1 signal" "$(col signal 2)" 1.25 1e-14
  close "P = N t = 1 variance" "$(col variance 2)" 0.01875 1e-14
  same "P = N t = inf E_g" "$(col E_g 4)" inf
  check "P = N: the peak is named" grep -q "interpolation peak" "$ERR"
  check "MPFR line" grep -q "MPFR check (256 bits) of 3 of 4 points" "$ERR"
  rel=$(sed -n 's/.*largest relative difference \([^ ]*\) .*/\1/p' "$ERR")
  check "MPFR agreement 1e-13" near "$rel" 0 0 1e-13
fi
# continuity across P = N (the lens on all three)
if ok "P near N" gd $SP --P 99.9,100,100.1 --lr 0.25 --steps 50; then
  a=$(col E_g 1) b=$(col E_g 2) c=$(col E_g 3)
  close "E_g(P = N) between its neighbours" "$b" "$(calc "($a + $c) / 2")" 1e-6
  check "E_g decreasing in P at t = 50" awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { exit !(a > b && b > c) }'
fi
# a singular Sigma (20 zero eigenvalues of 100): the same as its 80
# nonzero ones, also at the peak P = rank = 80
printf '0 0 20\n0.5 0.3 40\n2 0.7 40\n' > "$TMP/sing.txt"
printf '0.5 0.3 40\n2 0.7 40\n' > "$TMP/nz.txt"
if ok "singular Sigma" gd --spectrum "file:$TMP/sing.txt" --noise 0.2 --P 50,80,130 --steps 0,7,300; then
  cp "$OUT" "$TMP/sing.tsv"
  ok "nonzero atoms" gd --spectrum "file:$TMP/nz.txt" --noise 0.2 --P 50,80,130 --steps 0,7,300 &&
    check "singular Sigma = its nonzero atoms" cmp -s "$OUT" "$TMP/sing.tsv"
fi
# Monte Carlo at P = N, |z| < 4
if ok "mc gd P = N" mc gd --spectrum loguniform:n=40,lo=0.1,hi=10 --target iso:norm=1 --noise 0.5 --P 40 --steps 5,50,500 --trials 400 --seed 13; then
  for r in 1 2 3; do
    check "P = N E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
fi
error "non-monotone steps" 1 "steps: values must be strictly increasing (entry 3 is 5 after 10)" \
  gd $SP --P 250 --steps 0,10,5
error "unstable lr" 1 "stability bound" gd $SP --P 250 --lr 0.8 --steps 3

finish
