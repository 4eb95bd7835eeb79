#!/bin/bash
# test_auditd_after.sh — auditd started after kestrel. With no audit daemon
# kestrel registers as one (unicast). A real auditd (private config and
# log, `auditd -n -c DIR`) started later is refused by the kernel, which
# tells kestrel in a CONFIG_CHANGE record; kestrel hands the audit pid over
# and continues on the multicast group, raising a "Kestrel audit
# integrity" alert (audit_pid_taken). auditd's next start (its service
# manager's Restart=on-failure, played here by a retry loop) registers.
# Then: auditd logs, kestrel still alerts (also on an exec in the gap
# before auditd's retry), no record is reported lost, multicast copies of
# records already read are counted as duplicates. When auditd stops for
# good, kestrel registers again (after 5 s without an audit daemon) and
# keeps alerting. The state is restored.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v auditd >/dev/null || skip "auditd missing (apt-get install auditd)"
lock_audit
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
pid=$(audit_pid)
[ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null && skip "an audit daemon (pid $pid) is already registered"
before=$(audit_snapshot)
T=$(mktemp -d /tmp/kestrel-auditd-after.XXXXXX)
AUPID=
cleanup() {
	if [ -n "$AUPID" ]; then kill "$AUPID" 2>/dev/null; wait "$AUPID" 2>/dev/null; fi
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
auditd_private_conf "$T"
write_test_config "$T"
A=$T/alerts.json

start_kestrel "$T/k.log" -c "$T/kestrel.yaml"
[ "$(audit_pid)" = "$KPID" ] || fail "kestrel did not register as the audit daemon (pid $(audit_pid))"
/bin/true kestrel-it-before
wait_for "$A" "kestrel-it-before" 10 || fail "no alert while unicast"
lost0=$(auditctl -s | awk '$1 == "lost" {print $2}')

# auditd's first start: refused while kestrel holds the pid
auditd -n -c "$T/etc" >"$T/auditd1.out" 2>&1 &
AUPID=$!
wait_for "$T/k.log" "audit pid handed over" 10 || fail "kestrel did not hand the audit pid over: $(cat "$T/auditd1.out")"
for _ in $(seq 50); do kill -0 "$AUPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$AUPID" 2>/dev/null && [ "$(audit_pid)" = "$AUPID" ]; then
	echo "note: auditd's first attempt registered after all (it retried)"
else
	wait "$AUPID" 2>/dev/null
	echo "auditd's first start: $(tail -1 "$T/auditd1.out")"
	AUPID=
fi
grep '"rule":"Kestrel audit integrity"' "$A" | grep -q audit_pid_taken ||
	fail "no audit_pid_taken alert"
echo "ok: $(grep audit_pid_taken "$A" | head -1 | sed 's/.*"output":"\([^"]*\)".*/\1/')"
# the gap before the service manager restarts auditd: kestrel still sees
/bin/true kestrel-it-gap
wait_for "$A" "kestrel-it-gap" 10 || fail "no alert between the hand-over and auditd's retry"

# auditd's retry (Restart=on-failure)
for try in 1 2 3 4 5; do
	[ -n "$AUPID" ] && break
	auditd -n -c "$T/etc" >"$T/auditd$((try + 1)).out" 2>&1 &
	AUPID=$!
	for _ in $(seq 30); do [ "$(audit_pid)" = "$AUPID" ] && break; sleep 0.1; done
	[ "$(audit_pid)" = "$AUPID" ] && break
	kill "$AUPID" 2>/dev/null; wait "$AUPID" 2>/dev/null; AUPID=
	sleep 1
done
[ -n "$AUPID" ] && [ "$(audit_pid)" = "$AUPID" ] || fail "auditd never registered after the hand-over"
echo "ok: auditd (pid $AUPID) registered"

/bin/true kestrel-it-after
wait_for "$A" "kestrel-it-after" 10 || fail "kestrel does not alert beside auditd"
wait_for "$T/log/audit.log" 'kestrel-it-after\|6B65737472656C2D69742D6166746572' 10 ||
	fail "auditd did not log the exec"
kill -0 "$KPID" || fail "kestrel died"
[ "$(audit_pid)" = "$AUPID" ] || fail "auditd lost its registration"
kill -USR2 "$KPID"
wait_for "$T/k.log" "stats (SIGUSR2)" 5 || fail "no stats"
stats=$(grep "stats (SIGUSR2)" "$T/k.log" | tail -1)
echo "kestrel: $(echo "$stats" | grep -o 'kernel_lost=[0-9]* enobufs=[0-9]*')"
echo "$stats" | grep -q "kernel_lost=0 enobufs=0" || fail "records lost across the hand-over: $stats"
grep -q "Kestrel events lost" "$A" && fail "a lost-records alert across the hand-over"
lost1=$(auditctl -s | awk '$1 == "lost" {print $2}')
echo "ok: auditd logs, kestrel alerts; kernel lost counter $lost0 -> $lost1"

# auditd stops for good: kestrel takes the audit pid back
kill "$AUPID"; wait "$AUPID" 2>/dev/null; AUPID=
wait_for "$T/k.log" "kestrel registered as the audit daemon" 15 ||
	fail "kestrel did not register after auditd stopped"
[ "$(audit_pid)" = "$KPID" ] || fail "the audit pid is $(audit_pid), not kestrel's $KPID"
/bin/true kestrel-it-reclaimed
wait_for "$A" "kestrel-it-reclaimed" 10 || fail "no alert after kestrel registered again"
echo "ok: auditd gone, kestrel (pid $KPID) is the audit daemon again and alerts"
stop_kestrel
audit_restore_and_compare "$before" || fail "the audit state changed"
echo "PASS"
