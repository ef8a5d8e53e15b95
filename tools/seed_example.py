"""The seed document's example, as a script for any runtime (or a board):

    seed_example.py HOST PORT FILE [RATE]

Streams FILE to HOST:PORT through
Pipeline(RateControlledFileReader(FILE, rate=RATE), ThreadedTCPClient(HOST, PORT))
and prints what came out of the client's "signal" box: "OK <bytes>" after a
clean socketShutdown, or "ERROR <exception>" (exit status 1).
"""

import sys
import os
from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient


class Outcome(component):
    """Records the client's signals; ends at its socketShutdown."""

    def main(self):
        self.errors = []
        while True:
            while self.dataReady("inbox"):
                self.recv("inbox")          # the server's replies: not used here
            while self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, producerFinished):
                    return
                self.errors.append(msg)
            self.pause()
            yield 1


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    host, port, filename = argv[1], int(argv[2]), argv[3]
    rate = int(argv[4]) if len(argv) > 4 else 100000
    outcome = Outcome()
    Pipeline(RateControlledFileReader(filename, rate=rate),
             ThreadedTCPClient(host, port),
             outcome).activate()
    scheduler.run.runThreads()
    if outcome.errors:
        print("ERROR", repr(outcome.errors[0]))
        return 1
    print("OK", os.stat(filename)[6])
    return 0


sys.exit(main(sys.argv))
