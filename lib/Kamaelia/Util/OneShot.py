"""OneShot and TriggeredOneShot: send one message, then stop.

OneShot(msg=None)
    Once activated, sends ``msg`` out of "outbox", then ``producerFinished``
    out of "signal", and stops.

TriggeredOneShot(msg=None)
    Waits for anything on "inbox", then sends ``msg`` out of "outbox" and
    ``producerFinished`` out of "signal", and stops.  Until then every
    message on "control" is passed on through "signal";
    ``producerFinished`` or ``shutdownMicroprocess`` stops it without
    sending ``msg``.
"""

from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess


class OneShot(component):
    Inboxes = {"inbox": "not used", "control": "not used"}
    Outboxes = {"outbox": "the message", "signal": "producerFinished"}

    def __init__(self, msg=None):
        component.__init__(self)
        self.msg = msg

    def main(self):
        self.send(self.msg, "outbox")
        yield 1
        self.send(producerFinished(self), "signal")


class TriggeredOneShot(OneShot):
    Inboxes = {"inbox": "the trigger", "control": "shutdown"}

    def main(self):
        while not self.dataReady("inbox"):
            while self.dataReady("control"):
                msg = self.recv("control")
                self.send(msg, "signal")
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    return
            self.pause()
            yield 1
        self.recv("inbox")
        self.send(self.msg, "outbox")
        yield 1
        self.send(producerFinished(self), "signal")
