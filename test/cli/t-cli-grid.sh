#!/bin/sh
# Parallel grids: every theory command takes --threads K, and the printed
# bytes do not depend on K (ridge on a grid long enough to be cut into
# several tiles of its continuation, rf, icl, flow and sgd; JSON too).
# --threads is range-checked like deq mc's.
. "$(dirname "$0")/lib.sh"

SP="--spectrum powerlaw:alpha=1.5,n=500 --target source:r=0.4 --noise 0.1"

# same_bytes NAME ARGS...: deq ARGS --threads 1 and --threads 3 succeed and
# print the same stdout.
same_bytes() {
  what=$1
  shift
  if ok "$what, 1 thread" "$@" --threads 1; then
    cp "$OUT" "$TMP/one" || exit 99
    if ok "$what, 3 threads" "$@" --threads 3; then
      check "$what: the same bytes on 1 and 3 threads" cmp -s "$OUT" "$TMP/one"
    fi
  fi
}

same_bytes "ridge P x lambda" ridge $SP --P 10:2000:70:log --lambda 0,1e-4,0.01
same_bytes "ridge JSON" ridge $SP --P 10:2000:40:log --lambda 1e-3 --format json
same_bytes "rf" rf $SP --features 50,inf --P 20:1000:35:log --lambda 1e-3
same_bytes "icl" icl --alpha 0.5:4:12 --tau 0.5:4:9 --lambda 0.01
same_bytes "flow" flow --spectrum powerlaw:alpha=1.5,n=100 --target source:r=0.4 --N inf,80 --P 50,200 --time 1,10,100
same_bytes "sgd" sgd --spectrum powerlaw:alpha=1.5,n=100 --target source:r=0.4 --lr 0.1,0.2 --steps 0:200:21

run ridge --help
check "ridge --help lists --threads" grep -q -- "--threads K" "$OUT"
error "threads negative" 1 "--threads" ridge $SP --P 100 --threads -1
error "threads too many" 1 "--threads" ridge $SP --P 100 --threads 5000

finish
