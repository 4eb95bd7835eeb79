#!/bin/bash
# test_faults_auditd.sh — kestrel and a real auditd on the same kernel,
# started and stopped under each other:
#  1. kestrel runs in unicast (it holds the audit pid); an auditd started
#     then is refused by the kernel and exits, and kestrel hands the pid
#     over (it releases it and reads the multicast group, so auditd's
#     restart policy can register; test_auditd_after.sh checks that part)
#     and keeps alerting.
#  2. auditd runs, kestrel starts in auto and chooses multicast without
#     touching the pid; auditd stops: kestrel keeps alerting (the kernel
#     still multicasts); auditd starts again: kestrel never fought it for
#     the pid and still alerts.
# The audit state (enabled, pid, rules) is restored and checked at the end.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v auditd >/dev/null || skip "auditd not installed (apt-get install auditd)"
lock_audit
# an auditd another test started may still be shutting down
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
pgrep -x auditd >/dev/null && skip "an auditd is already running; this test starts its own"
save_state
W=$(mktemp -d /tmp/kestrel-faults.XXXXXX)
APID=
stop_auditd() {
	[ -n "$APID" ] || return 0
	kill -TERM "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	APID=
}
cleanup() {
	stop_kestrel
	stop_auditd
	auditctl -D -k kestrel >/dev/null 2>&1
	# auditd -s enable turned auditing on; put the flag back
	[ "$(auditctl -s | awk '/^enabled/{print $2}')" = "$STATE_ENABLED" ] ||
		auditctl -e "$STATE_ENABLED" >/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
cp "$SRCDIR/tests/fixtures/rules/integration.yaml" "$W/rules.yaml"
cat >"$W/kestrel.yaml" <<C
rules_files: [$W/rules.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: true
file_output: {enabled: true, keep_alive: true, filename: $W/alerts.json}
log_stderr: true
log_syslog: false
C
audit_pid() { auditctl -s | awk '/^pid/{print $2}'; }
# start_auditd: foreground auditd (-n), auditing on (-s enable); sets APID.
start_auditd() {
	auditd -n -s enable >"$W/auditd.out" 2>&1 &
	APID=$!
}
marker() {
	/bin/true "kestrel-it-$1"
	wait_for "$W/alerts.json" "kestrel-it-$1\"" 5 || fail "no alert for exec $1 ($2)"
}

# 1. kestrel unicast first, auditd second
start_kestrel "$W/k1.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
[ "$(audit_pid)" = "$KPID" ] || fail "kestrel does not hold the audit pid in unicast"
marker uc-before "unicast, before auditd"
start_auditd
for _ in $(seq 100); do kill -0 "$APID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$APID" 2>/dev/null; then
	fail "auditd is still running 10 s after start while kestrel holds the audit pid (pid now $(audit_pid))"
fi
wait "$APID"; arc=$?; APID=
[ "$arc" != 0 ] || fail "auditd exited 0 although it could not take the audit pid"
for _ in $(seq 50); do [ "$(audit_pid)" != "$KPID" ] && break; sleep 0.1; done
[ "$(audit_pid)" != "$KPID" ] || fail "kestrel kept the audit pid although auditd asked for it"
kill -0 "$KPID" || fail "kestrel died when auditd tried to start"
marker uc-after "unicast, after handing the pid over"
echo "unicast: auditd exited $arc, kestrel released the audit pid and kept alerting"
stop_kestrel
[ "$(audit_pid)" = 0 ] || fail "audit pid not released by kestrel: $(audit_pid)"

# 2. auditd first, kestrel in auto (multicast); then auditd stops and restarts
start_auditd
for _ in $(seq 100); do [ "$(audit_pid)" = "$APID" ] && break; sleep 0.1; done
[ "$(audit_pid)" = "$APID" ] || fail "auditd did not register (pid $(audit_pid)): $(cat "$W/auditd.out")"
start_kestrel "$W/k2.log" -c "$W/kestrel.yaml" -o audit.mode=auto
grep -q "audit source: multicast" "$W/k2.log" || fail "auto did not choose multicast beside auditd"
marker mc-with "multicast beside auditd"
[ "$(audit_pid)" = "$APID" ] || fail "kestrel took the audit pid from auditd"
stop_auditd
[ "$(audit_pid)" = 0 ] || fail "audit pid not released by auditd"
marker mc-gone "multicast, auditd stopped"
[ "$(audit_pid)" = 0 ] || fail "kestrel grabbed the audit pid when auditd stopped"
start_auditd
for _ in $(seq 100); do [ "$(audit_pid)" = "$APID" ] && break; sleep 0.1; done
[ "$(audit_pid)" = "$APID" ] || fail "auditd could not register again beside kestrel"
marker mc-back "multicast, auditd restarted"
kill -0 "$KPID" || fail "kestrel died"
echo "multicast: kestrel kept alerting while auditd stopped and restarted, never touched the pid"
stop_kestrel
stop_auditd

# no kestrel rules left and the alerts are exactly one per marker
for m in uc-before uc-after mc-with mc-gone mc-back; do
	n=$(grep -c "kestrel-it-$m\"" "$W/alerts.json")
	[ "$n" = 1 ] || fail "$n alerts for marker $m, expected 1"
done
[ "$(auditctl -s | awk '/^enabled/{print $2}')" = "$STATE_ENABLED" ] ||
	auditctl -e "$STATE_ENABLED" >/dev/null
check_state_restored
echo "PASS: test_faults_auditd.sh"
