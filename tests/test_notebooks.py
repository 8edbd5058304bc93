"""Stored chapters: paired with their text source, executed, no errors, answers hidden, few exemptions."""

import re
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").rglob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((ROOT / "chapters").rglob("[0-9][0-9]_*.py"))
ids = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def cells_of(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", [])),
             bool(c.metadata.get("jupyter", {}).get("source_hidden"))) for c in nb.cells]


def test_every_source_has_its_notebook_and_back():
    assert {p.with_suffix("") for p in NOTEBOOKS} == {p.with_suffix("") for p in SOURCES}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_is_in_sync_with_its_text_source(path):
    stored = nbformat.read(path, as_version=4)
    source = jupytext.read(path.with_suffix(".py"))
    assert cells_of(stored) == cells_of(source), f"{path.name} is out of sync: run tools/build_chapters.py {path.with_suffix('.py').relative_to(ROOT)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_is_executed_without_errors_or_timing_metadata(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a chapter without code cells"
    for i, c in enumerate(code):
        assert c.execution_count is not None, f"code cell {i} was not executed"
        assert "execution" not in c.metadata, f"code cell {i} stores timing metadata"
        assert not [o for o in c.outputs if o.output_type == "error"], f"code cell {i} stores an error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_only_widget_cells_are_exempt_and_at_most_15_percent(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    exempt = [c for c in code if {"nbval-ignore-output", "nbval-skip"} & set(c.metadata.get("tags", []))]
    assert all("widget" in c.metadata.get("tags", []) for c in exempt), "only widget-display cells may skip comparison"
    assert len(exempt) <= 0.15 * len(code), f"{len(exempt)} of {len(code)} code cells exempt"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_answers_are_hidden_until_clicked(path):
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    questions = [c for c in nb.cells if c.cell_type == "markdown" and re.search(r"\*\*(Question|问题)", c.source)]
    assert questions, "a chapter has worked questions"
    summary = "显示答案" if "/zh/" in str(path) else "Show answer"
    for c in solutions:
        hidden = c.metadata.get("jupyter", {})
        # the code is collapsed by metadata; the output is hidden by what it is (a closed <details>), not by a
        # flag JupyterLab clears when it runs the cell (so no outputs_hidden is stored: saving cannot drop it)
        assert hidden.get("source_hidden") and "outputs_hidden" not in hidden, c.source[:60]
        assert c.source.startswith("# Answer (click to reveal)"), c.source[:60]
        # everything the answer cell shows is one closed box: no stream, no bare figure or value beside it
        kinds = [o.output_type for o in c.outputs]
        assert kinds == ["display_data"], (c.source[:60], kinds)
        box = c.outputs[0].data["text/html"]
        assert box.startswith(f'<details class="llmcalc-answer"><summary>{summary}</summary>'), box[:120]
        assert box.count("<details") == 1 and box.rstrip().endswith("</details>") and " open" not in box.split(">")[0]
    for c in nb.cells:
        if c.cell_type == "markdown" and "<details>" in c.source:
            assert c.source.count("<details>") == c.source.count("</details>")
