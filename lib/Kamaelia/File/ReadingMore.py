"""SimpleReader: a file, a line at a time (loaded on first use by
``from Kamaelia.File.Reading import SimpleReader``).

SimpleReader(filename, mode="r", buffering=1)

- "outbox": the file's lines, one message each, with their line endings
  (``str`` in mode "r", ``bytes`` in "rb"), one per scheduler step; the
  last line may lack its ending.  As in Kamaelia, it does not send the
  whole file in one message.
- "signal": ``producerFinished`` after the last line.
- "control": ``shutdownMicroprocess`` stops it before the next line and is
  passed on through "signal" (no producerFinished then); anything else is
  ignored, as in Kamaelia.
- The file is opened by the constructor (Kamaelia opens it when the
  component starts), so a missing file is an ``OSError`` naming it there;
  a mode other than "r", "rt" or "rb" is a ``ValueError``.  It is closed
  when the component stops.  ``buffering`` is accepted and ignored: it
  changes nothing for a file that is only read.
"""

from Axon.Check import opened
from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Util.Control import stop_message


class SimpleReader(component):
    Inboxes = {"inbox": "not used", "control": "shutdownMicroprocess"}
    Outboxes = {"outbox": "lines", "signal": "producerFinished"}

    def __init__(self, filename, mode="r", buffering=1):
        if mode not in ("r", "rt", "rb"):
            raise ValueError("SimpleReader reads: mode 'r' or 'rb', not %r" % (mode,))
        component.__init__(self)
        self.filename = filename
        self.mode = mode
        self.buffering = buffering
        self.fh = opened("SimpleReader", filename, mode)

    def main(self):
        fh = self.fh
        try:
            while True:
                line = fh.readline()
                if not line:
                    break
                yield 1
                if stop_message(self, shutdownMicroprocess):
                    return
                self.send(line, "outbox")
        finally:
            fh.close()
        self.send(producerFinished(self), "signal")
