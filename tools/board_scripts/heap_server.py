# tools/server_heap.py runs this with micropython -c, the port as its
# argument: a FastRestartServer whose protocol handler, for each
# connection, sends the heap in use (after a collection) as one line and
# then stays idle until the client closes.  "stop" from a client ends it.
import gc, sys
from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.ConnectedServer import FastRestartServer


class Report(component):
    Outboxes = {"outbox": "the heap in use", "signal": "", "serversignal": "stop"}

    def main(self):
        yield 1                 # the connection is wired and running
        gc.collect()
        self.send(b"%d\n" % gc.mem_alloc(), "outbox")
        while not self.dataReady("control"):
            if self.dataReady("inbox") and self.recv("inbox").startswith(b"stop"):
                self.send(shutdownMicroprocess(), "serversignal")
            self.pause()
            yield 1
        self.send(producerFinished(self), "signal")


server = FastRestartServer(protocol=Report, port=int(sys.argv[1]), max_connections=16,
                           backlog=16)
print("listening")              # bound in the constructor: clients may connect
server.run()
