# tools/min_heap.py runs this with micropython -c: the heap the seed
# example's imports keep.
import gc
gc.collect()
before = gc.mem_alloc()
from Axon.Scheduler import scheduler
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.File.Reading import RateControlledFileReader
from Kamaelia.Internet.ThreadedTCPClient import ThreadedTCPClient
gc.collect()
print(gc.mem_alloc() - before)
