# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -execution
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %%
# LLM Scaling Workbook: instructor dashboard. `make demo` serves it with Voila, which shows the widgets and no
# code. A presenter layout: every tab has its controls on the left and the headline numbers and the plot on the
# right, readable from the back of a lecture hall (text at least 18 px, SVG plots sharp at any zoom), and fits a
# 1280×720 projector without scrolling. One model picker drives every tab; the language toggle rebuilds the
# explorers in English or Chinese (llmcalc.i18n.use) and keeps their values; Reset goes back to the defaults;
# a scenario (model, language, every control) saves to a JSON file and loads again next lecture. Only the
# visible tab redraws its plot on a change; the numbers of every tab update at once, and a hidden tab's plot is
# drawn when it is opened. Every number comes from llmcalc, as in the chapters. Stored without outputs: Voila
# executes it on each visit.
import base64
import json

import ipywidgets as w
from IPython.display import display

import llmcalc
from llmcalc import widgets

START = "llama-3.1-405b"  # the capstone model; the 405B tab is Meta's run (Llama 3 paper, §3.3.2, Table 4)
# Meta's LLaMA 3.1-405B run: 15.6T tokens, batches of 2048 sequences × 8192 tokens, 16,384 H100, MFU 41%,
# TP8 × PP16 × DP128 (the paper's Table 4 row "8K context, 16,384 GPUs")
PLAN = {
    "plan_flops": dict(seq_len=8192, tokens=15.6e12, batch=2048 * 8192, chips=16_384, mfu=0.41),
    "plan_memory": dict(tp=8, pp=16, dp=128, zero_stage=1, seq_len=8192, micro_batch=1),
    "planner": dict(chips=16_384, batch_seqs=2048, seq_len=8192, efficiency=1.0),
}
EXPLORERS = ("params", "flops", "memory", "sharding", "plan_flops", "plan_memory", "planner")
TABS = ("params", "flops", "memory", "sharding", "plan")
PLAN_VIEWS = ("plan_flops", "plan_memory", "planner")
SCENARIO_FORMAT = "llmcalc-dashboard-scenario"
TEXT = {
    "en": {"title": "LLM Scaling Workbook", "preset": "Model",
           "preset_tip": "The model every tab and explorer uses",
           "tabs": ("1 · Parameters", "2 · FLOPs & time", "3 · Memory", "4 · Sharding", "5 · 405B plan"),
           "plan": "Meta's LLaMA 3.1-405B run (Llama 3 paper, Table 4): 15.6T tokens, batches of 2,048 sequences × "
                   "8,192 tokens on 16,384 H100 at 41% MFU; TP8 × PP16 × DP128, ZeRO-1.",
           "views": ("Time", "Memory", "Best layouts"), "reset": "Reset", "reset_tip": "Back to the defaults",
           "save": "Save", "save_tip": "Download the model, the language and every control as JSON",
           "load": "Load", "load_tip": "Open a scenario saved earlier (JSON)",
           "download": "scenario.json", "loaded": "Scenario loaded: {model}.",
           "load_error": "Not a dashboard scenario: {why}"},
    "zh": {"title": "LLM 规模估算手册", "preset": "模型",
           "preset_tip": "所有标签页和面板使用的模型",
           "tabs": ("1 · 参数", "2 · FLOPs 与时间", "3 · 显存", "4 · 并行切分", "5 · 405B 方案"),
           "plan": "Meta 训练 LLaMA 3.1-405B(Llama 3 论文,表 4):15.6 万亿 token,每批 2,048 条序列 × 8,192 token,"
                   "16,384 张 H100,MFU 41%;TP8 × PP16 × DP128,ZeRO-1。",
           "views": ("时间", "显存", "最佳布局"), "reset": "重置", "reset_tip": "恢复默认值",
           "save": "保存", "save_tip": "把模型、语言和所有控件下载为 JSON",
           "load": "载入", "load_tip": "打开之前保存的场景(JSON)",
           "download": "scenario.json", "loaded": "已载入场景:{model}。",
           "load_error": "不是面板场景文件:{why}"},
}
CSS = """<style>
.demo-root { --jp-widgets-font-size: 18px; --jp-ui-font-size1: 18px; --jp-content-font-size1: 18px;
  --jp-widgets-inline-height: 34px; --jp-widgets-inline-label-width: 190px; font-size: 18px; }
.demo-root, .demo-root .widget-label, .demo-root .widget-readout, .demo-root select, .demo-root button,
.demo-root input, .demo-root .widget-html-content, .demo-root .lm-TabBar-tab, .demo-root table,
.demo-root .widget-label-basic { font-size: 18px !important; line-height: 1.35; }
.demo-root .demo-title h2 { font-size: 24px !important; margin: 0 0.4em 0 0; white-space: nowrap; }
.demo-root .demo-header button { width: auto; padding: 0 12px; }
.demo-root .demo-header .widget-dropdown { width: 290px; }
.demo-root .lm-TabBar-tab { flex: 0 0 auto !important; max-width: none !important; min-width: 0 !important;
  padding: 2px 14px !important; }
.demo-root .lm-TabBar { min-height: 36px !important; }
.demo-root .llm-controls .widget-label { width: 180px !important; min-width: 180px !important; }
.demo-root .demo-header { flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.demo-root .llm-explorer > .widget-html:first-child { display: none; }
.demo-root .llm-controls { flex: 0 0 440px; width: 440px; max-height: calc(100vh - 175px); overflow-y: auto;
  overflow-x: hidden; padding-right: 6px; }
.demo-root .llm-controls .widget-inline-hbox { width: 425px; }
.demo-root .llm-controls .widget-slider .slider-container, .demo-root .llm-controls .widget-slider .slider { min-width: 90px; }
.demo-root .llm-outputs { flex: 1 1 auto; min-width: 0; margin-left: 12px; }
.demo-root .llm-summary .widget-html-content { white-space: normal; }
.demo-root .llm-summary .llm-item { display: inline-block; margin: 0 1.1em 2px 0; }
.demo-root .llm-summary .llm-key { color: #555; }
.demo-root .llm-summary .llm-value { font-weight: 600; }
.demo-root .llm-note .widget-html-content, .demo-root .llm-detail .widget-html-content { white-space: normal; color: #333; }
.demo-root .llm-plot-box { min-height: 0 !important; }
.demo-root .llm-plot-area { flex: 0 1 auto; max-width: calc((100vh - 300px) * 520 / 360) !important; }
.demo-root .llm-plot { width: 100% !important; max-width: none !important; }
.demo-root .demo-plan .llm-plot-area { max-width: calc((100vh - 340px) * 520 / 360) !important; }
.demo-root .llm-legend { flex: 0 0 auto; margin-left: 12px; padding-top: 8px; }
.demo-root .demo-plan-note .widget-html-content { white-space: normal; font-style: italic; }
.demo-root table { border-collapse: collapse; } .demo-root td, .demo-root th { padding: 2px 10px; text-align: right; }
.demo-root .llm-export-links a { margin-right: 1em; }
.demo-root .demo-hidden-preset { display: none !important; }
</style>"""

language = w.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value="en", style={"button_width": "90px"})
language.add_class("demo-language")
preset_picker = w.Dropdown(options=list(llmcalc.PRESETS), value=START, style={"description_width": "initial"})
preset_picker.add_class("demo-preset")
reset_button = w.Button(icon="undo")
reset_button.add_class("demo-reset")
save_button = w.Button(icon="save")
save_button.add_class("demo-save")
save_link = w.HTML()
save_link.add_class("demo-save-link")
loader = w.FileUpload(accept=".json", multiple=False)
loader.add_class("demo-load")
status = w.HTML()
status.add_class("demo-status")
title = w.HTML()
title.add_class("demo-title")
plan_note = w.HTML()
plan_note.add_class("demo-plan-note")
plan_view = w.ToggleButtons(options=[(v, k) for v, k in zip(TEXT["en"]["views"], PLAN_VIEWS)], value="plan_flops")
plan_view.add_class("demo-plan-view")
plan_body = w.VBox()
boxes = {key: w.VBox() for key in TABS}
for key, box in boxes.items():
    box.add_class(f"demo-{key}")
tabs = w.Tab(children=[boxes[k] for k in TABS])
state = {"explorers": {}, "syncing": False}


def build(name, old=None):
    """The seven explorers of the chapters for preset ``name``; ``old`` carries their control values over,
    otherwise the 405B tab starts at Meta's run."""
    exs = {
        "params": widgets.params_explorer(name),
        "flops": widgets.flops_explorer(name, chip="TPU v5p"),
        "memory": widgets.memory_explorer(name, chip="H100"),
        "sharding": widgets.sharding_explorer(name, chip="TPU v5p"),
        "plan_flops": widgets.flops_explorer(name, chip="H100"),
        "plan_memory": widgets.memory_explorer(name, chip="H100"),
        "planner": widgets.planner_explorer(name, chip="H100"),
    }
    for key, ex in exs.items():
        ex.summary_html.add_class("demo-summary")
        ex.presenter.add_class(f"demo-explorer-{key}")
        ex.controls["preset"].add_class("demo-hidden-preset")   # the one picker at the top drives them all
        values = {k: v for k, v in (old[key] if old is not None else PLAN.get(key, {})).items() if k != "preset"}
        if values:
            ex.set_values(**values)
    return exs


def visible_explorers():
    tab = TABS[tabs.selected_index or 0]
    return {plan_view.value} if tab == "plan" else {tab}


def activate_plots():
    """Draw the plots of the visible tab only (a hidden tab's plot is drawn when it is opened)."""
    shown = visible_explorers()
    for key, ex in state["explorers"].items():
        ex.set_plot_active(key in shown)


def show(exs, lang):
    state["explorers"] = exs
    t = TEXT[lang]
    title.value = f"<h2>{t['title']}</h2>"
    preset_picker.description, preset_picker.tooltip = t["preset"], t["preset_tip"]
    reset_button.description, reset_button.tooltip = t["reset"], t["reset_tip"]
    save_button.description, save_button.tooltip = t["save"], t["save_tip"]
    loader.description, loader.tooltip = t["load"], t["load_tip"]
    plan_note.value = t["plan"]
    plan_view.options = [(v, k) for v, k in zip(t["views"], PLAN_VIEWS)]
    tabs.titles = t["tabs"]
    save_link.value = status.value = ""
    for key in ("params", "flops", "memory", "sharding"):
        boxes[key].children = [exs[key].presenter]
    show_plan_view()
    activate_plots()


def show_plan_view(change=None):
    ex = state["explorers"].get(plan_view.value)
    if ex is not None:
        plan_body.children = [ex.presenter]
        boxes["plan"].children = [plan_view, plan_body, plan_note]
        activate_plots()


def explorer_values():
    return {key: ex.values() for key, ex in state["explorers"].items()}


def set_model(name):
    """Every explorer to model ``name`` (each loads the model's shape and recomputes once)."""
    for ex in state["explorers"].values():
        if ex.controls["preset"].value != name:
            ex.controls["preset"].value = name


def on_preset(change):
    if not state["syncing"]:
        set_model(change["new"])


def on_language(change):
    llmcalc.i18n.use(change["new"])
    show(build(preset_picker.value, old=explorer_values()), change["new"])


def on_reset(_=None):
    state["syncing"] = True
    try:
        preset_picker.value = START
    finally:
        state["syncing"] = False
    plan_view.value = "plan_flops"
    show(build(START), language.value)


def scenario():
    """The dashboard's state as a JSON-ready dict: model, language, open tab and every explorer's controls."""
    return {"format": SCENARIO_FORMAT, "version": 1, "model": preset_picker.value, "language": language.value,
            "tab": TABS[tabs.selected_index or 0], "plan_view": plan_view.value, "explorers": explorer_values()}


def on_save(_=None):
    data = json.dumps(scenario(), indent=1, ensure_ascii=False).encode("utf-8")
    href = "data:application/json;charset=utf-8;base64," + base64.b64encode(data).decode()
    name = TEXT[language.value]["download"]
    save_link.value = f"<a class='demo-download' download='{name}' href='{href}'>{name}</a>"


def load_scenario(data):
    """Apply a scenario dict (from :func:`scenario`); ValueError naming what is wrong, nothing applied then."""
    if not isinstance(data, dict) or data.get("format") != SCENARIO_FORMAT:
        raise ValueError(f"format must be {SCENARIO_FORMAT!r}")
    if data.get("model") not in llmcalc.PRESETS:
        raise ValueError("model must be one of the presets")
    if data.get("language", "en") not in ("en", "zh"):
        raise ValueError("language must be 'en' or 'zh'")
    values = data.get("explorers", {})
    if not isinstance(values, dict) or not set(values) <= set(EXPLORERS):
        raise ValueError(f"explorers must be a dict with keys among {list(EXPLORERS)}")
    lang = data.get("language", "en")
    llmcalc.i18n.use(lang)
    state["syncing"] = True
    try:
        language.unobserve(on_language, names="value")
        language.value = lang
        preset_picker.value = data["model"]
    finally:
        language.observe(on_language, names="value")
        state["syncing"] = False
    exs = build(data["model"])
    for key, v in values.items():   # each explorer checks its values and shows what it refuses
        exs[key].set_values(**{k: x for k, x in v.items() if k != "preset"})
    if data.get("plan_view") in PLAN_VIEWS:
        plan_view.value = data["plan_view"]
    if data.get("tab") in TABS:
        tabs.selected_index = TABS.index(data["tab"])
    show(exs, lang)
    status.value = TEXT[lang]["loaded"].format(model=data["model"])


def on_load(change):
    files = change["new"]
    if not files:
        return
    try:
        load_scenario(json.loads(bytes(files[0]["content"]).decode("utf-8")))
    except (ValueError, KeyError, TypeError) as e:   # json.JSONDecodeError is a ValueError
        why = str(e) if language.value == "en" else widgets.error_text(str(e))
        status.value = f"<span class='llm-error'>{TEXT[language.value]['load_error'].format(why=why)}</span>"


llmcalc.i18n.use("en")
show(build(START), "en")
preset_picker.observe(on_preset, names="value")
language.observe(on_language, names="value")
reset_button.on_click(on_reset)
save_button.on_click(on_save)
loader.observe(on_load, names="value")
plan_view.observe(show_plan_view, names="value")
tabs.observe(lambda change: activate_plots(), names="selected_index")
header = w.HBox([title, preset_picker, language, reset_button, save_button, save_link, loader, status])
header.add_class("demo-header")
root = w.VBox([w.HTML(CSS), header, tabs])
root.add_class("demo-root")
display(root)
