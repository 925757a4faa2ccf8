#!/bin/sh
# deq sgd / deq mc sgd: the spec sheet's values (scaling_dynamics 3.1, 3.4,
# 3.6, from an independent numpy script), schedules by name and from a
# file, averages, the Volterra path, --certify, Monte Carlo columns, and
# input errors (exit 1, no rows).
. "$(dirname "$0")/lib.sh"

HEADER="step lr batch samples E_g E_test E_g_avg"
SP="--spectrum powerlaw:alpha=1.5,n=200 --target source:r=0.5 --noise 0.25"
TR=$(awk 'BEGIN { for (k = 1; k <= 200; k++) t += k ^ -1.5; printf "%.17g", t }')
LR1=$(calc "1 / $TR")
LR05=$(calc "0.5 / $TR")

run sgd --help
check "sgd --help" [ "$RC" -eq 0 ]
check "--help lists the schedules" grep -q seesaw "$OUT"
check "--help lists the averages" grep -q 'ema:BETA' "$OUT"

if ok "S1" sgd $SP --lr "$LR05" --steps 100,3000 --average tail:0.5; then
  same "header" "$(header)" "$HEADER"
  same "rows in step order" "$(col step 1) $(col step 2)" "100 3000"
  close "S1 t=100" "$(col E_g 1)" 1.037978537e-01 5e-10
  close "S1 t=3000" "$(col E_g 2)" 9.581578119e-02 5e-10
  close "S1 tail 1500..3000" "$(col E_g_avg 2)" 1.043112264e-02 5e-10
  close "E_test = E_g + noise" "$(col E_test 2)" "$(calc "$(col E_g 2) + 0.25")" 1e-15
fi
# a step grid out of order is an input mistake (issue 10), not re-sorted
error "non-monotone steps" 1 "steps: values must be strictly increasing" \
  sgd $SP --lr "$LR05" --steps 3000,100
error "repeated step (mc)" 1 "entry 2 is 100 after 100" \
  mc sgd $SP --lr "$LR05" --steps 100,100 --trials 4
if ok "S2" sgd $SP --lr "$LR1" --batch 4 --schedule power:power=0.5,t0=50 \
     --average anytime:2 --steps 300,3000; then
  close "S2 E_g" "$(col E_g 2)" 5.356517724e-03 5e-10
  close "S2 EMA t=300" "$(col E_g_avg 1)" 1.1079956e-02 5e-8
  close "S2 EMA t=3000" "$(col E_g_avg 2)" 2.502481746e-03 5e-10
  same "samples" "$(col samples 2)" 12000
fi
if ok "S3" sgd $SP --lr "$LR1" --data rademacher --steps 3000; then
  close "S3 Rademacher" "$(col E_g)" 2.468885783e-01 5e-10
fi
# Seesaw table (3.4): lr halving vs batch doubling vs Seesaw, 1536 samples
# per phase.
if ok "A" sgd $SP --lr "$LR1" --batch 4 --schedule step:samples=1536 --steps 1536; then
  close "A 6144" "$(col E_g)" 6.400224e-03 5e-7
fi
if ok "B" sgd $SP --lr "$LR1" --batch 4 --batch-schedule ramp:samples=1536 --steps 720; then
  close "B 6144" "$(col E_g)" 6.846022e-03 5e-7
  same "B samples" "$(col samples)" 6144
fi
if ok "C" sgd $SP --lr "$LR1" --batch 4 --schedule seesaw:samples=1536 --steps 576; then
  close "C 3072" "$(col E_g)" 1.503561e-02 5e-7
fi

# a per-step table equals the schedule it lists: step decay every 5 steps
awk 'BEGIN { for (t = 0; t < 20; t++) print 0.5 ^ int(t / 5) }' >"$TMP/lr.txt"
if ok "lr-file" sgd $SP --lr "$LR1" --lr-file "$TMP/lr.txt" --steps 17; then
  A=$(col E_g)
  ok "step decay" sgd $SP --lr "$LR1" --schedule step:every=5 --steps 17 &&
    close "table = step decay" "$A" "$(col E_g)" 1e-15
fi

# the FFT Volterra path and the MPFR twin
if ok "volterra" sgd $SP --lr "$LR05" --steps 1,100,5000 --method volterra; then
  V=$(col E_g 3)
  ok "recursion" sgd $SP --lr "$LR05" --steps 5000 &&
    close "volterra = recursion" "$V" "$(col E_g)" 1e-12
fi
run sgd $SP --lr "$LR05" --steps 50 --schedule cosine:horizon=60 --average ema:0.9 --certify
check "--certify" [ "$RC" -eq 0 ]
check "--certify reports" grep -q 'MPFR check' "$ERR"
ok "lr grid" sgd $SP --lr "$LR05,$LR1" --steps 10,20 &&
  same "two lrs x two steps" "$(rows)" 4
ok "json" sgd $SP --lr "$LR05" --steps 10 --format json && check_json "json" sgd

# Monte Carlo: columns, |z| < 4, thread invariance
MC="--spectrum powerlaw:alpha=1.5,n=20 --target source:r=0.5 --noise 0.25 --lr 0.2 --batch 2 --schedule cosine:horizon=200 --average tail:0.5 --steps 50,150 --trials 300 --seed 5"
if ok "mc sgd" mc sgd $MC --threads 2; then
  same "mc header" "$(header)" "step lr batch samples E_g E_g_avg E_g_mc E_g_se E_g_z E_g_avg_mc E_g_avg_se E_g_avg_z"
  for r in 1 2; do
    check "E_g z row $r" awk -v z="$(col E_g_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
    check "E_g_avg z row $r" awk -v z="$(col E_g_avg_z $r)" 'BEGIN { exit !(z < 4 && z > -4) }'
  done
  cp "$OUT" "$TMP/mc2"
  ok "mc sgd 1 thread" mc sgd $MC --threads 1 &&
    check "bitwise the same on 1 and 2 threads" cmp -s "$OUT" "$TMP/mc2"
fi

# ---------------------------------------------------------------- errors
error "unstable lr" 1 "stability bound eta < 0.53413" sgd $SP --lr 3 --steps 10
error "unstable lr names the step" 1 "at step 0" sgd $SP --lr 3 --steps 10
error "zero batch" 1 "--batch" sgd $SP --lr 0.1 --batch 0 --steps 10
error "negative batch" 1 "--batch" sgd $SP --lr 0.1 --batch -4 --steps 10
error "unknown schedule" 1 "unknown schedule 'linear'" sgd $SP --lr 0.1 --schedule linear --steps 10
error "unknown key" 1 "unknown key 'gamma'" sgd $SP --lr 0.1 --schedule step:every=4,gamma=2 --steps 10
error "missing horizon" 1 "horizon" sgd $SP --lr 0.1 --schedule cosine --steps 10
error "unknown batch schedule" 1 "unknown batch schedule" sgd $SP --lr 0.1 --batch-schedule double --steps 10
error "bad average" 1 "--average" sgd $SP --lr 0.1 --average tail:2 --steps 10
error "unknown average" 1 "unknown average" sgd $SP --lr 0.1 --average swa --steps 10
error "missing lr" 1 "--lr is required" sgd $SP --steps 10
error "negative steps" 1 "--steps" sgd $SP --lr 0.1 --steps -3
error "fractional steps" 1 "--steps" sgd $SP --lr 0.1 --steps 2.5
: >"$TMP/empty.txt"
error "empty lr file" 1 "empty" sgd $SP --lr-file "$TMP/empty.txt" --steps 10
error "missing lr file" 1 "cannot open" sgd $SP --lr-file "$TMP/none.txt" --steps 10
error "volterra needs a constant schedule" 1 "--method volterra" sgd $SP --lr 0.1 --schedule cosine:horizon=5 --method volterra --steps 10
error "seesaw with a batch schedule" 1 "seesaw" sgd $SP --lr 0.1 --schedule seesaw:every=5 --batch-schedule ramp:every=5 --steps 10
error "mc needs whole batches" 1 "--batch" mc sgd $SP --lr 0.1 --batch 1.5 --steps 10 --trials 10

# Spectra of >= 4096 atoms are compressed for SGD (bins of Gauss rules
# where the manual's bound admits them); --exact sums every atom.  Both
# agree on every printed column to 1e-13 (the bound is 1e-15 per sum).
BIG="--spectrum powerlaw:alpha=1.5,n=5000 --target source:r=0.4 --noise 0.1 --lr 0.2 --steps 10,300,3000"
for how in "--data gaussian" "--schedule cosine:horizon=3000 --average tail:0.5" \
           "--data rademacher --batch 8 --schedule wsd:horizon=3000 --average ema:0.99"; do
  if ok "compressed: $how" sgd $BIG $how && cp "$OUT" "$TMP/compressed.tsv" &&
     ok "--exact: $how" sgd $BIG $how --exact; then
    for r in 1 2 3; do
      for c in E_g E_g_avg; do
        close "$how: $c row $r, compressed vs --exact" \
          "$(col $c $r "$TMP/compressed.tsv")" "$(col $c $r)" 1e-13
      done
    done
  fi
done

finish
