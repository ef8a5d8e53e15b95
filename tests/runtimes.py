"""Start a script under any of the runtimes as a subprocess (for tests that
must watch a process from outside: stdin/stdout, CPU time).

"esp32like" is the ESP32-like build (tools/esp32like.py) in a board's heap
(conftest.ESP32LIKE_HEAP), with the library and tests/support loaded from
.mpy as a board loads them; a test on it is skipped where that build
cannot be made.
"""

import os
import subprocess

from conftest import ROOT, ESP32LIKE_HEAP, esp32like_exe, mpy_path
from tools.interpreters import local_command, micropython_env

RUNTIMES = ["cpython", "micropython", "esp32like"]


def command(runtime, script, *args):
    """(argv, environment) that run ``script`` (a path from the repository
    root) with ``args`` under ``runtime``."""
    script = os.path.join(ROOT, script)
    if runtime == "esp32like":
        return ([esp32like_exe(), "-X", "heapsize=" + ESP32LIKE_HEAP, script] + list(args),
                micropython_env(mpy_path() + os.pathsep + ".frozen"))
    cmd, env = local_command(runtime)
    return cmd + [script] + list(args), env


def start(runtime, script, *args):
    cmd, env = command(runtime, script, *args)
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
