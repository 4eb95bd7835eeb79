#!/bin/bash
# Precise kernel filters, live: kestrel with its default rules and
# audit.kernel_filters=precise still fires on the host (an untrusted read of
# /etc/shadow, an O_TRUNC write under /var/log) while installing path=/dir=
# filtered rules, and in real Docker containers (one started before kestrel:
# the start-up scan; one after: pivot_root), whose own files get
# per-mount-namespace rules (key kestrel\001mntns=N) that go away with the
# container. Its own dockerd on a private socket; the audit state is
# restored exactly.
. "$(dirname "$0")/lib.sh"
require_audit
lock_audit
save_state
command -v dockerd >/dev/null && command -v docker >/dev/null ||
	skip "docker.io is not installed (tools/install-deps installs it)"
BB=$(command -v busybox 2>/dev/null || true)
[ -n "$BB" ] && file -L "$BB" 2>/dev/null | grep -q 'statically linked' ||
	skip "a static busybox (busybox-static) is needed for the container image"

T=$(mktemp -d /tmp/kestrel-kfl.XXXXXX)
DROOT=/var/tmp/kestrel-kfl-docker.$$
DOCK="docker -H unix://$T/docker.sock"
DPID=
cleanup() {
	stop_kestrel 2>/dev/null
	if [ -n "$DPID" ]; then
		$DOCK rm -f c1 c2 >/dev/null 2>&1
		kill "$DPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	fi
	grep -q " $DROOT" /proc/mounts &&
		awk -v r="$DROOT" '$2 ~ "^"r {print $2}' /proc/mounts | sort -r | xargs -r umount -l
	rm -rf "$T" "$DROOT"
}
trap cleanup EXIT

dockerd --iptables=false --ip6tables=false --bridge=none -H "unix://$T/docker.sock" \
	--pidfile "$T/docker.pid" --data-root "$DROOT" --exec-root "$T/exec" \
	>"$T/dockerd.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do $DOCK info >/dev/null 2>&1 && break; sleep 0.2; done
$DOCK info >/dev/null 2>&1 || { tail -5 "$T/dockerd.log"; skip "dockerd does not start here"; }
mkdir -p "$T/root/bin" "$T/root/etc" "$T/root/var/log" "$T/root/tmp"
cp "$BB" "$T/root/bin/busybox"
for c in sh cat sleep mkdir; do ln -s busybox "$T/root/bin/$c"; done
echo 'root:*:1::::::' >"$T/root/etc/shadow"
tar -C "$T/root" -cf - . | $DOCK import - kestrel-kfl:test >/dev/null ||
	skip "docker import failed"
$DOCK run -d --name c1 --network none kestrel-kfl:test sleep 300 >/dev/null ||
	skip "docker cannot run a container here"

cat >"$T/kestrel.yaml" <<C
rules_files: [$SRCDIR/rules/kestrel_rules.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
file_output: {enabled: true, keep_alive: true, filename: $T/alerts.txt}
log_stderr: true
log_syslog: false
audit: {kernel_filters: precise}
C
start_kestrel "$T/k.log" -c "$T/kestrel.yaml"
auditctl -l | grep -q -- '-F path=/etc/shadow -F key=kestrel$' ||
	fail "no path=/etc/shadow rule: the rules are not precise"
auditctl -l | grep -q -- '-F dir=/etc -F key=kestrel$' || fail "no dir= filtered rule"
auditctl -l | grep -q 'mntns=' || { auditctl -l; fail "no namespace rules for c1 (start-up scan)"; }

# (a) the host
cp /bin/cat "$T/untrusted-cat"
"$T/untrusted-cat" /etc/shadow >/dev/null
: >/var/log/kestrel-kfl-test.log
rm -f /var/log/kestrel-kfl-test.log
# (b) the container started before kestrel, and one started after
$DOCK exec c1 sh -c 'cat /etc/shadow >/dev/null; : > /var/log/c1.log'
$DOCK run -d --name c2 --network none kestrel-kfl:test \
	sh -c 'sleep 1; cat /etc/shadow >/dev/null; : > /var/log/c2.log; sleep 300' >/dev/null
wait_for "$T/alerts.txt" 'c2.log' 10 || { cat "$T/alerts.txt"; fail "no alert from c2"; }
sleep 0.5
A=$T/alerts.txt
grep 'untrusted' "$A" | grep -q 'untrusted-cat' || fail "host: untrusted read of /etc/shadow"
grep -q 'fd.name=/var/log/kestrel-kfl-test.log' "$A" || fail "host: O_TRUNC under /var/log"
grep 'untrusted' "$A" | grep 'fd.name=/etc/shadow' | grep -q "container_id=[0-9a-f]" ||
	fail "container: no alert for its /etc/shadow read"
grep -q 'fd.name=/var/log/c1.log' "$A" || fail "c1 (started before kestrel): O_TRUNC"
grep -q 'fd.name=/var/log/c2.log' "$A" || fail "c2 (started after kestrel): O_TRUNC"

$DOCK rm -f c1 c2 >/dev/null
for _ in $(seq 60); do auditctl -l | grep -q 'mntns=' || break; sleep 0.1; done
auditctl -l | grep -q 'mntns=' && fail "namespace rules left after the containers went"
grep -q 'is gone' "$T/k.log" || fail "namespace removal not logged"
stop_kestrel
check_state_restored
echo "PASS: $(grep -c . "$A") alerts; $(grep -o '[0-9]* us' "$T/k.log" | tr '\n' ' ')"
