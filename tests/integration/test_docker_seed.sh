#!/bin/bash
# test_docker_seed.sh — the seed experiment with a real Docker (issue 18):
# a long-running container of kestrel's own dockerd (lib.sh start_dockerd,
# the busybox image), kestrel live with its default rules and a local file
# that only raises "Terminal shell in container" to WARNING, a private
# rsyslogd on /dev/log. `docker exec -it <name> sh` under a
# pseudo-terminal (script(1)) must give exactly one warning line in the
# syslog file naming the container id, name and image; `docker exec`
# without a terminal (plain, and -i with a pipe) must give none.
# Locks: kernel audit, then /dev/log.
set -u
. "$(dirname "$0")/lib.sh"
RULE="Terminal shell in container"
TEXT="A shell was spawned in a container with an attached terminal"
require_audit
dk_require
command -v script >/dev/null || skip "script (util-linux) not installed"
W=$(mktemp -d /tmp/kestrel-dkseed.XXXXXX)
KPID=
cleanup() {
	stop_kestrel
	syslog_stop
	stop_dockerd
	if [ -n "${STATE_ENABLED:-}" ]; then
		auditctl -D -k kestrel >/dev/null 2>&1
	fi
	rm -rf "$W"
}
trap cleanup EXIT
lock_audit
save_state
T0=$(date +%s.%N)
start_dockerd "$W"
ensure_image
TOKEN=${W##*.}
NAME=kestrel-seed-$TOKEN
$DOCK run -d --name "$NAME" --network none "$DK_IMAGE" sleep 300 >/dev/null ||
	skip "docker cannot run a container here"
ID=$($DOCK inspect -f '{{.Id}}' "$NAME")
IMAGE=$($DOCK inspect -f '{{.Config.Image}}' "$NAME")
echo "container $NAME $ID image $IMAGE"

local_rule_priority "$RULE" WARNING "$W/local.yaml" || fail "cannot copy '$RULE' from the defaults"
grep -qx '  priority: WARNING' "$W/local.yaml" || fail "local rule has no WARNING priority"
syslog_start "$W"
cat >"$W/kestrel.yaml" <<C
syslog_output: {enabled: true}
stdout_output: {enabled: false}
journal_output: {enabled: false}
file_output: {enabled: false}
json_output: false
log_stderr: true
log_syslog: false
C
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" \
	-r "$SRCDIR/rules/kestrel_rules.yaml" -r "$W/local.yaml" \
	-o container.docker_root="$DK_ROOT"

# The near misses first, then the shell with a terminal: kestrel handles
# events in order, so once its line is there the others were judged.
NOTTY=kestrel-seed-notty-$TOKEN
PIPE=kestrel-seed-pipe-$TOKEN
PTY=kestrel-seed-pty-$TOKEN
$DOCK exec "$NAME" sh -c "true $NOTTY" || fail "docker exec without a terminal failed"
echo 'exit 0' | $DOCK exec -i "$NAME" sh -s "$PIPE" || fail "docker exec -i failed"
{
	wait_for "$W/syslog" "$PTY" 10
	echo 'echo "shell done: $1"; exit 0'
} | script -qec "$DOCK exec -it $NAME sh -s $PTY" /dev/null >"$W/pty.out" 2>&1 ||
	fail "docker exec -it under script failed: $(tail -3 "$W/pty.out")"
grep -q "shell done: $PTY" "$W/pty.out" || fail "the shell with a terminal did not run: $(cat "$W/pty.out")"
grep -q "$PTY" "$W/syslog" || fail "no syslog line for docker exec -it"
sleep 0.5
stop_kestrel
syslog_stop
T1=$(date +%s.%N)

seed_alert_check "$W" "$TEXT" "container_id=${ID:0:12}( |$)" "container_name=$NAME( |$)" \
	"container_image=${IMAGE%:*}( |$)" "proc\.name=sh " "proc\.cmdline=sh -s $PTY " \
	"proc\.tty=[1-9][0-9]* " "user\.name=root "
grep -Fq "$NOTTY" "$W/alerts" && fail "docker exec without a terminal fired"
grep -Fq "$PIPE" "$W/alerts" && fail "docker exec -i with a pipe fired"

stop_dockerd || fail "dockerd left mounts behind"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS: test_docker_seed.sh ($(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s)"
