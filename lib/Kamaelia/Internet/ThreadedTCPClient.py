"""ThreadedTCPClient(host, port, chargen=0, initialsendmessage=None,
connect_timeout=10, recv_size=None, stop_poll=0.2, queuelengths=256,
inbox_bytes=None, send_buffer=None, ssl=None, server_hostname=None,
statistics=False): one TCP connection, in its own thread.  (Short: a
docstring's length is heap when a board compiles this; README.md says more.)

- "inbox": bytes, bytearray, memoryview (multi-byte items as their bytes),
  str as UTF-8, sent in order and in full; another type is a TypeError on
  "signal", then shutdown.  A full inbox (queuelengths, inbox_bytes) holds
  its sender at its next yield.
- "control": producerFinished sends all that reached "inbox", then closes
  gracefully (half-close, read until the server closes or is quiet for
  stop_poll; on MicroPython, which cannot half-close, at once when
  "outbox" leads nowhere); shutdownMicroprocess closes now, and drops what the server
  sent that has not left through "outbox" yet (a receiver that stopped
  reading cannot hold up the end).
- "outbox": what the server sends, bytes of at most recv_size.
- "signal": exceptions, then one socketShutdown.

Each byte that reached "inbox" is sent or reported: unsent bytes at the
end (an error, or shutdownMicroprocess after producerFinished) are a
dataNotSent (nbytes) after the error.  Only shutdownMicroprocess with no
producerFinished before it drops data unreported.  "inbox" closes then.

Edges: after the server's FIN the client sends on (a half-closed server
still reads) until producerFinished, or until nothing running is linked to
"inbox" and it is empty; a write to a server not reading waits for it.
Stops take effect within stop_poll, also while connecting (bounded by
connect_timeout, None: unbounded) and in a TLS handshake; a timeout names
host and port.  Every argument is checked by the constructor.  chargen is
ignored, as in Kamaelia.  ssl=, server_hostname=, statistics=,
recv_timeout= are set up by Kamaelia.Internet.Extras, imported only then.

Inside: this component's thread connects and writes; each connection is a
Connection (Connection.py: the socket, the reader thread, the close).
_session() runs one; _serve() is the write loop (_write_batched copies
small waiting messages into one write; where the socket can gather them,
CPython's sendmsg, Gathered.py hands it the list) and the only place where
"control" decides how a session ends (_take_control).  Subclasses
(ReconnectingTCPClient, a server's ConnectedSocketAdapter) change
_connect(), _started(), _take_messages(), _written(), _eof_notice() and
send_after_eof; the extras plug in through _extras.
"""

import socket
from errno import EINPROGRESS, ETIMEDOUT
from axonport import is_timeout, socket_poller, ticks_ms, ticks_diff, QUEUE_BYTES, CHUNK_BYTES, const
from Axon.ThreadedComponent import threadedcomponent, checked
from Axon.Box import LockedBox
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown, dataNotSent
from Kamaelia.Internet.Connection import Connection

# How a session ends (what _serve returns).
_FINISH = const(0)      # producerFinished, and everything was written: close gracefully
_DRAINED = const(1)     # the server closed its side, nothing more can come: close gracefully
_STOP = const(2)        # shutdownMicroprocess: close now
_LOST = const(3)        # the connection ended (an error, or the server closed it)


def as_bytes(data):
    """The bytes-like object to write for one inbox message (its len() is
    the bytes it puts on the wire), or None for a type that cannot be sent."""
    if isinstance(data, (bytes, bytearray)):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, memoryview):
        # len() of a view of 2-, 4- or 8-byte items (an array's) counts
        # items, and MicroPython's cannot be cast: such a view is copied
        # (an empty one too: MicroPython copies none into a bytearray).
        if len(data) and len(bytes(data[:1])) == 1:
            return data
        return bytes(data)
    return None


def wire_size(data):
    """Bytes one inbox message puts on the wire (0 for one that cannot be sent)."""
    data = as_bytes(data)
    return 0 if data is None else len(data)


def wrong_type(data):
    """The error for an inbox message that cannot be sent."""
    return TypeError("ThreadedTCPClient sends bytes, bytearray, memoryview or str, "
                     "not %s" % type(data).__name__)


# What initialsendmessage may be.
_INITIAL = (bytes, bytearray, memoryview, str, type(None))


class _Abandoned(Exception):
    """Waiting on the socket gave way to a shutdown (or to the reader's error)."""


class _WriteFailed(Exception):
    """A write ended early: the socket took the first ``sent`` bytes of
    what was being written; ``error`` says why (an OSError, a TypeError
    for a message of the wrong type, or _Abandoned)."""

    def __init__(self, sent, error):
        self.sent = sent
        self.error = error


class ThreadedTCPClient(threadedcomponent):
    # The module docstring says what each box carries; these stay short
    # because every string here costs heap on a board.
    Inboxes = {"inbox": "data to send", "control": "producerFinished, shutdownMicroprocess"}
    Outboxes = {"outbox": "data received", "signal": "exceptions, then socketShutdown"}

    # After the server's FIN, write on while the producer may send more
    # (a half-closed server still reads).  ReconnectingTCPClient does not:
    # it connects again.
    send_after_eof = True
    # Seconds of silence that break a connection (Connection.py): the
    # recv_timeout= extra, or this attribute set before activation.
    recv_timeout = None

    def __init__(self, host, port, chargen=0, initialsendmessage=None,
                 connect_timeout=10, recv_size=None, stop_poll=0.2, queuelengths=256,
                 inbox_bytes=None, send_buffer=None, **extras):
        who = type(self).__name__
        # The checks alone; Kamaelia.Internet.ClientArguments words a failure.
        if not (isinstance(host, str) and 0 < len(host) <= 253 and isinstance(port, int)
                and not isinstance(port, bool) and 0 < port < 65536
                and isinstance(initialsendmessage, _INITIAL)):
            from Kamaelia.Internet.ClientArguments import bad_argument
            raise bad_argument(who, host, port, initialsendmessage)
        if initialsendmessage is not None:
            initialsendmessage = as_bytes(initialsendmessage)
        if recv_size is None:
            recv_size = min(2048, CHUNK_BYTES)
        if send_buffer is None:
            send_buffer = max(128, min(16384, CHUNK_BYTES))
        checked(who, (("connect_timeout", connect_timeout, 0, False, True),
                      ("stop_poll", stop_poll, 0, False, False),
                      ("recv_size", recv_size, 1, True, False),
                      ("send_buffer", send_buffer, 2, True, False),
                      ("inbox_bytes", inbox_bytes, 1, True, True)))
        self.host = host
        self.port = port
        self.inbox_bytes = QUEUE_BYTES if inbox_bytes is None else inbox_bytes
        threadedcomponent.__init__(self, queuelengths=queuelengths)
        # ssl=, server_hostname=, statistics=: the one word a client spends
        # on them (Extras.py; each session calls it).
        self._extras = None
        if extras:
            from Kamaelia.Internet.Extras import setup
            self._extras = setup(self, **extras)
        self.initialsendmessage = initialsendmessage
        self.connect_timeout = connect_timeout
        self.recv_size = recv_size
        self.stop_poll = stop_poll
        self._batch = bytearray(send_buffer)
        # Every attribute the threads touch exists before they start: on
        # MicroPython without a GIL, adding one grows the instance dict while
        # another thread reads it, and that read can fail.
        self._conn = None               # this session's Connection; under self._lock
        self._error = None              # the session's first error; under self._lock
        self._finishing = False         # producerFinished came
        self._stop_now = False          # shutdownMicroprocess came
        # Bytes taken from "inbox" (or initialsendmessage) that no socket took.
        self._unsent = 0

    # -- hooks for subclasses (the extras plug in through ``_extras``) -------------

    def _started(self):
        """A connection is up; nothing has been read from it yet."""

    def _take_messages(self):
        """The messages to write next (an empty sequence: none waits)."""
        return self.inboxes["inbox"].take_all()

    def _eof_notice(self):
        """What the reader puts out of "signal" when the peer has closed
        its side, after all it sent (None: nothing; a server's connection
        tells its server, ServerCore)."""
        return None

    def _written(self, messages, sent):
        """``messages`` were written, or with ``sent`` not None, a failure
        left all but their first ``sent`` bytes unwritten (what the end
        reports in dataNotSent)."""
        if sent is not None:
            for data in messages:
                sent -= wire_size(data)
            self._unsent -= sent

    # -- the writer: this component's thread --------------------------------------

    def main(self):
        self._session()
        self._report_end()

    def _report_end(self):
        """After the connection: errors, what was not sent, socketShutdown.
        (Not in main(): main's frame lives as long as the connection, and a
        small one stays off MicroPython's heap.)"""
        # "inbox" closes now, not when the component has finished: what is
        # in it is counted, and what comes later is dropped, as it would be.
        unsent = self._unsent
        if self._stop_now:
            # What the server sent and nobody has taken yet goes too: a
            # receiver that stopped reading must not hold up the signals.
            self._discard_output()
        for data in self.inboxes["inbox"].close(True):
            unsent += wire_size(data)
        if self._error is not None:
            self.send_wait(self._error, "signal", interruptible=False)
        # Not reported: what a "stop now" without producerFinished dropped.
        if unsent and (self._finishing or not self._stop_now):
            report = dataNotSent("%d bytes were not sent to %r port %d"
                                 % (unsent, self.host, self.port))
            report.nbytes = unsent
            self.send_wait(report, "signal", interruptible=False)
        self.send_wait(socketShutdown(self), "signal", interruptible=False)

    def _session(self):
        """One connection, from connecting to closed.  Errors are recorded
        (``_error``), not raised.  True if it ended because the producer
        finished or the component was told to stop, False if the
        connection ended."""
        self._lock.acquire()
        self._error = None
        self._lock.release()
        sock = conn = None
        result = _LOST
        extras = self._extras
        try:
            sock = self._connect()
            if extras is not None:
                sock = extras.layer(sock)       # TLS, statistics
                extras.started()
            self._started()
            conn = Connection(self, sock)
            self._lock.acquire()
            self._conn = conn
            self._lock.release()
            conn.start()                        # reading from here on
            if self.initialsendmessage is not None:
                self._send_initial(sock)
            result = self._serve(conn)
        except _Abandoned:
            # Told to stop, or the reader failed (then "control" stays
            # unread: a ReconnectingTCPClient still tries again).
            if self._control_has(shutdownMicroprocess) and self._take_control():
                result = _STOP
        except Exception as exc:
            self._record(exc)
        if conn is not None:
            conn.close(result <= _DRAINED and self._error is None)
            self._lock.acquire()
            self._conn = None
            self._lock.release()
        elif sock is not None:
            sock.close()
        if extras is not None:
            extras.ended(self._error)
        return result <= _STOP and result != _DRAINED

    def _take_control(self):
        """Act on what waits on "control", oldest first; True at a
        shutdownMicroprocess (what follows it stays unread)."""
        while self.dataReady("control"):
            msg = self.recv("control")
            if isinstance(msg, shutdownMicroprocess):
                self._stop_now = True
                return True
            if isinstance(msg, producerFinished):
                self._finishing = True
        return False

    def _serve(self, conn):
        """Write what reaches "inbox" until told to stop or the connection
        ends; returns how the session ends.  "control" is read before
        "inbox": a producer's messages reach "inbox" before its
        producerFinished reaches "control", so when that is seen, all it
        sent is in hand and is written before the close.

        When the server has closed its side it may still read (a
        half-close): writing goes on (``send_after_eof``) until
        producerFinished, or until nothing can deliver to "inbox" any more
        and it is empty (looked at every ``stop_poll`` seconds).  A server
        that closed both sides makes the next write fail, and what was not
        sent is reported."""
        inbox = self.inboxes["inbox"]
        gathered = None
        if hasattr(conn.sock, "sendmsg"):   # CPython's plain sockets
            from Kamaelia.Internet.Gathered import write as gathered
        while True:
            if self._control_waiting() and self._take_control():
                return _STOP
            messages = self._take_messages()
            if messages:
                # The try block sits in this frame, which lives for the
                # session: in a call per batch it would put that call's
                # frame on MicroPython's heap each time.
                try:
                    if gathered is not None:
                        gathered(self, conn.sock, messages)
                    else:
                        self._write_batched(conn.sock, messages)
                except _WriteFailed as exc:
                    self._written(messages, exc.sent)
                    raise exc.error
                self._written(messages, None)
                inbox.release_taken()   # an idle client keeps none of them
                continue
            if self._finishing:
                return _FINISH
            end = conn.reader_end()
            if end is None:
                self.pause()
            elif end != "eof" or not self.send_after_eof:
                return _LOST
            # In this order: a producer's messages are all delivered before
            # it counts as finished.
            elif not inbox.fed() and not len(inbox):
                return _DRAINED
            else:
                self.pause(self.stop_poll)

    def _connect(self):
        try:
            infos = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:     # UnicodeError: CPython's IDNA codec
            raise OSError("cannot resolve host %r: %s" % (self.host, exc))
        error = OSError("no address found for host %r" % (self.host,))
        for info in infos:
            sock = socket.socket(info[0], info[1], info[2])
            # Without blocking, so that a stop is seen every stop_poll
            # seconds while the connection is being made.
            sock.setblocking(False)
            try:
                try:
                    sock.connect(info[4])
                except OSError as exc:
                    if exc.args[0] != EINPROGRESS:
                        raise
                    self._wait_socket(sock, True, self.connect_timeout)
                    try:
                        sock.connect(info[4])       # raises the connect's error
                    except OSError as exc:
                        if exc.args[0] != 106:      # EISCONN (lwIP; Linux answers 0)
                            raise
            except OSError as exc:
                sock.close()
                error = exc
                continue
            except BaseException:       # told to stop
                sock.close()
                raise
            sock.setblocking(True)
            return sock
        raise error

    def _wait_socket(self, sock, send, timeout):
        """Wait until ``sock`` can send (else receive), at most ``timeout``
        seconds (None: no limit), looking for a ``shutdownMicroprocess``
        every ``stop_poll`` seconds (raises _Abandoned).  A timeout is an
        OSError with errno ETIMEDOUT (a TimeoutError on CPython) naming the
        host and port."""
        start = ticks_ms()
        ready = socket_poller(sock, send)
        while True:
            step = self.stop_poll
            if timeout is not None:
                left = timeout - ticks_diff(ticks_ms(), start) / 1000
                if left <= 0:
                    raise OSError(ETIMEDOUT, "timed out after %s s (%r port %d)"
                                  % (timeout, self.host, self.port))
                step = min(step, left)
            if ready(int(step * 1000)):
                return
            if self._control_has(shutdownMicroprocess):
                raise _Abandoned()

    def _send_initial(self, sock):
        """Write initialsendmessage; what a failure leaves unwritten is
        counted as _written counts it (never kept for another connection)."""
        message = self.initialsendmessage
        try:
            self._write(sock, message, 0)
        except _WriteFailed as exc:
            self._unsent += len(message) - exc.sent
            raise exc.error

    def _write_batched(self, sock, messages):
        """Write ``messages`` in order: those up to half of send_buffer are
        gathered into one write, larger ones written as they are (no copy).
        A message of the wrong type ends it after what came before it was
        written.  Any failure is raised as _WriteFailed, a MemoryError
        (making a view, encoding a str) too.  (Where the socket can gather,
        Gathered.write does this instead.)"""
        batch = self._batch
        limit = len(batch)
        half = limit // 2
        filled = written = 0
        try:
            for message in messages:
                data = message
                if not isinstance(data, (bytes, bytearray)):
                    data = as_bytes(data)
                    if data is None:
                        if filled:
                            self._write(sock, memoryview(batch)[:filled], written)
                        raise _WriteFailed(written + filled, wrong_type(message))
                size = len(data)
                if filled and (filled + size > limit or size > half):
                    self._write(sock, memoryview(batch)[:filled], written)
                    written += filled
                    filled = 0
                if size > half:
                    self._write(sock, data, written)
                    written += size
                else:
                    batch[filled:filled + size] = data
                    filled += size
            if filled:
                self._write(sock, memoryview(batch)[:filled], written)
        except _WriteFailed:
            raise
        except Exception as exc:
            raise _WriteFailed(written, exc)

    def _write(self, sock, data, before):
        """Send all of ``data``, which follows ``before`` bytes already
        written; raises _WriteFailed counting both."""
        rest = data             # a memoryview only after a partial send
        sent = 0
        size = len(data)
        while sent < size:
            if self._control_waiting():
                self._check_stop(before + sent, False)
            try:
                sent += sock.send(rest)
                if sent < size:
                    rest = memoryview(data)[sent:]
            except OSError as exc:
                if not is_timeout(exc):
                    raise _WriteFailed(before + sent, exc)
                self._check_stop(before + sent, True)
            except Exception as exc:        # a MemoryError making the view
                raise _WriteFailed(before + sent, exc)

    def _check_stop(self, sent, timed_out):
        """Raise _WriteFailed(sent, _Abandoned()) if a write must end now:
        told to stop now (a slow server can take a whole queue of complete
        sends, each waiting for room: "stop now" must not wait for all of
        them); or, after a send timed out (the server is not reading: it
        may have half-closed and be busy, and is waited for), the reader
        met an error (the connection is broken)."""
        if self._control_has(shutdownMicroprocess) or (timed_out and self._error is not None):
            raise _WriteFailed(sent, _Abandoned())

    def _control_waiting(self):
        """A peek at "control" without the lock (a list's length is one
        word): a False may be stale for a moment, a True is then checked
        under the lock.  It saves a lock round per batch written."""
        box = self.inboxes["control"]
        return len(box.items) > box.head

    def _record(self, exc):
        self._lock.acquire()
        if self._error is None:
            self._error = exc
        self._lock.release()

    def _make_inbox(self, name):
        if name == "inbox":
            return LockedBox(self, name, self.queuelengths, self.inbox_bytes)
        return threadedcomponent._make_inbox(self, name)

    def _space_freed_locked(self):
        # Either thread may be the one waiting for room in the queue.
        self.wakeup.wake()
        if self._conn is not None:
            self._conn.wakeup.wake()
