#!/bin/bash
# test_integrity.sh — the "Kestrel audit integrity" alert (priority
# Critical, to the outputs like any alert) when the audit trail is
# tampered with while kestrel runs:
#  1. `auditctl -e 0`: an auditing_disabled alert; auditing back on, an
#     exec alerts again;
#  2. `auditctl -D -k kestrel`: a rules_deleted alert, the rules are back;
#     a second deletion within the rate limit interval is held back and
#     counted (logged, not alerted), the next alert would carry the count;
#  3. the kernel audit state is as it was.
set -u
. "$(dirname "$0")/lib.sh"
unicast_test_begin integrity
cleanup() {
	[ "$(audit_enabled)" = 0 ] && [ "$STATE_ENABLED" != 0 ] && auditctl -e "$STATE_ENABLED" >/dev/null
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
write_test_config "$W"
A=$W/alerts.json
integrity() { grep '"rule":"Kestrel audit integrity"' "$A" | grep -c "$1" || true; }

start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
n0=$(audit_kestrel_rules)
[ "$n0" -ge 1 ] || fail "no kestrel rules while running"
sleep 1.5 # kestrel's own add_rule records at start are checked and pass

# 1. auditing switched off
auditctl -e 0 >/dev/null
for _ in $(seq 100); do [ "$(integrity auditing_disabled)" -ge 1 ] && break; sleep 0.1; done
[ "$(integrity auditing_disabled)" = 1 ] || fail "no auditing_disabled alert after auditctl -e 0: $(cat "$A")"
line=$(grep auditing_disabled "$A" | head -1)
echo "$line" | grep -q '"priority":"Critical"' || fail "the alert is not Critical: $line"
echo "$line" | grep -q '"source":"internal"' || fail "the alert's source is not internal: $line"
echo "ok: auditctl -e 0 -> $(echo "$line" | sed 's/.*"output":"\([^"]*\)".*/\1/' | cut -c1-150)"
auditctl -e 1 >/dev/null
/bin/true kestrel-it-after-enable
wait_for "$A" "kestrel-it-after-enable" 10 || fail "no alert after auditing was switched on again"
sleep 6 # the status poll (every 5 s) sees auditing on and must not alert again
[ "$(integrity auditing_disabled)" = 1 ] || fail "auditing_disabled alerted more than once"
echo "ok: auditing on again, kestrel alerts, no second auditing_disabled alert"

# 2. kestrel's kernel rules deleted, twice
auditctl -D -k kestrel >/dev/null
for _ in $(seq 100); do [ "$(integrity rules_deleted)" -ge 1 ] && break; sleep 0.1; done
[ "$(integrity rules_deleted)" = 1 ] || fail "no rules_deleted alert after auditctl -D"
for _ in $(seq 50); do [ "$(audit_kestrel_rules)" = "$n0" ] && break; sleep 0.1; done
[ "$(audit_kestrel_rules)" = "$n0" ] || fail "kestrel's rules not re-added ($(audit_kestrel_rules)/$n0)"
echo "ok: auditctl -D -> $(grep rules_deleted "$A" | head -1 | sed 's/.*"output":"\([^"]*\)".*/\1/' | cut -c1-150)"
auditctl -D -k kestrel >/dev/null
for _ in $(seq 50); do
	[ "$(grep -c 'Kestrel audit integrity: .*deleted by someone else' "$W/k.log")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c 'Kestrel audit integrity: .*deleted by someone else' "$W/k.log")" -ge 2 ] ||
	fail "the second deletion is not in kestrel's log"
[ "$(integrity rules_deleted)" = 1 ] || fail "the second deletion within 10 s was alerted, not rate limited"
for _ in $(seq 50); do [ "$(audit_kestrel_rules)" = "$n0" ] && break; sleep 0.1; done
[ "$(audit_kestrel_rules)" = "$n0" ] || fail "kestrel's rules not re-added after the second -D"
/bin/true kestrel-it-after-delete
wait_for "$A" "kestrel-it-after-delete" 10 || fail "no alert after the rules were re-added"
echo "ok: a second deletion within 10 s is logged and counted, not alerted; rules back, alerts flow"

stop_kestrel
check_state_restored
echo "PASS"
