# ct_shell.py — the "runtime" side of a hand-made container for the
# integration tests: run by a python3 interpreter reached through a symlink
# named like a container runtime (runc), so the shell it starts has a parent
# whose name the default rules' container_entrypoint macro accepts.
#
#   runc ct_shell.py pty   MARKER HOLD   interactive `sh -s MARKER` on a new
#                                        pseudo-terminal (its controlling tty)
#   runc ct_shell.py notty MARKER HOLD   `sh -c 'true MARKER'` in a new session
#                                        without any terminal
#
# HOLD is a file: the shell (pty) or the runner (notty) stays alive until it
# exists or CT_HOLD_MAX seconds pass, so kestrel can still read /proc for the
# process while it handles its exec. Exit status is the shell's.
import os
import pty
import subprocess
import sys
import time

CT_HOLD_MAX = 15.0
CT_POLL = 0.05


def hold(path):
    end = time.monotonic() + CT_HOLD_MAX
    while time.monotonic() < end and not os.path.exists(path):
        time.sleep(CT_POLL)


def run_pty(marker, holdfile):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sh", ["sh", "-s", marker])
    hold(holdfile)
    os.write(fd, b'echo "shell done: $1"; exit 0\n')
    out = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the shell closed the terminal
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


def run_notty(marker, holdfile):
    p = subprocess.Popen(["sh", "-c", "true " + marker + "; sleep 0.2"],
                         stdin=subprocess.DEVNULL, start_new_session=True)
    rc = p.wait()
    hold(holdfile)
    return rc


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("pty", "notty"):
        sys.stderr.write("usage: ct_shell.py pty|notty MARKER HOLDFILE\n")
        return 2
    mode, marker, holdfile = sys.argv[1:]
    if mode == "pty":
        return run_pty(marker, holdfile)
    return run_notty(marker, holdfile)


if __name__ == "__main__":
    sys.exit(main())
