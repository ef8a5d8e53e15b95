"""The smallest heap for the seed example, and the import footprint.

The smallest MicroPython heap in which the seed example still streams a
file byte-exact, and the library's import footprint from .mpy and .py.

    tools/min-heap [--size 1000000] [--rate R] [--py] [--low 8] [--high 256]
                   [--runtime unix|esp32like|esp32like-frozen] [--check KB [--runs N]]

Compiles the library to .mpy (unless --py), then bisects
``-X heapsize=<N>K`` between --low and --high KB: a heap works when
tools/seed_example.py (itself compiled to .mpy too, so it costs no
compiler memory) prints "OK <size>", exits 0 and the local sink's SHA-256
matches the file.  Each trial has a deadline (a run that stalls in a heap
too small fails, it does not hang the search).  Prints every trial, the
smallest working heap, and gc.mem_alloc() after importing the seed
example's modules from .mpy and from .py.

--runtime picks the MicroPython: the stock unix port (64-bit, the
default), or the ESP32-like build of tools/esp32like.py (32-bit, GIL),
plain or with the library frozen into it (then nothing of the library is
loaded from disk).  ``--check KB --runs N`` runs N trials at one heap size
instead of bisecting and prints how many worked.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

if not __package__:             # run by path: python tools/min_heap.py
    import by_path  # noqa: F401
from tools.deploy import build, library_files, DeployError                  # noqa: E402
from tools.interpreters import (ROOT, NotInstalled, board_script, esp32like_exe,  # noqa: E402
                                micropython_env, micropython_exe)
from tools.sink import Sink                                                  # noqa: E402

SEED = os.path.join(ROOT, "tools", "seed_example.py")


def runtime_command(runtime):
    """The command line that starts the chosen MicroPython."""
    if runtime == "unix":
        return [micropython_exe()]
    return [esp32like_exe(frozen=runtime == "esp32like-frozen")]


def prepare(workdir, mpy, frozen=False):
    """Build the library (and the seed script) into workdir; returns
    (MICROPYPATH, path of the seed script to run).  ``frozen``: the library
    is in the firmware, so only the seed script is built."""
    files = [(SEED, "seed_example.py")]
    if not frozen:
        files += [(s, "lib/" + r) for s, r in library_files()]
    built = build(files, mpy, workdir)
    libdir = os.path.join(workdir, "lib")
    if not mpy:
        for local, dest in built:
            os.makedirs(os.path.dirname(os.path.join(workdir, dest)), exist_ok=True)
            shutil.copyfile(local, os.path.join(workdir, dest))
    seed = os.path.join(workdir, "seed_example.mpy" if mpy else "seed_example.py")
    return (".frozen" if frozen else libdir), seed


def run_seed(heap_kb, libdir, seed, datafile, size, expected, rate, timeout, exe=None):
    """One trial; returns (ok, seconds, what went wrong or '')."""
    sink = Sink()
    cmd = (exe or [micropython_exe()]) + ["-X", "heapsize=%dK" % heap_kb]
    if seed.endswith(".mpy"):
        # A .mpy cannot be run as a script: import it with its arguments set.
        code = ("import sys\nsys.argv[:] = %r\nsys.path.insert(0, %r)\nimport seed_example\n"
                % (["seed_example", "127.0.0.1", str(sink.port), datafile, str(rate)],
                   os.path.dirname(seed)))
        cmd += ["-c", code]
    else:
        cmd += [seed, "127.0.0.1", str(sink.port), datafile, str(rate)]
    env = micropython_env(libdir)
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        sink.close()
        return False, time.monotonic() - start, "no result within %ss" % timeout
    took = time.monotonic() - start
    said = (proc.stdout + proc.stderr).strip()
    if proc.returncode == 0:
        sink.done.wait(5)       # the client has closed; let the sink catch up
    sink.close()
    if proc.returncode != 0 or ("OK %d" % size) not in proc.stdout:
        last = said.splitlines()[-1] if said else "exit status %d" % proc.returncode
        return False, took, last
    if sink.count != size or sink.hexdigest() != expected:
        return False, took, "server got %d bytes, checksum %s" % (
            sink.count, "matches" if sink.hexdigest() == expected else "differs")
    return True, took, ""


def import_footprint(libdir, exe=None):
    cmd = (exe or [micropython_exe()]) + ["-c", board_script("seed_import_footprint")]
    out = subprocess.run(cmd, env=micropython_env(libdir), capture_output=True,
                         text=True, timeout=30)
    if out.returncode != 0:
        return "failed: %s" % (out.stdout + out.stderr).strip().splitlines()[-1]
    return int(out.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000000)
    parser.add_argument("--rate", type=int, default=10000000)
    parser.add_argument("--py", action="store_true", help="run from .py, not .mpy")
    parser.add_argument("--low", type=int, default=8, help="KB")
    parser.add_argument("--high", type=int, default=256, help="KB")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--runtime", default="unix",
                        choices=("unix", "esp32like", "esp32like-frozen"))
    parser.add_argument("--check", type=int, help="KB: only run --runs trials at this heap")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    try:
        with tempfile.TemporaryDirectory(prefix="min-heap-") as work:
            payload = os.urandom(args.size)
            datafile = os.path.join(work, "data.bin")
            with open(datafile, "wb") as f:
                f.write(payload)
            expected = hashlib.sha256(payload).hexdigest()
            frozen = args.runtime == "esp32like-frozen"
            exe = runtime_command(args.runtime)
            libdir, seed = prepare(os.path.join(work, "build"), not args.py, frozen)
            kind = "frozen" if frozen else ".py" if args.py else ".mpy"

            def trial(kb):
                ok, took, why = run_seed(kb, libdir, seed, datafile, args.size, expected,
                                         args.rate, args.timeout, exe)
                print("  heapsize=%3dK  %-4s %5.1fs  %s" % (kb, "ok" if ok else "FAIL", took, why),
                      flush=True)
                return ok

            print("seed example on %s, %d bytes at rate %d, library %s:"
                  % (args.runtime, args.size, args.rate, kind), flush=True)
            if args.check:
                worked = sum(trial(args.check) for _ in range(args.runs))
                print("%d of %d runs worked in %dK" % (worked, args.runs, args.check))
                return 0 if worked == args.runs else 1
            low, high = args.low, args.high
            if not trial(high):
                print("does not work even in %dK" % high)
                return 1
            if trial(low):
                high = low
            while high - low > 1:       # invariant: low fails, high works
                mid = (low + high) // 2
                if trial(mid):
                    high = mid
                else:
                    low = mid
            print("smallest heap that streams %d bytes from %s: %dK" % (args.size, kind, high))
            with tempfile.TemporaryDirectory() as other:
                py_lib, _ = prepare(os.path.join(other, "py"), False)
                mpy_lib, _ = prepare(os.path.join(other, "mpy"), True)
                print("import footprint (gc.mem_alloc after importing the seed example's "
                      "modules): .mpy %s bytes, .py %s bytes"
                      % (import_footprint(mpy_lib, exe), import_footprint(py_lib, exe)))
    except (DeployError, NotInstalled) as e:
        print("min-heap: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
