#!/bin/sh
# audisp: a private auditd runs the shipped plugin config
# (audit-rules/plugins.d/kestrel.conf, its path pointed at the test probe)
# and the probe, reading the plugin stream on stdin through the audisp
# source, gets the exec records auditd also logs; when auditd stops, the
# plugin exits cleanly (auditd closes the stream and sends SIGTERM; which
# one the plugin sees first varies: "EOF 1" or "EOF 0").
. "$(dirname "$0")/lib.sh"
require_audit
require_probe
command -v auditd >/dev/null || skip "auditd missing (apt-get install auditd)"
CONF_SRC="$(dirname "$0")/../../audit-rules/plugins.d/kestrel.conf"
[ -f "$CONF_SRC" ] || fail "missing $CONF_SRC"
lock_audit
pid=$(audit_pid)
if [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
	skip "an audit daemon (pid $pid) is already registered"
fi
before=$(audit_snapshot)
T=$(mktemp -d /tmp/kestrel-live-ad.XXXXXX)
AUPID=
RULE="-F arch=b64 -S execve -F key=kestrel_test_audisp"
cleanup() {
	if [ -n "$AUPID" ]; then kill "$AUPID" 2>/dev/null; wait "$AUPID" 2>/dev/null; fi
	auditctl -d always,exit $RULE >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/etc/plugins.d" "$T/log"
chmod 700 "$T" "$T/etc" "$T/log"
# the shipped config, with only path and args changed
sed -e "s|^path = .*|path = $LIVE_PROBE|" -e "s|^args = .*|args = audisp $T/plugin.out|" \
	"$CONF_SRC" >"$T/etc/plugins.d/kestrel.conf"
grep -q '^active = yes' "$T/etc/plugins.d/kestrel.conf" || fail "plugin not active"
cat > "$T/etc/auditd.conf" <<CONF
log_file = $T/log/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $T/etc/plugins.d
CONF
chmod 600 "$T/etc/auditd.conf" "$T/etc/plugins.d/kestrel.conf"
auditd -n -c "$T/etc" >"$T/auditd.out" 2>&1 &
AUPID=$!
i=0
while [ "$(audit_pid)" != "$AUPID" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(audit_pid)" = "$AUPID" ] || { cat "$T/auditd.out"; fail "auditd did not register"; }
auditctl -a always,exit $RULE >/dev/null || fail "cannot add the test rule"
/bin/true
wait_for "$T/plugin.out" 'a0="/bin/true"' 5 || true
kill "$AUPID"; wait "$AUPID" 2>/dev/null; AUPID=
wait_for "$T/plugin.out" '^EOF' 5 || true
auditctl -d always,exit $RULE >/dev/null
echo "--- plugin saw:"; grep -E 'type=(SYSCALL|EXECVE)|^EOF' "$T/plugin.out" | head -5
audit_restore_and_compare "$before" || fail "audisp run changed the audit state"
grep -Eq '^0 type=SYSCALL msg=audit\(.*exe="(/usr)?/bin/true".*key="kestrel_test_audisp"' "$T/plugin.out" ||
	fail "the plugin did not get the SYSCALL record as a type-0 line"
grep -Eq '^0 type=EXECVE msg=audit\(.* a0="/bin/true"' "$T/plugin.out" || fail "no EXECVE line"
grep -q '^EOF' "$T/plugin.out" || fail "the plugin did not exit cleanly when auditd stopped"
exit 0
