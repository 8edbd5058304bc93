"""Sources as a reader meets them: named by what they are, listed on a references page in both languages.

(a) No reader-facing text calls a source by a placeholder name ("seed", "种子"), points at a file outside the
    repository ("../shared", "shared/reference", a bare "reference.md"), or rests a claim on memory ("as we
    remember"). Reader-facing: the jupytext sources of the chapters, every cell and stored text output of the
    chapter, exercise and dashboard notebooks, README*.md, docs/*.md, every string literal and comment of
    lib/llmcalc/*.py, and every hint the self-check can print.
(b) Every chapter of both editions carries the line that links to its language's references page, in the
    jupytext source and in the stored notebook, and the link resolves to a file in the repository.
(c) The two references pages have the same anchors in the same order, and every link to an anchor of a
    references page (from chapters, READMEs, docs, the library) names one that exists.
(d) The fact tables of the references pages agree with the library they describe: parameter counts and
    shapes of the presets, peak FLOP/s and exposed HBM of the chips (so neither can drift from the other).
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

import llmcalc
from llmcalc import hardware

check_module = importlib.import_module("llmcalc.check")  # llmcalc.check is also the function's name

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
REFERENCES = {"en": DOCS / "references.md", "zh": DOCS / "references.zh.md"}
LINK_LINE = {
    "en": "Sources for every figure in this chapter: [References](../docs/references.md).",
    "zh": "本章所有数字的出处：[参考文献](../../docs/references.zh.md)。",
}
CHAPTER_DIRS = {"en": REPO / "chapters", "zh": REPO / "chapters" / "zh"}

# What a reader must never meet. `manual_seed` is torch's name for seeding a random generator, not a source.
ALLOWED_SEED_WORDS = re.compile(r"manual_seed", re.I)
PLACEHOLDER_NAME = re.compile(r"seed|种子", re.I)
OUTSIDE_PATH = re.compile(r"\.\./shared|\bshared/|\breference\.md\b")
FROM_MEMORY = re.compile(r"as (?:we|i) remember|据我们.{0,8}记忆|凭记忆", re.I)
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


# ----- collecting reader-facing text ------------------------------------------------------------------

def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _notebook_texts(path: Path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        yield f"{_rel(path)} cell {i} ({cell.cell_type})", cell.source
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                yield f"{_rel(path)} cell {i} output", out.get("text", "")
            for mime in TEXT_MIMES:
                value = out.get("data", {}).get(mime)
                if value:
                    yield f"{_rel(path)} cell {i} output {mime}", value if isinstance(value, str) else "".join(value)


def _python_strings_and_comments(path: Path):
    """Every string literal (docstrings, messages, source= records) and every comment of a module."""
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield f"{_rel(path)}:{node.lineno} string", node.value
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            yield f"{_rel(path)}:{tok.start[0]} comment", tok.string


def _check_hints():
    for key, answer in check_module._registry().items():
        for field in ("hint", "hint_zh", "unit"):
            yield f"llmcalc.check hint {key!r}.{field}", getattr(answer, field)


def reader_facing_texts():
    for folder in CHAPTER_DIRS.values():
        for path in sorted(folder.glob("[0-9][0-9]_*.py")):
            yield _rel(path), path.read_text(encoding="utf-8")
    for pattern in ("chapters/**/*.ipynb", "exercises/**/*.ipynb", "demo/*.ipynb"):
        for path in sorted(REPO.glob(pattern)):
            if ".ipynb_checkpoints" not in path.parts:
                yield from _notebook_texts(path)
    for path in sorted(REPO.glob("demo/*.py")):
        yield _rel(path), path.read_text(encoding="utf-8")
    for path in sorted(REPO.glob("README*.md")) + sorted(DOCS.glob("*.md")):
        yield _rel(path), path.read_text(encoding="utf-8")
    for path in sorted((REPO / "lib" / "llmcalc").glob("*.py")):
        yield from _python_strings_and_comments(path)
    yield from _check_hints()


def _offences(pattern: re.Pattern, strip: re.Pattern | None = None) -> list[str]:
    found = []
    for where, text in reader_facing_texts():
        if strip is not None:
            text = strip.sub("", text)
        for line in text.splitlines():
            m = pattern.search(line)
            if m:
                found.append(f"{where}: …{line[max(0, m.start() - 40):m.end() + 40].strip()}…")
    return found


def _report(found: list[str], what: str) -> str:
    """Counts per file first (so every failing file is named), then the first examples."""
    per_file: dict[str, int] = {}
    for item in found:
        name = re.split(r"[: ]", item, maxsplit=1)[0]
        per_file[name] = per_file.get(name, 0) + 1
    files = "\n  ".join(f"{n:4d}  {name}" for name, n in per_file.items())
    shown = "\n  ".join(found[:40])
    more = f"\n  … and {len(found) - 40} more" if len(found) > 40 else ""
    return f"{len(found)} place(s) {what}, by file:\n  {files}\nfirst ones:\n  {shown}{more}"


# ----- (a) ----------------------------------------------------------------------------------------------

def test_the_scan_sees_every_kind_of_text():
    # guard against a scan that silently reads nothing: each kind of source must contribute some text
    kinds = {"chapter source": 0, "notebook output": 0, "docs": 0, "library": 0, "check hint": 0}
    for where, text in reader_facing_texts():
        if not text:
            continue
        if where.startswith("chapters/") and where.endswith(".py"):
            kinds["chapter source"] += 1
        elif " output" in where:
            kinds["notebook output"] += 1
        elif where.startswith("docs/"):
            kinds["docs"] += 1
        elif where.startswith("lib/llmcalc/"):
            kinds["library"] += 1
        elif where.startswith("llmcalc.check hint"):
            kinds["check hint"] += 1
    assert all(kinds.values()), kinds
    # and the patterns do fire on the phrases they are meant to catch
    assert PLACEHOLDER_NAME.search("as seed 000 prints") and PLACEHOLDER_NAME.search("种子 004")
    assert not PLACEHOLDER_NAME.search(ALLOWED_SEED_WORDS.sub("", "torch.manual_seed(0)"))
    assert OUTSIDE_PATH.search("see `shared/reference.md` §6") and OUTSIDE_PATH.search("(reference.md §4)")
    assert OUTSIDE_PATH.search("../shared/style.md") and not OUTSIDE_PATH.search("docs/references.md")
    assert FROM_MEMORY.search("as we remember the paper") and FROM_MEMORY.search("据我们对论文的记忆")


def test_no_source_is_called_by_a_placeholder_name():
    found = _offences(PLACEHOLDER_NAME, strip=ALLOWED_SEED_WORDS)
    assert not found, _report(found, "call a source 'seed'/'种子' instead of citing it (docs/references.md)")


def test_no_path_outside_the_repository():
    found = _offences(OUTSIDE_PATH)
    assert not found, _report(found, "point at a file readers do not have (cite docs/references.md instead)")


def test_no_claim_rests_on_memory():
    found = _offences(FROM_MEMORY)
    assert not found, _report(found, "state a claim 'as remembered' (check it against its source and cite it)")


# ----- (b) ----------------------------------------------------------------------------------------------

def _chapters(lang: str) -> list[Path]:
    return sorted(CHAPTER_DIRS[lang].glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chapter_links_its_references_page(lang):
    chapters = _chapters(lang)
    assert chapters, f"no chapters in {CHAPTER_DIRS[lang]}"
    line = LINK_LINE[lang]
    target = re.search(r"\]\(([^)#]+)", line).group(1)
    missing = []
    for path in chapters:
        assert (path.parent / target).resolve() == REFERENCES[lang].resolve(), (path, target)
        if line not in path.read_text(encoding="utf-8"):
            missing.append(f"{_rel(path)} (jupytext source)")
        nb_path = path.with_suffix(".ipynb")
        markdown = "\n".join(c.source for c in nbformat.read(nb_path, as_version=4).cells
                             if c.cell_type == "markdown") if nb_path.exists() else ""
        if line not in markdown:
            missing.append(f"{_rel(nb_path)} (stored notebook)")
    assert REFERENCES[lang].is_file()
    assert not missing, f"missing the line {line!r} in:\n  " + "\n  ".join(missing)


# ----- (c) ----------------------------------------------------------------------------------------------

def anchors(path: Path) -> list[str]:
    return re.findall(r'<a id="([^"]+)"></a>', path.read_text(encoding="utf-8"))


def test_both_references_pages_have_the_same_anchors():
    en, zh = anchors(REFERENCES["en"]), anchors(REFERENCES["zh"])
    assert len(en) >= 30, "expected a full reference list"
    assert len(set(en)) == len(en), "duplicate anchor in references.md"
    assert en == zh, (f"only in en: {sorted(set(en) - set(zh))}; only in zh: {sorted(set(zh) - set(en))}; "
                      "or the order differs")
    # the numbering [n] follows the anchors in both languages
    for lang, path in REFERENCES.items():
        numbers = [int(n) for n in re.findall(r'<a id="[^"]+"></a>\s*\n\*\*\[(\d+)\]', path.read_text(encoding="utf-8"))]
        assert numbers == list(range(1, len(en) + 1)), f"{path.name}: entries not numbered 1..{len(en)} in order"


def test_links_to_reference_anchors_exist():
    known = {name: set(anchors(path)) for name, path in (("references.md", REFERENCES["en"]),
                                                          ("references.zh.md", REFERENCES["zh"]))}
    files = ([p for d in CHAPTER_DIRS.values() for p in d.glob("[0-9][0-9]_*.py")] + sorted(REPO.glob("README*.md"))
             + sorted(DOCS.glob("*.md")) + sorted((REPO / "lib" / "llmcalc").glob("*.py")))
    bad = []
    for path in files:
        for page, fragment in re.findall(r"(references(?:\.zh)?\.md)#([\w.-]+)", path.read_text(encoding="utf-8")):
            if fragment not in known[page]:
                bad.append(f"{_rel(path)}: {page}#{fragment}")
    assert not bad, "links to anchors that do not exist:\n  " + "\n  ".join(bad)


# ----- (d) ----------------------------------------------------------------------------------------------

def _table_rows(path: Path, header_start: str) -> list[list[str]]:
    """Cells of the markdown table whose header row starts with ``header_start``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _int(cell: str) -> int:
    return int(re.match(r"[\d,]+", cell).group(0).replace(",", ""))


@pytest.mark.parametrize("lang,header", [("en", "| preset |"), ("zh", "| 预设 |")])
def test_model_table_matches_the_presets(lang, header):
    # The counts on the page are sum(p.numel()) of the transformers models (make crosscheck asserts that
    # llmcalc.param_count equals them); here the page and the library must agree, digit for digit.
    rows = _table_rows(REFERENCES[lang], header)
    assert len(rows) >= 12
    for cells in rows:
        name = re.match(r"[\w.-]+", cells[0]).group(0)
        cfg = llmcalc.preset(name)
        L, D, F, N, K = (int(c) for c in cells[1:6])
        assert (L, D, F, N, K) == (cfg.L, cfg.D, cfg.F, cfg.N, cfg.K), name
        assert int(cells[7]) == cfg.V, name
        assert _int(cells[9]) == llmcalc.param_count(cfg), name
        active = re.search(r"\(([\d,]+)", cells[9])
        if active:
            assert _int(active.group(1)) == llmcalc.active_param_count(cfg), name


SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _sci(cell: str) -> float:
    m = re.match(r"([\d.]+) × 10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", cell)
    return float(m.group(1)) * 10 ** int(m.group(2).translate(SUPERSCRIPT))


CHIP_ROWS = {"V100 SXM2": "V100", "A100 SXM 80GB": "A100", "H100 SXM": "H100", "H800 SXM": "H800",
             "H200 SXM": "H200", "B200": "B200", "TPU v4": "TPU v4", "TPU v5e": "TPU v5e", "TPU v5p": "TPU v5p",
             "TPU v6e": "TPU v6e"}


@pytest.mark.parametrize("lang,header", [("en", "| chip |"), ("zh", "| 芯片 |")])
def test_hardware_table_matches_the_chips(lang, header):
    rows = {cells[0]: cells for cells in _table_rows(REFERENCES[lang], header)}
    assert set(rows) == set(CHIP_ROWS), sorted(set(rows) ^ set(CHIP_ROWS))
    for label, name in CHIP_ROWS.items():
        chip, cells = hardware.CHIPS[name], rows[label]
        assert _sci(cells[1]) == pytest.approx(chip.peak_flops, rel=1e-9), label
        assert _sci(cells[3]) == pytest.approx(chip.hbm_bytes_per_s, rel=1e-9), label
        mib = re.search(r"[(（]([\d,]+) MiB", cells[2])
        gib = re.match(r"(\d+) GiB", cells[2])
        if mib:
            assert _int(mib.group(1)) * 2**20 == chip.hbm_bytes, label
        elif gib:
            assert int(gib.group(1)) * 2**30 == chip.hbm_bytes, label
        else:
            assert re.match(r"\d+ GB", cells[2]) and cells[2].split()[0] + " GB" == chip.hbm_marketed, label
