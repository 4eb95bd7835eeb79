#!/bin/bash
# Falco's stateful fields, live, with precise kernel filters (the default),
# so the syscalls the fd table needs must be audited for the rules to fire:
# (a) the unmodified upstream "Fileless execution via memfd_create" on a
#     memfd_create + execveat(AT_EMPTY_PATH), with EXE_FROM_MEMFD in
#     evt.arg.flags; an exec of a regular copy stays silent;
# (b) a host name written in a rule (fd.sip.name = localhost, resolved at
#     load): a connection to 127.0.0.1 fires, one to 127.0.0.2 does not;
# (c) the upstream redirect rule's condition without its container
#     requirement: a connected TCP socket dup2'd onto stdout fires with
#     fd.name in Falco's format (cip:cport->sip:sport; audit's connect
#     record has no local address, so the client end may read 0.0.0.0:0);
#     a pipe dup2'd onto stdout does not.
# The audit state is restored exactly.
. "$(dirname "$0")/lib.sh"
UPSTREAM=$SRCDIR/../shared/fixtures/falco/falco_rules.yaml
[ -f "$UPSTREAM" ] || skip "no upstream rules at $UPSTREAM (../shared absent)"
command -v python3 >/dev/null || skip "python3 not installed"
require_audit
lock_audit
save_state

T=$(mktemp -d /tmp/kestrel-stl.XXXXXX)
LPID=
cleanup() {
	stop_kestrel 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

PORT=$((40000 + $$ % 20000))
cat >"$T/local.yaml" <<'R'
- rule: Test connect to localhost by name
  desc: a connection to an address of the name localhost
  condition: evt.type = connect and fd.sip.name = localhost
  output: by name | sip=%fd.sip sport=%fd.sport command=%proc.cmdline
  priority: WARNING
- rule: Test redirect stdio to network
  desc: the upstream redirect rule's condition without its container requirement
  condition: >
    evt.type in (dup, dup2, dup3) and evt.rawres in (0, 1, 2)
    and fd.type in ("ipv4", "ipv6")
  output: >
    Redirect stdout/stdin to network connection | connection=%fd.name
    fd_type=%fd.type fd_proto=%fd.l4proto command=%proc.cmdline
  priority: NOTICE
R
cat >"$T/kestrel.yaml" <<C
rules_files: [$UPSTREAM, $T/local.yaml]
syslog_output: {enabled: false}
stdout_output: {enabled: false}
journal_output: {enabled: false}
json_output: true
file_output: {enabled: true, keep_alive: true, filename: $T/alerts.json}
log_stderr: true
log_syslog: false
C
# a listener on every loopback address for (b) and (c)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $PORT)); s.listen(16); keep = []
while True: keep.append(s.accept()[0])
" &
LPID=$!
start_kestrel "$T/k.log" -c "$T/kestrel.yaml"
auditctl -l | grep -q 'key=kestrel$' || fail "no kernel rules installed"

# (a) memfd + execveat(AT_EMPTY_PATH) (glibc's fexecve), and a regular copy
cp /bin/true "$T/true-copy"
python3 -c "
import os
fd = os.memfd_create('kestrel-memfd-test', 0)
os.write(fd, open('/bin/true', 'rb').read())
os.execve(fd, ['kestrel-memfd-test'], {})
" || fail "memfd exec failed"
"$T/true-copy" || fail "regular copy did not run"
# (b) connections to 127.0.0.1 and 127.0.0.2
for ip in 127.0.0.1 127.0.0.2; do
	python3 -c "import socket; socket.create_connection(('$ip', $PORT)).close()" \
		"conn-$ip" || fail "connect to $ip"
done
# (c) a connected TCP socket onto stdout, then a pipe
python3 -c "
import os, socket
s = socket.create_connection(('127.0.0.1', $PORT)); os.dup2(s.fileno(), 1)
" dup-socket || fail "dup2 of a socket"
python3 -c "
import os
r, w = os.pipe(); os.dup2(w, 1)
" dup-pipe || fail "dup2 of a pipe"

A=$T/alerts.json
wait_for "$A" 'dup-socket' 10 || { cat "$A"; fail "(c) no redirect alert"; }
wait_for "$A" 'Fileless execution via memfd_create' 5 || fail "(a) no fileless alert"
wait_for "$A" 'conn-127.0.0.1' 5 || fail "(b) no alert for 127.0.0.1"
sleep 1 # let a wrong alert for a near miss arrive too

grep '"rule":"Fileless execution via memfd_create"' "$A" | grep 'kestrel-memfd-test' |
	grep '"priority":"Critical"' | grep -q 'exe_flags=[A-Z_|]*EXE_FROM_MEMFD' ||
	{ grep Fileless "$A"; fail "(a) alert without EXE_FROM_MEMFD or the memfd's name"; }
grep 'Fileless' "$A" | grep -q 'true-copy' && fail "(a) near miss: a regular copy fired"
grep '"rule":"Test connect to localhost by name"' "$A" | grep 'conn-127.0.0.1' |
	grep -q "sip=127.0.0.1 sport=$PORT" || fail "(b) alert fields"
grep 'conn-127.0.0.2' "$A" | grep -q 'by name' && fail "(b) near miss: 127.0.0.2 fired"
grep '"rule":"Test redirect stdio to network"' "$A" | grep 'dup-socket' |
	grep -Eq "connection=[0-9.]+:[0-9]+->127.0.0.1:$PORT fd_type=ipv4 fd_proto=tcp" ||
	{ grep dup-socket "$A"; fail "(c) alert fields (Falco's fd.name)"; }
grep 'Test redirect' "$A" | grep -q 'dup-pipe' && fail "(c) near miss: a pipe fired"

stop_kestrel
check_state_restored
echo "PASS: $(grep -c . "$A") alerts"
