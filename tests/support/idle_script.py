"""A system with nothing to do: a plain component paused and a threaded
one (ConsoleReader) blocked on stdin.  Prints "ready", then idles until
stdin closes, which winds the Pipeline down."""

from Axon.Component import component
from Axon.Scheduler import scheduler
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Util.Console import ConsoleReader


class Idle(component):
    def main(self):
        while not self.dataReady("control"):
            self.pause()
            yield 1


Pipeline(ConsoleReader(prompt=""), Idle()).activate()
print("ready")
scheduler.run.runThreads()
print("done")
