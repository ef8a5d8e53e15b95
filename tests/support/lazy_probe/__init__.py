"""A package whose submodules load on first use, as Axon's and Kamaelia's
do: ``good`` imports, ``broken`` raises ImportError from inside."""


def __getattr__(name):
    from Axon.Lazy import submodule
    return submodule(__name__, name)
