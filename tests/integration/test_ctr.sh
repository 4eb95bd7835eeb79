#!/bin/bash
# test_ctr.sh — containerd driven directly with `ctr` (issue 18 part 2): a
# private containerd (own root, state, socket; CRI plugin disabled) in its
# own namespace "kestrel-it", the busybox root file system imported as a
# docker-archive image. The container's processes sit in the cgroupfs path
# /kestrel-it/<ctr container id> in every hierarchy (measured: containerd
# 1.6.20 with runc, cgroup v1 hybrid), so the test uses 64-hex container
# ids, the only shape kestrel's cgroup matcher takes for a bare path; the
# type comes from the task bundle's config.json under the state directory
# (kestrel's container.containerd_root). For `cat /etc/shadow` exec'd by
# `ctr task exec` in a long-running container and as the first process of
# `ctr run --rm`, kestrel must print type containerd, the 12-character id
# and the full id; a cat on the host must not match. cat is the exec'd
# command itself: busybox sh -c 'cat ...' runs cat as an applet, no execve.
# container.name and container.image stay <NA>: ctr's bundle config.json
# carries neither. Everything started is stopped by pid, mounts and cgroups
# are removed, the audit state restored.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v containerd >/dev/null && command -v ctr >/dev/null ||
	skip "containerd/ctr not installed (docker.io brings them)"
DK_BUSYBOX=$(command -v busybox 2>/dev/null || true)
[ -n "$DK_BUSYBOX" ] && file -L "$DK_BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
	skip "a static busybox (busybox-static) is needed for the image"
W=$(mktemp -d /tmp/kestrel-ctr.XXXXXX)
ROOT=$DK_CACHE_DIR/kestrel-ctr.$$
NS=kestrel-it
CTR="ctr -a $W/c.sock -n $NS"
IMG=docker.io/kestrel-it/busybox:1.0
CD_PID=
KPID=
CG_BEFORE=$(ls -d /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS" 2>/dev/null)

# ctr_shims: pids of the containerd-shim processes serving our socket.
ctr_shims() {
	local f c
	for f in /proc/[0-9]*/cmdline; do
		c=$({ tr '\0' ' ' <"$f"; } 2>/dev/null)
		case $c in containerd-shim*"-address $W/c.sock "*) f=${f#/proc/}; echo "${f%/cmdline}" ;; esac
	done
}

# ctr_stop: tasks, containers and image removed, shims and containerd
# stopped by pid, mounts and the namespace's cgroups removed. Returns
# non-zero if a mount or a process was left behind.
ctr_stop() {
	local id p rc=0 cg
	[ -n "$CD_PID" ] || return 0
	for id in $($CTR task ls -q 2>/dev/null); do
		$CTR task kill -s KILL "$id" >/dev/null 2>&1
		$CTR task rm -f "$id" >/dev/null 2>&1
	done
	for id in $($CTR container ls -q 2>/dev/null); do
		$CTR container rm "$id" >/dev/null 2>&1
	done
	$CTR image rm "$IMG" >/dev/null 2>&1
	# shims outlive containerd: those of our socket, by pid
	for p in $(ctr_shims); do kill -KILL "$p" 2>/dev/null; done
	kill -TERM "$CD_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$CD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$CD_PID" 2>/dev/null && { kill -KILL "$CD_PID"; rc=1; }
	wait "$CD_PID" 2>/dev/null
	CD_PID=
	[ -n "$(ctr_shims)" ] && { echo "test_ctr.sh: shims left: $(ctr_shims)" >&2; rc=1; }
	dk_unmount_under "$ROOT"
	dk_unmount_under "$W"
	for cg in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS"; do
		[ -d "$cg" ] || continue
		printf '%s\n' "$CG_BEFORE" | grep -qxF "$cg" && continue
		find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$cg" 2>/dev/null || rc=1
	done
	if awk -v a="$ROOT" -v b="$W" 'index($2, a) == 1 || index($2, b) == 1' /proc/mounts |
		grep -q .; then
		echo "test_ctr.sh: mounts left under $ROOT or $W" >&2
		rc=1
	fi
	rm -rf "$ROOT"
	return $rc
}
cleanup() {
	stop_kestrel
	ctr_stop
	[ -n "${STATE_ENABLED:-}" ] && auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

cat >"$W/containerd.toml" <<C
version = 2
root = "$ROOT"
state = "$W/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$W/c.sock"
[ttrpc]
  address = "$W/c.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$ROOT/opt"
C
T0=$(date +%s.%N)
containerd --config "$W/containerd.toml" >"$W/containerd.log" 2>&1 &
CD_PID=$!
for _ in $(seq 100); do
	$CTR version >/dev/null 2>&1 && break
	kill -0 "$CD_PID" 2>/dev/null || break
	sleep 0.1
done
$CTR version >/dev/null 2>&1 || skip "containerd does not start here: $(tail -1 "$W/containerd.log")"

# The image: the busybox tree as the one layer of a docker-archive.
I=$W/img
mkdir -p "$I"
cp "$(dk_rootfs_tar)" "$I/layer.tar"
L=$(sha256sum "$I/layer.tar" | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$L" >"$I/config.json"
C=$(sha256sum "$I/config.json" | cut -d' ' -f1)
mv "$I/config.json" "$I/$C.json"
printf '[{"Config":"%s.json","RepoTags":["kestrel-it/busybox:1.0"],"Layers":["layer.tar"]}]' \
	"$C" >"$I/manifest.json"
tar -C "$I" -cf "$W/image.tar" manifest.json "$C.json" layer.tar
$CTR image import "$W/image.tar" >"$W/import.out" 2>&1 ||
	fail "ctr image import: $(tail -1 "$W/import.out")"
T1=$(date +%s.%N)

newid() { head -c32 /dev/urandom | sha256sum | cut -c1-64; }
LONG=$(newid)
ONCE=$(newid)
# Probe: does a container run here at all, and where is its cgroup?
timeout 60 $CTR run --rm "$IMG" "$(newid)" cat /proc/self/cgroup >"$W/probe.out" 2>&1 ||
	skip "ctr run fails here: $(grep -v '^$' "$W/probe.out" | tail -1 | cut -c1-200)"

lock_audit
save_state
A=$W/alerts.txt
cat >"$W/rules.yaml" <<'R'
- rule: ctr cat
  desc: cat in a container, with the container context kestrel gives it
  condition: evt.type in (execve, execveat) and evt.res = SUCCESS and proc.name = cat and container.id != host
  output: ctr-cat id=%container.id full=%container.full_id type=%container.type cmd=%proc.cmdline
  priority: WARNING
R
write_text_config "$W" "$A"
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o container.containerd_root="$W/state"

$CTR run -d "$IMG" "$LONG" sleep 300 >"$W/run.out" 2>&1 || fail "ctr run -d: $(tail -1 "$W/run.out")"
PID=$($CTR task ls | awk -v id="$LONG" '$1 == id { print $2 }')
[ -n "$PID" ] || fail "no task pid for $LONG"
echo "cgroup of the container's sleep (pid $PID):"
sed 's/^/  /' "/proc/$PID/cgroup"
grep -q ":/$NS/$LONG\$" "/proc/$PID/cgroup" ||
	fail "container cgroup is not /$NS/<id>: $(head -1 "/proc/$PID/cgroup")"
[ -f "$W/state/io.containerd.runtime.v2.task/$NS/$LONG/config.json" ] ||
	fail "no task bundle config.json under $W/state for $LONG"

$CTR task exec --exec-id cat1 "$LONG" cat /etc/shadow >"$W/exec.out" 2>&1 ||
	fail "ctr task exec: $(tail -1 "$W/exec.out")"
grep -q '^root:' "$W/exec.out" || fail "cat /etc/shadow in the container printed nothing"
timeout 60 $CTR run --rm "$IMG" "$ONCE" cat /etc/shadow >"$W/once.out" 2>&1 ||
	fail "ctr run --rm: $(tail -1 "$W/once.out")"
cat /etc/shadow >/dev/null
wait_for "$A" "full=$LONG" 10 || fail "no alert for cat via ctr task exec in $LONG"
wait_for "$A" "full=$ONCE" 10 || fail "no alert for cat as ctr run --rm's process in $ONCE"
T2=$(date +%s.%N)
sleep 1
cat "$A"
for id in "$LONG" "$ONCE"; do
	n=$(grep -c "full=$id " "$A")
	[ "$n" = 1 ] || fail "$n alerts for the cat in $id, expected 1"
	grep "full=$id " "$A" | grep -q "id=${id:0:12} full=$id type=containerd cmd=cat /etc/shadow" ||
		fail "wrong context for $id: $(grep "full=$id " "$A")"
done
n=$(grep -c 'ctr-cat' "$A")
[ "$n" = 2 ] || fail "$n alerts, expected 2 (a cat on the host must not match)"

stop_kestrel
ctr_stop || fail "containerd left a process, mount or cgroup behind"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS: test_ctr.sh (containerd + image $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s," \
	"to the last alert $(awk -v a="$T0" -v b="$T2" 'BEGIN { printf "%.1f", b - a }') s)"
