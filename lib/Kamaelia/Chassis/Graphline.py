"""Graphline(linkages={...}, **components): named children wired as declared.

``linkages`` maps ("SOURCE", "outbox") to ("SINK", "inbox").  The name
"self" (or "") means the Graphline itself: a link from ("self", box) passes
that inbox through to a child, a link to ("self", box) passes a child's
outbox out.  Boxes named that way that the class does not declare are added
to this instance only (the class's dicts are never changed).  The Graphline
ends when all its children have ended.  An unknown component name in
``linkages`` is a ValueError naming it.
"""

from Axon.Component import component

_SELF = ("self", "")


class Graphline(component):
    def __init__(self, linkages=None, **components):
        self.layout = linkages or {}
        self.components = components
        inboxes = dict.fromkeys(self.Inboxes, "")
        outboxes = dict.fromkeys(self.Outboxes, "")
        for source, sink in self.layout.items():
            for name, box in (source, sink):
                if name not in _SELF and name not in components:
                    raise ValueError("Graphline linkage names %r, which is not one "
                                     "of its components %s" % (name, sorted(components)))
            if source[0] in _SELF:
                inboxes.setdefault(source[1], "")
            if sink[0] in _SELF:
                outboxes.setdefault(sink[1], "")
        self.Inboxes = inboxes
        self.Outboxes = outboxes
        component.__init__(self)

    def main(self):
        comps = self.components
        self.addChildren(*comps.values())
        for source, sink in self.layout.items():
            if source[0] in _SELF:
                self.link((self, source[1]), (comps[sink[0]], sink[1]), passthrough=1)
            elif sink[0] in _SELF:
                self.link((comps[source[0]], source[1]), (self, sink[1]), passthrough=2)
            else:
                self.link((comps[source[0]], source[1]), (comps[sink[0]], sink[1]))
        for child in comps.values():
            child.activate()
        while not self.childrenDone():
            self.pause()
            yield 1
