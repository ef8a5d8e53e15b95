"""Kamaelia's socket-related messages.

``socketShutdown`` is what a network component sends out of "signal" when
its connection is closed; it is a ``producerFinished``, so the next
component of a Pipeline finishes its work and stops.
"""

from Axon.Ipc import producerFinished


class socketShutdown(producerFinished):
    def __init__(self, caller=None, message=None):
        producerFinished.__init__(self, caller, message)


def __getattr__(name):
    # newCSA and shutdownCSA (Axon notify messages) are rarely used: they
    # are made on first use, so importing socketShutdown costs less heap.
    if name == "__all__":
        # MicroPython's "import *" asks a module with __getattr__ for it.
        # A list, built when asked: a tuple of constants (or a global)
        # would be made at import.
        return ["socketShutdown", "newCSA", "shutdownCSA"]
    if name not in ("newCSA", "shutdownCSA"):
        raise AttributeError(name)
    from Axon.Ipc import notify
    made = globals()
    made["newCSA"] = type("newCSA", (notify,), {})
    made["shutdownCSA"] = type("shutdownCSA", (notify,), {})
    return made[name]

