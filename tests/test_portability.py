"""lib/ is portable: it compiles for ESP32, imports under MicroPython, and
uses only modules every target has."""

import ast
import os
import subprocess

import pytest

from conftest import ROOT
from tools import extras_cost
from tools.deploy import mpy_cross_exe
from tools.interpreters import local_command, micropython_env, micropython_exe

ALLOWED = {"_thread", "socket", "time", "sys", "gc", "errno", "os",
           "hashlib", "binascii", "axonport", "micropython", "Axon", "Kamaelia"}
FORBIDDEN = {"threading", "queue", "select", "asyncio", "uasyncio", "logging",
             "typing", "inspect", "abc", "weakref"}


def modules(*dirs):
    for top in dirs:
        for base, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(base, name)


def module_names():
    lib = os.path.join(ROOT, "lib")
    for path in modules("lib"):
        rel = os.path.relpath(path, lib)[:-3].replace(os.sep, ".")
        yield rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def imported(path):
    tree = ast.parse(open(path).read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module.split(".")[0]


def test_lib_imports_only_portable_modules():
    for path in modules("lib"):
        for name in imported(path):
            assert name not in FORBIDDEN, "%s imports %s" % (path, name)
            assert name in ALLOWED, "%s imports %s, not on every target" % (path, name)


@pytest.mark.parametrize("path", list(modules("lib", "ports/micropython")),
                         ids=lambda p: os.path.relpath(p, ROOT))
def test_compiles_for_esp32(path, tmp_path):
    out = tmp_path / "m.mpy"
    proc = subprocess.run([mpy_cross_exe(), "-march=xtensawin", "-o", str(out), path],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0


def test_every_module_imports_under_micropython():
    names = sorted(module_names())
    script = "import gc\nfor n in %r:\n    __import__(n)\nprint('imported', len(%r))\n" % (names, names)
    proc = subprocess.run([micropython_exe(), "-c", script], env=micropython_env(),
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and "imported %d" % len(names) in proc.stdout, (
        proc.stdout + proc.stderr)


# TLS, statistics and reconnection cost nothing for users of the
# plain client: their modules never load, and the one hook they need in the
# client (``**extras`` handed to Kamaelia.Internet.Extras) costs 32 B of
# import and nothing per client.  Measured side by side by
# tools/extras_cost.py (which says why side by side).
def test_plain_client_does_not_load_or_pay_for_the_extras():
    imported, made, loaded = extras_cost.measure(False)
    cut_imported, cut_made, _ = extras_cost.measure(True)
    assert loaded == "-", loaded
    # The hooks (the argument, the word, the session's calls) are about
    # 200 B; where the rest of Axon happens to leave
    # GC blocks and qstr pools moves the figure by up to 256 B (seen when
    # unrelated Axon modules changed).  Extras code in the client: 700 B.
    assert imported - cut_imported <= 256, (imported, cut_imported)
    assert made == cut_made, (made, cut_made)


LAZY_PROBE = """
import sys
def ours():
    return sorted(m for m in sys.modules if m.split(".")[0] in ("Axon", "Kamaelia"))
import Axon, Kamaelia, Kamaelia.Chassis, Kamaelia.Util
print(ours())
from Axon.Ipc import producerFinished, notify
print(ours())
Axon.AxonExceptions.noSpaceInBox
print(ours())
"""


@pytest.mark.parametrize("runtime", ["cpython", "micropython"])
def test_importing_a_package_loads_nothing_else(runtime):
    """``import Axon`` loads no submodule (a board pays only for what it
    uses); importing one does not load the loader (Axon.Lazy); the first
    ``Axon.AxonExceptions`` through the package loads that one and the
    loader."""
    cmd, env = local_command(runtime)
    proc = subprocess.run(cmd + ["-c", LAZY_PROBE], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kamaelia = "'Kamaelia', 'Kamaelia.Chassis', 'Kamaelia.Util'"
    assert proc.stdout.split("\n")[:3] == [
        "['Axon', %s]" % kamaelia,
        "['Axon', 'Axon.Ipc', 'Axon.IpcMore', %s]" % kamaelia,
        "['Axon', 'Axon.AxonExceptions', 'Axon.Ipc', 'Axon.IpcMore', 'Axon.Lazy', %s]"
        % kamaelia]


CHASSIS_PROBE = """
import sys
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
class Once(component):
    def main(self):
        self.send(1, "outbox")
        self.send(producerFinished(), "signal")
        yield 1
class Sink(component):
    def main(self):
        while not self.dataReady("control"):
            self.pause()
            yield 1
Pipeline(Once(), Graphline(A=Sink(), B=Sink(), linkages={}), Sink()).activate()
Pipeline(Once(), Sink(), circular=True).activate()
scheduler.run.runThreads()
print(sorted(m for m in ("Axon.Lazy", "Axon.Seldom", "Axon.IpcMore") if m in sys.modules))
"""


@pytest.mark.parametrize("runtime", ["cpython", "micropython"])
def test_running_the_chassis_loads_nothing_seldom_used(runtime):
    """Pipeline and Graphline, shutdown included, use only what every
    program loads: no attribute they read falls through to a lazy loader."""
    cmd, env = local_command(runtime)
    proc = subprocess.run(cmd + ["-c", CHASSIS_PROBE], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "[]"
