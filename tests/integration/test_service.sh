#!/bin/bash
# test_service.sh — kestrel under a service manager, without systemd as
# PID 1: the notify socket protocol and the unit's promises.
#  1. a configuration error and a rules error exit 78 (EX_CONFIG, the
#     unit's RestartPreventExitStatus=), before touching the kernel;
#  2. NOTIFY_SOCKET (this test's datagram socket) gets READY=1, and with
#     WATCHDOG_USEC=1 s a WATCHDOG=1 about every 500 ms; a stopped loop
#     (SIGSTOP) sends none, a continued one (SIGCONT) pings again;
#  3. `kestrel --reload PID` (ExecReload=) exits 0 for a good reload and 1
#     for a refused ruleset, with RELOADING=1 and READY=1 each time; the
#     daemon keeps running and alerting with its old rules;
#  4. SIGUSR1 reopens the file output (logrotate) without a rules reload;
#     SIGUSR2 logs the statistics.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
grep -q '^#define HAVE_SYSTEMD 1' "${KESTREL_BUILDDIR:-.}/config.h" 2>/dev/null ||
	skip "kestrel built without libsystemd: no sd_notify"
command -v python3 >/dev/null || skip "python3 not installed (the notify listener)"
W=$(mktemp -d /tmp/kestrel-service.XXXXXX)
NPID=
cleanup() {
	[ -n "${KPID:-}" ] && kill -CONT "$KPID" 2>/dev/null
	stop_kestrel
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
write_test_config "$W"

# 1. exit 78 for configuration and rules errors (no lock needed: no kernel)
echo "priority: loudest" >"$W/bad.yaml"
"$KESTREL" -c "$W/bad.yaml" -M 2 >/dev/null 2>"$W/bad.log"
rc=$?
[ "$rc" = 78 ] || fail "a bad configuration value exited $rc, expected 78: $(cat "$W/bad.log")"
cp "$W/kestrel.yaml" "$W/badrules.yaml"
printf -- '- rule: broken\n  condition: (evt.type = execve\n' >"$W/broken.yaml"
"$KESTREL" -c "$W/badrules.yaml" -r "$W/broken.yaml" -M 2 >/dev/null 2>"$W/badrules.log"
rc=$?
[ "$rc" = 78 ] || fail "a rules error exited $rc, expected 78: $(cat "$W/badrules.log")"
grep -q "ready:" "$W/bad.log" "$W/badrules.log" && fail "kestrel got ready with a bad configuration"
echo "ok: configuration error and rules error exit 78"

lock_audit
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
save_state

# 2. the notify protocol with a watchdog
python3 - "$W/notify.sock" "$W/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg = s.recv(4096).decode(errors="replace").replace("\n", " ")
        log.write("%.3f %s\n" % (time.monotonic(), msg))
PY
NPID=$!
for _ in $(seq 50); do [ -S "$W/notify.sock" ] && break; sleep 0.1; done
[ -S "$W/notify.sock" ] || fail "notify listener did not start"
NOTIFY_SOCKET=$W/notify.sock WATCHDOG_USEC=1000000 start_kestrel "$W/k.log" -c "$W/kestrel.yaml"
wait_for "$W/notify.log" "READY=1" 5 || fail "no READY=1 on NOTIFY_SOCKET"
grep -q "systemd watchdog: a ping every 500 ms" "$W/k.log" || fail "WATCHDOG_USEC not taken up"
pings() { grep -c "WATCHDOG=1" "$W/notify.log"; }
sleep 2
p1=$(pings)
[ "$p1" -ge 3 ] || fail "only $p1 WATCHDOG=1 in the first 2 s (expected a ping every 500 ms)"
kill -STOP "$KPID"
sleep 0.3
p2=$(pings)
sleep 2
p3=$(pings)
[ "$p3" = "$p2" ] || fail "WATCHDOG=1 sent while the event loop was stopped ($p2 -> $p3)"
kill -CONT "$KPID"
sleep 1.5
p4=$(pings)
[ "$p4" -gt "$p3" ] || fail "no WATCHDOG=1 after SIGCONT"
echo "ok: READY=1; $p1 pings in 2 s, none while stopped ($p2 -> $p3), again after SIGCONT ($p4)"

trigger() { /bin/true "kestrel-it-$1"; }
trigger before
wait_for "$W/alerts.json" "kestrel-it-before" 10 || fail "no alert before the reloads"

# 3. ExecReload=: a good reload, then a refused one
: >"$W/notify.log"
"$KESTREL" --reload "$KPID" >"$W/reload1.out" 2>&1 || fail "good reload exited $?: $(cat "$W/reload1.out")"
grep -q "RELOADING=1" "$W/notify.log" || fail "no RELOADING=1 on reload"
wait_for "$W/notify.log" "READY=1" 5 || fail "no READY=1 after reload"
cp "$W/rules.yaml" "$W/rules.good"
printf -- '- rule: broken\n  condition: (evt.type = execve\n' >>"$W/rules.yaml"
: >"$W/notify.log"
"$KESTREL" --reload "$KPID" >"$W/reload2.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a refused reload exited $rc, expected 1"
grep -q "reload refused" "$W/reload2.out" || fail "the refusal is not reported to the caller: $(cat "$W/reload2.out")"
grep -q "RELOADING=1" "$W/notify.log" && wait_for "$W/notify.log" "READY=1" 5 ||
	fail "no RELOADING=1/READY=1 around the refused reload"
kill -0 "$KPID" || fail "the daemon died on a refused reload"
trigger after-refused
wait_for "$W/alerts.json" "kestrel-it-after-refused" 10 || fail "no alert after the refused reload"
# a plain SIGHUP (no handshake) gets no reply and kills nobody
kill -HUP "$KPID"
sleep 0.5
kill -0 "$KPID" || fail "the daemon died on a plain SIGHUP"
cp "$W/rules.good" "$W/rules.yaml"
echo "ok: --reload exits 0 when applied, 1 when refused ($(head -1 "$W/reload2.out" | cut -c1-80))"

# 4. SIGUSR1 reopens the output file; SIGUSR2 logs stats
reloads=$(grep -c "reloading configuration" "$W/k.log")
mv "$W/alerts.json" "$W/alerts.json.1"
kill -USR1 "$KPID"
wait_for "$W/k.log" "SIGUSR1: reopening the output files" 5 || fail "no reopen on SIGUSR1"
trigger rotated
wait_for "$W/alerts.json" "kestrel-it-rotated" 10 || fail "no alert in the new file after SIGUSR1"
grep -q "kestrel-it-rotated" "$W/alerts.json.1" && fail "the alert went to the rotated file"
[ "$(grep -c "reloading configuration" "$W/k.log")" = "$reloads" ] || fail "SIGUSR1 reloaded the rules"
kill -USR2 "$KPID"
wait_for "$W/k.log" "stats (SIGUSR2)" 5 || fail "no stats on SIGUSR2"
echo "ok: SIGUSR1 reopens the file output without a reload; SIGUSR2 logs stats"

stop_kestrel
grep -q "STOPPING=1" "$W/notify.log" || fail "no STOPPING=1"
check_state_restored
echo "PASS"
