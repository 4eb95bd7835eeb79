# container_lib.sh — hand-made docker-like containers for the integration
# tests (sourced after lib.sh). A container here is: a cgroup named the way
# docker names it (cgroupfs driver /docker/<64 hex> in v1 hierarchies,
# systemd driver docker-<64 hex>.scope in the unified one), new pid, mount
# and uts namespaces from unshare, a parent process named "runc" (a symlink
# to python3 running ct_shell.py), and a fake docker state tree
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
ct_require_unicast() {
	for _ in $(seq $((CT_AUDITD_WAIT * 10))); do
		pgrep -x auditd >/dev/null || return 0
		sleep 0.1
	done
	skip "an auditd is running (this test needs unicast)"
}

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
		[ -d "$d" ] && { echo "container_lib: could not remove cgroup $d" >&2; rc=1; }
	done
	CT_DIRS_MADE=
	CT_PIDS=
	return $rc
}
