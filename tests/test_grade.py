"""The class view (tools/grade.py, ``make grade DIR=...``), on a folder of made-up students.

The students are copies of the published chapter 1 exercise notebook (exercises/01_params.ipynb and its Chinese
twin), cut down to the setup cells and the check cells so that each runs in a couple of seconds, with answers
typed in:

- ``alice-ch1.ipynb``   right answers for the four 405B keys and Gemma-2's tying saving, the rest left ``...``;
- ``bob.ipynb``         a wrong total (7e9 for the 405B), the rest left ``...``;
- ``carol.ipynb``       nothing filled in;
- ``dan.ipynb``         the 405B cell raises (1/0) before its checks; the Gemma-2 cell after it is right,
                        and the notebook writes a scratch file into its working folder;
- ``erin.ipynb``        the 405B cell is right, then the Gemma-2 cell sleeps for an hour (time limit);
- ``lin/01_params.ipynb``  (one folder down) the Chinese edition, the same right answers as alice's;
- ``mallory.ipynb``     replaces llmcalc.check by a function that always prints "Right" (records nothing);
- ``broken.ipynb``      not JSON.

The right answers are worked out by hand from the published shapes, not by llmcalc:
Llama 3.1 405B (Meta's config.json for meta-llama/Llama-3.1-405B, and "The Llama 3 Herd of Models", Dubey et al.
2024, Table 3): L = 126, D = 16384, F = 53248, N = 128 query heads, K = 8 KV heads, H = 128, V = 128256;
Gemma 2 9B (google/gemma-2-9b config.json): D = 3584, V = 256000.
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]

spec = importlib.util.spec_from_file_location("grade", REPO / "tools" / "grade.py")
G = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = G  # dataclasses look their module up there
spec.loader.exec_module(G)

# Hand calculations (integers, so the typed answer is exact):
MLP_405B = 3 * 16384 * 53248 * 126  # 3·D·F·L = 3 · 872,415,232 · 126 = 329,772,957,696
ATTN_405B = 126 * (2 * 16384 * 128 * 128 + 2 * 16384 * 8 * 128)  # L·(2DNH + 2DKH) = 126 · 570,425,344 = 71,873,593,344
VOCAB_405B = 2 * 128256 * 16384  # two V × D tables (untied) = 4,202,692,608
TOTAL_405B = 405e9  # Meta's rounded "405B"; the exact count (405,853,388,800) is 0.2% above, inside the 1% tolerance
GEMMA_TYING = 256000 * 3584  # the one V × D table that tying saves = 917,504,000
assert (MLP_405B, ATTN_405B, VOCAB_405B, GEMMA_TYING) == (329_772_957_696, 71_873_593_344, 4_202_692_608, 917_504_000)
RIGHT = {"405b.mlp_params": MLP_405B, "405b.attention_params": ATTN_405B, "405b.vocab_params": VOCAB_405B,
         "405b.params": TOTAL_405B, "gemma2.tying_saves": GEMMA_TYING}
KEYS_CH1 = ["l3_70b.slide_overcount", "gpt3.weight_matrices", "gpt3.extra_params",
            "gpt_oss.active_params_no_embedding", "gpt_oss.sinks_and_biases", "405b.mlp_params",
            "405b.attention_params", "405b.vocab_params", "405b.params", "gemma2.tying_saves",
            "gemma2.untied_head_fraction", "mixtral.active_fraction", "l2_70b.gqa_attention_params_per_layer",
            "l2_70b.mha_attention_params_per_layer", "l2_70b.mha_extra_params", "glm45.attention_params_per_layer"]
TIMEOUT_S = 25  # per notebook; a cut-down notebook runs in about 2 s, erin's sleeps for an hour


def cut_down(source: Path):
    """The exercise notebook with only its setup cells (imports, language) and its check cells."""
    nb = nbformat.read(source, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = [c for c in code if "import llmcalc" in c.source or "language" in c.metadata.get("tags", [])]
    checks = [c for c in code if "check(" in c.source]
    assert setup and checks, source
    nb.cells = [nb.cells[0], *setup, *checks]
    return nb


def cell_with(nb, key):
    return next(c for c in nb.cells if f'check("{key}"' in c.source)


def fill(nb, answers: dict):
    """Type ``answers`` into the ``answer = ...`` line that precedes each key's check call."""
    nb = copy.deepcopy(nb)
    for key, value in answers.items():
        cell = cell_with(nb, key)
        # the line may end with a comment naming the form ("answer = ...   # in GB"), kept as a student would
        pattern = re.compile(r"answer = \.\.\.([^\n]*\n\s*llmcalc\.check\(\"" + re.escape(key) + '")')
        cell.source, n = pattern.subn(lambda m: f"answer = {value!r}" + m.group(1), cell.source)
        assert n == 1, (key, cell.source)
    return nb


def prepend(nb, key, code):
    nb = copy.deepcopy(nb)
    cell = cell_with(nb, key)
    cell.source = code + "\n" + cell.source
    return nb


def write(path: Path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


EXPECTED = {}  # notebook -> key -> status (absent: all the chapter's other keys are "not attempted")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    en = cut_down(REPO / "exercises" / "01_params.ipynb")
    zh = cut_down(REPO / "exercises" / "zh" / "01_params.ipynb")
    assert [k for _, k in G.check_keys(en)] == KEYS_CH1
    five = dict(RIGHT)
    write(folder / "alice-ch1.ipynb", fill(en, five))
    write(folder / "bob.ipynb", fill(en, {"405b.params": 7e9}))
    write(folder / "carol.ipynb", en)
    dan = fill(en, five)
    dan = prepend(dan, "405b.params", 'open("scratch.txt", "w").write("dan was here")\n1 / 0')
    write(folder / "dan.ipynb", dan)
    write(folder / "erin.ipynb", prepend(fill(en, five), "gemma2.tying_saves", "import time\ntime.sleep(3600)"))
    write(folder / "lin" / "01_params.ipynb", fill(zh, five))
    write(folder / "mallory.ipynb",
          prepend(fill(en, {"405b.params": 7e9}), "405b.params",
                  'llmcalc.check = lambda key, answer, lang="en": print("✅ Right")'))
    (folder / "broken.ipynb").write_text("{ this is not a notebook", encoding="utf-8")

    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    out = tmp_path_factory.mktemp("report")
    results = G.grade(folder, out, timeout_s=TIMEOUT_S, quiet=True)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    return folder, out, {r.name: r for r in results}, before, after


def expected_row(name):
    rest = {k: "not attempted" for k in KEYS_CH1}
    right5 = {k: "right" for k in RIGHT}
    # the gemma2 cell holds two checks: tying_saves (typed in) and untied_head_fraction (left ...)
    if name in ("alice-ch1.ipynb", "lin/01_params.ipynb"):
        return {**rest, **right5}
    if name == "bob.ipynb":
        return {**rest, "405b.params": "wrong"}
    if name == "carol.ipynb":
        return rest
    if name == "dan.ipynb":
        # the 405B cell raised before any of its four checks; execution went on to the Gemma-2 cell
        return {**rest, **{k: "error" for k in ("405b.mlp_params", "405b.attention_params", "405b.vocab_params",
                                                "405b.params")}, "gemma2.tying_saves": "right"}
    if name == "erin.ipynb":
        # right up to the 405B cell; the Gemma-2 cell hung, so it and every later check never ran
        hung = KEYS_CH1[KEYS_CH1.index("gemma2.tying_saves"):]
        return {**rest, **{k: "right" for k in RIGHT if k != "gemma2.tying_saves"}, **{k: "not run" for k in hung}}
    if name == "mallory.ipynb":
        return rest  # the fake check recorded nothing, whatever it printed
    raise KeyError(name)


NAMES = ["alice-ch1.ipynb", "bob.ipynb", "broken.ipynb", "carol.ipynb", "dan.ipynb", "erin.ipynb",
         "lin/01_params.ipynb", "mallory.ipynb"]


def test_every_notebook_has_a_row(graded):
    _, _, results, _, _ = graded
    assert sorted(results) == NAMES


@pytest.mark.parametrize("name", [n for n in NAMES if n != "broken.ipynb"])
def test_table_cell_by_cell(graded, name):
    _, _, results, _, _ = graded
    r = results[name]
    assert r.keys == KEYS_CH1, name
    assert r.status == expected_row(name), name


def test_outcomes_and_details(graded):
    _, _, results, _, _ = graded
    outcomes = {n: r.outcome for n, r in results.items()}
    assert outcomes == {**{n: "ran" for n in NAMES}, "erin.ipynb": "timed out", "broken.ipynb": "unreadable"}
    assert "ZeroDivisionError" in results["dan.ipynb"].detail
    assert f"after {TIMEOUT_S} s" in results["erin.ipynb"].detail
    # erin's run was stopped at the limit, not after the hour of sleep
    assert TIMEOUT_S - 1 <= results["erin.ipynb"].seconds < TIMEOUT_S + 30
    assert results["broken.ipynb"].status == {} and results["broken.ipynb"].keys == []
    assert results["alice-ch1.ipynb"].n_right == 5 and results["bob.ipynb"].n_right == 0


def test_students_files_untouched(graded):
    folder, _, _, before, after = graded
    assert after == before  # same files, same bytes, same modification times
    assert not (folder / "scratch.txt").exists()  # dan's notebook wrote into a temporary folder, not here


def test_csv_and_html_report(graded):
    _, out, results, _, _ = graded
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["notebook"] for r in rows] == NAMES
    header = list(rows[0])
    assert header[:5] == ["notebook", "outcome", "detail", "right", "checks"]
    assert header[5:] == KEYS_CH1  # the order of the published exercise notebook
    for row in rows:
        if row["notebook"] == "broken.ipynb":
            assert row["outcome"] == "unreadable" and all(row[k] == "" for k in KEYS_CH1)
            continue
        assert {k: row[k] for k in KEYS_CH1} == expected_row(row["notebook"]), row["notebook"]
    html = (out / "grades.html").read_text(encoding="utf-8")
    bs4 = pytest.importorskip("bs4")
    doc = bs4.BeautifulSoup(html, "html.parser")
    body = doc.find("tbody").find_all("tr")
    assert [tr.find("td").get_text() for tr in body] == NAMES
    alice = body[0].find_all("td")
    first_key = 3  # name, outcome, right count, then the keys
    shown = {k: alice[first_key + i].get("class", [""])[0] for i, k in enumerate(KEYS_CH1)}
    assert shown == {k: s.replace(" ", "-") for k, s in expected_row("alice-ch1.ipynb").items()}
    foot = [td.get_text() for td in doc.find("tfoot").find_all("td")]
    # right per key over the seven readable notebooks: 405b.params right for alice, erin and lin
    assert foot[first_key + KEYS_CH1.index("405b.params")] == "3/7"
    assert foot[first_key + KEYS_CH1.index("gemma2.tying_saves")] == "3/7"  # alice, dan, lin


def _digit_forms(x: float) -> set[str]:
    """How a number could appear in a report: plain, with separators, in scientific notation, its leading digits."""
    forms = {repr(x), f"{x:,}", f"{x:.6e}", f"{x:g}"}
    if float(x).is_integer():
        forms |= {str(int(x)), f"{int(x):,}"}
    digits = re.sub(r"\D", "", f"{x:.10e}".split("e")[0]).rstrip("0")
    if len(digits) >= 5:
        forms.add(digits[:5])
    return {f for f in forms if len(re.sub(r"\D", "", f)) >= 3}


def test_no_value_in_the_report(graded):
    """Neither what a student typed nor llmcalc's expected value appears in either report file."""
    from llmcalc.check import answers

    _, out, _, _, _ = graded
    text = (out / "grades.csv").read_text(encoding="utf-8") + (out / "grades.html").read_text(encoding="utf-8")
    typed = [*RIGHT.values(), 7e9]
    expected = [answers()[k].compute() for k in KEYS_CH1]
    for x in typed + expected:
        for form in _digit_forms(x):
            assert form not in text, f"{form!r} (from {x!r}) appears in the report"


def test_cli_refuses_bad_input(tmp_path):
    run = [sys.executable, str(REPO / "tools" / "grade.py")]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    students = tmp_path / "students"
    missing = subprocess.run(run + [str(students)], capture_output=True, text=True, cwd=cwd)
    assert missing.returncode == 2 and "DIR must be an existing folder" in missing.stderr
    students.mkdir()
    empty = subprocess.run(run + [str(students)], capture_output=True, text=True, cwd=cwd)
    assert empty.returncode == 2 and "DIR must hold .ipynb notebooks" in empty.stderr
    (students / "a.ipynb").write_text("{}", encoding="utf-8")
    bad = subprocess.run(run + [str(students), "--timeout", "0"], capture_output=True, text=True, cwd=cwd)
    assert bad.returncode == 2 and "timeout must be a number of seconds from 1 to 86400" in bad.stderr
    assert list(cwd.iterdir()) == []  # nothing written on a refusal (the report goes to ./grade-report)


def test_finds_notebooks_one_level_down_only(tmp_path):
    for rel in ("a.ipynb", "x/b.ipynb", "x/y/too_deep.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb",
                "x/.ipynb_checkpoints/b-checkpoint.ipynb", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in G.find_notebooks(tmp_path)] == ["a.ipynb", "x/b.ipynb"]


def test_make_grade_target(tmp_path):
    usage = subprocess.run(["make", "--no-print-directory", "grade"], cwd=REPO, capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: make grade DIR=" in usage.stderr
    dry = subprocess.run(["make", "--no-print-directory", "-n", "grade", f"DIR={tmp_path}", "OUT=r", "TIMEOUT=30"],
                         cwd=REPO, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert f'tools/grade.py "{tmp_path}" --out "r" --timeout "30"' in dry.stdout
    help_text = subprocess.run(["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True).stdout
    assert "make grade DIR=" in help_text
