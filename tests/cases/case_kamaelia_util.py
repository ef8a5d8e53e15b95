"""Kamaelia's small components: Util (PureTransformer, DataSource, OneShot,
Clock, Chargen, Fanout, Splitter, Backplane), File (SimpleReader,
SimpleFileWriter) and Internet.TCPClient.

Each test imports the components it uses: all of them at once would not
leave a board-sized heap (96 KB) room to run them.
"""

import os
from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from components import Source, Collector


def run(*components):
    for c in components:
        c.activate()
    scheduler.run.runThreads()


def expect_error(kind, words, make):
    try:
        make()
    except kind as exc:
        for word in words:
            assert word in str(exc), exc
        return exc
    raise AssertionError("expected %s" % kind.__name__)


def unique(tag):
    return "%s-%d-%d" % (tag, ticks_ms(), id(tag) & 0xffff)


class Relay(Collector):
    """A Collector that passes the message that stopped it on out of "signal"."""

    def main(self):
        yield from Collector.main(self)
        self.send(self.signals[-1], "signal")


class Script(component):
    """Runs ``steps`` in order: a (boxname, message) pair is sent; a
    function is a condition waited for (checked once per scheduler round)."""

    def __init__(self, steps, outboxes=()):
        self.Outboxes = ["outbox", "signal"] + list(outboxes)
        component.__init__(self)
        self.steps = steps

    def main(self):
        for step in self.steps:
            if callable(step):
                while not step():
                    yield 1
            else:
                self.send(step[1], step[0])
        yield 1


# -- PureTransformer, DataSource, TriggeredSource, OneShot ------------------------------

def test_pure_transformer_drops_none_and_passes_producer_finished_on():
    from Kamaelia.Util.PureTransformer import PureTransformer
    finish = producerFinished()
    k = Collector()
    Pipeline(Source([1, 2, 3, 4, 5], finish=finish),
             PureTransformer(lambda x: x * 10 if x % 2 else None), k).activate()
    scheduler.run.runThreads()
    assert k.data == [10, 30, 50], k.data
    assert len(k.signals) == 1 and k.signals[0] is finish, k.signals


def test_pure_transformer_shutdown_is_passed_on_and_it_stops():
    from Kamaelia.Util.PureTransformer import PureTransformer
    stop = shutdownMicroprocess()
    k = Collector()
    t = PureTransformer(lambda x: x + "!")
    Pipeline(Source(["a", "b"], finish=stop), t, k).activate()
    scheduler.run.runThreads()
    assert k.data == ["a!", "b!"], k.data
    assert k.signals == [stop], k.signals
    assert t._done


def test_pure_transformer_subclass_and_bad_function():
    from Kamaelia.Util.PureTransformer import PureTransformer
    class Upper(PureTransformer):
        def processMessage(self, msg):
            return msg.upper()
    k = Collector()
    Pipeline(Source(["ab", "c"], finish=producerFinished()), Upper(), k).activate()
    scheduler.run.runThreads()
    assert k.data == ["AB", "C"], k.data
    expect_error(TypeError, ["callable", "int"], lambda: PureTransformer(5))


def test_data_source_sends_its_messages_then_producer_finished():
    from Kamaelia.Util.DataSource import DataSource
    messages = ["hello", b"world", 3, None, ("a", 1)]
    k = Collector()
    src = DataSource(messages)
    Pipeline(src, k).activate()
    scheduler.run.runThreads()
    assert k.data == ["hello", b"world", 3, None, ("a", 1)], k.data
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished), k.signals
    assert k.signals[0].caller is src
    expect_error(TypeError, ["DataSource", "int"], lambda: DataSource(5))


def test_data_source_stops_on_shutdown():
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.Util.DataSource import DataSource
    stop = shutdownMicroprocess()
    k = Collector()
    src = DataSource(list(range(1000)))
    Graphline(SRC=src, OUT=k, STOP=Script([lambda: len(k.data) >= 3, ("outbox", stop)]),
              linkages={("SRC", "outbox"): ("OUT", "inbox"),
                        ("SRC", "signal"): ("OUT", "control"),
                        ("STOP", "outbox"): ("SRC", "control")}).activate()
    scheduler.run.runThreads()
    assert 3 <= len(k.data) < 10 and k.data == list(range(len(k.data))), k.data
    assert k.signals == [stop], k.signals


def test_triggered_source_sends_its_message_per_trigger():
    from Kamaelia.Util.DataSource import TriggeredSource
    k = Collector()
    Pipeline(Source([1, "x", None], finish=producerFinished()),
             TriggeredSource("tick"), k).activate()
    scheduler.run.runThreads()
    assert k.data == ["tick", "tick", "tick"], k.data
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)


def test_one_shot_and_triggered_one_shot():
    from Kamaelia.Util.OneShot import OneShot, TriggeredOneShot
    k = Collector()
    Pipeline(OneShot(b"only"), k).activate()
    scheduler.run.runThreads()
    assert k.data == [b"only"], k.data
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)

    k = Collector()
    Pipeline(Source(["go", "again"]), TriggeredOneShot("fired"), k).activate()
    scheduler.run.runThreads()
    assert k.data == ["fired"], k.data
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)

    stop = shutdownMicroprocess()
    k = Collector()
    Pipeline(Source([], finish=stop), TriggeredOneShot("fired"), k).activate()
    scheduler.run.runThreads()
    assert k.data == [] and k.signals == [stop], (k.data, k.signals)


# -- Clock, Chargen ------------------------------------------------------------

class TickCounter(Collector):
    """Records ticks and when they came; after ``count`` ticks asks the
    clock to stop (its "outbox" goes to the clock's "control")."""

    def __init__(self, count, stop):
        Collector.__init__(self)
        self.count_to = count
        self.stop_message = stop
        self.times = []

    def _take(self):
        self.data.append(self.recv("inbox"))
        self.times.append(ticks_ms())
        if len(self.data) == self.count_to:
            self.send(self.stop_message, "outbox")


def test_clock_ticks_at_its_interval_and_stops_on_shutdown():
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.Util.Clock import CheapAndCheerfulClock
    stop = shutdownMicroprocess()
    k = TickCounter(5, stop)
    clock = CheapAndCheerfulClock(0.03)
    start = ticks_ms()
    Graphline(CLOCK=clock, OUT=k,
              linkages={("CLOCK", "outbox"): ("OUT", "inbox"),
                        ("CLOCK", "signal"): ("OUT", "control"),
                        ("OUT", "outbox"): ("CLOCK", "control")}).activate()
    scheduler.run.runThreads()
    took = ticks_diff(ticks_ms(), start)
    # Ticks already on their way when the stop was sent still arrive (more
    # than one only if the scheduler's thread was held up for a tick or two).
    assert 5 <= len(k.data) <= 7 and k.data == [True] * len(k.data), k.data
    assert k.signals == [stop], k.signals
    assert ticks_diff(k.times[0], start) < 500, k.times
    spans = [ticks_diff(k.times[i + 1], k.times[i]) for i in range(4)]
    # The first tick goes at once, then one every 30 ms on a fixed schedule:
    # the fifth is sent 120 ms after the first, which was sent after start
    # (when each arrives depends on the scheduler's thread as well).
    assert ticks_diff(k.times[4], start) >= 4 * 30 - 2, spans
    assert took < 3000, took
    expect_error(ValueError, ["interval", "0"], lambda: CheapAndCheerfulClock(0))
    expect_error(ValueError, ["interval"], lambda: CheapAndCheerfulClock("1"))


def test_clock_stops_on_producer_finished_between_ticks():
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.Util.Clock import CheapAndCheerfulClock
    finish = producerFinished()
    ticks, k = Relay(), Collector()
    start = ticks_ms()
    # One tick at once, then a 30 s wait that the message must cut short.
    Graphline(CLOCK=CheapAndCheerfulClock(30), TICKS=ticks, K=k,
              STOP=Script([lambda: len(ticks.data) == 1, ("outbox", finish)]),
              linkages={("CLOCK", "outbox"): ("TICKS", "inbox"),
                        ("CLOCK", "signal"): ("TICKS", "control"),
                        ("TICKS", "signal"): ("K", "control"),
                        ("STOP", "outbox"): ("CLOCK", "control")}).activate()
    scheduler.run.runThreads()
    assert ticks.data == [True], ticks.data
    assert ticks.signals == [finish] and k.signals == [finish], k.signals
    assert ticks_diff(ticks_ms(), start) < 3000


def test_chargen_sends_hello_world_until_stopped():
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.Util.Chargen import Chargen
    stop = shutdownMicroprocess()
    k = Collector(stop_after=11 * 20, stop_message=stop)
    Graphline(GEN=Chargen(), OUT=k,
              linkages={("GEN", "outbox"): ("OUT", "inbox"),
                        ("GEN", "signal"): ("OUT", "control"),
                        ("OUT", "outbox"): ("GEN", "control")}).activate()
    scheduler.run.runThreads()
    assert len(k.data) >= 20 and k.data == ["Hello World"] * len(k.data), k.data[:3]
    assert k.signals == [stop], k.signals


# -- AdaptiveCommsComponent, CoordinatingAssistantTracker ------------------------

def test_adaptive_comms_boxes_come_and_go():
    from Axon.CoordinatingAssistantTracker import coordinatingassistanttracker
    from Axon.AdaptiveCommsComponent import AdaptiveCommsComponent
    from Axon.AxonExceptions import (invalidComponentInterface, BadInbox,
                                     MultipleServiceDeletion)
    a = AdaptiveCommsComponent()
    b = AdaptiveCommsComponent()
    assert a.addInbox("inbox") == "inbox1" and a.addInbox("inbox") == "inbox2"
    assert a.addInbox("extra") == "extra"
    out = b.addOutbox()
    assert out == "outbox1"
    linkage = b.link((b, out), (a, "inbox2"))
    b.send("x", out)
    assert a.recv("inbox2") == "x"
    b.deleteOutbox(out)
    assert out not in b.outboxes and b._links == () and a.inboxes["inbox2"].sources == ()
    a.inboxes["extra"]                              # still there
    a.deleteInbox("extra")
    assert "extra" not in a.inboxes
    expect_error(invalidComponentInterface, ["nope"], lambda: a.deleteInbox("nope"))
    expect_error(invalidComponentInterface, ["nope"], lambda: a.deleteOutbox("nope"))
    a.trackResource("client-1", "inbox1")
    assert a.retrieveTrackedResource("inbox1") == "client-1"
    a.trackResourceInformation("client-1", ["inbox1"], [], {"state": 1})
    assert a.retrieveTrackedResourceInformation("client-1") == (["inbox1"], [], {"state": 1})
    a.ceaseTrackingResource("client-1")
    expect_error(invalidComponentInterface, ["gone"], lambda: a.trackResource("r", "gone"))

    cat = coordinatingassistanttracker.getcat()
    name = unique("svc")
    cat.registerService(name, a, "inbox1")
    assert cat.retrieveService(name) == (a, "inbox1") and name in cat.servicesRegistered()
    expect_error(BadInbox, ["nope"], lambda: cat.registerService(unique("s"), a, "nope"))
    cat.deRegisterService(name)
    expect_error(MultipleServiceDeletion, [name], lambda: cat.deRegisterService(name))
    expect_error(KeyError, [name], lambda: cat.retrieveService(name))


# -- Fanout, Splitter, PlugSplitter, Plug ----------------------------------------

def test_fanout_copies_to_each_named_outbox_only():
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.Util.Fanout import Fanout
    finish = producerFinished()
    a, b, rest = Relay(), Relay(), Collector()
    Graphline(SRC=Source([1, "two", b"3"], finish=finish), FAN=Fanout(["a", "b"]),
              A=a, B=b, REST=rest,
              linkages={("SRC", "outbox"): ("FAN", "inbox"),
                        ("SRC", "signal"): ("FAN", "control"),
                        ("FAN", "a"): ("A", "inbox"),
                        ("FAN", "b"): ("B", "inbox"),
                        ("FAN", "outbox"): ("REST", "inbox"),
                        ("FAN", "signal"): ("A", "control"),
                        ("A", "signal"): ("B", "control"),
                        ("B", "signal"): ("REST", "control")}).activate()
    scheduler.run.runThreads()
    assert a.data == [1, "two", b"3"] and b.data == [1, "two", b"3"], (a.data, b.data)
    assert rest.data == [], rest.data
    assert a.signals == [finish] and b.signals == [finish] and rest.signals == [finish]
    expect_error(TypeError, ["Fanout", "3"], lambda: Fanout(["a", 3]))


def test_splitter_adds_and_removes_sinks():
    from Kamaelia.Util.Splitter import Splitter, addsink, removesink
    stop = shutdownMicroprocess()
    k1, k2, k3 = Collector(), Collector(), Collector()
    split = Splitter()
    feed = Script([("config", addsink(k1)), ("config", addsink(k2, "inbox")),
                   ("outbox", 1), ("outbox", 2),
                   lambda: len(k2.data) == 2,
                   ("config", removesink(k2)),
                   ("config", removesink(k2)),      # not there any more: ignored
                   ("outbox", 3),
                   lambda: len(k1.data) == 3,
                   ("stop2", stop),
                   ("signal", stop)], outboxes=["config", "stop2"])
    feed.link((feed, "outbox"), (split, "inbox"))
    feed.link((feed, "config"), (split, "configuration"))
    feed.link((feed, "signal"), (split, "control"))
    feed.link((feed, "stop2"), (k2, "control"))
    split.link((split, "signal"), (k1, "control"))
    split.link((split, "outbox"), (k3, "inbox"))      # k3 is not run: it only holds
    run(feed, split, k1, k2)
    assert k1.data == [1, 2, 3], k1.data
    assert k2.data == [1, 2], k2.data
    assert not k3.dataReady("inbox")
    assert k1.signals == [stop] and k2.signals == [stop]
    assert len(split.outboxes) == 3, split.outboxes       # the one sink's outbox is gone


def test_plug_splitter_with_source_child_and_plugs():
    from Kamaelia.Util.Splitter import PlugSplitter, Plug
    msgs = ["a", "b", b"c", 4]
    src_done = producerFinished()
    split = [None]

    def two_plugged():
        return len(split[0].outboxsinks) == 2 and len(split[0].signalsinks) == 2

    source = Script([two_plugged] + [("outbox", m) for m in msgs] + [("signal", src_done)])
    splitter = PlugSplitter(source)
    split[0] = splitter
    k0, k1, k2 = Collector(), Collector(), Collector()
    Pipeline(splitter, k0).activate()
    Plug(splitter, k1).activate()
    Plug(splitter, k2).activate()
    scheduler.run.runThreads()
    for k in (k0, k1, k2):
        assert k.data == msgs, k.data
        assert k.signals == [src_done], k.signals
    assert splitter.outboxsinks == {} and splitter.signalsinks == {}


# -- Backplane ---------------------------------------------------------------------

def test_backplane_two_subscribers_and_a_late_one():
    from Axon.CoordinatingAssistantTracker import coordinatingassistanttracker
    from Kamaelia.Util.Backplane import Backplane, PublishTo, SubscribeTo
    name = unique("bp")
    stop = shutdownMicroprocess()
    bp = Backplane(name)
    k1, k2, late = Collector(), Collector(), Collector()

    def subscribers(n):
        return lambda: len(bp.outboxsinks) == n

    late_pipe = Pipeline(SubscribeTo(name), late)

    def start_late():
        late_pipe.activate()
        return True

    script = Script([subscribers(2),
                     ("outbox", 1), ("outbox", "two"), ("outbox", b"3"),
                     lambda: len(k1.data) == 3 and len(k2.data) == 3,
                     start_late,
                     subscribers(3),
                     ("outbox", 4), ("outbox", 5),
                     lambda: len(late.data) == 2 and len(k1.data) == 5 and len(k2.data) == 5,
                     ("signal", producerFinished()),
                     ("bp", stop)], outboxes=["bp"])
    script.link((script, "bp"), (bp, "control"))
    bp.activate()
    Pipeline(SubscribeTo(name), k1).activate()
    Pipeline(SubscribeTo(name), k2).activate()
    Pipeline(script, PublishTo(name)).activate()
    scheduler.run.runThreads()
    assert k1.data == [1, "two", b"3", 4, 5], k1.data
    assert k2.data == [1, "two", b"3", 4, 5], k2.data
    assert late.data == [4, 5], late.data
    for k in (k1, k2, late):
        assert k.signals == [stop], k.signals
    # Stopped, the Backplane gave its name up: it can be used again.
    cat = coordinatingassistanttracker.getcat()
    expect_error(KeyError, [name], lambda: cat.retrieveService("Backplane_I_" + name))
    again = Backplane(name)
    cat.deRegisterService("Backplane_I_" + name)
    cat.deRegisterService("Backplane_O_" + name)
    assert again.name == name


def test_backplane_subscriber_leaves_and_publishers_come_and_go():
    from Kamaelia.Util.Backplane import Backplane, PublishTo, SubscribeTo
    name = unique("bp2")
    stop = shutdownMicroprocess()
    bp = Backplane(name)
    stay, leave = Collector(), Collector()
    leaver = SubscribeTo(name)
    pub1 = PublishTo(name)
    pub2 = PublishTo(name, forwarder=True)
    copies = Collector()
    script = Script([lambda: len(bp.outboxsinks) == 2,
                     ("p1", "a"), ("p2", "b"),
                     lambda: len(leave.data) == 2,
                     ("leave", stop),
                     lambda: len(bp.outboxsinks) == 1,
                     ("p1", "c"),
                     ("p1stop", producerFinished()),
                     lambda: pub1._done,
                     ("p2", "d"),
                     lambda: len(stay.data) == 4,
                     ("p2stop", stop),
                     ("bp", stop)],
                    outboxes=["p1", "p2", "p1stop", "p2stop", "leave", "bp"])
    for box, dest in (("p1", (pub1, "inbox")), ("p2", (pub2, "inbox")),
                      ("p1stop", (pub1, "control")), ("p2stop", (pub2, "control")),
                      ("leave", (leaver, "control")), ("bp", (bp, "control"))):
        script.link((script, box), dest)
    bp.activate()
    Pipeline(SubscribeTo(name), stay).activate()
    Pipeline(leaver, leave).activate()
    Pipeline(pub2, copies).activate()
    run(pub1, script)
    assert stay.data == ["a", "b", "c", "d"], stay.data
    assert leave.data == ["a", "b"], leave.data
    assert copies.data == ["b", "d"] and copies.signals == [stop], (copies.data, copies.signals)
    assert stay.signals == [stop] and leave.signals == [stop]


def test_backplane_names_are_unique_and_must_exist():
    from Axon.AxonExceptions import ServiceAlreadyExists
    from Axon.CoordinatingAssistantTracker import coordinatingassistanttracker
    from Kamaelia.Util.Backplane import Backplane, SubscribeTo
    name = unique("bp3")
    first = Backplane(name)
    expect_error(ServiceAlreadyExists, [name], lambda: Backplane(name))
    cat = coordinatingassistanttracker.getcat()
    assert cat.retrieveService("Backplane_O_" + name) == (first, "configuration")
    cat.deRegisterService("Backplane_I_" + name)
    cat.deRegisterService("Backplane_O_" + name)
    expect_error(TypeError, ["name"], lambda: Backplane(5))
    missing = unique("nobp")
    Pipeline(SubscribeTo(missing), Collector()).activate()
    try:
        scheduler.run.runThreads()
    except KeyError as exc:
        assert missing in str(exc), exc
    else:
        raise AssertionError("a SubscribeTo without its Backplane ran")


# -- SimpleFileWriter, SimpleReader ------------------------------------------------

def temp_dir():
    path = "/tmp/axon-util-%d-%d" % (ticks_ms(), id(temp_dir) & 0xffff)
    os.mkdir(path)
    return path


def remove_dir(path):
    for name in os.listdir(path):
        os.remove(path + "/" + name)
    os.rmdir(path)


def test_file_writer_and_reader_round_trip_exact_bytes():
    from Kamaelia.Util.DataSource import DataSource
    from Kamaelia.File.Reading import SimpleReader
    from Kamaelia.File.Writing import SimpleFileWriter
    d = temp_dir()
    try:
        path = d + "/data.bin"
        pieces = [b"first line\n", bytearray(b"\x00\xff\r\n"), memoryview(b"mid"),
                  b"dle\n", bytes(range(256)), b"no newline at the end"]
        whole = b"".join(bytes(p) for p in pieces)
        finish = producerFinished()
        k = Collector()
        Pipeline(DataSource(pieces + [b""]), SimpleFileWriter(path), k).activate()
        scheduler.run.runThreads()
        with open(path, "rb") as f:
            assert f.read() == whole
        assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)

        Pipeline(Source([b"+more\n"], finish=finish), SimpleFileWriter(path, "ab"),
                 Collector()).activate()
        scheduler.run.runThreads()
        whole += b"+more\n"

        k = Collector()
        Pipeline(SimpleReader(path, mode="rb"), k).activate()
        scheduler.run.runThreads()
        lines = []
        rest = whole
        while rest:
            cut = rest.find(b"\n") + 1 or len(rest)
            lines.append(rest[:cut])
            rest = rest[cut:]
        assert k.data == lines, k.data
        assert b"".join(k.data) == whole
        assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)

        text = d + "/text.txt"
        Pipeline(DataSource(["alpha\n", "beta ", "b\n", "gamma"]),
                 SimpleFileWriter(text, mode="w"), Collector()).activate()
        scheduler.run.runThreads()
        k = Collector()
        Pipeline(SimpleReader(text), k).activate()
        scheduler.run.runThreads()
        assert k.data == ["alpha\n", "beta b\n", "gamma"], k.data
    finally:
        remove_dir(d)


def test_file_components_name_bad_input():
    from Kamaelia.Util.DataSource import DataSource
    from Kamaelia.File.Reading import SimpleReader
    from Kamaelia.File.Writing import SimpleFileWriter
    d = temp_dir()
    try:
        missing = d + "/missing.txt"
        expect_error(OSError, ["missing.txt"], lambda: SimpleReader(missing))
        expect_error(OSError, ["nodir"], lambda: SimpleFileWriter(d + "/nodir/x.bin"))
        expect_error(ValueError, ["mode", "w"], lambda: SimpleReader(missing, mode="w"))
        expect_error(ValueError, ["mode", "r"], lambda: SimpleFileWriter(missing, mode="r"))
        assert "missing.txt" not in os.listdir(d)
        path = d + "/typed.bin"
        Pipeline(DataSource([b"ok", "not bytes"]), SimpleFileWriter(path)).activate()
        try:
            scheduler.run.runThreads()
        except TypeError as exc:
            assert "str" in str(exc) and "typed.bin" in str(exc), exc
        else:
            raise AssertionError("a str was written to a binary file")
        with open(path, "rb") as f:
            assert f.read() == b"ok"
    finally:
        remove_dir(d)


def test_simple_reader_stops_on_shutdown():
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.File.Reading import SimpleReader
    d = temp_dir()
    try:
        path = d + "/lines.txt"
        with open(path, "w") as f:
            for i in range(200):
                f.write("line %d\n" % i)
        stop = shutdownMicroprocess()
        k = Collector()
        Graphline(READ=SimpleReader(path), OUT=k,
                  STOP=Script([lambda: len(k.data) >= 3, ("outbox", stop)]),
                  linkages={("READ", "outbox"): ("OUT", "inbox"),
                            ("READ", "signal"): ("OUT", "control"),
                            ("STOP", "outbox"): ("READ", "control")}).activate()
        scheduler.run.runThreads()
        assert 3 <= len(k.data) < 10, k.data
        assert k.data == ["line %d\n" % i for i in range(len(k.data))], k.data
        assert k.signals == [stop], k.signals
    finally:
        remove_dir(d)


def test_reading_module_star_import_and_lazy_simple_reader():
    import Kamaelia.File.Reading as reading
    from Kamaelia.File.ReadingMore import SimpleReader as the_class
    names = {}
    exec("from Kamaelia.File.Reading import *", names)
    assert names["SimpleReader"] is reading.SimpleReader
    assert "RateControlledFileReader" in names
    reader = reading.SimpleReader(__file__)
    assert isinstance(reader, the_class)


# -- TCPClient ---------------------------------------------------------------------

def mixed_messages():
    """bytes, str, bytearray, then 5000 bytes of pattern(seed=9) in pieces."""
    from payloads import pattern_pieces
    yield b"hello "
    yield "w\u00f6rld "
    yield bytearray(b"\x00\x01\xfe\xff")
    yield from pattern_pieces(5000, seed=9, piece=1024)


def test_tcp_client_echo_exact_bytes():
    from Kamaelia.IPC import socketShutdown
    from Kamaelia.Internet.TCPClient import TCPClient
    from testserver import TestServer
    from components import Digest, echo_through
    from payloads import sha256_stream
    server = TestServer("echo")
    size = 6 + 7 + 4 + 5000
    k = echo_through(TCPClient("127.0.0.1", server.port), mixed_messages(), size, Digest)
    expect = sha256_stream(m.encode("utf-8") if isinstance(m, str) else m
                           for m in mixed_messages())
    assert k.total == size and k.hexdigest() == expect, k.total
    assert k.types == ["bytes"], k.types
    assert len(k.signals) == 1 and isinstance(k.signals[0], socketShutdown), k.signals


def test_tcp_client_sends_a_data_source_to_a_sink_after_its_delay():
    from Kamaelia.IPC import socketShutdown
    from Kamaelia.Util.DataSource import DataSource
    from Kamaelia.Internet.TCPClient import TCPClient
    from testserver import TestServer
    from payloads import seeded_pieces, sha256_stream
    server = TestServer("sink")
    k = Collector()
    start = ticks_ms()
    Pipeline(DataSource(seeded_pieces(5, 3000)), TCPClient("127.0.0.1", server.port, delay=0.3),
             k).activate()
    scheduler.run.runThreads()
    took = ticks_diff(ticks_ms(), start)
    result = server.result()
    assert result["bytes"] == 15000, result
    assert result["sha256"] == sha256_stream(seeded_pieces(5, 3000)), result
    assert result["closed_by_client"]
    assert took >= 295, took
    assert len(k.signals) == 1 and isinstance(k.signals[0], socketShutdown), k.signals
    expect_error(ValueError, ["delay"], lambda: TCPClient("127.0.0.1", server.port, delay=-1))


def test_tcp_client_shutdown_during_delay_never_connects():
    from Kamaelia.IPC import socketShutdown
    from Kamaelia.Internet.TCPClient import TCPClient
    from testserver import TestServer
    server = TestServer("sink")
    k = Collector()
    start = ticks_ms()
    Pipeline(Source([b"never sent"], finish=shutdownMicroprocess()),
             TCPClient("127.0.0.1", server.port, delay=30), k).activate()
    scheduler.run.runThreads()
    assert ticks_diff(ticks_ms(), start) < 3000
    assert len(k.signals) == 1 and isinstance(k.signals[0], socketShutdown), k.signals
    result = server.result(timeout=0.2)
    assert result["connections"] == 0 and result["bytes"] == 0, result
