"""ReconnectingTCPClient: reconnection with backoff, backlog, notifications."""

from axonport import ticks_ms, ticks_diff
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.Internet.ReconnectingTCPClient import (
    ReconnectingTCPClient, connected, disconnected, dataDropped)
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from testserver import TestServer
from payloads import large_messages, sha256_stream
from components import Source, Collector, Trigger
from scripted import Script

DEADLINES = {"test_server_down_for_a_while_then_back": 30,
             "test_reconnects_after_the_server_drops_the_connection": 30,
             "test_resend_false_starts_each_connection_with_initialsendmessage_alone": 40}

THREAD_RACES = ["test_reconnects_after_the_server_drops_the_connection",
                "test_stop_during_backoff_is_prompt",
                "test_data_dropped_while_down_is_reported"]


def kinds(signals):
    return [type(s).__name__ for s in signals]


RECORDS = 1000         # b"000000000\n", b"000000001\n" ...: 10 bytes each


def records(start, stop):
    """Records start to stop - 1 as one message, built in place."""
    buf = bytearray(10 * (stop - start))
    for i in range(start, stop):
        at = 10 * (i - start)
        buf[at:at + 10] = b"%09d\n" % i
    return bytes(buf)


def record_stream(offset):
    """The records' stream from byte ``offset`` on, a record at a time."""
    first, skip = divmod(offset, 10)
    for i in range(first, RECORDS):
        yield (b"%09d\n" % i)[skip:]
        skip = 0


def first_3000_then_from(offset):
    """What the server gets when the first connection ends after 3000
    bytes and the next one starts at ``offset`` of the stream."""
    for i in range(300):
        yield b"%09d\n" % i
    yield from record_stream(offset)


def test_reconnects_after_the_server_drops_the_connection():
    server = TestServer("sink", drop_after=3000, drops=1)
    half = RECORDS // 2 * 10
    k = Collector()
    script = Script([
        (lambda: None, records(0, RECORDS // 2), "outbox"),
        # The second half goes once the client is back on a new connection.
        (lambda: server.wait_connections(2), records(RECORDS // 2, RECORDS), "outbox"),
        (lambda: server.wait_bytes(3000 + half), producerFinished(), "control"),
    ])
    Graphline(S=script, C=ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.05),
              OUT=k,
              linkages={("S", "outbox"): ("C", "inbox"),
                        ("S", "control"): ("C", "control"),
                        ("C", "outbox"): ("OUT", "inbox"),
                        ("C", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    result = server.result()
    # The first connection got exactly 3000 bytes; what its socket had taken
    # beyond that may be lost; everything sent after the reconnect arrived:
    # the server has the first 3000 bytes, then the stream from a point in
    # the first half on.
    resumed_at = RECORDS * 10 - (result["bytes"] - 3000)
    assert 0 <= resumed_at <= half, result
    assert result["sha256"] == sha256_stream(first_3000_then_from(resumed_at)), result
    names = kinds(k.signals)
    assert names[0] == "connected" and names[-1] == "socketShutdown", names
    assert names.count("connected") == 2 and names.count("disconnected") == 1, names
    for s in k.signals:
        assert isinstance(s, (connected, disconnected, OSError, socketShutdown)), names


def test_server_down_for_a_while_then_back():
    server = TestServer("sink", keep=True)
    client = ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.1, max_delay=0.4,
                                   statistics=True)
    k = Collector()
    script = Script([
        (lambda: None, b"first|", "outbox"),
        (lambda: (server.wait_bytes(6), server.restart(down_for=0.8),
                  server.wait_connections(2)), b"second|", "outbox"),
        (lambda: None, b"third", "outbox"),
        (lambda: server.wait_bytes(18), producerFinished(), "control"),
    ])
    Graphline(S=script, C=client, OUT=k,
              linkages={("S", "outbox"): ("C", "inbox"),
                        ("S", "control"): ("C", "control"),
                        ("C", "outbox"): ("OUT", "inbox"),
                        ("C", "signal"): ("OUT", "control")}).activate()
    start = ticks_ms()
    scheduler.run.runThreads()
    took = ticks_diff(ticks_ms(), start)
    names = kinds(k.signals)
    assert names[0] == "connected" and names[-1] == "socketShutdown", names
    assert names.count("connected") == 2 and names.count("disconnected") == 1, names
    assert names.count("OSError") + names.count("ConnectionRefusedError") >= 1, names
    assert server.kept() == b"first|second|third", server.kept()
    assert 700 <= took <= 8000, took
    stats = client.statistics()
    errors = len([s for s in k.signals if isinstance(s, Exception)])
    assert (stats.bytes_sent, stats.bytes_received, stats.connects, stats.errors) == (
        18, 0, 2, errors), (stats, names)


def test_stop_during_backoff_is_prompt():
    server = TestServer("refused")
    client = ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=5, max_delay=5)
    k = Collector()
    trigger = Trigger(lambda: None, shutdownMicroprocess())
    Graphline(T=trigger, C=client, OUT=k,
              linkages={("T", "outbox"): ("C", "control"),
                        ("C", "signal"): ("OUT", "control")}).activate()
    start = ticks_ms()
    scheduler.run.runThreads()
    assert ticks_diff(ticks_ms(), start) < 1500
    assert isinstance(k.signals[-1], socketShutdown), kinds(k.signals)


def upload(msgs, server, buffer_bytes):
    """msgs, then producerFinished, through a ReconnectingTCPClient to
    ``server``; returns the Collector of what came out."""
    k = Collector()
    Pipeline(Source(msgs, finish=producerFinished()),
             ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.05,
                                   buffer_bytes=buffer_bytes),
             k).activate()
    scheduler.run.runThreads()
    return k


def test_data_dropped_while_down_is_reported():
    server = TestServer("refused")
    msgs = [b"x" * 100] * 50
    k = upload(msgs, server, buffer_bytes=1000)
    drops = [s for s in k.signals if isinstance(s, dataDropped)]
    assert sum(d.nbytes for d in drops) == 5000, drops
    assert sum(d.messages for d in drops) == 50, drops
    assert isinstance(k.signals[-1], socketShutdown)
    assert "connected" not in kinds(k.signals)


def small_empty_and_large():
    for i in range(600):
        yield b"%05d;" % i
        if i % 50 == 0:
            yield b""
        if i % 200 == 0:
            yield from large_messages(40000, seed=i)


def test_many_small_and_empty_messages_arrive_in_order():
    # The backlog is written as the plain client writes its inbox: small
    # messages gathered into one write, empty ones skipped, big ones whole.
    server = TestServer("sink")
    k = upload(small_empty_and_large(), server, buffer_bytes=200000)
    result = server.result()
    assert result["bytes"] == 600 * 6 + 3 * 40000, result
    assert result["sha256"] == sha256_stream(small_empty_and_large()), result
    assert kinds(k.signals) == ["connected", "socketShutdown"], kinds(k.signals)


def test_wrong_message_type_ends_it():
    server = TestServer("sink", keep=True)
    k = Collector()
    Pipeline(Source([b"ok", 42, b"never"]),
             ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.05),
             k).activate()
    scheduler.run.runThreads()
    names = kinds(k.signals)
    # b"never", after the bad message, is reported as dropped.
    assert names == ["connected", "TypeError", "dataDropped", "socketShutdown"], names
    assert (k.signals[2].nbytes, k.signals[2].messages) == (5, 1), k.signals[2]
    assert server.kept() == b"ok"


def test_bad_arguments():
    for args in ({"initial_delay": 0}, {"initial_delay": 5, "max_delay": 1},
                 {"buffer_bytes": 0}):
        try:
            ReconnectingTCPClient("127.0.0.1", 80, **args)
        except ValueError:
            pass
        else:
            raise AssertionError("accepted %r" % (args,))


def test_resend_false_starts_each_connection_with_initialsendmessage_alone():
    # What reached "inbox" while no connection was up is dropped when the
    # next comes up, in one dataDropped before its connected; the server
    # sees each connection start with initialsendmessage.
    from mqttkit import Driver
    server = TestServer("sink", keep=True)
    client = ReconnectingTCPClient("127.0.0.1", server.port, initialsendmessage=b"HELLO",
                                   resend=False, initial_delay=0.1, max_delay=0.2)

    def kinds(d):
        return [type(s).__name__ for s in d.signals]

    def script(d):
        assert d.until(lambda: "connected" in kinds(d), 10), kinds(d)
        # The server has the connection in hand (a restart closes only the
        # connections it has accepted).
        assert server.wait_bytes(5)["bytes"] >= 5
        server.restart(1.0)
        assert d.until(lambda: "disconnected" in kinds(d), 10), kinds(d)
        d.send(b"lost1")
        d.send(b"lost2")
        assert d.until(lambda: kinds(d).count("connected") == 2, 10), kinds(d)
        d.send(b"after")
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 10), kinds(d)

    driver = Driver(script)
    driver.link((driver, "outbox"), (client, "inbox"))
    driver.link((driver, "signal"), (client, "control"))
    driver.link((client, "outbox"), (driver, "inbox"))
    driver.link((client, "signal"), (driver, "control"))
    client.activate()
    driver.activate()
    scheduler.run.runThreads()
    assert driver.error is None, driver.error
    # (Connection errors of the attempts while the server was down aside.)
    names = [type(s).__name__ for s in driver.signals if not isinstance(s, Exception)]
    assert names == ["connected", "disconnected", "dataDropped", "connected",
                     "socketShutdown"], kinds(driver)
    dropped = [s for s in driver.signals if isinstance(s, dataDropped)][0]
    assert (dropped.nbytes, dropped.messages) == (10, 2), dropped
    server.stop()
    assert server.kept() == b"HELLOHELLOafter"


def test_recv_timeout_breaks_a_silent_connection():
    server = TestServer("silent")
    client = ThreadedTCPClient("127.0.0.1", server.port, recv_timeout=0.5)
    k = Collector()
    Pipeline(client, k).activate()
    start = ticks_ms()
    scheduler.run.runThreads()
    took = ticks_diff(ticks_ms(), start)
    assert [type(s).__name__ for s in k.signals][-1] == "socketShutdown", k.signals
    error = k.signals[0]
    assert isinstance(error, OSError) and error.args[0] == 110, repr(error)
    assert "nothing received for 0.5 s" in str(error) and "port %d" % server.port in str(error)
    assert 500 <= took <= 500 + 3 * 200 + 500, took
    for bad in (0, -1, "1", True):
        try:
            ThreadedTCPClient("127.0.0.1", server.port, recv_timeout=bad)
        except ValueError as exc:
            assert "recv_timeout" in str(exc), exc
        else:
            raise AssertionError("recv_timeout=%r was accepted" % (bad,))
