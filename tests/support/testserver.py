"""The test servers, seen from a test on either runtime: small enough to
import in a board-sized heap (the servers themselves are servers.py).

- ``TestServer(kind, **options)``: a real TCP server on 127.0.0.1, started by
  the pytest process (see serverfactory.py) through a JSON-lines control
  connection whose port is in the TESTKIT_PORT environment variable.
- ``pattern(size, seed)``: the deterministic payload the servers check;
  ``prefix_sha256(size, seed)``: the SHA-256 of any prefix of a stream of
  it, hashed a block at a time.
"""

import _thread
import binascii
import hashlib
import json
import os
import socket


def pattern(size, seed=0):
    # From a generator, not a list: a list of 256 ints is a 1 KB block,
    # more than the pieces many tests make on a small heap.
    block = bytes((i * 31 + seed) & 255 for i in range(256))
    whole, rest = divmod(size, 256)
    return block * whole + block[:rest]


def prefix_sha256(size, seed=0):
    """SHA-256 (hex) of pattern(size, seed), hashed a block at a time (no
    ``size``-byte buffer): the checksum of any prefix of a pattern stream."""
    block = pattern(4096, seed)
    digest = hashlib.sha256()
    left = size
    while left:
        piece = block if left >= 4096 else block[:left]
        digest.update(piece)
        left -= len(piece)
    return binascii.hexlify(digest.digest()).decode()


class _Control:
    sock = None
    lock = _thread.allocate_lock()      # one question and its answer at a time, from any thread

    @classmethod
    def ask(cls, request):
        with cls.lock:
            return cls._ask(request)

    @classmethod
    def _ask(cls, request):
        if cls.sock is None:
            port = int(os.getenv("TESTKIT_PORT"))
            addr = socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)[0][-1]
            cls.sock = socket.socket()
            cls.sock.connect(addr)
        cls.sock.sendall(json.dumps(request).encode() + b"\n")
        line = b""
        while not line.endswith(b"\n"):
            chunk = cls.sock.recv(512)     # answers are short: spare a small heap
            if not chunk:
                raise OSError("test server factory closed the connection")
            line += chunk
        answer = json.loads(line)
        if "error" in answer and len(answer) == 1:
            raise RuntimeError("server factory: " + answer["error"])
        return answer


class TestServer:
    def __init__(self, kind, **options):
        answer = _Control.ask({"cmd": "start", "kind": kind, "options": options})
        self.id = answer["id"]
        self.port = answer["port"]
        self.ca = binascii.unhexlify(answer["ca"]) if "ca" in answer else None

    def result(self, timeout=10):
        """What the server saw; waits (up to ``timeout`` s) for the connection to end."""
        return _Control.ask({"cmd": "result", "id": self.id, "timeout": timeout})

    def wait_bytes(self, count, timeout=10):
        return _Control.ask({"cmd": "wait_bytes", "id": self.id, "count": count,
                             "timeout": timeout})

    def stop(self):
        _Control.ask({"cmd": "stop", "id": self.id})

    def wait_connections(self, count, timeout=10):
        return _Control.ask({"cmd": "wait_connections", "id": self.id, "count": count,
                             "timeout": timeout})

    def kept(self, timeout=10):
        """Everything the server received (start it with keep=True)."""
        return binascii.unhexlify(self.result(timeout)["data"])

    def restart(self, down_for=0.5):
        """Close the listener and connections; listen again after ``down_for`` s."""
        _Control.ask({"cmd": "restart", "id": self.id, "down_for": down_for})


def free_port():
    """A TCP port free on 127.0.0.1 now (MicroPython's sockets cannot say
    which port the OS picked for them)."""
    return _Control.ask({"cmd": "free_port"})["port"]


class TestClient:
    """A client of tests/support/clients.py, run by the pytest process,
    connecting to ``port`` on 127.0.0.1 now."""

    def __init__(self, kind, port, **options):
        self.id = _Control.ask({"cmd": "client", "kind": kind, "port": port,
                                "options": options})["id"]

    def result(self, timeout=10):
        """What it saw; waits (up to ``timeout`` s) for it to end."""
        return _Control.ask({"cmd": "client_result", "id": self.id, "timeout": timeout})

    def blocked(self, timeout=10):
        """What a flood client saw, once one of its sends has waited."""
        return _Control.ask({"cmd": "client_blocked", "id": self.id, "timeout": timeout})
