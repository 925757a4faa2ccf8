#!/bin/sh
# deq mc --checkpoint / --resume / --progress / --quiet (no MPI needed):
# a run killed by SIGKILL mid-way and resumed writes byte for byte the
# output of an uninterrupted run; a checkpoint made with other options is
# refused naming the option; progress goes to stderr only.
. "$(dirname "$0")/lib.sh"

# 3 outer points x 600 trials: about a second on one core.
ARGS="mc ridge --spectrum loguniform:n=60,lo=0.1,hi=10 --target iso:norm=1 --noise 0.25 --P 40,80,120 --lambda 0.01,0.1 --trials 600 --seed 11"

# shellcheck disable=SC2086
ok "uninterrupted run" $ARGS --threads 2 || finish
cp "$OUT" "$TMP/full.tsv"

# Kill as soon as the first checkpoint exists (after the first chunk of
# 16 trials of 1800; --threads 1 makes the run slower than the wait).
CK=$TMP/run.ck
# shellcheck disable=SC2086
"$DEQ" $ARGS --threads 1 --checkpoint "$CK" --checkpoint-every 0 \
  >"$TMP/killed.out" 2>"$TMP/killed.err" &
pid=$!
waited=0
while [ ! -s "$CK" ] && [ $waited -lt 600 ]; do
  sleep 0.05
  waited=$((waited + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
check "the checkpoint was written" [ -s "$CK" ]
# The state at the kill: some loop has fewer than 600 trials done.
partial=$(awk '$1 == "loop" && $4 < $3 { n++ } END { print n + 0 }' "$CK")
check "killed mid-way (a loop with trials still to run): $(grep '^loop' "$CK" | tr '\n' ' ')" \
  [ "$partial" -ge 1 ]
check "nothing written on stdout by the killed run" [ ! -s "$TMP/killed.out" ]

# shellcheck disable=SC2086
ok "resume" $ARGS --threads 2 --resume "$CK" --quiet &&
  check "resumed output = uninterrupted output, byte for byte" \
    cmp -s "$OUT" "$TMP/full.tsv"
check "resume leaves a complete checkpoint" \
  [ "$(awk '$1 == "loop" && $4 < $3' "$CK" | wc -l)" -eq 0 ]
# shellcheck disable=SC2086
ok "resume a finished run" $ARGS --resume "$CK" &&
  check "finished checkpoint: same output again" cmp -s "$OUT" "$TMP/full.tsv"

# Other options are refused, naming the option.
# shellcheck disable=SC2086
error "other --trials" 1 "--trials 600; this run has --trials 700" $ARGS --trials 700 --resume "$CK"
# shellcheck disable=SC2086
error "other --noise" 1 "--noise 0.25; this run has --noise 0.5" $ARGS --noise 0.5 --resume "$CK"
# shellcheck disable=SC2086
error "other --seed" 1 "--seed" $ARGS --seed 12 --resume "$CK"
error "other model" 1 "the checkpoint is of 'deq mc ridge'" \
  mc rf --spectrum loguniform:n=60,lo=0.1,hi=10 --target iso:norm=1 --P 40 --lambda 0.1 --features 30 --trials 10 --resume "$CK"
# shellcheck disable=SC2086
error "missing checkpoint" 1 "--resume $TMP/none" $ARGS --resume "$TMP/none"
printf 'not a checkpoint\n' >"$TMP/bad.ck"
# shellcheck disable=SC2086
error "not a checkpoint" 1 "not a deq checkpoint" $ARGS --resume "$TMP/bad.ck"
# shellcheck disable=SC2086
error "--checkpoint-every -1" 1 "--checkpoint-every" $ARGS --checkpoint-every -1
# shellcheck disable=SC2086
error "--blas-threads 0" 1 "--blas-threads" $ARGS --blas-threads 0

# Damaged or edited checkpoints are refused, never resumed from.
sed 's/^option seed=11$/option seed=11\noption garbage/' "$CK" >"$TMP/g1.ck"
# shellcheck disable=SC2086
error "an option line without =" 1 "malformed checkpoint" $ARGS --resume "$TMP/g1.ck"
sed 's/^mean 0x1/mean 0x1.8/' "$CK" >"$TMP/g2.ck"
check "the edit changed the file" sh -c '! cmp -s "$1" "$2"' _ "$CK" "$TMP/g2.ck"
# shellcheck disable=SC2086
error "an edited mean" 1 "checksum mismatch" $ARGS --resume "$TMP/g2.ck"
head -c 400 "$CK" >"$TMP/g3.ck"
# shellcheck disable=SC2086
error "a truncated checkpoint" 1 "checksum mismatch" $ARGS --resume "$TMP/g3.ck"

# Long option values are compared whole: two --lambda lists equal in
# their first 700 characters but not in the last value are different.
L1=$(awk 'BEGIN { for (i = 1; i <= 80; i++) printf "%s%.6f", (i > 1 ? "," : ""), 0.001 * i }')
L2=${L1%0.080000}0.900000
LONG="mc ridge --spectrum loguniform:n=20,lo=0.1,hi=10 --target iso:norm=1 --P 20 --trials 4 --seed 2 --threads 1"
# shellcheck disable=SC2086
ok "a long --lambda list" $LONG --lambda "$L1" --checkpoint "$TMP/long.ck"
# shellcheck disable=SC2086
error "a long list differing in its last value" 1 "this run has --lambda" \
  $LONG --lambda "$L2" --resume "$TMP/long.ck"

# A final checkpoint that cannot be written costs a warning, not the rows.
# shellcheck disable=SC2086
ok "unwritable --checkpoint" $LONG --lambda 0.1 --checkpoint "$TMP/no/such/dir/x.ck" &&
  check "unwritable --checkpoint: rows printed" [ "$(wc -l <"$OUT")" -eq 2 ] &&
  check "unwritable --checkpoint: a warning" grep -q "warning: the final checkpoint" "$ERR"

# Progress: forced on stderr, silenced by --quiet; stdout is unchanged.
SMALL="mc ridge --spectrum loguniform:n=20,lo=0.1,hi=10 --target iso:norm=1 --P 20 --lambda 0.1 --trials 40 --seed 2 --threads 1"
# shellcheck disable=SC2086
ok "plain small run" $SMALL && cp "$OUT" "$TMP/small.tsv"
# shellcheck disable=SC2086
ok "--progress" $SMALL --progress &&
  check "--progress: same stdout" cmp -s "$OUT" "$TMP/small.tsv" &&
  check "--progress: trials and rate on stderr: $(cat "$ERR")" \
    grep -q 'point 1/1: [0-9]*/40 trials, .* trials/s' "$ERR"
# shellcheck disable=SC2086
ok "--quiet" $SMALL --progress --quiet &&
  check "--quiet: only the banner on stderr" [ "$(wc -l <"$ERR")" -eq 1 ]

# --blas-threads 1 is the default: the same bytes.
# shellcheck disable=SC2086
ok "--blas-threads 1" $SMALL --blas-threads 1 &&
  check "--blas-threads 1: same stdout" cmp -s "$OUT" "$TMP/small.tsv"

finish
