#!/bin/sh
# deq mc under mpirun (configure --with-mpi): 1, 2 and 3 ranks give
# byte-identical output to the plain run, for ridge and icl; only rank 0
# writes; a failure is reported once, with a non-zero exit.  Skipped
# without MPI.
. "$(dirname "$0")/lib.sh"

if [ -z "${DEQ_MPIRUN:-}" ]; then
  echo "SKIP: deq was built without --with-mpi"
  exit 77
fi
# CI runs as root; containers lack ssh and ptrace between processes.
if [ "$(id -u)" -eq 0 ]; then
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
: "${OMPI_MCA_plm:=isolated}" "${OMPI_MCA_btl_vader_single_copy_mechanism:=none}"
export OMPI_MCA_plm OMPI_MCA_btl_vader_single_copy_mechanism

# mpirun NP ARGS...: deq under mpirun; stdout in $OUT, stderr in $ERR.
mpi() {
  np=$1
  shift
  RC=0
  "$DEQ_MPIRUN" --oversubscribe -np "$np" "$DEQ" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

RIDGE="mc ridge --spectrum loguniform:n=40,lo=0.1,hi=10 --target iso:norm=1 --noise 0.25 --P 20,60 --lambda 0.01,0.1 --trials 37 --seed 5"
ICL="mc icl --alpha 1 --kappa 0.5 --tau 0.5,2 --noise 0.1 --lambda 0,0.1 --d 8 --trials 23 --seed 3"

for model in ridge icl; do
  if [ $model = ridge ]; then args=$RIDGE; else args=$ICL; fi
  # shellcheck disable=SC2086
  ok "plain $model" $args --threads 1 || continue
  cp "$OUT" "$TMP/plain.tsv"
  for np in 1 2 3; do
    # One thread per rank, and two for 2 ranks: neither may matter.
    for threads in 1 2; do
      [ $threads = 2 ] && [ $np != 2 ] && continue
      # shellcheck disable=SC2086
      mpi $np $args --threads $threads
      check "$model, $np ranks x $threads threads: exit 0 ($(head -c 300 "$ERR"))" [ "$RC" -eq 0 ]
      check "$model, $np ranks x $threads threads: same bytes as the plain run" \
        cmp -s "$OUT" "$TMP/plain.tsv"
      check "$model, $np ranks: one banner (rank 0 writes)" \
        [ "$(grep -c '^# deq mc' "$ERR")" -eq 1 ]
    done
  done
done

# A checkpoint written under 3 ranks resumes under 2, with the same bytes.
# shellcheck disable=SC2086
mpi 3 $RIDGE --threads 1 --checkpoint "$TMP/ck"
check "3 ranks with --checkpoint: exit 0" [ "$RC" -eq 0 ]
check "the checkpoint is written once, by rank 0" [ -s "$TMP/ck" ]
# shellcheck disable=SC2086
ok "plain ridge (again)" $RIDGE --threads 1 && cp "$OUT" "$TMP/plain.tsv"
# shellcheck disable=SC2086
mpi 2 $RIDGE --threads 1 --resume "$TMP/ck"
check "resume under 2 ranks: same bytes" cmp -s "$OUT" "$TMP/plain.tsv"

# Ranks with different thread counts still cut the same chunks.
# shellcheck disable=SC2086
ok "plain ridge (threads 1)" $RIDGE --threads 1 && cp "$OUT" "$TMP/plain.tsv"
RC=0
# shellcheck disable=SC2086
"$DEQ_MPIRUN" --oversubscribe -np 1 "$DEQ" $RIDGE --threads 1 : \
  -np 1 "$DEQ" $RIDGE --threads 3 >"$OUT" 2>"$ERR" || RC=$?
check "ranks of 1 and 3 threads: exit 0 ($(head -c 300 "$ERR"))" [ "$RC" -eq 0 ]
check "ranks of 1 and 3 threads: same bytes" cmp -s "$OUT" "$TMP/plain.tsv"

# A failure (the same on every rank) is reported once, exit non-zero.
mpi 2 mc ridge --spectrum loguniform:n=10,lo=0.1,hi=1 --target iso:norm=1 --P 10 --lambda 0.1 --trials 1
check "mpirun: --trials 1 exits non-zero" [ "$RC" -ne 0 ]
check "mpirun: the message once: $(cat "$ERR")" \
  [ "$(grep -c '^deq mc ridge: --trials' "$ERR")" -eq 1 ]
check "mpirun: nothing on stdout" [ ! -s "$OUT" ]

finish
