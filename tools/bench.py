"""Benchmarks: ThreadedTCPClient against the physical limit, side by side.

    tools/bench [--repeat N] [--quick]

For each runtime (CPython and the MicroPython unix port) it measures, in one
run, with servers it starts on 127.0.0.1:
  - send throughput, Pipeline(source, ThreadedTCPClient) vs plain blocking
    sendall vs asyncio streams (write + drain), at 64 B, 1 KB, 16 KB, 64 KB;
  - echo round-trip time through the client vs a raw socket;
  - receive throughput (server -> outbox -> consumer) vs raw recv;
  - idle CPU of a process holding one open, silent connection;
  - MicroPython heap: import footprint and the smallest -X heapsize that
    still streams 1 MB through the client;
  - the ESP32-like build (tools/esp32like.py; 32-bit, GIL): the smallest
    heap for the seed example at any rate with the library frozen and as
    .mpy, and the .mpy import footprint, against their targets;
  - MQTT through Mosquitto (tools/mqtt_bench.py): publish throughput at
    QoS 0 and 1, round-trip latency and idle heap, against umqtt.simple
    on the unix port and paho-mqtt on CPython.
Each figure is the best of --repeat runs (default 3; --quick takes 3 of
smaller sends), the modes taking turns.  A send is reported two ways: the
stream (the server's first to last byte, MB/s, with the min/median/max of
the runs, so that a bimodal figure shows) and the whole job (from before
activate() until runThreads() returns, against a raw connect + sendall +
close), each as a ratio to raw.  Every run's byte count is checked against
what the server saw.
"""

import argparse
import hashlib
import os
import platform
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

if not __package__:             # run by path: python tools/bench.py
    import by_path  # noqa: F401
from tools import esp32like, footprint, min_heap, mqtt_bench                    # noqa: E402
from tools.interpreters import ROOT, local_command, micropython_exe            # noqa: E402

CLIENT = os.path.join(ROOT, "tools", "bench_client.py")
SEND_SIZES = [(64, 50000), (1024, 20000), (16384, 4000), (65536, 2000)]


class Server:
    """sink, echo or send (``size`` bytes then close); one connection."""

    def __init__(self, kind, size=0):
        self.kind, self.size = kind, size
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.count = 0
        self.first = self.last = None
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.listener.accept()
        self.listener.close()
        with conn:
            if self.kind == "send":
                block = bytes(65536)
                left = self.size
                while left:
                    n = conn.send(block[:min(left, 65536)])
                    left -= n
                    self.count += n
                conn.shutdown(socket.SHUT_WR)
            while True:
                data = conn.recv(262144)
                if not data:
                    break
                if self.kind != "send":
                    now = time.perf_counter()
                    self.first = self.first or now
                    self.last = now
                    self.count += len(data)
                if self.kind == "echo":
                    conn.sendall(data)
        self.done.set()


# CPU seconds (user + system) the last run_once() client used, and the
# seconds its whole job took as the client measured it.
last_cpu = [0.0]
last_job = [0.0]


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(runtime, mode, server, size=0, count=0, heap=None, timeout=120):
    cmd, env = local_command(runtime, heap)
    before = children_cpu()
    proc = subprocess.run(cmd + [CLIENT, mode, str(server.port), str(size), str(count)],
                          env=env, capture_output=True, text=True, timeout=timeout)
    last_cpu[0] = children_cpu() - before
    match = re.search(r"RESULT (\d+) (\d+)", proc.stdout)
    if proc.returncode or not match:
        raise RuntimeError("%s %s failed:\n%s%s" % (runtime, mode, proc.stdout, proc.stderr))
    server.done.wait(10)
    secs, moved = int(match.group(1)) / 1e6, int(match.group(2))
    last_job[0] = max(secs, 1e-6)
    if mode.startswith("send") and moved:
        if server.count != moved:
            raise RuntimeError("%s %s: sent %d, server got %d"
                               % (runtime, mode, moved, server.count))
        # Throughput from the server's first to last byte: connecting and
        # closing (up to stop_poll on MicroPython) are not part of it.
        secs = server.last - server.first
    return max(secs, 1e-6), moved


def best(repeat, fn):
    return min(fn() for _ in range(repeat))


class SendFigures:
    """One mode's send runs: ``rate`` (best stream MB/s), ``rates`` (every
    run's, sorted), ``job`` (best whole-job seconds), ``cpu_per_mb`` (the
    client's CPU ms per MB in its best stream run, start-up excluded)."""

    def __init__(self, megabytes, runs, startup):
        best = min(runs)
        self.rates = sorted(megabytes / stream for stream, job, cpu in runs)
        self.rate = self.rates[-1]
        self.job = min(job for stream, job, cpu in runs)
        self.cpu_per_mb = max(0.0, best[2] - startup) * 1000 / megabytes

    def spread(self):
        """min/median/max MB/s of the runs."""
        rates = self.rates
        return "%.0f/%.0f/%.0f" % (rates[0], rates[len(rates) // 2], rates[-1])


def send_rates(runtime, modes, size, count, repeat):
    """{mode: SendFigures} of ``repeat`` rounds; the modes take turns in
    each round, so drift on a busy machine hits them alike."""
    runs = {mode: [] for mode in modes}
    startup = {}
    for mode in modes:      # the CPU a run costs besides sending: start, import, connect
        run_once(runtime, mode, Server("sink"), size, 0)
        startup[mode] = last_cpu[0]
    for _ in range(repeat):
        for mode in modes:
            secs = run_once(runtime, mode, Server("sink"), size, count)[0]
            runs[mode].append((secs, last_job[0], last_cpu[0]))
    megabytes = size * count / 1e6
    return {mode: SendFigures(megabytes, runs[mode], startup[mode]) for mode in modes}


def handoff(runtime):
    """(one-way thread hand-off, Axon round trip, one send into a threaded
    component's inbox), microseconds."""
    cmd, env = local_command(runtime)
    out = subprocess.run(cmd + [os.path.join(ROOT, "tools", "handoff_bench.py")], env=env,
                         capture_output=True, text=True, timeout=120).stdout
    return tuple(float(re.search(name + r" ([\d.]+)", out).group(1))
                 for name in ("HANDOFF", "AXONRTT", "SEND"))


def send_rate(runtime, mode, size, count, repeat):
    secs = best(repeat, lambda: run_once(runtime, mode, Server("sink"), size, count)[0])
    return size * count / secs / 1e6


def send_rate_heap(size, count, heap):
    secs = run_once("micropython", "send-client", Server("sink"), size, count, heap=heap)[0]
    return size * count / secs / 1e6


def rtt_us(runtime, mode, repeat, count=2000):
    secs = best(repeat, lambda: run_once(runtime, mode, Server("echo"), 64, count)[0])
    return secs / count * 1e6


def recv_rate(runtime, mode, repeat, total=32 * 1024 * 1024):
    secs = best(repeat, lambda: run_once(runtime, mode, Server("send", total))[0])
    return total / secs / 1e6


def idle_cpu(runtime, seconds=5.0):
    server = Server("sink")
    cmd, env = local_command(runtime)
    proc = subprocess.Popen(cmd + [CLIENT, "idle", str(server.port)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("idle client did not start")
        before = cpu_seconds(proc.pid)
        time.sleep(seconds)          # the measuring window
        used = cpu_seconds(proc.pid) - before
        proc.stdin.close()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return used / seconds * 100


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def smallest_heap(low=8 * 1024, high=512 * 1024, step=2 * 1024):
    """Smallest -X heapsize (bytes) that streams 1 MB through the client."""
    def works(heap):
        try:
            run_once("micropython", "send-client", Server("sink"), 1024, 1000, heap=heap,
                     timeout=60)
            return True
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
    if not works(high):
        return None
    while high - low > step:
        mid = (low + high) // 2 // step * step
        if works(mid):
            high = mid
        else:
            low = mid
    return high


def versions():
    mp = subprocess.run([micropython_exe(), "-c",
                         "import sys; print(sys.implementation.version, sys.implementation._build)"],
                        capture_output=True, text=True).stdout.strip()
    return ("machine: %s, %d cores, %s\nCPython %s; MicroPython %s"
            % (platform.machine(), os.cpu_count(), platform.platform(),
               platform.python_version(), mp))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run each, smaller sizes")
    args = parser.parse_args()
    repeat = max(3, args.repeat) if args.quick else args.repeat
    print(versions())
    print("best of %d runs each; throughput in MB/s (10^6 bytes), RTT in microseconds\n" % repeat)
    rows = []
    sends = []
    raw64 = {}
    why = []
    for runtime in ("cpython", "micropython"):
        for size, count in SEND_SIZES:
            if args.quick:
                count = max(count // 8, 10)
            rates = send_rates(runtime, ("send-client", "send-raw", "send-asyncio"),
                               size, count, repeat)
            client, raw, aio = (rates[m] for m in ("send-client", "send-raw", "send-asyncio"))
            rows.append((runtime, "send %d B" % size, client.rate, raw.rate,
                         client.rate / raw.rate, aio.rate, client.rate / aio.rate))
            sends.append((runtime, size, client, raw))
            raw64.setdefault(runtime, raw.rate)
            why.append("%-12s send %5d B: the client process used %6.1f ms of CPU per MB, "
                       "raw sendall %6.1f" % (runtime, size, client.cpu_per_mb, raw.cpu_per_mb))
            if runtime == "micropython" and size >= 16384:
                # The inbox bound (QUEUE_BYTES, a sixteenth of the heap) sets
                # how many bytes move per thread hand-off.
                big = send_rates(runtime, ("send-client-1m", "send-raw"), size, count, repeat)
                why.append("%-12s send %5d B with a 1 MB inbox (inbox_bytes=1 << 20): %.0f MB/s, "
                           "%.2fx raw" % (runtime, size, big["send-client-1m"].rate,
                                          big["send-client-1m"].rate / big["send-raw"].rate))
        size, count = SEND_SIZES[0]
        if runtime == "cpython":
            why.append("%-12s send %5d B one write each: not measured (CPython's plain sockets "
                       "take every waiting message in one sendmsg, whatever send_buffer is)"
                       % (runtime, size))
        else:
            each = send_rate(runtime, "send-client-each", size,
                             count // (8 if args.quick else 1), repeat)
            rows.append((runtime, "send %d B one write each" % size, each, raw64[runtime],
                         each / raw64[runtime], None, None))
        client = rtt_us(runtime, "rtt-client", repeat)
        raw = rtt_us(runtime, "rtt-raw", repeat)
        rows.append((runtime, "echo RTT 64 B (us)", client, raw, client / raw, None, None))
        one_way, axon_rtt, one_send = handoff(runtime)
        why.append("%-12s echo RTT: client - raw = %.1f us; an Axon round trip (component -> "
                   "threaded component -> component) takes %.1f us, two thread hand-offs "
                   "of %.1f us each and the Axon work around them"
                   % (runtime, client - raw, axon_rtt, one_way))
        why.append("%-12s send 64 B: one send() into the client's inbox costs the producing "
                   "component %.2f us (no thread, no socket); a raw sendall of 64 B takes %.2f us"
                   % (runtime, one_send, 64 / raw64[runtime]))
        client = recv_rate(runtime, "recv-client", repeat)
        raw = recv_rate(runtime, "recv-raw", repeat)
        rows.append((runtime, "receive", client, raw, client / raw, None, None))
    print("%-12s %-26s %10s %10s %7s %10s %9s" % ("runtime", "measure", "client", "raw",
                                                 "ratio", "asyncio", "vs aio"))
    for runtime, what, client, raw, ratio, aio, vs in rows:
        print("%-12s %-26s %10.2f %10.2f %6.2fx %10s %9s" % (
            runtime, what, client, raw, ratio,
            "%.2f" % aio if aio is not None else "-", "%.2fx" % vs if vs is not None else "-"))
    print("\nSends, stream and whole job (ratios to raw; MB/s of every run, min/median/max):")
    print("%-12s %-10s %13s %13s %8s %9s %9s %7s" % (
        "runtime", "send", "client runs", "raw runs", "stream", "job ms", "raw ms", "job"))
    for runtime, size, client, raw in sends:
        print("%-12s %-10s %13s %13s %7.2fx %9.1f %9.1f %6.2fx" % (
            runtime, "%d B" % size, client.spread(), raw.spread(), client.rate / raw.rate,
            client.job * 1000, raw.job * 1000, raw.job / client.job))
    print("\nWhere the time goes (the sink server runs on the same %d cores):" % os.cpu_count())
    for line in why:
        print(line)
    print()
    for runtime in ("cpython", "micropython"):
        print("%-12s idle CPU, one silent connection: %.2f %% of a core"
              % (runtime, idle_cpu(runtime)))
    for label, mods in footprint.SETS:
        print("micropython  import footprint, %s: %d bytes" % (label, footprint.measure(mods)))
    heap = smallest_heap()
    print("micropython  smallest -X heapsize streaming 1 MB through the client: %s"
          % ("%d KB" % (heap // 1024) if heap else "none up to 512 KB"))
    esp32like_heap_table()
    print()
    if args.quick:
        mqtt_bench.measure(2000, 100)
    else:
        mqtt_bench.measure(20000, 500)


# Targets on the ESP32-like build (32-bit, GIL), the seed example streaming
# 1 MB at rate=50_000_000 (faster than loopback: any rate).
HEAP_TARGETS_KB = {"frozen": 16, ".mpy": 32}


def esp32like_heap_table():
    """The smallest heap for the seed example on the ESP32-like build, with
    the library frozen and as .mpy, and the .mpy import footprint."""
    reason = esp32like.available()
    if reason:
        print("esp32like    heap table skipped: " + reason)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="heap-") as work:
        datafile = os.path.join(work, "data.bin")
        payload = os.urandom(1000000)
        with open(datafile, "wb") as f:
            f.write(payload)
        expected = hashlib.sha256(payload).hexdigest()
        for kind, runtime in (("frozen", "esp32like-frozen"), (".mpy", "esp32like")):
            exe = min_heap.runtime_command(runtime)
            libdir, seed = min_heap.prepare(os.path.join(work, runtime), True,
                                            kind == "frozen")

            def works(kb):
                # Near the edge a few bytes flip a trial: a heap counts when
                # three trials in a row work there.
                return all(min_heap.run_seed(kb, libdir, seed, datafile, len(payload), expected,
                                             50000000, 30, exe)[0] for _ in range(3))
            low, high = 8, 96
            if not works(high):
                rows.append((kind, None))
                continue
            while high - low > 1:
                mid = (low + high) // 2
                if works(mid):
                    high = mid
                else:
                    low = mid
            rows.append((kind, high))
        libdir, _ = min_heap.prepare(os.path.join(work, "footprint"), True)
        footprint_bytes = min_heap.import_footprint(libdir, min_heap.runtime_command("esp32like"))
    print("\nESP32-like build (32-bit, GIL), seed example, 1 MB at any rate:")
    print("  %-42s %-10s %s" % ("", "measured", "target"))
    for kind, kb in rows:
        print("  %-42s %-10s %d KB" % ("smallest heap, library " + kind,
                                       "%d KB" % kb if kb else "> 96 KB", HEAP_TARGETS_KB[kind]))
    print("  %-42s %-10s %s" % ("import footprint of the seed example, .mpy",
                                "%s B" % footprint_bytes, "lowest"))


if __name__ == "__main__":
    sys.exit(main())
