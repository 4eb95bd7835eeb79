#!/bin/bash
# Outbound connections, live, to a test host in a network namespace this
# test creates (203.0.113.10, a documentation address, on a veth pair whose
# other end is 203.0.113.1: no packet leaves the machine):
# (a) the unmodified upstream "Disallowed SSH Connection Non Standard Port"
#     fires on the real ssh client connecting to port 4444, with the rule,
#     priority and output fields Falco prints; the same client on port 22
#     (a standard port) stays silent;
# (b) its fd.name and fd.lport carry the client's real local end
#     (203.0.113.1:<port>, read from /proc on first use: audit's connect
#     record names only the remote end), checked against the port the
#     listener saw;
# (c) proc.cwd kept current across chdir and fchdir for a later connect
#     (no CWD record): a process that moved into the watched directory
#     fires with the new cwd; one that started there and left does not.
# The audit state is restored exactly; the namespace, the veth pair and
# the listener are removed by name and pid.
. "$(dirname "$0")/lib.sh"
UPSTREAM=$SRCDIR/../shared/fixtures/falco/falco_rules.yaml
RULE="Disallowed SSH Connection Non Standard Port"
[ -f "$UPSTREAM" ] || skip "no upstream rules at $UPSTREAM (../shared absent)"
PY=/usr/bin/python3 # not a pyenv shim: its helper processes would add noise
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 not installed"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
SSH=$(command -v ssh) || skip "no ssh client (openssh-client)"
require_audit
ip -4 addr show | grep -q ' 203\.0\.113\.' && skip "203.0.113.0/24 already used on this host"
[ -z "$(ip route show 203.0.113.0/24)" ] || skip "a route to 203.0.113.0/24 exists"
lock_audit
save_state

NS=kestrel-net-$$
VH=kn$$h # host end of the veth pair (names of at most 15 characters)
VN=kn$$n # namespace end
T=$(mktemp -d /tmp/kestrel-net.XXXXXX)
LPID=
cleanup() {
	stop_kestrel 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$NS" || skip "cannot create a network namespace"
ip link add "$VH" type veth peer name "$VN" || skip "cannot create a veth pair"
ip link set "$VN" netns "$NS" || fail "veth into $NS"
ip addr add 203.0.113.1/24 dev "$VH" && ip link set "$VH" up || fail "host end of the veth"
ip netns exec "$NS" ip addr add 203.0.113.10/24 dev "$VN" &&
	ip netns exec "$NS" ip link set "$VN" up && ip netns exec "$NS" ip link set lo up ||
	fail "namespace end of the veth"

# The test host: accepts on 22, 4444 and 8081, writes the peer's address
# to $T/peer-PORT, and holds each connection 3 s so the client is still
# there when kestrel looks up its local end.
ip netns exec "$NS" "$PY" -c "
import os, selectors, socket, threading, time
sel = selectors.DefaultSelector()
for port in (22, 4444, 8081):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('203.0.113.10', port)); s.listen(16); sel.register(s, selectors.EVENT_READ, port)
open('$T/ready', 'w').close()
def hold(c): time.sleep(3); c.close()
while True:
    for key, _ in sel.select():
        c, peer = key.fileobj.accept()
        with open('$T/peer-%d' % key.data, 'a') as f: f.write('%s:%d\n' % peer)
        threading.Thread(target=hold, args=(c,), daemon=True).start()
" &
LPID=$!
for _ in $(seq 50); do [ -f "$T/ready" ] && break; sleep 0.1; done
[ -f "$T/ready" ] || fail "the test host did not start"

mkdir -p "$T/cwd-a" "$T/cwd-b" "$T/cwd-start"
cat >"$T/local.yaml" <<R
- rule: Test connect from a watched directory
  desc: proc.cwd on a connect, which has no CWD record
  condition: >
    evt.type = connect and fd.sip = 203.0.113.10 and fd.sport = 8081
    and proc.cwd startswith "$T/cwd-"
  output: cwd test | cwd=%proc.cwd command=%proc.cmdline
  priority: WARNING
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
start_kestrel "$T/k.log" -c "$T/kestrel.yaml"
auditctl -l | grep -q 'key=kestrel$' || fail "no kernel rules installed"
for sc in chdir fchdir; do
	auditctl -l | grep -Eq -- "-S ([a-z0-9_]+,)*$sc(,| )" ||
		fail "proc.cwd on connect: $sc not audited"
done

# (a) the ssh client to a non-standard port, then to port 22
ssh_to() {
	timeout 20 "$SSH" -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -p "$1" "$2@203.0.113.10" true 2>/dev/null
	return 0 # the test host closes without a banner: ssh fails, as expected
}
ssh_to 4444 kestrel-net-fire
ssh_to 22 kestrel-net-near
[ -s "$T/peer-4444" ] && [ -s "$T/peer-22" ] || fail "ssh did not reach the test host"

# (c) connects after chdir / fchdir (the socket made before: nothing
# between the move and the connect looks a path up)
(cd "$T" && "$PY" -c "
import os, socket, sys
s = socket.socket(); os.chdir('$T/cwd-a'); s.connect(('203.0.113.10', 8081))
" cwd-chdir) || fail "chdir client"
(cd "$T" && "$PY" -c "
import os, socket, sys
d = os.open('$T/cwd-b', os.O_RDONLY | os.O_DIRECTORY); s = socket.socket()
os.fchdir(d); s.connect(('203.0.113.10', 8081))
" cwd-fchdir) || fail "fchdir client"
(cd "$T/cwd-start" && "$PY" -c "
import os, socket, sys
s = socket.socket(); os.chdir('/'); s.connect(('203.0.113.10', 8081))
" cwd-left) || fail "near-miss client"

A=$T/alerts.json
wait_for "$A" 'kestrel-net-fire' 10 || { cat "$A" "$T/k.log"; fail "(a) no alert"; }
wait_for "$A" 'cwd-fchdir' 5 || fail "(c) no alert after fchdir"
sleep 1 # let a wrong alert for a near miss arrive too

# (a)+(b): the rule, its priority and Falco's output fields
PEER=$(head -1 "$T/peer-4444")
LPORT=${PEER##*:}
line=$(grep "\"rule\":\"$RULE\"" "$A" | grep 'kestrel-net-fire')
[ -n "$line" ] || fail "(a) no alert of the rule"
echo "$line" | grep -q '"priority":"Notice"' || fail "(a) priority: $line"
want="connection=$PEER->203.0.113.10:4444 lport=$LPORT rport=4444 fd_type=ipv4"
want="$want fd_proto=tcp evt_type=connect user=root user_uid=0"
echo "$line" | grep -qF "$want" || fail "(b) fields: want '$want' in $line"
echo "$line" | grep -qF "process=ssh proc_exepath=$SSH" || fail "(a) process fields: $line"
# (the text output escapes the spaces of argv; output_fields has them)
echo "$line" | grep -qF '"proc.cmdline":"ssh -F /dev/null' || fail "(a) command: $line"
echo "$line" | grep -qF "\"fd.name\":\"$PEER->203.0.113.10:4444\"" || fail "(b) fd.name: $line"
grep "$RULE" "$A" | grep -q 'kestrel-net-near' && fail "(a) near miss: port 22 fired"

# (c)
grep '"rule":"Test connect from a watched directory"' "$A" | grep 'cwd-chdir' |
	grep -qF "cwd=$T/cwd-a/ " || { grep cwd-chdir "$A"; fail "(c) cwd after chdir"; }
grep '"rule":"Test connect from a watched directory"' "$A" | grep 'cwd-fchdir' |
	grep -qF "cwd=$T/cwd-b/ " || { grep cwd-fchdir "$A"; fail "(c) cwd after fchdir"; }
grep 'cwd-left' "$A" | grep -q 'cwd test' && fail "(c) near miss: a process that left fired"

stop_kestrel
check_state_restored
echo "PASS: $(grep -c . "$A") alerts; ssh local end $PEER"
