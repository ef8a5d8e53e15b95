"""Stream a file to a server under a small heap (tests/test_reliability.py):

    fault_heap.py PORT FILE

The seed example's Pipeline (RateControlledFileReader -> ThreadedTCPClient)
with a meter between them that records the largest heap in use seen as
each chunk passes.  Kept to the library's own imports so it fits
``micropython -X heapsize=128K``.  Prints ``RESULT {json}`` and exits 0.
"""

import gc
import json
import sys

from axonport import ticks_ms, ticks_diff
from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Axon.Scheduler import scheduler
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient


class Meter(component):
    """Passes "inbox" on (waiting while the receiver is full) and
    "control" to "signal"; ``peak`` is the most heap in use it saw."""

    def __init__(self):
        component.__init__(self)
        self.peak = 0
        self.messages = 0
        self.setInboxSize("inbox", 2)    # keep the back-pressure end to end

    def main(self):
        measure = getattr(gc, "mem_alloc", lambda: 0)
        while True:
            while self.dataReady("inbox"):
                msg = self.recv("inbox")
                self.messages += 1
                used = measure()
                if used > self.peak:
                    self.peak = used
                yield from self.send_when_room(msg)
            while self.dataReady("control"):
                msg = self.recv("control")
                self.send(msg, "signal")
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    return
            self.pause()
            yield 1


class Signals(component):
    """Records the names of what reaches "control"; drops "inbox"."""

    def __init__(self):
        component.__init__(self)
        self.names = []

    def main(self):
        while True:
            while self.dataReady("inbox"):
                self.recv("inbox")
            while self.dataReady("control"):
                msg = self.recv("control")
                self.names.append(type(msg).__name__)
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    return
            self.pause()
            yield 1


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    meter = Meter()
    out = Signals()
    gc.collect()
    start = ticks_ms()
    Pipeline(RateControlledFileReader(path, rate=100000000, chunksize=4096), meter,
             ThreadedTCPClient("127.0.0.1", port), out).activate()
    scheduler.run.runThreads()
    took = ticks_diff(ticks_ms(), start)
    gc.collect()
    total = (gc.mem_alloc() + gc.mem_free()) if hasattr(gc, "mem_free") else 0
    after = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0
    print("RESULT " + json.dumps({"signals": out.names, "peak": meter.peak,
                                  "messages": meter.messages, "heap_after": after,
                                  "heap_total": total, "ms": took}))


main()
