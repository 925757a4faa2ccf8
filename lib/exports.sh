#!/bin/sh
# lib/exports.sh -- the libtool -export-symbols list of libdeq: every deq_*
# function or variable declared in the public headers given as arguments,
# one a line, sorted.  Everything else (the lib/*_impl.h plumbing) stays
# local to the shared library.
#
# Comments and preprocessor lines are dropped, then every "deq_NAME (" is a
# function declaration unless it is part of a function-pointer type
# ("(*deq_NAME)", or "deq_TYPE (*name)"); "extern TYPE deq_NAME;" declares
# a variable.
LC_ALL=C
export LC_ALL
cat "$@" | awk '
  /^[ \t]*#/ { next }
  { text = text " " $0 }
  END {
    while ((i = index(text, "/*")) > 0) {
      rest = substr(text, i + 2)
      text = substr(text, 1, i - 1) " " substr(rest, index(rest, "*/") + 2)
    }
    s = text
    while (match(s, /[(*]*[ \t]*deq_[A-Za-z0-9_]*[ \t]*\(/)) {
      m = substr(s, RSTART, RLENGTH)
      s = substr(s, RSTART + RLENGTH)
      if (m ~ /^\([ \t]*\*/ || s ~ /^[ \t]*\*/) continue
      sub(/^[(* \t]*/, "", m); sub(/[ \t]*\($/, "", m)
      print m
    }
    s = text
    while (match(s, /extern[^;(){}]*deq_[A-Za-z0-9_]*[ \t]*(\[[^]]*\])?[ \t]*;/)) {
      m = substr(s, RSTART, RLENGTH)
      s = substr(s, RSTART + RLENGTH)
      sub(/[ \t]*(\[[^]]*\])?[ \t]*;$/, "", m); sub(/.*[^A-Za-z0-9_]/, "", m)
      print m
    }
  }' | sort -u
