# Freeze the library into MicroPython firmware: its bytecode then runs from
# flash and importing it costs almost no heap.  This manifest freezes the
# library alone, so it works as FROZEN_MANIFEST on any port:
#
#   make -C ports/unix FROZEN_MANIFEST=/path/to/this/repo/manifest.py
#
# A board keeps its port's own frozen modules (on ESP32 these set up the
# filesystem at boot) with a board manifest of its own that includes both;
# the README's "Freezing the library into ESP32 firmware" shows one.  Every
# module in lib/ and ports/micropython/ is listed; tests/test_packaging.py
# checks that.

metadata(description="Kamaelia's component model (Axon) for MicroPython", version="0.1.0")

package("Axon", base_path="lib")
package("Kamaelia", base_path="lib")
module("axonport.py", base_path="ports/micropython")
module("axonport_more.py", base_path="ports/micropython")
module("wifi.py", base_path="ports/micropython")
