# Freeze the library into MicroPython firmware: its bytecode then runs from
# flash and importing it costs almost no heap.  For an ESP32, from a
# MicroPython checkout:
#
#   cd ports/esp32
#   make BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/this/repo/manifest.py
#
# The first line keeps the port's own frozen modules (on ESP32 these set up
# the filesystem at boot); a board manifest of your own can instead
# include("/path/to/this/repo/manifest.py").  Every module in lib/ and
# ports/micropython/ is listed; tests/test_packaging.py checks that.

include("$(PORT_DIR)/boards/manifest.py")

metadata(description="Kamaelia's component model (Axon) for MicroPython", version="0.1.0")

package("Axon", base_path="lib")
package("Kamaelia", base_path="lib")
module("axonport.py", base_path="ports/micropython")
module("axonport_more.py", base_path="ports/micropython")
module("wifi.py", base_path="ports/micropython")
