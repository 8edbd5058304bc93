"""Benchmarks (make bench): medians and percentiles, never asserted in tests.

Prints a table, then as its last line one JSON object with the headline figures.
    import_ms                 median wall time of `python -c "import llmcalc"` minus `python -c pass`
    explorer_update_ms_p95    the worst explorer's p95 time from a control change to updated output
    explorer_update_ms        {explorer: {"median": ..., "p95": ...}}
    book_execute_s            executing every chapter (all editions) with tools/build_chapters.py's kernel
Pass --quick to skip executing the chapters.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def import_ms(repeats=15):
    def run(code):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t
    base = statistics.median(run("pass") for _ in range(repeats))
    full = statistics.median(run("import llmcalc") for _ in range(repeats))
    return 1e3 * (full - base)


def explorer_times(rounds=3):
    import inspect

    from llmcalc import widgets

    out = {}
    for name, factory in inspect.getmembers(widgets, inspect.isfunction):
        if not name.endswith("_explorer"):
            continue
        ex = factory()
        times = []
        for _ in range(rounds):
            for key, ctl in ex.controls.items():
                if key == "preset":
                    continue
                for value in _moves(ctl):
                    t = time.perf_counter()
                    ctl.value = value
                    times.append(time.perf_counter() - t)
        out[name] = {"median": 1e3 * statistics.median(times), "p95": 1e3 * pct(times, 0.95), "n": len(times)}
    return out


def _moves(ctl):
    """A few values a student would move this control to, and back to where it was."""
    start = ctl.value
    if hasattr(ctl, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in ctl.options]
        return [o for o in opts[:4] if o != start] + [start]
    if isinstance(start, bool):
        return [not start, start]
    step = getattr(ctl, "step", 1) or 1
    lo, hi = ctl.min, ctl.max
    vals = [v for v in (start + step, start + 2 * step, start - step) if lo <= v <= hi]
    return vals + [start]


def book_seconds():
    """Execute every chapter (all editions) in a fresh kernel each, writing nothing."""
    from build_chapters import execute, sources

    t0 = time.perf_counter()
    for p in sources([]):
        execute(p)
    return time.perf_counter() - t0


def main(argv):
    results = {"import_ms": round(import_ms(), 1)}
    ex = explorer_times()
    results["explorer_update_ms"] = {k: {"median": round(v["median"], 1), "p95": round(v["p95"], 1)} for k, v in ex.items()}
    results["explorer_update_ms_p95"] = round(max(v["p95"] for v in ex.values()), 1) if ex else None
    if "--quick" not in argv:
        results["book_execute_s"] = round(book_seconds(), 1)
    print(f"{'measure':40s} {'median':>10s} {'p95':>10s}")
    print(f"{'import llmcalc (ms)':40s} {results['import_ms']:10.1f}")
    for k, v in ex.items():
        print(f"{k + ' update (ms)':40s} {v['median']:10.1f} {v['p95']:10.1f}")
    if "book_execute_s" in results:
        print(f"{'execute all chapters (s)':40s} {results['book_execute_s']:10.1f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
