"""Helpers for behaviour tests that run on both CPython and MicroPython.

The same test file runs in-process on CPython and as a script under the
MicroPython unix port and the ESP32-like build (a 96 KB heap), so
everything here uses only what both have, and nothing here needs a whole
payload in memory: payloads are made piece by piece as they are sent and
checked by a running SHA-256 as they arrive.

- ``TestServer(kind, **options)``, ``pattern``, ``prefix_sha256``: from
  testserver.py (see there), handed on from here.
- ``pattern_pieces``, ``seeded_pieces``: payloads as generators of pieces
  (feed them to ``Source``); ``sha256_stream``: the checksum of such a
  generator's output, a piece at a time; ``sha256hex``: of one small bytes.
- ``Source``, ``Collector``, ``Digest``, ``InOrder``, ``Trigger``:
  components that feed a component under test, record (or hash, or check
  in order) what comes out of it, or send a message when a condition holds.
  (``Script`` and its helpers are in scripted.py.)
- ``SkipTest``: raised by a test that cannot run on this runtime
  (``need_module``); the harness reports it as a skip with its reason.
"""

import binascii
import hashlib
import os
import sys

from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from testserver import pattern, prefix_sha256, _Control, TestServer  # noqa: F401 (re-exported)


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


def sha256_stream(pieces, limit=None):
    """SHA-256 (hex) of everything ``pieces`` (an iterable of bytes-like
    objects) yields, or of its first ``limit`` bytes, hashed a piece at a
    time."""
    digest = hashlib.sha256()
    for piece in pieces:
        if limit is not None:
            if limit <= len(piece):
                digest.update(piece[:limit])
                break
            limit -= len(piece)
        digest.update(piece)
    return binascii.hexlify(digest.digest()).decode()


def pattern_pieces(size, seed=0, piece=4096):
    """pattern(size, seed) as consecutive ``bytes`` pieces of ``piece``
    bytes (the last one shorter), made as they are asked for.  When
    ``piece`` is a multiple of 256 every full piece is the same object."""
    if size <= piece:
        yield pattern(size, seed)
        return
    if piece % 256 == 0:
        block = pattern(piece, seed)
        for _ in range(size // piece):
            yield block
        if size % piece:
            yield block[:size % piece]
        return
    span = pattern(piece + 255, seed)       # a piece at any offset of the stream
    done = 0
    while done < size:
        at = done % 256
        n = min(piece, size - done)
        yield span[at:at + n]
        done += n


def seeded_pieces(count, size):
    """``count`` messages of ``size`` bytes, message ``i`` being
    pattern(size, seed=i), made as they are asked for: each a slice of one
    stretch of pattern(seed=0), as byte j of seed i is byte j + 223 * i
    (mod 256) of seed 0 (31 * 223 = 1 mod 256), so that a piece costs the
    heap one allocation of its size."""
    span = pattern(size + 255)
    for i in range(count):
        at = (223 * i) & 255
        yield span[at:at + size]


class SkipTest(Exception):
    """This test cannot run on this runtime; the message says why
    (tests/support/run_case.py and tests/test_cases.py make it a skip)."""


def need_module(name):
    """Import ``name``; if this runtime was built without it, SkipTest.
    Which modules a runtime lacks is the harness's to say (TESTKIT_LACKS,
    space-separated, set by tests/test_cases.py), so that a module missing
    where it should be there still fails the test."""
    try:
        return __import__(name)
    except ImportError:
        if name in (os.getenv("TESTKIT_LACKS") or "").split():
            raise SkipTest("this build has no %s module" % name)
        raise


def elapsed_ms(since):
    return ticks_diff(ticks_ms(), since)


def other_ca():
    """The DER certificate of a CA that signed none of the test servers."""
    return binascii.unhexlify(_Control.ask({"cmd": "other_ca"})["ca"])


def tls_context(ca_der):
    """A client SSLContext trusting ``ca_der``, verification on (both runtimes)."""
    ssl = need_module("ssl")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata=ca_der)
    return ctx


class Source(component):
    """Sends ``messages`` (any iterable: a generator of pieces is made as
    it is sent) out of "outbox" as fast as it can (pausing while the
    receiver is full: ``full`` counts how often), then ``finish`` (if not
    None) out of "signal"."""

    def __init__(self, messages, finish=None):
        component.__init__(self)
        self.messages = messages
        self.finish = finish
        self.full = 0                   # times a send met a full inbox

    def main(self):
        for msg in self.messages:
            self.full += yield from self.send_when_room(msg)
        if self.finish is not None:
            self.send(self.finish, "signal")


class Collector(component):
    """Records what reaches "inbox" (``data``: keep it to small messages;
    a payload goes to a Digest) and "control" (``signals``,
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


# -- additions for the fault-injection suite (case_faults.py, test_reliability.py)

IS_MICROPYTHON = sys.implementation.name == "micropython"


def large_messages(size, seed=0, over=0):
    """pattern(size, seed) as a test of large messages sends it: one
    message on CPython; on MicroPython, where no test holds a whole
    payload, messages larger than ``over`` and than the port's QUEUE_BYTES
    (a client's default inbox bound), so each is still larger than any box
    or buffer it meets -- but the last, the rest, which may be smaller.
    All the full ones are one object."""
    if not IS_MICROPYTHON:
        return [pattern(size, seed)]
    from axonport import QUEUE_BYTES
    return pattern_pieces(size, seed, (max(over, QUEUE_BYTES) // 256 + 1) * 256)


class Digest(Collector):
    """A Collector that hashes what reaches "inbox" instead of keeping it:
    ``total`` bytes, ``hexdigest()`` (call once, at the end), ``types``
    (the type names seen), ``chunks`` (how many messages) and, with
    ``sizes=True``, ``sizes`` (each message's length).  Same
    ``stop_after`` / ``stop_message`` and "control" handling as Collector."""

    def __init__(self, stop_after=None, stop_message=None, sizes=False):
        Collector.__init__(self, stop_after, stop_message)
        self.hash = hashlib.sha256()
        self.total = 0
        self.chunks = 0
        self.types = []
        self.sizes = [] if sizes else None
        self.stop_ms = None             # ticks_ms when stop_message went out
        self._hex = None

    def _take(self):
        item = self.recv("inbox")
        name = type(item).__name__
        if name not in self.types:
            self.types.append(name)
        self.hash.update(item)
        self.total += len(item)
        self.chunks += 1
        if self.sizes is not None:
            self.sizes.append(len(item))
        if self.stop_after is not None and self.total >= self.stop_after:
            self.stop_after = None
            self.stop_ms = ticks_ms()
            self.send(self.stop_message, "outbox")

    def received(self):
        raise AttributeError("Digest keeps no data; use total and hexdigest()")

    def hexdigest(self):
        if self._hex is None:
            self._hex = binascii.hexlify(self.hash.digest()).decode()
        return self._hex


class InOrder(Collector):
    """A Collector that checks each message reaching "inbox" against the
    next one ``expected`` (an iterable) yields, keeping none of them:
    ``count`` messages arrived, ``wrong`` is None or the first
    (index, got, expected) that differed.  Same "control" handling."""

    def __init__(self, expected):
        Collector.__init__(self)
        self.expected = iter(expected)
        self.wrong = None

    def _take(self):
        item = self.recv("inbox")
        want = next(self.expected, StopIteration)
        if self.wrong is None and item != want:
            self.wrong = (self.count, item, want)
        self.count += 1

    def received(self):
        raise AttributeError("InOrder keeps no data; use count and wrong")


class Repeat(component):
    """Sends ``chunk`` ``count`` times out of "outbox" as fast as the
    receiver takes it (pausing on a full inbox), then ``finish`` (if not
    None) out of "signal".  ``copy=True`` sends a fresh bytes object each
    time (so garbage is made as a real producer would).  ``sent`` counts
    the bytes accepted downstream."""

    def __init__(self, chunk, count, finish=None, copy=False):
        component.__init__(self)
        self.chunk = chunk
        self.count = count
        self.finish = finish
        self.copy = copy
        self.sent = 0

    def main(self):
        chunk = self.chunk
        for _ in range(self.count):
            msg = bytes(chunk) if self.copy else chunk
            yield from self.send_when_room(msg)
            self.sent += len(msg)
        if self.finish is not None:
            self.send(self.finish, "signal")


class Raiser(component):
    """Passes "inbox" to "outbox" and "control" to "signal" (waiting while
    the receiver is full); once ``after`` bytes have passed through
    "inbox", raises ``exc``."""

    def __init__(self, after, exc):
        component.__init__(self)
        self.after = after
        self.exc = exc
        self.seen = 0

    def main(self):
        while True:
            while self.dataReady("inbox"):
                data = self.recv("inbox")
                self.seen += len(data)
                yield from self.send_when_room(data)
                if self.seen >= self.after:
                    raise self.exc
            while self.dataReady("control"):
                msg = self.recv("control")
                self.send(msg, "signal")
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    return
            self.pause()
            yield 1


def count_fds():
    return len(os.listdir("/proc/self/fd"))


def count_threads():
    return len(os.listdir("/proc/self/task"))


def settle(measure, target, timeout_ms=2000):
    """Wait (up to ``timeout_ms``) until ``measure()`` is at most ``target``
    -- for counts the OS updates a moment after a thread or socket has
    gone; returns the last value seen."""
    from axonport import sleep_ms
    start = ticks_ms()
    while True:
        value = measure()
        if value <= target or ticks_diff(ticks_ms(), start) >= timeout_ms:
            return value
        sleep_ms(5)


def error_unsent_shutdown(signals, kind=OSError, unsent=None):
    """``signals`` are an exception of ``kind``, then (when ``unsent`` is
    not None) a dataNotSent of exactly ``unsent`` bytes (or, if ``unsent``
    is a function, one whose byte count it accepts; none at all if it
    accepts 0), then one socketShutdown.  Returns the exception."""
    from Kamaelia.IPC import socketShutdown
    from Kamaelia.Internet.ThreadedTCPClient import dataNotSent
    names = [type(s).__name__ for s in signals]
    if callable(unsent) and len(signals) == 2 and unsent(0):
        unsent = None                   # nothing was left unsent
    assert len(signals) == (2 if unsent is None else 3), names
    assert isinstance(signals[0], kind), signals
    assert type(signals[-1]) is socketShutdown, names
    if unsent is not None:
        assert type(signals[1]) is dataNotSent, names
        got = signals[1].nbytes
        assert (unsent(got) if callable(unsent) else got == unsent), (got, unsent)
        assert ("%d bytes" % got) in str(signals[1]), str(signals[1])
    return signals[0]


def run_expecting(kind):
    """Run the scheduler, which must end with an exception of ``kind``:
    returns that exception (a plain return is an AssertionError)."""
    try:
        scheduler.run.runThreads()
    except kind as exc:
        return exc
    raise AssertionError("runThreads() returned instead of raising %s" % kind.__name__)


def echo_through(client, messages, stop_after, sink=Collector):
    """Source(messages) -> client -> ``sink`` (Collector, or Digest to
    hash what comes back), which stops the client once ``stop_after``
    bytes came back; runs it; returns the sink."""
    from Kamaelia.Chassis.Graphline import Graphline
    k = sink(stop_after=stop_after)
    Graphline(SRC=Source(messages), CLIENT=client, OUT=k,
              linkages={("SRC", "outbox"): ("CLIENT", "inbox"),
                        ("CLIENT", "outbox"): ("OUT", "inbox"),
                        ("CLIENT", "signal"): ("OUT", "control"),
                        ("OUT", "outbox"): ("CLIENT", "control")}).activate()
    scheduler.run.runThreads()
    return k
