"""Axon: Kamaelia's component runtime, for CPython and MicroPython.

Import the pieces you use (``Axon.Component``, ``Axon.Scheduler``, ...);
this package itself loads nothing, to keep the import footprint small.
"""
