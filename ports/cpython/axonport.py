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


# TLS sessions are used non-blocking (see Kamaelia/Internet/TLS.py); these
# say "would block" the same way on every runtime.

def tls_recv(tls, size):
    """Decrypted bytes, b'' at the end of the stream, None if none yet."""
    import ssl
    try:
        return tls.recv(size)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return None


def tls_send(tls, data):
    """Bytes taken (0 if the session cannot take any now)."""
    import ssl
    try:
        return tls.send(data)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return 0


def tls_wait(raw, tls, writable, timeout):
    """Wait up to ``timeout`` s for the TLS socket to be readable/writable."""
    import select
    want = [tls]
    ready = select.select([] if writable else want, want if writable else [], [], timeout)
    return bool(ready[0] or ready[1])


def half_close(sock):
    """End our direction of a connection (FIN after what was sent)."""
    try:
        sock.shutdown(1)
    except OSError:
        pass


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


def read_poller(sock):
    """A function ``readable(wait_ms)`` that tells whether ``sock`` has
    something to read (data or the end of the stream), waiting up to
    ``wait_ms`` for it; None where that cannot be told (a TLS connection or
    another wrapper: what a TLS session has already decrypted does not show
    on its socket)."""
    import select
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
    except Exception:
        return None
    return lambda wait_ms: bool(poller.poll(wait_ms))
