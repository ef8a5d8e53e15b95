"""Build the ESP32-like MicroPython: the unix port with 32-bit pointers and
threads under a GIL, as on an ESP32 (no SSL: the build has no mbedtls).

    tools/esp32like [--print] [--force]

Two binaries, cached under .venv/esp32like/:

* ``micropython``: the plain build; the library is loaded as .py or .mpy.
* ``micropython-frozen``: the same with the library frozen into the binary
  through the repository's ``manifest.py``, as ESP32 firmware would have it
  (its bytecode then lives outside the heap).

Where the sources come from, first match wins:

1. ``$MICROPYTHON_SRC``: a MicroPython checkout (``py/``, ``ports/unix/``,
   ``mpy-cross/``; micropython-lib under ``lib/micropython-lib`` is not
   needed, the manifest uses none of it).  Its build trees go under
   .venv/esp32like/, and mpy-cross is built inside the checkout.
2. ``../shared/micropython/*.tar.gz`` beside this repository, unpacked into
   .venv/esp32like/src.

With neither, ``available()`` says why and nothing is built.  Each binary
is rebuilt only when its inputs change: the sources (the tarballs' hashes,
or the checkout's files' sizes and times) and, for the frozen one, the
manifest and the library.  Building needs a C compiler that can make 32-bit
programs (on Debian: ``apt-get install gcc-multilib``); a failed build
raises BuildError with the end of make's output.  A lock file keeps two
builds from running at once.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".venv", "esp32like")
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "micropython")
TARBALLS = ("micropython-src.tar.gz", "micropython-lib-src.tar.gz")
MANIFEST = os.path.join(ROOT, "manifest.py")

# The ESP32's own choices, as far as a unix build can make them.
MAKE_ARGS = ["VARIANT=standard", "MICROPY_PY_FFI=0", "MICROPY_PY_BTREE=0",
             "MICROPY_PY_SSL=0", "MICROPY_SSL_AXTLS=0", "MICROPY_SSL_MBEDTLS=0",
             "MICROPY_PY_THREAD_GIL=1", "CFLAGS_EXTRA=-m32", "LDFLAGS_EXTRA=-m32"]

HOW_TO_ENABLE = ("set MICROPYTHON_SRC to a MicroPython checkout (and install "
                 "gcc-multilib) to run the tests on the ESP32-like build too")


class BuildError(Exception):
    pass


def _source():
    """(kind, location) of the sources, or (None, reason)."""
    checkout = os.environ.get("MICROPYTHON_SRC")
    if checkout:
        if not os.path.isdir(os.path.join(checkout, "ports", "unix")):
            raise BuildError("MICROPYTHON_SRC=%s is not a MicroPython checkout "
                             "(it has no ports/unix)" % checkout)
        return "checkout", os.path.abspath(checkout)
    if all(os.path.isfile(os.path.join(SHARED, t)) for t in TARBALLS):
        return "tarballs", SHARED
    return None, "no MicroPython sources: " + HOW_TO_ENABLE


def available():
    """None when the ESP32-like build can be made here, else the reason why not."""
    kind, where = _source()
    return None if kind else where


def _hash_files(digest, paths):
    for path in paths:
        digest.update(path.encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest.update(block)


def _checkout_stamp(digest, top):
    for sub in ("py", "extmod", "shared", "ports/unix", "mpy-cross"):
        for folder, dirs, files in os.walk(os.path.join(top, sub)):
            dirs[:] = sorted(d for d in dirs if not d.startswith("build"))
            for name in sorted(files):
                st = os.stat(os.path.join(folder, name))
                digest.update(("%s/%s %d %d\n" % (folder, name, st.st_size,
                                                  st.st_mtime_ns)).encode())


def _library_files():
    found = [MANIFEST]
    for base in ("lib", os.path.join("ports", "micropython")):
        for folder, dirs, files in os.walk(os.path.join(ROOT, base)):
            dirs.sort()
            found += [os.path.join(folder, n) for n in sorted(files) if n.endswith(".py")]
    return found


def _stamp(kind, where, frozen):
    digest = hashlib.sha256(" ".join(MAKE_ARGS).encode())
    if kind == "tarballs":
        _hash_files(digest, [os.path.join(where, t) for t in TARBALLS])
    else:
        _checkout_stamp(digest, where)
    if frozen:
        _hash_files(digest, _library_files())
    return digest.hexdigest()


def _run(cmd, cwd, log):
    with open(log, "a") as out:
        out.write("$ %s\n" % " ".join(cmd))
        out.flush()
        code = subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if code:
        with open(log) as f:
            tail = f.read()[-3000:]
        hint = ""
        if "gnu/stubs-32.h" in tail or "cannot find -lgcc" in tail or "-m32" in tail:
            hint = "\n(a 32-bit C toolchain is missing: apt-get install gcc-multilib)"
        raise BuildError("building the ESP32-like MicroPython failed: %s exited %d; "
                         "end of %s:\n%s%s" % (cmd[0], code, log, tail, hint))


def _tree(kind, where, log):
    """The MicroPython tree to build in, unpacked when it comes as tarballs."""
    if kind == "checkout":
        return where
    src = os.path.join(CACHE, "src")
    mark = os.path.join(src, ".unpacked")
    want = _stamp(kind, where, False)
    if _read(mark) != want:
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(src)
        for name in TARBALLS:
            with tarfile.open(os.path.join(where, name)) as tar:
                tar.extractall(src)
        _write(mark, want)
    return os.path.join(src, "micropython")


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _write(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")


def binary(frozen=False):
    return os.path.join(CACHE, "micropython-frozen" if frozen else "micropython")


def build(force=False, quiet=True):
    """Make both binaries up to date; returns (plain path, frozen path)."""
    kind, where = _source()
    if not kind:
        raise BuildError(where)
    os.makedirs(CACHE, exist_ok=True)
    log = os.path.join(CACHE, "build.log")
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for frozen in (False, True):
            target = binary(frozen)
            stamp = _stamp(kind, where, frozen)
            if not force and os.path.exists(target) and _read(target + ".stamp") == stamp:
                continue
            if not quiet:
                print("building %s ..." % target, file=sys.stderr)
            open(log, "w").close()
            top = _tree(kind, where, log)
            jobs = "-j%d" % (os.cpu_count() or 2)
            if not os.path.exists(os.path.join(top, "mpy-cross", "build", "mpy-cross")):
                _run(["make", "-C", os.path.join(top, "mpy-cross"), jobs], top, log)
            out = os.path.join(CACHE, "build-frozen" if frozen else "build-plain")
            # Freeze the library afresh: make goes by file times, and a
            # cache shared by two checkouts (a worktree's .venv linked to
            # another's) holds modules frozen from the other's sources.
            shutil.rmtree(os.path.join(out, "frozen_mpy"), ignore_errors=True)
            _run(["make", jobs, "BUILD=" + out,
                  "FROZEN_MANIFEST=" + (MANIFEST if frozen else "")] + MAKE_ARGS,
                 os.path.join(top, "ports", "unix"), log)
            shutil.copyfile(os.path.join(out, "micropython"), target)
            os.chmod(target, 0o755)
            _write(target + ".stamp", stamp)
    return binary(False), binary(True)


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--print", action="store_true",
                        help="only print the binaries' paths, or why there are none")
    args = parser.parse_args(argv)
    reason = available()
    if reason:
        print(reason)
        return 0 if args.print else 1
    try:
        paths = build(args.force, quiet=args.print)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("\n".join(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
