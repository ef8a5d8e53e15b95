"""Heap per idle server connection on MicroPython, and how many fit.

    tools/server_heap.py [--runtime esp32like-frozen|esp32like|unix] [--heap 96]
                         [--connections 8]

Starts tools/board_scripts/heap_server.py (a FastRestartServer whose
handler answers each new connection with ``gc.mem_alloc()`` after a
collection) under ``-X heapsize=<heap>K``, opens idle connections one at a
time until --connections are open or the server stops answering (out of
heap), and prints the heap in use after each, the step from one to the
next, and the median step: the heap an idle connection holds (its
adapter, handler, links, two threads' state, socket and buffers).
The library is frozen into the binary (esp32like-frozen, the default), or
built to .mpy (esp32like, unix).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile

if not __package__:             # run by path: python tools/server_heap.py
    import by_path  # noqa: F401
from tools.deploy import build, library_files                                 # noqa: E402
from tools.interpreters import board_script, esp32like_exe, micropython_env, \
    micropython_exe                                                         # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="esp32like-frozen",
                        choices=("esp32like-frozen", "esp32like", "unix"))
    parser.add_argument("--heap", type=int, default=96, help="KB")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="server-heap-") as work:
        if args.runtime == "esp32like-frozen":
            exe, path = esp32like_exe(frozen=True), ".frozen"
        else:
            build([(s, "lib/" + r) for s, r in library_files()], True, work)
            exe = esp32like_exe() if args.runtime == "esp32like" else micropython_exe()
            path = os.path.join(work, "lib")
        port = free_port()
        proc = subprocess.Popen([exe, "-X", "heapsize=%dK" % args.heap, "-c",
                                 board_script("heap_server"), str(port)],
                                env=micropython_env(path), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        conns, heaps = [], []
        try:
            if proc.stdout.readline().strip() != "listening":
                raise SystemExit("the server did not start: %s" % proc.communicate()[0])
            for _ in range(args.connections):
                try:
                    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                except OSError:
                    break
                conns.append(conn)
                try:
                    line = conn.makefile("rb").readline()
                except OSError:
                    line = b""
                if not line:
                    break                   # not served: out of heap, or not accepted
                heaps.append(int(line))
            if conns:
                try:
                    conns[0].sendall(b"stop\n")
                except OSError:
                    pass
        finally:
            for conn in conns:
                conn.close()
            try:
                out = proc.communicate(timeout=10)[0]
            except subprocess.TimeoutExpired:
                proc.kill()
                out = proc.communicate()[0]
        print("%s, -X heapsize=%dK:" % (args.runtime, args.heap))
        for i, heap in enumerate(heaps):
            step = heap - heaps[i - 1] if i else 0
            print("  %2d idle connections: %6d bytes in use%s"
                  % (i + 1, heap, ("  (+%d)" % step) if i else ""))
        if len(heaps) > 2:
            print("heap per idle connection (median step): %d bytes"
                  % statistics.median(b - a for a, b in zip(heaps, heaps[1:])))
        if len(heaps) < args.connections:
            print("connection %d was not served; the server said: %s"
                  % (len(heaps) + 1, (out or "").strip().splitlines()[-1:] or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
