"""TLS (ssl=...) and connection statistics of ThreadedTCPClient."""

from axonport import ticks_diff
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Internet.Statistics import statisticsRequest, connectionStatistics
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from testkit import (TestServer, Source, Collector, Digest, Trigger, other_ca, tls_context,
                     echo_through, seeded_pieces, sha256_stream)

DEADLINES = {"test_tls_echo_is_exact_and_verified": 30}


def error_then_shutdown(client):
    k = Collector()
    Pipeline(Source([b"x"]), client, k).activate()
    scheduler.run.runThreads()
    assert len(k.signals) == 2, k.signals
    assert isinstance(k.signals[0], OSError), k.signals
    assert isinstance(k.signals[1], socketShutdown), k.signals
    return k.signals[0]


def tls_echo_messages():
    # 60 small messages, then one larger than a TLS record (16 KB).
    yield from seeded_pieces(60, 1000)
    yield b"x" * 20000


def test_tls_echo_is_exact_and_verified():
    server = TestServer("echo", tls=True)
    size = 60 * 1000 + 20000
    client = ThreadedTCPClient("127.0.0.1", server.port, ssl=tls_context(server.ca),
                               server_hostname="localhost", statistics=True)
    k = echo_through(client, tls_echo_messages(), size, Digest)
    expect = sha256_stream(tls_echo_messages())
    assert (k.total, k.hexdigest()) == (size, expect), (k.total, k.signals)
    assert k.types == ["bytes"], k.types
    assert len(k.signals) == 1 and isinstance(k.signals[0], socketShutdown), k.signals
    result = server.result()
    assert result["bytes"] == size and result["sha256"] == expect, result
    stats = client.statistics()      # counts what the application sent, not TLS records
    assert (stats.bytes_sent, stats.bytes_received, stats.connects, stats.errors) == (
        size, size, 1, 0), stats


def test_tls_untrusted_certificate_is_an_error():
    server = TestServer("echo", tls=True)
    client = ThreadedTCPClient("127.0.0.1", server.port, ssl=tls_context(other_ca()),
                               server_hostname="localhost")
    err = error_then_shutdown(client)
    assert "TLS handshake" in str(err) and "localhost" in str(err), err


def test_tls_wrong_server_hostname_is_an_error():
    server = TestServer("echo", tls=True)
    client = ThreadedTCPClient("127.0.0.1", server.port, ssl=tls_context(server.ca),
                               server_hostname="not-this-host.example")
    err = error_then_shutdown(client)
    assert "not-this-host.example" in str(err), err


def test_tls_true_verifies_or_says_what_is_needed():
    server = TestServer("echo", tls=True)
    try:
        client = ThreadedTCPClient("127.0.0.1", server.port, ssl=True,
                                   server_hostname="localhost")
    except ValueError as exc:        # MicroPython: no CA store to verify with
        assert "cadata" in str(exc), exc
        return
    # CPython: the system CAs do not trust the test CA.
    err = error_then_shutdown(client)
    assert "TLS handshake" in str(err), err


def test_ssl_argument_type_is_checked():
    try:
        ThreadedTCPClient("127.0.0.1", 80, ssl="yes")
    except TypeError as exc:
        assert "str" in str(exc)
    else:
        raise AssertionError("accepted ssl='yes'")


def test_tls_shutdown_is_prompt_against_a_silent_server():
    server = TestServer("silent", tls=True)
    client = ThreadedTCPClient("127.0.0.1", server.port, ssl=tls_context(server.ca),
                               server_hostname="localhost")
    trigger = Trigger(lambda: server.wait_bytes(5), shutdownMicroprocess())
    k = Collector()
    Graphline(SRC=Source([b"hello"]), STOP=trigger, CLIENT=client, OUT=k,
              linkages={("SRC", "outbox"): ("CLIENT", "inbox"),
                        ("STOP", "outbox"): ("CLIENT", "control"),
                        ("CLIENT", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    assert len(k.signals) == 1 and isinstance(k.signals[0], socketShutdown), k.signals
    delay = ticks_diff(k.signal_ms[-1], trigger.sent_ms)
    assert 0 <= delay <= 600, delay


def test_statistics_count_bytes_connects_and_errors():
    server = TestServer("echo")
    client = ThreadedTCPClient("127.0.0.1", server.port, statistics=True)
    k = echo_through(client, seeded_pieces(20, 500), 10000, Digest)
    assert (k.total, k.hexdigest()) == (10000, sha256_stream(seeded_pieces(20, 500)))
    stats = client.statistics()
    assert isinstance(stats, connectionStatistics)
    assert (stats.bytes_sent, stats.bytes_received, stats.connects, stats.errors) == (
        10000, 10000, 1, 0), stats
    refused = TestServer("refused")
    bad = ThreadedTCPClient("127.0.0.1", refused.port, statistics=True)
    error_then_shutdown(bad)
    stats = bad.statistics()
    assert (stats.bytes_sent, stats.connects, stats.errors) == (0, 0, 1), stats


class StatsWatcher(Collector):
    """Keeps the first statistics message, then asks the client to finish."""

    def main(self):
        while not self.dataReady("inbox"):
            self.pause()
            yield 1
        self.stats = self.recv("inbox")
        self.send(producerFinished(), "outbox")
        while not self.dataReady("control"):
            self.pause()
            yield 1
        self.signals.append(self.recv("control"))


def test_statistics_on_request():
    server = TestServer("sink")
    client = ThreadedTCPClient("127.0.0.1", server.port, statistics=True)
    watcher = StatsWatcher()
    Graphline(SRC=Source([b"a" * 300]),
              ASK=Trigger(lambda: server.wait_bytes(300), statisticsRequest()),
              CLIENT=client, WATCH=watcher,
              linkages={("SRC", "outbox"): ("CLIENT", "inbox"),
                        ("ASK", "outbox"): ("CLIENT", "control"),
                        ("CLIENT", "stats"): ("WATCH", "inbox"),
                        ("WATCH", "outbox"): ("CLIENT", "control"),
                        ("CLIENT", "signal"): ("WATCH", "control")}).activate()
    scheduler.run.runThreads()
    stats = watcher.stats
    assert isinstance(stats, connectionStatistics), stats
    assert (stats.bytes_sent, stats.connects, stats.errors) == (300, 1, 0), stats
    assert isinstance(watcher.signals[0], socketShutdown)


class AskThenFinish(threadedcomponent):
    """Once the server has 3 bytes: statisticsRequest, then producerFinished."""

    def __init__(self, server):
        threadedcomponent.__init__(self)
        self.server = server

    def main(self):
        self.server.wait_bytes(3)
        self.send_wait(statisticsRequest(), interruptible=False)
        self.send_wait(producerFinished(), interruptible=False)


def test_a_plain_client_has_no_statistics_and_ignores_requests():
    server = TestServer("echo")
    client = ThreadedTCPClient("127.0.0.1", server.port)
    assert "stats" not in client.outboxes and not hasattr(client, "statistics")
    k = Collector()
    Graphline(SRC=Source([b"abc"]), ASK=AskThenFinish(server), CLIENT=client, OUT=k,
              linkages={("SRC", "outbox"): ("CLIENT", "inbox"),
                        ("ASK", "outbox"): ("CLIENT", "control"),
                        ("CLIENT", "outbox"): ("OUT", "inbox"),
                        ("CLIENT", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    assert k.received() == b"abc"
    assert len(k.signals) == 1 and isinstance(k.signals[0], socketShutdown), k.signals


def test_an_unknown_keyword_is_named():
    try:
        ThreadedTCPClient("127.0.0.1", 9, statistcs=True)
    except TypeError as exc:
        assert "statistcs" in str(exc), exc
    else:
        raise AssertionError("no TypeError")
