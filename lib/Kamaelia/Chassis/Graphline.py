"""Graphline(linkages={...}, **components): named children wired as declared.

``linkages`` (required, as in Kamaelia; ``{}`` for none) maps
("SOURCE", "outbox") to ("SINK", "inbox").  A name that is not one of the
components means the Graphline itself ("self" by convention): a link from
("self", box) passes that inbox of the Graphline through to a child's
inbox, a link to ("self", box) passes a child's outbox out through the
Graphline's outbox of that name.  Boxes named that way that the class does
not declare are added to this instance only (the class's dicts are never
changed).  Every child is activated with the Graphline, which ends when
all of them have ended.

Boxes: "inbox" and "outbox" carry nothing unless linked; "control" and
"signal" carry shutdown, as follows (Kamaelia's rules):

- Unless a linkage passes ("self", "control") through to a child, every
  message arriving on the Graphline's "control" is passed on to the
  "control" inbox of each running child whose "control" is not the sink of
  a linkage (a child linked that way hears of shutdown from its source).
- When all children have ended, unless a linkage feeds ("self", "signal"),
  the Graphline sends out of "signal" the last ``shutdownMicroprocess`` it
  received on "control", or else a new ``producerFinished``.

So a Graphline stops like any other component in a Pipeline.  If a child
takes ("self", "control"), shutting the others down is that child's job.

Bad input is named at construction: linkages that are not a dict, a key
or value that is not a (name, box) pair, a box name that is not a string,
a child that is not a component, a linkage from the Graphline to itself.
A box that a child does not have is named when the Graphline starts.
"""

from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess


def _end(end, linkage):
    if not isinstance(end, (tuple, list)) or len(end) != 2:
        raise ValueError("Graphline linkage %r: each side must be a (name, box) pair, not %r"
                         % (linkage, end))
    if not isinstance(end[1], str):
        raise TypeError("Graphline linkage %r: box names are strings, not %r"
                        % (linkage, end[1]))


class Graphline(component):
    Inboxes = {"inbox": "Not used unless linked",
               "control": "Shutdown messages, passed on to the children"}
    Outboxes = {"outbox": "Not used unless linked",
                "signal": "producerFinished or shutdownMicroprocess once all children ended",
                "_cs": "Passes control messages on to each child in turn"}

    def __init__(self, linkages=None, **components):
        for name, child in components.items():
            if not isinstance(child, component):
                raise TypeError("Graphline child %s is a %s (%r), not a component"
                                % (name, type(child).__name__, child))
        if linkages is None:
            raise TypeError("Graphline needs linkages: a dict of (name, box) to "
                            "(name, box), {} for none")
        if not isinstance(linkages, dict):
            raise TypeError("Graphline linkages must be a dict, not %s"
                            % type(linkages).__name__)
        inboxes = dict.fromkeys(self.Inboxes, "")
        outboxes = dict.fromkeys(self.Outboxes, "")
        for source, sink in linkages.items():
            _end(source, (source, sink))
            _end(sink, (source, sink))
            from_self = source[0] not in components
            to_self = sink[0] not in components
            if from_self and to_self:
                raise ValueError("Graphline linkage %r links the Graphline to itself: "
                                 "neither %r nor %r is one of its components %s"
                                 % ((source, sink), source[0], sink[0], sorted(components)))
            if from_self:
                inboxes.setdefault(source[1], "")
            if to_self:
                outboxes.setdefault(sink[1], "")
        self.layout = linkages
        self.components = components
        self.Inboxes = inboxes
        self.Outboxes = outboxes
        component.__init__(self)

    def main(self):
        comps = self.components
        self.addChildren(*comps.values())
        own_control = own_signal = False
        fed = []                    # children whose "control" a linkage feeds
        for source, sink in self.layout.items():
            src = comps.get(source[0])
            dst = comps.get(sink[0])
            if src is None:
                self.link((self, source[1]), (dst, sink[1]), passthrough=1)
                own_control = own_control or source[1] == "control"
            elif dst is None:
                self.link((src, source[1]), (self, sink[1]), passthrough=2)
                own_signal = own_signal or sink[1] == "signal"
            else:
                self.link((src, source[1]), (dst, sink[1]))
            if dst is not None and sink[1] == "control":
                fed.append(dst)
        told = [c for c in comps.values() if c not in fed and "control" in c.inboxes]
        for child in comps.values():
            child.activate()
        stop = None
        while True:
            while not own_control and self.dataReady("control"):
                msg = self.recv("control")
                for child in told:
                    if child in self.children:      # not yet ended
                        link = self.link((self, "_cs"), (child, "control"))
                        self.send(msg, "_cs")
                        self.unlink(thelinkage=link)
                if isinstance(msg, shutdownMicroprocess):
                    stop = msg
            if self.childrenDone():
                break
            self.pause()
            yield 1
        if not own_signal:
            self.send(producerFinished() if stop is None else stop, "signal")
