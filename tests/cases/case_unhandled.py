"""Failures that must not look like success, and producers that must not
run on into nowhere.

- An exception sent out of a "signal" that is linked nowhere (the seed
  example's client failing mid-stream) ends runThreads() with that
  exception; so does one sent into the inbox of a finished component.
- ``scheduler.unhandled_errors = "drop"`` keeps Axon's silence, and an
  unknown setting is a ValueError naming it.
- A Pipeline tells a child whose neighbour downstream has finished to stop:
  the file reader of the seed example stops within a fraction of a second
  of the client's end instead of reading the rest of its file.
- Lines mode reads and sends a line at a time, within a byte bound: 200
  lines of 1 KB at the default rate stream byte-exact in a board's heap.
"""

import os
from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from testserver import TestServer
from payloads import sha256_stream, write_pattern_file
from components import Collector
from checks import run_expecting

THREAD_RACES = ["test_the_seed_example_failing_mid_stream_raises_from_runThreads",
                "test_a_reader_stops_soon_after_the_client_it_feeds_has_ended"]

MB = 1000000
# The reader needs 5 s for its file at 200 kB/s; the server resets after
# 50 kB, a quarter of a second in.  Ending well before the file could have
# been read is ending because the client ended.
RATE = 200000
PROMPT_MS = 2000


def _file(size, seed):
    path = "/tmp/axon-unhandled-%d-%d.bin" % (seed, ticks_ms())
    write_pattern_file(path, size, seed=seed)
    return path


class Complainer(component):
    """Sends one exception out of "signal" (linked nowhere), then ends."""

    def main(self):
        self.send(ValueError("nobody hears this"), "signal")
        yield 1


def test_the_seed_example_failing_mid_stream_raises_from_runThreads():
    # Seen before: "signal" went nowhere, runThreads() returned normally
    # and the reader read its whole file into a closed inbox.
    path = _file(MB, 1)
    server = TestServer("reset", after=50000)
    start = ticks_ms()
    try:
        Pipeline(RateControlledFileReader(path, rate=RATE),
                 ThreadedTCPClient("127.0.0.1", server.port)).activate()
        run_expecting(OSError)
    finally:
        os.remove(path)
    took = ticks_diff(ticks_ms(), start)
    assert took < PROMPT_MS, took
    assert server.result()["bytes"] < MB


def test_an_exception_from_a_generator_component_raises_from_runThreads():
    Complainer().activate()
    error = run_expecting(ValueError)
    assert str(error) == "nobody hears this", error


class Late(component):
    """Finishes ``k`` (producerFinished to its "control"), waits until it
    has ended, then sends an exception to its "inbox"."""

    def __init__(self, k):
        component.__init__(self)
        self.k = k

    def main(self):
        self.send(producerFinished(), "signal")
        while not self.k._done:
            yield 1
        self.send(KeyError("too late"), "outbox")
        yield 1


def test_an_exception_into_a_finished_components_inbox_raises():
    k = Collector()
    Graphline(LATE=Late(k), K=k, linkages={("LATE", "outbox"): ("K", "inbox"),
                                           ("LATE", "signal"): ("K", "control")}).activate()
    error = run_expecting(KeyError)
    assert error.args == ("too late",), error


def test_drop_keeps_axons_silence_and_an_unknown_setting_is_named():
    try:
        scheduler.run.unhandled_errors = "drop"
        Complainer().activate()
        scheduler.run.runThreads()              # returns: nothing raised
        scheduler.run.unhandled_errors = "loud"
        Complainer().activate()
        error = run_expecting(ValueError)
        assert "unhandled_errors" in str(error) and "'loud'" in str(error), error
    finally:
        scheduler.run.unhandled_errors = "raise"


def test_a_reader_stops_soon_after_the_client_it_feeds_has_ended():
    path = _file(MB, 2)
    server = TestServer("reset", after=50000)
    reader = RateControlledFileReader(path, rate=RATE)
    client = ThreadedTCPClient("127.0.0.1", server.port)
    k = Collector()
    start = ticks_ms()
    try:
        Graphline(PIPE=Pipeline(reader, client), K=k,
                  linkages={("PIPE", "signal"): ("K", "control")}).activate()
        scheduler.run.runThreads()
    finally:
        os.remove(path)
    took = ticks_diff(ticks_ms(), start)
    names = [type(s).__name__ for s in k.signals]
    assert names[0] in ("ConnectionResetError", "BrokenPipeError", "OSError"), names
    assert names[-1] == "socketShutdown", names
    assert took < PROMPT_MS, took
    assert not reader._alive and not client._alive


def _lines():
    for i in range(200):
        yield ("%04d" % i).encode() * 255 + b"\n"


def test_lines_mode_streams_200_lines_of_1kb_at_the_default_rate():
    # Seen before: the reader read rate/10 lines a step into one list, and
    # 200 lines of 1 KB ran a 128 KB heap out of memory.
    path = "/tmp/axon-lines-%d.txt" % ticks_ms()
    with open(path, "wb") as f:
        for line in _lines():
            f.write(line)
    server = TestServer("sink")
    try:
        Pipeline(RateControlledFileReader(path, readmode="lines"),
                 ThreadedTCPClient("127.0.0.1", server.port)).activate()
        scheduler.run.runThreads()
    finally:
        os.remove(path)
    result = server.result()
    assert result["bytes"] == 200 * 1021 and result["sha256"] == sha256_stream(_lines()), result
