"""A TCP sink for the tools: accepts one connection, reads until the client
closes, and keeps the byte count, SHA-256 and the times of the first and
last bytes.

    sink = Sink("127.0.0.1")        # port 0: the OS picks; see sink.port
    ...                             # a client streams to sink.port
    sink.done.wait(timeout)         # set when the client closed (or reset)
    sink.close()

Runs in a daemon thread.  A connection reset counts as the end (``error``
says so); ``close()`` stops a sink that is still waiting for a client.
"""

import hashlib
import socket
import threading
import time


class Sink:
    def __init__(self, host="127.0.0.1", port=0):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(1)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.count = 0
        self.digest = hashlib.sha256()
        self.first = self.last = None
        self.error = None
        self.connected = threading.Event()
        self.done = threading.Event()
        threading.Thread(target=self._serve, name="sink", daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            self.done.set()         # closed before anyone connected
            return
        self.connected.set()
        with conn:
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    now = time.monotonic()
                    if self.first is None:
                        self.first = now
                    self.last = now
                    self.digest.update(data)
                    self.count += len(data)
            except OSError as e:
                self.error = e
        self.done.set()

    def hexdigest(self):
        return self.digest.hexdigest()

    def span(self):
        """Seconds from the first byte to the last (0 before any)."""
        return (self.last - self.first) if self.first is not None else 0.0

    def close(self):
        # shutdown() wakes a thread blocked in accept() on Linux; close()
        # alone would leave it blocked.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
