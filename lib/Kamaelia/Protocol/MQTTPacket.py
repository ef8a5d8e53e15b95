"""MQTT 3.1.1 on the wire: the packets Kamaelia.Protocol.MQTT writes, the
parser it reads with, and the checks on what users give it.  Bytes
throughout; nothing here touches a socket.

- Every encoder returns one whole packet (or appends one to a bytearray),
  so the client hands each packet to the TCP client in one piece.
- ``Parser.feed(data)`` takes the bytes of one connection in any pieces
  and returns the whole packets in them as (first byte, body) pairs; a
  partial packet waits for the next piece.  ``reset()`` forgets it (a new
  connection).  A packet longer than the MQTT limit, or a length field of
  more than four bytes, is an MQTTError.
- Checks: ``topic_name`` (a publish topic: a non-empty str, no wildcard,
  no NUL, at most 65535 bytes as UTF-8), ``topic_filter`` (wildcards only
  as whole levels, ``#`` last), ``payload_bytes`` (bytes, bytearray,
  memoryview or str as UTF-8), ``check_qos`` (0 or 1: QoS 2 is not supported).
  A bad value is a ValueError or TypeError that says what is wrong.
"""

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
PUBACK = 0x40
SUBSCRIBE = 0x82            # with its required flags
SUBACK = 0x90
UNSUBSCRIBE = 0xA2
UNSUBACK = 0xB0
PINGREQ = b"\xc0\x00"
PINGRESP = 0xD0
DISCONNECT = b"\xe0\x00"

MAX_LENGTH = 268435455      # the most four length bytes can say

REFUSALS = {1: "unacceptable protocol version", 2: "client identifier rejected",
            3: "server unavailable", 4: "bad user name or password",
            5: "not authorised"}


class MQTTError(Exception):
    """The broker refused the connection (``code``: its CONNACK return
    code, else 0) or broke the protocol."""
    code = 0


def refused(code):
    error = MQTTError("the broker refused the connection: %s (code %d)"
                      % (REFUSALS.get(code, "unknown reason"), code))
    error.code = code
    return error


# -- checks -------------------------------------------------------------------

def _utf8(what, text):
    if not isinstance(text, str):
        raise TypeError("%s must be a str, not %s" % (what, type(text).__name__))
    data = text.encode("utf-8")
    if len(data) > 65535:
        raise ValueError("%s is %d bytes as UTF-8, more than MQTT's 65535" % (what, len(data)))
    return data


def topic_name(topic):
    """The UTF-8 bytes of a topic to publish to."""
    data = _utf8("an MQTT topic", topic)
    if not data or b"+" in data or b"#" in data or b"\x00" in data:
        raise ValueError("cannot publish to %r: a topic is not empty and has no "
                         "wildcard (+, #) and no NUL" % (topic,))
    return data


def topic_filter(pattern):
    """The UTF-8 bytes of a topic filter to subscribe to."""
    data = _utf8("an MQTT topic filter", pattern)
    levels = pattern.split("/")
    for i, level in enumerate(levels):
        if ("+" in level or "#" in level) and len(level) > 1 or \
                level == "#" and i != len(levels) - 1:
            raise ValueError("bad topic filter %r: + and # stand alone in a level, "
                             "and # comes last" % (pattern,))
    if not data or b"\x00" in data:
        raise ValueError("bad topic filter %r: empty, or with a NUL" % (pattern,))
    return data


def payload_bytes(payload):
    if isinstance(payload, (bytes, bytearray)):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, memoryview):
        return bytes(payload)
    raise TypeError("an MQTT payload is bytes, bytearray, memoryview or str, not %s"
                    % type(payload).__name__)


def check_qos(level):
    if level == 2 and not isinstance(level, bool):
        raise ValueError("QoS 2 is not supported: publish and subscribe with QoS 0 or 1")
    if level not in (0, 1) or isinstance(level, bool):
        raise ValueError("QoS is 0 or 1, not %r" % (level,))
    return level


# -- encoders -------------------------------------------------------------------

def _length(out, n):
    if n > MAX_LENGTH:
        raise ValueError("an MQTT packet holds at most %d bytes, not %d" % (MAX_LENGTH, n))
    while n > 127:
        out.append((n & 127) | 128)
        n >>= 7
    out.append(n)


def _field(out, data):
    out.append(len(data) >> 8)
    out.append(len(data) & 255)
    out += data


def connect(client_id, keepalive, clean_session, will=None, username=None, password=None):
    """``will``: (topic bytes, payload bytes, qos, retain) or None;
    ``username`` str, ``password`` bytes or str (both checked by the caller)."""
    body = bytearray(b"\x00\x04MQTT\x04\x00")
    flags = 2 if clean_session else 0
    body.append(keepalive >> 8)
    body.append(keepalive & 255)
    _field(body, client_id.encode("utf-8"))
    if will is not None:
        flags |= 4 | will[2] << 3 | (32 if will[3] else 0)
        _field(body, will[0])
        _field(body, will[1])
    if username is not None:
        flags |= 128
        _field(body, username.encode("utf-8"))
    if password is not None:
        flags |= 64
        _field(body, password.encode("utf-8") if isinstance(password, str) else password)
    body[7] = flags
    out = bytearray()
    out.append(CONNECT)
    _length(out, len(body))
    out += body
    return bytes(out)


def publish_head(topic, size, level, retain, dup=False):
    """What comes before the packet id (at QoS 1) and the payload of a
    PUBLISH to ``topic`` (bytes, checked) of ``size`` payload bytes: the
    same for every message of one topic, size and QoS, so a client
    publishing a stream makes it once."""
    out = bytearray()
    out.append(PUBLISH | (8 if dup else 0) | level << 1 | (1 if retain else 0))
    _length(out, 2 + len(topic) + size + (2 if level else 0))
    _field(out, topic)
    return bytes(out)


def add_publish(out, topic, payload, level, retain, pid, dup=False):
    """Append a PUBLISH: ``topic`` and ``payload`` bytes-like (checked),
    ``pid`` the packet id when ``level`` is 1."""
    out += publish_head(topic, len(payload), level, retain, dup)
    if level:
        out.append(pid >> 8)
        out.append(pid & 255)
    out += payload


def puback(pid):
    return bytes((PUBACK, 2, pid >> 8, pid & 255))


def subscribe(pid, filters):
    """``filters``: [(filter bytes, qos)]."""
    body = bytearray((pid >> 8, pid & 255))
    for data, level in filters:
        _field(body, data)
        body.append(level)
    out = bytearray((SUBSCRIBE,))
    _length(out, len(body))
    return bytes(out + body)


def unsubscribe(pid, filters):
    """``filters``: [filter bytes]."""
    body = bytearray((pid >> 8, pid & 255))
    for data in filters:
        _field(body, data)
    out = bytearray((UNSUBSCRIBE,))
    _length(out, len(body))
    return bytes(out + body)


# -- the parser -------------------------------------------------------------------

class Parser(object):
    def __init__(self):
        self._rest = b""        # a packet not yet whole

    def reset(self):
        self._rest = b""

    def feed(self, data):
        """The whole packets now in hand: [(first byte, body bytes)]."""
        buf = self._rest + data if self._rest else data
        packets = []
        end = len(buf)
        i = 0
        while i + 2 <= end:
            first = buf[i]
            n = buf[i + 1]
            if n == 2 and i + 4 <= end:         # PUBACK and the like: the usual case
                packets.append((first, buf[i + 2:i + 4]))
                i += 4
                continue
            size = 0
            shift = 0
            j = i + 1
            while True:
                if j >= end:
                    size = -1           # the length is not all here yet
                    break
                byte = buf[j]
                size |= (byte & 127) << shift
                j += 1
                if not byte & 128:
                    break
                shift += 7
                if shift > 21:
                    raise MQTTError("the broker sent a packet length of more than four bytes")
            if size < 0 or j + size > end:
                break
            packets.append((first, bytes(buf[j:j + size])))
            i = j + size
        self._rest = bytes(buf[i:]) if i < end else b""
        return packets


def parse_publish(first, body):
    """(topic str, payload bytes, qos, retain, dup, pid) of a PUBLISH body."""
    level = (first >> 1) & 3
    n = body[0] << 8 | body[1]
    i = 2 + n
    if i + (2 if level else 0) > len(body):
        raise MQTTError("the broker sent a PUBLISH shorter than its topic")
    topic = str(body[2:i], "utf-8")
    pid = 0
    if level:
        pid = body[i] << 8 | body[i + 1]
        i += 2
    return topic, body[i:], level, bool(first & 1), bool(first & 8), pid
