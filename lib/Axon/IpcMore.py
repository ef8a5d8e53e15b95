"""The rarely used Axon messages, loaded on first use through ``Axon.Ipc``
(import them from there: ``from Axon.Ipc import notify``).

``__all__`` here is ``Axon.Ipc``'s too (it gets it from here): every Axon
message, these and the common ones.
"""

from Axon.Ipc import ipc, producerFinished, shutdownMicroprocess

__all__ = ("ipc", "producerFinished", "shutdownMicroprocess", "newComponent",
           "shutdown", "notify", "status", "errorInformation", "WaitComplete",
           "reactivate", "wouldblock")


class newComponent(ipc):
    """Yield one from ``main()`` to have the scheduler activate components."""

    def __init__(self, *components):
        self.comps = components

    def components(self):
        return self.comps


class shutdown(shutdownMicroprocess):
    pass


class notify(ipc):
    def __init__(self, caller, payload):
        self.caller = caller
        self.object = payload


class status(ipc):
    def __init__(self, status):
        self.statusMessage = status

    def status(self):
        return self.statusMessage


class errorInformation(ipc):
    def __init__(self, caller, exception=None, message=None):
        self.caller = caller
        self.exception = exception
        self.message = message


class WaitComplete(ipc):
    """Yield one from ``main()`` to run a generator in its place until that
    generator ends; ``main()`` then goes on after the yield."""

    def __init__(self, *args, **argd):
        self.args = args
        self.argd = argd


class reactivate(ipc):
    """In Kamaelia, the scheduler's note to resume a component after a
    WaitComplete; here WaitComplete needs no such message (kept for code
    that names it)."""

    def __init__(self, original):
        self.original = original


class wouldblock(ipc):
    def __init__(self, caller):
        self.caller = caller
