# tools/deploy.py runs this on the board (ESP32 or unix port) through
# mpremote exec, followed by _sync(want, prune, twins) (interpreters.board_call).
# For little memory: no recursion worth the name (the tree is two levels
# deep), and it works without hashlib.
def _sync(want, prune, twins):
    import os
    try:
        import hashlib
    except ImportError:
        hashlib = None
    def isdir(p):
        try:
            return os.stat(p)[0] & 0x4000
        except OSError:
            return False
    def walk(d, out):
        for e in os.ilistdir(d):
            p = d + '/' + e[0]
            if e[1] == 0x4000:
                walk(p, out)
            else:
                out.append(p)
    removed = []
    for d in prune:
        if isdir(d):
            found = []
            walk(d, found)
            for p in found:
                if p not in want and (p.endswith('.py') or p.endswith('.mpy')):
                    os.remove(p)
                    removed.append(p)
    for p in twins:
        try:
            os.remove(p)
            removed.append(p)
        except OSError:
            pass
    print('SYNC-REMOVED', repr(removed))
    removed = None
    have = {}
    buf = bytearray(512)
    for p in want:
        part = ''
        for name in p.split('/')[:-1]:
            part = part + '/' + name if part else name
            if not isdir(part):
                os.mkdir(part)
        try:
            f = open(p, 'rb')
        except OSError:
            continue
        h = hashlib.sha256() if hashlib else None
        while h:
            n = f.readinto(buf)
            if not n:
                break
            h.update(buf if n == len(buf) else buf[:n])
        f.close()
        have[p] = h.digest() if h else None
    print('SYNC-HAVE', repr(have))
