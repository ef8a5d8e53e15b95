"""RateControlledFileReader: arguments, modes, pacing, back-pressure."""

import os
from axonport import ticks_ms, ticks_diff, QUEUE_BYTES
from Axon.Scheduler import scheduler
from Axon.Ipc import producerFinished, shutdownMicroprocess
from Kamaelia.Chassis.Pipeline import Pipeline
from Kamaelia.Chassis.Graphline import Graphline
from Kamaelia.File.Reading import RateControlledFileReader
from testserver import prefix_sha256
from payloads import write_pattern_file
from components import Collector, Digest, Trigger


def temp_path():
    return "/tmp/axon-reader-%d.bin" % ticks_ms()


def temp_file(data):
    path = temp_path()
    with open(path, "wb") as f:
        f.write(data)
    return path


def pattern_file(size, seed=0):
    """A temporary file of pattern(size, seed); its path and SHA-256."""
    path = temp_path()
    return path, write_pattern_file(path, size, seed)


def read_all(path, collector=None, **argd):
    k = collector or Collector()
    Pipeline(RateControlledFileReader(path, **argd), k).activate()
    scheduler.run.runThreads()
    return k


def expect_error(kind, words, *args, **argd):
    try:
        RateControlledFileReader(*args, **argd)
    except kind as exc:
        for word in words:
            assert word in str(exc), exc
        return
    raise AssertionError("accepted %r %r" % (args, argd))


def test_bad_arguments_are_named():
    path = temp_file(b"x")
    try:
        expect_error(ValueError, ["chunksize", "chunkrate"], path, chunksize=10, chunkrate=5)
        expect_error(ValueError, ["readmode"], path, readmode="words")
        expect_error(ValueError, ["rate"], path, rate=0)
        expect_error(ValueError, ["chunkrate"], path, chunkrate=-1)
    finally:
        os.remove(path)
    expect_error(OSError, ["/tmp/no-such-dir/missing.bin"], "/tmp/no-such-dir/missing.bin")


def test_bytes_mode_chunks_and_finish():
    path, digest = pattern_file(10000, seed=5)
    try:
        k = read_all(path, Digest(sizes=True), rate=10 ** 8, chunksize=3000)
    finally:
        os.remove(path)
    assert k.sizes == [3000, 3000, 3000, 1000], k.sizes
    assert k.hexdigest() == digest and k.types == ["bytes"], k.types
    assert len(k.signals) == 1 and isinstance(k.signals[0], producerFinished)


def test_lines_mode_sends_each_line():
    text = b"alpha\nbeta\n\ngamma\ndelta"
    path = temp_file(text)
    try:
        k = read_all(path, readmode="lines", rate=10 ** 6, chunksize=2)
    finally:
        os.remove(path)
    assert k.data == [b"alpha\n", b"beta\n", b"\n", b"gamma\n", b"delta"]
    assert isinstance(k.signals[0], producerFinished)


def test_default_chunkrate_paces_the_seed_rate():
    path, digest = pattern_file(40000)
    start = ticks_ms()
    try:
        k = read_all(path, Digest(sizes=True), rate=100000)
    finally:
        os.remove(path)
    took = ticks_diff(ticks_ms(), start)
    # Ten chunks a second, as in Kamaelia; on a small heap the reader's
    # docstring has them at most QUEUE_BYTES / 8 bytes, more often.
    chunk = min(10000, QUEUE_BYTES // 8)
    whole, rest = divmod(40000, chunk)
    assert k.sizes == [chunk] * whole + ([rest] if rest else []), k.sizes
    assert k.hexdigest() == digest
    assert 280 <= took <= 2000, took


def test_waits_when_downstream_is_full_and_loses_nothing():
    path, digest = pattern_file(64 * 100, seed=9)
    k = Digest()
    k.setInboxSize("inbox", 2)
    try:
        read_all(path, k, rate=10 ** 8, chunksize=64)
    finally:
        os.remove(path)
    assert k.chunks == 100 and k.total == 6400 and k.hexdigest() == digest, k.chunks


def test_shutdown_stops_it_early_and_is_passed_on():
    path, _ = pattern_file(100000)
    k = Digest()
    reader = RateControlledFileReader(path, rate=10000, chunksize=1000)
    stop = Trigger(lambda: None, shutdownMicroprocess())
    start = ticks_ms()
    try:
        Graphline(R=reader, STOP=stop, OUT=k,
                  linkages={("R", "outbox"): ("OUT", "inbox"),
                            ("R", "signal"): ("OUT", "control"),
                            ("STOP", "outbox"): ("R", "control")}).activate()
        scheduler.run.runThreads()
    finally:
        os.remove(path)
    assert ticks_diff(ticks_ms(), start) < 2000
    assert k.chunks < 100
    assert k.hexdigest() == prefix_sha256(k.total), k.total     # what it sent came in order
    assert isinstance(k.signals[-1], shutdownMicroprocess)
