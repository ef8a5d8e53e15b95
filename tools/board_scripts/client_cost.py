# tools/extras_cost.py runs this with micropython -c, the number of padding
# names as its argument: what importing ThreadedTCPClient and making one
# keep on the heap, and which Kamaelia.Internet modules that loads besides
# the client's own (ThreadedTCPClient, Connection).
import gc, sys
import Axon.Component, Axon.Scheduler, Axon.ThreadedComponent, Axon.Ipc, Axon.Box, Kamaelia.IPC
def scrub(n):
    a = b = c = d = e = f = g = h = 0
    return scrub(n - 1) if n else 0
def settle():
    scrub(60)
    gc.collect()
    return gc.mem_alloc()
for i in range(int(sys.argv[1])):  # padding names: see tools/extras_cost.py
    getattr(gc, "padding%d" % i, None)
before = settle()
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
imported = settle()
client = ThreadedTCPClient("127.0.0.1", 9, send_buffer=16)
made = settle()
loaded = [n for n in sys.modules if n.startswith("Kamaelia.Internet.") and
          n not in ("Kamaelia.Internet.ThreadedTCPClient", "Kamaelia.Internet.Connection")]
print(imported - before, made - imported, ",".join(loaded) or "-")
