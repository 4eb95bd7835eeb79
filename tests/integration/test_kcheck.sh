#!/bin/bash
# test_kcheck.sh — `kestrel --check` on the real kernel (the unit test
# test_kcheck.c covers the parsing and verdicts on fixtures): as root on a
# kernel with audit, the report names the running kernel (uname -r and the
# upstream "Linux x.y.z"), reads the running kernel's config and command
# line, reaches audit netlink and exits 0 with "kestrel can run here"; as an
# unprivileged user it exits 1 and says to run as root. The exit status must
# always agree with the report's result line. Changes no audit state.
set -u
. "$(dirname "$0")/lib.sh"
require_audit
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
lock_audit
save_state

W=$(mktemp -d /tmp/kestrel-kcheck.XXXXXX)
trap 'rm -rf "$W"' EXIT

# check_result FILE RC: the result line and the exit status agree.
check_result() {
	case $2 in
	0) grep -q '^result: kestrel can run here' "$1" || fail "exit 0 but: $(tail -1 "$1")" ;;
	1) grep -q '^result: kestrel cannot run here' "$1" || fail "exit 1 but: $(tail -1 "$1")" ;;
	*) cat "$1"; fail "kestrel --check exited $2 (expected 0 or 1)" ;;
	esac
}

"$KESTREL" --check >"$W/root.out" 2>&1
rc=$?
cat "$W/root.out"
check_result "$W/root.out" "$rc"
[ "$rc" = 0 ] || fail "as root on a kernel with audit, --check says kestrel cannot run"
grep -qF "$(uname -r)" "$W/root.out" || fail "report does not name the running release $(uname -r)"
grep -qE '^  \[OK  \] kernel: Linux [0-9]+\.[0-9]+\.[0-9]+' "$W/root.out" ||
	fail "no upstream kernel version in the report"
grep -qE '^  \[OK  \] audit netlink: ' "$W/root.out" || fail "audit netlink not reachable as root"
if grep -qE '(^| )audit=(0|off)( |$)' /proc/cmdline; then
	grep -qE '^  \[FAIL\] boot command line' "$W/root.out" || fail "audit=0 on the command line not reported"
else
	grep -qE '^  \[FAIL\] boot command line' "$W/root.out" && fail "boot command line failed without audit=0"
fi

setpriv --reuid=65534 --regid=65534 --clear-groups "$KESTREL" --check >"$W/user.out" 2>&1
rc=$?
check_result "$W/user.out" "$rc"
[ "$rc" = 1 ] || { cat "$W/user.out"; fail "unprivileged --check did not fail"; }
grep -qE '^  \[FAIL\] audit netlink: ' "$W/user.out" || { cat "$W/user.out"; fail "no audit netlink failure for a non-root user"; }
grep -q 'what to do: .*root' "$W/user.out" || { cat "$W/user.out"; fail "no advice to run as root"; }

check_state_restored
echo "PASS: kestrel --check as root and as nobody"
