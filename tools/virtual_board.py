"""A virtual MicroPython board on a pseudo-terminal, for mpremote.

    tools/virtual-board [--root DIR] [--heap 64K]

prints the board's port (e.g. /dev/pts/7) and runs until Ctrl-C; then

    mpremote connect /dev/pts/7 resume fs ls

works as against a board on a serial port.  From Python::

    with VirtualBoard(heap="64K") as board:     # a fresh temp dir as filesystem
        subprocess.run(["mpremote", "connect", board.port, "resume", ...])

How it is built, and why:

- The MicroPython unix port's REPL runs with its stdin/stdout on pty A, which
  is its controlling terminal.  mpremote talks to pty B.  A bridge thread
  copies bytes both ways.  Two ptys, not one, because the REPL and mpremote
  would otherwise both read the same end.  Both ptys are raw (no newline
  translation), so output is byte-exact: a print() ends in "\\n" here where a
  board sends "\\r\\n".
- Ctrl-C interrupts a running program, as on a board: the bridge turns it
  into a SIGINT while the interpreter runs code (see _interrupt).  A
  program that ends in the instant between that check and the signal takes
  the signal at the REPL, where it ends the process: the board reboots.
- The working directory is the board's filesystem (``root``) and
  ``root/lib`` is on sys.path after '' and '.frozen', like a board's /lib.
  Use relative paths (``:lib/x.py``); an absolute path (``:/lib``) reaches
  the host's own filesystem, since there is no chroot without root.
- The unix port has no soft reset: Ctrl-D on an empty REPL line, or
  sys.exit() in a script, ends the process.  The board then "reboots": it
  prints "MPY: soft reboot", starts a fresh interpreter and, if the old one
  was in the raw REPL, puts the new one there too, which is what mpremote
  expects from a soft reset.  So ``mpremote connect PORT exec ...`` works
  with or without ``resume`` (``resume`` skips the reboot and is faster).
  An interpreter that dies within a second of starting, three times running,
  is not restarted again (``failure`` says why).
- Output the board sends while no one has the port open is kept, up to
  64 KB, then the oldest is dropped (a UART with no listener loses it too);
  mpremote discards stale input when it connects anyway.
- ``start()`` returns once the REPL prompt appeared, or raises
  BoardError with the interpreter's output after ``start_timeout`` seconds.
  ``close()`` kills the interpreter's process group, stops the bridge and
  closes every descriptor; it is safe to call twice, and the ``with`` form
  always calls it.  A temp dir made for ``root`` is removed on close
  unless ``keep=True``.
"""

import argparse
import errno
import fcntl
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

if not __package__:             # run by path: python tools/virtual_board.py
    import by_path  # noqa: F401
from tools.interpreters import NotInstalled, micropython_env, micropython_exe  # noqa: E402

BANNER_END = b'for more information.\r\n>>> '
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
KEEP_UNREAD = 65536


class BoardError(Exception):
    pass


def _raw_with_signals(fd):
    """Raw tty, except Ctrl-C still raises SIGINT (how the unix port sees an
    interrupt while it runs code; its line editor turns ISIG off itself)."""
    tty.setraw(fd)
    attr = termios.tcgetattr(fd)
    attr[3] |= termios.ISIG
    cc = attr[6]
    cc[termios.VINTR] = b"\x03"
    cc[termios.VQUIT] = cc[termios.VSUSP] = b"\x00"
    termios.tcsetattr(fd, termios.TCSANOW, attr)


def _take_terminal():
    # Runs in the child after setsid(): make pty A its controlling terminal.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class VirtualBoard:
    def __init__(self, root=None, heap=None, keep=False, start_timeout=10):
        self.made_root = root is None
        self.root = os.path.abspath(root or tempfile.mkdtemp(prefix="virtual-board-"))
        self.keep = keep
        self.heap = heap
        self.micropython = None         # the executable, found by start()
        self.start_timeout = start_timeout
        self.port = None
        self.proc = None
        self.failure = None
        self.reboots = 0
        self._lock = threading.Lock()
        self._closing = False
        self._fds = []
        self._threads = []
        self._to_client = bytearray()
        self._to_board = bytearray()
        self._tail = b""
        self._raw = False
        self._quiet_until_prompt = False
        self._enter_raw_after_prompt = False
        self._prompt = threading.Event()
        self._seen = bytearray()        # startup output, for error messages

    # -- lifecycle -------------------------------------------------------

    def start(self):
        try:
            self.micropython = micropython_exe()
        except NotInstalled as e:
            raise BoardError(str(e))
        os.makedirs(os.path.join(self.root, "lib"), exist_ok=True)
        self.a_master, self.a_slave = os.openpty()
        self.b_master, self.b_slave = os.openpty()
        self._fds = [self.a_master, self.a_slave, self.b_master, self.b_slave]
        self._wake_r, self._wake_w = os.pipe()
        self._fds += [self._wake_r, self._wake_w]
        for fd in (self.a_master, self.b_master, self._wake_r, self._wake_w):
            os.set_blocking(fd, False)
        tty.setraw(self.b_slave)
        # The bridge keeps pty B's slave open so that the master never sees a
        # hang-up between mpremote sessions.
        self.port = os.ttyname(self.b_slave)
        self._spawn()
        for target in (self._bridge, self._watch):
            t = threading.Thread(target=target, name="virtual-board", daemon=True)
            t.start()
            self._threads.append(t)
        if not self._prompt.wait(self.start_timeout):
            out = bytes(self._seen).decode("utf-8", "replace")
            self.close()
            raise BoardError("the virtual board's REPL did not start within %ss; it said: %r"
                             % (self.start_timeout, out))
        if self.failure:
            failure = self.failure
            self.close()
            raise BoardError(failure)
        return self

    def _spawn(self):
        _raw_with_signals(self.a_slave)
        # Started with SIGINT ignored, so that until the interpreter runs
        # code and installs its own handler, SIGINT is not "caught" (see
        # _interrupt); the wrapper's CPython would catch it otherwise.
        cmd = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", self.micropython]
        if self.heap:
            cmd += ["-X", "heapsize=%s" % self.heap]
        env = micropython_env(os.pathsep.join(["", ".frozen", os.path.join(self.root, "lib")]))
        self._prompt.clear()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, cwd=self.root, env=env, stdin=self.a_slave, stdout=self.a_slave,
            stderr=self.a_slave, start_new_session=True, preexec_fn=_take_terminal)

    def close(self):
        with self._lock:
            if self._closing:
                return
            self._closing = True
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        if self._fds:
            os.write(self._wake_w, b"x")
        for t in self._threads:
            t.join(timeout=10)
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []
        if self.made_root and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- the interpreter's life: reboot when it exits --------------------

    def _watch(self):
        fast_failures = 0
        while True:
            code = self.proc.wait()
            with self._lock:
                if self._closing:
                    return
                lived = time.monotonic() - self.started
                fast_failures = fast_failures + 1 if lived < 1.0 else 0
                if fast_failures >= 3:
                    self.failure = ("the virtual board's interpreter exited with status %d "
                                    "three times within a second of starting: %r"
                                    % (code, bytes(self._seen[-500:]).decode("utf-8", "replace")))
                    self._prompt.set()
                    return
                self.reboots += 1
                self._to_client += b"MPY: soft reboot\r\n"
                # A board that was in the raw REPL comes back in it, quietly.
                self._quiet_until_prompt = self._raw
                self._enter_raw_after_prompt = self._raw
                self._seen = bytearray()
                self._spawn()
            os.write(self._wake_w, b"x")

    # -- the bridge ------------------------------------------------------

    def _from_board(self, data):
        with self._lock:
            if len(self._seen) < 4096:
                self._seen += data
            window = self._tail + data
            self._tail = window[-64:]
            if RAW_BANNER in window:
                self._raw = True
            if BANNER_END in window:
                self._raw = False
                if not self._prompt.is_set():
                    self._prompt.set()
                if self._quiet_until_prompt:
                    self._quiet_until_prompt = False
                    data = b""
                if self._enter_raw_after_prompt:
                    self._enter_raw_after_prompt = False
                    self._to_board += b"\x01"
            if self._quiet_until_prompt:
                return
            self._to_client += data
            if len(self._to_client) > KEEP_UNREAD:
                del self._to_client[:len(self._to_client) - KEEP_UNREAD]

    def _bridge(self):
        a, b = self.a_master, self.b_master
        while not self._closing:
            with self._lock:
                writers = ([a] if self._to_board else []) + ([b] if self._to_client else [])
            readable, writable, _ = select.select([a, b, self._wake_r], writers, [])
            if self._wake_r in readable:
                try:
                    os.read(self._wake_r, 64)
                except BlockingIOError:
                    pass
            if a in readable:
                data = _read(a)
                if data:
                    self._from_board(data)
            if b in readable:
                data = _read(b)
                if b"\x03" in data and self._interrupt():
                    data = data.replace(b"\x03", b"")
                if data:
                    with self._lock:
                        self._to_board += data
            for fd, buf in ((a, self._to_board), (b, self._to_client)):
                if fd in writable:
                    with self._lock:
                        try:
                            n = os.write(fd, buf)
                        except BlockingIOError:
                            n = 0
                        except OSError as e:
                            if e.errno != errno.EIO:
                                raise
                            n = 0
                        del buf[:n]


    def _interrupt(self):
        """Ctrl-C for a running program: True when it was turned into a
        SIGINT.  The unix port keeps its tty raw while the raw REPL runs
        code, so the byte alone would not interrupt it (on a board the UART
        does that).  Its SIGINT handler is installed only while code runs,
        which /proc shows as SIGINT being caught; otherwise the byte goes to
        the REPL as usual."""
        proc = self.proc
        try:
            with open("/proc/%d/status" % proc.pid) as f:
                caught = [l for l in f if l.startswith("SigCgt:")]
            if caught and int(caught[0].split()[1], 16) & (1 << (signal.SIGINT - 1)):
                os.kill(proc.pid, signal.SIGINT)
                return True
        except (OSError, ValueError):
            pass
        return False


def _read(fd):
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return b""
    except OSError as e:
        # EIO: the other side has no process holding it (between reboots).
        if e.errno == errno.EIO:
            return b""
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="the board's filesystem (default: a temp dir, removed at exit)")
    parser.add_argument("--heap", help="MicroPython heap size, e.g. 64K (default: the unix port's)")
    args = parser.parse_args()
    board = VirtualBoard(root=args.root, heap=args.heap)
    try:
        board.start()
    except BoardError as e:
        sys.exit("virtual board: %s" % e)
    print("virtual board on %s, filesystem %s%s" % (
        board.port, board.root, ", heap %s" % args.heap if args.heap else ""))
    print("try: mpremote connect %s resume fs ls" % board.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
