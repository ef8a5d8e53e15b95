"""A thread's timed pause racing the wake a scheduler step delivers at its
end: it must never deadlock (the pause waits for that wake without holding
the component's lock, which the step's next delivery needs).

- A threaded consumer polling with ``pause(0.001)``, fed 100 messages a
  step with a little work between them: 50 runs, every message in order.
- ReconnectingTCPClient's backoff (``_wait`` pauses with a timeout) while a
  producer sends two readings a step, 2 ms apart, every 4 ms: the backoff
  ends, the client gets through once the server is back, and every reading
  arrives.
"""

import binascii
import hashlib
from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Internet.ReconnectingTCPClient import ReconnectingTCPClient
from testserver import TestServer
from components import Collector

DEADLINES = {"test_a_timed_pause_racing_a_burst_50_times": 60,
             "test_reconnecting_backoff_with_a_producer_sending_every_step": 30}

THREAD_RACES = ["test_a_timed_pause_racing_a_burst_50_times",
                "test_reconnecting_backoff_with_a_producer_sending_every_step"]


def work(n=200):
    """A little computation, as a sensor read or a parse would take."""
    total = 0
    for i in range(n):
        total += i * i
    return total


class HundredAStep(component):
    """100 messages a step, with a millisecond of work after every tenth:
    a step long enough (10 ms) that the consumer's timed pause runs out in
    the middle of it, also under CPython's GIL (which hands over every
    5 ms)."""

    def __init__(self, steps):
        component.__init__(self)
        self.steps = steps

    def main(self):
        n = 0
        for _ in range(self.steps):
            for i in range(100):
                self.send(n)
                n += 1
                if i % 10 == 9:
                    start = ticks_ms()
                    while ticks_diff(ticks_ms(), start) < 1:
                        work(20)
            yield 1


class TimedPoller(threadedcomponent):
    """Takes everything waiting, then pause(0.001), until it has ``expect``."""

    def __init__(self, expect):
        threadedcomponent.__init__(self)
        self.expect = expect
        self.got = []

    def main(self):
        while len(self.got) < self.expect:
            while self.dataReady():
                self.got.append(self.recv())
            self.pause(0.001)


def test_a_timed_pause_racing_a_burst_50_times():
    # Seen before the fix: a hang in 10 runs of 10 on both runtimes.
    for run in range(50):
        consumer = TimedPoller(1000)
        producer = HundredAStep(10)
        producer.link((producer, "outbox"), (consumer, "inbox"))
        producer.activate()
        consumer.activate()
        scheduler.run.runThreads()
        assert consumer.got == list(range(1000)), (run, len(consumer.got))


class Readings(component):
    """Every 4 ms, a step that sends two readings with 2 ms of work (a
    sensor read) between them, for ``ms`` milliseconds; then
    producerFinished.  The client's timed pauses then mostly run out in
    the middle of a step whose first reading has a wake pending."""

    def __init__(self, ms):
        component.__init__(self)
        self.ms = ms
        self.sent = 0

    def main(self):
        start = last = ticks_ms()
        while ticks_diff(last, start) < self.ms:
            if ticks_diff(ticks_ms(), last) >= 4:
                last = ticks_ms()
                self.send(reading(self.sent))
                while ticks_diff(ticks_ms(), last) < 2:
                    work(20)
                self.send(reading(self.sent + 1))
                self.sent += 2
            yield 1
        self.send(producerFinished(self), "signal")


def reading(n):
    return b"%07d\n" % n


def test_reconnecting_backoff_with_a_producer_sending_every_step():
    # Seen before the fix: a hang in 5 runs of 6 on MicroPython.  The
    # server is away for the first 0.8 s, so the client backs off (with
    # timed pauses) while readings arrive every step.
    server = TestServer("sink")
    server.restart(down_for=0.8)
    src = Readings(1200)
    k = Collector()
    Pipeline(src, ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.02,
                                        max_delay=0.1, buffer_bytes=1 << 20), k).activate()
    scheduler.run.runThreads()
    names = [type(s).__name__ for s in k.signals]
    assert names[-1] == "socketShutdown" and "connected" in names, names
    assert "dataDropped" not in names, names
    assert src.sent > 100, src.sent
    digest = hashlib.sha256()
    for n in range(src.sent):
        digest.update(reading(n))
    result = server.result()
    assert result["bytes"] == 8 * src.sent, (result["bytes"], src.sent)
    assert result["sha256"] == binascii.hexlify(digest.digest()).decode(), result
