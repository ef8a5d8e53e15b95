"""Kamaelia components for CPython and MicroPython, built on Axon."""
