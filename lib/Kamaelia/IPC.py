"""Kamaelia's socket-related messages.

``socketShutdown`` is what a network component sends out of "signal" when
its connection is closed; it is a ``producerFinished``, so the next
component of a Pipeline finishes its work and stops.

``statisticsRequest`` on a client's "control" asks for a
``connectionStatistics`` (bytes_sent, bytes_received, connects, errors) out
of its "stats" outbox.
"""

from Axon.Ipc import ipc, producerFinished, notify


class socketShutdown(producerFinished):
    def __init__(self, caller=None, message=None):
        producerFinished.__init__(self, caller, message)


class newCSA(notify):
    pass


class shutdownCSA(notify):
    pass


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
