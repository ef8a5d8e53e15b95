"""An exception sent out of a "signal" linked nowhere, with
``unhandled_errors = "print"``: one line on stderr, and the run goes on
to its end (prints "DONE", exits 0).  Run by tests/test_processes.py."""

from Axon.Component import component
from Axon.Scheduler import scheduler


class Complainer(component):
    def main(self):
        self.send(ValueError("nobody hears this"), "signal")
        yield 1
        self.send(b"still running", "outbox")


scheduler.unhandled_errors = "print"
Complainer().activate()
scheduler.run.runThreads()
print("DONE")
