#!/bin/sh
# Multicast beside a real auditd: kestrel reads AUDIT_NLGRP_READLOG while a
# private auditd (own config and log dir, stopped by its pid) stays the
# registered audit daemon; kestrel sees the exec and auditd logs it too.
# Then a burst into a tiny receive buffer: ENOBUFS is counted, not fatal,
# and a later exec is still seen.
. "$(dirname "$0")/lib.sh"
require_audit
require_probe
command -v auditd >/dev/null || skip "auditd missing (apt-get install auditd)"
lock_audit
pid=$(audit_pid)
if [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
	skip "an audit daemon (pid $pid) is already registered"
fi
before=$(audit_snapshot)
T=$(mktemp -d /tmp/kestrel-live-mc.XXXXXX)
AUPID=
cleanup() {
	if [ -n "$AUPID" ]; then kill "$AUPID" 2>/dev/null; wait "$AUPID" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT
auditd_private_conf "$T"
auditd -n -c "$T/etc" >"$T/auditd.out" 2>&1 &
AUPID=$!
i=0
while [ "$(audit_pid)" != "$AUPID" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(audit_pid)" = "$AUPID" ] || { cat "$T/auditd.out"; fail "auditd did not register"; }

out=$(timeout 60 "$LIVE_PROBE" exec auto /bin/true 2>&1); rc=$?
echo "$out"
[ "$(audit_pid)" = "$AUPID" ] || fail "auditd lost its registration"
bout=$(LIVE_PROBE_RCVBUF=4096 timeout 120 "$LIVE_PROBE" burst multicast 300 2>&1); brc=$?
echo "$bout" | grep -E '^(BURST|STATS|SYSCALL)'
child=$(echo "$out" | awk '$1 == "CHILD" { print $2 }')
wait_for "$T/log/audit.log" "type=EXECVE.*a0=\"/bin/true\"" 5 || true
kill "$AUPID"; wait "$AUPID" 2>/dev/null; AUPID=
grep -E "type=SYSCALL .* pid=$child .*exe=\"(/usr)?/bin/true\".*key=\"kestrel\"" "$T/log/audit.log" >/dev/null
logged=$?
audit_restore_and_compare "$before" || fail "multicast run changed the audit state"
[ "$rc" = 0 ] || fail "probe exited $rc"
echo "$out" | grep -q '^MODE multicast' || fail "auto did not choose multicast beside auditd"
echo "$out" | grep -Eq "^SYSCALL .* pid=$child .*exe=\"(/usr)?/bin/true\"" || fail "kestrel missed the exec"
echo "$out" | grep -Eq '^EXECVE .*a0="/bin/true"' || fail "kestrel missed the EXECVE record"
[ "$logged" = 0 ] || fail "auditd's log lacks the exec of pid $child"
echo "$bout" | grep -Eq '^BURST .* enobufs=[1-9]' || fail "the burst did not report ENOBUFS"
[ "$brc" = 0 ] || fail "after ENOBUFS the source stopped delivering (probe exited $brc)"
exit 0
