"""RateControlledFileReader: a file, sent out of "outbox" at a steady rate.

RateControlledFileReader(filename, readmode="bytes", rate=100000,
                         chunksize=None, chunkrate=None,
                         allowchunkaggregation=False)

- readmode "bytes": chunks of ``chunksize`` bytes (``bytes``); "lines":
  ``chunksize`` lines per step, each line (with its ``\\n``) one ``bytes``
  message, read and sent one at a time.  ``rate`` is bytes (or lines) per
  second.
- Give ``chunksize`` or ``chunkrate`` (chunks per second), not both (a
  ValueError); with neither, ``chunkrate`` is 10, as in Kamaelia -- except
  on a small heap, where a chunk is at most the port's CHUNK_BYTES (an
  eighth of QUEUE_BYTES: 256 bytes on a 64 KB MicroPython heap; never on
  CPython or on MicroPython's default 2 MB heap): the same rate in
  smaller chunks, more often, so that one chunk always finds room in a
  fragmented heap.
  A ``chunksize`` or ``chunkrate`` you give is used as it is.
- The first chunk goes at once, then one per 1/chunkrate seconds.  Between
  chunks the thread sleeps (no spinning).  With ``allowchunkaggregation``
  a reader that fell behind catches up in one bigger chunk instead of a
  burst of small ones.
- When the component after it is full the reader waits: no chunk is lost.
  Chunks (or lines) waiting to leave its thread are bounded in bytes as
  any thread's are (a quarter of the port's QUEUE_BYTES, see
  ThreadedComponent.py): at least one chunk or line, however long.
- When the component after it has finished, a Pipeline stops the reader
  (see Pipeline.py): it does not read on into nowhere.
- "signal": ``producerFinished`` after the last chunk.  A shutdown message
  on "control" stops it early; it is passed on through "signal".
- The file is opened by the constructor, so a missing file (or a
  directory) is an OSError naming it right there; every other argument is
  checked there too (a ValueError naming it and its value).

``SimpleReader`` (a file a line at a time) lives in ReadingMore.py and
loads on first use, so a program that does not use it keeps its code off
the heap; ``from Kamaelia.File.Reading import SimpleReader`` gives a
factory that makes one.
"""

from axonport import ticks_ms, ticks_diff, CHUNK_BYTES, open_file
from Axon.ThreadedComponent import threadedcomponent, checked
from Axon.Ipc import producerFinished, shutdownMicroprocess



def SimpleReader(*args, **argd):
    """Kamaelia.File.ReadingMore.SimpleReader(filename, mode="r"), made here
    and loaded on first use (a factory, as Kamaelia's RateControlledFileReader
    is: subclass the class in ReadingMore)."""
    from Kamaelia.File.ReadingMore import SimpleReader
    return SimpleReader(*args, **argd)


class RateControlledFileReader(threadedcomponent):
    Inboxes = {"inbox": "not used", "control": "stop early"}
    Outboxes = {"outbox": "file contents", "signal": "producerFinished"}

    def __init__(self, filename, readmode="bytes", rate=100000, chunksize=None,
                 chunkrate=None, allowchunkaggregation=False):
        who = "RateControlledFileReader"
        if readmode not in ("bytes", "lines"):
            raise ValueError("%s: readmode must be 'bytes' or 'lines', not %r" % (who, readmode))
        checked(who, (("rate", rate, 0, False, False), ("chunksize", chunksize, 1, None, True),
                      ("chunkrate", chunkrate, 0, False, True)))
        if chunksize is not None and chunkrate is not None:
            raise ValueError("%s: give chunksize or chunkrate, not both" % who)
        if chunksize is None:
            default = chunkrate is None
            if default:
                chunkrate = 10
            chunksize = rate / chunkrate
            if default and readmode == "bytes" and chunksize > CHUNK_BYTES:
                # A small heap: smaller chunks, more often, at the same rate.
                chunksize = CHUNK_BYTES
        chunksize = max(1, int(chunksize + 0.5))
        if not isinstance(filename, str):
            raise TypeError("%s: filename must be a str, not %r" % (who, filename))
        self.file = open_file(filename, "rb")
        threadedcomponent.__init__(self)
        self.filename = filename
        self.readmode = readmode
        self.rate = rate
        self.chunksize = chunksize
        self.allowchunkaggregation = allowchunkaggregation

    def _send_units(self, units):
        """Read and send up to ``units`` bytes or lines, each as it is read
        (never more than one on the heap here); False at end of file."""
        if self.readmode == "bytes":
            data = self.file.read(units)
            if not data:
                return False
            self.send_wait(data, "outbox")
            return True
        readline = self.file.readline
        for _ in range(units):
            line = readline()
            if not line:
                return False
            if not self.send_wait(line, "outbox"):
                break           # stopping: "control" says how, at the loop's top
        return True

    def main(self):
        try:
            self._stream()
        finally:
            self.file.close()

    def _stream(self):
        rate = self.rate
        chunk = self.chunksize
        start = ticks_ms()
        sent = 0
        while True:
            if self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    self.send_wait(msg, "signal", interruptible=False)
                    return
                continue
            # One chunk of credit at the start, then ``rate`` units a second.
            allowed = ticks_diff(ticks_ms(), start) * rate / 1000 + chunk - sent
            if allowed < chunk:
                self.pause((chunk - allowed) / rate)
                continue
            units = chunk
            if self.allowchunkaggregation:
                units = int(allowed // chunk) * chunk
            if not self._send_units(units):
                break
            sent += units
        self.send_wait(producerFinished(self), "signal", interruptible=False)
