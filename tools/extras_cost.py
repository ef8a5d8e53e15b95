"""What the optional features (TLS, statistics, reconnection) cost a client
that does not use them, on the MicroPython unix port.

    .venv/bin/python tools/extras_cost.py

Measures importing ThreadedTCPClient and making one
(tools/board_scripts/client_cost.py), twice, side by side:
as it is, and with what the extras need cut out of the module (the
``**extras`` argument handed to Kamaelia.Internet.Extras, the ``_extras``
word, and the session's calls to it).  Both
copies of the library live in temporary directories of the same path
length, and the heap is settled the same way (a stack scrub, then
``gc.collect()``), because MicroPython's conservative GC and qstr pools
otherwise move the figures by more than the difference being measured.
Where the new names fall in the qstr pools and their data chunks still
moves a figure by 32-128 bytes (or by a whole new pool), and any change
elsewhere in the library shifts that: each copy is therefore measured
after interning 0 to 5 padding names first, and 64 to 512 (enough to fill
the current pool, so that a new one is begun before the measurement
starts), and the smallest figure counts.
"""

import os
import shutil
import subprocess
import sys
import tempfile

if not __package__:             # run by path: python tools/extras_cost.py
    import by_path  # noqa: F401
from tools.interpreters import (ROOT, board_script, micropython_env, micropython_exe,  # noqa: E402
                                micropython_path)

CLIENT = os.path.join("lib", "Kamaelia", "Internet", "ThreadedTCPClient.py")

# (text in ThreadedTCPClient.py, what it becomes without the extras): the
# argument, the word each client keeps for them, and each session's calls.
HOOKS = [
    (", **extras):", "):"),
    ("        self._extras = None\n"
     "        if extras:\n"
     "            from Kamaelia.Internet.Extras import setup\n"
     "            self._extras = setup(self, **extras)\n", ""),
    ("        extras = self._extras\n", ""),
    ("            if extras is not None:\n"
     "                sock = extras.layer(sock)       # TLS, statistics\n"
     "                extras.started()\n", ""),
    ("        if extras is not None:\n"
     "            extras.ended(self._error)\n", ""),
]

def without_hooks(source):
    for text, replacement in HOOKS:
        if source.count(text) != 1:
            raise SystemExit("extras_cost.py: the hook %r is not in %s once; update HOOKS"
                             % (text.strip()[:40], CLIENT))
        source = source.replace(text, replacement)
    return source


PADDINGS = tuple(range(6)) + (64, 128, 256, 512)


def measure(cut):
    """(import bytes, instance bytes, extra modules loaded) for one copy,
    the smallest figures over PADDINGS."""
    tmp = tempfile.mkdtemp(prefix="extras-")
    try:
        for part in ("lib", "ports"):
            shutil.copytree(os.path.join(ROOT, part), os.path.join(tmp, part))
        if cut:
            path = os.path.join(tmp, CLIENT)
            with open(path) as f:
                source = without_hooks(f.read())
            with open(path, "w") as f:
                f.write(source)
        env = micropython_env(micropython_path(root=tmp, frozen=False))
        probe = board_script("client_cost")
        found = []
        for pads in PADDINGS:
            out = subprocess.run([micropython_exe(), "-c", probe, str(pads)], env=env,
                                 capture_output=True, text=True, timeout=30)
            if out.returncode:
                raise RuntimeError(out.stdout + out.stderr)
            imported, made, loaded = out.stdout.split()
            found.append((int(imported), int(made), loaded))
        return (min(f[0] for f in found), min(f[1] for f in found),
                ",".join(sorted(set(f[2] for f in found))))
    finally:
        shutil.rmtree(tmp)


def main():
    with_hooks = measure(False)
    cut = measure(True)
    print("ThreadedTCPClient on MicroPython    import   instance   extra modules loaded")
    print("as it is                           %7d B  %7d B   %s" % with_hooks)
    print("extras' hooks cut out              %7d B  %7d B   %s" % cut)
    print("what the unused extras cost        %7d B  %7d B"
          % (with_hooks[0] - cut[0], with_hooks[1] - cut[1]))


if __name__ == "__main__":
    sys.exit(main())
