"""Interactive-style client: stdin lines to a server, its replies to stdout.

    console_client.py HOST PORT
"""

import sys
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Util.Console import ConsoleReader, ConsoleEchoer
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient

Pipeline(ConsoleReader(prompt=""),
         ThreadedTCPClient(sys.argv[1], int(sys.argv[2])),
         ConsoleEchoer()).run()              # Kamaelia style
