"""Kamaelia's older home of Graphline: ``from Kamaelia.Util.Graphline import
Graphline`` gives ``Kamaelia.Chassis.Graphline.Graphline``.  Kamaelia warns
that the path is deprecated; this module says nothing."""

from Kamaelia.Chassis.Graphline import Graphline
