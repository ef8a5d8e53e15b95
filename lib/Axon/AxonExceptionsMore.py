"""Axon's rarely raised exceptions, loaded on first use through
``Axon.AxonExceptions`` (import them from there, as in Kamaelia:
``from Axon.AxonExceptions import BoxAlreadyLinkedToDestination``).

The service registry's exceptions live with it, in
``Axon.CoordinatingAssistantTracker``, and come through here too.
"""

from Axon.AxonExceptions import AxonException


class BoxAlreadyLinkedToDestination(AxonException):
    """An outbox (or passthrough inbox) may forward to one place only."""


class normalShutdown(AxonException):
    pass


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import Axon.CoordinatingAssistantTracker
    return getattr(Axon.CoordinatingAssistantTracker, name)
