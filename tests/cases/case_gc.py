"""Collections that start on a component's thread while the scheduler's
thread runs on.

MicroPython's unix port without a GIL collects without stopping the other
threads: it traces the heap, then has each thread scan its own stack.  An
object that a thread held only in a local when the heap was traced, and
stored back into the heap before its stack was scanned, is freed while
still in use.  The race exists only there (sys.implementation._thread is
"unsafe"); elsewhere the test is short.
"""

import gc
import sys
from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler

MICROPYTHON_HEAPS = {"test_rounds_survive_collections_started_by_a_thread": "64K"}
THREAD_RACES = ["test_rounds_survive_collections_started_by_a_thread"]

NO_GIL = getattr(sys.implementation, "_thread", None) == "unsafe"


class Litterer(threadedcomponent):
    """Allocates in its thread for ``ms`` milliseconds: the collections
    then start on this thread, while the scheduler's thread runs on."""

    def __init__(self, ms):
        threadedcomponent.__init__(self)
        self.ms = ms
        self.made = 0

    def main(self):
        start = ticks_ms()
        while ticks_diff(ticks_ms(), start) < self.ms:
            junk = [bytearray(100), bytearray(100)]
            self.made += len(junk)


class Spinner(component):
    """One short step a round, allocating nothing, until ``other`` is done."""

    def __init__(self, other):
        component.__init__(self)
        self.other = other
        self.rounds = 0

    def main(self):
        while not self.other._done:
            self.rounds += 1
            yield 1


def test_rounds_survive_collections_started_by_a_thread():
    # The scheduler holds the list of the round it runs in a local; rounds
    # are short here, so collections often trace the heap in one round and
    # scan the scheduler's stack in the next.  Held by that local alone,
    # the list would be freed then (a crash, or another object where a
    # component should be).  The
    # heap stays small: a collection whose mark stack overflows traces the
    # heap again at its end, which would hide the fault.
    threshold = gc.threshold() if hasattr(gc, "threshold") else None
    if threshold is not None:
        gc.threshold(512)               # a collection every few steps
    try:
        litterer = Litterer(4000 if NO_GIL else 300).activate()
        spinner = Spinner(litterer).activate()
        scheduler.run.runThreads()
    finally:
        if threshold is not None:
            gc.threshold(threshold)
    assert litterer.made > 0 and spinner.rounds > 0
