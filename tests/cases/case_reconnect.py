"""ReconnectingTCPClient: reconnection with backoff, backlog, notifications."""

from axonport import ticks_ms, ticks_diff
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.Internet.ReconnectingTCPClient import (
    ReconnectingTCPClient, connected, disconnected, dataDropped)
from testkit import TestServer, Source, Collector, Trigger, pattern

DEADLINES = {"test_server_down_for_a_while_then_back": 30,
             "test_reconnects_after_the_server_drops_the_connection": 30}

THREAD_RACES = ["test_reconnects_after_the_server_drops_the_connection",
                "test_stop_during_backoff_is_prompt"]


class Script(threadedcomponent):
    """Runs (condition, message, box) steps in order from its thread."""

    Outboxes = {"outbox": "", "signal": "", "control": ""}

    def __init__(self, steps):
        threadedcomponent.__init__(self)
        self.steps = steps

    def main(self):
        for condition, message, box in self.steps:
            condition()
            self.send_wait(message, box, interruptible=False)


def kinds(signals):
    return [type(s).__name__ for s in signals]


def test_reconnects_after_the_server_drops_the_connection():
    server = TestServer("sink", drop_after=3000, drops=1, keep=True)
    records = [b"%09d\n" % i for i in range(1000)]
    stream = b"".join(records)
    first, second = b"".join(records[:500]), b"".join(records[500:])
    k = Collector()
    script = Script([
        (lambda: None, first, "outbox"),
        # The second half goes once the client is back on a new connection.
        (lambda: server.wait_connections(2), second, "outbox"),
        (lambda: server.wait_bytes(3000 + len(second)), producerFinished(), "control"),
    ])
    Graphline(S=script, C=ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.05),
              OUT=k,
              linkages={("S", "outbox"): ("C", "inbox"),
                        ("S", "control"): ("C", "control"),
                        ("C", "outbox"): ("OUT", "inbox"),
                        ("C", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    got = server.kept()
    # The first connection got exactly 3000 bytes; what its socket had taken
    # beyond that may be lost; everything sent after the reconnect arrived.
    assert got[:3000] == stream[:3000]
    assert got.endswith(second) and stream.endswith(got[3000:]), len(got)
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


def test_many_small_and_empty_messages_arrive_in_order():
    # The backlog is written as the plain client writes its inbox: small
    # messages gathered into one write, empty ones skipped, big ones whole.
    server = TestServer("sink", keep=True)
    msgs = []
    for i in range(600):
        msgs.append(b"%05d;" % i)
        if i % 50 == 0:
            msgs.append(b"")
        if i % 200 == 0:
            msgs.append(pattern(40000, seed=i))
    k = upload(msgs, server, buffer_bytes=200000)
    assert server.kept() == b"".join(msgs)
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
