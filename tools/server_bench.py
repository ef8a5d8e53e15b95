"""Echo server throughput: Kamaelia's FastRestartServer against a plain
blocking-socket echo (one thread per connection), side by side.

    tools/server_bench.py [--runtime cpython|micropython|esp32like]
                          [--size 16384] [--count 1000] [--connections 1 16]

For each number of concurrent connections, runs each server in turn
(tools/board_scripts/echo_server.py) and, from this process, has every
connection send ``count`` messages of ``size`` bytes (pattern(seed=i))
while a thread reads the echo; a connection's figure is its bytes over
the time from its first send to its last byte back, checked by SHA-256.
Prints MB/s (aggregate over the connections) for both servers and the
ratio.  A connection's echo that differs is an error, not a figure.
"""

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time

if not __package__:             # run by path: python tools/server_bench.py
    import by_path  # noqa: F401
from tools.interpreters import ROOT, local_command                            # noqa: E402

SCRIPT = os.path.join(ROOT, "tools", "board_scripts", "echo_server.py")


def pattern(size, seed):
    block = bytes((i * 31 + seed) & 255 for i in range(256))
    return (block * (size // 256 + 1))[:size]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_connection(port, seed, size, count, out):
    message = pattern(size, seed)
    expected = hashlib.sha256(message * count).hexdigest()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    got = hashlib.sha256()
    received = [0]

    def reader():
        while received[0] < size * count:
            data = sock.recv(65536)
            if not data:
                break
            got.update(data)
            received[0] += len(data)

    thread = threading.Thread(target=reader)
    start = time.monotonic()
    thread.start()
    for _ in range(count):
        sock.sendall(message)
    thread.join(60)
    took = time.monotonic() - start
    sock.close()
    if received[0] != size * count or got.hexdigest() != expected:
        out.append(RuntimeError("connection %d: %d of %d bytes came back%s"
                                % (seed, received[0], size * count,
                                   "" if received[0] != size * count else ", not the same")))
    else:
        out.append((size * count, took))


def run(runtime, mode, size, count, connections):
    cmd, env = local_command(runtime)
    port = free_port()
    proc = subprocess.Popen(cmd + [SCRIPT, mode, str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        if proc.stdout.readline().strip() != "listening":
            raise RuntimeError("%s %s server did not start: %s"
                               % (runtime, mode, proc.communicate(timeout=5)[0]))
        out = []
        threads = [threading.Thread(target=one_connection, args=(port, i, size, count, out))
                   for i in range(connections)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        took = time.monotonic() - start
        errors = [r for r in out if isinstance(r, Exception)]
        if errors or len(out) != connections:
            raise errors[0] if errors else RuntimeError("a connection did not finish")
        return sum(n for n, _ in out) / took / 1e6
    finally:
        proc.kill()
        proc.communicate()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="micropython",
                        choices=("cpython", "micropython", "esp32like"))
    parser.add_argument("--size", type=int, default=16384)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for n in args.connections:
        rates = {"axon": [], "raw": []}
        for _ in range(args.repeat):
            for mode in rates:
                rates[mode].append(run(args.runtime, mode, args.size, args.count // n or 1, n))
        axon, raw = max(rates["axon"]), max(rates["raw"])
        print("%-12s echo server, %2d connection(s), %5d B messages: FastRestartServer %7.1f MB/s, "
              "plain echo thread %7.1f MB/s, ratio %.2f (best of %d)"
              % (args.runtime, n, args.size, axon, raw, axon / raw, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
