"""Static edition of the workbook: every stored chapter notebook (both editions) rendered to build/html/.

    python tools/build_html.py [--out DIR]        (``make html``)

- nbconvert's ``lab`` HTML template, from the stored outputs (nothing is re-executed); plots are embedded as
  ``data:`` URIs. The maths is typeset by MathJax 2.7 copied into ``DIR/mathjax/`` from the
  ``jupyter-server-mathjax`` package (pinned in the lock files), so the site works offline, opened from
  disk or served: no page loads anything from another host (no CDN MathJax, no require.js).
- Answers never show without a click: every code cell tagged ``solution`` is wrapped, input and output,
  in ``<details class="answer"><summary>Answer / 答案</summary>``. A solution cell whose outputs are already
  closed ``<details>`` boxes (made by the kernel, so that Run All in JupyterLab reveals nothing either) keeps
  them as they are, and only its code goes into ``<details class="answer answer-code">``; the output is not
  hidden twice. Markdown ``<details>`` blocks pass through closed, as written.
- A widget output (an explorer) needs a live kernel; it is replaced by a short note, and the printed
  summary in the next cell stays.
- Each page gets a navigation bar (index, previous, next, the other language's page); ``index.html``
  lists both editions. English pages are ``DIR/NN_x.html``, Chinese ones ``DIR/zh/NN_x.html``.
- The docs pages readers are sent to (references, notation, how to use; the Chinese glossary) become
  ``DIR/<name>.html`` (``docs/references.md`` -> ``DIR/references.html``, ``docs/notation.zh.md`` ->
  ``DIR/notation.zh.html``); the notation page's symbols are typeset by the same bundled MathJax. Every link a chapter or a references page makes to one of the rendered files
  (``../docs/references.md#gpt3``, ``../../docs/references.zh.md``, ``../chapters/02_flops.ipynb``) is
  rewritten to the built page, fragment kept.
"""

from __future__ import annotations

import argparse
import html
import os
import posixpath
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bs4
import nbformat
import mistune
from jinja2 import DictLoader
from nbconvert import HTMLExporter

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "build" / "html"
EDITIONS = {"en": REPO / "chapters", "zh": REPO / "chapters" / "zh"}  # source folder of each edition
SUBDIR = {"en": "", "zh": "zh"}  # where each edition's pages go under the output folder
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
OTHER = {"en": "zh", "zh": "en"}
# the references page of each edition: markdown source, output file relative to the output folder
REFERENCES = {"en": (REPO / "docs" / "references.md", Path("references.html")),
              "zh": (REPO / "docs" / "references.zh.md", Path("references.zh.html"))}
# every docs page a chapter or README links to, rendered beside the chapters (references first); ``.zh.md`` is the
# Chinese counterpart of ``.md`` (the glossary exists only in Chinese)
DOC_NAMES = {"en": ("references", "notation", "how-to-use"),
             "zh": ("references.zh", "notation.zh", "how-to-use.zh", "glossary.zh")}
DOCS = {lang: [(REPO / "docs" / f"{name}.md", Path(f"{name}.html")) for name in names]
        for lang, names in DOC_NAMES.items()}
DOC_TITLES = {"how-to-use": ("How to use this workbook", "怎样使用这本练习册"), "notation": ("Notation", "记号表"),
              "glossary.zh": (None, "术语表")}

MATHJAX_DIR = Path("mathjax")  # relative to the output folder
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the combined configuration jupyter-server-mathjax ships

TEXT = {
    "en": {"index": "Index", "prev": "Previous", "next": "Next", "other": "中文版",
           "edition": "English edition", "start": "index", "references": "References",
           "widget": "Interactive explorer: it needs a live kernel. Open this chapter in JupyterLab "
                     "(<code>make lab</code>) or the instructor dashboard (<code>make demo</code>). The numbers it "
                     "shows at its default values are printed in the next cell."},
    "zh": {"index": "目录", "prev": "上一章", "next": "下一章", "other": "English",
           "edition": "中文版", "start": "目录", "references": "参考文献",
           "widget": "交互式探索器:需要运行中的内核。请在 JupyterLab(<code>make lab</code>)或讲师面板"
                     "(<code>make demo</code>)中打开本章。它在默认取值下显示的数字打印在下一个单元格中。"},
}

TEMPLATE = r"""
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: { inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
             processEscapes: true, processEnvironments: true },
  TeX: { equationNumbers: { autoNumber: "AMS", useLabelIds: true } },
  MMLorHTML: { prefer: "HTML" },
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
                linebreaks: { automatic: true } },
  displayAlign: "center", messageStyle: "none"
});
</script>
<script src="{{ resources.mathjax_src }}"></script>
{%- endblock html_head_js_mathjax -%}
{% block extra_css %}
{{ super() }}
<style>
nav.book-nav { font: 14px/1.6 system-ui, sans-serif; padding: 8px 16px; margin: 0 0 12px; background: #f3f5f8;
               border-bottom: 1px solid #d0d7de; display: flex; gap: 18px; flex-wrap: wrap; }
nav.book-nav.bottom { border-top: 1px solid #d0d7de; border-bottom: none; margin: 24px 0 0; }
nav.book-nav a { text-decoration: none; }
details.answer { border: 1px solid #d0d7de; border-radius: 6px; margin: 6px 0; padding: 2px 8px; }
details.answer > summary { cursor: pointer; font-weight: 600; color: #0b5394; }
details.answer-code { margin-bottom: 2px; }
.widget-note { font-style: italic; color: #555; border-left: 3px solid #bbb; padding-left: 8px; }
</style>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{{ resources.nav_top }}
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.nav_bottom }}
{{ super() }}
{% endblock body_footer %}
{% block codecell %}
{%- if 'solution' in cell.metadata.get('tags', []) and not (cell | answer_boxed_by_kernel) -%}
<details class="answer"><summary>Answer / 答案</summary>
{{ super() }}
</details>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock codecell %}
{% block input_group %}
{%- if 'solution' in cell.metadata.get('tags', []) and (cell | answer_boxed_by_kernel) -%}
<details class="answer answer-code"><summary>Code / 代码</summary>
{{ super() }}
</details>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock input_group %}
"""


@dataclass
class Page:
    lang: str
    source: Path  # the stored notebook
    out: Path  # relative to the output folder, e.g. zh/01_params.html
    title: str


def chapter_pages() -> dict[str, list[Page]]:
    """Every stored chapter notebook of each edition, in chapter order."""
    pages = {}
    for lang, folder in EDITIONS.items():
        pages[lang] = [Page(lang, nb, Path(SUBDIR[lang]) / (nb.stem + ".html"), _title(nb))
                       for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]
    return pages


def _title(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return path.stem


def _href(target: Path, page: Path) -> str:
    """Relative link from output page ``page`` to output file ``target`` (both relative to the out folder)."""
    return Path(os.path.relpath(target, page.parent)).as_posix()


def nav_html(page: Page, pages: dict[str, list[Page]], where: str) -> str:
    t = TEXT[page.lang]
    same = pages[page.lang]
    i = next(j for j, p in enumerate(same) if p.out == page.out)
    index = Path("index.html")
    prev = same[i - 1] if i > 0 else None
    nxt = same[i + 1] if i + 1 < len(same) else None
    other = next((p for p in pages[OTHER[page.lang]] if p.source.name == page.source.name), None)
    links = [f'<a class="nav-index" href="{_href(index, page.out)}">{t["index"]}</a>']
    if prev:
        links.append(f'<a class="nav-prev" rel="prev" href="{_href(prev.out, page.out)}">← {t["prev"]}: '
                     f'{html.escape(prev.title)}</a>')
    else:
        links.append(f'<a class="nav-prev" rel="prev" href="{_href(index, page.out)}">← {t["index"]}</a>')
    if nxt:
        links.append(f'<a class="nav-next" rel="next" href="{_href(nxt.out, page.out)}">{t["next"]}: '
                     f'{html.escape(nxt.title)} →</a>')
    else:
        links.append(f'<a class="nav-next" rel="next" href="{_href(index, page.out)}">{t["index"]} →</a>')
    if other:
        links.append(f'<a class="nav-lang" hreflang="{other.lang}" href="{_href(other.out, page.out)}">'
                     f'{t["other"]}</a>')
    return f'<nav class="book-nav {where}">' + "\n".join(links) + "</nav>"


def prepare(nb, lang: str):
    """Replace widget-only outputs by a note; drop any saved widget state (no widget JS on the page)."""
    note = f'<p class="widget-note">{TEXT[lang]["widget"]}</p>'
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for k, out in enumerate(cell.get("outputs", [])):
            if WIDGET_MIME in out.get("data", {}):
                cell.outputs[k] = nbformat.v4.new_output("display_data", data={"text/html": note})
    nb.metadata.pop("widgets", None)
    return nb


def _html_text(output) -> str | None:
    html_data = output.get("data", {}).get("text/html")
    return "".join(html_data) if isinstance(html_data, list) else html_data


def answer_boxed_by_kernel(cell) -> bool:
    """True when every output of ``cell`` is a display whose HTML is nothing but closed ``<details>`` elements.

    Such a solution cell already hides its result behind a click (the kernel drew the box); the page must not
    hide it a second time. Anything else (a print, a plot, an open box, text next to the box) is not.
    """
    outputs = cell.get("outputs", [])
    if not outputs:
        return False
    for out in outputs:
        if out.get("output_type") not in ("display_data", "execute_result"):
            return False
        text = _html_text(out)
        if not text:
            return False
        top = bs4.BeautifulSoup(text, "html.parser").contents
        nodes = [n for n in top if not (isinstance(n, bs4.NavigableString) and not n.strip())]
        if not nodes or any(isinstance(n, bs4.NavigableString) or n.name != "details" or n.has_attr("open")
                            for n in nodes):
            return False
    return True


def exporter() -> HTMLExporter:
    exp = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"workbook.html.j2": TEMPLATE})],
                       template_file="workbook.html.j2")
    exp.register_filter("answer_boxed_by_kernel", answer_boxed_by_kernel)
    return exp


def mathjax_source() -> Path:
    """The MathJax 2.7 folder that the ``jupyter-server-mathjax`` package ships (MathJax.js, config/, jax/, fonts/)."""
    import importlib.util

    spec = importlib.util.find_spec("jupyter_server_mathjax")
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" if spec else None
    if folder is None or not (folder / "MathJax.js").is_file():
        raise SystemExit("the static edition needs MathJax from the jupyter-server-mathjax package: run `make html` "
                         "(it installs the pinned packages) or pip install jupyter-server-mathjax==0.2.6")
    return folder


def copy_mathjax(out: Path) -> Path:
    """Copy MathJax into ``out/mathjax`` (once per build; a previous copy is replaced)."""
    target = Path(out) / MATHJAX_DIR
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(mathjax_source(), target)
    return target


def mathjax_src(page_out: Path) -> str:
    """The script URL of the bundled MathJax, relative to a page at ``page_out``."""
    return f"{_href(MATHJAX_DIR / 'MathJax.js', page_out)}?config={MATHJAX_CONFIG}"


def index_html(pages: dict[str, list[Page]]) -> str:
    parts = []
    for lang, items in pages.items():
        lis = "\n".join(f'<li><a href="{p.out.as_posix()}">{html.escape(p.title)}</a></li>' for p in items)
        docs = [(out, DOC_TITLES.get(src.name[:-3], (None, None))[lang == "zh"] or TEXT[lang]["references"])
                for src, out in DOCS[lang]]
        refs = "<p>" + " · ".join(f'<a class="{"references" if out == REFERENCES[lang][1] else "doc"}" '
                                  f'href="{out.as_posix()}">{html.escape(title)}</a>' for out, title in docs) + "</p>"
        parts.append(f'<section lang="{lang}"><h2>{TEXT[lang]["edition"]}</h2>\n<ol>\n{lis}\n</ol>\n{refs}</section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<title>LLM Scaling Workbook · LLM 规模估算手册</title>\n"
            "<style>body{font:16px/1.6 system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em}"
            "section{display:inline-block;vertical-align:top;width:48%;min-width:20em}</style></head>\n"
            "<body><h1>LLM Scaling Workbook · LLM 规模估算手册</h1>\n"
            "<p>Static edition: answers are folded; click to reveal. 静态版:答案已折叠,点击展开。 "
            "The explorers need a live kernel (<code>make lab</code>, <code>make demo</code>).</p>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def output_map(pages: dict[str, list[Page]]) -> dict[str, Path]:
    """Repository path (posix, relative to the repo) of every rendered source -> its output file."""
    found = {}
    for items in pages.values():
        for p in items:
            rel = p.source.relative_to(REPO)
            found[rel.as_posix()] = p.out
            found[rel.with_suffix(".py").as_posix()] = p.out  # the jupytext source is the same page
    for docs in DOCS.values():
        for source, out in docs:
            found[source.relative_to(REPO).as_posix()] = out
    return found


_HREF = re.compile(r'href="([^"#?]*)((?:#[^"]*)?)"')


def rewrite_links(body: str, source_dir: Path, page_out: Path, targets: dict[str, Path]) -> str:
    """Point every relative link to a rendered source file (a chapter, a references page) at its built page.

    ``source_dir`` is the folder of the file the links were written in (so ``../docs/references.md`` in
    ``chapters/`` means ``docs/references.md``); ``page_out`` is where the rendered page goes. Links with a
    scheme, pure fragments and links to files that are not rendered are left as they are.
    """
    base = source_dir.relative_to(REPO).as_posix()

    def swap(m: re.Match) -> str:
        path, fragment = m.group(1), m.group(2)
        if not path or ":" in path or path.startswith("/"):
            return m.group(0)
        target = targets.get(posixpath.normpath(posixpath.join(base, path)))
        if target is None:
            return m.group(0)
        return f'href="{html.escape(_href(target, page_out), quote=True)}{fragment}"'

    return _HREF.sub(swap, body)


REFERENCES_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{title}</title>
{mathjax}
<style>
body {{ font: 16px/1.6 system-ui, sans-serif; max-width: 60em; margin: 0 auto; padding: 0 1em 2em; }}
nav.book-nav {{ font-size: 14px; padding: 8px 0; margin: 0 0 12px; border-bottom: 1px solid #d0d7de;
               display: flex; gap: 18px; flex-wrap: wrap; }}
nav.book-nav a {{ text-decoration: none; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }}
th, td {{ border: 1px solid #d0d7de; padding: 3px 8px; vertical-align: top; }}
th {{ background: #f3f5f8; }}
code {{ background: #f3f5f8; padding: 0 3px; border-radius: 3px; }}
</style>
</head>
<body>
{nav}
{body}
</body></html>
"""


def _counterpart(source: Path) -> Path:
    """The other language's version of a docs page (``x.md`` <-> ``x.zh.md``); the references page if it has none."""
    name = source.name
    other = source.with_name(name[:-len(".zh.md")] + ".md") if name.endswith(".zh.md") else source.with_name(name[:-3] + ".zh.md")
    return other


def doc_html(lang: str, source: Path, out: Path, pages: dict[str, list[Page]]) -> str:
    """One docs page (markdown rendered by mistune, raw HTML anchors kept), with its navigation bar.

    A page with TeX (the notation page writes its symbols as $L$, $D$, ...) loads the bundled MathJax by a
    relative path, like the chapters; the others load nothing.
    """
    text = source.read_text(encoding="utf-8")
    m = re.search(r"^#\s+(.+)$", text, re.M)
    title = m.group(1).strip() if m else TEXT[lang]["references"]
    body = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])(text)
    body = rewrite_links(body, source.parent, out, output_map(pages))
    t = TEXT[lang]
    targets = output_map(pages)
    other = targets.get(_counterpart(source).relative_to(REPO).as_posix(), REFERENCES[OTHER[lang]][1])
    nav = (f'<nav class="book-nav top"><a class="nav-index" href="{_href(Path("index.html"), out)}">{t["index"]}</a>\n'
           f'<a class="nav-lang" hreflang="{OTHER[lang]}" href="{_href(other, out)}">{t["other"]}</a></nav>')
    mathjax = ""
    if re.search(r"\$[^$\n]+\$", text):
        mathjax = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax: {inlineMath: [["$", "$"]], '
                   'processEscapes: true}, "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", '
                   'imageFont: null}, messageStyle: "none"});</script>\n'
                   f'<script src="{html.escape(mathjax_src(out), quote=True)}"></script>')
    return REFERENCES_PAGE.format(lang=lang, title=html.escape(title), nav=nav, body=body, mathjax=mathjax)


def references_html(lang: str, pages: dict[str, list[Page]]) -> str:
    """The references page of ``lang`` (see ``doc_html``)."""
    source, out = REFERENCES[lang]
    return doc_html(lang, source, out, pages)


def build(out: Path = DEFAULT_OUT, quiet: bool = False) -> dict[str, list[Page]]:
    """Render every chapter of both editions, the two references pages and the index into ``out``; return the
    chapter pages."""
    out = Path(out)
    pages = chapter_pages()
    out.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out)
    targets = output_map(pages)
    exp = exporter()
    for items in pages.values():
        for page in items:
            t0 = time.perf_counter()
            nb = prepare(nbformat.read(page.source, as_version=4), page.lang)
            nb.metadata["title"] = page.title
            resources = {"nav_top": nav_html(page, pages, "top"), "nav_bottom": nav_html(page, pages, "bottom"),
                         "metadata": {"name": page.title}, "mathjax_src": mathjax_src(page.out)}
            body, _ = exp.from_notebook_node(nb, resources=resources)
            body = rewrite_links(body, page.source.parent, page.out, targets)
            target = out / page.out
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            if not quiet:
                print(f"{target.relative_to(out)}  ({time.perf_counter() - t0:.1f} s)")
    out.mkdir(parents=True, exist_ok=True)
    for lang, docs in DOCS.items():
        for source, doc_out in docs:
            (out / doc_out).write_text(doc_html(lang, source, doc_out, pages), encoding="utf-8")
            if not quiet:
                print(doc_out)
    (out / "index.html").write_text(index_html(pages), encoding="utf-8")
    return pages


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    pages = build(args.out)
    n = sum(len(v) for v in pages.values())
    print(f"{n} chapter pages, {len(REFERENCES)} references pages and index.html in {args.out} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
