"""No stored figure is wider than a page.

A page here is what a reader has at the 1280 × 720 projector resolution the instructors' issue measures
with: the output column of a chapter page is 1,143 CSS px wide in Chromium at a 1280-px window (measured
2026-11-30 on chapters/02_flops.ipynb rendered with nbconvert's ``lab`` template, the one
tools/build_html.py uses, by reading ``.jp-OutputArea-output``'s width; JupyterLab's output column is
about as wide). PAGE_PX = 1100 rounds that down. Chapter figures are stored as PNG at matplotlib's inline
100 dpi and shown at one CSS pixel per image pixel unless the output's metadata gives a smaller width;
a wider image is shrunk to the column and its text with it (chapter 5 §3 stored a 7,256 × 390 px strip
because its title was a Chip's whole repr). The widest figure the chapters draw on purpose is
plots.param_shares, 9 in × 100 dpi = 889 px after the tight bounding box, well inside. A figure must also
not be a strip: width ≤ 4 × height (the chapters' figures are about 2:1).

Read: every image/png of every code cell output of chapters/**/*.ipynb, and every PNG inlined as a data URI
in an output's text/html (the answer boxes embed their figures that way). This test fails until the
chapters whose stored figures break it are re-executed after the library fix (plots.compute_vs_comm now
titles a Chip by its name).
"""

import base64
import json
import re
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").rglob("[0-9][0-9]_*.ipynb"))
PAGE_PX = 1100
MAX_ASPECT = 4.0


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (PNG spec: 8-byte signature, then IHDR's width, height)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def stored_figures():
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code_no = 0
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            code_no += 1
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                shown_width = out.get("metadata", {}).get("image/png", {}).get("width")
                pngs = [data["image/png"]] if "image/png" in data else []
                pngs += re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)", "".join(data.get("text/html", "")))
                for b64 in pngs:
                    w, h = png_size(base64.b64decode("".join(b64.split())))
                    yield f"{path.relative_to(ROOT)} code cell {code_no}", w, h, shown_width


FIGURES = list(stored_figures())


def test_png_size_reads_ihdr():
    # A 1×1 PNG written by hand: signature, IHDR length 13, "IHDR", width 1, height 1, ...
    one = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + struct.pack(">II", 1234, 56) + b"\x08\x06\x00\x00\x00"
    assert png_size(one) == (1234, 56)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + bytes(30))


def test_the_chapters_store_figures():
    assert len(FIGURES) >= 10, "figures were expected in the stored chapters (were the outputs cleared?)"


@pytest.mark.parametrize("where, width, height, shown_width", FIGURES, ids=[f[0] for f in FIGURES])
def test_no_stored_figure_is_wider_than_a_page(where, width, height, shown_width):
    page = PAGE_PX
    displayed = min(width, shown_width) if shown_width else width
    assert displayed <= page, f"{where}: {width} × {height} px figure, wider than the {page}-px page column"
    assert width <= MAX_ASPECT * height, f"{where}: {width} × {height} px is a strip (more than {MAX_ASPECT:g}:1)"
