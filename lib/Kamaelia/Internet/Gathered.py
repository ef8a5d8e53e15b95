"""The ThreadedTCPClient's write where the socket gathers: CPython's plain
sockets, with ``sendmsg``.  Loaded only there (MicroPython's sockets, and
the TLS and statistics layers, have no sendmsg: the client copies small
messages into its send_buffer instead, ThreadedTCPClient._write_batched).

One call hands the kernel up to GATHER waiting messages, whatever their
sizes, without copying them; fewer calls also mean fewer times the
client's thread lets CPython's GIL go and must win it back, which is
where a stream of large messages lost most of its time.  ``send_buffer``
is not used.

Edges, as the copying write's: messages go in order and in full; a
message of the wrong type ends the write after what came before it was
written; a send that times out (the server is not reading) is tried
again until the client is told to stop now or the reader has met an
error (``client._check_stop``); any failure is raised as _WriteFailed
with the bytes the socket took.
"""

from axonport import is_timeout
from Kamaelia.Internet.ThreadedTCPClient import _WriteFailed, as_bytes, wrong_type

GATHER = 512        # buffers a sendmsg call takes at most (Linux: 1024)


def write(client, sock, messages):
    parts = []
    written = pending = 0
    try:
        for message in messages:
            data = as_bytes(message)
            if data is None:                # what came before it is written
                if parts:
                    write_parts(client, sock, parts, written)
                raise _WriteFailed(written + pending, wrong_type(message))
            if len(parts) == GATHER:
                write_parts(client, sock, parts, written)
                written += pending
                pending = 0
            if len(data):
                parts.append(data)
                pending += len(data)
        if parts:
            write_parts(client, sock, parts, written)
    except _WriteFailed:
        raise
    except Exception as exc:
        raise _WriteFailed(written, exc)


def write_parts(client, sock, parts, before):
    """Send every buffer of ``parts`` (a list, emptied as they go), which
    follow ``before`` bytes already written."""
    sent = 0
    while parts:
        if client._control_waiting():
            client._check_stop(before + sent, False)
        try:
            done = sock.sendmsg(parts)
        except OSError as exc:
            if not is_timeout(exc):
                raise _WriteFailed(before + sent, exc)
            client._check_stop(before + sent, True)
            continue
        sent += done
        whole = 0
        while whole < len(parts) and done >= len(parts[whole]):
            done -= len(parts[whole])
            whole += 1
        del parts[:whole]
        if done:
            parts[0] = memoryview(parts[0])[done:]
