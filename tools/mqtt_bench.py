"""MQTT side by side: Kamaelia.Protocol.MQTT against umqtt.simple
(MicroPython unix port) and paho-mqtt (CPython), through one Mosquitto.

    tools/mqtt_bench.py [--count 20000] [--rtt 500] [--quick]

In one run, against one broker (tools/mosquitto.py):
- publish throughput to a subscriber, 64 B payloads, QoS 0 and QoS 1:
  each publisher (tools/board_scripts/mqtt_bench_client.py, a process of
  its own) sends ``count`` messages; a subscriber in this process (a raw
  socket that counts PUBLISH packets, so it is never the slower end)
  times them from the first to the last, messages/s.  umqtt.simple's
  QoS 1 is stop-and-wait with a Nagle stall each (about 23 msg/s): it
  sends 100.
- round-trip latency through the broker: the client publishes to a topic
  it subscribes to and waits for the message to come back, ``rtt`` times;
  the median (p50) in microseconds.
- heap of an idle connected client on the unix port, both libraries
  compiled to .mpy as on a board: gc.mem_alloc() with the client
  connected, less before the imports; and the part of it that is the
  client's own state (less after the imports).

umqtt.simple is loaded from micropython-lib's sources in
../shared/micropython (or $MICROPYTHON_LIB_SRC, a micropython-lib
checkout), not vendored: without them its figures are left out, saying
so.  Without Mosquitto the bench says how to install it and stops.
"""

import argparse
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

if not __package__:             # run by path: python tools/mqtt_bench.py
    import by_path  # noqa: F401
from tools import mosquitto                                                  # noqa: E402
from tools.deploy import build, library_files                                 # noqa: E402
from tools.interpreters import ROOT, local_command                          # noqa: E402

SCRIPT = os.path.join(ROOT, "tools", "board_scripts", "mqtt_bench_client.py")
LIB_TARBALL = os.path.join(os.path.dirname(ROOT), "shared", "micropython",
                           "micropython-lib-src.tar.gz")
UMQTT_MEMBER = "micropython/lib/micropython-lib/micropython/umqtt.simple/umqtt/simple.py"


def umqtt_dir(workdir):
    """A directory holding umqtt/simple.py (for MICROPYPATH), or None."""
    checkout = os.environ.get("MICROPYTHON_LIB_SRC")
    if checkout:
        source = os.path.join(checkout, "micropython", "umqtt.simple")
        return source if os.path.isfile(os.path.join(source, "umqtt", "simple.py")) else None
    if not os.path.isfile(LIB_TARBALL):
        return None
    with tarfile.open(LIB_TARBALL) as tar:
        try:
            member = tar.getmember(UMQTT_MEMBER)
        except KeyError:
            return None
        data = tar.extractfile(member).read()
    target = os.path.join(workdir, "umqtt")
    os.makedirs(target, exist_ok=True)
    open(os.path.join(target, "__init__.py"), "w").close()
    with open(os.path.join(target, "simple.py"), "wb") as f:
        f.write(data)
    return workdir


def _wire():
    """Kamaelia.Protocol.MQTTPacket, from the library's sources: the
    counter below speaks MQTT with the library's own encoders and parser."""
    for path in (os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "cpython")):
        if path not in sys.path:
            sys.path.append(path)
    from Kamaelia.Protocol import MQTTPacket
    return MQTTPacket


class Counter:
    """A raw MQTT subscriber to "bench/#" at QoS 0 that counts PUBLISH
    packets and times the first and the last of ``expected``."""

    def __init__(self, port):
        wire = _wire()
        self.publish = wire.PUBLISH
        self.parser = wire.Parser()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(wire.connect("counter", 0, True) + wire.subscribe(1, [(b"bench/#", 0)]))
        got = 0
        while got < 2:                  # CONNACK, SUBACK
            got += len(self._packets())

    def _packets(self):
        data = self.sock.recv(65536)
        if not data:
            raise OSError("the broker closed the counter's connection")
        return self.parser.feed(data)

    def count(self, expected, timeout=600):
        """Seconds from the first PUBLISH to the ``expected``-th."""
        self.sock.settimeout(timeout)
        seen = 0
        first = None
        while seen < expected:
            for kind, body in self._packets():
                if kind & 0xF0 == self.publish:
                    if first is None:
                        first = time.perf_counter()
                    seen += 1
        return time.perf_counter() - first

    def close(self):
        self.sock.close()


def run_client(runtime, client, test, port, count, extra_path=None, timeout=600):
    cmd, env = local_command(runtime)
    if extra_path:
        env = dict(env, MICROPYPATH=env["MICROPYPATH"] + os.pathsep + extra_path)
    proc = subprocess.run(cmd + [SCRIPT, client, test, str(port), str(count)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or "done" not in proc.stdout:
        raise RuntimeError("%s %s %s failed: %s%s" % (runtime, client, test, proc.stdout[-1500:],
                                                      proc.stderr[-1500:]))
    return proc.stdout


def publish_rate(runtime, client, test, port, count, extra_path=None):
    counter = Counter(port)
    try:
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("s", counter.count(count)))
        thread.start()
        run_client(runtime, client, test, port, count, extra_path)
        thread.join(600)
        if "s" not in result:
            raise RuntimeError("%s %s %s: the subscriber did not get all %d"
                               % (runtime, client, test, count))
        return (count - 1) / result["s"]
    finally:
        counter.close()


def rtt_p50(runtime, client, port, count, extra_path=None):
    out = run_client(runtime, client, "rtt", port, count, extra_path)
    times = sorted(int(line.split()[1]) for line in out.splitlines() if line.startswith("rtt "))
    if len(times) != count:
        raise RuntimeError("%s %s rtt: %d of %d round trips" % (runtime, client, len(times), count))
    return times[len(times) // 2]


def idle_heap(client, port, workdir, umqtt=None):
    """(heap with the client connected, heap of its imports), both
    libraries compiled to .mpy."""
    files = [(umqtt + "/umqtt/simple.py", "lib/umqtt/simple.py"),
             (umqtt + "/umqtt/__init__.py", "lib/umqtt/__init__.py")] if umqtt else \
        [(src, "lib/" + rel) for src, rel in library_files()]
    out_dir = os.path.join(workdir, "mpy-" + client)
    build(files, True, out_dir)
    cmd, env = local_command("micropython")
    env = dict(env, MICROPYPATH=os.path.join(out_dir, "lib"))
    proc = subprocess.run(cmd + [SCRIPT, client, "heap", str(port), "0"], env=env,
                          capture_output=True, text=True, timeout=60)
    figures = dict(line.split() for line in proc.stdout.splitlines()
                   if line.startswith("heap"))
    if "heap" not in figures:
        raise RuntimeError("%s heap: %s%s" % (client, proc.stdout[-1500:], proc.stderr[-1500:]))
    return int(figures["heap"]), int(figures["heap_import"])


def measure(count, rtt_count, out=print):
    """Runs every figure and prints the table; returns {name: value}."""
    if not mosquitto.available():
        out("MQTT: Mosquitto is not installed (apt-get install mosquitto): skipped")
        return {}
    broker = mosquitto.Broker()
    figures = {}
    with tempfile.TemporaryDirectory() as work:
        umqtt = umqtt_dir(work)
        try:
            for test in ("pub0", "pub1"):
                n = count
                figures["axon mp " + test] = publish_rate("micropython", "axon", test,
                                                          broker.port, n)
                if umqtt:
                    figures["umqtt " + test] = publish_rate(
                        "micropython", "umqtt", test, broker.port,
                        n if test == "pub0" else 100, umqtt)
                figures["axon cpy " + test] = publish_rate("cpython", "axon", test, broker.port, n)
                figures["paho " + test] = publish_rate("cpython", "paho", test, broker.port, n)
            figures["axon mp rtt"] = rtt_p50("micropython", "axon", broker.port, rtt_count)
            if umqtt:
                figures["umqtt rtt"] = rtt_p50("micropython", "umqtt", broker.port, rtt_count,
                                               umqtt)
            figures["axon cpy rtt"] = rtt_p50("cpython", "axon", broker.port, rtt_count)
            figures["paho rtt"] = rtt_p50("cpython", "paho", broker.port, rtt_count)
            figures["axon heap"], figures["axon code"] = idle_heap("axon", broker.port, work)
            if umqtt:
                figures["umqtt heap"], figures["umqtt code"] = idle_heap("umqtt", broker.port,
                                                                         work, umqtt)
        finally:
            broker.stop()
    f = figures
    out("MQTT through Mosquitto, 64 B payloads (%d messages; umqtt.simple QoS 1: 100):" % count)
    out("  %-34s %12s %12s %8s  %s" % ("", "ours", "anchor", "ratio", "target"))

    def row(label, ours, anchor, fmt, target, lower_better=False):
        if ours is None or anchor is None:
            out("  %-34s %12s %12s %8s  %s" % (label, fmt % ours if ours else "-", "-", "-",
                                                target))
            return
        ratio = ours / anchor
        out("  %-34s %12s %12s %7.2fx  %s" % (label, fmt % ours, fmt % anchor, ratio, target))

    if not umqtt:
        out("  (umqtt.simple not found: set MICROPYTHON_LIB_SRC or provide %s)" % LIB_TARBALL)
    row("QoS 0 msg/s, unix port vs umqtt", f.get("axon mp pub0"), f.get("umqtt pub0"),
        "%.0f", ">= 1x umqtt")
    row("QoS 1 msg/s, unix port vs umqtt", f.get("axon mp pub1"), f.get("umqtt pub1"),
        "%.0f", ">= 1000x umqtt")
    row("QoS 1 msg/s, unix port vs paho", f.get("axon mp pub1"), f.get("paho pub1"),
        "%.0f", ">= 1x paho")
    row("QoS 0 msg/s, CPython vs paho", f.get("axon cpy pub0"), f.get("paho pub0"),
        "%.0f", "")
    row("QoS 1 msg/s, CPython vs paho", f.get("axon cpy pub1"), f.get("paho pub1"),
        "%.0f", ">= 1x paho")
    row("round trip p50 us, CPython vs paho", f.get("axon cpy rtt"), f.get("paho rtt"),
        "%.0f", "<= 1.5x paho")
    row("round trip p50 us, unix port vs umqtt", f.get("axon mp rtt"), f.get("umqtt rtt"),
        "%.0f", "")
    row("idle connected heap B, unix port", f.get("axon heap"), f.get("umqtt heap"),
        "%.0f", "<= 2x umqtt")
    state = {k: f[k + " heap"] - f[k + " code"] for k in ("axon", "umqtt") if k + " code" in f}
    row("  of it the client's state, not code", state.get("axon"), state.get("umqtt"),
        "%.0f", "")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rtt", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="2000 messages, 100 round trips")
    args = parser.parse_args()
    if args.quick:
        args.count, args.rtt = 2000, 100
    measure(args.count, args.rtt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
