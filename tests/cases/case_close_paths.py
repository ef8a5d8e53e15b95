"""Every close path of ThreadedTCPClient keeps its promise about data: each
byte that reached "inbox" is either written to the socket or reported on
"signal" (dataNotSent, with how many bytes), and a stop is prompt even
while connecting.

- A server that half-closes and is busy for a second still gets all of an
  8 MB upload (the client waited for it instead of giving up its writes
  once it had read the server's end).
- A paced producer whose chunks come slower than stop_poll still gets
  every chunk to a server that half-closed (the client no longer closes
  after a quiet stop_poll).
- shutdownMicroprocess after producerFinished: what was not sent is
  reported, exactly (what the socket took, counted by statistics, plus
  the report, is what reached the inbox).
- A graceful close whose replies nobody takes ("outbox" leads nowhere)
  ends at once, not after stop_poll, also where the runtime cannot
  half-close; a server that answers just as the client finishes still
  gets every byte, and one that answers a client that has a receiver
  gets its answer to it.
- shutdownMicroprocess while connecting ends the connect within stop_poll,
  with no error, also with connect_timeout=None; after a producerFinished
  (which the client had not yet read) what waited in the inbox is
  reported.
"""

import os
from axonport import ticks_ms, ticks_diff
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from testserver import TestServer, pattern, prefix_sha256
from payloads import write_pattern_file
from components import Collector, Trigger, Repeat, Source
from payloads import seeded_pieces, sha256_stream
from checks import elapsed_ms
from scripted import wait_ms, finish_then_stop_while_connecting

# 2048 messages in one inbox, statistics and the test kit's control
# connection: in the ESP32-like build's 96 KB, from .mpy, that is at the
# heap's edge (a few hundred bytes more code failed it); the accounting
# under test does not depend on the heap.
ESP32LIKE_HEAPS = {"test_stop_after_producer_finished_reports_exactly_what_was_not_sent": "128K"}

DEADLINES = {"test_a_server_that_half_closes_and_is_busy_gets_all_8_mb": 40,
             "test_stop_after_producer_finished_reports_exactly_what_was_not_sent": 30}

THREAD_RACES = ["test_a_close_nobody_takes_replies_from_ends_at_once",
                "test_a_server_answering_as_the_client_finishes_gets_every_byte",
                "test_an_answer_after_the_last_byte_reaches_a_receiver",
                "test_a_server_that_half_closes_and_is_busy_gets_all_8_mb",
                "test_a_paced_producer_after_a_half_close_loses_nothing",
                "test_stop_after_producer_finished_reports_exactly_what_was_not_sent",
                "test_shutdown_while_connecting_is_prompt",
                "test_shutdown_while_connecting_without_a_timeout_is_prompt",
                "test_stop_after_producer_finished_while_connecting_reports_the_inbox"]

STOP_BOUND_MS = 200 + 400       # stop_poll (0.2 s default) + margin
MB8 = 8 * 1024 * 1024


def shutdown_only(signals):
    assert len(signals) == 1 and type(signals[0]) is socketShutdown, signals


def test_a_server_that_half_closes_and_is_busy_gets_all_8_mb():
    # Seen before: 2.7-4.3 MB of 8 arrived, "signal" said only socketShutdown.
    server = TestServer("half_close", data="ready", stall=1.0)
    k = Collector()
    Pipeline(Repeat(pattern(4096), MB8 // 4096, finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    shutdown_only(k.signals)
    assert k.received() == b"ready", k.received()
    result = server.result()
    assert result["bytes"] == MB8 and result["sha256"] == prefix_sha256(MB8), result
    assert result["closed_by_client"], result


def test_a_paced_producer_after_a_half_close_loses_nothing():
    # Seen before: the client closed once "inbox" had been empty for
    # stop_poll, and the reader's later chunks went nowhere (30 000 of
    # 1 000 000 bytes arrived).  Here a chunk comes every 0.1 s and
    # stop_poll is 0.05 s.
    size = 20000
    path = "/tmp/axon-paced-%d.bin" % ticks_ms()
    digest = write_pattern_file(path, size, seed=3)
    server = TestServer("half_close", data="ready")
    k = Collector()
    try:
        Pipeline(RateControlledFileReader(path, rate=20000, chunksize=2000),
                 ThreadedTCPClient("127.0.0.1", server.port, stop_poll=0.05), k).activate()
        scheduler.run.runThreads()
    finally:
        os.remove(path)
    shutdown_only(k.signals)
    assert k.received() == b"ready", k.received()
    result = server.result()
    assert result["bytes"] == size and result["sha256"] == digest, result


def test_stop_after_producer_finished_reports_exactly_what_was_not_sent():
    # 16 MB of one 8 KB chunk, all in the client's inbox before it
    # connects (more than loopback's buffers hold); the server stops
    # reading after 100 KB, and a stop comes while the client flushes.
    # (The inbox's list of 2048 entries is 8 KB of one block in a 96 KB
    # heap; 4096 of 4 KB would need 16 KB in one piece.)
    size = 8192
    chunks = 2048
    total = size * chunks
    server = TestServer("stall", after=100000)
    client = ThreadedTCPClient("127.0.0.1", server.port, statistics=True,
                               queuelengths=chunks + 10, inbox_bytes=2 * total)
    trigger = Trigger(lambda: server.wait_bytes(100000), shutdownMicroprocess())
    k = Collector()
    Graphline(SRC=Repeat(pattern(size), chunks, finish=producerFinished()), STOP=trigger,
              CLIENT=client, OUT=k,
              linkages={("SRC", "outbox"): ("CLIENT", "inbox"),
                        ("SRC", "signal"): ("CLIENT", "control"),
                        ("STOP", "outbox"): ("CLIENT", "control"),
                        ("CLIENT", "outbox"): ("OUT", "inbox"),
                        ("CLIENT", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    server.stop()
    names = [type(s).__name__ for s in k.signals]
    assert names == ["dataNotSent", "socketShutdown"], names
    sent = client.statistics().bytes_sent
    assert 100000 <= sent < total, sent
    assert k.signals[0].nbytes == total - sent, (k.signals[0].nbytes, total, sent)
    delay = ticks_diff(k.signal_ms[-1], trigger.sent_ms)
    assert 0 <= delay <= STOP_BOUND_MS, delay


def stop_while_connecting(**options):
    server = TestServer("full")          # connecting never completes
    client = ThreadedTCPClient("127.0.0.1", server.port, **options)
    trigger = Trigger(lambda: wait_ms(500), shutdownMicroprocess())
    k = Collector()
    Graphline(STOP=trigger, CLIENT=client, OUT=k,
              linkages={("STOP", "outbox"): ("CLIENT", "control"),
                        ("CLIENT", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    server.stop()
    shutdown_only(k.signals)             # no TimeoutError: it was told to stop
    delay = ticks_diff(k.signal_ms[-1], trigger.sent_ms)
    assert 0 <= delay <= STOP_BOUND_MS, delay


def test_shutdown_while_connecting_is_prompt():
    # Seen before: it took effect at connect_timeout (9.5 s later), and
    # reported a TimeoutError anyway.
    stop_while_connecting()


def test_shutdown_while_connecting_without_a_timeout_is_prompt():
    # Seen before: with connect_timeout=None it never ended.
    stop_while_connecting(connect_timeout=None)


def test_stop_after_producer_finished_while_connecting_reports_the_inbox():
    # The stop is found while connecting, with the producerFinished ahead
    # of it not yet read: it is a stop after producerFinished all the same.
    server = TestServer("full")
    signals, delay = finish_then_stop_while_connecting(
        ThreadedTCPClient("127.0.0.1", server.port))
    server.stop()
    names = [type(s).__name__ for s in signals]
    assert names == ["dataNotSent", "socketShutdown"], names
    assert signals[0].nbytes == 500, signals[0].nbytes
    assert 0 <= delay <= STOP_BOUND_MS, delay


QUICK_BOUND_MS = 1000           # against a linger of stop_poll=2.0 s or more


def finish_to(server, receiver, stop_poll=2.0, messages=100):
    """``messages`` pieces of 1000 bytes, then producerFinished, through a
    client to ``server``; "signal" goes to ``receiver`` and "outbox" too
    if ``receiver.takes_replies``, else nowhere.  Returns the time taken
    (ms, from activate() until runThreads() returns)."""
    linkages = {("SRC", "outbox"): ("CLIENT", "inbox"),
                ("SRC", "signal"): ("CLIENT", "control"),
                ("CLIENT", "signal"): ("OUT", "control")}
    if receiver.takes_replies:
        linkages[("CLIENT", "outbox")] = ("OUT", "inbox")
    start = ticks_ms()
    Graphline(SRC=Source(seeded_pieces(messages, 1000), finish=producerFinished()),
              CLIENT=ThreadedTCPClient("127.0.0.1", server.port, stop_poll=stop_poll),
              OUT=receiver, linkages=linkages).activate()
    scheduler.run.runThreads()
    return elapsed_ms(start)


def receiver(takes_replies):
    k = Collector()
    k.takes_replies = takes_replies
    return k


def test_a_close_nobody_takes_replies_from_ends_at_once():
    expect = sha256_stream(seeded_pieces(100, 1000))
    for round in range(5):
        server = TestServer("silent")
        k = receiver(False)
        took = finish_to(server, k)
        shutdown_only(k.signals)
        result = server.result()
        assert result["bytes"] == 100000 and result["sha256"] == expect, (round, result)
        assert result["closed_by_client"], result
        assert took < QUICK_BOUND_MS, (round, took)


def test_a_server_answering_as_the_client_finishes_gets_every_byte():
    # It answers once it has read the last byte, and reads on: on a runtime
    # that cannot half-close, the answer meets a client closing at once.
    expect = sha256_stream(seeded_pieces(100, 1000))
    for round in range(10):
        server = TestServer("half_close", after=100000, data="done")
        k = receiver(False)
        finish_to(server, k)
        shutdown_only(k.signals)
        result = server.result()
        assert result["bytes"] == 100000 and result["sha256"] == expect, (round, result)


def test_an_answer_after_the_last_byte_reaches_a_receiver():
    # With a receiver, the close waits for the server (stop_poll=0.5: quiet
    # that long, or its end) and the answer arrives.
    expect = sha256_stream(seeded_pieces(20, 1000))
    for round in range(3):
        server = TestServer("half_close", after=20000, data="done")
        k = receiver(True)
        finish_to(server, k, stop_poll=0.5, messages=20)
        shutdown_only(k.signals)
        assert k.received() == b"done", (round, k.received())
        result = server.result()
        assert result["bytes"] == 20000 and result["sha256"] == expect, (round, result)
