"""Constructor argument checks, shared so every component words them alike.

Each check returns the value it was given or raises at once, naming the
component, the argument and the bad value, so a mistake shows where it was
made instead of as a hang or an odd error in a thread later:

- ``number(who, name, value, low=0, strict=True, none=False)``: an int or
  float (not a bool) above ``low`` (``strict``) or at least ``low``; with
  ``none``, None passes too.  A number argument that is not a number in
  range is a ``ValueError`` (what Python raises for a bad number, and
  what this library always said for ports, delays and rates).
- ``count(who, name, value, low=1, none=False)``: an int (not a bool) of at
  least ``low``; ``ValueError`` otherwise.
- ``text(who, name, value, none=False)``: a non-empty ``str``; another
  type is a ``TypeError``, an empty string a ``ValueError``.
- ``opened(who, filename, mode)``: the file, opened; a ``filename`` that
  is not a str is a ``TypeError``, and a file that cannot be opened (also
  a directory, which MicroPython would open) an ``OSError`` with the
  same errno, naming the file.
"""

from axonport import open_file


def _bad(who, name, want, value):
    text = repr(value)
    if len(text) > 60:                  # a 100 000-character host, say
        text = text[:40] + "... (%d characters)" % len(text)
    return "%s: %s must be %s, not %s" % (who, name, want, text)


def number(who, name, value, low=0, strict=True, none=False):
    if value is None and none:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            value > low if strict else value >= low):
        raise ValueError(_bad(who, name, "a number %s %s%s" % (
            "above" if strict else "of at least", low, " or None" if none else ""), value))
    return value


def count(who, name, value, low=1, none=False):
    if value is None and none:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(_bad(who, name, "an int of at least %d%s"
                              % (low, " or None" if none else ""), value))
    return value


def text(who, name, value, none=False):
    if value is None and none:
        return value
    if not isinstance(value, str):
        raise TypeError(_bad(who, name, "a str", value))
    if not value:
        raise ValueError(_bad(who, name, "a non-empty str", value))
    return value


def opened(who, filename, mode):
    text(who, "filename", filename)
    try:
        return open_file(filename, mode)
    except OSError as exc:
        raise OSError(exc.args[0], "%s: cannot open %r: %s" % (who, filename, exc))
