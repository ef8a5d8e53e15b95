"""pytest glue: paths (the repository root too, for ``import tools.<name>``),
the test-server factory, and the ESP32-like build as a skip where it
cannot be made.  The interpreters themselves are found by
tools/interpreters.py."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
for path in [ROOT] + [os.path.join(ROOT, sub)
                      for sub in ("lib", "ports/cpython", "tests/support", "tests/cases")]:
    if path not in sys.path:
        sys.path.insert(0, path)

from serverfactory import ServerFactory  # noqa: E402
from tools import interpreters  # noqa: E402


# The ESP32-like build runs every test in a board-sized heap, with a thread
# stack as small as the unix port allows (16 KB, of which MicroPython's
# stack check leaves 8 KB to Python; an ESP32 thread has about 5 KB).
ESP32LIKE_HEAP = "96K"
ESP32LIKE_STACK = 16384
# Modules the ESP32-like build leaves out (tools/esp32like.py builds it
# without SSL); a test that needs one is skipped there (checks.need_module).
ESP32LIKE_LACKS = ("ssl",)
_esp32like_skip = []     # why the ESP32-like tests were skipped, for the summary


def esp32like_exe(frozen=False):
    """The ESP32-like binary (built on first use), or a skip where it
    cannot be made here.  On CI (CI=true) the sources are always there,
    so a missing build fails instead."""
    try:
        return interpreters.esp32like_exe(frozen)
    except interpreters.NotInstalled as exc:
        if not _esp32like_skip:
            _esp32like_skip.append(str(exc))
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the ESP32-like tests: %s" % exc)
        pytest.skip("ESP32-like runtime: %s" % exc)


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
    if _esp32like_skip:
        terminalreporter.write_line("ESP32-like tests skipped: " + _esp32like_skip[0])
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
        from tools.deploy import build, library_files
        out = tempfile.mkdtemp(prefix="cases-mpy-")
        files = [(src, "lib/" + rel) for src, rel in library_files()]
        for sub in ("support", "cases"):
            for name in sorted(os.listdir(os.path.join(TESTS, sub))):
                if name.endswith(".py") and name != "run_case.py":
                    files.append((os.path.join(TESTS, sub, name), "lib/" + name))
        build(files, True, out)
        _MPY_DIR.append(os.path.join(out, "lib"))
    return _MPY_DIR[0]


@pytest.fixture(scope="session")
def factory():
    fac = ServerFactory()
    os.environ["TESTKIT_PORT"] = str(fac.port)
    yield fac
    fac.close()
