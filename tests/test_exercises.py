"""Student notebooks: generated from the chapters, no answers leak, they run with placeholders, and
llmcalc.check accepts llmcalc's values and rejects wrong ones without printing the answer."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

import llmcalc  # noqa: E402
from llmcalc.check import answers, is_right  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOOL = [sys.executable, str(ROOT / "tools" / "make_exercises.py")]
STORED = sorted((ROOT / "exercises").rglob("*.ipynb"))


def generate(out: Path, *extra):
    return subprocess.run(TOOL + ["--out", str(out), *extra], capture_output=True, text=True)


def test_exercises_are_up_to_date_with_the_chapters(tmp_path):
    assert generate(tmp_path).returncode == 0
    fresh = {p.relative_to(tmp_path) for p in tmp_path.rglob("*.ipynb")}
    assert fresh == {p.relative_to(ROOT / "exercises") for p in STORED}, "run: make exercises"
    for rel in fresh:
        assert (tmp_path / rel).read_text() == (ROOT / "exercises" / rel).read_text(), f"{rel} is stale: run make exercises"


def _numbers(text):
    return set(re.findall(r"\d[\d,]*\.?\d*(?:e[+-]?\d+)?", text))


@pytest.mark.parametrize("path", STORED, ids=[str(p.relative_to(ROOT)) for p in STORED])
def test_no_solution_leaks_into_an_exercise(path):
    ex = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in ex.cells)
    assert "<details>" not in text and "Answer (click to reveal)" not in text
    assert not any(c.get("outputs") for c in ex.cells if c.cell_type == "code")
    chapter = nbformat.read(ROOT / "chapters" / path.relative_to(ROOT / "exercises"), as_version=4)
    solution_outputs = "\n".join(o.get("text", "") for c in chapter.cells if "solution" in c.metadata.get("tags", [])
                                 for o in c.get("outputs", []))
    solution_sources = [c.source for c in chapter.cells if "solution" in c.metadata.get("tags", [])]
    assert not [s for s in solution_sources if s in text]
    # numbers the question itself gives (its prose outside <details>, the code it runs) are data, not answers
    given = "\n".join(re.sub(r"<details>.*?</details>", "", c.source, flags=re.S) for c in chapter.cells
                       if "solution" not in c.metadata.get("tags", []))
    # long numbers printed by answer cells (5+ digits) and not given by the question must not appear
    leaked = ({n for n in _numbers(solution_outputs) if len(n.replace(",", "").replace(".", "")) >= 5}
              & _numbers(text)) - _numbers(given)
    assert not leaked, f"answer values in the exercise: {sorted(leaked)[:5]}"


def test_every_question_has_an_answer_cell():
    for path in STORED:
        ex = nbformat.read(path, as_version=4)
        questions = sum(1 for c in ex.cells if c.cell_type == "markdown" and re.search(r"\*\*(Question|问题)", c.source))
        slots = sum(1 for c in ex.cells if "exercise" in c.metadata.get("tags", []))
        assert slots >= questions, path.name


# That the notebooks run with the placeholders in place is tested in test_exercise_leaks.py, which executes
# them (generated from the current chapters) once and also scans what they show.


def test_regenerating_refuses_to_overwrite_a_students_work(tmp_path):
    assert generate(tmp_path).returncode == 0
    target = sorted(tmp_path.rglob("*.ipynb"))[0]
    nb = json.loads(target.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "my notes"})
    target.write_text(json.dumps(nb))
    refused = generate(tmp_path)
    assert refused.returncode != 0 and target.name in refused.stderr + refused.stdout
    assert "my notes" in target.read_text()  # untouched
    assert generate(tmp_path, "--force").returncode == 0 and "my notes" not in target.read_text()


def test_unreadable_notebooks_and_a_malformed_manifest_are_treated_as_edited(tmp_path):
    assert generate(tmp_path).returncode == 0
    nbs = sorted(tmp_path.rglob("*.ipynb"))
    latin1, folder = nbs[0], nbs[1]
    latin1.write_bytes("mes notes: déjà vu".encode("latin-1"))     # not UTF-8
    folder.unlink()
    folder.mkdir()                                                  # a folder where a notebook was
    (folder / "keep.txt").write_text("mine")
    refused = generate(tmp_path)
    out = refused.stderr + refused.stdout
    assert refused.returncode != 0 and "refusing to overwrite" in out and "Traceback" not in out
    assert latin1.name in out and folder.name in out
    assert latin1.read_bytes() == "mes notes: déjà vu".encode("latin-1") and (folder / "keep.txt").exists()

    fresh = tmp_path / "again"
    assert generate(fresh).returncode == 0
    target = sorted(fresh.rglob("*.ipynb"))[0]
    target.write_text(target.read_text().replace("Exercise notebook", "My notebook"))
    (fresh / ".manifest.json").write_text("{not json")                # malformed: no hash vouches for the edit
    refused = generate(fresh)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr and target.name in refused.stderr + refused.stdout
    assert "My notebook" in target.read_text()


@pytest.mark.parametrize("key", sorted(answers()))
def test_check_accepts_llmcalcs_value_and_rejects_a_wrong_one(key, capsys):
    value = answers()[key].compute()
    rtol = answers()[key].rtol
    assert is_right(key, value)
    if answers()[key].kind == "bool":   # a yes/no question: the other answer is wrong
        assert not is_right(key, not value) and llmcalc.check(key, not value) is False
        assert "Hint" in capsys.readouterr().out
        return
    wrong = value * (1 + 3 * rtol) + (1 if rtol == 0 else 0)
    assert not is_right(key, wrong)
    assert llmcalc.check(key, wrong) is False
    out = capsys.readouterr().out
    assert "Hint" in out
    for shown in {f"{value}", f"{value:,}", f"{value:.3g}", f"{value:.2e}"}:
        # as a number of its own: "0.1" inside the echoed wrong answer "0.106" is not the answer shown
        assert not re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d])", out), (shown, out)


def test_every_check_key_in_the_chapters_exists():
    keys = set()
    for path in (ROOT / "chapters").rglob("[0-9][0-9]_*.ipynb"):
        for c in nbformat.read(path, as_version=4).cells:
            keys |= {t[6:] for t in c.metadata.get("tags", []) if t.startswith("check:")}
    assert keys, "no chapter links a solution to llmcalc.check"
    assert keys <= set(answers())


def test_unknown_key_is_refused_with_suggestions():
    with pytest.raises(ValueError, match=r"Unknown exercise key '405b.param'\. Did you mean '405b.params'"):
        is_right("405b.param", 1.0)
