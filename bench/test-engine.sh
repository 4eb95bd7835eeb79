#!/bin/bash
# bench/test-engine.sh — checks bench/bench_engine itself (make check), on a
# known input (kestrel's default rules, the benchmark's fixed event mix):
# every figure it prints is a positive number (it once printed negative
# means), both index modes raise the same alerts, and callgrind, which counts instructions instead of timing them,
# agrees with it: the event-type index saves instructions (on < off), and
# each mode's ns/event is a plausible time for the instructions callgrind
# counted inside the engine (between 0.02 and 5 ns per instruction: a
# sanity bound that catches garbage and unit errors, not a speed test).
# Exit 77 (SKIP) when valgrind is not installed.
set -u

SKIP=77
srcdir=${KESTREL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${KESTREL_BUILDDIR:-.}
bench=$builddir/bench/bench_engine
rules=$srcdir/rules/kestrel_rules.yaml
n=2000
mix_warmup=640 # BENCH_WARMUP in bench_engine.c: each run evaluates 2n + this

[ -x "$bench" ] || { echo "FAIL: $bench is not built"; exit 1; }
command -v valgrind >/dev/null || { echo "SKIP test-engine: valgrind not installed"; exit $SKIP; }

tmp=$(mktemp -d /tmp/kestrel-test-engine.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# "index-on   events=2000 mean=464.6 ns/event (cpu) 467.0 (wall) p50=447 ..."
mean_of() { sed -n "s/^$1 .* mean=\([-0-9.]*\) ns\/event (cpu).*/\1/p" "$2"; }
positive() { awk -v x="$1" 'BEGIN { exit !(x + 0 > 0) }'; }

"$bench" -n 20000 -r "$rules" >"$tmp/plain" 2>&1 || fail "bench_engine exited $?: $(tail -1 "$tmp/plain")"
for mode in index-on index-off; do
	line=$(grep "^$mode " "$tmp/plain")
	[ -n "$line" ] || { fail "no $mode line in: $(cat "$tmp/plain")"; continue; }
	for key in mean= "(cpu) " p50= p99=; do
		v=$(printf '%s\n' "$line" | sed -n "s/.*$key\([-0-9.]*\).*/\1/p")
		positive "$v" || fail "$mode: $key$v is not a positive number ($line)"
	done
done

# the index must change the cost, never the result
a_on=$(sed -n 's/^index-on .* alerts=\([0-9]*\).*/\1/p' "$tmp/plain")
a_off=$(sed -n 's/^index-off .* alerts=\([0-9]*\).*/\1/p' "$tmp/plain")
[ -n "$a_on" ] && [ "$a_on" = "$a_off" ] && positive "$a_on" ||
	fail "alerts differ with the index on ($a_on) and off ($a_off), or none"

declare -A ipe
for mode in on off; do
	out=$tmp/cg.$mode
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=engine_eval_with \
		"$bench" -n $n -i $mode -r "$rules" >"$tmp/run.$mode" 2>"$tmp/vg.$mode" ||
		{ fail "bench_engine -i $mode under callgrind: $(tail -2 "$tmp/vg.$mode")"; continue; }
	total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$out" | head -1)
	positive "${total:-0}" || { fail "callgrind counted nothing inside engine_eval_with ($mode)"; continue; }
	ipe[$mode]=$(awk -v t="$total" -v e=$((2 * n + mix_warmup)) 'BEGIN { printf "%.1f", t / e }')
	# the timing figures of the plain run, against this mode's instructions
	ns=$(mean_of "index-$mode" "$tmp/plain")
	if positive "${ns:-0}"; then
		ratio=$(awk -v ns="$ns" -v i="${ipe[$mode]}" 'BEGIN { printf "%.3f", ns / i }')
		echo "index-$mode: $ns ns/event, ${ipe[$mode]} instructions/event (callgrind): $ratio ns/instruction"
		awk -v r="$ratio" 'BEGIN { exit !(r >= 0.02 && r <= 5) }' ||
			fail "index-$mode: $ns ns/event for ${ipe[$mode]} instructions/event is not plausible"
	fi
done
if [ -n "${ipe[on]:-}" ] && [ -n "${ipe[off]:-}" ]; then
	awk -v a="${ipe[on]}" -v b="${ipe[off]}" 'BEGIN { exit !(a < b) }' ||
		fail "callgrind: the index costs instructions (${ipe[on]} on vs ${ipe[off]} off per event)"
fi

[ $failures -eq 0 ] && echo "PASS test-engine" || echo "$failures failure(s)"
[ $failures -eq 0 ]
