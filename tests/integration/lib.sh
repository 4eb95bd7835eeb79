# lib.sh — the one shell library of kestrel's integration tests (sourced,
# never run). They run as root against the real kernel audit subsystem,
# serialise on /tmp/kestrel-audit.lock with every other audit user, and must
# leave the kernel audit state as they found it. Exit 77 means skipped
# (automake's convention). Sections: basics; locking and the audit state;
# running kestrel; the test config and the exec storm; the live probe;
# hand-made containers (ct_*).

KESTREL=${KESTREL:-${KESTREL_BUILDDIR:-.}/kestrel}
SRCDIR=${KESTREL_SRCDIR:-.}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -n "${KLOG:-}" ] && [ -f "$KLOG" ] && tail -30 "$KLOG"; exit 1; }

require_audit() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v auditctl >/dev/null || skip "auditctl not installed (apt-get install auditd)"
	auditctl -s >/dev/null 2>&1 || skip "kernel audit not available here"
}

AUDIT_LOCK=/tmp/kestrel-audit.lock
# Seconds to wait for another test holding the lock.
AUDIT_LOCK_WAIT=600

# Takes the lock on fd 9 for the rest of the script.
lock_audit() {
	exec 9>"$AUDIT_LOCK"
	flock -w "$AUDIT_LOCK_WAIT" 9 || fail "cannot take $AUDIT_LOCK"
}

# require_unicast [SECONDS]: kestrel must be the audit daemon; an auditd
# another test started may still be shutting down, so give it SECONDS
# (default 5) before skipping.
require_unicast() {
	for _ in $(seq $((${1:-5} * 10))); do
		pgrep -x auditd >/dev/null || return 0
		sleep 0.1
	done
	pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
	return 0
}

# unicast_test_begin NAME: the start every test running kestrel as the
# audit daemon shares: root and audit, the lock, no auditd, the audit state
# saved (save_state), and a fresh scratch directory in $W
# (/tmp/kestrel-NAME.XXXXXX).
unicast_test_begin() {
	require_audit
	lock_audit
	require_unicast
	save_state
	W=$(mktemp -d "/tmp/kestrel-$1.XXXXXX") || fail "mktemp for $1"
}

# auditd_private_conf DIR: a private auditd configuration in DIR/etc
# (auditd -n -c DIR/etc), logging RAW to DIR/log/audit.log, plugins from
# DIR/etc/plugins.d, and never acting on disk space; DIR and its
# subdirectories are made private (700, the conf 600) as auditd requires.
auditd_private_conf() {
	mkdir -p "$1/etc/plugins.d" "$1/log"
	chmod 700 "$1" "$1/etc" "$1/log"
	cat >"$1/etc/auditd.conf" <<CONF
local_events = yes
write_logs = yes
log_file = $1/log/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
max_log_file = 64
num_logs = 1
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $1/etc/plugins.d
q_depth = 2000
end_of_event_timeout = 2
CONF
	chmod 600 "$1/etc/auditd.conf"
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

# ---- a second view of the audit state (the test_live_* scripts): a text
# snapshot, restored setting by setting and compared ----

# Settings that must come back (lost, backlog and wait_time_actual are counters).
audit_snapshot() {
	auditctl -s | grep -E '^(enabled|failure|pid|rate_limit|backlog_limit|backlog_wait_time) '
	auditctl -l
}

# The audit pid from the kernel, 0 if none.
audit_pid() { auditctl -s | awk '$1 == "pid" { print $2 }'; }

audit_enabled() { auditctl -s | awk '$1 == "enabled" { print $2 }'; }

audit_kestrel_rules() { auditctl -l | grep -c -- '-F key=kestrel$' || true; }

# Restores the enabled flag, settings and removes kestrel-keyed rules and
# the test's foreign rule; then compares with the snapshot in $1.
audit_restore_and_compare() {
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
	after=$(audit_snapshot)
	if [ "$before" != "$after" ]; then
		echo "audit state changed:"; echo "--- before"; echo "$before"; echo "--- after"; echo "$after"
		return 1
	fi
	return 0
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

# write_text_config DIR ALERTS [LINE]: DIR/kestrel.yaml loading the rules
# in DIR/rules.yaml and writing text alerts to the file ALERTS only, with
# LINE (a YAML line such as "outputs: {rate: 0}") added when given.
write_text_config() {
	cat >"$1/kestrel.yaml" <<C
rules_files: [$1/rules.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: false
file_output: {enabled: true, keep_alive: true, filename: $2}
log_stderr: true
log_syslog: false
C
	if [ -n "${3:-}" ]; then printf '%s\n' "$3" >>"$1/kestrel.yaml"; fi
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

# ---- the live probe (tests/integration/live_probe) ----

# require_probe: fails unless LIVE_PROBE names the built probe.
require_probe() {
	[ -x "${LIVE_PROBE:-}" ] || fail "LIVE_PROBE=${LIVE_PROBE:-} is not built"
}

# ---- hand-made docker-like containers (ct_*) ----
#
# A container here is: a cgroup named the way docker names it (cgroupfs
# driver /docker/<64 hex> in v1 hierarchies, systemd driver
# docker-<64 hex>.scope in the unified one), new pid, mount and uts
# namespaces from unshare, a parent process named "runc" (a symlink to
# python3 running ct_shell.py), and a fake docker state tree
# (containers/<id>/config.v2.json + hostconfig.json) for
# container.docker_root. Everything made is recorded and removed by
# ct_cleanup; only processes started here are waited for or killed.

CT_SHELL_PY=${SRCDIR}/tests/integration/ct_shell.py
CT_PYTHON=${CT_PYTHON:-/usr/bin/python3}
# Seconds a container process may take to exit before ct_cleanup kills it.
CT_EXIT_WAIT=10
CT_DIRS_MADE=         # cgroup directories created, deepest last
CT_PIDS=              # container processes started (the unshare pids)
CT_UNIFIED=
CT_V1_HIER=           # v1 hierarchies used: controller directories

# ct_writable DIR: whether a cgroup can be created under DIR.
ct_writable() {
	mkdir "$1/kestrel-probe-$$" 2>/dev/null || return 1
	rmdir "$1/kestrel-probe-$$"
}

# ct_require W: skips unless root, python3 and unshare are here and cgroups
# can be created; sets CT_UNIFIED (the cgroup2 mount, if writable) and
# CT_V1_HIER (the writable v1 hierarchies used), and makes W/bin/runc.
ct_require() {
	local w=$1 h
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$CT_PYTHON" ] || skip "$CT_PYTHON not installed"
	command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
	CT_UNIFIED=
	if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		CT_UNIFIED=/sys/fs/cgroup
	elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		CT_UNIFIED=/sys/fs/cgroup/unified
	fi
	[ -n "$CT_UNIFIED" ] && ! ct_writable "$CT_UNIFIED" && CT_UNIFIED=
	CT_V1_HIER=
	for h in /sys/fs/cgroup/pids /sys/fs/cgroup/systemd; do
		[ "$(stat -fc %T "$h" 2>/dev/null)" = cgroupfs ] && ct_writable "$h" &&
			CT_V1_HIER="$CT_V1_HIER $h"
	done
	[ -n "$CT_UNIFIED$CT_V1_HIER" ] || skip "cannot create a cgroup in any hierarchy"
	unshare --fork --pid --mount --uts --mount-proc true 2>/dev/null ||
		skip "cannot create pid/mount/uts namespaces here"
	mkdir -p "$w/bin"
	ln -sf "$CT_PYTHON" "$w/bin/runc"
	CT_BIN=$w/bin
}

# ct_require_unicast: kestrel must be the audit daemon; an auditd started
# by someone else on this machine may be on its way out, so give it
# CT_AUDITD_WAIT seconds before skipping.
CT_AUDITD_WAIT=30
ct_require_unicast() { require_unicast "$CT_AUDITD_WAIT"; }

ct_new_id() {
	od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# ct_mkdir DIR: mkdir -p recording each directory this call created.
ct_mkdir() {
	local d=$1 missing=
	while [ ! -d "$d" ]; do
		missing="$d $missing"
		d=${d%/*}
	done
	for d in $missing; do
		mkdir "$d" || return 1
		CT_DIRS_MADE="$CT_DIRS_MADE $d"
	done
}

# ct_cgroups ID KIND...: creates the container's cgroups and sets CT_DIRS
# to their directories. KIND: unified (…/kestrel-it-PID.slice/docker-ID.scope in the
# cgroup2 hierarchy, systemd driver) or v1 (/docker/ID in each v1 hierarchy
# found, cgroupfs driver).
ct_cgroups() {
	local id=$1 kind d
	CT_DIRS=
	shift
	for kind in "$@"; do
		case $kind in
		unified)
			[ -n "$CT_UNIFIED" ] || return 1
			d=$CT_UNIFIED/kestrel-it-$$.slice/docker-$id.scope
			ct_mkdir "$d" || return 1
			CT_DIRS="$CT_DIRS $d"
			;;
		v1)
			[ -n "$CT_V1_HIER" ] || return 1
			for h in $CT_V1_HIER; do
				ct_mkdir "$h/docker/$id" || return 1
				CT_DIRS="$CT_DIRS $h/docker/$id"
			done
			;;
		esac
	done
}

# ct_docker_state ROOT ID NAME IMAGE: the files docker keeps for a container.
ct_docker_state() {
	local root=$1 id=$2 name=$3 image=$4
	mkdir -p "$root/containers/$id"
	cat >"$root/containers/$id/config.v2.json" <<J
{"ID": "$id", "Name": "/$name", "Created": "2026-11-30T09:00:00.000000000Z",
 "Image": "sha256:$(ct_new_id)",
 "Config": {"Hostname": "${id:0:12}", "Image": "$image", "Cmd": ["sh"],
            "Tty": true, "OpenStdin": true,
            "Labels": {"com.example.team": "kestrel-it", "maintainer": "tests"}},
 "State": {"Running": true, "Pid": 0}}
J
	cat >"$root/containers/$id/hostconfig.json" <<J
{"Privileged": false, "NetworkMode": "bridge", "PidMode": "", "IpcMode": "private"}
J
}

# ct_start DIRS MODE MARKER HOLDFILE: runs, in the background, a container
# process in the cgroups DIRS (a space-separated list; empty = stay on the
# host) with new namespaces: runc ct_shell.py MODE MARKER HOLDFILE. Sets
# CT_PID to the unshare process (its child is the container's pid 1).
ct_start() {
	local dirs=$1 mode=$2 marker=$3 hold=$4
	(
		for d in $dirs; do
			echo "$BASHPID" >"$d/cgroup.procs" || exit 97
		done
		exec unshare --fork --pid --mount --uts --mount-proc \
			"$CT_BIN/runc" "$CT_SHELL_PY" "$mode" "$marker" "$hold"
	) >>"${CT_LOG:-/dev/null}" 2>&1 </dev/null &
	CT_PID=$!
	CT_PIDS="$CT_PIDS $CT_PID"
}

# ct_host_start MODE MARKER HOLDFILE: the same runner on the host (no new
# cgroup, no namespaces) — the near miss that must stay "host".
ct_host_start() {
	"$CT_BIN/runc" "$CT_SHELL_PY" "$1" "$2" "$3" >>"${CT_LOG:-/dev/null}" 2>&1 </dev/null &
	CT_PID=$!
	CT_PIDS="$CT_PIDS $CT_PID"
}

# ct_wait PID: waits for a started container process; returns its status.
ct_wait() {
	local pid=$1
	for _ in $(seq $((CT_EXIT_WAIT * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 124
	wait "$pid"
}

# ct_cleanup: stops what ct_start started (by pid, then every process left
# in the cgroups made here, which only ct_start put there), removes the
# cgroups. Returns non-zero if a cgroup could not be removed.
ct_cleanup() {
	local pid d rc=0 dirs=
	for pid in $CT_PIDS; do
		kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	done
	for d in $CT_DIRS_MADE; do
		dirs="$d $dirs" # deepest first
	done
	for d in $dirs; do
		[ -f "$d/cgroup.procs" ] || continue
		while read -r pid; do
			kill -KILL "$pid" 2>/dev/null
		done <"$d/cgroup.procs"
	done
	for pid in $CT_PIDS; do
		wait "$pid" 2>/dev/null
	done
	for d in $dirs; do
		[ -d "$d" ] || continue
		for _ in $(seq 50); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
		[ -d "$d" ] && { echo "lib.sh: could not remove cgroup $d" >&2; rc=1; }
	done
	CT_DIRS_MADE=
	CT_PIDS=
	return $rc
}

# ---- a real Docker (dk_*, start_dockerd, ensure_image) ----
#
# Each test starts its own dockerd: a private socket, pid file and exec root
# in the test's directory, a data root under /var/tmp (overlay2 needs a real
# file system), no iptables, no bridge; containers run with --network none.
# The image is a root file system holding the static busybox, made once per
# busybox binary (cached under /var/tmp, keyed by its sha256) and loaded
# with `docker import` (no registry is reachable). stop_dockerd removes the
# daemon's containers, stops it by pid and unmounts what it left.

DK_IMAGE=kestrel-it/busybox:1.0
DK_CACHE_DIR=/var/tmp
# Seconds for dockerd to answer, and to exit on SIGTERM.
DK_START_WAIT=20
DK_STOP_WAIT=15
DK_PID=
DK_ROOT=
DK_EXEC=
DK_CGROUPS_MADE= # the /docker parent cgroups dockerd created for us

# dk_require: skips unless docker.io and a static busybox are installed.
dk_require() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v dockerd >/dev/null && command -v docker >/dev/null ||
		skip "docker.io is not installed (tools/install-deps installs it)"
	DK_BUSYBOX=$(command -v busybox 2>/dev/null || true)
	[ -n "$DK_BUSYBOX" ] && file -L "$DK_BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
		skip "a static busybox (busybox-static) is needed for the container image"
}

# dk_parent_cgroups: the /docker cgroups of the cgroupfs driver.
dk_parent_cgroups() {
	local h
	for h in /sys/fs/cgroup/*/docker /sys/fs/cgroup/docker; do
		[ -d "$h" ] && echo "$h"
	done
}

# start_dockerd DIR: dockerd on DIR/docker.sock; sets DK_PID, DK_ROOT (its
# data root: give kestrel container.docker_root=$DK_ROOT) and DOCK (the
# docker command line for it). Skips if dockerd does not answer.
start_dockerd() {
	local dir=$1 before
	before=$(dk_parent_cgroups)
	DK_ROOT=$DK_CACHE_DIR/kestrel-dockerd.$$
	DK_EXEC=$dir/exec
	DOCK="docker -H unix://$dir/docker.sock"
	dockerd --iptables=false --ip6tables=false --bridge=none -H "unix://$dir/docker.sock" \
		--pidfile "$dir/docker.pid" --data-root "$DK_ROOT" --exec-root "$DK_EXEC" \
		>"$dir/dockerd.log" 2>&1 &
	DK_PID=$!
	for _ in $(seq $((DK_START_WAIT * 10))); do
		$DOCK info >/dev/null 2>&1 && break
		kill -0 "$DK_PID" 2>/dev/null || break
		sleep 0.1
	done
	$DOCK info >/dev/null 2>&1 || {
		tail -5 "$dir/dockerd.log"
		skip "dockerd does not start here"
	}
	DK_CGROUPS_BEFORE=$before
}

# dk_unmount_under DIR: lazily unmounts every mount point under DIR.
dk_unmount_under() {
	[ -n "$1" ] || return 0
	awk -v r="$1" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
}

# stop_dockerd: removes the daemon's containers, stops it by pid, unmounts
# and deletes its roots, removes the /docker cgroups it made. Returns
# non-zero if a mount was left behind.
stop_dockerd() {
	local ids cg
	[ -n "$DK_PID" ] || return 0
	ids=$($DOCK ps -aq 2>/dev/null)
	# shellcheck disable=SC2086 # one id per word
	[ -n "$ids" ] && $DOCK rm -f $ids >/dev/null 2>&1
	kill -TERM "$DK_PID" 2>/dev/null
	for _ in $(seq $((DK_STOP_WAIT * 10))); do
		kill -0 "$DK_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DK_PID" 2>/dev/null && kill -KILL "$DK_PID"
	wait "$DK_PID" 2>/dev/null
	DK_PID=
	dk_unmount_under "$DK_ROOT"
	dk_unmount_under "$DK_EXEC"
	for cg in $(dk_parent_cgroups); do
		printf '%s\n' "$DK_CGROUPS_BEFORE" | grep -qxF "$cg" || rmdir "$cg" 2>/dev/null
	done
	if awk -v a="$DK_ROOT" -v b="$DK_EXEC" 'index($2, a) == 1 || index($2, b) == 1' \
		/proc/mounts | grep -q .; then
		echo "lib.sh: mounts left under $DK_ROOT or $DK_EXEC" >&2
		return 1
	fi
	rm -rf "$DK_ROOT"
	return 0
}

# seed_alert_check DIR TEXT WANT...: DIR/syslog has exactly one line with
# TEXT (copied to DIR/alerts), a Warning in kestrel's syslog format that
# matches every extended regular expression WANT.
seed_alert_check() {
	local dir=$1 text=$2 line want
	shift 2
	grep -F "$text" "$dir/syslog" >"$dir/alerts"
	echo "alert lines:"; cat "$dir/alerts"
	[ "$(wc -l <"$dir/alerts")" = 1 ] ||
		fail "expected one '$text' line, got $(wc -l <"$dir/alerts")"
	line=$(cat "$dir/alerts")
	echo "$line" | grep -Eq "^[a-z0-9]+\.warning kestrel\[[0-9]+\]: ?[0-9:.]+: Warning $text \(" ||
		fail "not a syslog warning line in kestrel's format"
	for want in "$@"; do
		echo "$line" | grep -Eq -- "$want" || fail "alert line lacks /$want/"
	done
}

# dk_rootfs_tar: the image's root file system as a tar, made once per
# busybox binary; prints its path.
dk_rootfs_tar() {
	local sum tar tmp c
	sum=$(sha256sum "$DK_BUSYBOX" | cut -c1-16)
	tar=$DK_CACHE_DIR/kestrel-it-busybox-$sum.tar
	if [ ! -s "$tar" ]; then
		tmp=$(mktemp -d "$DK_CACHE_DIR/kestrel-it-rootfs.XXXXXX")
		mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/var/log" "$tmp/tmp"
		cp "$DK_BUSYBOX" "$tmp/bin/busybox"
		for c in sh cat sleep mkdir true ls; do ln -s busybox "$tmp/bin/$c"; done
		echo 'root:x:0:0:root:/:/bin/sh' >"$tmp/etc/passwd"
		echo 'root:*:1::::::' >"$tmp/etc/shadow"
		tar -C "$tmp" -cf "$tar.$$" . && mv "$tar.$$" "$tar"
		rm -rf "$tmp"
	fi
	echo "$tar"
}

# ensure_image [NAME]: the busybox image as NAME (default $DK_IMAGE) in the
# running dockerd.
ensure_image() {
	local name=${1:-$DK_IMAGE} tar
	$DOCK image inspect "$name" >/dev/null 2>&1 && return 0
	tar=$(dk_rootfs_tar)
	$DOCK import "$tar" "$name" >/dev/null || skip "docker import failed"
}

# dk_state ID FILE: a file of docker's state for container ID.
dk_state() { echo "$DK_ROOT/containers/$1/$2"; }

# ---- a private rsyslogd on /dev/log, and a user's local rule file ----

SYSLOG_LOCK=/tmp/kestrel-syslog.lock
RSYSLOG_PID=

# syslog_start DIR: takes SYSLOG_LOCK (fd 8), skips if /dev/log belongs to
# a running syslog daemon, starts rsyslogd on /dev/log writing every message
# as "facility.severity tag msg" to DIR/syslog.
syslog_start() {
	local dir=$1
	command -v rsyslogd >/dev/null || skip "rsyslogd not installed (tools/install-deps)"
	exec 8>"$SYSLOG_LOCK"
	flock 8
	[ -e /dev/log ] && skip "/dev/log belongs to a running syslog daemon"
	mkdir -p "$dir/rsyslog"
	cat >"$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/rsyslog")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="line" type="string"
  string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\n")
*.* action(type="omfile" file="$dir/syslog" template="line")
CONF
	rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslog.pid" 2>"$dir/rsyslog.err" &
	RSYSLOG_PID=$!
	for _ in $(seq 100); do
		[ -S /dev/log ] && return 0
		sleep 0.1
	done
	fail "rsyslogd did not create /dev/log: $(cat "$dir/rsyslog.err")"
}

syslog_stop() {
	[ -n "$RSYSLOG_PID" ] || return 0
	kill -TERM "$RSYSLOG_PID" 2>/dev/null
	wait "$RSYSLOG_PID" 2>/dev/null
	RSYSLOG_PID=
	# rsyslogd unlinks /dev/log on exit; it was ours in any case
	[ -S /dev/log ] && rm -f /dev/log
}

# local_rule_priority RULE PRIORITY OUT: the default rule RULE copied to
# OUT with only its priority changed (what a user's local file does).
local_rule_priority() {
	python3 - "$SRCDIR/rules/kestrel_rules.yaml" "$1" "$2" >"$3" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
items = re.split(r"(?m)^(?=- |#)", text)
rule = [i for i in items if i.startswith("- rule: " + sys.argv[2] + "\n")]
assert len(rule) == 1, f"{len(rule)} definitions of the rule"
new, n = re.subn(r"(?m)^  priority: \w+$", "  priority: " + sys.argv[3], rule[0])
assert n == 1, "no priority line"
sys.stdout.write(new.rstrip("\n") + "\n")
PY
}
