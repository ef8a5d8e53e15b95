"""Test servers on 127.0.0.1, started on request (CPython, runs inside pytest).

A test on either runtime asks for a server over a small JSON-lines control
connection (MicroPython sockets cannot tell which port the OS chose, so the
servers live here).  Each server serves connections in its own thread and
records what it received: byte count, SHA-256, when the first and last
bytes came, whether the client closed.

Kinds (all take a JSON object of options; ``keep`` returns everything
received, hex, as "data" in results; ``ipv6`` listens on ::1; ``tls``
speaks TLS with a certificate for localhost/127.0.0.1/::1 from a test CA
whose DER form comes back, hex, as "ca" in the start answer):
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
  (sink)   ``drop_after``: close each of the first ``drops`` (default 1)
           connections after that many bytes, to be reconnected to
  full     a listener whose accept queue is full: connecting times out
  slow     a slow reader with a small receive buffer (``rcvbuf``, default
           4096): reads ``read_size`` bytes (default 4096), then waits
           ``interval`` seconds (default 0.004; the pace, ended early by
           stop) before the next read, until the client closes; with
           ``stall_at``, stops reading for ``stall`` seconds once that
           many bytes have arrived (the client's writes then time out)
  trickle  send ``size`` bytes of pattern(seed) in ``piece``-byte pieces
           (default 64) ``interval`` seconds apart (default 0.002), with
           TCP_NODELAY, while recording what the client sends; then
           ``then`` as for send ("close", "silent" or "reset")
  close_early  read ``after`` bytes (default 0), send ``data`` (latin-1,
           optional), then close the connection outright (the kernel
           sends RST instead of FIN if more data from the client waits)
  half_close   read ``after`` bytes (default 0), send ``data`` (latin-1,
           optional), shut down the write side only, then keep reading
           until the client closes; with ``stall``, read nothing for that
           many seconds after the shutdown first (a busy server)
  answer_at_eof  (meant for ``tls``) read until the client's end of data,
           echoing what comes with ``echo``; then send ``data`` (latin-1)
           and close (with its own close_notify).  ``close_notify`` in the
           result: True if the client's end was a TLS close_notify, False
           if the connection just ended (False for a plain connection)
  forever  send pattern(seed) in ``piece``-byte pieces (default 16384, a
           multiple of 256) until the client closes or the server is
           stopped; with ``reset_after``, reset the connection once that
           many bytes are sent.  ``sent`` counts bytes handed to the
           kernel; ``closed_by_client`` is set when a send fails because
           the client closed.  Data from the client is not read.
"""

import hashlib
import json
import select
import socket
import struct
import threading
import time


def pattern(size, seed=0):
    """Deterministic test bytes (the same generator is in testserver.py)."""
    block = bytes((i * 31 + seed) & 255 for i in range(256))
    whole, rest = divmod(size, 256)
    return block * whole + block[:rest]


_CA = []


def the_ca():
    """One test CA for the session, made on first use (needs trustme)."""
    if not _CA:
        import trustme
        _CA.append(trustme.CA())
    return _CA[0]


def ca_der(ca):
    import ssl
    return ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())


_SERVER_CTX = []


def tls_server_context():
    """Server side of the TLS kinds: a certificate for localhost and 127.0.0.1."""
    if not _SERVER_CTX:
        import ssl
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        the_ca().issue_cert("localhost", "127.0.0.1", "::1").configure_cert(ctx)
        _SERVER_CTX.append(ctx)
    return _SERVER_CTX[0]


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
        self.kept = None            # a bytearray of everything, with the keep option
        self.close_notify = None    # answer_at_eof: the client's end was a close_notify

    def add(self, data):
        now = time.monotonic()
        if self.kept is not None:
            self.kept += data
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
                "done": self.done.is_set(), "close_notify": self.close_notify,
                "data": self.kept.hex() if self.kept is not None else None}


class Server:
    def __init__(self, kind, options):
        self.kind = kind
        self.options = options
        self.record = Record()
        self.stopped = threading.Event()
        if options.get("keep"):
            self.record.kept = bytearray()
        self.dropped = 0            # connections closed on purpose (drop_after)
        self.deliberate = set()     # ids of those, and of ones a restart closed
        ipv6 = options.get("ipv6")
        self.listener = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("::1" if ipv6 else "127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conns = []
        if kind == "refused":
            # Bound but not listening: connections are refused, and no
            # other test's server can take the port (and a retrying
            # client's data) until stop() closes it.
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
        if kind == "slow":
            # Accepted sockets inherit the listener's buffer size.
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                     options.get("rcvbuf", 4096))
        self.listener.listen(64)
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)
            with self.record.changed:
                self.record.connections += 1
                self.record.changed.notify_all()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def read_all(self, conn, echo=False):
        size = self.options.get("read_size", 65536)
        pause = self.options.get("read_pause", 0)
        drop_after = self.options.get("drop_after")
        if drop_after and self.dropped >= self.options.get("drops", 1):
            drop_after = None
        taken = 0
        while True:
            if drop_after is not None:
                if taken >= drop_after:
                    # Close this connection on purpose; the client should come back.
                    self.dropped += 1
                    self.deliberate.add(id(conn))
                    return
                size = min(size, drop_after - taken)
            data = conn.recv(size)
            taken += len(data)
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
            if opts.get("tls"):
                # answer_at_eof tells a close_notify from the bare end.
                conn = tls_server_context().wrap_socket(
                    conn, server_side=True, suppress_ragged_eofs=self.kind != "answer_at_eof")
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
            elif self.kind == "slow":
                self.read_slowly(conn)
            elif self.kind == "trickle":
                self.trickle(conn)
            elif self.kind in ("close_early", "half_close"):
                self.read_exactly(conn, opts.get("after", 0))
                if "data" in opts:
                    payload = opts["data"].encode("latin-1")
                    rec.sent_sha256 = hashlib.sha256(payload).hexdigest()
                    conn.sendall(payload)
                    rec.sent = len(payload)
                if self.kind == "half_close":
                    conn.shutdown(socket.SHUT_WR)
                    if self.stopped.wait(opts.get("stall", 0)):
                        return
                    self.read_all(conn)
            elif self.kind == "answer_at_eof":
                self.answer_at_eof(conn)
            elif self.kind == "forever":
                self.send_forever(conn)
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
            if id(conn) not in self.deliberate:
                with rec.changed:
                    rec.done.set()
                    rec.changed.notify_all()

    def answer_at_eof(self, conn):
        import ssl
        rec = self.record
        rec.close_notify = False
        while True:
            try:
                data = conn.recv(65536)
            except ssl.SSLEOFError:     # the connection ended without close_notify
                break
            if not data:
                rec.close_notify = isinstance(conn, ssl.SSLSocket)
                break
            rec.add(data)
            if self.options.get("echo"):
                conn.sendall(data)
        rec.closed_by_client = True
        payload = self.options.get("data", "").encode("latin-1")
        rec.sent_sha256 = hashlib.sha256(payload).hexdigest()
        conn.sendall(payload)
        rec.sent = len(payload)
        if isinstance(conn, ssl.SSLSocket):
            conn.unwrap()               # its close_notify; the client's came already

    def read_exactly(self, conn, want):
        """Read until ``want`` bytes in all arrived (or the client closed)."""
        rec = self.record
        while rec.count < want:
            data = conn.recv(min(65536, want - rec.count))
            if not data:
                rec.closed_by_client = True
                return
            rec.add(data)

    def read_slowly(self, conn):
        size = self.options.get("read_size", 4096)
        interval = self.options.get("interval", 0.004)
        stall_at = self.options.get("stall_at")
        while True:
            data = conn.recv(size)
            if not data:
                self.record.closed_by_client = True
                return
            self.record.add(data)
            if stall_at is not None and self.record.count >= stall_at:
                stall_at = None
                if self.stopped.wait(self.options.get("stall", 1.0)):
                    return
            if interval and self.stopped.wait(interval):     # the reading pace
                return

    def trickle(self, conn):
        opts = self.options
        rec = self.record
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = threading.Thread(target=self._read_quietly, args=(conn,), daemon=True)
        reader.start()
        payload = pattern(opts.get("size", 0), opts.get("seed", 0))
        rec.sent_sha256 = hashlib.sha256(payload).hexdigest()
        piece = opts.get("piece", 64)
        interval = opts.get("interval", 0.002)
        view = memoryview(payload)
        for start in range(0, len(payload), piece):
            conn.sendall(view[start:start + piece])
            rec.sent = min(len(payload), start + piece)
            if self.stopped.wait(interval):     # the sending pace
                return
        then = opts.get("then", "close")
        if then == "reset":
            self.reset(conn)
            return
        if then == "close":
            conn.shutdown(socket.SHUT_WR)
        reader.join()

    def _read_quietly(self, conn):
        try:
            self.read_all(conn)
        except OSError as exc:
            self.record.error = repr(exc)

    def send_forever(self, conn):
        opts = self.options
        rec = self.record
        piece = pattern(opts.get("piece", 16384), opts.get("seed", 0))
        reset_after = opts.get("reset_after")
        # Sends in pieces with a timeout, looking for the client's FIN in
        # between: a client that closed with a full window can leave a
        # blocking sendall() waiting in TCP's zero-window probes for a minute.
        conn.settimeout(0.2)
        while not self.stopped.is_set():
            if reset_after is not None and rec.sent >= reset_after:
                self.reset(conn)
                return
            chunk = piece
            if reset_after is not None and reset_after - rec.sent < len(piece):
                chunk = piece[:reset_after - rec.sent]
            view = memoryview(chunk)
            done = 0
            while done < len(chunk):
                try:
                    if self.peer_closed(conn):
                        rec.closed_by_client = True
                        return
                    done += conn.send(view[done:])
                except socket.timeout:
                    continue
                except OSError as exc:
                    if not self.stopped.is_set():
                        rec.closed_by_client = True
                    rec.error = repr(exc)
                    return
            rec.sent += len(chunk)

    @staticmethod
    def peer_closed(conn):
        """True once the client's FIN (end of its stream) has arrived."""
        # poll, not select: a long run (tools/test --stress) opens more than
        # select's 1024 descriptors in this one process.
        poller = select.poll()
        poller.register(conn, select.POLLIN)
        if not poller.poll(0):
            return False
        try:
            return conn.recv(1, socket.MSG_PEEK) == b""
        except (BlockingIOError, socket.timeout):
            return False

    def restart(self, down_for):
        """Go away (listener and connections closed), come back on the same
        port after ``down_for`` seconds."""
        listener = self.listener
        for conn in list(self.conns):
            self.deliberate.add(id(conn))
            try:
                conn.shutdown(socket.SHUT_RDWR)   # close() alone leaves a blocked recv() be
                conn.close()
            except OSError:
                pass
        self.conns = []
        try:
            listener.shutdown(socket.SHUT_RDWR)   # wakes the thread blocked in accept()
        except OSError:
            pass
        listener.close()
        # Bound but not listening: connections are refused, as by a server
        # that is down, and no other server (another test's bind to port 0)
        # can take the port meanwhile and receive the client's data.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.listener = sock              # stop() closes it, even while down

        def come_back():
            time.sleep(down_for)          # the outage being simulated
            try:
                sock.listen(64)
            except OSError:
                return                    # stopped meanwhile
            self.accept_loop()
        threading.Thread(target=come_back, daemon=True).start()

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
        # The servers started over this connection end with it (the test
        # process exited, or pytest ended an in-process test): a session
        # starts thousands, and their sockets would otherwise stay open.
        mine = []
        try:
            with conn, conn.makefile("rwb") as stream:
                for line in stream:
                    try:
                        answer = self.handle(json.loads(line), mine)
                    except Exception as exc:   # the answer carries the error to the test
                        answer = {"error": repr(exc)}
                    stream.write(json.dumps(answer).encode() + b"\n")
                    stream.flush()
        except OSError:
            pass                    # the test process went away mid-answer
        finally:
            with self.lock:
                for sid in mine:
                    self.servers.pop(sid).stop()

    def handle(self, req, mine):
        cmd = req["cmd"]
        if cmd == "start":
            server = Server(req["kind"], req.get("options", {}))
            with self.lock:
                sid = self.next_id
                self.next_id += 1
                self.servers[sid] = server
                mine.append(sid)
            answer = {"id": sid, "port": server.port}
            if req.get("options", {}).get("tls"):
                answer["ca"] = ca_der(the_ca()).hex()
            return answer
        if cmd == "other_ca":
            import trustme
            return {"ca": ca_der(trustme.CA()).hex()}
        server = self.servers[req["id"]]
        if cmd == "result":
            server.record.done.wait(req.get("timeout", 10))
            return server.record.as_dict()
        if cmd == "wait_connections":
            rec = server.record
            with rec.changed:
                rec.changed.wait_for(lambda: rec.connections >= req["count"],
                                     req.get("timeout", 10))
            return rec.as_dict()
        if cmd == "restart":
            server.restart(req.get("down_for", 0.5))
            return {"ok": True}
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
