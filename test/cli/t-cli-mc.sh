#!/bin/sh
# deq mc ridge: columns, agreement with theory at small sizes (fixed seed),
# consistency with deq ridge, reproducibility across runs and threads.
. "$(dirname "$0")/lib.sh"

HEADER="P lambda kappa df1 E_g E_test E_tr gcv E_g_mc E_g_se E_g_z E_tr_mc E_tr_se E_tr_z gcv_mc gcv_se gcv_z df1_mc df1_se df1_z"
SEED=${DEQ_TEST_SEED:-7}
echo "seed $SEED (DEQ_TEST_SEED overrides)"

run mc --help
check "mc --help exits 0" [ "$RC" -eq 0 ]
run mc ridge --help
check "mc ridge --help exits 0" [ "$RC" -eq 0 ]
check "mc ridge --help documents --trials" grep -q -- --trials "$OUT"

SPEC="--spectrum loguniform:n=50,lo=0.1,hi=10 --target iso:norm=1 --noise 0.25"
GRID="--P 25,100 --lambda 0.01,0.1"

if ok "mc ridge" mc ridge $SPEC $GRID --trials 20 --seed "$SEED" --threads 1; then
  cp "$OUT" "$TMP/t1.tsv"
  same "mc header" "$(header)" "$HEADER"
  same "mc rows (P x lambda)" "$(rows)" 4
  same "seed line on stderr" "$(cat "$ERR")" "# deq mc ridge: seed=$SEED trials=20 threads=1; z is Student's t with 19 degrees of freedom: |z| > 2 in 6.0% of cells by chance"
  same "P-major rows" "$(awk 'NR > 1 { printf "%s/%s ", $1, $2 }' "$OUT")" \
    "25/0.01 25/0.10000000000000001 100/0.01 100/0.10000000000000001 "
  # Risks fluctuate at O(1) relative per trial: |z| < 5 is a loose but
  # meaningful bound for 20 trials (12 z-scores per run).
  for r in 1 2 3 4; do
    for q in E_g E_tr gcv; do
      check "|${q}_z| < 5 (row $r, seed $SEED): $(col ${q}_z $r)" \
        awk -v z="$(col ${q}_z $r)" 'BEGIN { exit !(z < 5 && z > -5) }'
    done
    # df1 self-averages (tiny se, O(1) bias): compare it relatively.
    close "df1_mc near df1 (row $r)" "$(col df1_mc $r)" "$(col df1 $r)" 0.02
    # z is (mean - theory)/se, and gcv is compared with E_test.
    close "E_g_z definition (row $r)" "$(col E_g_z $r)" \
      "$(calc "($(col E_g_mc $r) - $(col E_g $r)) / $(col E_g_se $r)")" 1e-9 1e-12
    close "gcv_z against E_test (row $r)" "$(col gcv_z $r)" \
      "$(calc "($(col gcv_mc $r) - $(col E_test $r)) / $(col gcv_se $r)")" 1e-9 1e-12
    check "standard errors > 0 (row $r)" awk -v a="$(col E_g_se $r)" -v b="$(col df1_se $r)" \
      'BEGIN { exit !(a > 0 && b > 0) }'
  done
fi

# The theory columns are deq ridge's, digit for digit.
if ok "theory" ridge $SPEC $GRID; then
  for c in P lambda kappa df1 E_g E_test E_tr gcv; do
    same "theory column $c" "$(awk -F '\t' -v c="$c" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i }
      { printf "%s ", $k }' "$OUT")" "$(awk -F '\t' -v c="$c" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i }
      { printf "%s ", $k }' "$TMP/t1.tsv")"
  done
fi

# ---------------------------------------------------------------- reproducibility
ok "same seed" mc ridge $SPEC $GRID --trials 20 --seed "$SEED" --threads 1 &&
  check "same seed: identical output" cmp -s "$OUT" "$TMP/t1.tsv"
ok "two threads" mc ridge $SPEC $GRID --trials 20 --seed "$SEED" --threads 2 &&
  { check "threads 1 vs 2: identical output" cmp -s "$OUT" "$TMP/t1.tsv"
    same "threads on stderr" "$(cat "$ERR" | cut -d';' -f1)" "# deq mc ridge: seed=$SEED trials=20 threads=2"; }
ok "other seed" mc ridge $SPEC $GRID --trials 20 --seed $((SEED + 1)) --threads 1 &&
  check "another seed: different output" not cmp -s "$OUT" "$TMP/t1.tsv"

# ---------------------------------------------------------------- special cases
# Under-parameterised OLS (N = 20, P = 60): E_g = noise N/(P - N) = 0.5 in
# theory, noise N/(P - N - 1) = 0.513 exactly at finite size.
if ok "ols" mc ridge --spectrum iso:n=20 --target iso:norm=1 --noise 1 --P 60 --trials 50 \
    --seed "$SEED" --threads 2; then
  close "OLS theory" "$(col E_g)" 0.5 1e-14
  check "OLS |z| < 5: $(col E_g_z)" awk -v z="$(col E_g_z)" 'BEGIN { exit !(z < 5 && z > -5) }'
fi
# Optimal ridge: one row per P at lambda* = noise N/(P |w|^2).
if ok "optimal" mc ridge --spectrum iso:n=40 --target iso:norm=1 --noise 0.5 --P 20,80 \
    --optimal-lambda --trials 20 --seed "$SEED" --threads 1; then
  same "optimal rows" "$(rows)" 2
  close "mc lambda*(20)" "$(col lambda 1)" 1 1e-6
  close "mc lambda*(80)" "$(col lambda 2)" 0.25 1e-6
fi
# A file spectrum with integer multiplicities can be sampled.
ok "file spectrum" mc ridge --spectrum "file:$DEQ_DATA/spec-two.txt" --noise 0.1 --P 30 \
  --lambda 0.05 --trials 10 --threads 1 && same "file spectrum row" "$(rows)" 1
ok "json" mc ridge $SPEC --P 30 --trials 5 --threads 1 --format json && json_ok "mc json" "mc ridge"


# ---------------------------------------------------------------- counts (issue 8: 9, 11, 18)
error "threads beyond the cap" 1 "--threads '100000': too large (at most 4096)" \
  mc ridge --spectrum iso:n=10 --target iso --P 20 --threads 100000
error "threads cap in mc rf too" 1 "at most 4096" \
  mc rf --spectrum iso:n=10 --target iso --features 5 --P 20 --threads 5000
if ok "decimal trials and seed" mc ridge --spectrum iso:n=10 --target iso --P 20 --trials 010 --seed 08; then
  check "--trials 010 is ten trials" grep -q 'seed=8 trials=10 ' "$ERR"
fi
if ok "integer log grid rounded" mc ridge --spectrum iso:n=10 --target iso --P 16:512:8:log --trials 2; then
  same "rounded P grid" "$(cut -f1 "$OUT" | tail -n +2 | tr '\n' ' ')" "16 26 43 71 116 190 312 512 "
fi
error "explicit non-integer P in mc" 1 "must be an integer" \
  mc ridge --spectrum iso:n=10 --target iso --P 20.5
error "infinite width in mc rf" 1 "must be a finite integer" \
  mc rf --spectrum iso:n=10 --target iso --features inf --P 20

finish
