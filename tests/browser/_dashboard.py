"""Helpers for the dashboard's browser tests and its latency benchmark (tools/bench.py).

Nothing here imports Playwright at module level.

- ``serve_dashboard(tmp)``: Voila serving a copy of demo/dashboard.ipynb on 127.0.0.1 at a free port, as a
  context manager yielding the base URL (the server is always stopped).
- ``open_dashboard(browser, url, width, height)``: a new page at that viewport, waited until the first tab
  shows its numbers and plot.
- ``measure_latency(page, scope, act, done)``: milliseconds from the user's event (keydown or change,
  captured in the page) to the LAST change under ``scope`` (a MutationObserver's last callback once the
  page has been quiet for 400 ms).
- ``explorer_latencies(page, box, rounds)``: every slider of the explorer in tab ``box`` moved right and back
  with the keyboard, and every dropdown to its next option and back; one latency per event.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from pathlib import Path

from . import _jupyter as J

DASHBOARD = J.REPO / "demo" / "dashboard.ipynb"
TIMEOUT_MS = 120_000
QUIET_MS = 400

_OBSERVER = """(sel) => {
  const root = document.querySelector(sel);
  window.__llmLast = 0; window.__llmEvent = 0; window.__llmCount = 0;
  if (window.__llmObserver) window.__llmObserver.disconnect();
  window.__llmObserver = new MutationObserver(() => { window.__llmLast = performance.now(); window.__llmCount++; });
  window.__llmObserver.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  if (!window.__llmListening) {
    window.__llmListening = true;
    for (const kind of ['keydown', 'change', 'click'])
      document.addEventListener(kind, () => { window.__llmEvent = performance.now(); window.__llmLast = 0;
                                               window.__llmCount = 0; }, true);
  }
}"""


@contextlib.contextmanager
def serve_dashboard(tmp: Path):
    tmp = Path(tmp)
    nb = tmp / "dashboard.ipynb"
    shutil.copy(DASHBOARD, nb)  # serve a copy: nothing can write next to the tracked notebook
    port = J.free_port()
    cmd = [sys.executable, "-m", "voila", str(nb), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    base = f"http://127.0.0.1:{port}/"
    # poll a static file: a GET of "/" would execute the notebook in a kernel each time
    proc = J.start_server(cmd, J.isolated_env(tmp), base + "voila/static/favicon.ico", tmp / "voila.log",
                          cwd=tmp, timeout=90)
    try:
        yield base
    finally:
        J.stop_server(proc)


def open_dashboard(browser, url: str, width: int = 1280, height: int = 720, **context_args):
    context = browser.new_context(viewport={"width": width, "height": height}, **context_args)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, timeout=TIMEOUT_MS)
    page.locator(".demo-params .demo-summary").wait_for(state="visible", timeout=TIMEOUT_MS)
    page.locator(".demo-params img.llm-plot").wait_for(state="visible", timeout=TIMEOUT_MS)
    return context, page


def measure_latency(page, scope: str, act, timeout: float = 30.0) -> float:
    """Run ``act()`` (a keyboard or select action) and return ms from its event to the last DOM change
    under ``scope``, waiting until nothing has changed for QUIET_MS. Raises if nothing changed."""
    page.evaluate(_OBSERVER, scope)
    act()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event, last, now = page.evaluate("() => [window.__llmEvent, window.__llmLast, performance.now()]")
        if event and last and now - last > QUIET_MS:
            return last - event
        time.sleep(0.05)
    raise AssertionError(f"no change under {scope!r} within {timeout}s of the event")


def select_tab(page, index: int) -> None:
    page.locator(".lm-TabBar-tab").nth(index).click()
    time.sleep(0.3)


def explorer_latencies(page, box: str, rounds: int = 1) -> list[float]:
    """Latencies (ms) of moving every visible control of the explorer inside ``.demo-{box}``."""
    scope = f".demo-{box} .llm-outputs"
    out = []
    sliders = page.locator(f".demo-{box} .llm-controls .widget-slider:visible")
    selects = page.locator(f".demo-{box} .llm-controls .widget-dropdown:visible select")
    for _ in range(rounds):
        for i in range(sliders.count()):
            handle = sliders.nth(i).locator(".noUi-handle")
            for key in ("ArrowRight", "ArrowLeft"):
                handle.focus()
                try:
                    out.append(measure_latency(page, scope, lambda: page.keyboard.press(key), timeout=5))
                except AssertionError:
                    pass   # at the end of its range: the key changes nothing
        for i in range(selects.count()):
            sel = selects.nth(i)
            options = sel.evaluate("e => [...e.options].map(o => o.value)")
            start = sel.evaluate("e => e.value")
            if len(options) < 2:
                continue
            other = options[(options.index(start) + 1) % len(options)]
            for value in (other, start):
                try:
                    out.append(measure_latency(page, scope, lambda: sel.select_option(value), timeout=5))
                except AssertionError:
                    pass   # an option that changes nothing shown (H100 -> H800: the same HBM)
    return out


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
