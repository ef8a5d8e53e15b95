"""Runtime shim for MicroPython (unix port, ESP32): same names as
ports/cpython/axonport.py.

MicroPython's ``_thread`` locks ignore a timeout argument, so
``acquire_timeout`` tries the lock and sleeps in short, growing steps (1 ms
up to 20 ms) until the deadline: a timed wait costs at most 50 wake-ups a
second and only while someone asked for a timeout.  Untimed waits block on
the lock itself.  Sockets here have no shutdown(), so a reader blocked in
recv() notices a stop only when its receive timeout runs out.
"""

import _thread
import errno
import gc
import sys
import time
from micropython import const

allocate_lock = _thread.allocate_lock
ticks_ms = time.ticks_ms
ticks_diff = time.ticks_diff
ticks_add = time.ticks_add
sleep_ms = time.sleep_ms

_TIMEOUT_ERRNOS = (errno.EAGAIN, errno.ETIMEDOUT)


# Default bound, in bytes, of the queues that carry data (a ThreadedTCPClient's
# inbox, a RateControlledFileReader's output): a sixteenth of the heap, from
# 4 KB to 256 KB -- 8 KB on a 128 KB heap (an ESP32 has about 100 KB free),
# 128 KB on the unix port's default 2 MB heap.
_HEAP = gc.mem_free() + gc.mem_alloc()
QUEUE_BYTES = max(2048, min(262144, _HEAP // 16))

# A small heap fragments: MicroPython collects only when an allocation
# fails, and by then garbage lies scattered between live objects, so the
# holes it leaves are too small for the next file chunk or instance dict.
# Collecting after every sixteenth of the heap keeps live objects packed
# (the seed example then streams in a heap about a quarter smaller).  A
# threshold the program has set is left alone.
if _HEAP <= 524288 and gc.threshold() < 0:
    gc.threshold(QUEUE_BYTES)


def start_thread(function, args=()):
    _thread.start_new_thread(function, args)


def acquire_timeout(lock, timeout):
    """Block on ``lock`` for at most ``timeout`` seconds; True if acquired."""
    if lock.acquire(0):
        return True
    deadline = time.ticks_add(time.ticks_ms(), int(timeout * 1000))
    step = 1
    while True:
        left = time.ticks_diff(deadline, time.ticks_ms())
        if left <= 0:
            return False
        time.sleep_ms(step if step < left else left)
        if lock.acquire(0):
            return True
        if step < 20:
            step += step


def print_exception(exc, file=None):
    sys.print_exception(exc, file or sys.stderr)


def is_timeout(exc):
    """True when a socket call ended only because its timeout ran out."""
    return bool(exc.args) and exc.args[0] in _TIMEOUT_ERRNOS


def wake_blocked_recv(sock):
    pass


def random_fraction():
    """A number in [0, 1) for jitter (not for cryptography)."""
    import random
    return random.getrandbits(16) / 65536


def default_ssl_context():
    """MicroPython has no CA store to verify against: say what to do instead."""
    raise ValueError("ssl=True needs CA certificates, which MicroPython does not have: "
                     "pass ssl=ctx with ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "
                     "ctx.verify_mode = ssl.CERT_REQUIRED and "
                     "ctx.load_verify_locations(cadata=<CA certificate, DER>)")


# TLS sessions are used non-blocking (see Kamaelia/Internet/TLS.py): a
# timeout on MicroPython's TLS socket leaves it failing every later call.

def tls_recv(tls, size):
    """Decrypted bytes, b'' at the end of the stream, None if none yet."""
    return tls.recv(size)


def tls_send(tls, data):
    """Bytes taken (0 if the session cannot take any now)."""
    return tls.write(data) or 0


def tls_wait(raw, tls, writable, timeout):
    """Wait up to ``timeout`` s for the socket under the TLS session."""
    import select
    poller = select.poll()
    poller.register(raw, select.POLLOUT if writable else select.POLLIN)
    return bool(poller.poll(int(timeout * 1000)))


def half_close(sock):
    """MicroPython sockets cannot half-close; the close itself ends the stream."""


def write_stdout(data):
    if isinstance(data, str):
        sys.stdout.write(data)
    else:
        sys.stdout.buffer.write(data)


def read_line():
    """One line from stdin as str, '' at end of input."""
    return sys.stdin.readline()



def read_poller(sock):
    """A function that tells, without blocking, whether ``sock`` has
    something to read (data or the end of the stream); None where that
    cannot be told (a TLS connection or another wrapper: what a TLS session
    has already decrypted does not show on its socket).  ``ipoll`` reuses
    one result tuple, so asking allocates nothing on the heap."""
    import select
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
    except Exception:
        return None

    def readable():
        for _ in poller.ipoll(0):
            return True
        return False
    return readable
