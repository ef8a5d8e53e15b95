"""What a behaviour test checks and waits on beyond its components
(CPython and MicroPython alike).

- ``SkipTest``: raised by a test that cannot run on this runtime
  (``need_module``); the harness reports it as a skip with its reason.
- ``run_expecting(kind)``: run the scheduler, which must end with that
  exception; ``error_unsent_shutdown(signals, ...)``: the exact "signal"
  sequence of a client that failed.
- ``settle``, ``count_fds``, ``count_threads``, ``elapsed_ms``: measuring
  what the OS updates a moment late, and time; ``heap_in_use()``: bytes
  live after a collection (CPython: traced since ``trace_heap()``, but
  for the test servers').
- ``tls_context(ca_der)``, ``other_ca()``: TLS on either runtime.
"""

import binascii
import os
import sys

from axonport import ticks_ms, ticks_diff
from Axon.Scheduler import scheduler
from testserver import _Control


IS_MICROPYTHON = sys.implementation.name == "micropython"


class SkipTest(Exception):
    """This test cannot run on this runtime; the message says why
    (tests/support/run_case.py and tests/test_cases.py make it a skip)."""


def need_module(name):
    """Import ``name``; if this runtime was built without it, SkipTest.
    Which modules a runtime lacks is the harness's to say (TESTKIT_LACKS,
    space-separated, set by tests/test_cases.py), so that a module missing
    where it should be there still fails the test."""
    try:
        return __import__(name)
    except ImportError:
        if name in (os.getenv("TESTKIT_LACKS") or "").split():
            raise SkipTest("this build has no %s module" % name)
        raise


def elapsed_ms(since):
    return ticks_diff(ticks_ms(), since)


def other_ca():
    """The DER certificate of a CA that signed none of the test servers."""
    return binascii.unhexlify(_Control.ask({"cmd": "other_ca"})["ca"])


def tls_context(ca_der):
    """A client SSLContext trusting ``ca_der``, verification on (both runtimes)."""
    ssl = need_module("ssl")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata=ca_der)
    return ctx


def count_fds():
    return len(os.listdir("/proc/self/fd"))


def count_threads():
    return len(os.listdir("/proc/self/task"))


def settle(measure, target, timeout_ms=2000):
    """Wait (up to ``timeout_ms``) until ``measure()`` is at most ``target``
    -- for counts the OS updates a moment after a thread or socket has
    gone; returns the last value seen."""
    from axonport import sleep_ms
    start = ticks_ms()
    while True:
        value = measure()
        if value <= target or ticks_diff(ticks_ms(), start) >= timeout_ms:
            return value
        sleep_ms(5)


def trace_heap(on=True):
    """Start (or stop) what heap_in_use() measures on CPython."""
    if not IS_MICROPYTHON:
        import tracemalloc
        if on:
            tracemalloc.start()
        else:
            tracemalloc.stop()


def heap_in_use():
    """Bytes of heap in use after a full collection."""
    import gc
    gc.collect()
    if IS_MICROPYTHON:
        return gc.mem_alloc()
    # The test servers and clients run in this process on CPython: not theirs.
    import tracemalloc
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, "*/tests/support/server*.py"),
         tracemalloc.Filter(False, "*/tests/support/clients.py")])
    return sum(stat.size for stat in snapshot.statistics("filename"))


def error_unsent_shutdown(signals, kind=OSError, unsent=None):
    """``signals`` are an exception of ``kind``, then (when ``unsent`` is
    not None) a dataNotSent of exactly ``unsent`` bytes (or, if ``unsent``
    is a function, one whose byte count it accepts; none at all if it
    accepts 0), then one socketShutdown.  Returns the exception."""
    from Kamaelia.IPC import socketShutdown
    from Kamaelia.Internet.ThreadedTCPClient import dataNotSent
    names = [type(s).__name__ for s in signals]
    if callable(unsent) and len(signals) == 2 and unsent(0):
        unsent = None                   # nothing was left unsent
    assert len(signals) == (2 if unsent is None else 3), names
    assert isinstance(signals[0], kind), signals
    assert type(signals[-1]) is socketShutdown, names
    if unsent is not None:
        assert type(signals[1]) is dataNotSent, names
        got = signals[1].nbytes
        assert (unsent(got) if callable(unsent) else got == unsent), (got, unsent)
        assert ("%d bytes" % got) in str(signals[1]), str(signals[1])
    return signals[0]


def run_expecting(kind):
    """Run the scheduler, which must end with an exception of ``kind``:
    returns that exception (a plain return is an AssertionError)."""
    try:
        scheduler.run.runThreads()
    except kind as exc:
        return exc
    raise AssertionError("runThreads() returned instead of raising %s" % kind.__name__)
