"""The test servers themselves: TCP servers on 127.0.0.1 (CPython, inside
pytest), one kind a function, each serving every connection it accepts in
a thread of its own and recording what it received (``Record``: byte
count, SHA-256, when the first and last bytes came, whether the client
closed).

``Server(kind, options)`` starts one.  ``kind`` must be a name in
``KINDS`` and every option a keyword argument of that kind's functions or
one of the options every kind takes; anything else is a ValueError naming
it and what would have been accepted.  Every kind takes:

- ``keep``: return everything received, hex, as "data" in results;
- ``ipv6``: listen on ::1;
- ``tls``: speak TLS with a certificate for localhost/127.0.0.1/::1 from
  the session's test CA (``the_ca``).

A kind is registered with ``@kind(name)`` on ``serve(server, conn,
**options)``, called for each connection; ``setup=`` names a function
``setup(server, **options)`` called once on the listener before it
listens, which returns False when the kind is not to accept at all (its
record is then done at once).  Their docstrings say what each kind does.
``Server.restart`` takes a server away for a while (connections refused,
its port kept), ``Server.stop`` ends it.
"""

import hashlib
import inspect
import select
import socket
import ssl
import struct
import threading
import time

from testserver import pattern

COMMON_OPTIONS = ("keep", "ipv6", "tls")
THEN = ("close", "silent", "reset")     # what "send" and "trickle" do after sending
KINDS = {}      # name: (serve, setup or None, accepted option names)


def _options_of(function, skip):
    """The keyword arguments ``function`` takes after its first ``skip``."""
    return list(inspect.signature(function).parameters)[skip:] if function else []


def _picked(options, names):
    return {name: value for name, value in options.items() if name in names}


def kind(name, setup=None):
    """Register ``serve`` as the server kind ``name``."""
    def register(serve):
        accepted = set(COMMON_OPTIONS) | set(_options_of(serve, 2)) | set(_options_of(setup, 1))
        KINDS[name] = (serve, setup, frozenset(accepted))
        return serve
    return register


_CA = []


def the_ca():
    """One test CA for the session, made on first use (needs trustme)."""
    if not _CA:
        import trustme
        _CA.append(trustme.CA())
    return _CA[0]


def ca_der(ca):
    return ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())


_SERVER_CTX = []


def tls_server_context():
    """Server side of the TLS kinds: a certificate for localhost and 127.0.0.1."""
    if not _SERVER_CTX:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        the_ca().issue_cert("localhost", "127.0.0.1", "::1").configure_cert(ctx)
        _SERVER_CTX.append(ctx)
    return _SERVER_CTX[0]


class Record:
    """What a server saw, across all its connections."""

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

    def sending(self, payload):
        """The server is about to send ``payload``."""
        self.sent_sha256 = hashlib.sha256(payload).hexdigest()

    def as_dict(self):
        span = (self.last - self.first) if self.first is not None else 0.0
        return {"bytes": self.count, "sha256": self.hash.hexdigest(),
                "span": span, "closed_by_client": self.closed_by_client,
                "error": self.error, "connections": self.connections,
                "sent": self.sent, "sent_sha256": self.sent_sha256,
                "done": self.done.is_set(), "close_notify": self.close_notify,
                "data": self.kept.hex() if self.kept is not None else None}


class Server:
    def __init__(self, kind_name, options):
        if kind_name not in KINDS:
            raise ValueError("unknown server kind %r (known: %s)"
                             % (kind_name, ", ".join(sorted(KINDS))))
        serve, setup, accepted = KINDS[kind_name]
        unknown = sorted(set(options) - accepted)
        if unknown:
            raise ValueError("server kind %r takes no option %s (it takes: %s)"
                             % (kind_name, ", ".join(map(repr, unknown)),
                                ", ".join(sorted(accepted))))
        if options.get("then", "close") not in THEN:
            raise ValueError("then must be one of %s, not %r" % (", ".join(THEN), options["then"]))
        self.kind = kind_name
        self.options = options
        self._serve = serve
        self._serve_options = _picked(options, _options_of(serve, 2))
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
        if setup is not None:
            if setup(self, **_picked(options, _options_of(setup, 1))) is False:
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
            with self.record.changed:
                self.record.connections += 1
                self.record.changed.notify_all()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        rec = self.record
        try:
            if self.options.get("tls"):
                # answer_at_eof tells a close_notify from the bare end.
                conn = tls_server_context().wrap_socket(
                    conn, server_side=True, suppress_ragged_eofs=self.kind != "answer_at_eof")
            self._serve(self, conn, **self._serve_options)
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

    # -- what the kinds share ---------------------------------------------------

    def read_all(self, conn, echo=False, read_size=65536, read_pause=0, drop_after=None,
                 drops=1):
        """Record everything until the client closes (echoing it back with
        ``echo``); with ``drop_after``, close each of the first ``drops``
        connections after that many bytes, on purpose."""
        if drop_after and self.dropped >= drops:
            drop_after = None
        size = read_size
        taken = 0
        while True:
            if drop_after is not None:
                if taken >= drop_after:
                    self.dropped += 1
                    self.deliberate.add(id(conn))
                    return
                size = min(read_size, drop_after - taken)
            data = conn.recv(size)
            taken += len(data)
            if not data:
                self.record.closed_by_client = True
                return
            self.record.add(data)
            if echo:
                conn.sendall(data)
            if read_pause:
                time.sleep(read_pause)          # the slow reader being simulated

    def read_exactly(self, conn, want):
        """Read until ``want`` bytes in all arrived (or the client closed)."""
        rec = self.record
        while rec.count < want:
            data = conn.recv(min(65536, want - rec.count))
            if not data:
                rec.closed_by_client = True
                return
            rec.add(data)

    def send_payload(self, conn, payload):
        self.record.sending(payload)
        conn.sendall(payload)
        self.record.sent = len(payload)

    def then(self, conn, then):
        """After sending: "close" (half-close, read on), "silent" (read on)
        or "reset"."""
        if then == "reset":
            self.reset(conn)
            return
        if then == "close":
            conn.shutdown(socket.SHUT_WR)
        self.read_all(conn)

    def read_quietly(self, conn):
        try:
            self.read_all(conn)
        except OSError as exc:
            self.record.error = repr(exc)

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

    @staticmethod
    def reset(conn):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def restart(self, down_for):
        """Go away (listener and connections closed), come back on the same
        port after ``down_for`` seconds."""
        for conn in list(self.conns):
            self.deliberate.add(id(conn))
            try:
                conn.shutdown(socket.SHUT_RDWR)   # close() alone leaves a blocked recv() be
                conn.close()
            except OSError:
                pass
        self.conns = []
        try:
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
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


# -- the kinds ------------------------------------------------------------------

@kind("sink")
def sink(server, conn, read_size=65536, read_pause=0, drop_after=None, drops=1):
    """Read everything until the client closes; ``read_pause`` seconds
    between reads makes a slow reader; ``drop_after``: close each of the
    first ``drops`` connections after that many bytes, to be reconnected to."""
    server.read_all(conn, False, read_size, read_pause, drop_after, drops)


@kind("silent")
def silent(server, conn):
    """Accept, never send, wait for the client to close."""
    server.read_all(conn)


@kind("echo")
def echo(server, conn):
    """Send back whatever arrives."""
    server.read_all(conn, echo=True)


@kind("send")
def send(server, conn, size=0, seed=0, data=None, then="close"):
    """Send ``size`` bytes of pattern(seed) (or ``data``, latin-1 text),
    then ``then``: "close" (half-close), "silent" or "reset"; records what
    the client sent."""
    server.send_payload(conn, data.encode("latin-1") if data is not None else pattern(size, seed))
    server.then(conn, then)


@kind("stall")
def stall(server, conn, after=0):
    """Read ``after`` bytes, then stop reading (the connection stays open)."""
    server.read_exactly(conn, after)
    server.stopped.wait()


def _slow_setup(server, rcvbuf=4096):
    # Accepted sockets inherit the listener's buffer size.
    server.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)


@kind("slow", setup=_slow_setup)
def slow(server, conn, read_size=4096, interval=0.004, stall_at=None, stall=1.0):
    """A slow reader with a small receive buffer (``rcvbuf``): reads
    ``read_size`` bytes, then waits ``interval`` seconds (the pace, ended
    early by stop) before the next read, until the client closes; with
    ``stall_at``, stops reading for ``stall`` seconds once that many bytes
    have arrived (the client's writes then time out)."""
    rec = server.record
    while True:
        data = conn.recv(read_size)
        if not data:
            rec.closed_by_client = True
            return
        rec.add(data)
        if stall_at is not None and rec.count >= stall_at:
            stall_at = None
            if server.stopped.wait(stall):
                return
        if interval and server.stopped.wait(interval):     # the reading pace
            return


@kind("trickle")
def trickle(server, conn, size=0, seed=0, piece=64, interval=0.002, then="close"):
    """Send ``size`` bytes of pattern(seed) in ``piece``-byte pieces
    ``interval`` seconds apart, with TCP_NODELAY, while recording what the
    client sends; then ``then`` as for "send"."""
    rec = server.record
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = threading.Thread(target=server.read_quietly, args=(conn,), daemon=True)
    reader.start()
    payload = pattern(size, seed)
    rec.sending(payload)
    view = memoryview(payload)
    for start in range(0, len(payload), piece):
        conn.sendall(view[start:start + piece])
        rec.sent = min(len(payload), start + piece)
        if server.stopped.wait(interval):     # the sending pace
            return
    if then == "reset":
        server.reset(conn)
        return
    if then == "close":
        conn.shutdown(socket.SHUT_WR)
    reader.join()


@kind("reset")
def reset(server, conn, after=0):
    """Read ``after`` bytes, then reset the connection."""
    server.read_exactly(conn, after)
    server.reset(conn)


@kind("close_early")
def close_early(server, conn, after=0, data=None):
    """Read ``after`` bytes, send ``data`` (latin-1, optional), then close
    the connection outright (the kernel sends RST instead of FIN if more
    data from the client waits)."""
    server.read_exactly(conn, after)
    if data is not None:
        server.send_payload(conn, data.encode("latin-1"))


@kind("half_close")
def half_close(server, conn, after=0, data=None, stall=0):
    """Read ``after`` bytes, send ``data`` (latin-1, optional), shut down
    the write side only, then keep reading until the client closes; with
    ``stall``, read nothing for that many seconds after the shutdown
    first (a busy server)."""
    close_early(server, conn, after, data)
    conn.shutdown(socket.SHUT_WR)
    if server.stopped.wait(stall):
        return
    server.read_all(conn)


@kind("answer_at_eof")
def answer_at_eof(server, conn, data="", echo=False):
    """(Meant for ``tls``.)  Read until the client's end of data, echoing
    what comes with ``echo``; then send ``data`` (latin-1) and close (with
    its own close_notify).  ``close_notify`` in the result: True if the
    client's end was a TLS close_notify, False if the connection just
    ended (False for a plain connection)."""
    rec = server.record
    rec.close_notify = False
    while True:
        try:
            received = conn.recv(65536)
        except ssl.SSLEOFError:     # the connection ended without close_notify
            break
        if not received:
            rec.close_notify = isinstance(conn, ssl.SSLSocket)
            break
        rec.add(received)
        if echo:
            conn.sendall(received)
    rec.closed_by_client = True
    server.send_payload(conn, data.encode("latin-1"))
    if isinstance(conn, ssl.SSLSocket):
        conn.unwrap()               # its close_notify; the client's came already


@kind("forever")
def forever(server, conn, piece=16384, seed=0, reset_after=None):
    """Send pattern(seed) in ``piece``-byte pieces (a multiple of 256)
    until the client closes or the server is stopped; with
    ``reset_after``, reset the connection once that many bytes are sent.
    ``sent`` counts bytes handed to the kernel; ``closed_by_client`` is set
    when a send fails because the client closed.  Data from the client is
    not read."""
    rec = server.record
    block = pattern(piece, seed)
    # Sends in pieces with a timeout, looking for the client's FIN in
    # between: a client that closed with a full window can leave a
    # blocking sendall() waiting in TCP's zero-window probes for a minute.
    conn.settimeout(0.2)
    while not server.stopped.is_set():
        if reset_after is not None and rec.sent >= reset_after:
            server.reset(conn)
            return
        chunk = block
        if reset_after is not None and reset_after - rec.sent < len(block):
            chunk = block[:reset_after - rec.sent]
        view = memoryview(chunk)
        done = 0
        while done < len(chunk):
            try:
                if server.peer_closed(conn):
                    rec.closed_by_client = True
                    return
                done += conn.send(view[done:])
            except socket.timeout:
                continue
            except OSError as exc:
                if not server.stopped.is_set():
                    rec.closed_by_client = True
                rec.error = repr(exc)
                return
        rec.sent += len(chunk)


def _refused_setup(server):
    # Bound but not listening: connections are refused, and no other
    # test's server can take the port (and a retrying client's data) until
    # stop() closes it.
    return False


@kind("refused", setup=_refused_setup)
def refused(server, conn):
    """A port with nothing listening."""


def _full_setup(server):
    # listen(0) queues one connection; ours takes that place, so the
    # kernel drops the client's SYNs and its connect times out.
    server.listener.listen(0)
    filler = socket.socket()
    filler.connect(("127.0.0.1", server.port))
    server.conns.append(filler)
    return False


@kind("full", setup=_full_setup)
def full(server, conn):
    """A listener whose accept queue is full: connecting times out."""
