"""Every chapter, both editions, in a real JupyterLab driven by headless chromium.

One JupyterLab (serving a temporary copy of chapters/, isolated config/settings/workspaces, no token)
and one browser serve the whole module. For each notebook, opened once with ``?reset``:

- ``test_run_all_without_errors``: after clearing outputs and Run ▸ Run All Cells, every code cell has run
  (execution counts set, kernel idle), no cell's model holds an ``error`` output, and no output renders a
  Python traceback or "Error displaying widget"; every explorer renders.
- ``test_answers_collapsed_then_revealed``: each cell whose first line is the answer marker opens with its
  source collapsed (Lab's input placeholder, showing the marker; the editor not visible) and its output a
  closed "Show answer" box; after Run All both still hold and the visible output text is the summary alone;
  clicking the summary shows the answer (text or figure); saving (docmanager:save) keeps every answer cell's
  ``source_hidden`` flag in the .ipynb and in its paired .py; clicking the input placeholder shows the
  source (marker and next line).
- ``test_sliders_match_llmcalc``: for each explorer, every slider is moved one step with the keyboard
  (focus the noUi handle, ArrowRight, or ArrowLeft at the maximum) and moved back; after each move the shown
  summary equals the summary of the same explorer built in Python from the control values read off the
  page (readouts, dropdowns, checkbox), and it changed whenever llmcalc says the numbers differ. The params
  explorer's shown total also equals ``llmcalc.param_count`` of the shown shape. One screenshot per
  chapter goes to $BROWSER_ARTIFACTS (default browser-artifacts/).

Run: REQUIRE_BROWSER=1 python -m pytest -q tests/browser/test_lab.py
"""

from __future__ import annotations

import ast
import html
import json
import re
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from ._jupyter import (CHAPTERS, copy_chapters, free_port, isolated_env, jupyter_lab_cmd, start_server,
                       stop_server)

ANSWER_MARKER = "# Answer (click to reveal) · 答案(点击展开)"
NOTEBOOKS = sorted(p.relative_to(CHAPTERS).as_posix() for p in
                   [*CHAPTERS.glob("0*_*.ipynb"), *(CHAPTERS / "zh").glob("0*_*.ipynb")])
EXPLORER_RE = re.compile(r"^(\w+)\s*=\s*widgets\.(\w+_explorer)\((.*)\)\s*$", re.M)

# Lab settings for the test server: every cell attached to the DOM (so cell i of the notebook is the
# i-th .jp-Cell), no autosave, no news/update toasts over the page.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}

# JS helpers; PATH is the notebook's path relative to the server root.
JS_PANEL = """
window.__nb = (path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) { if (w.context && w.context.path === path) return w; }
  return null;
};
"""
JS_RUN_STATE = """(path) => {
  const p = window.__nb(path);
  if (!p || !p.sessionContext.session || !p.sessionContext.session.kernel) return false;
  const cells = [...p.content.model.cells];
  if (cells.some(c => c.type === 'code' && c.outputs.toJSON().some(o => o.output_type === 'error'))) return 'error';
  if (p.sessionContext.session.kernel.status !== 'idle') return false;
  return cells.every(c => c.type !== 'code' || c.executionCount !== null) ? 'done' : false;
}"""
JS_MARK_EXPLORER = """([cellIndex, mark]) => {
  const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[cellIndex];
  const root = cell && cell.querySelector('.jp-OutputArea-output .widget-vbox');
  if (!root || root.children.length < 3) return null;
  root.setAttribute('data-test-explorer', mark);
  const hbox = root.children[1];
  root.children[2].setAttribute('data-test-summary', mark);
  return [...hbox.children].map((col, c) => [...col.children].map((el, r) => {
    el.setAttribute('data-test-control', `${mark}-${c}-${r}`);
    return `${mark}-${c}-${r}`;
  }));
}"""
# every slider readout of an explorer shows a value (a slider whose range another control changed re-renders, and
# its readout is empty for a moment)
JS_READOUTS_SHOWN = """(mark) => [...document.querySelectorAll(`[data-test-explorer="${mark}"] [data-test-control] .widget-readout`)]
  .every(r => r.textContent.trim() !== '')"""
JS_READ_CONTROLS = """(mark) => {
  const root = document.querySelector(`[data-test-explorer="${mark}"]`);
  const out = {};
  for (const el of root.querySelectorAll('[data-test-control]')) {
    const label = el.querySelector('.widget-label-basic') || el.querySelector('.widget-label');
    const item = {label: label ? label.textContent.trim() : null};
    const readout = el.querySelector('.widget-readout');
    const handle = el.querySelector('.noUi-handle');
    const select = el.querySelector('select');
    const box = el.querySelector('input[type=checkbox]');
    if (readout) Object.assign(item, {kind: 'slider', text: readout.textContent.trim(),
        now: +handle.getAttribute('aria-valuenow'), max: +handle.getAttribute('aria-valuemax'),
        min: +handle.getAttribute('aria-valuemin')});
    else if (select) Object.assign(item, {kind: 'dropdown',  // option labels have their spaces made non-breaking
        text: select.selectedOptions[0].textContent.replace(/\u00a0/g, ' ').trim()});
    else if (box) Object.assign(item, {kind: 'checkbox', checked: box.checked});
    out[el.getAttribute('data-test-control')] = item;
  }
  return out;
}"""
JS_SUMMARY = """(mark) => document.querySelector(`[data-test-summary="${mark}"]`).textContent.replace(/\\s+/g, ' ').trim()"""
JS_SUMMARY_IS = """([mark, want]) => document.querySelector(`[data-test-summary="${mark}"]`).textContent
    .replace(/\\s+/g, ' ').trim() === want"""


# ----- server and notebook fixtures ------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab on a free port serving a temporary copy of chapters/; its base URL and root."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    root.mkdir()
    copy_chapters(root)
    env = isolated_env(tmp / "jupyter")
    for rel, value in LAB_SETTINGS.items():
        path = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(jupyter_lab_cmd(port, root, "--LabApp.expose_app_in_browser=True"), env,
                        f"{base}/api/status", tmp / "lab.log", cwd=root, timeout=90)
    try:
        yield {"base": base, "root": root, "log": tmp / "lab.log"}
    finally:
        stop_server(proc)


@dataclass
class OpenNotebook:
    rel: str                       # path under the server root, e.g. "chapters/zh/01_params.ipynb"
    lang: str
    page: object
    cells: list
    answers: list[int]             # indices of answer cells
    explorers: list[tuple[int, str, tuple, dict]]   # (cell index, factory, args, kwargs)
    collapsed_on_open: dict[int, dict] = field(default_factory=dict)
    run_state: str | None = None


def _shutdown_kernels(base: str, rel: str) -> None:
    with urllib.request.urlopen(f"{base}/api/sessions", timeout=10) as r:
        sessions = json.load(r)
    for s in sessions:
        if s.get("path") == rel:
            req = urllib.request.Request(f"{base}/api/sessions/{s['id']}", method="DELETE")
            urllib.request.urlopen(req, timeout=10).close()


def _explorers(cells) -> list:
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for m in EXPLORER_RE.finditer("".join(cell["source"])):
            call = ast.parse(f"f({m.group(3)})", mode="eval").body
            args = tuple(ast.literal_eval(a) for a in call.args)
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            found.append((i, m.group(2), args, kwargs))
    return found


@pytest.fixture(scope="module", params=NOTEBOOKS)
def notebook(request, lab, browser):
    """The notebook opened in Lab (``?reset``), collapse state recorded, outputs cleared, Run All done."""
    rel = f"chapters/{request.param}"
    nb = json.loads((CHAPTERS / request.param).read_text(encoding="utf-8"))
    cells = nb["cells"]
    answers = [i for i, c in enumerate(cells) if "".join(c["source"]).split("\n", 1)[0].strip() == ANSWER_MARKER]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{lab['base']}/lab/tree/{rel}?reset", wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
        page.evaluate(JS_PANEL)
        page.wait_for_function("(p) => window.__nb(p) && window.__nb(p).context.isReady", arg=rel, timeout=60_000)
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"
                     ).wait_for(timeout=60_000)
        dom_cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        dom_cells.nth(len(cells) - 1).wait_for(state="attached")
        assert dom_cells.count() == len(cells), "Lab shows a different number of cells than the notebook has"
        opened = OpenNotebook(rel, "zh" if request.param.startswith("zh/") else "en", page, cells, answers,
                              _explorers(cells))
        for i in answers:  # as opened, before anything runs
            cell = dom_cells.nth(i)
            opened.collapsed_on_open[i] = {
                "input_placeholder": cell.locator(".jp-InputPlaceholder").is_visible(),
                "placeholder_text": cell.locator(".jp-InputPlaceholder").inner_text() if
                cell.locator(".jp-InputPlaceholder").count() else "",
                "editor_visible": cell.locator(".jp-InputArea-editor").is_visible(),
                "outputs_text": " ".join(o.evaluate("e => e.innerText.trim()") for o in
                                         cell.locator(".jp-OutputArea-output").all() if o.is_visible()).strip(),
            }
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.wait_for_function("(p) => [...window.__nb(p).content.model.cells].every(c => c.type !== 'code'"
                               " || c.executionCount === null)", arg=rel)
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        opened.run_state = page.wait_for_function(JS_RUN_STATE, arg=rel, timeout=120_000,
                                                  polling=200).json_value()
        yield opened
    finally:
        context.close()
        try:
            _shutdown_kernels(lab["base"], rel)
        except OSError:
            pass


# ----- helpers -------------------------------------------------------------------------------------

def _html_text(value: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", value))).strip()


_SI = {"y": -24, "z": -21, "a": -18, "f": -15, "p": -12, "n": -9, "µ": -6, "m": -3, "": 0,
       "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18, "Z": 21, "Y": 24}


def _parse_number(text: str) -> float:
    """A slider readout as a float: plain ("0.41", "1.68e+13") or d3 SI (".3s": "4.19M")."""
    text = text.replace(",", "")
    if text.endswith("%"):     # MFU and efficiencies read as percentages ("41%")
        return float(Decimal(text[:-1]) / 100)
    m = re.fullmatch(r"([-+]?[\d.]+(?:e[-+]?\d+)?)([yzafpnµmkMGTPEZY]?)", text.replace("−", "-"))
    assert m, f"unreadable readout {text!r}"
    return float(Decimal(m.group(1)).scaleb(_SI[m.group(2)]))


def _pin_readout(readout) -> None:
    """Type a log slider's rounded readout back into it, so the value is exactly the number shown."""
    readout.fill(repr(_parse_number(readout.inner_text().strip())))
    readout.press("Enter")


def _python_explorer(opened: OpenNotebook, factory: str, args, kwargs):
    import llmcalc.i18n
    from llmcalc import widgets

    llmcalc.i18n.use(opened.lang)
    return getattr(widgets, factory)(*args, **kwargs)


def _values_from_page(ex, shown: dict, mark: str) -> dict:
    """Map what the page shows (keyed mark-col-row) onto the Python explorer's control keys and types."""
    import ipywidgets as w

    keys = list(ex.controls)
    values = {}
    for n, key in enumerate(keys):
        item = shown[f"{mark}-{n % 2}-{n // 2}"]
        ctl = ex.controls[key]
        assert item["label"] == ctl.description, f"control {key}: page label {item['label']!r} != {ctl.description!r}"
        if isinstance(ctl, (w.IntSlider, w.SelectionSlider)):   # TP, PP, DP, N, K, chips: only valid values
            values[key] = int(item["text"].replace(",", ""))
        elif isinstance(ctl, (w.FloatSlider, w.FloatLogSlider)):
            values[key] = _parse_number(item["text"])
        elif isinstance(ctl, w.Dropdown):   # the page shows the option's label; the control holds its value
            labels = dict(zip((" ".join(str(x).split()) for x in ctl._options_labels), ctl._options_values))
            values[key] = labels[" ".join(item["text"].split())]
        elif isinstance(ctl, w.Checkbox):
            values[key] = item["checked"]
        else:
            raise AssertionError(f"unexpected control {key}: {type(ctl).__name__}")
    return values


def _expected(ex, values: dict) -> str:
    """The summary text the Python explorer shows for ``values`` (preset first: it resets the shape)."""
    ex.controls["preset"].value = values["preset"]
    for key, value in values.items():
        if key != "preset":
            ex.controls[key].value = value
    ex.update()
    return _html_text(ex.summary_html.value)


def _wait_summary(page, mark: str, want: str, what: str, values: dict) -> None:
    try:
        page.wait_for_function(JS_SUMMARY_IS, arg=[mark, want], timeout=15_000, polling=100)
    except Exception:
        shown = page.evaluate(JS_SUMMARY, mark)
        raise AssertionError(f"{what}: the page shows\n  {shown}\nllmcalc gives for {values}\n  {want}") from None


def _check_param_total(ex, values: dict, shown: str) -> None:
    from llmcalc import param_count
    from llmcalc.widgets import model_from_values

    if ex.result.error:
        return
    m = re.search(r"(?:total params|总参数量)[:：] ([\d,]+)", shown)
    assert m, f"no total in {shown!r}"
    assert m.group(1) == f"{param_count(model_from_values(values)):,}", (values, shown)


# ----- tests ----------------------------------------------------------------------------------------

def test_run_all_without_errors(notebook: OpenNotebook):
    page = notebook.page
    errors = page.evaluate("""(p) => [...window.__nb(p).content.model.cells].flatMap((c, i) => c.type !== 'code' ? [] :
        c.outputs.toJSON().filter(o => o.output_type === 'error').map(o => `cell ${i}: ${o.ename}: ${o.evalue}`))""",
                           notebook.rel)
    assert not errors, f"{notebook.rel}: error outputs after Run All: {errors}"
    assert notebook.run_state == "done", f"{notebook.rel}: Run All ended as {notebook.run_state}"
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden) "
    rendered = page.locator(panel + ".jp-OutputArea-output").all_inner_texts()
    bad = [t[:300] for t in rendered if "Traceback (most recent call last)" in t or "Error displaying widget" in t]
    assert not bad, f"{notebook.rel}: outputs show tracebacks / widget errors: {bad}"
    stderr_errors = [t[:300] for t in page.locator(
        panel + ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        if re.search(r"^\w*(Error|Exception)\b", t, re.M) and "Warning" not in t.split("\n", 1)[0]]
    assert not stderr_errors, f"{notebook.rel}: error-like stderr output: {stderr_errors}"
    assert notebook.explorers, f"{notebook.rel}: no explorer found in the notebook source"
    cells = page.locator(panel + ".jp-Notebook .jp-Cell")
    for i, *_ in notebook.explorers:
        cells.nth(i).locator(".jp-OutputArea-output .widget-vbox .widget-slider").first.wait_for(timeout=30_000)


def _answer_boxes_closed(cell) -> None:
    box = cell.locator("details.llmcalc-answer")
    assert box.count() == 1, "an answer cell shows exactly one answer box"
    assert box.evaluate("d => !d.open"), "answer box is open"
    assert box.locator("summary").is_visible()
    # what the reader sees of the output is the summary alone: no printed line, no figure
    shown = cell.locator(".jp-OutputArea-output").first.evaluate("e => e.innerText.trim()")
    assert shown == box.locator("summary").inner_text().strip(), shown[:200]
    assert not any(el.is_visible() for el in box.locator("pre, img").all())


def test_answers_collapsed_then_revealed(notebook: OpenNotebook, lab):
    """Open: source collapsed, output a closed box. Run All: still both. Click: the answer shows.
    Save: the .ipynb and its paired .py keep every answer cell's source_hidden flag (and gain no output flag)."""
    assert notebook.answers, f"{notebook.rel}: no answer cells"
    page = notebook.page
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    summary = "显示答案" if notebook.lang == "zh" else "Show answer"
    for i in notebook.answers:
        state = notebook.collapsed_on_open[i]
        assert state["input_placeholder"] and not state["editor_visible"], f"{notebook.rel} cell {i} not collapsed: {state}"
        assert "Answer (click to reveal)" in state["placeholder_text"], (i, state)
        assert state["outputs_text"] in ("", summary), f"{notebook.rel} cell {i}: visible on open: {state['outputs_text'][:200]}"
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        # after Run All: source still collapsed and the fresh output is a closed box, no value on screen
        assert cell.locator(".jp-InputPlaceholder").is_visible(), f"{notebook.rel} cell {i}: source shown after Run All"
        assert not cell.locator(".jp-InputArea-editor").is_visible()
        _answer_boxes_closed(cell)
        assert cell.locator("details.llmcalc-answer summary").inner_text().strip() == summary
    for i in notebook.answers:   # click: the answer shows (text, or the figure)
        cell = cells.nth(i)
        cell.locator("details.llmcalc-answer summary").click()
        shown = cell.locator("details.llmcalc-answer pre, details.llmcalc-answer img").first
        shown.wait_for(state="visible", timeout=10_000)
    # save in Lab (Ctrl+S): the stored hidden flags survive, in the .ipynb and in the paired .py
    saved = Path(lab["root"]) / notebook.rel
    before = saved.stat().st_mtime_ns
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("(p) => !window.__nb(p).context.model.dirty", arg=notebook.rel, timeout=30_000)
    assert saved.stat().st_mtime_ns != before, "save did not write the notebook"
    # (jupytext rewrites the paired .py on save, or leaves it when its text would not change: either way it must
    # still hold every flag)
    nb = json.loads(saved.read_text(encoding="utf-8"))
    for i in notebook.answers:
        meta = nb["cells"][i]["metadata"].get("jupyter", {})
        assert meta.get("source_hidden") is True and "outputs_hidden" not in meta, (notebook.rel, i, meta)
    py = saved.with_suffix(".py").read_text(encoding="utf-8")
    assert py.count('jupyter={"source_hidden": true}') == len(notebook.answers), "the paired .py lost hidden flags"
    assert "outputs_hidden" not in py
    for i in notebook.answers:   # the code itself: click the collapsed input
        cell = cells.nth(i)
        cell.locator(".jp-InputPlaceholder").click()
        editor = cell.locator(".jp-InputArea-editor")
        editor.wait_for(state="visible", timeout=10_000)
        source = "".join(notebook.cells[i]["source"]).split("\n")
        text = editor.inner_text()
        assert ANSWER_MARKER.split(" · ")[0] in text and source[1].strip()[:30] in text, (i, text[:200])


def test_sliders_match_llmcalc(notebook: OpenNotebook, artifacts):
    import ipywidgets as w

    page = notebook.page
    try:
        for j, (cell_index, factory, args, kwargs) in enumerate(notebook.explorers):
            mark = f"x{j}"
            ex = _python_explorer(notebook, factory, args, kwargs)
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(cell_index) \
                .locator(".jp-OutputArea-output .widget-vbox .widget-slider").first.wait_for(timeout=30_000)
            assert page.evaluate(JS_MARK_EXPLORER, [cell_index, mark]), f"explorer {factory} not rendered"
            root = page.locator(f"[data-test-explorer='{mark}']")
            root.scroll_into_view_if_needed()

            keys = list(ex.controls)
            for n, key in enumerate(keys):  # rounded readouts (".3s": 4194304 shows "4.19M"): make them exact
                if isinstance(ex.controls[key], w.FloatLogSlider):
                    _pin_readout(page.locator(f"[data-test-control='{mark}-{n % 2}-{n // 2}'] .widget-readout"))
            values = _values_from_page(ex, page.evaluate(JS_READ_CONTROLS, mark), mark)
            want = _expected(ex, values)
            _wait_summary(page, mark, want, f"{factory} as opened", values)
            moved = unchanged = 0
            for n, key in enumerate(keys):
                ctl = ex.controls[key]
                if not isinstance(ctl, (w.IntSlider, w.FloatSlider, w.FloatLogSlider, w.SelectionSlider)):
                    continue
                control = page.locator(f"[data-test-control='{mark}-{n % 2}-{n // 2}']")
                span = page.evaluate(JS_READ_CONTROLS, mark)[f"{mark}-{n % 2}-{n // 2}"]
                if span["max"] <= span["min"] or ctl.disabled:   # one valid value (PP 1), or not in use now (the
                    continue                                        # kernel efficiency of the calibrated planner)
                for step in ("there", "back"):
                    shown = page.evaluate(JS_READ_CONTROLS, mark)[f"{mark}-{n % 2}-{n // 2}"]
                    before_text, before_summary = shown["text"], want
                    if step == "there":
                        direction = "ArrowLeft" if shown["now"] >= shown["max"] else "ArrowRight"
                    else:
                        direction = "ArrowRight" if direction == "ArrowLeft" else "ArrowLeft"
                    control.locator(".noUi-handle").focus()
                    page.keyboard.press(direction)
                    readout = control.locator(".widget-readout")
                    page.wait_for_function("([el, t]) => el.textContent.trim() !== t",
                                           arg=[readout.element_handle(), before_text], timeout=5_000)
                    if isinstance(ctl, w.FloatLogSlider):
                        _pin_readout(readout)
                    page.wait_for_function(JS_READOUTS_SHOWN, arg=mark, timeout=5_000)
                    values = _values_from_page(ex, page.evaluate(JS_READ_CONTROLS, mark), mark)
                    want = _expected(ex, values)
                    _wait_summary(page, mark, want, f"{factory}: {key} {direction} ({step})", values)
                    shown_summary = page.evaluate(JS_SUMMARY, mark)
                    if want != before_summary:
                        assert shown_summary != before_summary
                        moved += step == "there"
                    else:
                        unchanged += step == "there"
                    if factory == "params_explorer":
                        _check_param_total(ex, values, shown_summary)
            sliders = sum(isinstance(c, (w.IntSlider, w.FloatSlider, w.FloatLogSlider, w.SelectionSlider))
                          and not c.disabled for c in ex.controls.values())
            assert moved >= min(5, sliders), \
                f"{factory}: only {moved} of {sliders} sliders changed the numbers ({unchanged} did not)"
    finally:
        if notebook.explorers:
            target = page.locator("[data-test-explorer='x0']")
            name = f"{notebook.lang}_{Path(notebook.rel).stem}"
            if target.count():
                target.screenshot(path=str(artifacts / f"lab_{name}.png"), timeout=15_000)
            else:
                page.screenshot(path=str(artifacts / f"lab_{name}.png"))
