"""Execute chapter sources (py:percent) into stored notebooks with outputs, for nbval.

    python tools/build_chapters.py                 # every chapters/**/*.py
    python tools/build_chapters.py chapters/01_params.py

The .py file is the source you edit. This reads it, runs every cell in a fresh kernel from this
environment (cwd = the chapter's folder), drops per-cell timing metadata, refuses to store a notebook
with an error output, and writes the paired .ipynb next to it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def sources(args):
    if args:
        return [Path(a).resolve() for a in args]
    return sorted(p for p in (ROOT / "chapters").rglob("*.py") if p.name[:2].isdigit())


def execute(py: Path):
    """Run a chapter source in a fresh kernel; return the executed notebook (nothing is written)."""
    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(py.parent)}},
                            record_timing=False)
    client.execute()
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise SystemExit(f"{py.name}: cell {i} raised {out.get('ename')}: {out.get('evalue')}")
    nb.metadata.pop("widgets", None)  # widget state is per-run noise; the kernel rebuilds it
    return nb


def build(py: Path) -> float:
    """Execute a chapter source and write its paired notebook; return the seconds it took."""
    t0 = time.perf_counter()
    nb = execute(py)
    jupytext.write(nb, py.with_suffix(".ipynb"), fmt="ipynb")
    jupytext.write(nb, py, fmt="py:percent")  # keeps the header's pairing metadata in step
    return time.perf_counter() - t0


if __name__ == "__main__":
    total = 0.0
    for py in sources(sys.argv[1:]):
        dt = build(py)
        total += dt
        print(f"{py.relative_to(ROOT)}: executed in {dt:.1f} s")
    print(f"all: {total:.1f} s")
