"""Mosquitto, the MQTT broker from Debian's packages, run on a free
loopback port for the tests and the benchmarks.

    broker = Broker(users=None); broker.port; broker.stop()

A generated configuration: anonymous clients allowed (or only ``users``,
a dict of name to password, through a password file), a second listener
with TLS on ``tls_port`` when given a certificate and key, persistence on and
saved after every change (so that a SIGKILL loses as little as the broker
can), no limit on the messages queued for a client, run as the current
user (as root Mosquitto would become "mosquitto", who cannot write its
directory).  ``kill()`` (SIGKILL), ``restart()`` (same port, same
persistence), ``kill_restart(down_for)``, ``pause()`` / ``resume()``
(SIGSTOP / SIGCONT: a broker that stops answering), ``stop()`` (also
removes its directory).  Without Mosquitto installed, ``Broker()``
raises RuntimeError saying how to install it (``available()`` tells).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _free_port(bind="127.0.0.1"):
    with socket.socket() as probe:
        probe.bind((bind, 0))
        return probe.getsockname()[1]


def available():
    return os.path.exists(MOSQUITTO)


class Broker:
    def __init__(self, users=None, tls=None, bind="127.0.0.1"):
        """``tls``: (certificate chain PEM, key PEM) bytes for a second,
        TLS listener on ``tls_port`` (else ``tls_port`` is None);
        ``bind``: the address it listens on."""
        if not available():
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.dir = tempfile.mkdtemp(prefix="mosquitto-")
        self.bind = bind
        self.port = _free_port(bind)
        # Run as whoever runs the tests (as root, Mosquitto would become
        # the user "mosquitto", who cannot write in this directory).
        lines = ["user %s" % pwd.getpwuid(os.getuid()).pw_name,
                 "listener %d %s" % (self.port, bind),
                 "persistence true",
                 "persistence_location %s/" % self.dir,
                 "autosave_interval 1",
                 "autosave_on_changes true",
                 "max_queued_messages 0",
                 "max_queued_bytes 0",
                 "max_inflight_messages 0",
                 "log_dest file %s/log" % self.dir]
        if users:
            path = os.path.join(self.dir, "passwords")
            with open(path, "w") as f:
                for name, password in users.items():
                    f.write("%s:%s\n" % (name, password))
            subprocess.run(["mosquitto_passwd", "-U", path], check=True, capture_output=True)
            lines += ["allow_anonymous false", "password_file %s" % path]
        else:
            lines.append("allow_anonymous true")
        self.tls_port = None
        if tls:
            self.tls_port = _free_port(bind)
            for name, pem in zip(("cert.pem", "key.pem"), tls):
                with open(os.path.join(self.dir, name), "wb") as f:
                    f.write(pem)
            lines += ["listener %d %s" % (self.tls_port, bind),
                      "certfile %s/cert.pem" % self.dir, "keyfile %s/key.pem" % self.dir]
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.bind, self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start on port %d: %s" % (self.port, self.log()))

    def log(self):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return f.read()[-2000:]
        except OSError:
            return "(no log)"

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def restart(self):
        self.start()

    def kill_restart(self, down_for):
        """SIGKILL now; start again ``down_for`` seconds later (the answer
        does not wait for that)."""
        self.kill()
        timer = threading.Timer(down_for, self.start)
        timer.daemon = True
        timer.start()

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
