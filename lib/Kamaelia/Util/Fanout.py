"""Fanout: a copy of every message to each of several named outboxes.

Fanout(boxnames)

- "inbox": anything; each message is sent out of every outbox named in
  ``boxnames`` (a list of str), in that order.  The same object goes to
  all of them, not a copy.  Kamaelia's documentation says nothing goes
  out of "outbox", and here nothing does (unless "outbox" is one of the
  names); Kamaelia's code also sends to "outbox" and "signal".
- "control": ``producerFinished`` or ``shutdownMicroprocess``: what waits
  on "inbox" is fanned out, then the message goes out of "signal" and it
  stops.  Other messages are ignored.
"""

from Axon.Box import Box
from Axon.Component import component
from Kamaelia.Util.Control import stop_message


class Fanout(component):
    Inboxes = {"inbox": "data to copy", "control": "shutdown"}
    Outboxes = {"outbox": "not used", "signal": "shutdown"}

    def __init__(self, boxnames):
        if isinstance(boxnames, str):
            raise TypeError("Fanout: boxnames must be a list of str, not the str %r" % (boxnames,))
        component.__init__(self)
        names = []
        for name in boxnames:
            if not isinstance(name, str):
                raise TypeError("Fanout box names are str, not %r" % (name,))
            if name not in names:
                names.append(name)
            if name not in self.outboxes:
                self.outboxes[name] = Box(self, name, False)
        self.boxnames = names

    def main(self):
        while True:
            while self.dataReady("inbox"):
                data = self.recv("inbox")
                for name in self.boxnames:
                    self.send(data, name)
            if stop_message(self):      # "inbox" was emptied just above
                return
            self.pause()
            yield 1
