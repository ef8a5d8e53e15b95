"""Pipeline and Graphline."""

from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from components import Source, Collector


class Double(component):
    def main(self):
        while True:
            while self.dataReady("inbox"):
                self.send(self.recv("inbox") * 2)
            if self.dataReady("control"):
                msg = self.recv("control")
                while self.dataReady("inbox"):
                    self.send(self.recv("inbox") * 2)
                self.send(msg, "signal")
                return
            self.pause()
            yield 1


def test_pipeline_carries_data_and_shutdown():
    k = Collector()
    p = Pipeline(Source([1, 2, 3], finish=producerFinished()), Double(), Double(), k)
    p.activate()
    scheduler.run.runThreads()
    assert k.data == [4, 8, 12]
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)
    assert p.children == []


def test_pipeline_passes_its_own_boxes_through():
    k = Collector()
    inner = Pipeline(Double(), Double())
    outer = Pipeline(Source([5, 6], finish=shutdownMicroprocess()), inner, k)
    outer.activate()
    scheduler.run.runThreads()
    assert k.data == [20, 24]
    assert isinstance(k.signals[0], shutdownMicroprocess)


def test_pipeline_rejects_non_components():
    try:
        Pipeline(Double(), "not a component")
    except TypeError as exc:
        assert "str" in str(exc)
    else:
        raise AssertionError("expected TypeError")


def test_graphline_wires_named_children():
    k1, k2 = Collector(), Collector()
    g = Graphline(
        SRC=Source([1, 2], finish=producerFinished()),
        DBL=Double(),
        OUT=k1,
        linkages={("SRC", "outbox"): ("DBL", "inbox"),
                  ("SRC", "signal"): ("DBL", "control"),
                  ("DBL", "outbox"): ("OUT", "inbox"),
                  ("DBL", "signal"): ("OUT", "control")})
    g.activate()
    scheduler.run.runThreads()
    assert k1.data == [2, 4] and len(k1.signals) == 1
    assert k2.data == []


def test_graphline_self_boxes_do_not_change_the_class():
    before_in = dict(Graphline.Inboxes)
    before_out = dict(Graphline.Outboxes)
    g = Graphline(DBL=Double(),
                  linkages={("self", "numbers"): ("DBL", "inbox"),
                            ("self", "control"): ("DBL", "control"),
                            ("DBL", "outbox"): ("self", "doubled"),
                            ("DBL", "signal"): ("self", "signal")})
    assert "numbers" in g.inboxes and "doubled" in g.outboxes
    assert Graphline.Inboxes == before_in and Graphline.Outboxes == before_out
    assert "numbers" not in Graphline(linkages={}).inboxes
    k = Collector()
    src = Source([7], finish=producerFinished())
    src.link((src, "outbox"), (g, "numbers"))
    src.link((src, "signal"), (g, "control"))
    g.link((g, "doubled"), (k, "inbox"))
    g.link((g, "signal"), (k, "control"))
    for c in (src, g, k):
        c.activate()
    scheduler.run.runThreads()
    assert k.data == [14] and len(k.signals) == 1


# -- Graphline: bad input --------------------------------------------------------


def raises(kind, call, *words):
    """``call()`` must raise ``kind`` with every one of ``words`` in its message."""
    try:
        call()
    except kind as exc:
        for word in words:
            assert word in str(exc), (word, str(exc))
        return
    raise AssertionError("expected %s" % kind.__name__)


def test_graphline_needs_linkages():
    raises(TypeError, lambda: Graphline(A=Double()), "linkages")
    raises(TypeError, lambda: Graphline(linkages=[("A", "outbox")], A=Double()), "dict", "list")


def test_graphline_names_plainly_wrong_linkages():
    raises(ValueError, lambda: Graphline(A=Double(), linkages={("A",): ("self", "outbox")}),
           "('A',)", "(name, box) pair")
    raises(ValueError, lambda: Graphline(A=Double(),
                                         linkages={("A", "outbox"): ("self", "outbox", 1)}),
           "('self', 'outbox', 1)")
    raises(ValueError, lambda: Graphline(A=Double(), linkages={("A", "outbox"): "self"}),
           "'self'")
    raises(TypeError, lambda: Graphline(A=Double(), linkages={("A", 1): ("self", "outbox")}),
           "box names are strings", "1")
    raises(TypeError, lambda: Graphline(A="not a component", linkages={}), "A", "str")
    raises(ValueError, lambda: Graphline(A=Double(),
                                         linkages={("self", "inbox"): ("self", "outbox")}),
           "itself", "'self'")


def test_graphline_names_a_box_a_child_lacks_when_it_starts():
    from Axon.AxonExceptions import invalidComponentInterface
    Graphline(A=Double(), linkages={("A", "nosuchbox"): ("self", "outbox")}).activate()
    raises(invalidComponentInterface, scheduler.run.runThreads, "nosuchbox")


def test_graphline_unknown_name_means_the_graphline():
    # Kamaelia: any name that is not a component is the Graphline itself.
    g = Graphline(DBL=Double(),
                  linkages={("outside", "numbers"): ("DBL", "inbox"),
                            ("DBL", "outbox"): ("", "doubled"),
                            ("DBL", "signal"): ("anything", "signal")})
    assert "numbers" in g.inboxes and "doubled" in g.outboxes
    k = Collector()
    src = Source([3, 4], finish=producerFinished())
    src.link((src, "outbox"), (g, "numbers"))
    src.link((src, "signal"), (g, "control"))
    g.link((g, "doubled"), (k, "inbox"))
    g.link((g, "signal"), (k, "control"))
    for c in (src, g, k):
        c.activate()
    scheduler.run.runThreads()
    assert k.data == [6, 8] and len(k.signals) == 1


# -- Graphline shutdown: Kamaelia's Examples/UsingChassis/Graphline demos ---------
#
# Adapted only as a test needs: the Waiters record what reached "control",
# the Pinger sends its messages without sleeping first, and the Whinger
# waits for "control" blocked in pause() instead of printing every second.

from Axon.ThreadedComponent import threadedcomponent


class Pinger(threadedcomponent):
    tosend = []
    box = "signal"

    def main(self):
        for msg in self.tosend:
            self.send(msg, self.box)


class Waiter(component):
    """Waits for "control"; logs (label, everything waiting there), passes
    the first message on through "signal" and stops."""

    def main(self):
        while not self.dataReady("control"):
            if not self.anyReady():
                self.pause()
            yield 1
        got = []
        while self.dataReady("control"):
            got.append(self.recv("control"))
        self.log.append((self.label, got))
        self.send(got[0], "signal")
        yield 1


class Whinger(threadedcomponent):
    def __init__(self):
        threadedcomponent.__init__(self)
        self.got = []

    def main(self):
        while not self.dataReady("control"):
            self.pause()
        while self.dataReady("control"):
            self.got.append(self.recv("control"))


def described(messages, expected):
    """Messages as "same" (the ``expected`` object itself) or their repr."""
    return ["same" if m is expected else repr(m) for m in messages]


def by_label(log, expected):
    return sorted((label, described(got, expected)) for label, got in log)


def test_graphline_demo_shutdown():
    log = []
    finish = producerFinished()
    whinger = Whinger()
    p = Pipeline(Pinger(tosend=[finish]),
                 Graphline(TO_SHUTDOWN1=Waiter(log=log, label=1),
                           TO_SHUTDOWN2=Waiter(log=log, label=2),
                           TO_SHUTDOWN3=Waiter(log=log, label=3),
                           linkages={}),
                 whinger)
    p.activate()
    scheduler.run.runThreads()
    assert by_label(log, finish) == [(1, ["same"]), (2, ["same"]), (3, ["same"])]
    # The Graphline's own: a new producerFinished (only a shutdownMicroprocess is passed on).
    assert len(whinger.got) == 1 and type(whinger.got[0]) is producerFinished
    assert whinger.got[0] is not finish
    assert p.children == []


def test_graphline_demo_shutdown_passes_on_shutdownMicroprocess():
    log = []
    stop = shutdownMicroprocess()
    whinger = Whinger()
    Pipeline(Pinger(tosend=[stop]),
             Graphline(TO_SHUTDOWN1=Waiter(log=log, label=1),
                       TO_SHUTDOWN2=Waiter(log=log, label=2),
                       linkages={}),
             whinger).activate()
    scheduler.run.runThreads()
    assert by_label(log, stop) == [(1, ["same"]), (2, ["same"])]
    assert described(whinger.got, stop) == ["same"]


def test_graphline_linked_shutdown():
    log = []
    finish = producerFinished()
    whinger = Whinger()
    Pipeline(Pinger(tosend=[finish], box="signal"),
             Graphline(TO_SHUTDOWN1=Waiter(log=log, label=1),
                       TO_SHUTDOWN2=Waiter(log=log, label=2),
                       TO_SHUTDOWN3=Waiter(log=log, label=3),
                       linkages={("TO_SHUTDOWN1", "signal"): ("TO_SHUTDOWN2", "control"),
                                 ("TO_SHUTDOWN2", "signal"): ("TO_SHUTDOWN3", "control")}),
             whinger).activate()
    scheduler.run.runThreads()
    # Only TO_SHUTDOWN1 hears from the Graphline; the others from their links,
    # each exactly once, in chain order.
    assert [(label, described(got, finish)) for label, got in log] == [
        (1, ["same"]), (2, ["same"]), (3, ["same"])]
    assert len(whinger.got) == 1 and type(whinger.got[0]) is producerFinished


class Finisher(component):
    """For FailShutdown: once ``first`` has logged and the Graphline has
    seen it end, records what the ``others`` then had on "control" and
    whether the ``whinger`` had heard anything; then shuts the others down
    itself, through their "control"."""

    def main(self):
        # Yields without pausing: nothing would wake it.
        while not self.log or self.first in self.graphline.children:
            yield 1
        self.seen = ([o.dataReady("control") for o in self.others], list(self.whinger.got),
                     self.graphline in self.pipeline.children)
        for other in self.others:
            link = self.link((self, "outbox"), (other, "control"))
            self.send(self.message, "outbox")
            self.unlink(thelinkage=link)


def test_graphline_fail_shutdown_leaves_control_to_the_child_that_took_it():
    # Kamaelia documents that this one does not shut down: the Graphline's
    # "control" is linked to TO_SHUTDOWN1, so the Graphline passes nothing on.
    log = []
    finish = producerFinished()
    stop = shutdownMicroprocess()
    whinger = Whinger()
    first, second = Waiter(log=log, label=1), Waiter(log=log, label=2)
    g = Graphline(TO_SHUTDOWN1=first, TO_SHUTDOWN2=second,
                  linkages={("self", "control"): ("TO_SHUTDOWN1", "control")})
    p = Pipeline(Pinger(tosend=[finish], box="signal"), g, whinger)
    finisher = Finisher(log=log, first=first, others=[second], graphline=g, pipeline=p,
                        whinger=whinger, message=stop)
    p.activate()
    finisher.activate()
    scheduler.run.runThreads()
    assert finisher.seen == ([0], [], True)     # nothing passed on, nothing out, still running
    assert [(label, described(got, finish)) for label, got in log] == [
        (1, ["same"]), (2, [repr(stop)])]
    # It never saw the shutdownMicroprocess (sent to the child directly).
    assert len(whinger.got) == 1 and type(whinger.got[0]) is producerFinished


def tap():
    """A component never activated: its inboxes keep whatever reaches them."""
    return component()


def taken(comp, box):
    got = []
    while comp.dataReady(box):
        got.append(comp.recv(box))
    return got


def test_graphline_passes_every_control_message_to_every_child():
    finish = producerFinished()
    a, b, out = Collector(), Collector(), tap()
    g = Graphline(A=a, B=b, linkages={})
    pinger = Pinger(tosend=["hello", finish])
    pinger.link((pinger, "signal"), (g, "control"))
    g.link((g, "signal"), (out, "control"))
    pinger.activate()
    g.activate()
    scheduler.run.runThreads()
    assert described(a.signals, finish) == ["'hello'", "same"]
    assert described(b.signals, finish) == ["'hello'", "same"]
    got = taken(out, "control")
    assert len(got) == 1 and type(got[0]) is producerFinished and got[0] is not finish


def test_graphline_with_its_signal_linked_sends_nothing_of_its_own():
    log = []
    stop = shutdownMicroprocess()
    out = tap()
    g = Graphline(A=Waiter(log=log, label="A"), B=Waiter(log=log, label="B"),
                  linkages={("A", "signal"): ("self", "signal")})
    pinger = Pinger(tosend=[stop])
    pinger.link((pinger, "signal"), (g, "control"))
    g.link((g, "signal"), (out, "control"))
    pinger.activate()
    g.activate()
    scheduler.run.runThreads()
    assert by_label(log, stop) == [("A", ["same"]), ("B", ["same"])]
    assert described(taken(out, "control"), stop) == ["same"]     # A's, once


def test_graphline_without_children_signals_at_once():
    out = tap()
    g = Graphline(linkages={})
    g.link((g, "signal"), (out, "control"))
    g.activate()
    scheduler.run.runThreads()
    got = taken(out, "control")
    assert len(got) == 1 and type(got[0]) is producerFinished


# -- Pipeline(circular=True): Kamaelia's Examples/UsingChassis/Pipeline/Feedback.py
#
# Adapted: the L-system waits for its model to come back instead of
# sleeping, stops after five rounds, and the damage is deterministic.

import Kamaelia.Util.Console as console_module
from Kamaelia.Util.Console import ConsoleEchoer


class LSystem(threadedcomponent):
    rules = {"B": "BTL", "L": "B"}
    rounds = 5

    def mutateModel(self, model):
        return "".join(self.rules.get(atom, atom) for atom in model)

    def main(self):
        model = "B"
        for _ in range(self.rounds):
            self.send(model, "outbox")
            while not self.dataReady("inbox"):
                self.pause()
            model = self.mutateModel(self.recv("inbox"))
        self.send(producerFinished(self), "signal")


class Damage(component):
    def main(self):
        while not self.dataReady("control"):
            while self.dataReady("inbox"):
                self.send(self.recv("inbox")[:8], "outbox")
            self.pause()
            yield 1
        self.send(self.recv("control"), "signal")


class Written:
    """Stands in for Console's write_stdout while a test runs."""

    def __enter__(self):
        self.saved = console_module.write_stdout
        self.data = []
        console_module.write_stdout = self.data.append
        return self

    def __exit__(self, *exc):
        console_module.write_stdout = self.saved


def test_pipeline_circular_feedback():
    out = tap()
    with Written() as written:
        p = Pipeline(LSystem(), ConsoleEchoer(tag="\n", forwarder=True), Damage(),
                     circular=True)
        p.link((p, "outbox"), (out, "inbox"))
        p.link((p, "signal"), (out, "control"))
        p.activate()
        scheduler.run.runThreads()
    models = ["B", "BTL", "BTLTB", "BTLTBTBTL", "BTLTBTBTLTBTLT"]
    expected = []
    for model in models:
        expected += ["\n", model]
    assert written.data == expected
    assert taken(out, "inbox") == [] and taken(out, "control") == []   # a ring: nothing out
    assert p.children == []


def test_pipeline_circular_single_child_feeds_itself():
    class Countdown(component):
        def main(self):
            self.send(3, "outbox")
            while True:
                while self.dataReady("inbox"):
                    n = self.recv("inbox")
                    self.seen.append(n)
                    if n == 0:
                        return
                    self.send(n - 1, "outbox")
                self.pause()
                yield 1
    c = Countdown(seen=[])
    Pipeline(c, circular=True).activate()
    scheduler.run.runThreads()
    assert c.seen == [3, 2, 1, 0]


def test_console_echoer_tag_use_repr_and_bytes():
    k = Collector()
    with Written() as written:
        Pipeline(Source(["a", b"b", 7], finish=producerFinished()),
                 ConsoleEchoer(tag="> ", forwarder=True), k).activate()
        scheduler.run.runThreads()
        Pipeline(Source(["a"], finish=producerFinished()),
                 ConsoleEchoer(use_repr=True, tag="")).activate()
        scheduler.run.runThreads()
    assert written.data == ["> ", "a", "> ", b"b", "> ", "7", "'a'"]
    assert k.data == ["a", b"b", 7] and len(k.signals) == 1
