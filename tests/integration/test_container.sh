#!/bin/bash
# test_container.sh — container context on the real kernel (issue 5): a
# hand-made docker container (lib.sh's ct_* helpers) in the unified cgroup
# hierarchy (systemd driver, docker-<id>.scope), then one in the v1
# hierarchies (cgroupfs driver, /docker/<id>), each with a fake
# config.v2.json under a test docker root. kestrel (live, unicast, JSON file
# output, tests/fixtures/rules/container_context.yaml) must report for each
# exec of sh: the 12-char id, full id, name, image, repository, tag, labels,
# type docker, privileged false, user root, and a non-zero proc.tty only for
# the shell with a pseudo-terminal; a shell outside carries container.id=host.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
W=$(mktemp -d /tmp/kestrel-ct.XXXXXX)
KPID=
cleanup() {
	ct_cleanup
	stop_kestrel
	if [ -n "${STATE_ENABLED:-}" ]; then
		auditctl -D -k kestrel >/dev/null 2>&1
	fi
	rm -rf "$W"
}
trap cleanup EXIT
ct_require "$W"
lock_audit
ct_require_unicast
save_state

TOKEN=${W##*.}
IMAGE=registry.example.com:5000/kestrel/app:1.2
CT_LOG=$W/ct.log
cat >"$W/kestrel.yaml" <<C
rules_files: [$SRCDIR/tests/fixtures/rules/container_context.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: true
file_output: {enabled: true, keep_alive: true, filename: $W/alerts.json}
log_stderr: true
C
start_kestrel "$W/k.log" -c "$W/kestrel.yaml" -o audit.mode=unicast \
	-o container.docker_root="$W/docker"
grep -q "audit source: unicast" "$W/k.log" || fail "not in unicast mode"

# run_case WHERE MODE MARKER: one shell; waits for its alert, then lets the
# shell exit. WHERE is a list of cgroup directories, or "host".
run_case() {
	local where=$1 mode=$2 marker=$3
	if [ "$where" = host ]; then
		ct_host_start "$mode" "$marker" "$W/hold-$marker"
	else
		ct_start "$where" "$mode" "$marker" "$W/hold-$marker"
	fi
	wait_for "$W/alerts.json" "$marker" 10 || fail "no alert for the $mode shell $marker"
	touch "$W/hold-$marker"
	ct_wait "$CT_PID" || fail "the $mode shell $marker failed (status $?): $(tail -5 "$CT_LOG")"
}

KINDS=
[ -n "$CT_UNIFIED" ] && KINDS=unified || echo "NOTE: no writable cgroup2 hierarchy: unified case not run"
[ -n "$CT_V1_HIER" ] && KINDS="$KINDS v1" || echo "NOTE: no writable v1 hierarchy: v1 case not run"
CASES=
for kind in $KINDS; do
	id=$(ct_new_id)
	ct_docker_state "$W/docker" "$id" "kestrel-it-$kind" "$IMAGE"
	ct_cgroups "$id" "$kind" || fail "cannot create the $kind cgroups"
	run_case "$CT_DIRS" pty "kestrel-ct-$kind-pty-$TOKEN"
	run_case "$CT_DIRS" notty "kestrel-ct-$kind-notty-$TOKEN"
	CASES="$CASES $kind:$id"
	echo "$kind container $id: cgroups$CT_DIRS"
done
run_case host pty "kestrel-ct-host-pty-$TOKEN"
stop_kestrel

# shellcheck disable=SC2086 # one argument per case
python3 - "$W/alerts.json" "$TOKEN" "$IMAGE" $CASES <<'PY' || fail "alert fields wrong"
import json, sys
path, token, image = sys.argv[1:4]
cases = dict(c.split(":") for c in sys.argv[4:])
alerts = [json.loads(l) for l in open(path)]

def alert(marker):
    a = [x for x in alerts if marker in x["output_fields"]["proc.cmdline"]]
    assert len(a) == 1, f"{marker}: {len(a)} alerts"
    return a[0]["output_fields"]

for kind, cid in cases.items():
    for mode in ("pty", "notty"):
        f = alert(f"kestrel-ct-{kind}-{mode}-{token}")
        where = f"{kind}/{mode}"
        want = {
            "container.id": cid[:12],
            "container.full_id": cid,
            "container.name": f"kestrel-it-{kind}",
            "container.image": image,
            "container.image.repository": "registry.example.com:5000/kestrel/app",
            "container.image.tag": "1.2",
            "container.type": "docker",
            "container.privileged": False,
            "container.labels": "com.example.team:kestrel-it,maintainer:tests",
            "user.name": "root",
            "proc.pname": "runc",
        }
        for k, v in want.items():
            assert f[k] == v, f"{where}: {k} = {f[k]!r}, expected {v!r}"
        if mode == "pty":
            assert isinstance(f["proc.tty"], int) and f["proc.tty"] != 0, \
                f"{where}: proc.tty = {f['proc.tty']!r}"
        else:
            assert f["proc.tty"] == 0, f"{where}: proc.tty = {f['proc.tty']!r}"
        print(f"{where}: id={f['container.id']} name={f['container.name']} "
              f"image={f['container.image']} tty={f['proc.tty']}")

f = alert(f"kestrel-ct-host-pty-{token}")
assert f["container.id"] == "host", f"host shell: container.id = {f['container.id']!r}"
assert f["container.type"] == "host", f"host shell: container.type = {f['container.type']!r}"
assert f["proc.tty"] != 0, f"host shell: proc.tty = {f['proc.tty']!r}"
print(f"host/pty: id={f['container.id']} tty={f['proc.tty']}")
PY

ct_cleanup || fail "cgroups not removed"
auditctl -D -k kestrel >/dev/null 2>&1
check_state_restored
echo "PASS: test_container.sh"
