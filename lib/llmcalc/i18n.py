"""Language of the explorers' labels and the plots' titles: ``llmcalc.i18n.use("zh")`` or ``use("en")``.

``current()`` tells which language ``use`` set last ("en" until it is called); ``tr(en, zh)`` returns
the text of that language, so a chapter's print stays one code cell in both editions::

    print(tr(f"{n:,} chips for {days:.0f} days", f"{n:,} 块芯片，{days:.0f} 天"))

Each chapter has one code cell tagged ``language`` that calls ``use``; it is the only code cell that
differs between the English and the Chinese edition. Chinese text in plots is drawn with Noto Sans
CJK SC, shipped inside the ``mplfonts`` wheel (no system font needed), so no glyph is missing.
"""

from __future__ import annotations

from pathlib import Path

from . import _validate as v

LANGUAGES = ("en", "zh")

_language = "en"   # the language last set by use()

ZH = {
    # controls
    "preset": "预设模型", "chip": "芯片", "chips": "芯片数", "mfu": "MFU", "tokens": "训练 token 数",
    "seq_len": "序列长度 T", "batch": "批大小 (token/步)", "micro_batch": "微批次 b", "regime": "精度方案", "zero_stage": "ZeRO 阶段",
    "dp": "数据并行 DP", "tp": "张量并行 TP", "pp": "流水线 PP", "sp": "序列并行", "recompute": "重计算",
    "strategy": "并行策略", "axes": "网格轴数", "tokens_per_chip": "每芯片 token 数",
    "batch_seqs": "全局批大小 (序列数)", "efficiency": "算子效率",
    # titles and axes
    "params_title": "参数都在哪里", "flops_title": "FLOPs 与训练时间", "memory_title": "每个设备的显存",
    "sharding_title": "每层的计算与通信", "share_axis": "参数占比 (%)", "chips_axis": "芯片数",
    "days_axis": "天数", "days_title": "训练天数与芯片数", "seq_axis": "序列长度 T (token)",
    "attn_share_axis": "注意力分数占 FLOPs 的比例 (%)", "attn_share_title": "注意力什么时候重要?",
    "param_shares_title": "参数都在哪里", "gb_axis": "每设备 GB", "hbm": "显存容量",
    "tpc_axis": "每芯片 token 数", "layer_s_axis": "每层秒数", "compute": "计算", "communication": "通信",
    "planner_title": "最佳并行布局 (llmcalc.planner)", "step_axis": "每步秒数", "compute_s": "矩阵计算",
    "elementwise_s": "逐元素运算", "tp_comm_s": "TP 通信", "cp_comm_s": "CP 通信", "ep_comm_s": "EP 通信",
    "pp_p2p_s": "PP 点对点", "bubble_s": "流水线气泡", "dp_exposed_s": "DP 通信(未重叠)", "optimizer_s": "优化器",
    # components
    "embedding": "词嵌入", "attention": "注意力", "mlp": "MLP", "router": "路由器", "experts": "路由专家",
    "shared_experts": "共享专家", "norms": "归一化", "lm_head": "输出层", "weights": "权重", "grads": "梯度",
    "master": "fp32 主权重", "optimizer": "优化器状态", "activations": "激活值", "logits": "logits",
    "model_states": "模型状态", "frozen_weights": "冻结权重", "model_and_optimizer": "模型与优化器状态",
    "layer_inputs": "各层输入", "overhead": "其他开销",
    "attention_proj": "注意力投影", "attention_scores": "注意力分数",
    # table rows and columns (llmcalc.tables keeps the English keys; these are what a reader sees)
    "model": "模型", "params": "参数量", "active": "激活参数量", "share": "占比", "total": "合计",
    "tied": "输入输出嵌入共享",
}

_CJK_FONT = "Noto Sans CJK SC"


def _register_cjk_font() -> str:
    """Add Noto Sans CJK SC from the mplfonts wheel to matplotlib's font list; return its family name."""
    import matplotlib.font_manager as fm
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall the pinned mplfonts")
    if _CJK_FONT not in {f.name for f in fm.fontManager.ttflist}:
        fm.fontManager.addfont(str(path))
    return _CJK_FONT


def use(lang: str = "en") -> None:
    """Switch explorers and plots to ``lang`` ("en" or "zh"); "zh" also selects a CJK font."""
    v.choice("lang", lang, LANGUAGES)
    import matplotlib as mpl

    from .labels import set_labels

    global _language
    set_labels(ZH if lang == "zh" else {})
    _language = lang
    if lang == "zh":
        mpl.rcParams["font.family"] = [_register_cjk_font(), "DejaVu Sans"]
        mpl.rcParams["axes.unicode_minus"] = False
    else:
        mpl.rcParams["font.family"] = ["DejaVu Sans"]


def current() -> str:
    """The language last set by :func:`use`: "en" (the default, before any call) or "zh"."""
    return _language


def tr(en: str, zh: str) -> str:
    """``en`` or ``zh``, whichever matches :func:`current`. Both must be strings (format them first)."""
    if not isinstance(en, str):
        raise ValueError(f"en must be a str (the English text), got {type(en).__name__}: {en!r:.60}")
    if not isinstance(zh, str):
        raise ValueError(f"zh must be a str (the Chinese text), got {type(zh).__name__}: {zh!r:.60}")
    return zh if _language == "zh" else en
