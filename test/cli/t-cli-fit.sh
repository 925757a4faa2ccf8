#!/bin/sh
# deq fit: exact recovery on power-law files, windows, standard errors,
# floors, local exponents, stdin, and fits of deq's own curves against
# the predicted exponents.
. "$(dirname "$0")/lib.sh"

HEADER="exponent exponent_se amplitude amplitude_se floor floor_se chi2_dof birge n x_lo x_hi local_min local_max dof exponent_ci95"

run fit --help
check "fit --help exits 0" [ "$RC" -eq 0 ]

# ---------------------------------------------------------------- exact power laws
# fit-powerlaw.tsv: E_g = 3 P^-0.7 at P = 1, 2, 4, ..., 1024.
if ok "exact power law" fit "$DEQ_DATA/fit-powerlaw.tsv"; then
  same "fit header" "$(header)" "$HEADER"
  same "one row" "$(rows)" 1
  close "exponent 0.7" "$(col exponent)" 0.7 1e-12
  close "amplitude 3" "$(col amplitude)" 3 1e-12
  same "no floor" "$(col floor)" 0
  same "all points" "$(col n)" 11
  same "window start" "$(col x_lo)" 1
  same "window end" "$(col x_hi)" 1024
  close "exact data: no scatter" "$(col chi2_dof)" 0 0 1e-20
fi
if ok "window" fit --xmin 4 --xmax 256 "$DEQ_DATA/fit-powerlaw.tsv"; then
  same "window points" "$(col n)" 7
  same "window x_lo" "$(col x_lo)" 4
  same "window x_hi" "$(col x_hi)" 256
  close "window exponent" "$(col exponent)" 0.7 1e-12
  # a pure power law has no drift: every local exponent is b
  close "local_min = b" "$(col local_min)" 0.7 1e-12
  close "local_max = b" "$(col local_max)" 0.7 1e-12
fi
# Standard input, with and without '-'.
run fit - <"$DEQ_DATA/fit-powerlaw.tsv"
check "stdin '-'" near "$(col exponent)" 0.7 1e-12
run fit <"$DEQ_DATA/fit-powerlaw.tsv"
check "stdin without FILE" near "$(col exponent)" 0.7 1e-12
ok "json" fit --format json "$DEQ_DATA/fit-powerlaw.tsv" && json_ok "fit json" fit

# Rows whose y is 0, inf or nan (the interpolation peak) are skipped.
if ok "non-finite rows" fit "$DEQ_DATA/fit-nonfinite.tsv"; then
  same "usable rows only" "$(col n)" 4
  close "exponent 1.5" "$(col exponent)" 1.5 1e-12
  close "amplitude 7" "$(col amplitude)" 7 1e-12
fi

# ---------------------------------------------------------------- columns and errors
# fit-mc.tsv: E_g = 5 P^-0.5 and E_g_mc = 2 P^-1.2 with E_g_se.
ok "default columns" fit "$DEQ_DATA/fit-mc.tsv" &&
  close "default --y E_g" "$(col exponent)" 0.5 1e-12
ok "--y E_g_mc" fit --y E_g_mc "$DEQ_DATA/fit-mc.tsv" &&
  { close "E_g_mc exponent" "$(col exponent)" 1.2 1e-12
    close "E_g_mc amplitude" "$(col amplitude)" 2 1e-12; }
# fit-weights.tsv: four points on 3/P with tiny errors and an outlier with
# a huge one.  The default --se for E_g_mc is E_g_se, which must discount
# the outlier; --se none must not.
ok "default se" fit --y E_g_mc "$DEQ_DATA/fit-weights.tsv" &&
  { close "weighted: outlier ignored" "$(col exponent)" 1 1e-9
    close "weighted amplitude" "$(col amplitude)" 3 1e-9; }
# The theory column E_g of a Monte Carlo table is not weighted by E_g_se
# (the error of E_g_mc): same result as --se none.
# fit-theory-mc.tsv puts a tiny E_g_se on an outlier of E_g: weighting
# by it would change the exponent.
ok "theory column unweighted" fit --y E_g "$DEQ_DATA/fit-theory-mc.tsv" &&
  { b_default=$(col exponent)
    ok "theory column, se none" fit --y E_g --se none "$DEQ_DATA/fit-theory-mc.tsv" &&
      same "E_g ignores E_g_se" "$b_default" "$(col exponent)"
    ok "theory column, explicit se" fit --y E_g --se E_g_se "$DEQ_DATA/fit-theory-mc.tsv" &&
      check "explicit se changes the fit" [ "$b_default" != "$(col exponent)" ]; }
ok "explicit se" fit --y E_g_mc --se E_g_se "$DEQ_DATA/fit-weights.tsv" &&
  close "explicit --se" "$(col exponent)" 1 1e-9
ok "se none" fit --y E_g_mc --se none "$DEQ_DATA/fit-weights.tsv" &&
  check "unweighted: the outlier pulls the exponent" \
    awk -v b="$(col exponent)" 'BEGIN { exit !(b < 0.9) }'

# ---------------------------------------------------------------- floor and local slopes
# fit-floor.csv (commas; columns N, loss): loss = 0.1 + 2/N.
if ok "floor" fit --floor --x N --y loss "$DEQ_DATA/fit-floor.csv"; then
  close "floor value" "$(col floor)" 0.1 1e-6
  close "floor exponent" "$(col exponent)" 1 1e-6
  close "floor amplitude" "$(col amplitude)" 2 1e-6
  same "floor points" "$(col n)" 16
fi
if ok "local" fit --local "$DEQ_DATA/fit-powerlaw.tsv"; then
  same "local header" "$(header)" "x y local_exponent"
  same "local rows" "$(rows)" 11
  for r in 1 6 11; do
    close "local exponent row $r" "$(col local_exponent $r)" 0.7 1e-12
  done
fi

# ---------------------------------------------------------------- deq's own curves
# Theory curve, N = inf, alpha = 2, r = 1/4, ridgeless and noiseless: the
# exponent is 2 alpha r = 1 up to O(1/P) corrections (local slope 0.9992 at
# P = 1000).
"$DEQ" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.25 --P 1000:100000:9:log >"$TMP/curve.tsv"
ok "predicted" ridge --spectrum powerlaw:alpha=2,n=inf --target source:r=0.25 --predict-exponent &&
  predicted=$(col exponent) &&
  ok "fit the theory curve" fit "$TMP/curve.tsv" &&
  close "fitted theory exponent = predicted" "$(col exponent)" "$predicted" 1e-3

# Monte Carlo curve (alpha = 1.5, r = 0.4, N = 200, P << N): the fitted
# E_g_mc exponent must agree with the fit of the theory column over the
# same window within 5 of its standard errors (weighted by E_g_se).
"$DEQ" mc ridge --spectrum powerlaw:alpha=1.5,n=200 --target source:r=0.4 --P 8,16,32,64 \
  --trials 40 --seed 3 --threads 1 >"$TMP/mc.tsv" 2>/dev/null
if ok "fit theory column" fit "$TMP/mc.tsv"; then
  theory=$(col exponent)
  if ok "fit mc column" fit --y E_g_mc "$TMP/mc.tsv"; then
    check "fit weighted by E_g_se" awk -v w="$(col birge)" 'BEGIN { exit !(w >= 1) }'
    check "MC exponent within 5 se of theory" awk -v b="$(col exponent)" -v se="$(col exponent_se)" \
      -v t="$theory" 'BEGIN { d = b - t; if (d < 0) d = -d; exit !(se > 0 && d < 5 * se) }'
  fi
fi


# ---------------------------------------------------------------- renamed columns (0.2)
printf 'P\tvariance\n10\t1\n100\t0.1\n1000\t0.01\n' > "$TMP/old.tsv"
if ok "fit reads an old column under its new name" fit --y var_noise --se none "$TMP/old.tsv"; then
  close "old table exponent" "$(col exponent)" 1 1e-12
  check "fit names the rename" grep -q "reading column 'variance'" "$ERR"
fi
printf 'P\tvar_noise\n10\t1\n100\t0.1\n1000\t0.01\n' > "$TMP/new.tsv"
ok "fit reads a new column under its old name" fit --y variance --se none "$TMP/new.tsv" &&
  close "new table exponent" "$(col exponent)" 1 1e-12

# The 95% interval of an unweighted fit uses Student's t (issue 8): with 8
# points, dof = 6 and exponent_ci95 = t_{0.975,6} exponent_se, t = 2.4469118511.
printf 'P\tE\n1\t1.1\n2\t0.48\n4\t0.26\n8\t0.12\n16\t0.066\n32\t0.03\n64\t0.0162\n128\t0.0077\n' > "$TMP/eight.tsv"
if ok "unweighted fit of 8 points" fit --x P --y E --se none "$TMP/eight.tsv"; then
  close "dof = n - 2" "$(col dof)" 6 0
  close "exponent_ci95 = t(6) se" "$(col exponent_ci95)" "$(calc "2.4469118511449692 * $(col exponent_se)")" 1e-9
fi

finish
