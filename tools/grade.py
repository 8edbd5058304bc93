"""Class view: which self-checks each student's exercise notebook gets right, without revealing any value.

    python tools/grade.py DIR [--out grade-report] [--timeout 120]       (make grade DIR=... OUT=... TIMEOUT=...)

DIR holds the students' exercise notebooks (copies of exercises/*.ipynb or exercises/zh/*.ipynb, any file names),
directly or one folder down (DIR/alice/01_params.ipynb). For each notebook:

- a copy is read into memory and run top to bottom in its own fresh kernel (nbclient, as nbgrader does), in an
  empty temporary folder; the student's file is only read, never written (nor its folder);
- a first cell, added to the in-memory copy only, wraps ``llmcalc.check`` so that every call records the
  exercise key and whether the answer is right (``llmcalc.check.is_right``), wrong, or still ``...``. Only the
  key and that word are recorded: neither the expected value nor the student's number, and the executed
  outputs are thrown away;
- a cell that raises does not stop the run (the next cells still run, as in Run All with errors allowed); the
  whole notebook has ``--timeout`` seconds of cell execution; a notebook that runs out of time, whose kernel
  dies, or that cannot be read is reported in its row, and the other notebooks are still graded.

Each cell of the table is one of:
  right / wrong          the last ``llmcalc.check`` call for that key (a number that is not a number is wrong);
  not attempted          the answer is still ``...``, or the check call was never made (deleted, commented out);
  error                  the cell holding that check raised before the check was called;
  not run                the notebook stopped (time limit, kernel died) before reaching that check;
  (blank)                that key is not in this notebook (another chapter's sheet).

Writes ``OUT/grades.csv`` (one row per notebook, one column per key, plus the run's outcome) and
``OUT/grades.html`` (the same table, colour-coded, with the number right per key and per student), and prints
a one-line summary per notebook.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
STATUSES = ("right", "wrong", "not attempted", "error", "not run")
RECORDED = ("right", "wrong", "not attempted")  # what the wrapper itself can record
CHECK_CALL = re.compile(r"""check\(\s*(['"])([^'"\n]{1,200})\1""")
DEFAULT_TIMEOUT_S = 120

# The first cell of the in-memory copy. It records (key, status) as JSON lines to a file of the grader's;
# it never records ``answer`` nor the expected value. ``is_right`` is taken before any student code runs.
PREAMBLE = '''\
def _grade_setup(record_path):
    import functools, json, sys
    import llmcalc
    module = sys.modules["llmcalc.check"]
    real_check, real_is_right = module.check, module.is_right

    @functools.wraps(real_check)
    def check(key, answer, *args, **kwargs):
        if answer is Ellipsis:
            status = "not attempted"
        else:
            try:
                status = "right" if real_is_right(key, answer) else "wrong"
            except Exception:  # not a number, unknown key: the real check prints why; it is not right
                status = "wrong"
        with open(record_path, "a", encoding="utf-8") as f:
            f.write(json.dumps([str(key)[:200], status]) + "\\n")
        return real_check(key, answer, *args, **kwargs)

    module.check = check
    llmcalc.check = check


_grade_setup({record_path!r})
del _grade_setup
'''


@dataclass
class Result:
    """One student's notebook after its run."""

    name: str  # path relative to DIR, posix
    outcome: str = "ran"  # ran | timed out | kernel died | could not run | unreadable
    detail: str = ""  # which cells raised, where it stopped (cell numbers and exception names only)
    seconds: float = 0.0
    keys: list[str] = field(default_factory=list)  # check keys in the notebook, in order
    status: dict[str, str] = field(default_factory=dict)  # key -> one of STATUSES

    @property
    def n_right(self) -> int:
        return sum(s == "right" for s in self.status.values())


def find_notebooks(folder: Path) -> list[Path]:
    """Every .ipynb directly in ``folder`` or one folder down, sorted; checkpoints and hidden folders skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"DIR must be an existing folder of students' notebooks, got {str(folder)!r}")
    found = [*folder.glob("*.ipynb"), *folder.glob("*/*.ipynb")]
    return sorted(p for p in found if p.is_file() and not any(part.startswith(".")
                                                               for part in p.relative_to(folder).parts))


def check_keys(nb) -> list[tuple[int, str]]:
    """(cell index, key) of every ``check("key", ...)`` call written in a code cell, in order."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            out.extend((i, m.group(2)) for m in CHECK_CALL.finditer(cell.source))
    return out


def _error_names(cell) -> list[str]:
    return [o.get("ename", "error") for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def grade_notebook(path: Path, root: Path, timeout_s: float = DEFAULT_TIMEOUT_S,
                   kernel_name: str = "python3") -> Result:
    """Run one notebook (an in-memory copy) in a fresh kernel and return what its check calls recorded."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    res = Result(Path(path).relative_to(root).as_posix())
    t0 = time.monotonic()
    try:
        nb = nbformat.reads(Path(path).read_bytes().decode("utf-8"), as_version=4)
    except Exception as e:  # not JSON, not a notebook, not UTF-8
        res.outcome, res.detail = "unreadable", f"not a readable notebook ({type(e).__name__})"
        return res
    static = check_keys(nb)
    res.keys = list(dict.fromkeys(k for _, k in static))
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        record = Path(tmp) / "checks.jsonl"
        work = Path(tmp) / "cwd"
        work.mkdir()
        preamble = nbformat.v4.new_code_cell(PREAMBLE.format(record_path=str(record)))
        nb.cells.insert(0, preamble)
        started = {"cell": None}  # index in the student's notebook of the cell running now
        deadline = t0 + timeout_s

        def on_cell_start(cell, cell_index, **_):
            started["cell"] = cell_index - 1

        client = NotebookClient(nb, kernel_name=kernel_name, allow_errors=True, interrupt_on_timeout=False,
                                timeout_func=lambda cell: max(1, int(round(deadline - time.monotonic()))),
                                startup_timeout=60, record_timing=False, on_cell_start=on_cell_start,
                                resources={"metadata": {"path": str(work)}})
        stopped_at = None  # cell index (student's numbering) where the run stopped
        try:
            with open(Path(tmp) / "kernel.log", "wb") as log:
                client.execute(stdout=log, stderr=subprocess.STDOUT)
        except CellTimeoutError:
            stopped_at = started["cell"]
            res.outcome = "timed out"
            res.detail = f"stopped after {timeout_s:g} s in cell {stopped_at + 1}"
        except DeadKernelError:
            stopped_at = started["cell"]
            res.outcome = "kernel died"
            res.detail = f"the kernel died in cell {(stopped_at or 0) + 1}"
        except Exception as e:  # the kernel did not start, or the preamble failed
            stopped_at = -1
            res.outcome = "could not run"
            res.detail = type(e).__name__
        calls = []
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                try:
                    key, status = json.loads(line)
                except ValueError:
                    continue
                if isinstance(key, str) and status in RECORDED:
                    calls.append((key, status))
    student_cells = nb.cells[1:]
    if res.outcome == "ran" and _error_names(nb.cells[0]):
        res.outcome, res.detail, stopped_at = "could not run", "the grader's first cell failed", -1
    raised = {i: _error_names(c) for i, c in enumerate(student_cells) if c.cell_type == "code" and _error_names(c)}
    if raised and res.outcome in ("ran", "timed out", "kernel died"):
        listed = ", ".join(f"{i + 1} ({'/'.join(names)})" for i, names in sorted(raised.items()))
        res.detail = "; ".join(filter(None, [res.detail, f"cells that raised: {listed}"]))
    for key, status in calls:  # the last call of each key wins, as the student last saw it
        if key not in res.keys:
            res.keys.append(key)
        res.status[key] = status
    for i, key in static:
        if key in res.status:
            continue
        if stopped_at is not None and (stopped_at < 0 or i >= stopped_at):
            res.status[key] = "not run"
        elif i in raised:
            res.status[key] = "error"
        else:
            res.status[key] = "not attempted"
    res.seconds = time.monotonic() - t0
    return res


def key_order(results: list[Result]) -> list[str]:
    """All keys, in the order of the published exercise notebooks (exercises/), then any others as met."""
    order = []
    for nb_path in sorted((REPO / "exercises").glob("[0-9][0-9]_*.ipynb")):
        try:
            order.extend(k for _, k in check_keys(nbformat.read(nb_path, as_version=4)))
        except Exception:
            continue
    seen = [k for r in results for k in r.keys]
    present = set(seen)
    ordered = [k for k in dict.fromkeys(order) if k in present]
    return ordered + [k for k in dict.fromkeys(seen) if k not in set(ordered)]


def write_csv(results: list[Result], keys: list[str], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["notebook", "outcome", "detail", "right", "checks", *keys])
        for r in results:
            w.writerow([r.name, r.outcome, r.detail, r.n_right, len(r.keys), *(r.status.get(k, "") for k in keys)])


STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: center; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #f3f5f8; }
th.key { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; font-weight: 500; font-size: 14px; }
td.name, th.name { text-align: left; position: sticky; left: 0; background: #fff; }
.right { background: #d7f5dd; } .wrong { background: #fbd5d5; } .error { background: #fde8c8; }
.not-attempted { background: #eef0f3; color: #666; } .not-run { background: #e4e4e4; color: #666; }
td.outcome-bad { background: #fde8c8; text-align: left; white-space: normal; min-width: 14em; }
td.detail { text-align: left; white-space: normal; font-size: 13px; color: #555; min-width: 14em; }
tfoot td { font-weight: 600; background: #f3f5f8; }
.legend span { display: inline-block; padding: 0 8px; margin-right: 6px; border: 1px solid #d0d7de; }
"""
SYMBOL = {"right": "✓", "wrong": "✗", "not attempted": "·", "error": "!", "not run": "–"}


def write_html(results: list[Result], keys: list[str], path: Path, folder: str) -> None:
    esc = html.escape
    head = ('<tr><th class="name">notebook · 笔记本</th><th>outcome · 运行</th><th>right · 答对</th>'
            + "".join(f'<th class="key" title="{esc(k)}">{esc(k)}</th>' for k in keys) + "<th>detail · 说明</th></tr>")
    rows = []
    for r in results:
        cells = []
        for k in keys:
            s = r.status.get(k, "")
            cls = s.replace(" ", "-")
            cells.append(f'<td class="{cls}" title="{esc(k)}: {esc(s)}">{SYMBOL.get(s, "")}</td>' if s else "<td></td>")
        outcome_cls = "" if r.outcome == "ran" else ' class="outcome-bad"'
        rows.append(f'<tr><td class="name">{esc(r.name)}</td><td{outcome_cls}>{esc(r.outcome)}</td>'
                    f"<td>{r.n_right} / {len(r.keys)}</td>" + "".join(cells)
                    + f'<td class="detail">{esc(r.detail)}</td></tr>')
    totals = []
    for k in keys:
        asked = [r for r in results if k in r.status]
        totals.append(f"<td>{sum(r.status[k] == 'right' for r in asked)}/{len(asked)}</td>")
    foot = f'<tr><td class="name">right per key · 每题答对</td><td></td><td></td>{"".join(totals)}<td></td></tr>'
    legend = " ".join(f'<span class="{s.replace(" ", "-")}">{SYMBOL[s]} {s}</span>'
                      for s in STATUSES)
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class view · 全班概览: {esc(folder)}</title>
<style>{STYLE}</style></head>
<body>
<h1>Class view · 全班概览</h1>
<p>{len(results)} notebooks from <code>{esc(folder)}</code>, each run in its own kernel.
Right or wrong is llmcalc.check's verdict on the last check call of each key; no value is shown.</p>
<p class="legend">{legend} (blank: not in this notebook)</p>
<table>
<thead>{head}</thead>
<tbody>
{chr(10).join(rows)}
</tbody>
<tfoot>{foot}</tfoot>
</table>
</body></html>
"""
    path.write_text(doc, encoding="utf-8")


def grade(folder: Path, out: Path, timeout_s: float = DEFAULT_TIMEOUT_S, quiet: bool = False) -> list[Result]:
    """Grade every notebook in ``folder``; write ``out/grades.csv`` and ``out/grades.html``; return the rows."""
    if not (isinstance(timeout_s, (int, float)) and 1 <= timeout_s <= 86_400):
        raise ValueError(f"timeout must be a number of seconds from 1 to 86400, got {timeout_s!r}")
    folder = Path(folder)
    notebooks = find_notebooks(folder)
    if not notebooks:
        raise ValueError(f"DIR must hold .ipynb notebooks (directly or one folder down); none in {str(folder)!r}")
    results = []
    for path in notebooks:
        r = grade_notebook(path, folder, timeout_s)
        results.append(r)
        if not quiet:
            counts = {s: sum(v == s for v in r.status.values()) for s in STATUSES}
            summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            print(f"{r.name}: {r.outcome} in {r.seconds:.1f} s; {summary or 'no check calls'}"
                  + (f" ({r.detail})" if r.detail else ""), flush=True)
    keys = key_order(results)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(results, keys, out / "grades.csv")
    write_html(results, keys, out / "grades.html", str(folder))
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="folder of students' exercise notebooks")
    ap.add_argument("--out", type=Path, default=Path("grade-report"), help="report folder (default grade-report)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                    help=f"seconds of execution allowed per notebook (default {DEFAULT_TIMEOUT_S})")
    args = ap.parse_args(argv)
    try:
        results = grade(args.dir, args.out, args.timeout)
    except ValueError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    bad = sum(r.outcome != "ran" for r in results)
    print(f"{len(results)} notebooks graded ({bad} did not run to the end); "
          f"{args.out / 'grades.html'} and {args.out / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
