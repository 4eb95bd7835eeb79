#!/bin/bash
# test_seed.sh — the seed experiment end to end (issue 7 part 4): a user
# copies "Terminal shell in container" from the default rules into a local
# file with priority WARNING; kestrel (live, unicast, syslog output only) runs
# the defaults then the local file beside a real rsyslogd on /dev/log; a
# shell with a pseudo-terminal in a hand-made docker container
# (lib.sh's ct_* helpers) must give exactly one "Warning A shell was spawned in a
# container with an attached terminal (...)" line in the syslog file, with
# the container id, proc.name=sh, a non-zero terminal and user.name=root; a
# shell without a terminal in the container, and a shell with a terminal
# outside any container, must not. Locks: kernel audit, then /dev/log.
set -u
. "$(dirname "$0")/lib.sh"
SYSLOG_LOCK=/tmp/kestrel-syslog.lock
RULE="Terminal shell in container"
TEXT="A shell was spawned in a container with an attached terminal"
require_audit
W=$(mktemp -d /tmp/kestrel-seed.XXXXXX)
KPID=
RSYSLOG_PID=
cleanup() {
	ct_cleanup
	stop_kestrel
	syslog_stop
	if [ -n "${STATE_ENABLED:-}" ]; then
		auditctl -D -k kestrel >/dev/null 2>&1
	fi
	rm -rf "$W"
}
trap cleanup EXIT
ct_require "$W"
if ! command -v rsyslogd >/dev/null 2>&1; then
	echo "installing rsyslog"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rsyslog \
		>/dev/null 2>&1 || skip "rsyslogd not installed and not installable"
fi
lock_audit
exec 8>"$SYSLOG_LOCK"
flock 8
ct_require_unicast
[ -e /dev/log ] && skip "/dev/log belongs to a running syslog daemon"
save_state

# 1. The local file: the default rule, only its priority changed.
python3 - "$SRCDIR/rules/kestrel_rules.yaml" "$RULE" >"$W/local.yaml" <<'PY' ||
import re, sys
text = open(sys.argv[1]).read()
# a top-level item runs from its "- " line to the next one (or a comment
# block / end of file)
items = re.split(r"(?m)^(?=- |#)", text)
rule = [i for i in items if i.startswith("- rule: " + sys.argv[2] + "\n")]
assert len(rule) == 1, f"{len(rule)} definitions of the rule"
new, n = re.subn(r"(?m)^  priority: \w+$", "  priority: WARNING", rule[0])
assert n == 1, "no priority line"
sys.stdout.write(new.rstrip("\n") + "\n")
PY
	fail "cannot copy '$RULE' from the default rules"
# Exactly one line differs from the default rule: the priority.
grep -A30 -x -- "- rule: $RULE" "$SRCDIR/rules/kestrel_rules.yaml" |
	head -n "$(wc -l <"$W/local.yaml")" >"$W/original.yaml"
diff "$W/original.yaml" "$W/local.yaml" | grep '^[<>]' >"$W/rule.diff"
if [ "$(wc -l <"$W/rule.diff")" != 2 ] || ! grep -qx '>   priority: WARNING' "$W/rule.diff"; then
	fail "local rule is not the default with priority WARNING: $(cat "$W/rule.diff")"
fi
grep -qx '  priority: NOTICE' "$W/original.yaml" ||
	fail "the default '$RULE' is no longer NOTICE: the test proves nothing"

# 2. A private rsyslogd on /dev/log writing every message to a file.
mkdir -p "$W/rsyslog"
cat >"$W/rsyslog.conf" <<CONF
global(workDirectory="$W/rsyslog")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="line" type="string"
  string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\n")
*.* action(type="omfile" file="$W/syslog" template="line")
CONF
rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" 2>"$W/rsyslog.err" &
RSYSLOG_PID=$!
for _ in $(seq 100); do
	[ -S /dev/log ] && break
	sleep 0.1
done
[ -S /dev/log ] || fail "rsyslogd did not create /dev/log: $(cat "$W/rsyslog.err")"

# 3. kestrel: the defaults, then the local file; syslog output only.
cat >"$W/kestrel.yaml" <<C
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
file_output: {enabled: false}
json_output: false
log_stderr: true
log_syslog: false
C
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" \
	-r "$SRCDIR/rules/kestrel_rules.yaml" -r "$W/local.yaml" \
	-o syslog_output.enabled=true -o stdout_output.enabled=false \
	-o audit.mode=unicast -o container.docker_root="$W/docker"
grep -q "audit source: unicast" "$W/k.log" || fail "not in unicast mode"

# 4. The container, the near misses first, then the shell with a terminal.
TOKEN=${W##*.}
ID=$(ct_new_id)
CT_LOG=$W/ct.log
ct_docker_state "$W/docker" "$ID" kestrel-seed debian:12
KINDS=
[ -n "$CT_UNIFIED" ] && KINDS=unified
[ -n "$CT_V1_HIER" ] && KINDS="$KINDS v1"
# shellcheck disable=SC2086
ct_cgroups "$ID" $KINDS || fail "cannot create the container's cgroups"
echo "container $ID: cgroups$CT_DIRS"

NOTTY=kestrel-seed-notty-$TOKEN
HOST=kestrel-seed-host-$TOKEN
PTY=kestrel-seed-pty-$TOKEN
touch "$W/hold-$NOTTY" "$W/hold-$HOST"
ct_start "$CT_DIRS" notty "$NOTTY" "$W/hold-$NOTTY"
ct_wait "$CT_PID" || fail "container shell without terminal failed: $(tail -5 "$CT_LOG")"
ct_host_start pty "$HOST" "$W/hold-$HOST"
ct_wait "$CT_PID" || fail "host shell with terminal failed: $(tail -5 "$CT_LOG")"
ct_start "$CT_DIRS" pty "$PTY" "$W/hold-$PTY"
# kestrel handles events in order: once the last shell's alert is logged,
# the two before it have been judged.
wait_for "$W/syslog" "$PTY" 10 || fail "no syslog line for the shell with a terminal"
touch "$W/hold-$PTY"
ct_wait "$CT_PID" || fail "container shell with terminal failed: $(tail -5 "$CT_LOG")"
stop_kestrel
syslog_stop

# 5. Exactly one line, Warning, with the context the analyst needs.
seed_alert_check "$W" "$TEXT" "container_id=${ID:0:12}( |$)" "container_name=kestrel-seed( |$)" \
	"proc\.name=sh " "user\.name=root " "proc\.cmdline=sh -s $PTY " \
	"proc\.pname=runc " "proc\.tty=[1-9][0-9]* "
grep -Fq "$NOTTY" "$W/alerts" && fail "the shell without a terminal fired"
grep -Fq "$HOST" "$W/alerts" && fail "the shell outside any container fired"

ct_cleanup || fail "cgroups not removed"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS: test_seed.sh"
