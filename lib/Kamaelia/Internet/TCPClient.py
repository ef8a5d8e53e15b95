"""TCPClient: Kamaelia's TCP client API, served by ThreadedTCPClient.

TCPClient(host, port, delay=0, connect_timeout=60, wait_for_serverclose=False,
          **options)

A ThreadedTCPClient (see ThreadedTCPClient.py for its boxes, edges and
``options``: stop_poll, queuelengths, inbox_bytes, ssl, ...) that waits
``delay`` seconds after it starts before connecting, as Kamaelia's does.

- During the delay, what reaches "inbox" waits (and is sent once
  connected); ``shutdownMicroprocess`` on "control" ends the wait at once:
  no connection is made and one ``socketShutdown`` goes out of "signal".
  ``producerFinished`` does not end the wait: it means "send what you
  have", so the client connects, sends, and closes.  The thread blocks
  during the delay; it does not spin.
- ``connect_timeout`` defaults to Kamaelia's 60 s (ThreadedTCPClient's is
  10 s).
- ``wait_for_serverclose`` is accepted and ignored: after a graceful close
  this client always reads on until the server closes or is quiet.
- "signal" differs from Kamaelia's TCPClient, which sends a
  ``producerFinished`` (or the shutdown message it got): here errors go out
  as exception objects, then one ``socketShutdown`` (a producerFinished
  subclass, so ``isinstance(msg, producerFinished)`` still holds).
"""

from axonport import ticks_ms, ticks_diff
from Axon.ThreadedComponent import checked
from Axon.Ipc import shutdownMicroprocess
from Kamaelia.IPC import socketShutdown
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient


class TCPClient(ThreadedTCPClient):
    def __init__(self, host, port, delay=0, connect_timeout=60, wait_for_serverclose=False,
                 **options):
        checked(type(self).__name__, (("delay", delay, 0, None, False),))
        ThreadedTCPClient.__init__(self, host, port, connect_timeout=connect_timeout, **options)
        self.delay = delay
        self.wait_for_serverclose = wait_for_serverclose

    def main(self):
        if self.delay > 0 and not self._waited():
            self.send_wait(socketShutdown(self), "signal", interruptible=False)
            return
        ThreadedTCPClient.main(self)

    def _waited(self):
        """Wait out the delay; False if told to stop now meanwhile."""
        start = ticks_ms()
        total = int(self.delay * 1000)
        while not self._control_has(shutdownMicroprocess):
            left = total - ticks_diff(ticks_ms(), start)
            if left <= 0:
                return True
            self.pause(left / 1000)
        return False
