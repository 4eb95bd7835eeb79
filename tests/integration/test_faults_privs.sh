#!/bin/bash
# test_faults_privs.sh — the running daemon's privileges:
#  1. a rules file (or the config file) writable by others is refused at
#     start with an error naming it and exit 78 (a configuration error, which
#     the unit does not restart), and on SIGHUP (the running rules stay);
#  2. after start /proc/<pid>/status shows only the kept capabilities
#     (audit_control, audit_read, dac_read_search, sys_ptrace, and
#     sys_admin + sys_chroot to add path rules inside containers' mount
#     namespaces: CapEff = CapPrm = CapBnd = 0x20402c0004), and with only
#     those kestrel still
#     alerts, re-adds rules deleted by `auditctl -D`, reloads on SIGHUP, and
#     at exit removes its rules and releases the audit pid.
# Until daemon.c calls privs_check_path()/privs_drop() the test skips and
# says which call is missing.
set -u
. "$(dirname "$0")/lib.sh"
unicast_test_begin faults
cleanup() {
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
# CAP_DAC_READ_SEARCH(2) CAP_SYS_CHROOT(18) CAP_SYS_PTRACE(19) CAP_SYS_ADMIN(21)
# CAP_AUDIT_CONTROL(30) CAP_AUDIT_READ(37)
KEPT=00000020402c0004
write_test_config "$W"
chmod 644 "$W/rules.yaml"
chmod 600 "$W/kestrel.yaml"
caps() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# 1. refused at start: a world-writable rules file, then a world-writable config
chmod 666 "$W/rules.yaml"
"$KESTREL" -c "$W/kestrel.yaml" -o audit.mode=unicast -M 3 >"$W/r1.out" 2>"$W/r1.log"
rc=$?
if [ "$rc" = 0 ] && grep -q "ready:" "$W/r1.log"; then
	skip "kestrel started with a world-writable rules file: daemon_run does not call privs_check_path() yet (faults report)"
fi
# a configuration error (78, EX_CONFIG): the unit's RestartPreventExitStatus
[ "$rc" = 78 ] || fail "kestrel exited $rc with a world-writable rules file, expected 78"
grep -q "$W/rules.yaml: writable by others (mode 0666): refusing it" "$W/r1.log" ||
	fail "the refusal does not name the file and why: $(cat "$W/r1.log")"
grep -q "ready:" "$W/r1.log" && fail "kestrel got ready before refusing"
chmod 644 "$W/rules.yaml"
chmod 622 "$W/kestrel.yaml"
"$KESTREL" -c "$W/kestrel.yaml" -o audit.mode=unicast -M 3 >"$W/r2.out" 2>"$W/r2.log"
rc=$?
[ "$rc" = 78 ] || fail "kestrel exited $rc with a world-writable config file, expected 78"
grep -q "$W/kestrel.yaml: writable by others" "$W/r2.log" || fail "config refusal unclear: $(cat "$W/r2.log")"
chmod 600 "$W/kestrel.yaml"
[ "$(auditctl -l | grep -c 'key=kestrel$')" = 0 ] || fail "a refused start left kernel rules"

# 2. the capabilities after start
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
eff=$(caps "$KPID" CapEff)
if [ "$eff" = "$(caps $$ CapEff)" ] && ! grep -q "capabilities:" "$W/k.log"; then
	skip "kestrel keeps all its capabilities (CapEff $eff): daemon_run does not call privs_drop() yet (faults report)"
fi
echo "kestrel pid $KPID: CapEff=$eff CapPrm=$(caps "$KPID" CapPrm) CapBnd=$(caps "$KPID" CapBnd)"
[ "$eff" = "$KEPT" ] || fail "CapEff $eff, expected $KEPT"
[ "$(caps "$KPID" CapPrm)" = "$KEPT" ] || fail "CapPrm $(caps "$KPID" CapPrm), expected $KEPT"
[ "$(caps "$KPID" CapBnd)" = "$KEPT" ] || fail "CapBnd $(caps "$KPID" CapBnd), expected $KEPT"
[ "$(caps "$KPID" CapAmb)" = 0000000000000000 ] || fail "ambient capabilities left"
grep -q "capabilities: kept only" "$W/k.log" || fail "the drop is not logged"

# what the loop needs still works with only those
/bin/true kestrel-it-privs-exec
wait_for "$W/alerts.json" "kestrel-it-privs-exec\"" 5 || fail "no alert after the drop"
sleep 1.5 # kestrel's own add_rule records are checked first
auditctl -D >/dev/null
for _ in $(seq 50); do [ "$(auditctl -l | grep -c 'key=kestrel$')" -ge 1 ] && break; sleep 0.1; done
[ "$(auditctl -l | grep -c 'key=kestrel$')" -ge 1 ] || fail "rules not re-added with the kept capabilities"
/bin/true kestrel-it-privs-after-D
wait_for "$W/alerts.json" "kestrel-it-privs-after-D\"" 5 || fail "no alert after re-adding"

# 3. SIGHUP: a rules file made world-writable is refused, the old rules keep firing
chmod 666 "$W/rules.yaml"
kill -HUP "$KPID"
wait_for "$W/k.log" "reload: .*rules.yaml: writable by others.*keeping the running" 5 ||
	fail "reload did not refuse the world-writable rules file"
/bin/true kestrel-it-privs-after-hup
wait_for "$W/alerts.json" "kestrel-it-privs-after-hup\"" 5 || fail "old rules stopped firing"
chmod 644 "$W/rules.yaml"
kill -HUP "$KPID"
wait_for "$W/k.log" "reload: 1 rules active" 5 || fail "a good reload failed with the kept capabilities"
kill -0 "$KPID" || fail "kestrel died"
stop_kestrel
[ "$(auditctl -l | grep -c 'key=kestrel$')" = 0 ] || fail "rules left at exit (capabilities too few?)"
check_state_restored
echo "PASS: test_faults_privs.sh"
