# tools/onboard.py runs this on the board through mpremote exec, followed by
# _run_seed(argv[, module]) (interpreters.board_call): the seed example (or
# another example script), deployed to the board's root, imported with
# sys.argv set (mpremote passes no arguments to a script), its sys.exit()
# caught so the board stays at its REPL.
def _run_seed(argv, module='seed_example'):
    import sys
    sys.argv[:] = argv
    sys.modules.pop(module, None)
    try:
        __import__(module)
    except SystemExit as e:
        print('EXIT', e.args[0] if e.args else 0)
    sys.modules.pop(module, None)
