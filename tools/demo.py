"""The main job: stream a file from a MicroPython board to a local server.

Runs the seed example on the board against a server on this machine, with
progress and a checksum check.

    tools/demo [--size BYTES] [--rate B/S] [--heap 64K] [--py]
    tools/demo --device /dev/ttyUSB0 --server-host 192.168.1.20 [--server-port 9000]
               --wifi SSID PASSWORD
    tools/demo --local micropython|cpython
    tools/demo --mqtt [--count 20] [--device PORT --server-host ADDRESS --wifi SSID PASSWORD]

Default: start the virtual board (tools/virtual_board.py), deploy the
library and tools/seed_example.py to it with mpremote (.mpy unless --py),
have the board write a file of random bytes, start a TCP sink, run the seed
example on the board against it, print progress (bytes received, rate)
while it runs, and at the end the bytes, the rate, and whether the server's
SHA-256 matches the one the board computed for its file.  Exit status 0
only if it does.  The board is torn down at the end, also on errors and
Ctrl-C.

--device PORT does the same on a real board.  The board cannot reach
127.0.0.1 on this machine, so the sink listens on --server-host (this
machine's address on the board's network) and --wifi joins the board to
that network first (ports/micropython/wifi.py).

--local RUNTIME runs the example as a local process instead (the old
main job; --runtime is the same option under its old name).

--mqtt: the board as an MQTT sensor.  Starts Mosquitto on this machine
(tools/mosquitto.py; listening on --server-host), deploys the library and
tools/mqtt_sensor_example.py to the board and runs it: the board
publishes --count readings at QoS 1, and a paho-mqtt subscriber here
prints each as it arrives.  Exit status 0 only if every reading arrived.

Every wait has a deadline: the stream may take three times as long as
size/rate plus a minute, then it is stopped and reported as a failure.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time

if not __package__:             # run by path: python tools/demo.py
    import by_path  # noqa: F401
from tools.deploy import Device, DeployError, deploy                    # noqa: E402
from tools.interpreters import ROOT, local_command                      # noqa: E402
from tools.onboard import (make_file, join_wifi, start_seed, start_example,  # noqa: E402
                           seed_result)
from tools.sink import Sink                                             # noqa: E402
from tools.virtual_board import VirtualBoard, BoardError                # noqa: E402

SEED = os.path.join(ROOT, "tools", "seed_example.py")
SENSOR = os.path.join(ROOT, "tools", "mqtt_sensor_example.py")
BOARD_FILE = "seed-data.bin"


def watch(proc, sink, size, deadline):
    """Print progress until proc ends or the deadline; its output."""
    start = time.monotonic()
    shown = -1
    while True:
        try:
            out, _ = proc.communicate(timeout=0.5)
            return out or ""
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now > deadline:
            proc.kill()
            out, _ = proc.communicate(timeout=10)
            return (out or "") + "\nERROR the stream did not finish in time"
        if sink.count != shown:
            shown = sink.count
            print("  %9d of %d bytes  %9.0f B/s" % (sink.count, size, sink.count / (now - start)),
                  flush=True)


def report(sink, size, expected, status, said):
    if status == 0 or sink.connected.is_set():
        sink.done.wait(5)       # the client has closed; let the sink catch up
    took = sink.span()
    matched = sink.count == size and sink.hexdigest() == expected
    print(said)
    print("bytes sent: %d of %d" % (sink.count, size))
    print("rate: %.0f B/s (%.2f s)" % (sink.count / took if took else 0, took))
    print("checksum: %s (sha256 %s, file %s)" % ("MATCH" if matched else "MISMATCH",
                                                  sink.hexdigest()[:16], expected[:16]))
    return 0 if matched and status == 0 else 1


def run_local(args):
    payload = os.urandom(args.size)
    expected = hashlib.sha256(payload).hexdigest()
    with tempfile.TemporaryDirectory(prefix="seed-demo-") as work:
        path = os.path.join(work, "data.bin")
        with open(path, "wb") as f:
            f.write(payload)
        sink = Sink("127.0.0.1")
        cmd, env = local_command(args.local)
        cmd += [SEED, "127.0.0.1", str(sink.port), path, str(args.rate)]
        print("streaming %d bytes at rate=%d on %s (local) to 127.0.0.1:%d"
              % (args.size, args.rate, args.local, sink.port), flush=True)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
        out = watch_to_end(proc, sink, args)
        return report(sink, args.size, expected, proc.returncode, out.strip())


def watch_to_end(proc, sink, args):
    """Show progress until the run ends (or its deadline); always leaves
    the process and the sink closed.  Returns what the process printed."""
    try:
        return watch(proc, sink, args.size, time.monotonic() + 3 * args.size / args.rate + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sink.close()


def run_on_board(args, port):
    device = Device(port)
    print("deploying the library (%s) and seed_example to %s"
          % (".py" if args.py else ".mpy", port), flush=True)
    done = deploy(port, mpy=not args.py, extra=[(SEED, "seed_example.py")],
                  log=lambda line: None)
    print("  %d copied, %d up to date, %d removed"
          % (len(done["copied"]), len(done["unchanged"]), len(done["removed"])))
    host = args.server_host
    if args.wifi:
        print("joining WiFi %r" % args.wifi[0], flush=True)
        print("  board address: %s" % join_wifi(device, args.wifi[0], args.wifi[1]))
    print("writing %d random bytes to %s on the board" % (args.size, BOARD_FILE), flush=True)
    expected = make_file(device, BOARD_FILE, args.size)
    sink = Sink(host, args.server_port)
    print("streaming %d bytes at rate=%d from the board to %s:%d"
          % (args.size, args.rate, host, sink.port), flush=True)
    proc = start_seed(device, host, sink.port, BOARD_FILE, args.rate)
    out = watch_to_end(proc, sink, args)
    status, said = seed_result(out)
    return report(sink, args.size, expected, status, said)


def run_mqtt_on_board(args, port):
    """The board publishes readings to a broker here; a subscriber here
    shows them arrive."""
    from tools import mosquitto
    if not mosquitto.available():
        raise RuntimeError("Mosquitto is not installed (apt-get install mosquitto)")
    import paho.mqtt.client as paho
    device = Device(port)
    print("deploying the library (%s) and mqtt_sensor_example to %s"
          % (".py" if args.py else ".mpy", port), flush=True)
    deploy(port, mpy=not args.py, extra=[(SENSOR, "mqtt_sensor_example.py")],
           log=lambda line: None)
    host = args.server_host
    if args.wifi:
        print("joining WiFi %r" % args.wifi[0], flush=True)
        print("  board address: %s" % join_wifi(device, args.wifi[0], args.wifi[1]))
    broker = mosquitto.Broker(bind=host)
    seen = []
    all_came = threading.Event()

    def arrived(client, userdata, message):
        print("  %s %s" % (message.topic, message.payload.decode()), flush=True)
        seen.append(message.payload)
        if len(seen) >= args.count:
            all_came.set()

    subscriber = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="demo-watch")
    subscriber.on_connect = lambda c, u, f, r, p: c.subscribe("sensors/+/temperature", 1)
    subscriber.on_message = arrived
    try:
        subscriber.connect(host, broker.port)
        subscriber.loop_start()
        print("Mosquitto on %s:%d; the board publishes %d readings:"
              % (host, broker.port, args.count), flush=True)
        proc = start_example(device, "mqtt_sensor_example",
                             [host, str(broker.port), str(args.count), "0.2"])
        try:
            out, _ = proc.communicate(timeout=60 + args.count)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        status, said = seed_result(out)
        all_came.wait(10)           # the last ones may still be on their way
        readings = list(seen)
        ok = status in (None, 0) and said.startswith("OK") and len(readings) == args.count
        print("board: %s; %d of %d readings arrived: %s"
              % (said, len(readings), args.count, "OK" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        subscriber.loop_stop()
        broker.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000000)
    parser.add_argument("--rate", type=int, default=100000,
                        help="bytes/s; chunks are rate/10 bytes, so a board needs a heap "
                        "several times that")
    parser.add_argument("--device", help="a board's serial port (default: the virtual board)")
    parser.add_argument("--heap", help="the virtual board's heap, e.g. 64K (default: the unix "
                        "port's)")
    parser.add_argument("--py", action="store_true", help="deploy .py sources, not .mpy")
    parser.add_argument("--server-host", default="127.0.0.1",
                        help="address the sink listens on, as the board reaches this machine")
    parser.add_argument("--server-port", type=int, default=0,
                        help="port the sink listens on (default: any free one)")
    parser.add_argument("--wifi", nargs=2, metavar=("SSID", "PASSWORD"),
                        help="join the board to this WiFi network first")
    parser.add_argument("--local", "--runtime", choices=("micropython", "cpython"),
                        help="run the example as a local process, not on a board")
    parser.add_argument("--mqtt", action="store_true",
                        help="the board publishes sensor readings to Mosquitto here")
    parser.add_argument("--count", type=int, default=20, help="readings, with --mqtt")
    args = parser.parse_args()
    if args.size < 1 or args.rate < 1:
        parser.error("--size and --rate must be positive")
    if args.local:
        return run_local(args)
    if args.device and args.server_host == "127.0.0.1":
        print("note: a real board cannot reach 127.0.0.1 on this machine; "
              "give --server-host ADDRESS (and --wifi)", file=sys.stderr)
    run = run_mqtt_on_board if args.mqtt else run_on_board
    try:
        if args.device:
            return run(args, args.device)
        with VirtualBoard(heap=args.heap) as board:
            print("virtual board on %s%s" % (board.port, ", heap " + args.heap if args.heap
                                               else ""), flush=True)
            return run(args, board.port)
    except (DeployError, BoardError, RuntimeError) as e:
        print("demo: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
