"""A Kamaelia program with small messages, as a script for any runtime:

    datasource_example.py HOST PORT COUNT

Sends COUNT 64-byte messages, consecutive pieces of a pattern that repeats
every 256 bytes (byte i is (i * 31) & 255), through
Pipeline(DataSource(...), TCPClient(HOST, PORT)) -- a producer that never
catches noSpaceInBox -- and prints "OK <bytes>" when the run ends cleanly,
or "ERROR <exception>" (exit status 1) when the client signals one: its
"signal" is linked nowhere, so runThreads() raises what it sends there
(scheduler.unhandled_errors).  The pieces are made as they are sent, so
the script fits a board's heap.
"""

import sys
from Axon.Scheduler import scheduler
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Util.DataSource import DataSource
from Kamaelia.Internet.TCPClient import TCPClient


def pieces(count):
    block = bytes([(i * 31) & 255 for i in range(256)])
    for i in range(count):
        start = (i * 64) % 256
        yield block[start:start + 64]


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    host, port, count = argv[1], int(argv[2]), int(argv[3])
    Pipeline(DataSource(pieces(count)), TCPClient(host, port)).activate()
    try:
        scheduler.run.runThreads()
    except Exception as exc:
        print("ERROR", repr(exc))
        return 1
    print("OK", count * 64)
    return 0


sys.exit(main(sys.argv))
