#!/bin/bash
# test_faults_hostile.sh — attacker-controlled argv against the live
# daemon: newlines, escape sequences, quotes, invalid UTF-8, a forged JSON
# alert, a 128 KiB argument and 10,000 arguments. In JSON and in text file
# output each exec gives exactly one line; nothing forged appears; no raw
# control byte or invalid UTF-8 reaches the file; arguments arrive whole
# (or the truncation is marked). Also: a process that has exited before
# kestrel reads /proc (kestrel stopped with SIGSTOP meanwhile) still gets
# pid, ppid, args, exepath, cwd and user from the audit records.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v python3 >/dev/null || skip "python3 not installed"
lock_audit
# an auditd another test started may still be shutting down
for _ in $(seq 50); do pgrep -x auditd >/dev/null || break; sleep 0.1; done
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
save_state
W=$(mktemp -d /tmp/kestrel-faults.XXXXXX)
cleanup() {
	[ -n "${KPID:-}" ] && kill -CONT "$KPID" 2>/dev/null
	stop_kestrel
	auditctl -D -k kestrel >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
cp "$SRCDIR/tests/fixtures/rules/integration.yaml" "$W/rules.yaml"
# The largest single argument execve takes (MAX_ARG_STRLEN 128 KiB, with its NUL).
BIG_ARG_LEN=131071
MANY_ARGS=10000
N_EXECS=7
BIG=$(head -c $BIG_ARG_LEN /dev/zero | tr '\0' A)

hostile_execs() {
	/bin/true kestrel-it-nl $'line1\nline2'
	/bin/true kestrel-it-esc $'\e[2J\e]0;title\a\r<1>'
	/bin/true kestrel-it-quote '"dq" '"'sq'"' \back \\x41 %s %n'
	/bin/true kestrel-it-utf8 $'\xff\xfe\xc3( \xed\xa0\x80'
	/bin/true kestrel-it-forge $'x"}\n{"rule":"Forged","priority":"Emergency","output":"forged"}\n'
	/bin/true kestrel-it-big "$BIG"
	# shellcheck disable=SC2046
	/bin/true kestrel-it-many $(seq $MANY_ARGS)
}

for fmt in json text; do
	A="$W/alerts-$fmt"
	cat >"$W/kestrel-$fmt.yaml" <<C
rules_files: [$W/rules.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: $([ $fmt = json ] && echo true || echo false)
file_output: {enabled: true, keep_alive: true, filename: $A}
log_stderr: true
log_syslog: false
outputs: {rate: 0}
C
	start_kestrel "$W/k-$fmt.log" -c "$W/kestrel-$fmt.yaml" -o audit.mode=unicast
	hostile_execs
	/bin/true kestrel-it-end
	wait_for "$A" "kestrel-it-end" 10 || fail "$fmt: no alert for the last exec"
	stop_kestrel
	python3 - "$A" "$fmt" "$BIG_ARG_LEN" "$MANY_ARGS" "$N_EXECS" <<'PY' || fail "$fmt output is wrong (above)"
import json, re, sys
path, fmt, big, many, nexec = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
raw = open(path, "rb").read()
lines = raw.split(b"\n")
assert lines[-1] == b"", "file does not end with a newline"
lines = lines[:-1]
assert len(lines) == nexec + 1, f"{len(lines)} lines for {nexec + 1} execs"
text = raw.decode("utf-8")  # raises on invalid UTF-8
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7f or 0x80 <= ord(c) < 0xa0]
assert not bad, f"raw control characters in the file: {bad[:5]!r}"
markers = ["nl", "esc", "quote", "utf8", "forge", "big", "many", "end"]
for m in markers:
    n = sum(1 for l in lines if f"kestrel-it-{m}".encode() in l)
    assert n == 1, f"marker {m}: {n} lines"
want = {
    "nl": "kestrel-it-nl line1\nline2",
    "esc": "kestrel-it-esc \x1b[2J\x1b]0;title\x07\r<1>",
    "quote": "kestrel-it-quote \"dq\" 'sq' \\back \\\\x41 %s %n",
    "forge": 'kestrel-it-forge x"}\n{"rule":"Forged","priority":"Emergency","output":"forged"}\n',
    "big": "kestrel-it-big " + "A" * big,
    "many": "kestrel-it-many " + " ".join(str(i) for i in range(1, many + 1)),
}
if fmt == "json":
    alerts = [json.loads(l) for l in lines]
    assert all(a["rule"] == "Integration marker exec" for a in alerts), \
        [a["rule"] for a in alerts]
    for a in alerts:
        args = a["output_fields"]["proc.args"]
        m = args.split(" ", 1)[0][len("kestrel-it-"):]
        if m in want:
            w = want[m]
            if args != w:
                # a cut is allowed only when marked
                assert "trunc" in a["output"].lower() or "trunc" in json.dumps(a).lower(), \
                    f"{m}: args differ and no truncation mark: {args[:60]!r}... ({len(args)} vs {len(w)})"
                print(f"{m}: truncated and marked ({len(args)} of {len(w)} chars)")
        if m == "utf8":
            assert "\ufffd" in args or "\\x" in args, f"invalid UTF-8 not marked: {args!r}"
    print(f"json: {len(alerts)} alerts, one per exec, args exact "
          f"(big {len(want['big'])} chars, many {len(want['many'])} chars)")
else:
    assert not any(l.lstrip().startswith(b"{") for l in lines), "a forged JSON line in text output"
    assert all(b"Warning marker exec args=kestrel-it-" in l for l in lines), "a line that is not an alert"
    print(f"text: {len(lines)} lines, one per exec, no raw control bytes, valid UTF-8")
PY
done

# a process gone before kestrel reads /proc
A="$W/alerts-json"
rm -f "$A"
start_kestrel "$W/k-gone.log" -c "$W/kestrel-json.yaml" -o audit.mode=unicast
mkdir -p "$W/gone dir"
kill -STOP "$KPID"
(cd "$W/gone dir" && echo $BASHPID >"$W/gone.pid" && exec /bin/true kestrel-it-gone)
gpid=$(cat "$W/gone.pid")
kill -0 "$gpid" 2>/dev/null && fail "the process has not exited"
kill -CONT "$KPID"
wait_for "$A" "kestrel-it-gone" 5 || fail "no alert for an exec whose process had exited"
python3 - "$A" "$gpid" $$ "$W/gone dir" <<'PY' || fail "fields of an exited process are wrong"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if "kestrel-it-gone" in l]
assert len(a) == 1, len(a)
f = a[0]["output_fields"]
assert f["proc.pid"] == int(sys.argv[2]), (f["proc.pid"], sys.argv[2])
assert f["proc.ppid"] == int(sys.argv[3]), (f["proc.ppid"], sys.argv[3])
assert f["proc.args"] == "kestrel-it-gone", f["proc.args"]
assert f["proc.exepath"] in ("/bin/true", "/usr/bin/true"), f["proc.exepath"]
assert f["proc.cwd"].rstrip("/") == sys.argv[4], f["proc.cwd"]
assert f["user.uid"] == 0 and f["user.name"] == "root", (f["user.uid"], f["user.name"])
print("exited process: pid", f["proc.pid"], "ppid", f["proc.ppid"], "pname", f["proc.pname"],
      "container", f.get("container.id"))
PY
stop_kestrel
check_state_restored
echo "PASS: test_faults_hostile.sh"
