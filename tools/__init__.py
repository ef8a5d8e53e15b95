"""The developer tools: tests, benchmarks, measurements and the way onto a
board.  Each tool runs by its path (``python tools/bench.py``, or its bash
wrapper: ``tools/bench``) and is imported by the tests as ``tools.<name>``.

Run on the host:
    interpreters      where micropython, the ESP32-like build and mpremote are;
                      MICROPYPATH/PYTHONPATH for the library; the board scripts
    by_path           lets a tool run by its path import ``tools.<name>``
    bench             the benchmarks, both runtimes side by side (tools/bench)
    footprint         heap that importing the library keeps, on the unix port
    extras_cost       what the client's unused extras (TLS, statistics) cost
    min_heap          the smallest heap for the seed example (tools/min-heap)
    esp32like         builds the ESP32-like MicroPython (tools/esp32like)
    virtual_board     a MicroPython REPL on a pty, for mpremote (tools/virtual-board)
    deploy            copies the library onto a board (tools/deploy)
    onboard           what the demo and the tests ask a board to do
    demo              the main job: the seed example on a board (tools/demo)
    package_json      writes package.json for mip (tools/package-json)
    sink              a TCP sink that counts and checksums what it gets

Run on either runtime (or a board), with the library on the path:
    seed_example      the seed document's example: a file to a TCP server
    datasource_example  20000 small messages through DataSource and TCPClient
    bench_client      the client side of one benchmark
    handoff_bench     what a thread hand-off costs
    board_scripts/    programs the tools hand to MicroPython (-c, mpremote exec)
"""
