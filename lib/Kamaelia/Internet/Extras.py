"""The optional features of ThreadedTCPClient, set up only when asked for.

``ThreadedTCPClient(host, port, ..., ssl=None, server_hostname=None,
statistics=False, recv_timeout=None)``: the client takes these as ``**extras`` and hands them
here, so a client made without them never imports this module, TLS.py or
Statistics.py and carries none of their code (a plain client's
MicroPython footprint does not grow for them).

- ``ssl``: ``True`` or an ``ssl.SSLContext`` (see TLS.py); ``None`` or
  ``False``: plain TCP.
- ``server_hostname``: the name the certificate must carry (default: host),
  a str.
- ``statistics``: ``True`` to count bytes, connects and errors (see
  Statistics.py); a bool.
- ``recv_timeout``: seconds (a number above 0, or None): a connection
  on which nothing has arrived for that long is broken, an OSError
  ETIMEDOUT naming host and port (noticed within ``stop_poll``; see
  Connection.py).  For protocols whose server answers a keepalive:
  MQTT's PINGREQ.
- Any other keyword is a ``TypeError`` that names it.

What ``setup`` returns is the client's ``_extras``: each session calls its
``layer(sock)`` on the connected socket and ``started()`` before anything
is read, and ``ended(error)`` after the close.  TLS wraps the connected
socket first, and statistics counts what passes through the TLS
connection, so it counts the application's bytes.  Statistics also gives
the client a "stats" outbox and a "control" inbox that answers requests
(set up here, from the client's ``__init__``, before its threads exist).
"""

from Axon.Check import instance, text
from Axon.ThreadedComponent import checked

_NAMES = ("ssl", "server_hostname", "statistics", "recv_timeout")


class _Extras(object):
    def __init__(self, tls, counts):
        self.tls = tls                  # socket -> TLSConnection, or None
        self.counts = counts            # a Statistics.Counts, or None

    def layer(self, sock):
        if self.tls is not None:
            sock = self.tls(sock)
        if self.counts is not None:
            sock = self.counts.layer(sock)
        return sock

    def started(self):
        if self.counts is not None:
            self.counts.connects += 1

    def ended(self, error):
        if self.counts is not None and error is not None:
            self.counts.errors += 1


def setup(client, **extras):
    """Check the extras; returns the client's ``_extras``.  Called at the
    end of the client's ``__init__`` (before its threads exist)."""
    for name in extras:
        if name not in _NAMES:
            raise TypeError("%s() got an unexpected keyword argument %r (it takes %s)"
                            % (type(client).__name__, name, ", ".join(_NAMES)))
    who = type(client).__name__
    text(who, "server_hostname", extras.get("server_hostname"), none=True)
    instance(who, "statistics", extras.get("statistics"), bool, True)
    checked(who, (("recv_timeout", extras.get("recv_timeout"), 0, False, True),))
    client.recv_timeout = extras.get("recv_timeout")
    tls = counts = None
    ssl = extras.get("ssl")
    if ssl is not None and ssl is not False:
        from Kamaelia.Internet.TLS import layer
        tls = layer(client, ssl, extras.get("server_hostname") or client.host)
    if extras.get("statistics"):
        from Kamaelia.Internet.Statistics import Counts
        counts = Counts()
        counts.add_boxes(client)
    return _Extras(tls, counts)
