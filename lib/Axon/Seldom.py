"""The parts of Axon that a program seldom uses, loaded on first use.

``component``, ``threadedcomponent`` and ``scheduler`` look here
(through their ``__getattr__``) for a method they do not define, so these
cost a board's heap nothing until a program calls one: ``run``, ``Inbox``,
``unpause``, ``_isStopped``, ``id``, ``childComponents``,
``send_when_room``, Kamaelia's old-style ``main`` (``initialiseComponent``,
``mainBody`` while it returns a true value, ``closeDownComponent``), and
the scheduler's
``listAllThreads``, ``stop`` and ``time``.  The scheduler also calls here
when a component yields ``newComponent`` or ``WaitComplete``, and
Component.send for the flood check.

A method found here is bound with a small closure at each lookup, so it is
not visible on the class (``super().mainBody()`` from an old-style
subclass does not reach the stub; define what you call).  The first lookup
imports this module: a threaded component's own methods are not here, and
its old-style ``main`` is looked up on the scheduler's thread, because an
import from a second thread races with the first on MicroPython without a
GIL.
"""

from axonport import ticks_ms
from Axon.AxonExceptions import AxonException, noSpaceInBox
from Axon.Ipc import newComponent, WaitComplete


def method(obj, name, table):
    function = table.get(name)
    if function is None:
        raise AttributeError("%r object has no attribute %r" % (type(obj).__name__, name))
    if function in _VALUES:
        return function(obj)
    return lambda *args, **argd: function(obj, *args, **argd)


def component_method(comp, name):
    if name == "main" and hasattr(comp, "_run_thread"):
        return method(comp, name, _THREADED)
    return method(comp, name, _COMPONENT)


# -- component ----------------------------------------------------------------

def run(comp):
    """Activate ``comp`` and run the scheduler until every component has
    finished (Kamaelia's ``Pipeline(...).run()``)."""
    comp.activate()
    comp.scheduler.runThreads()


def inbox_messages(comp, boxname="inbox"):
    """``Inbox(box)``: the messages waiting in ``box``, oldest first."""
    while comp.dataReady(boxname):
        yield comp.recv(boxname)


def unpause(comp):
    """Wake ``comp`` (from any thread)."""
    if comp.scheduler is not None and comp._alive:
        comp.scheduler.wake_from_thread(comp)


def is_stopped(comp):
    return comp._done or comp._stop_requested


def child_components(comp):
    return list(comp.children)


def send_when_room(comp, message, boxname="outbox"):
    """``yield from self.send_when_room(msg)``: sends, and waits (giving the
    scheduler its turn) until the receiving inbox has room: a full one that
    holds its senders takes the message first, one whose size was set with
    ``setInboxSize`` only once it has room.  The value is how many times
    it had to wait."""
    waits = 0
    while True:
        try:
            comp.send(message, boxname)
        except noSpaceInBox:
            waits += 1
            comp.pause()
            yield 1
            continue
        if comp._held is not None:
            waits += 1
            yield 1
        return waits


def component_id(comp):
    """``id``: a number no other live component has (Kamaelia's ``self.id``)."""
    return id(comp)


def old_style_main(comp):
    result = comp.initialiseComponent()
    yield result or 1
    while True:
        result = comp.mainBody()
        if not result:
            break
        yield result
    yield comp.closeDownComponent()


def old_style_thread_main(comp):
    comp.initialiseComponent()
    while comp.mainBody():
        pass
    comp.closeDownComponent()


def initialise_component(comp):
    return 1


def main_body(comp):
    return None


def close_down_component(comp):
    return 1


_COMPONENT = {
    "id": component_id, "run": run, "Inbox": inbox_messages, "unpause": unpause, "_isStopped": is_stopped,
    "childComponents": child_components, "send_when_room": send_when_room,
    "main": old_style_main, "initialiseComponent": initialise_component,
    "mainBody": main_body, "closeDownComponent": close_down_component,
}
_THREADED = {"main": old_style_thread_main}


# -- threaded component: a stop that drops its output ------------------------

def signals_only(comp, out):
    """(``comp``'s lock held, scheduler's thread.)  The (box, message) pairs
    of a threaded component's queue ``out`` bound for "signal"; the others
    are dropped and no longer count (``threadedcomponent._discard_output``)."""
    from Axon.Box import SIZED, MESSAGE_COST
    signal = comp.outboxes.get("signal")
    kept = []
    for i in range(0, len(out), 2):
        message = out[i + 1]
        if out[i] is signal:
            kept.append(signal)
            kept.append(message)
        else:
            comp._out_count -= 1
            if isinstance(message, SIZED):
                comp._out_bytes -= len(message) + MESSAGE_COST
    if comp._out_waiting:
        comp._out_waiting = False
        comp._space_freed_locked()
    return kept


# -- box: the flood check -----------------------------------------------------

# A sender that fills a box and goes on sending into it in the same step
# until it holds FLOOD times its limit never yields: holding it cannot
# help, so its send is refused.
FLOOD = 4


def refuse_flood(box):
    """Called by Component.send before a send by a sender that already
    filled ``box`` in the same step: noSpaceInBox once the box holds FLOOD
    times its limit (of messages, or of bytes)."""
    from Axon.Box import _full
    waiting = len(box)
    if waiting >= FLOOD * box.maxsize or (
            box.maxbytes is not None and box.held > FLOOD * box.maxbytes):
        raise _full(box, waiting, ": its sender filled it and went on without a yield,"
                                  " where it would wait")


# -- scheduler ----------------------------------------------------------------

def list_all_threads(sched):
    """The components activated and not yet finished."""
    return list(sched._live)


def stop_all(sched):
    """Stop every component (each ends at its next turn)."""
    for comp in list(sched._live):
        comp.stop()


def _time(sched):
    """``scheduler.time``: seconds, for measuring intervals (on MicroPython
    from ``ticks_ms``, which wraps after days on a board)."""
    return ticks_ms() / 1000


SCHEDULER = {"listAllThreads": list_all_threads, "stop": stop_all, "time": _time}
_VALUES = (component_id, _time)          # attributes, not methods


def obey(sched, comp, request):
    """What a component yielded: newComponent or WaitComplete."""
    if isinstance(request, newComponent):
        for child in request.components():
            child.activate()
    elif isinstance(request, WaitComplete):
        detour = request.args[0] if request.args else None
        if not hasattr(detour, "send"):
            raise TypeError("%s yielded WaitComplete(%r): it takes a generator "
                            "(call the generator function)" % (comp.name, detour))
        # The generators it stands in for, innermost last.
        stack = sched._detours.get(comp)
        if stack is None:
            stack = sched._detours[comp] = []
        stack.append(comp._gen)
        comp._gen = detour


def detour_ended(sched, comp):
    """A WaitComplete generator ended: resume the one it stood in for.
    False if ``comp`` had none (it has finished)."""
    stack = sched._detours.get(comp)
    if not stack:
        return False
    comp._gen = stack.pop()
    if not stack:
        del sched._detours[comp]
    sched.wake(comp)
    return True


def close_detours(sched, comp):
    for gen in sched._detours.pop(comp, ()):
        gen.close()


def unhandled_error(start, end, error):
    """An exception sent out of ``start`` reached nobody (``end`` is an
    outbox linked nowhere, or a finished component's inbox): raise it from
    runThreads() after this step, print it, or drop it, as the sender's
    scheduler's ``unhandled_errors`` says."""
    sched = start.owner.scheduler
    mode = sched.unhandled_errors if sched is not None else "print"
    if mode == "drop":
        return
    if mode == "raise" and sched is not None:
        if sched._unhandled is None:        # the first one is the cause
            sched._unhandled = error
        return
    if mode not in ("raise", "print"):
        raise ValueError("scheduler.unhandled_errors must be 'raise', 'print' or 'drop', not %r"
                         % (mode,))
    import sys
    if end.owner.outboxes.get(end.name) is end:
        where = "linked nowhere"
    else:
        where = "to %s's %r, which has finished" % (end.owner.name, end.name)
    print("Axon: %s: %s -- sent out of %s's %r, %s"
          % (type(error).__name__, error, start.owner.name, start.name, where), file=sys.stderr)


def deadlock(sched):
    names = []
    for comp in sched._live:
        held = comp._held
        names.append(comp.name if held is None else
                     "%s (held: %r is full)" % (comp.name, held))
    return AxonException("deadlock: every component is paused and no thread "
                         "can wake them: %s" % ", ".join(names))
