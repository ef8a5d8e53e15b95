"""SingleServer and FastRestartSingleServer: one client at a time, as in
Kamaelia.

    Pipeline(DataSource(lines), SingleServer(port=1602)).activate()

- "inbox": data for the client now connected (bytes, or str as UTF-8).
  While none is, it waits here (bounded: the sender is held), and goes to
  the next client that connects.
- "outbox": what the client sends, as bytes.
- "signal": ``producerFinished(self)`` each time a client has gone; at the
  end, the message that ended the server.
- "control": ``producerFinished`` (the producer is done): the client now
  connected gets everything sent before it, then the connection closes
  and the server ends; ``shutdownMicroprocess`` ends the server and the
  connection at once.  (Kamaelia's did not listen to "control".)

A second client that connects while one is served waits in the listen
backlog and is served next (Kamaelia's accepted it and closed it at once).
When the client closes its side, what it sent is all on "outbox", and
the connection closes after what was already passed to it is sent.
The port is bound in the constructor: a port in use is an OSError naming
it there.  FastRestartSingleServer sets SO_REUSEADDR, so that a restart
can bind the port at once; SingleServer keeps the OS's default.
"""

from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.IPC import newCSA, shutdownCSA, socketShutdown
from Kamaelia.Internet.TCPServer import TCPServer, ConnectedSocketAdapter, REUSE_ADDRESS


class SingleServer(component):
    Inboxes = {"inbox": "data for the client", "control": "producerFinished, shutdownMicroprocess",
               "_oobinfo": "the listener's newCSA, the connection's signals"}
    Outboxes = {"outbox": "data from the client",
                "signal": "producerFinished per client gone; the end",
                "_CSA_signal": "to the connection's control", "_serversignal": "to the listener"}
    port = 1601
    socketOptions = None
    TCPS = TCPServer
    stop_poll = 0.2

    def __init__(self, **argd):
        component.__init__(self, **argd)
        self.listenport = self.port
        self.myPLS = self.TCPS(self.port, socketOptions=self.socketOptions, max_connections=1,
                               stop_poll=self.stop_poll)
        self.link((self.myPLS, "protocolHandlerSignal"), (self, "_oobinfo"))
        self.link((self, "_serversignal"), (self.myPLS, "control"))
        self.addChildren(self.myPLS)
        self.CSA = None
        self.finishing = None       # the producerFinished that came on "control"
        self.ending = None          # the message the server ends with, once it stops

    def main(self):
        self.myPLS.activate()
        while True:
            while self.dataReady("_oobinfo"):
                self._oob(self.recv("_oobinfo"))
            while self.ending is None and self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, shutdownMicroprocess):
                    self._stop(msg, shutdownMicroprocess(self))
                elif isinstance(msg, producerFinished) and self.finishing is None:
                    self.finishing = msg
                    if self.CSA is not None:
                        self.send(producerFinished(self), "_CSA_signal")
            if self.ending is not None and self.childrenDone():
                self.send(self.ending, "signal")
                return
            self.pause()
            yield 1

    def _oob(self, msg):
        if isinstance(msg, newCSA):
            sock, addr = msg.object
            if self.ending is not None:
                sock.close()
                return
            from axonport import peer_address
            peer, peerport = peer_address(addr)
            csa = ConnectedSocketAdapter(sock, peer or "client", peerport or 1,
                                         stop_poll=self.stop_poll)
            self.CSA = csa
            self.link((csa, "outbox"), (self, "outbox"), passthrough=2)
            self.link((self, "inbox"), (csa, "inbox"), passthrough=1)
            self.link((self, "_CSA_signal"), (csa, "control"))
            self.link((csa, "signal"), (self, "_oobinfo"))
            self.addChildren(csa)
            csa.activate()
            if self.finishing is not None:
                self.send(producerFinished(self), "_CSA_signal")
        elif isinstance(msg, shutdownCSA):
            # The client closed its side: send what it was given, then close.
            self.send(producerFinished(self), "_CSA_signal")
        elif isinstance(msg, socketShutdown) and msg.caller is self.CSA:
            csa, self.CSA = self.CSA, None
            self.removeChild(csa)
            self.send(producerFinished(self), "signal")
            if self.finishing is not None:
                self._stop(self.finishing, None)
            else:
                self.myPLS.release_slot()
        # A connection's errors end that connection only.

    def _stop(self, msg, to_connection):
        self.ending = msg
        self.send(shutdownMicroprocess(self), "_serversignal")
        if self.CSA is not None and to_connection is not None:
            self.send(to_connection, "_CSA_signal")


class FastRestartSingleServer(SingleServer):
    socketOptions = REUSE_ADDRESS
