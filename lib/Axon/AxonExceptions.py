"""Exceptions raised by the Axon runtime (names as in Kamaelia's Axon)."""


class AxonException(Exception):
    pass


class noSpaceInBox(AxonException):
    """A send found its destination inbox full; retry after the consumer
    has received (a ``recv`` wakes the components that feed the box)."""


class BoxAlreadyLinkedToDestination(AxonException):
    """An outbox (or passthrough inbox) may forward to one place only."""


class invalidComponentInterface(AxonException):
    """A box name that the component does not declare."""


class normalShutdown(AxonException):
    pass


# The service registry's exceptions live with it (Axon.CoordinatingAssistantTracker)
# and load on first use, keeping them off the heap of programs without it.
def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import Axon.CoordinatingAssistantTracker
    return getattr(Axon.CoordinatingAssistantTracker, name)
