"""Constructor argument checks, shared so every component words them alike.

Each check returns the value it was given or raises at once, naming the
component, the argument and the bad value, so a mistake shows where it was
made instead of as a hang, or an odd error in a thread later:

- ``number(who, name, value, low=0, none=False)``: an int or float (not a
  bool) above ``low``; with ``none``, None passes too.
- ``at_least(who, name, value, low, none=False)``: a number of at least
  ``low``.
- ``count(who, name, value, low=1, none=False)``: an int (not a bool) of
  at least ``low``.
- ``text(who, name, value, none=False)``: a non-empty ``str``; another
  type is a ``TypeError``, an empty string a ``ValueError``.
- ``instance(who, name, value, kind, none=False)``: an instance of the
  class ``kind`` (a ``str`` may be empty here); another type is a
  ``TypeError``.
- ``opened(who, filename, mode)``: the file, opened; a ``filename`` that
  is not a str is a ``TypeError``, and a file that cannot be opened (a
  directory too, which MicroPython would open) an ``OSError`` with the
  same errno, naming the file (``axonport.open_file``).

A number argument that is not a number in range is a ``ValueError``, what
Python raises for a bad number and what this library always said for
ports, delays and rates.  The number checks are
``Axon.ThreadedComponent.checked``, which the modules a board imports for
the seed example call directly (this module's names would cost a small
heap more); it comes here for the words of a failure, ``bad_number``.
What this module uses is imported when it is called, so a component that
only checks a name's type loads nothing more.
"""


def bad_number(kind, name, value, low, whole, none):
    """The ValueError for a number argument that ``checked`` refused."""
    return ValueError("%s: %s must be %s %s%s, not %r" % (
        kind, name, "an int of at least" if whole else "a number above"
        if whole is False else "a number of at least", low,
        none and " (None: unset)" or "", value))


def number(who, name, value, low=0, none=False):
    from Axon.ThreadedComponent import checked
    checked(who, ((name, value, low, False, none),))
    return value


def at_least(who, name, value, low, none=False):
    from Axon.ThreadedComponent import checked
    checked(who, ((name, value, low, None, none),))
    return value


def count(who, name, value, low=1, none=False):
    from Axon.ThreadedComponent import checked
    checked(who, ((name, value, low, True, none),))
    return value


def instance(who, name, value, kind, none=False):
    if not (isinstance(value, kind) or (value is None and none)):
        raise TypeError("%s: %s must be a %s%s, not %r"
                        % (who, name, kind.__name__, " or None" if none else "", value))
    return value


def text(who, name, value, none=False):
    if value is None and none:
        return value
    if not isinstance(value, str):
        raise TypeError("%s: %s must be a str, not %r" % (who, name, value))
    if not value:
        raise ValueError("%s: %s must be a non-empty str, not ''" % (who, name))
    return value


def opened(who, filename, mode):
    from axonport import open_file
    text(who, "filename", filename)
    return open_file(filename, mode)
