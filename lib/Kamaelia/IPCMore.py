"""Kamaelia's seldom used socket and server messages, loaded on first use
through ``Kamaelia.IPC`` (import them from there:
``from Kamaelia.IPC import serverShutdown``).

``__all__`` here is ``Kamaelia.IPC``'s too (it gets it from here).
"""

from Axon.Ipc import shutdownMicroprocess, notify
from Kamaelia.IPC import socketShutdown

__all__ = ("socketShutdown", "serverShutdown", "newCSA", "shutdownCSA", "newServer",
           "newReader", "newWriter", "newExceptional", "removeReader", "removeWriter",
           "removeExceptional")


class serverShutdown(shutdownMicroprocess):
    """A server should shut down."""


# Notices about sockets and servers: ``caller``, and ``object`` the socket
# adapter or server concerned.

class newCSA(notify):
    pass


class shutdownCSA(notify):
    pass


class newServer(notify):
    pass


class newReader(notify):
    pass


class newWriter(notify):
    pass


class newExceptional(notify):
    pass


class removeReader(notify):
    pass


class removeWriter(notify):
    pass


class removeExceptional(notify):
    pass
