#!/bin/bash
# test_faults_backpressure.sh — audit.backpressure is the policy when the
# kernel's backlog is full. drop: backlog_wait_time 0, the kernel drops
# and counts (kestrel reports it, test_faults_load.sh); block: the
# exec'ing processes wait for kestrel (backlog_wait_time 60000 ticks) and
# nothing is lost. With backlog_limit 16 and the same exec storm under
# each policy, the test checks the kernel setting while kestrel runs, that
# `block` loses nothing, and prints the exec rate of each (the price of not
# losing). An explicit audit.backlog_wait_time wins over the policy.
# Skips while the daemon does not apply the key (faults report).
set -u
. "$(dirname "$0")/lib.sh"
require_audit
require_storm
lock_audit
# an auditd another test started may still be shutting down
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
save_state
STATE_WAIT=$(auditctl -s | awk '/^backlog_wait_time /{print $2}')
W=$(mktemp -d /tmp/kestrel-faults.XXXXXX)
cleanup() {
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
STORM_EXECS=10000
BLOCK_WAIT=60000
build_storm "$W"
write_test_config "$W"
wait_time() { auditctl -s | awk '/^backlog_wait_time /{print $2}'; }
lost() { auditctl -s | awk '/^lost /{print $2}'; }

# run POLICY [-o ...]: kestrel with the policy and backlog 16; sets WT (kernel
# backlog_wait_time while running), LOSTD (kernel lost delta), RATE
run() {
	local p=$1 l0
	shift
	NRUN=$((${NRUN:-0} + 1)) # a fresh log per run: start_kestrel waits for its "ready:"
	start_kestrel "$W/k-$p-$NRUN.log" -c "$W/kestrel.yaml" -o audit.mode=unicast \
		-o audit.backlog_limit=16 -o "audit.backpressure=$p" "$@"
	WT=$(wait_time)
	l0=$(lost)
	RATE=$("$W/execstorm" -n $STORM_EXECS -p 2 -q -- "$W/tiny" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
	LOSTD=$(($(lost) - l0))
	stop_kestrel
	echo "backpressure=$p $*: backlog_wait_time=$WT, $RATE execs/s, kernel lost $LOSTD records"
}

run drop
wt_drop=$WT rate_drop=$RATE
run block
wt_block=$WT rate_block=$RATE lost_block=$LOSTD
if [ "$wt_drop" = "$STATE_WAIT" ] && [ "$wt_block" = "$STATE_WAIT" ]; then
	skip "audit.backpressure is parsed but not applied: backlog_wait_time stays $STATE_WAIT under both policies (daemon.c krules_settings, faults report)"
fi
[ "$wt_drop" = 0 ] || fail "backpressure=drop: backlog_wait_time $wt_drop, expected 0"
[ "$wt_block" = "$BLOCK_WAIT" ] || fail "backpressure=block: backlog_wait_time $wt_block, expected $BLOCK_WAIT"
[ "$lost_block" = 0 ] || fail "backpressure=block lost $lost_block records"
run block -o audit.backlog_wait_time=7
[ "$WT" = 7 ] || fail "an explicit audit.backlog_wait_time did not win over the policy ($WT)"
echo "trade-off: drop $rate_drop execs/s (records lost, reported) vs block $rate_block execs/s (none lost)"
w=$(wait_time)
[ "$w" = "$STATE_WAIT" ] || fail "backlog_wait_time not restored: $STATE_WAIT -> $w"
check_state_restored
echo "PASS: test_faults_backpressure.sh"
