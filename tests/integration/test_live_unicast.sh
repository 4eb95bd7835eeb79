#!/bin/sh
# Unicast: with no audit daemon registered, `auto` chooses unicast: kestrel
# registers as the audit daemon on its data socket, programs the exec rules,
# sees an exec of /bin/true (SYSCALL with the exe, EXECVE with argv), and on
# exit leaves the audit state as it found it. Also: a record sent to the
# socket by a user process is dropped as spoofed; audit settings given to
# krules are applied while running and restored after.
. "$(dirname "$0")/lib.sh"
require_audit
require_probe
lock_audit
pid=$(audit_pid)
if [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
	skip "an audit daemon (pid $pid) is registered; unicast would be refused"
fi
before=$(audit_snapshot)
out=$(timeout 60 "$LIVE_PROBE" exec auto /bin/true 2>&1); rc=$?
echo "$out"
[ "$(audit_snapshot)" = "$before" ] || fail "unicast run changed the audit state"
sout=$(timeout 60 "$LIVE_PROBE" spoof unicast 2>&1); src=$?
echo "$sout" | grep '^SPOOF'
[ "$(audit_snapshot)" = "$before" ] || fail "spoof run changed the audit state"

# settings: backlog_limit, backlog_wait_time, rate_limit while running
T=$(mktemp /tmp/kestrel-live-uc.XXXXXX)
LIVE_PROBE_SETTINGS=12345,0,777 "$LIVE_PROBE" hold unicast >"$T" 2>&1 &
P=$!
wait_for "$T" '^READY' 10 || { kill "$P"; cat "$T"; rm -f "$T"; fail "hold probe not ready"; }
during=$(auditctl -s)
kill -TERM "$P"; wait "$P"; hrc=$?
rm -f "$T"
audit_restore_and_compare "$before" || fail "settings were not restored"

[ "$rc" = 0 ] || fail "probe exited $rc"
echo "$out" | grep -q '^MODE unicast' || fail "auto did not choose unicast without a daemon"
[ "$src" = 0 ] || fail "spoofed record not dropped (exit $src)"
[ "$hrc" = 0 ] || fail "hold probe exited $hrc"
echo "$during" | grep -qx 'backlog_limit 12345' || fail "backlog_limit not applied"
echo "$during" | grep -qx 'backlog_wait_time 0' || fail "backlog_wait_time not applied"
echo "$during" | grep -qx 'rate_limit 777' || fail "rate_limit not applied"
echo "$out" | grep -E '^SYSCALL .* syscall=59 success=yes' | grep -Eq 'exe="(/usr)?/bin/true"' ||
	fail "no SYSCALL record with exe=/usr/bin/true"
echo "$out" | grep -Eq '^EXECVE .*argc=1 a0="/bin/true"' || fail "no EXECVE record"
echo "$out" | grep -q '^REMOVED 2$' || fail "kestrel did not remove exactly its 2 rules"
exit 0
