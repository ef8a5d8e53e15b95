"""Connection statistics of ThreadedTCPClient (and ReconnectingTCPClient).

``client.statistics()`` returns a ``connectionStatistics`` snapshot at any
time; a ``statisticsRequest`` on the client's "control" inbox makes it send
one out of its "stats" outbox.  The counters: bytes_sent (taken by the
socket), bytes_received, connects (connections made), errors (connections
that ended in an error).  This module is loaded only when statistics are
asked for, so clients that never ask pay nothing for it.
"""

from Axon.Ipc import ipc


class statisticsRequest(ipc):
    statistics_request = True       # how the client recognises it without importing this


class connectionStatistics(ipc):
    def __init__(self, bytes_sent=0, bytes_received=0, connects=0, errors=0):
        self.bytes_sent = bytes_sent
        self.bytes_received = bytes_received
        self.connects = connects
        self.errors = errors

    def __repr__(self):
        return ("<connectionStatistics sent=%d received=%d connects=%d errors=%d>"
                % (self.bytes_sent, self.bytes_received, self.connects, self.errors))
