"""Create the project's virtual environment if it is missing or stale; print nothing when it is fine.

Stale means: its python no longer runs (moved, or the interpreter it points to was removed) or it
was made by a different Python minor version than the one running this script. A stale venv is
removed and made again, so the next install step starts clean.
"""

import shutil
import subprocess
import sys
import venv
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv")
want = f"{sys.version_info.major}.{sys.version_info.minor}"
python = path / "bin" / "python"

if sys.version_info < (3, 10):
    sys.exit(f"llmcalc needs Python 3.10 or newer; {sys.executable} is {want}. Run: make lab PYTHON=python3.11")

reason = None
if not python.exists():
    reason = "missing" if not path.exists() else "broken (no bin/python)"
else:
    try:
        have = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError:
        have = ""
    if have != want:
        reason = f"stale (made by Python {have or 'that no longer runs'}, this is Python {want})"

if reason:
    print(f"{path}: {reason}; creating it with Python {want} ...", flush=True)
    if path.exists():
        shutil.rmtree(path)
    venv.EnvBuilder(with_pip=True).create(path)
