"""Fault scenarios watched from outside the process (tests/test_reliability.py).

    fault_process.py cycles PORT COUNT STOP_POLL   connect/send/close COUNT times
    fault_process.py raise PORT                    a component raises next to a
                                                   client receiving from PORT
    fault_process.py stop SILENT_PORT SINK_PORT    producerFinished to a silent
                                                   server, shutdownMicroprocess
                                                   mid-transfer

Runs on CPython, the MicroPython unix port and the ESP32-like build.  Prints one line
``RESULT {json}`` with what it measured (open fds, threads from
/proc/self/task, heap after gc.collect() on MicroPython) and exits 0;
the pytest side asserts.  The servers run in the pytest process.
(fault_heap.py is the small-heap scenario, kept free of test helpers.)
"""

import gc
import json
import sys

from axonport import ticks_ms, ticks_diff
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from Axon.Component import component
from testserver import pattern
from components import Source, Collector, Digest, Repeat, Raiser
from checks import count_fds, count_threads, settle

STOP_BOUND_MS = 200 + 400


def heap():
    gc.collect()
    return gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0


def report(**values):
    print("RESULT " + json.dumps(values))


def one_cycle(port, payload, stop_poll):
    k = Collector()
    Pipeline(Source([payload], finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", port, stop_poll=stop_poll), k).activate()
    scheduler.run.runThreads()
    return len(k.signals) == 1 and type(k.signals[0]) is socketShutdown


def cycles(port, count, stop_poll):
    payload = pattern(1000)
    bad = 0
    for _ in range(5):                   # warm up: imports, first allocations
        bad += not one_cycle(port, payload, stop_poll)
    threads0 = settle(count_threads, 1)
    fds0 = count_fds()
    heap0 = heap()
    start = ticks_ms()
    for _ in range(count):
        bad += not one_cycle(port, payload, stop_poll)
    took = ticks_diff(ticks_ms(), start)
    threads1 = settle(count_threads, threads0)
    fds1 = settle(count_fds, fds0)
    heap1 = heap()
    report(bad=bad, threads_before=threads0, threads_after=threads1, fds_before=fds0,
           fds_after=fds1, heap_before=heap0, heap_after=heap1, ms=took)


def raise_next_to_client(port):
    threads0 = count_threads()
    client = ThreadedTCPClient("127.0.0.1", port)
    Pipeline(client, Raiser(200000, ValueError("boom next to the client")),
             Digest()).activate()
    caught = None
    try:
        scheduler.run.runThreads()
    except ValueError as exc:
        caught = str(exc)
    after = ticks_ms()
    threads1 = settle(count_threads, threads0, STOP_BOUND_MS)
    report(caught=caught, threads_before=threads0, threads_after=threads1,
           settle_ms=ticks_diff(ticks_ms(), after))


def stop_and_count(silent_port, sink_port):
    threads0 = count_threads()
    out = {"threads_before": threads0}
    # producerFinished to a server that never sends.
    k = Collector()
    Pipeline(Source([b"hello"], finish=producerFinished()),
             ThreadedTCPClient("127.0.0.1", silent_port), k).activate()
    scheduler.run.runThreads()
    out["finished_signals"] = [type(s).__name__ for s in k.signals]
    out["finished_threads"] = settle(count_threads, threads0, STOP_BOUND_MS)
    # shutdownMicroprocess while a large transfer is under way.
    src = Repeat(pattern(4096), 2500)
    tap = _Tap(3000000)     # more than any inbox bound, so some must have gone out
    k = Collector()
    Graphline(SRC=src, TAP=tap, CLIENT=ThreadedTCPClient("127.0.0.1", sink_port), OUT=k,
              linkages={("SRC", "outbox"): ("TAP", "inbox"),
                        ("TAP", "outbox"): ("CLIENT", "inbox"),
                        ("TAP", "stop"): ("CLIENT", "control"),
                        ("CLIENT", "outbox"): ("OUT", "inbox"),
                        ("CLIENT", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    out["shutdown_signals"] = [type(s).__name__ for s in k.signals]
    out["shutdown_delay"] = ticks_diff(k.signal_ms[-1], tap.stop_ms)
    out["shutdown_threads"] = settle(count_threads, threads0, STOP_BOUND_MS)
    report(**out)


class _Tap(component):
    """Passes "inbox" to "outbox" (waiting while the receiver is full);
    once ``count`` bytes have passed, sends shutdownMicroprocess out of
    "stop" and ends."""
    Outboxes = {"outbox": "data", "signal": "unused", "stop": "to the client's control"}

    def __init__(self, count):
        component.__init__(self)
        self.count = count
        self.passed = 0
        self.stop_ms = None

    def main(self):
        while self.passed < self.count:
            while self.dataReady("inbox"):
                data = self.recv("inbox")
                yield from self.send_when_room(data)
                self.passed += len(data)
                if self.passed >= self.count:
                    break
            else:
                self.pause()
                yield 1
        self.stop_ms = ticks_ms()
        self.send(shutdownMicroprocess(), "stop")


def main():
    mode = sys.argv[1]
    if mode == "cycles":
        cycles(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "raise":
        raise_next_to_client(int(sys.argv[2]))
    elif mode == "stop":
        stop_and_count(int(sys.argv[2]), int(sys.argv[3]))
    else:
        raise SystemExit("unknown mode " + mode)


main()
