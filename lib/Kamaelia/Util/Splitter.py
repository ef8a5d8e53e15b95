"""Splitter, PlugSplitter and Plug: one stream of messages to many sinks.

Sinks are added and removed at run time with messages on the splitter's
"configuration" inbox:

- ``addsink(sink, sinkbox="inbox", sinkcontrol=None, passthrough=0)``:
  link a new outbox of the splitter to ``(sink, sinkbox)`` (and, for
  PlugSplitter, another to ``(sink, sinkcontrol)``).  Adding the same
  (sink, box) again changes nothing.
- ``removesink(sink, sinkbox="inbox", sinkcontrol=None)``: unlink it;
  a sink that is not there is ignored.

Every sink gets the same object, not a copy, in the order the splitter
received them; a sink only gets what arrives after the splitter has read
its ``addsink`` ("configuration" is read before "inbox" in each step).
A full sink holds the splitter at its next yield, as any full inbox holds
its sender; a sink whose inbox size the program set and which is full
refuses: ``noSpaceInBox``, as any send into it (Kamaelia's Splitter holds
the message back and retries instead).

Splitter()
    "inbox" goes to every sink (not to "outbox").  Only ``sinkbox`` of an
    addsink is used.  ``producerFinished`` or ``shutdownMicroprocess`` on
    "control" goes out of "signal" and stops it (Kamaelia's Splitter
    ignores "control" and never stops).

PlugSplitter(sourceComponent=None)
    "inbox" goes to "outbox" and to every sink's ``sinkbox``; "control"
    goes to "signal" and to every ``sinkcontrol``.  Without a source it
    stops after passing on ``producerFinished`` or
    ``shutdownMicroprocess``.  With one, the source becomes its child:
    the splitter's "inbox"/"control" feed the source's, the source's
    "outbox"/"signal" are what is split, and the splitter stops when the
    source has finished.  On stopping it unlinks every sink.

Plug(splitter, component)
    Makes ``component`` its child and plugs it into ``splitter`` (sends
    ``addsink(plug, "inbox", "control")`` from its "splitter_config"
    outbox): the child gets the split data and control messages, and the
    child's "outbox"/"signal" come out of the Plug's.  When the child has
    finished it sends ``removesink`` and stops.
"""

from Axon.AdaptiveCommsComponent import AdaptiveCommsComponent
from Axon.Check import instance
from Axon.Component import component
from Axon.Ipc import ipc, newComponent
from Kamaelia.Util.Control import STOP as _STOP, stop_message

_component = component       # Plug's argument is named component, as in Kamaelia


class addsink(ipc):
    def __init__(self, sink, sinkbox="inbox", sinkcontrol=None, passthrough=0):
        self.sink = sink
        self.sinkbox = sinkbox
        self.sinkcontrol = sinkcontrol
        self.passthrough = passthrough


class removesink(ipc):
    def __init__(self, sink, sinkbox="inbox", sinkcontrol=None):
        self.sink = sink
        self.sinkbox = sinkbox
        self.sinkcontrol = sinkcontrol


class Splitter(AdaptiveCommsComponent):
    Inboxes = {"inbox": "data to split", "control": "shutdown",
               "configuration": "addsink, removesink"}
    Outboxes = {"outbox": "not used", "signal": "shutdown"}

    def __init__(self):
        AdaptiveCommsComponent.__init__(self)
        self.outlist = {}       # (sink, sinkbox) -> (outbox name, linkage)

    def createsink(self, sink, sinkbox="inbox", passthrough=0):
        if (sink, sinkbox) in self.outlist:
            return
        name = self.addOutbox("%s-%s" % (sink.name, sinkbox))
        linkage = self.link((self, name), (sink, sinkbox), passthrough=passthrough)
        self.outlist[(sink, sinkbox)] = (name, linkage)

    def deletesink(self, oldsink):
        found = self.outlist.pop((oldsink.sink, oldsink.sinkbox), None)
        if found is not None:
            self.unlink(thelinkage=found[1])
            self.deleteOutbox(found[0])

    def main(self):
        while True:
            while self.dataReady("configuration"):
                msg = self.recv("configuration")
                if isinstance(msg, addsink):
                    self.createsink(msg.sink, msg.sinkbox, msg.passthrough)
                elif isinstance(msg, removesink):
                    self.deletesink(msg)
            while self.dataReady("inbox"):
                data = self.recv("inbox")
                for name, _ in self.outlist.values():
                    self.send(data, name)
            if stop_message(self):
                return
            self.pause()
            yield 1


class PlugSplitter(AdaptiveCommsComponent):
    Inboxes = {"inbox": "data to split", "control": "shutdown, also split",
               "configuration": "addsink, removesink",
               "_inbox": "from the source", "_control": "from the source"}
    Outboxes = {"outbox": "data", "signal": "control messages"}

    def __init__(self, sourceComponent=None):
        instance("PlugSplitter", "sourceComponent", sourceComponent, component, True)
        AdaptiveCommsComponent.__init__(self)
        self.outboxsinks = {}   # (sink, inbox name) -> (outbox name, linkage)
        self.signalsinks = {}
        self.usingChild = sourceComponent is not None
        if self.usingChild:
            source = sourceComponent
            self.addChildren(source)
            self.link((self, "inbox"), (source, "inbox"), passthrough=1)
            self.link((self, "control"), (source, "control"), passthrough=1)
            self.link((source, "outbox"), (self, "_inbox"))
            self.link((source, "signal"), (self, "_control"))
            self.inboxname = "_inbox"
            self.controlname = "_control"
        else:
            self.inboxname = "inbox"
            self.controlname = "control"

    def _addSink(self, sink, sinkinbox=None, sinkcontrol=None):
        for box, sinks, kind in ((sinkinbox, self.outboxsinks, "outbox"),
                                 (sinkcontrol, self.signalsinks, "signal")):
            if box is not None and (sink, box) not in sinks:
                name = self.addOutbox(kind)
                sinks[(sink, box)] = (name, self.link((self, name), (sink, box)))

    def _delSink(self, sink, sinkinbox=None, sinkcontrol=None):
        for box, sinks in ((sinkinbox, self.outboxsinks), (sinkcontrol, self.signalsinks)):
            found = sinks.pop((sink, box), None) if box is not None else None
            if found is not None:
                self.unlink(thelinkage=found[1])
                self.deleteOutbox(found[0])

    def main(self):
        if self.children:
            yield newComponent(*self.children)
        done = False
        while not done:
            while self.dataReady("configuration"):
                msg = self.recv("configuration")
                if isinstance(msg, addsink):
                    self._addSink(msg.sink, msg.sinkbox, msg.sinkcontrol)
                elif isinstance(msg, removesink):
                    self._delSink(msg.sink, msg.sinkbox, msg.sinkcontrol)
            while self.dataReady(self.inboxname):
                data = self.recv(self.inboxname)
                self.send(data, "outbox")
                for name, _ in self.outboxsinks.values():
                    self.send(data, name)
            while self.dataReady(self.controlname):
                msg = self.recv(self.controlname)
                self.send(msg, "signal")
                for name, _ in self.signalsinks.values():
                    self.send(msg, name)
                if not self.usingChild and isinstance(msg, _STOP):
                    done = True
            if self.usingChild and self.childrenDone():
                done = True
            if not done:
                # A finished child wakes its parent, so this need not poll.
                self.pause()
                yield 1
        for sink, box in list(self.outboxsinks):
            self._delSink(sink, box, None)
        for sink, box in list(self.signalsinks):
            self._delSink(sink, None, box)


class Plug(component):
    Inboxes = {"inbox": "for the child", "control": "for the child"}
    Outboxes = {"outbox": "from the child", "signal": "from the child",
                "splitter_config": "addsink, removesink"}

    def __init__(self, splitter, component):
        instance("Plug", "splitter", splitter, _component)
        instance("Plug", "component", component, _component)
        super(Plug, self).__init__()
        self.pluglinkage = self.link((self, "splitter_config"), (splitter, "configuration"))
        self.addChildren(component)
        self.link((self, "inbox"), (component, "inbox"), passthrough=1)
        self.link((self, "control"), (component, "control"), passthrough=1)
        self.link((component, "outbox"), (self, "outbox"), passthrough=2)
        self.link((component, "signal"), (self, "signal"), passthrough=2)

    def main(self):
        self.send(addsink(self, "inbox", "control"), "splitter_config")
        for child in self.children:
            child.activate()
        while not self.childrenDone():
            self.pause()
            yield 1
        self.send(removesink(self, "inbox", "control"), "splitter_config")
        self.unlink(thelinkage=self.pluglinkage)
