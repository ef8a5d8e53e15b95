"""MicroPython heap used by importing the library (gc.mem_alloc() after
gc.collect(), before and after the imports), on the unix port.

    tools/footprint.py         (run with the venv's python, or via tools/bench later)
"""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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

PROBE = """
import gc
gc.collect()
before = gc.mem_alloc()
for name in %r.split():
    __import__(name)
gc.collect()
print(gc.mem_alloc() - before)
"""


def measure(modules, libdir):
    exe = shutil.which("micropython")
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(
        [libdir, os.path.join(ROOT, "ports", "micropython")]))
    out = subprocess.run([exe, "-c", PROBE % modules], env=env, capture_output=True,
                         text=True, check=True, timeout=30).stdout
    return int(out.split()[-1])


def main():
    lib = os.path.join(ROOT, "lib")
    for label, mods in SETS:
        print("%-62s %7d bytes" % (label, measure(mods, lib)))


if __name__ == "__main__":
    sys.exit(main())
