"""PureTransformer: applies a function to every message.

PureTransformer(function=None)

- "inbox": anything; ``function(msg)`` is sent out of "outbox" unless it
  is None (then nothing is sent).  Without ``function`` a subclass
  overrides ``processMessage(self, msg)`` instead.
- "control": ``producerFinished`` transforms what is still waiting on
  "inbox", then goes out of "signal" and the component stops;
  ``shutdownMicroprocess`` goes out of "signal" and it stops.  Other
  messages are ignored.  (Kamaelia sends a new ``producerFinished`` in
  both cases and ignores ``shutdownMicroprocess``; this passes the message
  it got on, so a Pipeline stops the way it was told to.)
- An exception raised by the function ends the run with that exception.
"""

from Axon.Component import component
from Axon.Ipc import producerFinished, shutdownMicroprocess


class PureTransformer(component):
    Inboxes = {"inbox": "messages", "control": "shutdown"}
    Outboxes = {"outbox": "results", "signal": "shutdown"}

    def __init__(self, function=None):
        component.__init__(self)
        if function is not None:
            if not callable(function):
                raise TypeError("PureTransformer needs a callable, not %s"
                                % type(function).__name__)
            self.processMessage = function

    def processMessage(self, msg):
        return None

    def _transform_waiting(self):
        while self.dataReady("inbox"):
            result = self.processMessage(self.recv("inbox"))
            if result is not None:
                self.send(result, "outbox")

    def main(self):
        while True:
            self._transform_waiting()
            while self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, producerFinished):
                    self._transform_waiting()
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    self.send(msg, "signal")
                    return
            self.pause()
            yield 1
