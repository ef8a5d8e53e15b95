"""Kamaelia's servers: ServerCore, SimpleServer, FastRestartServer
(MoreComplexServer is ServerCore), on a listening thread and a
ConnectedSocketAdapter per connection (Kamaelia/Internet/TCPServer.py).

    SimpleServer(protocol=Factory, port=1601).activate()

For each accepted connection the server makes a protocol handler:
SimpleServer calls ``protocol()``, ServerCore ``protocol(peer=, peerport=,
localip=, localport=)``.  As in Kamaelia, what the handler sends out of
"outbox" goes to the client, what the client sends arrives on its
"inbox", and its "signal" goes to the connection's "control": a
``producerFinished`` there sends everything, then closes gracefully; a
``shutdownMicroprocess`` closes at once.  When the client closes its side
the handler gets ``socketShutdown`` on "control", after all the client
sent; a handler that ends without a word has its connection closed
gracefully (Kamaelia would leave it open).  A handler with a
"serversignal" outbox can stop the whole server through it.

Arguments (Kamaelia's, as keywords): ``protocol`` (required: a
TypeError without it), ``port`` (1601), ``socketOptions`` (one
``setsockopt`` tuple, or a tuple of them; FastRestartServer's is
SO_REUSEADDR, ServerCore and SimpleServer keep the OS default), ``TCPS``
(the listener class).  Beyond Kamaelia's: ``max_connections`` (open at
once; more wait in the listen backlog, see TCPServer.py), ``backlog``
(5), ``stop_poll`` (0.2 s) and ``connection_options``, a dict of
ThreadedTCPClient arguments for each connection (``recv_size``,
``inbox_bytes``, ``send_buffer``, ...; by default each connection's inbox
holds the port's SERVER_BYTES / max_connections bytes (at most half of
QUEUE_BYTES, at least 512; the whole server holds half of QUEUE_BYTES on
MicroPython, eight times it on CPython), what its
reader has queued and its handler's inbox half of that each, and it reads
a quarter of that at a time).  The
listening socket is bound in the constructor: a port in use is an
OSError naming it there.

Edges:
- "control": ``shutdownMicroprocess`` (``serverShutdown`` is one) stops
  accepting, tells every handler ``socketShutdown`` and every connection
  ``shutdownMicroprocess``, waits until all of them have ended (no thread
  or socket outlives the server), then passes the message out of
  "signal" and ends.
- A connection's errors (a client that reset, a MemoryError, ...) end
  that connection only; they are not passed on.  A connection the heap
  has no room for is closed at once (the server goes on).
- "inbox" and "outbox" are not used (kept so that a server sits in a
  Pipeline, as in Kamaelia).
"""

from axonport import QUEUE_BYTES, SERVER_BYTES, peer_address
from Axon.AdaptiveCommsComponent import AdaptiveCommsComponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import socketShutdown, newCSA, shutdownCSA
from Kamaelia.Internet.TCPServer import TCPServer, ConnectedSocketAdapter, MAX_CONNECTIONS, \
    REUSE_ADDRESS


class ServerCore(AdaptiveCommsComponent):
    Inboxes = {"_socketactivity": "newCSA from the listener; a connection's signals",
               "control": "shutdownMicroprocess, serverShutdown",
               "inbox": "not used"}
    Outboxes = {"_serversignal": "to the listener's control",
                "signal": "the stop message, once everything has ended",
                "outbox": "not used"}
    port = 1601
    protocol = None
    socketOptions = None
    TCPS = TCPServer
    max_connections = None
    backlog = 5
    stop_poll = 0.2
    connection_options = None

    def __init__(self, **argd):
        AdaptiveCommsComponent.__init__(self, **argd)
        if not self.protocol:
            raise TypeError("Need a protocol to handle!")
        if self.max_connections is None:
            self.max_connections = MAX_CONNECTIONS
        # Each connection's share of the data in flight (the port's
        # SERVER_BYTES split evenly, at most half of a client's inbox): its
        # inbox holds a share, what its reader has queued and its handler's
        # inbox half of one each, and it reads a quarter of one at a time.
        share = max(512, min(QUEUE_BYTES // 2, SERVER_BYTES // self.max_connections))
        self.share = share
        options = {"inbox_bytes": share, "out_maxbytes": share // 2,
                   "recv_size": max(128, min(2048, share // 4)),
                   "send_buffer": max(128, min(16384, share // 2)), "stop_poll": self.stop_poll}
        options.update(self.connection_options or {})
        self.connection_options = options
        self.server = self.TCPS(self.port, socketOptions=self.socketOptions,
                                max_connections=self.max_connections, backlog=self.backlog,
                                stop_poll=self.stop_poll)
        self.link((self.server, "protocolHandlerSignal"), (self, "_socketactivity"))
        self.link((self, "_serversignal"), (self.server, "control"))
        self.addChildren(self.server)
        self.connections = {}       # adapter -> _Session
        self.stopping = None        # the stop message, once one came

    def mkProtocolHandler(self, **sock_info):
        return self.protocol(**sock_info)

    def main(self):
        self.server.activate()
        while True:
            while self.dataReady("_socketactivity"):
                self._activity(self.recv("_socketactivity"))
            while self.stopping is None and self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, shutdownMicroprocess):
                    self._stop(msg)
            self._reap()
            if self.stopping is not None and not self.children:
                self.send(self.stopping, "signal")
                return
            self.pause()
            yield 1

    # -- connections ------------------------------------------------------------

    def _activity(self, msg):
        if isinstance(msg, newCSA):
            sock, addr = msg.object
            if self.stopping is None:
                try:
                    self.handleNewConnection(sock, addr)
                    return
                except MemoryError:
                    pass        # no room for this one: the client sees its end
            sock.close()
            self.server.release_slot()
        elif isinstance(msg, shutdownCSA):
            session = self.connections.get(msg.object)
            if session is not None:
                session.tell_handler(self)
        elif isinstance(msg, socketShutdown):
            session = self.connections.get(msg.caller)
            if session is not None and not session.adapter_ended:
                session.adapter_ended = True
                session.tell_handler(self)
                self.server.release_slot()
        # Any other signal of a connection (its errors) ends that connection only.

    def handleNewConnection(self, sock, addr):
        """Make the connection's adapter and handler and wire them; a
        MemoryError while making them leaves nothing behind (the caller
        closes the socket)."""
        peer, peerport = peer_address(addr)
        adapter = ConnectedSocketAdapter(sock, peer or "client", peerport or 1,
                                         **self.connection_options)
        handler = self.mkProtocolHandler(peer=peer, peerport=peerport,
                                         localip="0.0.0.0", localport=self.port)
        inbox = handler.inboxes.get("inbox")
        if inbox is not None and inbox.items is not None and (
                inbox.maxbytes is None or inbox.maxbytes > self.share // 2):
            inbox.maxbytes = self.share // 2
            inbox.held = 0
        session = _Session(self, adapter, handler)
        self.link((adapter, "outbox"), (handler, "inbox"))
        self.link((handler, "outbox"), (adapter, "inbox"))
        self.link((self, session.to_handler), (handler, "control"))
        self.link((self, session.to_adapter), (adapter, "control"))
        self.link((handler, "signal"), (adapter, "control"))
        self.link((adapter, "signal"), (self, "_socketactivity"))
        if "serversignal" in handler.outboxes:
            self.link((handler, "serversignal"), (self, "control"))
        self.connections[adapter] = session
        self.addChildren(adapter, handler)
        adapter.activate()
        handler.activate()

    def _reap(self):
        """Forget connections whose adapter and handler have both ended;
        close gracefully those whose handler ended without a word."""
        for adapter in list(self.connections):
            session = self.connections[adapter]
            if session.handler._done and not adapter._done and not session.finished_sent:
                session.finished_sent = True
                self.send(producerFinished(self), session.to_adapter)
            if session.handler._done and adapter._done:
                if not session.adapter_ended:
                    session.adapter_ended = True
                    self.server.release_slot()
                del self.connections[adapter]
                for child in (adapter, session.handler):
                    self.removeChild(child)
                self.deleteOutbox(session.to_handler)
                self.deleteOutbox(session.to_adapter)
        if self.server._done and self.server in self.children:
            self.removeChild(self.server)

    def _stop(self, msg):
        self.stopping = msg
        self.send(msg, "_serversignal")
        for adapter, session in list(self.connections.items()):
            session.tell_handler(self)
            self.send(shutdownMicroprocess(self), session.to_adapter)


class _Session(object):
    """One connection's parts, as ServerCore keeps them."""

    def __init__(self, server, adapter, handler):
        self.handler = handler
        self.to_handler = server.addOutbox("_handler_control")
        self.to_adapter = server.addOutbox("_adapter_control")
        self.told = False               # the handler got socketShutdown
        self.adapter_ended = False      # its slot is released
        self.finished_sent = False      # producerFinished to the adapter

    def tell_handler(self, server):
        if not self.told:
            self.told = True
            server.send(socketShutdown(), self.to_handler)


class SimpleServer(ServerCore):
    def mkProtocolHandler(self, **sock_info):
        return self.protocol()


class FastRestartServer(ServerCore):
    socketOptions = REUSE_ADDRESS


MoreComplexServer = ServerCore
