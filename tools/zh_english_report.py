"""English words a reader sees in the stored outputs of the Chinese chapters (chapters/zh/*.ipynb).

    python tools/zh_english_report.py                 every offending output line, per chapter
    python tools/zh_english_report.py --summary       one count per chapter
    python tools/zh_english_report.py chapters/zh/03_memory.ipynb   one chapter

What is read: the printed outputs of code cells as a reader sees them (stream text; text/html of display
data and results, tags and attributes stripped; text/plain where there is no HTML). Not read: images,
the text/plain stand-in of a figure or a widget (the reader sees the figure or the widget; the dashboard's
own text is checked by the widget tests), code, and Markdown prose.

What counts as an English word: a run of Latin letters that is not allowed by one of these rules:

1. it contains a digit or an underscore: a model name (llama-3-70b, Qwen2-72B), a dtype (bf16, int4), a
   chip (H100, v5p), a number (1.76e+08) or an identifier (num_hidden_layers, forward_flops);
2. it is a dotted name (config.json, llmcalc.tables) or inside a call of one or of a snake_case name
   (``llmcalc.forward_flops(causal=False)``, ``param_count(cfg)``): code, not prose;
3. it is a single letter: a symbol (L, D, F, N, K, H, V, E, k, T, B, P, b, s, t, x), or a product of up to
   four capital symbol letters (NH, KH, LD, BT, DNH);
4. it is in ALLOWED below (case-sensitive), after splitting hyphenated and slashed words into parts.

ALLOWED is short and explicit on purpose: model families and their makers, chips, units, libraries, the
abbreviations a Chinese text about LLM training keeps in Latin letters (MFU, TP, FSDP, ZeRO, ...), logits
(kept in English in the glossary's sense and in llmcalc's labels), Korthikanti et al.'s ``sbh`` (s·b·h bytes),
collective names (all-reduce, ...), pandas' None/NaN/NA and the regime key ``mixed`` (a name one types).
Add to it only a word Chinese technical writing really keeps in English; translate everything else
with ``llmcalc.i18n.tr`` in the chapter's print.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZH_CHAPTERS = sorted((ROOT / "chapters" / "zh").glob("[0-9][0-9]_*.ipynb"))

ALLOWED = frozenset("""
    LLaMA Llama llama Qwen qwen Gemma gemma Mixtral mixtral Mistral mistral DeepSeek deepseek GPT gpt oss OSS GLM glm
    Phi phi OLMo olmo SmolLM smollm Megatron Chinchilla PaLM BLOOM Meta Google NVIDIA OpenAI Korthikanti Narayanan
    Pod TPU TPUs GPU GPUs CPU NVLink InfiniBand PCIe ICI DCN HBM SRAM
    GB GiB MB MiB KB TB TiB PB bytes FLOPs FLOP TFLOPs PFLOPs EFLOPs TFLOP PFLOP MACs MAC ms
    llmcalc Python python pandas PyTorch torch transformers FlashAttention JAX DeepSpeed NCCL MT-NLG Megatron-Core Megatron-LM torchtitan NeMo Jupyter JSON amp sdpa eager
    MFU HFU TP PP DP SP CP EP FSDP ZeRO MoE MLA GQA MHA MQA MLP FFN LoRA QLoRA KV QK PV LM RoPE SwiGLU GELU
    logits sbh token tokens
    RMSNorm LayerNorm Adam AdamW SGD fp bf int
    all-reduce all-gather reduce-scatter all-to-all AllReduce AllGather ReduceScatter
    None NaN NA mixed
""".split())

_TOKEN = re.compile(r"[A-Za-z0-9_.+\-/^']*[A-Za-z][A-Za-z0-9_.+\-/^']*")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\(\))?$")
_CALL = re.compile(r"[A-Za-z_]\w*(?:\.\w+)+\([^()]*\)|[A-Za-z]\w*_\w*\([^()]*\)")
_SYMBOL_PRODUCT = re.compile(r"^[LDFNKHVETBPSRC]{2,4}$")
_FIGURE_STANDIN = re.compile(r"^<Figure size [\dx.]+ with \d+ Axes>$")


def visible_text(output: dict) -> str:
    """The text a reader sees in one stored output ("" for figures, widgets and errors)."""
    kind = output.get("output_type")
    if kind == "stream":
        return "".join(output.get("text", ""))
    if kind not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return ""
    if "text/html" in data:
        return html_to_text("".join(data["text/html"]))
    if "image/png" in data or "image/svg+xml" in data:
        return ""
    text = "".join(data.get("text/plain", ""))
    return "" if _FIGURE_STANDIN.match(text.strip()) else text


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment: <style> and <script> dropped, tags and attributes stripped."""
    markup = re.sub(r"(?is)<(style|script)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|pre|summary|h\d)>", "\n", markup)
    markup = re.sub(r"(?i)</t[dh]>", " ", markup)
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def english_words(line: str) -> list[str]:
    """The words of ``line`` that break the rules in this module's docstring, in order."""
    bad = []
    for token in _TOKEN.findall(_CALL.sub(" ", line)):
        token = token.strip(".'-/+^")
        if not token or re.search(r"[\d_]", token) or _DOTTED.match(token):
            continue
        for part in (token,) if token in ALLOWED else re.split(r"[-/+^.']", token):
            if part and len(part) > 1 and part not in ALLOWED and not _SYMBOL_PRODUCT.match(part):
                bad.append(part)
    return bad


def offending_lines(path: Path) -> list[tuple[int, str, list[str]]]:
    """(code cell number counted from 1, output line, its English words) for each offending line."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found, cell_no = [], 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell_no += 1
        seen = set()
        for output in cell.get("outputs", []):
            for line in visible_text(output).splitlines():
                words = english_words(line)
                if words and line not in seen:
                    seen.add(line)
                    found.append((cell_no, line.rstrip(), words))
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every chapters/zh/NN_*.ipynb")
    ap.add_argument("--summary", action="store_true", help="one count per chapter")
    args = ap.parse_args(argv)
    total = 0
    for path in args.notebooks or ZH_CHAPTERS:
        lines = offending_lines(path)
        total += len(lines)
        words = sorted({w for _, _, ws in lines for w in ws})
        name = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        print(f"== {name}: {len(lines)} output lines with English ({len(words)} distinct words)")
        if args.summary:
            continue
        for cell_no, line, ws in lines:
            print(f"  code cell {cell_no:3d}: {line[:160]}")
            print(f"  {'':14s}English: {', '.join(dict.fromkeys(ws))}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
