"""ReconnectingTCPClient: a ThreadedTCPClient that survives a flaky network.

ReconnectingTCPClient(host, port, initial_delay=0.5, max_delay=30,
                      buffer_bytes=None, resend=True, **ThreadedTCPClient options)

Same boxes as ThreadedTCPClient; what differs:

- When the connection ends (the server closes or resets it, or connecting
  fails), it connects again after a delay that starts at ``initial_delay``
  seconds, doubles after each failed attempt up to ``max_delay``, and is
  shortened by a random part of up to a half (jitter) so many devices do
  not all come back at once.  A connection that comes up resets the delay.
  ``initialsendmessage`` is sent again on every connection.
- "signal" carries, besides exceptions and the final ``socketShutdown``:
  ``connected(host, port)`` each time a connection comes up,
  ``disconnected(host, port)`` each time one ends (after the exception
  that ended it, if any), and ``dataDropped(nbytes, messages)`` when data
  is thrown away.  None of these is a shutdown message, so components
  downstream that act only on producerFinished/shutdownMicroprocess carry on.
- Data: messages from "inbox" are kept, oldest first, in a backlog of at
  most ``buffer_bytes`` until a socket accepts them; while disconnected the
  inbox keeps being emptied into it, and when it is full the oldest
  messages are dropped and reported with ``dataDropped``.  Bytes a socket
  had accepted when its connection broke may never have reached the server
  (TCP cannot tell); bytes it had not accepted are sent again first on the
  next connection.  One message larger than ``buffer_bytes`` is kept alone.
  While connected nothing is dropped: a producer faster than the
  connection is held back by the inbox's bounds, as with ThreadedTCPClient.
- ``resend=False``: each connection starts clean, with
  ``initialsendmessage`` alone.  When a connection comes up, the backlog
  (what the last connection did not take, the rest of a message it took
  part of, what reached "inbox" while no connection was up) is dropped,
  in one ``dataDropped`` before ``connected``.  For protocols that open
  every connection with a handshake and resend at their own level (MQTT:
  a packet cut in two would be garbage on the next connection).
  ``buffer_bytes`` follows the heap as the other defaults do: half the
  port's QUEUE_BYTES, at most 16384 (16 KB on CPython and on MicroPython's
  default heap, 4 KB on a 128 KB one, 2 KB on 64 KB).
- A message of the wrong type is a ``TypeError`` on "signal" and the end,
  as with ThreadedTCPClient: retrying cannot fix it.
- "control": ``shutdownMicroprocess`` stops at once, also during the
  delay (within ``stop_poll`` seconds), dropping the backlog without a
  report.  ``producerFinished`` flushes the backlog and stops; if it
  arrives while disconnected, one immediate attempt is made to deliver the
  backlog, and what cannot be delivered is reported with ``dataDropped``
  before stopping.  However it stops, what reached "inbox" and was never
  handed to a socket is reported in one last ``dataDropped`` before the
  ``socketShutdown`` (unless a ``shutdownMicroprocess`` came without a
  ``producerFinished`` before it): messages after one of the wrong type,
  the backlog and the inbox when it stops.  So every message that reached
  "inbox" before ``producerFinished`` is sent or counted in a
  ``dataDropped``, whether it came while connected, between attempts or
  while connecting; "control" is read before "inbox" each time, so the
  messages sent before a ``producerFinished`` are all in hand when it is
  seen.
- Arguments: ``initial_delay`` and ``max_delay`` are seconds, above 0,
  ``initial_delay <= max_delay``; ``buffer_bytes`` an int of at least 1 (or None);
  each is checked by the constructor (a ValueError naming it).
"""

from axonport import ticks_ms, ticks_diff, random_fraction, QUEUE_BYTES
from Axon.ThreadedComponent import checked
from Axon.Ipc import ipc
from Kamaelia.IPC import socketShutdown
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient, as_bytes, wire_size, wrong_type


class connected(ipc):
    def __init__(self, host, port):
        self.host = host
        self.port = port


class disconnected(ipc):
    def __init__(self, host, port):
        self.host = host
        self.port = port


class dataDropped(ipc):
    def __init__(self, nbytes, messages):
        self.nbytes = nbytes
        self.messages = messages

    def __repr__(self):
        return "<dataDropped %d bytes in %d messages>" % (self.nbytes, self.messages)


class ReconnectingTCPClient(ThreadedTCPClient):
    send_after_eof = False          # the server closed: connect again

    def __init__(self, host, port, initial_delay=0.5, max_delay=30, buffer_bytes=None,
                 resend=True, **argd):
        if buffer_bytes is None:
            buffer_bytes = min(16384, QUEUE_BYTES // 2)
        who = type(self).__name__
        checked(who, (("initial_delay", initial_delay, 0, False, False),
                      ("buffer_bytes", buffer_bytes, 1, True, False)))
        checked(who, (("max_delay", max_delay, initial_delay, None, False),))
        if not isinstance(resend, bool):
            raise TypeError("%s: resend must be True or False, not %r" % (who, resend))
        ThreadedTCPClient.__init__(self, host, port, **argd)
        self.resend = resend
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.buffer_bytes = buffer_bytes
        self._backlog = []          # bytes-likes no socket has accepted, oldest first
        self._backlog_size = 0
        self._fatal = None          # a message of the wrong type: stop
        self._lost = 0              # bytes of messages after it: never sent
        self._lost_count = 0
        self._came_up = False       # this session's connection came up

    def main(self):
        delay = self.initial_delay
        while True:
            self._came_up = False
            stopped = self._session()
            if self._came_up:
                delay = self.initial_delay
            if self._error is not None and self._error is not self._fatal:
                self.send_wait(self._error, "signal", interruptible=False)
            if stopped or self._fatal is not None:
                break
            if self._came_up:
                self.send_wait(disconnected(self.host, self.port), "signal", interruptible=False)
            # After producerFinished one attempt was made: what it could not
            # deliver is reported below.
            if self._finishing or self._wait(delay * (1 - random_fraction() / 2)):
                break
            delay = min(delay * 2, self.max_delay)
        if self._fatal is not None:
            self.send_wait(self._fatal, "signal", interruptible=False)
        # Everything that reached "inbox" and no socket took: the backlog,
        # what came after a message of the wrong type, and what still waits
        # (the inbox closes now: later arrivals are dropped, as they would be).
        left = self.inboxes["inbox"].close(True)
        nbytes = self._backlog_size + self._lost
        for data in left:
            nbytes += wire_size(data)
        messages = len(self._backlog) + self._lost_count + len(left)
        if messages and (self._finishing or not self._stop_now):
            self.send_wait(dataDropped(nbytes, messages), "signal", interruptible=False)
        self.send_wait(socketShutdown(self), "signal", interruptible=False)

    # -- ThreadedTCPClient's hooks ----------------------------------------------

    def _started(self):
        ThreadedTCPClient._started(self)
        self._came_up = True
        if not self.resend:
            self._absorb(True)
            self.inboxes["inbox"].release_taken()
            if self._backlog:
                report = dataDropped(self._backlog_size, len(self._backlog))
                del self._backlog[:]
                self._backlog_size = 0
                self.send_wait(report, "signal", interruptible=False)
        self.send_wait(connected(self.host, self.port), "signal", interruptible=False)

    def _take_messages(self):
        """The backlog, with what waits in "inbox" added; after a message
        of the wrong type, once what came before it is written, its
        TypeError (the session ends, and there is no retrying)."""
        self._absorb(True)
        if self._fatal is not None and not self._backlog:
            raise self._fatal
        return self._backlog

    def _written(self, messages, sent):
        """What the socket took leaves the backlog; on an error the rest
        stays for the next connection."""
        self._forget(self._backlog_size if sent is None else sent)

    # -- between connections --------------------------------------------------------

    def _wait(self, seconds):
        """Sleep before the next attempt, keeping the inbox moving into the
        backlog ("control" first, as _serve reads it).  True if told to
        stop meanwhile (or a message of the wrong type came)."""
        start = ticks_ms()
        while True:
            if self._take_control():
                return True
            self._absorb(False)
            if self._fatal is not None:
                return True
            if self._finishing:
                return False            # one more attempt to deliver the backlog
            left = seconds - ticks_diff(ticks_ms(), start) / 1000
            if left <= 0:
                return False
            self.pause(left)

    def _absorb(self, connected):
        """Move what waits in "inbox" to the backlog.  Disconnected, drop
        the oldest beyond ``buffer_bytes``.  Connected, drop nothing: the
        socket is about to take it, and until it is written the batch still
        counts against the inbox's byte bound, which holds a faster
        producer back instead."""
        backlog = self._backlog
        inbox = self.inboxes["inbox"]
        for data in inbox.take_all():
            if self._fatal is not None:
                self._lost += wire_size(data)   # after one of the wrong type
                self._lost_count += 1
                continue
            message = as_bytes(data)
            if message is None:
                self._fatal = wrong_type(data)  # a programming error: no retrying
                continue
            backlog.append(message)
            self._backlog_size += len(message)
        if connected:
            return
        inbox.release_taken()           # the backlog bounds them from here
        count = dropped = 0
        while self._backlog_size > self.buffer_bytes and len(backlog) - count > 1:
            dropped += len(backlog[count])
            self._backlog_size -= len(backlog[count])
            count += 1
        if count:
            del backlog[:count]
            self.send_wait(dataDropped(dropped, count), "signal", interruptible=False)

    def _forget(self, nbytes):
        """The socket took ``nbytes`` from the front of the backlog."""
        backlog = self._backlog
        self._backlog_size -= nbytes
        count = 0
        while count < len(backlog) and len(backlog[count]) <= nbytes:
            nbytes -= len(backlog[count])   # empty messages go here too
            count += 1
        del backlog[:count]
        if nbytes:
            backlog[0] = bytes(memoryview(backlog[0])[nbytes:])
