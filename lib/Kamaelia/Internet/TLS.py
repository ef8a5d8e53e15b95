"""TLS for ThreadedTCPClient: a session over the connected socket, shared
safely by the client's two threads.

Loaded only when a client is given ``ssl=``, so plain TCP users pay nothing.

- ``ssl=True`` uses the port's default context (CPython: the system's CA
  certificates, verification on; MicroPython has no CA store, so it asks
  for an ``ssl.SSLContext`` with ``load_verify_locations(cadata=...)``).
  Any ``SSLContext`` is used as given.  The certificate is checked against
  ``server_hostname`` (default: the host the client connects to).
- The handshake is bounded by the client's ``connect_timeout`` and gives
  way to a ``shutdownMicroprocess`` within ``stop_poll`` seconds.  A
  failed one (untrusted or mismatched certificate, not a TLS server, a
  timeout) is an ``OSError`` naming the host, the port and what the TLS
  library said (errno ETIMEDOUT for a timeout).
- TLS libraries (OpenSSL, mbedTLS) do not let one thread read a session
  while another writes it, and MicroPython's TLS socket fails for good
  after one timeout.  So the session never blocks (``axonport.tls_connect``):
  each call holds a lock, and a thread with nothing to do waits on the
  socket itself for up to the client's ``stop_poll``, then reports a
  timeout so the client can check for a stop, as with a plain socket.
- A graceful close (``shutdown(1)``, the client's half-close) sends TLS's
  close_notify, then half-closes the socket, and reading goes on through
  the session: what the server sends after the client's end of data
  arrives as data, never as ciphertext.  (MicroPython's ssl cannot send
  close_notify, and its sockets cannot half-close: there the close is the
  socket's.)
"""

import errno
from axonport import allocate_lock, default_ssl_context, tls_connect, socket_poller, ticks_ms, \
    ticks_diff
from Kamaelia.Internet.ThreadedTCPClient import _Abandoned


def layer(client, ssl_arg, server_hostname):
    """The client's socket layer for ``ssl=``: a function that makes a TLS
    connection of a connected socket.  Raises at once if there is no context."""
    if ssl_arg is True:
        context = default_ssl_context()
    elif hasattr(ssl_arg, "wrap_socket"):
        context = ssl_arg
    else:
        raise TypeError("ssl must be True or an ssl.SSLContext, not %s"
                        % type(ssl_arg).__name__)
    return lambda sock: wrap(client, sock, context, server_hostname)


def wrap(client, sock, context, server_hostname):
    """Handshake over the connected ``sock``; returns a TLSConnection.  On
    failure ``sock`` is closed."""
    start = ticks_ms()
    timeout = client.connect_timeout

    def wait(send):
        left = None
        if timeout is not None:
            left = timeout - ticks_diff(ticks_ms(), start) / 1000
            if left <= 0:
                raise OSError(errno.ETIMEDOUT, "timed out after %s s" % (timeout,))
        client._wait_socket(sock, send, left)

    try:
        session = tls_connect(context, sock, server_hostname, wait)
    except _Abandoned:
        sock.close()
        raise
    except Exception as exc:
        sock.close()
        text = "TLS handshake with %r (port %d) failed: %s" % (
            server_hostname, client.port, _describe(exc))
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        raise OSError(code, text) if code > 0 else OSError(text)
    return TLSConnection(sock, session)


def _describe(exc):
    text = str(exc)
    return "%s(%s)" % (type(exc).__name__, text) if text else repr(exc)


class TLSConnection(object):
    """The socket calls ThreadedTCPClient makes, over one TLS session."""

    def __init__(self, raw, session):
        self.raw = raw
        self.session = session
        self.io = allocate_lock()           # held during every (non-blocking) session call
        self.can_send = socket_poller(raw, True)
        self.can_recv = socket_poller(raw)
        self.wait_ms = 200

    def settimeout(self, seconds):
        self.wait_ms = int(seconds * 1000)

    def send(self, data):
        return self._call(self.session.send, data, self.can_send, False)

    def recv(self, size):
        return self._call(self.session.recv, size, self.can_recv, True)

    def _call(self, call, arg, ready, reading):
        """``call(arg)`` on the session until it gets on (a send that
        takes bytes, a recv that returns bytes, or b"" at the end),
        waiting for the socket in between until the timeout, counted from
        the start, has run out (then a timeout error, as a plain socket's):
        part of a record arriving ends one wait, not the timeout.  The call
        comes first: the session may hold decrypted bytes that the socket
        no longer shows as readable."""
        start = ticks_ms()
        while True:
            self.io.acquire()
            try:
                result = call(arg)
            finally:
                self.io.release()
            if result:
                return result
            if reading and result is not None:
                return result           # b"": the end of the stream
            left = self.wait_ms - ticks_diff(ticks_ms(), start)
            if left <= 0:
                raise OSError(errno.ETIMEDOUT, "timed out")
            ready(left)

    def shutdown(self, how):
        if how == 1:
            # close_notify first (waiting briefly for room for it), then
            # the socket's half-close: our end of data, told both ways.
            for attempt in (0, 1, 2):
                self.io.acquire()
                try:
                    sent = self.session.close_notify()
                finally:
                    self.io.release()
                if sent:
                    break
                self.can_send(self.wait_ms)
        self.raw.shutdown(how)

    def close(self):
        try:
            self.session.close()
        finally:
            try:
                self.raw.close()
            except OSError:
                pass
