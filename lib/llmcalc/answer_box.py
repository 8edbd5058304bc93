"""Answers that stay hidden however a chapter is run: an answer cell's output renders in a closed box.

A worked question's code answer is a cell whose first line is the marker
``# Answer (click to reveal) · 答案(点击展开)``. Collapsing its output with cell metadata is not enough:
JupyterLab's "Run All" shows every fresh output and saving then drops the flag. So the kernel itself
hides the answer: when ``llmcalc`` is imported inside IPython it registers two event callbacks,

- ``pre_run_cell``: if the cell starts with the marker, capture what it prints and displays
  (stdout, rich displays such as figures, the value of its last expression);
- ``post_run_cell``: display one object instead, whose HTML is a closed
  ``<details><summary>Show answer</summary>…</details>`` holding all of it (figures as inline PNG),
  and whose plain text is the captured text (what nbval compares, and what a terminal shows).

Nothing changes for a cell without the marker, or outside IPython. An error in an answer cell is not
hidden: the traceback shows as usual, after whatever the cell printed.
"""

from __future__ import annotations

import html

MARKER = "# Answer (click to reveal)"
SUMMARY = {"en": "Show answer", "zh": "显示答案"}

_state: dict = {"capture": None, "io": None}


class AnswerBox:
    """What an answer cell printed and displayed, rendered as a closed disclosure box in HTML."""

    def __init__(self, text: str, outputs: list, lang: str = "en"):
        self.text = text
        self.outputs = outputs          # list of (data: dict mime -> content, metadata: dict)
        self.lang = lang if lang in SUMMARY else "en"

    def _plain_parts(self) -> list[str]:
        parts = [self.text.rstrip("\n")] if self.text.strip() else []
        for data, _ in self.outputs:
            if "text/plain" in data:
                parts.append(str(data["text/plain"]))
        return parts

    def __repr__(self) -> str:
        return "\n".join(self._plain_parts())

    def _repr_html_(self) -> str:
        body = []
        if self.text.strip():
            body.append(f'<pre class="llmcalc-answer-text">{html.escape(self.text.rstrip(chr(10)))}</pre>')
        for data, _ in self.outputs:
            if "image/png" in data:
                body.append(f'<img alt="answer figure" src="data:image/png;base64,{data["image/png"].strip()}"/>')
            elif "image/svg+xml" in data:
                body.append(str(data["image/svg+xml"]))
            elif "text/html" in data:
                body.append(str(data["text/html"]))
            elif "text/plain" in data:
                body.append(f'<pre class="llmcalc-answer-text">{html.escape(str(data["text/plain"]))}</pre>')
        return (f'<details class="llmcalc-answer"><summary>{SUMMARY[self.lang]}</summary>\n'
                + "\n".join(body) + "\n</details>")


def is_answer_cell(source: str) -> bool:
    """True when ``source`` is an answer cell: its first non-blank line starts with the marker."""
    for line in source.splitlines():
        if line.strip():
            return line.lstrip().startswith(MARKER)
    return False


def _pre_run_cell(info) -> None:
    from IPython.utils.capture import capture_output

    _finish(show=False)   # a previous capture that never finished (should not happen) is dropped
    if is_answer_cell(getattr(info, "raw_cell", "") or ""):
        cap = capture_output(stdout=True, stderr=False, display=True)
        _state["io"] = cap.__enter__()
        _state["capture"] = cap


def _finish(show: bool) -> None:
    cap, io = _state["capture"], _state["io"]
    _state["capture"] = _state["io"] = None
    if cap is None:
        return
    cap.__exit__(None, None, None)
    if not show:
        return
    outputs = [(o.data, o.metadata) for o in io.outputs]
    text = io.stdout
    if not text.strip() and not outputs:
        return
    from IPython.display import display

    from .i18n import current
    display(AnswerBox(text, outputs, current()))


def _post_run_cell(result) -> None:
    _finish(show=True)


def register(shell=None) -> bool:
    """Hook the answer box into ``shell`` (the running IPython by default); True if hooked, False outside IPython."""
    if shell is None:
        import sys
        if "IPython" not in sys.modules:     # not inside IPython: nothing to hook, and no import of it
            return False
        shell = sys.modules["IPython"].get_ipython()
    if shell is None:
        return False
    events = shell.events
    if _pre_run_cell not in events.callbacks.get("pre_run_cell", []):
        events.register("pre_run_cell", _pre_run_cell)
        events.register("post_run_cell", _post_run_cell)
    return True
