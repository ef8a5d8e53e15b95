"""WiFi for an ESP32 (any MicroPython board with network.WLAN): join a
network within a deadline, or fail with an error that says why.

    import wifi
    address = wifi.connect("my-ssid", "my-password", timeout=20)

- Returns the board's IPv4 address once it has one.  Already connected
  to that network: returns at once, without reconnecting.
- Raises WifiError naming the network and the reason: wrong password,
  network not found, a failed association or handshake, or no address
  within ``timeout`` seconds.  On an error the station is disconnected, so
  the radio does not keep retrying in the background.
- A MicroPython without the ``network`` module (the unix port) raises
  WifiError at once.
- It waits by sleeping 100 ms between looks at the station's status (the
  WLAN driver offers nothing to block on); nothing runs after it returns.

Not imported by lib/: the library is transport-agnostic; boards call this
from their main.py (or from mpremote) before using sockets.
"""

import time

try:
    import network
except ImportError:
    network = None


class WifiError(OSError):
    pass


# Status names a driver may report once an attempt has definitely failed;
# ports differ in which of them they define, so look them up by name.
_FAILURES = (
    ("STAT_WRONG_PASSWORD", "wrong password"),
    ("STAT_NO_AP_FOUND", "network not found"),
    ("STAT_ASSOC_FAIL", "association failed"),
    ("STAT_HANDSHAKE_TIMEOUT", "handshake timed out (wrong password?)"),
    ("STAT_BEACON_TIMEOUT", "lost the access point's beacon"),
    ("STAT_CONNECT_FAIL", "connection failed"),
)


def _failure(status):
    for name, why in _FAILURES:
        if getattr(network, name, None) == status:
            return why
    return None


def _address(wlan):
    try:
        return wlan.ipconfig("addr4")[0]
    except (AttributeError, TypeError, ValueError, OSError):
        return wlan.ifconfig()[0]        # firmware before ipconfig()


def connect(ssid, password=None, timeout=20):
    """Join ``ssid``; the board's IPv4 address, or WifiError."""
    if network is None or not hasattr(network, "WLAN"):
        raise WifiError("no WiFi here: this MicroPython has no network.WLAN "
                        "(the unix port has none; run this on an ESP32)")
    if not ssid:
        raise WifiError("no network name (ssid) given")
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if wlan.isconnected():
        try:
            current = wlan.config("ssid")
        except (ValueError, OSError):
            current = None
        if current == ssid:
            return _address(wlan)
        wlan.disconnect()
    wlan.connect(ssid, password)
    deadline = time.ticks_add(time.ticks_ms(), int(timeout * 1000))
    status = None
    while not wlan.isconnected():
        status = wlan.status()
        why = _failure(status)
        if why is None and time.ticks_diff(deadline, time.ticks_ms()) <= 0:
            why = "no connection within %ss (status %r)" % (timeout, status)
        if why is not None:
            wlan.disconnect()
            raise WifiError("cannot join WiFi network %r: %s" % (ssid, why))
        time.sleep_ms(100)
    return _address(wlan)
