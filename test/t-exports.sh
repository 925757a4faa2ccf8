#!/bin/sh
# test/t-exports.sh -- libdeq.so exports exactly the functions declared in
# the public headers include/deq/*.h: nothing declared is missing, nothing
# private (lib/*_impl.h) leaks.
#
# The declarations come from the compiler (gcc -aux-info lists every
# prototype with the file that declares it), independently of
# lib/exports.sh, which builds the export list; without -aux-info support
# the test falls back to lib/exports.sh.  Run from the build directory
# (make check exports srcdir, CC and CPPFLAGS).
set -u
LC_ALL=C
export LC_ALL
: "${srcdir:=.}" "${CC:=cc}" "${CPPFLAGS:=}"
so=lib/.libs/libdeq.so
if [ ! -f "$so" ]; then
  echo "SKIP: no shared library $so (configured with --disable-shared?)"
  exit 77
fi
command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# Exported: every defined dynamic symbol, whatever its name.
nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' |
  sort -u > "$tmp/exported"

# Declared: prototypes whose declaring file is a public header.
for h in "$srcdir"/include/deq/*.h; do
  $CC $CPPFLAGS -I"$srcdir/include" -Iinclude -fsyntax-only -x c \
    -aux-info "$tmp/aux" "$h" 2>/dev/null || { rm -f "$tmp/aux"; break; }
  grep '^/\* [^ ]*include/deq/[^ ]*\.h:' "$tmp/aux" |
    sed -n 's/.*[^A-Za-z0-9_]\(deq_[A-Za-z0-9_]*\) (.*/\1/p'
done | sort -u > "$tmp/declared"
# Data: -aux-info lists functions only; public objects are the
# "extern const deq_... deq_name;" declarations (the model types).
if [ -s "$tmp/declared" ]; then
  sed -n 's/^extern const [A-Za-z0-9_]* \(deq_[A-Za-z0-9_]*\);.*/\1/p' \
    "$srcdir"/include/deq/*.h >> "$tmp/declared"
  sort -u -o "$tmp/declared" "$tmp/declared"
fi
if [ ! -s "$tmp/declared" ]; then
  echo "note: $CC has no -aux-info; using lib/exports.sh"
  sh "$srcdir/lib/exports.sh" "$srcdir"/include/deq/*.h > "$tmp/declared"
fi

status=0
comm -13 "$tmp/declared" "$tmp/exported" > "$tmp/extra"
comm -23 "$tmp/declared" "$tmp/exported" > "$tmp/missing"
if [ -s "$tmp/extra" ]; then
  echo "FAIL: exported by $so but declared in no public header:"
  sed 's/^/  /' "$tmp/extra"
  status=1
fi
if [ -s "$tmp/missing" ]; then
  echo "FAIL: declared in include/deq/*.h but not exported by $so:"
  sed 's/^/  /' "$tmp/missing"
  status=1
fi
echo "$(wc -l < "$tmp/declared") declared, $(wc -l < "$tmp/exported") exported"
exit $status
