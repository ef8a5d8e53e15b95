"""Kamaelia's oldest home of Pipeline: ``from Kamaelia.Util.PipelineComponent
import pipeline`` gives ``Kamaelia.Chassis.Pipeline.Pipeline``."""

from Kamaelia.Chassis.Pipeline import Pipeline

pipeline = Pipeline
