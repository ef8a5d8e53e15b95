"""Kamaelia's socket-related messages.

``socketShutdown`` is what a network component sends out of "signal" when
its connection is closed; it is a ``producerFinished``, so the next
component of a Pipeline finishes its work and stops.
"""

from Axon.Ipc import producerFinished, notify


class socketShutdown(producerFinished):
    def __init__(self, caller=None, message=None):
        producerFinished.__init__(self, caller, message)


class newCSA(notify):
    pass


class shutdownCSA(notify):
    pass

