#!/bin/bash
# test_syslog_fault.sh — kestrel's syslog output when the syslog daemon is
# absent, appears, and restarts, with the daemon running all along: an
# alert with nothing on /dev/log is reported and counted (syslog() itself
# would drop it silently), the next alerts reach a syslog daemon started
# later, and still reach it after that daemon restarts. A private rsyslogd
# is started and stopped by pid; the kernel audit state is restored.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
lock_audit
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
exec 8>/tmp/kestrel-syslog.lock # after the audit lock, as every test does
flock 8
[ -e /dev/log ] && skip "/dev/log belongs to a running syslog daemon"
RSYSLOGD=$(command -v rsyslogd) || skip "rsyslogd not installed (apt-get install rsyslog)"
save_state
W=$(mktemp -d /tmp/kestrel-it.XXXXXX)
RPID=
stop_rsyslogd() {
	[ -n "$RPID" ] || return 0
	kill "$RPID" 2>/dev/null
	wait "$RPID" 2>/dev/null
	RPID=
	[ -S /dev/log ] && rm -f /dev/log
}
cleanup() {
	stop_kestrel
	stop_rsyslogd
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
start_rsyslogd() {
	"$RSYSLOGD" -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" 2>>"$W/rsyslog.err" &
	RPID=$!
	for _ in $(seq 100); do [ -S /dev/log ] && return 0; sleep 0.1; done
	fail "rsyslogd did not create /dev/log"
}
mkdir -p "$W/rs"
cat >"$W/rsyslog.conf" <<C
global(workDirectory="$W/rs")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="line" type="string" string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\n")
local3.* action(type="omfile" file="$W/syslog.txt" template="line")
C
cp "$SRCDIR/tests/fixtures/rules/integration.yaml" "$W/rules.yaml"
cat >"$W/kestrel.yaml" <<C
rules_files: [$W/rules.yaml]
syslog_output: {enabled: true, facility: local3}
stdout_output: {enabled: false}
json_output: false
file_output: {enabled: true, keep_alive: true, filename: $W/alerts.txt}
log_stderr: true
C

start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o audit.mode=unicast
# 1. no syslog daemon: the alert is reported and counted, not silently gone
/bin/true kestrel-it-nosyslog
wait_for "$W/alerts.txt" kestrel-it-nosyslog 5 || fail "no alert for the first exec"
wait_for "$W/k.log" "nothing listens on /dev/log" 5 || fail "absent syslog daemon not reported"
# 2. a syslog daemon starts: the next alert reaches it
start_rsyslogd
/bin/true kestrel-it-syslog-up
wait_for "$W/syslog.txt" kestrel-it-syslog-up 5 || fail "alert did not reach the new syslog daemon"
grep -q "listens on /dev/log again" "$W/k.log" || fail "return of the syslog daemon not reported"
# 3. the syslog daemon restarts: alerts after the restart still arrive
stop_rsyslogd
start_rsyslogd
/bin/true kestrel-it-syslog-restarted
wait_for "$W/syslog.txt" kestrel-it-syslog-restarted 5 || fail "alert lost after the syslog daemon restarted"
grep -q "kestrel-it-nosyslog" "$W/syslog.txt" && fail "an alert sent while nothing listened showed up"
stop_kestrel
grep -Eq "stats \(exit\).* write_errors=[1-9]" "$W/k.log" || fail "the lost syslog alert was not counted"
check_state_restored
echo "PASS: test_syslog_fault.sh"
