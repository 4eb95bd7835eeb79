# lib.sh — shared helpers for kestrel's integration tests (sourced). They run
# as root against the real kernel audit subsystem, serialise on
# /tmp/kestrel-audit.lock with other audit users, and must leave the kernel
# audit state as they found it: check_state_restored compares it with what
# save_state recorded. Exit 77 means skipped (automake's convention).

KESTREL=${KESTREL:-${KESTREL_BUILDDIR:-.}/kestrel}
SRCDIR=${KESTREL_SRCDIR:-.}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -n "${KLOG:-}" ] && [ -f "$KLOG" ] && tail -30 "$KLOG"; exit 1; }

require_audit() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v auditctl >/dev/null || skip "auditctl not installed (apt-get install auditd)"
	auditctl -s >/dev/null 2>&1 || skip "kernel audit not available here"
}

lock_audit() {
	exec 9>/tmp/kestrel-audit.lock
	flock 9
}

save_state() {
	STATE_ENABLED=$(auditctl -s | awk '/^enabled/{print $2}')
	STATE_PID=$(auditctl -s | awk '/^pid/{print $2}')
	STATE_BACKLOG=$(auditctl -s | awk '/^backlog_limit/{print $2}')
	STATE_RULES=$(auditctl -l)
}

check_state_restored() {
	local e p b r
	e=$(auditctl -s | awk '/^enabled/{print $2}')
	p=$(auditctl -s | awk '/^pid/{print $2}')
	b=$(auditctl -s | awk '/^backlog_limit/{print $2}')
	r=$(auditctl -l)
	[ "$e" = "$STATE_ENABLED" ] || fail "audit enabled flag not restored: $STATE_ENABLED -> $e"
	[ "$p" = "$STATE_PID" ] || fail "audit pid not restored: $STATE_PID -> $p"
	[ "$b" = "$STATE_BACKLOG" ] || fail "backlog_limit not restored: $STATE_BACKLOG -> $b"
	[ "$r" = "$STATE_RULES" ] || fail "audit rules not restored: before [$STATE_RULES] after [$r]"
}

# start_kestrel LOGFILE ARGS... : runs kestrel in the background, waits until
# it says it is ready, sets KPID.
start_kestrel() {
	KLOG=$1
	shift
	"$KESTREL" "$@" >"$KLOG.out" 2>"$KLOG" &
	KPID=$!
	for _ in $(seq 100); do
		grep -q "ready:" "$KLOG" 2>/dev/null && return 0
		kill -0 "$KPID" 2>/dev/null || fail "kestrel exited during start"
		sleep 0.1
	done
	fail "kestrel not ready after 10 s"
}

stop_kestrel() {
	[ -n "${KPID:-}" ] || return 0
	kill -TERM "$KPID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$KPID" 2>/dev/null && { kill -KILL "$KPID"; fail "kestrel ignored SIGTERM"; }
	wait "$KPID" 2>/dev/null
	KPID=
}

# wait_for FILE PATTERN [SECONDS]
wait_for() {
	for _ in $(seq $((${3:-5} * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# write_test_config DIR: the integration rules (tests/fixtures/rules/
# integration.yaml) as DIR/rules.yaml and DIR/kestrel.yaml sending JSON
# alerts to DIR/alerts.json and nowhere else; kestrel's log on stderr.
write_test_config() {
	cp "$SRCDIR/tests/fixtures/rules/integration.yaml" "$1/rules.yaml"
	cat >"$1/kestrel.yaml" <<C
rules_files: [$1/rules.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: true
file_output: {enabled: true, keep_alive: true, filename: $1/alerts.json}
log_stderr: true
log_syslog: false
C
}

# require_storm: skips unless the exec-storm sources (../shared/bench, or
# KESTREL_BENCH_DIR) and gcc are there; sets BENCH.
require_storm() {
	BENCH=${KESTREL_BENCH_DIR:-$SRCDIR/../shared/bench}
	[ -f "$BENCH/execstorm.c" ] && [ -f "$BENCH/tiny.c" ] || skip "no exec-storm sources in $BENCH"
	command -v gcc >/dev/null || skip "gcc not installed (needed to build the exec storm)"
}

# build_storm DIR: DIR/execstorm and its static no-libc target DIR/tiny.
build_storm() {
	gcc -O2 -o "$1/execstorm" "$BENCH/execstorm.c" || fail "cannot build execstorm"
	gcc -O2 -static -nostdlib -o "$1/tiny" "$BENCH/tiny.c" || fail "cannot build tiny"
}
