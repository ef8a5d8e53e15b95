"""What the host asks a board to do through mpremote, for the demo and the
tests: join WiFi, write a data file, run the seed example.

All of it goes through deploy.Device (every call has a deadline and fails
with DeployError).  The data file is written on the board from its own
random numbers, and the board reports its SHA-256: that is the reference
the server's checksum is compared with (copying 1 MB over a real board's
UART would take minutes; writing it there takes seconds).

The seed example runs by importing seed_example (deployed to the board's
root by the demo, as .mpy or .py) with sys.argv set, because mpremote
cannot pass arguments to a script; its sys.exit() is caught on the board
so the board stays at its REPL.  The last line it prints is
"EXIT <status>".  The programs for the board are in tools/board_scripts/;
each deletes what it defines (interpreters.board_call): the REPL's
globals outlive each mpremote call and would hold the heap.
"""

import re
import subprocess

from tools.interpreters import board_call

JOIN_WIFI = """
import wifi
print('WIFI', wifi.connect(%r, %r, %r))
del wifi
"""


def make_file(device, name, size, timeout=120):
    """Write ``size`` random bytes to ``name`` on the board; their SHA-256."""
    out = device.exec(board_call("make_file", name, size), timeout=timeout,
                      what="writing %d bytes to %s" % (size, name))
    m = re.search(r"^FILE (\d+) ([0-9a-f]{64})", out, re.M)
    if not m or int(m.group(1)) != size:
        raise RuntimeError("the board did not write %s: %r" % (name, out[-500:]))
    return m.group(2)


def join_wifi(device, ssid, password, timeout=30):
    """The board's address on the network, or DeployError with the board's
    own WifiError message."""
    out = device.exec(JOIN_WIFI % (ssid, password, timeout), timeout=timeout + 15,
                      what="joining WiFi %r" % ssid)
    return out.split("WIFI", 1)[1].strip()


def start_seed(device, host, port, name, rate):
    """Start the seed example on the board; a Popen of the mpremote call,
    whose stdout (text) carries the board's output."""
    return start_example(device, "seed_example", [host, str(port), name, str(rate)])


def start_example(device, module, args):
    """Start an example script deployed to the board's root as ``module``
    with ``args``; a Popen of the mpremote call (stdout: the board's output)."""
    cmd = [device.mpremote, "connect", device.port, "resume", "exec",
           board_call("run_seed", [module] + list(args), module)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def seed_result(output):
    """(exit status, the example's own line: "OK <bytes>" or "ERROR ...")."""
    status = re.findall(r"^EXIT (\S+)", output, re.M)
    said = [l for l in output.splitlines() if l.startswith(("OK ", "ERROR"))]
    return (int(status[-1]) if status and status[-1].isdigit() else None,
            said[-1] if said else output.strip()[-500:])
