"""Every behaviour test in tests/cases/ runs three times, each within its
deadline: in-process on CPython, as a script under the MicroPython unix
port, and as a script under the ESP32-like build (32-bit, GIL; see
tools/esp32like.py) in a board-sized heap (conftest.ESP32LIKE_HEAP) with a
small thread stack, the library and tests loaded from .mpy as on a board.

A case module lists its tests as ``def test_...():`` functions using plain
asserts; ``DEADLINES = {"test_name": seconds}`` overrides the default.
``THREAD_RACES = ["test_name", ...]`` names the tests whose outcome
depends on how threads interleave: ``tools/test --stress N`` (environment
AXON_STRESS=N) collects only those, each N times, and conftest.py reports
how many runs of each failed.
``MICROPYTHON_HEAPS = {"test_name": "64K"}`` runs that test under
MicroPython in a heap of that size, with the library, the test support
and the case module compiled to .mpy (as on a board: compiling sources
would need more heap than the test itself).  ``ESP32LIKE_HEAPS`` does
the same for the ESP32-like build alone (where it differs from
conftest.ESP32LIKE_HEAP).

A test that cannot run on a runtime (it needs a module that build lacks:
conftest.ESP32LIKE_LACKS, see checks.need_module) raises
checks.SkipTest; it is reported as a skip with its reason.
"""

import os
import re
import subprocess
import threading

import pytest

from conftest import (ROOT, TESTS, ESP32LIKE_HEAP, ESP32LIKE_LACKS, ESP32LIKE_STACK,
                      esp32like_exe, mpy_path)
from tools.interpreters import micropython_env, micropython_exe, micropython_path

CASES_DIR = os.path.join(TESTS, "cases")
DEFAULT_DEADLINE = 20


STRESS = int(os.environ.get("AXON_STRESS") or 0)


def collect():
    """(module, test) of every case, or in stress mode each thread-race
    test STRESS times."""
    found = []
    for name in sorted(os.listdir(CASES_DIR)):
        if name.startswith("case_") and name.endswith(".py"):
            with open(os.path.join(CASES_DIR, name)) as f:
                source = f.read()
            tests = re.findall(r"^def (test_\w+)\(", source, re.M)
            if STRESS:
                races = getattr(__import__(name[:-3]), "THREAD_RACES", ())
                tests = [t for t in tests if t in races]
            found.extend((name[:-3], test) for test in tests)
    return found * (STRESS or 1)


def case_ids(cases):
    """pytest ids: module::test, with #round in stress mode."""
    if not STRESS:
        return ["%s::%s" % c for c in cases]
    per_round = len(cases) // STRESS
    return ["%s::%s#%d" % (c + (i // per_round + 1,)) for i, c in enumerate(cases)]


def deadline_of(module, test):
    return getattr(module, "DEADLINES", {}).get(test, DEFAULT_DEADLINE)


def run_in_process(module_name, test_name):
    module = __import__(module_name)
    outcome = {}

    def body():
        try:
            getattr(module, test_name)()
            outcome["ok"] = True
        except BaseException as exc:   # reported to pytest below
            outcome["error"] = exc

    deadline = deadline_of(module, test_name)
    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(deadline)
    end_control_connection()
    if thread.is_alive():
        from Axon.Scheduler import scheduler
        scheduler.run = scheduler()    # the hung run keeps the old one
        pytest.fail("%s did not finish within its %s s deadline" % (test_name, deadline))
    if "error" in outcome:
        if type(outcome["error"]).__name__ == "SkipTest":
            pytest.skip(str(outcome["error"]))
        raise outcome["error"]


def end_control_connection():
    """Close this process's connection to the test-server factory (the next
    test opens a new one): the factory then stops the servers the test
    started, as it does when a MicroPython test process exits."""
    import testserver
    sock, testserver._Control.sock = testserver._Control.sock, None
    if sock is not None:
        sock.close()


def run_in_micropython(module_name, test_name, esp32like=False):
    module = __import__(module_name)
    deadline = deadline_of(module, test_name)
    heap = getattr(module, "MICROPYTHON_HEAPS", {}).get(test_name)
    if esp32like:
        heap = getattr(module, "ESP32LIKE_HEAPS", {}).get(test_name) or heap
    exe = esp32like_exe() if esp32like else micropython_exe()
    cmd = [exe, os.path.join(TESTS, "support", "run_case.py"), module_name, test_name]
    env = micropython_env(micropython_path(extra=("tests/support", "tests/cases")))
    if esp32like:
        heap = heap or ESP32LIKE_HEAP
        cmd.append(str(ESP32LIKE_STACK))
        env["TESTKIT_LACKS"] = " ".join(ESP32LIKE_LACKS)
    if heap:
        cmd[1:1] = ["-X", "heapsize=" + heap]
        env["MICROPYPATH"] = mpy_path() + os.pathsep + ".frozen"
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=deadline)
    except subprocess.TimeoutExpired as exc:
        pytest.fail("%s did not finish within its %s s deadline under MicroPython\n%s"
                    % (test_name, deadline, exc.stdout or ""))
    skipped = re.search(r"^SKIP (.*)$", proc.stdout, re.M)
    if proc.returncode == 0 and skipped:
        pytest.skip(skipped.group(1))
    assert proc.returncode == 0 and "PASS " + test_name in proc.stdout, (
        "MicroPython run failed (exit %s)\nstdout:\n%s\nstderr:\n%s"
        % (proc.returncode, proc.stdout, proc.stderr))


def known_esp32like_failures():
    with open(os.path.join(TESTS, "esp32like_known_failures.txt")) as f:
        return {line.strip() for line in f if line.strip() and not line.startswith("#")}


KNOWN_ESP32LIKE_FAILURES = known_esp32like_failures()
CASES = collect()


@pytest.mark.parametrize("runtime", ["cpython", "micropython", "esp32like"])
@pytest.mark.parametrize("module_name,test_name", CASES, ids=case_ids(CASES))
def test_case(runtime, module_name, test_name, factory):
    if runtime == "cpython":
        run_in_process(module_name, test_name)
    elif runtime == "esp32like" and "%s::%s" % (module_name, test_name) in KNOWN_ESP32LIKE_FAILURES:
        try:
            run_in_micropython(module_name, test_name, True)
        except pytest.skip.Exception:
            raise
        except BaseException as exc:
            pytest.xfail("known not to pass on the ESP32-like build yet "
                         "(tests/esp32like_known_failures.txt): %s" % str(exc).splitlines()[0])
    else:
        run_in_micropython(module_name, test_name, runtime == "esp32like")
