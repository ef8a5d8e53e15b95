"""The scheduler: runs the ``main()`` generators of active components.

``scheduler.run.runThreads()`` runs rounds: every component that is not
paused or held gets one step (one ``next()`` of its generator).  It returns
when no component is left.

A component is *held* after a send filled the inbox it sent to (see
Box.py): it is not stepped again until that box has room; the take that
makes room wakes it.  This is back-pressure without exceptions.  A
component that yields ``newComponent(...)`` has those activated; one that
yields ``WaitComplete(gen)`` has ``gen`` run in its place until ``gen``
ends (Axon.Seldom does both).  A stopped component (``stop()``) is
finished at its next turn: its generator is closed, not run.

When every component is paused or held it blocks on a lock until a
delivery or a threaded component's thread wakes it: no CPU is used while
idle.  If every component is paused and no thread is running, nothing
can ever wake them, so it raises ``AxonException`` naming them instead of
hanging (held components are named with the box they wait on).

An exception raised inside a component ends ``runThreads()`` with that
exception and its traceback.  So does, by default, an exception object a
component sends that nobody receives: out of an outbox linked nowhere (a
client's "signal" in a Pipeline whose own "signal" is not linked), or
into the inbox of a component that has finished.  ``unhandled_errors``
(on the class, for every scheduler, or on ``scheduler.run``) chooses:
``"raise"`` (the default: ``runThreads()`` raises it once the step that
sent it ends), ``"print"`` (one line on stderr, then run on), or
``"drop"`` (Axon's silence).  Before it propagates, every threaded component
still running is told to stop (``shutdownMicroprocess`` on its "control"),
every component's generator is closed (its ``finally`` blocks run), and
``scheduler.run`` is replaced by a fresh scheduler so the next
``runThreads()`` starts clean.

Under a GIL that is not handed over fairly (MicroPython on an ESP32), a
scheduler that has run for ``GIL_SLICE_MS`` without idling while threads
are alive releases the GIL for a moment (``axonport.share_gil``), so
components that poll instead of pausing cannot starve the threads.

Thread safety: only the scheduler's own thread touches the run queue;
other threads hand components to wake through ``wake_from_thread``, which
appends under a lock and wakes the idle scheduler's ``Wakeup``.
Threads woken by deliveries during a component's step are released when
the step ends (``release_after_step``), so a thread that takes faster than
a component sends is not woken once per message.

``Wakeup`` (below) is how every thread that waits is woken: the idle
scheduler, a threaded component's thread in ``pause()``
(Axon/ThreadedComponent.py) and a TCP connection's reader
(Kamaelia/Internet/Connection.py).  It lives here, not in a module of its
own, because on a board every module costs about 400 bytes of heap.
"""

from axonport import allocate_lock, acquire_timeout, ticks_ms, ticks_diff, share_gil, GIL_SLICE_MS
from Axon.Ipc import ipc


_loaded = None          # Axon.Seldom, once imported


def _seldom():
    """Axon.Seldom (what a program seldom needs), loaded on first use.
    Kept once loaded: an import statement, even of a module already
    loaded, costs MicroPython a lookup of its dotted name each time, and
    a producer calls send_when_room for every message."""
    global _loaded
    if _loaded is None:
        import Axon.Seldom      # not "from Axon import": that asks the package first
        _loaded = Axon.Seldom
    return _loaded


class Wakeup(object):
    """How one thread blocks until another has something for it.

    Three waiters use it: the scheduler when every component is paused (woken
    by a thread that queued work for it), a threaded component's thread in
    ``pause()`` (woken by a delivery, room in its queue, or a stop), and a TCP
    connection's reader waiting for room in its client's queue.

    A wakeup is a lock, held while no wake is pending, and a ``pending`` flag.
    The flag is read and written only under a *guard*: the lock that the waker
    and the waiter already share (the owning component's lock, the
    scheduler's).  So the lock is released once per wake, never twice:
    MicroPython's locks are not safe against "release unless already released"
    tricks between threads without a GIL, which is why the flag exists.  A wake
    that comes while nobody waits is kept: the next ``wait`` returns at once
    (a waiter that checked for work, found none and is about to wait, cannot
    miss it).

    - ``wake()``, guard held: wake the waiter (nothing if a wake is pending).
    - ``mark()``, guard held: make a wake pending without releasing; True when
      this call did, and the caller must then release ``lock`` -- after it
      has let the guard go, so that the woken thread does not block on the
      guard at once (or later: the scheduler releases the wakeups marked during
      a component's step when that step ends, one wake for a burst).
    - ``wait(guard, timeout=None)``, guard not held: block until woken or
      ``timeout`` seconds have passed; True if woken.  Either way the wake is
      consumed: the next ``wait`` blocks until a new one.
    """

    def __init__(self):
        self.lock = allocate_lock()
        self.lock.acquire()             # held: no wake pending
        self.pending = False            # under the guard

    def wake(self):
        if not self.pending:
            self.pending = True
            self.lock.release()

    def mark(self):
        if self.pending:
            return False
        self.pending = True
        return True

    def wait(self, guard, timeout=None):
        lock = self.lock
        if timeout is None:
            woken = lock.acquire()
        else:
            woken = acquire_timeout(lock, timeout)
        guard.acquire()
        if not woken and self.pending:
            # Marked as the timeout ran out: the release is on its way (its
            # waker may need the guard first).  Taken without the guard;
            # left released, the next wake would release it twice.
            guard.release()
            woken = lock.acquire()
            guard.acquire()
        self.pending = False
        guard.release()
        return woken


class scheduler(object):
    run = None
    unhandled_errors = "raise"      # or "print", "drop": see the module's docstring

    def __init__(self):
        self._next = []          # to run next round (scheduler thread only)
        self._spare = []         # the list the round after next fills
        # Holds both for good: a round's list is otherwise held by a local
        # alone until it is stored back.  MicroPython without a GIL (unix
        # port) traces the heap while other threads run on, and scans their
        # stacks later: a list stored back and its local dropped in between
        # is freed while in use (found nowhere when its thread is scanned).
        self._lists = (self._next, self._spare)
        self._live = []          # activated and not yet finished
        self._lock = allocate_lock()
        self._woken = []         # woken by other threads; under _lock
        self._threads = 0        # threads still running; under _lock
        self._wakeup = Wakeup()  # the idle scheduler's, guarded by _lock
        self._stepping = False   # a component's step is running (scheduler thread)
        self._wake_after_step = []   # Wakeups to release after this step
        self._detours = {}       # component: generators suspended by WaitComplete
        self._unhandled = None   # an exception sent to nobody, raised after the step

    # -- called on the scheduler's thread ------------------------------------

    def activate(self, comp):
        gen = comp._generator()
        if not hasattr(gen, "send"):
            raise TypeError("%s.main() must be a generator (it needs a yield)"
                            % comp.__class__.__name__)
        comp._gen = gen
        comp.scheduler = self
        comp._alive = True
        comp._paused = False
        self._live.append(comp)
        if not comp._queued:
            comp._queued = True
            self._next.append(comp)

    def wake(self, comp):
        comp._paused = False
        if comp._alive and not comp._queued:
            comp._queued = True
            self._next.append(comp)

    def runThreads(self, slowmo=0):
        # One handler here, the cleanup's own in _abort_quietly: this frame
        # lives as long as the run, and so stays off MicroPython's heap.
        try:
            self._run()
        except BaseException:
            self._abort_quietly()
            raise

    def _abort_quietly(self):
        try:
            self._abort()
        except MemoryError:
            pass        # out of memory already: the error that ended the run matters

    def _run(self):
        lock = self._lock
        busy_since = ticks_ms()
        while self._live:
            run = self._next
            if run:
                # Two lists taking turns: a round allocates nothing, so a busy
                # scheduler does not make garbage for the collector.
                self._next = self._spare
                for comp in run:
                    comp._queued = False
                    if not comp._alive:
                        continue
                    if comp._stop_requested:        # even while held
                        comp._gen.close()
                        self._finished(comp)
                        continue
                    held = comp._held
                    if held is not None:
                        if held.full and not comp._discarding:
                            continue    # the take that makes room wakes it
                        comp._held = None
                    self._stepping = True
                    try:
                        result = next(comp._gen)
                    except StopIteration:
                        self._end_step()
                        if not (self._detours and _seldom().detour_ended(self, comp)):
                            self._finished(comp)
                        continue
                    self._end_step()
                    if result is not None and isinstance(result, ipc):
                        _seldom().obey(self, comp, result)
                    if not comp._paused and not comp._queued and comp._held is None:
                        comp._queued = True
                        self._next.append(comp)
                del run[:]          # keeps its room: clear() would shrink it
                self._spare = run
            lock.acquire()
            woken = self._woken
            sleep = False
            if woken:
                self._woken = []
            elif not self._next and self._live:
                if not self._threads:
                    lock.release()
                    raise _seldom().deadlock(self)
                sleep = True
            lock.release()
            for comp in woken:
                comp._xqueued = False
                self.wake(comp)
            if sleep:
                # A wake marked while this round ran returns at once: one
                # more look at _woken, which that waker filled first.
                self._wakeup.wait(lock)
                busy_since = ticks_ms()
            elif share_gil is not None and self._threads:
                if ticks_diff(ticks_ms(), busy_since) >= GIL_SLICE_MS:
                    share_gil(1)
                    busy_since = ticks_ms()

    def release_after_step(self, wakeup):
        """A Wakeup marked during a component's step (scheduler's thread):
        True if it is released when that step ends, so that a burst of
        deliveries wakes its thread once; False if no step runs (the
        caller releases it)."""
        if not self._stepping:
            return False
        self._wake_after_step.append(wakeup)
        return True

    def _end_step(self):
        self._stepping = False
        released = self._wake_after_step
        if released:
            for wakeup in released:
                wakeup.lock.release()
            del released[:]     # keeps its room: no new list per step
        if self._unhandled is not None:
            error = self._unhandled
            self._unhandled = None
            raise error

    def _finished(self, comp):
        comp._alive = False
        comp._done = True
        self._live.remove(comp)
        comp._gen = None
        if self._detours:
            _seldom().close_detours(self, comp)
        if not comp._stop_requested:
            comp.stop()
        comp._closeDown()
        parent = comp._parent
        if parent is not None and parent._alive:
            self.wake(parent)

    def _abort(self):
        self._unhandled = None      # raising already
        self._end_step()
        live = self._live
        self._live = []
        self._next = []
        for comp in live:
            comp._alive = False
            comp.stop()
            # Its finally blocks run (files close, services deregister);
            # what they raise must not hide the error that ended the run.
            try:
                comp._gen.close()
            except Exception:
                pass
        scheduler.run = scheduler()

    # -- called from any thread ------------------------------------------------

    def wake_from_thread(self, comp, thread_ended=False):
        lock = self._lock
        lock.acquire()
        if thread_ended:
            # In the same locked step as queueing its last wake: the
            # scheduler must never see no threads and nothing to run.
            self._threads -= 1
        if not comp._xqueued:
            comp._xqueued = True
            self._woken.append(comp)
        release = self._wakeup.mark()
        lock.release()
        if release:
            # After the lock: the scheduler's first step when it wakes is
            # to take that lock.
            self._wakeup.lock.release()

    def thread_started(self):
        self._lock.acquire()
        self._threads += 1
        self._lock.release()

    def __getattr__(self, name):
        # Kamaelia's listAllThreads(), stop() and time, on first use.
        if name[0] == "_":
            raise AttributeError(name)
        return _seldom().method(self, name, _seldom().SCHEDULER)

    def thread_ended(self, comp):
        """The last word of a component's thread: it is gone, wake its part here."""
        self.wake_from_thread(comp, True)


scheduler.run = scheduler()
