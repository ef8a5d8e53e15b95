"""Postboxes: the inboxes and outboxes of components, and the links between them.

A box either stores messages (an inbox that nothing forwards) or forwards
them: ``target`` names the next box of the chain.  A message sent to an
outbox follows the chain to its final box: an inbox stores it, an outbox at
the end of a chain (linked nowhere) drops it, as Axon does.  A size limit
(``maxsize``) is checked only at the final box; a full box raises
``noSpaceInBox`` and keeps what it already holds.

Every box remembers the boxes that forward into it (``sources``).  Taking a
message out of a box that was full wakes the owners of all of them, so a
producer that paused on ``noSpaceInBox`` runs again.

``LockedBox`` is the inbox of a threaded component: its owner's thread
takes from it while the scheduler's thread puts into it, so every access
holds the owner's lock.
"""

from Axon.AxonExceptions import noSpaceInBox

_COMPACT = 32


class Box(object):
    def __init__(self, owner, name, storing, maxsize=None):
        self.owner = owner
        self.name = name
        self.items = [] if storing else None
        self.head = 0
        self.maxsize = maxsize
        self.target = None
        self.sources = []

    def __repr__(self):
        return "<box %r of %s>" % (self.name, self.owner.name)

    def final(self):
        box = self
        while box.target is not None:
            box = box.target
        return box

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
            raise noSpaceInBox("inbox %r of %s is full (%d messages)"
                               % (self.name, self.owner.name, self.maxsize))
        items.append(message)
        self.owner._delivered()

    def __len__(self):
        return len(self.items) - self.head if self.items is not None else 0

    def take(self):
        message, was_full = self._pop()
        if was_full:
            self.wake_sources(False)
        return message

    def _pop(self):
        """Take the oldest message; also say whether the box was full."""
        items = self.items
        head = self.head
        size = len(items) if items is not None else 0
        if head >= size:
            raise IndexError("inbox %r of %s is empty" % (self.name, self.owner.name))
        message = items[head]
        items[head] = None
        held = size - head
        head += 1
        # Amortised O(1) FIFO without deque: compact once half is consumed.
        if head == size:
            del items[:]
            head = 0
        elif head >= _COMPACT and head + head >= size:
            del items[:head]
            head = 0
        self.head = head
        return message, self.maxsize is not None and held >= self.maxsize

    def take_all(self):
        """Every waiting message, oldest first, as a list (maybe empty)."""
        taken, was_full = self._pop_all()
        if was_full:
            self.wake_sources(False)
        return taken

    def _pop_all(self):
        items = self.items
        if items is None or self.head >= len(items):
            return [], False
        taken = items[self.head:] if self.head else items
        self.items = []
        self.head = 0
        return taken, self.maxsize is not None and len(taken) >= self.maxsize

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
    def __init__(self, owner, name, maxsize=None):
        Box.__init__(self, owner, name, True, maxsize)
        self.lock = owner._lock

    def put(self, message):
        lock = self.lock
        lock.acquire()
        items = self.items
        if items is None:
            lock.release()
            return
        if self.maxsize is not None and len(items) - self.head >= self.maxsize:
            lock.release()
            raise noSpaceInBox("inbox %r of %s is full (%d messages)"
                               % (self.name, self.owner.name, self.maxsize))
        items.append(message)
        owner = self.owner
        if not owner._thread_wake_pending:
            owner._thread_wake_pending = True
            owner._thread_wake.release()
        lock.release()

    def __len__(self):
        self.lock.acquire()
        n = len(self.items) - self.head if self.items is not None else 0
        self.lock.release()
        return n

    def close(self):
        self.lock.acquire()
        items = self.items
        self.items = None
        self.head = 0
        self.lock.release()
        if items is not None:
            self.wake_sources(False)

    def take(self):
        self.lock.acquire()
        try:
            message, was_full = self._pop()
        finally:
            self.lock.release()
        if was_full:
            self.wake_sources(True)
        return message

    def take_all(self):
        self.lock.acquire()
        taken, was_full = self._pop_all()
        self.lock.release()
        if was_full:
            self.wake_sources(True)
        return taken
