"""The READMEs' fidelity tables are exactly what tools/fidelity_report.py prints now, and the data
module stays standard-library only."""

import ast
import dataclasses
import importlib.util
import pathlib
import sys

import pytest

import llmcalc.published as pub

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _report():
    spec = importlib.util.spec_from_file_location("fidelity_report", ROOT / "tools" / "fidelity_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fidelity_report"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


REPORT = _report()


@pytest.mark.parametrize("lang, name", [("en", "README.md"), ("zh", "README.zh.md")])
def test_readme_fidelity_block_is_what_the_report_prints_now(lang, name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert REPORT.readme_block(text) == REPORT.render(lang), (
        f"{name} is stale: run python tools/fidelity_report.py --write")


@pytest.mark.parametrize("name, heading", [("README.md", "## Fidelity"), ("README.zh.md", "## 保真度")])
def test_the_block_sits_in_the_fidelity_section(name, heading):
    text = (ROOT / name).read_text(encoding="utf-8")
    start = text.index(REPORT.BEGIN)
    section = text.rfind("\n## ", 0, start)
    assert text[section + 1:].startswith(heading)
    assert "\n## " not in text[start:text.index(REPORT.END)]  # the generated block adds no ## heading


def test_each_table_is_a_dataframe_with_one_row_per_published_record():
    sizes = {"megatron_table1": len(pub.MEGATRON_TABLE1), "llama3_table4": len(pub.LLAMA3_TABLE4),
             "total_flops": len(pub.TOTAL_FLOPS_RUNS), "llama_hours": len(pub.GPU_HOUR_RUNS),
             "llama405b_hours": len(pub.LLAMA3_TABLE4), "korthikanti_table3": len(pub.KORTHIKANTI_TABLE3)}
    for name, rows in sizes.items():
        df = getattr(REPORT, name)()
        assert len(df) == rows, name


def test_a_column_no_view_names_is_still_printed():
    # the hook for later columns (e.g. planner-predicted TFLOP/s per GPU): added to a table function,
    # it shows up in an extra table rather than being dropped
    first = REPORT.SECTIONS[0]
    widened = dataclasses.replace(first, build=lambda: first.build().assign(**{"planner TFLOP/s per GPU": 1.5}))
    text = REPORT.render("en", sections=(widened,))
    assert "| model | planner TFLOP/s per GPU |" in text and "| 1.7B | 1.5 |" in text


def test_published_imports_only_the_standard_library_and_llmcalc_models():
    tree = ast.parse(pathlib.Path(pub.__file__).read_text(encoding="utf-8"))
    allowed = {"__future__", "dataclasses"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= allowed
        elif isinstance(node, ast.ImportFrom):
            assert (node.level == 1 and node.module == "models") or (node.level == 0 and node.module in allowed)
