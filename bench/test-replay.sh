#!/bin/bash
# bench/test-replay.sh — checks the benchmark harness itself (make check): on
# shared audit-log fixtures, bench/replay must count records and events as
# wc/grep do, show kestrel as n/a when it cannot replay, flag counters that
# disagree with the corpus, update its RESULTS.md section in place, and
# (--identical) tell when two builds print different events or alerts.
# Exit 77 (SKIP) when python3 or the shared fixtures are missing.
set -u

SKIP=77
srcdir=${KESTREL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
fixtures=${KESTREL_SHARED:-$srcdir/../shared}/fixtures/audit
raw=$fixtures/laurel/shell-proc-trace-reordered.txt
netlink=$fixtures/osquery/netlink_records_process_file_events.txt

command -v python3 >/dev/null || { echo "SKIP test-replay: python3 not installed"; exit $SKIP; }
[ -f "$raw" ] && [ -f "$netlink" ] || { echo "SKIP test-replay: $fixtures missing"; exit $SKIP; }

tmp=$(mktemp -d /tmp/kestrel-test-replay.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
replay() {
	python3 "$srcdir/bench/replay" --runs 1 --callgrind-lines 0 "$@" 2>"$tmp/stderr"
}
events_of() {
	grep -o 'audit([0-9.]*:[0-9]*)' "$1" | sort -u | wc -l
}

# A stand-in kestrel whose counters come from wc and grep, not from the
# harness; kestrel-wrong reports one record too many.
cat >"$tmp/kestrel-right" <<'EOF'
#!/bin/sh
for a; do f=$a; done
r=$(wc -l <"$f"); e=$(grep -o 'audit([0-9.]*:[0-9]*)' "$f" | sort -u | wc -l)
echo "replay: records=$r events=$e incomplete=0 malformed=0" >&2
EOF
sed 's/records=\$r /records=$((r + 1)) /' "$tmp/kestrel-right" >"$tmp/kestrel-wrong"
chmod +x "$tmp/kestrel-right" "$tmp/kestrel-wrong"

# 1. Record and event counts in the heading, raw and netlink forms.
for f in "$raw" "$netlink"; do
	want="$(wc -l <"$f") records, $(events_of "$f") events"
	out=$(replay --tools wc "$f") || fail "bench/replay exited $? on $f"
	grep -qF "$want" <<<"$out" || fail "heading for $f lacks '$want'"
	grep -q '^| records/s | [0-9]' <<<"$out" || fail "no records/s figure for wc on $f"
done

# 2. A kestrel without --replay is n/a, with the reason.
out=$(replay --tools kestrel,wc --kestrel /bin/false "$raw")
grep -q '^| events/s | n/a |' <<<"$out" || fail "kestrel column not n/a for /bin/false"
grep -q 'exits 1: no --replay yet' <<<"$out" || fail "n/a reason not given for /bin/false"

# 3. A working kestrel gets figures and a floor ratio; counters are checked.
out=$(replay --tools kestrel,wc --kestrel "$tmp/kestrel-right" --variant "k=" "$raw")
grep -q '^| events/s | [0-9]' <<<"$out" || fail "no events/s figure for a working kestrel"
grep -q '^| share of the floor.* | ×[0-9]' <<<"$out" || fail "no floor ratio for a working kestrel"
grep -q 'MISMATCH' <<<"$out" && fail "matching counters reported as a mismatch"
out=$(replay --tools kestrel --kestrel "$tmp/kestrel-wrong" --variant "k=" "$raw")
grep -q 'MISMATCH with the corpus' <<<"$out" || fail "wrong record counter not flagged"

# 4. --write replaces this corpus's section and keeps the rest of the file.
printf '# results\n\nhand-written line\n' >"$tmp/R.md"
for _ in 1 2; do
	replay --tools wc --write --results "$tmp/R.md" "$raw" >/dev/null ||
		fail "bench/replay --write exited $?"
done
name=$(basename "$raw")
[ "$(grep -c "<!-- bench/replay $name begin -->" "$tmp/R.md")" = 1 ] ||
	fail "section for $name not exactly once after two writes"
[ "$(grep -c "<!-- bench/replay $name end -->" "$tmp/R.md")" = 1 ] ||
	fail "section end for $name not exactly once after two writes"
grep -q '^hand-written line$' "$tmp/R.md" || fail "--write lost text outside its section"

# 5. --identical: columns with the same arguments and different binaries
# must print the same stdout; a difference is named and fails the run.
sed 's/^echo "replay:/echo "alert one"; echo "replay:/' "$tmp/kestrel-right" >"$tmp/kestrel-one"
cp "$tmp/kestrel-one" "$tmp/kestrel-one-copy"
sed 's/alert one/alert two/' "$tmp/kestrel-one" >"$tmp/kestrel-two"
chmod +x "$tmp/kestrel-one" "$tmp/kestrel-one-copy" "$tmp/kestrel-two"
out=$(replay --tools kestrel --identical --variant "a@$tmp/kestrel-one=" \
	--variant "b@$tmp/kestrel-one-copy=" "$raw") || fail "--identical failed on identical outputs"
grep -q 'b: output identical to a' <<<"$out" || fail "identical outputs not reported as such"
out=$(replay --tools kestrel --identical --variant "a@$tmp/kestrel-one=" \
	--variant "b@$tmp/kestrel-two=" "$raw")
rc=$?
[ $rc = 1 ] || fail "--identical exited $rc on different outputs, not 1"
grep -q 'b: OUTPUT DIFFERS from a' <<<"$out" || fail "different outputs not reported"

if [ $failures -ne 0 ]; then
	echo "test-replay: $failures failure(s); last stderr:"
	cat "$tmp/stderr"
	exit 1
fi
echo "test-replay: all checks passed"
