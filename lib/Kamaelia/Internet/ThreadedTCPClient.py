"""ThreadedTCPClient: one TCP connection, owned by its own thread, as a component.

ThreadedTCPClient(host, port, chargen=0, initialsendmessage=None,
                  connect_timeout=10, recv_size=None, stop_poll=0.2,
                  queuelengths=256, inbox_bytes=None, send_buffer=None,
                  ssl=None, server_hostname=None, statistics=False)

Boxes:
- "inbox": data for the server, sent in order and in full.  ``bytes``,
  ``bytearray`` and ``memoryview`` go as they are, ``str`` as UTF-8.  Any
  other type is a ``TypeError`` naming it, out of "signal", and the client
  then shuts down as for any error (what came before it is still sent).
  The inbox holds at most ``queuelengths`` messages and ``inbox_bytes``
  bytes (default: the port's QUEUE_BYTES, a sixteenth of the heap on
  MicroPython -- 8 KB on a 128 KB heap -- and 1 MB on CPython; one
  larger message is still taken when the inbox is empty; each message
  also counts Axon.Box.MESSAGE_COST bytes for its object): a component
  sending into a full inbox is held at its next yield until there is
  room (see Axon/Box.py; after ``setInboxSize`` it gets ``noSpaceInBox``
  instead).  Small messages waiting at once are copied into one
  write through a ``send_buffer``-byte buffer (default QUEUE_BYTES / 8,
  from 512 bytes to 16 KB); messages over half of it are written as they are,
  without a copy.
- "control": ``producerFinished`` (and ``socketShutdown``): everything that
  reached "inbox" before it goes to the server, then the socket closes.
  ``shutdownMicroprocess``: the socket closes now, unsent data is dropped.
- "outbox": data received from the server, as ``bytes`` of at most
  ``recv_size`` bytes, in order (default 2048, or QUEUE_BYTES / 8 when
  that is smaller: a MicroPython heap under 256 KB).
- "signal": exception objects and exactly one ``socketShutdown`` as the
  last message; never strings.

Edges:
- Errors (refused, name not found, reset, timeout): the exception goes out
  of "signal", the socket is closed, then ``socketShutdown``.  When the
  server closes, all data received so far is on "outbox" before the
  ``socketShutdown``.
- Two threads serve the connection: this component's thread writes and a
  second one blocks in ``recv``.  The socket has a ``stop_poll`` second
  timeout, so the reader (and a writer stuck on a server that does not
  read) sees a stop request within ``stop_poll`` seconds even when the
  server never sends anything; where the OS allows (CPython on Linux) the
  reader is woken at once.  A shutdown therefore completes within about
  ``stop_poll`` (0.2 s by default) plus the time to close the socket.
  Connecting is bounded by ``connect_timeout`` seconds instead.
- The reader stops reading (so TCP slows the server down) while
  QUEUE_BYTES of received chunks wait for the component after "outbox".
- Memory: the inbox bound, the send buffer and the received chunks in
  flight bound what one client holds: about 17 KB on a 128 KB MicroPython
  heap, 9 KB on a 64 KB one.  Lower ``inbox_bytes``, ``send_buffer`` and
  ``recv_size`` on a board that is short of memory.
- ``chargen`` is accepted and ignored, as in Kamaelia.

Extras, loaded only when asked for (a plain client does not import them;
see Kamaelia.Internet.Extras): ``ssl=`` / ``server_hostname=`` (TLS.py) and
``statistics=True`` (Statistics.py: counters, ``statistics()`` and a
"stats" outbox).
"""

import socket
from axonport import (allocate_lock, start_thread, is_timeout, wake_blocked_recv, half_close,
                      read_poller, ticks_ms, ticks_diff, QUEUE_BYTES)
from Axon.ThreadedComponent import threadedcomponent
from Axon.Box import LockedBox
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown


def _as_bytes(data):
    """The bytes-like object to write for one inbox message."""
    if isinstance(data, (bytes, bytearray)):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, memoryview):
        return data
    raise TypeError("ThreadedTCPClient sends bytes, bytearray, memoryview or str, "
                    "not %s" % type(data).__name__)


class _Abandoned(Exception):
    """A write to a server that is not reading gave way to a shutdown."""


class ThreadedTCPClient(threadedcomponent):
    # The module docstring says what each box carries; these stay short
    # because every string here costs heap on a board.
    Inboxes = {"inbox": "data to send", "control": "producerFinished, shutdownMicroprocess"}
    Outboxes = {"outbox": "data received", "signal": "exceptions, then socketShutdown"}

    def __init__(self, host, port, chargen=0, initialsendmessage=None,
                 connect_timeout=10, recv_size=None, stop_poll=0.2, queuelengths=256,
                 inbox_bytes=None, send_buffer=None, **extras):
        if not isinstance(host, str) or not host:
            raise ValueError("host must be a non-empty string, not %r" % (host,))
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ValueError("port must be an int from 1 to 65535, not %r" % (port,))
        if initialsendmessage is not None:
            initialsendmessage = _as_bytes(initialsendmessage)
        if recv_size is None:
            recv_size = min(2048, QUEUE_BYTES // 8)
        if recv_size < 1:
            raise ValueError("recv_size must be at least 1, not %r" % (recv_size,))
        if send_buffer is None:
            send_buffer = max(512, min(16384, QUEUE_BYTES // 8))
        if send_buffer < 2:
            raise ValueError("send_buffer must be at least 2, not %r" % (send_buffer,))
        self.inbox_bytes = QUEUE_BYTES if inbox_bytes is None else inbox_bytes
        threadedcomponent.__init__(self, queuelengths=queuelengths)
        # Received chunks waiting for the component after "outbox".
        self._out_limit = max(2, QUEUE_BYTES // recv_size)
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
        self._reader_wake_pending = False   # under self._lock
        # Every attribute the threads touch exists before they start: on
        # MicroPython without a GIL, adding one grows the instance dict while
        # another thread reads it, and that read can fail.
        self._lingering = False
        self._peer_closed = False
        self._graceful = False
        self._write_progress = 0
        self._reader_wake = allocate_lock()
        self._reader_exit = allocate_lock()
        if extras:                      # ssl=, server_hostname=, statistics=
            from Kamaelia.Internet.Extras import setup
            setup(self, **extras)

    # -- the writer: this component's thread --------------------------------------

    def main(self):
        self._session()
        if self._error is not None:
            self.send_wait(self._error, "signal", interruptible=False)
        self.send_wait(socketShutdown(self), "signal", interruptible=False)

    def _session(self):
        """One connection, from connecting to closed.  Errors are recorded
        (``self._error``), not raised.  True if it ended because the
        component was told to stop, False if the connection ended."""
        reader_wake = allocate_lock()
        reader_wake.acquire()           # held = no wake pending
        reader_exit = allocate_lock()
        reader_exit.acquire()           # held until the reader has gone
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
        self._reader_exit = reader_exit
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
                self._write(sock, self.initialsendmessage)
            stopped = self._serve(sock)
        except _Abandoned:
            stopped = self._control_has(shutdownMicroprocess)
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
        if reading:
            self._reader_exit.acquire()
        if sock is not None:
            sock.close()
        return stopped

    def _connected(self):
        """Called once a connection is up (a hook for subclasses)."""

    def _connect(self):
        try:
            infos = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)
        except OSError as exc:
            raise OSError("cannot resolve host %r: %s" % (self.host, exc))
        error = OSError("no address found for host %r" % (self.host,))
        for info in infos:
            sock = socket.socket(info[0], info[1], info[2])
            try:
                sock.settimeout(self.connect_timeout)
                sock.connect(info[4])
            except OSError as exc:
                sock.close()
                error = exc
                continue
            return sock
        raise error

    def _serve(self, sock):
        """Write inbox to the socket until told to stop (returns True) or
        the reader ends (returns False).  Sets ``_graceful`` when the
        connection should be closed gently (everything was sent)."""
        inbox = self.inboxes["inbox"]
        while True:
            if self._control_waiting() and self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, producerFinished):
                    self._write_all(sock)
                    self._graceful = True
                    return True
                if isinstance(msg, shutdownMicroprocess):
                    return True
                continue
            messages = inbox.take_all()
            if messages:
                self._write_messages(sock, messages)
                continue
            if self._reader_finished():
                if self._peer_closed:
                    self._graceful = self._send_rest(sock)
                return False
            self.pause()

    def _send_rest(self, sock):
        """The server closed its side, but may still read (a half-close):
        keep sending what reaches "inbox" until none has come for
        ``stop_poll`` seconds or a shutdown message comes.  False if told
        to stop now."""
        quiet_ms = int(self.stop_poll * 1000)
        since = ticks_ms()
        while True:
            if self._write_all(sock):
                since = ticks_ms()
            if self._control_waiting() and self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, shutdownMicroprocess):
                    return False
                if isinstance(msg, producerFinished):
                    self._write_all(sock)
                    return True
                continue
            left = quiet_ms - ticks_diff(ticks_ms(), since)
            if left <= 0:
                return True
            self.pause(left / 1000)

    def _write_all(self, sock):
        """Write until "inbox" is empty; True if there was anything."""
        inbox = self.inboxes["inbox"]
        messages = inbox.take_all()
        wrote = bool(messages)
        while messages:
            self._write_messages(sock, messages)
            messages = inbox.take_all()
        return wrote

    def _write_messages(self, sock, messages):
        """Write ``messages`` in order; small ones are gathered into one write."""
        batch = self._batch
        limit = len(batch)
        half = limit // 2
        filled = 0
        try:
            for data in messages:
                if not isinstance(data, (bytes, bytearray)):
                    data = _as_bytes(data)
                size = len(data)
                if filled and (filled + size > limit or size > half):
                    self._write(sock, memoryview(batch)[:filled])
                    filled = 0
                if size > half:
                    self._write(sock, data)
                    continue
                batch[filled:filled + size] = data
                filled += size
        finally:
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
                raise _Abandoned()
            try:
                count = sock.send(rest)
                sent += count
                if sent < size:
                    rest = memoryview(data)[sent:]
            except OSError as exc:
                if not is_timeout(exc):
                    self._write_progress = sent
                    raise
                # The server is not reading; still stop promptly if told to.
                if self._control_has(shutdownMicroprocess) or self._reader_finished():
                    self._write_progress = sent
                    raise _Abandoned()

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
        more_now = read_poller(sock)
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
            # one is gone, or the close would wait for it for ever.
            lock.acquire()
            self._reader_done = True
            try:
                self._wake_thread_locked()
            finally:
                lock.release()
                self._reader_exit.release()

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
