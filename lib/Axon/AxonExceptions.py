"""Exceptions raised by the Axon runtime (names as in Kamaelia's Axon)."""


class AxonException(Exception):
    pass


class noSpaceInBox(AxonException):
    """A send found its destination inbox full; retry after the consumer
    has received (a ``recv`` wakes the components that feed the box)."""


class invalidComponentInterface(AxonException):
    """A box name that the component does not declare."""


# The rest (linking an outbox twice, normalShutdown, the service registry's
# exceptions) are in Axon.AxonExceptionsMore and load on first use, on the
# scheduler's thread: each class costs a board's heap.  The ones a
# component's own thread may raise stay here, so no thread imports.
def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import Axon.AxonExceptionsMore
    return getattr(Axon.AxonExceptionsMore, name)
