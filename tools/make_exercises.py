"""Generate student notebooks in exercises/ from the chapters: no answers, a self-check per question.

    python tools/make_exercises.py            # refuses if a student has edited a generated notebook
    python tools/make_exercises.py --force    # overwrite anyway
    python tools/make_exercises.py --out DIR  # write somewhere else (tests)
    python tools/make_exercises.py --show-leaks --out DIR   # keep every output (to see what the leak check catches)

From each chapter source (chapters/NN_x.py and chapters/zh/NN_x.py):
- markdown keeps its prose; every <details>…</details> answer is removed;
- a solution cell tagged ``check:KEY`` becomes ``answer = ...`` + ``llmcalc.check("KEY", answer)``;
  other solution cells become an empty "your working" cell;
- every other code cell is kept, without outputs (the student runs it); but a kept cell whose output (in the
  chapter's stored, executed notebook) shows the answer of a check key asked later in the chapter, or in the
  same section, runs under ``%%capture``: its definitions stay for later cells, its output is not shown
  (see ``leak_pattern`` for what counts as showing an answer; ``--verbose`` lists them).
A manifest (exercises/.manifest.json) records the hash of each notebook as generated; a notebook whose
content no longer matches it was edited by someone and is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import math
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
DETAILS = re.compile(r"\n?<details>.*?</details>\n?", re.S)
def _form(key: str, lang: str) -> str:
    """What the answer to ``key`` looks like ("in TB", "True or False"), in the notebook's language."""
    from llmcalc.check import answers

    a = answers()[key]
    if a.kind == "bool":
        return "True 或 False" if lang == "zh" else "True or False"
    return (a.form_zh if lang == "zh" else a.form) or (a.unit_zh if lang == "zh" else a.unit)


QUESTION = re.compile(r"\*\*(Question|问题)")
HEADING = re.compile(r"^#{1,2} ", re.M)      # a chapter's sections: its title and its "## " headings
TEXT = {
    "en": {"answer": "# Your answer: replace ... with a number (or True / False where asked), then run the cell", "work": "# Your working",
           "intro": "**Exercise notebook.** Answers are not shown here: work each question out, then run its "
                    "check cell. `llmcalc.check` says whether you are right and gives a hint, never the answer.",
           "hidden": "# Output hidden: this cell prints the answer to a question in this section or further down.\n"
                     "# It still runs (later cells use what it defines); once you have answered, delete the\n"
                     "# %%capture line to see its output."},
    "zh": {"answer": "# 你的答案：把 ... 换成一个数（是非题填 True 或 False），再运行本单元", "work": "# 你的演算",
           "intro": "**练习本。** 这里不显示答案：先自己算出每道题，再运行它的检查单元。"
                    "`llmcalc.check` 只告诉你对不对并给出提示，不会给出答案。",
           "hidden": "# 输出已隐藏：本单元会打印本节或后面某道题的答案。它照常运行（后面的单元要用它定义的变量）；\n"
                     "# 答完题后删掉 %%capture 这一行，就能看到输出。"},
}


def sources():
    ch = ROOT / "chapters"
    return sorted(p for p in ch.rglob("[0-9][0-9]_*.py"))


# ---- answers printed where a student can see them ---------------------------------------------------------------
# A kept chapter cell can print, as part of its teaching, a number that a later question asks for. The generator
# reads what each kept cell printed in the chapter's stored, executed notebook (the same code runs in the exercise:
# answer cells are dropped and no kept cell may use what they define) and hides the output of a cell that shows
# the value of a check key asked in the same section or further down. tests/test_exercise_leaks.py executes the
# generated notebooks and scans what they really show with the same rules.

_BYTE_UNITS = {"GB": 1e9, "TB": 1e12, "GiB": 2**30}
_SCALES = ((1e12, ("T", "trillion", "万亿")), (1e9, ("B", "billion", "十亿")), (1e6, ("M", "million", "百万")),
           (1e3, ("K", "k", "thousand")))
_LEFT = r"(?<![\w.,\-−])"          # not the tail of a longer number, a negative number, or a name (Qwen2-72B, H100)
_RIGHT = r"(?!\d|[.,]\d)"          # not the head of a longer number
# a short value (at most two significant digits) is an answer only when printed with its unit: (before, after)
_UNIT_CONTEXT = {
    "GPUs": ("", r"\s*(?:GPUs?|H100s?|A100s?|V100s?|devices?|张|块|个 ?GPU)"),
    "chips": ("", r"\s*(?:chips?|GPUs?|H100s?|devices?|张|块|个芯片|颗)"),
    "TP degree": (r"(?:TP\s*=?\s*|Y\s*=\s*)", ""),
    "micro-batches": ("", r"\s*(?:micro-?batch|微批)"),
    "× 2^20 tokens": ("", r"\s*(?:x|×|·)\s*2\^?20"),
    "days": ("", r"\s*(?:days?|天)"),
    "GB": ("", r"\s*GB"), "TB": ("", r"\s*TB"), "GiB": ("", r"\s*GiB"),
}
# a number printed as the value of one of the book's shape symbols or inputs is the question's data, not an answer
_GIVEN_SYMBOL = re.compile(r"(?<![\w])(?:[LDFNKHVETBk]|T_\w+)\s*=\s*$")
# a number followed by the word of another kind of quantity ("8192 tokens" for a key counting chips) is not the key's
_NEXT_WORD = re.compile(r"\s*(?:个\s*)?([A-Za-z][\w-]*|%|天|张|块|层|字节|条)")
_WORD_KIND = {**dict.fromkeys(("token", "tokens"), "tokens"),
              **dict.fromkeys(("chip", "chips", "GPU", "GPUs", "H100", "H100s", "A100s", "devices", "张", "块"), "chips"),
              **dict.fromkeys(("GB", "TB", "GiB", "MB", "MiB", "bytes", "字节"), "bytes"),
              **dict.fromkeys(("day", "days", "天"), "days"), **dict.fromkeys(("layer", "layers", "层"), "layers"),
              **dict.fromkeys(("parameters", "params"), "parameters"), "FLOPs": "FLOPs", "%": "%",
              **dict.fromkeys(("sequence", "sequences", "条"), "sequences"), "heads": "heads", "years": "years"}
_UNIT_KIND = {"tokens": "tokens", "chips": "chips", "GPUs": "chips", "GB": "bytes", "TB": "bytes", "GiB": "bytes",
              "days": "days", "parameters": "parameters", "FLOPs": "FLOPs", "fraction": "%", "sequences": "sequences"}
# Matches that are the same number with another meaning, each checked by hand: (chapter, key, text shown, why)
COINCIDENCES = (
    ("02_flops", "recompute.full_extra_work", "33.3",
     "Llama 4 Scout's share of attention scores at T = 32768 is 1/3 too; it says nothing of recompute's extra work"),
)


def _significant_digits(s: str) -> int:
    """Significant digits written in a number's text: leading zeros, separators, the point and zeros after the
    last non-zero decimal are not counted ("0.190" has 2, "2240" has 4, "16.0" has 2)."""
    m = re.match(r"[\d.,]*", s).group(0)
    if "." in m:
        m = m.rstrip("0").rstrip(".")
    return len(m.replace(",", "").replace(".", "").lstrip("0")) or 1


def _renderings(x: float) -> dict[str, int]:
    """How a person (or an f-string) writes x > 0, each with the significant digits it carries: rounded to 2, 3
    and 4 significant figures ("2200" from 2240 carries 2) and to 0, 1 and 2 decimals, with and without thousands
    separators, and in e-notation."""
    out = {}

    def put(s, digits):
        if s.strip("0.,"):
            out[s] = max(out.get(s, 0), digits)

    for d in (0, 1, 2):
        for s in (f"{x:.{d}f}", f"{x:,.{d}f}"):
            put(s, _significant_digits(s))
    if float(x).is_integer():
        put(f"{int(x)}", _significant_digits(f"{int(x)}"))
        put(f"{int(x):,}", _significant_digits(f"{int(x)}"))
    for n in (2, 3, 4):
        r = float(f"{x:.{n}g}")
        decimals = max(0, n - 1 - math.floor(math.log10(r)))
        for s in (f"{r:.{decimals}f}", f"{r:,.{decimals}f}", f"{x:.{n}g}"):
            put(s, min(n, _significant_digits(s)) if s not in out else out[s])
        put(f"{x:.{n - 1}e}", max(n, 3))      # mantissa and exponent: specific even with 2 figures
    return out


def leak_pattern(value, unit: str = "", strong_only: bool = False) -> re.Pattern | None:
    """A regex for the ways a check key's answer ``value`` (in ``unit``) would be recognised when printed.

    - A rendering (see ``_renderings``) with 3 or more significant digits, or in e-notation, is searched bare,
      between non-digits: "9,395,240,960", "405853388800", "42.8", "11.24", "2240", "4.1e+12".
    - A rendering with at most 2 significant digits ("8", "16", "19.0", "2200" for 2240) is too common to search
      bare; it counts only next to its unit: "8 GPUs", "TP16", "1.9 GB", "16 micro-batches", "11 x 2^20".
    - A fraction is searched as written (0.428; a short 0.43 not at all) and ×100 as a percent: "42.8", "42.84"
      bare, "43%" only with its sign.
    - A byte count (GB, TB, GiB) is also searched in the other byte units, with that unit written: "6.49 TB".
    - A count ≥ 1000 is also searched scaled, with the scale written: "9.40B", "9.4 billion", "917.5M", "61.7M".
    - A number glued to a name or a minus sign is not a match ("Qwen2-72B", "H100", "-42.9"); see also
      ``leaks`` for numbers that are the question's data.
    ``strong_only`` drops the renderings of at most 2 significant digits (for prose, where an author's round
    figures, "40% MFU", "about 2200", are a question's assumptions).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value == 0:
        return None
    value = abs(float(value))
    alts = set()

    def add(x, before="", after="", unit_needed=False):
        for s, digits in _renderings(x).items():
            body = _LEFT + re.escape(s) + _RIGHT
            if digits >= 3 and not unit_needed:
                alts.add(body)
            elif strong_only and digits < 3:
                continue
            elif before:                      # "TP16": the label is glued to the number on purpose
                alts.add(r"(?<![\w])" + before + re.escape(s) + _RIGHT + after)
            elif after:
                alts.add(body + after)

    if unit == "fraction":
        add(value)                               # 0.428 bare; a short 0.43 is not searched
        add(100 * value, "", r"\s*%")            # 42.8 bare, 43% with its sign
    else:
        add(value, *_UNIT_CONTEXT.get(unit, ("", "")))
    if unit in _BYTE_UNITS:
        for other, size in _BYTE_UNITS.items():
            if other != unit:
                add(value * _BYTE_UNITS[unit] / size, "", r"\s*" + other + r"(?![A-Za-z])", unit_needed=True)
    if value >= 1e3 and unit not in _BYTE_UNITS:
        for size, words in _SCALES:
            if value >= size:
                add(value / size, "", r"\s*(?:" + "|".join(map(re.escape, words)) + r")(?![A-Za-z])", unit_needed=True)
    return re.compile("|".join(sorted(alts, key=len, reverse=True))) if alts else None


def output_text(cell) -> str:
    """What a code cell shows as text: its streams and every text-like rich output (plain, HTML and SVG with their
    tags dropped, markdown, LaTeX, JSON). Images are pixels here; widgets are checked through the cell that
    follows them (an explorer is followed by a cell printing what it shows at its defaults)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        for mime, data in (out.get("data") or {}).items():
            if (mime.startswith("image/") and mime != "image/svg+xml") or "widget" in mime:
                continue
            text = data if isinstance(data, str) else json.dumps(data)
            if "html" in mime or "svg" in mime:
                text = html.unescape(re.sub(r"<[^>]+>", " ", text))
            parts.append(text)
    return "\n".join(parts)


def check_keys() -> dict[str, tuple[float, str]]:
    """Every check key's answer, computed by llmcalc now, with its unit."""
    sys.path.insert(0, str(ROOT / "lib"))
    from llmcalc.check import answers
    return {k: (a.compute(), a.unit) for k, a in answers().items()}


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def given_numbers(text: str) -> set[str]:
    """The numbers written in ``text`` (a notebook's visible prose and code), separators dropped."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def leaks(text: str, keys, values, chapter: str = "", given=frozenset(), strong_only=False) -> list[tuple[str, str]]:
    """(key, what was shown) for each key in ``keys`` whose answer ``text`` shows, by ``leak_pattern``'s rules.
    Skipped as the question's data, not an answer: a number printed as a shape symbol's value ("D = 8,192",
    "T = 32768"), a number followed by another kind of quantity than the key's ("8192 tokens" for a count of
    chips), a number in ``given`` (written in the prose or code the student has already read: "T = 32768"
    in a question's text), and the ``COINCIDENCES``."""
    found = []
    for key in keys:
        pattern = leak_pattern(*values[key], strong_only=strong_only)
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if _GIVEN_SYMBOL.search(text[line_start:m.start()]):
                continue
            number = _NUMBER.search(m.group(0))
            if number and number.group(0).replace(",", "") in given:
                continue
            word = _NEXT_WORD.match(text, m.end())
            kind = _WORD_KIND.get(word.group(1)) if word else None
            if kind and _UNIT_KIND.get(values[key][1]) and kind != _UNIT_KIND[values[key][1]]:
                continue
            if any(c == chapter and k == key and m.group(0).strip().startswith(shown) for c, k, shown, _ in COINCIDENCES):
                continue
            if (key, m.group(0).strip()) not in found:
                found.append((key, m.group(0).strip()))
    return found


def sections(cells) -> list[int]:
    """The section index of each cell: a new section starts at each title or "## " heading (a heading inside a
    markdown cell counts from that cell on)."""
    out, sec = [], 0
    for cell in cells:
        if cell.cell_type == "markdown":
            sec += len(HEADING.findall(DETAILS.sub("\n", cell.source)))
        out.append(sec)
    return out


def key_sections(cells, secs) -> dict[str, int]:
    """The section of each check key's question (the section of its answer cell)."""
    return {t[6:]: secs[i] for i, cell in enumerate(cells) for t in cell.metadata.get("tags", []) if t.startswith("check:")}


def leaking_cells(src: Path, values) -> dict[int, list[tuple[str, str]]]:
    """Kept code cells of chapter ``src`` whose stored output shows the answer of a key asked in the same section
    or later: {cell index: [(key, what was shown)]}. The stored notebook must match the source cell for cell."""
    nb = jupytext.read(src)
    stored_path = src.with_suffix(".ipynb")
    stored = nbformat.read(stored_path, as_version=4) if stored_path.exists() else None
    if stored is None or [(c.cell_type, c.source) for c in stored.cells] != [(c.cell_type, c.source) for c in nb.cells]:
        raise SystemExit(f"{stored_path.relative_to(ROOT)} is missing or out of date with {src.relative_to(ROOT)}; "
                         f"run: .venv/bin/python tools/build_chapters.py {src.relative_to(ROOT)}")
    secs = sections(nb.cells)
    asked = key_sections(nb.cells, secs)
    found, read = {}, ""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            read += DETAILS.sub("\n", cell.source) + "\n"
        if cell.cell_type != "code" or "solution" in cell.metadata.get("tags", []):
            continue
        read += cell.source + "\n"
        later = [k for k, s in asked.items() if s >= secs[i] and k in values]
        hit = leaks(output_text(stored.cells[i]), later, values, chapter=src.stem, given=given_numbers(read))
        if hit:
            found[i] = hit
    for i, cell in enumerate(nb.cells):   # an explorer shows what the cell after it prints
        if "widget" in cell.metadata.get("tags", []) and i + 1 in found:
            found[i] = found[i + 1]
    return found


def exercise_notebook(src: Path, hidden: dict[int, list] | None = None):
    lang = "zh" if src.parent.name == "zh" else "en"
    t = TEXT[lang]
    nb = jupytext.read(src)
    cells = [nbformat.v4.new_markdown_cell(t["intro"])]
    pending = False  # a question seen whose answer cell is not placed yet

    def flush():
        nonlocal pending
        if pending:
            cells.append(nbformat.v4.new_code_cell(t["work"], metadata={"tags": ["exercise"]}))
        pending = False

    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            if QUESTION.search(cell.source):
                flush()
            text = DETAILS.sub("\n", cell.source).strip()
            if text:
                cells.append(nbformat.v4.new_markdown_cell(text))
            pending = pending or bool(QUESTION.search(cell.source))
            continue
        if "solution" not in tags:
            flush()
        if "solution" in tags:
            pending = False
            keys = [tg[6:] for tg in tags if tg.startswith("check:")]
            if keys:
                lang_arg = ', lang="zh"' if lang == "zh" else ""
                src_lines = [t["answer"]] + [f'answer = ...   # {_form(k, lang)}\nllmcalc.check("{k}", answer{lang_arg})'
                                             for k in keys]
                cells.append(nbformat.v4.new_code_cell("\n".join(src_lines), metadata={"tags": ["exercise"]}))
            else:
                cells.append(nbformat.v4.new_code_cell(t["work"], metadata={"tags": ["exercise"]}))
        else:
            keep = {k: v for k, v in cell.metadata.items() if k == "tags"}
            source = cell.source
            if hidden and index in hidden:
                source = "%%capture\n" + t["hidden"] + "\n" + source
            cells.append(nbformat.v4.new_code_cell(source, metadata=keep))
    flush()
    for i, c in enumerate(cells):  # stable ids, so regenerating an unchanged chapter changes nothing
        c.id = hashlib.sha1(f"{src.name}:{i}:{c.source}".encode()).hexdigest()[:12]
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    out.metadata["language_info"] = {"name": "python"}
    return out


def target(src: Path, out_dir: Path) -> Path:
    rel = src.relative_to(ROOT / "chapters").with_suffix(".ipynb")
    return out_dir / rel


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _read_manifest(path: Path) -> dict[str, str]:
    """The hashes recorded at the last generation; an unreadable or malformed manifest counts as none,
    so every notebook that differs from what would be generated is treated as edited (and kept)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: x for k, x in data.items() if isinstance(k, str) and isinstance(x, str)}


def generate(out_dir: Path, force: bool = False, show_leaks: bool = False, report=None) -> list[Path]:
    """Write the exercise notebooks into out_dir; ``report(src, hidden)`` is told which cells' outputs were hidden."""
    manifest_path = out_dir / ".manifest.json"
    manifest = _read_manifest(manifest_path)
    planned = {}
    values = None if show_leaks else check_keys()
    for src in sources():
        path = target(src, out_dir)
        hidden = {} if show_leaks else leaking_cells(src, values)
        if report:
            report(src, hidden)
        planned[path] = nbformat.writes(exercise_notebook(src, hidden)) + "\n"
    edited = []
    for path, text in planned.items():
        key = str(path.relative_to(out_dir))
        if path.exists() or path.is_symlink():
            try:
                current = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):  # a directory, unreadable, not UTF-8: someone else's, keep it
                edited.append(key + " (unreadable as a generated notebook)")
                continue
            if current != text and digest(current) != manifest.get(key):
                edited.append(key)
    if edited and not force:
        raise SystemExit("refusing to overwrite notebooks that were edited after they were generated:\n  "
                         + "\n  ".join(edited) + "\nMove your work elsewhere, or run with --force to overwrite.")
    written = []
    for path, text in planned.items():
        if path.is_dir():
            raise SystemExit(f"refusing to replace the folder {path} with a notebook, even with --force; move it away")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
        manifest[str(path.relative_to(out_dir))] = digest(text)
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")
    return written


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="overwrite notebooks edited since they were generated")
    ap.add_argument("--out", type=Path, default=ROOT / "exercises")
    ap.add_argument("--show-leaks", action="store_true",
                    help="keep every kept cell's output, even one that shows a later answer (to test the leak check)")
    ap.add_argument("--verbose", action="store_true", help="list the cells whose output is hidden, and why")

    def report(src, hidden):
        if args.verbose:
            for i, hits in sorted(hidden.items()):
                print(f"{src.relative_to(ROOT)}, chapter cell {i}: output hidden, it shows "
                      + "; ".join(f"{shown} ({key})" for key, shown in hits))

    args = ap.parse_args()
    written = generate(args.out, args.force, args.show_leaks, report)
    print(f"{len(written)} exercise notebook(s) written to {args.out}" + "".join(f"\n  {p}" for p in written))
