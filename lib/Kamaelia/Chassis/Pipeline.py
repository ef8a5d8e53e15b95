"""Pipeline(a, b, c, ...): components in a chain.

Each child's "outbox" feeds the next one's "inbox" and its "signal" the
next one's "control", so shutdown messages travel down the chain.  The
Pipeline's own "inbox" and "control" pass straight through to the first
child, and the last child's "outbox" and "signal" come out of the
Pipeline's own.  The Pipeline ends when all its children have ended.
Messages that reached the Pipeline before it started are passed on, not
lost.

A child that has ended takes nothing more, so the Pipeline tells the one
feeding it, if still running, to stop: one ``shutdownMicroprocess`` on
its "control" (the seed example's file reader stops when the client has
failed, instead of reading on into nowhere); that stop travels up the
chain the same way.

``Pipeline(..., circular=True)`` closes the ring instead: the last child's
"outbox" and "signal" feed the first child's "inbox" and "control", and
nothing comes out of the Pipeline's own outboxes.  ``pipeline`` is the
same class under Kamaelia's older name.
"""

from Axon.Component import component
from Axon.Ipc import shutdownMicroprocess


class Pipeline(component):
    circular = False            # a class attribute: reading it never reaches Axon.Seldom

    def __init__(self, *components, **argd):
        if not components:
            raise ValueError("Pipeline needs at least one component")
        for comp in components:
            if not isinstance(comp, component):
                raise TypeError("Pipeline takes components, not %s"
                                % type(comp).__name__)
        component.__init__(self, **argd)
        self.components = components

    def main(self):
        children = self.components
        self._link_and_start(children)
        told = []
        while True:
            if not self.circular:
                _stop_feeders(children, told)
            if self.childrenDone():
                break
            self.pause()
            yield 1

    def _link_and_start(self, children):
        # Not in main(): a generator's frame lives on the heap as long as
        # the Pipeline, so it keeps only what the loop needs.
        self.addChildren(*children)
        first = children[0]
        last = children[-1]
        self.link((self, "inbox"), (first, "inbox"), passthrough=1)
        self.link((self, "control"), (first, "control"), passthrough=1)
        for source, sink in zip(children, children[1:]):
            self.link((source, "outbox"), (sink, "inbox"))
            self.link((source, "signal"), (sink, "control"))
        if self.circular:
            self.link((last, "outbox"), (first, "inbox"))
            self.link((last, "signal"), (first, "control"))
        else:
            self.link((last, "outbox"), (self, "outbox"), passthrough=2)
            self.link((last, "signal"), (self, "signal"), passthrough=2)
        for child in children:
            child.activate()


def _stop_feeders(children, told):
    """shutdownMicroprocess, once, to each running child whose neighbour
    downstream has ended."""
    for i in range(1, len(children)):
        feeder = children[i - 1]
        if children[i]._done and not feeder._done and feeder not in told:
            told.append(feeder)
            control = feeder.inboxes.get("control")
            if control is not None:
                control.deliver(shutdownMicroprocess())


pipeline = Pipeline
