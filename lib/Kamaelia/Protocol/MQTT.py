"""MQTTClient: an MQTT 3.1.1 client as a component, on the TCP client.

    MQTTClient(host, port=1883, client_id=None, keepalive=60,
               clean_session=True, subscriptions=(), username=None,
               password=None, will=None, window=20, window_bytes=None,
               reconnect=True, initial_delay=0.5, max_delay=30,
               connect_timeout=10, ssl=None, server_hostname=None)

    Pipeline(readings, MQTTClient("broker.local", subscriptions=["cmd/#"]), handler)

Boxes:
- "inbox": messages to publish, ``(topic, payload)`` (QoS 0) or a
  ``Message(topic, payload, qos=0, retain=False)``; payload bytes,
  bytearray, memoryview or str (sent as UTF-8).  A message that is not
  one of these, a topic with a wildcard, or QoS 2 (not supported) is an
  error on "signal", then the end.
- "subscribe": a topic filter (QoS 0), ``(filter, qos)``, or a list of
  them; "unsubscribe": a filter or a list of them.
- "outbox": a ``Message`` for each one arriving on a subscription
  (``topic, payload = message`` unpacks it; ``dup`` is True on one the
  broker sent again).
- "published": each QoS 1 Message sent to "inbox", once the broker has
  acknowledged it (it is the broker's from then on: a board may now
  forget the reading), in that order; only when the box is linked before
  the client starts.  Whatever takes them must keep taking: a producer
  that waits for room in "inbox" without reading them holds the client,
  which then takes nothing from "inbox".
- "control": ``producerFinished`` publishes everything that reached
  "inbox", waits until every QoS 1 message is acknowledged (across
  reconnects), sends DISCONNECT and closes; ``shutdownMicroprocess``
  closes at once (no DISCONNECT: the broker publishes the will) and
  drops what is not sent.
- "signal": ``connected(host, port)`` each time the broker accepts a
  session, ``disconnected(host, port)`` each time one ends, its
  ``error`` what ended it (an OSError; None if the broker closed it);
  neither is a shutdown message, and the client connects again.  The
  errors of attempts that failed are only counted (``connection_errors``):
  an exception out of a "signal" nobody listens to would end the
  program.  A refused subscription is an MQTTError, and the client goes
  on.  At the end: the error that ended it, if any (a broker
  refusing the CONNECT: MQTTError with its ``code``; a lost connection
  when ``reconnect=False``), then ``producerFinished``, or the
  ``shutdownMicroprocess`` it was given.

QoS 1 publishes keep a window: at most ``window`` messages and
``window_bytes`` bytes (default a quarter of QUEUE_BYTES; one message
always fits) wait for their PUBACK.  While it is full, or while no
session is up, the client takes nothing more from "inbox", so the
producer is held by the inbox's bounds: back-pressure, nothing dropped.
A Message counts its topic and payload against those bounds; a
``(topic, payload)`` tuple counts as one message whatever its size, so
on a small heap large payloads go in Messages.
After a reconnect the unacknowledged ones are sent again, with DUP set
and their packet ids, before anything new; the subscriptions are made
again when the broker has kept no session.

Underneath is a ReconnectingTCPClient (a ThreadedTCPClient with
``reconnect=False``), a child of this component, whose every connection
starts with the CONNECT packet (``initialsendmessage``) and nothing left
over from the one before (``resend=False``).  Its "outbox" and "signal"
both feed "_fromtcp", so a connection's bytes and its end arrive in order.
Keepalive: a CheapAndCheerfulClock ticks every ``keepalive``/4 s; a
PINGREQ goes out when nothing was sent or nothing heard for half of
``keepalive``, and the TCP client's ``recv_timeout`` of ``keepalive``
ends a connection that heard nothing for that long (a live broker
answers the ping well before), so a dead broker is noticed within
1.25 x keepalive and the client reconnects.  ``keepalive=0``: no pings,
no timeout, no clock thread.

Every packet is built whole before it is handed on, and the packets of
one turn go to the TCP client as one message, which it writes with one
write: no packet is split over writes, so Nagle's algorithm never holds
its second half waiting for an ACK.
"""

from axonport import ticks_ms, ticks_diff, random_fraction, QUEUE_BYTES, CHUNK_BYTES
from Axon.Box import Sized
from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Axon.ThreadedComponent import checked
from Kamaelia.IPC import socketShutdown
from Kamaelia.Internet.ReconnectingTCPClient import ReconnectingTCPClient, connected, disconnected
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
from Kamaelia.Protocol.MQTTPacket import (MQTTError, Parser, refused, parse_publish, connect,
                                          add_publish, publish_head, puback, subscribe, unsubscribe,
                                          topic_name, topic_filter, payload_bytes, check_qos,
                                          CONNACK, PUBLISH, PUBACK, SUBACK, UNSUBACK,
                                          PINGRESP, PINGREQ, DISCONNECT)

__all__ = ["MQTTClient", "Message", "MQTTError"]

_COST = 32          # a message's cost besides its bytes, as Axon.Box counts it


class Message(Sized):
    """One MQTT message: ``topic`` (str), ``payload``, ``qos`` (0 or 1),
    ``retain``; ``dup``: the broker sent it again.  Checked when made.
    Its ``len()``, what queues count it as (Axon.Box.Sized), is its topic
    and payload and what the object itself takes."""
    dup = False

    def __init__(self, topic, payload, qos=0, retain=False):
        topic_name(topic)
        payload_bytes(payload)
        check_qos(qos)
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain

    def __iter__(self):
        yield self.topic
        yield self.payload

    def __len__(self):
        return len(self.topic) + len(self.payload) + _COST

    def __eq__(self, other):
        return isinstance(other, Message) and (self.topic, self.payload, self.qos, self.retain) \
            == (other.topic, other.payload, other.qos, other.retain)

    def __repr__(self):
        return "Message(%r, %r, qos=%d, retain=%r)" % (self.topic, self.payload, self.qos,
                                                       self.retain)



class MQTTClient(component):
    Inboxes = {"inbox": "(topic, payload) or Message to publish",
               "subscribe": "filter, (filter, qos) or a list",
               "unsubscribe": "filter or a list",
               "control": "producerFinished, shutdownMicroprocess",
               "_fromtcp": "the TCP client's outbox and signal",
               "_tick": "the keepalive clock"}
    Outboxes = {"outbox": "Message received",
                "published": "QoS 1 Message acknowledged by the broker",
                "signal": "connected, disconnected, errors; then the end",
                "_totcp": "packets", "_tcpcontrol": "the TCP client's control",
                "_clockcontrol": "the clock's control"}

    def __init__(self, host, port=1883, client_id=None, keepalive=60, clean_session=True,
                 subscriptions=(), username=None, password=None, will=None, window=20,
                 window_bytes=None, reconnect=True, initial_delay=0.5, max_delay=30,
                 connect_timeout=10, ssl=None, server_hostname=None):
        who = "MQTTClient"
        if client_id is None:
            client_id = "axon-%08x" % int(random_fraction() * 0xffffffff)
        if window_bytes is None:
            window_bytes = max(256, QUEUE_BYTES // 4)
        checked(who, (("keepalive", keepalive, 0, True, False),
                      ("window", window, 1, True, False),
                      ("window_bytes", window_bytes, 1, True, False)))
        if keepalive > 65535:
            raise ValueError("%s: keepalive is at most 65535 s, not %d" % (who, keepalive))
        if not isinstance(client_id, str) or len(client_id.encode("utf-8")) > 65535:
            raise ValueError("%s: client_id must be a str, not %r" % (who, client_id))
        if username is not None and not isinstance(username, str):
            raise TypeError("%s: username must be a str, not %r" % (who, username))
        if password is not None and not isinstance(password, (str, bytes)):
            raise TypeError("%s: password must be str or bytes, not %r" % (who, password))
        if will is not None and not isinstance(will, Message):
            raise TypeError("%s: will must be a Message, not %r" % (who, will))
        component.__init__(self)
        self.keepalive = keepalive
        self.window = window
        self.window_bytes = window_bytes
        self._subs = {}             # filter -> qos: made again on a new session
        for item in _filters(subscriptions):
            self._subs[item[0]] = item[1]
        packet = connect(client_id, keepalive, clean_session,
                         None if will is None else (topic_name(will.topic),
                                                    payload_bytes(will.payload),
                                                    will.qos, will.retain),
                         username, password)
        # send_buffer: this client hands over each turn's packets as one
        # message, which the TCP client writes as it is; its copying batch
        # only gathers small ones (acknowledgements), so it stays small.
        options = {"initialsendmessage": packet, "connect_timeout": connect_timeout,
                   "send_buffer": 256}
        if ssl is not None:
            options["ssl"] = ssl
            options["server_hostname"] = server_hostname
        if reconnect:
            self.tcp = ReconnectingTCPClient(host, port, initial_delay=initial_delay,
                                             max_delay=max_delay, resend=False, **options)
        else:
            self.tcp = ThreadedTCPClient(host, port, **options)
        if keepalive:
            # The attribute, not the recv_timeout= extra: keepalive is
            # checked already, and the extras' module stays unloaded.
            self.tcp.recv_timeout = keepalive
        self.clock = None
        if keepalive:
            from Kamaelia.Util.Clock import CheapAndCheerfulClock
            self.clock = CheapAndCheerfulClock(keepalive / 4)
        self.host = host
        self.port = port
        self._parser = Parser()
        self._online = False
        self._inflight = {}         # pid -> (topic bytes, payload bytes, retain, Message)
        self._order = []            # pids in the order they were sent (some acknowledged)
        self._inflight_bytes = 0
        self._pid = 0
        self._sub_pids = {}         # pid -> [filter]: waiting for SUBACK
        self._received = []         # Messages not yet out of "outbox"
        self._confirmed = []        # acknowledged Messages not yet out of "published"
        self._confirm = False       # "published" is linked
        self._out = bytearray()     # packets of this turn
        self._topic = None          # the last topic published, and its bytes
        self._topic_bytes = b""
        self._last_sent = self._last_heard = ticks_ms()
        self._ping_out = False
        self._finishing = False     # producerFinished came
        self._end = None            # the message to pass on at the end
        self._error = None          # the error that ends it
        self._tcp_error = None      # the last error the TCP client reported
        self._tcp_done = False
        self._told_tcp = False
        # Counts, for benchmarks and tests.
        self.sessions = 0
        self.published = 0          # QoS 0 written, QoS 1 acknowledged
        self.received = 0
        self.resent = 0
        self.connection_errors = 0  # connections lost or never made

    # -- the loop ------------------------------------------------------------------

    def main(self):
        self._start()
        while True:
            busy = self._turn()
            if busy is None:
                return
            if not busy:
                self.pause()
            yield 1

    def _start(self):
        tcp = self.tcp
        self.link((self, "_totcp"), (tcp, "inbox"))
        self.link((self, "_tcpcontrol"), (tcp, "control"))
        self.link((tcp, "outbox"), (self, "_fromtcp"))
        self.link((tcp, "signal"), (self, "_fromtcp"))
        children = [tcp]
        if self.clock is not None:
            self.link((self.clock, "outbox"), (self, "_tick"))
            self.link((self, "_clockcontrol"), (self.clock, "control"))
            children.append(self.clock)
        self.addChildren(*children)
        self._confirm = self.outboxes["published"].target is not None
        for child in children:
            child.activate()

    def _turn(self):
        """One turn: True if there is more to do at once, False to pause,
        None when finished."""
        self._deliver()
        while not self._received and not self._confirmed and self.dataReady("_fromtcp"):
            self._from_tcp(self.recv("_fromtcp"))
        if self.dataReady("_tick"):
            while self.dataReady("_tick"):
                self.recv("_tick")
            self._tick()
        while self._end is None and self.dataReady("control"):
            msg = self.recv("control")
            if isinstance(msg, shutdownMicroprocess):
                self._stop(msg)
            elif isinstance(msg, producerFinished):
                self._finishing = True
        busy = False
        if self._online and self._end is None:
            self._subscriptions()
            busy = self._publish()
            if self._finishing and not self._inflight and not self.dataReady("inbox"):
                self._out += DISCONNECT
                self._online = False
                self._stop(producerFinished(self), producerFinished(self))
        self._flush()
        if self._end is not None:
            if not self._tcp_done or not self.childrenDone():
                return False
            if self._error is not None:
                self.send(self._error, "signal")
            self.send(self._end, "signal")
            return None
        return busy or bool(self._received) or bool(self._confirmed)

    def _stop(self, end, to_tcp=None):
        """End: the TCP client and the clock are told, and ``end`` goes out
        of "signal" once both have finished."""
        self._end = end
        if not self._told_tcp:
            self._told_tcp = True
            if to_tcp is None:
                to_tcp = shutdownMicroprocess(self)
            else:
                self._flush()       # the packets reach its "inbox" before this its "control"
            self.send(to_tcp, "_tcpcontrol")
        if self.clock is not None:
            self.send(shutdownMicroprocess(self), "_clockcontrol")

    def _fail(self, error, graceful=False):
        """End with ``error``; ``graceful``: what came before it is still
        written (a bad message from the producer), else dropped."""
        if self._error is None:
            self._error = error
        if graceful:
            self._stop(producerFinished(self), producerFinished(self))
        else:
            self._out = bytearray()
            self._stop(producerFinished(self))

    def _flush(self):
        if self._out:
            self.send(self._out, "_totcp")
            self._out = bytearray()
            self._last_sent = ticks_ms()

    def _deliver(self):
        if self._received:
            self._send_waiting(self._received, "outbox")
        if self._confirmed:
            self._send_waiting(self._confirmed, "published")

    def _send_waiting(self, waiting, box):
        """Send from ``waiting`` until one fills its receiver (the rest
        wait for the next turn)."""
        count = 0
        while count < len(waiting) and self._held is None:
            self.send(waiting[count], box)
            count += 1
        del waiting[:count]

    # -- from the broker ------------------------------------------------------------

    def _from_tcp(self, item):
        if isinstance(item, (bytes, bytearray)):
            self._last_heard = ticks_ms()
            try:
                for first, body in self._parser.feed(item):
                    self._packet(first, body)
            except MQTTError as exc:
                self._fail(exc)
            except (IndexError, ValueError) as exc:     # UnicodeError is a ValueError
                self._fail(MQTTError("the broker sent a malformed packet (%s)" % (exc,)))
        elif isinstance(item, disconnected):
            self._parser.reset()
            self._ping_out = False
            if self._online:
                self._online = False
                notice = disconnected(self.host, self.port)
                notice.error = self._tcp_error
                self.send(notice, "signal")
        elif isinstance(item, socketShutdown):
            self._tcp_done = True
            if self._end is None:
                self._fail(self._tcp_error or MQTTError(
                    "the connection to %r port %d ended" % (self.host, self.port)))
        elif isinstance(item, Exception):
            # Kept, not passed on: the TCP client connects again, and an
            # exception out of an unlinked "signal" would end the program.
            self._tcp_error = item
            self.connection_errors += 1
        # connected (the CONNACK says more) and dataDropped (resent here) pass.

    def _packet(self, first, body):
        kind = first & 0xF0
        if kind == PUBACK:
            entry = self._inflight.pop(body[0] << 8 | body[1], None)
            if entry is not None:
                self._inflight_bytes -= len(entry[0]) + len(entry[1]) + _COST
                self.published += 1
                if self._confirm:
                    self._confirmed.append(entry[3])
        elif kind == PUBLISH:
            topic, payload, level, retain, dup, pid = parse_publish(first, body)
            message = Message(topic, payload, min(level, 1), retain)
            message.dup = dup
            self._received.append(message)
            self.received += 1
            if level == 1:
                self._out += puback(pid)
        elif kind == CONNACK:
            if body[1]:
                self._fail(refused(body[1]))
                return
            self._connack(body[0] & 1)
        elif kind == SUBACK:
            filters = self._sub_pids.pop(body[0] << 8 | body[1], ())
            for pattern, code in zip(filters, body[2:]):
                if code == 0x80:
                    self._subs.pop(pattern, None)
                    self.send(MQTTError("the broker refused the subscription to %r"
                                        % (pattern,)), "signal")
        elif kind == PINGRESP:
            self._ping_out = False
        elif kind != UNSUBACK:
            self._fail(MQTTError("the broker sent a packet of unknown type %d" % (first >> 4)))

    def _connack(self, session_present):
        self._online = True
        self.sessions += 1
        self.send(connected(self.host, self.port), "signal")
        if not session_present and self._subs:
            self._send_subscribe(list(self._subs.items()))
        # What was not acknowledged goes again, oldest first.
        order = [pid for pid in self._order if pid in self._inflight]
        self._order = order
        for pid in order:
            topic, payload, retain, message = self._inflight[pid]
            add_publish(self._out, topic, payload, 1, retain, pid, True)
            self.resent += 1

    # -- to the broker ------------------------------------------------------------------

    def _tick(self):
        if not self._online or self._ping_out:
            return
        half = self.keepalive * 500
        now = ticks_ms()
        if ticks_diff(now, self._last_sent) >= half or ticks_diff(now, self._last_heard) >= half:
            self._out += PINGREQ
            self._ping_out = True

    def _next_pid(self):
        pid = self._pid
        while True:
            pid = pid % 65535 + 1
            if pid not in self._inflight and pid not in self._sub_pids:
                self._pid = pid
                return pid

    def _send_subscribe(self, items):
        pid = self._next_pid()
        self._sub_pids[pid] = [pattern for pattern, level in items]
        self._out += subscribe(pid, [(topic_filter(p), level) for p, level in items])

    def _subscriptions(self):
        while self.dataReady("subscribe"):
            try:
                items = _filters(self.recv("subscribe"))
            except (TypeError, ValueError) as exc:
                self._fail(exc, True)
                return
            for pattern, level in items:
                self._subs[pattern] = level
            if items:
                self._send_subscribe(items)
        while self.dataReady("unsubscribe"):
            try:
                patterns = [item[0] for item in _filters(self.recv("unsubscribe"))]
            except (TypeError, ValueError) as exc:
                self._fail(exc, True)
                return
            for pattern in patterns:
                self._subs.pop(pattern, None)
            if patterns:
                self._out += unsubscribe(self._next_pid(), [topic_filter(p) for p in patterns])

    def _publish(self):
        """Publish from "inbox" while the window has room and this turn's
        packets are fewer than a chunk; True if it stopped for the chunk.
        The loop runs once per message: what it uses is in locals (each
        attribute or global is a dictionary lookup on MicroPython), and a
        stream's packet head is made once per topic, size and QoS."""
        out = self._out
        inbox = self.inboxes["inbox"]
        inflight = self._inflight
        window = self.window
        order = self._order
        if len(order) > 2 * window:         # forget the acknowledged
            self._order = order = [p for p in order if p in inflight]
        limit = max(256, CHUNK_BYTES)
        head = head_topic = None
        head_size = head_level = head_retain = -1
        while len(inbox):
            if len(inflight) >= window or (inflight and self._inflight_bytes >= self.window_bytes):
                return False
            if len(out) >= limit or self._held is not None:
                return True
            message = inbox.take()
            try:
                if isinstance(message, Message):
                    topic = message.topic
                    payload = message.payload
                    level = message.qos
                    retain = message.retain
                elif isinstance(message, tuple) and len(message) == 2:
                    topic, payload = message
                    level = 0
                    retain = False
                else:
                    raise TypeError("MQTTClient publishes (topic, payload) or Message, not %r"
                                    % (message,))
                if topic is not self._topic:
                    self._topic_bytes = topic_name(topic)
                    self._topic = topic
                if not isinstance(payload, (bytes, bytearray)):
                    payload = payload_bytes(payload)
            except (TypeError, ValueError) as exc:
                self._fail(exc, True)
                return False
            size = len(payload)
            if topic is not head_topic or size != head_size or level != head_level \
                    or retain != head_retain:
                head = publish_head(self._topic_bytes, size, level, retain)
                head_topic = topic
                head_size = size
                head_level = level
                head_retain = retain
            out += head
            if level:
                pid = self._next_pid()
                inflight[pid] = (self._topic_bytes, payload, retain, message)
                order.append(pid)
                self._inflight_bytes += len(self._topic_bytes) + size + _COST
                out.append(pid >> 8)
                out.append(pid & 255)
            else:
                self.published += 1
            out += payload
        return False


def _filters(items):
    """[(filter, qos)] from a filter, (filter, qos), or a list or tuple of
    them; each checked."""
    if isinstance(items, str) or (isinstance(items, tuple) and len(items) == 2
                                  and isinstance(items[0], str)
                                  and not isinstance(items[1], str)):
        items = [items]
    if not isinstance(items, (list, tuple)):
        raise TypeError("topic filters are a str, (str, qos), or a list of them, not %r"
                        % (items,))
    result = []
    for item in items:
        pattern, level = (item, 0) if isinstance(item, str) else item
        topic_filter(pattern)
        result.append((pattern, check_qos(level)))
    return result
