# live_lib.sh — shared by the test_live_*.sh integration tests: root and tool
# checks, the global audit lock, and a snapshot of the kernel audit state
# (settings and rules) that every test must leave exactly as it found it.
# Sourced, not run. Exit status 77 means SKIP (automake convention).

LIVE_LOCK=/tmp/kestrel-audit.lock
LIVE_LOCK_WAIT=600

live_skip() { echo "SKIP: $*"; exit 77; }
live_fail() { echo "FAIL: $*"; exit 1; }

live_require() {
	[ "$(id -u)" = 0 ] || live_skip "needs root"
	command -v auditctl >/dev/null || live_skip "auditctl missing (apt-get install auditd)"
	[ -x "$LIVE_PROBE" ] || live_fail "LIVE_PROBE=$LIVE_PROBE is not built"
	auditctl -s >/dev/null 2>&1 || live_skip "kernel audit not available"
}

# Takes the lock on fd 9 for the rest of the script.
live_lock() {
	exec 9>"$LIVE_LOCK"
	flock -w "$LIVE_LOCK_WAIT" 9 || live_fail "cannot take $LIVE_LOCK"
}

# Settings that must come back (lost, backlog and wait_time_actual are counters).
live_snapshot() {
	auditctl -s | grep -E '^(enabled|failure|pid|rate_limit|backlog_limit|backlog_wait_time) '
	auditctl -l
}

# The audit pid from the kernel, 0 if none.
live_audit_pid() { auditctl -s | awk '$1 == "pid" { print $2 }'; }

live_enabled() { auditctl -s | awk '$1 == "enabled" { print $2 }'; }

live_kestrel_rules() { auditctl -l | grep -c -- '-F key=kestrel$' || true; }

# Restores the enabled flag, settings and removes kestrel-keyed rules and
# the test's foreign rule; then compares with the snapshot in $1.
live_restore_and_compare() {
	before="$1"
	auditctl -l | grep -E -- '-F key=(kestrel|kestrel_test_foreign)$' | sed 's/^-a /-d /' |
		while read -r line; do eval "auditctl $line" >/dev/null 2>&1; done
	now=$(auditctl -s)
	for k in rate_limit backlog_limit backlog_wait_time enabled; do
		v=$(printf '%s\n' "$before" | awk -v k="$k" '$1 == k { print $2 }')
		c=$(printf '%s\n' "$now" | awk -v k="$k" '$1 == k { print $2 }')
		[ "$v" = "$c" ] && continue
		case $k in
		rate_limit) auditctl -r "$v" >/dev/null ;;
		backlog_limit) auditctl -b "$v" >/dev/null ;;
		backlog_wait_time) auditctl --backlog_wait_time "$v" >/dev/null ;;
		enabled) auditctl -e "$v" >/dev/null ;;
		esac
	done
	after=$(live_snapshot)
	if [ "$before" != "$after" ]; then
		echo "audit state changed:"; echo "--- before"; echo "$before"; echo "--- after"; echo "$after"
		return 1
	fi
	return 0
}

# Waits (up to $2 tenths of a second) for file $1 to contain regex $3.
live_wait_for() {
	i=0
	while [ "$i" -lt "$2" ]; do
		grep -q -- "$3" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
