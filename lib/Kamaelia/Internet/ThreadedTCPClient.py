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
  stop_poll); shutdownMicroprocess closes now.
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
ignored, as in Kamaelia.  ssl=, server_hostname=, statistics= are set up
by Kamaelia.Internet.Extras, imported only then.
"""

import socket
from errno import EINPROGRESS, ETIMEDOUT
from axonport import (allocate_lock, start_thread, is_timeout, wake_blocked_recv, half_close,
                      socket_poller, ticks_ms, ticks_diff, QUEUE_BYTES)
from Axon.ThreadedComponent import threadedcomponent, checked
from Axon.Box import LockedBox
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown, dataNotSent


def _as_bytes(data, strict=True):
    """The bytes-like object to write for one inbox message: its len() is
    the number of bytes it puts on the wire.  Another type is a TypeError,
    or with ``strict`` False, nothing (b"")."""
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
    if not strict:
        return b""
    raise TypeError("ThreadedTCPClient sends bytes, bytearray, memoryview or str, "
                    "not %s" % type(data).__name__)


# What initialsendmessage may be.
_INITIAL = (bytes, bytearray, memoryview, str, type(None))


class _Abandoned(Exception):
    """Waiting on the socket gave way to a shutdown (or to the reader's error)."""


class ThreadedTCPClient(threadedcomponent):
    # The module docstring says what each box carries; these stay short
    # because every string here costs heap on a board.
    Inboxes = {"inbox": "data to send", "control": "producerFinished, shutdownMicroprocess"}
    Outboxes = {"outbox": "data received", "signal": "exceptions, then socketShutdown"}

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
            initialsendmessage = _as_bytes(initialsendmessage)
        if recv_size is None:
            recv_size = min(2048, QUEUE_BYTES // 8)
        if send_buffer is None:
            send_buffer = max(128, min(16384, QUEUE_BYTES // 8))
        checked(who, (("connect_timeout", connect_timeout, 0, False, True),
                      ("stop_poll", stop_poll, 0, False, False),
                      ("recv_size", recv_size, 1, True, False),
                      ("send_buffer", send_buffer, 2, True, False),
                      ("inbox_bytes", inbox_bytes, 1, True, True)))
        self.inbox_bytes = QUEUE_BYTES if inbox_bytes is None else inbox_bytes
        threadedcomponent.__init__(self, queuelengths=queuelengths)
        self.host = host
        self.port = port
        self.initialsendmessage = initialsendmessage
        self.connect_timeout = connect_timeout
        self.recv_size = recv_size
        self.stop_poll = stop_poll
        self._batch = bytearray(send_buffer)
        self._stopping = False          # under self._lock
        self._reader_done = False       # under self._lock
        self._error = None              # first error; under self._lock
        # No reader yet: nothing to wake.  _session makes the reader's
        # wake-up lock (a connection's own), so a client costs none before
        # it runs.
        self._reader_wake_pending = True    # under self._lock
        # Every attribute the threads touch exists before they start: on
        # MicroPython without a GIL, adding one grows the instance dict while
        # another thread reads it, and that read can fail.
        self._lingering = False
        self._peer_closed = False
        self._graceful = False
        self._write_progress = 0
        # Bytes given to the socket to send and not (yet) taken by it: the
        # writer adds what it takes from "inbox", subtracts what is sent.
        self._unsent = 0
        # False; True once shutdownMicroprocess ("stop now") came; None once
        # producerFinished came first (what then goes unsent is reported).
        self._abort = False
        self._reader_wake = None
        if extras:                      # ssl=, server_hostname=, statistics=
            from Kamaelia.Internet.Extras import setup
            setup(self, **extras)

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
        for data in self.inboxes["inbox"].close(True):
            unsent += len(_as_bytes(data, False))
        if self._error is not None:
            self.send_wait(self._error, "signal", interruptible=False)
        # Not reported: what a "stop now" without producerFinished dropped.
        if unsent and not self._abort:
            report = dataNotSent("%d bytes were not sent to %r port %d"
                                 % (unsent, self.host, self.port))
            report.nbytes = unsent
            self.send_wait(report, "signal", interruptible=False)
        self.send_wait(socketShutdown(self), "signal", interruptible=False)

    def _session(self):
        """One connection, from connecting to closed.  Errors are recorded
        (``self._error``), not raised.  True if it ended because the
        component was told to stop, False if the connection ended."""
        reader_wake = allocate_lock()
        reader_wake.acquire()           # held = no wake pending
        # Swapped in under the lock: the scheduler's thread may be waking
        # the previous session's reader right now.
        self._lock.acquire()
        self._stopping = False          # close now
        self._lingering = False         # closing gracefully: read until quiet
        self._reader_done = False
        self._peer_closed = False
        self._error = None
        self._reader_wake = reader_wake
        self._reader_wake_pending = False
        self._lock.release()
        self._graceful = False
        sock = None
        reading = False
        stopped = False
        try:
            sock = self._connect()
            self._connected()
            sock.settimeout(self.stop_poll)
            reading = True
            start_thread(self._read_loop, (sock,))
            if self.initialsendmessage is not None:
                self._unsent += len(self.initialsendmessage)
                self._write(sock, self.initialsendmessage)
            stopped = self._serve(sock)
        except _Abandoned:
            stopped = self._control_has(shutdownMicroprocess)
            if stopped and self._abort is False:
                # A producerFinished waits unread beside the stop (the wait
                # was a connect or a write): what goes unsent is reported,
                # as when the producerFinished is read first.
                self._abort = None if self._control_has(producerFinished) else True
        except Exception as exc:
            self._record(exc)
        graceful = self._graceful and self._error is None
        if graceful and reading:
            # Half-close (where the runtime can), then keep reading until the
            # server closes or goes quiet: closing with unread data makes
            # the kernel reset the connection, and the server would lose
            # what it had not read yet.
            half_close(sock)
            self._lock.acquire()
            self._lingering = True
            self._lock.release()
        else:
            self._lock.acquire()
            self._stopping = True
            self._wake_reader_locked()
            self._lock.release()
            if reading:
                wake_blocked_recv(sock)
        # The reader's last act is to set _reader_done and wake this thread
        # (a lock of its own for that would cost a board's heap).
        while reading and not self._reader_finished():
            self.pause()
        if sock is not None:
            sock.close()
        return stopped

    def _connected(self):
        """Called once a connection is up (a hook for subclasses)."""

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

    def _serve(self, sock):
        """Write inbox to the socket until told to stop (returns True) or
        the connection ends (returns False).  Sets ``_graceful`` when the
        connection should be closed gently (everything was sent).

        When the server has closed its side it may still read (a
        half-close): writing goes on until producerFinished, or until
        nothing can deliver to "inbox" any more and it is empty (looked at
        every ``stop_poll`` seconds).  A server that closed both sides
        makes the next write fail, and what was not sent is reported."""
        inbox = self.inboxes["inbox"]
        while True:
            if self._control_waiting() and self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, producerFinished):
                    self._abort = None
                    self._write_all(sock)
                    self._graceful = True
                    return True
                if isinstance(msg, shutdownMicroprocess):
                    self._abort = True
                    return True
                continue
            messages = inbox.take_all()
            if messages:
                self._write_messages(sock, messages)
                continue
            if not self._reader_finished():
                self.pause()
            elif not self._peer_closed:
                return False                    # an error ended it
            # In this order: a producer's messages are all delivered before
            # it counts as finished.
            elif not inbox.fed() and not len(inbox):
                self._graceful = True
                return False
            else:
                self.pause(self.stop_poll)

    def _write_all(self, sock):
        """Write until "inbox" is empty."""
        inbox = self.inboxes["inbox"]
        messages = inbox.take_all()
        while messages:
            self._write_messages(sock, messages)
            messages = inbox.take_all()

    def _write_messages(self, sock, messages):
        """Write ``messages`` in order; small ones are gathered into one
        write.  Counts them in ``_unsent``, also those a failure leaves
        unwritten; a message of the wrong type is a TypeError after what
        came before it was written."""
        batch = self._batch
        limit = len(batch)
        half = limit // 2
        filled = taken = i = 0
        end = len(messages)
        try:
            while i < end:
                data = messages[i]
                i += 1
                if not isinstance(data, (bytes, bytearray)):
                    data = _as_bytes(data)
                size = len(data)
                taken += size
                if filled and (filled + size > limit or size > half):
                    view = memoryview(batch)[:filled]
                    filled = 0              # not written again below if this fails
                    self._write(sock, view)
                if size > half:
                    self._write(sock, data)
                    continue
                batch[filled:filled + size] = data
                filled += size
        finally:
            # After a failure: the messages not reached are never written.
            # (No except clause: the frame of a call per batch stays small.)
            while i < end:
                taken += len(_as_bytes(messages[i], False))
                i += 1
            self._unsent += taken
            if filled:
                self._write(sock, memoryview(batch)[:filled])

    def _write(self, sock, data):
        """Send all of ``data``; if that fails, ``_write_progress`` says how
        many bytes the socket had taken."""
        rest = data             # a memoryview only after a partial send
        sent = 0
        size = len(data)
        while sent < size:
            # A slow server can take a whole queue of complete sends, each
            # waiting for room: "stop now" must not wait for all of them.
            if self._control_waiting() and self._control_has(shutdownMicroprocess):
                self._write_progress = sent
                self._unsent -= sent
                raise _Abandoned()
            try:
                sent += sock.send(rest)
                if sent < size:
                    rest = memoryview(data)[sent:]
            except OSError as exc:
                if not is_timeout(exc):
                    self._write_progress = sent
                    self._unsent -= sent
                    raise
                # The server is not reading (it may have half-closed and be
                # busy: wait for it); stop promptly if told to, or if the
                # reader met an error (the connection is broken).
                if self._control_has(shutdownMicroprocess) or self._error is not None:
                    self._write_progress = sent
                    self._unsent -= sent
                    raise _Abandoned()
        self._unsent -= size

    def _control_waiting(self):
        """A peek at "control" without the lock (a list's length is one
        word): a False may be stale for a moment, a True is then checked
        under the lock.  It saves a lock round per batch written."""
        box = self.inboxes["control"]
        return len(box.items) > box.head

    def _reader_finished(self):
        self._lock.acquire()
        done = self._reader_done
        self._lock.release()
        return done

    def _record(self, exc):
        self._lock.acquire()
        if self._error is None:
            self._error = exc
        self._lock.release()

    # -- the reader thread ---------------------------------------------------------

    def _read_loop(self, sock):
        lock = self._lock
        linger_since = None
        # A graceful close reads on for at most this long (a server that
        # keeps sending after our end of the stream).
        linger_ms = max(400, int(self.stop_poll * 2000))
        # After a full chunk, more may be waiting in the socket: the chunk is
        # then queued without waking the scheduler's side, which would
        # otherwise run once per chunk, in lock-step with this thread.
        # The poller does the waiting: a blocked recv whose timeout is cut
        # short by a signal (the unix port's collector signals every
        # thread) starts its timeout again, so with collections more often
        # than stop_poll it would never time out, and a stop or the end of
        # a graceful close would go unnoticed; poll() keeps its deadline.
        more_now = socket_poller(sock)
        ready = False
        wait_ms = int(self.stop_poll * 1000)
        size = self.recv_size
        try:
            while True:
                lock.acquire()
                stopping = self._stopping
                lingering = self._lingering
                lock.release()
                if stopping:
                    break
                if lingering:
                    if linger_since is None:
                        linger_since = ticks_ms()
                    elif ticks_diff(ticks_ms(), linger_since) > linger_ms:
                        break           # a server that never stops talking
                data = None
                if ready or more_now is None or more_now(wait_ms):
                    try:
                        data = sock.recv(size)
                    except OSError as exc:
                        if not is_timeout(exc):
                            raise
                if data is None:        # quiet for stop_poll
                    lock.acquire()
                    lingering = self._lingering
                    lock.release()
                    if lingering:
                        break           # closing, and quiet for stop_poll
                    continue
                if not data:
                    lock.acquire()
                    self._peer_closed = True
                    lock.release()
                    break
                ready = more_now is not None and len(data) == size and more_now(0)
                while not self._queue_out(data, "outbox", not ready):
                    self._reader_wake.acquire()
                    lock.acquire()
                    self._reader_wake_pending = False
                    stopping = self._stopping
                    lock.release()
                    if stopping:
                        break
        except Exception as exc:        # MemoryError too: reported, not lost
            lock.acquire()
            stopping = self._stopping
            lock.release()
            if not stopping:
                self._record(exc)
        finally:
            # Whatever happened, the writer's thread must learn that this
            # one is gone, or the close would wait for it for ever; after
            # this the reader touches nothing of the connection.
            lock.acquire()
            self._reader_done = True
            try:
                self._wake_thread_locked()
            finally:
                lock.release()

    def _make_inbox(self, name):
        if name == "inbox":
            return LockedBox(self, name, self.queuelengths, self.inbox_bytes)
        return threadedcomponent._make_inbox(self, name)

    def _wake_reader_locked(self):
        if not self._reader_wake_pending:
            self._reader_wake_pending = True
            self._reader_wake.release()

    def _space_freed_locked(self):
        # Either thread may be the one waiting for room in the queue.
        self._wake_thread_locked()
        self._wake_reader_locked()
