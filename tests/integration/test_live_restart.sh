#!/bin/sh
# kill -9 then restart: the restarted kestrel removes the stale kestrel
# rules of the killed one (no duplicates), never touches a foreign rule
# (-k kestrel_test_foreign), re-adds its rules when someone deletes them,
# swaps its rule set on reload (krules_reload), and removes exactly its own
# on a clean exit.
. "$(dirname "$0")/lib.sh"
require_audit
require_probe
lock_audit
pid=$(audit_pid)
if [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
	skip "an audit daemon (pid $pid) is registered"
fi
before=$(audit_snapshot)
T=$(mktemp -d /tmp/kestrel-live-rs.XXXXXX)
P=
cleanup() {
	if [ -n "$P" ]; then kill "$P" 2>/dev/null; wait "$P" 2>/dev/null; fi
	audit_restore_and_compare "$before" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
FOREIGN="-a always,exit -F arch=b64 -S acct -F key=kestrel_test_foreign"
auditctl $FOREIGN || fail "cannot add the foreign rule"

"$LIVE_PROBE" hold unicast >"$T/p1.out" 2>&1 &
P=$!
wait_for "$T/p1.out" '^READY' 10 || { cat "$T/p1.out"; fail "first probe not ready"; }
[ "$(audit_kestrel_rules)" = 2 ] || fail "expected 2 kestrel rules, got $(audit_kestrel_rules)"
kill -9 "$P"; wait "$P" 2>/dev/null; P=
[ "$(audit_kestrel_rules)" = 2 ] || fail "kill -9 should leave the 2 stale rules"

# auto: the registered pid (if the kernel has not reset it yet) is dead -> unicast
"$LIVE_PROBE" hold auto >"$T/p2.out" 2>&1 &
P=$!
wait_for "$T/p2.out" '^READY' 10 || { cat "$T/p2.out"; fail "second probe not ready"; }
cat "$T/p2.out"
grep -q '^MODE unicast' "$T/p2.out" || fail "auto did not choose unicast after the kill"
n=$(audit_kestrel_rules)
[ "$n" = 2 ] || { auditctl -l; fail "after restart: $n kestrel rules, want 2 (no duplicates)"; }
auditctl -l | grep -q -- "-F pid!=$P -F key=kestrel" || fail "rules do not exclude the new pid"
auditctl -l | grep -qx -- "$FOREIGN" || fail "foreign rule was touched"
grep -q 'removed 2 stale kestrel rule' "$T/p2.out" || fail "stale removal was not logged"

# Someone deletes one of kestrel's rules: the CONFIG_CHANGE makes it come back.
line=$(auditctl -l | grep -- 'arch=b64.*-F key=kestrel$' | sed 's/^-a /-d /')
eval "auditctl $line" || fail "cannot delete a kestrel rule"
wait_for "$T/p2.out" '^RESTORED 1' 5 || { cat "$T/p2.out"; fail "rule not re-added"; }
[ "$(audit_kestrel_rules)" = 2 ] || fail "after restore: $(audit_kestrel_rules) kestrel rules"

# Reload with fork tracking added: 2 more rules, the exec ones kept.
kill -HUP "$P"
wait_for "$T/p2.out" '^RELOADED 4' 5 || { cat "$T/p2.out"; fail "reload failed"; }
[ "$(audit_kestrel_rules)" = 4 ] || { auditctl -l; fail "after reload: $(audit_kestrel_rules) kestrel rules, want 4"; }
auditctl -l | grep -q -- "-S clone,fork,vfork,clone3 -F pid!=$P -F success=1 -F key=kestrel" ||
	{ auditctl -l; fail "no fork-tracking rule after reload"; }

kill -TERM "$P"; wait "$P"; rc=$?; P=
cat "$T/p2.out"
[ "$rc" = 0 ] || fail "probe exited $rc on SIGTERM"
[ "$(audit_kestrel_rules)" = 0 ] || fail "kestrel rules left after a clean exit"
auditctl -l | grep -qx -- "$FOREIGN" || fail "foreign rule gone after kestrel's exit"
auditctl -d always,exit -F arch=b64 -S acct -F key=kestrel_test_foreign
# enabled was turned on by the killed probe, which could not restore it
audit_restore_and_compare "$before" || fail "audit state changed"
exit 0
