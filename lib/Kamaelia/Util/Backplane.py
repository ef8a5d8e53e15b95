"""Backplane, PublishTo, SubscribeTo: publish messages under a name.

    Backplane("DATA").activate()
    Pipeline(Producer(), PublishTo("DATA")).activate()
    Pipeline(SubscribeTo("DATA"), Consumer()).activate()

Backplane(name)
    A PlugSplitter (Kamaelia.Util.Splitter) registered with the
    coordinating assistant tracker as the services "Backplane_I_<name>"
    (its "inbox": what is published) and "Backplane_O_<name>" (its
    "configuration": where subscribers plug in).  The name is taken when
    the Backplane is made: a second live Backplane of the same name raises
    ``ServiceAlreadyExists``.  ``producerFinished`` or
    ``shutdownMicroprocess`` on its "control" goes to every subscriber
    (which then stop) and out of "signal"; the Backplane then stops and
    gives its name up.  (Kamaelia's Backplane wraps a PlugSplitter instead
    of being one: there, something sent straight to the Backplane's own
    "inbox" is ignored; here it is published, and also goes out of its
    "outbox".)

PublishTo(destination, forwarder=False)
    What reaches its "inbox" goes to every subscriber of the Backplane
    named ``destination``: the inbox is linked straight to the Backplane's
    (no copy, no extra step).  With ``forwarder`` each message also goes
    out of "outbox".  Every "control" message goes out of "signal";
    ``producerFinished`` or ``shutdownMicroprocess`` stops it, and not the
    Backplane.

SubscribeTo(source)
    Sends what is published to the Backplane named ``source`` out of
    "outbox", from the moment the Backplane has read its subscription
    (nothing published before).  Every "control" message (its own, and
    the Backplane's shutdown) goes out of "signal"; ``producerFinished``
    or ``shutdownMicroprocess`` makes it unsubscribe and stop.  It
    subscribes itself rather than through a Plug and PassThrough, as
    Kamaelia does: one component per subscriber instead of three.

The Backplane must have been made before a PublishTo or SubscribeTo first
runs; otherwise that one raises ``KeyError`` naming the Backplane.  A run
that ends with an exception leaves a live Backplane's name registered
(the scheduler drops its generator without closing it); give it up with
``coordinatingassistanttracker.getcat().deRegisterService(...)`` for
"Backplane_I_<name>" and "Backplane_O_<name>" before reusing the name.
"""

from Axon.Check import text
from Axon.Component import component
from Axon.CoordinatingAssistantTracker import coordinatingassistanttracker
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Util.Splitter import PlugSplitter, addsink, removesink

_STOP = (producerFinished, shutdownMicroprocess)


def _service(kind, name):
    try:
        return coordinatingassistanttracker.getcat().retrieveService(
            "Backplane_%s_%s" % (kind, name))
    except KeyError:
        raise KeyError("no Backplane named %r" % (name,))


class Backplane(PlugSplitter):
    def __init__(self, name):
        if not isinstance(name, str):
            raise TypeError("a Backplane's name is a str, not %r" % (name,))
        PlugSplitter.__init__(self)
        self.name = name
        cat = coordinatingassistanttracker.getcat()
        cat.registerService("Backplane_I_" + name, self, "inbox")
        try:
            cat.registerService("Backplane_O_" + name, self, "configuration")
        except Exception:
            cat.deRegisterService("Backplane_I_" + name)
            raise

    def main(self):
        try:
            yield from PlugSplitter.main(self)
        finally:
            cat = coordinatingassistanttracker.getcat()
            cat.deRegisterService("Backplane_I_" + self.name)
            cat.deRegisterService("Backplane_O_" + self.name)


class PublishTo(component):
    Inboxes = {"inbox": "to publish", "control": "shutdown"}
    Outboxes = {"outbox": "copies, if a forwarder", "signal": "shutdown",
                "_outbox": "to the backplane"}

    def __init__(self, destination, forwarder=False):
        text("PublishTo", "destination", destination)
        component.__init__(self)
        self.destination = destination
        self.forwarder = forwarder

    def main(self):
        service = _service("I", self.destination)
        if self.forwarder:
            self.link((self, "_outbox"), service)
        else:
            self.link((self, "inbox"), service, passthrough=1)
        while True:
            stop = False
            while self.dataReady("control"):
                msg = self.recv("control")
                self.send(msg, "signal")
                if isinstance(msg, _STOP):
                    stop = True
            while self.dataReady("inbox"):      # only a forwarder stores
                msg = self.recv("inbox")
                self.send(msg, "outbox")
                self.send(msg, "_outbox")
            if stop:
                return
            self.pause()
            yield 1


class SubscribeTo(component):
    Inboxes = {"inbox": "from the backplane", "control": "shutdown"}
    Outboxes = {"outbox": "what was published", "signal": "shutdown",
                "_config": "to the backplane"}

    def __init__(self, source):
        text("SubscribeTo", "source", source)
        component.__init__(self)
        self.source = source

    def main(self):
        self.link((self, "_config"), _service("O", self.source))
        self.send(addsink(self, "inbox", "control"), "_config")
        while True:
            while self.dataReady("inbox"):
                self.send(self.recv("inbox"), "outbox")
            while self.dataReady("control"):
                msg = self.recv("control")
                self.send(msg, "signal")
                if isinstance(msg, _STOP):
                    self.send(removesink(self, "inbox", "control"), "_config")
                    return
            self.pause()
            yield 1
