"""Chargen: "Hello World", over and over.

Chargen()

- "outbox": the str ``"Hello World"``, one per scheduler step, as fast as
  the scheduler runs it (no pacing), for ever.
- "control": ``producerFinished`` or ``shutdownMicroprocess`` stops it and
  is passed on through "signal".  (Kamaelia's Chargen ignores "control"
  and never stops; here a program can end.)
"""

from Axon.Component import component
from Kamaelia.Util.Control import stop_message


class Chargen(component):
    Inboxes = {"inbox": "not used", "control": "shutdown"}
    Outboxes = {"outbox": "Hello World", "signal": "shutdown"}

    def main(self):
        while True:
            if stop_message(self):
                return
            self.send("Hello World", "outbox")
            yield 1
