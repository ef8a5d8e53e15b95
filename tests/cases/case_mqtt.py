"""Kamaelia.Protocol.MQTT against a real broker (Mosquitto, run by the
pytest process) and independent peers (paho-mqtt), on every runtime.

- QoS 0 and QoS 1 publishes reach a paho subscriber, byte-exact and in
  order; what paho publishes on a subscribed topic comes out of
  "outbox" as Messages, byte-exact.
- Subscriptions at construction, through "subscribe" and "unsubscribe".
- Bad input is a clear error: in the constructor, in Message(), and on
  "signal" (then the end) for a bad message on "inbox".
- A broker that refuses the CONNECT (bad password) is an MQTTError with
  its code on "signal", then the end; good credentials are accepted.
- The QoS 1 window holds the producer back while the broker is silent,
  and everything arrives once it answers again.
- producerFinished: every QoS 1 message acknowledged (and out of
  "published", in order), then DISCONNECT (the will is not published);
  shutdownMicroprocess: no DISCONNECT, the will is published.
- A broker killed (SIGKILL) and restarted in the middle of 10 000 QoS 1
  messages: the client loses none.
- A broker breaking the protocol is an MQTTError, then the end.
- TLS through the TCP client's ssl=.
- clean_session=False keeps the session across clients; True does not.
- After a reconnect to a broker that kept no session, the subscriptions
  are made again.
"""

import hashlib
from axonport import ticks_ms, ticks_diff
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Protocol.MQTT import MQTTClient, Message
from Kamaelia.Internet.ReconnectingTCPClient import connected
from checks import need_module, tls_context
from testserver import TestServer
from Axon.Scheduler import scheduler
from mqttkit import (Driver, Broker, Subscriber, publish, publish_series, series, stream_sha256,
                     hexdigest, run_client)

# From .mpy the MQTT client's modules take about 52 KB of a 32-bit heap and
# the test kit 15 KB more: these tests give the ESP32-like build 128 KB
# (frozen in firmware, the library's modules cost almost none).
ESP32LIKE_HEAPS = {}

DEADLINES = {"test_a_broker_killed_mid_stream_loses_no_qos1_message": 120,
             "test_a_silent_broker_is_noticed_within_one_and_a_half_keepalives": 40,
             "test_the_window_holds_the_producer_while_the_broker_is_silent": 40}

THREAD_RACES = ["test_qos0_and_qos1_publishes_reach_a_paho_subscriber_exactly",
                "test_what_paho_publishes_arrives_on_outbox_exactly"]


def numbered(count, qos_of=lambda i: i & 1, topic="t/n"):
    for i in range(count):
        yield Message(topic, b"%d" % i, qos=qos_of(i))


def connected_count(driver):
    return len([s for s in driver.signals if isinstance(s, connected)])


def piece(i):
    """The i-th message of a stream: a topic of seven, 0 to 1 KB of payload
    (the ESP32-like build runs this from .mpy in 128 KB, the library's
    code 52 KB of it: larger payloads fragment what is left)."""
    return "t/%d" % (i % 7), bytes((i + j) & 255 for j in range(i * 5 % 1000))


def test_qos0_and_qos1_publishes_reach_a_paho_subscriber_exactly():
    broker = Broker()
    sub = Subscriber(broker.port, [("t/#", 1)])
    count = 600
    digests = (hashlib.sha256(), hashlib.sha256())

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        for i in range(count):
            topic, payload = piece(i)
            level = i & 1 if i % 3 else 0
            stream_sha256([(topic, payload)], digests[level])
            d.send(Message(topic, payload, qos=level) if i % 3 else (topic, payload))
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 20), d.kinds()

    client = MQTTClient("127.0.0.1", broker.port)
    driver = run_client(client, script)
    got = sub.wait(count, 10)
    assert got["count"] == count, got
    # In order at each QoS (the broker queues QoS 1 for its subscriber, and
    # QoS 0 passes them).
    assert got["sha256_qos0"] == hexdigest(digests[0])
    assert got["sha256_qos1"] == hexdigest(digests[1])
    assert client.published == count
    assert driver.kinds() == ["connected", "producerFinished"], driver.kinds()


def test_what_paho_publishes_arrives_on_outbox_exactly():
    broker = Broker()
    count = 200

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        # The SUBACK is not seen from here: a round trip through the broker
        # (our own publish coming back) says the subscription is in place.
        d.send(Message("in/sync", b"sync", qos=0))
        assert d.until(lambda: d.count, 10)
        publish_series(broker.port, count)
        assert d.until(lambda: d.count >= count + 1, 10), d.count

    client = MQTTClient("127.0.0.1", broker.port, subscriptions=[("in/#", 1)])
    driver = run_client(client, script, keep=False)
    # In order at each QoS (the broker queues QoS 1, and QoS 0 passes them).
    expected = (hashlib.sha256(), hashlib.sha256())
    stream_sha256([("in/sync", b"sync")], expected[0])
    for i in range(count):
        topic, payload, level, retain = series(i)
        stream_sha256([(topic, payload)], expected[level])
    assert [hexdigest(d) for d in driver.digests] == [hexdigest(d) for d in expected]
    assert client.received == count + 1


def test_subscribe_and_unsubscribe_through_their_inboxes():
    broker = Broker()

    def round_trip(d, topic, payload):
        d.send(Message(topic, payload, qos=1))
        d.send(Message("sync/x", payload, qos=1))
        return d.until(lambda: any(m.topic == "sync/x" and m.payload == payload
                                   for m in d.received), 10)

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        d.send(["a/+", ("sync/#", 1)], "subscribe")
        assert round_trip(d, "a/1", b"one")
        d.send("a/+", "unsubscribe")
        assert round_trip(d, "a/2", b"two")

    driver = run_client(MQTTClient("127.0.0.1", broker.port), script)
    topics = [(m.topic, m.payload) for m in driver.received]
    assert topics == [("a/1", b"one"), ("sync/x", b"one"), ("sync/x", b"two")], topics


def test_bad_input_is_a_clear_error():
    for topic, error in (("a/+", ValueError), ("a/#", ValueError), ("", ValueError),
                         (5, TypeError)):
        try:
            Message(topic, b"x")
        except error as exc:
            assert "topic" in str(exc), exc
        else:
            raise AssertionError("Message(%r) was accepted" % (topic,))
    try:
        Message("t", 5)
    except TypeError as exc:
        assert "payload" in str(exc), exc
    else:
        raise AssertionError("a payload of 5 was accepted")
    try:
        Message("t", b"x", qos=2)
    except ValueError as exc:
        assert "QoS 2 is not supported" in str(exc), exc
    else:
        raise AssertionError("QoS 2 was accepted")
    for kwargs in ({"keepalive": -1}, {"window": 0}, {"client_id": 5},
                   {"will": ("t", b"x")}, {"username": b"me"}):
        try:
            MQTTClient("127.0.0.1", 1883, **kwargs)
        except (TypeError, ValueError):
            pass
        else:
            raise AssertionError("MQTTClient(%r) was accepted" % (kwargs,))
    for bad in (("bad/#/x", "subscribe"), (("x", 2), "subscribe")):
        try:
            MQTTClient("127.0.0.1", 1883, subscriptions=[bad[0]])
        except ValueError:
            pass
        else:
            raise AssertionError("subscription %r was accepted" % (bad[0],))

    broker = Broker()
    sub = Subscriber(broker.port, [("ok/#", 0)])

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        d.send(("ok/1", b"first"))
        d.send(("bad/+", b"x"))
        d.send(("ok/2", b"never"))
        assert d.until(d.ended, 10), d.kinds()

    driver = run_client(MQTTClient("127.0.0.1", broker.port), script)
    assert driver.kinds() == ["connected", "ValueError", "producerFinished"], driver.kinds()
    assert "bad/+" in str(driver.signals[1])
    assert sub.wait(1, 5)["count"] == 1


def test_a_refused_connect_is_an_error_then_the_end():
    broker = Broker(users={"board": "secret"})

    def script(d):
        assert d.until(d.ended, 10), d.kinds()

    driver = run_client(MQTTClient("127.0.0.1", broker.port, username="board",
                                   password="wrong"), script)
    assert driver.kinds() == ["MQTTError", "producerFinished"], driver.kinds()
    assert driver.signals[0].code in (4, 5)
    assert "refused" in str(driver.signals[0])

    def good(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()

    driver = run_client(MQTTClient("127.0.0.1", broker.port, username="board",
                                   password=b"secret"), good)
    assert driver.kinds() == ["connected", "shutdownMicroprocess"], driver.kinds()


def test_finishing_waits_for_every_ack_and_stopping_publishes_the_will():
    broker = Broker()
    wills = Subscriber(broker.port, [("will/#", 1)], keep=4)
    sub = Subscriber(broker.port, [("t/#", 1)])

    def finish(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        for message in numbered(100, lambda i: 1):
            d.publish(message)
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 20), d.kinds()

    client = MQTTClient("127.0.0.1", broker.port, will=Message("will/a", b"gone", qos=1))
    driver = run_client(client, finish, acked=True)
    assert driver.kinds() == ["connected", "producerFinished"], driver.kinds()
    assert client.published == 100 and not client._inflight
    # Each came out of "published" once the broker had it, in order.
    assert driver.acked_runs == [[0, 99]], driver.acked_runs
    got = sub.wait(100, 10)
    assert got["count"] == 100 and got["missing"] == 0, got

    def stop(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        d.send(shutdownMicroprocess(), "signal")
        assert d.until(d.ended, 10), d.kinds()

    driver = run_client(MQTTClient("127.0.0.1", broker.port,
                                   will=Message("will/b", b"lost", qos=1)), stop)
    assert driver.kinds() == ["connected", "shutdownMicroprocess"], driver.kinds()
    kept = wills.wait(1, 10)["kept"]
    assert kept == [["will/b", "6c6f7374", 1, False]], kept


def test_the_window_holds_the_producer_while_the_broker_is_silent():
    broker = Broker()
    sub = Subscriber(broker.port, [("t/#", 1)], client_id="window-sub", clean_session=False)
    client = MQTTClient("127.0.0.1", broker.port, window=5, keepalive=0)
    most = [0]

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        broker.pause()
        for message in numbered(50, lambda i: 1):
            d.send(message)
        assert d.until(lambda: len(client._inflight) == 5, 10), len(client._inflight)
        # It stays at the window, with the rest waiting in the inbox.
        d.until(lambda: False, 0.5)
        most[0] = len(client._inflight)
        assert client.dataReady("inbox") == 45, client.dataReady("inbox")
        broker.resume()
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 20), d.kinds()

    run_client(client, script)
    assert most[0] == 5
    got = sub.wait(50, 10)
    assert got["count"] == 50 and got["missing"] == 0, got


def test_a_silent_broker_is_noticed_within_one_and_a_half_keepalives():
    broker = Broker()
    keepalive = 2
    times = {}

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        # An idle session outlives several keepalives: the pings keep it.
        d.until(lambda: False, 2.5 * keepalive)
        assert d.kinds() == ["connected"], d.kinds()
        broker.pause()
        start = ticks_ms()
        assert d.until(lambda: "disconnected" in d.kinds(), 3 * keepalive), d.kinds()
        times["noticed"] = ticks_diff(ticks_ms(), start)
        broker.resume()
        assert d.until(lambda: connected_count(d) == 2, 10), d.kinds()

    client = MQTTClient("127.0.0.1", broker.port, keepalive=keepalive, initial_delay=0.1)
    driver = run_client(client, script)
    assert times["noticed"] <= 1500 * keepalive, times
    # The silence is an OSError ETIMEDOUT (a TimeoutError on CPython), kept
    # with the notice, not sent alone (nobody might listen).
    assert driver.kinds()[:3] == ["connected", "disconnected", "connected"], driver.kinds()
    error = driver.signals[1].error
    assert isinstance(error, OSError) and error.args[0] == 110, repr(error)
    assert "nothing received" in str(error)
    assert client.connection_errors >= 1


def test_a_kept_session_keeps_subscriptions_and_messages():
    broker = Broker()

    def subscribe_then_stop(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        d.send(Message("kept/sync", b"s", qos=1))
        assert d.until(lambda: d.received, 10)
        # Ended so that its PUBACK goes out: the broker would send it again.
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 10), d.kinds()

    run_client(MQTTClient("127.0.0.1", broker.port, client_id="keeper", clean_session=False,
                          subscriptions=[("kept/#", 1)]), subscribe_then_stop)
    publish(broker.port, [("kept/%d" % i, b"%d" % i, 1, False) for i in range(20)])

    def collect(d):
        assert d.until(lambda: len(d.received) >= 20, 10), len(d.received)

    driver = run_client(MQTTClient("127.0.0.1", broker.port, client_id="keeper",
                                   clean_session=False), collect)
    assert [m.payload for m in driver.received] == [b"%d" % i for i in range(20)]

    # A clean session starts empty: nothing queued, no subscription.
    publish(broker.port, [("kept/x", b"x", 1, False)])

    def nothing(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        d.send(Message("kept/y", b"y", qos=1))
        d.until(lambda: False, 0.5)

    driver = run_client(MQTTClient("127.0.0.1", broker.port, client_id="keeper",
                                   clean_session=True), nothing)
    assert driver.received == [], driver.received



def test_a_broker_killed_mid_stream_loses_no_qos1_message():
    broker = Broker()
    sub = Subscriber(broker.port, [("k/#", 1)], client_id="kill-sub", clean_session=False)
    count = 10000
    at_kill = [None]

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        for i in range(count):
            # Keep the subscriber close behind: Mosquitto holds what its
            # subscriber has not taken in memory, and saves it only now and
            # then, so a SIGKILL at full speed loses hundreds of messages
            # it had acknowledged (seen: 556, 1018); this test is about
            # what the publishing client loses.
            if i % 100 == 0 and i > 300:
                # (Collecting meanwhile: a driver that stopped taking
                # "published" would hold the client.)
                assert d.until(lambda: sub.wait(i - 300, 0)["count"] >= i - 300, 10), i
            if i == count // 3:
                broker.kill_restart(0.5)
                # Dead now: what the client has had acknowledged so far (an
                # acknowledgement already on its way may still come in).
                at_kill[0] = client.published
            d.publish(Message("k/n", b"%d" % i, qos=1))
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 60), d.kinds()

    client = MQTTClient("127.0.0.1", broker.port, initial_delay=0.1, max_delay=1)
    driver = run_client(client, script, acked=True)
    assert client.published == count and not client._inflight
    assert connected_count(driver) >= 2, driver.kinds()
    got = sub.wait(count, 30)
    print("broker killed after %d of %d QoS 1 messages were acknowledged: %d received, "
          "%d duplicates, %d resent with DUP, %d missing %r"
          % (at_kill[0], count, got["count"], got["duplicates"], client.resent,
             got["missing"], got["first_missing"]))
    # The broker acknowledged every message, once and in order (those resent
    # after the restart were the ones it had not): the client kept each
    # until then.
    assert driver.acked_runs == [[0, count - 1]], driver.acked_runs
    # Mosquitto acknowledges a message before it saves it, so a SIGKILL may
    # lose the last one or two it acknowledged (about one run in ten): the
    # broker's by then, not the client's to send again.  A message the
    # client lost would be missing from elsewhere.
    for n in got["first_missing"]:
        assert at_kill[0] - 3 <= n <= at_kill[0] + 3, (n, at_kill, got)
    assert got["missing"] <= 2 and got["distinct"] + got["missing"] == count, got


def test_subscriptions_are_made_again_after_a_reconnect():
    broker = Broker()

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        # A broker restarted without this clean session has no subscription
        # of it: the client makes them again.
        broker.kill_restart(0.3)
        assert d.until(lambda: connected_count(d) == 2, 15), d.kinds()
        d.send(Message("again/sync", b"s", qos=1))
        assert d.until(lambda: d.received, 10), d.kinds()
        publish(broker.port, [("again/x", b"after", 1, False)])
        assert d.until(lambda: len(d.received) == 2, 10), d.received

    client = MQTTClient("127.0.0.1", broker.port, subscriptions=[("again/#", 1)],
                        initial_delay=0.1, max_delay=0.5)
    driver = run_client(client, script)
    assert [(m.topic, m.payload) for m in driver.received] == [("again/sync", b"s"),
                                                                ("again/x", b"after")]
    assert client.sessions == 2


def test_a_client_nobody_hears_from_outlives_a_broker_restart():
    broker = Broker()
    sub = Subscriber(broker.port, [("u/#", 1)])
    client = MQTTClient("127.0.0.1", broker.port, initial_delay=0.1, max_delay=0.5)

    def script(d):
        # Its "signal" leads nowhere: a connection error sent out of it
        # would end runThreads() with that error.
        assert d.until(lambda: client.sessions == 1, 10)
        d.send(Message("u/1", b"before", qos=1))
        assert d.until(lambda: client.published == 1, 10)
        broker.kill_restart(0.3)
        assert d.until(lambda: client.sessions == 2, 15), client.sessions
        d.send(Message("u/2", b"after", qos=1))
        d.send(producerFinished(), "signal")

    driver = Driver(script, hears_end=False)
    driver.link((driver, "outbox"), (client, "inbox"))
    driver.link((driver, "signal"), (client, "control"))
    client.activate()
    driver.activate()
    scheduler.run.runThreads()
    assert driver.error is None, driver.error
    assert client.published == 2, client.published
    assert client.sessions == 2, client.sessions
    assert sub.wait(2, 10)["count"] >= 2


def test_a_broker_breaking_the_protocol_is_an_error_then_the_end():
    accepted = "\x20\x02\x00\x00"
    for garbage in ("\x30\xff\xff\xff\xff\x7f",      # a length of five bytes
                    "\x30\x03\x00\x09a",                # a topic longer than the packet
                    "\xf0\x00"):                          # no such packet type
        server = TestServer("send", data=accepted + garbage, then="silent")

        def script(d):
            assert d.until(d.ended, 10), d.kinds()

        driver = run_client(MQTTClient("127.0.0.1", server.port, reconnect=False), script)
        # (The CONNACK and the garbage may come in one piece: then the
        # garbage is found before the session is announced.)
        assert driver.kinds()[-2:] == ["MQTTError", "producerFinished"], driver.kinds()
        assert driver.kinds()[:-2] in ([], ["connected"]), driver.kinds()
        assert "the broker sent" in str(driver.signals[-2]), driver.signals[-2]
        server.stop()


def test_tls_through_the_tcp_clients_ssl():
    need_module("ssl")
    broker = Broker(tls=True)
    sub = Subscriber(broker.port, [("tls/#", 1)])

    def script(d):
        assert d.until(lambda: connected_count(d), 10), d.kinds()
        for i in range(50):
            d.send(Message("tls/n", b"%d" % i, qos=1))
        d.send(producerFinished(), "signal")
        assert d.until(d.ended, 20), d.kinds()

    client = MQTTClient("127.0.0.1", broker.tls_port, ssl=tls_context(broker.ca))
    driver = run_client(client, script)
    assert driver.kinds() == ["connected", "producerFinished"], driver.kinds()
    got = sub.wait(50, 10)
    assert got["count"] == 50 and got["missing"] == 0, got


for _name in list(globals()):
    if _name.startswith("test_"):
        ESP32LIKE_HEAPS[_name] = "128K"
