"""One Chinese terminology (issue 12, "One terminology across chapters, README.zh and hints").

docs/glossary.zh.md (术语表) picks one Chinese term per concept and lists, in its "不用" column, the variants the
Chinese text used before (计算受限/算力受限, 完全/全量重计算, five words for chip-hours, 阈值/门槛, 气泡/空泡,
Adam's moments as 矩 not 动量, 显存/内存, ...). These tests check that none of those variants is left in what a
Chinese reader sees: the Chinese chapters (markdown and the strings of code cells), README.zh.md, every
docs/*.zh.md page except the glossary itself, and every Chinese string of lib/llmcalc/check.py (the hints and
messages of the self-check). A variant may appear as a gloss in brackets, "（也称 …）" or "（又称 …）", and inside
Chinese quotation marks “…”, which quote a source's own words.

The list of variants is read from the glossary page; a few need context to tell a variant from a correct use
(动量 is right in "带动量的 SGD", 微批 is the start of 微批次), and carry a pattern below. A test checks that every
such pattern belongs to a variant the page lists, so the page and this file cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "docs" / "glossary.zh.md"
CJK = "\u4e00-\u9fff"

# Variants whose plain text would also match a correct use; the pattern matches only the variant.
CONTEXT_PATTERNS = {
    "全重计算": r"(?<!完)全重计算",                      # 完全重计算 is the term
    "全分片": r"(?<!完)全分片",                          # 完全分片数据并行 is the term
    "微批": r"微批(?!次)",                              # 微批次 is the term
    "动量": r"(?<!带)动量",                              # 带动量的 SGD is right
    "卡时": r"(?<![张显])卡时(?!间)",                     # not 每张卡时间, 显卡时
    "GPU 时": r"GPU ?时(?![间代刻候])",                  # GPU 时间 (time) is fine
    "H100 时": r"H100 ?时(?![间代刻候])",
    "H800 时": r"H800 ?时(?![间代刻候])",
    "A100 时": r"A100 ?时(?![间代刻候])",
    "批次大小": r"(?<!微)批次大小",                     # 微批次大小 is the term for a micro-batch's size
    "个芯片": r"\d\s?个芯片",                            # 每个芯片, 单个芯片 are fine; a count takes 块
    "pod": rf"[{CJK}]\s?pods?(?![\w(])|(?<![\w.])pods?\s?[{CJK}]",  # in Chinese prose; code names untouched
}
GLOSS = re.compile(r"[（(]\s*(?:也称|又称)[^）)]*[）)]")
QUOTE = re.compile(r"“[^”\n]*”|「[^」\n]*」")      # a source's own words, quoted, are not the workbook's terms
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
CODE_SPAN = re.compile(r"`[^`\n]+`")


def glossary_variants() -> dict[str, str]:
    """{rejected variant: the term to use}, from the 不用 column of the glossary's table."""
    rows = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("English", "---") or set(cells[0]) <= {"-"}:
            continue
        for variant in re.findall(r"`([^`]+)`", cells[2]):
            rows[variant] = cells[1]
    return rows


def _pattern(variant: str) -> re.Pattern:
    return re.compile(CONTEXT_PATTERNS.get(variant, re.escape(variant)))


def _clean(text: str) -> str:
    """Reader-visible text with maths, inline code and glosses removed (line breaks kept for line numbers)."""
    keep_lines = lambda m: "\n" * m.group(0).count("\n")  # noqa: E731
    for rx in (MATH, CODE_SPAN, GLOSS, QUOTE):
        text = rx.sub(keep_lines, text)
    return text


def _strings_of_python(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant containing Chinese in a Python file, and of its comments' Chinese."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(f"[{CJK}]", node.value):
            out.append((node.lineno, node.value))
    return out


def reader_texts():
    """(where, text) of everything the glossary governs."""
    for path in sorted((REPO / "chapters" / "zh").glob("[0-9][0-9]_*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        md = "\n".join(ln[2:] if ln.startswith("# ") else "" for ln in lines)
        yield path.relative_to(REPO).as_posix(), md
        for lineno, s in _strings_of_python(path):
            yield f"{path.relative_to(REPO).as_posix()}:{lineno} (string)", s
    yield "README.zh.md", (REPO / "README.zh.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "docs").glob("*.zh.md")):
        if path != GLOSSARY:
            yield path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8")
    check_py = REPO / "lib" / "llmcalc" / "check.py"
    for lineno, s in _strings_of_python(check_py):
        yield f"lib/llmcalc/check.py:{lineno} (string)", s


def find_variants():
    """[(where, line, variant, the term to use, the line's text)] for every variant left in the reader's text."""
    variants = glossary_variants()
    hits = []
    for where, text in reader_texts():
        cleaned = _clean(text).splitlines()
        for variant, term in variants.items():
            rx = _pattern(variant)
            for i, line in enumerate(cleaned, 1):
                for _ in rx.finditer(line):
                    hits.append((where, i, variant, term, line.strip()[:80]))
    return hits


# ----- the glossary itself ------------------------------------------------------------------------------

def test_glossary_lists_the_variants_named_in_issue_12():
    variants = glossary_variants()
    for v in ("算力受限", "全量重计算", "卡时", "GPU 时", "门槛", "空泡", "动量", "芯片的内存"):
        assert v in variants, f"the glossary does not reject {v}"
    assert variants["算力受限"] == "计算受限"
    assert variants["门槛"] == "阈值"
    assert variants["空泡"] == "气泡"
    assert variants["全量重计算"] == "完全重计算"


def test_every_context_pattern_belongs_to_a_listed_variant():
    variants = glossary_variants()
    assert set(CONTEXT_PATTERNS) <= set(variants), set(CONTEXT_PATTERNS) - set(variants)


def test_glossary_terms_are_unique():
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("English",) and not set(cells[0]) <= {"-"}:
            terms.append(cells[0])
    assert len(terms) >= 40 and len(terms) == len(set(terms))


@pytest.mark.parametrize("text,variant,found", [
    ("开启完全重计算后", "全重计算", False),
    ("开启全重计算后", "全重计算", True),
    ("每个微批次", "微批", False),
    ("规划器微批 1", "微批", True),
    ("带动量的 SGD 需要一份", "动量", False),
    ("Adam 的两个动量", "动量", True),
    ("整个 GPU 时间", "GPU 时", False),
    ("合多少 GPU 时？", "GPU 时", True),
    ("每个芯片", "个芯片", False),
    ("8 个芯片", "个芯片", True),
    ("一个 pod 的 8960 块芯片", "pod", True),
    ("v5p.pod_shape 和 n_pods", "pod", False),
    ("one pod of chips", "pod", False),
])
def test_context_patterns(text, variant, found):
    assert bool(_pattern(variant).search(text)) is found


def test_a_gloss_in_brackets_and_a_quotation_are_allowed():
    assert "全收集" not in _clean("all-gather（也称全收集）把权重收回来")
    assert "全收集" in _clean("把它全收集(all-gather)回来")
    assert "动量" not in _clean("它自己的注释说这 8 字节是“参数、动量、方差”")
    assert not _pattern("批次大小").search("微批次大小") and _pattern("批次大小").search("批次大小")


# ----- the reader's text ----------------------------------------------------------------------------------

def test_chinese_text_uses_the_glossary_terms():
    hits = find_variants()
    report = "\n".join(f"{where}:{line}: {variant} -> {term}   | {text}" for where, line, variant, term, text in hits)
    assert not hits, f"{len(hits)} rejected variants left (file:line: variant -> term):\n{report}"
