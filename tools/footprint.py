"""MicroPython heap used by importing the library (gc.mem_alloc() after
gc.collect(), before and after the imports), on the unix port.

    tools/footprint.py         (run with the venv's python, or via tools/bench later)
"""

import subprocess
import sys

if not __package__:             # run by path: python tools/footprint.py
    import by_path  # noqa: F401
from tools.interpreters import (board_script, micropython_env, micropython_exe,  # noqa: E402
                                micropython_path)

SETS = [
    ("Axon (component, scheduler, threaded)",
     "Axon.Component Axon.Scheduler Axon.ThreadedComponent Axon.Ipc"),
    ("+ Pipeline, Graphline",
     "Axon.Component Axon.Scheduler Axon.ThreadedComponent Axon.Ipc "
     "Kamaelia.Chassis.Pipeline Kamaelia.Chassis.Graphline"),
    ("seed example (+ ThreadedTCPClient, RateControlledFileReader)",
     "Axon.Component Axon.Scheduler Axon.ThreadedComponent Axon.Ipc "
     "Kamaelia.Chassis.Pipeline Kamaelia.Internet.ThreadedTCPClient Kamaelia.File.Reading"),
]


def measure(modules):
    """Bytes the imports of ``modules`` (names, space-separated) keep, from
    the sources in lib/."""
    env = micropython_env(micropython_path(frozen=False))
    out = subprocess.run([micropython_exe(), "-c", board_script("import_footprint"), modules],
                         env=env, capture_output=True, text=True, check=True,
                         timeout=30).stdout
    return int(out.split()[-1])


def main():
    for label, mods in SETS:
        print("%-62s %7d bytes" % (label, measure(mods)))


if __name__ == "__main__":
    sys.exit(main())
