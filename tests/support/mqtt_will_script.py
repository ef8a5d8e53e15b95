"""An MQTT client with a will, connected and idle: prints "connected" once
the broker has accepted it, then waits (for ever) for the test to kill
the process.  Argument: the broker's port."""

import sys
from Axon.Component import component
from Axon.Scheduler import scheduler
from Kamaelia.Internet.ReconnectingTCPClient import connected
from Kamaelia.Protocol.MQTT import MQTTClient, Message


class Announce(component):
    def main(self):
        while True:
            while self.dataReady("control"):
                if isinstance(self.recv("control"), connected):
                    print("connected")
            self.pause()
            yield 1


client = MQTTClient("127.0.0.1", int(sys.argv[-1]), keepalive=60,
                    will=Message("will/board", b"died", qos=1))
announce = Announce()
announce.link((client, "signal"), (announce, "control"))
client.activate()
announce.activate()
scheduler.run.runThreads()
