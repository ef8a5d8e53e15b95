"""Back-pressure as Kamaelia code meets it: producers that never catch
noSpaceInBox, threaded producers, a fast clock.  Everything must arrive in
order and the queues must stay bounded (the tests assert the bound).

These also run under MicroPython in a 64 KB heap, so this module imports
only the Axon core and Pipeline at the top.
"""

from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Axon.Box import QUEUE_LENGTH, MESSAGE_COST
from axonport import QUEUE_BYTES
from Kamaelia.Chassis.Pipeline import Pipeline

MICROPYTHON_HEAPS = {
    "test_increment_by_n_fed_5000_items": "64K",
    "test_a_fast_threaded_ticker_feeding_a_slow_consumer": "64K",
    "test_producer_sending_batches_is_held_not_refused": "64K",
    "test_large_messages_fill_an_inbox_by_bytes_not_count": "64K",
    "test_a_thread_sending_large_messages_is_held_by_the_bytes_waiting": "64K",
}


class Counter(component):
    """Sends 0..count-1, one a step, then producerFinished: never catches
    noSpaceInBox.  Records the longest queue it saw in ``box`` after a send."""

    def __init__(self, count, watch=None):
        super(Counter, self).__init__()
        self.count = count
        self.watch = watch
        self.longest = 0

    def main(self):
        for i in range(self.count):
            self.send(i, "outbox")
            if self.watch is not None:
                self.longest = max(self.longest, len(self.watch))
            yield 1
        self.send(producerFinished(self), "signal")


class IncrementByN(threadedcomponent):
    """Axon's own example of a threaded component, with shutdown handling."""

    Inboxes = {"inbox": "Send numbers here", "control": "producerFinished"}
    Outboxes = {"outbox": "Incremented numbers come out here", "signal": "passed on"}

    def __init__(self, N):
        super(IncrementByN, self).__init__()
        self.n = N

    def main(self):
        while 1:
            while self.dataReady("inbox"):
                value = self.recv("inbox")
                value = value + self.n
                self.send(value, "outbox")
            if self.dataReady("control"):
                msg = self.recv("control")
                while self.dataReady("inbox"):
                    self.send(self.recv("inbox") + self.n, "outbox")
                self.send(msg, "signal")
                return
            if not self.anyReady():
                self.pause()


class SlowSum(component):
    """Takes one number a step (slower than any producer) and sums them."""

    def __init__(self):
        super(SlowSum, self).__init__()
        self.total = 0
        self.taken = 0
        self.last = None
        self.in_order = True

    def main(self):
        while 1:
            if self.dataReady("inbox"):
                value = self.recv("inbox")
                if self.last is not None and value != self.last + 1:
                    self.in_order = False
                self.last = value
                self.total += value
                self.taken += 1
            elif self.dataReady("control"):
                self.send(self.recv("control"), "signal")
                return
            else:
                self.pause()
            yield 1


def test_increment_by_n_fed_5000_items():
    inc = IncrementByN(10)
    src = Counter(5000, watch=inc.inboxes["inbox"])
    total = SlowSum()
    Pipeline(src, inc, total).activate()
    scheduler.run.runThreads()
    assert (total.taken, total.in_order) == (5000, True)
    assert total.total == sum(range(10, 5010))
    # Bounded: the thread's inbox never held more than its queue length.
    assert 0 < src.longest <= inc.queuelengths == QUEUE_LENGTH, (src.longest, QUEUE_LENGTH)


class Ticker(threadedcomponent):
    """A clock with interval 0, Kamaelia style: sends as fast as it can
    until told to stop; never looks at what send returns."""

    def main(self):
        ticks = 0
        while not self.dataReady("control"):
            ticks += 1
            self.send(ticks, "outbox")
        self.send(self.recv("control"), "signal")


class TickCounter(component):
    """Counts ticks one a step; after ``count`` of them tells the clock to stop."""

    Outboxes = {"outbox": "", "signal": "", "stop": "shutdown to the clock"}

    def __init__(self, count):
        super(TickCounter, self).__init__()
        self.count = count
        self.seen = 0
        self.in_order = True
        self.longest = 0

    def main(self):
        while self.seen < self.count:
            self.longest = max(self.longest, self.dataReady("inbox"))
            if self.dataReady("inbox"):
                self.seen += 1
                if self.recv("inbox") != self.seen:
                    self.in_order = False
            else:
                self.pause()
            yield 1
        self.send(shutdownMicroprocess(), "stop")
        while not self.dataReady("control"):
            while self.dataReady("inbox"):
                self.recv("inbox")
            self.pause()
            yield 1


def test_a_fast_threaded_ticker_feeding_a_slow_consumer():
    ticker = Ticker(queuelengths=8)
    counter = TickCounter(2000)
    p = Pipeline(ticker, counter)
    counter.link((counter, "stop"), (ticker, "control"))
    p.activate()
    scheduler.run.runThreads()
    assert (counter.seen, counter.in_order) == (2000, True)
    # The ticker's thread was held back: the counter's inbox stayed bounded.
    assert 0 < counter.longest <= QUEUE_LENGTH, (counter.longest, QUEUE_LENGTH)


class BatchSender(component):
    """Sends ``batch`` messages a step (fewer than the flood limit) and yields."""

    def __init__(self, count, batch):
        super(BatchSender, self).__init__()
        self.count = count
        self.batch = batch

    def main(self):
        i = 0
        while i < self.count:
            for _ in range(self.batch):
                if i < self.count:
                    self.send(i)
                    i += 1
            yield 1
        self.send(producerFinished(self), "signal")


class Watcher(SlowSum):
    """SlowSum that records the longest its own inbox got."""

    def main(self):
        self.longest = 0
        inbox = self.inboxes["inbox"]
        for result in SlowSum.main(self):
            self.longest = max(self.longest, len(inbox))
            yield result


def test_producer_sending_batches_is_held_not_refused():
    batch = 2 * QUEUE_LENGTH        # within FLOOD times the limit
    src = BatchSender(20 * QUEUE_LENGTH, batch)
    sink = Watcher()
    Pipeline(src, sink).activate()
    scheduler.run.runThreads()
    assert (sink.taken, sink.in_order) == (20 * QUEUE_LENGTH, True)
    # At most one batch beyond the limit: the sender was held after each.
    assert QUEUE_LENGTH <= sink.longest <= QUEUE_LENGTH + batch, (sink.longest, QUEUE_LENGTH)



def test_data_source_feeds_a_tcp_client_20000_small_messages():
    # The same program as tools/datasource_example.py (which tests/test_device.py
    # runs in a 64 KB heap), here on both runtimes with their default heaps.
    from Kamaelia.Util.DataSource import DataSource
    from Kamaelia.Internet.TCPClient import TCPClient
    from testserver import TestServer, pattern, prefix_sha256
    server = TestServer("sink")
    block = pattern(256)
    pieces = (block[(i * 64) % 256:(i * 64) % 256 + 64] for i in range(20000))
    signals = []

    class Outcome(component):
        def main(self):
            while not self.dataReady("control"):
                self.pause()
                yield 1
            signals.append(self.recv("control"))

    Pipeline(DataSource(pieces), TCPClient("127.0.0.1", server.port), Outcome()).activate()
    scheduler.run.runThreads()
    result = server.result()
    assert result["bytes"] == 20000 * 64, result
    assert result["sha256"] == prefix_sha256(20000 * 64), result
    assert [type(s).__name__ for s in signals] == ["socketShutdown"], signals


class ChunkSender(component):
    """Sends one bytes object ``count`` times, one a step; records how many
    messages wait in ``box`` after each send."""

    def __init__(self, chunk, count, box):
        super(ChunkSender, self).__init__()
        self.chunk = chunk
        self.count = count
        self.box = box
        self.longest = 0

    def main(self):
        for _ in range(self.count):
            self.send(self.chunk, "outbox")
            self.longest = max(self.longest, len(self.box))
            yield 1
        self.send(producerFinished(self), "signal")


class ChunkThread(threadedcomponent):
    """ChunkSender from a thread."""

    def __init__(self, chunk, count):
        super(ChunkThread, self).__init__()
        self.chunk = chunk
        self.count = count

    def main(self):
        for _ in range(self.count):
            self.send(self.chunk, "outbox")
        self.send(producerFinished(self), "signal")


class SlowTaker(component):
    """Takes one message every third step; counts bytes and the longest
    its inbox got."""

    def __init__(self):
        super(SlowTaker, self).__init__()
        self.bytes = 0
        self.taken = 0
        self.longest = 0

    def main(self):
        inbox = self.inboxes["inbox"]
        step = 0
        while True:
            self.longest = max(self.longest, len(inbox))
            step += 1
            if step % 3 == 0 and self.dataReady("inbox"):
                self.bytes += len(self.recv("inbox"))
                self.taken += 1
            elif not self.dataReady("inbox") and self.dataReady("control"):
                self.recv("control")
                return
            yield 1


def test_large_messages_fill_an_inbox_by_bytes_not_count():
    # Four chunks of a quarter of QUEUE_BYTES (plus MESSAGE_COST each) pass
    # the inbox's byte bound long before its QUEUE_LENGTH messages; one
    # chunk larger than the bound still goes into an empty inbox.
    assert QUEUE_LENGTH >= 16
    for size, most in ((QUEUE_BYTES // 4, 4), (QUEUE_BYTES * 2, 1)):
        sink = SlowTaker()
        src = ChunkSender(bytes(size), 30, sink.inboxes["inbox"])
        Pipeline(src, sink).activate()
        scheduler.run.runThreads()
        assert (sink.taken, sink.bytes) == (30, 30 * size), (size, sink.taken, sink.bytes)
        assert 0 < src.longest <= most, (size, src.longest)
        assert sink.longest <= most, (size, sink.longest)


def test_a_thread_sending_large_messages_is_held_by_the_bytes_waiting():
    # From a thread: its outgoing queue (a quarter of QUEUE_BYTES) and the
    # inbox (QUEUE_BYTES) both bound bytes, so the inbox never holds more
    # than the chunks that reach its bound.
    size = QUEUE_BYTES // 8
    per_inbox = -(-QUEUE_BYTES // (size + MESSAGE_COST))     # the put that fills it
    sink = SlowTaker()
    Pipeline(ChunkThread(bytes(size), 60), sink).activate()
    scheduler.run.runThreads()
    assert (sink.taken, sink.bytes) == (60, 60 * size), (sink.taken, sink.bytes)
    # A delivery round moves what the thread queued; the one that fills
    # the inbox may carry one more.
    assert 0 < sink.longest <= per_inbox + 1, (sink.longest, per_inbox)
