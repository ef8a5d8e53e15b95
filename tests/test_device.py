"""The device path, end to end on the virtual board: mpremote against a
pty, deploy (.mpy and .py, up-to-date files skipped), the seed example run
ON the board against a server here, the ESP32-sized heap, the WiFi helper,
and the main job (tools/demo).

Every wait has a deadline (subprocess timeouts, Event.wait); every test
checks it left no process of its own behind.
"""

import hashlib
import os
import subprocess
import sys

import pytest

from conftest import ROOT, esp32like_exe, mpy_path
from servers import Server
from tools import deploy as deploy_tool, min_heap
from tools.deploy import DeployError, Device, build, deploy, library_files
from tools.interpreters import micropython_env, micropython_exe
from tools.onboard import make_file, seed_result, start_seed
from tools.sink import Sink
from tools.virtual_board import BoardError, VirtualBoard

SEED = min_heap.SEED
MB = 1000000


def children():
    """Live (not zombie) processes whose parent is this one."""
    me, found = os.getpid(), set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(pid))
    return found


@pytest.fixture
def no_leftovers():
    before = children()
    yield
    left = children() - before
    assert not left, "processes left behind: %s" % sorted(left)


@pytest.fixture
def board(no_leftovers):
    b = VirtualBoard()
    b.start()
    yield b
    b.close()
    assert b.proc.poll() is not None
    assert not any(t.is_alive() for t in b._threads)


def mpremote(board, *args, resume=True, timeout=30):
    cmd = [deploy_tool.mpremote_exe(), "connect", board.port] + (["resume"] if resume else [])
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def quiet(line):
    pass


# -- the virtual board ----------------------------------------------------

def test_board_answers_mpremote_with_and_without_resume(board):
    out = mpremote(board, "exec", "import os, sys\nprint(os.getcwd(), sys.path[-1])")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.split() == [board.root, os.path.join(board.root, "lib")]
    # Without resume mpremote soft-resets: the board restarts its interpreter.
    out = mpremote(board, "exec", "print(6 * 7)", resume=False)
    assert out.returncode == 0 and out.stdout.strip() == "42", out.stdout + out.stderr
    assert board.reboots == 1


def test_board_survives_sys_exit_and_forgets_state(board):
    assert mpremote(board, "exec", "x = 1\nimport sys\nsys.exit(3)").returncode == 0
    out = mpremote(board, "exec", "print('x' in globals())")
    assert out.stdout.strip() == "False", out.stdout + out.stderr
    assert board.reboots == 1


def test_ctrl_c_interrupts_a_running_program(board):
    cmd = [deploy_tool.mpremote_exe(), "connect", board.port, "resume", "exec",
           "print('spinning')\nwhile True:\n    pass"]
    spinner = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert spinner.stdout.readline().strip() == "spinning"
    finally:
        spinner.kill()
        spinner.communicate(timeout=10)
    # The next mpremote sends Ctrl-C; the loop must give way to the REPL.
    out = mpremote(board, "exec", "print('free')", timeout=20)
    assert out.stdout.strip() == "free", out.stdout + out.stderr
    assert board.reboots == 0


def test_heap_size_is_the_boards(no_leftovers):
    with VirtualBoard(heap="64K") as b:
        out = mpremote(b, "exec", "import gc\nprint(gc.mem_free() + gc.mem_alloc())")
        assert 60000 < int(out.stdout) <= 65536, out.stdout + out.stderr


def test_an_interpreter_that_cannot_start_is_a_clear_error(no_leftovers):
    with pytest.raises(BoardError, match="three times"):
        VirtualBoard(heap="nonsense").start()


# -- deploy ------------------------------------------------------------------

def board_files(board):
    found = set()
    for base, _, files in os.walk(board.root):
        for name in files:
            found.add(os.path.relpath(os.path.join(base, name), board.root))
    return found


def test_deploy_mpy_skips_up_to_date_files_and_switches_to_py(board):
    modules = ["lib/" + rel for _, rel in library_files()]
    as_mpy = {m[:-3] + ".mpy" for m in modules}

    first = deploy(board.port, mpy=True, log=quiet)
    assert set(first["copied"]) == as_mpy and not first["unchanged"]
    assert board_files(board) == as_mpy

    again = deploy(board.port, mpy=True, log=quiet)
    assert again["copied"] == [] and set(again["unchanged"]) == as_mpy

    # A module that no longer exists in lib/ is removed; files that are not
    # the library's are left alone.
    for name in ("lib/Axon/Gone.py", "lib/other.py", "main.py"):
        with open(os.path.join(board.root, name), "w") as f:
            f.write("pass\n")
    with open(os.path.join(board.root, "lib/Axon/Box.mpy"), "ab") as f:
        f.write(b"\0")                          # changed on the board
    third = deploy(board.port, mpy=True, log=quiet)
    assert third["copied"] == ["lib/Axon/Box.mpy"]
    assert third["removed"] == ["lib/Axon/Gone.py"]

    as_py = deploy(board.port, mpy=False, log=quiet)
    assert set(as_py["copied"]) == set(modules)
    assert set(as_py["removed"]) == as_mpy      # no .mpy twin shadows a .py
    assert board_files(board) == set(modules) | {"lib/other.py", "main.py"}
    for src, rel in library_files():
        with open(src, "rb") as a, open(os.path.join(board.root, "lib", rel), "rb") as b:
            assert a.read() == b.read(), rel

    out = mpremote(board, "exec", "from Kamaelia.Chassis.Pipeline import Pipeline\n"
                   "import Axon.Component\nprint(Axon.Component.__file__)")
    assert out.stdout.strip() == "lib/Axon/Component.py" or \
        out.stdout.strip().endswith("/lib/Axon/Component.py"), out.stdout + out.stderr


def test_deploy_names_a_missing_device(no_leftovers):
    with pytest.raises(DeployError, match="cannot open /dev/nonexistent-board"):
        deploy("/dev/nonexistent-board", log=quiet)


def test_deploy_gives_up_on_a_silent_device(no_leftovers):
    master, slave = os.openpty()        # a port where nothing answers
    try:
        with pytest.raises(DeployError, match="did not answer within 3s"):
            deploy(os.ttyname(slave), log=quiet, timeout=3)
    finally:
        os.close(master)
        os.close(slave)


def test_deploy_says_when_mpremote_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DeployError, match="mpremote is not installed"):
        deploy("/dev/ttyUSB0", log=quiet)


# -- the seed example on the board ---------------------------------------

def test_seed_example_streams_1mb_from_the_board(board):
    device = Device(board.port)
    done = deploy(board.port, mpy=True, extra=[(SEED, "seed_example.py")], log=quiet)
    assert "seed_example.mpy" in done["copied"]
    expected = make_file(device, "data.bin", MB)
    with open(os.path.join(board.root, "data.bin"), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == expected

    server = Server("sink", {})
    proc = start_seed(device, "127.0.0.1", server.port, "data.bin", MB)
    try:
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
        server.stop()
    status, said = seed_result(out)
    assert (status, said) == (0, "OK %d" % MB), out
    assert server.record.done.wait(10) and server.record.closed_by_client
    assert server.record.count == MB
    assert server.record.hash.hexdigest() == expected


# The ESP32-sized heap, 64K, at the seed's rate (about 10 s) and at any
# rate on the 32-bit build, which needs about 47 KB (tools/min-heap).  The
# 64-bit unix port's objects are larger: it needs 66 KB at the seed's rate
# (64 KB works in most runs, and there a few bytes more or less anywhere on
# the heap decide whether a run fits), so it is tested with a margin.
SMALLEST_HEAP_KB = {"esp32like": 64, "micropython": 72}


def board_dir():
    """A short build directory, removed at exit: each module's path is a
    string on the heap, and a board's are short (``lib/Axon/Box.mpy``),
    where pytest's temporary paths are 60 characters longer."""
    import atexit
    import shutil
    import tempfile
    path = tempfile.mkdtemp(prefix="b", dir="/tmp")
    atexit.register(shutil.rmtree, path, True)
    return path


@pytest.mark.parametrize("runtime, rate", [("micropython", 100000), ("esp32like", 100000),
                                           ("esp32like", 50000000)])
def test_seed_example_streams_1mb_from_mpy_in_a_small_heap(runtime, rate, tmp_path, no_leftovers):
    """At the seed's rate and at any rate (faster than loopback) on the
    32-bit build; the 64-bit unix port needs about 68 KB at any rate and
    66 KB at the seed's (see SMALLEST_HEAP_KB)."""
    payload = os.urandom(MB)
    datafile = str(tmp_path / "data.bin")
    with open(datafile, "wb") as f:
        f.write(payload)
    libdir, seed = min_heap.prepare(board_dir(), mpy=True)
    assert seed.endswith(".mpy") and os.path.isfile(os.path.join(libdir, "axonport.mpy"))
    exe = [esp32like_exe()] if runtime == "esp32like" else None
    ok, took, why = min_heap.run_seed(SMALLEST_HEAP_KB[runtime], libdir, seed, datafile, MB,
                                      hashlib.sha256(payload).hexdigest(), rate, timeout=40,
                                      exe=exe)
    assert ok, why


SMALL_HEAP_PROBE = """
import gc, sys
from axonport import QUEUE_BYTES
from Axon.Scheduler import scheduler
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
loaded = sorted(m for m in ("Axon.IpcMore", "axonport_more") if m in sys.modules)
seed = RateControlledFileReader(sys.argv[0], rate=100000)
asked = RateControlledFileReader(sys.argv[0], rate=100000, chunksize=10000)
client = ThreadedTCPClient("127.0.0.1", 9)
import axonport
print(QUEUE_BYTES, gc.threshold(), axonport._HEAP // 32, seed.chunksize, asked.chunksize,
      client.recv_size, len(client._batch), loaded)
"""


@pytest.mark.parametrize("heap, threshold", [("96K", None), ("128K", None), ("128K", 4000),
                                             ("2M", None)])
def test_small_heap_defaults(heap, threshold, tmp_path):
    """On a small MicroPython heap the library collects early, reads smaller
    chunks (same rate) unless asked for a size, and loads no rarely used
    module for the seed example; on a big one it keeps Kamaelia's sizes."""
    script = tmp_path / "probe.py"
    code = SMALL_HEAP_PROBE
    if threshold is not None:
        code = "import gc\ngc.threshold(%d)\n" % threshold + code
    script.write_text(code)
    # from .mpy, as a board loads it: compiling the sources in a 96K heap
    # leaves the probe at the mercy of the compiler's peak
    env = micropython_env(mpy_path())
    proc = subprocess.run([micropython_exe(), "-X", "heapsize=" + heap, str(script)], env=env,
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    queue, gc_threshold, share, chunk, asked, recv_size, send_buffer, loaded = \
        proc.stdout.strip().split(" ", 7)
    queue = int(queue)
    heap_bytes = int(heap[:-1]) * (1024 if heap[-1] == "K" else 1024 * 1024)
    assert heap_bytes // 17 < queue <= heap_bytes // 16     # a sixteenth of the heap
    assert (int(asked), loaded) == (10000, "[]")
    if heap_bytes <= 512 * 1024:
        # the program's own threshold stays (gc counts in blocks: 32 bytes here)
        assert 0 <= (threshold or int(share)) - int(gc_threshold) < 32     # a 32nd of the heap
        assert int(chunk) == queue // 8 < 10000             # same rate, smaller chunks
        assert int(recv_size) == queue // 8
        assert int(send_buffer) == max(128, queue // 8)
    else:
        assert int(gc_threshold) == -1
        assert (int(chunk), int(recv_size)) == (10000, 2048)
        assert int(send_buffer) == min(16384, queue // 8)


# -- the WiFi helper (ports/micropython/wifi.py) on a fake network module ---

FAKE_NETWORK = '''
STA_IF = 0
STAT_CONNECTING = 1001
STAT_NO_AP_FOUND = 201
STAT_WRONG_PASSWORD = 202
SCENARIO = "ok"
LOG = []
class WLAN:
    def __init__(self, interface):
        self.polls = 0
        self.up = False
    def active(self, on=None):
        if on is not None:
            self.up = on
        return self.up
    def isconnected(self):
        return SCENARIO == "ok" and self.polls >= 3
    def connect(self, ssid, password):
        LOG.append(("connect", ssid, password))
        self.polls = 0
    def disconnect(self):
        LOG.append(("disconnect",))
    def status(self):
        self.polls += 1
        if SCENARIO == "wrong" and self.polls > 2:
            return STAT_WRONG_PASSWORD
        return STAT_CONNECTING
    def config(self, key):
        return None
    def ifconfig(self):
        return ("192.168.4.2", "255.255.255.0", "192.168.4.1", "192.168.4.1")
'''

WIFI_SCRIPT = '''
import network
network.SCENARIO = %r
import wifi
try:
    print("ADDRESS", wifi.connect("home", "secret", timeout=0.5))
except wifi.WifiError as e:
    print("ERROR", e)
print("LOG", network.LOG)
'''


@pytest.mark.parametrize("scenario, expect", [
    ("ok", "ADDRESS 192.168.4.2"),
    ("wrong", "ERROR cannot join WiFi network 'home': wrong password"),
    ("silent", "ERROR cannot join WiFi network 'home': no connection within 0.5s"),
])
def test_wifi_helper(scenario, expect, tmp_path, no_leftovers):
    (tmp_path / "network.py").write_text(FAKE_NETWORK)
    env = micropython_env(os.pathsep.join([str(tmp_path),
                                           os.path.join(ROOT, "ports", "micropython")]))
    proc = subprocess.run([micropython_exe(), "-c", WIFI_SCRIPT % scenario], env=env,
                          capture_output=True, text=True, timeout=20)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and lines[0].startswith(expect), proc.stdout + proc.stderr
    log = lines[1]
    assert "('connect', 'home', 'secret')" in log
    # A failure leaves the station disconnected, not retrying in the background.
    assert ("('disconnect',)" in log) == (scenario != "ok")


def test_lib_does_not_import_the_wifi_helper():
    for base, _, files in os.walk(os.path.join(ROOT, "lib")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(base, name)) as f:
                    text = f.read()
                assert "import wifi" not in text and "from wifi" not in text, name


def test_wifi_helper_without_a_network_module(no_leftovers):
    env = micropython_env(os.path.join(ROOT, "ports", "micropython"))
    proc = subprocess.run([micropython_exe(), "-c", "import wifi\nwifi.connect('home', 'pw')"],
                          env=env, capture_output=True, text=True, timeout=20)
    said = proc.stdout + proc.stderr        # the unix port prints tracebacks to stdout
    assert proc.returncode == 1 and "WifiError: no WiFi here" in said, said


# -- the main job -------------------------------------------------------------

@pytest.mark.parametrize("mode", [[], ["--py"], ["--local", "micropython"],
                                  ["--runtime", "cpython"]],
                         ids=["virtual-board", "virtual-board-py", "local-micropython",
                              "local-cpython"])
def test_demo(mode, no_leftovers):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo.py"),
                           "--size", "300000", "--rate", "1000000"] + mode,
                          capture_output=True, text=True, timeout=90)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "OK 300000" in out and "bytes sent: 300000 of 300000" in out
    assert "checksum: MATCH" in out
    assert " B/s" in out


def test_demo_mqtt_sensor_on_the_virtual_board(no_leftovers):
    from tools import mosquitto
    if not mosquitto.available():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo.py"), "--mqtt",
                           "--count", "8"], capture_output=True, text=True, timeout=90)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "board: OK 8; 8 of 8 readings arrived: OK" in out, out
    for n in range(8):
        assert '"n": %d,' % n in out, out


# A board's 64 KB on the 32-bit ESP32-like build.  The 64-bit unix port
# needs more: its objects are larger, and its collector scans thread stacks
# conservatively, so what stays alive varies from run to run (at 64K one
# run in two failed, at 72K one in five).
@pytest.mark.parametrize("runtime, heap", [("esp32like", "64K"), ("micropython", "96K")])
def test_data_source_sends_20000_small_messages_from_mpy_in_64k(runtime, heap, tmp_path,
                                                                 no_leftovers):
    """A Kamaelia producer that never catches noSpaceInBox, small messages,
    a board-sized heap: every byte arrives, in order."""
    script = os.path.join(ROOT, "tools", "datasource_example.py")
    workdir = board_dir()
    build([(s, "lib/" + r) for s, r in library_files()] + [(script, "lib/example.py")],
          True, workdir)
    count = 20000
    block = bytes((i * 31) & 255 for i in range(256))
    expected = hashlib.sha256(block * (count * 64 // 256)).hexdigest()
    sink = Sink()
    code = ("import sys\nsys.argv[:] = %r\nimport example\n"
            % (["example", "127.0.0.1", str(sink.port), str(count)]))
    env = micropython_env(os.path.join(workdir, "lib"))
    try:
        exe = esp32like_exe() if runtime == "esp32like" else micropython_exe()
        proc = subprocess.run([exe, "-X", "heapsize=" + heap, "-c", code], env=env,
                              capture_output=True, text=True, timeout=60)
        assert sink.done.wait(10), (proc.stdout, proc.stderr)
    finally:
        sink.close()
    assert proc.returncode == 0 and "OK %d" % (count * 64) in proc.stdout, (proc.stdout, proc.stderr)
    assert (sink.count, sink.hexdigest()) == (count * 64, expected)


# The 64-bit unix port from .mpy needs more: the MQTT client's modules
# alone take 68 KB of its heap (docs/BENCHMARKS.md, "MQTT").  It worked in
# 112 KB in four runs of four and failed in 96 KB; tested at 128 KB.
@pytest.mark.parametrize("build_kind, heap", [("frozen", "64K"), ("mpy", "96K"),
                                              ("unix-mpy", "128K")])
def test_an_mqtt_sensor_in_a_board_sized_heap(build_kind, heap, no_leftovers):
    """tools/mqtt_sensor_example.py on the ESP32-like build (the library
    frozen in a 64 KB heap, or from .mpy in 96 KB) and on the unix port
    from .mpy; every reading reaches a paho subscriber through Mosquitto."""
    from tools import mosquitto
    if not mosquitto.available():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    from brokers import Subscriber
    script = os.path.join(ROOT, "tools", "mqtt_sensor_example.py")
    workdir = board_dir()
    files = [(script, "lib/example.py")]
    if build_kind != "frozen":
        files += [(s, "lib/" + r) for s, r in library_files()]
    build(files, True, workdir)
    count = 40
    broker = mosquitto.Broker()
    try:
        sub = Subscriber(broker.port, [("sensors/+/temperature", 1)])
        code = ("import sys\nsys.argv[:] = %r\nimport example\n"
                % (["example", "127.0.0.1", str(broker.port), str(count), "0.01"]))
        path = os.path.join(workdir, "lib") + (os.pathsep + ".frozen" if build_kind == "frozen"
                                               else "")
        exe = micropython_exe() if build_kind == "unix-mpy" else \
            esp32like_exe(frozen=build_kind == "frozen")
        proc = subprocess.run([exe, "-X", "heapsize=" + heap, "-c", code], env=micropython_env(path),
                              capture_output=True, text=True, timeout=60)
        got = sub.wait(count, 10)
        sub.stop()
    finally:
        broker.stop()
    assert proc.returncode == 0 and "OK %d" % count in proc.stdout, (proc.stdout, proc.stderr)
    assert got["count"] == count and got["missing"] == 0, got
