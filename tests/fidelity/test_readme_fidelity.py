"""The READMEs' fidelity blocks are exactly what tools/fidelity_report.py prints now, prose included; the
prose carries no typed numbers (every number in it is computed from the tables), and the data modules stay
standard-library only."""

import ast
import dataclasses
import importlib.util
import pathlib
import re
import sys

import pytest

import llmcalc.measured as measured
import llmcalc.published as pub
from llmcalc import fidelity

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
             "llama405b_hours": len(pub.LLAMA3_TABLE4),
             "korthikanti_implementation_check": len(pub.KORTHIKANTI_TABLE3)}
    for name, rows in sizes.items():
        df = getattr(REPORT, name)()
        assert len(df) == rows, name
    assert len(REPORT.calibrated_planner()) == len(pub.PLANNER_RUNS)
    assert len(REPORT.summary("en")) == len(REPORT.summary("zh")) == 6


# ----- the prose: computed, never typed ---------------------------------------------------------------------

# a number that states a result: a decimal (0.69, 78.5; not a section number such as §3.3.4), a percentage,
# a size in GiB/GB, a range (0.66–0.73, 40–53), "about"/"约" before a number
_TYPED = re.compile(r"(?<![§\d.])\d+\.\d+|\d\s*%|\d\s*(GiB|GB)\b|\d\s*[–-]\s*\d|about \d|约 ?\d")


def _string_constants(function) -> list[str]:
    tree = ast.parse(pathlib.Path(REPORT.__file__).read_text(encoding="utf-8"))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function.__name__)
    specs = {id(c) for f in ast.walk(node) if isinstance(f, ast.FormattedValue) and f.format_spec is not None
             for c in ast.walk(f.format_spec)}  # ".1f", ".0%": how a computed number prints, not a number
    skip = {id(c) for n in ast.walk(node) if isinstance(n, ast.Subscript)
            for c in ast.walk(n.slice)}  # column names: df["... %"]
    return [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
            and id(c) not in specs and id(c) not in skip]


@pytest.mark.parametrize("function", [s.note for s in REPORT.SECTIONS] + [REPORT.summary],
                         ids=lambda f: f.__name__)
def test_prose_templates_hold_no_typed_result_numbers(function):
    typed = [text for text in _string_constants(function) if _TYPED.search(text)]
    assert typed == [], f"{function.__name__} types numbers instead of computing them: {typed}"


def test_the_typed_number_pattern_catches_what_the_readme_used_to_type():
    for old in ("0.66–0.73 across", "about 0.69 on A100", "(about 78 GiB) exceeds", "to about 40%", "within 7%",
                "约 78 GiB"):
        assert _TYPED.search(old), old
    for fine in ("§3.3.4", "96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))", "read as 2^24", "ZeRO-1/2", "(v = 1)"):
        assert not _TYPED.search(fine), fine


def _ratio_scaled(df, column, factor):
    return df.assign(**{column: df[column] * factor})


def test_planner_megatron_prose_follows_its_table():
    df = fidelity.megatron_table1()
    spread = fidelity.ratio_spread(df["reported / planner"])
    text = REPORT._note_planner_megatron(df)["en"]
    assert f"{spread['min']:.2f}–{spread['max']:.2f} (median {spread['median']:.2f})" in text
    assert f"within {spread['worst_from_median_percent']:.1f}%" in text
    halved = REPORT._note_planner_megatron(_ratio_scaled(df, "reported / planner", 0.5))["en"]
    assert f"{spread['min'] / 2:.2f}–{spread['max'] / 2:.2f} (median {spread['median'] / 2:.2f})" in halved


def test_sensitivity_prose_follows_its_table():
    df = fidelity.megatron_elementwise_sensitivity()
    text = REPORT._note_sensitivity(df)["en"]
    at4 = df.set_index("elementwise passes (assumed)").loc[4.0, "largest distance from median %"]
    assert f"at the assumed 4 it is {at4:.1f}%" in text
    shifted = _ratio_scaled(df, "largest distance from median %", 3.0)
    assert f"at the assumed 4 it is {3 * at4:.1f}%" in REPORT._note_sensitivity(shifted)["en"]


def test_planner_llama3_prose_follows_its_table():
    df = fidelity.llama3_table4()
    gib = df["planner GiB per GPU (best v)"]
    text = REPORT._note_planner_llama3(df)["en"]
    assert f"{gib.min():.0f}–{gib.max():.0f} GiB per GPU" in text or f"{gib.min():.0f} GiB per GPU" in text
    bigger = df.assign(**{"planner GiB per GPU (best v)": gib + 100, "fits H100 less 10%": False})
    changed = REPORT._note_planner_llama3(bigger)["en"]
    assert f"{gib.min() + 100:.0f}" in changed and "exceeds an H100's" in changed and "although Meta ran them" in changed


def test_llama3_dp_prose_follows_the_printed_values():
    df = REPORT.llama3_table4()
    text = REPORT._note_llama3(df)["en"]
    assert "print DP 4 for the 128K context, 16,384 GPUs row" in text and "8,192 GPUs, not 16,384" in text
    assert "32 sequences per DP group, not the printed 16" in text and "v3 prints 8" in text
    consistent = df.assign(**{"DP printed (before v3)": df["DP consistent"]})
    assert "before v3" not in REPORT._note_llama3(consistent)["en"]


def test_summary_states_the_measured_accuracy_it_computes():
    text = " ".join(REPORT.summary("en")["result"])
    assert f"max error {100 * measured.small_shape_max_abs_error():.2f}% (small)" in text
    assert "implementation check" in " ".join(REPORT.summary("en")["compared with"])


@pytest.mark.parametrize("name", ["README.md", "README.zh.md"])
def test_the_block_names_no_outside_path_and_nothing_remembered(name):
    block = REPORT.readme_block((ROOT / name).read_text(encoding="utf-8"))
    for word in ("seed", "种子", "../shared", "shared/", "reference.md", "remember", "记忆"):
        assert word not in block.lower(), word
    assert "not fitted" not in block and "nothing fitted" not in block


def test_a_column_no_view_names_is_still_printed():
    # the hook for later columns (e.g. planner-predicted TFLOP/s per GPU): added to a table function,
    # it shows up in an extra table rather than being dropped
    first = REPORT.SECTIONS[0]
    widened = dataclasses.replace(first, build=lambda: first.build().assign(**{"planner TFLOP/s per GPU": 1.5}))
    text = REPORT.render("en", sections=(widened,))
    assert "| model | planner TFLOP/s per GPU |" in text and "| 1.7B | 1.5 |" in text


@pytest.mark.parametrize("module", [pub, measured], ids=["published", "measured"])
def test_data_modules_import_only_the_standard_library_and_llmcalc_models(module):
    tree = ast.parse(pathlib.Path(module.__file__).read_text(encoding="utf-8"))
    allowed = {"__future__", "dataclasses"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= allowed
        elif isinstance(node, ast.ImportFrom):
            assert (node.level == 1 and node.module == "models") or (node.level == 0 and node.module in allowed)


def test_published_holds_nothing_measured():
    text = pathlib.Path(pub.__file__).read_text(encoding="utf-8")
    assert not hasattr(pub, "MEMTRACKER_PEAKS") and "MemTracker" not in text and "reference.md" not in text
