#!/bin/bash
# test_hostile_user.sh — a local unprivileged user cannot stall kestrel
# through a file it controls (issue 17, item 1 and its acceptance test). A
# test user, in its own user and mount namespace (unshare -Urm), bind-mounts
# a FIFO over /etc/passwd and runs a program whose rule prints %user.name.
# kestrel must refuse the FIFO instead of waiting for a writer: the probe's
# alert arrives (user <NA>, or the host's name for the uid, kestrel's
# fallback for a host process), a following exec by root still alerts within
# a second, and the log names the refused file once for that namespace.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
for c in useradd userdel runuser unshare mkfifo python3; do
	command -v $c >/dev/null || skip "$c not installed"
done
lock_audit
# an auditd another test started may still be shutting down
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
save_state
W=$(mktemp -d /tmp/kestrel-hostile-user.XXXXXX)
TU=khu$$
cleanup() {
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	# the user's processes: the probes started below (runuser, by pid; its
	# sleeps end by themselves within 3 s, and userdel waits for them)
	for p in ${PROBES:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for _ in $(seq 50); do
		id "$TU" >/dev/null 2>&1 || break
		userdel "$TU" >/dev/null 2>&1 && break
		sleep 0.1
	done
	id "$TU" >/dev/null 2>&1 && echo "WARNING: could not remove test user $TU"
	rm -rf "$W"
}
trap cleanup EXIT
useradd -M -d /nonexistent -s /bin/sh "$TU" || fail "cannot create test user $TU"
runuser -u "$TU" -- unshare -Urm true 2>/dev/null ||
	skip "unprivileged user namespaces are not allowed here"

chmod 755 "$W"
# the probe: sleep under a name of our own (comm is cut at 15 bytes)
cp /bin/sleep "$W/kestrel-fprobe"
chmod 755 "$W/kestrel-fprobe"
mkdir "$W/u" && chown "$TU" "$W/u"
A="$W/alerts"
cat >"$W/rules.yaml" <<'R'
- rule: Hostile user fifo probe
  desc: the test user's probe; its output needs the user name
  condition: evt.type in (execve, execveat) and proc.name = kestrel-fprobe
  output: probe user=%user.name uid=%user.uid pid=%proc.pid
  priority: WARNING
- rule: Hostile user root marker
  desc: root's exec after the probe
  condition: evt.type in (execve, execveat) and proc.name = true and proc.args startswith kestrel-hu-
  output: marker args=%proc.args user=%user.name
  priority: WARNING
R
write_text_config "$W" "$A" "outputs: {rate: 0}"
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o audit.mode=unicast

# Two probes in one namespace (one refusal logged for it), running long
# enough for kestrel to look into their root.
runuser -u "$TU" -- unshare -Urm sh -c "
	mkfifo '$W/u/fifo' && mount --bind '$W/u/fifo' /etc/passwd || exit 1
	'$W/kestrel-fprobe' 3 & '$W/kestrel-fprobe' 3; wait" &
PROBES=$!
wait_for "$A" "probe user=" 5 || fail "no alert for the probe: kestrel is stuck on the FIFO?"
# the namespace's passwd cannot be read: the name is unknown or the host's
# (kestrel's fallback for a host process), never one the FIFO supplied
grep "probe user=" "$A" | grep -Ev "probe user=(<NA>|$TU) " &&
	fail "probe alert names another user: $(cat "$A")"

t0=$(date +%s%N)
/bin/true kestrel-hu-after
wait_for "$A" "marker args=kestrel-hu-after" 1 ||
	fail "root's exec did not alert within a second after the probe"
t1=$(date +%s%N)
echo "root's exec alerted after $(((t1 - t0) / 1000000)) ms"
wait "$PROBES" || fail "the probes failed (mkfifo or bind mount refused?)"
PROBES=
[ "$(grep -c "probe user=" "$A")" = 2 ] || fail "want 2 probe alerts: $(cat "$A")"
stop_kestrel

n=$(grep -c "etc/passwd in the root of pid .* refused: not a regular file" "$W/k.log")
[ "$n" = 1 ] || fail "refused passwd logged $n times, want once: $(cat "$W/k.log")"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS"
