"""AdaptiveCommsComponent: a component that adds and removes boxes while it runs.

As in Axon:

- ``addInbox(name="inbox")`` / ``addOutbox(name="outbox")`` make a new box
  and return its name: ``name`` itself if free, otherwise ``name`` with a
  number appended.
- ``deleteInbox(name)`` / ``deleteOutbox(name)`` remove a box.  The links
  this component made to or from it are removed; an inbox is closed, so
  what waits in it is dropped, and so is whatever other components still
  send to it (unlink them first, as Axon asks).  An unknown name raises
  ``invalidComponentInterface`` naming it.
- ``trackResource(resource, inbox)`` / ``retrieveTrackedResource(inbox)``
  and ``trackResourceInformation(resource, inboxes, outboxes, info)`` /
  ``retrieveTrackedResourceInformation(resource)`` /
  ``ceaseTrackingResource(resource)``: bookkeeping for what each added box
  serves.

Left out: the threaded variant (threadedadaptivecommscomponent).
"""

from Axon.Box import Box
from Axon.Component import component, no_box


class AdaptiveCommsComponent(component):
    def __init__(self, *args, **argd):
        component.__init__(self, *args, **argd)
        self._resources = {}        # inbox name -> resource
        self._resource_info = {}    # resource -> (inboxes, outboxes, info)

    @staticmethod
    def _free_name(boxes, name):
        if name not in boxes:
            return name
        n = 1
        while "%s%d" % (name, n) in boxes:
            n += 1
        return "%s%d" % (name, n)

    def addInbox(self, name="inbox"):
        name = self._free_name(self.inboxes, name)
        self.inboxes[name] = self._make_inbox(name)
        return name

    def addOutbox(self, name="outbox"):
        name = self._free_name(self.outboxes, name)
        self.outboxes[name] = Box(self, name, False)
        return name

    def deleteInbox(self, name):
        self._delete(self.inboxes, "inbox", name).close()

    def deleteOutbox(self, name):
        self._delete(self.outboxes, "outbox", name)

    def _delete(self, boxes, kind, name):
        """Remove box ``name`` from ``boxes`` and its links; returns it."""
        box = boxes.get(name)
        if box is None:
            raise no_box(self, kind, name)
        self._detach(box)
        del boxes[name]
        return box

    def _detach(self, box):
        """Remove the links this component made to or from ``box``, and
        the box's own forwarding (a link another component made from it)."""
        for linkage in self._links:
            if box is linkage[0] or box is linkage[1]:
                self.unlink(thelinkage=linkage)
        target = box.target
        if target is not None:
            box.target = None
            target.sources = tuple(s for s in target.sources if s is not box)

    # -- resource bookkeeping -----------------------------------------------------

    def trackResource(self, resource, inbox):
        self._inbox(inbox)
        self._resources[inbox] = resource

    def retrieveTrackedResource(self, inbox):
        return self._resources[inbox]

    def trackResourceInformation(self, resource, inboxes, outboxes, information):
        for name in inboxes:
            self._inbox(name)
        for name in outboxes:
            if name not in self.outboxes:
                raise no_box(self, "outbox", name)
        self._resource_info[resource] = (inboxes, outboxes, information)

    def retrieveTrackedResourceInformation(self, resource):
        return self._resource_info[resource]

    def ceaseTrackingResource(self, resource):
        del self._resource_info[resource]
