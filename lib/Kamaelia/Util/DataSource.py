"""DataSource and TriggeredSource: messages from a list, or on a trigger.

DataSource(messages)
    Sends each of ``messages`` (a list, tuple or any iterable) out of
    "outbox", one per scheduler step, then ``producerFinished`` out of
    "signal", and stops.  Unlike Kamaelia's it does not empty the list it
    was given, and a ``shutdownMicroprocess`` on "control" stops it early
    (passed on through "signal", no producerFinished after it).

TriggeredSource(msg)
    As in Kamaelia, a PureTransformer that sends ``msg`` out of "outbox"
    for every message on its "inbox" (see Kamaelia.Util.PureTransformer
    for its shutdown handling).
"""

from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Util.Control import stop_message

_STOP_NOW = (shutdownMicroprocess,)


class DataSource(component):
    Inboxes = {"inbox": "not used", "control": "shutdownMicroprocess"}
    Outboxes = {"outbox": "the messages", "signal": "producerFinished"}

    def __init__(self, messages):
        component.__init__(self)
        try:
            iter(messages)
        except TypeError:
            raise TypeError("DataSource needs a list of messages, not %s"
                            % type(messages).__name__)
        self.messages = messages

    def main(self):
        for msg in self.messages:
            yield 1
            if stop_message(self, _STOP_NOW) is not None:
                return
            self.send(msg, "outbox")
        yield 1
        self.send(producerFinished(self), "signal")


def TriggeredSource(msg):
    # Imported here: a program using only DataSource keeps it off the heap.
    from Kamaelia.Util.PureTransformer import PureTransformer
    return PureTransformer(lambda trigger: msg)
