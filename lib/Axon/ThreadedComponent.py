"""threadedcomponent: a component whose ``main()`` runs in its own thread.

``main()`` is a plain function (no yields); it may block.  From that thread:

- ``recv`` / ``dataReady`` / ``anyReady`` read the inboxes directly.  Every
  inbox but "control" holds ``queuelengths`` messages (Kamaelia's 1000
  where the heap allows, else ``Axon.Box.QUEUE_LENGTH``; the first
  positional argument, as in Kamaelia) and the port's ``QUEUE_BYTES``
  bytes, counted as below: a component sending into a full one
  is held at its next yield until this thread has received (see
  Component.py); "control" is unbounded so a shutdown message always gets
  through.
- ``send`` queues (box, message) for the scheduler's thread to deliver, in
  order across all outboxes.  At most ``queuelengths`` messages wait, and
  at most ``out_maxbytes`` bytes of them (``bytes``, ``bytearray``,
  ``memoryview`` and ``str`` count their length plus
  ``Axon.Box.MESSAGE_COST``; by default a quarter of the port's
  ``QUEUE_BYTES``, the bound of the inbox they go to; the
  ``out_maxbytes=`` argument sets another; one message of any size always
  goes into an empty queue).
  When the queue is full ``send`` blocks (on a lock, no polling) until
  there is room.  The wait ends early, and the message is dropped
  (``send`` returns False), when ``shutdownMicroprocess`` waits on "control" or the
  component was stopped: the thread should then stop.  ``send_nowait``
  raises ``noSpaceInBox`` instead of waiting; ``send_wait(...,
  interruptible=False)`` waits through a ``shutdownMicroprocess``.
  The scheduler's side delivers the queue like any sender: held while the
  destination is full, so back-pressure reaches the thread.
- ``stop()`` ends the component at once and tells the thread: it gets
  ``shutdownMicroprocess`` on "control" and its sends stop waiting.
- A class without ``main()`` runs Kamaelia's old-style methods in the
  thread: ``initialiseComponent()``, ``mainBody()`` while it returns a
  true value, ``closeDownComponent()``.
- ``_discard_output()``, for a thread told to stop now: what it sent
  through any outbox but "signal" and is not delivered yet is dropped, so
  a receiver that stopped reading cannot keep its last signals back.
- ``pause(timeout=None)`` blocks until a message arrives on any inbox, queue
  space frees up, or ``timeout`` seconds pass, on the thread's ``wakeup``
  (Axon/Scheduler.py).  A delivery during a component's step wakes the thread
  when that step ends (``_wake_for_put``).

When ``main()`` returns, every message it sent is still delivered before
the component counts as finished.  An exception escaping ``main()`` ends
``runThreads()`` with that exception (its traceback from the thread).

Thread safety: the inboxes and the outgoing queue share one lock per
component; the scheduler side and the thread never hold it while calling
into the other; it is also the guard of the thread's ``wakeup``.  Create
every attribute the thread will set in ``__init__``: on MicroPython without a
GIL, adding an attribute from the thread grows the instance's dict while
the scheduler's thread may be reading it, and that read can fail.
"""

from axonport import allocate_lock, start_thread, QUEUE_BYTES
from Axon.AxonExceptions import noSpaceInBox
from Axon.Box import LockedBox, QUEUE_LENGTH, MESSAGE_COST, SIZED
from Axon.Component import component, no_box
from Axon.Ipc import shutdownMicroprocess
from Axon.Scheduler import Wakeup, _seldom


def checked(kind, items):
    """Check constructor arguments: each item is (name, value, low, whole,
    none); the value must be an int of at least ``low`` (``whole`` True), a
    number above ``low`` (False) or of at least ``low`` (None), not a bool;
    with ``none``, None passes.  The first that fails is a ValueError
    naming ``kind`` (the component), the argument and its value, worded
    by Axon.Check, which loads only then: the seed example's modules check
    their arguments here and pay no heap for the wording."""
    for name, value, low, whole, none in items:
        if value is None and none:
            continue
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) \
                or value < low or (whole is False and value == low):
            from Axon.Check import bad_number
            raise bad_number(kind, name, value, low, whole, none)


def _out_full(comp):
    return noSpaceInBox("%s: %d messages wait to leave the thread" % (comp.name, comp._out_count))


class threadedcomponent(component):
    def __init__(self, queuelengths=None, out_maxbytes=None, **argd):
        if queuelengths is None:
            queuelengths = QUEUE_LENGTH
        if out_maxbytes is None:
            # The inbox they go to holds QUEUE_BYTES more (a full one keeps
            # them here), so a hop holds a quarter more, not double.  (Half
            # would let a reader queue two chunks before waking the
            # scheduler's side, but replies then overflow a 96 KB heap.)
            out_maxbytes = QUEUE_BYTES // 4
        checked(type(self).__name__, (("queuelengths", queuelengths, 1, True, False),
                                      ("out_maxbytes", out_maxbytes, 1, True, False)))
        self.queuelengths = queuelengths    # also the messages waiting to leave the thread
        self.out_maxbytes = out_maxbytes    # and their bytes
        self._out_bytes = 0
        self._lock = allocate_lock()
        self.wakeup = Wakeup()           # the thread's, guarded by self._lock
        self._out = []                   # box, message, box, message, ...
        self._out_count = 0              # sent and not yet delivered
        self._out_waiting = False        # thread blocked for queue space
        self._drain_pending = False      # scheduler side already woken
        self._thread_done = False
        self._thread_error = None
        self._discarding = False         # drop what waits for any outbox but "signal"
        component.__init__(self, **argd)

    def _make_inbox(self, name):
        if name == "control":
            return LockedBox(self, name)
        return LockedBox(self, name, self.queuelengths, QUEUE_BYTES)

    # -- used from the component's own thread ------------------------------------

    def send_nowait(self, message, boxname="outbox"):
        """Queue ``message``, or raise ``noSpaceInBox`` if the queue is full."""
        if not self._queue_out(message, boxname, True):
            raise _out_full(self)

    def _queue_out(self, message, boxname, wake):
        """Queue (box, message) and wake the scheduler's side; False (nothing
        queued) if the queue is full.  With ``wake`` False the scheduler's
        side is not woken for this message (a later send will, or the queue
        reaching half its limit): a thread that knows more is coming at once
        batches them.  No try block, no exception on the way: MicroPython
        keeps the frame of every send on the C stack."""
        box = self.outboxes.get(boxname)
        if box is None:
            raise no_box(self, "outbox", boxname)
        lock = self._lock
        lock.acquire()
        count = self._out_count
        if count >= self.queuelengths or (count and self._out_bytes >= self.out_maxbytes):
            self._out_waiting = True
            lock.release()
            return False
        self._out.append(box)
        self._out.append(message)
        self._out_count = count = count + 1
        if isinstance(message, SIZED):
            self._out_bytes += len(message) + MESSAGE_COST
        if not wake and count * 2 < self.queuelengths and self._out_bytes * 2 < self.out_maxbytes:
            lock.release()
            return True
        wake = not self._drain_pending
        self._drain_pending = True
        lock.release()
        if wake and self.scheduler is not None:
            self.scheduler.wake_from_thread(self)
        return True

    def send_wait(self, message, boxname="outbox", interruptible=True):
        """send(), waiting while the queue is full.  With ``interruptible``,
        gives up and returns False (nothing sent) if ``shutdownMicroprocess``
        ("stop now") waits on "control" meanwhile; otherwise waits as long
        as it takes.  ``producerFinished`` does not interrupt: it means
        "finish what you have".  A component that was stopped (``stop()``,
        or the scheduler ended on an error) never waits: False."""
        if self._queue_out(message, boxname, True):
            return True
        while True:
            if self._stop_requested:
                return False            # nobody will ever drain the queue
            if interruptible and self._control_has(shutdownMicroprocess):
                return False
            self.pause()
            if self._queue_out(message, boxname, True):
                break
        # The pauses above may have taken the wake of a delivery to an
        # inbox: give it back, so the thread's next pause() sees it.
        if self.anyReady():
            self._lock.acquire()
            self.wakeup.wake()
            self._lock.release()
        return True

    # From the thread, send() is send_wait(): it waits for room.
    send = send_wait

    def _control_has(self, kinds):
        """True if a message of one of ``kinds`` waits on "control"."""
        box = self.inboxes.get("control")
        if box is None:
            return False
        found = False
        self._lock.acquire()
        items = box.items
        for i in range(box.head, len(items)):
            if isinstance(items[i], kinds):
                found = True
                break
        self._lock.release()
        return found

    def pause(self, timeout=None):
        self.wakeup.wait(self._lock, timeout)

    def _discard_output(self):
        """From the thread, told to stop now: what waits to leave through
        any outbox but "signal", and all sent there later, is dropped, and
        no longer holds this component back at a receiver that has stopped
        reading, so that its last signals still get through."""
        self._lock.acquire()
        self._discarding = True
        self._lock.release()
        if self.scheduler is not None:
            self.scheduler.wake_from_thread(self)

    # -- called with self._lock held, from any thread -----------------------------

    def _space_freed_locked(self):
        """Room in the outgoing queue: wake whoever waits for it (a hook:
        ThreadedTCPClient's reader waits for it too)."""
        self.wakeup.wake()

    def _wake_for_put(self):
        """A message was put in an inbox (self._lock held, scheduler's
        thread): the Wakeup to release once the lock is let go, or None.
        While a component's step runs, the thread is woken when that step
        ends instead: a thread that takes faster than the scheduler's side
        sends would otherwise be woken for every single message."""
        wakeup = self.wakeup
        if not wakeup.mark():
            return None
        scheduler = self.scheduler
        if scheduler is not None and scheduler.release_after_step(wakeup):
            return None
        return wakeup

    # -- the scheduler's side ---------------------------------------------------

    def _generator(self):
        return self._deliver_from_thread()

    def _run_thread(self, main):
        try:
            main()
        except BaseException as exc:
            self._thread_error = exc
        self._lock.acquire()
        self._thread_done = True
        self._drain_pending = True
        self._lock.release()
        self.scheduler.thread_ended(self)

    def _deliver_from_thread(self):
        """The generator the scheduler runs for this component.  A round's
        work is _deliver_round's: a generator's frame lives on the heap as
        long as the component, so it is kept to a few words."""
        self.scheduler.thread_started()
        # main looked up here: an old-style component's comes from
        # Axon.Seldom, and importing belongs on this thread.
        start_thread(self._run_thread, (self.main,))
        while not self._deliver_round():
            if self._held is None:
                self._paused = True     # until the thread sends or a box makes room
            yield 1

    def _deliver_round(self):
        """Deliver what the thread has queued; True once the thread has
        ended and all it sent is delivered (its error, if any, is raised)."""
        lock = self._lock
        lock.acquire()
        out = self._out
        self._out = []
        if self._discarding and out:
            out = _seldom().signals_only(self, out)   # the scheduler's thread: may import
        self._drain_pending = False
        done = self._thread_done
        lock.release()
        # Deliver until a destination fills (this component is then
        # held, like any sender) or refuses (its size was set).
        i = 0
        count = len(out)
        freed = 0
        try:
            while i < count:
                message = out[i + 1]
                full = out[i].deliver(message)
                i += 2
                if isinstance(message, SIZED):
                    freed += len(message) + MESSAGE_COST
                if full is not None:
                    self._held = full
                    break
        except noSpaceInBox:
            pass
        lock.acquire()
        if i < count:
            self._out[:0] = out[i:]
        self._out_count -= i // 2
        # Recounted from nothing whenever the queue empties: a message
        # changed in size after it was sent cannot skew the bound for good.
        self._out_bytes = self._out_bytes - freed if self._out_count else 0
        if self._out_waiting and i > 0:
            self._out_waiting = False
            self._space_freed_locked()
        finished = done and not self._out
        lock.release()
        if finished and self._thread_error is not None:
            raise self._thread_error
        return finished

    def _closeDown(self, keep=None):
        # A thread still running keeps its "control" open: the
        # shutdownMicroprocess that stop() put there is how it learns.
        component._closeDown(self, None if self._thread_done else "control")

    def stop(self):
        """Stopped (also when the scheduler stopped because of an error
        elsewhere): tell the thread to stop (it gets shutdownMicroprocess on
        "control"); from now on its sends give up instead of waiting for a
        queue that nobody drains, so the thread can end."""
        if self._stop_requested:
            return
        component.stop(self)            # sets _stop_requested, which send_wait reads
        self._lock.acquire()
        self.wakeup.wake()
        self._lock.release()
        box = self.inboxes.get("control")
        if box is not None and not self._thread_done:
            box.put(shutdownMicroprocess())
