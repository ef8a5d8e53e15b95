"""A real MQTT broker and independent MQTT peers for the tests (CPython,
run by the pytest process; tests on any runtime reach them through
serverfactory.py, see mqttkit.py).

- ``Broker``: Mosquitto on a free loopback port (tools/mosquitto.py).
- ``Subscriber(port, topics, ...)``: a paho-mqtt client that subscribes
  and records what arrives: the count, a running SHA-256 of topic and
  payload in order (of all, and of those at each QoS: a broker keeps the
  order of one QoS, not across them), and, for payloads that are decimal numbers, which
  numbers came and how many came more than once.  It reconnects by itself
  (resubscribing) after the broker comes back.
- ``publish(port, messages)``: paho publishes and waits until each is
  sent (QoS 1: acknowledged).
"""

import hashlib
import threading

from tools.mosquitto import Broker, available as mosquitto_available  # noqa: F401

def _paho(client_id="", clean_session=True, userdata=None):
    import paho.mqtt.client as paho
    return paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                       clean_session=clean_session, userdata=userdata)


class Subscriber:
    def __init__(self, port, topics, client_id="", clean_session=True, keep=0):
        self.topics = [(t, q) for t, q in topics]
        self.changed = threading.Condition()
        self.count = 0
        self.digest = hashlib.sha256()
        self.by_qos = {0: hashlib.sha256(), 1: hashlib.sha256()}
        self.numbers = set()
        self.duplicates = 0
        self.kept = []              # the first ``keep`` messages, whole
        self.keep = keep
        self.subscribed = 0
        self.client = _paho(client_id, clean_session)
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.on_subscribe = self._suback
        self.client.reconnect_delay_set(0.05, 0.5)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        with self.changed:
            if not self.changed.wait_for(lambda: self.subscribed, 10):
                raise RuntimeError("the paho subscriber did not get its SUBACK")

    def _connected(self, client, userdata, flags, reason, properties):
        client.subscribe(self.topics)

    def _suback(self, client, userdata, mid, reasons, properties):
        with self.changed:
            self.subscribed += 1
            self.changed.notify_all()

    def _message(self, client, userdata, msg):
        with self.changed:
            self.count += 1
            piece = msg.topic.encode() + b"\0" + msg.payload + b"\0"
            self.digest.update(piece)
            self.by_qos[min(msg.qos, 1)].update(piece)
            if msg.payload.isdigit():
                number = int(msg.payload)
                if number in self.numbers:
                    self.duplicates += 1
                self.numbers.add(number)
            if len(self.kept) < self.keep:
                self.kept.append([msg.topic, msg.payload.hex(), msg.qos, bool(msg.retain)])
            self.changed.notify_all()

    def wait(self, count, timeout):
        with self.changed:
            self.changed.wait_for(lambda: self.count >= count, timeout)
            return self.as_dict()

    def as_dict(self):
        numbers = self.numbers
        top = max(numbers) if numbers else -1
        missing = [n for n in range(top + 1) if n not in numbers]
        return {"count": self.count, "sha256": self.digest.hexdigest(),
                "sha256_qos0": self.by_qos[0].hexdigest(),
                "sha256_qos1": self.by_qos[1].hexdigest(),
                "distinct": len(numbers), "duplicates": self.duplicates,
                "missing": len(missing), "first_missing": missing[:10],
                "kept": self.kept}

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def publish(port, messages, client_id=""):
    """Publish [(topic, payload bytes, qos, retain)] with paho, waiting
    until each is out (QoS 1: acknowledged)."""
    client = _paho(client_id)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        infos = [client.publish(t, p, q, r) for t, p, q, r in messages]
        for info in infos:
            info.wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()
