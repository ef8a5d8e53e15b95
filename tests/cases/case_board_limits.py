"""What a board imposes, checked on every runtime: a GIL that threads must
be given a share of, small heaps, and running out of memory.

On the ESP32-like build these run as on a board (32-bit, GIL, small heap
and thread stacks); on CPython and the unix port the same assertions hold.
"""

import os
from axonport import ticks_ms
from Axon.Component import component
from Axon.Scheduler import scheduler
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from testserver import TestServer
from payloads import write_pattern_file

DEADLINES = {"test_a_component_that_never_pauses_does_not_starve_the_threads": 30}


class Poller(component):
    """Never pauses: polls its boxes every step, as much Kamaelia code does.
    Ends on anything reaching "control"."""

    def __init__(self):
        component.__init__(self)
        self.steps = 0
        self.received = 0

    def main(self):
        while True:
            while self.dataReady("inbox"):
                self.received += len(self.recv("inbox"))
            if self.dataReady("control"):
                self.recv("control")
                return
            self.steps += 1
            yield 1


def test_a_component_that_never_pauses_does_not_starve_the_threads():
    # Under a GIL the scheduler stepping the poller would keep the lock
    # from the reader's and the client's threads; 1 MB then crawls.
    path = "/tmp/axon-test-poll-%d.bin" % ticks_ms()
    digest = write_pattern_file(path, 1000000, seed=5)
    server = TestServer("sink")
    poller = Poller()
    try:
        Pipeline(RateControlledFileReader(path, rate=100000000, chunksize=1024),
                 ThreadedTCPClient("127.0.0.1", server.port), poller).activate()
        scheduler.run.runThreads()
    finally:
        os.remove(path)
    result = server.result()
    assert result["bytes"] == 1000000
    assert result["sha256"] == digest
    assert poller.steps > 0


# Running out of memory, in each thread: never a hang.  The MemoryErrors are
# raised where a full heap would raise them, in the code that runs there.

class _ReaderOutOfMemory(ThreadedTCPClient):
    def _queue_out(self, data, boxname, wake):
        if boxname == "outbox":
            raise MemoryError("memory allocation failed (test)")
        return ThreadedTCPClient._queue_out(self, data, boxname, wake)


class _WriterOutOfMemory(ThreadedTCPClient):
    def _started(self):
        raise MemoryError("memory allocation failed (test)")


def _run_to_signals(client, messages):
    from Axon.Ipc import producerFinished
    from components import Source, Collector
    k = Collector()
    Pipeline(Source(messages, finish=producerFinished()), client, k).activate()
    scheduler.run.runThreads()
    return [type(s).__name__ for s in k.signals], k.signals


def test_memory_error_in_the_reader_thread_is_reported_and_the_client_ends():
    server = TestServer("echo")
    names, signals = _run_to_signals(_ReaderOutOfMemory("127.0.0.1", server.port),
                                     [b"ping"])
    assert names == ["MemoryError", "socketShutdown"], signals


def test_memory_error_in_the_writer_thread_is_reported_and_the_client_ends():
    server = TestServer("echo")
    names, signals = _run_to_signals(_WriterOutOfMemory("127.0.0.1", server.port),
                                     [b"ping"])
    # b"ping" was never written: it is reported, after the error.
    assert names == ["MemoryError", "dataNotSent", "socketShutdown"], signals
    assert signals[1].nbytes == 4, signals


def test_memory_error_in_a_threaded_component_ends_run_threads():
    from Axon.ThreadedComponent import threadedcomponent
    from checks import run_expecting

    class OutOfMemory(threadedcomponent):
        def main(self):
            raise MemoryError("memory allocation failed (test)")

    OutOfMemory().activate()
    Poller().activate()         # a neighbour that would run for ever
    exc = run_expecting(MemoryError)
    assert "test" in str(exc), exc


def test_reconnecting_client_backlog_follows_the_heap():
    import sys
    from axonport import QUEUE_BYTES
    from Kamaelia.Internet.ReconnectingTCPClient import ReconnectingTCPClient
    client = ReconnectingTCPClient("127.0.0.1", 9)
    if sys.implementation.name == "cpython":
        assert client.buffer_bytes == 16384
    else:
        # Half the inbox bound: 3000 bytes in the ESP32-like build's 96 KB,
        # 16 KB on the unix port's 2 MB.
        assert client.buffer_bytes == min(16384, QUEUE_BYTES // 2)
    assert ReconnectingTCPClient("127.0.0.1", 9, buffer_bytes=100).buffer_bytes == 100
