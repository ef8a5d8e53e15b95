"""Helpers for behaviour tests that run on both CPython and MicroPython.

The same test file runs in-process on CPython and as a script under the
MicroPython unix port, so everything here uses only what both have.

- ``TestServer(kind, **options)``: a real TCP server on 127.0.0.1, started by
  the pytest process (see serverfactory.py) through a JSON-lines control
  connection whose port is in the TESTKIT_PORT environment variable.
- ``Source``, ``Collector``, ``Trigger``: components that feed a component
  under test, record what comes out of it, or send a message when a
  condition holds.
- ``pattern`` / ``sha256hex``: deterministic payloads and their checksums.
"""

import hashlib
import json
import os
import socket
import binascii

from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.AxonExceptions import noSpaceInBox
from Axon.Ipc import producerFinished, shutdownMicroprocess


def pattern(size, seed=0):
    block = bytes([(i * 31 + seed) & 255 for i in range(256)])
    whole, rest = divmod(size, 256)
    return block * whole + block[:rest]


def write_pattern_file(path, size, seed=0):
    """Write pattern(size, seed) to ``path`` a block at a time (so a 1 MB
    file needs no 1 MB buffer); returns its SHA-256 in hex."""
    block = pattern(4096, seed)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            piece = block if left >= 4096 else block[:left]
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return binascii.hexlify(digest.digest()).decode()


def sha256hex(data):
    return binascii.hexlify(hashlib.sha256(data).digest()).decode()


def elapsed_ms(since):
    return ticks_diff(ticks_ms(), since)


class _Control:
    sock = None

    @classmethod
    def ask(cls, request):
        if cls.sock is None:
            port = int(os.getenv("TESTKIT_PORT"))
            addr = socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)[0][-1]
            cls.sock = socket.socket()
            cls.sock.connect(addr)
        cls.sock.sendall(json.dumps(request).encode() + b"\n")
        line = b""
        while not line.endswith(b"\n"):
            chunk = cls.sock.recv(4096)
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

    def result(self, timeout=10):
        """What the server saw; waits (up to ``timeout`` s) for the connection to end."""
        return _Control.ask({"cmd": "result", "id": self.id, "timeout": timeout})

    def wait_bytes(self, count, timeout=10):
        return _Control.ask({"cmd": "wait_bytes", "id": self.id, "count": count,
                             "timeout": timeout})

    def stop(self):
        _Control.ask({"cmd": "stop", "id": self.id})


class Source(component):
    """Sends ``messages`` out of "outbox" as fast as it can (pausing while
    the receiver is full: ``full`` counts how often), then ``finish`` (if not None) out of "signal"."""

    def __init__(self, messages, finish=None):
        component.__init__(self)
        self.messages = messages
        self.finish = finish
        self.full = 0                   # times a send met a full inbox

    def main(self):
        for msg in self.messages:
            while True:
                try:
                    self.send(msg, "outbox")
                    break
                except noSpaceInBox:
                    self.full += 1
                    self.pause()
                    yield 1
        if self.finish is not None:
            self.send(self.finish, "signal")


class Collector(component):
    """Records what reaches "inbox" (``data``) and "control" (``signals``,
    with ``signal_ms``, the ticks_ms when each arrived).  Stops after a
    producerFinished or shutdownMicroprocess on "control".  With
    ``stop_after``, sends ``stop_message`` out of "outbox" once that many
    bytes have arrived (link it to the control of what feeds it)."""

    def __init__(self, stop_after=None, stop_message=None):
        component.__init__(self)
        self.data = []
        self.signals = []
        self.signal_ms = []
        self.count = 0
        self.stop_after = stop_after
        self.stop_message = stop_message or shutdownMicroprocess()

    def _take(self):
        item = self.recv("inbox")
        self.data.append(item)
        if self.stop_after is not None:
            self.count += len(item)
            if self.count >= self.stop_after:
                self.stop_after = None
                self.send(self.stop_message, "outbox")

    def received(self):
        return b"".join(self.data)

    def main(self):
        while True:
            while self.dataReady("inbox"):
                self._take()
            while self.dataReady("control"):
                msg = self.recv("control")
                self.signals.append(msg)
                self.signal_ms.append(ticks_ms())
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    while self.dataReady("inbox"):
                        self._take()
                    return
            self.pause()
            yield 1


class Trigger(threadedcomponent):
    """Calls ``condition()`` in its own thread, then sends ``message`` out
    of "outbox" and records when (``sent_ms``)."""

    def __init__(self, condition, message):
        threadedcomponent.__init__(self)
        self.condition = condition
        self.message = message
        self.sent_ms = None

    def main(self):
        self.condition()
        self.sent_ms = ticks_ms()
        self.send(self.message, "outbox")
