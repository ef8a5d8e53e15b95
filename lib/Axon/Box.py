"""Postboxes: the inboxes and outboxes of components, and the links between them.

A box either stores messages (an inbox that nothing forwards) or forwards
them: ``target`` names the next box of the chain.  A message sent to an
outbox follows the chain to its final box: an inbox stores it, an outbox at
the end of a chain (linked nowhere) drops it, as Axon does.  A size limit
(``maxsize`` messages) is checked only at the final box; a full box raises
``noSpaceInBox`` and keeps what it already holds.

Every box remembers the boxes that forward into it (``sources``).  When a
box has refused a message, the next message taken out of it wakes the
owners of all of them, so a producer that paused on ``noSpaceInBox`` runs
again.  A closed box (its owner finished) drops what it is sent.

``LockedBox`` is the inbox of a threaded component: its owner's thread
takes from it while the scheduler's thread puts into it, so every access
holds the owner's lock.  It may also bound the bytes it holds
(``maxbytes``, counting ``bytes``/``bytearray``/``memoryview``/``str``
lengths): a message that would go over is refused unless the box is empty,
so one large message still gets through.  ``put`` runs on the scheduler's
thread; while a component's step runs, the waiting thread is woken when
that step ends (one wake for a burst, not one per message).
"""

from Axon.AxonExceptions import noSpaceInBox

_COMPACT = 32
_SIZED = (bytes, bytearray, memoryview, str)


def _full(box):
    box.refused = True
    return noSpaceInBox("inbox %r of %s is full (%d messages)"
                        % (box.name, box.owner.name, len(box.items) - box.head))


def _empty(box):
    return IndexError("inbox %r of %s is empty" % (box.name, box.owner.name))


class Box(object):
    # A forwarding box (an outbox) never stores: it keeps these class
    # defaults, and its instance holds four attributes, not eight.
    items = None
    head = 0
    maxsize = None
    refused = False

    def __init__(self, owner, name, storing, maxsize=None):
        self.owner = owner
        self.name = name
        self.target = None
        self.sources = ()           # a tuple, replaced when a link is made or removed
        if storing:
            self.items = []
            self.head = 0
            self.maxsize = maxsize
            self.refused = False

    def __repr__(self):
        return "<box %r of %s>" % (self.name, self.owner.name)

    def deliver(self, message):
        """Send ``message`` along the chain that starts at this box."""
        box = self
        while box.target is not None:
            box = box.target
        if box.items is not None:
            box.put(message)

    def put(self, message):
        items = self.items
        if items is None:
            return
        if self.maxsize is not None and len(items) - self.head >= self.maxsize:
            raise _full(self)
        items.append(message)
        self.owner._delivered()

    def __len__(self):
        return len(self.items) - self.head if self.items is not None else 0

    def take(self):
        message = self._pop()
        if self.refused:
            self.refused = False
            self.wake_sources(False)
        return message

    def take_all(self):
        """Every waiting message, oldest first, as a list (maybe empty)."""
        taken = self._pop_all()
        if self.refused:
            self.refused = False
            self.wake_sources(False)
        return taken

    def _pop(self):
        items = self.items
        head = self.head
        size = len(items) if items is not None else 0
        if head >= size:
            raise _empty(self)
        message = items[head]
        items[head] = None
        head += 1
        # Amortised O(1) FIFO without deque: compact once half is consumed.
        if head == size:
            del items[:]
            head = 0
        elif head >= _COMPACT and head + head >= size:
            del items[:head]
            head = 0
        self.head = head
        return message

    def _pop_all(self):
        items = self.items
        if items is None or self.head >= len(items):
            return []
        taken = items[self.head:] if self.head else items
        self.items = []
        self.head = 0
        return taken

    def wake_sources(self, from_thread):
        for source in self.sources:
            source.owner._wake_producer(from_thread)
            source.wake_sources(from_thread)

    def close(self):
        """The owner has finished: drop what waits and all later deliveries."""
        if self.items is not None:
            self.items = None
            self.head = 0
            self.wake_sources(False)

    def drain_into(self, other):
        """Move what this box holds into ``other`` (used when linking)."""
        while len(self):
            other.deliver(self.take())


class LockedBox(Box):
    def __init__(self, owner, name, maxsize=None, maxbytes=None):
        Box.__init__(self, owner, name, True, maxsize)
        self.lock = owner._lock
        self.maxbytes = maxbytes
        self.held = 0               # bytes held, when maxbytes is set

    def put(self, message):
        # Split in two so that neither frame goes on the heap (see the note
        # in Component.py); the lock is released on every path.
        self.lock.acquire()
        try:
            message = self._store(message)      # now the wake-up lock, or None
        finally:
            self.lock.release()
        if message is not None:
            message.release()   # after the lock, which the woken thread takes first

    def _store(self, message):
        """put() with the lock held: the wake-up lock to release, or None."""
        # Each attribute read is a hashed lookup on MicroPython: read once.
        items = self.items
        if items is None:
            return None
        waiting = len(items) - self.head
        if self.maxsize is not None and waiting >= self.maxsize:
            raise _full(self)
        if self.maxbytes is not None and isinstance(message, _SIZED):
            held = self.held + len(message)
            if held > self.maxbytes and waiting:
                raise _full(self)
            self.held = held
        items.append(message)
        owner = self.owner
        if owner._thread_wake_pending:
            return None         # the usual case in a burst: skip the call
        return owner._wake_for_put()

    def __len__(self):
        self.lock.acquire()
        n = len(self.items) - self.head if self.items is not None else 0
        self.lock.release()
        return n

    def take(self):
        self.lock.acquire()
        if self.items is None or self.head >= len(self.items):
            self.lock.release()
            raise _empty(self)
        message = self._pop()
        if self.maxbytes is not None and isinstance(message, _SIZED):
            self.held -= len(message)
        refused = self.refused
        self.refused = False
        self.lock.release()
        if refused:
            self.wake_sources(True)
        return message

    def take_all(self):
        lock = self.lock
        lock.acquire()
        taken = self._pop_all()
        self.held = 0
        refused = self.refused
        self.refused = False
        lock.release()
        if refused:
            self.wake_sources(True)
        return taken

    def close(self):
        self.lock.acquire()
        items = self.items
        self.items = None
        self.head = 0
        self.held = 0
        self.lock.release()
        if items is not None:
            self.wake_sources(False)
