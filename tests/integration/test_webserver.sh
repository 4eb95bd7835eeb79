#!/bin/bash
# test_webserver.sh — health and metrics over HTTP (webserver.* keys):
#  1. /healthz answers 200 {"status": "ok"}; unknown paths 404, POST 405;
#  2. /metrics is valid Prometheus text (checked here line by line, and by
#     Prometheus's own `promtool check metrics` (Debian package prometheus,
#     installed by tools/install-deps; the test fails without it);
#  3. values move with a known event count: N marker execs add exactly N
#     to kestrel_alerts_total{rule="Integration marker exec",...} and at
#     least N to kestrel_events_total; the engine's per-rule counters
#     move too: kestrel_rule_matches_total and kestrel_rule_alerts_total of
#     that rule by exactly N, its kestrel_rule_evaluations_total by at
#     least N, and a rule named with quotes and a backslash has its label
#     escaped;
#  4. a client that sends half a request and waits does not stall the
#     event loop: an exec still alerts at once;
#  5. off by default: nothing listens without webserver.enabled.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v curl >/dev/null || skip "curl not installed"
grep -q '^#define HAVE_MICROHTTPD 1' "${KESTREL_BUILDDIR:-.}/config.h" 2>/dev/null ||
	skip "kestrel built without libmicrohttpd"
lock_audit
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
save_state
W=$(mktemp -d /tmp/kestrel-web.XXXXXX)
cleanup() {
	exec 3>&- 2>/dev/null
	stop_kestrel
	rm -rf "$W"
}
trap cleanup EXIT
write_test_config "$W"
# a rule whose name needs escaping in a label: first, so every execve
# evaluates it; never true
cat - "$W/rules.yaml" >"$W/rules.new" <<'R'
- rule: 'Odd "quoted" \ name'
  desc: label escaping in /metrics
  condition: evt.type = execve and proc.name = kestrel-never-such-process
  output: never
  priority: DEBUG

R
mv "$W/rules.new" "$W/rules.yaml"
PORT=$((20000 + $$ % 20000))
URL=http://127.0.0.1:$PORT
N=7

# 5. off by default
start_kestrel "$W/k0.log" -c "$W/kestrel.yaml" -o webserver.listen_port=$PORT
curl -s -o /dev/null --max-time 2 "$URL/healthz" && fail "something answers on $PORT without webserver.enabled"
stop_kestrel

start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o webserver.enabled=true \
	-o webserver.listen_port=$PORT -o webserver.prometheus_metrics_enabled=true
grep -q "webserver: http://127.0.0.1:$PORT/healthz and /metrics" "$W/k.log" || fail "no webserver line in the log"

# 1. health and errors
body=$(curl -s --max-time 5 -w ' %{http_code}' "$URL/healthz")
[ "$body" = '{"status": "ok"} 200' ] || fail "/healthz: $body"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/nothing")" = 404 ] || fail "no 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$URL/metrics")" = 405 ] || fail "no 405"
echo "ok: /healthz 200 {\"status\": \"ok\"}, 404, 405"

# 2. the text format
metric() { # metric NAME_WITH_LABELS: its value in $W/m.txt (0 if absent)
	# through the environment: awk -v would undo the labels' backslash escapes
	MKEY="$1" awk 'index($0, ENVIRON["MKEY"] " ") == 1 { print $NF; f = 1 }
		END { if (!f) print 0 }' "$W/m.txt"
}
check_format() {
	python3 - "$1" <<'PY' || fail "/metrics is not valid Prometheus text (above)"
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{%s(,%s)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$' % (name, label, label))
typed, helped, seen, bad = {}, set(), set(), 0
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    m = re.match(r'^# (HELP|TYPE) (%s) (.+)$' % name, line)
    if m:
        if m.group(1) == "TYPE":
            if m.group(2) in typed or m.group(2) in seen:
                print("line %d: TYPE again or after samples: %s" % (n, line)); bad += 1
            typed[m.group(2)] = m.group(3)
            if m.group(3) not in ("counter", "gauge", "untyped", "summary", "histogram"):
                print("line %d: bad type" % n); bad += 1
        else:
            helped.add(m.group(2))
        continue
    m = sample.match(line)
    if not m:
        print("line %d: not a sample: %r" % (n, line)); bad += 1; continue
    if m.group(1) not in typed:
        print("line %d: no TYPE for %s" % (n, m.group(1))); bad += 1
    if typed.get(m.group(1)) == "counter" and not m.group(1).endswith("_total"):
        print("line %d: counter %s without _total" % (n, m.group(1))); bad += 1
    seen.add(m.group(1))
sys.exit(1 if bad or not seen else 0)
PY
}
curl -s --max-time 5 -D "$W/h.txt" "$URL/metrics" >"$W/m.txt" || fail "GET /metrics failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$W/h.txt" || fail "wrong Content-Type: $(cat "$W/h.txt")"
check_format "$W/m.txt"
command -v promtool >/dev/null ||
	fail "promtool not found: install the prometheus package (tools/install-deps does)"
promtool check metrics <"$W/m.txt" || fail "promtool check metrics failed"
echo "ok: promtool check metrics"
for k in kestrel_records_total kestrel_events_total kestrel_kernel_lost_total kestrel_kernel_backlog \
	kestrel_socket_enobufs_total kestrel_alerts_suppressed_total kestrel_processes \
	kestrel_rules_active kestrel_kernel_rules 'kestrel_integrity_alerts_total{kind="rules_deleted"}'; do
	grep -q "^$k " "$W/m.txt" || fail "/metrics lacks $k"
done
[ "$(metric kestrel_rules_active)" -ge 1 ] || fail "kestrel_rules_active is $(metric kestrel_rules_active)"
[ "$(metric kestrel_kernel_rules)" -ge 1 ] || fail "kestrel_kernel_rules is 0"
[ "$(metric kestrel_processes)" -ge 1 ] || fail "kestrel_processes is 0"
echo "ok: /metrics parses; $(grep -vc '^#' "$W/m.txt") samples"

# 3. values move with a known count
K='kestrel_alerts_total{rule="Integration marker exec",priority="Warning"}'
a0=$(metric "$K")
e0=$(metric kestrel_events_total)
R='{rule="Integration marker exec"}'
O='{rule="Odd \"quoted\" \\ name"}'
grep -qF "kestrel_rule_evaluations_total$O " "$W/m.txt" ||
	fail "no escaped label for the odd rule: $(grep Odd "$W/m.txt")"
re0=$(metric "kestrel_rule_evaluations_total$R")
rm0=$(metric "kestrel_rule_matches_total$R")
ra0=$(metric "kestrel_rule_alerts_total$R")
oe0=$(metric "kestrel_rule_evaluations_total$O")
for i in $(seq $N); do /bin/true "kestrel-it-web-$i"; done
wait_for "$W/alerts.json" "kestrel-it-web-$N" 10 || fail "no alert for the marker execs"
sleep 0.6 # the next tick publishes the snapshot
curl -s --max-time 5 "$URL/metrics" >"$W/m.txt"
a1=$(metric "$K")
e1=$(metric kestrel_events_total)
[ "$((a1 - a0))" = "$N" ] || fail "$K moved by $((a1 - a0)), expected $N"
[ "$((e1 - e0))" -ge "$N" ] || fail "kestrel_events_total moved by $((e1 - e0)), expected >= $N"
echo "ok: $N execs: $K $a0 -> $a1, events $e0 -> $e1"
rm1=$(metric "kestrel_rule_matches_total$R")
ra1=$(metric "kestrel_rule_alerts_total$R")
re1=$(metric "kestrel_rule_evaluations_total$R")
oe1=$(metric "kestrel_rule_evaluations_total$O")
[ "$((rm1 - rm0))" = "$N" ] || fail "kestrel_rule_matches_total$R moved by $((rm1 - rm0)), expected $N"
[ "$((ra1 - ra0))" = "$N" ] || fail "kestrel_rule_alerts_total$R moved by $((ra1 - ra0)), expected $N"
[ "$((re1 - re0))" -ge "$N" ] || fail "kestrel_rule_evaluations_total$R moved by $((re1 - re0))"
[ "$((oe1 - oe0))" -ge "$N" ] || fail "the odd rule's evaluations moved by $((oe1 - oe0))"
echo "ok: rule counters: matches +$((rm1 - rm0)), alerts +$((ra1 - ra0)), evaluations +$((re1 - re0)); odd rule +$((oe1 - oe0)) evaluations"

# 4. a slow client holds a connection open with half a request
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&3
t0=$(date +%s%N)
/bin/true kestrel-it-slowclient
wait_for "$W/alerts.json" "kestrel-it-slowclient" 5 || fail "a half-open HTTP request stalled the event loop"
ms=$((($(date +%s%N) - t0) / 1000000))
body=$(curl -s --max-time 5 "$URL/healthz")
[ "$body" = '{"status": "ok"}' ] || fail "/healthz with a slow client connected: $body"
exec 3>&-
echo "ok: with a half-sent request open, an exec alerted in ${ms} ms and /healthz answered"

stop_kestrel
check_state_restored
echo "PASS"
