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


# The service registry's (Axon.CoordinatingAssistantTracker).

class ServiceAlreadyExists(AxonException):
    pass


class BadComponent(AxonException):
    pass


class BadInbox(AxonException):
    pass


class MultipleServiceDeletion(AxonException):
    pass
