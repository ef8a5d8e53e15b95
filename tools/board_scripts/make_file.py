# tools/onboard.py runs this on the board through mpremote exec, followed by
# _make_file(name, size) (interpreters.board_call): size random bytes into
# name, and their SHA-256.
import os, hashlib, binascii
def _make_file(name, size):
    h = hashlib.sha256()
    with open(name, 'wb') as f:
        left = size
        while left > 0:
            b = os.urandom(1024 if left > 1024 else left)
            h.update(b)
            f.write(b)
            left -= len(b)
    print('FILE', os.stat(name)[6], binascii.hexlify(h.digest()).decode())
