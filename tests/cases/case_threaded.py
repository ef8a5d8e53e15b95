"""threadedcomponent: queues between the thread and the scheduler."""

from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.AxonExceptions import noSpaceInBox
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from axonport import ticks_ms, ticks_diff
from components import Source, Collector, InOrder

DEADLINES = {"test_5000_messages_from_thread_all_arrive": 40}

THREAD_RACES = ["test_5000_messages_from_thread_all_arrive",
                "test_a_wakeup_wakes_a_waiting_thread_each_time",
                "test_pause_with_timeout_returns",
                "test_receiving_thread_wakes_a_producer_waiting_on_a_full_inbox",
                "test_a_burst_sent_in_one_step_wakes_the_thread_once"]


class Burst(threadedcomponent):
    """Sends 0..count-1 with send_nowait, pausing whenever the queue is full."""

    def __init__(self, count, **argd):
        threadedcomponent.__init__(self, **argd)
        self.count = count
        self.full = 0

    def main(self):
        for i in range(self.count):
            while True:
                try:
                    self.send_nowait(i)
                    break
                except noSpaceInBox:
                    self.full += 1
                    self.pause()
        self.send(producerFinished(), "signal")


class PlainBurst(threadedcomponent):
    """Sends 0..count-1 the Kamaelia way: send and never look back."""

    def __init__(self, count, **argd):
        threadedcomponent.__init__(self, **argd)
        self.count = count
        self.results = []

    def main(self):
        for i in range(self.count):
            self.results.append(self.send(i))
        self.send(producerFinished(), "signal")


class Echo(threadedcomponent):
    """Sends back each inbox message doubled; stops on producerFinished."""

    def main(self):
        while True:
            while self.dataReady("inbox"):
                self.send_wait(self.recv("inbox") * 2)
            if self.dataReady("control"):
                msg = self.recv("control")
                while self.dataReady("inbox"):
                    self.send_wait(self.recv("inbox") * 2)
                self.send_wait(msg, "signal", interruptible=False)
                return
            self.pause()


class Napper(threadedcomponent):
    def __init__(self):
        threadedcomponent.__init__(self)
        self.napped = None          # set by the thread: must exist first (no GIL)

    def main(self):
        start = ticks_ms()
        self.pause(0.2)
        self.napped = ticks_diff(ticks_ms(), start)


class SlowReceiver(threadedcomponent):
    """Receives only once its inbox is full, to show that a recv in the
    thread wakes the producer that paused on the full box."""

    def __init__(self, **argd):
        threadedcomponent.__init__(self, **argd)
        self.got = []

    def main(self):
        while len(self.got) < 20:
            if self.dataReady("inbox") >= min(3, 20 - len(self.got)):
                while self.dataReady("inbox"):
                    self.got.append(self.recv("inbox"))
            else:
                self.pause()


def test_5000_messages_from_thread_all_arrive():
    b = Burst(5000)
    k = InOrder(range(5000))
    Pipeline(b, k).activate()
    scheduler.run.runThreads()
    assert k.count == 5000 and k.wrong is None, (k.count, k.wrong)
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)


def test_thread_side_send_waits_for_room_without_raising():
    b = PlainBurst(500, queuelengths=4)
    k = Collector()
    k.setInboxSize("inbox", 2)      # refuses: the thread's deliveries must wait
    Pipeline(b, k).activate()
    scheduler.run.runThreads()
    assert k.data == list(range(500))
    assert b.results == [True] * 500
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)


def test_thread_side_send_nowait_raises_when_queue_full():
    t = threadedcomponent(queuelengths=2)      # not activated: nothing drains it
    t.send_nowait("a")
    t.send_nowait("b")
    try:
        t.send_nowait("c")
    except noSpaceInBox as exc:
        assert "2 messages wait to leave the thread" in str(exc), exc
    else:
        raise AssertionError("expected noSpaceInBox")


def test_a_thread_retrying_send_nowait_delivers_everything():
    b = Burst(50, queuelengths=4)
    k = Collector()
    k.setInboxSize("inbox", 2)
    Pipeline(b, k).activate()
    scheduler.run.runThreads()
    assert k.data == list(range(50))
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)


def test_inbox_is_bounded_and_wakes_producer():
    src = Source(list(range(300)), finish=producerFinished())
    e = Echo(queuelengths=5)
    k = Collector()
    Pipeline(src, e, k).activate()
    scheduler.run.runThreads()
    assert k.data == [i * 2 for i in range(300)]
    assert src.full > 0


def test_pause_with_timeout_returns():
    n = Napper().activate()
    scheduler.run.runThreads()
    assert 150 <= n.napped < 2000, n.napped


def test_control_is_unbounded():
    e = Echo(queuelengths=1)
    for i in range(10):
        e.inboxes["control"].put(shutdownMicroprocess())
    assert e.dataReady("control") == 10


def test_receiving_thread_wakes_a_producer_waiting_on_a_full_inbox():
    r = SlowReceiver(queuelengths=3)
    src = Source(list(range(20)))
    src.link((src, "outbox"), (r, "inbox"))
    r.activate()
    src.activate()
    scheduler.run.runThreads()
    assert r.got == list(range(20))
    assert src.full >= 1


class OneStepBurst(component):
    """Once told (on "inbox") that the receiver waits, sends ``count``
    numbers and then producerFinished, all in one step."""

    def __init__(self, count):
        component.__init__(self)
        self.count = count

    def main(self):
        while not self.dataReady("inbox"):
            self.pause()
            yield 1
        for i in range(self.count):
            self.send(i)
        self.send(producerFinished(), "signal")
        yield 1


class WakeCounter(threadedcomponent):
    def __init__(self):
        threadedcomponent.__init__(self, queuelengths=128)
        self.got = []
        self.wakes = 0

    def main(self):
        box = self.inboxes["inbox"]
        self.send("waiting")
        while True:
            self.pause()
            self.wakes += 1
            self.got.extend(box.take_all())
            if self.dataReady("control"):
                self.got.extend(box.take_all())
                return


def test_a_burst_sent_in_one_step_wakes_the_thread_once():
    # The thread is woken when the sending component yields, not for every
    # message: it would otherwise run in lock-step with the sender.
    counter = WakeCounter()
    Graphline(B=OneStepBurst(100), W=counter,
              linkages={("B", "outbox"): ("W", "inbox"), ("B", "signal"): ("W", "control"),
                        ("W", "outbox"): ("B", "inbox")}).activate()
    scheduler.run.runThreads()
    assert counter.got == list(range(100)), counter.got
    assert counter.wakes == 1, counter.wakes


def test_a_wakeup_keeps_one_wake_until_it_is_waited_for():
    from axonport import allocate_lock
    from Axon.Scheduler import Wakeup
    guard = allocate_lock()
    wakeup = Wakeup()
    guard.acquire()
    wakeup.wake()
    wakeup.wake()                       # pending already: not released twice
    guard.release()
    assert wakeup.wait(guard, 0.01) is True
    assert wakeup.wait(guard, 0.05) is False        # consumed: no wake left
    guard.acquire()
    assert wakeup.mark() is True and wakeup.mark() is False
    guard.release()
    wakeup.lock.release()               # the release a mark asks for
    assert wakeup.wait(guard, 0.01) is True
    assert not wakeup.pending


def test_a_wakeup_wakes_a_waiting_thread_each_time():
    # Two threads take turns 200 times, each waking the other: a wake lost
    # or released twice ends in a timeout or in a RuntimeError.
    from axonport import allocate_lock, start_thread, acquire_timeout
    from Axon.Scheduler import Wakeup
    guard = allocate_lock()
    ping, pong, done = Wakeup(), Wakeup(), allocate_lock()
    done.acquire()
    turns = []

    def other():
        for i in range(200):
            if not ping.wait(guard, 5):
                turns.append("timeout")
                break
            guard.acquire()
            pong.wake()
            guard.release()
        done.release()

    start_thread(other, ())
    for i in range(200):
        guard.acquire()
        ping.wake()
        guard.release()
        if not pong.wait(guard, 5):
            turns.append("timeout at %d" % i)
            break
        turns.append(i)
    assert acquire_timeout(done, 10) and turns == list(range(200)), turns[-3:]
