"""Pipeline and Graphline."""

from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from testkit import Source, Collector


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
    assert "numbers" not in Graphline().inboxes
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


def test_graphline_unknown_name_is_named():
    try:
        Graphline(A=Double(), linkages={("A", "outbox"): ("B", "inbox")})
    except ValueError as exc:
        assert "'B'" in str(exc)
    else:
        raise AssertionError("expected ValueError")
