"""TLS for ThreadedTCPClient: wraps a connected socket in the runtime's ssl
module and lets the client's two threads share one TLS session safely.

Loaded only when a client is given ``ssl=``, so plain TCP users pay nothing.

- ``ssl=True`` uses the port's default context (CPython: the system's CA
  certificates, verification on; MicroPython has no CA store, so it asks
  for an ``ssl.SSLContext`` with ``load_verify_locations(cadata=...)``).
  Any ``SSLContext`` is used as given.  The certificate is checked against
  ``server_hostname`` (default: the host the client connects to).
- A failed handshake (untrusted or mismatched certificate, not a TLS
  server) is an ``OSError`` naming the host and what the TLS library said.
- TLS libraries (OpenSSL, mbedTLS) do not let one thread read a session
  while another writes it, and MicroPython's TLS socket fails for good
  after one timeout.  So the session is used non-blocking: each TLS call
  holds a lock but never blocks, and a thread with nothing to do waits on
  the socket itself (``axonport.tls_wait``) for up to the client's
  ``stop_poll``, then reports a timeout so the client can check for a stop,
  exactly as with a plain socket.
"""

import errno
from axonport import allocate_lock, default_ssl_context, tls_recv, tls_send, tls_wait


def layer(ssl_arg, server_hostname):
    """The client's socket layer for ``ssl=``: a function that makes a TLS
    connection of a connected socket.  Raises at once if there is no context."""
    if ssl_arg is True:
        context = default_ssl_context()
    elif hasattr(ssl_arg, "wrap_socket"):
        context = ssl_arg
    else:
        raise TypeError("ssl must be True or an ssl.SSLContext, not %s"
                        % type(ssl_arg).__name__)
    return lambda sock: wrap(sock, context, server_hostname)


def wrap(sock, context, server_hostname):
    """Handshake over the connected ``sock``; returns a TLSConnection.  On
    failure ``sock`` is closed."""
    try:
        tls = context.wrap_socket(sock, server_hostname=server_hostname)
    except Exception as exc:
        sock.close()
        raise OSError("TLS handshake with %r failed: %s" % (server_hostname, _describe(exc)))
    tls.setblocking(False)
    return TLSConnection(sock, tls)


def _describe(exc):
    text = str(exc)
    return "%s(%s)" % (type(exc).__name__, text) if text else repr(exc)


class TLSConnection(object):
    """The socket calls ThreadedTCPClient makes, over one TLS session."""

    def __init__(self, raw, tls):
        self.raw = raw
        self.tls = tls
        self.io = allocate_lock()           # held during every (non-blocking) TLS call
        self.timeout = 0.2

    def settimeout(self, seconds):
        self.timeout = seconds

    def send(self, data):
        for attempt in (0, 1):
            self.io.acquire()
            try:
                count = tls_send(self.tls, data)
            finally:
                self.io.release()
            if count:
                return count
            if not attempt:
                tls_wait(self.raw, self.tls, True, self.timeout)
        raise OSError(errno.ETIMEDOUT, "timed out")

    def recv(self, size):
        # Try before waiting: the session may hold decrypted bytes that the
        # socket no longer shows as readable.
        for attempt in (0, 1):
            self.io.acquire()
            try:
                data = tls_recv(self.tls, size)
            finally:
                self.io.release()
            if data is not None:
                return data
            if not attempt:
                tls_wait(self.raw, self.tls, False, self.timeout)
        raise OSError(errno.ETIMEDOUT, "timed out")

    def shutdown(self, how):
        self.tls.shutdown(how)

    def close(self):
        try:
            self.tls.close()
        finally:
            try:
                self.raw.close()
            except OSError:
                pass
