"""TCPServer: a listening socket in its own thread; ConnectedSocketAdapter:
one accepted connection, the ThreadedTCPClient's machinery on a socket
that was accepted instead of connected.  ServerCore
(Kamaelia/Chassis/ConnectedServer.py) wires them to protocol handlers.

TCPServer(listenport, socketOptions=None, max_connections=None, backlog=5,
stop_poll=0.2) binds every IPv4 interface and listens in its constructor
(a port that cannot be bound is an OSError naming it, raised there; from
then on a client may connect).  ``socketOptions``: one
``(level, option, value)`` tuple for ``setsockopt``, or a tuple of them,
set before the bind (FastRestartServer's SO_REUSEADDR).

- "protocolHandlerSignal": ``newCSA(self, (sock, address))`` for each
  accepted connection; the receiver (on the scheduler's thread) owns the
  socket from then on.
- "control": ``shutdownMicroprocess`` (``serverShutdown`` is one) stops
  accepting at once (on MicroPython through a ``socket_waker``; on
  CPython, and on a port without a loopback, within ``stop_poll``
  seconds); the listening socket closes.
- "signal": the stop message, passed on when it has ended.

At most ``max_connections`` connections are open at once (by default
MAX_CONNECTIONS, which follows the heap: see below); one beyond that is not
accepted but left in the listen backlog (``backlog`` deep; beyond that
the OS drops or refuses the connect), and accepted when the receiver
calls ``release_slot()`` for a connection that ended.  So a full server
costs neither a thread nor heap, and a waiting client sees a connected
socket that is answered later (it needs its own timeout).

ConnectedSocketAdapter(sock, peer, peerport, out_maxbytes=None, **options):
a ThreadedTCPClient (the same boxes, batching, back-pressure, graceful
close; ``options`` as its; ``out_maxbytes`` bounds what its reader has
queued, as a threadedcomponent's) whose connection is ``sock``.  When the peer
closes its side, ``shutdownCSA(self, self)`` goes out of "signal" after
everything it sent went out of "outbox"; the adapter goes on sending what
reaches "inbox" (a half-closed peer still reads) until producerFinished,
or until nothing feeds "inbox" and it is empty.  Then, as a client's,
"signal" carries errors, then one ``socketShutdown``.
"""

import socket
from axonport import socket_poller, socket_waker, wake, bind_address, is_timeout, QUEUE_BYTES
from Axon.ThreadedComponent import threadedcomponent, checked
from Axon.Ipc import shutdownMicroprocess
from Kamaelia.IPC import newCSA, shutdownCSA
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient

# Connections open at once by default: a board runs about ten threads in
# all, and each connection takes two (its writer and its reader) and a
# share of the heap; so one per 2 KB of QUEUE_BYTES, 1 to 16: 1 in a
# 64 KB MicroPython heap, 3 in 96 KB, 4 in 128 KB, 16 on CPython.
MAX_CONNECTIONS = max(1, min(16, QUEUE_BYTES // 2048))

# The socketOptions of the FastRestart servers: a restarted server binds
# its port at once, while connections of the last run linger in TIME_WAIT.
REUSE_ADDRESS = (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)


class ConnectedSocketAdapter(ThreadedTCPClient):
    def __init__(self, sock, peer="client", peerport=1, out_maxbytes=None, **options):
        ThreadedTCPClient.__init__(self, peer, peerport, **options)
        if out_maxbytes is not None:
            checked("ConnectedSocketAdapter", (("out_maxbytes", out_maxbytes, 1, True, False),))
            self.out_maxbytes = out_maxbytes
        self._accepted = sock

    def _connect(self):
        sock = self._accepted
        self._accepted = None           # the session owns it now
        if sock is None:
            raise OSError("the connection from %r port %d was already used"
                          % (self.host, self.port))
        sock.setblocking(True)
        return sock

    def _eof_notice(self):
        return shutdownCSA(self, self)


class TCPServer(threadedcomponent):
    Inboxes = {"control": "shutdownMicroprocess, serverShutdown", "inbox": "not used"}
    Outboxes = {"protocolHandlerSignal": "newCSA(self, (sock, address))",
                "signal": "the stop message", "outbox": "not used"}

    def __init__(self, listenport, socketOptions=None, max_connections=None, backlog=5,
                 stop_poll=0.2):
        if max_connections is None:
            max_connections = MAX_CONNECTIONS
        checked("TCPServer", (("listenport", listenport, 0, True, False),
                              ("max_connections", max_connections, 1, True, False),
                              ("backlog", backlog, 0, True, False),
                              ("stop_poll", stop_poll, 0, False, False)))
        if listenport > 65535:
            raise ValueError("TCPServer: listenport must be at most 65535, not %r" % (listenport,))
        threadedcomponent.__init__(self)
        self.listenport = listenport
        self.stop_poll = stop_poll
        self.free = max_connections      # slots; under self._lock
        self.accepted = 0                # connections handed out
        self.listener = _listen(listenport, socketOptions, backlog)
        # What wakes the thread from its poll of the listener when a
        # message arrives (MicroPython; None on CPython, where the poll
        # ends within stop_poll).
        self.waker = socket_waker()

    def release_slot(self):
        """A connection this server handed out has ended (any thread)."""
        self._lock.acquire()
        self.free += 1
        self.wakeup.wake()
        self._lock.release()

    def _wake_for_put(self):
        # A message for the thread (a stop): also end its poll of the listener.
        if self.waker is not None:
            wake(self.waker)
        return threadedcomponent._wake_for_put(self)

    def main(self):
        listener = self.listener
        ready = socket_poller(listener, False, self.waker)
        wait_ms = int(self.stop_poll * 1000)
        try:
            while True:
                stop = self._stop_message()
                if stop is not None:
                    break
                self._lock.acquire()
                free = self.free
                self._lock.release()
                if not free:
                    self.pause()        # a released slot or a stop wakes it
                    continue
                if not ready(wait_ms):
                    continue
                try:
                    sock, addr = listener.accept()
                except OSError as exc:
                    if is_timeout(exc):
                        continue        # the client went away before the accept
                    raise
                self._lock.acquire()
                self.free -= 1
                self.accepted += 1
                self._lock.release()
                if not self.send(newCSA(self, (sock, addr)), "protocolHandlerSignal"):
                    sock.close()        # told to stop meanwhile
        finally:
            listener.close()
            if self.waker is not None:
                self.waker.close()
        self.send_wait(stop, "signal", interruptible=False)

    def _stop_message(self):
        while self.dataReady("control"):
            msg = self.recv("control")
            if isinstance(msg, shutdownMicroprocess):
                return msg
        return None


def _listen(port, options, backlog):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if options:
            for option in (options if isinstance(options[0], tuple) else (options,)):
                sock.setsockopt(*option)
        sock.bind(bind_address(port))
        sock.listen(backlog)
        sock.settimeout(0)      # accept only when poll says a client waits
    except OSError as exc:
        sock.close()
        raise OSError(exc.args[0] if exc.args else 0,
                      "cannot listen on port %d: %s" % (port, exc))
    return sock
