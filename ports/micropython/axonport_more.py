"""The rarely used part of the MicroPython port shim (TLS, console,
jitter), loaded on first use through ``axonport``: import these names
from there (``from axonport import tls_recv``)."""

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


# TLS sessions are used non-blocking (see Kamaelia/Internet/TLS.py): a
# timeout on MicroPython's TLS socket leaves it failing every later call.

def tls_recv(tls, size):
    """Decrypted bytes, b'' at the end of the stream, None if none yet."""
    return tls.recv(size)


def tls_send(tls, data):
    """Bytes taken (0 if the session cannot take any now)."""
    return tls.write(data) or 0


def tls_wait(raw, tls, writable, timeout):
    """Wait up to ``timeout`` s for the socket under the TLS session."""
    import select
    poller = select.poll()
    poller.register(raw, select.POLLOUT if writable else select.POLLIN)
    return bool(poller.poll(int(timeout * 1000)))


def write_stdout(data):
    if isinstance(data, str):
        sys.stdout.write(data)
    else:
        sys.stdout.buffer.write(data)


def read_line():
    """One line from stdin as str, '' at end of input."""
    return sys.stdin.readline()
