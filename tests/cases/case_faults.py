"""Fault injection: ThreadedTCPClient against servers that misbehave, under
load, and next to components that fail.  Every test runs on
CPython and on the MicroPython unix port against real sockets on 127.0.0.1.

Each test ends in the documented signal sequence (ThreadedTCPClient.py):
exception objects, then exactly one socketShutdown.  Bytes are checked
with SHA-256; a stop must take effect within stop_poll (0.2 s) plus a
margin.  Process-level checks (fds, threads, heap under -X heapsize=128K,
process exit) are in tests/test_reliability.py.

The scenarios that found library bugs are regression tests in
case_fault_fixes.py.
"""

import errno

from axonport import ticks_ms, ticks_diff, QUEUE_BYTES
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from testserver import TestServer, pattern, prefix_sha256
from payloads import sha256hex, pattern_pieces, seeded_pieces, sha256_stream, large_messages
from components import Source, Collector, Trigger, Digest, Repeat, Raiser
from checks import run_expecting, IS_MICROPYTHON, error_unsent_shutdown

EPIPE = 32          # not in MicroPython's errno module
ECONNRESET = errno.ECONNRESET
STOP_BOUND_MS = 200 + 400       # stop_poll (0.2 s default) + margin

DEADLINES = {"test_many_clients_at_once_byte_exact": 40,
             "test_wrong_message_types_each_end_in_typeerror_then_shutdown": 30,
             "test_one_megabyte_single_message_echoed": 30}

THREAD_RACES = ["test_writes_wait_out_a_reader_that_stalls",
                "test_trickling_server_exact_bytes_both_ways",
                "test_shutdown_mid_transfer_is_prompt_and_sends_an_exact_prefix",
                "test_reset_while_receiving",
                "test_reset_while_sending_and_receiving",
                "test_server_closes_early_mid_upload",
                "test_server_answers_and_half_closes",
                "test_error_upstream_reaches_the_caller_and_the_client_closes"]


def error_then_shutdown(signals, kind=OSError, unsent=None):
    return error_unsent_shutdown(signals, kind, unsent)


def shutdown_only(signals):
    assert len(signals) == 1, signals
    assert type(signals[0]) is socketShutdown, signals


def run_graph(**parts):
    """Graphline of SRC (optional) -> CLIENT -> OUT, with STOP (optional)
    and OUT's outbox feeding CLIENT's control; run to the end."""
    linkages = {("CLIENT", "outbox"): ("OUT", "inbox"),
                ("CLIENT", "signal"): ("OUT", "control"),
                ("OUT", "outbox"): ("CLIENT", "control")}
    if "SRC" in parts:
        linkages[("SRC", "outbox")] = ("CLIENT", "inbox")
    if "STOP" in parts:
        del linkages[("OUT", "outbox")]
        linkages[("STOP", "outbox")] = ("CLIENT", "control")
    parts["linkages"] = linkages
    Graphline(**parts).activate()
    scheduler.run.runThreads()


# -- a slow server and a fast producer ---------------------------------------------

def test_slow_server_fast_producer_every_byte_arrives():
    # 3 MB: more than loopback buffers hold (about 2 MB), so the producer
    # is held back by the server's pace (4 KB a read).
    size = 4096 * 768
    server = TestServer("slow", read_size=4096, interval=0.001)
    k = Collector()
    Pipeline(Repeat(pattern(4096), 768, finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    result = server.result()
    assert result["bytes"] == size, result
    assert result["sha256"] == prefix_sha256(size), result
    assert result["closed_by_client"]
    assert result["span"] >= 0.3, result       # the server really was slow
    shutdown_only(k.signals)


def test_writes_wait_out_a_reader_that_stalls():
    # The server stops reading for 0.7 s: the client's writes time out
    # (stop_poll 0.2 s) several times and must carry on, losing nothing.
    size = 4096 * 1024
    server = TestServer("slow", read_size=65536, interval=0, stall_at=262144, stall=0.7)
    k = Collector()
    start = ticks_ms()
    Pipeline(Repeat(pattern(4096), 1024, finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    took = ticks_diff(ticks_ms(), start)
    result = server.result()
    assert result["bytes"] == size and result["sha256"] == prefix_sha256(size), result
    assert took >= 500, took       # the writer really was held up
    shutdown_only(k.signals)


def test_trickling_server_exact_bytes_both_ways():
    server = TestServer("trickle", size=20000, seed=5, piece=97, interval=0.001)
    k = Digest()
    Pipeline(Source(seeded_pieces(10, 1000)), ThreadedTCPClient("127.0.0.1", server.port),
             k).activate()
    scheduler.run.runThreads()
    assert k.total == 20000 and k.hexdigest() == prefix_sha256(20000, seed=5), k.total
    assert k.types == ["bytes"], k.types
    assert k.chunks > 10        # it did arrive in pieces
    shutdown_only(k.signals)
    result = server.result()
    assert result["bytes"] == 10000, result
    assert result["sha256"] == sha256_stream(seeded_pieces(10, 1000)), result
    assert result["closed_by_client"]


# -- load -------------------------------------------------------------------------

def test_many_clients_at_once_byte_exact():
    # Each payload is made in 700-byte pieces as it is sent and checked by hash.
    count = 16 if IS_MICROPYTHON else 64
    options = {}
    if QUEUE_BYTES < 16384:
        # A board's heap (QUEUE_BYTES is a sixteenth of it): a client
        # streaming both ways holds QUEUE_BYTES or more of received chunks
        # and up to twice its inbox bound of messages to send (those being
        # written and a refilled inbox), so a 96 KB heap has room for two,
        # with the smaller inbox the client's docstring advises for a board.
        count = 2
        options["inbox_bytes"] = 1024
    size = 700 * 24
    runs = []
    for i in range(count):
        server = TestServer("echo")
        k = Digest(stop_after=size, stop_message=producerFinished())
        Graphline(SRC=Source(pattern_pieces(size, seed=i, piece=700)),
                  CLIENT=ThreadedTCPClient("127.0.0.1", server.port, **options), OUT=k,
                  linkages={("SRC", "outbox"): ("CLIENT", "inbox"),
                            ("CLIENT", "outbox"): ("OUT", "inbox"),
                            ("CLIENT", "signal"): ("OUT", "control"),
                            ("OUT", "outbox"): ("CLIENT", "control")}).activate()
        runs.append((server, k))
    scheduler.run.runThreads()
    for i, (server, k) in enumerate(runs):
        digest = prefix_sha256(size, seed=i)
        assert k.total == size and k.hexdigest() == digest, (i, k.total)
        assert k.types == ["bytes"], (i, k.types)
        shutdown_only(k.signals)
        result = server.result()
        assert result["bytes"] == size and result["sha256"] == digest, (i, result)
        assert result["closed_by_client"], (i, result)


# -- stopping mid-transfer ----------------------------------------------------------

def test_shutdown_mid_transfer_is_prompt_and_sends_an_exact_prefix():
    server = TestServer("sink")
    trigger = Trigger(lambda: server.wait_bytes(1000000), shutdownMicroprocess())
    k = Collector()
    run_graph(SRC=Repeat(pattern(4096), 2500), STOP=trigger,
              CLIENT=ThreadedTCPClient("127.0.0.1", server.port), OUT=k)
    shutdown_only(k.signals)
    delay = ticks_diff(k.signal_ms[-1], trigger.sent_ms)
    assert 0 <= delay <= STOP_BOUND_MS, delay
    result = server.result()
    assert result["closed_by_client"], result
    # (On a fast loopback the whole 10 MB may be through before the stop
    # lands; what counts is the bound and that the bytes are an exact prefix.)
    assert 1000000 <= result["bytes"] <= 4096 * 2500, result
    assert result["sha256"] == prefix_sha256(result["bytes"]), result


# -- errors with a backlog waiting -----------------------------------------------------

def test_refused_with_a_backlog_does_not_hang():
    server = TestServer("refused")
    src = Repeat(pattern(1000), 200, finish=producerFinished())
    k = Collector()
    start = ticks_ms()
    # The inbox holds all 200 messages (one 1000-byte object, 200 times), so
    # they reach it in the producer's first step, before the client connects.
    Pipeline(src, ThreadedTCPClient("127.0.0.1", server.port, inbox_bytes=300000), k).activate()
    scheduler.run.runThreads()
    assert ticks_diff(ticks_ms(), start) < 2000
    err = error_then_shutdown(k.signals, unsent=200000)
    assert err.errno == errno.ECONNREFUSED, err
    assert k.data == []


def test_unknown_host_with_a_backlog_does_not_hang():
    src = Repeat(pattern(1000), 200, finish=producerFinished())
    k = Collector()
    Pipeline(src, ThreadedTCPClient("no-such-host.invalid", 4000, inbox_bytes=300000),
             k).activate()
    scheduler.run.runThreads()
    err = error_then_shutdown(k.signals, unsent=200000)
    assert "no-such-host.invalid" in str(err), err


def test_reset_while_receiving():
    server = TestServer("forever", seed=1, reset_after=300000)
    k = Digest()
    Pipeline(ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    err = error_then_shutdown(k.signals)
    assert err.errno == ECONNRESET, err
    assert k.total <= 300000
    assert k.hexdigest() == prefix_sha256(k.total, seed=1)


def test_reset_while_sending_and_receiving():
    server = TestServer("reset", after=50000)
    k = Collector()
    src = Repeat(pattern(4096), 2000, finish=producerFinished())
    Pipeline(src, ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    # What had reached the client's inbox and was not sent is reported
    # (nothing, if the reader met the reset while the inbox was empty).
    err = error_then_shutdown(k.signals, unsent=lambda n: 0 <= n <= 4096 * 2000 - 50000)
    assert err.errno in (ECONNRESET, EPIPE), err
    result = server.result()
    assert result["bytes"] >= 50000 and result["sha256"] == prefix_sha256(result["bytes"])


# -- the server closes --------------------------------------------------------------

def test_server_closes_after_the_request():
    server = TestServer("close_early", after=5000, data="bye")
    k = Collector()
    Pipeline(Source(seeded_pieces(5, 1000)), ThreadedTCPClient("127.0.0.1", server.port),
             k).activate()
    scheduler.run.runThreads()
    assert k.received() == b"bye"
    shutdown_only(k.signals)
    result = server.result()
    assert result["bytes"] == 5000, result
    assert result["sha256"] == sha256_stream(seeded_pieces(5, 1000)), result


def test_server_closes_early_mid_upload():
    server = TestServer("close_early", after=50000, data="enough")
    k = Collector()
    src = Repeat(pattern(4096), 2000, finish=producerFinished())
    start = ticks_ms()
    Pipeline(src, ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    assert ticks_diff(ticks_ms(), start) < 5000
    # The client goes on writing after the server's FIN (it may only have
    # half-closed); a server that closed both ways answers with a reset,
    # and what had reached the inbox and was not sent is reported.
    err = error_then_shutdown(k.signals, unsent=lambda n: 0 <= n <= 4096 * 2000 - 50000)
    assert err.errno in (ECONNRESET, EPIPE), err
    assert b"enough".startswith(k.received()), k.received()
    result = server.result()
    assert result["bytes"] == 50000 and result["sha256"] == prefix_sha256(50000), result


def test_server_answers_and_half_closes():
    # Request, then the server answers and shuts its write side (it keeps
    # reading): the answer comes out of "outbox", then socketShutdown.
    server = TestServer("half_close", after=50000, data="ready")
    k = Collector()
    Pipeline(Source(seeded_pieces(50, 1000)), ThreadedTCPClient("127.0.0.1", server.port),
             k).activate()
    scheduler.run.runThreads()
    assert k.received() == b"ready"
    shutdown_only(k.signals)
    result = server.result()
    assert result["bytes"] == 50000, result
    assert result["sha256"] == sha256_stream(seeded_pieces(50, 1000)), result
    assert result["closed_by_client"], result


# -- message edge cases ---------------------------------------------------------------

# One megabyte as a single message on CPython; on MicroPython, which holds
# no whole payload, as messages each larger than the client's inbox bound
# (payloads.large_messages).

def test_one_megabyte_single_message():
    server = TestServer("sink")
    k = Collector()
    Pipeline(Source(large_messages(1000000, seed=9), finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    shutdown_only(k.signals)
    result = server.result()
    assert result["bytes"] == 1000000, result
    assert result["sha256"] == prefix_sha256(1000000, seed=9), result


def test_one_megabyte_single_message_echoed():
    server = TestServer("echo")
    k = Digest(stop_after=1000000, stop_message=producerFinished())
    run_graph(SRC=Source(memoryview(m) for m in large_messages(1000000, seed=4)),
              CLIENT=ThreadedTCPClient("127.0.0.1", server.port), OUT=k)
    shutdown_only(k.signals)
    assert k.total == 1000000 and k.hexdigest() == prefix_sha256(1000000, seed=4)
    assert k.types == ["bytes"], k.types
    result = server.result()
    assert result["bytes"] == 1000000, result
    assert result["sha256"] == prefix_sha256(1000000, seed=4), result


def test_empty_messages_are_sent_as_nothing():
    server = TestServer("sink")
    msgs = [b"", b"abc", "", bytearray(), memoryview(b""), b"def", memoryview(b"xyz")[3:], b""]
    k = Collector()
    Pipeline(Source(msgs, finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server.port, initialsendmessage=b""), k).activate()
    scheduler.run.runThreads()
    shutdown_only(k.signals)
    result = server.result()
    assert result["bytes"] == 6 and result["sha256"] == sha256hex(b"abcdef"), result


def test_only_an_empty_message():
    server = TestServer("sink")
    k = Collector()
    Pipeline(Source([b""], finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    shutdown_only(k.signals)
    result = server.result()
    assert result["bytes"] == 0 and result["closed_by_client"], result


class _Thing(object):
    pass


def test_wrong_message_types_each_end_in_typeerror_then_shutdown():
    for bad, name in ((None, "NoneType"), (3.5, "float"), ([1, 2], "list"),
                      ({"a": 1}, "dict"), ((b"a",), "tuple"), (_Thing(), "_Thing")):
        server = TestServer("sink")
        k = Collector()
        Pipeline(Source([b"first", bad, b"never"], finish=producerFinished()),
                 ThreadedTCPClient("127.0.0.1", server.port), k).activate()
        scheduler.run.runThreads()
        # b"never" came after the bad message: it is never sent, and says so.
        err = error_then_shutdown(k.signals, TypeError, unsent=5)
        assert name in str(err), (name, err)
        result = server.result()
        assert result["bytes"] == 5 and result["sha256"] == sha256hex(b"first"), (name, result)


def backlog_with_a_wrong_type():
    yield from seeded_pieces(40, 1000)
    yield 12345
    after = pattern(1000)
    for _ in range(40):
        yield after


def test_wrong_type_in_a_backlog_sends_what_came_before():
    server = TestServer("sink")
    src = Source(backlog_with_a_wrong_type(), finish=producerFinished())
    k = Collector()
    Pipeline(src, ThreadedTCPClient("127.0.0.1", server.port), k).activate()
    scheduler.run.runThreads()
    # The messages after the bad one that had reached the inbox are
    # reported (all 40 where the inbox holds them; fewer on a small heap).
    err = error_then_shutdown(k.signals, TypeError,
                              unsent=lambda n: n % 1000 == 0 and 0 < n <= 40000)
    assert "int" in str(err), err
    result = server.result()
    assert result["bytes"] == 40000, result
    assert result["sha256"] == sha256_stream(seeded_pieces(40, 1000)), result


# -- a component failing next to a running client ---------------------------------------

def test_error_upstream_reaches_the_caller_and_the_client_closes():
    server = TestServer("sink")
    client = ThreadedTCPClient("127.0.0.1", server.port)
    # 1.5 MB: more than the client's inbox holds, so it has connected.
    Pipeline(Repeat(pattern(4096), 1000), Raiser(1500000, KeyError("boom upstream")),
             client, Collector()).activate()
    exc = run_expecting(KeyError)
    assert "boom upstream" in str(exc), exc
    result = server.result(timeout=3)
    assert result["done"] and result["closed_by_client"], result
    assert result["sha256"] == prefix_sha256(result["bytes"]), result
    # The scheduler is usable again afterwards.
    server2 = TestServer("sink")
    k = Collector()
    Pipeline(Source([b"again"], finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", server2.port), k).activate()
    scheduler.run.runThreads()
    shutdown_only(k.signals)
    assert server2.result()["bytes"] == 5
