"""Every checked question names the unit and form its key expects: the markdown question above a cell tagged
``check:KEY`` contains ``answers()[KEY].form`` (English chapters) or ``.form_zh`` (Chinese chapters), so a student
knows "in TB", "as a fraction, e.g. 0.125 (not 12.5%)" or "as True (yes) or False (no)" before answering.

The question of a cell is the nearest markdown cell above it with a **Question** / **Exercise** (**问题** /
**练习**) label, from its last such label on, with the <details> answers taken out. Formatting that does
not change the words is ignored ($…$, braces, backslash spacing, bold, code ticks, full-width punctuation).
"""

import re
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

from llmcalc.check import answers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EN = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.py"))
ZH = sorted((ROOT / "chapters" / "zh").glob("[0-9][0-9]_*.py"))
LABEL = re.compile(r"\*\*(Question|Exercise|问题|练习)")
DETAILS = re.compile(r"<details>.*?</details>", re.S)


def normalise(text: str) -> str:
    text = DETAILS.sub(" ", text)
    text = re.sub(r"\\[,;! ]", " ", text)                       # LaTeX spacing
    text = re.sub(r"[$*`{}]", "", text)                        # math, bold, code, braces
    text = text.translate(str.maketrans("（），：；", "(),:;"))
    return re.sub(r"\s+", " ", text).strip()


def checked_questions(path: Path, nb=None):
    """(keys, question text) for every cell tagged check:KEY, the question as described above (``nb``: the
    chapter already read, else it is read from ``path``)."""
    nb = jupytext.read(path) if nb is None else nb
    question = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = DETAILS.sub(" ", cell.source)
            labels = list(LABEL.finditer(text))
            if labels:
                question = text[labels[-1].start():]
            continue
        keys = [t[6:] for t in cell.metadata.get("tags", []) if t.startswith("check:")]
        if keys:
            yield keys, question


def cases(paths, zh):
    for path in paths:
        for keys, question in checked_questions(path):
            for key in keys:
                yield pytest.param(path, key, question, zh, id=f"{path.relative_to(ROOT)}:{key}")


@pytest.mark.parametrize("path,key,question,zh", list(cases(EN, False)) + list(cases(ZH, True)))
def test_the_question_names_the_unit_and_form_of_its_key(path, key, question, zh):
    assert question is not None, f"{path.name}: no **Question** / **问题** above the cell checked by {key}"
    a = answers()[key]
    phrase = normalise(a.form_zh if zh else a.form)
    text = normalise(question)
    if not zh:
        phrase, text = phrase.casefold(), text.casefold()
    assert phrase in text, f"{path.name}: the question for {key} should say {phrase!r}:\n{question[:400]}"


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_every_key_is_asked_in_the_chapters(edition):
    tagged = {key for path in (EN if edition == "en" else ZH) for keys, _ in checked_questions(path) for key in keys}
    assert tagged, "no chapter cell is tagged check:KEY"
    missing = sorted(set(answers()) - tagged)
    assert not missing, f"keys that no {edition} chapter asks: {missing}"
