"""The static edition (``make html``) with the network cut off, in headless chromium.

The site is built once into a temporary folder. Every request a page makes to anything but that folder
(``file://``) or the local test server is refused and recorded, and the browser context is offline.

- ``test_chapter_maths_renders_offline``: every chapter page of both editions, opened from disk: MathJax (the
  copy bundled into the build) typesets every formula (each TeX script has its rendered element, none is a
  MathJax error), the STIX web font it asks for loads, no raw TeX (``$…$``, ``\\frac``, ``\\cdot`` …) is left in
  the visible prose, and no request left the folder. One screenshot per edition goes to $BROWSER_ARTIFACTS.
- ``test_served_site_renders_offline``: the same for one page of each edition served over HTTP from 127.0.0.1
  (``python -m http.server``), as a reader hosting the folder would.

Run: REQUIRE_BROWSER=1 python -m pytest -q tests/browser/test_html_offline.py
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from ._jupyter import REPO, free_port, start_server, stop_server


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_html", REPO / "tools" / "build_html.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


B = _load_builder()

# Raw TeX that MathJax would have replaced: a $…$ span on one line, or a backslash command the chapters use.
RAW_TEX = re.compile(r"\$[^$\n]{1,300}\$|\\(?:frac|cdot|times|approx|le|ge|sum|text|mathrm|tfrac|lceil|rceil|"
                     r"underbrace|sqrt|left|right|quad)\b")
TYPESET_TIMEOUT_MS = 60_000

# After MathJax's start-up queue (which typesets the page) has run: what the page shows.
JS_STATE = """
async () => {
  await new Promise(resolve => MathJax.Hub.Queue(resolve));
  const scripts = [...document.querySelectorAll('script[type^="math/tex"]')];
  const rendered = scripts.filter(s => {
    const el = s.previousElementSibling;
    return el && (el.classList.contains('MathJax') || el.classList.contains('MathJax_Display'));
  });
  const errors = document.querySelectorAll('.MathJax_Error, .MathJax .merror, span.merror').length;
  const prose = [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')]
    .map(e => e.innerText).join('\\n');
  const fonts = [...document.fonts].filter(f => /STIX/i.test(f.family)).map(f => f.family + ':' + f.status);
  const html = MathJax.OutputJax && MathJax.OutputJax['HTML-CSS'];
  return {n_tex: scripts.length, n_rendered: rendered.length, errors, prose, fonts,
          font_in_use: html ? html.fontInUse : null, version: MathJax.version};
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    pages = B.build(out, quiet=True)
    return out, pages


@pytest.fixture()
def offline(browser):
    """A browser context that is offline and refuses (and records) every request outside the site."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    allowed_prefixes: list[str] = ["file://", "data:"]

    def handle(route):
        url = route.request.url
        if any(url.startswith(p) for p in allowed_prefixes):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", handle)
    try:
        yield context, refused, allowed_prefixes
    finally:
        context.close()


def _check_page(page, url: str, label: str, refused: list[str]) -> dict:
    page.goto(url, wait_until="load")
    page.wait_for_function("window.MathJax && window.MathJax.isReady === true", timeout=TYPESET_TIMEOUT_MS)
    state = page.evaluate(JS_STATE)
    assert state["version"].startswith("2.7"), label
    assert state["n_tex"] > 0, f"{label}: no formula found by MathJax"
    assert state["n_rendered"] == state["n_tex"], f"{label}: {state['n_tex'] - state['n_rendered']} formulas not typeset"
    assert state["errors"] == 0, f"{label}: {state['errors']} MathJax errors"
    left = RAW_TEX.findall(state["prose"])
    assert not left, f"{label}: raw TeX left in the prose: {left[:5]}"
    assert state["font_in_use"] == "STIX-Web", f"{label}: MathJax font {state['font_in_use']!r}"
    assert any(f.endswith(":loaded") for f in state["fonts"]), f"{label}: no STIX web font loaded: {state['fonts']}"
    assert not refused, f"{label}: requests outside the site: {refused[:5]}"
    return state


def test_chapter_maths_renders_offline(site, offline, artifacts):
    out, pages = site
    context, refused, _ = offline
    context.set_offline(True)
    page = context.new_page()
    counts = {}
    for lang, items in pages.items():
        for i, p in enumerate(items):
            state = _check_page(page, (out / p.out).resolve().as_uri(), str(p.out), refused)
            counts[str(p.out)] = state["n_tex"]
            if i == 0:
                page.screenshot(path=str(artifacts / f"html-offline-{lang}.png"))
    assert len(counts) == sum(len(v) for v in pages.values())
    for lang in ("en", "zh"):   # the notation page writes its symbols in TeX too
        notation = next(o for src, o in B.DOCS[lang] if src.name.startswith("notation"))
        _check_page(page, (out / notation).resolve().as_uri(), str(notation), refused)
    page.close()


def test_served_site_renders_offline(site, offline, tmp_path):
    out, pages = site
    context, refused, allowed = offline
    port = free_port()
    origin = f"http://127.0.0.1:{port}/"
    server = start_server([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                           "--directory", str(out)], env=None, url=origin + "index.html",
                          log_path=tmp_path / "http.log")
    try:
        allowed.append(origin)
        page = context.new_page()
        for lang, items in pages.items():
            p = items[0]
            _check_page(page, origin + p.out.as_posix(), f"http {p.out}", refused)
        page.close()
    finally:
        stop_server(server)
