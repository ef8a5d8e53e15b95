"""Runtime shim for CPython: the few things lib/ needs that differ by runtime.

lib/ imports this module as ``axonport`` and never asks which runtime it is on;
ports/micropython/axonport.py offers the same names.  Times are integer
milliseconds from ``ticks_ms()``; compare them only with ``ticks_diff``.
"""

import _thread
import errno
import sys
import time
import traceback

allocate_lock = _thread.allocate_lock


def const(value):
    return value


# Default bound, in bytes, of the queues that carry data (a ThreadedTCPClient's
# inbox, a RateControlledFileReader's output): a desktop has memory to spare,
# and bigger batches mean fewer thread hand-offs (16 KB messages: 10 us a
# message with 256 KB, 8.7 with 1 MB; raw sendall 6-7).
QUEUE_BYTES = 1048576

# What follows QUEUE_BYTES, all in this place:
# - every inbox but "control" holds QUEUE_BYTES (Axon.Box; QUEUE_LENGTH
#   messages too, a sixty-fourth of it at least 16 and at most 1000);
# - a thread's outgoing queue a quarter of it (Axon.ThreadedComponent);
# - a chunk, CHUNK_BYTES, an eighth: the most a ThreadedTCPClient reads at
#   once (at most 2048) or gathers into one write (128 to 16384), and a
#   RateControlledFileReader's default chunk on a small heap;
# - a ReconnectingTCPClient's backlog half of it (at most 16384).
CHUNK_BYTES = QUEUE_BYTES // 8

# What all the connections of one server (Kamaelia.Chassis.ConnectedServer)
# hold in their queues together, split evenly between max_connections: on
# a desktop half a client's QUEUE_BYTES for each of 16, since an echo
# through small queues pays a thread hand-off per chunk (a 32 KB share
# echoes 16 KB messages at a quarter of a plain echo thread's rate, half a
# megabyte at two thirds).
SERVER_BYTES = 8 * QUEUE_BYTES


# CPython's GIL hands itself to a waiting thread on its own (see the
# MicroPython port for where that is needed).
GIL_SLICE_MS = 5
share_gil = None


def start_thread(function, args=()):
    _thread.start_new_thread(function, args)


def ticks_ms():
    return time.monotonic_ns() // 1000000


def ticks_diff(later, earlier):
    return later - earlier


def ticks_add(ticks, delta):
    return ticks + delta


def sleep_ms(ms):
    if ms > 0:
        time.sleep(ms / 1000)


def acquire_timeout(lock, timeout):
    """Block on ``lock`` for at most ``timeout`` seconds; True if acquired."""
    if timeout <= 0:
        return lock.acquire(False)
    return lock.acquire(True, timeout)


def print_exception(exc, file=None):
    traceback.print_exception(type(exc), exc, exc.__traceback__,
                              file=file or sys.stderr)


def is_timeout(exc):
    """True when a socket call ended only because its timeout ran out."""
    if isinstance(exc, TimeoutError) and not exc.errno:
        return True
    return getattr(exc, "errno", None) in (errno.EAGAIN, errno.ETIMEDOUT)


def wake_blocked_recv(sock):
    """Make a recv() blocked in another thread return now, where the OS can.

    Linux returns 0 from such a recv after shutdown(); the reader then sees
    the stop flag at once instead of after its receive timeout.
    """
    try:
        sock.shutdown(2)
    except OSError:
        pass


def random_fraction():
    """A number in [0, 1) for jitter (not for cryptography)."""
    import random
    return random.random()


def default_ssl_context():
    """The context ``ssl=True`` means: system CA certificates, verification on."""
    import ssl
    return ssl.create_default_context()


# -- TLS (Kamaelia/Internet/TLS.py) ------------------------------------------
# The session runs over memory buffers (ssl.MemoryBIO), this module doing
# the socket I/O without blocking.  So a graceful close sends close_notify
# and reads on through the session: SSLSocket.shutdown() would hand back
# the bare socket (ciphertext from then on), and SSLSocket.unwrap() reads
# for the server's close_notify and throws away data that arrives first.

def tls_connect(context, raw, server_hostname, wait):
    """Handshake over the connected socket ``raw``; ``wait(send)`` blocks
    until it can send (else receive), or raises to give up.  Returns a
    session whose calls never block: ``recv(size)`` (bytes, b'' at the
    end, None when nothing has come), ``send(data)`` (plaintext bytes
    taken once on the socket, 0 if it is full: call again with the same
    data), ``close_notify()`` (True once it is on the socket), ``close()``."""
    import ssl
    incoming = ssl.MemoryBIO()
    outgoing = ssl.MemoryBIO()
    session = _TLSSession(ssl, context.wrap_bio(incoming, outgoing,
                                                server_hostname=server_hostname),
                          incoming, outgoing, raw)
    raw.setblocking(False)
    while True:
        want = session.handshake()
        if want is None:
            return session
        wait(want)


class _TLSSession(object):
    RECORD = 16384                      # plaintext per record written

    def __init__(self, ssl, obj, incoming, outgoing, raw):
        self.ssl = ssl
        self.obj = obj
        self.incoming = incoming
        self.outgoing = outgoing
        self.raw = raw
        self.pending = b""              # ciphertext the socket has not taken
        self.taken = 0                  # plaintext in it, not yet reported
        self.held = b""                 # plaintext read out for close_notify
        self.closing = False

    def handshake(self):
        """None once done, else what to wait for: True to send."""
        while True:
            try:
                self.obj.do_handshake()
            except self.ssl.SSLWantReadError:
                if not self._flush():
                    return True
                if self._feed():
                    continue
                return False
            return None if self._flush() else True

    def recv(self, size):
        if self.held:
            data = self.held[:size]
            self.held = self.held[size:]
            return data
        ssl = self.ssl
        while True:
            try:
                data = self.obj.read(size)
            except ssl.SSLWantReadError:
                if self._feed():
                    continue
                data = None
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                data = b""              # close_notify, or the bare end
            if self.pending or self.outgoing.pending:
                self._flush()           # what reading made the session say
            return data

    def send(self, data):
        if not self.taken:
            try:
                self.taken = self.obj.write(data[:self.RECORD])
            except self.ssl.SSLWantReadError:
                self._feed()
                return 0
        if not self._flush():
            return 0
        count = self.taken
        self.taken = 0
        return count

    def close_notify(self):
        if not self.closing:
            self.closing = True
            ssl = self.ssl
            # What the session holds is read out first: SSL_shutdown reads
            # on for the server's close_notify, and would drop it.
            while self.incoming.pending or self.obj.pending():
                try:
                    self.held += self.obj.read(self.RECORD)
                except (ssl.SSLWantReadError, ssl.SSLZeroReturnError, ssl.SSLEOFError):
                    break
            try:
                self.obj.unwrap()
            except ssl.SSLError:        # want-read: the server's comes later
                pass
        return self._flush()

    def close(self):
        pass

    def _feed(self):
        """Ciphertext from the socket into the session; False if none came."""
        try:
            data = self.raw.recv(self.RECORD + 1024)
        except (BlockingIOError, InterruptedError):
            return False
        if data:
            self.incoming.write(data)
        else:
            self.incoming.write_eof()
        return True

    def _flush(self):
        """Put what the session wrote on the socket; True if all went."""
        data = self.pending + self.outgoing.read()
        while data:
            try:
                sent = self.raw.send(data)
            except (BlockingIOError, InterruptedError):
                break
            data = data[sent:]
        self.pending = data
        return not data


def open_file(name, mode):
    """open(), with an error that names the file (a directory is one)."""
    try:
        return open(name, mode)
    except OSError as exc:
        raise OSError(exc.args[0], "cannot open %r: %s" % (name, exc))


def half_close(sock):
    """End our direction of a connection (FIN after what was sent); False
    if the socket could not (it is closed, or the peer reset it)."""
    try:
        sock.shutdown(1)
    except OSError:
        return False
    return True


def write_stdout(data):
    if isinstance(data, str):
        sys.stdout.write(data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    sys.stdout.flush()


def read_line():
    """One line from stdin as str, '' at end of input."""
    return sys.stdin.readline()


def socket_poller(sock, send=False, waker=None):
    """A function ``ready(wait_ms)`` that tells whether ``sock`` has
    something to read (data or the end of the stream) -- with ``send``:
    room to send (or an error) -- waiting up to ``wait_ms`` for it: True,
    or False when the time ran out; None where that cannot be told (a TLS
    connection or another wrapper: what a TLS session has already
    decrypted does not show on its socket).  ``waker`` is always None here
    (see socket_waker)."""
    import select
    try:
        poller = select.poll()
        poller.register(sock, select.POLLOUT if send else select.POLLIN)
    except Exception:
        return None
    return lambda wait_ms: bool(poller.poll(wait_ms))


def socket_waker():
    """None: here a thread waiting on a socket is woken by
    wake_blocked_recv (shutdown), and half_close ends a stream."""
    return None


def wake(waker):
    """Never called here (socket_waker gives None)."""


def peer_address(addr):
    """(host, port) of an address ``accept()`` returned."""
    return addr[0], addr[1]


def bind_address(port):
    """What ``bind()`` takes for every IPv4 interface and ``port``."""
    return ("0.0.0.0", port)
