"""The MQTT test kit as a test on any runtime sees it: a Mosquitto broker
and paho-mqtt peers run by the pytest process (brokers.py), asked for
through the test-server factory's control connection (testserver.py).

- ``Broker(users=None, tls=False)``: ``.port`` (with ``tls``, also
  ``.tls_port`` and ``.ca``, the DER certificate of the CA that signed
  the broker's); ``kill()``, ``restart()``,
  ``kill_restart(down_for)``, ``pause()``, ``resume()``.  Without
  Mosquitto on the machine the test is skipped, saying so.
- ``Subscriber(port, topics, client_id="", clean_session=True, keep=0)``:
  ``wait(count, timeout)`` returns what it has received (count, sha256
  of topic NUL payload NUL in order, also of those at QoS 0 and 1 alone
  (sha256_qos0, sha256_qos1), distinct numbers, duplicates,
  missing, and the first ``keep`` messages as [topic, payload hex, qos,
  retain]).
- ``publish(port, messages)``: [(topic, payload bytes, qos, retain)];
  ``publish_series(port, count)``: the messages ``series(i)``, made by
  the pytest process (no list of them in a small heap).
- ``stream_sha256(messages)``: the sha256 a Subscriber reports for them.
- ``Driver`` and ``run_client(client, script)``: a test script, in a
  thread of its own, drives an MQTTClient and sees what comes out of it.
"""

import binascii
import hashlib
from axonport import ticks_ms, ticks_diff
from Axon.Scheduler import scheduler
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Axon.AxonExceptions import noSpaceInBox
from testserver import _Control
from checks import SkipTest


class Broker:
    def __init__(self, users=None, tls=False):
        answer = _Control.ask({"cmd": "broker", "users": users, "tls": tls})
        if "skip" in answer:
            raise SkipTest(answer["skip"])
        self.id = answer["id"]
        self.port = answer["port"]
        self.tls_port = answer.get("tls_port")
        self.ca = binascii.unhexlify(answer["ca"]) if "ca" in answer else None

    def _do(self, op, *args):
        _Control.ask({"cmd": "broker_do", "id": self.id, "op": op, "args": args})

    def kill_restart(self, down_for):
        """SIGKILL now, start again (same port, its persistence) ``down_for`` s later."""
        self._do("kill_restart", down_for)

    def kill(self):
        self._do("kill")

    def restart(self):
        self._do("restart")

    def pause(self):
        self._do("pause")

    def resume(self):
        self._do("resume")


class Subscriber:
    def __init__(self, port, topics, client_id="", clean_session=True, keep=0):
        self.id = _Control.ask({"cmd": "mqtt_subscriber", "port": port,
                                "topics": [list(t) for t in topics], "client_id": client_id,
                                "clean_session": clean_session, "keep": keep})["id"]

    def wait(self, count, timeout=10):
        return _Control.ask({"cmd": "mqtt_wait", "id": self.id, "count": count,
                             "timeout": timeout})


def publish(port, messages):
    _Control.ask({"cmd": "mqtt_publish", "port": port,
                  "messages": [[t, binascii.hexlify(p).decode(), q, r]
                               for t, p, q, r in messages]})


def publish_series(port, count):
    """paho publishes series(0) to series(count - 1)."""
    _Control.ask({"cmd": "mqtt_publish", "port": port, "series": count})


def series(i):
    """The i-th message (topic, payload, qos, retain) of a series: three
    topics, QoS 0 and 1 in turn, 0 to 40 bytes of payload after its number."""
    return "in/%d" % (i % 3), b"m%d-" % i + bytes(range(40))[:i % 40], i & 1, False


def stream_sha256(messages, digest=None):
    """[(topic, payload bytes)] (any iterable) -> what Subscriber.wait
    reports as sha256; with ``digest``, only hashed into that one (a
    MicroPython digest cannot go on once read)."""
    mine = digest is None
    if mine:
        digest = hashlib.sha256()
    for topic, payload in messages:
        # In pieces: no copy of the payload in a small heap.
        digest.update(topic.encode())
        digest.update(b"\0")
        digest.update(payload)
        digest.update(b"\0")
    return hexdigest(digest) if mine else None


def hexdigest(digest):
    return binascii.hexlify(digest.digest()).decode()


# -- driving an MQTTClient from a script --------------------------------------------


class Driver(threadedcomponent):
    """Runs ``script(driver)`` in its own thread, wired to a client: what
    it sends out of "outbox", "subscribe", "unsubscribe" and "signal"
    reaches the client's "inbox", "subscribe", "unsubscribe" and
    "control"; what the client puts out of "outbox" and "signal" is
    collected in ``received`` (Messages; with ``keep`` False only counted,
    in ``count`` and the running ``digests`` of those at QoS 0 and 1, as
    stream_sha256 makes them) and ``signals``; with ``acked``, what comes
    out of the client's "published" (payloads that are numbers) in
    ``acked_runs``, [first, last] of each run of consecutive numbers.
    ``until(condition, timeout)`` waits, collecting, until condition()
    holds; False if the time ran out.  When the script is done (or
    failed: ``error``), the client is stopped if it has not ended (with
    ``hears_end`` False, its "signal" is not linked here, and the script
    ends it)."""

    Inboxes = {"inbox": "the client's outbox", "control": "the client's signal",
               "acked": "the client's published"}
    Outboxes = {"outbox": "publish", "subscribe": "subscribe", "unsubscribe": "unsubscribe",
                "signal": "the client's control"}

    def __init__(self, script, keep=True, hears_end=True):
        threadedcomponent.__init__(self)
        self.script = script
        self.keep = keep
        self.hears_end = hears_end      # the client's "signal" comes here
        self.received = []
        self.count = 0
        self.digests = (hashlib.sha256(), hashlib.sha256())     # at QoS 0, at QoS 1
        self.signals = []
        self.acked_runs = []            # [first, last]: numbered payloads acknowledged, in runs
        self.error = None

    def collect(self):
        while self.dataReady("inbox"):
            message = self.recv("inbox")
            self.count += 1
            if self.keep:
                self.received.append(message)
            else:
                stream_sha256([message], self.digests[message.qos])
        while self.dataReady("control"):
            self.signals.append(self.recv("control"))
        runs = self.acked_runs
        while self.dataReady("acked"):
            number = int(self.recv("acked").payload)
            if runs and runs[-1][1] + 1 == number:
                runs[-1][1] = number
            else:
                runs.append([number, number])

    def publish(self, message):
        """Send ``message`` to the client's "inbox", collecting what comes
        out of the client while the queue is full: a driver that only
        waited would stop taking "published" and hold the client, which
        then takes nothing from it (a cycle)."""
        while True:
            try:
                self.send_nowait(message, "outbox")
                return
            except noSpaceInBox:
                self.collect()
                self.pause(0.2)

    def ended(self):
        return bool(self.signals) and isinstance(self.signals[-1],
                                                 (producerFinished, shutdownMicroprocess))

    def kinds(self):
        return [type(s).__name__ for s in self.signals]

    def until(self, condition, timeout):
        start = ticks_ms()
        while True:
            self.collect()
            if condition():
                return True
            left = timeout * 1000 - ticks_diff(ticks_ms(), start)
            if left <= 0:
                return False
            self.pause(min(left, 200) / 1000)

    def main(self):
        try:
            self.script(self)
        except BaseException as exc:
            self.error = exc
        if self.hears_end and not self.until(self.ended, 0):
            self.send(shutdownMicroprocess(), "signal")
            self.until(self.ended, 10)


def run_client(client, script, keep=True, acked=False):
    """Wire a Driver running ``script`` to ``client``, run both to the
    end; raises what the script raised.  Returns the driver."""
    driver = Driver(script, keep)
    if acked:
        driver.link((client, "published"), (driver, "acked"))
    for box in ("outbox", "subscribe", "unsubscribe"):
        driver.link((driver, box), (client, "inbox" if box == "outbox" else box))
    driver.link((driver, "signal"), (client, "control"))
    driver.link((client, "outbox"), (driver, "inbox"))
    driver.link((client, "signal"), (driver, "control"))
    client.activate()
    driver.activate()
    scheduler.run.runThreads()
    if driver.error is not None:
        raise driver.error
    return driver
