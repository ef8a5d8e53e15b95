"""Run one behaviour test as a script: ``run_case.py MODULE TEST [STACK]``.

STACK, when given, is the thread stack size in bytes for every thread the
test starts (``_thread.stack_size``), as small as a board's.

Used for the MicroPython side (pytest runs the CPython side in-process).
Prints PASS and exits 0; or, when the test raises checks.SkipTest (it
cannot run on this build), prints ``SKIP <reason>`` and exits 0; or prints
the traceback and exits 1.
"""

import sys


def main():
    module_name, test_name = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        import _thread
        _thread.stack_size(int(sys.argv[3]))
    module = __import__(module_name)
    try:
        getattr(module, test_name)()
    except BaseException as exc:
        # Known by name: importing checks here would cost a small heap
        # for tests that never use it.
        if type(exc).__name__ == "SkipTest":
            print("SKIP", exc)
            sys.exit(0)
        if hasattr(sys, "print_exception"):
            sys.print_exception(exc)
        else:
            import traceback
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        sys.exit(1)
    print("PASS", test_name)
    sys.exit(0)


main()
