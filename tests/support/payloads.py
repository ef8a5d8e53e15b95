"""Test payloads made piece by piece, and their checksums (CPython and
MicroPython alike).  No test on MicroPython holds a whole payload: it is
made as it is sent and checked by a running SHA-256 as it arrives.

- ``pattern_pieces(size, seed, piece)``: pattern(size, seed) (testserver.py)
  as consecutive pieces; ``seeded_pieces(count, size)``: ``count``
  messages, message ``i`` being pattern(size, seed=i);
  ``large_messages(size, seed, over)``: one message on CPython, pieces
  larger than any box or buffer on MicroPython.
- ``sha256_stream(pieces)``: the checksum of such a generator's output;
  ``sha256hex(data)``: of one small bytes; ``write_pattern_file``: a
  pattern file written a block at a time, returning its checksum.
"""

import binascii
import hashlib
import sys

from testserver import pattern

IS_MICROPYTHON = sys.implementation.name == "micropython"


def write_pattern_file(path, size, seed=0):
    """Write pattern(size, seed) to ``path`` a block at a time (so a 1 MB
    file needs no 1 MB buffer); returns its SHA-256 in hex."""
    block = pattern(4096, seed)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            piece = block if left >= 4096 else block[:left]
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return binascii.hexlify(digest.digest()).decode()


def sha256hex(data):
    return binascii.hexlify(hashlib.sha256(data).digest()).decode()


def sha256_stream(pieces, limit=None):
    """SHA-256 (hex) of everything ``pieces`` (an iterable of bytes-like
    objects) yields, or of its first ``limit`` bytes, hashed a piece at a
    time."""
    digest = hashlib.sha256()
    for piece in pieces:
        if limit is not None:
            if limit <= len(piece):
                digest.update(piece[:limit])
                break
            limit -= len(piece)
        digest.update(piece)
    return binascii.hexlify(digest.digest()).decode()


def pattern_pieces(size, seed=0, piece=4096):
    """pattern(size, seed) as consecutive ``bytes`` pieces of ``piece``
    bytes (the last one shorter), made as they are asked for.  When
    ``piece`` is a multiple of 256 every full piece is the same object."""
    if size <= piece:
        yield pattern(size, seed)
        return
    if piece % 256 == 0:
        block = pattern(piece, seed)
        for _ in range(size // piece):
            yield block
        if size % piece:
            yield block[:size % piece]
        return
    span = pattern(piece + 255, seed)       # a piece at any offset of the stream
    done = 0
    while done < size:
        at = done % 256
        n = min(piece, size - done)
        yield span[at:at + n]
        done += n


def seeded_pieces(count, size):
    """``count`` messages of ``size`` bytes, message ``i`` being
    pattern(size, seed=i), made as they are asked for: each a slice of one
    stretch of pattern(seed=0), as byte j of seed i is byte j + 223 * i
    (mod 256) of seed 0 (31 * 223 = 1 mod 256), so that a piece costs the
    heap one allocation of its size."""
    span = pattern(size + 255)
    for i in range(count):
        at = (223 * i) & 255
        yield span[at:at + size]


def large_messages(size, seed=0, over=0):
    """pattern(size, seed) as a test of large messages sends it: one
    message on CPython; on MicroPython, where no test holds a whole
    payload, messages larger than ``over`` and than the port's QUEUE_BYTES
    (a client's default inbox bound), so each is still larger than any box
    or buffer it meets -- but the last, the rest, which may be smaller.
    All the full ones are one object."""
    if not IS_MICROPYTHON:
        return [pattern(size, seed)]
    from axonport import QUEUE_BYTES
    return pattern_pieces(size, seed, (max(over, QUEUE_BYTES) // 256 + 1) * 256)
