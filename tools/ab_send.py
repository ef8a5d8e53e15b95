"""Client against raw sendall at one message size, the two taking turns:

    python tools/ab_send.py SIZE COUNT RUNS [cpython|micropython|esp32like]

Runs ``tools/bench_client.py send-client`` and ``send-raw`` RUNS times
each, alternating, against the bench's sink server, and prints every
run's stream rate (MB/s, the server's first to last byte), the medians,
and the ratio of the medians.  For A/B comparisons of a change: run it
on each checkout in turn (tools/bench's figures are best-of-N).
"""

import statistics
import sys

if not __package__:             # run by path: python tools/ab_send.py
    import by_path  # noqa: F401
from tools import bench         # noqa: E402


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    size, count, runs = int(argv[1]), int(argv[2]), int(argv[3])
    runtime = argv[4] if len(argv) > 4 else "cpython"
    rates = {"send-client": [], "send-raw": []}
    for _ in range(runs):
        for mode in rates:
            server = bench.Server("sink")
            bench.run_once(runtime, mode, server, size, count)
            server.done.wait(10)
            rates[mode].append(server.count / (server.last - server.first) / 1e6)
    for mode, found in rates.items():
        found.sort()
        print("%-12s %6d B %-12s %s  median %.0f" % (runtime, size, mode,
              "/".join("%.0f" % r for r in found), statistics.median(found)))
    print("ratio of the medians: %.2f" % (statistics.median(rates["send-client"]) /
                                          statistics.median(rates["send-raw"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
