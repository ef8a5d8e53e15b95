"""What ThreadedTCPClient says about a bad host, port or initialsendmessage.

The client's constructor tests its arguments with a few cheap comparisons
and loads this module only when one fails, so the messages (and this
code) stay off a board's heap while the arguments are good.
``bad_argument`` is given all three and returns the exception for the
first that is wrong: a ValueError for the host or port, a TypeError for
the message; None if all three are right (the caller's test and this one
then disagree, which is a bug).
"""

SENDABLE = (bytes, bytearray, memoryview, str)


def bad_argument(who, host, port, initialsendmessage):
    if not isinstance(host, str) or not host:
        return ValueError("%s: host must be a non-empty str, not %r" % (who, host))
    # A name has at most 253 characters (a longer one would be an error
    # from the thread, the whole name in it).
    if len(host) > 253:
        return ValueError("%s: host must be at most 253 characters, not %r... (%d characters)"
                          % (who, host[:40], len(host)))
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        return ValueError("%s: port must be an int from 1 to 65535, not %r" % (who, port))
    if initialsendmessage is not None and not isinstance(initialsendmessage, SENDABLE):
        return TypeError("%s: initialsendmessage must be bytes, bytearray, memoryview "
                         "or str, not %s %r" % (who, type(initialsendmessage).__name__,
                                                initialsendmessage))
    return None
