"""Boxes and links of plain components (see Axon/Box.py and Component.py)."""

from Axon.Component import component
from Axon.Scheduler import scheduler
from Axon.AxonExceptions import noSpaceInBox, BoxAlreadyLinkedToDestination, invalidComponentInterface
from components import Source, Collector
from Axon.Ipc import producerFinished


class Plain(component):
    Inboxes = {"inbox": "", "control": "", "extra": ""}
    Outboxes = ["outbox", "signal", "more"]


def raises(kind, fn, *args):
    try:
        fn(*args)
    except kind as exc:
        return exc
    raise AssertionError("expected %s" % kind.__name__)


def test_kwargs_and_declared_boxes():
    c = Plain(colour="red", size=3)
    assert c.colour == "red" and c.size == 3
    assert sorted(c.inboxes) == ["control", "extra", "inbox"]
    assert sorted(c.outboxes) == ["more", "outbox", "signal"]
    d = component()
    assert sorted(d.inboxes) == ["control", "inbox"] and sorted(d.outboxes) == ["outbox", "signal"]


def test_fifo_1000_messages():
    a, b = component(), component()
    a.link((a, "outbox"), (b, "inbox"))
    # Kamaelia's 1000-message inbox: the default is smaller on a small heap
    # (Axon.Box.QUEUE_LENGTH), and 1000 sends in one step would flood it.
    b.setInboxSize("inbox", 1000)
    for i in range(1000):
        a.send(i)
    assert b.dataReady() == 1000
    got = [b.recv() for _ in range(1000)]
    assert got == list(range(1000))
    assert b.dataReady() == 0
    raises(IndexError, b.recv)


def test_recv_interleaved_keeps_order():
    a, b = component(), component()
    a.link((a, "outbox"), (b, "inbox"))
    got = []
    for i in range(300):
        a.send(i)
        a.send(-i)
        got.append(b.recv())
    while b.dataReady():
        got.append(b.recv())
    expect = []
    for i in range(300):
        expect += [i, -i]
    assert got == expect


def test_size_limit_five():
    a, b = component(), component()
    a.link((a, "outbox"), (b, "inbox"))
    b.setInboxSize("inbox", 5)
    for i in range(5):
        a.send(i)
    exc = raises(noSpaceInBox, a.send, 5)
    assert "full" in str(exc)
    assert b.dataReady() == 5
    assert [b.recv() for _ in range(3)] == [0, 1, 2]
    for i in range(5, 8):
        a.send(i)
    raises(noSpaceInBox, a.send, 8)
    assert [b.recv() for _ in range(5)] == [3, 4, 5, 6, 7]


def test_unlinked_outbox_drops_and_unknown_box_is_named():
    a = component()
    a.send("nobody hears this")
    exc = raises(invalidComponentInterface, a.send, 1, "nosuchbox")
    assert "nosuchbox" in str(exc)
    exc = raises(invalidComponentInterface, a.recv, "nosuchbox")
    assert "nosuchbox" in str(exc)


def test_one_destination_per_outbox_many_to_one():
    a, b, c = component(), component(), component()
    a.link((a, "outbox"), (c, "inbox"))
    b.link((b, "outbox"), (c, "inbox"))
    raises(BoxAlreadyLinkedToDestination, a.link, (a, "outbox"), (b, "inbox"))
    a.send("a1")
    b.send("b1")
    a.send("a2")
    assert [c.recv() for _ in range(3)] == ["a1", "b1", "a2"]


def test_unlink():
    a, b = component(), component()
    linkage = a.link((a, "outbox"), (b, "inbox"))
    a.send(1)
    a.unlink(thelinkage=linkage)
    a.send(2)
    assert b.dataReady() == 1 and b.recv() == 1
    a.link((a, "outbox"), (b, "inbox"))
    a.send(3)
    assert b.recv() == 3


def test_passthrough_inbox_to_inbox_and_outbox_to_outbox():
    outer, inner, ext_in, ext_out = component(), component(), component(), component()
    ext_in.link((ext_in, "outbox"), (outer, "inbox"))
    outer.link((outer, "inbox"), (inner, "inbox"), passthrough=1)
    outer.link((inner, "outbox"), (outer, "outbox"), passthrough=2)
    outer.link((outer, "outbox"), (ext_out, "inbox"))
    ext_in.send("down")
    assert outer.dataReady() == 0 and inner.recv() == "down"
    inner.send("up")
    assert ext_out.recv() == "up"


def test_size_limit_applies_at_final_destination():
    outer, inner, src = component(), component(), component()
    src.link((src, "outbox"), (outer, "inbox"))
    outer.link((outer, "inbox"), (inner, "inbox"), passthrough=1)
    inner.setInboxSize("inbox", 2)
    src.send(1)
    src.send(2)
    raises(noSpaceInBox, src.send, 3)
    assert inner.dataReady() == 2


def test_messages_waiting_before_a_passthrough_link_are_kept():
    outer, inner = component(), component()
    src = component()
    src.link((src, "outbox"), (outer, "inbox"))
    src.send("early")
    outer.link((outer, "inbox"), (inner, "inbox"), passthrough=1)
    src.send("late")
    assert [inner.recv(), inner.recv()] == ["early", "late"]


def test_any_ready_and_activate_returns_self():
    c = Plain()
    src = component()
    src.link((src, "outbox"), (c, "extra"))
    assert not c.anyReady()
    src.send(1)
    assert c.anyReady()
    k = Collector()
    assert k.activate() is k
    src2 = Source([], finish=producerFinished())
    src2.link((src2, "signal"), (k, "control"))
    src2.activate()
    scheduler.run.runThreads()
    assert len(k.signals) == 1


def run_into_small_inbox(src, size):
    """src's outbox and signal into a Collector whose inbox holds ``size``;
    runs both and returns the Collector."""
    sink = Collector()
    sink.setInboxSize("inbox", size)
    src.link((src, "outbox"), (sink, "inbox"))
    src.link((src, "signal"), (sink, "control"))
    src.activate()
    sink.activate()
    scheduler.run.runThreads()
    return sink


def test_back_pressure_wakes_paused_producer():
    src = Source(list(range(200)), finish=producerFinished())
    sink = run_into_small_inbox(src, 3)
    assert sink.data == list(range(200))
    assert src.full > 0


class WaitCounter(component):
    """Sends 0..9 with send_when_room, keeping how often each send waited,
    then tries a box it does not have, then finishes."""

    def main(self):
        self.waits = []
        self.error = None
        for i in range(10):
            self.waits.append((yield from self.send_when_room(i)))
        try:
            yield from self.send_when_room(1, "nowhere")
        except invalidComponentInterface as exc:
            self.error = str(exc)
        self.send(producerFinished(), "signal")


def test_send_when_room_waits_while_full_and_says_how_often():
    src = WaitCounter()
    sink = run_into_small_inbox(src, 4)
    assert sink.data == list(range(10)), sink.data
    assert src.waits[:4] == [0, 0, 0, 0], src.waits
    assert sum(src.waits) >= 1, src.waits
    assert "nowhere" in src.error, src.error


def test_add_and_remove_children():
    parent, a, b = component(), component(), component()
    parent.addChildren(a, b)
    assert parent.childComponents() == [a, b]
    assert a._parent is parent
    parent.link((a, "outbox"), (b, "inbox"))
    parent.removeChild(a)
    assert parent.childComponents() == [b]
    a.send("after removal")
    assert b.dataReady() == 0       # removing a child drops the links to it
    assert not parent.childrenDone()


def test_rare_messages_still_import_from_axon_and_kamaelia():
    # On MicroPython these load on first use (Axon.IpcMore, Kamaelia.IPC's
    # __getattr__); the import paths and classes stay Kamaelia's.
    from Axon.Ipc import ipc, shutdownMicroprocess, notify, shutdown, status, errorInformation
    from Kamaelia.IPC import newCSA, shutdownCSA
    assert issubclass(shutdown, shutdownMicroprocess)
    assert issubclass(newCSA, notify) and issubclass(shutdownCSA, notify)
    made = newCSA("me", "payload")
    assert made.caller == "me" and made.object == "payload"
    assert status("ok").status() == "ok"
    assert isinstance(errorInformation("me", ValueError("x")), ipc)
    import Axon.Ipc
    import Kamaelia.IPC
    assert Axon.Ipc.notify is notify and Kamaelia.IPC.newCSA is newCSA
    assert not hasattr(Axon.Ipc, "no_such_message")
    assert not hasattr(Kamaelia.IPC, "no_such_message")


def test_a_batch_taken_counts_against_the_byte_bound_until_released():
    # A threaded consumer writes a batch out while its producer refills the
    # box: box and batch together stay within the box's byte bound.
    from Axon.ThreadedComponent import threadedcomponent
    from Axon.Box import LockedBox, MESSAGE_COST
    box = LockedBox(threadedcomponent(), "inbox", 100, 1000)
    for _ in range(10):
        full = box.put(b"x" * 100)
    assert full and box.held == 10 * (100 + MESSAGE_COST)
    batch = box.take_all()
    assert len(batch) == 10 and box.full        # the batch still counts
    assert box.put(b"y" * 10) is True           # so its producer stays held
    batch = box.take_all()
    assert list(batch) == [b"y" * 10]           # the next take frees the first batch
    assert not box.full and box.held == 10 + MESSAGE_COST
    box.release_taken()
    assert box.held == 0 and not box.full
    assert list(batch) == []                    # released: the box keeps none of it
    assert box.take_all() == ()
    box.put(b"z")
    batch = box.take_all()
    box.close()
    assert list(batch) == [b"z"]                # a batch in use outlives the close
    assert box.take_all() == () and box.held == 0
