"""Submodules that load when first named, for the ``Axon`` package.

``Axon/__init__.py`` holds only a three-line ``__getattr__`` that calls
``submodule``, so ``import Axon`` loads nothing else, and
``Axon.Component.component`` or ``Axon.Ipc.producerFinished`` still work
after a bare ``import Axon``, as in Kamaelia, whose Axon imports all its
submodules eagerly.  A small board's heap then pays only for the
submodules a program uses (this module included: it loads on the first
such access, not with the package).  Any package can do the same.

Kamaelia's own packages are empty in Kamaelia (``import Kamaelia`` does
not reach ``Kamaelia.Chassis.Pipeline`` there), and so they are here:
that costs nothing.

Edges: a name that is not a submodule is an ``AttributeError``; an
``ImportError`` raised inside a submodule that exists comes out as it is.
``from package import *`` imports nothing (``__all__`` is empty) instead
of every submodule.
"""


def submodule(package, name):
    """``package.name``, importing it if it is a submodule not yet loaded."""
    if name == "__all__":
        return ()
    # Only plain names can be modules.  MicroPython's dir() asks a module
    # with __getattr__ about every interned string, "/" and "." included,
    # which its importer would otherwise resolve to directories.
    if not name or name[0] == "_":
        raise AttributeError(name)
    for ch in name:
        if not (ch.isalpha() or ch.isdigit() or ch == "_"):
            raise AttributeError(name)
    full = package + "." + name
    try:
        __import__(full)
    except ImportError as exc:
        # Both runtimes name the missing module in quotes; any other
        # ImportError came from inside a submodule that exists.
        if ("'%s'" % full) not in str(exc):
            raise
        raise AttributeError("module '%s' has no attribute '%s'" % (package, name)) from None
    import sys
    return sys.modules[full]
