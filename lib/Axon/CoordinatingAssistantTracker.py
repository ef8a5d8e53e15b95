"""The coordinating assistant tracker (CAT): a registry of named services.

A service is an inbox of a component, registered under a name, that other
components look up and link to (a Backplane registers two).  As in Axon::

    from Axon.CoordinatingAssistantTracker import coordinatingassistanttracker
    cat = coordinatingassistanttracker.getcat()     # the one shared instance
    cat.registerService("NAME", comp, "inbox")
    comp, boxname = cat.retrieveService("NAME")
    cat.deRegisterService("NAME")

Errors (from Axon.AxonExceptions): registering a name twice is
``ServiceAlreadyExists``; an object without inboxes ``BadComponent``; an
inbox the component lacks ``BadInbox``; deregistering a name that is not
registered ``MultipleServiceDeletion``.  ``retrieveService`` of an unknown
name raises ``KeyError`` naming it.  Each call holds a lock, so threaded
components may use the registry too.

Left out: the value tracking (``trackValue``, ``updateValue``,
``retrieveValue``, ``informationItemsLogged``) and parent trackers, which
user code rarely needs; each exception class costs a board's heap.
"""

from axonport import allocate_lock
from Axon.AxonExceptions import AxonException


# Kamaelia has these in Axon.AxonExceptions, which still hands them out.

class ServiceAlreadyExists(AxonException):
    pass


class BadComponent(AxonException):
    pass


class BadInbox(AxonException):
    pass


class MultipleServiceDeletion(AxonException):
    pass


# Named by Kamaelia's tracker for what this one leaves out (value tracking,
# parent trackers); defined so that code importing them still loads.

class BadParentTracker(AxonException):
    pass


class NamespaceClash(AxonException):
    pass


class AccessToUndeclaredTrackedVariable(AxonException):
    pass


class ArgumentsClash(AxonException):
    pass



class coordinatingassistanttracker(object):
    basecat = None

    @classmethod
    def getcat(cls):
        if coordinatingassistanttracker.basecat is None:
            coordinatingassistanttracker.basecat = cls()
        return coordinatingassistanttracker.basecat

    def __init__(self, parent=None):
        self._services = {}
        self._lock = allocate_lock()

    def registerService(self, service, thecomponent, inbox):
        inboxes = getattr(thecomponent, "inboxes", None)
        if not isinstance(inboxes, dict):
            raise BadComponent("service %r: %r is not a component" % (service, thecomponent))
        if inbox not in inboxes:
            raise BadInbox("service %r: %r has no inbox %r" % (service, thecomponent, inbox))
        with self._lock:
            if service in self._services:
                raise ServiceAlreadyExists("service %r is already registered" % (service,))
            self._services[service] = (thecomponent, inbox)

    def deRegisterService(self, service):
        with self._lock:
            if self._services.pop(service, None) is None:
                raise MultipleServiceDeletion("service %r is not registered" % (service,))

    def retrieveService(self, name):
        with self._lock:
            found = self._services.get(name)
        if found is None:
            raise KeyError("no service named %r" % (name,))
        return found

    def servicesRegistered(self):
        with self._lock:
            return list(self._services)

    def zap(self):
        with self._lock:
            self._services = {}
