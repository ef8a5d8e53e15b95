# tools/server_bench.py runs this with micropython -c (or CPython), its
# arguments MODE PORT: an echo server on PORT, "axon" (a FastRestartServer
# whose handler sends back what arrives) or "raw" (a plain blocking socket
# and one thread per connection: recv, sendall).  Prints "listening" once
# clients may connect; runs until the process is killed.
import sys
import _thread
import socket

mode, port = sys.argv[-2], int(sys.argv[-1])
if mode == "raw":
    def serve(conn):
        buf = bytearray(16384)
        view = memoryview(buf)
        while True:
            n = conn.readinto(buf) if hasattr(conn, "readinto") else conn.recv_into(buf)
            if not n:
                break
            conn.sendall(view[:n])
        conn.close()

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(socket.getaddrinfo("0.0.0.0", port)[0][-1])
    listener.listen(16)
    print("listening")
    while True:
        conn, _ = listener.accept()
        _thread.start_new_thread(serve, (conn,))
else:
    from Axon.Component import component
    from Axon.Ipc import producerFinished
    from Kamaelia.Chassis.ConnectedServer import FastRestartServer

    class Echo(component):
        def main(self):
            while True:
                while self.dataReady("inbox"):
                    yield from self.send_when_room(self.recv("inbox"))
                if self.dataReady("control"):
                    self.send(producerFinished(self), "signal")
                    return
                self.pause()
                yield 1

    server = FastRestartServer(protocol=Echo, port=port, backlog=16,
                               connection_options={"recv_size": 16384})
    print("listening")
    server.run()
