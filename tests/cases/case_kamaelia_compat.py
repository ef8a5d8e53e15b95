"""Programs written the way Kamaelia code is written, run unchanged.

Each component here is what a Kamaelia user writes: it sends without
catching noSpaceInBox, yields, pauses when idle, and passes shutdown
messages on.  The library must deliver everything in order, keep its
queues bounded (the tests assert the bound), and never raise at code that
did not ask for it.
"""

from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess, newComponent, WaitComplete
from Axon.AxonExceptions import noSpaceInBox, AxonException
from Axon.Box import QUEUE_LENGTH
from Axon.Seldom import FLOOD
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from axonport import allocate_lock, acquire_timeout
from case_backpressure import Counter, SlowSum
from testserver import TestServer, pattern, prefix_sha256
from components import Collector

DEADLINES = {"test_kamaelia_producer_streams_10mb_to_a_slow_server": 60}


class Flooder(component):
    def main(self):
        self.sent = 0
        try:
            for i in range(FLOOD * QUEUE_LENGTH + 10):
                self.send(i)
                self.sent += 1
        except noSpaceInBox as exc:
            self.error = exc
        yield 1


def test_a_step_that_floods_without_yielding_gets_a_clear_error():
    f = Flooder()
    sink = SlowSum()
    f.link((f, "outbox"), (sink, "inbox"))
    f.activate()
    sink.activate()
    sink.inboxes["control"].put(producerFinished())     # ends once f is done
    scheduler.run.runThreads()
    assert f.sent == FLOOD * QUEUE_LENGTH
    assert "without a yield" in str(f.error), f.error


class Refused(component):
    """Kamaelia code that set a size and handles noSpaceInBox itself."""

    def main(self):
        self.refusals = 0
        i = 0
        while i < 50:
            try:
                self.send(i)
                i += 1
            except noSpaceInBox:
                self.refusals += 1
                self.pause()
                yield 1
        self.send(producerFinished(), "signal")


def test_set_inbox_size_keeps_kamaelia_refusal():
    src = Refused()
    k = Collector()
    k.setInboxSize("inbox", 3)
    Pipeline(src, k).activate()
    scheduler.run.runThreads()
    assert k.data == list(range(50))
    assert src.refusals > 0


def test_kamaelia_producer_streams_10mb_to_a_slow_server():
    server = TestServer("slow", read_size=16384, rcvbuf=16384, interval=0.002)
    chunk = pattern(4096)
    count = 2560                    # 10 MB
    k = Collector()

    class Producer(component):
        def main(self):
            for _ in range(count):
                self.send(chunk, "outbox")      # never catches noSpaceInBox
                yield 1
            self.send(producerFinished(self), "signal")

    Pipeline(Producer(), ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    result = server.result(timeout=20)
    assert result["bytes"] == 4096 * count, result
    assert result["sha256"] == prefix_sha256(4096 * count), result
    assert len(k.signals) == 1 and k.signals[0].__class__.__name__ == "socketShutdown"


def test_run_returns_when_everything_has_finished():
    k = Collector()
    Pipeline(Counter(100), k).run()
    assert k.data == list(range(100))
    assert isinstance(k.signals[0], producerFinished)


class Spawner(component):
    """Starts its workers by yielding newComponent, as Kamaelia code does."""

    def main(self):
        self.k = Collector()
        src = Counter(5)
        self.link((src, "outbox"), (self.k, "inbox"))
        self.link((src, "signal"), (self.k, "control"))
        self.addChildren(src, self.k)          # so their ending wakes this one
        yield newComponent(src, self.k)
        while not self.childrenDone():
            self.pause()
            yield 1
        self.stopped_after = self.k._isStopped()


def test_new_component_activates_what_it_carries():
    s = Spawner()
    s.activate()
    scheduler.run.runThreads()
    assert s.k.data == [0, 1, 2, 3, 4] and s.stopped_after


class Steps(component):
    """Uses WaitComplete for sub-steps, nested, and 1000 times in a loop."""

    def __init__(self):
        super(Steps, self).__init__()
        self.log = []

    def inner(self, n):
        self.log.append(("inner", n))
        yield 1
        self.log.append(("inner done", n))

    def outer(self):
        self.log.append("outer")
        yield WaitComplete(self.inner(1))
        yield WaitComplete(self.inner(2))
        self.log.append("outer done")

    def counting(self):
        self.count += 1
        yield 1

    def main(self):
        yield WaitComplete(self.outer())
        self.count = 0
        for _ in range(1000):
            yield WaitComplete(self.counting())
        self.log.append(self.count)


def test_wait_complete_runs_generators_in_place_nested_and_in_loops():
    s = Steps()
    s.activate()
    scheduler.run.runThreads()
    assert s.log == ["outer", ("inner", 1), ("inner done", 1), ("inner", 2),
                     ("inner done", 2), "outer done", 1000], s.log
    assert scheduler.run._detours == {}


def test_wait_complete_needs_a_generator():
    class Wrong(component):
        def step(self):
            yield 1

        def main(self):
            yield WaitComplete(self.step)       # the function, not a generator

    Wrong().activate()
    try:
        scheduler.run.runThreads()
    except TypeError as exc:
        assert "WaitComplete" in str(exc) and "generator" in str(exc), exc
    else:
        raise AssertionError("expected TypeError")


class OldStyle(component):
    """An old-style component: no main, just these three."""

    def initialiseComponent(self):
        self.log = ["init"]
        return 1

    def mainBody(self):
        if self.dataReady("inbox"):
            self.log.append(self.recv("inbox"))
        if self.dataReady("control"):
            self.log.append("stop")
            return 0
        return 1

    def closeDownComponent(self):
        self.log.append("closed")


class OldStyleThread(threadedcomponent):
    def initialiseComponent(self):
        self.total = 0

    def mainBody(self):
        while self.dataReady("inbox"):
            self.total += self.recv("inbox")
        if self.dataReady("control"):
            return 0
        self.pause()
        return 1

    def closeDownComponent(self):
        self.send(self.total, "outbox")
        self.send(self.recv("control"), "signal")


def test_old_style_components_run_initialise_mainbody_closedown():
    old = OldStyle()
    thread = OldStyleThread()
    thread.total = None             # created before the thread starts
    k = Collector()
    Pipeline(Counter(5), old).activate()
    Pipeline(Counter(4), thread, k).activate()
    scheduler.run.runThreads()
    assert old.log == ["init", 0, 1, 2, 3, 4, "stop", "closed"], old.log
    assert k.data == [6] and isinstance(k.signals[0], producerFinished)


class Forever(component):
    def main(self):
        self.turns = 0
        try:
            while 1:
                self.turns += 1
                yield 1
        finally:
            self.cleaned = True


class Stopper(component):
    def __init__(self, victim):
        super(Stopper, self).__init__()
        self.victim = victim

    def main(self):
        while self.victim.turns < 10:
            yield 1
        self.was_stopped = self.victim._isStopped()
        self.victim.stop()
        yield 1
        self.listed = [c is self.victim for c in self.scheduler.listAllThreads()]


def test_stop_ends_a_component_at_its_next_turn():
    f = Forever()
    s = Stopper(f)
    f.activate()
    s.activate()
    scheduler.run.runThreads()
    assert s.was_stopped is False and f._isStopped() is True
    assert f.cleaned is True and 10 <= f.turns <= 12
    assert True not in s.listed


class StopCounting(component):
    """A subclass hooking stop(), as Kamaelia's servers do."""

    def stop(self):
        self.stops = getattr(self, "stops", 0) + 1
        super(StopCounting, self).stop()

    def main(self):
        yield 1


def test_the_scheduler_calls_stop_when_a_component_finishes():
    c = StopCounting()
    c.activate()
    scheduler.run.runThreads()
    assert c.stops == 1


def test_stopping_a_thread_ends_its_blocked_send():
    class Blocked(threadedcomponent):
        def main(self):
            try:
                for i in range(10):
                    self.results.append(self.send(i))
            finally:
                self.ended.release()

    class Refuser(component):
        def main(self):
            self.setInboxSize("inbox", 1)
            while not self.dataReady("control"):
                self.pause()
                yield 1

    b = Blocked(queuelengths=2)
    b.results = []
    b.ended = allocate_lock()
    b.ended.acquire()
    r = Refuser()
    b.link((b, "outbox"), (r, "inbox"))
    b.activate()
    r.activate()

    class Ender(component):
        def main(self):
            while len(b.results) < 3:
                yield 1
            b.stop()
            r.inboxes["control"].put(producerFinished())
            yield 1

    Ender().activate()
    scheduler.run.runThreads()
    # A stopped component is finished at once; its thread ends by itself.
    assert acquire_timeout(b.ended, 5)
    assert b.results[:3] == [True, True, True] and False in b.results


class InboxReader(component):
    def main(self):
        self.got = []
        while not self.dataReady("control"):
            for msg in self.Inbox("inbox"):
                self.got.append(msg)
            self.pause()
            yield 1


def test_inbox_generator_and_unknown_attributes():
    r = InboxReader()
    Pipeline(Counter(7), r).activate()
    scheduler.run.runThreads()
    assert r.got == list(range(7))
    assert isinstance(r.id, int) and r.id != Counter(1).id
    try:
        r.no_such_thing
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_positional_queue_length_for_threaded_components():
    t = threadedcomponent(20)
    assert t.queuelengths == 20 and t.inboxes["inbox"].maxsize == 20
    try:
        threadedcomponent("20")
    except ValueError as exc:
        assert "queuelengths" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_a_held_producer_with_no_consumer_is_a_named_deadlock():
    class Idle(component):
        def main(self):
            while 1:
                self.pause()
                yield 1

    idle = Idle()
    src = Counter(QUEUE_LENGTH + 5)
    src.link((src, "outbox"), (idle, "inbox"))
    idle.activate()
    src.activate()
    try:
        scheduler.run.runThreads()
    except AxonException as exc:
        assert "deadlock" in str(exc) and src.name in str(exc) and "full" in str(exc), exc
    else:
        raise AssertionError("expected a deadlock error")


def test_sized_links_refuse_when_full():
    a, b = component(), component()
    a.link((a, "outbox"), (b, "inbox"), synchronous=True)
    a.send(1, "outbox")
    try:
        a.send(2, "outbox")
    except noSpaceInBox:
        pass
    else:
        raise AssertionError("a synchronous link holds one message")
    assert b.recv("inbox") == 1
    a.send(3, "outbox")
    assert b.recv("inbox") == 3
    c, d = component(), component()
    c.link((c, "outbox"), (d, "inbox"), pipewidth=3)
    for i in range(3):
        c.send(i, "outbox")
    try:
        c.send(3, "outbox")
    except noSpaceInBox:
        pass
    else:
        raise AssertionError("pipewidth=3 holds three messages")
    assert [d.recv("inbox") for _ in range(3)] == [0, 1, 2]


def test_kamaelia_names_that_programs_import():
    from Kamaelia.IPC import serverShutdown, newServer, newReader, removeWriter, newCSA
    from Axon.Ipc import wouldblock, reactivate, notify
    from Axon.AxonExceptions import ArgumentsClash, ServiceAlreadyExists, AxonException
    assert issubclass(serverShutdown, shutdownMicroprocess)
    assert issubclass(newServer, notify) and issubclass(removeWriter, notify)
    assert newReader(None, 5).object == 5 and newCSA.__name__ == "newCSA"
    assert wouldblock(3).caller == 3 and reactivate(4).original == 4
    assert issubclass(ArgumentsClash, AxonException) and issubclass(ServiceAlreadyExists,
                                                                      AxonException)
