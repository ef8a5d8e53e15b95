"""What a thread hand-off costs on this machine, for tools/bench's "where
the time goes" lines; runs on CPython and on the MicroPython unix port.

    handoff_bench.py            (with lib/ and the port on the path)

Prints ``HANDOFF <us>``: one wake-up of a thread blocked on a lock (half a
lock ping-pong between two threads), ``AXONRTT <us>``: a message from a
component to a threaded component and back (two hand-offs plus the Axon
work around them), and ``SEND <us>``: one ``send()`` of 64 bytes from a
component into a threaded component's bounded inbox (what every message
costs the producing side, with no thread or socket involved), each the
best of three runs.
"""

import _thread
import time

from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished
from Kamaelia.Chassis.Graphline import Graphline

if hasattr(time, "ticks_us"):
    now_us = time.ticks_us
    elapsed_us = time.ticks_diff
else:
    def now_us():
        return time.perf_counter_ns() // 1000

    def elapsed_us(later, earlier):
        return later - earlier

COUNT = 5000


def handoff_us():
    ping = _thread.allocate_lock()
    pong = _thread.allocate_lock()
    done = _thread.allocate_lock()
    for lock in (ping, pong, done):
        lock.acquire()

    def other():
        for _ in range(COUNT):
            ping.acquire()
            pong.release()
        done.release()
    _thread.start_new_thread(other, ())
    start = now_us()
    for _ in range(COUNT):
        ping.release()
        pong.acquire()
    took = elapsed_us(now_us(), start)
    done.acquire()
    return took / COUNT / 2


class Echo(threadedcomponent):
    def main(self):
        box = self.inboxes["inbox"]
        while True:
            for message in box.take_all():
                self.send(message)
            if self.dataReady("control"):
                return
            self.pause()


class Ping(component):
    def main(self):
        start = now_us()
        for i in range(COUNT):
            self.send(i)
            while not self.dataReady("inbox"):
                self.pause()
                yield 1
            self.recv("inbox")
        self.took = elapsed_us(now_us(), start)
        self.send(producerFinished(), "signal")
        yield 1


def axon_rtt_us():
    ping = Ping()
    Graphline(P=ping, E=Echo(), linkages={("P", "outbox"): ("E", "inbox"),
                                          ("E", "outbox"): ("P", "inbox"),
                                          ("P", "signal"): ("E", "control")}).activate()
    scheduler.run.runThreads()
    return ping.took / COUNT


def send_us(count=100000):
    receiver = threadedcomponent(queuelengths=256)
    sender = component()
    sender.link((sender, "outbox"), (receiver, "inbox"))
    inbox = receiver.inboxes["inbox"]
    message = bytes(64)
    start = now_us()
    sent = 0
    while sent < count:
        sender.send(message)
        sent += 1
        if inbox.full:
            # What the scheduler and a consumer would do: the consumer takes
            # the batch and is done with it, and the held sender's next
            # step clears its hold.
            inbox.take_all()
            inbox.release_taken()
            sender._held = None
    return elapsed_us(now_us(), start) / count


print("HANDOFF %.1f" % min(handoff_us() for _ in range(3)))
print("SEND %.2f" % min(send_us() for _ in range(3)))
print("AXONRTT %.1f" % min(axon_rtt_us() for _ in range(3)))
