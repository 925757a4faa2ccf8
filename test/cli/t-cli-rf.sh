#!/bin/sh
# deq rf and deq mc rf: closed forms, the ridge limit, the decomposition,
# deep chains and layer spectra, Monte Carlo, JSON and input errors.
. "$(dirname "$0")/lib.sh"

HEADER="P lambda M kappa kappa_f df1 rho gamma E_pop E_g bias var_noise var_features E_cross E_test E_tr gcv"
LU="loguniform:n=200,lo=0.1,hi=10"

run rf --help
check "rf --help exits 0" [ "$RC" -eq 0 ]
check "rf --help documents --widths" grep -q -- --widths "$OUT"
run mc rf --help
check "mc rf --help exits 0" [ "$RC" -eq 0 ]

# ---------------------------------------------------------------- closed form
# Omega = I_300, width bottleneck n = 120 < P = 500, lambda = 0: the readout
# fits a projection on a random 120-dimensional subspace:
# E_g = [|w|^2 (1 - n/N) + s2 n/P]/(1 - n/P), kappa = N/n - 1, gamma = n/P.
if ok "deep bottleneck" rf --spectrum iso:n=300 --target iso:norm=1.7 --noise 0.3 --widths 250,120 --P 500; then
  same "header" "$(header)" "$HEADER"
  close "E_g closed form" "$(col E_g)" "$(calc '(1.7 * (1 - 120/300) + 0.3 * 120/500)/(1 - 120/500)')" 1e-13
  close "kappa = N/n - 1" "$(col kappa)" 1.5 1e-13
  close "gamma = n/P" "$(col gamma)" 0.24 1e-13
  close "df1 = n" "$(col df1)" 120 1e-15
  close "M = N_L" "$(col M)" 120 0
  close "E_tr = (1 - n/P)^2 E_test" "$(col E_tr)" "$(calc "(1 - 120/500)^2 * $(col E_test)")" 1e-13
fi

# ---------------------------------------------------------------- ridge limit
if ok "M = inf" rf --spectrum "$LU" --target iso --noise 0.25 --features inf --P 50,100,300 --lambda 0,0.02; then
  cp "$OUT" "$TMP/rf.tsv"
  if ok "ridge" ridge --spectrum "$LU" --target iso --noise 0.25 --P 50,100,300 --lambda 0,0.02; then
    for r in 1 2 3 4 5 6; do
      close "M = inf is ridge (row $r)" "$(col E_g $r "$TMP/rf.tsv")" "$(col E_g $r)" 1e-13
      close "M = inf: E_tr (row $r)" "$(col E_tr $r "$TMP/rf.tsv")" "$(col E_tr $r)" 1e-12
    done
  fi
fi

# ---------------------------------------------------------------- decomposition
if ok "features grid" rf --spectrum "$LU" --target iso --noise 0.25 --features 20,100,400 --P 100 --lambda 1e-3,0.1; then
  same "3 x 2 rows" "$(rows)" 6
  for r in 1 2 3 4 5 6; do
    close "bias + var_noise + var_features = E_g ($r)" "$(calc "$(col bias $r) + $(col var_noise $r) + $(col var_features $r)")" "$(col E_g $r)" 1e-13
    close "E_cross = bias + var_noise ($r)" "$(calc "$(col bias $r) + $(col var_noise $r)")" "$(col E_cross $r)" 1e-13
    check "Var_F >= 0 ($r)" awk -v x="$(col var_features $r)" 'BEGIN { exit !(x >= 0) }'
  done
fi

# ---------------------------------------------------------------- layer spectra
# Sigma_2 = Sigma_3 = 2.5 I scales Phi'Phi by 2.5^2: same as identity at
# lambda/6.25.
if ok "scaled layers" rf --spectrum "$LU" --target iso --widths 150,80,120 --layer-spectrum iso:n=7,scale=2.5 --P 100 --lambda 0.0625; then
  a=$(col E_g)
  if ok "identity layers" rf --spectrum "$LU" --target iso --widths 150,80,120 --P 100 --lambda 0.01; then
    close "Sigma_l = a I is lambda/a^2" "$a" "$(col E_g)" 1e-13
  fi
fi
ok "layer list" rf --spectrum "$LU" --target iso --widths 150,80,120 --layer-spectrum identity --layer-spectrum "file:$DEQ_DATA/spec-two.txt" --P 100 --lambda 0.01 >/dev/null

# ---------------------------------------------------------------- peak
if ok "peak" rf --spectrum "$LU" --target iso --noise 0.1 --features 100 --P 100; then
  same "peak: E_g = inf" "$(col E_g)" inf
  check "peak: message" grep -q 'interpolation peak' "$ERR"
fi

# ---------------------------------------------------------------- JSON
ok "json" rf --spectrum "$LU" --target iso --features 50 --P 100 --lambda 0.1 --format json && json_ok "rf json" rf

# ---------------------------------------------------------------- Monte Carlo
if ok "mc rf" mc rf --spectrum "$LU" --target iso --noise 0.25 --widths 150,75 --P 100 --lambda 0.02 --trials 40 --seed 7 --threads 1; then
  cp "$OUT" "$TMP/mc1.tsv"
  check "mc rf: z columns" [ "$(col E_g_z)" != MISSING ]
  check "mc rf: |z| < 4" awk -v z="$(col E_g_z)" 'BEGIN { exit !(z < 4 && z > -4) }'
  if ok "mc rf 2 threads" mc rf --spectrum "$LU" --target iso --noise 0.25 --widths 150,75 --P 100 --lambda 0.02 --trials 40 --seed 7 --threads 2; then
    check "mc rf: thread count does not matter" cmp -s "$OUT" "$TMP/mc1.tsv"
  fi
fi
ok "mc rf json" mc rf --spectrum "$LU" --target iso --features 30 --P 60 --lambda 0.1 --trials 5 --format json && json_ok "mc rf json" "mc rf"

# ---------------------------------------------------------------- errors
error "width 0" 1 "--widths" rf --spectrum "$LU" --target iso --widths 20,0 --P 10
error "features -1" 1 "--features" rf --spectrum "$LU" --target iso --features -1 --P 10
error "features and widths" 1 "exactly one" rf --spectrum "$LU" --target iso --features 5 --widths 5 --P 10
error "neither" 1 "exactly one" rf --spectrum "$LU" --target iso --P 10
error "no P" 1 "--P" rf --spectrum "$LU" --target iso --features 5
error "layer zeros" 1 "invertible" rf --spectrum "$LU" --target iso --widths 20,10 --layer-spectrum "file:$DEQ_DATA/spec-zero.txt" --P 10
error "layer one layer" 1 "--layer-spectrum" rf --spectrum "$LU" --target iso --features 5 --layer-spectrum iso:n=3 --P 10
error "layer count" 1 "--layer-spectrum" rf --spectrum "$LU" --target iso --widths 5,5,5,5 --layer-spectrum iso:n=3 --layer-spectrum iso:n=3 --P 10
error "layer bad file" 1 "--layer-spectrum" rf --spectrum "$LU" --target iso --widths 5,5 --layer-spectrum file:/nonexistent --P 10
error "mc fractional width" 1 "--features" mc rf --spectrum "$LU" --target iso --features 10.5 --P 10
error "mc inf width" 1 "--features" mc rf --spectrum "$LU" --target iso --features inf --P 10
error "mc tail spectrum" 1 "--spectrum" mc rf --spectrum powerlaw:alpha=1.5,n=inf --target source:r=0.4 --features 10 --P 10

finish
