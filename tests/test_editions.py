"""English and Chinese editions in lockstep, and Chinese text rendered with a real CJK font."""

import warnings
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.py"))


def code_cells(nb):
    return [(c.source, c.metadata) for c in nb.cells if c.cell_type == "code" and "language" not in c.metadata.get("tags", [])]


def test_every_english_chapter_has_a_chinese_edition():
    missing = [p.name for p in ENGLISH if not (ROOT / "chapters" / "zh" / p.name).exists()]
    assert not missing, f"no Chinese edition for {missing}"


@pytest.mark.parametrize("en", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_code_cells_are_identical_in_both_editions(en):
    zh = ROOT / "chapters" / "zh" / en.name
    if not zh.exists():
        pytest.fail(f"chapters/zh/{en.name} is missing")
    a, b = jupytext.read(en), jupytext.read(zh)
    assert code_cells(a) == code_cells(b), "code cells drifted apart (only a cell tagged 'language' may differ)"
    assert [c.cell_type for c in a.cells] == [c.cell_type for c in b.cells], "cells are not in the same places"
    lang = [c.source for c in b.cells if "language" in c.metadata.get("tags", [])]
    assert lang and 'use("zh")' in lang[0]


def test_chinese_plot_text_has_no_missing_glyphs():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import llmcalc

    llmcalc.i18n.use("zh")
    try:
        fig, ax = plt.subplots()
        ax.set_title("参数都在哪里:注意力、显存、张量并行")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for each box it draws
            fig.canvas.draw()
        plt.close(fig)
    finally:
        llmcalc.i18n.use("en")


def test_chinese_widget_labels():
    import llmcalc
    from llmcalc import widgets

    llmcalc.i18n.use("zh")
    try:
        assert widgets.memory_explorer().controls["tp"].description == "张量并行 TP"
    finally:
        llmcalc.i18n.use("en")
    assert widgets.memory_explorer().controls["tp"].description == "TP"
