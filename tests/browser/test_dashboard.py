"""The presenter dashboard (demo/dashboard.ipynb, `make demo`) in a real chromium: one test per claim of
issue 12's "A dashboard you can project" and of the dashboard's Chinese text.

Voila serves a copy of the notebook on 127.0.0.1 (tests/browser/_dashboard.py); each test opens its own page
(a fresh kernel). Expected numbers come from llmcalc itself (the dashboard must show what the library says)
and, where a test says so, from hand arithmetic. conftest.py skips these tests without chromium/Playwright
(fails them with REQUIRE_BROWSER=1). Screenshots go to the artifacts folder.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import time

import pytest

import llmcalc
from llmcalc import memory as mem

from . import _dashboard as D

START = "llama-3.1-405b"
TABS = ("params", "flops", "memory", "sharding", "plan")
PLAN_VIEWS = ("Time", "Memory", "Best layouts")


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with D.serve_dashboard(tmp_path_factory.mktemp("voila-dashboard")) as base:
        yield base


@pytest.fixture()
def open_page(browser):
    contexts = []

    def _open(width=1280, height=720, **kw):
        context, page = D.open_dashboard(browser, kw.pop("url"), width, height, **kw)
        contexts.append(context)
        return page
    try:
        yield _open
    finally:
        for c in contexts:
            c.close()


def wait_for(get, ok, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = get()
        if ok(value):
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: last seen {value!r}")


def text(locator) -> str:
    return locator.inner_text().replace("\xa0", " ")


def views(page):
    """Every (tab index, plan view or None) of the dashboard, selecting each in turn."""
    for i, tab in enumerate(TABS):
        D.select_tab(page, i)
        if tab != "plan":
            yield tab, None
            continue
        for view in PLAN_VIEWS:
            page.locator(".demo-plan-view button").nth(PLAN_VIEWS.index(view)).click()
            time.sleep(0.5)
            yield tab, view


_GEOMETRY = """(tab) => {
  const box = document.querySelector('.demo-' + tab);
  const visible = e => e && e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden';
  const pick = sel => [...box.querySelectorAll(sel)].filter(visible)[0];
  const r = e => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width, height: b.height}; };
  const img = pick('img.llm-plot'), controls = pick('.llm-controls'), summary = pick('.llm-summary');
  // the SVG drawn inside the <img> (object-fit: contain): its rendered width
  const ib = img.getBoundingClientRect();
  const scale = Math.min(ib.width / img.naturalWidth, ib.height / img.naturalHeight);
  const small = [];
  const walker = document.createTreeWalker(document.querySelector('.demo-root'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, e = n.parentElement;
    if (!n.textContent.trim() || !visible(e) || e.closest('style')) continue;
    const b = e.getBoundingClientRect();
    if (b.width === 0 || b.bottom < 0 || b.top > innerHeight) continue;
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (size < 18) small.push([n.textContent.trim().slice(0, 30), size]);
  }
  return {img: r(img), drawn_width: img.naturalWidth * scale, controls: r(controls), summary: r(summary),
          src: img.src, small, vw: innerWidth, vh: innerHeight,
          scroll_width: document.scrollingElement.scrollWidth};
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_presenter_layout_fits_the_screen_with_large_text_and_sharp_plots(open_page, url, artifacts, size):
    page = open_page(*size, url=url)
    for tab, view in views(page):
        where = f"{tab}/{view}" if view else tab
        page.locator(f".demo-{tab} img.llm-plot:visible").first.wait_for(state="visible")
        time.sleep(0.3)
        g = page.evaluate(_GEOMETRY, tab)
        # controls beside the plot, not above it
        assert g["controls"]["right"] <= g["img"]["left"], (where, g["controls"], g["img"])
        # plot and headline numbers on screen without scrolling, nothing wider than the screen
        assert 0 <= g["summary"]["top"] and g["summary"]["bottom"] <= g["vh"], (where, g["summary"])
        assert g["img"]["bottom"] <= g["vh"] and g["img"]["right"] <= g["vw"], (where, g["img"], g["vh"])
        assert g["scroll_width"] <= g["vw"], where
        # every visible text at least 18 px; the plot's 13 pt text is 18 px when its 520 px-wide SVG is drawn
        # at least 520 px wide (13 / 72 in × 100 px/in = 18.06 px)
        assert not g["small"], (where, g["small"][:5])
        assert g["drawn_width"] >= 520, (where, g["drawn_width"])
        # sharp at any zoom or pixel density: the plot is vector (SVG), not a stretched bitmap
        kind = page.evaluate("src => fetch(src).then(r => r.blob()).then(b => b.type)", g["src"])
        assert kind == "image/svg+xml", (where, kind)
        page.screenshot(path=str(artifacts / f"dashboard-{size[0]}-{where.replace('/', '-').replace(' ', '')}.png"))


def test_valid_values_follow_the_model_and_an_error_replaces_the_plot_without_a_jump(open_page, url):
    page = open_page(url=url)
    D.select_tab(page, 2)
    memory = page.locator(".demo-memory")
    tp = memory.locator(".llm-control-tp .widget-readout")
    assert text(tp) == "8"
    # every control says what its symbol means on hover (the title attribute), and its name carries the unit
    tip = lambda k: memory.locator(f".llm-control-{k}").evaluate(
        "e => e.title || [...e.querySelectorAll('[title]')].map(x => x.title).find(t => t && t !== 'null') || ''")
    assert "tensor-parallel degree" in tip("tp")
    assert memory.locator(".llm-control-seq_len .widget-label").inner_text() == "T (tokens)"
    # (ipywidgets 8.1 renders no tooltip on a Dropdown: the precision, recompute and chip pickers have none)
    missing = [k for k in ("L", "D", "F", "N", "K", "V", "micro_batch", "seq_len", "zero_stage", "dp", "tp", "pp", "sp")
               if not tip(k)]
    assert not missing, missing
    # Qwen2-7B: 28 heads, 4 KV heads, MLP 18944 = 2^9·37, so TP ∈ {1, 2, 4} (by hand); TP 8 moves to 4 and
    # the memory tab shows llmcalc's number instead of "tp must divide N"
    page.select_option(".demo-preset select", "qwen2-7b")
    wait_for(lambda: text(tp), lambda t: t == "4", "TP for qwen2-7b")
    expected = mem.training_bytes_per_device(llmcalc.preset("qwen2-7b"), 1, 4096, regime="mixed", zero_stage=1,
                                             dp=64, tp=4, pp=4, sp=True, recompute="selective")["total"] / 1e9
    wait_for(lambda: text(memory.locator(".llm-summary")), lambda t: f"total GB/device: {expected:,.1f}" in t,
             "qwen2-7b memory")
    page.select_option(".demo-preset select", "qwen2-57b-a14b")
    wait_for(lambda: memory.locator(".llm-control-preset select").evaluate("e => e.value"),
             lambda v: v == "qwen2-57b-a14b", "memory tab's model")
    wait_for(lambda: text(memory.locator(".llm-summary")), lambda t: "total GB/device" in t and "⚠" not in t,
             "qwen2-57b-a14b memory")

    # an error (E = 1 routed expert with k = 0 active) replaces the plot; nothing moves; fixing it brings it back
    D.select_tab(page, 0)
    page.select_option(".demo-preset select", START)
    params = page.locator(".demo-params")
    wait_for(lambda: text(params.locator(".llm-summary")), lambda t: "405,853,388,800" in t, "405B count")
    before = page.evaluate("() => [document.querySelector('.demo-params .llm-plot-area').getBoundingClientRect().top,"
                           " document.querySelector('.demo-params .llm-table').getBoundingClientRect().top, scrollY]")
    params.locator(".llm-control-E .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    panel = params.locator(".llm-plot-error")
    panel.wait_for(state="visible")
    assert "k must be" in text(panel)
    assert params.locator("img.llm-plot").evaluate("e => getComputedStyle(e).visibility") == "hidden"
    assert "405,853,388,800" not in text(params.locator(".llm-summary"))      # no stale number on show
    after = page.evaluate("() => [document.querySelector('.demo-params .llm-plot-area').getBoundingClientRect().top,"
                          " document.querySelector('.demo-params .llm-table').getBoundingClientRect().top, scrollY]")
    assert after[0] == before[0] and after[2] == before[2], (before, after)   # the plot's place and the scroll stay
    page.keyboard.press("ArrowLeft")
    panel.wait_for(state="hidden")
    wait_for(lambda: params.locator("img.llm-plot").evaluate("e => getComputedStyle(e).visibility"),
             lambda v: v == "visible", "plot back")


def _selected_models(page):
    return page.eval_on_selector_all(".llm-control-preset select", "els => els.map(e => e.value)")


def upload(page, path):
    """Choose ``path`` in the Load button's file dialog (ipywidgets' FileUpload keeps its <input> off the page)."""
    with page.expect_file_chooser() as chooser:
        page.locator(".demo-load").click()
    chooser.value.set_files(str(path))


def test_one_picker_drives_every_tab_reset_save_and_load(open_page, url, tmp_path):
    page = open_page(url=url)
    page.select_option(".demo-preset select", "mixtral-8x7b")
    total = llmcalc.param_count(llmcalc.preset("mixtral-8x7b"))
    assert total == 46_702_792_704                           # docs/references.md, from transformers
    wait_for(lambda: text(page.locator(".demo-params .llm-summary")), lambda t: f"{total:,}" in t, "mixtral count")
    for tab, view in views(page):                            # every explorer, each tab and 405B view opened
        wait_for(lambda: set(_selected_models(page)), lambda s: s == {"mixtral-8x7b"}, f"model in {tab}/{view}")
    # save: a download link with the scenario as JSON
    page.locator(".demo-save").click()
    link = page.locator(".demo-save-link a")
    link.wait_for(state="attached")
    assert link.get_attribute("download") == "scenario.json"
    scenario = json.loads(base64.b64decode(link.get_attribute("href").split(",", 1)[1]))
    assert scenario["model"] == "mixtral-8x7b" and scenario["explorers"]["memory"]["preset"] == "mixtral-8x7b"
    assert scenario["explorers"]["plan_flops"]["chips"] == 16384
    # reset: back to the start model and Meta's run
    D.select_tab(page, 0)
    page.locator(".demo-reset").click()
    wait_for(lambda: page.locator(".demo-preset select").evaluate("e => e.value"), lambda v: v == START, "reset model")
    wait_for(lambda: text(page.locator(".demo-params .llm-summary")), lambda t: "405,853,388,800" in t, "reset count")
    # load the saved file: the model and every control come back
    scenario["explorers"]["memory"]["zero_stage"] = 3
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    upload(page, path)
    wait_for(lambda: text(page.locator(".demo-status")), lambda t: "Scenario loaded: mixtral-8x7b" in t, "load status")
    wait_for(lambda: text(page.locator(".demo-params .llm-summary")), lambda t: f"{total:,}" in t, "loaded count")
    D.select_tab(page, 2)
    wait_for(lambda: text(page.locator(".demo-memory .llm-control-zero_stage .widget-readout")), lambda t: t == "3",
             "loaded ZeRO stage")
    # a file that is not a scenario is refused by name, nothing changes
    path.write_text(json.dumps({"format": "something else"}))
    upload(page, path)
    wait_for(lambda: text(page.locator(".demo-status")), lambda t: "Not a dashboard scenario: format must be" in t,
             "refused file")
    assert page.locator(".demo-preset select").evaluate("e => e.value") == "mixtral-8x7b"


def test_export_plot_png_svg_and_table_csv(open_page, url):
    page = open_page(url=url)
    params = page.locator(".demo-params")
    params.locator(".llm-export").click()
    links = params.locator(".llm-export-links a")
    wait_for(lambda: links.count(), lambda n: n == 3, "three export links")
    got = {a.get_attribute("download").rsplit(".", 1)[1]: a.get_attribute("href") for a in links.all()}
    png = base64.b64decode(got["png"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1040, 720)       # 2× the 520 × 360 px it is shown at (no legend here)
    assert b"<svg" in base64.b64decode(got["svg"].split(",", 1)[1])
    csv = base64.b64decode(got["csv"].split(",", 1)[1]).decode()
    rows = dict(line.split(",")[:2] for line in csv.strip().splitlines()[1:])
    breakdown = llmcalc.param_breakdown(llmcalc.preset(START))
    assert int(rows["attention"]) == breakdown["attention"] and int(rows["MLP"]) == breakdown["mlp"]


def test_405b_tab_is_metas_run_explains_memory_and_labels_the_ceiling(open_page, url):
    page = open_page(url=url)
    D.select_tab(page, 4)
    plan = page.locator(".demo-plan")
    # Time: Meta's run by default, 2048 sequences × 8192 tokens = 16,777,216 tokens a step (shown 16.8M)
    readout = lambda key: text(plan.locator(f".llm-control-{key} .widget-readout"))
    assert (readout("chips"), readout("seq_len"), readout("batch"), readout("mfu")) == ("16,384", "8,192", "16.8M", "41%")
    # Memory: the verdict in words, with why (Llama 3 paper §3.3.2)
    plan.locator(".demo-plan-view button").nth(1).click()
    note = wait_for(lambda: text(plan.locator(".llm-note")), lambda t: t.startswith(("Fits", "Does not fit")),
                    "memory verdict")
    r = mem.training_bytes_per_device(llmcalc.preset(START), 1, 8192, regime="mixed", zero_stage=1, dp=128, tp=8,
                                      pp=16, sp=True, recompute="selective")
    assert f"{r['total'] / 1e9:,.1f} GB" in note
    assert note.startswith("Fits" if mem.fits(r["total"], "H100") else "Does not fit")
    assert "§3.3.2" in text(plan.locator(".llm-detail"))
    # Best layouts: the predicted MFU, the ideal-kernel ceiling, and Meta's 41% (Llama 3 paper, Table 4)
    plan.locator(".demo-plan-view button").nth(2).click()
    summary = wait_for(lambda: text(plan.locator(".llm-summary")), lambda t: "MFU ceiling (ideal kernels)" in t,
                       "ceiling label")
    assert "MFU (predicted)" in summary
    assert "Meta measured 41% MFU on 16,384 GPUs at T = 8,192" in text(plan.locator(".llm-note"))


# Latin-letter words a Chinese page may show: symbols and units, names of chips, models, frameworks, papers and
# techniques that Chinese text writes in Latin letters
ALLOWED_EN = {"MFU", "FLOPs", "GB", "HBM", "MLP", "KV", "TP", "PP", "DP", "SP", "CP", "EP", "ZeRO", "FSDP", "ICI",
              "NVLink", "logits", "fp", "bf", "Adam", "token", "llmcalc", "planner", "PNG", "SVG", "CSV", "JSON",
              "TPU", "GPU", "ms", "Transformer", "GQA", "MoE", "Meta", "Llama", "LLaMA", "Megatron", "LM", "Core",
              "DeepSpeed", "PyTorch", "JAX", "XLA", "English", "LLM", "STACKS", "GEMM", "scenario", "json",
              "SwiGLU", "ZeRO", "FP", "Engine", "DeepSeek", "HAI", "DualPipe"}


def _latin_words(s: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z]+", s))


def test_chinese_dashboard_shows_no_english_outside_the_allowlist(open_page, url, artifacts):
    page = open_page(url=url)
    page.get_by_role("button", name="中文").click()
    wait_for(lambda: text(page.locator(".lm-TabBar-tab").first), lambda t: "参数" in t, "Chinese tabs")
    allowed = set(ALLOWED_EN)
    for name in list(llmcalc.PRESETS) + list(llmcalc.CHIPS):       # model and chip names are names
        allowed |= _latin_words(name)
    seen = {}
    for tab, view in views(page):
        where = f"{tab}/{view}"
        shown = page.evaluate("""() => {
          const root = document.querySelector('.demo-root');
          const vis = e => e.offsetParent !== null;
          const out = [root.innerText];
          for (const s of root.querySelectorAll('select')) if (vis(s) && !s.closest('.demo-preset'))
            out.push(...[...s.options].map(o => o.text));
          for (const e of root.querySelectorAll('[title]')) if (vis(e)) out.push(e.title);
          return out.join('\\n');
        }""")
        for word in _latin_words(shown) - allowed:
            seen.setdefault(word, where)
    # an error message too (E = 1 routed expert with k = 0)
    D.select_tab(page, 0)
    page.locator(".demo-params .llm-control-E .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    panel = page.locator(".demo-params .llm-plot-error")
    panel.wait_for(state="visible")
    assert re.search(r"[\u4e00-\u9fff]", text(panel))
    for word in _latin_words(text(panel)) - allowed:
        seen.setdefault(word, "error")
    page.screenshot(path=str(artifacts / "dashboard-zh.png"))
    assert not seen, seen
