"""How a script runs on each runtime on this machine (the contract's
section 1): the command line and environment for CPython with
PYTHONPATH=lib:ports/cpython, or the MicroPython unix port with
MICROPYPATH=lib:ports/micropython (plus its frozen modules).  Used by
tools/demo and tools/bench."""

import os
import sys

from virtual_board import micropython_command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def local_command(runtime, heap=None):
    """(argv prefix, environment) to run a script under ``runtime``;
    ``heap`` (bytes) sizes the MicroPython heap."""
    if runtime == "cpython":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "cpython")]))
        return [sys.executable], env
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(
        [os.path.join(ROOT, "lib"), os.path.join(ROOT, "ports", "micropython"), ".frozen"]))
    cmd = micropython_command()
    if heap:
        cmd += ["-X", "heapsize=%d" % heap]
    return cmd, env
