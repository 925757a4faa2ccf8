#!/bin/sh
# test/t-install.sh -- install smoke test: install the library, headers and
# deq.pc into a temporary DESTDIR, then build and run the README's "Using
# the library" example, extracted from README.md (so the two cannot
# drift), with `cc prog.c $(pkg-config --cflags --libs deq)`: as C, as
# C++, and linked statically against libdeq.a through
# `pkg-config --static` (Requires.private / Libs.private).
#
# Run from the build directory by make check, which exports srcdir, MAKE,
# CC, CXX and PKG_CONFIG.  The test reads a copy of the installed deq.pc
# whose directory variables point into the DESTDIR; the dependencies'
# own .pc files are used as they are.
set -u
LC_ALL=C
export LC_ALL
: "${srcdir:=.}" "${MAKE:=make}" "${CC:=cc}" "${CXX:=}" "${PKG_CONFIG:=pkg-config}"
# The flags deq itself was built with (make check exports them): a program
# linked with a library built under -fsanitize=... must link the same
# runtime first.  Empty for an ordinary build.
: "${DEQ_BUILD_CFLAGS:=}" "${DEQ_BUILD_LDFLAGS:=}"
command -v "${PKG_CONFIG%% *}" >/dev/null 2>&1 || { echo "SKIP: no pkg-config"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

fail() { echo "FAIL: $*"; exit 1; }

# The library, its headers and deq.pc only (not the CLI: no relinking).
$MAKE -s install-libLTLIBRARIES install-includeHEADERS \
  install-deqincludeHEADERS install-nodist_deqincludeHEADERS \
  install-pkgconfigDATA DESTDIR="$root" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "make install DESTDIR=$root"; }
pc=$(find "$root" -name deq.pc | head -n 1)
[ -n "$pc" ] || fail "deq.pc not installed"
libdir=$(dirname "$(dirname "$pc")")
mkdir "$tmp/pc" &&
sed -e "s#^prefix=/#prefix=$root/#" -e "s#^exec_prefix=/#exec_prefix=$root/#" \
  -e "s#^libdir=/#libdir=$root/#" -e "s#^includedir=/#includedir=$root/#" \
  "$pc" > "$tmp/pc/deq.pc" || exit 99
PKG_CONFIG_PATH=$tmp/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH

# The README block: the first ```c fence after "## Using the library".
awk '/^## Using the library/ { in_sec = 1; next }
     in_sec && /^## / { exit }
     in_sec && /^```c$/ { in_code = 1; next }
     in_code && /^```$/ { exit }
     in_code { print }' "$srcdir/README.md" > "$tmp/prog.c"
grep -q 'main' "$tmp/prog.c" || fail "no example program in README.md"

cflags=$($PKG_CONFIG --cflags deq) || fail "pkg-config --cflags deq"
libs=$($PKG_CONFIG --libs deq) || fail "pkg-config --libs deq"
run() {
  LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$@" \
    > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "running $*"; }
  grep -q '^kappa [0-9.e+-]*  E_g [0-9.e+-]*  E_tr [0-9.e+-]*$' "$tmp/out" ||
    { cat "$tmp/out"; fail "unexpected output of $*"; }
  cat "$tmp/out"
}

echo "C: $CC prog.c $cflags $libs"
$CC $DEQ_BUILD_CFLAGS -o "$tmp/prog" "$tmp/prog.c" $cflags $libs \
  $DEQ_BUILD_LDFLAGS || fail "C build"
run "$tmp/prog"

if [ -n "$CXX" ] && command -v "${CXX%% *}" >/dev/null 2>&1; then
  cp "$tmp/prog.c" "$tmp/prog.cc"
  echo "C++: $CXX prog.cc $cflags $libs"
  $CXX $DEQ_BUILD_CFLAGS -o "$tmp/prog-cxx" "$tmp/prog.cc" $cflags $libs \
    $DEQ_BUILD_LDFLAGS || fail "C++ build"
  run "$tmp/prog-cxx"
else
  echo "no C++ compiler: C++ variant skipped"
fi

if [ -f "$libdir/libdeq.a" ]; then
  slibs=$($PKG_CONFIG --static --libs deq | sed 's/-ldeq\( \|$\)/-l:libdeq.a\1/') ||
    fail "pkg-config --static --libs deq"
  echo "static: $CC prog.c $cflags $slibs"
  $CC $DEQ_BUILD_CFLAGS -o "$tmp/prog-static" "$tmp/prog.c" $cflags $slibs \
    $DEQ_BUILD_LDFLAGS || fail "static build"
  run "$tmp/prog-static"
else
  echo "no libdeq.a (--disable-static): static link skipped"
fi
