"""Behaviour seen from outside the process, on every runtime: console
pipelines driven through stdin, CPU use while idle, and an MQTT client's
will when its process is killed."""

import queue
import threading
import time

import pytest

from runtimes import RUNTIMES, start, cpu_seconds
from servers import Server
from tools import mosquitto


class LineReader:
    """Reads a pipe in a thread so the test can wait on it with a deadline."""

    def __init__(self, stream):
        self.chunks = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()
        self.buffer = b""

    def _pump(self, stream):
        while True:
            data = stream.read1(4096) if hasattr(stream, "read1") else stream.read(1)
            self.chunks.put(data)
            if not data:
                return

    def until(self, wanted, timeout=10):
        deadline = time.monotonic() + timeout
        while wanted not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("waited %ss for %r, got %r" % (timeout, wanted, self.buffer))
            try:
                data = self.chunks.get(timeout=left)
            except queue.Empty:
                continue
            if not data:
                raise AssertionError("output ended before %r: %r" % (wanted, self.buffer))
            self.buffer += data
        return self.buffer


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_console_reader_client_echoer_against_echo_server(runtime):
    server = Server("echo", {})
    proc = start(runtime, "tests/support/console_client.py", "127.0.0.1", str(server.port))
    try:
        out = LineReader(proc.stdout)
        for line in (b"hello\n", b"caf\xc3\xa9 \xe2\x98\x83\n", b"last one\n"):
            proc.stdin.write(line)
            proc.stdin.flush()
            out.until(line)
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
        assert out.buffer == b"hello\ncaf\xc3\xa9 \xe2\x98\x83\nlast one\n"
        assert server.record.done.wait(5) and server.record.closed_by_client
        assert server.record.count == len(out.buffer)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.stop()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_idle_scheduler_uses_no_cpu(runtime):
    proc = start(runtime, "tests/support/idle_script.py")
    try:
        out = LineReader(proc.stdout)
        out.until(b"ready\n")
        before = cpu_seconds(proc.pid)
        time.sleep(2.0)    # the measurement window, not synchronisation
        used = cpu_seconds(proc.pid) - before
        assert used / 2.0 < 0.01, "idle process used %.1f%% of a core" % (used / 2.0 * 100)
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
        out.until(b"done\n")
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_unhandled_exception_can_be_one_line_on_stderr(runtime):
    proc = start(runtime, "tests/support/unhandled_print.py")
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, out) == (0, b"DONE\n"), (out, err)
    lines = err.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Axon: ValueError: nobody hears this -- "), lines
    assert "Complainer_" in lines[0] and "'signal'" in lines[0] and "linked nowhere" in lines[0], \
        lines


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_mqtt_clients_will_is_published_when_its_process_is_killed(runtime):
    if not mosquitto.available():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    from brokers import Subscriber
    broker = mosquitto.Broker()
    try:
        wills = Subscriber(broker.port, [("will/#", 1)], keep=1)
        proc = start(runtime, "tests/support/mqtt_will_script.py", str(broker.port))
        try:
            LineReader(proc.stdout).until(b"connected\n")
            assert wills.wait(1, 0)["count"] == 0
        finally:
            proc.kill()
            proc.wait(10)
        got = wills.wait(1, 10)
        wills.stop()
        assert got["kept"] == [["will/board", b"died".hex(), 1, False]], got
    finally:
        broker.stop()
