"""Axon: Kamaelia's component runtime, for CPython and MicroPython.

``import Axon`` loads nothing else; a submodule loads the first time it is
named, so ``Axon.Component.component`` or ``Axon.Ipc.producerFinished``
work after a bare ``import Axon``, as in Kamaelia (see ``Axon.Lazy``).
"""


def __getattr__(name):
    from Axon.Lazy import submodule
    return submodule(__name__, name)
