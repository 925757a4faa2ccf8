#!/bin/sh
# t-python.sh -- the Python package's pytest suite (python/tests) on the
# build tree: python/stage/deq links the package's modules and the
# extension just built.  With --stage-only it only makes the stage (for
# make check-examples).
if [ "$DEQ_PYTHON_BUILT" != yes ]; then
  echo "SKIP: the Python package was not built: $DEQ_NO_PYTHON_MSG"
  exit 77
fi
stage=$DEQ_BUILDDIR/python/stage
rm -rf "$stage"
mkdir -p "$stage/deq" || exit 1
for f in "$DEQ_SRCDIR"/python/deq/*.py; do
  ln -s "$f" "$stage/deq/" || exit 1
done
ln -s "$DEQ_BUILDDIR/python/deq/.libs/_deq.so" "$stage/deq/_deq.so" || exit 1
[ "${1:-}" = --stage-only ] && exit 0
if ! "$DEQ_PYTHON" -c 'import pytest' 2>/dev/null; then
  echo "SKIP: pytest is missing for $DEQ_PYTHON (apt-get install python3-pytest)"
  exit 77
fi
PYTHONPATH=$stage
LD_LIBRARY_PATH=$DEQ_BUILDDIR/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH LD_LIBRARY_PATH PYTHONDONTWRITEBYTECODE
exec "$DEQ_PYTHON" -m pytest -q -p no:cacheprovider "$DEQ_SRCDIR/python/tests"
