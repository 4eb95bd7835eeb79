#!/bin/bash
# test_stateful_container.sh — the stateful upstream Falco rules in a real
# Docker container (issue 15's container scenarios), with the unmodified
# upstream falco_rules.yaml (../shared/fixtures/falco), kestrel's own
# dockerd (lib.sh start_dockerd, --network none) and the busybox image:
# (a) "Redirect STDOUT/STDIN to Network Connection in Container": a static
#     helper connects to a busybox `nc -l` on the container's loopback and
#     dup2s/dup3s the socket onto stdin/stdout; near miss: the same socket
#     dup2'd onto fd 5 and a pipe dup2'd onto stdin/stdout;
# (b) "Drop and execute new binary in container": busybox copied into the
#     container's writable layer (from inside) and executed, with
#     EXE_UPPER_LAYER in evt.arg.flags and proc.is_exe_upper_layer=true;
#     near miss: the image's own /bin/true (lower layer);
# (c) "Detect release_agent File Container Escapes": uid 1000 with ambient
#     CAP_SYS_ADMIN and CAP_DAC_OVERRIDE (the helper: keepcaps, setresuid,
#     capset, PR_CAP_AMBIENT_RAISE, exec) writes a file named release_agent;
#     near miss: the same user without those capabilities writing it.
# user.name is not checked: it is read in the container's /etc/passwd
# through /proc/<pid>/root, and is <NA> when the process has exited first.
# The helper is built here with `gcc -static` and bind-mounted read-only
# (a host file: neither layer of the image). With KESTREL_RECORD_DIR set,
# a private auditd logs beside kestrel (multicast) and each scenario's
# events are written there as ctr-*-{fire,near}.log (the replay fixtures
# of tests/unit/test_stateful.c). The audit state is restored exactly.
set -u
. "$(dirname "$0")/lib.sh"
UPSTREAM=$SRCDIR/../shared/fixtures/falco/falco_rules.yaml
[ -f "$UPSTREAM" ] || skip "no upstream rules at $UPSTREAM (../shared absent)"
require_audit
dk_require
command -v gcc >/dev/null || skip "gcc not installed (builds the static helper)"
command -v python3 >/dev/null || skip "python3 not installed"
REC=${KESTREL_RECORD_DIR:-}
[ -z "$REC" ] || command -v auditd >/dev/null || skip "auditd needed to record fixtures"
W=$(mktemp -d /tmp/kestrel-stctr.XXXXXX)
KPID=
AUPID=
cleanup() {
	stop_kestrel 2>/dev/null
	if [ -n "$AUPID" ]; then kill "$AUPID" 2>/dev/null; wait "$AUPID" 2>/dev/null; fi
	stop_dockerd
	[ -n "${STATE_ENABLED:-}" ] && auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

# The helper: "caps UID all|none PROG ARG..." and "redirect PORT fire|near".
cat >"$W/kt.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int die(const char *what) { perror(what); return 1; }

static int caps(uid_t uid, int all, char **argv)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};
	unsigned want = (1u << CAP_SYS_ADMIN) | (1u << CAP_DAC_OVERRIDE);

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return die("setresuid");
	if (all) {
		d[0].effective = d[0].permitted = d[0].inheritable = want;
		if (syscall(SYS_capset, &h, d))
			return die("capset");
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0) ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_OVERRIDE, 0, 0))
			return die("ambient");
	}
	execv(argv[0], argv);
	return die(argv[0]);
}

static int redirect(int port, int fire)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int s = -1, p[2];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 100; i++) { /* the listener may still be starting */
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		close(s);
		s = -1;
		usleep(50000);
	}
	if (s < 0)
		return die("connect");
	if (fire) {
		if (dup2(s, 0) != 0 || dup3(s, 1, 0) != 1)
			return die("dup");
	} else {
		if (dup2(s, 5) != 5 || pipe(p) || dup2(p[1], 0) != 0 || dup3(p[1], 1, 0) != 1)
			return die("dup near");
	}
	return write(fire ? 1 : 5, "kestrel\n", 8) == 8 ? 0 : die("write");
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "caps") == 0)
		return caps((uid_t)atoi(argv[2]), strcmp(argv[3], "all") == 0, argv + 4);
	if (argc == 4 && strcmp(argv[1], "redirect") == 0)
		return redirect(atoi(argv[2]), strcmp(argv[3], "fire") == 0);
	fprintf(stderr, "usage: kt caps UID all|none PROG ARG... | kt redirect PORT fire|near\n");
	return 2;
}
C
mkdir -p "$W/kbin"
gcc -static -O2 -Wall -o "$W/kbin/kt" "$W/kt.c" || skip "gcc -static cannot link here (libc6-dev)"

lock_audit
save_state
if [ -n "$REC" ]; then
	pid=$(audit_pid)
	[ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null && skip "an audit daemon (pid $pid) runs"
	auditd_private_conf "$W/ad"
	auditd -n -c "$W/ad/etc" >"$W/auditd.out" 2>&1 &
	AUPID=$!
	for _ in $(seq 50); do [ "$(audit_pid)" = "$AUPID" ] && break; sleep 0.1; done
	[ "$(audit_pid)" = "$AUPID" ] || fail "auditd did not register: $(cat "$W/auditd.out")"
else
	require_unicast 30
fi
start_dockerd "$W"
ensure_image
TOKEN=${W##*.}
CT=kt-$TOKEN
$DOCK run -d --network none --cap-add SYS_ADMIN --cap-add DAC_OVERRIDE --name "$CT" \
	-v "$W/kbin:/kt:ro" "$DK_IMAGE" sleep 600 >/dev/null || skip "docker cannot run a container here"
CID=$($DOCK inspect -f '{{.Id}}' "$CT")
$DOCK exec "$CT" busybox mkdir -p /tmp/u "/tmp/drop-$TOKEN" || fail "mkdir in $CT"
$DOCK exec "$CT" busybox chown 1000:1000 /tmp/u || fail "chown in $CT"

# Own rules, names of our own: the exec flags of every marked exec.
cat >"$W/local.yaml" <<R
- rule: Test exec layer
  desc: every exec of this test's markers, with Falco's exec flags
  condition: spawned_process and container and proc.cmdline contains "$TOKEN"
  output: layer | up=%proc.is_exe_upper_layer lo=%proc.is_exe_lower_layer flags=%evt.arg.flags command=%proc.cmdline
  priority: INFO
R
A=$W/alerts.json
cat >"$W/kestrel.yaml" <<C
rules_files: [$UPSTREAM, $W/local.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: true
file_output: {enabled: true, keep_alive: true, filename: $A}
log_stderr: true
log_syslog: false
rule_matching: all
C
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o container.docker_root="$DK_ROOT"
auditctl -l | grep -q 'key=kestrel$' || fail "no kernel rules installed"
if [ -n "$REC" ]; then grep -q multicast "$W/k.log" || fail "kestrel not in multicast beside auditd"; fi

PORT=$((40000 + $$ % 20000))
# (a) listeners on the container's loopback, one per client
for p in $PORT $((PORT + 1)); do
	$DOCK exec -d "$CT" busybox nc -l -p "$p" || fail "nc -l in $CT"
done
$DOCK exec "$CT" /kt/kt redirect "$PORT" fire || fail "(a) redirect fire"
$DOCK exec "$CT" /kt/kt redirect $((PORT + 1)) near || fail "(a) redirect near miss"
# (b) a binary written into the writable layer from inside, then the image's
$DOCK exec "$CT" busybox cp /bin/busybox "/tmp/drop-$TOKEN/true" || fail "(b) cp"
$DOCK exec "$CT" "/tmp/drop-$TOKEN/true" "drop-$TOKEN" || fail "(b) dropped binary"
$DOCK exec "$CT" /bin/true "image-$TOKEN" || fail "(b) image binary"
# (c) uid 1000 with and without ambient CAP_SYS_ADMIN + CAP_DAC_OVERRIDE
$DOCK exec "$CT" /kt/kt caps 1000 all /bin/sh -c "echo /x >/tmp/u/release_agent; : ra-fire-$TOKEN" ||
	fail "(c) write with capabilities"
$DOCK exec "$CT" /kt/kt caps 1000 none /bin/sh -c "echo /x >/tmp/u/release_agent; : ra-near-$TOKEN" ||
	fail "(c) write without capabilities"

wait_for "$A" "ra-near-$TOKEN" 10 || fail "no alert of the last exec (ra-near-$TOKEN)"
sleep 1 # a wrong alert for a near miss arrives too
stop_kestrel
echo "alerts:"; python3 -c "
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l); print(a['priority'], a['rule'], '|', a['output'][:400])
" "$A"

# alerts RULE PATTERN: the JSON lines of RULE whose output matches PATTERN
alerts() { grep -F "\"rule\":\"$1\"" "$A" | grep -E -- "$2"; }
R_A="Redirect STDOUT/STDIN to Network Connection in Container"
R_B="Drop and execute new binary in container"
R_C="Detect release_agent File Container Escapes"
CF="container_id=${CID:0:12} container_name=$CT"
n=$(alerts "$R_A" "command=kt redirect $PORT fire" | grep -c '"priority":"Notice"')
[ "$n" = 2 ] || fail "(a) $n Notice alerts for the dup2 and dup3 onto 0 and 1, expected 2"
for ev in dup2 dup3; do
	alerts "$R_A" "evt_type=$ev " | grep -Eq "connection=[0-9.]+:[0-9]+->127.0.0.1:$PORT lport=[^ ]+ rport=$PORT fd_type=ipv4 fd_proto=tcp evt_type=$ev user=[^ ]+ user_uid=0 .*process=kt .*$CF" ||
		{ alerts "$R_A" "evt_type=$ev "; fail "(a) $ev alert lacks Falco's fields (fd.name, l4proto, container)"; }
done
alerts "$R_A" "command=kt redirect $((PORT + 1)) near" && fail "(a) near miss fired"
alerts "$R_B" "drop-$TOKEN" | grep '"priority":"Critical"' |
	grep -Eq "proc_exepath=/tmp/drop-$TOKEN/true .*exe_flags=([A-Z_]+\|)*EXE_UPPER_LAYER.*$CF" ||
	fail "(b) no Critical alert with EXE_UPPER_LAYER for the dropped binary"
alerts "Test exec layer" "command=true drop-$TOKEN" | grep -q 'up=true lo=false' ||
	fail "(b) proc.is_exe_upper_layer is not true for the dropped binary"
alerts "Test exec layer" "image-$TOKEN" | grep -Eq 'up=false lo=true flags=([A-Z_]+\|)*EXE_LOWER_LAYER' ||
	fail "(b) the image's binary is not seen in the lower layer"
alerts "$R_B" "image-$TOKEN|/kt/kt" && fail "(b) near miss (image or bind-mounted binary) fired"
n=$(alerts "$R_C" "ra-fire-$TOKEN" | grep '"priority":"Critical"' |
	grep -c "file=/tmp/u/release_agent cap_effective=CAP_DAC_OVERRIDE CAP_SYS_ADMIN evt_type=open[a-z0-9]* user=[^ ]* user_uid=1000 .*process=sh .*$CF")
[ "$n" = 1 ] || { alerts "$R_C" .; fail "(c) $n release_agent alerts with uid 1000's capabilities, expected 1"; }
alerts "$R_C" "ra-near-$TOKEN" && fail "(c) near miss (no capabilities) fired"

if [ -n "$REC" ]; then
	kill "$AUPID"; wait "$AUPID" 2>/dev/null; AUPID=
	# each scenario: the events of the pids whose exec names its marker,
	# from that exec on
	python3 - "$W/ad/log/audit.log" "$REC" "$TOKEN" "$PORT" <<'PY' || fail "recording"
import re, sys
log, out, tok, port = sys.argv[1:]
ev = {}
order = []
for line in open(log):
    m = re.search(r"msg=audit\((\d+\.\d+:\d+)\)", line)
    if not m:
        continue
    if m.group(1) not in ev:
        ev[m.group(1)] = []; order.append(m.group(1))
    ev[m.group(1)].append(line)
def pid_of(lines):
    for l in lines:
        m = re.search(r"^type=SYSCALL .* pid=(\d+) ", l)
        if m: return m.group(1)
def argv(lines):
    """The exec's arguments (quoted or hex-encoded), joined by spaces."""
    for l in lines:
        if l.startswith("type=EXECVE"):
            vals = re.findall(r" a\d+=(\"[^\"]*\"|[0-9A-F]+)", l)
            return " ".join(v[1:-1] if v[0] == '"' else bytes.fromhex(v).decode() for v in vals)
    return None
marks = {"ctr-redirect-fire": f"redirect {port} fire",
         "ctr-redirect-near": f"redirect {int(port) + 1} near",
         "ctr-drop-exec-fire": f"drop-{tok}", "ctr-drop-exec-near": f"image-{tok}",
         "ctr-release-agent-fire": f"ra-fire-{tok}", "ctr-release-agent-near": f"ra-near-{tok}"}
for name, mark in marks.items():
    # the first exec in the container ending with the marker (the helper's
    # own for (c); not the docker client's), and every later event of its pid
    start = [i for i, k in enumerate(order)
             if (argv(ev[k]) or "").endswith(mark) and not argv(ev[k]).startswith("docker ")]
    if not start:
        sys.exit(f"{name}: no exec with {mark}")
    pid = pid_of(ev[order[start[0]]])
    keep = [k for k in order[start[0]:] if pid_of(ev[k]) == pid]
    with open(f"{out}/{name}.log", "w") as f:
        for k in keep:
            f.writelines(ev[k])
    print(f"{name}: {len(keep)} events of pid {pid}")
PY
fi
stop_dockerd || fail "dockerd left mounts behind"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS: test_stateful_container.sh ($(grep -c . "$A") alerts)"
