"""Kamaelia's servers (Kamaelia.Chassis.ConnectedServer) on every runtime:
the server runs here, its clients in the pytest process (TestClient), so
that a board-sized heap holds the server alone.

- An echo server answers 16 clients byte-exact, each with its own stream,
  with at most max_connections open at once (the rest wait in the
  backlog), and stops promptly on shutdownMicroprocess afterwards.
- The FortuneCookie pair, written the Kamaelia way: SimpleServer with a
  protocol that passes a DataSource's output and producerFinished on;
  a TCPClient in a Pipeline gets the cookie, then socketShutdown.
- A protocol handler that ends without a word has its connection closed.
- A stop with idle clients connected ends everything.
- A port in use is an OSError naming it, from the constructor.
"""

from axonport import ticks_ms, allocate_lock, acquire_timeout
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Chassis.ConnectedServer import SimpleServer, ServerCore, FastRestartServer
from Kamaelia.Chassis.Pipeline import Pipeline
from testserver import TestClient, free_port, prefix_sha256
from components import Collector

DEADLINES = {"test_an_echo_server_answers_16_clients_byte_exact": 60}

THREAD_RACES = ["test_an_echo_server_answers_16_clients_byte_exact",
                "test_the_fortune_cookie_pair",
                "test_a_handler_that_ends_silently_closes_its_connection",
                "test_a_stop_with_idle_clients_ends_everything"]

STOP_BOUND_MS = 3 * 200 + 500       # 3 * stop_poll + margin


class Echo(component):
    """Sends back what arrives; at socketShutdown (the client closed its
    side) sends what is left, then producerFinished: the connection then
    closes gracefully."""

    def main(self):
        while True:
            while self.dataReady("inbox"):
                yield from self.send_when_room(self.recv("inbox"))
            if self.dataReady("control"):
                self.recv("control")
                while self.dataReady("inbox"):
                    yield from self.send_when_room(self.recv("inbox"))
                self.send(producerFinished(self), "signal")
                return
            self.pause()
            yield 1


class Waiter(threadedcomponent):
    """Waits (in its thread) for ``wait()`` to return, keeps what it
    returned in ``result``, then sends ``message`` out of "outbox"."""

    def __init__(self, wait, message):
        threadedcomponent.__init__(self)
        self.wait = wait
        self.message = message
        self.result = None
        self.sent_ms = None

    def main(self):
        self.result = self.wait()
        self.sent_ms = ticks_ms()
        self.send(self.message, "outbox")


class Stopped(component):
    """Records what comes out of a server's "signal" (its stop message)."""

    def __init__(self):
        component.__init__(self)
        self.signals = []
        self.ms = None

    def main(self):
        while not self.dataReady("inbox"):
            self.pause()
            yield 1
        self.signals.append(self.recv("inbox"))
        self.ms = ticks_ms()


def run_server(server, wait):
    """Runs ``server`` until ``wait()`` (in a thread) returns, then stops it;
    returns (what wait returned, ms from the stop to the server's end,
    the server's signals)."""
    waiter = Waiter(wait, shutdownMicroprocess())
    stopped = Stopped()
    server.link((waiter, "outbox"), (server, "control"))
    server.link((server, "signal"), (stopped, "inbox"))
    server.activate()
    waiter.activate()
    stopped.activate()
    scheduler.run.runThreads()
    return waiter.result, stopped.ms - waiter.sent_ms, stopped.signals


def test_an_echo_server_answers_16_clients_byte_exact():
    port = free_port()
    server = FastRestartServer(protocol=Echo, port=port, backlog=16)
    clients = [TestClient("echo", port, size=65536 + i * 1000, seed=i) for i in range(16)]
    results, stop_ms, signals = run_server(server, lambda: [c.result(45) for c in clients])
    for i, result in enumerate(results):
        size = 65536 + i * 1000
        assert result["error"] is None and result["eof"], (i, result)
        assert result["received"] == size, (i, result)
        assert result["sha256"] == prefix_sha256(size, seed=i), (i, result)
    assert server.server.accepted == 16
    assert len(signals) == 1 and isinstance(signals[0], shutdownMicroprocess), signals
    assert 0 <= stop_ms <= STOP_BOUND_MS, stop_ms


class FortuneCookieProtocol(component):
    """Kamaelia's, with a DataSource in place of ``fortune -a``: the
    source's output passes through to "outbox", and its producerFinished,
    which reaches "control", goes on out of "signal"."""
    COOKIE = b"Idiots, explosives and falling anvils.\n"

    def main(self):
        from Kamaelia.Util.DataSource import DataSource
        source = DataSource([self.COOKIE[:10], self.COOKIE[10:]])
        self.link((source, "outbox"), (self, "outbox"), passthrough=2)
        self.link((source, "signal"), (self, "control"))
        self.addChildren(source)
        source.activate()
        while not self.dataReady("control"):
            self.pause()
            yield 1
        self.send(self.recv("control"), "signal")


class Rounds(component):
    """Runs ``make()`` (a Pipeline ending in a Collector, returned as
    (pipeline, collector)) ``rounds`` times, one after the other; keeps
    each collector's data and signals in ``results``; then sends
    shutdownMicroprocess out of "outbox" (link it to the server)."""

    def __init__(self, make, rounds):
        component.__init__(self)
        self.make = make
        self.rounds = rounds
        self.results = []

    def main(self):
        for _ in range(self.rounds):
            pipeline, k = self.make()
            self.addChildren(pipeline)
            pipeline.activate()
            while not self.childrenDone():
                self.pause()
                yield 1
            self.results.append((k.received(), k.signals))
        self.send(shutdownMicroprocess(), "outbox")


def test_the_fortune_cookie_pair():
    from Kamaelia.Internet.TCPClient import TCPClient
    port = free_port()
    server = SimpleServer(protocol=FortuneCookieProtocol, port=port)

    def make():
        k = Collector()
        return Pipeline(TCPClient("127.0.0.1", port), k), k

    rounds = Rounds(make, 3)            # the server goes on accepting
    server.link((rounds, "outbox"), (server, "control"))
    server.activate()
    rounds.activate()
    scheduler.run.runThreads()
    assert len(rounds.results) == 3
    for data, signals in rounds.results:
        assert data == FortuneCookieProtocol.COOKIE, data
        assert len(signals) == 1 and isinstance(signals[0], socketShutdown), signals
    assert server.server.accepted == 3


class Silent(component):
    """Ends at once, without a word."""

    def main(self):
        yield 1


def test_a_handler_that_ends_silently_closes_its_connection():
    port = free_port()
    server = SimpleServer(protocol=Silent, port=port)
    clients = [TestClient("read", port) for _ in range(3)]
    results, stop_ms, signals = run_server(server, lambda: [c.result(10) for c in clients])
    for result in results:
        assert result["error"] is None and result["eof"] and result["received"] == 0, result
    assert 0 <= stop_ms <= STOP_BOUND_MS, stop_ms


def test_a_stop_with_idle_clients_ends_everything():
    # The clients send nothing and never close: the stop closes them.
    port = free_port()
    served = allocate_lock()
    served.acquire()
    made = []

    def protocol(**info):
        made.append(info)
        if len(made) == 2:          # two are served; the third waits in the backlog
            served.release()
        return Echo()

    server = ServerCore(protocol=protocol, port=port, max_connections=2, backlog=4)
    clients = [TestClient("read", port) for _ in range(3)]
    results, stop_ms, signals = run_server(server, lambda: acquire_timeout(served, 10))
    assert results is True, results
    assert server.server.accepted == 2
    assert made[0]["peer"] == "127.0.0.1" and made[0]["localport"] == port, made[0]
    for c in clients:
        result = c.result(10)
        assert result["done"] and result["received"] == 0, result
    assert 0 <= stop_ms <= STOP_BOUND_MS, stop_ms


def test_a_port_in_use_is_an_error_naming_it():
    port = free_port()
    first = FastRestartServer(protocol=Echo, port=port)
    try:
        SimpleServer(protocol=Echo, port=port)
    except OSError as exc:
        assert str(port) in str(exc), exc
    else:
        raise AssertionError("a second server bound port %d" % port)
    first.server.listener.close()


def test_a_server_needs_a_protocol():
    try:
        SimpleServer(port=free_port())
    except TypeError as exc:
        assert "protocol" in str(exc), exc
    else:
        raise AssertionError("no TypeError")
