"""Test servers on 127.0.0.1, started on request (CPython, runs inside pytest).

A test on either runtime asks for a server over a small JSON-lines control
connection (MicroPython sockets cannot tell which port the OS chose, so the
servers live here).  Each server serves connections in its own thread and
records what it received: byte count, SHA-256, when the first and last
bytes came, whether the client closed.

Kinds (all take a JSON object of options; ``ipv6`` listens on ::1):
  sink     read everything until the client closes; ``read_size``,
           ``read_pause`` (seconds between reads: a slow reader)
  echo     send back whatever arrives
  send     send ``size`` bytes of pattern(seed) (or ``data`` as latin-1
           text), then ``then``: "close" (default), "silent" or "reset";
           also records what the client sent
  silent   accept, never send, wait for the client to close
  reset    read ``after`` bytes (default 0), then reset the connection
  refused  a port with nothing listening
  stall    read ``after`` bytes, then stop reading (the connection stays open)
  full     a listener whose accept queue is full: connecting times out
"""

import hashlib
import json
import socket
import struct
import threading
import time


def pattern(size, seed=0):
    """Deterministic test bytes (the same generator is in testkit.py)."""
    block = bytes((i * 31 + seed) & 255 for i in range(256))
    whole, rest = divmod(size, 256)
    return block * whole + block[:rest]


class Record:
    def __init__(self):
        self.hash = hashlib.sha256()
        self.count = 0
        self.first = None
        self.last = None
        self.closed_by_client = False
        self.error = None
        self.connections = 0
        self.done = threading.Event()
        self.sent = 0
        self.sent_sha256 = None
        self.changed = threading.Condition()

    def add(self, data):
        now = time.monotonic()
        with self.changed:
            if self.first is None:
                self.first = now
            self.last = now
            self.count += len(data)
            self.hash.update(data)
            self.changed.notify_all()

    def as_dict(self):
        span = (self.last - self.first) if self.first is not None else 0.0
        return {"bytes": self.count, "sha256": self.hash.hexdigest(),
                "span": span, "closed_by_client": self.closed_by_client,
                "error": self.error, "connections": self.connections,
                "sent": self.sent, "sent_sha256": self.sent_sha256,
                "done": self.done.is_set()}


class Server:
    def __init__(self, kind, options):
        self.kind = kind
        self.options = options
        self.record = Record()
        self.stopped = threading.Event()
        ipv6 = options.get("ipv6")
        self.listener = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("::1" if ipv6 else "127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conns = []
        if kind == "refused":
            self.listener.close()
            self.record.done.set()
            return
        if kind == "full":
            # listen(0) queues one connection; ours takes that place, so
            # the kernel drops the client's SYNs and its connect times out.
            self.listener.listen(0)
            filler = socket.socket()
            filler.connect(("127.0.0.1", self.port))
            self.conns.append(filler)
            self.record.done.set()
            return
        self.listener.listen(64)
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.record.connections += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def read_all(self, conn, echo=False):
        size = self.options.get("read_size", 65536)
        pause = self.options.get("read_pause", 0)
        while True:
            data = conn.recv(size)
            if not data:
                self.record.closed_by_client = True
                return
            self.record.add(data)
            if echo:
                conn.sendall(data)
            if pause:
                time.sleep(pause)

    def serve(self, conn):
        rec = self.record
        opts = self.options
        try:
            if self.kind in ("sink", "silent"):
                self.read_all(conn)
            elif self.kind == "echo":
                self.read_all(conn, echo=True)
            elif self.kind == "send":
                if "data" in opts:
                    payload = opts["data"].encode("latin-1")
                else:
                    payload = pattern(opts.get("size", 0), opts.get("seed", 0))
                rec.sent_sha256 = hashlib.sha256(payload).hexdigest()
                conn.sendall(payload)
                rec.sent = len(payload)
                then = opts.get("then", "close")
                if then == "reset":
                    self.reset(conn)
                elif then == "silent":
                    self.read_all(conn)
                else:
                    conn.shutdown(socket.SHUT_WR)
                    self.read_all(conn)
            elif self.kind == "stall":
                want = opts.get("after", 0)
                while rec.count < want:
                    data = conn.recv(min(65536, want - rec.count))
                    if not data:
                        break
                    rec.add(data)
                self.stopped.wait()
            elif self.kind == "reset":
                want = opts.get("after", 0)
                while rec.count < want:
                    data = conn.recv(65536)
                    if not data:
                        break
                    rec.add(data)
                self.reset(conn)
        except OSError as exc:
            rec.error = repr(exc)
        finally:
            try:
                conn.close()
            except OSError:
                pass
            with rec.changed:
                rec.done.set()
                rec.changed.notify_all()

    @staticmethod
    def reset(conn):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def stop(self):
        self.stopped.set()
        try:
            self.listener.close()
        except OSError:
            pass
        for conn in self.conns:
            try:
                conn.close()
            except OSError:
                pass


class ServerFactory:
    """The control server: one JSON request per line, one JSON answer per line."""

    def __init__(self):
        self.servers = {}
        self.lock = threading.Lock()
        self.next_id = 1
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.control, args=(conn,), daemon=True).start()

    def control(self, conn):
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    answer = self.handle(json.loads(line))
                except Exception as exc:   # the answer carries the error to the test
                    answer = {"error": repr(exc)}
                stream.write(json.dumps(answer).encode() + b"\n")
                stream.flush()

    def handle(self, req):
        cmd = req["cmd"]
        if cmd == "start":
            server = Server(req["kind"], req.get("options", {}))
            with self.lock:
                sid = self.next_id
                self.next_id += 1
                self.servers[sid] = server
            return {"id": sid, "port": server.port}
        server = self.servers[req["id"]]
        if cmd == "result":
            server.record.done.wait(req.get("timeout", 10))
            return server.record.as_dict()
        if cmd == "wait_bytes":
            rec = server.record
            with rec.changed:
                rec.changed.wait_for(lambda: rec.count >= req["count"] or rec.done.is_set(),
                                     req.get("timeout", 10))
            return rec.as_dict()
        if cmd == "stop":
            server.stop()
            return {"ok": True}
        raise ValueError("unknown command %r" % cmd)

    def close(self):
        self.sock.close()
        for server in list(self.servers.values()):
            server.stop()
