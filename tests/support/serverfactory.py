"""The test-server factory (CPython, runs inside pytest): a control server
on 127.0.0.1 through which a test on any runtime starts and queries the
test servers of servers.py (MicroPython sockets cannot tell which port the
OS chose, so the servers live here).

One JSON request per line, one JSON answer per line (an error is
``{"error": repr}``):

  {"cmd": "start", "kind": K, "options": {...}}   -> {"id", "port"[, "ca"]}
  {"cmd": "result", "id": I[, "timeout": s]}      -> the record, once the
                                                     connection has ended
  {"cmd": "wait_bytes", "id", "count"[, "timeout"]}, {"cmd":
  "wait_connections", "id", "count"[, "timeout"]} -> the record, then
  {"cmd": "restart", "id", "down_for"}, {"cmd": "stop", "id"},
  {"cmd": "other_ca"}                             -> a CA nobody trusts
  {"cmd": "free_port"}                            -> {"port"}: one free now
  {"cmd": "client", "kind": K, "port": P, "options": {...}} -> {"id"}: a
                                                     client of clients.py
  {"cmd": "client_result", "id": I[, "timeout": s]} -> its record, once done
  {"cmd": "client_blocked", "id": I[, "timeout": s]} -> its record, once a
                                                     flood client's send waited
  {"cmd": "broker"[, "users": {name: password}][, "tls": true]}
                                                  -> {"id", "port"[, "tls_port", "ca"]}: Mosquitto
  {"cmd": "broker_do", "id", "op"[, "args"]}      -> op: kill, restart, pause, resume,
                                                     kill_restart (args: [down_for])
  {"cmd": "mqtt_subscriber", "port", "topics": [[filter, qos]], "client_id",
   "clean_session", "keep"}                       -> {"id"}: a paho subscriber
  {"cmd": "mqtt_wait", "id", "count"[, "timeout"]} -> what it has received
  {"cmd": "mqtt_publish", "port", "messages": [[topic, payload hex, qos, retain]]}
  {"cmd": "mqtt_publish", "port", "series": N}    -> mqttkit.series(0 .. N-1)
(brokers.py has the broker and the paho peers.)

The servers a control connection started are stopped when it closes.
"""

import json
import socket
import threading

from servers import Server, ca_der, the_ca
from clients import Client


class ServerFactory:
    """The control server: one JSON request per line, one JSON answer per line."""

    def __init__(self):
        self.servers = {}
        self.lock = threading.Lock()
        self.next_id = 1
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.control, args=(conn,), daemon=True).start()

    def control(self, conn):
        # The servers started over this connection end with it (the test
        # process exited, or pytest ended an in-process test): a session
        # starts thousands, and their sockets would otherwise stay open.
        mine = []
        try:
            with conn, conn.makefile("rwb") as stream:
                for line in stream:
                    try:
                        answer = self.handle(json.loads(line), mine)
                    except Exception as exc:   # the answer carries the error to the test
                        answer = {"error": repr(exc)}
                    stream.write(json.dumps(answer).encode() + b"\n")
                    stream.flush()
        except OSError:
            pass                    # the test process went away mid-answer
        finally:
            with self.lock:
                for sid in mine:
                    self.servers.pop(sid).stop()

    def handle(self, req, mine):
        cmd = req["cmd"]
        if cmd == "start":
            server = Server(req["kind"], req.get("options", {}))
            with self.lock:
                sid = self.next_id
                self.next_id += 1
                self.servers[sid] = server
                mine.append(sid)
            answer = {"id": sid, "port": server.port}
            if req.get("options", {}).get("tls"):
                answer["ca"] = ca_der(the_ca()).hex()
            return answer
        if cmd == "other_ca":
            import trustme
            return {"ca": ca_der(trustme.CA()).hex()}
        if cmd == "free_port":
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                return {"port": probe.getsockname()[1]}
        if cmd == "client":
            client = Client(req["kind"], req["port"], req.get("options", {}))
            with self.lock:
                cid = self.next_id
                self.next_id += 1
                self.servers[cid] = client
                mine.append(cid)
            return {"id": cid}
        if cmd in ("broker", "mqtt_subscriber"):
            import brokers
            if cmd == "broker" and not brokers.mosquitto_available():
                return {"skip": "mosquitto is not installed (apt-get install mosquitto)"}
            if cmd == "broker":
                tls = None
                if req.get("tls"):
                    cert = the_ca().issue_cert("localhost", "127.0.0.1")
                    tls = (b"".join(blob.bytes() for blob in cert.cert_chain_pems),
                           cert.private_key_pem.bytes())
                thing = brokers.Broker(req.get("users"), tls)
            else:
                thing = brokers.Subscriber(req["port"], req["topics"], req.get("client_id", ""),
                                           req.get("clean_session", True), req.get("keep", 0))
            with self.lock:
                tid = self.next_id
                self.next_id += 1
                self.servers[tid] = thing
                mine.append(tid)
            answer = {"id": tid, "port": getattr(thing, "port", None)}
            if getattr(thing, "tls_port", None):
                answer["tls_port"] = thing.tls_port
                answer["ca"] = ca_der(the_ca()).hex()
            return answer
        if cmd == "mqtt_publish":
            import brokers
            if "series" in req:
                from mqttkit import series
                messages = [series(i) for i in range(req["series"])]
            else:
                messages = [(t, bytes.fromhex(p), q, r) for t, p, q, r in req["messages"]]
            brokers.publish(req["port"], messages)
            return {"ok": True}
        if cmd == "broker_do":
            if req["op"] not in ("kill", "restart", "pause", "resume", "kill_restart"):
                raise ValueError("unknown broker operation %r" % req["op"])
            getattr(self.servers[req["id"]], req["op"])(*req.get("args", ()))
            return {"ok": True}
        if cmd == "mqtt_wait":
            return self.servers[req["id"]].wait(req["count"], req.get("timeout", 10))
        if cmd == "client_result":
            client = self.servers[req["id"]]
            client.done.wait(req.get("timeout", 10))
            return client.as_dict()
        if cmd == "client_blocked":
            client = self.servers[req["id"]]
            client.wait_blocked(req.get("timeout", 10))
            return client.as_dict()
        server = self.servers[req["id"]]
        if cmd == "result":
            server.record.done.wait(req.get("timeout", 10))
            return server.record.as_dict()
        if cmd == "wait_connections":
            rec = server.record
            with rec.changed:
                rec.changed.wait_for(lambda: rec.connections >= req["count"],
                                     req.get("timeout", 10))
            return rec.as_dict()
        if cmd == "restart":
            server.restart(req.get("down_for", 0.5))
            return {"ok": True}
        if cmd == "wait_bytes":
            rec = server.record
            with rec.changed:
                rec.changed.wait_for(lambda: rec.count >= req["count"] or rec.done.is_set(),
                                     req.get("timeout", 10))
            return rec.as_dict()
        if cmd == "stop":
            server.stop()
            return {"ok": True}
        raise ValueError("unknown command %r" % cmd)

    def close(self):
        self.sock.close()
        for server in list(self.servers.values()):
            server.stop()
