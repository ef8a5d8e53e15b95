"""ReconnectingTCPClient: every message that reached "inbox" before
producerFinished is sent or reported (dataDropped), whatever the client
was doing when it arrived -- connected, between attempts, connecting --
and however the producer's last step falls between the client's reads of
"inbox" and "control".  (Apart from case_reconnect.py so that each
module's tests fit a board-sized heap.)"""

from axonport import allocate_lock, ticks_ms, ticks_diff
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Internet.ReconnectingTCPClient import ReconnectingTCPClient, dataDropped
from testserver import TestServer
from components import Source
from scripted import Script, wait_ms, at_once, feed, finish_then_stop_while_connecting

THREAD_RACES = ["test_a_last_step_between_inbox_and_control_is_sent",
                "test_a_last_step_between_inbox_and_control_while_down_is_reported",
                "test_a_producer_sending_while_down_then_finishing_is_counted_exactly",
                "test_a_producer_sending_while_up_then_finishing_is_all_sent",
                "test_a_wrong_type_during_the_backoff_is_reported",
                "test_stop_after_producer_finished_while_connecting_reports_the_inbox",
                "test_producer_finished_then_stop_while_down_reports_the_backlog",
                "test_nothing_is_dropped_while_connected"]


def kinds(signals):
    return [type(s).__name__ for s in signals]


def dropped(signals):
    """(bytes, messages) of all the dataDropped reports among ``signals``."""
    drops = [s for s in signals if isinstance(s, dataDropped)]
    return sum(d.nbytes for d in drops), sum(d.messages for d in drops)


class Finale(threadedcomponent):
    """A producer's last step: ``messages`` out of "outbox", then
    producerFinished out of "signal", once ``go`` is released."""

    def __init__(self, messages):
        threadedcomponent.__init__(self)
        self.messages = messages
        self.go = allocate_lock()
        self.go.acquire()

    def main(self):
        self.go.acquire()
        for msg in self.messages:
            self.send_wait(msg, interruptible=False)
        self.send_wait(producerFinished(), "signal", interruptible=False)


class WideGap(ReconnectingTCPClient):
    """Opens, once, the window between moving "inbox" into the backlog and
    reading "control" (the first time, or the first time connected with
    ``when_up``): the producer's last step happens there in full -- as it
    may when a scheduler step falls in that window -- before the client
    goes on."""

    def __init__(self, finale, when_up, port, **options):
        ReconnectingTCPClient.__init__(self, "127.0.0.1", port, **options)
        self.finale = finale
        self.when_up = when_up
        self.opened = False

    def _absorb(self, connected):
        ReconnectingTCPClient._absorb(self, connected)
        if self.opened or (self.when_up and not self._came_up):
            return
        self.opened = True
        self.finale.go.release()
        # Not pause(): the wakes for these arrivals stay for the client.
        while not self._control_has(producerFinished):
            wait_ms(1)


def last_step_in_the_gap(when_up, server, messages, **options):
    finale = Finale(messages)
    return feed(WideGap(finale, when_up, server.port, **options), finale).signals


def test_a_last_step_between_inbox_and_control_is_sent():
    # Connected: the messages before producerFinished are sent, not
    # reported as dropped while the connection could take them.
    server = TestServer("sink", keep=True)
    messages = [b"%02d|" % i for i in range(20)]
    signals = last_step_in_the_gap(True, server, messages)
    assert server.kept() == b"".join(messages), server.kept()
    assert kinds(signals) == ["connected", "socketShutdown"], kinds(signals)


def test_a_last_step_between_inbox_and_control_while_down_is_reported():
    server = TestServer("refused")
    signals = last_step_in_the_gap(False, server, [b"y" * 100] * 20,
                                   initial_delay=0.05, buffer_bytes=1000)
    assert dropped(signals) == (2000, 20), signals
    assert kinds(signals)[-1] == "socketShutdown", kinds(signals)
    assert "connected" not in kinds(signals), kinds(signals)


def paced(count, size, burst, gap_ms):
    """Script steps: ``count`` messages of ``size`` bytes, ``burst`` at a
    time with ``gap_ms`` between bursts, then producerFinished."""
    message = b"z" * size

    def gap():
        wait_ms(gap_ms)

    for i in range(count):
        yield (gap if i % burst == 0 else at_once), message, "outbox"
    yield at_once, producerFinished(), "signal"


def paced_upload(server):
    """400 messages of 50 bytes, 10 every 5 ms (200 ms in all), then
    producerFinished, through a client retrying every 10-20 ms."""
    client = ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.01,
                                   max_delay=0.02, buffer_bytes=500)
    return feed(client, Script(paced(400, 50, 10, 5))).signals


def test_a_producer_sending_while_down_then_finishing_is_counted_exactly():
    # Messages keep arriving through many attempts and backoffs, the last
    # ones with producerFinished: every one is reported, once.
    server = TestServer("refused")
    signals = paced_upload(server)
    assert dropped(signals) == (20000, 400), (dropped(signals), kinds(signals))
    attempts = len([s for s in signals if isinstance(s, OSError)])
    assert attempts >= 3, kinds(signals)
    assert kinds(signals)[-1] == "socketShutdown", kinds(signals)


def test_a_producer_sending_while_up_then_finishing_is_all_sent():
    server = TestServer("sink")
    signals = paced_upload(server)
    got = server.result()["bytes"]
    assert (got, kinds(signals)) == (20000, ["connected", "socketShutdown"]), (got, signals)


def test_a_wrong_type_during_the_backoff_is_reported():
    # Found while moving the inbox into the backlog between attempts: the
    # TypeError goes out of "signal", and b"ok" before it and b"never"
    # after it are reported as dropped.
    # The Source runs before the client's thread starts (a Pipeline
    # activates its children in order), so all three messages and the
    # producerFinished are waiting when the client first looks.
    from Axon.Scheduler import scheduler
    from Kamaelia.Chassis.Pipeline import Pipeline
    from components import Collector
    server = TestServer("refused")
    k = Collector()
    Pipeline(Source([b"ok", 42, b"never"], finish=producerFinished()),
             ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=0.05), k).activate()
    scheduler.run.runThreads()
    names = kinds(k.signals)
    assert names[-3:] == ["TypeError", "dataDropped", "socketShutdown"], names
    assert all(isinstance(s, OSError) for s in k.signals[:-3]) and names[:-3], names
    assert dropped(k.signals) == (7, 2), k.signals


def test_stop_after_producer_finished_while_connecting_reports_the_inbox():
    # The stop is found while connecting, with the producerFinished ahead
    # of it not yet read: what the client had is reported all the same.
    server = TestServer("full")
    signals, delay = finish_then_stop_while_connecting(
        ReconnectingTCPClient("127.0.0.1", server.port))
    server.stop()
    assert kinds(signals) == ["dataDropped", "socketShutdown"], kinds(signals)
    assert dropped(signals) == (500, 5), signals
    assert 0 <= delay <= 600, delay


def test_producer_finished_then_stop_while_down_reports_the_backlog():
    # Both may be read together in the backoff (or the stop after the one
    # attempt producerFinished makes): a stop after producerFinished.
    server = TestServer("refused")
    steps = [(at_once, b"v" * 100, "outbox")] * 5
    steps.append((at_once, producerFinished(), "signal"))
    steps.append((at_once, shutdownMicroprocess(), "signal"))
    start = ticks_ms()
    k = feed(ReconnectingTCPClient("127.0.0.1", server.port, initial_delay=5, max_delay=5),
             Script(steps))
    assert ticks_diff(ticks_ms(), start) < 1500
    assert dropped(k.signals) == (500, 5), k.signals
    assert kinds(k.signals)[-1] == "socketShutdown", kinds(k.signals)


def test_nothing_is_dropped_while_connected():
    # 4000 bytes waiting in "inbox" when the connection comes up, with a
    # backlog of 150 bytes: connected, the client writes them all (the
    # inbox holds the producer back), where a backlog that dropped beyond
    # buffer_bytes would keep only the last message.
    server = TestServer("sink")
    client = ReconnectingTCPClient("127.0.0.1", server.port, buffer_bytes=150)
    k = feed(client, Source([b"m" * 100] * 40, finish=producerFinished()))
    result = server.result()
    assert (result["bytes"], result["connections"], kinds(k.signals)) == (
        4000, 1, ["connected", "socketShutdown"]), (result, k.signals)
