"""package.json (mip) and manifest.py (freezing) list every module in lib/
and ports/micropython/, and nothing else; and mip really installs the
package onto a (virtual) board.

The mip test serves the repository over HTTP on 127.0.0.1 and installs
from http://127.0.0.1:PORT/package.json: the same path mpremote takes for
``github:OWNER/REPO`` (fetch package.json by URL, resolve its relative
URLs against it), without leaving this machine.
"""

import functools
import http.server
import json
import os
import subprocess
import tempfile
import threading

import pytest

from conftest import ROOT, esp32like_exe

from tools.deploy import mpremote_exe
from tools.virtual_board import VirtualBoard


def modules_in_tree():
    """{module path on a board's /lib: source path relative to the repo}."""
    found = {}
    for top, prefix in (("lib", ""), ("ports/micropython", "")):
        base_dir = os.path.join(ROOT, top)
        for base, dirs, files in os.walk(base_dir):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            if top != "lib" and base != base_dir:
                continue
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(base, name)
                    found[prefix + os.path.relpath(path, base_dir).replace(os.sep, "/")] = \
                        os.path.relpath(path, ROOT).replace(os.sep, "/")
    return found


def test_package_json_lists_exactly_the_modules():
    with open(os.path.join(ROOT, "package.json")) as f:
        package = json.load(f)
    listed = {dest: url for dest, url in package["urls"]}
    assert len(listed) == len(package["urls"]), "a module is listed twice"
    want = modules_in_tree()
    assert sorted(listed) == sorted(want), (
        "package.json is stale (run tools/package-json): missing %s, extra %s"
        % (sorted(set(want) - set(listed)), sorted(set(listed) - set(want))))
    for dest, url in listed.items():
        # Relative URLs: mip resolves them against package.json's own URL,
        # so github:OWNER/REPO and a local checkout both work.
        assert "://" not in url and not url.startswith(("/", "github:")), url
        assert url == want[dest], "%s comes from %s, not %s" % (dest, url, want[dest])
    assert package.get("deps", []) == []
    assert package.get("version")


class ManifestRecorder:
    """Evaluates manifest.py the way MicroPython's tools/manifestfile.py
    does for package() and module(); includes of the port's own manifest
    ($(PORT_DIR)...) are only noted."""

    def __init__(self, path):
        self.dir = os.path.dirname(path)
        self.modules = {}
        self.includes = []
        self.meta = {}
        with open(path) as f:
            exec(f.read(), {"include": self.include, "package": self.package,
                            "module": self.module, "metadata": self.metadata,
                            "require": self.require, "options": None})

    def include(self, path, **kwargs):
        assert path.startswith("$("), "manifest.py includes %s" % path
        self.includes.append(path)

    def require(self, name, **kwargs):
        raise AssertionError("manifest.py requires %s: the library has no dependencies" % name)

    def metadata(self, **kwargs):
        self.meta.update(kwargs)

    def package(self, package_path, files=None, base_path=".", opt=None):
        assert files is None, "list the whole package, so new modules are frozen too"
        base = os.path.join(self.dir, base_path)
        for root, dirs, names in os.walk(os.path.join(base, package_path)):
            for name in names:
                if name.endswith(".py"):
                    rel = os.path.relpath(os.path.join(root, name), base).replace(os.sep, "/")
                    self.add(rel, os.path.join(root, name))

    def module(self, module_path, base_path=".", opt=None):
        assert module_path.endswith(".py")
        self.add(module_path, os.path.join(self.dir, base_path, module_path))

    def add(self, target, source):
        assert os.path.isfile(source), "manifest.py names %s, which does not exist" % source
        assert target not in self.modules, "%s is frozen twice" % target
        self.modules[target] = os.path.relpath(source, ROOT).replace(os.sep, "/")


def test_manifest_freezes_exactly_the_modules():
    manifest = ManifestRecorder(os.path.join(ROOT, "manifest.py"))
    want = modules_in_tree()
    assert sorted(manifest.modules) == sorted(want), (
        "manifest.py: missing %s, extra %s"
        % (sorted(set(want) - set(manifest.modules)), sorted(set(manifest.modules) - set(want))))
    assert manifest.modules == want
    assert manifest.includes == [], "manifest.py freezes the library alone"


def test_manifest_freezes_the_library_into_the_esp32like_firmware():
    """The ESP32-like build made with FROZEN_MANIFEST=manifest.py imports
    the whole seed path from its firmware, with no library on disk."""
    exe = esp32like_exe(frozen=True)
    with tempfile.TemporaryDirectory() as empty:
        out = subprocess.run(
            [exe, "-c", "import sys; sys.path[:] = ['.frozen']\n"
             "import Axon.Scheduler, Kamaelia.Chassis.Pipeline, Kamaelia.File.Reading\n"
             "import Kamaelia.Internet.ThreadedTCPClient, axonport\nprint('frozen ok')"],
            cwd=empty, capture_output=True, text=True, timeout=20,
            env={"MICROPYPATH": ".frozen"})
    assert out.stdout.strip() == "frozen ok", out.stdout + out.stderr


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def repo_over_http():
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=ROOT))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_mip_installs_the_package_onto_a_board(repo_over_http):
    env = dict(os.environ, NO_PROXY="*", no_proxy="*")
    with VirtualBoard() as board:
        cmd = [mpremote_exe(), "connect", board.port, "resume"]
        proc = subprocess.run(cmd + ["mip", "install", "--no-mpy",
                                     repo_over_http + "/package.json"],
                              env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        for dest, src in modules_in_tree().items():
            with open(os.path.join(board.root, "lib", dest), "rb") as got, \
                    open(os.path.join(ROOT, src), "rb") as want:
                assert got.read() == want.read(), dest
        proc = subprocess.run(cmd + ["exec", "from Kamaelia.Chassis.Pipeline import Pipeline\n"
                                     "from Kamaelia.Internet.ThreadedTCPClient import "
                                     "ThreadedTCPClient\nimport wifi\nprint('imported')"],
                              capture_output=True, text=True, timeout=30)
        assert proc.stdout.strip() == "imported", proc.stdout + proc.stderr
