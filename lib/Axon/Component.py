"""component: the unit of a Kamaelia system, a generator talking through boxes.

A subclass declares ``Inboxes`` and ``Outboxes`` (dicts of name to
description, or lists of names; defaults inbox/control and outbox/signal)
and writes ``main()`` as a generator: each ``yield`` hands control back to
the scheduler.  Keyword arguments to the constructor become attributes.  A
class without ``main()`` is an old-style component: ``initialiseComponent()``
once, ``mainBody()`` once a step while it returns a true value, then
``closeDownComponent()``.  ``main()`` may yield ``newComponent(...)`` to
have components activated, or ``WaitComplete(generator)`` to run that
generator in its place until it ends.

Boxes at their edges:
- ``send`` to an outbox linked nowhere drops the message (Axon behaviour),
  but an exception object dropped so (a "signal" nobody listens to) is
  reported: ``runThreads()`` raises it (see ``scheduler.unhandled_errors``).
- Back-pressure: every inbox but "control" holds a bounded number of
  messages and bytes (``Axon.Box.QUEUE_LENGTH`` and ``QUEUE_BYTES``
  unless the owner says otherwise).  A
  ``send`` into a full one still takes the message, and the sender is held
  at its next ``yield`` until the box has room: no exception, bounded
  memory.  Only a component that fills a box and goes on sending into it
  in the same step, without a yield, gets ``noSpaceInBox`` (at
  ``Axon.Seldom.FLOOD`` times the limit).
  After ``setInboxSize(box, n)`` that box keeps Kamaelia's meaning: a send
  into it when full raises ``noSpaceInBox`` and stores nothing;
  ``yield from self.send_when_room(msg)`` waits for room instead.
- ``recv`` takes the oldest message (FIFO) or raises ``IndexError`` when
  the box is empty; the take that makes room in a full box wakes its
  producers.
- A delivery wakes the receiving component if it had paused.
- An outbox links to one destination; linking it again raises
  ``BoxAlreadyLinkedToDestination``.  Many outboxes may feed one inbox.
- When a component finishes (or is stopped: ``stop()``, which takes effect
  at its next turn), ``stop()`` is called, the links it made are removed
  and its inboxes close: what is still in them is discarded, later sends
  to them are dropped, and producers held or paused on them are woken.

Kamaelia's ``Axon.Component`` also hands out ``scheduler``,
``newComponent`` and the other common messages, and ``noSpaceInBox``; so
does this module (``from Axon.Component import component, scheduler,
newComponent``).
"""

from Axon.AxonExceptions import invalidComponentInterface, noSpaceInBox
from Axon.Box import Box, QUEUE_LENGTH, QUEUE_BYTES, dropped
from Axon.Scheduler import scheduler, _seldom
from Axon.Ipc import ipc, producerFinished, shutdownMicroprocess  # Kamaelia hands these out here too


def __getattr__(name):
    # newComponent and Axon's other messages, handed out here as in
    # Kamaelia, load with Axon.Ipc's rarely used ones.
    if name[:2] == "__":
        raise AttributeError(name)
    import Axon.Ipc
    return getattr(Axon.Ipc, name)


def no_box(comp, kind, boxname):
    """The error for a box name ``comp`` does not have."""
    return invalidComponentInterface("%s has no %s %r" % (comp.name, kind, boxname))


# The methods called for every message (send, recv, dataReady and the boxes'
# put/take) keep to a few local variables and no try blocks: MicroPython
# allocates the frame of a function needing more than 11 words (locals,
# value stack, 3 per try) on the heap, at every call.


class component(object):
    Inboxes = {"inbox": "Default inbox", "control": "Shutdown messages"}
    Outboxes = {"outbox": "Default outbox", "signal": "Shutdown messages"}
    _discarding = False     # a threadedcomponent dropping its output (ThreadedComponent.py)

    def __init__(self, *args, **argd):
        for key in argd:
            setattr(self, key, argd[key])
        self._alive = False
        self._done = False
        self._stop_requested = False
        self._paused = False
        self._queued = False
        self._xqueued = False
        self._held = None           # the full box this component waits on
        self._gen = None
        self.scheduler = None
        self._parent = None
        self.children = []
        self._links = ()            # a tuple, replaced on change: no list per component
        self.inboxes = {}
        self.outboxes = {}
        for box in self.Inboxes:
            self.inboxes[box] = self._make_inbox(box)
        for box in self.Outboxes:
            self.outboxes[box] = Box(self, box, False)

    def __repr__(self):
        return "<%s>" % self.name

    def _make_inbox(self, name):
        if name == "control":
            return Box(self, name, True)
        return Box(self, name, True, QUEUE_LENGTH, QUEUE_BYTES)

    # -- boxes ----------------------------------------------------------------

    def send(self, message, boxname="outbox"):
        box = self.outboxes.get(boxname)
        if box is None:
            raise no_box(self, "outbox", boxname)
        while box.target is not None:
            box = box.target
        if box is self._held:   # filled it in this same step and goes on
            _seldom().refuse_flood(box)
        if box.items is None:
            dropped(self.outboxes[boxname], box, message)
        elif box.put(message):
            self._held = box

    def recv(self, boxname="inbox"):
        return self._inbox(boxname).take()

    def dataReady(self, boxname="inbox"):
        return len(self._inbox(boxname))

    def anyReady(self):
        for box in self.inboxes.values():
            if len(box):
                return True
        return False

    def _inbox(self, boxname):
        box = self.inboxes.get(boxname)
        if box is None:
            raise no_box(self, "inbox", boxname)
        return box

    def setInboxSize(self, boxname, size):
        """Bound ``boxname`` to ``size`` messages, refusing more: a send
        into it when full raises ``noSpaceInBox`` (Kamaelia's meaning)."""
        box = self._inbox(boxname)
        box.maxsize = size
        box.strict = True

    def _box(self, end, outbox_side):
        """The box named by one end, (component, boxname), of a link."""
        comp, boxname = end
        boxes = comp.outboxes if outbox_side else comp.inboxes
        box = boxes.get(boxname)
        if box is None:
            raise no_box(comp, "outbox" if outbox_side else "inbox", boxname)
        return box

    def link(self, source, sink, *optionalargs, **kwargs):
        """Link (component, box) to (component, box); returns the linkage.

        passthrough=0: outbox to inbox; 1: inbox to a child's inbox;
        2: a child's outbox to outbox.  pipewidth=N (or synchronous=True,
        N=1) sets the sink's size as setInboxSize does: a full sink refuses.
        """
        passthrough = kwargs.get("passthrough", optionalargs[0] if optionalargs else 0)
        if passthrough not in (0, 1, 2):
            raise ValueError("passthrough must be 0, 1 or 2, not %r" % (passthrough,))
        src = self._box(source, passthrough != 1)
        dst = self._box(sink, passthrough == 2)
        if src.target is not None:
            from Axon.AxonExceptions import BoxAlreadyLinkedToDestination
            raise BoxAlreadyLinkedToDestination(
                "%r is already linked to %r" % (src, src.target))
        # Kamaelia's sized links: the sink then refuses when full.
        width = kwargs.get("pipewidth")
        if width is None and kwargs.get("synchronous"):
            width = 1
        if width is not None:
            dst.maxsize = width
            dst.strict = True
        src.target = dst
        dst.sources += (src,)
        linkage = (src, dst)
        self._links += (linkage,)
        while src.items:        # what waited in an inbox now linked on
            dst.deliver(src.take())
        return linkage

    def unlink(self, thecomponent=None, thelinkage=None):
        """Remove one linkage, or every linkage this component made to or
        from ``thecomponent``."""
        kept = ()
        for linkage in self._links:
            src, dst = linkage
            if (thelinkage is not None and linkage == thelinkage) or (
                    thelinkage is None and (thecomponent is None or src.owner is thecomponent
                                            or dst.owner is thecomponent)):
                src.target = None
                rest = ()
                for other in dst.sources:
                    if other is not src:
                        rest += (other,)
                dst.sources = rest
                # A producer held on that box, here or further up the chain,
                # would wait for a take that no longer concerns it.
                src.release_producers()
            else:
                kept += (linkage,)
        self._links = kept

    # -- family and life cycle -------------------------------------------------

    def addChildren(self, *children):
        for child in children:
            if child not in self.children:
                self.children.append(child)
                child._parent = self

    def removeChild(self, child):
        if child in self.children:
            self.children.remove(child)
            child._parent = None
            self.unlink(thecomponent=child)

    def childrenDone(self):
        """True when every child has finished; finished children are removed."""
        for child in list(self.children):
            if child._done:
                self.removeChild(child)
        return not self.children

    def activate(self, Scheduler=None, Tracker=None, mainmethod="main"):
        (Scheduler or scheduler.run).activate(self)
        return self

    def _generator(self):
        return self.main()

    def pause(self):
        self._paused = True

    def stop(self):
        """Halt: the component ends at its next turn without running on
        (its generator is closed, so its ``finally`` blocks run).  Also
        called by the scheduler when a component finishes by itself; a
        subclass that overrides it calls this one."""
        if not self._stop_requested:
            self._stop_requested = True
            if self.scheduler is not None and self._alive:
                self.scheduler.wake_from_thread(self)

    def _delivered(self):
        scheduler = self.scheduler
        if scheduler is not None and self._paused:
            scheduler.wake(self)

    def _wake_producer(self, from_thread):
        scheduler = self.scheduler
        if scheduler is None or not self._alive:
            return
        if from_thread:
            scheduler.wake_from_thread(self)
        elif self._paused or self._held is not None:
            scheduler.wake(self)

    def _closeDown(self, keep=None):
        """Finished: drop the links this component made, and close its
        inboxes but ``keep`` (later sends to them are dropped, as to an
        unlinked outbox) so a producer waiting on a full one runs on
        instead of hanging."""
        self.unlink()
        for name in self.inboxes:
            if name != keep:
                self.inboxes[name].close()

    def __getattr__(self, name):
        # Only for names not found the usual way: the seldom used methods
        # load on first use.  Private names fail here without loading
        # anything (a thread's hasattr of one must not import).
        if name.startswith("_") and name != "_isStopped":
            raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))
        if name == "name":
            # Made when asked for (messages, repr), not kept: a board's heap
            # would hold one string per component.  The same each time; one
            # the program sets (name= to the constructor too) is kept.
            return "%s_%x" % (type(self).__name__, id(self) & 0xffffff)
        return _seldom().component_method(self, name)
