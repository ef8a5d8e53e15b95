"""A sensor on a board publishing its readings over MQTT, the Kamaelia way:

    mqtt_sensor_example.py HOST PORT [COUNT] [INTERVAL]

Pipeline(CheapAndCheerfulClock(INTERVAL), Readings(COUNT),
         MQTTClient(HOST, PORT, will=...), Outcome())

Every INTERVAL seconds (default 0.2) the clock ticks and Readings sends one
reading as a QoS 1 Message to "sensors/<board>/temperature", a JSON
payload {"n": ..., "celsius": ...}: the chip's own temperature where the
port has one (ESP32), else a simulated one.  After COUNT readings
(default 20) it finishes: the client publishes what is left, waits for
every acknowledgement and disconnects.  If the board dies first, the
broker publishes the will, "offline", retained, on "sensors/<board>/status".
Prints "OK <count>" after a clean end, or "ERROR <exception>" (exit 1).
"""

import sys
from Axon.Component import component
from Axon.Ipc import producerFinished
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Util.Clock import CheapAndCheerfulClock
from Kamaelia.Protocol.MQTT import MQTTClient, Message

BOARD = "board1"


def celsius(n):
    try:
        import esp32
        return esp32.mcu_temperature()
    except (ImportError, AttributeError):
        return 21.0 + (n % 10) / 10          # simulated


class Readings(component):
    """One reading per tick on "inbox"; producerFinished after ``count``."""

    def __init__(self, count):
        component.__init__(self)
        self.count = count

    def main(self):
        for n in range(self.count):
            while not self.dataReady("inbox"):
                self.pause()
                yield 1
            self.recv("inbox")
            payload = '{"n": %d, "celsius": %.1f}' % (n, celsius(n))
            self.send(Message("sensors/%s/temperature" % BOARD, payload, qos=1), "outbox")
        self.send(producerFinished(self), "signal")


class Outcome(component):
    """Records the client's signals; ends at its producerFinished."""

    def main(self):
        self.errors = []
        while True:
            while self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, producerFinished):
                    return
                if isinstance(msg, Exception):
                    self.errors.append(msg)
            self.pause()
            yield 1


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        sys.exit(2)
    host, port = argv[1], int(argv[2])
    count = int(argv[3]) if len(argv) > 3 else 20
    interval = float(argv[4]) if len(argv) > 4 else 0.2
    will = Message("sensors/%s/status" % BOARD, b"offline", qos=1, retain=True)
    client = MQTTClient(host, port, client_id=BOARD, will=will)
    outcome = Outcome()
    Pipeline(CheapAndCheerfulClock(interval), Readings(count), client, outcome).run()
    if outcome.errors:
        print("ERROR", outcome.errors[-1])
        sys.exit(1)
    print("OK", client.published)


main(sys.argv)
