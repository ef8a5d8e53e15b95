# tools/footprint.py runs this with micropython -c, the modules as one
# argument: the heap their imports keep.  sys is not made a global: a new
# global can make the globals dict grow inside the measurement.
import gc
gc.collect()
before = gc.mem_alloc()
for name in __import__("sys").argv[1].split():
    __import__(name)
gc.collect()
print(gc.mem_alloc() - before)
