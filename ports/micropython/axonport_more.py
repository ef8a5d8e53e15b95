"""The rarely used part of the MicroPython port shim (TLS, console,
jitter), loaded on first use through ``axonport``: import these names
from there (``from axonport import tls_connect``)."""

import sys


def print_exception(exc, file=None):
    sys.print_exception(exc, file or sys.stderr)


def random_fraction():
    """A number in [0, 1) for jitter (not for cryptography)."""
    import random
    return random.getrandbits(16) / 65536


def default_ssl_context():
    """MicroPython has no CA store to verify against: say what to do instead."""
    raise ValueError("ssl=True needs CA certificates, which MicroPython does not have: "
                     "pass ssl=ctx with ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "
                     "ctx.verify_mode = ssl.CERT_REQUIRED and "
                     "ctx.load_verify_locations(cadata=<CA certificate, DER>)")


# -- TLS (Kamaelia/Internet/TLS.py) ------------------------------------------
# MicroPython's TLS socket fails for good after one timeout, and its
# handshake loops inside C until done.  So it runs over _Wire, a stream in
# front of the socket: during the handshake the wire waits through the
# client (which gives up when told to stop), afterwards it never blocks.
# MicroPython's ssl cannot send close_notify (close() frees the session),
# so a graceful close is the socket's close; nor can the unix port's
# socket half-close.

import io


class _Wire(getattr(io, "IOBase", object)):
    def __init__(self, raw, wait):
        self.raw = raw
        self.wait = wait                # None once the handshake is done
        self.failure = None

    def readinto(self, buf):
        while True:
            count = self.raw.readinto(buf)
            if count is not None or self.wait is None:
                return count
            try:
                self.wait(False)
            except Exception as exc:
                # Seen as the end of the stream: the handshake fails
                # cleanly, and tls_connect raises this instead.
                self.failure = exc
                return 0

    def write(self, buf):
        while True:
            count = self.raw.write(buf)
            if count is not None or self.wait is None:
                return count
            self.wait(True)

    def ioctl(self, request, arg):
        return 0

    def setblocking(self, flag):
        pass


def tls_connect(context, raw, server_hostname, wait):
    """Handshake over the connected socket ``raw``; ``wait(send)`` blocks
    until it can send (else receive), or raises to give up.  Returns a
    session whose calls never block (see the CPython port)."""
    raw.setblocking(False)
    wire = _Wire(raw, wait)
    try:
        tls = context.wrap_socket(wire, server_hostname=server_hostname)
    except Exception:
        if wire.failure is not None:
            raise wire.failure
        raise
    wire.wait = None
    return _TLSSession(tls)


class _TLSSession(object):
    def __init__(self, tls):
        self.tls = tls

    def recv(self, size):
        return self.tls.recv(size)

    def send(self, data):
        return self.tls.write(data) or 0

    def close_notify(self):
        return True                     # not possible here: see above

    def close(self):
        self.tls.close()


def write_stdout(data):
    if isinstance(data, str):
        sys.stdout.write(data)
    else:
        sys.stdout.buffer.write(data)


def read_line():
    """One line from stdin as str, '' at end of input."""
    return sys.stdin.readline()


def peer_address(addr):
    """(host, port) of an address ``accept()`` returned: a raw sockaddr on
    the unix port (decoded by ``socket.sockaddr``), a (host, port) tuple
    on lwIP ports (ESP32)."""
    if isinstance(addr, tuple):
        return addr[0], addr[1]
    import socket
    family, ip, port = socket.sockaddr(addr)[:3]
    if len(ip) == 4:
        return "%d.%d.%d.%d" % tuple(ip), port
    return socket.inet_ntop(family, ip), port


def bind_address(port):
    """What ``bind()`` takes for every IPv4 interface and ``port``."""
    import socket
    return socket.getaddrinfo("0.0.0.0", port, 0, socket.SOCK_STREAM)[0][-1]
