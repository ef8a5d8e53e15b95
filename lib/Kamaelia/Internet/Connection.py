"""Connection: one session of a client's TCP connection -- the connected
socket, the reader thread that puts what the server sends on the client's
"outbox", and the close.  The client's own thread writes (see
ThreadedTCPClient.py); a client makes one Connection per connection.

``state`` is what the two threads tell each other; it is read and written
under the client's lock:

- _OPEN: the reader reads; the client's thread writes.
- _LINGER: the client has sent everything and half-closed (where the
  runtime can); the reader reads on until the server closes, goes quiet
  for ``stop_poll``, or has gone on talking for twice that (at least
  0.4 s).  Closing with unread data would make the kernel reset the
  connection, and the server would lose what it had not read yet.
  Where the runtime cannot half-close (MicroPython) and nothing takes
  what the server sends (the client's "outbox" leads nowhere, as in the
  seed's ``Pipeline(reader, client)``), there is no reply to wait for:
  the reader drops what is readable now and ends (``quick``), and the
  socket closes with nothing unread, so the close is a FIN after the
  data, not a reset.  (A server that first speaks as the client closes
  gets a reset, as it would after any close that cannot half-close;
  what it had received by then stays readable to it on Linux, but what
  the client's kernel had not sent yet is lost.  The lingering close
  narrows that window to a server quiet for ``stop_poll``.)
- _STOP: close now; the reader stops at once (within ``stop_poll``
  where nothing can wake it).
- _EOF: the reader has ended because the server closed its side.  A
  server that half-closed may still read: the client may write on.
- _ENDED: the reader has ended otherwise (stopped, done lingering, or an
  error, recorded with the client's ``_record``).  With the client's
  ``recv_timeout`` set (an extra, see Extras.py), an open connection
  that has received nothing for that long is an error too, an OSError
  ETIMEDOUT (time spent waiting for room in the client's queue does not
  count: the server is not silent then, the receiver is slow).

``reader_end()`` tells the client's thread the last two: None while the
reader runs, else "eof" or "ended".  The reader's last act is to move to
one of them and wake the client's thread; after that it touches nothing
of the connection, and ``close()``, which waits for that, closes the
socket.  A change of state wakes a reader waiting on the socket: by
``wake_blocked_recv`` (shutdown) on CPython, through a socket_waker on
MicroPython (see axonport; where a port has none, the reader notices
within ``stop_poll``).  While the client's outgoing
queue is full the reader waits on its ``wakeup`` (Axon/Scheduler.py, guarded
by the client's lock; woken when there is room, or on a stop): no polling.
"""

from errno import ETIMEDOUT
from axonport import (start_thread, is_timeout, wake_blocked_recv, half_close,
                      socket_poller, socket_waker, wake, ticks_ms, ticks_diff, const)
from Axon.Ipc import shutdownMicroprocess as _Shutdown
from Axon.Scheduler import Wakeup

_OPEN = const(0)
_LINGER = const(1)
_STOP = const(2)
_EOF = const(3)
_ENDED = const(4)


class Connection(object):
    def __init__(self, client, sock):
        """``sock``: a connected socket (or a layer over one)."""
        self.client = client
        self.sock = sock
        self.state = _OPEN
        self.reading = False
        self.quick = False              # see _LINGER above
        self.wakeup = Wakeup()          # the reader's, guarded by the client's lock
        self.waker = None               # wakes the reader from the socket (MicroPython)

    def start(self):
        """Start the reader; the client has made this its connection first,
        so that a wake for room in its queue reaches this reader."""
        self.sock.settimeout(self.client.stop_poll)
        self.waker = socket_waker()
        start_thread(self._read, ())
        self.reading = True

    def reader_end(self):
        """None while the reader runs; "eof" once it has ended at the
        server's end of stream, "ended" once it has ended otherwise."""
        state = self._state()
        return None if state < _EOF else "eof" if state == _EOF else "ended"

    def _state(self):
        lock = self.client._lock
        lock.acquire()
        state = self.state
        lock.release()
        return state

    def close(self, graceful):
        """End the session from the client's thread: gracefully (half-close,
        and the reader lingers) or now; wait for the reader; close.  A
        stop (shutdownMicroprocess, or stop()) during the linger ends it
        at once: a reader held up by a full queue that nothing downstream
        takes from would otherwise keep it waiting."""
        client = self.client
        sock = self.sock
        if graceful and self.reading and not half_close(sock):
            # Does what the server sends reach a box that keeps it?
            box = client.outboxes["outbox"]
            while box.target is not None:
                box = box.target
            self.quick = box.items is None
        self._end(_LINGER if graceful else _STOP)
        if not graceful and self.reading:
            wake_blocked_recv(sock)
        while self.reading and self._state() < _EOF:
            if graceful and (client._stop_requested or client._control_has(_Shutdown)):
                graceful = False            # told to stop while lingering
                self._end(_STOP)
                wake_blocked_recv(sock)
            client.pause()          # the reader wakes the client's thread last
        sock.close()
        if self.waker is not None:
            self.waker.close()

    def _end(self, state):
        lock = self.client._lock
        lock.acquire()
        if self.state < _EOF:
            self.state = state
            if state == _STOP:
                self.wakeup.wake()
            if self.waker is not None:
                wake(self.waker)
        lock.release()

    def _read(self):
        client = self.client
        lock = client._lock
        sock = self.sock
        end = _ENDED
        try:
            # Set up in the try block too: a MemoryError here is recorded
            # like any other, not lost with the thread.
            linger_since = None
            linger_ms = max(400, int(client.stop_poll * 2000))
            # After a full chunk, more may be waiting in the socket: the chunk is
            # then queued without waking the scheduler's side, which would
            # otherwise run once per chunk, in lock-step with this thread.
            # The poller does the waiting: a blocked recv whose timeout is cut
            # short by a signal (the unix port's collector signals every
            # thread) starts its timeout again, so with collections more often
            # than stop_poll it would never time out, and a stop or the end of
            # a graceful close would go unnoticed; poll() keeps its deadline.
            more_now = socket_poller(sock, False, self.waker)
            ready = False
            wait_ms = int(client.stop_poll * 1000)
            silent_ms = client.recv_timeout
            if silent_ms is not None:
                silent_ms = int(silent_ms * 1000)
                wait_ms = min(wait_ms, silent_ms)
            heard = ticks_ms()
            size = client.recv_size
            while True:
                lock.acquire()
                state = self.state
                lock.release()
                if state == _STOP:
                    break
                if state == _LINGER:
                    if linger_since is None:
                        linger_since = ticks_ms()
                    elif ticks_diff(ticks_ms(), linger_since) > linger_ms:
                        break           # a server that never stops talking
                    if self.quick and more_now is not None:
                        # Drop what is readable now (for at most linger_ms:
                        # a server that never stops talking), then end.
                        while more_now(0) and ticks_diff(ticks_ms(), linger_since) <= linger_ms:
                            if not sock.recv(size):
                                end = _EOF
                                break
                        break
                data = None
                readable = ready or more_now is None or more_now(wait_ms)
                if readable is None:
                    continue            # woken: the state has changed
                if readable:
                    try:
                        data = sock.recv(size)
                    except OSError as exc:
                        if not is_timeout(exc):
                            raise
                if data is None:        # quiet for stop_poll
                    state = self._state()
                    if state == _LINGER:
                        break
                    if silent_ms is not None and state == _OPEN and \
                            ticks_diff(ticks_ms(), heard) >= silent_ms:
                        raise OSError(ETIMEDOUT, "nothing received for %s s from %r port %d"
                                      % (client.recv_timeout, client.host, client.port))
                    continue
                if not data:
                    end = _EOF
                    # Told after every byte received, in the same queue.
                    notice = client._eof_notice()
                    while notice is not None and not client._queue_out(notice, "signal", True):
                        self.wakeup.wait(lock)
                        if self._state() == _STOP:
                            break
                    break
                ready = more_now is not None and len(data) == size and more_now(0)
                while not client._queue_out(data, "outbox", not ready):
                    self.wakeup.wait(lock)
                    if self._state() == _STOP:
                        break
                if silent_ms is not None:
                    heard = ticks_ms()
        except Exception as exc:        # MemoryError too: reported, not lost
            if self._state() != _STOP:
                client._record(exc)
        finally:
            # Whatever happened, the client's thread must learn that this
            # one is gone, or the close would wait for it for ever.
            lock.acquire()
            self.state = end
            try:
                client.wakeup.wake()
            finally:
                lock.release()

