#!/bin/bash
# test_docker_context.sh — container context from a real Docker (issue 18):
# kestrel's own dockerd (lib.sh start_dockerd) and the busybox image. For
# an exec of sh in a container started before kestrel, one started after,
# the first process of a new container (its state must be there in time),
# and a container after `docker rename`, kestrel must print the id, full
# id, name, image, repository, tag, type and labels `docker inspect` gives.
# A container removed while kestrel is still to evaluate an exec of it
# (kestrel stopped with SIGSTOP meanwhile) must still be named. Then
# container.privileged from the state of `docker create --privileged`:
# `docker run --privileged` fails on these machines (runc cannot apply the
# full capability set without CAP_SYS_RESOURCE), so debugfs is started in
# cgroups made for the created container, the way the hand-made tests do;
# "Debugfs Launched in Privileged Container" must fire there and stay silent
# for an unprivileged one. container.mounts and container.start_ts are
# (unsupported) in kestrel: only noted.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
dk_require
W=$(mktemp -d /tmp/kestrel-dkctx.XXXXXX)
KPID=
cleanup() {
	[ -n "${KPID:-}" ] && kill -CONT "$KPID" 2>/dev/null
	ct_cleanup
	stop_kestrel
	stop_dockerd
	if [ -n "${STATE_ENABLED:-}" ]; then
		auditctl -D -k kestrel >/dev/null 2>&1
	fi
	rm -rf "$W"
}
trap cleanup EXIT
ct_require "$W"
command -v debugfs >/dev/null || skip "debugfs (e2fsprogs) not installed"
lock_audit
save_state
T0=$(date +%s.%N)
start_dockerd "$W"
ensure_image
T1=$(date +%s.%N)
TOKEN=${W##*.}
A=$W/alerts.json
RUN="$DOCK run -d --network none --label com.example.team=kestrel-it --label maintainer=tests"
mkdir -p "$W/vol"
$RUN --name ctx-before -v "$W/vol:/data:ro" "$DK_IMAGE" sleep 300 >/dev/null ||
	skip "docker cannot run a container here"

cat >"$W/kestrel.yaml" <<C
rules_files: [$SRCDIR/tests/fixtures/rules/container_context.yaml,
              $SRCDIR/tests/fixtures/docker/privileged.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: true
file_output: {enabled: true, keep_alive: true, filename: $A}
log_stderr: true
log_syslog: false
C
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o container.docker_root="$DK_ROOT"

# exec_case NAME MARKER: sh in container NAME, waits for its alert.
exec_case() {
	$DOCK exec "$1" sh -c "true $2" || fail "docker exec in $1 failed"
	wait_for "$A" "$2" 10 || fail "no alert for sh in $1 ($2)"
}
CASES=
exec_case ctx-before "before-$TOKEN"
CASES="$CASES before-$TOKEN=ctx-before"
# its alert came before the rename: compare with what docker said then
$DOCK inspect ctx-before >"$W/inspect-ctx-before.json" || fail "docker inspect ctx-before"
$RUN --name ctx-after "$DK_IMAGE" sleep 300 >/dev/null || fail "docker run ctx-after"
exec_case ctx-after "after-$TOKEN"
CASES="$CASES after-$TOKEN=ctx-after"
# The first process of a new container: its exec comes right after runc
# created the container, the moment docker's state must already be read.
$RUN --name ctx-first "$DK_IMAGE" sh -c "true first-$TOKEN; sleep 300" >/dev/null ||
	fail "docker run ctx-first"
wait_for "$A" "first-$TOKEN" 10 || fail "no alert for ctx-first's own sh"
CASES="$CASES first-$TOKEN=ctx-first"
$DOCK rename ctx-before ctx-renamed || fail "docker rename"
# kestrel looks at a container's state file at most once a second
sleep 1.1
exec_case ctx-renamed "renamed-$TOKEN"
CASES="$CASES renamed-$TOKEN=ctx-renamed"
# Removed while being evaluated: kestrel is stopped, the exec happens, the
# container goes, then kestrel reads the exec's events.
$RUN --name ctx-gone "$DK_IMAGE" sleep 300 >/dev/null || fail "docker run ctx-gone"
$DOCK inspect ctx-gone >"$W/inspect-ctx-gone.json"
kill -STOP "$KPID"
$DOCK exec ctx-gone sh -c "true gone-$TOKEN" || { kill -CONT "$KPID"; fail "exec in ctx-gone"; }
$DOCK rm -f ctx-gone >/dev/null
kill -CONT "$KPID"
wait_for "$A" "gone-$TOKEN" 10 || fail "no alert for sh in the removed ctx-gone"
CASES="$CASES gone-$TOKEN=ctx-gone"
for c in ctx-renamed ctx-after ctx-first; do
	$DOCK inspect "$c" >"$W/inspect-$c.json" || fail "docker inspect $c"
done

# container.privileged from real `docker create` state.
$DOCK create --privileged --network none --name ctx-priv "$DK_IMAGE" sleep 300 >/dev/null ||
	fail "docker create --privileged"
$DOCK create --network none --name ctx-unpriv "$DK_IMAGE" sleep 300 >/dev/null ||
	fail "docker create"
for c in ctx-priv ctx-unpriv; do
	id=$($DOCK inspect -f '{{.Id}}' "$c")
	[ "$($DOCK inspect -f '{{.HostConfig.Privileged}}' "$c")" = $([ $c = ctx-priv ] && echo true || echo false) ] ||
		fail "$c: docker inspect Privileged wrong"
	ct_cgroups "$id" v1 || fail "cannot create $c's cgroups"
	mkfifo "$W/in-$c"
	exec 7<>"$W/in-$c"
	(
		for d in $CT_DIRS; do echo "$BASHPID" >"$d/cgroup.procs" || exit 97; done
		# not fd 7: debugfs must see EOF once the script closes its end
		exec debugfs "$W/nofs-$c-$TOKEN" 7>&-
	) <"$W/in-$c" >/dev/null 2>&1 &
	DPIDF=$!
	CT_PIDS="$CT_PIDS $DPIDF"
	wait_for "$A" "nofs-$c-$TOKEN" 10 ||
		fail "no alert for debugfs in $c (pid $DPIDF: $(tr '\n' ' ' </proc/$DPIDF/cgroup 2>&1 | cut -c1-300); $(tr '\0' ' ' </proc/$DPIDF/cmdline 2>&1)); last alert: $(tail -1 "$A")"
	exec 7>&-
	wait "$DPIDF" 2>/dev/null
	eval "ID_${c//-/_}=$id"
done
sleep 0.5
stop_kestrel
T2=$(date +%s.%N)

# shellcheck disable=SC2086 # one argument per case
python3 - "$A" "$W" $CASES <<'PY' || fail "container fields differ from docker inspect"
import json, sys
path, w = sys.argv[1:3]
cases = dict(c.split("=") for c in sys.argv[3:])
alerts = [json.loads(l) for l in open(path)]
bad = 0
for marker, name in cases.items():
    a = [x["output_fields"] for x in alerts
         if "proc.cmdline" in x["output_fields"] and marker in x["output_fields"]["proc.cmdline"]]
    if len(a) != 1:
        print(f"{name}: {len(a)} alerts for {marker}"); bad += 1; continue
    f = a[0]
    i = json.load(open(f"{w}/inspect-{name}.json"))[0]
    image = i["Config"]["Image"]
    repo, _, tag = image.rpartition(":")
    labels = ",".join(f"{k}:{v}" for k, v in sorted(i["Config"]["Labels"].items()))
    want = {
        "container.id": i["Id"][:12], "container.full_id": i["Id"],
        "container.name": i["Name"].lstrip("/"), "container.image": image,
        "container.image.repository": repo, "container.image.tag": tag,
        "container.type": "docker", "container.privileged": i["HostConfig"]["Privileged"],
        "container.labels": labels,
    }
    for k, v in want.items():
        if f.get(k) != v:
            print(f"{name}: {k} = {f.get(k)!r}, docker inspect says {v!r}"); bad += 1
    print(f"{name}: id={f['container.id']} name={f['container.name']} "
          f"image={f['container.image']} pname={f['proc.pname']}")
    if i.get("Mounts"):
        print(f"  NOTE: docker mounts {[m['Destination'] for m in i['Mounts']]}, "
              "container.mounts is (unsupported) in kestrel")
sys.exit(1 if bad else 0)
PY

PRIV=$(grep -c 'debugfs in privileged container' "$A")
grep 'debugfs in privileged container' "$A" | grep -q "nofs-ctx-priv-$TOKEN" ||
	fail "Debugfs Launched in Privileged Container: silent for ctx-priv ($ID_ctx_priv)"
grep 'debugfs in privileged container' "$A" | grep -q "nofs-ctx-unpriv" &&
	fail "Debugfs Launched in Privileged Container fired for the unprivileged ctx-unpriv"
[ "$PRIV" = 1 ] || fail "$PRIV privileged-debugfs alerts, expected 1"
grep "debugfs witness" "$A" | grep "nofs-ctx-unpriv" | grep -q '"container.full_id":"'"$ID_ctx_unpriv" ||
	fail "witness alert lacks ctx-unpriv's id"

ct_cleanup || fail "cgroups not removed"
stop_dockerd || fail "dockerd left mounts behind"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS: test_docker_context.sh (dockerd + image $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s," \
	"to the last alert $(awk -v a="$T0" -v b="$T2" 'BEGIN { printf "%.1f", b - a }') s)"
