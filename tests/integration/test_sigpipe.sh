#!/bin/bash
# test_sigpipe.sh — kestrel whose stderr reader went away must still exit
# cleanly on SIGTERM (a SIGPIPE used to kill it on its "exiting" line and
# leave its kernel rules behind). The kernel audit state is checked after.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v python3 >/dev/null || skip "python3 not installed"
lock_audit
pgrep -x auditd >/dev/null && skip "an auditd is running (this test needs unicast)"
save_state
W=$(mktemp -d /tmp/kestrel-it.XXXXXX)
trap 'auditctl -D -k kestrel >/dev/null 2>&1; rm -rf "$W"' EXIT
cp "$SRCDIR/tests/fixtures/rules/integration.yaml" "$W/rules.yaml"
python3 - "$KESTREL" "$W/rules.yaml" <<'PY' || fail "kestrel died of a closed stderr"
import signal, subprocess, sys
p = subprocess.Popen([sys.argv[1], "-r", sys.argv[2], "-o", "syslog_output.enabled=false",
                      "-o", "audit.mode=unicast"], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True)
for line in p.stderr:
    if "ready:" in line:
        break
p.stderr.close()            # the reader goes away ...
p.send_signal(signal.SIGTERM)  # ... and kestrel logs "exiting" into the closed pipe
rc = p.wait(timeout=30)
print("kestrel exit status", rc)
sys.exit(0 if rc == 0 else 1)
PY
[ "$(auditctl -l | grep -c 'key=kestrel$')" = 0 ] || fail "kestrel rules left behind"
[ -f /run/kestrel/audit-state ] && fail "crash-state file left behind"
check_state_restored
echo "PASS: test_sigpipe.sh"
