#!/bin/bash
# test_daemon.sh — the live daemon against the real kernel: unicast capture
# of an exec with the right argv, cwd, uid, ppid and parent name; SIGHUP with
# a broken rules file keeps the old rules firing; kill -9 and restart leaves
# no duplicate kestrel rules and a foreign rule untouched. The kernel audit
# state is restored and checked at the end.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
lock_audit
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
save_state
W=$(mktemp -d /tmp/kestrel-it.XXXXXX)
cleanup() {
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	auditctl -D -k kestrel_test_foreign >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
write_test_config "$W"

# 1. unicast: an exec with argv, cwd, uid, ppid, pname
start_kestrel "$W/k1.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
grep -q "audit source: unicast" "$W/k1.log" || fail "not in unicast mode"
mkdir -p "$W/cwd dir"
(cd "$W/cwd dir" && exec -a true /bin/true kestrel-it-one "two words")
wait_for "$W/alerts.json" "kestrel-it-one" 5 || fail "no alert for the exec"
python3 - "$W/alerts.json" "$W/cwd dir" $$ <<'PY' || fail "alert fields wrong"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
a = [x for x in alerts if "kestrel-it-one" in x["output"]]
assert len(a) == 1, f"{len(a)} alerts"
f = a[0]["output_fields"]
assert f["proc.args"] == "kestrel-it-one two words", f["proc.args"]
assert f["proc.cwd"].rstrip("/") == sys.argv[2], f["proc.cwd"]
assert f["user.uid"] == 0 and f["user.name"] == "root", (f["user.uid"], f["user.name"])
# the subshell that exec'd is a child of this script
assert f["proc.pname"] == "test_daemon.sh" or f["proc.pname"] == "bash", f["proc.pname"]
assert a[0]["rule"] == "Integration marker exec" and a[0]["priority"] == "Warning"
print("unicast exec alert ok:", f["proc.pid"], f["proc.ppid"], f["proc.pname"])
PY
[ "$(auditctl -l | grep -c 'key=kestrel$')" -ge 1 ] || fail "no kestrel kernel rule while running"

# 2. SIGHUP with a broken rules file: old rules keep firing
cp "$W/rules.yaml" "$W/rules.good"
printf -- '- rule: broken\n  condition: (evt.type = execve\n' >"$W/rules.yaml"
kill -HUP "$KPID"
wait_for "$W/k1.log" "keeping the running rules" 5 || fail "reload did not refuse the broken rules"
grep -Eq "rules.yaml:[0-9]+:[0-9]+: error" "$W/k1.log" || fail "reload error does not name file:line:column"
/bin/true kestrel-it-after-hup
wait_for "$W/alerts.json" "kestrel-it-after-hup" 5 || fail "old rules stopped firing after a bad reload"
cp "$W/rules.good" "$W/rules.yaml"
stop_kestrel
[ "$(auditctl -l | grep -c 'key=kestrel$')" = 0 ] || fail "kestrel rules left after SIGTERM"

# 3. kill -9, restart: no duplicates, foreign rule untouched, and a
# kestrel-keyed rule an administrator loaded (no pid exclusion, as in
# audit-rules/kestrel.rules) survives kestrel's start and exit
auditctl -a always,exit -F arch=b64 -S chmod -k kestrel_test_foreign >/dev/null
auditctl -a always,exit -F arch=b64 -S fchownat -k kestrel >/dev/null
start_kestrel "$W/k2.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
n1=$(auditctl -l | grep -c 'key=kestrel$')
auditctl -l | grep -q 'fchownat -F key=kestrel$' || fail "administrator's kestrel rule removed at start"
kill -KILL "$KPID"; wait "$KPID" 2>/dev/null; KPID=
[ "$(auditctl -l | grep -c 'key=kestrel$')" = "$n1" ] || fail "rules changed by kill -9?"
[ -f /run/kestrel/audit-state ] || fail "no crash-state file while running"
start_kestrel "$W/k3.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
grep -q "did not exit cleanly" "$W/k3.log" || fail "restart did not notice the crash"
n2=$(auditctl -l | grep -c 'key=kestrel$')
[ "$n2" = "$n1" ] || fail "after restart: $n2 kestrel rules, expected $n1 (duplicates?)"
auditctl -l | grep -q 'key=kestrel_test_foreign' || fail "foreign rule removed"
/bin/true kestrel-it-after-restart
wait_for "$W/alerts.json" "kestrel-it-after-restart" 5 || fail "no alert after restart"
stop_kestrel
auditctl -l | grep -q 'key=kestrel_test_foreign' || fail "foreign rule removed at exit"
[ "$(auditctl -l | grep -c 'key=kestrel$')" = 1 ] || fail "kestrel left rules (or removed the administrator's)"
auditctl -l | grep -q 'fchownat -F key=kestrel$' || fail "administrator's kestrel rule removed at exit"
auditctl -d always,exit -F arch=b64 -S fchownat -k kestrel >/dev/null
auditctl -D -k kestrel_test_foreign >/dev/null

[ -f /run/kestrel/audit-state ] && fail "crash-state file left after a clean exit"
check_state_restored
echo "PASS: test_daemon.sh"
