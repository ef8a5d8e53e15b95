"""Kamaelia.Internet components.

Submodules load the first time they are named (see ``Axon.Lazy``).
"""


def __getattr__(name):
    from Axon.Lazy import submodule
    return submodule(__name__, name)
