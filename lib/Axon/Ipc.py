"""Messages that components exchange about their life cycle.

``producerFinished`` on a control inbox means "finish what you have, then
stop"; ``shutdownMicroprocess`` (and its subclass ``shutdown``) means "stop
now".  Components pass either on through "signal" so a Pipeline winds down.

The messages every program uses are defined here; the rarely used ones
(``newComponent``, ``shutdown``, ``notify``, ``status``,
``errorInformation``, ``WaitComplete``) live in ``Axon.IpcMore`` and load
on first use (``from Axon.Ipc import notify`` still works), which keeps
them off a small board's heap.  This module's ``__all__`` names them too,
so it comes from there as well: ``from Axon.Ipc import *`` gives every
message on both runtimes, and loads ``Axon.IpcMore``.
"""


class ipc(object):
    def __init__(self, **argd):
        for key in argd:
            setattr(self, key, argd[key])

    def __repr__(self):
        return "<%s>" % self.__class__.__name__


class producerFinished(ipc):
    def __init__(self, caller=None, message=None):
        self.caller = caller
        self.message = message


class shutdownMicroprocess(ipc):
    def __init__(self, *microprocesses):
        self._microprocesses = microprocesses

    def microprocesses(self):
        """The microprocesses (components) to shut down, as a tuple."""
        return self._microprocesses


def __getattr__(name):
    # Dunder names are the import system probing, not messages; but
    # MicroPython's "import *" needs an answer for __all__.
    if name[:2] == "__" and name != "__all__":
        raise AttributeError(name)
    # Not "from Axon import IpcMore": that asks the package first, and its
    # __getattr__ would load Axon.Lazy as well.
    import Axon.IpcMore
    return getattr(Axon.IpcMore, name)
