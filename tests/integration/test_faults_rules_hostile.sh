#!/bin/bash
# test_faults_rules_hostile.sh — hostile rules files through `kestrel -V`
# (no kernel, no root): 100,000 nested parentheses, 100,000 `not`s, macros
# that refer to each other or to themselves, a 20,000-macro chain, a list
# of 100,000 items, 20,000 `and` terms, YAML nested 100,000 deep. Each must
# end in bounded time and memory with a clear error naming file:line:column
# (or load), never a crash or a stack overflow. Cases that end in a crash,
# an out-of-memory kill or a timeout today are listed and make the test
# SKIP (known gaps, named in the faults report) once everything else passed.
set -u
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"
[ -x "$KESTREL" ] || fail "no kestrel binary at $KESTREL"
W=$(mktemp -d /tmp/kestrel-faults.XXXXXX)
trap 'rm -rf "$W"' EXIT
# Bounds for one validation: seconds and virtual memory (KiB).
VALIDATE_SECS=10
VALIDATE_MEM_KB=2000000
KNOWN=

python3 - "$W" <<'PY'
import sys
w = sys.argv[1]
def rule(name, cond):
    return f"- rule: {name}\n  desc: d\n  condition: {cond}\n  output: o\n  priority: WARNING\n"
N = 100000
open(f"{w}/nest.yaml", "w").write(rule("nest", "(" * N + "evt.type = execve" + ")" * N))
open(f"{w}/nots.yaml", "w").write(rule("nots", "not " * N + "evt.type = execve"))
open(f"{w}/loop.yaml", "w").write("- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
                                   + rule("loop", "evt.type = execve and a"))
open(f"{w}/self.yaml", "w").write("- macro: a\n  condition: a and evt.type = execve\n" + rule("self", "a"))
M = 20000
open(f"{w}/chain.yaml", "w").write(
    "".join(f"- macro: m{i}\n  condition: m{i + 1}\n" for i in range(M))
    + f"- macro: m{M}\n  condition: evt.type = execve\n" + rule("chain", "m0"))
open(f"{w}/biglist.yaml", "w").write(
    "- list: big\n  items: [" + ", ".join(f"p{i}" for i in range(N)) + "]\n"
    + rule("biglist", "evt.type = execve and proc.name in (big)"))
open(f"{w}/ands.yaml", "w").write(rule("ands", " and ".join(["evt.type = execve"] * 20000)))
D = 100000
open(f"{w}/yamldeep.yaml", "w").write("- rule: y\n  desc: " + "[" * D + "]" * D + "\n")
PY

# validate NAME: runs kestrel -V on $W/NAME.yaml within the bounds; sets RC, OUT, SECS
validate() {
	local t0 t1
	t0=$(date +%s.%N)
	OUT=$( (ulimit -v $VALIDATE_MEM_KB; timeout -s KILL $VALIDATE_SECS "$KESTREL" -V "$W/$1.yaml") 2>&1)
	RC=$?
	t1=$(date +%s.%N)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
	echo "$1: exit $RC in $SECS s: $(printf '%s\n' "$OUT" | head -1 | cut -c1-160)"
}
# must_error NAME REGEX: exit 1 and an error line FILE:LINE:COL matching REGEX
must_error() {
	validate "$1"
	[ "$RC" -lt 128 ] || fail "$1: kestrel crashed or was killed (exit $RC)"
	[ "$RC" = 1 ] || fail "$1: exit $RC, expected 1 (an error)"
	printf '%s\n' "$OUT" | grep -Eq "^$W/$1.yaml:[0-9]+:[0-9]+: error: .*$2" ||
		fail "$1: no error matching '$2' with file:line:column: $OUT"
}
# bounded NAME: ends within the bounds, by loading or by a clear error
bounded() {
	validate "$1"
	if [ "$RC" -ge 124 ]; then
		KNOWN="$KNOWN $1(exit $RC after $SECS s)"
		return
	fi
	case $RC in
	0) printf '%s\n' "$OUT" | grep -q "Ok" || fail "$1: exit 0 without Ok" ;;
	1) printf '%s\n' "$OUT" | grep -Eq "^$W/$1.yaml:[0-9]+:[0-9]+: error: " ||
		fail "$1: an error without file:line:column: $OUT" ;;
	*) fail "$1: exit $RC" ;;
	esac
}

must_error nest "nested too deeply"
must_error nots "nested too deeply"
must_error loop "macro loop"
must_error self "macro loop"
validate biglist
[ "$RC" = 0 ] || fail "a 100,000-item list does not load (exit $RC): $OUT"
bounded chain
bounded ands
bounded yamldeep

if [ -n "$KNOWN" ]; then
	skip "all bounded cases behaved except these known gaps (faults report):$KNOWN"
fi
echo "PASS: test_faults_rules_hostile.sh"
