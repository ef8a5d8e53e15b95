"""Scripted producers for the network clients' tests: a threaded
component that sends messages (data, producerFinished, shutdownMicroprocess)
in a set order, each when its condition holds.  A module of its own so
that only the tests that use them pay their heap.

- ``Script(steps)``: (condition, message, box) steps; ``at_once`` is the
  condition that holds at once, ``wait_ms`` a plain delay.
- ``feed(client, producer)``: wires a producer into a client, runs them.
- ``finish_then_stop_while_connecting(client)``: data, producerFinished,
  then a stop while the client is still connecting.
"""

from axonport import ticks_ms, ticks_diff, allocate_lock, acquire_timeout
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from components import Collector


class Script(threadedcomponent):
    """Runs (condition, message, box) steps in order from its thread: calls
    ``condition()``, then sends ``message`` out of ``box`` ("outbox",
    "signal" or "control"), waiting for room.  Messages leave in the order
    of the steps, across boxes."""

    Outboxes = {"outbox": "", "signal": "", "control": ""}

    def __init__(self, steps):
        threadedcomponent.__init__(self)
        self.steps = steps

    def main(self):
        for condition, message, box in self.steps:
            condition()
            self.send_wait(message, box, interruptible=False)


def wait_ms(ms):
    """Block the calling thread for ``ms`` milliseconds (for a test whose
    subject is a delay, not a wait for an event)."""
    lock = allocate_lock()
    lock.acquire()
    acquire_timeout(lock, ms / 1000)


def at_once():
    """A Script step's condition that holds at once."""


def feed(client, producer):
    """``producer``'s "outbox" into ``client``'s "inbox", its "signal"
    into the client's "control", the client's "signal" into a Collector;
    runs them and returns the Collector."""
    from Kamaelia.Chassis.Graphline import Graphline
    k = Collector()
    Graphline(P=producer, C=client, OUT=k,
              linkages={("P", "outbox"): ("C", "inbox"),
                        ("P", "signal"): ("C", "control"),
                        ("C", "signal"): ("OUT", "control")}).activate()
    scheduler.run.runThreads()
    return k


def finish_then_stop_while_connecting(client, count=5, size=100):
    """``count`` messages of ``size`` bytes into ``client`` (made for a
    server whose connect never completes: TestServer("full")), then
    producerFinished, then shutdownMicroprocess 300 ms later, while it is
    still connecting.  Returns the client's signals and the milliseconds
    from the stop to its socketShutdown."""
    steps = [(at_once, b"w" * size, "outbox")] * count
    steps.append((at_once, producerFinished(), "signal"))
    stop = [None]

    def later():
        wait_ms(300)
        stop[0] = ticks_ms()

    steps.append((later, shutdownMicroprocess(), "signal"))
    k = feed(client, Script(steps))
    return k.signals, ticks_diff(k.signal_ms[-1], stop[0])
