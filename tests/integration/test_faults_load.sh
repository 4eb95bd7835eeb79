#!/bin/bash
# test_faults_load.sh — an exec storm beyond what the kernel backlog holds
# (backlog_limit 16, backlog_wait_time 0: the kernel drops instead of
# making the exec'ing processes wait; kestrel, with a 4 KiB socket buffer,
# stopped for 2 s of it, so the drops happen however fast it reads) must
# not be a silent loss: kestrel's
# log says how many records the kernel lost, its stats count them, and
# in-band "Kestrel events lost" alerts in the JSON file output add up to
# the kernel's `lost` counter over kestrel's run. Afterwards kestrel still
# alerts. Then multicast with a 4 KiB socket buffer while kestrel is
# stopped: the socket overflows (ENOBUFS), which the log, the stats and an
# in-band alert report. The audit settings are restored. Real kernel, root.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
require_storm
command -v python3 >/dev/null || skip "python3 not installed"
lock_audit
# an auditd another test started may still be shutting down
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
save_state
STATE_WAIT=$(auditctl -s | awk '/^backlog_wait_time /{print $2}')
W=$(mktemp -d /tmp/kestrel-faults.XXXXXX)
cleanup() {
	[ -n "${KPID:-}" ] && kill -CONT "$KPID" 2>/dev/null
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

# The storm: 2 workers exec a static no-libc binary as fast as they can.
STORM_EXECS=20000
build_storm "$W"

write_test_config "$W"

kernel_lost() { auditctl -s | awk '/^lost /{print $2}'; }
# Sum of kestrel.lost over the in-band alerts of one lost_source.
alert_lost_sum() {
	python3 - "$W/alerts.json" "$1" <<'PY'
import json, sys
n = 0
try:
    for line in open(sys.argv[1]):
        a = json.loads(line)
        if a["rule"] == "Kestrel events lost" and \
           a["output_fields"]["kestrel.lost_source"] == sys.argv[2]:
            n += a["output_fields"]["kestrel.lost"]
except FileNotFoundError:
    pass
print(n)
PY
}

lost0=$(kernel_lost)
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o audit.mode=unicast \
	-o audit.backlog_limit=16 -o audit.backlog_wait_time=0 -o audit.buffer_size=4096
# kestrel took its baseline between lost0 and lostr (its first poll comes
# before "ready:"); with an idle machine the two are equal
lostr=$(kernel_lost)
auditctl -s | grep -qx 'backlog_limit 16' || fail "backlog_limit 16 not applied"
auditctl -s | grep -qx 'backlog_wait_time 0' || fail "backlog_wait_time 0 not applied"

# A backlog of 16 drops records only while kestrel is behind, which a fast
# kestrel on a machine with slow execs may never be (seen: 0 lost in 20,000
# execs at 800 execs/s). So kestrel reads through a 4 KiB socket buffer and
# is stopped for 2 s in the middle of the storm: the socket fills at once,
# the kernel's queue passes 16 and it must drop, as behind a stalled reader
# (stopped alone, kestrel's 16 MiB buffer absorbed the 2 s).
"$W/execstorm" -n $STORM_EXECS -p 2 -q -- "$W/tiny" >"$W/storm.out" 2>&1 &
spid=$!
sleep 2
kill -STOP "$KPID"
sleep 2
kill -CONT "$KPID"
wait "$spid" || fail "exec storm failed: $(cat "$W/storm.out")"
storm=$(cat "$W/storm.out")
echo "storm: $storm"
lost1=$(kernel_lost)
delta=$((lost1 - lost0))
echo "kernel lost counter: $lost0 -> $lost1 (delta $delta)"
[ "$delta" -gt 0 ] || fail "the storm did not make the kernel drop records (delta 0): test setup"

# kestrel polls the lost counter every 5 s and logs the kernel's absolute
# value with each delta. Other processes' execs on this machine also hit the
# tiny backlog, so the counter keeps moving: what must hold is that every
# increment from kestrel's start to its last poll is reported, in the log
# and in-band, and that the polls got past the end of the storm.
for _ in $(seq 150); do
	last=$(sed -n 's/.*the kernel lost [0-9]* audit records (lost=\([0-9]*\),.*/\1/p' "$W/k.log" | tail -1)
	[ -n "$last" ] && [ "$last" -ge "$lost1" ] && break
	sleep 0.1
done
[ -n "$last" ] && [ "$last" -ge "$lost1" ] || fail "kestrel did not report the loss (last poll lost=${last:-none}, kernel $lost1)"
# still alerting after the loss
/bin/true kestrel-it-after-storm
wait_for "$W/alerts.json" "kestrel-it-after-storm" 5 || fail "no alert after the storm"
kill -0 "$KPID" || fail "kestrel died during the storm"
kill -USR1 "$KPID"
wait_for "$W/k.log" "stats (SIGUSR1)" 5 || fail "no stats on SIGUSR1"
stop_kestrel

last=$(sed -n 's/.*the kernel lost [0-9]* audit records (lost=\([0-9]*\),.*/\1/p' "$W/k.log" | tail -1)
want=$((last - lost0))
wmin=$((last - lostr))
logsum=$(sed -n 's/.*the kernel lost \([0-9]*\) audit records.*/\1/p' "$W/k.log" | awk '{s += $1} END {print s + 0}')
sum=$(alert_lost_sum "kernel backlog")
echo "reported: log $logsum, in-band alerts $sum, kernel counter from start to last poll $wmin..$want"
[ "$logsum" = "$sum" ] || fail "log reports $logsum lost records, in-band alerts $sum"
[ "$sum" -ge "$wmin" ] && [ "$sum" -le "$want" ] ||
	fail "in-band 'Kestrel events lost' alerts add up to $sum, the kernel lost $wmin..$want"
grep -q '"priority":"Critical","rule":"Kestrel events lost"' "$W/alerts.json" ||
	fail "lost alert is not a Critical alert named 'Kestrel events lost'"
grep "stats (SIGUSR1)" "$W/k.log"
klost=$(grep "stats (exit)" "$W/k.log" | sed -n 's/.*kernel_lost=\([0-9]*\).*/\1/p')
[ "$klost" = "$sum" ] || fail "exit stats count kernel_lost=$klost, the alerts $sum"
# 2. multicast socket overflow: kestrel stopped (SIGSTOP) with a 4 KiB
# receive buffer while 2000 execs happen: the kernel drops datagrams for
# it (ENOBUFS). Multicast needs auditing on: turn it on, put it back.
mv "$W/alerts.json" "$W/alerts-backlog.json"
[ "$STATE_ENABLED" = 0 ] && auditctl -e 1 >/dev/null
start_kestrel "$W/km.log" -c "$W/kestrel.yaml" -o audit.mode=multicast -o audit.buffer_size=4096
# (the kernel does not always report the overflow of one round: up to 3)
for _ in 1 2 3; do
	kill -STOP "$KPID"
	"$W/execstorm" -n 3000 -p 2 -q -- "$W/tiny" >/dev/null
	kill -CONT "$KPID"
	wait_for "$W/km.log" "the audit socket overflowed" 7 && break
done
grep -q "the audit socket overflowed" "$W/km.log" || fail "no ENOBUFS report in the log"
/bin/true kestrel-it-after-enobufs
wait_for "$W/alerts.json" "kestrel-it-after-enobufs" 5 || fail "no alert after the socket overflow"
stop_kestrel
[ "$STATE_ENABLED" = 0 ] && auditctl -e 0 >/dev/null
enobufs=$(grep "stats (exit)" "$W/km.log" | sed -n 's/.*enobufs=\([0-9]*\).*/\1/p')
esum=$(alert_lost_sum "socket overflow (ENOBUFS)")
echo "socket overflow: stats enobufs=$enobufs, in-band alerts count $esum"
[ "$esum" -ge 1 ] || fail "no in-band alert for the socket overflow"
[ "$esum" -le "$enobufs" ] || fail "alerts count $esum overflows, stats only $enobufs"
if [ "$esum" != "$enobufs" ]; then
	echo "NOTE: $((enobufs - esum)) overflows after the last 5-s poll were not alerted (no poll at exit: faults report)"
fi

w=$(auditctl -s | awk '/^backlog_wait_time /{print $2}')
[ "$w" = "$STATE_WAIT" ] || fail "backlog_wait_time not restored: $STATE_WAIT -> $w"
check_state_restored
echo "PASS: test_faults_load.sh (kernel lost $sum records of a $STORM_EXECS-exec storm, all reported)"
