"""Runtime shim for MicroPython (unix port, ESP32): same names as
ports/cpython/axonport.py.

MicroPython's ``_thread`` locks ignore a timeout argument, so
``acquire_timeout`` tries the lock and sleeps in short, growing steps (1 ms
up to 20 ms) until the deadline: a timed wait costs at most 50 wake-ups a
second and only while someone asked for a timeout.  Untimed waits block on
the lock itself.  Sockets here have no shutdown(): a thread waiting on a
socket is woken through a socket_waker (a loopback datagram socket)
instead, where the port has one.

The rarely used names (TLS, console, jitter) live in axonport_more and
load on first use (``from axonport import tls_recv`` still works).

Importing this module on a heap of 512 KB or less sets ``gc.threshold``
to a thirty-second of the heap, unless the program has set a threshold
(see QUEUE_BYTES below for why).
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
# inbox, a RateControlledFileReader's output): a sixteenth of the heap from
# 96 KB up, to at most 256 KB -- 8 KB on a 128 KB heap (an ESP32 has about
# 100 KB free), 128 KB on the unix port's default 2 MB heap.  Below 64 KB,
# where the library and its components take a third of the heap or more, a
# thirty-second, at least 512 bytes: 512 on a 16 KB heap (firmware with the
# library frozen in), 1 KB on 32 KB, 2 KB on 64 KB; in between it rises
# from the one to the other (more heap never means a smaller bound).
# The sizes below follow it, so the data in flight stays a small share of
# any heap.
_HEAP = gc.mem_free() + gc.mem_alloc()
QUEUE_BYTES = max(512, min(262144, _HEAP // 16, max(_HEAP // 32, (_HEAP - 49152) // 8)))

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
# hold in their queues together, split evenly between max_connections:
# half of QUEUE_BYTES, so that a server with every connection busy needs
# no more heap than a client with a full inbox.
SERVER_BYTES = QUEUE_BYTES // 2

# A small heap fragments: MicroPython collects only when an allocation
# fails, and by then garbage lies scattered between live objects, so the
# holes it leaves are too small for the next file chunk or instance dict.
# Collecting after every thirty-second of the heap keeps live objects
# packed (the seed example then streams in a heap about a quarter
# smaller; a sixteenth left it failing in 64 KB on the 64-bit unix port in
# most runs, see docs/BENCHMARKS.md).  A threshold the program has set is
# left alone.
if _HEAP <= 524288 and gc.threshold() < 0:
    gc.threshold(_HEAP // 32)


# Under a GIL (an ESP32; the ESP32-like unix build) the interpreter hands
# the lock over only by releasing it and taking it straight back, which a
# thread waiting for it almost never wins.  A scheduler that always has a
# component to step (a Kamaelia-style component that polls instead of
# pausing) would then starve every thread.  ``share_gil(1)`` blocks for a
# millisecond with the lock released, so waiting threads get it; the
# scheduler calls it after GIL_SLICE_MS of running without a pause while
# threads are alive.  None where threads need no such help.
GIL_SLICE_MS = const(5)
share_gil = time.sleep_ms if getattr(sys.implementation, "_thread", None) == "GIL" else None


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


def is_timeout(exc):
    """True when a socket call ended only because its timeout ran out."""
    return bool(exc.args) and exc.args[0] in _TIMEOUT_ERRNOS


def open_file(name, mode):
    """open(), with an error that names the file; a directory is one too
    (EISDIR), as on CPython (MicroPython opens it, and fails only when it
    is read)."""
    import os
    try:
        try:
            kind = os.stat(name)[0]
        except OSError:
            kind = 0            # a new file: open() says if it cannot be
        if kind & 0x4000:
            raise OSError(errno.EISDIR)
        return open(name, mode)
    except OSError as exc:
        raise OSError(exc.args[0], "cannot open %r: %s" % (name, exc))


def wake_blocked_recv(sock):
    """Nothing to do here: a socket_poller's SocketWaker ends the wait."""


def half_close(sock):
    """False: MicroPython sockets cannot half-close, the close itself ends
    the stream."""
    return False


def socket_poller(sock, send=False, waker=None):
    """A function ``ready(wait_ms)`` that tells whether ``sock`` has
    something to read (data or the end of the stream) -- with ``send``:
    room to send (or an error) -- waiting up to ``wait_ms`` for it (a signal
    does not restart the wait, as it restarts a socket's timeout): True,
    False when the time ran out, None when ``waker`` (see socket_waker)
    was woken first.  The function is None where readiness cannot be told
    (a TLS connection or another wrapper: what a TLS session has already
    decrypted does not show on its socket).  ``ipoll`` reuses one result
    tuple, so asking allocates nothing on the heap."""
    import select
    try:
        poller = select.poll()
        poller.register(sock, select.POLLOUT if send else select.POLLIN)
        if waker is not None:
            poller.register(waker, select.POLLIN)
    except MemoryError:
        raise           # a full heap is not a socket that cannot be polled
    except Exception:
        return None

    def ready(wait_ms):
        woken = False
        for polled, _ in poller.ipoll(wait_ms):
            if polled is sock:
                return True
            woken = True
        if woken:
            try:
                while waker.recv(16):
                    pass
            except OSError:
                pass            # nothing more to read (EAGAIN)
            return None
        return False
    return ready


def socket_waker():
    """What wakes a thread waiting in a ``socket_poller`` from another
    thread, MicroPython's sockets having no shutdown() that would end the
    wait: a non-blocking datagram socket connected to itself on a loopback
    port (``wake(waker)`` sends it a byte, which makes it readable; close
    it with the connection).  A stray datagram is a spurious wake, which a
    waiter tells apart by looking at its state.  None where the port has
    no loopback: the waiter then notices a change when its wait times out.
    The port is picked at random above 49151 (MicroPython's sockets cannot
    say which one the OS picked); a taken one means another try."""
    import socket
    import os
    for _ in range(8):
        port = 49152 + (int.from_bytes(os.urandom(2), "little") & 16383)
        sock = None
        try:
            addr = socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_DGRAM)[0][-1]
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(addr)
            sock.connect(addr)
            sock.setblocking(False)
            return sock
        except OSError:
            if sock is not None:
                sock.close()
    return None


def wake(waker):
    """Wake the waiter of a socket_waker (a full queue means it is woken
    already; a closed one, that nobody waits)."""
    try:
        waker.send(b"!")
    except OSError:
        pass


def __getattr__(name):
    # The rest of the port (TLS, console, jitter, print_exception) is in
    # axonport_more, loaded on first use: a program that does not use them
    # keeps their code off the heap.
    if name.startswith("__"):
        raise AttributeError(name)
    import axonport_more
    return getattr(axonport_more, name)
