"""Messages that components exchange about their life cycle.

``producerFinished`` on a control inbox means "finish what you have, then
stop"; ``shutdownMicroprocess`` (and its subclass ``shutdown``) means "stop
now".  Components pass either on through "signal" so a Pipeline winds down.
"""


class ipc(object):
    def __init__(self, **argd):
        for key in argd:
            setattr(self, key, argd[key])

    def __repr__(self):
        return "<%s>" % self.__class__.__name__


class producerFinished(ipc):
    def __init__(self, caller=None, message=None):
        self.caller = caller
        self.message = message


class shutdownMicroprocess(ipc):
    def __init__(self, *microprocesses):
        self.microprocesses = microprocesses


class shutdown(shutdownMicroprocess):
    pass


class notify(ipc):
    def __init__(self, caller, payload):
        self.caller = caller
        self.object = payload


class status(ipc):
    def __init__(self, status):
        self.statusMessage = status

    def status(self):
        return self.statusMessage


class newComponent(ipc):
    """Yield one from ``main()`` to have the scheduler activate components."""

    def __init__(self, *components):
        self.comps = components

    def components(self):
        return self.comps


class errorInformation(ipc):
    def __init__(self, caller, exception=None, message=None):
        self.caller = caller
        self.exception = exception
        self.message = message
