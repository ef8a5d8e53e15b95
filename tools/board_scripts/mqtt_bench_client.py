# tools/mqtt_bench.py runs this with micropython or CPython, its arguments
# CLIENT TEST PORT COUNT: CLIENT is "axon" (Kamaelia.Protocol.MQTT),
# "umqtt" (micropython-lib's umqtt.simple, MicroPython) or "paho"
# (paho-mqtt, CPython); TEST is
#   pub0 / pub1: publish COUNT messages of 64 B to "bench/t" at QoS 0 / 1,
#                then disconnect (the bench counts them at a subscriber);
#   rtt:         publish to a topic the client subscribes to, COUNT times,
#                each once the last came back; prints "rtt <us> ..." for each;
#   heap:        import, then connect; print "heap_import <bytes>" and
#                "heap <bytes>": gc.mem_alloc() (after gc.collect()) after
#                the imports and with the client connected and idle, each
#                less before the imports (MicroPython only).
# Prints "done" at the end.
import sys
import time
try:
    import gc
except ImportError:
    gc = None

client, test, port, count = sys.argv[-4], sys.argv[-3], int(sys.argv[-2]), int(sys.argv[-1])
PAYLOAD = b"x" * 64
HOST = "127.0.0.1"

if hasattr(time, "ticks_us"):
    def now_us():
        return time.ticks_us()

    def since_us(start):
        return time.ticks_diff(time.ticks_us(), start)
else:
    def now_us():
        return time.perf_counter()

    def since_us(start):
        return int((time.perf_counter() - start) * 1e6)

if gc is not None and hasattr(gc, "mem_alloc"):
    gc.collect()
    before = gc.mem_alloc()


def heap_now():
    gc.collect()
    return gc.mem_alloc() - before


if client == "axon":
    from Axon.Component import component
    from Axon.Ipc import producerFinished, shutdownMicroprocess
    from Kamaelia.Protocol.MQTT import MQTTClient, Message
    from Kamaelia.Internet.ReconnectingTCPClient import connected

    class Driver(component):
        Inboxes = {"inbox": "received", "control": "the client's signal"}

        def wait_connected(self):
            while True:
                while self.dataReady("control"):
                    if isinstance(self.recv("control"), connected):
                        return
                self.pause()
                yield 1

        def main(self):
            yield from self.wait_connected()
            if test == "heap":
                print("heap", heap_now())
            elif test == "rtt":
                message = Message("rtt/axon", PAYLOAD, qos=0)
                for _ in range(count):
                    start = now_us()
                    self.send(message, "outbox")
                    while not self.dataReady("inbox"):
                        self.pause()
                        yield 1
                    self.recv("inbox")
                    print("rtt", since_us(start))
            else:
                message = ("bench/t", PAYLOAD) if test == "pub0" else \
                    Message("bench/t", PAYLOAD, qos=1)
                for _ in range(count):
                    yield from self.send_when_room(message)
            self.send(producerFinished(self), "signal")
            while True:
                while self.dataReady("control"):
                    if isinstance(self.recv("control"), (producerFinished, shutdownMicroprocess)):
                        return
                self.pause()
                yield 1

    if test == "heap":
        print("heap_import", heap_now())
    mqtt = MQTTClient(HOST, port, keepalive=0, reconnect=False,
                      subscriptions=["rtt/axon"] if test == "rtt" else ())
    driver = Driver()
    driver.link((driver, "outbox"), (mqtt, "inbox"))
    driver.link((driver, "signal"), (mqtt, "control"))
    driver.link((mqtt, "outbox"), (driver, "inbox"))
    driver.link((mqtt, "signal"), (driver, "control"))
    mqtt.activate()
    driver.run()

elif client == "umqtt":
    from umqtt.simple import MQTTClient
    if test == "heap":
        print("heap_import", heap_now())
    mqtt = MQTTClient("umqtt-bench", HOST, port)
    mqtt.connect()
    if test == "heap":
        print("heap", heap_now())
    elif test == "rtt":
        got = []
        mqtt.set_callback(lambda topic, msg: got.append(msg))
        mqtt.subscribe(b"rtt/umqtt")
        for _ in range(count):
            start = now_us()
            mqtt.publish(b"rtt/umqtt", PAYLOAD)
            while not got:
                mqtt.wait_msg()
            got.pop()
            print("rtt", since_us(start))
    else:
        level = 1 if test == "pub1" else 0
        for _ in range(count):
            mqtt.publish(b"bench/t", PAYLOAD, qos=level)
    mqtt.disconnect()

else:
    import threading
    import paho.mqtt.client as paho
    mqtt = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="paho-bench")
    mqtt.max_inflight_messages_set(20)
    came = threading.Event()
    mqtt.on_message = lambda c, u, m: came.set()
    mqtt.connect(HOST, port, keepalive=60)
    mqtt.loop_start()
    if test == "rtt":
        subscribed = threading.Event()
        mqtt.on_subscribe = lambda *a: subscribed.set()
        mqtt.subscribe("rtt/paho")
        subscribed.wait(10)
        for _ in range(count):
            came.clear()
            start = now_us()
            mqtt.publish("rtt/paho", PAYLOAD)
            came.wait(10)
            print("rtt", since_us(start))
    else:
        level = 1 if test == "pub1" else 0
        info = None
        for _ in range(count):
            info = mqtt.publish("bench/t", PAYLOAD, qos=level)
        info.wait_for_publish(60)
    mqtt.disconnect()
    mqtt.loop_stop()
print("done")
