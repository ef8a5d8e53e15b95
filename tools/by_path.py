"""What a tool run by its path needs to import its siblings as ``tools.<name>``.

    if not __package__:             # run by path: python tools/bench.py
        import by_path  # noqa: F401

Python puts the script's folder, tools/, first on sys.path; this puts the
repository root there instead, so every tool is imported one way, as the
tests import it (``tools.deploy``), and no module is loaded twice under
two names.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.path.dirname(HERE)] + [p for p in sys.path
                                         if os.path.abspath(p or os.curdir) != HERE]
