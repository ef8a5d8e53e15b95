"""SimpleFileWriter: writes what it receives to a file.

SimpleFileWriter(filename, mode="wb")

- "inbox": data to write, in order: ``bytes``, ``bytearray`` or
  ``memoryview`` in a binary mode ("wb", "ab"), ``str`` in a text mode
  ("w", "a", "wt", "at").  Anything else is a ``TypeError`` naming the
  type (the same on both runtimes; MicroPython's files would take either).
  What arrived is flushed to the file each time the inbox has been
  emptied.
- "control": ``producerFinished`` or ``shutdownMicroprocess``: what waits
  on "inbox" is written, the file is closed, and the message goes out of
  "signal".
- The file is opened (created, or truncated with "w") by the constructor
  (Kamaelia opens it when the component starts), so a bad path is an
  ``OSError`` naming it there; another mode is a ``ValueError``.  The file
  is also closed if writing fails.
"""

from Axon.Check import opened
from Axon.Component import component
from Kamaelia.Util.Control import stop_message

_BINARY = (bytes, bytearray, memoryview)


class SimpleFileWriter(component):
    Inboxes = {"inbox": "data to write", "control": "shutdown"}
    Outboxes = {"outbox": "not used", "signal": "shutdown"}

    def __init__(self, filename, mode="wb"):
        if mode not in ("wb", "ab", "w", "a", "wt", "at"):
            raise ValueError("SimpleFileWriter writes: mode 'wb', 'ab', 'w' or 'a', not %r"
                             % (mode,))
        component.__init__(self)
        self.filename = filename
        self.mode = mode
        self._kinds = _BINARY if "b" in mode else str
        self.file = opened("SimpleFileWriter", filename, mode)

    def writeData(self, data):
        if not isinstance(data, self._kinds):
            raise TypeError("SimpleFileWriter(%r, %r) cannot write %s"
                            % (self.filename, self.mode, type(data).__name__))
        self.file.write(data)

    def main(self):
        f = self.file
        try:
            while True:
                wrote = False
                while self.dataReady("inbox"):
                    self.writeData(self.recv("inbox"))
                    wrote = True
                if wrote:
                    f.flush()
                # The file is closed (finally) before anyone else runs,
                # so whoever gets the stop message can read it.
                if stop_message(self):
                    return
                self.pause()
                yield 1
        finally:
            f.close()
