"""Back-pressure at its edges: timed pauses racing a burst, many producers
on one small inbox, a large message after a small one, stopping what is
held, unlinking what is held, messages that reached a Pipeline early."""

from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from axonport import allocate_lock, acquire_timeout, ticks_ms, ticks_diff
from testserver import TestServer
from payloads import large_messages, sha256_stream
from components import Collector

DEADLINES = {"test_a_polling_thread_and_a_bursting_producer_never_deadlock": 30}

THREAD_RACES = ["test_a_polling_thread_and_a_bursting_producer_never_deadlock",
                "test_a_stopped_thread_gets_shutdown_on_control"]


class Bursts(component):
    """Sends ``size`` messages a step, with a long step (a slow sensor read)
    between the first and the rest: a polling consumer's pause times out
    while the first message's wake waits for the step to end."""

    def __init__(self, bursts, size):
        super(Bursts, self).__init__()
        self.bursts, self.size = bursts, size

    def main(self):
        n = 0
        for _ in range(self.bursts):
            for i in range(self.size):
                self.send(n)
                n += 1
                if i == 0:
                    start = ticks_ms()
                    while ticks_diff(ticks_ms(), start) < 20:
                        pass
            yield 1


class Poller(threadedcomponent):
    """Takes what comes, polling with pause(0) (every pause times out)."""

    def __init__(self, expect, q=None):
        super(Poller, self).__init__(q)
        self.expect = expect
        self.got = []

    def main(self):
        while len(self.got) < self.expect:
            while self.dataReady():
                self.got.append(self.recv())
            self.pause(0)


def test_a_polling_thread_and_a_bursting_producer_never_deadlock():
    for _ in range(3):
        c = Poller(200)
        p = Bursts(20, 10)
        p.link((p, "outbox"), (c, "inbox"))
        p.activate()
        c.activate()
        scheduler.run.runThreads()
        assert c.got == list(range(200))


class OnePerStep(component):
    def main(self):
        for i in range(50):
            self.send((self.id, i))
            yield 1


def test_many_producers_on_one_small_inbox_are_held_not_refused():
    c = Poller(20 * 50, 4)
    producers = [OnePerStep() for _ in range(20)]
    for p in producers:
        p.link((p, "outbox"), (c, "inbox"))
        p.activate()
    c.activate()
    scheduler.run.runThreads()
    assert len(c.got) == 1000
    for p in producers:
        assert [i for k, i in c.got if k == p.id] == list(range(50))


def headers_and_large_messages():
    """Five times a small message, then 40000 bytes in messages larger than
    the client's 8192-byte inbox bound (one message but on MicroPython)."""
    for _ in range(5):
        yield b"header"
        yield from large_messages(40000, over=8192)


def test_a_large_message_after_a_small_one_is_held_not_refused():
    server = TestServer("sink")
    k = Collector()

    class Sender(component):
        def main(self):
            for message in headers_and_large_messages():
                self.send(message)
                yield 1
            self.send(producerFinished(), "signal")

    Pipeline(Sender(), ThreadedTCPClient("127.0.0.1", server.port, inbox_bytes=8192),
             k).activate()
    scheduler.run.runThreads()
    result = server.result()
    assert result["bytes"] == 5 * 40006, result
    assert result["sha256"] == sha256_stream(headers_and_large_messages()), result


class Forever(component):
    def main(self):
        self.cleaned = False
        try:
            while True:
                self.send(0)
                yield 1
        finally:
            self.cleaned = True


class WaitsForStop(component):
    """Takes nothing until ``victim`` has finished; then drains and ends."""

    def __init__(self, victim):
        super(WaitsForStop, self).__init__()
        self.victim = victim
        self.stopped_first = None

    def main(self):
        while not self.victim._done:
            yield 1
        self.stopped_first = self.victim.cleaned
        while self.dataReady():
            self.recv()


class Stopper(component):
    def __init__(self, victim):
        super(Stopper, self).__init__()
        self.victim = victim

    def main(self):
        while self.victim._held is None:
            yield 1
        self.victim.stop()


def test_stop_ends_a_held_producer_at_once():
    p = Forever()
    c = WaitsForStop(p)
    p.link((p, "outbox"), (c, "inbox"))
    for comp in (p, c, Stopper(p)):
        comp.activate()
    scheduler.run.runThreads()
    assert c.stopped_first is True


def test_a_stopped_thread_gets_shutdown_on_control():
    class Worker(threadedcomponent):
        def main(self):
            while not self.dataReady("control"):
                self.pause()
            self.seen = self.recv("control")
            self.ended.release()

    w = Worker()
    w.seen = None
    w.ended = allocate_lock()
    w.ended.acquire()

    class Ender(component):
        def main(self):
            yield 1
            w.stop()

    w.activate()
    Ender().activate()
    scheduler.run.runThreads()
    assert acquire_timeout(w.ended, 5)
    assert isinstance(w.seen, shutdownMicroprocess)


def test_unlinking_a_held_producer_lets_it_go_on_elsewhere():
    class Idle(component):
        def main(self):
            while not self.dataReady("control"):
                self.pause()
                yield 1

    p = OnePerStep()
    pl = Pipeline(p)
    idle = Idle()
    d = Collector()

    class Boss(component):
        def main(self):
            link = self.link((pl, "outbox"), (idle, "inbox"))
            idle.setInboxSize("inbox", None)
            idle.inboxes["inbox"].maxsize = 3          # small, and holding
            idle.inboxes["inbox"].strict = False
            while p._held is None:
                yield 1
            self.unlink(thelinkage=link)
            self.link((pl, "outbox"), (d, "inbox"))
            while not p._isStopped():
                yield 1
            idle.inboxes["control"].put(producerFinished())
            d.inboxes["control"].put(producerFinished())

    for comp in (Boss(), pl, idle, d):
        comp.activate()
    scheduler.run.runThreads()
    got = [i for _, i in d.data]
    assert got == list(range(got[0], 50)) and got[0] <= 4, got


def test_messages_that_reached_a_pipeline_early_are_all_passed_on():
    class Early(component):
        def main(self):
            for i in range(20):
                self.send(i)
            yield 1

    c = Poller(20, 4)
    p = Early()
    pl = Pipeline(c)
    p.link((p, "outbox"), (pl, "inbox"))
    p.activate()
    pl.activate()
    scheduler.run.runThreads()
    assert c.got == list(range(20))
