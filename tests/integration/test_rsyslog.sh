#!/bin/sh
# test_rsyslog.sh — kestrel's syslog output against a real rsyslogd.
#
# Starts a private rsyslogd listening on /dev/log (only when no syslog daemon
# owns it) that writes every message to a temporary file and forwards it as
# RFC 5424 over TCP to a second private rsyslogd on 127.0.0.1 — the central
# collector a fleet would run. Sends alerts with tests/integration/emit_alert
# and checks, in both files: the line, the facility and severity, and that a
# hostile command line arrives as exactly one escaped line. Stops both
# daemons by pid. Needs root; exit 77 (skipped) otherwise.
set -eu

SKIP=77
BUILDDIR=${KESTREL_BUILDDIR:-$(pwd)}
EMIT=$BUILDDIR/tests/integration/emit_alert
LOCK=/tmp/kestrel-syslog.lock   # shared with tests/unit/test_output_syslog.c

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test_rsyslog: needs root"
	exit $SKIP
fi
[ -x "$EMIT" ] || { echo "FAIL: $EMIT not built (make check)"; exit 1; }

# One user of /dev/log at a time: re-run this script under the lock.
if [ -z "${KESTREL_RSYSLOG_LOCKED:-}" ]; then
	KESTREL_RSYSLOG_LOCKED=1 exec flock "$LOCK" "$0" "$@"
fi

if ! command -v rsyslogd >/dev/null 2>&1; then
	echo "installing rsyslog"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rsyslog >/dev/null
fi
RSYSLOGD=$(command -v rsyslogd)

if [ -e /dev/log ]; then
	echo "SKIP test_rsyslog: /dev/log belongs to a running syslog daemon"
	exit $SKIP
fi

T=$(mktemp -d /tmp/kestrel-rsyslog.XXXXXX)
LOCAL_PID=
COLLECTOR_PID=
cleanup() {
	for pid in $LOCAL_PID $COLLECTOR_PID; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# rsyslogd unlinks /dev/log on exit; make sure, it was ours
	[ -S /dev/log ] && rm -f /dev/log
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	echo "--- local log:"; cat "$T/local.log" 2>/dev/null || true
	echo "--- collector log:"; cat "$T/collector.log" 2>/dev/null || true
	echo "--- rsyslogd stderr:"; cat "$T"/*.err 2>/dev/null || true
	exit 1
}

wait_for() { # wait_for SECONDS COMMAND...
	n=$(( $1 * 10 )); shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

TOKEN=$(basename "$T")   # marks our alerts among whatever else is logged
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/collector" "$T/local"

# The collector: RFC 5424 over TCP on 127.0.0.1, every message to a file
# with its protocol version, facility, severity and app-name.
cat >"$T/collector.conf" <<CONF
global(workDirectory="$T/collector")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$PORT")
template(name="fields" type="string"
  string="proto=%protocol-version% %syslogfacility-text%.%syslogseverity-text% app=%app-name% procid=%procid% msg=%msg%\n")
*.* action(type="omfile" file="$T/collector.log" template="fields")
CONF

# The host's syslog daemon: /dev/log, no control-character escaping (so
# what reaches the file is what kestrel sent), a local file, and
# forwarding to the collector.
cat >"$T/local.conf" <<CONF
global(workDirectory="$T/local" parser.escapeControlCharactersOnReceive="off")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="line" type="string"
  string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\n")
*.* action(type="omfile" file="$T/local.log" template="line")
*.* action(type="omfwd" target="127.0.0.1" port="$PORT" protocol="tcp"
           template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted")
CONF

"$RSYSLOGD" -n -f "$T/collector.conf" -i "$T/collector.pid" 2>"$T/collector.err" &
COLLECTOR_PID=$!
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" \
	2>/dev/null || fail "collector rsyslogd did not listen on 127.0.0.1:$PORT"

"$RSYSLOGD" -n -f "$T/local.conf" -i "$T/local.pid" 2>"$T/local.err" &
LOCAL_PID=$!
wait_for 10 test -S /dev/log || fail "local rsyslogd did not create /dev/log"

# 1. The seed use case: a rule at WARNING, looked for in syslog.
"$EMIT" -o syslog_output.facility=local3 -o outputs.rate=0 -p warning \
	-m "A shell was spawned in a container with an attached terminal (user=root shell=bash test=$TOKEN)" \
	>/dev/null || fail "emit_alert (warning) failed"
# 2. An attacker's command line, at CRITICAL.
"$EMIT" -o syslog_output.facility=local3 -o outputs.rate=0 -p critical -H \
	>/dev/null || fail "emit_alert (hostile) failed"

wait_for 10 grep -q 'Emergency forged' "$T/local.log" 2>/dev/null || fail "alerts not in the local log"

grep -Eq "^local3\.warning kestrel\[[0-9]+\]: ?[0-9:.]+: Warning A shell was spawned in a container with an attached terminal \(user=root shell=bash test=$TOKEN\)\$" \
	"$T/local.log" || fail "warning alert line not found with facility local3, severity warning"

# The hostile alert: one line, severity crit, escapes visible as text.
[ "$(grep -c 'Emergency forged' "$T/local.log")" = 1 ] || fail "hostile alert not on exactly one line"
grep -q '^local3\.crit kestrel\[[0-9]*\]: .*: Critical A shell was spawned (cmdline=sh -c "x"\\n<1>kestrel: Emergency forged\\r\\x1b\[2J\\\\ \\xff\\xc3( end)$' \
	"$T/local.log" || fail "hostile alert not escaped as expected"
# Each alert is one line: a line break kept raw would split it in two.
[ "$(grep -c "$TOKEN" "$T/local.log")" = 1 ] || fail "warning alert not on exactly one line"
[ "$(grep -c 'cmdline=sh -c' "$T/local.log")" = 1 ] || fail "hostile alert split over lines"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/local.log"; then
	fail "control bytes reached the local log"
fi

# The collector got both, as RFC 5424 (protocol version 1), same severity.
wait_for 10 grep -q 'Emergency forged' "$T/collector.log" 2>/dev/null || fail "alerts not forwarded to the collector"
grep -Eq '^proto=1 local3\.warning app=kestrel procid=[0-9]+ msg=.*: Warning A shell was spawned in a container' \
	"$T/collector.log" || fail "collector: warning alert not received as RFC 5424 from app kestrel"
grep -Eq '^proto=1 local3\.crit app=kestrel procid=[0-9]+ msg=.*: Critical A shell was spawned \(cmdline=' \
	"$T/collector.log" || fail "collector: hostile alert not received"
[ "$(grep -c "$TOKEN" "$T/collector.log")" = 1 ] || fail "collector: warning alert not on exactly one line"
[ "$(grep -c 'Emergency forged' "$T/collector.log")" = 1 ] || fail "collector: hostile alert not on exactly one line"
grep -q 'cmdline=sh -c "x"\\n<1>kestrel: Emergency forged\\r\\x1b\[2J\\\\ \\xff\\xc3( end)$' \
	"$T/collector.log" || fail "collector: hostile alert not escaped as expected"

echo "PASS test_rsyslog: local rsyslogd and RFC 5424/TCP collector got the alerts, one line each"
