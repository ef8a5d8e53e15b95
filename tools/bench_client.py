"""The client side of tools/bench: one measurement per run, on any runtime.

    bench_client.py MODE PORT [SIZE COUNT]

Prints ``RESULT <microseconds> <bytes>`` (and ``HEAP <peak bytes>`` where the
runtime can tell).  Send modes time the whole run (tools/bench uses the
server's first-to-last-byte span instead); rtt modes time the round trips
only; recv modes time from the first byte to the end of the stream.  Modes:
  send-client / send-raw / send-asyncio   COUNT messages of SIZE bytes to a sink
  send-client-each                        the same with one write per message
  send-client-1m                          the same with a 1 MB inbox
  rtt-client / rtt-raw                    COUNT round trips of SIZE bytes via an echo server
  recv-client / recv-raw                  read until the server closes
  idle                                    hold one silent connection until stdin closes
"""

import sys
import socket
import time

try:
    ticks_us = time.ticks_us
except AttributeError:
    def ticks_us():
        return time.perf_counter_ns() // 1000

    def ticks_us_diff(a, b):
        return a - b
else:
    ticks_us_diff = time.ticks_diff
from axonport import QUEUE_BYTES
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient

RECV_SIZE = 2048


class Repeat(component):
    """Sends one message COUNT times, Kamaelia style: a burst of sends a
    step (up to 256 messages, 64 KB, or the port's QUEUE_BYTES, an inbox's
    byte bound), then a yield, where the scheduler holds it while the
    receiving inbox is full (it never sees noSpaceInBox)."""

    def __init__(self, message, count):
        component.__init__(self)
        self.message = message
        self.count = count

    def main(self):
        message = self.message
        left = self.count
        burst = max(1, min(256, min(65536, QUEUE_BYTES) // max(1, len(message))))
        while left:
            for _ in range(burst if left > burst else left):
                self.send(message)
            left -= burst if left > burst else left
            yield 1
        self.send(producerFinished(), "signal")


class PingPong(component):
    """Sends a message, waits for all of it to come back, COUNT times."""

    Outboxes = {"outbox": "", "signal": "", "stop": ""}

    def __init__(self, message, count):
        component.__init__(self)
        self.message = message
        self.count = count

    def main(self):
        size = len(self.message)
        self.start = ticks_us()
        for _ in range(self.count):
            self.send(self.message)
            got = 0
            while got < size:
                while self.dataReady("inbox"):
                    got += len(self.recv("inbox"))
                if got < size:
                    self.pause()
                    yield 1
        self.took = ticks_us_diff(ticks_us(), self.start)
        self.send(shutdownMicroprocess(), "stop")
        while not self.dataReady("control"):
            self.pause()
            yield 1


class Count(component):
    def main(self):
        self.total = 0
        self.start = None
        while True:
            while self.dataReady("inbox"):
                if self.start is None:
                    self.start = ticks_us()
                self.total += len(self.recv("inbox"))
            if self.dataReady("control"):
                self.took = ticks_us_diff(ticks_us(), self.start)
                return
            self.pause()
            yield 1


def connect(port):
    sock = socket.socket()
    sock.connect(socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)[0][-1])
    return sock


def timed(function, *args):
    start = ticks_us()
    moved = function(*args)
    return ticks_us_diff(ticks_us(), start), moved


def send_client(port, message, count):
    Pipeline(Repeat(message, count), ThreadedTCPClient("127.0.0.1", port)).activate()
    scheduler.run.runThreads()
    return len(message) * count


def send_client_1m(port, message, count):
    """As send_client, with a 1 MB inbox: fewer hand-offs per byte."""
    Pipeline(Repeat(message, count),
             ThreadedTCPClient("127.0.0.1", port, inbox_bytes=1 << 20)).activate()
    scheduler.run.runThreads()
    return len(message) * count


def send_client_each(port, message, count):
    """As send_client, but every message is its own write (no coalescing)."""
    Pipeline(Repeat(message, count),
             ThreadedTCPClient("127.0.0.1", port, send_buffer=2)).activate()
    scheduler.run.runThreads()
    return len(message) * count


def send_raw(port, message, count):
    sock = connect(port)
    for _ in range(count):
        sock.sendall(message)
    sock.close()
    return len(message) * count


def send_asyncio(port, message, count):
    import asyncio

    async def run():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(count):
            writer.write(message)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
    asyncio.run(run())
    return len(message) * count


def rtt_client(port, message, count):
    pp = PingPong(message, count)
    Graphline(P=pp, C=ThreadedTCPClient("127.0.0.1", port),
              linkages={("P", "outbox"): ("C", "inbox"), ("C", "outbox"): ("P", "inbox"),
                        ("P", "stop"): ("C", "control"), ("C", "signal"): ("P", "control")}
              ).activate()
    scheduler.run.runThreads()
    return pp.took, len(message) * count


def rtt_raw(port, message, count):
    sock = connect(port)
    size = len(message)
    start = ticks_us()
    for _ in range(count):
        sock.sendall(message)
        got = 0
        while got < size:
            got += len(sock.recv(size - got))
    took = ticks_us_diff(ticks_us(), start)
    sock.close()
    return took, size * count


def recv_client(port, message, count):
    counter = Count()
    Pipeline(ThreadedTCPClient("127.0.0.1", port, recv_size=RECV_SIZE), counter).activate()
    scheduler.run.runThreads()
    return counter.took, counter.total


def recv_raw(port, message, count):
    sock = connect(port)
    total = 0
    start = None
    while True:
        data = sock.recv(RECV_SIZE)
        if not data:
            break
        if start is None:
            start = ticks_us()
        total += len(data)
    took = ticks_us_diff(ticks_us(), start)
    sock.close()
    return took, total


def idle(port, message, count):
    from Kamaelia.Util.Console import ConsoleReader
    Graphline(IN=ConsoleReader(prompt=""), C=ThreadedTCPClient("127.0.0.1", port),
              linkages={("IN", "signal"): ("C", "control")}).activate()
    print("ready")
    scheduler.run.runThreads()
    return 0, 0


MODES = {"send-client": send_client, "send-client-each": send_client_each,
         "send-client-1m": send_client_1m, "send-raw": send_raw, "send-asyncio": send_asyncio,
         "rtt-client": rtt_client, "rtt-raw": rtt_raw,
         "recv-client": recv_client, "recv-raw": recv_raw, "idle": idle}


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    message = bytes(size)
    if mode.startswith("send"):
        took, moved = timed(MODES[mode], port, message, count)
    else:
        took, moved = MODES[mode](port, message, count)
    print("RESULT", took, moved)
    try:
        import micropython
        print("HEAP", micropython.mem_peak())
    except (ImportError, AttributeError):
        pass


if __name__ == "__main__":
    main()
