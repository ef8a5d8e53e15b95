"""Postboxes: the inboxes and outboxes of components, and the links between them.

A box either stores messages (an inbox that nothing forwards) or forwards
them: ``target`` names the next box of the chain.  A message sent to an
outbox follows the chain to its final box: an inbox stores it, an outbox at
the end of a chain (linked nowhere) drops it, as Axon does.  A closed box
(its owner finished) drops what it is sent.  An exception object dropped
either way is an error nobody handles: the scheduler reports it (see
``scheduler.unhandled_errors`` in Scheduler.py).

Limits are checked only at the final box.  Every storing box but "control"
has two: ``maxsize`` messages (``QUEUE_LENGTH`` unless its owner says
otherwise) and ``maxbytes`` bytes (``QUEUE_BYTES``, counting
``bytes``/``bytearray``/``memoryview``/``str`` lengths, and the ``len()``
of a message whose class derives from ``Sized``, plus
``MESSAGE_COST`` each; one message of any size always goes into an empty
box), so that neither many small messages nor a few large ones fill a
small heap.  Reaching either means one of two things:

- **Held, not refused** (the default): a box that is full still takes the
  message, and ``put`` answers True; the sending component is then held at
  its next ``yield`` until the box has room again (see Scheduler.py).  So
  memory stays bounded and no exception reaches code that never asked for
  one.  Only a component that goes on sending, in the same step, into a
  box it has already filled, until that box holds ``Axon.Seldom.FLOOD``
  times its limit, gets ``noSpaceInBox`` with a message saying so (Component.send
  asks ``Axon.Seldom.refuse_flood``); many producers each sending one message into a
  full box, or one large message, are held, never refused.
- **Refused** (``strict``, set by ``setInboxSize``, as in Kamaelia): a full
  box raises ``noSpaceInBox`` and keeps what it already holds.

Either way the box is marked ``full`` (a strict one only when it has
refused); the take that makes room again clears the mark and wakes the
owners of every box that forwards into it (``sources``), so a held or
paused producer runs again.

``LockedBox`` is the inbox of a threaded component: its owner's thread
takes from it while the scheduler's thread puts into it, so every access
holds the owner's lock.
``put`` runs on the scheduler's thread; while a component's step runs, the
waiting thread is woken when that step ends (one wake for a burst, not one
per message).
"""

from axonport import QUEUE_BYTES
from Axon.AxonExceptions import noSpaceInBox

# Messages an inbox holds before its producers are held: Kamaelia's 1000
# where the heap allows; on a small heap one per 64 bytes of QUEUE_BYTES
# (31 on a 64 KB MicroPython heap, 125 on 128 KB).
QUEUE_LENGTH = max(16, min(1000, QUEUE_BYTES // 64))

# What one message costs the heap besides its bytes (a MicroPython bytes
# object's header and the rounding of its block), counted against maxbytes
# so that many small messages are bounded by the memory they take.
MESSAGE_COST = 32

_COMPACT = 32


class Sized(object):
    """The base of message classes counted against byte bounds by their
    ``len()``, as bytes-likes and str are (Kamaelia.Protocol.MQTT's
    Message: its topic and payload)."""


SIZED = (bytes, bytearray, memoryview, str, Sized)     # messages counted by their length


def dropped(start, end, message):
    """``message``, sent out of ``start``, was dropped at ``end`` (linked
    nowhere, or closed): an exception is reported, anything else is not."""
    if isinstance(message, BaseException):
        import Axon.Seldom
        Axon.Seldom.unhandled_error(start, end, message)


def _full(box, waiting, why=""):
    box.full = True
    return noSpaceInBox("%r is full (%d messages)%s" % (box, waiting, why))


def _empty(box):
    return IndexError("inbox %r of %s is empty" % (box.name, box.owner.name))


class Box(object):
    # A forwarding box (an outbox) never stores: it keeps these class
    # defaults, and its instance holds four attributes, not nine.
    items = None
    head = 0
    maxsize = None
    full = False
    strict = False
    maxbytes = None             # a LockedBox may bound bytes too
    held = 0
    _taking = 0                 # of held, a LockedBox's batch taken (see take_all)
    _spare = None               # a LockedBox's second list

    def __init__(self, owner, name, storing, maxsize=None, maxbytes=None):
        self.owner = owner
        self.name = name
        self.target = None
        self.sources = ()           # a tuple, replaced when a link is made or removed
        if storing:
            # Every attribute another thread may write exists from the start.
            self.items = []
            self.head = 0
            self.maxsize = maxsize
            self.full = False
            # strict stays the class default until setInboxSize: only the
            # scheduler's thread reads it (a thread's take does not).
            if maxbytes is not None:
                self.maxbytes = maxbytes
                self.held = 0           # bytes held

    def __repr__(self):
        return "<box %r of %s>" % (self.name, self.owner.name)

    def deliver(self, message):
        """Send ``message`` along the chain that starts at this box; the
        final box if it is now full (the sender should be held), else None."""
        box = self
        while box.target is not None:
            box = box.target
        if box.items is None:
            dropped(self, box, message)
        elif box.put(message):
            return box
        return None

    def put(self, message):
        """Store ``message``; True if the box is now full and holds its
        senders (a strict box refuses instead: never True)."""
        if self._admit(message):
            self.owner._delivered()
        return self.full

    def _admit(self, message):
        """Check the limits and store ``message``; False if the box is
        closed (the message is dropped)."""
        # Each attribute read is a hashed lookup on MicroPython: read once.
        items = self.items
        if items is None:
            return False
        waiting = len(items) - self.head
        maxsize = self.maxsize
        if maxsize is not None and waiting + 1 >= maxsize:
            self._at_limit(waiting >= maxsize)
        if self.maxbytes is not None and isinstance(message, SIZED):
            # The bytes held after this one, in ``maxsize``'s slot: one more
            # local would put this per-message frame on MicroPython's heap.
            maxsize = self.held + len(message) + MESSAGE_COST
            if maxsize >= self.maxbytes:
                # One message always goes into an empty box.
                self._at_limit(maxsize > self.maxbytes and waiting)
            self.held = maxsize
        items.append(message)
        return True

    def _at_limit(self, over):
        """This message fills the box, or ``over`` it: a strict box refuses
        one over, any other is marked full so that its sender is held."""
        if not self.strict:
            self.full = True
        elif over:
            raise _full(self, len(self.items) - self.head)

    def _has_room(self):
        """Whether a box marked full may take messages again."""
        waiting = len(self.items) - self.head
        return (self.maxsize is None or waiting < self.maxsize) and (
            self.maxbytes is None or self.held < self.maxbytes or not waiting)

    def __len__(self):
        return len(self.items) - self.head if self.items is not None else 0

    def take(self):
        message = self._pop()
        if self.full and self._has_room():
            self.full = False
            self.wake_sources(False)
        return message

    def take_all(self):
        """Every waiting message, oldest first, as a list (an empty tuple
        when none waits).  A LockedBox hands the same two lists out in
        turn: use one before the next ``take_all``."""
        taken = self._pop_all()
        if self.maxbytes is not None:
            self.held = 0
        if self.full:
            self.full = False
            self.wake_sources(False)
        return taken

    def _pop(self):
        items = self.items
        head = self.head
        size = len(items) if items is not None else 0
        if head >= size:
            raise _empty(self)
        message = items[head]
        if self.maxbytes is not None and isinstance(message, SIZED):
            self.held -= len(message) + MESSAGE_COST
        items[head] = None
        head += 1
        # Amortised O(1) FIFO without deque: compact once half is consumed.
        if head == size:
            del items[:]
            head = 0
            if self.maxbytes is not None:
                # Empty: no drift survives (a bytearray resized after it
                # was sent counts another length now).
                self.held = self._taking
        elif head >= _COMPACT and head + head >= size:
            del items[:head]
            head = 0
        self.head = head
        return message

    def _pop_all(self):
        items = self.items
        if items is None or self.head >= len(items):
            return ()
        if self.head:
            taken = items[self.head:]
            del items[:]
            self.head = 0
            return taken
        # A LockedBox's two lists take turns, so a busy inbox does not
        # grow a new list (and leave the old one as garbage) per take.
        spare = self._spare
        if spare is None:
            self.items = []
        else:
            del spare[:]            # keeps its room, as clear() would not
            self.items = spare
            self._spare = items
        return items

    def wake_sources(self, from_thread):
        for source in self.sources:
            source.owner._wake_producer(from_thread)
            source.wake_sources(from_thread)

    def fed(self):
        """True while something may still deliver here: a running
        component's outbox linked to this box, directly or through inboxes
        that pass messages on (a Pipeline's own "inbox")."""
        for source in self.sources:
            # An outbox (or a closed inbox: its owner is not running).
            if source.owner._alive if source.items is None else source.fed():
                return True
        return False

    def release_producers(self):
        """This box was unlinked: its owner and the owners of every box that
        forwards into it stop waiting for room, and run again."""
        owner = self.owner
        if owner._held is not None:
            owner._wake_producer(False)     # while still held: that wakes it
            owner._held = None
        for source in self.sources:
            source.release_producers()

    def close(self):
        """The owner has finished: drop what waits and all later deliveries."""
        if self.items is not None:
            self.items = None
            self.head = 0
            if self.maxbytes is not None:
                self.held = 0
            self.full = False
            self.wake_sources(False)


class LockedBox(Box):
    def __init__(self, owner, name, maxsize=None, maxbytes=None):
        Box.__init__(self, owner, name, True, maxsize, maxbytes)
        self.lock = owner._lock
        if maxbytes is not None:
            # Only a byte-bounded box counts bytes (and a client's inbox, the
            # one take_all empties all the time, is one); the others keep
            # the class defaults and never write them: two attributes and
            # a list fewer.
            self._taking = 0            # of held, the last take_all's batch
            self._spare = []            # take_all's next list

    def put(self, message):
        # Split in two so that neither frame goes on the heap (see the note
        # in Component.py); the lock is released on every path.
        self.lock.acquire()
        try:
            wakeup = self._store(message)
        finally:
            self.lock.release()
        if wakeup is not None:
            wakeup.lock.release()   # after the lock, which the woken thread takes first
        # Read without the lock: only a put sets full, and the take that
        # clears it wakes this box's producers afterwards.
        return self.full

    def _store(self, message):
        """put() with the lock held: the owner's Wakeup to release, or None."""
        if not self._admit(message):
            return None
        owner = self.owner
        if owner.wakeup.pending:
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
        room = self.full and self._has_room()
        if room:
            self.full = False
        self.lock.release()
        if room:
            self.wake_sources(True)
        return message

    def take_all(self):
        """As Box.take_all.  With ``maxbytes``, the batch taken still counts
        against it until the next ``take_all`` (or ``release_taken``): a
        consumer that writes a batch out holds those messages meanwhile,
        so the box and the batch together stay within ``maxbytes``.  A
        batch of ``maxbytes`` or more holds the producers until then.
        The list handed out is the box's own second list: the box keeps
        the messages in it until the next ``take_all`` or
        ``release_taken``, which empties it."""
        lock = self.lock
        lock.acquire()
        taken = self._pop_all()
        if self.maxbytes is not None:
            # The box is now empty: all it still counts is this batch.
            self.held -= self._taking
            self._taking = self.held
        wake = self._room_again()
        lock.release()
        if wake:
            self.wake_sources(True)
        return taken

    def release_taken(self):
        """The consumer is done with the last batch (see take_all): it no
        longer counts, and its list is emptied, so that an idle box does
        not keep the messages last written alive."""
        lock = self.lock
        lock.acquire()
        if self._taking:
            self.held -= self._taking
            self._taking = 0
        if self._spare:
            del self._spare[:]
        wake = self._room_again()
        lock.release()
        if wake:
            self.wake_sources(True)

    def _room_again(self):
        """Under the lock: True when a full box has room again (then its
        producers are to be woken)."""
        if not self.full:
            return False
        if self.maxbytes is not None and self.held >= self.maxbytes:
            return False
        self.full = False
        return True

    def close(self, from_thread=False):
        """Box.close, from either thread; returns what was still waiting."""
        self.lock.acquire()
        items = self.items
        head = self.head
        self.items = None
        self.head = 0
        if self.maxbytes is not None:
            self.held = 0
            self._taking = 0
            # The last batch taken: its consumer holds it while it uses it.
            self._spare = None
        self.full = False
        self.lock.release()
        if items is None:
            return []
        self.wake_sources(from_thread)
        return items[head:]
