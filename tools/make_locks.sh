#!/usr/bin/env bash
# Regenerate requirements/lab-pyX.Y.lock for each Python given (default: 3.10 3.11 3.12 3.13 from pyenv).
set -euo pipefail
cd "$(dirname "$0")/.."
for v in "${@:-3.10 3.11 3.12 3.13}"; do
  for ver in $v; do
    py=$(ls -d /root/.pyenv/versions/$ver.*/bin/python3 2>/dev/null | head -1 || true)
    [ -n "$py" ] || py=$(command -v python$ver)
    tmp=$(mktemp -d)
    "$py" -m venv "$tmp/v"
    "$tmp/v/bin/pip" install -q --disable-pip-version-check -r requirements/top-level.txt
    { echo "# pinned by tools/make_locks.sh for Python $ver"; "$tmp/v/bin/pip" freeze --all | grep -v '^pip=='; } > requirements/lab-py$ver.lock
    rm -rf "$tmp"
    echo "requirements/lab-py$ver.lock: $(grep -c == requirements/lab-py$ver.lock) pins"
  done
done
