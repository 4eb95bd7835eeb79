#!/bin/bash
# test_rule_stats.sh — `kestrel --replay LOG -r RULES --rule-stats` (the
# tuning loop of kestrel(8)) on the recorded fixture logs: for every log,
# the alerts per rule in the table (and in --rule-stats=json) equal the
# alerts the same run printed, matched = alerts + suppressed, and the
# event-type table adds up to the run's events and alerts. Both sides are
# computed from the run, never hard-coded. Also with a rate limit that
# suppresses. No root and no kernel: replay only.
. "$(dirname "$0")/lib.sh"

RULES="$SRCDIR/rules/kestrel_rules.yaml"
FIX="$SRCDIR/tests/fixtures/rules-replay"
[ -x "$KESTREL" ] || fail "no kestrel binary at $KESTREL"
[ -f "$RULES" ] && ls "$FIX"/*.log >/dev/null 2>&1 || fail "fixtures missing under $SRCDIR"
command -v python3 >/dev/null || skip "python3 not installed"
W=$(mktemp -d /tmp/kestrel-rule-stats.XXXXXX) || fail "mktemp"
trap 'rm -rf "$W"' EXIT

# check OUT ERR FORMAT: compares the alerts on OUT (JSON lines) with the
# rule stats on ERR (table or json); prints "alerts rules suppressed".
check() {
	python3 - "$1" "$2" "$3" <<'EOF'
import collections, json, re, sys
out, err, fmt = sys.argv[1:4]
alerts = [json.loads(l) for l in open(out) if l.startswith("{")]
# the rules' alerts, not kestrel's own (source "internal": suppression reports)
printed = collections.Counter(a["rule"] for a in alerts if a["source"] == "syscall")
text = open(err).read()
m = re.search(r"^records=\d+ events=(\d+)", text, re.M)
events = int(m.group(1)) if m else sys.exit("no summary line in " + err)
rules, types = {}, []
if fmt == "json":
    line = [l for l in text.splitlines() if l.startswith('{"rule_stats":')]
    if len(line) != 1:
        sys.exit("expected one rule_stats JSON line, got %d" % len(line))
    rs = json.loads(line[0])["rule_stats"]
    for r in rs["rules"]:
        rules[r["rule"]] = (r["evaluated"], r["matched"], r["alerts"], r["suppressed"])
    types = [(t["events"], t["evaluated"], t["matched"]) for t in rs["event_types"]]
else:
    sect = None
    for l in text.splitlines():
        if l.startswith("rule stats:"): sect = "r"; continue
        if l.startswith("event types:"): sect = "t"; continue
        m = re.match(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+  (.*)$", l)
        if sect == "r" and m:
            rules[m.group(5)] = tuple(int(m.group(i)) for i in range(1, 5))
        m = re.match(r"^\s*(\d+)\s+(\d+)\s+(\d+)  (\S+)$", l)
        if sect == "t" and m:
            types.append(tuple(int(m.group(i)) for i in range(1, 4)))
    if sect != "t":
        sys.exit("no rule table in " + err)
table = collections.Counter({n: v[2] for n, v in rules.items() if v[2]})
if table != printed:
    sys.exit("alerts per rule differ: table %s, printed %s" % (dict(table), dict(printed)))
for n, (ev, ma, al, su) in rules.items():
    if ma != al + su or ev < ma:
        sys.exit("rule %s: evaluated %d matched %d alerts %d suppressed %d" % (n, ev, ma, al, su))
if sum(t[0] for t in types) != events:
    sys.exit("event types add up to %d events, the run had %d" % (sum(t[0] for t in types), events))
if sum(t[2] for t in types) != sum(v[1] for v in rules.values()):
    sys.exit("event types' matches differ from the rules' matches")
print(sum(printed.values()), len(printed), sum(v[3] for v in rules.values()))
EOF
}

# 1. every fixture log, table and JSON in turn
total=0
fired=0
fmt=json
for log in "$FIX"/*.log; do
	name=$(basename "$log" .log)
	fmt=$([ $fmt = json ] && echo table || echo json)
	"$KESTREL" --replay "$log" -r "$RULES" -o json_output=true --rule-stats=$fmt \
		>"$W/$name.out" 2>"$W/$name.err" || fail "$name: kestrel exited $?: $(cat "$W/$name.err")"
	res=$(check "$W/$name.out" "$W/$name.err" $fmt) || fail "$name ($fmt): $res"
	total=$((total + ${res%% *}))
	[ "${res%% *}" -gt 0 ] && fired=$((fired + 1))
done
echo "fixture logs: $total alerts, $fired logs with alerts, all equal to the rule table"
# the comparison means something only if many rules fired
[ "$fired" -ge 20 ] || fail "only $fired fixture logs raised alerts"

# 2. all the logs in one run, text alerts: the table's alert total equals
# the number of alert lines printed
cat "$FIX"/*-fire.log >"$W/all.log"
"$KESTREL" --replay "$W/all.log" -r "$RULES" --rule-stats >"$W/all.out" 2>"$W/all.err" ||
	fail "all: kestrel exited $?"
lines=$(grep -c '^[0-9:.]*: [A-Z][a-z]* ' "$W/all.out")
sum=$(awk '/^rule stats:/ {s = 1; next} /^event types:/ {s = 0}
	s && $1 ~ /^[0-9]+$/ {n += $3} END {print n + 0}' "$W/all.err")
[ "$lines" -gt 0 ] && [ "$lines" = "$sum" ] ||
	fail "the table counts $sum alerts, the replay printed $lines alert lines"
grep -q "^alerts=$lines " "$W/all.err" || fail "the summary disagrees: $(grep '^alerts=' "$W/all.err")"
echo "all fixtures in one replay: $lines alert lines = table"

# 3. a rate limit that suppresses: alerts + suppressed = matched, and the
# alerts column still equals what was printed
"$KESTREL" --replay "$W/all.log" -r "$RULES" -o json_output=true -o outputs.rate=0.001 \
	-o outputs.max_burst=3 --rule-stats >"$W/rl.out" 2>"$W/rl.err" || fail "rate limit: kestrel exited $?"
res=$(check "$W/rl.out" "$W/rl.err" table) || fail "rate limit: $res"
set -- $res
[ "$3" -gt 0 ] || fail "the rate limit suppressed nothing ($res)"
echo "rate limited: $1 alerts written, $3 suppressed, per rule as printed"

# 4. a bad format is refused
"$KESTREL" --replay "$W/all.log" -r "$RULES" --rule-stats=xml >/dev/null 2>&1 &&
	fail "--rule-stats=xml accepted"

# 5. kestrel.yaml's rule_stats does what --rule-stats does (for a service
# whose command line stays as packaged); the command line wins
printf 'rule_stats: json\n' >"$W/rs.yaml"
"$KESTREL" -c "$W/rs.yaml" --replay "$W/all.log" -r "$RULES" -o json_output=true \
	>"$W/cfg.out" 2>"$W/cfg.err" || fail "rule_stats: json: kestrel exited $?"
res=$(check "$W/cfg.out" "$W/cfg.err" json) || fail "rule_stats: json in the config: $res"
"$KESTREL" -c "$W/rs.yaml" --replay "$W/all.log" -r "$RULES" --rule-stats=table \
	>/dev/null 2>"$W/cfg2.err" || fail "rule_stats + --rule-stats: kestrel exited $?"
grep -q '^rule stats:' "$W/cfg2.err" && ! grep -q '{"rule_stats":' "$W/cfg2.err" ||
	fail "--rule-stats=table did not take precedence over rule_stats: json"
"$KESTREL" --replay "$W/all.log" -r "$RULES" >/dev/null 2>"$W/none.err" || fail "plain replay"
grep -q 'rule.stats' "$W/none.err" && fail "a replay without rule_stats printed the table"
echo "rule_stats in kestrel.yaml: the JSON table, per rule as printed; --rule-stats wins"
echo "PASS"
