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
dk_require

T=$(mktemp -d /tmp/kestrel-kfl.XXXXXX)
cleanup() {
	stop_kestrel 2>/dev/null
	stop_dockerd
	rm -rf "$T"
}
trap cleanup EXIT

start_dockerd "$T"
ensure_image
$DOCK run -d --name c1 --network none "$DK_IMAGE" sleep 300 >/dev/null ||
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
# the mount namespace of a container (its rules carry the key mntns=<inode>)
ct_mntns() { readlink "/proc/$($DOCK inspect -f '{{.State.Pid}}' "$1")/ns/mnt" | tr -dc 0-9; }
NS1=$(ct_mntns c1)
auditctl -l | grep -q "mntns=$NS1" || { auditctl -l; fail "no namespace rules for c1 (start-up scan)"; }

# (a) the host
cp /bin/cat "$T/untrusted-cat"
"$T/untrusted-cat" /etc/shadow >/dev/null
: >/var/log/kestrel-kfl-test.log
rm -f /var/log/kestrel-kfl-test.log
# (b) the container started before kestrel, and one started after
$DOCK exec c1 sh -c 'cat /etc/shadow >/dev/null; : > /var/log/c1.log'
$DOCK run -d --name c2 --network none "$DK_IMAGE" \
	sh -c 'sleep 1; cat /etc/shadow >/dev/null; : > /var/log/c2.log; sleep 300' >/dev/null
wait_for "$T/alerts.txt" 'c2.log' 10 || { cat "$T/alerts.txt"; fail "no alert from c2"; }
NS2=$(ct_mntns c2)
auditctl -l | grep -q "mntns=$NS2" || fail "no namespace rules for c2 (pivot_root)"
# two namespaces with the same directory get distinct kernel rules (the
# kernel shares one audit tree among dir= rules of the same text)
d1=$(auditctl -l | grep "mntns=$NS1" | grep -o 'dir=[^ ]*/var/log' | sort -u)
d2=$(auditctl -l | grep "mntns=$NS2" | grep -o 'dir=[^ ]*/var/log' | sort -u)
[ -n "$d1" ] && [ "$d1" != "$d2" ] || fail "c1 and c2 share the text of their dir= rules: $d1"

sleep 0.5
A=$T/alerts.txt
grep 'untrusted' "$A" | grep -q 'untrusted-cat' || fail "host: untrusted read of /etc/shadow"
grep -q 'fd.name=/var/log/kestrel-kfl-test.log' "$A" || fail "host: O_TRUNC under /var/log"
grep 'untrusted' "$A" | grep 'fd.name=/etc/shadow' | grep -q "container_id=[0-9a-f]" ||
	fail "container: no alert for its /etc/shadow read"
grep -q 'fd.name=/var/log/c1.log' "$A" || fail "c1 (started before kestrel): O_TRUNC"
grep -q 'fd.name=/var/log/c2.log' "$A" || fail "c2 (started after kestrel): O_TRUNC"

$DOCK rm -f c1 c2 >/dev/null
left() { auditctl -l | grep -Eq "mntns=($NS1|$NS2)\$"; }
for _ in $(seq 60); do left || break; sleep 0.1; done
left && fail "namespace rules left after the containers went"
wait_for "$T/k.log" "namespace $NS2 .* is gone" 10 || fail "namespace removal not logged"
stop_kestrel
stop_dockerd || fail "dockerd left mounts behind"
check_state_restored
echo "PASS: $(grep -c . "$A") alerts; $(grep -o '[0-9]* us' "$T/k.log" | tr '\n' ' ')"
