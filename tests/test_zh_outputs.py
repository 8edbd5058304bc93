"""The Chinese chapters print Chinese: no English word in the stored outputs of chapters/zh/*.ipynb.

What is read and what counts as an English word (the allowlist of model names, symbols, units, dtypes,
library and chip names and abbreviations such as MFU, TP, FSDP) is defined, and documented, in
tools/zh_english_report.py; run it to list every offending output line per chapter:

    .venv/bin/python tools/zh_english_report.py

This test fails until each chapter's prints are wrapped with ``llmcalc.i18n.tr`` and the chapters are
re-executed (the code cells are the same in both editions, so the English chapter gets the same code).
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("zh_english_report", ROOT / "tools" / "zh_english_report.py")
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)

CHAPTERS = report.ZH_CHAPTERS


# ----- the detector itself: it must flag English and pass what the allowlist allows ---------------------

@pytest.mark.parametrize("line, words", [
    ("total params: 70,553,706,496", ["total", "params"]),
    ("fits an H100 (85.9 GB): False", ["fits", "an", "False"]),
    ("attention scores: 4.0% of the forward FLOPs (causal)", ["attention", "scores", "of", "the", "forward", "causal"]),
    ("start-of-pass", ["start", "of", "pass"]),
    ("参数总量：70,553,706,496（705.54 亿）", []),
    ("llama-3.1-405b 在 8,960 块 TPU v5p 上，MFU 40%，bf16，FSDP+TP", []),
    ("2LD(D - KH) = 9,395,240,960；公式 − 精确值 = 9,395,240,960", []),
    ("llmcalc.forward_flops(causal=False)：29,991,378,670,845,952", []),
    ("每层 34 sbh + 5 a s² b 字节，显存 80 GiB，L = 80，x 轴", []),
])
def test_detector(line, words):
    assert report.english_words(line) == words


def test_reader_visible_text_only():
    # HTML: tags, attributes and <style> dropped; a figure's or widget's text/plain stand-in not read.
    box = {"output_type": "display_data", "data": {
        "text/html": '<style>.x{color:red}</style><details><summary>显示答案</summary>'
                     '<img alt="answer figure" src="data:image/png;base64,AAAA"/><pre>合计 &amp; 占比</pre></details>',
        "text/plain": "total and share"}}
    assert report.english_words(report.visible_text(box)) == []
    assert "合计 & 占比" in report.visible_text(box)
    fig = {"output_type": "display_data", "data": {"image/png": "AAAA", "text/plain": "<Figure size 900x450 with 1 Axes>"}}
    assert report.visible_text(fig) == ""
    stream = {"output_type": "stream", "name": "stdout", "text": ["fits: True\n"]}
    assert report.english_words(report.visible_text(stream)) == ["fits", "True"]


def test_every_chinese_chapter_is_read():
    assert len(CHAPTERS) >= 5
    for path in CHAPTERS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert any(c["cell_type"] == "code" and c.get("outputs") for c in nb["cells"]), f"{path.name} has no outputs"


# ----- the stored chapters -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chinese_chapter_outputs_have_no_english_words(path):
    lines = report.offending_lines(path)
    shown = "\n".join(f"  code cell {n}: {line[:120]}   [{', '.join(ws)}]" for n, line, ws in lines[:15])
    assert not lines, (f"{len(lines)} output lines of {path.name} contain English; first ones:\n{shown}\n"
                       f"all of them: .venv/bin/python tools/zh_english_report.py {path.relative_to(ROOT)}")
