"""Test clients (CPython, inside pytest) for servers that a test runs on
any runtime: started through the control server (serverfactory.py), so
that the runtime under test only hosts the server and a board-sized heap
is not spent on the clients.

Each kind connects to 127.0.0.1:``port`` (the server under test listens
from its constructor on, before the test starts its clients) and keeps a ``Record``-like dict: bytes and SHA-256 of what it received
(``received``, ``sha256``), what it sent, ``eof`` (the server closed its
side), ``error`` (repr, or None).

- ``echo``: sends ``size`` bytes of pattern(seed) in ``piece``-byte
  writes, half-closes, and reads until the server closes.
- ``read``: sends nothing, reads until the server closes.
- ``stall``: sends nothing and never reads, until the test ends (its
  control connection closes).
- ``flood``: sends ``size`` bytes of pattern(seed) as fast as it can;
  the first time a send waits longer than ``patience`` seconds (the
  server holds back: back-pressure), records in ``blocked_at`` how much
  it had sent; then sends the rest, half-closes and reads to the end.
- ``cycles``: ``count`` connections one after the other, each closed at
  once: every third after sending ``size`` bytes, every fourth by a reset
  (SO_LINGER 0) instead of a close; ``sent`` counts the bytes.
"""

import hashlib
import select
import socket
import struct
import threading

from testserver import pattern

KINDS = {}


def kind(name):
    def register(function):
        KINDS[name] = function
        return function
    return register


class Client:
    def __init__(self, kind_name, port, options):
        if kind_name not in KINDS:
            raise ValueError("unknown client kind %r (known: %s)"
                             % (kind_name, ", ".join(sorted(KINDS))))
        self.kind = KINDS[kind_name]
        self.port = port
        self.options = options
        self.received = 0
        self.hash = hashlib.sha256()
        self.sent = 0
        self.blocked_at = None
        self.changed = threading.Condition()
        self.eof = False
        self.error = None
        self.done = threading.Event()
        self.stopped = threading.Event()
        self.sock = None
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        try:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            with self.sock:
                self.kind(self, self.sock, **self.options)
        except Exception as exc:
            self.error = repr(exc)
        finally:
            self.done.set()
            with self.changed:
                self.changed.notify_all()

    def read_to_end(self, sock):
        while True:
            data = sock.recv(65536)
            if not data:
                self.eof = True
                return
            self.received += len(data)
            self.hash.update(data)

    def as_dict(self):
        return {"received": self.received, "sha256": self.hash.hexdigest(), "sent": self.sent,
                "eof": self.eof, "error": self.error, "done": self.done.is_set(),
                "blocked_at": self.blocked_at}

    def wait_blocked(self, timeout):
        """Until a send has waited (``blocked_at`` set) or the client ended."""
        with self.changed:
            self.changed.wait_for(lambda: self.blocked_at is not None or self.done.is_set(),
                                  timeout)

    def stop(self):
        self.stopped.set()
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _own(data):
    """A copy made here: on CPython a test's heap_in_use() leaves out what
    this module allocated (the clients' payloads), not what testserver.py
    did."""
    return bytearray(data)


@kind("echo")
def echo(client, sock, size=0, seed=0, piece=4096):
    payload = _own(pattern(size, seed))
    writer = threading.Thread(target=_send_all, args=(client, sock, payload, piece), daemon=True)
    writer.start()
    client.read_to_end(sock)
    writer.join(30)


def _send_all(client, sock, payload, piece):
    view = memoryview(payload)
    try:
        for start in range(0, len(payload), piece):
            chunk = view[start:start + piece]
            sock.sendall(chunk)
            client.sent += len(chunk)
        sock.shutdown(socket.SHUT_WR)
    except OSError as exc:
        client.error = client.error or repr(exc)


@kind("read")
def read(client, sock):
    client.read_to_end(sock)


@kind("cycles")
def cycles(client, sock, count=200, size=100):
    sock.close()                        # the first connection sends nothing
    payload = pattern(size)
    for i in range(1, count):
        with socket.create_connection(("127.0.0.1", client.port), timeout=30) as conn:
            if i % 3 == 0:
                conn.sendall(payload)
                client.sent += size
            if i % 4 == 3:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@kind("stall")
def stall(client, sock):
    client.stopped.wait(120)


@kind("flood")
def flood(client, sock, size=0, seed=0, piece=16384, patience=0.5):
    # Reads in this thread while another sends: what the server sends
    # back must not fill this side while it is still sending.
    writer = threading.Thread(target=_flood, args=(client, sock, size, seed, piece, patience),
                              daemon=True)
    writer.start()
    client.read_to_end(sock)
    writer.join(30)


def _flood(client, sock, size, seed, piece, patience):
    payload = memoryview(_own(pattern(size, seed)))
    poller = select.poll()
    poller.register(sock, select.POLLOUT)
    at = 0
    try:
        while at < size:
            if not poller.poll(patience * 1000) and client.blocked_at is None:
                with client.changed:
                    client.blocked_at = at      # the server holds back
                    client.changed.notify_all()
                continue
            at += sock.send(payload[at:at + piece])
        client.sent = at
        sock.shutdown(socket.SHUT_WR)
    except OSError as exc:
        client.error = client.error or repr(exc)


