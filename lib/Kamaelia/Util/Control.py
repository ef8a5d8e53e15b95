"""The shutdown handling that Kamaelia's small components share.

``stop_message(comp, kinds)`` reads every message waiting on ``comp``'s
"control": the first one of ``kinds`` (by default ``producerFinished`` or
``shutdownMicroprocess``) is passed on out of "signal" and returned, and
the component should then stop; messages of other kinds are dropped; None
when none of ``kinds`` came.  Components that finish their inbox on
``producerFinished`` do that before asking.
"""

from Axon.Ipc import producerFinished, shutdownMicroprocess

STOP = (producerFinished, shutdownMicroprocess)


def stop_message(comp, kinds=STOP):
    while comp.dataReady("control"):
        msg = comp.recv("control")
        if isinstance(msg, kinds):
            comp.send(msg, "signal")
            return msg
    return None
