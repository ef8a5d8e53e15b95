"""Console input and output components.

ConsoleEchoer(forwarder=False, use_repr=False, tag="")
    "inbox": anything; ``bytes`` are written to stdout as they are, ``str``
    as text, anything else as ``str(x)`` (``repr(x)`` with use_repr),
    each message preceded by ``tag`` (a ``str``) when it is not empty.
    With ``forwarder`` each message also goes out of "outbox".
    "control": ``producerFinished`` echoes what is still waiting, then
    passes the message on through "signal" and stops;
    ``shutdownMicroprocess`` passes it on and stops at once.

ConsoleReader(prompt=">>> ", eol="\\n")
    Threaded: reads stdin a line at a time and sends each line (its line
    ending replaced by ``eol``) out of "outbox" as ``str``.  At the end of
    input it sends ``producerFinished`` out of "signal" and stops.  A
    shutdown message on "control" stops it before the next read; a read
    already waiting for input cannot be interrupted (stdin is a plain
    blocking file), so it stops after that line or at end of input.
"""

from axonport import write_stdout, read_line
from Axon.Check import instance
from Axon.Component import component
from Axon.ThreadedComponent import threadedcomponent
from Axon.Ipc import producerFinished, shutdownMicroprocess


class ConsoleEchoer(component):
    Inboxes = {"inbox": "Things to write to stdout",
               "control": "producerFinished or shutdownMicroprocess"}
    Outboxes = {"outbox": "What was written, when forwarder is set",
                "signal": "The shutdown message that stopped it"}

    def __init__(self, forwarder=False, use_repr=False, tag=""):
        instance("ConsoleEchoer", "tag", tag, str)
        component.__init__(self)
        self.forwarder = forwarder
        self.use_repr = use_repr
        self.tag = tag

    def _echo(self, data):
        if self.tag:
            write_stdout(self.tag)
        if self.use_repr:
            write_stdout(repr(data))
        elif isinstance(data, (bytes, bytearray, str)):
            write_stdout(data)
        else:
            write_stdout(str(data))
        if self.forwarder:
            self.send(data, "outbox")

    def main(self):
        while True:
            while self.dataReady("inbox"):
                self._echo(self.recv("inbox"))
            while self.dataReady("control"):
                msg = self.recv("control")
                if isinstance(msg, producerFinished):
                    while self.dataReady("inbox"):
                        self._echo(self.recv("inbox"))
                if isinstance(msg, (producerFinished, shutdownMicroprocess)):
                    self.send(msg, "signal")
                    return
            self.pause()
            yield 1


class ConsoleReader(threadedcomponent):
    Inboxes = {"inbox": "Not used",
               "control": "producerFinished or shutdownMicroprocess"}
    Outboxes = {"outbox": "Lines read from stdin (str)",
                "signal": "producerFinished at end of input"}

    def __init__(self, prompt=">>> ", eol="\n"):
        instance("ConsoleReader", "prompt", prompt, str)
        instance("ConsoleReader", "eol", eol, str)
        threadedcomponent.__init__(self)
        self.prompt = prompt
        self.eol = eol

    def main(self):
        stop = (shutdownMicroprocess, producerFinished)
        while not self._control_has(stop):
            if self.prompt:
                write_stdout(self.prompt)
            line = read_line()
            if not line:
                break
            if line.endswith("\n"):
                line = line[:-1]
            if not self.send_wait(line + self.eol, "outbox"):
                break
        self.send_wait(producerFinished(self), "signal", interruptible=False)
