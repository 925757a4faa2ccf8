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
# make install: the library and the package into a temporary DESTDIR,
# then the installed package imported from there.
inst=$(mktemp -d) || exit 99
trap 'rm -rf "$inst"' EXIT
(cd "$DEQ_BUILDDIR" && ${MAKE:-make} -s install-libLTLIBRARIES \
   install-pkgpythonPYTHON install-pkgpyexecLTLIBRARIES DESTDIR="$inst") \
  > "$inst.log" 2>&1 || { cat "$inst.log"; rm -f "$inst.log"; echo "FAIL: make install of the package"; exit 1; }
rm -f "$inst.log"
init=$(find "$inst" -path '*/deq/__init__.py' | head -n 1)
lib=$(dirname "$(find "$inst" -name 'libdeq.so*' | head -n 1)")
[ -n "$init" ] && [ -n "$lib" ] || { echo "FAIL: the package was not installed"; exit 1; }
(cd "$inst" && PYTHONPATH=$(dirname "$(dirname "$init")") LD_LIBRARY_PATH=$lib \
  "$DEQ_PYTHON" -c 'import deq, sys; sys.exit(0 if deq.__file__.startswith(sys.argv[1]) and deq.ridge(deq.Spectrum.iso(10).with_target(norm=1), P=20).shape[0] == 1 else 1)' "$inst") ||
  { echo "FAIL: the installed package does not import"; exit 1; }
echo "installed package: $init"

if ! "$DEQ_PYTHON" -c 'import pytest' 2>/dev/null; then
  echo "SKIP: pytest is missing for $DEQ_PYTHON (apt-get install python3-pytest)"
  exit 77
fi
PYTHONPATH=$stage
LD_LIBRARY_PATH=$DEQ_BUILDDIR/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH LD_LIBRARY_PATH PYTHONDONTWRITEBYTECODE
"$DEQ_PYTHON" -m pytest -q -p no:cacheprovider "$DEQ_SRCDIR/python/tests"
