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
# LLM Scaling Workbook: instructor dashboard. `make demo` serves it with Voila, which shows the widgets
# and no code. One preset picker at the top sets the model of every explorer at once; the language toggle
# rebuilds the explorers with English or Chinese labels (llmcalc.i18n.use). Every number comes from
# llmcalc, as in the chapters. Stored without outputs: Voila executes it on each visit.
import ipywidgets as w
from IPython.display import display

import llmcalc
from llmcalc import widgets

START = "llama-3.1-405b"  # the capstone model; the plan tab is its published layout (Meta, 16,384 H100)
PLAN_FLOPS = dict(seq_len=8192, tokens=15.6e12, chips=16_384, mfu=0.41)
PLAN_MEMORY = dict(tp=8, pp=16, dp=128, zero_stage=1, seq_len=8192, micro_batch=1)
TEXT = {
    "en": {"title": "<h2>LLM Scaling Workbook — instructor dashboard</h2>", "preset": "Model (all tabs)",
           "tabs": ("1 · Parameters", "2 · FLOPs & time", "3 · Memory", "4 · Sharding", "5 · 405B plan"),
           "plan": "<i>Meta's LLaMA 3.1-405B layout: 15.6T tokens at T = 8192 on 16,384 H100 (MFU 41%); "
                   "TP8 × PP16 × DP128, ZeRO-1, sequence parallel, selective recompute.</i>"},
    "zh": {"title": "<h2>LLM 规模估算手册 — 讲师面板</h2>", "preset": "模型(所有标签页)",
           "tabs": ("1 · 参数", "2 · FLOPs 与时间", "3 · 显存", "4 · 并行切分", "5 · 405B 方案"),
           "plan": "<i>Meta 训练 LLaMA 3.1-405B 的布局:15.6T token,T = 8192,16,384 张 H100(MFU 41%);"
                   "TP8 × PP16 × DP128,ZeRO-1,序列并行,选择性重计算。</i>"},
}


def set_values(ex, values):
    """Apply several control values with one recomputation."""
    ex.set_values(**values)


def build(name, old=None):
    """The seven explorers of the chapters, for preset ``name``; ``old`` carries their control values over."""
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
        if old is not None:
            set_values(ex, {k: v for k, v in old[key].values().items() if k != "preset"})
    if old is None:
        set_values(exs["plan_flops"], PLAN_FLOPS)
        set_values(exs["plan_memory"], PLAN_MEMORY)
    return exs


preset_picker = w.Dropdown(options=list(llmcalc.PRESETS), value=START, description=TEXT["en"]["preset"],
                           style={"description_width": "initial"})
preset_picker.add_class("demo-preset")
language = w.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value="en",
                           style={"button_width": "80px"})
language.add_class("demo-language")
title = w.HTML(TEXT["en"]["title"])
plan_note = w.HTML(TEXT["en"]["plan"])
boxes = {key: w.VBox() for key in ("params", "flops", "memory", "sharding", "plan")}
for key, box in boxes.items():
    box.add_class(f"demo-{key}")
tabs = w.Tab(children=list(boxes.values()))
state = {}


def show(exs, lang):
    state["explorers"] = exs
    t = TEXT[lang]
    title.value, plan_note.value, preset_picker.description = t["title"], t["plan"], t["preset"]
    tabs.titles = t["tabs"]
    for key in ("params", "flops", "memory", "sharding"):
        boxes[key].children = [exs[key].widget]
    boxes["plan"].children = [plan_note, exs["plan_flops"].widget, exs["plan_memory"].widget, exs["planner"].widget]


def on_preset(change):
    for ex in state["explorers"].values():
        ex.controls["preset"].value = change["new"]


def on_language(change):
    llmcalc.i18n.use(change["new"])
    show(build(preset_picker.value, old=state["explorers"]), change["new"])


llmcalc.i18n.use("en")
show(build(START), "en")
preset_picker.observe(on_preset, names="value")
language.observe(on_language, names="value")
display(w.VBox([title, w.HBox([preset_picker, language]), tabs]))
