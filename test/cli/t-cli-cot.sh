#!/bin/sh
# deq cot / deq icl-depth and their Monte Carlo: the spec sheet's values
# (icl_cot.md sections 3.2, 4.3, 4.4), the reconstruction label in
# --help, optimal depth, phases, divergence, --certify and input errors.
. "$(dirname "$0")/lib.sh"

HEADER="alpha tau noise depth E_g E_test gamma sbar r tau_c e_inf phase overthinking"

run cot --help
check "cot --help" [ "$RC" -eq 0 ]
check "cot --help says reconstruction" grep -q RECONSTRUCTION "$OUT"
check "cot --help names the phases" grep -q "saturation, 3" "$OUT"
run icl-depth --help
check "icl-depth --help says reconstruction" grep -q RECONSTRUCTION "$OUT"
run mc cot --help
check "mc cot --help documents --d" grep -q -- "--d D" "$OUT"

# ---------------------------------------------------------------- section 4.4
if ok "cot table" cot --alpha 2 --tau 4 --noise 0.1 --depth 1,2,3,5,8,12; then
  same "header" "$(header)" "$HEADER"
  same "six rows" "$(rows)" 6
  close "T=1" "$(col E_g 1)" 0.473118 1.1e-6
  close "T=3" "$(col E_g 3)" 0.207327 2.5e-6
  close "T=12" "$(col E_g 6)" 0.094936 5.3e-6
  close "E_test = E_g + rho" "$(col E_test 6)" "$(calc "$(col E_g 6) + 0.1")" 1e-14
  same "phase exponential" "$(col phase)" 0
fi
# T = 1 is OLS: (1 - gamma*) tau/(tau - 1), gamma* = 1/(1 + (1 + rho)/alpha)
if ok "cot T=1" cot --alpha 3 --tau 2 --noise 0.2 --depth 1; then
  close "OLS" "$(col E_g)" "$(calc "g = 1 / (1 + 1.2 / 3); (1 - g) * 2")" 1e-13
fi
# ---------------------------------------------------------------- section 4.3
if ok "optimal depth" cot --alpha 2 --noise 0.3,0.1,0.03,0.01 --optimal-depth --max-depth 100; then
  same "T* rho=0.3" "$(col depth 1)" 6
  same "T* rho=0.1" "$(col depth 2)" 12
  same "T* rho=0.03" "$(col depth 3)" 24
  same "T* rho=0.01" "$(col depth 4)" 40
  close "minimum" "$(col E_g 2)" 0.08791 6e-5
  same "overthinking" "$(col overthinking 2)" 1
fi
if ok "phases" cot --alpha 0.6,1,2 --tau 1.3,inf --noise 0.05 --phase; then
  same "six rows" "$(rows)" 6
  same "amplification" "$(col phase 1)" 3
  same "saturation" "$(col phase 2)" 2
  same "polynomial" "$(col phase 4)" 1
  same "exponential" "$(col phase 6)" 0
  same "no risk" "$(col E_g 1)" nan
fi
if ok "tau_c" cot --alpha 2 --noise 0.1 --phase; then
  close "tau_c(2, 0.1)" "$(col tau_c)" 2.4720 2e-5
fi
# ---------------------------------------------------------------- divergence
if ok "amplification overflows" cot --alpha 2 --tau 1.02 --noise 0.1 --depth 10,600; then
  same "inf, not nan" "$(col E_g 2)" inf
  check "finite before" near "$(col E_g 1)" 2.8163367e12 1e-6
  check "divergence on stderr" grep -q "error amplification" "$ERR"
fi
# ---------------------------------------------------------------- --certify
if ok "certify" cot --alpha 2 --tau 4 --noise 0.1 --depth 1,12 --certify; then
  check "MPFR line" grep -q "MPFR check (256 bits) of 2 of 2 points" "$ERR"
  rel=$(sed -n 's/.*largest relative difference \([^ ]*\) .*/\1/p' "$ERR")
  check "MPFR agreement 1e-12" near "$rel" 0 0 1e-12
fi
# ---------------------------------------------------------------- icl-depth
if ok "icl-depth table" icl-depth --alpha 1 --noise 0.1 --layers 1,2,4,16 --certify; then
  close "R* L=1" "$(col E_test 1)" 0.62380952 1e-8
  close "R* L=2" "$(col E_test 2)" 0.50603295 1e-8
  close "R* L=16" "$(col E_test 4)" 0.37852443 1e-8
  close "gamma* L=4" "$(col gamma 3)" 1.95684262 1e-6
  check "icl-depth MPFR line" grep -q "MPFR check" "$ERR"
fi
if ok "icl-depth fixed gamma" icl-depth --alpha 2 --noise 0.5 --gamma 0.5 --layers 1; then
  # L = 1: s2 + 1 - 2g + g^2 (1 + (1 + s2)/alpha)
  close "closed form" "$(col E_test)" "$(calc "0.5 + 1 - 1 + 0.25 * (1 + 1.5 / 2)")" 1e-13
fi
# ---------------------------------------------------------------- Monte Carlo
if ok "mc cot" mc cot --alpha 2 --noise 0.1 --depth 1,2,5 --d 60 --tests 4 --trials 10 --seed 3 --threads 2; then
  for k in 1 2 3; do
    check "mc cot |z| < 4 row $k" near "$(col E_g_z $k)" 0 0 4
  done
  cp "$OUT" "$TMP/mc2.tsv"
  run mc cot --alpha 2 --noise 0.1 --depth 1,2,5 --d 60 --tests 4 --trials 10 --seed 3 --threads 1
  check "mc cot thread invariant" cmp -s "$OUT" "$TMP/mc2.tsv"
fi
if ok "mc icl-depth" mc icl-depth --alpha 1 --noise 0.1 --layers 1,4 --D 40 --trials 60 --seed 4; then
  check "mc icl-depth |z| < 4" near "$(col E_test_z 2)" 0 0 4
fi
# ---------------------------------------------------------------- bad input
error "alpha 0" 1 "--alpha" cot --alpha 0 --depth 1
error "tau 1" 1 "--tau" cot --alpha 2 --tau 1 --depth 1
error "tau negative" 1 "--tau" cot --alpha 2 --tau -2 --depth 1
error "noise negative" 1 "--noise" cot --alpha 2 --noise -0.1
error "depth negative" 1 "--depth" cot --alpha 2 --depth -1
error "depth fraction" 1 "--depth" cot --alpha 2 --depth 1.5
error "optimal and depth" 1 "--optimal-depth" cot --alpha 2 --depth 3 --optimal-depth
error "phase and depth" 1 "--phase" cot --alpha 2 --depth 3 --phase
error "alpha missing" 1 "--alpha" cot --depth 3
error "layers 0" 1 "--layers" icl-depth --alpha 1 --layers 0
error "icl-depth alpha" 1 "--alpha" icl-depth --alpha -1
run mc cot --alpha 2 --optimal-depth --trials 2
check "mc cot --optimal-depth refused" [ "$RC" -eq 1 ]
check "mc cot --optimal-depth: no rows" [ ! -s "$OUT" ]
check "mc cot --optimal-depth: why" grep -q "simulates a --depth grid" "$ERR"

finish
