#!/bin/sh
# deq frontier and deq fit --joint: the closed-form frontier of an exact
# law (N* = t* = sqrt(C) for a = b, p = q = 1), the joint fit recovering a
# known law, the flow-model frontier (N t = C, its optimum beats its
# neighbours on the constraint, the 6nt convention), and input errors
# (exit 1, one message, no rows).
. "$(dirname "$0")/lib.sh"

SP="--spectrum powerlaw:alpha=2,n=inf,head=300,exact_max=1000 --target source:r=0.25"

run frontier --help
check "frontier --help" [ "$RC" -eq 0 ]
run fit --joint --help
check "fit --joint --help" [ "$RC" -eq 0 ]

# An exact law L = 0.01 + 2/N + 2/t on a 5 x 5 grid (and a P column for
# the data-limited form).
LAW="$TMP/law.tsv"
awk 'BEGIN { print "N\tt\tP\tE_g"
  for (i = 0; i < 5; i++) for (j = 0; j < 5; j++) {
    N = 10 * 10^(0.75 * i); t = 10 * 10^(0.75 * j)
    printf "%.17g\t%.17g\t%.17g\t%.17g\n", N, t, t, 0.01 + 2 / N + 2 / t } }' >"$LAW"

if ok "fit --joint" fit --joint "$LAW" --alpha 2 --r 0.25; then
  same "rows" "$(awk -F '\t' 'NR > 1 { printf "%s ", $1 }' "$OUT")" \
       "floor a p b q N_opt t_opt L_opt chi2_dof birge n dof "
  close "floor" "$(col value 1)" 0.01 1e-6
  close "a" "$(col value 2)" 2 1e-6
  close "p" "$(col value 3)" 1 1e-6
  close "q" "$(col value 5)" 1 1e-6
  close "N_opt = q/(p+q)" "$(col value 6)" 0.5 1e-6
  close "L_opt = pq/(p+q)" "$(col value 8)" 0.5 1e-6
  close "predicted p: min(2 alpha r, alpha)" "$(col predicted 3)" 1 1e-15
  close "predicted q: 2r" "$(col predicted 5)" 0.5 1e-15
  close "predicted N_opt: 1/(1+alpha)" "$(col predicted 6)" "$(calc "1/3")" 1e-15
  same "n" "$(col value 11)" 25
fi
if ok "fit --joint P" fit --joint --t P --law data --alpha 1.5 --r 1.25 <"$LAW"; then
  close "data-limited q" "$(col value 5)" 1 1e-6
  close "predicted data q: min(2 alpha r, 2 alpha)" "$(col predicted 5)" 3 1e-15
  same "no frontier prediction for data" "$(col predicted 8)" nan
fi
if ok "frontier --data" frontier --data "$LAW" --compute 1e4,1e6; then
  same "header" "$(header)" "C N t E_g"
  close "N* = sqrt(C)" "$(col N 1)" 100 1e-6
  close "t* = sqrt(C)" "$(col t 1)" 100 1e-6
  close "L* = 0.01 + 4/sqrt(C)" "$(col E_g 1)" 0.05 1e-6
  close "N* at 1e6" "$(col N 2)" 1000 1e-6
fi
if ok "frontier --data 6nt" frontier --data "$LAW" --compute 6e4 --convention 6nt; then
  close "6nt: N* = sqrt(C/6)" "$(col N)" 100 1e-6
fi

# The flow model's frontier at P = inf.
if ok "frontier theory" frontier $SP --compute 1e5; then
  N=$(col N) T=$(col t) L=$(col E_g)
  close "N t = C" "$(calc "$N * $T")" 1e5 1e-12
  # the library test finds N* = 136.4, L* = 0.033102 (t-frontier.c)
  close "N*" "$N" 136.4 2e-3
  close "L*" "$L" 0.033102 1e-4
  for f in 1.1 0.9; do
    if ok "neighbour $f" flow $SP --N "$(calc "$N * $f")" --time "$(calc "$T / $f")"; then
      check "optimum beats N* x $f" awk -v a="$L" -v b="$(col E_g)" 'BEGIN { exit !(a <= b) }'
    fi
  done
  if ok "frontier 6nt" frontier $SP --compute 6e5 --convention 6nt; then
    same "6nt: same allocation" "$(col N)" "$N"
  fi
fi

# Bad input.
error "both sources" 1 "exactly one of" frontier $SP --data "$LAW" --compute 1e4
error "no source" 1 "exactly one of" frontier --compute 1e4
error "column option without --data" 1 "--N-column goes with --data" frontier $SP --N-column M --compute 1e4
error "C = 0" 1 "--compute" frontier $SP --compute 0
error "C < 0" 1 "--compute" frontier --data "$LAW" --compute -5
error "C below the table (N*, t* < 1)" 1 "below 1: C is outside the range" frontier --data "$LAW" --compute 1e-3
error "C below k" 1 "below k = 6" frontier $SP --compute 3 --convention 6nt
error "missing column" 1 "no column 'M'" frontier --data "$LAW" --N-column M --compute 1e4
error "fit missing column" 1 "no column 'time'" fit --joint --t time "$LAW"
head -n 5 "$LAW" >"$TMP/few.tsv"
error "too few rows" 1 "4 usable rows" fit --joint "$TMP/few.tsv"
error "too few rows (frontier)" 1 "4 usable rows" frontier --data "$TMP/few.tsv" --compute 1e4
error "alpha without r" 1 "go together" fit --joint --alpha 2 "$LAW"
error "bad law" 1 "--law" fit --joint --law space "$LAW"
finish
