"""The optional features of ThreadedTCPClient, set up only when asked for.

``ThreadedTCPClient(host, port, ..., ssl=None, server_hostname=None,
statistics=False)``: the client takes these as ``**extras`` and hands them
here, so a client made without them never imports this module, TLS.py or
Statistics.py and carries none of their code (a plain client's
MicroPython footprint does not grow for them).

- ``ssl``: ``True`` or an ``ssl.SSLContext`` (see TLS.py); ``None`` or
  ``False``: plain TCP.
- ``server_hostname``: the name the certificate must carry (default: host),
  a str.
- ``statistics``: ``True`` to count bytes, connects and errors (see
  Statistics.py); a bool.
- Any other keyword is a ``TypeError`` that names it.
"""

from Axon.Check import instance, text

_NAMES = ("ssl", "server_hostname", "statistics")


def setup(client, **extras):
    """Called from the client's ``__init__`` (before its threads exist)."""
    for name in extras:
        if name not in _NAMES:
            raise TypeError("%s() got an unexpected keyword argument %r (it takes %s)"
                            % (type(client).__name__, name, ", ".join(_NAMES)))
    who = type(client).__name__
    text(who, "server_hostname", extras.get("server_hostname"), none=True)
    instance(who, "statistics", extras.get("statistics"), bool, True)
    ssl = extras.get("ssl")
    if ssl is not None and ssl is not False:
        from Kamaelia.Internet.TLS import layer
        wrap = layer(client, ssl, extras.get("server_hostname") or client.host)
        connect = client._connect
        # An instance attribute in front of the method: the client keeps no
        # hook for this (set before its threads exist, as they require).
        client._connect = lambda: wrap(connect())
    if extras.get("statistics"):
        from Kamaelia.Internet.Statistics import count
        count(client)
