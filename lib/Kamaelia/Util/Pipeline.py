"""Kamaelia's older home of Pipeline: ``from Kamaelia.Util.Pipeline import
Pipeline`` (or ``pipeline``) gives ``Kamaelia.Chassis.Pipeline.Pipeline``.
Kamaelia warns that the path is deprecated; this module says nothing."""

from Kamaelia.Chassis.Pipeline import Pipeline

pipeline = Pipeline
