# test/cli/lib.sh -- helpers shared by the CLI tests (POSIX sh).
#
# The tests run the built `deq` ($DEQ) on the fixtures in $DEQ_DATA.  Each
# check that fails prints one "FAIL:" line and the script goes on; `finish`
# exits 0 if every check passed, 1 otherwise.  Exit 77 (skip) if $DEQ is
# not available.

if [ -z "${DEQ:-}" ] || [ ! -x "$DEQ" ]; then
  echo "SKIP: \$DEQ does not name the built deq program"
  exit 77
fi
if [ -z "${DEQ_DATA:-}" ] || [ ! -d "$DEQ_DATA" ]; then
  DEQ_DATA=$(cd "$(dirname "$0")/../data" 2>/dev/null && pwd)
fi

# When $DEQ is libtool's wrapper script for the uninstalled program, run
# the program behind it directly (with the library path the wrapper would
# set): the wrapper costs a shell and several processes per call, most of
# the run time of these tests.  Only done when the wrapper needs no
# relinking and both give the same --version; otherwise $DEQ stays.
use_real_binary() {
  grep -q '^# .* - temporary wrapper script for \.libs/' "$DEQ" 2>/dev/null || return 0
  grep -q '^relink_command=""$' "$DEQ" || return 0
  real="$(dirname "$DEQ")/.libs/$(basename "$DEQ")"
  [ -x "$real" ] || return 0
  libpath=$(sed -n 's/^ *LD_LIBRARY_PATH="\([^$"]*\):\$LD_LIBRARY_PATH"$/\1/p' "$DEQ" | head -n 1)
  [ -n "$libpath" ] || return 0
  libpath="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  want=$("$DEQ" --version 2>&1) || return 0
  got=$(LD_LIBRARY_PATH="$libpath" "$real" --version 2>&1) || return 0
  [ "$got" = "$want" ] || return 0
  LD_LIBRARY_PATH=$libpath
  export LD_LIBRARY_PATH
  DEQ=$real
}
use_real_binary

TMP=$(mktemp -d "${TMPDIR:-/tmp}/deq-cli.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' 0
trap 'exit 1' HUP INT TERM
OUT=$TMP/stdout
ERR=$TMP/stderr
CHECKS=0
FAILURES=0

fail() {
  FAILURES=$((FAILURES + 1))
  echo "FAIL: $*"
}

# check NAME CONDITION...: count a check; fail with NAME unless the test
# command CONDITION succeeds.
check() {
  name=$1
  shift
  CHECKS=$((CHECKS + 1))
  "$@" || fail "$name"
}

# not COMMAND...: succeed if COMMAND fails (for check).
not() {
  ! "$@"
}

# run ARGS...: run deq; stdout in $OUT, stderr in $ERR, status in $RC.
run() {
  RC=0
  "$DEQ" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

# ok NAME ARGS...: run deq and require exit status 0 and some output.
# Returns 1 (after reporting) otherwise, so callers can skip dependent checks.
ok() {
  name=$1
  shift
  run "$@"
  CHECKS=$((CHECKS + 1))
  if [ "$RC" -ne 0 ] || [ ! -s "$OUT" ]; then
    fail "$name: exit status $RC, stderr: $(head -c 300 "$ERR")"
    return 1
  fi
  return 0
}

# error NAME STATUS PATTERN ARGS...: run deq and require exit status
# STATUS, nothing on stdout, and exactly one line "deq ...: ..." on stderr
# containing the fixed string PATTERN.
error() {
  name=$1 want=$2 pattern=$3
  shift 3
  run "$@"
  CHECKS=$((CHECKS + 1))
  if [ "$RC" -ne "$want" ]; then
    fail "$name: exit status $RC, want $want (stderr: $(head -c 300 "$ERR"))"
  elif [ -s "$OUT" ]; then
    fail "$name: stdout is not empty: $(head -c 200 "$OUT")"
  elif [ "$(wc -l <"$ERR")" -ne 1 ] || ! grep -q '^deq[^:]*: ..*' "$ERR"; then
    fail "$name: want one line 'deq CMD: message' on stderr, got: $(cat "$ERR")"
  elif ! grep -qF -- "$pattern" "$ERR"; then
    fail "$name: message does not mention '$pattern': $(cat "$ERR")"
  fi
}

# col NAME [ROW [FILE]]: the value in column NAME of data row ROW
# (default 1) of a TSV table with a header (default $OUT); MISSING if the
# column or row does not exist.
col() {
  awk -F '\t' -v c="$1" -v r="${2:-1}" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
    NR == r + 1 { v = k ? $k : "MISSING" }
    END { print (v == "" ? "MISSING" : v) }' "${3:-$OUT}"
}

# rows [FILE]: number of data rows (lines after the header).
rows() {
  awk 'END { print NR - 1 }' "${1:-$OUT}"
}

# header [FILE]: the header line, tabs shown as spaces.
header() {
  head -n 1 "${1:-$OUT}" | tr '\t' ' '
}

# near GOT WANT RTOL [ATOL]: |GOT - WANT| <= RTOL |WANT| + ATOL.  Non-numbers
# must match exactly (inf, nan).
near() {
  [ "$1" = "$2" ] && return 0
  awk -v g="$1" -v w="$2" -v rt="$3" -v at="${4:-0}" 'BEGIN {
    num = "^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$"
    if (g !~ num || w !~ num) exit 1
    d = g - w; if (d < 0) d = -d
    m = w < 0 ? -w : w
    exit !(d <= rt * m + at)
  }'
}

# close NAME GOT WANT RTOL [ATOL]: a counted check with near.
close() {
  CHECKS=$((CHECKS + 1))
  near "$2" "$3" "$4" "${5:-0}" ||
    fail "$1: got $2, want $3 (rtol $4, atol ${5:-0})"
}

# calc "[STATEMENTS;] EXPR": evaluate an awk expression, after optional
# assignments (independent reference values).
calc() {
  case $1 in
    *\;*) awk "BEGIN { ${1%;*}; printf \"%.17g\\n\", ${1##*;} }" ;;
    *) awk "BEGIN { printf \"%.17g\\n\", $1 }" ;;
  esac
}

# same NAME GOT WANT: exact string equality.
same() {
  CHECKS=$((CHECKS + 1))
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# json_ok NAME COMMAND: $OUT must be one strictly valid JSON object (no
# NaN or Infinity literals) with keys command (= COMMAND), columns, rows
# and status, every row as long as columns, one status word per row, and
# non-finite numbers only as the strings "inf", "-inf" and "nan".  The files are checked together by
# one python3 run in `finish` (python3 can be slow to start); skipped
# without python3.
JSON_N=0
json_ok() {
  JSON_N=$((JSON_N + 1))
  cp "$OUT" "$TMP/json.$JSON_N"
  printf '%s\t%s\t%s\n' "$TMP/json.$JSON_N" "$2" "$1" >>"$TMP/json.list"
}

check_json() {
  [ "$JSON_N" -gt 0 ] || return 0
  CHECKS=$((CHECKS + JSON_N))
  if ! command -v python3 >/dev/null 2>&1; then
    echo "note: python3 not found; $JSON_N JSON outputs not checked"
    return 0
  fi
  python3 -c '
import json, sys
def bad_constant(name):
    raise ValueError("non-JSON constant " + name)
bad = 0
for line in open(sys.argv[1]):
    path, command, name = line.rstrip("\n").split("\t")
    try:
        d = json.load(open(path), parse_constant=bad_constant)
        assert isinstance(d, dict) and set(d) == {"command", "columns", "rows", "status"}, "keys"
        assert d["command"] == command, "command " + repr(d["command"])
        n = len(d["columns"])
        assert all(isinstance(c, str) for c in d["columns"]), "column names"
        assert all(isinstance(r, list) and len(r) == n for r in d["rows"]), "row length"
        assert len(d["status"]) == len(d["rows"]), "one status per row"
        words = {"ok", "invalid", "domain", "noconv", "diverge", "nomem", "io",
                 "parse", "lapack", "unsupported"}
        assert all(s in words for s in d["status"]), "status words"
        for r in d["rows"]:
            for c in r:
                assert c is not None, "null cell"
                if isinstance(c, str) and c in ("inf", "-inf", "nan"):
                    continue
                assert isinstance(c, (int, float, str)), "cell type"
    except Exception as e:
        print("FAIL: %s: invalid JSON output: %s" % (name, e))
        bad += 1
sys.exit(bad)
' "$TMP/json.list"
  n=$?
  FAILURES=$((FAILURES + n))
}

finish() {
  check_json
  if [ "$FAILURES" -gt 0 ]; then
    echo "$FAILURES of $CHECKS checks failed"
    exit 1
  fi
  echo "all $CHECKS checks passed"
  exit 0
}
