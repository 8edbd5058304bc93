"""The instructor dashboard (demo/dashboard.ipynb) served by Voila and driven in a real chromium.

One test, in order: the dashboard renders with no code; the params explorer shows llmcalc's count of
the start preset; the ONE preset picker at the top moves every explorer to another model (params total
and the 405B tab's memory figure, in its Memory view, equal llmcalc's); a slider moved with the keyboard changes the total to
llmcalc's count for the new shape; the language toggle rebuilds the explorers in Chinese and keeps
the values. Voila runs on 127.0.0.1 at a free port with temporary Jupyter dirs and is always stopped.
conftest.py skips these tests without chromium/Playwright (fails them with REQUIRE_BROWSER=1) and
provides the session's ``browser`` and the ``artifacts`` folder; Playwright is not imported here.
"""

from __future__ import annotations

import re
import time

import pytest

import llmcalc
from llmcalc import memory as mem

from . import _jupyter as J
from ._dashboard import serve_dashboard

START, OTHER = "llama-3.1-405b", "llama-3-70b"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    with serve_dashboard(tmp_path_factory.mktemp("voila")) as base:
        yield base


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        yield pg
    finally:
        context.close()


def wait_text(locator, pattern: str, timeout: float = 30.0) -> str:
    """Poll ``locator``'s text until ``pattern`` is found in it; return the text (assert with it if not)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = locator.inner_text().replace("\xa0", " ")
        if re.search(pattern, text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not shown within {timeout}s; shown: {text!r}")


def wait_equal(get, expected, what: str, timeout: float = 30.0):
    """Poll ``get()`` until it returns ``expected`` (the kernel updates the views one message at a time)."""
    deadline = time.monotonic() + timeout
    while (got := get()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert got == expected, f"{what}: {got!r} != {expected!r}"


def total_pattern(n: int, name: str = "total params") -> str:
    # the explorer's format: the name, then the count with thousands separators
    return rf"{name}:\s*{re.escape(f'{n:,}')}(\s|$)"


def selected(page, box: str) -> str:
    """The model chosen in the explorer preset dropdown(s) inside tab box ``box`` (hidden tabs included)."""
    return page.eval_on_selector_all(
        f".demo-{box} .widget-dropdown select",
        "els => els.filter(e => [...e.options].some(o => o.text === 'deepseek-v3'))"
        ".map(e => e.options[e.selectedIndex].text).join(',')")


def test_dashboard_preset_picker_slider_and_language(page, voila_url, artifacts):
    page.goto(voila_url, timeout=TIMEOUT_MS)
    summary = page.locator(".demo-params .demo-summary")
    summary.wait_for(state="visible", timeout=TIMEOUT_MS)

    # no code on the page, five tabs, the start preset counted exactly
    assert page.locator(".CodeMirror, .cm-editor, .highlight").count() == 0
    assert "import" not in page.locator("body").inner_text()
    assert page.locator(".lm-TabBar-tab").count() == 5
    wait_text(summary, total_pattern(llmcalc.param_count(llmcalc.preset(START))))

    # the ONE picker at the top sets every explorer's preset
    page.select_option(".demo-preset select", label=OTHER)
    cfg = llmcalc.preset(OTHER)
    wait_text(summary, total_pattern(llmcalc.param_count(cfg)))
    for box in ("params", "flops", "memory", "sharding", "plan"):   # the 405B tab shows one of its three views
        wait_equal(lambda: selected(page, box), OTHER, f"preset in the {box} tab")
    # the 405B-plan tab keeps its layout (TP8/PP16/DP128, ZeRO-1, T=8192) for the new model
    plan_gb = mem.training_bytes_per_device(cfg, 1, 8192, regime="mixed", zero_stage=1, dp=128, tp=8, pp=16,
                                            sp=True, recompute="selective")["total"] / 1e9
    page.locator(".lm-TabBar-tab").nth(4).click()
    page.locator(".demo-plan-view button").nth(1).click()           # its Memory view
    wait_text(page.locator(".demo-plan .demo-summary"), rf"total GB/device:\s*{re.escape(f'{plan_gb:,.1f}')}\s")
    page.locator(".lm-TabBar-tab").nth(0).click()

    # a slider moved from the keyboard: L → L + 1, the total follows llmcalc
    slider = page.locator(".demo-params .widget-slider").filter(
        has=page.locator("label.widget-label", has_text=re.compile(r"^L \(layers\)$")))
    assert slider.count() == 1
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    wait_text(slider.locator(".widget-readout"), rf"^{cfg.L + 1}$")
    wait_text(summary, total_pattern(llmcalc.param_count(cfg.replace(L=cfg.L + 1))))
    page.screenshot(path=str(artifacts / "demo-dashboard.png"), full_page=True)

    # English/中文: the explorers are rebuilt with Chinese labels and keep the model and the slider value
    page.get_by_role("button", name="中文").click()
    wait_text(page.locator(".lm-TabBar-tab").first, "参数")
    wait_text(summary, total_pattern(llmcalc.param_count(cfg.replace(L=cfg.L + 1)), "总参数量"))
    wait_equal(lambda: selected(page, "params"), OTHER, "preset after the language switch")
    page.screenshot(path=str(artifacts / "demo-dashboard-zh.png"), full_page=True)
