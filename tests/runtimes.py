"""Start a script under either runtime as a subprocess (for tests that
must watch a process from outside: stdin/stdout, CPU time)."""

import os
import subprocess
import sys

from conftest import ROOT, micropython_exe, micropython_env

RUNTIMES = ["cpython", "micropython"]


def command(runtime, script, *args):
    script = os.path.join(ROOT, script)
    if runtime == "cpython":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "cpython")]))
        return [sys.executable, script] + list(args), env
    return [micropython_exe(), script] + list(args), micropython_env()


def start(runtime, script, *args):
    cmd, env = command(runtime, script, *args)
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
