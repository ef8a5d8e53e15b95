"""Write package.json, the mip package description, from the tree.

    tools/package-json            rewrite package.json
    tools/package-json --check    exit 1 (and say what differs) if it is stale

Lists every module in lib/ and ports/micropython (the same set
tools/deploy copies) with a URL relative to the repository root,
so both ``mpremote mip install github:OWNER/REPO`` and an install from a
local checkout (``mpremote mip install path/to/package.json``) find the
files.  Run it after adding, removing or renaming a module;
tests/test_packaging.py fails until then.
"""

import json
import os
import sys

if not __package__:             # run by path: python tools/package_json.py
    import by_path  # noqa: F401
from tools.deploy import ROOT, library_files   # noqa: E402

PATH = os.path.join(ROOT, "package.json")
VERSION = "0.1.0"


def expected():
    urls = [[rel, os.path.relpath(src, ROOT).replace(os.sep, "/")] for src, rel in library_files()]
    return {"urls": urls, "deps": [], "version": VERSION}


def render(data):
    lines = ['{', '  "urls": [']
    lines += ['    %s%s' % (json.dumps(u), "," if i < len(data["urls"]) - 1 else "")
              for i, u in enumerate(data["urls"])]
    lines += ['  ],', '  "deps": %s,' % json.dumps(data["deps"]),
              '  "version": %s' % json.dumps(data["version"]), '}']
    return "\n".join(lines) + "\n"


def main():
    want = render(expected())
    have = open(PATH).read() if os.path.exists(PATH) else ""
    if "--check" in sys.argv[1:]:
        if have != want:
            print("package.json is stale: run tools/package-json", file=sys.stderr)
            return 1
        return 0
    with open(PATH, "w") as f:
        f.write(want)
    print("wrote %s (%d files)" % (os.path.relpath(PATH), len(expected()["urls"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
