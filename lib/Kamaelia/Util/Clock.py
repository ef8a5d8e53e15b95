"""CheapAndCheerfulClock: a tick every ``interval`` seconds.

CheapAndCheerfulClock(interval)

- "outbox": ``True``, the first at once, then one every ``interval``
  seconds (a positive number).  Ticks keep to the schedule set by the
  first one; a clock that fell behind (a busy machine) sends one tick and
  starts a new schedule from there, never a burst.
- "control": ``producerFinished`` or ``shutdownMicroprocess`` stops it
  at once (on MicroPython within about 20 ms: its timed waits poll, see
  the port); the message is passed on through "signal".  (Kamaelia's
  clock never stops.)  "inbox" is read and ignored.
- Threaded, as in Kamaelia: between ticks its thread blocks in
  ``pause(timeout)``, which any message wakes; it never spins.  Ticks are
  timed in milliseconds.
"""

from axonport import ticks_ms, ticks_diff, ticks_add
from Axon.ThreadedComponent import threadedcomponent
from Kamaelia.Util.Control import stop_message


class CheapAndCheerfulClock(threadedcomponent):
    Inboxes = {"inbox": "not used", "control": "shutdown"}
    Outboxes = {"outbox": "True, every interval", "signal": "shutdown"}

    def __init__(self, interval):
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) \
                or not interval > 0:
            raise ValueError("interval must be a positive number of seconds, not %r"
                             % (interval,))
        threadedcomponent.__init__(self)
        self.interval = interval

    def main(self):
        step = max(1, int(self.interval * 1000 + 0.5))
        due = ticks_ms()
        while True:
            while self.dataReady("inbox"):
                self.recv("inbox")
            if stop_message(self):
                return
            now = ticks_ms()
            left = ticks_diff(due, now)
            if left > 0:
                self.pause(left / 1000)
                continue
            self.send(True, "outbox")
            due = ticks_add(due, step)
            if ticks_diff(due, now) <= 0:
                due = ticks_add(now, step)
