#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image of level @LEVEL@.
# It installs Python >= 3.11 with the kit, checks (and if needed installs) the Rust toolchain,
# and builds level 0's crate once so grading never downloads or compiles the dependencies.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
LEVEL="@LEVEL@"

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

PY=""
for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && python_ok "$candidate"; then PY="$candidate"; break; fi
done
if [ -z "$PY" ]; then
    apt-get update -q
    apt-get install -y -q python3.11 python3.11-venv python3.11-dev
    PY=python3.11
fi
apt-get install -y -q build-essential curl >/dev/null 2>&1 || true

"$PY" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet -e "$SOURCE"

if [ "$LEVEL" = "level0" ] || [ "$LEVEL" = "all" ]; then
    if ! command -v cargo >/dev/null; then
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        # shellcheck disable=SC1091
        . "$HOME/.cargo/env"
        ln -sf "$HOME/.cargo/bin/"* /usr/local/bin/ || true
    fi
    cargo --version
    rustc --version
    # Grade the stubs once with a filter that selects no test: this builds the crate (and
    # caches its dependencies) exactly as grading will.
    (cd "$SOURCE" && "$ROOT/venv/bin/python" grade.py level0 -k "prebuild_only_no_such_test" \
        --quiet >/dev/null) || true
fi
echo "teenygrad autograder for $LEVEL ready"
