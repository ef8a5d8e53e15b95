"""Components that drive a component under test and record what comes out
of it (CPython and MicroPython alike).

- ``Source(messages, finish)``: sends messages (any iterable), then
  ``finish`` out of "signal"; ``Repeat(chunk, count)``: one chunk many times.
- ``Collector``: records "inbox" and "control" (``signals``, ``signal_ms``);
  ``Digest``: hashes "inbox" instead; ``InOrder``: checks each message
  against the next one expected.  All three stop on producerFinished or
  shutdownMicroprocess.
- ``Trigger(condition, message)``: sends a message once a condition holds
  (from its own thread); ``Raiser(after, exc)``: passes data through, then
  raises.
- ``echo_through(client, messages, stop_after)``: Source -> client ->
  Collector (or Digest), run to its end.
"""

import binascii
import hashlib

from axonport import ticks_ms
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess


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
