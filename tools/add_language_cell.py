"""Insert the `language` cell (llmcalc.i18n.use(...)) after a chapter's import cell, if missing."""
import sys
from pathlib import Path

import jupytext
import nbformat

for arg in sys.argv[1:]:
    path = Path(arg)
    lang = "zh" if path.parent.name == "zh" else "en"
    nb = jupytext.read(path)
    if any("language" in c.metadata.get("tags", []) for c in nb.cells):
        continue
    i = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "import llmcalc" in c.source)
    cell = nbformat.v4.new_code_cell(
        f'llmcalc.i18n.use("{lang}")  # the edition\'s language for explorer labels and plot titles', metadata={"tags": ["language"]})
    nb.cells.insert(i + 1, cell)
    jupytext.write(nb, path, fmt="py:percent")
    print("added to", path)
