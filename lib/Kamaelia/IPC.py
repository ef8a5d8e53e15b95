"""Kamaelia's socket-related messages.

``socketShutdown`` is what a network component sends out of "signal" when
its connection is closed; it is a ``producerFinished``, so the next
component of a Pipeline finishes its work and stops.  ``dataNotSent``
(an exception, with ``nbytes``) goes out before it when bytes that reached
the component were not sent.
"""

from Axon.Ipc import producerFinished


class socketShutdown(producerFinished):
    """(caller=None, message=None), as producerFinished."""


class dataNotSent(Exception):
    """``nbytes`` bytes given to a network component were not sent (its
    connection failed first, or it was stopped after producerFinished).
    The sender sets ``nbytes``; str() says it and where to."""


def __getattr__(name):
    # Kamaelia's other messages (serverShutdown, newCSA, newServer, ...) are
    # in Kamaelia.IPCMore and load on first use: importing socketShutdown
    # then costs less heap.  MicroPython's "import *" asks for __all__.
    if name[:2] == "__" and name != "__all__":
        raise AttributeError(name)
    import Kamaelia.IPCMore
    return getattr(Kamaelia.IPCMore, name)
