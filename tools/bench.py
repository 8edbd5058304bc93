"""Benchmarks (make bench): medians and percentiles, never asserted in tests.

Prints a table, then as its last line one JSON object with the headline figures.
    import_ms                 median wall time of `python -c "import llmcalc"` minus `python -c pass`
    explorer_update_ms_p95    the worst explorer's p95 time from a control change to updated output
    explorer_update_ms        {explorer: {"median": ..., "p95": ...}}
    book_execute_s            executing every chapter (all editions) with tools/build_chapters.py's kernel
    planner_405b_h100_16k_s   median of one full llmcalc.planner.search: LLaMA 3.1-405B, 16,384 H100,
                              16·2^20-token batch, T = 8192 (all default options)
    planner_layouts_per_s     layouts evaluated per second over four full searches (405B on H100 and on
                              8 v5p pods, DeepSeek-V3 on 2048 H800, LLaMA 3-70B on a v5p pod), medians
    planner_one_layout_per_s  the same model asked one layout at a time (llmcalc.planner.layout), for scale
    browser_update_ms         the dashboard (demo/dashboard.ipynb under Voila) in headless chromium: for each
                              explorer, ms from the user's event (a key on a slider, a dropdown change) to the
                              LAST change of its outputs in the page (numbers, table, plot), every control moved
                              one step and back; {explorer: {"median", "p95", "n"}}
    browser_update_ms_p95     the worst explorer's p95 of those
    browser_model_switch_ms   the one model picker changed: ms to the last change in any tab ({"median", "p95", "n"})
Pass --quick to skip executing the chapters, --no-browser to skip the dashboard in chromium (skipped with a
note when chromium or Playwright is missing).
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
sys.path.insert(0, str(ROOT))      # tests.browser's helpers, for the dashboard in chromium


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
    if hasattr(ctl, "options") and hasattr(ctl, "index") and not hasattr(ctl, "rows") and type(ctl).__name__ == "SelectionSlider":
        opts = [o[1] if isinstance(o, tuple) else o for o in ctl.options]   # a slider of valid values: its neighbours
        i = opts.index(start)
        return [opts[j] for j in (i + 1, i + 2, i - 1) if 0 <= j < len(opts)] + [start]
    if hasattr(ctl, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in ctl.options]
        return [o for o in opts[:4] if o != start] + [start]
    if isinstance(start, bool):
        return [not start, start]
    step = getattr(ctl, "step", 1) or 1
    lo, hi = ctl.min, ctl.max
    vals = [v for v in (start + step, start + 2 * step, start - step) if lo <= v <= hi]
    return vals + [start]


BROWSER_VIEWS = (("params", 0, None), ("flops", 1, None), ("memory", 2, None), ("sharding", 3, None),
                 ("plan_flops", 4, 0), ("plan_memory", 4, 1), ("planner", 4, 2))
SWITCH_MODELS = ("qwen2-7b", "llama-3-70b", "mixtral-8x7b", "qwen2-57b-a14b", "deepseek-v3", "llama-3.1-405b")


def browser_figures(rounds=1):
    """Latency in the dashboard, measured in headless chromium (see tests/browser/_dashboard.py)."""
    import tempfile

    from tests.browser import _dashboard as D, _jupyter as J

    reason = J.browser_unavailable_reason()
    if reason:
        return {"browser_skipped": reason}
    from playwright.sync_api import sync_playwright

    per_view, switches = {}, []
    with tempfile.TemporaryDirectory() as tmp, D.serve_dashboard(Path(tmp)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=J.chromium_path(), args=J.CHROMIUM_ARGS, headless=True)
        try:
            context, page = D.open_dashboard(browser, url, 1280, 720)
            for name, tab, view in BROWSER_VIEWS:
                D.select_tab(page, tab)
                if view is not None:
                    page.locator(".demo-plan-view button").nth(view).click()
                    time.sleep(0.5)
                box = "plan" if tab == 4 else name
                per_view[name] = D.explorer_latencies(page, box, rounds=rounds)
            for tab, view in ((0, None), (4, 2)):           # from the first tab, and from the planner's view
                D.select_tab(page, tab)
                if view is not None:
                    page.locator(".demo-plan-view button").nth(view).click()
                    time.sleep(0.5)
                for model in SWITCH_MODELS:
                    switches.append(D.measure_latency(
                        page, ".widget-tab", lambda: page.select_option(".demo-preset select", model)))
            context.close()
        finally:
            browser.close()
    stats = lambda xs: {"median": round(statistics.median(xs), 1), "p95": round(pct(xs, 0.95), 1), "n": len(xs)}
    out = {"browser_update_ms": {k: stats(v) for k, v in per_view.items() if v}}
    out["browser_update_ms_p95"] = max(v["p95"] for v in out["browser_update_ms"].values())
    out["browser_model_switch_ms"] = stats(switches)
    return out


def book_seconds():
    """Execute every chapter (all editions) in a fresh kernel each, writing nothing."""
    from build_chapters import execute, sources

    t0 = time.perf_counter()
    for p in sources([]):
        execute(p)
    return time.perf_counter() - t0


PLANNER_CASES = [
    ("llama-3.1-405b", "H100", 16384, 16 * 2**20, 8192),
    ("llama-3.1-405b", "TPU v5p", 8 * 8960, 16 * 2**20, 8192),
    ("deepseek-v3", "H800", 2048, 3840 * 4096, 4096),
    ("llama-3-70b", "TPU v5p", 8960, 4 * 2**20, 8192),
]


def planner_figures(repeats=7):
    import llmcalc
    from llmcalc import planner

    def one(case):
        name, chip, n, batch, seq = case
        t = time.perf_counter()
        df = planner.search(llmcalc.preset(name), chip, n, batch, seq)
        return time.perf_counter() - t, df.attrs["evaluated"]

    one(PLANNER_CASES[0])  # warm up (imports numpy/pandas)
    rates, per_case = [], {}
    for case in PLANNER_CASES:
        runs = [one(case) for _ in range(repeats)]
        seconds = statistics.median(r[0] for r in runs)
        per_case[f"{case[0]} on {case[2]} {case[1]}"] = {"layouts": runs[0][1], "ms": round(1e3 * seconds, 1)}
        rates.append((runs[0][1], seconds))
    cfg = llmcalc.preset("llama-3.1-405b")
    singles = []
    for _ in range(repeats):
        t = time.perf_counter()
        for tp, pp in ((8, 16), (8, 8), (4, 16), (8, 32), (2, 16)):
            planner.layout(cfg, "H100", 16384, 16 * 2**20, 8192, tp=tp, pp=pp)
        singles.append((time.perf_counter() - t) / 5)
    return {
        "planner_405b_h100_16k_s": round(rates[0][1], 4),   # PLANNER_CASES[0], its median
        "planner_layouts_per_s": round(sum(n for n, _ in rates) / sum(s for _, s in rates)),
        "planner_one_layout_per_s": round(1 / statistics.median(singles)),
        "planner_searches": per_case,
    }


def main(argv):
    results = {"import_ms": round(import_ms(), 1)}
    results.update(planner_figures())
    ex = explorer_times()
    results["explorer_update_ms"] = {k: {"median": round(v["median"], 1), "p95": round(v["p95"], 1)} for k, v in ex.items()}
    results["explorer_update_ms_p95"] = round(max(v["p95"] for v in ex.values()), 1) if ex else None
    if "--no-browser" not in argv:
        results.update(browser_figures())
    if "--quick" not in argv:
        results["book_execute_s"] = round(book_seconds(), 1)
    print(f"{'measure':40s} {'median':>10s} {'p95':>10s}")
    print(f"{'import llmcalc (ms)':40s} {results['import_ms']:10.1f}")
    for k, v in results["planner_searches"].items():
        print(f"{'planner: ' + k + ' (ms)':40s} {v['ms']:10.1f}   {v['layouts']:,} layouts")
    print(f"{'planner: layouts per second':40s} {results['planner_layouts_per_s']:10,d}")
    print(f"{'planner: one layout at a time, per s':40s} {results['planner_one_layout_per_s']:10,d}")
    for k, v in ex.items():
        print(f"{k + ' update (ms)':40s} {v['median']:10.1f} {v['p95']:10.1f}")
    for k, v in results.get("browser_update_ms", {}).items():
        print(f"{'chromium: ' + k + ' event to output (ms)':40s} {v['median']:10.1f} {v['p95']:10.1f}")
    if "browser_model_switch_ms" in results:
        v = results["browser_model_switch_ms"]
        print(f"{'chromium: model switch, all tabs (ms)':40s} {v['median']:10.1f} {v['p95']:10.1f}")
    if "browser_skipped" in results:
        print(f"chromium benchmark skipped: {results['browser_skipped']}")
    if "book_execute_s" in results:
        print(f"{'execute all chapters (s)':40s} {results['book_execute_s']:10.1f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
