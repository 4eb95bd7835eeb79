#!/bin/bash
# test_package.sh — the Debian package end to end, as .ci/run runs it (root,
# Debian 12, a clean clone with ../shared beside it): build the .deb from the
# committed tree in a temporary directory, lintian, dpkg -i, check the
# installed files, the man pages and the unit, run the daemon the way the
# unit does and see an alert, then dpkg -r and dpkg -P and check that the
# machine is as it was. Exit 0 = pass, 1 = fail, 77 = skipped (not root).
#
# systemd is not PID 1 on CI machines (nor in most containers), so the unit
# cannot be started with systemctl. The test runs the unit's ExecStart=
# command line itself, under what the unit's sandbox gives the daemon that
# matters for it: the capability bounding set of CapabilityBoundingSet=
# (setpriv), no_new_privs (NoNewPrivileges=), the UMask=, a read-only file
# system but for /run/kestrel and /var/log/kestrel (ProtectSystem=strict
# with RuntimeDirectory= and LogsDirectory=: a private mount namespace,
# unshare), and a NOTIFY_SOCKET that records what the daemon tells systemd
# (Type=notify: READY, RELOADING on ExecReload=, STATUS on SIGUSR1,
# STOPPING). The rest of the sandbox (SystemCallFilter=, PrivateDevices=,
# ...) is checked by reading the code paths, not by running them.
#
# KESTREL_PKG_TREE=worktree builds from the working tree (tracked and
# untracked files) instead of HEAD, to try uncommitted packaging changes;
# KESTREL_PKG_KEEP=1 keeps the build directory (logs, .deb) for a look.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/integration/lib.sh"

# Packages the test itself needs (installed when missing, left installed).
TOOLS="debhelper lintian devscripts fakeroot systemd man-db python3"
# Seconds to wait for the alert of the trigger below.
ALERT_WAIT=10
# Program name the trigger runs under: an untrusted reader of /etc/shadow
# (rule "Read sensitive file untrusted" of rules/kestrel_rules.yaml).
TRIGGER=kpkgtest-cat

[ "$(id -u)" = 0 ] || skip "needs root (installs the package and programs kernel audit)"

t0=$(date +%s)
step() { echo "=== [$(($(date +%s) - t0))s] $*"; }
ok() { echo "  ok: $*"; }

# Everything the test creates lives in $W; cleanup undoes the rest.
W=$(mktemp -d /tmp/kestrel-pkg.XXXXXX)
INSTALLED=
LOCKED=
NOTIFY_PID=
cleanup() {
	trap - EXIT
	stop_kestrel
	[ -n "$NOTIFY_PID" ] && kill "$NOTIFY_PID" 2>/dev/null
	[ -n "$LOCKED" ] && auditctl -D -k kestrel >/dev/null 2>&1
	if [ -n "$INSTALLED" ]; then
		dpkg -P kestrel >"$W/cleanup-purge.log" 2>&1 || cat "$W/cleanup-purge.log"
	fi
	if [ -n "${KESTREL_PKG_KEEP:-}" ]; then echo "kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

# Where the package and its scripts put files: /etc, /usr, /var/lib (dpkg
# and systemd helper state), /var/log/kestrel. /lib is /usr/lib on Debian
# 12. (/run/kestrel belongs to the running daemon, checked on its own.)
snapshot() {
	find /etc /usr /var/lib /var/log/kestrel -xdev 2>/dev/null |
		grep -Ev '^/var/lib/dpkg/(triggers/|[a-z]+-old$|lock)' | sort
}

# conffile PATH: yes when dpkg lists PATH as a conffile of kestrel.
conffile() {
	dpkg-query -W -f='${Conffiles}\n' kestrel | awk '{print $1}' | grep -qx -- "$1"
}

step "preconditions"
# pkg_state: kestrel's dpkg state, empty or not-installed when dpkg has none.
pkg_state() { dpkg-query -W -f='${db:Status-Status}' kestrel 2>/dev/null; }
case "$(pkg_state)" in
"" | not-installed) ;;
*) fail "kestrel is known to dpkg here ($(pkg_state)); the test would replace or purge it" ;;
esac
command -v git >/dev/null || fail "git not installed"
git -C "$top" rev-parse HEAD >/dev/null 2>&1 || fail "$top is not a git clone"
command -v auditctl >/dev/null || fail "auditctl not installed (tools/install-deps installs auditd)"
auditctl -s >/dev/null 2>&1 || fail "the kernel refuses audit here (auditctl -s fails)"
missing=
for p in $TOOLS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "  installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$missing >"$W/apt.log" 2>&1 || { cat "$W/apt.log"; fail "apt-get install$missing"; }
fi
for c in dpkg-buildpackage lintian systemd-analyze setpriv man groff python3; do
	command -v "$c" >/dev/null || fail "$c not found"
done
ok "tools present"

step "export the tree and build the package (dpkg-buildpackage -us -uc -b)"
mkdir "$W/src"
if [ "${KESTREL_PKG_TREE:-}" = worktree ]; then
	(cd "$top" && git ls-files -co --exclude-standard -z |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -c) | tar -x -C "$W/src" || fail "cannot export the working tree"
	echo "  from the working tree (KESTREL_PKG_TREE=worktree)"
else
	git -C "$top" archive HEAD | tar -x -C "$W/src" || fail "git archive HEAD failed"
	echo "  from HEAD $(git -C "$top" rev-parse --short HEAD)"
fi
# The unit tests that load upstream rule files find ../shared beside the tree.
[ -d "$top/../shared" ] && ln -s "$(cd "$top/../shared" && pwd)" "$W/shared"
b0=$(date +%s)
(cd "$W/src" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 ||
	{ tail -80 "$W/build.log"; fail "dpkg-buildpackage failed (log above)"; }
grep -E '^(PASS|FAIL|SKIP|XFAIL|ERROR): |^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$W/build.log" |
	sed 's/^/  /'
grep -q '^# TOTAL: [1-9]' "$W/build.log" || fail "the package build ran no unit tests"
grep -q 'integration/' <(grep -E '^(PASS|FAIL|SKIP): ' "$W/build.log") &&
	fail "the package build ran integration tests (must be make check-unit only)"
arch=$(dpkg --print-architecture)
DEB=$(ls "$W"/kestrel_*_"$arch".deb 2>/dev/null | head -1)
CHANGES=$(ls "$W"/kestrel_*_"$arch".changes 2>/dev/null | head -1)
[ -f "$DEB" ] && [ -f "$CHANGES" ] || fail "no .deb/.changes produced"
ok "built $(basename "$DEB") in $(($(date +%s) - b0))s"

step "lintian --fail-on error"
lintian --fail-on error --display-info --show-overrides "$CHANGES" >"$W/lintian.log" 2>&1
lrc=$?
sed 's/^/  /' "$W/lintian.log"
[ "$lrc" = 0 ] || fail "lintian reports errors (rc=$lrc)"
ok "lintian: no errors"
dpkg-deb -f "$DEB" Depends | grep -q libaudit || fail "Depends lacks the shared libraries: $(dpkg-deb -f "$DEB" Depends)"

step "dpkg -i"
snapshot >"$W/before.list"
INSTALLED=1
dpkg -i "$DEB" >"$W/install.log" 2>&1 || { cat "$W/install.log"; fail "dpkg -i failed"; }
sed 's/^/  /' "$W/install.log"
grep -q "kernel" "$W/install.log" || fail "postinst printed no kestrel --check report"
ok "installed"

step "installed files"
[ -x /usr/sbin/kestrel ] || fail "/usr/sbin/kestrel missing"
/usr/sbin/kestrel --version >/dev/null || fail "kestrel --version fails"
for f in /etc/kestrel/kestrel.yaml /etc/kestrel/kestrel_rules.local.yaml; do
	[ -f "$f" ] || fail "$f missing"
	conffile "$f" || fail "$f is not a conffile"
done
[ "$(readlink -e /etc/kestrel/kestrel_rules.yaml)" = /usr/share/kestrel/rules/kestrel_rules.yaml ] ||
	fail "/etc/kestrel/kestrel_rules.yaml does not lead to the shipped rules"
conffile /etc/kestrel/kestrel_rules.yaml && fail "kestrel_rules.yaml is a conffile (it must follow upgrades)"
[ -d /etc/kestrel/rules.d ] || fail "/etc/kestrel/rules.d missing"
[ -d /var/log/kestrel ] || fail "/var/log/kestrel missing"
[ "$(stat -c %a /var/log/kestrel)" = 750 ] || fail "/var/log/kestrel is mode $(stat -c %a /var/log/kestrel), not 750"
[ -f /etc/logrotate.d/kestrel ] || fail "logrotate configuration missing"
if command -v logrotate >/dev/null; then
	logrotate -d /etc/logrotate.d/kestrel >"$W/logrotate.log" 2>&1 ||
		{ cat "$W/logrotate.log"; fail "logrotate -d rejects /etc/logrotate.d/kestrel"; }
fi
grep -q -- '--signal=USR1 kestrel.service' /etc/logrotate.d/kestrel ||
	fail "logrotate does not send SIGUSR1 (reopen the files, not a rules reload)"
UNIT=/lib/systemd/system/kestrel.service
[ -f "$UNIT" ] || fail "$UNIT missing"
[ -f /usr/share/doc/kestrel/examples/kestrel.rules ] || fail "audit-rules example missing"
[ -f /usr/share/doc/kestrel/examples/plugins.d/kestrel.conf ] || fail "auditd plugin example missing"
[ -e /etc/audit/plugins.d/kestrel.conf ] && fail "the auditd plugin is activated (/etc/audit/plugins.d/kestrel.conf)"
dpkg -L kestrel | grep -q '^/etc/audit' && fail "the package installs files below /etc/audit"
/usr/sbin/kestrel -V /etc/kestrel/kestrel_rules.yaml -V /etc/kestrel/kestrel_rules.local.yaml \
	>"$W/validate.log" 2>&1 || { cat "$W/validate.log"; fail "the shipped rules do not validate"; }
/usr/sbin/kestrel --dry-run -c /etc/kestrel/kestrel.yaml >"$W/dry.log" 2>&1 ||
	{ cat "$W/dry.log"; fail "kestrel --dry-run with the installed configuration fails"; }
sed 's/^/  /' "$W/dry.log"
ok "binary, configuration, rules, rules.d, logrotate, unit, examples"

step "man pages (man -l, groff -ww)"
for m in man8/kestrel.8 man5/kestrel.yaml.5 man5/kestrel-rules.5; do
	f=/usr/share/man/$m.gz
	[ -f "$f" ] || fail "$f missing"
	MANWIDTH=80 man -l --warnings=w "$f" >"$W/man.out" 2>"$W/man.err" </dev/null ||
		fail "man -l $f failed"
	[ -s "$W/man.err" ] && { cat "$W/man.err"; fail "man -l $f warns"; }
	[ "$(wc -l <"$W/man.out")" -gt 20 ] || fail "man -l $f rendered almost nothing"
	zcat "$f" | groff -ww -man -Tutf8 -z 2>"$W/groff.err"
	[ -s "$W/groff.err" ] && { cat "$W/groff.err"; fail "groff -ww warns on $f"; }
done
ok "three pages render without warnings"

step "systemd-analyze verify $UNIT"
systemd-analyze verify "$UNIT" >"$W/verify.out" 2>"$W/verify.err"
vrc=$?
cat "$W/verify.out" "$W/verify.err" | sed 's/^/  /'
[ -s "$W/verify.err" ] && fail "systemd-analyze verify wrote to stderr"
[ "$vrc" = 0 ] || fail "systemd-analyze verify rc=$vrc"
ok "unit verifies"

step "unit settings: exit 78 not restarted, watchdog, reload that reports"
# unit KEY: the value of KEY= in the installed unit (last one wins).
unit() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
[ "$(unit RestartPreventExitStatus)" = 78 ] || fail "the unit lacks RestartPreventExitStatus=78"
printf 'priority: loudest\n' >"$W/bad.yaml"
/usr/sbin/kestrel -c "$W/bad.yaml" --dry-run >"$W/bad.log" 2>&1
rc=$?
[ "$rc" = 78 ] || fail "a configuration error exits $rc, not the 78 of RestartPreventExitStatus="
wd=$(unit WatchdogSec)
case "$wd" in
*min) wd_usec=$((${wd%min} * 60000000)) ;;
*s) wd_usec=$((${wd%s} * 1000000)) ;;
[0-9]*) wd_usec=$((wd * 1000000)) ;;
*) fail "the unit lacks WatchdogSec= (or it is not N, Ns or Nmin: '$wd')" ;;
esac
unit ExecReload | grep -q -- '--reload \$MAINPID' || fail "ExecReload= does not wait for the answer (kestrel --reload \$MAINPID)"
ok "RestartPreventExitStatus=78 (a bad config exits 78), WatchdogSec=$wd, ExecReload=$(unit ExecReload)"

step "run the daemon as the unit does (systemd is not PID 1 here: $(ps -p 1 -o comm=))"
exec_start=$(unit ExecStart | sed 's/^[-@:+!]*//')
[ -n "$exec_start" ] || fail "no ExecStart= in $UNIT"
read -ra argv <<<"$exec_start"
[ "${argv[0]}" = /usr/sbin/kestrel ] || fail "ExecStart runs ${argv[0]}, not /usr/sbin/kestrel"
caps=$(unit CapabilityBoundingSet | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd,)
[ -n "$caps" ] || fail "no CapabilityBoundingSet= in $UNIT"
[ "$(unit NoNewPrivileges)" = yes ] || fail "the unit lacks NoNewPrivileges=yes"
umask_unit=$(unit UMask)
[ "$(unit RuntimeDirectory)" = kestrel ] || fail "the unit lacks RuntimeDirectory=kestrel (crash state in /run/kestrel)"
[ "$(unit LogsDirectory)" = kestrel ] || fail "the unit lacks LogsDirectory=kestrel (file output)"
echo "  ExecStart: $exec_start"
echo "  bounding set: $caps, no_new_privs, umask ${umask_unit:-0022}"

lock_audit
LOCKED=1
save_state
auditctl -l | grep -q 'key=kestrel$' && fail "kestrel rules already in the kernel before the start"
# What systemd would create for RuntimeDirectory= (the package ships
# /var/log/kestrel, LogsDirectory=).
run_made=
[ -d /run/kestrel ] || { mkdir -m 0755 /run/kestrel; run_made=1; }

# Type=notify: record what the daemon sends to NOTIFY_SOCKET.
python3 - "$W/notify.sock" "$W/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
PY
NOTIFY_PID=$!
for _ in $(seq 50); do [ -S "$W/notify.sock" ] && break; sleep 0.1; done
[ -S "$W/notify.sock" ] || fail "notify listener did not start"

# The alerts go to the packaged file output (default /var/log/kestrel/events.txt).
ALERTS=$(awk '/^file_output:/{f=1;next} f&&/^[^ ]/{f=0} f&&/filename:/{print $2}' /etc/kestrel/kestrel.yaml)
ALERTS=${ALERTS:-/var/log/kestrel/events.txt}
# sandbox CMD...: CMD with / read-only but for the unit's two directories,
# the bounding set and no_new_privs (same pid: each step execs the next).
cat >"$W/sandbox" <<'SH'
mount --bind /var/log/kestrel /var/log/kestrel &&
	mount --bind /run/kestrel /run/kestrel &&
	mount -o remount,bind,ro / || { echo "sandbox: cannot make / read-only" >&2; exit 1; }
exec setpriv --no-new-privs --inh-caps=-all --bounding-set="$BSET" -- "$@"
SH
umask_saved=$(umask)
umask "${umask_unit:-0022}"
KESTREL=unshare
BSET=-all,$caps NOTIFY_SOCKET=$W/notify.sock WATCHDOG_USEC=$wd_usec start_kestrel "$W/daemon.log" \
	--mount --propagation private -- sh "$W/sandbox" \
	"${argv[@]}" -o file_output.enabled=true
umask "$umask_saved"
grep -i "read-only file system" "$W/daemon.log" && fail "the daemon writes outside its directories"
touch /etc/kestrel/.pkgtest-probe 2>/dev/null || fail "the read-only sandbox leaked out of its namespace"
rm -f /etc/kestrel/.pkgtest-probe
grep -m1 "audit source:" "$W/daemon.log" | sed 's/^/  /'
grep -q "READY=1" "$W/notify.log" || fail "no READY=1 on NOTIFY_SOCKET"
wait_for "$W/notify.log" "WATCHDOG=1" 5 || fail "no WATCHDOG=1 with WATCHDOG_USEC=$wd_usec (WatchdogSec=$wd)"
ok "ready (pid $KPID), told systemd: $(head -1 "$W/notify.log")"
grep "^CapBnd\|^CapEff" /proc/"$KPID"/status | sed 's/^/  /'
[ "$(auditctl -l | grep -c 'key=kestrel$')" -ge 1 ] || fail "no kestrel kernel rule while running"

cp /bin/cat "$W/$TRIGGER"
"$W/$TRIGGER" /etc/shadow >/dev/null
wait_for "$ALERTS" "proc.name=$TRIGGER" "$ALERT_WAIT" ||
	fail "no alert for $TRIGGER reading /etc/shadow in $ALERTS"
grep "proc.name=$TRIGGER" "$ALERTS" | head -1 | sed 's/^/  alert: /'
grep "proc.name=$TRIGGER" "$ALERTS" | grep -q "fd.name=/etc/shadow" || fail "alert does not name /etc/shadow"
grep "proc.name=$TRIGGER" "$ALERTS" | grep -q "Sensitive file opened for reading by untrusted program" ||
	fail "alert is not the output of the default rule Read sensitive file untrusted"
ok "alert from the default rules in $ALERTS"
mode=$(stat -c %a "$ALERTS")
[ $((0$mode & 077)) = 0 ] || fail "$ALERTS has mode $mode (UMask=${umask_unit:-unset} not honoured)"

# ExecReload= as systemd runs it, with $MAINPID.
reload=$(unit ExecReload | sed 's/^[-@:+!]*//')
[ -n "$reload" ] || fail "no ExecReload= in $UNIT"
: >"$W/notify.log"
MAINPID=$KPID bash -c "$reload" ||
	fail "ExecReload ($reload) failed"
wait_for "$W/notify.log" "READY=1" 5 || fail "no READY=1 after ExecReload"
grep -q "RELOADING=1" "$W/notify.log" || fail "no RELOADING=1 on ExecReload"
kill -0 "$KPID" 2>/dev/null || fail "the daemon died on ExecReload"
ok "ExecReload: $(paste -sd' ' "$W/notify.log" | sed 's/WATCHDOG=1 //g')"
# a refused ruleset makes ExecReload= (systemctl reload) fail
cp -p /etc/kestrel/kestrel_rules.local.yaml "$W/local.saved"
printf -- '- rule: broken by the package test\n  condition: (evt.type = execve\n' >>/etc/kestrel/kestrel_rules.local.yaml
MAINPID=$KPID bash -c "$reload" >"$W/reload2.log" 2>&1
rc=$?
cp -p "$W/local.saved" /etc/kestrel/kestrel_rules.local.yaml
[ "$rc" != 0 ] || fail "ExecReload succeeded with a broken rules file"
kill -0 "$KPID" 2>/dev/null || fail "the daemon died on a refused reload"
ok "a refused reload fails ExecReload= (rc=$rc: $(head -1 "$W/reload2.log" | cut -c1-90))"
"$W/$TRIGGER" /etc/gshadow >/dev/null
wait_for "$ALERTS" "fd.name=/etc/gshadow" "$ALERT_WAIT" || fail "no alert after the reload"
ok "alerts after the reload"
kill -USR1 "$KPID"
wait_for "$W/notify.log" "STATUS=.*events/s" 5 || fail "no STATUS= with the event rate on SIGUSR1"
wait_for "$W/daemon.log" "SIGUSR1: reopening the output files" 5 || fail "SIGUSR1 did not reopen the outputs"
grep -q "SIGUSR1.*reloading" "$W/daemon.log" && fail "SIGUSR1 reloaded the rules"
ok "SIGUSR1 (logrotate): files reopened, $(grep -m1 STATUS= "$W/notify.log")"

stop_kestrel
grep -q "STOPPING=1" "$W/notify.log" || fail "no STOPPING=1 on NOTIFY_SOCKET"
ok "notify: $(paste -sd' ' "$W/notify.log" | cut -c1-200)"
kill "$NOTIFY_PID" 2>/dev/null
wait "$NOTIFY_PID" 2>/dev/null
NOTIFY_PID=
[ "$(auditctl -l | grep -c 'key=kestrel$')" = 0 ] || fail "kestrel rules left after SIGTERM"
[ -e /run/kestrel/audit-state ] && fail "crash-state file left after a clean exit"
check_state_restored
[ -n "$run_made" ] && rmdir /run/kestrel
exec 9>&-
LOCKED=
ok "SIGTERM: no kestrel kernel rules left, audit state as before"

step "dpkg -r (configuration stays)"
echo "# kestrel package test: a user's change" >>/etc/kestrel/kestrel_rules.local.yaml
dpkg -r kestrel >"$W/remove.log" 2>&1 || { cat "$W/remove.log"; fail "dpkg -r failed"; }
[ -e /usr/sbin/kestrel ] && fail "binary left after dpkg -r"
[ -e /lib/systemd/system/kestrel.service ] && fail "unit left after dpkg -r"
[ -e /etc/kestrel/kestrel_rules.yaml ] && fail "the shipped rules link is left after dpkg -r"
[ -f /etc/kestrel/kestrel.yaml ] || fail "dpkg -r removed the conffile kestrel.yaml"
grep -q "a user's change" /etc/kestrel/kestrel_rules.local.yaml ||
	fail "dpkg -r lost the user's kestrel_rules.local.yaml"
ok "binary gone, conffiles and the user's change kept"

step "dpkg -P (everything gone)"
dpkg -P kestrel >"$W/purge.log" 2>&1 || { cat "$W/purge.log"; fail "dpkg -P failed"; }
INSTALLED=
case "$(pkg_state)" in
"" | not-installed) ;;
*) fail "dpkg still knows kestrel after purge: $(pkg_state)" ;;
esac
snapshot >"$W/after.list"
if ! diff -u "$W/before.list" "$W/after.list" >"$W/diff"; then
	cat "$W/diff"
	fail "files differ between before install and after purge"
fi
ok "file list after purge equals the list before install ($(wc -l <"$W/after.list") paths)"

step "PASS: test_package.sh in $(($(date +%s) - t0))s"
exit 0
