"""Generate student notebooks in exercises/ from the chapters: no answers, a self-check per question.

    python tools/make_exercises.py            # refuses if a student has edited a generated notebook
    python tools/make_exercises.py --force    # overwrite anyway
    python tools/make_exercises.py --out DIR  # write somewhere else (tests)

From each chapter source (chapters/NN_x.py and chapters/zh/NN_x.py):
- markdown keeps its prose; every <details>…</details> answer is removed;
- a solution cell tagged ``check:KEY`` becomes ``answer = ...`` + ``llmcalc.check("KEY", answer)``;
  other solution cells become an empty "your working" cell;
- every other code cell is kept, without outputs (the student runs it).
A manifest (exercises/.manifest.json) records the hash of each notebook as generated; a notebook whose
content no longer matches it was edited by someone and is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
DETAILS = re.compile(r"\n?<details>.*?</details>\n?", re.S)
QUESTION = re.compile(r"\*\*(Question|问题)")
TEXT = {
    "en": {"answer": "# Your answer: replace ... with a number, then run the cell", "work": "# Your working",
           "intro": "**Exercise notebook.** Answers are not shown here: work each question out, then run its "
                    "check cell. `llmcalc.check` says whether you are right and gives a hint, never the answer."},
    "zh": {"answer": "# 你的答案:把 ... 换成一个数,再运行本单元", "work": "# 你的演算",
           "intro": "**练习本。** 这里不显示答案:先自己算出每道题,再运行它的检查单元。"
                    "`llmcalc.check` 只告诉你对不对并给出提示,不会给出答案。"},
}


def sources():
    ch = ROOT / "chapters"
    return sorted(p for p in ch.rglob("[0-9][0-9]_*.py"))


def exercise_notebook(src: Path):
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

    for cell in nb.cells:
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
                src_lines = [t["answer"]] + [f'answer = ...\nllmcalc.check("{k}", answer{lang_arg})' for k in keys]
                cells.append(nbformat.v4.new_code_cell("\n".join(src_lines), metadata={"tags": ["exercise"]}))
            else:
                cells.append(nbformat.v4.new_code_cell(t["work"], metadata={"tags": ["exercise"]}))
        else:
            keep = {k: v for k, v in cell.metadata.items() if k == "tags"}
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=keep))
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


def generate(out_dir: Path, force: bool = False) -> list[Path]:
    manifest_path = out_dir / ".manifest.json"
    manifest = _read_manifest(manifest_path)
    planned = {}
    for src in sources():
        path = target(src, out_dir)
        planned[path] = nbformat.writes(exercise_notebook(src)) + "\n"
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
    args = ap.parse_args()
    written = generate(args.out, args.force)
    print(f"{len(written)} exercise notebook(s) written to {args.out}" + "".join(f"\n  {p}" for p in written))
