"""One notation for the whole workbook (issue 11, "One notation").

docs/notation.md and docs/notation.zh.md hold the workbook's only symbol table. These tests check that
(a) the page itself gives each symbol one meaning, and its two editions list the same symbols in the same order
    under the same anchors;
(b) every chapter's **Symbols** table (both editions) is a subset of the page: each (symbol, meaning) pair of the
    chapter's table equals the page's row for that symbol in the chapter's language, cell for cell (whitespace
    aside). A chapter may not merge two symbols into one cell unless the page does;
(c) every chapter links the notation page of its language, with a link that resolves.

The expected meanings come from the page, which is written by hand from the chapters and *How To Scale Your
Model*; the chapters are checked against it, never the other way round.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = {"en": REPO / "docs" / "notation.md", "zh": REPO / "docs" / "notation.zh.md"}
CHAPTERS = {
    "en": sorted((REPO / "chapters").glob("[0-9][0-9]_*.py")),
    "zh": sorted((REPO / "chapters" / "zh").glob("[0-9][0-9]_*.py")),
}
HEADERS = {"en": ("symbol", "meaning"), "zh": ("符号", "含义")}
LINK_LINE = {
    "en": "Notation for the whole workbook: [Notation](../docs/notation.md).",
    "zh": "全书记号：[记号表](../../docs/notation.zh.md)。",
}
# Where a chapter's symbols table starts: a bold "Symbols" (en) or "符号" / "符号表" (zh) line.
TABLE_INTRO = {"en": re.compile(r"\*\*Symbols\*\*"), "zh": re.compile(r"\*\*符号表?\*\*")}
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
MATH = re.compile(r"\$[^$]+\$")


def _norm(cell: str) -> str:
    return " ".join(cell.split())


def _cells(line: str) -> list[str]:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        raise ValueError(f"not a table row: {line!r}")
    return [_norm(c) for c in line[1:-1].split("|")]


def _is_rule(cells: list[str]) -> bool:
    return all(re.fullmatch(r":?-{3,}:?", c) for c in cells)


def _tables(lines: list[str]):
    """Yield (header cells, body rows) for every markdown table in `lines`."""
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("|") and i + 1 < len(lines) and lines[i + 1].strip().startswith("|") \
                and _is_rule(_cells(lines[i + 1])):
            header = _cells(lines[i])
            body = []
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                body.append(_cells(lines[j]))
                j += 1
            yield header, body
            i = j
        else:
            i += 1


def _pairs(header: list[str], body: list[list[str]], lang: str) -> list[tuple[str, str]]:
    """The (symbol, meaning) pairs of a table whose header has symbol/meaning column pairs; [] if it has none."""
    sym, mean = HEADERS[lang]
    cols = [i for i in range(len(header) - 1) if header[i].lower() == sym and header[i + 1].lower() == mean]
    out = []
    for row in body:
        for i in cols:
            if i + 1 < len(row) and row[i]:
                out.append((row[i], row[i + 1]))
    return out


def page_symbols(lang: str) -> list[tuple[str, str]]:
    """The page's (symbol, meaning) rows, in order, from the tables before the other-notations section."""
    text = PAGES[lang].read_text(encoding="utf-8")
    main = text.split('<a id="other-notations"></a>')[0]
    rows = []
    for header, body in _tables(main.splitlines()):
        rows += _pairs(header, body, lang)
    return rows


def chapter_symbols(path: Path, lang: str) -> list[tuple[str, str]]:
    """The (symbol, meaning) pairs of the first table after the chapter's Symbols line (markdown comment lines)."""
    lines = [ln[2:] if ln.startswith("# ") else ("" if ln.strip() == "#" else "\0") for ln in
             path.read_text(encoding="utf-8").splitlines()]
    for k, ln in enumerate(lines):
        if TABLE_INTRO[lang].search(ln):
            for header, body in _tables(lines[k + 1:]):
                return _pairs(header, body, lang)
            break
    return []


# ----- (a) the page --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_gives_each_symbol_one_meaning(lang):
    rows = page_symbols(lang)
    assert len(rows) >= 40, f"{PAGES[lang].name}: only {len(rows)} symbol rows parsed"
    cells = [s for s, _ in rows]
    assert len(cells) == len(set(cells)), f"a symbol cell appears twice: {sorted(c for c in cells if cells.count(c) > 1)}"
    # A symbol inside a multi-symbol cell ("$r_q$, $r_{kv}$") may not have a row of its own elsewhere.
    seen: dict[str, str] = {}
    for cell, _ in rows:
        for token in MATH.findall(cell) or [cell]:
            assert token not in seen, f"{token} is defined in two rows: {seen[token]!r} and {cell!r}"
            seen[token] = cell
    for cell, meaning in rows:
        assert meaning, f"{cell} has no meaning"


def test_page_editions_list_the_same_symbols_in_the_same_order():
    en = [s for s, _ in page_symbols("en")]
    zh = [s for s, _ in page_symbols("zh")]
    assert en == zh


def test_page_editions_have_the_same_anchors():
    en = ANCHOR.findall(PAGES["en"].read_text(encoding="utf-8"))
    zh = ANCHOR.findall(PAGES["zh"].read_text(encoding="utf-8"))
    assert en == zh and "other-notations" in en and "symbols" in en


def test_the_clashes_of_issue_11_are_resolved_on_the_page():
    """Each letter the issue found with two meanings has exactly the one kept here (a hand-written list)."""
    meaning = dict(page_symbols("en"))
    assert meaning["$B$"] == "batch in tokens (global, per step)"
    assert meaning["$N$"] == "query heads per layer"
    assert meaning["$m$"] == "micro-batches per pipeline per step"
    assert meaning["$V$"] == "vocabulary size"
    assert meaning["$P$"] == "parameter count"
    assert meaning["$H$"].startswith("width of one attention head")
    # and the other meanings each got their own symbol
    for other in ("$B_\\text{seq}$", "$n$", "$n_\\text{mat}$", "$S$", "$n_\\text{pods}$"):
        assert other in meaning, other


# ----- (b) every chapter's table is a subset of the page -------------------------------------------------

CASES = [(lang, path) for lang in ("en", "zh") for path in CHAPTERS[lang]]


def test_both_editions_have_chapters():
    assert len(CHAPTERS["en"]) == len(CHAPTERS["zh"]) >= 5


@pytest.mark.parametrize("lang,path", CASES, ids=[f"{lang}/{p.stem}" for lang, p in CASES])
def test_chapter_symbols_table_agrees_with_the_page(lang, path):
    page = dict(page_symbols(lang))
    pairs = chapter_symbols(path, lang)
    assert pairs, f"{path.relative_to(REPO)}: no symbols table (a **Symbols** line followed by a symbol/meaning table)"
    wrong = []
    for sym, meaning in pairs:
        if sym not in page:
            wrong.append(f"{sym}: not a row of the notation page")
        elif meaning != page[sym]:
            wrong.append(f"{sym}: chapter says {meaning!r}, the page says {page[sym]!r}")
    assert not wrong, f"{path.relative_to(REPO)}:\n  " + "\n  ".join(wrong)


# ----- (c) every chapter links the page -------------------------------------------------------------------

@pytest.mark.parametrize("lang,path", CASES, ids=[f"{lang}/{p.stem}" for lang, p in CASES])
def test_chapter_links_the_notation_page(lang, path):
    text = path.read_text(encoding="utf-8")
    has_line = f"# {LINK_LINE[lang]}" in text.splitlines()
    assert has_line, f"{path.relative_to(REPO)} lacks the line {LINK_LINE[lang]!r}"
    target = re.search(r"\]\(([^)]+)\)", LINK_LINE[lang]).group(1)
    assert (path.parent / target).resolve() == PAGES[lang].resolve()


# ----- the parser itself -----------------------------------------------------------------------------------

def test_parser_reads_four_column_tables_and_skips_non_symbol_columns():
    lines = ["| symbol | meaning | symbol | meaning |", "|---|---|---|---|",
             "| $L$ | layers | $T$ | sequence length |", "| $D$ | model width | | |"]
    (header, body), = list(_tables(lines))
    assert _pairs(header, body, "en") == [("$L$", "layers"), ("$T$", "sequence length"), ("$D$", "model width")]
    lines = ["| symbol | meaning | field in Hugging Face `config.json` |", "|---|---|---|", "| $L$ | layers | `n` |"]
    (header, body), = list(_tables(lines))
    assert _pairs(header, body, "en") == [("$L$", "layers")]
