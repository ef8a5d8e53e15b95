"""Kamaelia's import-level habits: a bare ``import Axon`` reaching every
submodule, ``import *`` from modules with lazy
names, the older names of Pipeline and Graphline, and Axon's
``shutdownMicroprocess.microprocesses()``."""

import Axon


def raises(kind, call, *words):
    try:
        call()
    except kind as exc:
        for word in words:
            assert word in str(exc), (word, str(exc))
        return exc
    raise AssertionError("expected %s" % kind.__name__)


def test_bare_import_axon_reaches_its_submodules():
    from Axon.Component import component
    from Axon.ThreadedComponent import threadedcomponent
    from Axon.Ipc import producerFinished
    from Axon.Scheduler import scheduler
    from Axon.AxonExceptions import noSpaceInBox
    assert Axon.Component.component is component
    assert Axon.ThreadedComponent.threadedcomponent is threadedcomponent
    assert Axon.Ipc.producerFinished is producerFinished
    assert Axon.Scheduler.scheduler is scheduler
    assert Axon.AxonExceptions.noSpaceInBox is noSpaceInBox
    assert Axon.Ipc.notify is Axon.IpcMore.notify


class Hello(Axon.Component.component):
    """Written the way Kamaelia's examples are, through a bare ``import Axon``."""

    def main(self):
        self.send("hello", "outbox")
        self.send(Axon.Ipc.producerFinished(self), "signal")
        yield 1


def test_a_program_written_against_bare_imports_runs():
    from components import Collector
    from Kamaelia.Chassis.Pipeline import Pipeline
    k = Collector()
    Pipeline(Hello(), k).activate()
    Axon.Scheduler.scheduler.run.runThreads()
    assert k.data == ["hello"]
    assert len(k.signals) == 1 and isinstance(k.signals[0], Axon.Ipc.producerFinished)


def test_a_name_that_is_no_submodule_is_an_attribute_error():
    raises(AttributeError, lambda: Axon.NoSuchModule, "NoSuchModule")
    assert not hasattr(Axon, "NoSuchModule") and not hasattr(Axon, "no_such_module")
    assert not hasattr(Axon, "_private") and not hasattr(Axon, "__wrapped__")
    # Not a name at all: never handed to the importer (it would find directories).
    assert not hasattr(Axon, "Ipc/Ipc") and not hasattr(Axon, ".")


def test_an_import_error_inside_a_submodule_is_not_swallowed():
    import lazy_probe
    assert lazy_probe.good.VALUE == 1
    raises(ImportError, lambda: lazy_probe.broken, "no_such_module_anywhere")
    raises(AttributeError, lambda: lazy_probe.absent, "absent")


def names_from_star(module):
    found = {}
    exec("from %s import *" % module, found)
    found.pop("__builtins__", None)
    return found


def test_import_star_from_axon_ipc():
    found = names_from_star("Axon.Ipc")
    assert sorted(found) == sorted(["ipc", "producerFinished", "shutdownMicroprocess",
                                    "newComponent", "shutdown", "notify", "status",
                                    "errorInformation", "WaitComplete", "reactivate",
                                    "wouldblock"])
    assert found["notify"] is Axon.Ipc.notify
    assert issubclass(found["shutdown"], found["shutdownMicroprocess"])


def test_import_star_from_kamaelia_ipc():
    found = names_from_star("Kamaelia.IPC")
    assert sorted(found) == sorted(["socketShutdown", "serverShutdown", "newCSA", "shutdownCSA",
                                    "newServer", "newReader", "newWriter", "newExceptional",
                                    "removeReader", "removeWriter", "removeExceptional"])
    assert issubclass(found["socketShutdown"], Axon.Ipc.producerFinished)
    assert issubclass(found["newCSA"], Axon.Ipc.notify)


def test_import_star_from_a_package_gives_nothing():
    # Unlike Kamaelia, whose Axon imports every submodule eagerly: nobody
    # star-imports Axon, and naming them all would load them all.
    assert names_from_star("Axon") == {}


def test_older_names_of_pipeline_and_graphline():
    from Kamaelia.Chassis.Pipeline import Pipeline, pipeline
    from Kamaelia.Chassis.Graphline import Graphline
    from Kamaelia.Util.Pipeline import Pipeline as util_Pipeline, pipeline as util_pipeline
    from Kamaelia.Util.PipelineComponent import pipeline as component_pipeline
    from Kamaelia.Util.Graphline import Graphline as util_Graphline
    assert pipeline is Pipeline and util_Pipeline is Pipeline
    assert util_pipeline is Pipeline and component_pipeline is Pipeline
    assert util_Graphline is Graphline


def test_shutdownMicroprocess_microprocesses_is_a_method():
    from Axon.Ipc import shutdownMicroprocess, shutdown
    a, b = Hello(), Hello()
    assert shutdownMicroprocess(a, b).microprocesses() == (a, b)
    assert shutdownMicroprocess().microprocesses() == ()
    assert shutdown(a).microprocesses() == (a,)
