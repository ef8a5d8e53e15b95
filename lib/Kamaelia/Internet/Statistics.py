"""Connection statistics for ThreadedTCPClient and ReconnectingTCPClient: opt-in.

``ThreadedTCPClient(host, port, statistics=True)`` counts; a client made
without it has no counters, no "stats" outbox, and never loads this module,
so it pays nothing for them (not even per write).

With ``statistics=True``:
- ``client.statistics()`` returns a ``connectionStatistics`` snapshot at
  any time, from any thread.
- A ``statisticsRequest`` on "control" is answered with one out of the
  "stats" outbox as soon as it arrives (by the scheduler's thread; the
  client's thread never sees it).  A client without statistics ignores the
  request (it has no "stats" outbox to answer on).
- The counters: ``bytes_sent``, ``bytes_received``, ``connects``
  (connections that came up, after the TLS handshake with ``ssl=``),
  ``errors`` (connection attempts and connections that ended in an error).
  Each is written by one thread only, so no lock is needed.
- What a snapshot promises: each counter already counts everything the
  other side of it can have seen.  ``bytes_sent`` counts bytes as they
  are handed to the socket, before the send: once the server has received
  n bytes, any snapshot taken after that says at least n (the server can
  read a send's bytes before the call returns).  During a send it may
  also count what that send has not yet handed over (at most one send:
  ``send_buffer`` bytes, or one larger message); between sends, and after
  the client has ended, it is exactly what the sockets took (the part of
  a partial or failed send they did not take is subtracted again).
  ``bytes_received`` counts a chunk before it goes out of "outbox", so
  what a component has received is counted; ``connects`` and ``errors``
  count before the connection's first byte or the error's report on
  "signal".
- Counting costs one more Python call per socket send and recv.
"""

from Axon.Box import Box, LockedBox
from Axon.Ipc import ipc


class statisticsRequest(ipc):
    pass


class connectionStatistics(ipc):
    def __init__(self, bytes_sent=0, bytes_received=0, connects=0, errors=0):
        self.bytes_sent = bytes_sent
        self.bytes_received = bytes_received
        self.connects = connects
        self.errors = errors

    def __repr__(self):
        return ("<connectionStatistics sent=%d received=%d connects=%d errors=%d>"
                % (self.bytes_sent, self.bytes_received, self.connects, self.errors))


class _CountingSocket(object):
    """A connected socket (or TLS connection) that counts what passes."""

    def __init__(self, sock, counts):
        self.sock = sock
        self.counts = counts

    def send(self, data):
        # Counted before the send (the writer thread only): the server may
        # read these bytes, and someone ask for statistics, before the call
        # returns.  What the socket did not take is taken back after.
        counts = self.counts
        size = len(data)
        counts.bytes_sent += size
        count = 0
        try:
            count = self.sock.send(data)
        finally:
            counts.bytes_sent -= size - count
        return count

    def recv(self, size):
        data = self.sock.recv(size)
        self.counts.bytes_received += len(data)   # the reader thread only
        return data

    def settimeout(self, seconds):
        self.sock.settimeout(seconds)

    def shutdown(self, how):
        self.sock.shutdown(how)

    def close(self):
        self.sock.close()


class _AnsweringControl(LockedBox):
    """The "control" inbox of a client with statistics: a statisticsRequest
    is answered as it arrives, on the scheduler's thread, and not stored
    (the client's own thread never sees it).  If the answer cannot be
    queued (the client's outgoing queue is full), the sender of the
    request gets noSpaceInBox: the scheduler's thread cannot wait for
    room it would have to make itself."""

    def put(self, message):
        if not isinstance(message, statisticsRequest):
            return LockedBox.put(self, message)
        if self.items is not None:          # a finished client drops it
            # Not send(), which from the client's thread would wait for room:
            # this is the scheduler's thread, the one that makes room.
            self.owner.send_nowait(self.owner.statistics(), "stats")
        return False


class Counts(connectionStatistics):
    """A client's counters, and what the client's hooks (see Extras.py)
    call: ``layer`` counts bytes, the extras count connects and errors."""

    def layer(self, sock):
        return _CountingSocket(sock, self)

    def snapshot(self):
        return connectionStatistics(self.bytes_sent, self.bytes_received,
                                    self.connects, self.errors)

    def add_boxes(self, client):
        """The "stats" outbox, the answering "control" inbox (nothing has
        been linked to the client yet), and ``client.statistics()``."""
        client.outboxes["stats"] = Box(client, "stats", False)
        client.inboxes["control"] = _AnsweringControl(client, "control")
        client.statistics = self.snapshot
