"""The static edition (tools/build_html.py, ``make html``): built once into a temporary folder, then parsed.

- no answer is visible without a click: every solution code cell (its source and its outputs) and every
  markdown answer lies inside a <details> that has no ``open`` attribute; a solution cell whose outputs are
  already closed <details> boxes drawn by the kernel keeps them as they are (not hidden twice) and only its
  code is folded; both kinds are checked on a made-up notebook too;
- the maths works offline: MathJax is copied into the build and every page loads it from there, and no page
  loads a script, style sheet or font from another host (tests/browser/test_html_offline.py renders it);
- navigation: each chapter links to the index, the previous and next chapter (the last one back to the
  index) and the other language's page; the index links every page; every link resolves to a built file;
- plots are embedded (every <img> is a data: URI) and widget outputs became a note;
- the references pages (docs/references.md, docs/references.zh.md) are rendered too, with every anchor of the
  markdown; every chapter links to its language's references page, and every relative link on every built
  page (``../docs/references.md#gpt3`` once rewritten) resolves to a built file and, with a fragment, to an
  element with that id.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

bs4 = pytest.importorskip("bs4")  # a dependency of nbconvert, so present wherever the build runs

REPO = Path(__file__).resolve().parents[1]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_html", REPO / "tools" / "build_html.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


B = _load_builder()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    t0 = time.perf_counter()
    pages = B.build(out, quiet=True)
    return out, pages, time.perf_counter() - t0


def all_pages(pages):
    return [p for items in pages.values() for p in items]


def soup(path: Path):
    return bs4.BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def squash(text: str) -> str:
    """Whitespace-free text, so that highlighting and wrapping do not matter when comparing."""
    return re.sub(r"\s+", "", text)


def output_text(out) -> str:
    if out.output_type == "stream":
        return out.text
    data = out.get("data", {})
    return data.get("text/plain", "") if set(data) <= {"text/plain"} else ""


def closed_details_ancestor(node) -> bool:
    return any(p.name == "details" and not p.has_attr("open") for p in node.parents)


def test_build_covers_both_editions_quickly(site):
    out, pages, seconds = site
    for lang, folder in B.EDITIONS.items():
        stored = sorted(p.name for p in folder.glob("[0-9][0-9]_*.ipynb"))
        assert stored, f"no chapters in {folder}"
        assert [p.source.name for p in pages[lang]] == stored
        for p in pages[lang]:
            assert (out / p.out).is_file()
    assert (out / "index.html").is_file()
    assert seconds < 90, f"the build took {seconds:.0f} s (target: under about 60 s)"


def details_in_outputs(cell) -> int:
    """How many <details> elements the cell's HTML outputs hold (the kernel's answer boxes)."""
    n = 0
    for o in cell.get("outputs", []):
        text = o.get("data", {}).get("text/html", "")
        text = "".join(text) if isinstance(text, list) else text
        n += len(bs4.BeautifulSoup(text, "html.parser").find_all("details"))
    return n


def assert_solution_cell_hidden(cell_el, boxed: bool, where: str):
    """The rendered solution cell: all of it in a closed <details> (boxed False), or its code in a closed
    <details class="answer-code"> and every output inside the kernel's own closed <details> (boxed True)."""
    if not boxed:
        assert closed_details_ancestor(cell_el), f"{where}: solution cell not inside a closed <details>"
        return
    assert not closed_details_ancestor(cell_el), f"{where}: a boxed answer is hidden twice"
    code = cell_el.select_one(".jp-Cell-inputWrapper")
    assert code is not None and closed_details_ancestor(code), f"{where}: the answer's code is not folded"
    assert code.find_parent("details")["class"] == ["answer", "answer-code"], where
    outputs = cell_el.select(".jp-OutputArea-output")
    assert outputs, where
    for o in outputs:
        boxes = o.find_all("details", recursive=False) or o.find_all("details")
        assert boxes and all(not b.has_attr("open") for b in boxes), f"{where}: output not in a closed box"
        assert all(b.find_parent("details") is None for b in boxes), f"{where}: the kernel's box is folded again"


def test_no_answer_visible_without_a_click(site):
    out, pages, _ = site
    for page in all_pages(pages):
        nb = nbformat.read(page.source, as_version=4)
        doc = soup(out / page.out)
        details = doc.find_all("details")
        assert all(not d.has_attr("open") for d in details), f"{page.out}: an answer is open"
        solutions = [c for c in nb.cells if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])]
        md_blocks = [b for c in nb.cells if c.cell_type == "markdown"
                     for b in re.findall(r"<details>(.*?)</details>", c.source, re.S)]
        boxes = sum(details_in_outputs(c) for c in nb.cells if c.cell_type == "code")
        assert len(details) == len(solutions) + len(md_blocks) + boxes, page.out
        assert len(doc.find_all("details", class_="answer")) == len(solutions), page.out

        # structure: every solution cell's element (input and outputs) sits inside a closed <details>, or its
        # code does and its outputs are the kernel's closed boxes
        cells = doc.select(".jp-Cell.celltag_solution")
        assert len(cells) == len(solutions), page.out
        for cell, el in zip(solutions, cells):
            assert_solution_cell_hidden(el, B.answer_boxed_by_kernel(cell), str(page.out))

        # text: the hidden text holds every solution's source and outputs, the visible text holds none
        hidden = squash(" ".join(d.get_text() for d in details))
        for d in doc.find_all("details"):
            for s in d.find_all("summary"):
                s.decompose()  # the summary line is visible; keep only what a click reveals
            d.decompose()
        visible = squash(doc.get_text())
        for cell in solutions:
            assert cell.source.startswith("# Answer (click to reveal)"), page.out
            body = squash(cell.source)
            assert body in hidden, f"{page.out}: solution source not inside <details>"
            assert body not in visible, f"{page.out}: solution source visible"
            for o in cell.get("outputs", []):
                text = squash(output_text(o))
                if text:
                    assert text in hidden, f"{page.out}: solution output not inside <details>"
                    assert text not in visible, f"{page.out}: solution output visible: {text[:60]}"
        for block in md_blocks:
            body = block.split("</summary>", 1)[1]
            # runs of plain prose (letters, CJK, digits, spaces, commas): markdown renders them unchanged
            words = re.findall(r"[^\W_](?:[^\W_]|[' ,,、。:])+", body)
            words = [w for w in words if len(w) >= 8]
            assert words, f"{page.out}: empty markdown answer"
            longest = squash(max(words, key=len))
            assert longest in hidden, f"{page.out}: markdown answer text not inside <details>: {longest}"


def _links(doc, page_out: Path) -> dict[str, Path]:
    nav = doc.find("nav", class_="book-nav")
    assert nav is not None
    found = {}
    for a in nav.find_all("a"):
        kind = next(c for c in a["class"] if c.startswith("nav-"))
        found[kind] = (page_out.parent / a["href"])
    return found


def _norm(p: Path) -> Path:
    return Path(os.path.normpath(p.as_posix()))


def test_links_to_rendered_sources_are_rewritten():
    # hand-written cases: a chapter in chapters/ links ../docs/references.md, a Chinese one in chapters/zh/
    # links ../../docs/references.zh.md; the built pages sit at out/01_params.html and out/zh/01_params.html
    targets = {"docs/references.md": Path("references.html"), "docs/references.zh.md": Path("references.zh.html"),
               "chapters/02_flops.ipynb": Path("02_flops.html")}
    en = '<a href="../docs/references.md">R</a> <a href="../docs/references.md#gpt3">G</a>'
    assert (B.rewrite_links(en, REPO / "chapters", Path("01_params.html"), targets)
            == '<a href="references.html">R</a> <a href="references.html#gpt3">G</a>')
    zh = '<a href="../../docs/references.zh.md#palm">P</a> <a href="../02_flops.ipynb">C</a>'
    assert (B.rewrite_links(zh, REPO / "chapters" / "zh", Path("zh/01_params.html"), targets)
            == '<a href="../references.zh.html#palm">P</a> <a href="../02_flops.html">C</a>')
    # from docs/: the other language's page and a chapter
    doc = '<a href="references.zh.md">中文</a> <a href="../chapters/02_flops.ipynb#4">ch 2</a>'
    assert (B.rewrite_links(doc, REPO / "docs", Path("references.html"), targets)
            == '<a href="references.zh.html">中文</a> <a href="02_flops.html#4">ch 2</a>')
    untouched = ('<a href="https://arxiv.org/abs/2104.04473">x</a> <a href="#top">t</a> '
                 '<a href="../README.md">readme</a>')
    assert B.rewrite_links(untouched, REPO / "chapters", Path("01_params.html"), targets) == untouched


def _relative_links(doc):
    return [a["href"] for a in doc.find_all("a", href=True)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", a["href"]) and not a["href"].startswith("#")]


def test_references_pages_built_with_every_anchor(site):
    out, _, _ = site
    ids = {}
    for lang, (source, page) in B.REFERENCES.items():
        assert (out / page).is_file(), page
        doc = soup(out / page)
        ids[lang] = {t["id"] for t in doc.find_all(id=True)}
        anchors = set(re.findall(r'<a id="([^"]+)"></a>', source.read_text(encoding="utf-8")))
        assert anchors, f"{source.name}: no anchors"
        assert anchors <= ids[lang], f"{page}: anchors lost in rendering: {sorted(anchors - ids[lang])[:5]}"
        links = {k: _norm(page.parent / a["href"]) for a in doc.find("nav", class_="book-nav").find_all("a")
                 for k in a["class"] if k.startswith("nav-")}
        assert links == {"nav-index": Path("index.html"), "nav-lang": B.REFERENCES[B.OTHER[lang]][1]}, page
        assert "<table" in str(doc), f"{page}: markdown tables not rendered"


def test_every_relative_link_resolves(site):
    out, pages, _ = site
    built = [p.out for p in all_pages(pages)] + [page for docs in B.DOCS.values() for _, page in docs]
    for page in built:
        doc = soup(out / page)
        for href in _relative_links(doc):
            path, _, fragment = href.partition("#")
            target = _norm(page.parent / path) if path else page
            assert (out / target).is_file(), f"{page}: link {href!r} does not resolve in the built site"
            if fragment and target.suffix == ".html":
                assert soup(out / target).find(id=fragment), f"{page}: {href!r}: no element with id {fragment!r}"


def test_every_chapter_links_its_references_page(site):
    out, pages, _ = site
    for lang, items in pages.items():
        refs = B.REFERENCES[lang][1]
        for page in items:
            targets = {_norm(page.out.parent / h.partition("#")[0]) for h in _relative_links(soup(out / page.out))}
            assert refs in targets, f"{page.out}: no link to {refs}"


def test_navigation_and_index(site):
    out, pages, _ = site
    index = Path("index.html")
    for lang, items in pages.items():
        other = {p.source.name: p.out for p in pages[B.OTHER[lang]]}
        for i, page in enumerate(items):
            links = {k: _norm(v) for k, v in _links(soup(out / page.out), page.out).items()}
            assert links["nav-index"] == index
            assert links["nav-next"] == (items[i + 1].out if i + 1 < len(items) else index), page.out
            assert links["nav-prev"] == (items[i - 1].out if i > 0 else index), page.out
            assert links["nav-lang"] == other[page.source.name], page.out
            assert all((out / target).is_file() for target in links.values()), page.out
    idx = soup(out / "index.html")
    targets = {_norm(Path(a["href"])) for a in idx.find_all("a")}
    assert targets == {p.out for p in all_pages(pages)} | {page for docs in B.DOCS.values() for _, page in docs}
    assert all((out / t).is_file() for t in targets)


def test_images_embedded_and_widgets_noted(site):
    out, pages, _ = site
    for page in all_pages(pages):
        nb = nbformat.read(page.source, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        n_png = sum("image/png" in o.get("data", {}) for o in outputs)
        n_widgets = sum(WIDGET_MIME in o.get("data", {}) for o in outputs)
        doc = soup(out / page.out)
        imgs = doc.find_all("img")
        assert len(imgs) >= n_png, page.out
        assert all(i["src"].startswith("data:image/") for i in imgs), page.out
        assert len(doc.select(".widget-note")) == n_widgets, page.out
        assert WIDGET_MIME not in str(doc), page.out


# A made-up notebook: one answer cell as the chapters store it today (a print), one whose kernel drew the box.
ANSWER = "# Answer (click to reveal) · 答案(点击展开)"
BOX = ('<details><summary>Show answer</summary><pre>405,853,388,800 parameters</pre></details>')


def _box_output(html_text=BOX):
    return nbformat.v4.new_output("display_data", data={"text/html": html_text, "text/plain": "<answer>"})


def test_answer_boxed_by_kernel_detection():
    cell = nbformat.v4.new_code_cell(ANSWER, metadata={"tags": ["solution"]})
    assert not B.answer_boxed_by_kernel(cell)  # not run: no outputs
    cell.outputs = [_box_output()]
    assert B.answer_boxed_by_kernel(cell)
    cell.outputs = [_box_output(), _box_output("\n" + BOX.replace("405", "406") + "\n")]
    assert B.answer_boxed_by_kernel(cell)
    for bad in (BOX.replace("<details>", "<details open>"),  # an open box shows the answer
                BOX + "<p>the total is 405B</p>",  # text beside the box
                "405B " + BOX,
                "<div>" + BOX + "</div>",  # the box is not the output itself
                "<p>no box</p>"):
        cell.outputs = [_box_output(bad)]
        assert not B.answer_boxed_by_kernel(cell), bad
    cell.outputs = [_box_output(), nbformat.v4.new_output("stream", name="stdout", text="405853388800\n")]
    assert not B.answer_boxed_by_kernel(cell)  # a print beside the box is not hidden by it
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": BOX}, execution_count=1)]
    assert B.answer_boxed_by_kernel(cell)


def test_both_answer_forms_render_hidden_once():
    old = nbformat.v4.new_code_cell(ANSWER + "\nprint(6 * 405)", metadata={"tags": ["solution"]},
                                    outputs=[nbformat.v4.new_output("stream", name="stdout", text="2430\n")])
    new = nbformat.v4.new_code_cell(ANSWER + "\nshow_answer(405_853_388_800)", metadata={"tags": ["solution"]},
                                    outputs=[_box_output()])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), old, new])
    resources = {"nav_top": "", "nav_bottom": "", "metadata": {"name": "T"},
                 "mathjax_src": B.mathjax_src(Path("t.html"))}
    body, _ = B.exporter().from_notebook_node(nb, resources=resources)
    doc = bs4.BeautifulSoup(body, "html.parser")
    cells = doc.select(".jp-Cell.celltag_solution")
    assert len(cells) == 2
    assert_solution_cell_hidden(cells[0], False, "print answer")
    assert_solution_cell_hidden(cells[1], True, "boxed answer")
    assert [d.get("class") for d in doc.find_all("details")] == [["answer"], ["answer", "answer-code"], None]
    assert all(not d.has_attr("open") for d in doc.find_all("details"))
    # the boxed value sits once, inside the kernel's box, with the kernel's summary
    box = doc.find_all("details")[2]
    assert box.summary.get_text() == "Show answer" and "405,853,388,800" in box.get_text()
    assert body.count("405,853,388,800") == 1
    for d in doc.find_all("details"):
        for s in d.find_all("summary"):
            s.decompose()
        d.decompose()
    visible = squash(doc.get_text())
    assert "2430" not in visible and "405,853,388,800" not in visible and "show_answer" not in visible


def test_maths_bundled_no_other_host(site):
    out, pages, _ = site
    assert (out / "mathjax" / "MathJax.js").is_file()
    assert (out / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert list((out / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").rglob("*.woff"))
    built = [p.out for p in all_pages(pages)] + [page for docs in B.DOCS.values() for _, page in docs] + [Path("index.html")]
    for page in built:
        doc = soup(out / page)
        loads = [t.get("src") for t in doc.find_all(["script", "img", "iframe"]) if t.get("src")]
        loads += [t.get("href") for t in doc.find_all("link") if t.get("href")]
        remote = [u for u in loads if re.match(r"^(https?:)?//", u)]
        assert not remote, f"{page}: loads from another host: {remote[:3]}"
        text = (out / page).read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), f"{page}: a style sheet fetches from another host"
        scripts = [u for u in loads if "MathJax.js" in u]
        if page in [p.out for p in all_pages(pages)]:
            assert len(scripts) == 1, page
            path, _, query = scripts[0].partition("?")
            assert (out / page.parent / path).resolve() == (out / "mathjax" / "MathJax.js").resolve(), page
            assert query == "config=TeX-AMS-MML_HTMLorMML-full,Safe", page
