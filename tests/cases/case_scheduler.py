"""The scheduler: running, pausing, waking, ending, errors."""

from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.AxonExceptions import AxonException
from Axon.Ipc import producerFinished, newComponent
from components import Source, Collector
from checks import run_expecting


class Boom(Exception):
    pass


class Exploder(component):
    def main(self):
        yield 1
        yield 1
        raise Boom("bang from a component")


class ThreadExploder(threadedcomponent):
    def main(self):
        raise Boom("bang from a thread")


class Counter(component):
    def main(self):
        self.steps = 0
        for _ in range(10):
            self.steps += 1
            yield 1


class Waiter(component):
    def main(self):
        self.pause()
        yield 1
        self.woken = True


class Spawner(component):
    def main(self):
        self.child = Counter()
        yield newComponent(self.child)


def expect_boom(comp, text):
    comp.activate()
    exc = run_expecting(Boom)
    assert str(exc) == text
    return exc


def test_run_returns_when_all_done():
    a, b = Counter(), Counter()
    a.activate()
    b.activate()
    scheduler.run.runThreads()
    assert a.steps == 10 and b.steps == 10


def test_exception_in_component_reaches_caller():
    expect_boom(Exploder(), "bang from a component")
    # The scheduler starts clean afterwards.
    c = Counter().activate()
    scheduler.run.runThreads()
    assert c.steps == 10


def test_exception_in_thread_reaches_caller():
    expect_boom(ThreadExploder(), "bang from a thread")


def test_deadlock_is_an_error_not_a_hang():
    w = Waiter().activate()
    exc = run_expecting(AxonException)
    assert "deadlock" in str(exc) and w.name in str(exc)


def test_delivery_wakes_a_paused_component():
    src = Source(["x"], finish=producerFinished())
    k = Collector()
    src.link((src, "outbox"), (k, "inbox"))
    src.link((src, "signal"), (k, "control"))
    k.activate()
    src.activate()
    scheduler.run.runThreads()
    assert k.data == ["x"]


def test_yield_new_component_activates_it():
    s = Spawner().activate()
    scheduler.run.runThreads()
    assert s.child.steps == 10


def test_main_must_be_a_generator():
    class NotGen(component):
        def main(self):
            return 1
    try:
        NotGen().activate()
    except TypeError as exc:
        assert "generator" in str(exc)
    else:
        raise AssertionError("expected TypeError")
