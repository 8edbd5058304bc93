"""Slider explorers for the chapters and the dashboard: controls → a pure llmcalc function → numbers, a table, a plot.

Each factory returns an :class:`Explorer`. Moving a control recomputes at once (observers run
synchronously), so tests can set ``explorer.controls["D"].value = ...`` and read ``explorer.summary``
without a browser. Explorers only call llmcalc formulas; they restate none.

What an explorer offers:

- Only values the library accepts for the current model: the K, N, TP, PP (and DP, chip count) sliders
  step through a list of valid values (K divides N, TP divides the heads and MLP widths, ...), which is
  recomputed, and the value moved to the nearest valid one, when the model or the shape changes. The
  library's own validators decide what is valid (``memory`` for TP, ``ModelConfig`` for N and K).
- Counts with thousands separators, MFU and shares as percentages, units in the control names and a
  tooltip (the symbol's meaning) on every control; chip counts on a log scale.
- A plot drawn as SVG (sharp at any zoom or pixel density), legends outside the axes; an error replaces
  the plot and the numbers in a panel of the same size (nothing stale, nothing jumps).
- Export of the plot (PNG at 2× and SVG) and of the table (CSV) as download links (``data:`` URIs).
- Every visible text in the current language (``llmcalc.i18n.use``); the widget-only strings live here,
  in ``TEXT``. ``summary`` keys, table keys and ``result.error`` stay English (they are the API).
"""

from __future__ import annotations

import base64
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import _validate as _v  # noqa: E402
from . import flops as _flops, hardware as _hw, params as _params, timecost as _time  # noqa: E402
from .i18n import current as _current_language  # noqa: E402
from .models import PRESETS, ModelConfig, preset  # noqa: E402
from .tables import fmt_count  # noqa: E402

from .labels import label as _label, set_labels  # noqa: E402,F401  (one store with plots)


def _zh() -> bool:
    return _current_language() == "zh"


# ----- widget text, both languages ---------------------------------------------------------------
# controls: key -> (English name with unit, Chinese name with unit, English tooltip, Chinese tooltip)
CONTROLS = {
    "preset": ("Model", "模型", "A preset model: its published shape (layers, widths, heads, vocabulary)",
               "预设模型:论文或配置文件公布的形状(层数、宽度、头数、词表)"),
    "L": ("L (layers)", "L(层)", "L: number of transformer layers", "L:Transformer 层数"),
    "D": ("D (width)", "D(宽度)", "D: model width, the size of the residual stream", "D:模型宽度,残差流的维度"),
    "F": ("F (MLP width)", "F(MLP 宽度)", "F: hidden width of the MLP (feed-forward) block", "F:MLP(前馈层)的隐藏宽度"),
    "N": ("N (query heads)", "N(查询头)", "N: number of attention query heads (N divides D when the head size is D/N)",
          "N:注意力查询头数(头维度为 D/N 时 N 整除 D)"),
    "K": ("K (KV heads)", "K(KV 头)", "K: number of key/value heads; K divides N (GQA; K = N is plain multi-head)",
          "K:键/值头数;K 整除 N(GQA;K = N 即普通多头注意力)"),
    "V": ("V (vocabulary)", "V(词表)", "V: vocabulary size, in tokens", "V:词表大小(token 数)"),
    "E": ("E (experts)", "E(专家)", "E: routed experts per MoE layer (0: a dense model)", "E:每个 MoE 层的路由专家数(0 为稠密模型)"),
    "k": ("k (active experts)", "k(激活专家)", "k: experts each token is routed to", "k:每个 token 路由到的专家数"),
    "seq_len": ("T (tokens)", "T(token)", "T: sequence length, tokens per sequence", "T:序列长度,每条序列的 token 数"),
    "tokens": ("training tokens", "训练 token 数", "Total tokens the model is trained on", "训练所用的 token 总数"),
    "batch": ("batch (tokens/step)", "批大小(token/步)", "Global batch: tokens per optimizer step",
              "全局批大小:每个优化步的 token 数"),
    "chip": ("chip", "芯片", "Accelerator: peak FLOP/s, HBM and links from the vendors' data sheets",
             "加速器:峰值 FLOP/s、显存容量与互联带宽(厂商数据手册)"),
    "chips": ("chips", "芯片数", "Number of chips (GPUs or TPU chips); the slider moves on a log scale",
              "芯片(GPU 或 TPU)数量;滑块按对数刻度移动"),
    "mfu": ("MFU (%)", "MFU(%)", "MFU: model FLOPs utilization, the share of peak FLOP/s spent on the model's FLOPs",
            "MFU:模型 FLOPs 利用率,峰值算力中用于模型计算的比例"),
    "micro_batch": ("b (sequences)", "b(序列)", "b: micro-batch, sequences per device per forward pass",
                    "b:微批次,每个设备每次前向的序列数"),
    "regime": ("precision", "精度方案", "Bytes per parameter for weights, gradients, master copy and Adam's two moments",
               "权重、梯度、主权重与 Adam 两个矩各占的字节数"),
    "zero_stage": ("ZeRO stage", "ZeRO 阶段", "ZeRO: 1 shards the optimizer states over DP, 2 also gradients, 3 also weights",
                   "ZeRO:1 在 DP 上切分优化器状态,2 再切分梯度,3 再切分权重"),
    "dp": ("DP (replicas)", "DP(副本)", "DP: data-parallel degree, model replicas (log steps)",
           "DP:数据并行度,模型副本数(对数步进)"),
    "tp": ("TP", "张量并行 TP", "TP: tensor-parallel degree; it must divide the heads and MLP widths (only such values are offered)",
           "TP:张量并行度;必须整除头数与 MLP 宽度(只提供这样的取值)"),
    "pp": ("PP (stages)", "PP(流水线级)", "PP: pipeline-parallel stages, at most L", "PP:流水线并行级数,不超过 L"),
    "sp": ("sequence parallel", "序列并行", "SP: shards the activations TP keeps whole along the sequence",
           "SP:把 TP 未切分的激活沿序列维切开"),
    "recompute": ("recompute", "重计算", "Activation recomputation: what the backward pass recomputes instead of storing",
                  "激活重计算:反向传播时重新计算而不保存的部分"),
    "strategy": ("strategy", "并行策略", "DP, FSDP (ZeRO-3), TP or FSDP+TP: what each layer communicates",
                 "DP、FSDP(ZeRO-3)、TP 或 FSDP+TP:每层要通信什么"),
    "axes": ("mesh axes", "网格轴数", "Fast-fabric axes the FSDP group spans (a TPU torus has 3)",
             "FSDP 组跨越的高速互联轴数(TPU 环面有 3 个)"),
    "tokens_per_chip": ("tokens per chip", "每芯片 token 数", "Batch tokens per chip, B / chips (log scale)",
                        "每个芯片分到的批 token 数,B / 芯片数(对数刻度)"),
    "batch_seqs": ("batch (sequences)", "批大小(序列)", "Global batch in sequences; tokens per step = sequences × T",
                   "全局批大小(序列数);每步 token 数 = 序列数 × T"),
    "stack": ("framework", "训练框架", "Training framework: which communication it overlaps with compute (llmcalc.planner.STACKS)",
              "训练框架:哪些通信与计算重叠(llmcalc.planner.STACKS)"),
    "kernels": ("kernels", "算子模型", "calibrated: kernel rates measured by GEMM shape and achieved bandwidth; ideal: every "
                "matmul at the kernel efficiency × peak", "校准:按 GEMM 形状实测的算子速率与实际带宽;理想:每个矩阵乘按算子效率 × 峰值"),
    "matmuls": ("matmuls", "矩阵乘精度", "Precision of the layers' linear GEMMs: bf16, or FP8 as Transformer Engine runs "
                "them (chips with FP8 tensor cores: H100, H800, H200, B200), optionally with the weights kept in FP8 "
                "too (fp8_params, as NVIDIA's FP8 recipes set)",
                "各层线性 GEMM 的精度:bf16,或 Transformer Engine 方式的 FP8(只限有 FP8 张量核心的芯片:H100、H800、"
                "H200、B200),也可以让权重本身也用 FP8 保存(NVIDIA 的 FP8 配方就这样设)"),
    "efficiency": ("kernel efficiency (%)", "算子效率(%)",
                   "Share of peak FLOP/s the matrix kernels reach; 100% is the ideal-kernel ceiling",
                   "矩阵算子达到的峰值算力比例;100% 即理想算子的上限"),
}

# dropdown values: value -> (English, Chinese)
OPTION_TEXT = {
    "regime": {"mixed": ("mixed (bf16 + fp32 master)", "混合精度(bf16 + fp32 主权重)"),
               "mixed_fp32_grads": ("mixed, fp32 grads", "混合精度,fp32 梯度"),
               "bf16_fp32_adam": ("bf16, fp32 Adam", "bf16,fp32 Adam 矩")},
    "stack": {"megatron-lm-2021": ("Megatron-LM (2021)", "Megatron-LM(2021)"),
              "megatron-core": ("Megatron-Core", "Megatron-Core"),
              "megatron-core-moe-overlap": ("Megatron-Core, MoE all-to-all overlapped", "Megatron-Core(专家通信与计算重叠)"),
              "deepspeed": ("Megatron-DeepSpeed", "Megatron-DeepSpeed"),
              "fsdp2": ("PyTorch FSDP2", "PyTorch FSDP2"), "meta-llama3": ("Meta (Llama 3)", "Meta(Llama 3)"),
              "jax-tpu": ("JAX/XLA on TPU", "TPU 上的 JAX/XLA"),
              "deepseek-v3": ("DeepSeek HAI-LLM (V3: DualPipe)", "DeepSeek HAI-LLM(V3:DualPipe)")},
    "kernels": {"calibrated": ("calibrated", "校准"), "ideal": ("ideal × efficiency", "理想 × 算子效率")},
    "matmuls": {"bf16": ("bf16", "bf16"), "fp8": ("FP8 (Transformer Engine)", "FP8(Transformer Engine)"),
                "fp8_params": ("FP8, weights in FP8", "FP8,权重也用 FP8")},
    "recompute": {"none": ("none", "不重计算"), "selective": ("selective", "选择性重计算"), "full": ("full", "完全重计算")},
}

# headline numbers: summary key -> (English, Chinese, kind); kinds: count, float, pct, sci, gb, sec, ms, days,
# bool, text, layout, short
SUMMARY = {
    "total params": ("total params", "总参数量", "count"),
    "active params": ("active params", "激活参数量", "count"),
    "total": ("total", "总计", "short"),
    "6P FLOPs/token": ("6P FLOPs/token", "6P FLOPs/token", "sci"),
    "exact FLOPs/token": ("exact FLOPs/token", "精确 FLOPs/token", "sci"),
    "attention share": ("attention share", "注意力占比", "pct"),
    "total FLOPs": ("total FLOPs", "总 FLOPs", "sci"),
    "steps": ("steps", "步数", "count"),
    "FLOPs/step": ("FLOPs/step", "FLOPs/步", "sci"),
    "seconds/step": ("seconds/step", "每步秒数", "sec"),
    "days": ("days", "天数", "days"),
    "chip-hours": ("chip-hours", "芯片小时", "count"),
    "total GB/device": ("total GB/device", "每设备总计 GB", "gb"),
    "HBM GB": ("HBM GB", "显存容量 GB", "gb"),
    "fits": ("fits", "放得下", "bool"),
    "chips": ("chips", "芯片数", "count"),
    "compute ms/layer": ("compute ms/layer", "每层计算 ms", "ms"),
    "comm ms/layer": ("comm ms/layer", "每层通信 ms", "ms"),
    "bound": ("bound by", "受限于", "text"),
    "links": ("links", "链路", "text"),
    "best layout": ("best layout", "最佳布局", "layout"),
    "GB/device": ("GB/device", "每设备 GB", "gb"),
    "step s": ("step (s)", "每步(秒)", "sec"),
    "MFU": ("MFU", "MFU", "pct"),
    "MFU ceiling": ("MFU ceiling (ideal kernels)", "MFU 上限(理想算子)", "pct"),
    "layouts": ("layouts evaluated", "评估的布局数", "count"),
    "accepted": ("layouts that fit", "可行布局数", "count"),
}

VALUE_TEXT = {"compute": ("compute", "计算"), "communication": ("communication", "通信"), True: ("yes", "是"),
              False: ("no", "否")}

# table columns and rows, plot legends and axes shown by the explorers: key -> (English, Chinese)
TEXT = {
    "params": ("parameters", "参数量"), "share %": ("share", "占比"), "GB": ("GB", "GB"),
    "layout": ("layout", "布局"), "step s": ("step (s)", "每步(秒)"), "MFU": ("MFU", "MFU"), "total": ("total", "总计"),
    "embedding": ("embedding", "词嵌入"), "attention": ("attention", "注意力"), "mlp": ("MLP", "MLP"),
    "router": ("router", "路由器"), "experts": ("routed experts", "路由专家"), "shared_experts": ("shared experts", "共享专家"),
    "norms": ("norms", "归一化"), "lm_head": ("output layer", "输出层"),
    "weights": ("weights", "权重"), "grads": ("gradients", "梯度"), "master": ("fp32 master", "fp32 主权重"),
    "optimizer": ("optimizer states", "优化器状态"), "activations": ("activations", "激活值"), "logits": ("logits", "logits"),
    "hbm": ("HBM", "显存容量"), "compute": ("compute", "计算"), "communication": ("communication", "通信"),
    "compute_s": ("matrix compute", "矩阵计算"), "elementwise_s": ("elementwise", "逐元素运算"),
    "tp_comm_s": ("TP comm", "TP 通信"), "cp_comm_s": ("CP comm", "CP 通信"), "ep_comm_s": ("EP comm", "EP 通信"),
    "pp_p2p_s": ("PP send/recv", "PP 点对点"), "bubble_s": ("pipeline bubble", "流水线气泡"),
    "dp_exposed_s": ("DP comm (exposed)", "DP 通信(未重叠)"), "optimizer_s": ("optimizer", "优化器"),
    "share_axis": ("share of parameters (%)", "参数占比(%)"), "chips_axis": ("chips", "芯片数"),
    "days_axis": ("days", "天数"), "gb_axis": ("GB per device", "每设备 GB"), "tpc_axis": ("tokens per chip", "每芯片 token 数"),
    "layer_s_axis": ("seconds per layer", "每层秒数"), "step_axis": ("seconds per step", "每步秒数"),
    "params_title": ("Where the parameters live", "参数都在哪里"), "flops_title": ("FLOPs and training time", "FLOPs 与训练时间"),
    "memory_title": ("Memory per device", "每个设备的显存"), "sharding_title": ("Compute vs communication per layer", "每层的计算与通信"),
    "planner_title": ("Best layouts (llmcalc.planner)", "最佳并行布局(llmcalc.planner)"),
    "error": ("Cannot compute this combination", "这组取值无法计算"),
    "export": ("Export plot and table", "导出图和表"), "png": ("plot (PNG)", "图(PNG)"), "svg": ("plot (SVG)", "图(SVG)"),
    "csv": ("table (CSV)", "表(CSV)"),
    "fits_note": ("Fits: {total} GB of the {hbm} GB HBM per device ({pct} used); the largest part is {part} ({part_gb} GB).",
                  "放得下:每设备 {total} GB,HBM 为 {hbm} GB(占 {pct});最大的一项是{part}({part_gb} GB)。"),
    "nofit_note": ("Does not fit: {total} GB per device is {over} GB more than the {hbm} GB HBM; the largest part is "
                   "{part} ({part_gb} GB).",
                   "放不下:每设备 {total} GB,比 HBM 的 {hbm} GB 多 {over} GB;最大的一项是{part}({part_gb} GB)。"),
    "pp_note": ("With PP the total is an upper bound (the logits sit on the last stage, the activation peak on the "
                "first). In a 1F1B pipeline the first stage keeps L/PP layers for PP micro-batches in flight: all L "
                "layers' worth of one micro-batch, whatever PP is. Meta trained at T = 8192 without activation "
                "checkpointing after balancing the stages and freeing tensors early (Llama 3 paper, §3.3.2); full "
                "recompute always fits.",
                "有 PP 时总量是上界(logits 在最后一级,激活峰值在第一级)。1F1B 流水线的第一级要为 PP 个在途微批次各保存 "
                "L/PP 层:不论 PP 取多少,合起来都是一个微批次全部 L 层的激活。Meta 在 T = 8192 时没有做激活检查点,"
                "靠的是平衡各级层数并尽早释放张量(Llama 3 论文,§3.3.2);完全重计算总能放下。"),
    "ceiling_note": ("The MFU ceiling is the same layout with every matmul at peak and every link at line rate: an "
                     "upper bound that no run reaches.",
                     "MFU 上限:同一布局下每个矩阵乘都跑满峰值、每条链路都跑满线速,是任何实际训练都达不到的上界。"),
    "meta_note": ("Meta measured {mfu}% MFU on {gpus} GPUs at T = {T} (Llama 3 paper, Table 4).",
                  "Meta 实测:{gpus} 张 GPU、T = {T} 时 MFU 为 {mfu}%(Llama 3 论文,表 4)。"),
    "mfu_calibrated_label": ("MFU (predicted)", "MFU(预测)"),
    "mfu_efficiency_label": ("MFU (at this kernel efficiency)", "MFU(按此算子效率)"),
    "recompute_none": ("none", "不重计算"), "recompute_selective": ("selective", "选择性重计算"),
    "recompute_full": ("full", "完全重计算"), "recompute_selective-op": ("selective-op", "算子级选择性重计算"),
    "recompute_modules": ("{modules}", "按模块重计算({modules})"),
    "module_core_attn": ("core_attn", "注意力核心"), "module_layernorm": ("layernorm", "归一化"),
    "module_mla_up_proj": ("mla_up_proj", "潜在注意力上投影"), "module_moe_act": ("moe_act", "专家激活函数"),
    "module_mlp": ("mlp", "稠密 MLP"), "module_shared_experts": ("shared_experts", "共享专家"),
}


def _text(key: str, default: str | None = None) -> str:
    en, zh = TEXT.get(key, (default if default is not None else key,) * 2)
    return zh if _zh() else en


def control_name(key: str) -> str:
    """The control's name (with its unit) in the current language."""
    en, zh, _, _ = CONTROLS[key]
    return zh if _zh() else en


def control_tooltip(key: str) -> str:
    """What the control's symbol means, in the current language."""
    _, _, en, zh = CONTROLS[key]
    return zh if _zh() else en


def summary_name(key: str) -> str:
    en, zh, _ = SUMMARY.get(key, (key, key, ""))
    return zh if _zh() else en


# ----- formatting --------------------------------------------------------------------------------

def _fmt(v) -> str:
    if isinstance(v, bool) or isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.3e}"
    return str(v)


def recompute_text(policy: str) -> str:
    """A planner recompute policy in the current language: "full" → 完全重计算, Megatron-Core's modules
    "layernorm+moe_act" → 按模块重计算(归一化+专家激活函数); English keeps the policy's own name."""
    from . import planner as _planner

    if policy in _planner.RECOMPUTE:
        return _text(f"recompute_{policy}")
    modules = "+".join(_text(f"module_{m}", m) for m in _planner.recompute_modules(policy))
    return _text("recompute_modules").format(modules=modules)


def layout_text(name: str) -> str:
    """A planner layout name (symbols and numbers) with its recompute word in the current language."""
    head, _, policy = name.rpartition(" ")
    return f"{head} {recompute_text(policy)}" if head else name


def format_value(key: str, v) -> str:
    """A summary value as the explorer shows it: separators, percentages, units, yes/no."""
    kind = SUMMARY.get(key, (None, None, None))[2]
    if v is None:
        return "—"
    if kind == "bool" or isinstance(v, bool):
        en, zh = VALUE_TEXT[bool(v)]
        return zh if _zh() else en
    if kind == "text" and v in VALUE_TEXT:
        en, zh = VALUE_TEXT[v]
        return zh if _zh() else en
    if kind == "layout":
        return layout_text(str(v))
    if kind == "short":
        return str(v)
    if isinstance(v, str):
        return v
    if kind == "count":
        return f"{round(v):,}"
    if kind == "pct":
        return f"{100 * v:.1f}%"
    if kind == "sci":
        mant, exp = f"{v:.3e}".split("e")
        return f"{mant} × 10^{int(exp)}"
    if kind in ("gb", "days"):
        return f"{v:,.1f}"
    if kind == "sec":
        return f"{v:,.3g}" if v < 1000 else f"{v:,.0f}"
    if kind == "ms":
        return f"{v:,.3g}"
    return _fmt(v)


# ----- the result and the explorer ---------------------------------------------------------------

@dataclass
class Result:
    """What an explorer shows: headline numbers, a table, the data for its plot, and a note in words."""

    summary: dict[str, Any]
    table: pd.DataFrame | None = None
    plot: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    notes: list[tuple[str, dict]] = field(default_factory=list)   # (TEXT key, format arguments)
    names: dict[str, str] = field(default_factory=dict)           # summary key -> a TEXT key naming it instead


_ERROR_PATTERNS = [
    (r"^(\w+) must be a whole number in (\[[^\]]*\])", "{f} 必须是 {2} 中的整数"),
    (r"^(\w+) must be a number in (\[[^\]]*\])", "{f} 必须是 {2} 中的数"),
    (r"^(\w+) must be a whole number >= (\d+)", "{f} 必须是不小于 {2} 的整数"),
    (r"^(\w+) must be one of", "{f} 只能取列出的选项之一"),
    (r"^'(\w+)' is not a control", "“{0}”不是这个面板的控件"),
    (r"^N \(query heads, (\d+)\) must be a multiple of K", "N(查询头数 {1})必须是 K 的倍数"),
    (r"^D \((\d+)\) must be divisible by N", "D({1})必须能被 N 整除"),
    (r"^tp must divide", "TP 必须整除头数与 MLP 宽度"),
    (r"^no layout is accepted: of ([\d,]+) evaluated.*The least memory any layout needs is ([\d,.]+) GB per device, "
     r"over the ([\d,.]+) GB usable on (.+?) \(HBM less headroom\)",
     "没有可行的布局：评估的 {1} 种都被排除；最省显存的布局每卡也要 {2} GB，超过 {4} 扣除余量后可用的 {3} GB："
     "请增加芯片、减小批大小、使用重计算，或换显存更大的芯片"),
    (r"^no layout is accepted: of ([\d,]+) evaluated",
     "没有可行的布局：评估的 {1} 种都被排除（数据并行度或微批次不能整除批中的序列，或不满足交错调度或 DualPipe 调度的条件）"),
    (r"^fp8=True needs a chip with FP8 tensor cores \(Chip\.peak_fp8_flops\); ([\w ]+?) has none",
     "{1} 没有 FP8 张量核心:矩阵乘精度请选 bf16,或换用 H100、H800、H200、B200"),
    (r"^pp must be in (\[[^\]]*\])", "PP 必须在 {1} 之内"),
    (r"^no layout is accepted", "没有可行的布局:每种布局都放不下显存,或批大小不能整除"),
    (r"^(\w+)", "{f} 的取值无效"),
]


def error_text(message: str) -> str:
    """The library's error message in the current language (Chinese by pattern: the field and the range).
    In a pattern's Chinese text {0} is the whole match, {1}, {2} its groups, {f} the field's Chinese name."""
    if not _zh():
        return message
    for pattern, zh in _ERROR_PATTERNS:
        m = re.search(pattern, message)
        if m:
            name = m.group(1) if m.groups() else ""
            if name in CONTROLS:
                f = CONTROLS[name][1]
            elif name in ("L", "D", "F", "N", "K", "V", "E", "k", "H", "T", "b"):
                f = name      # a symbol (N, K, D, ...)
            elif zh.startswith("{f}"):
                return "这组取值无法计算"     # no field we can name
            else:
                f = ""
            return zh.format(m.group(0), *m.groups(), f=f)
    return "这组取值无法计算"


_PLOT_PX = (520, 360)        # CSS pixels the plot is shown at (at least); its SVG scales to any pixel density
_PLOT_DPI = 100              # figure inches × 100 = CSS pixels, so 13 pt text shows at 18 px
# the screen's SVG keeps its text as text (the browser draws it; a third faster than glyph paths)
_PLOT_RC = {"font.size": 13, "axes.titlesize": 13, "axes.labelsize": 13, "xtick.labelsize": 13,
            "ytick.labelsize": 13, "legend.fontsize": 13, "svg.fonttype": "none", "svg.hashsalt": "llmcalc"}


# the error panel over the plot (position: absolute inside the plot's area), in chapters and in the dashboard
_PLOT_CSS = ("<style>.llm-plot-area{position:relative}.llm-plot-error{position:absolute!important;top:0;left:0;"
             "right:0}.llm-error,.llm-error-panel{color:#b00}.llm-error-panel{white-space:normal;padding:1em}</style>")


class Explorer:
    """A panel of controls driving one llmcalc computation: headline numbers, a plot and a table beside them.

    ``options(values)`` (optional) returns, for the controls whose valid values depend on others, the list
    of valid values; before each computation those sliders are given that list and moved to the nearest
    valid value. ``widen`` names the sliders whose list may grow to take any value set programmatically
    (chip counts), the others refuse values outside their list.
    """

    def __init__(self, title: str, controls: dict[str, w.Widget], compute: Callable[[dict], Result],
                 draw: Callable[[Any, Result], None] | None = None, presets_control: str | None = "preset",
                 figsize=(_PLOT_PX[0] / _PLOT_DPI, _PLOT_PX[1] / _PLOT_DPI),
                 options: Callable[[dict], dict[str, list]] | None = None, widen: tuple[str, ...] = (),
                 left: float = 0.16):
        self.title = title
        self.controls = controls
        self._compute = compute
        self._draw = draw
        self._options = options
        self._widen = set(widen)
        self._busy = False
        self._plot_stale = False
        self.plot_active = True     # the dashboard turns this off for hidden tabs (drawn when shown)
        for key, ctl in controls.items():
            if key in CONTROLS:
                ctl.tooltip = control_tooltip(key)
            ctl.add_class(f"llm-control-{key}")
        self.title_html = w.HTML(f"<b>{title}</b>" + _PLOT_CSS)
        self.title_html.add_class("llm-title")
        self.summary_html = w.HTML()
        self.summary_html.add_class("llm-summary")
        self.note_html = w.HTML()            # the first note (a verdict) above the plot, the others below it
        self.note_html.add_class("llm-note")
        self.detail_html = w.HTML()
        self.detail_html.add_class("llm-detail")
        self.table_html = w.HTML()
        self.table_html.add_class("llm-table")
        self.image = None
        self.fig = self.ax = None
        self._last_summary = self._last_note = ""
        # the error panel lies over the (hidden) plot, so the plot's place keeps its size
        self.plot_error = w.HTML(layout=w.Layout(display="none", width="100%"))
        self.plot_error.add_class("llm-plot-error")
        if draw:
            self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%", max_width=f"{_PLOT_PX[0]}px"))
            self.image.add_class("llm-plot")
            with plt.rc_context(_PLOT_RC):
                self.fig, self.ax = plt.subplots(figsize=figsize)
            # fixed margins (a constrained layout costs a second draw); the legend is HTML beside the image
            # (it never covers the data, and laying out legend text is most of what an SVG redraw costs)
            self.fig.subplots_adjust(left=left, bottom=0.17, right=0.96, top=0.95)
            plt.close(self.fig)  # drawn into the Image widget only, never shown twice by the inline backend
        self.legend_html = w.HTML()
        self.legend_html.add_class("llm-legend")
        self._legend_key = None
        plot_children = [self.image, self.plot_error] if self.image is not None else [self.plot_error]
        self.plot_area = w.Box(plot_children, layout=w.Layout(width="100%", max_width=f"{_PLOT_PX[0]}px",
                                                               min_height=f"{_PLOT_PX[1]}px" if draw else "0"))
        self.plot_area.add_class("llm-plot-area")
        self.plot_box = w.HBox([self.plot_area, self.legend_html], layout=w.Layout(
            width="100%", min_height=f"{_PLOT_PX[1]}px" if draw else "0", align_items="flex-start"))
        self.plot_box.add_class("llm-plot-box")
        self.export_button = w.Button(description=_text("export"), icon="download")
        self.export_button.add_class("llm-export")
        self.export_links = w.HTML()
        self.export_links.add_class("llm-export-links")
        self.export_button.on_click(lambda _: self.export())
        for ctl in controls.values():
            ctl.observe(self._on_change, names="value")
        if presets_control and presets_control in controls:
            controls[presets_control].observe(self._on_preset, names="value")
        export_row = w.HBox([self.export_button, self.export_links])
        # two arrangements of the same widgets: ``presenter`` (the dashboard: one column of controls beside the
        # numbers and the plot) and ``widget`` (a chapter: the controls in two columns above them)
        self.controls_box = w.VBox(list(controls.values()))
        self.controls_box.add_class("llm-controls")
        self.output_box = w.VBox([self.summary_html, self.note_html, self.plot_box, self.detail_html, self.table_html,
                                  export_row])
        self.output_box.add_class("llm-outputs")
        self.presenter = w.VBox([self.title_html, w.HBox([self.controls_box, self.output_box])])
        self.presenter.add_class("llm-explorer")
        columns = w.HBox([w.VBox(list(controls.values())[i::2]) for i in range(2)])
        columns.add_class("llm-control-columns")
        self.widget = w.VBox([self.title_html, columns, self.summary_html, self.note_html, self.plot_box,
                              self.detail_html, self.table_html, export_row])
        self.widget.add_class("llm-explorer")
        self.result: Result | None = None
        self._on_preset_hook: Callable[[ModelConfig], dict] | None = None
        self.update()

    # ----- events --------------------------------------------------------------------------------
    def _on_change(self, change):
        if self._busy:
            return
        if self._on_preset_hook is not None and change["owner"] is self.controls.get("preset"):
            return  # _on_preset loads the model's shape and recomputes once
        self.update()

    def _on_preset(self, change):
        if self._on_preset_hook is not None:
            self.set_values(**self._on_preset_hook(preset(change["new"])))

    def set_values(self, **values) -> "Result":
        """Set several controls at once and recompute once.

        Each value is checked first, with the library's validators: a whole-number slider takes only a
        whole number (1.5 is refused, not shown as 1), a slider's range widens to include the value (a log
        slider's exponents too) instead of clamping it, a dropdown takes only one of its options, a slider of
        valid values (TP, K, ...) only a value valid for the new settings. A value that is refused leaves every
        control as it was and shows the error where the numbers would be: nothing raises out of an explorer."""
        try:
            checked = {key: self._checked_value(key, value) for key, value in values.items()}
            if self._options is not None:
                allowed = self._allowed({**self.values(), **checked})
                for key, value in checked.items():
                    if key in allowed and key not in self._widen and value not in allowed[key]:
                        raise ValueError(f"{key} must be one of {allowed[key]} here, got {value!r}")
        except ValueError as e:
            return self._show_error(str(e))
        self._busy = True
        key = None
        try:
            for key, value in checked.items():
                ctl = self.controls[key]
                if isinstance(ctl, w.FloatLogSlider):
                    exp = math.log(value, ctl.base)
                    ctl.max, ctl.min = max(ctl.max, math.ceil(exp)), min(ctl.min, math.floor(exp))
                elif isinstance(ctl, (w.IntSlider, w.FloatSlider)):
                    ctl.max, ctl.min = max(ctl.max, value), min(ctl.min, value)
                elif isinstance(ctl, w.SelectionSlider):
                    opts = _option_values(ctl)
                    if value not in opts:
                        _set_options(ctl, sorted(set(opts) | {value}), value)
                        continue
                ctl.value = value
        except Exception as e:  # noqa: BLE001 - a widget trait that still refuses: shown, never raised
            return self._show_error(f"{key}: {e}")
        finally:
            self._busy = False
        return self.update()

    def _checked_value(self, key: str, value):
        if key not in self.controls:
            raise ValueError(f"{key!r} is not a control of this explorer; its controls are {list(self.controls)}")
        ctl = self.controls[key]
        if isinstance(ctl, w.IntSlider) or (isinstance(ctl, w.SelectionSlider) and
                                            all(isinstance(o, int) for o in _option_values(ctl))):
            return _v.positive_int(key, value, allow_zero=isinstance(ctl, w.IntSlider) and ctl.min <= 0)
        if isinstance(ctl, w.FloatLogSlider):
            x = float(_v.positive_number(key, value))
            exp = math.log(x, ctl.base)
            if not -300 <= exp <= 300:
                raise ValueError(f"{key} must be a number in [{ctl.base}^-300, {ctl.base}^300], got {value!r}")
            return x
        if isinstance(ctl, w.FloatSlider):
            return float(_v._real(key, value, "a finite number"))
        if isinstance(ctl, w.Dropdown):
            return _v.choice(key, value, _option_values(ctl))
        if isinstance(ctl, (w.Checkbox, w.ToggleButton)):
            return _v.flag(key, value)
        return value

    def _allowed(self, values: dict) -> dict[str, list]:
        try:
            return self._options(values) if self._options is not None else {}
        except ValueError:
            return {}   # the shape itself is invalid: compute says why

    def _refresh_options(self) -> None:
        """Give the valid-value sliders their list for the current settings; move each to its nearest valid value."""
        if self._options is None:
            return
        self._busy = True
        try:
            for key, opts in self._allowed(self.values()).items():   # in order: N before K, the model before TP
                ctl = self.controls[key]
                cur = ctl.value
                if key in self._widen:    # a value added once (8,960 chips: a v5p pod) stays on the scale
                    opts = sorted(set(opts) | set(_option_values(ctl)) | {cur})
                target = cur if cur in opts else _nearest(opts, cur)
                if _option_values(ctl) != list(opts):
                    _set_options(ctl, list(opts), target)
                elif target != cur:
                    ctl.value = target
        finally:
            self._busy = False

    def _show_error(self, message: str) -> "Result":
        self.result = Result(summary={}, error=message)
        self._render_error(message)
        return self.result

    def _render_error(self, message: str) -> None:
        """The error in place of the numbers and of the plot. What was shown before stays in the page, invisible,
        under the message, so nothing below it moves (the page does not jump) and no stale number shows."""
        shown = _html_escape(error_text(message))
        self.summary_html.value = (
            "<div style='position:relative;min-height:1.4em'>"
            f"<div style='visibility:hidden' aria-hidden='true'>{self._last_summary}</div>"
            f"<div class='llm-error' style='position:absolute;top:0;left:0;right:0'>⚠ {shown}</div></div>")
        self.note_html.value = (f"<div style='visibility:hidden' aria-hidden='true'>{self._last_note}</div>"
                                if self._last_note else "")
        self.detail_html.value = ""
        self.table_html.value = ""
        self.export_links.value = ""
        if self.image is not None:
            self.image.layout.visibility = "hidden"
        self.legend_html.layout.visibility = "hidden"
        self.plot_error.layout.display = "block"
        self.plot_error.value = f"<div class='llm-error-panel'><b>{_text('error')}</b><br>{shown}</div>"

    def values(self) -> dict[str, Any]:
        return {k: c.value for k, c in self.controls.items()}

    def update(self) -> Result:
        self._refresh_options()
        try:
            result = self._compute(self.values())
        except ValueError as e:
            result = Result(summary={}, error=str(e))
        except Exception as e:  # noqa: BLE001 - never raise out of a widget; say what happened instead
            result = Result(summary={}, error=f"{type(e).__name__}: {e}")
        self.result = result
        self.export_links.value = ""
        if result.error:
            self._render_error(result.error)
            return result
        self.summary_html.value = self._last_summary = " ".join(
            f"<span class='llm-item'><span class='llm-key'>{_html_escape(self._summary_label(k))}:</span> "
            f"<span class='llm-value'>{_html_escape(format_value(k, v))}</span></span>"
            for k, v in result.summary.items())
        notes = [_html_escape(_text(k).format(**a)) for k, a in result.notes]
        self.note_html.value = self._last_note = notes[0] if notes else ""
        self.detail_html.value = " ".join(notes[1:])
        self.table_html.value = self.shown_table().to_html(index=True, border=0) if result.table is not None else ""
        if self.plot_error.layout.display != "none":
            self.plot_error.layout.display = "none"
            self.legend_html.layout.visibility = "visible"
        if self._draw is not None:
            if self.image.layout.visibility == "hidden":
                self.image.layout.visibility = "visible"
            if self.plot_active:
                self._render_plot()
            else:
                self._plot_stale = True
        return result

    def _summary_label(self, key: str) -> str:
        name = self.result.names.get(key) if self.result else None
        return _text(name) if name else summary_name(key)

    def _render_plot(self) -> None:
        with plt.rc_context(_PLOT_RC):
            self._draw(self.ax, self.result)  # draw functions update their artists in place (clearing is slow)
            buf = io.BytesIO()
            self.fig.savefig(buf, format="svg", metadata={"Date": None})
        self.image.value = buf.getvalue()
        self._plot_stale = False
        self._update_legend()

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """(label, colour as #rrggbb, "line"/"dashed"/"dotted"/"box") of each labelled artist of the plot."""
        from matplotlib.colors import to_hex

        out = []
        handles, labels = self.ax.get_legend_handles_labels()
        for h, lab in zip(handles, labels):
            if hasattr(h, "patches"):
                h = h.patches[0]
            if hasattr(h, "get_linestyle") and hasattr(h, "get_xdata"):
                ls = h.get_linestyle()
                out.append((lab, to_hex(h.get_color()), {"--": "dashed", ":": "dotted"}.get(ls, "line")))
            else:
                out.append((lab, to_hex(h.get_facecolor()), "box"))
        return out

    def _update_legend(self) -> None:
        entries = self.legend_entries()
        if entries == self._legend_key:
            return
        self._legend_key = entries
        items = []
        for lab, colour, kind in entries:
            if kind == "box":
                swatch = f"<span class='llm-swatch' style='background:{colour}'></span>"
            else:
                style = {"line": "solid"}.get(kind, kind)
                swatch = f"<span class='llm-swatch-line' style='border-top:3px {style} {colour}'></span>"
            items.append(f"<div class='llm-legend-item'>{swatch} {_html_escape(lab)}</div>")
        self.legend_html.value = (
            "<style>.llm-swatch{display:inline-block;width:1em;height:0.8em;vertical-align:baseline;margin-right:0.3em}"
            ".llm-swatch-line{display:inline-block;width:1.6em;vertical-align:middle;margin-right:0.3em}"
            ".llm-legend-item{white-space:nowrap}</style>" + "".join(items)) if items else ""

    def _figure_with_legend(self):
        """A context in which the figure is wider and carries its legend right of the axes (for export)."""
        import contextlib

        @contextlib.contextmanager
        def ctx():
            fig, ax = self.fig, self.ax
            width, height = fig.get_size_inches()
            right, left = fig.subplotpars.right, fig.subplotpars.left
            handles, labels = ax.get_legend_handles_labels()
            if not labels:
                yield
                return
            extra = 0.45
            fig.set_size_inches(width * (1 + extra), height)
            fig.subplots_adjust(left=left / (1 + extra), right=right / (1 + extra))
            legend = _legend_outside(ax)
            try:
                yield
            finally:
                legend.remove()
                fig.set_size_inches(width, height)
                fig.subplots_adjust(left=left, right=right)
        return ctx()

    def set_plot_active(self, active: bool) -> None:
        """Draw the plot on every update (True) or only mark it stale until shown again (False)."""
        self.plot_active = bool(active)
        if self.plot_active and self._plot_stale and self.result is not None and not self.result.error:
            self._render_plot()

    # ----- what the explorer shows, as data ------------------------------------------------------
    def shown_table(self) -> pd.DataFrame:
        """The table as shown: names in the current language, numbers formatted (separators, %)."""
        t = self.result.table
        out = pd.DataFrame(index=[_text(str(i), str(i)) for i in t.index])
        for col in t.columns:
            values = t[col].tolist()
            if col in ("share %",):
                shown = [f"{x:.1f}%" for x in values]
            elif col == "MFU":
                shown = [f"{100 * x:.1f}%" for x in values]
            elif col == "layout":
                shown = [layout_text(x) for x in values]
            elif col == "params":
                shown = [f"{int(x):,}" for x in values]
            else:
                shown = [f"{x:,.4g}" if isinstance(x, float) and abs(x) < 1e6 else _fmt(x) for x in values]
            out[_text(col, col)] = shown
        return out

    def table_csv(self) -> str:
        """The table with the current language's names and unrounded numbers, as CSV."""
        t = self.result.table.copy()
        t.index = [_text(str(i), str(i)) for i in t.index]
        t.columns = [_text(c, c) for c in t.columns]
        return t.to_csv(index_label="")

    def plot_png(self, scale: int = 2) -> bytes:
        """The plot as a PNG at ``scale`` × its screen size (2: sharp on a 2× display or at 200% zoom)."""
        with plt.rc_context(_PLOT_RC), self._figure_with_legend():
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=_PLOT_DPI * scale)
        return buf.getvalue()

    def plot_svg(self) -> bytes:
        """The plot as a standalone SVG (glyphs as paths: it needs no font where it is opened)."""
        with plt.rc_context({**_PLOT_RC, "svg.fonttype": "path"}):
            if self._plot_stale:
                self._draw(self.ax, self.result)
        with plt.rc_context({**_PLOT_RC, "svg.fonttype": "path"}), self._figure_with_legend():
            buf = io.BytesIO()
            self.fig.savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()

    def export(self) -> dict[str, str]:
        """Fill the export links (data: URIs) for the plot (PNG, SVG) and the table (CSV); return them by kind."""
        if self.result is None or self.result.error:
            self.export_links.value = ""
            return {}
        links = {}
        if self.image is not None:
            links["png"] = "data:image/png;base64," + base64.b64encode(self.plot_png()).decode()
            links["svg"] = "data:image/svg+xml;base64," + base64.b64encode(self.plot_svg()).decode()
        if self.result.table is not None:
            links["csv"] = "data:text/csv;charset=utf-8;base64," + base64.b64encode(
                self.table_csv().encode("utf-8")).decode()
        stem = re.sub(r"[^A-Za-z0-9]+", "-", self.title.lower() if not _zh() else "llmcalc").strip("-") or "llmcalc"
        self.export_links.value = " ".join(
            f"<a class='llm-download llm-download-{k}' download='{stem}.{k}' href='{href}'>{_text(k)}</a>"
            for k, href in links.items())
        return links

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.result.summary) if self.result else {}

    def print_summary(self) -> None:
        """Print the numbers the explorer shows now, as shown (for a compared notebook cell)."""
        if self.result.error:
            print(("错误:" if _zh() else "error: ") + error_text(self.result.error))
        for k, v in self.result.summary.items():
            print(f"{self._summary_label(k)}: {format_value(k, v)}")
        for k, a in self.result.notes:
            print(_text(k).format(**a))

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _option_values(ctl) -> list:
    return [o[1] if isinstance(o, tuple) else o for o in ctl.options]


def _set_options(ctl, values: list, value) -> None:
    """Give a selection slider the list ``values`` (shown with thousands separators) and the value ``value``."""
    # not inside hold_trait_notifications: there a value equal to the old one is lost when the options change
    ctl.options = [(f"{x:,}" if isinstance(x, int) else str(x), x) for x in values]
    ctl.index = values.index(value)
    # When the value keeps its place in the new list only by a new index (128 is 8th of the powers of two, 16th of
    # the divisors of 16,512), ipywidgets may not send that index, and the page goes on showing the old 8th item
    # ("16") while the kernel computes with 128. Send labels and index together so the readout is the value used.
    if getattr(ctl, "comm", None) is not None:
        ctl.send_state(["_options_labels", "index"])


def _nearest(options: list, value):
    """The option nearest to ``value`` on a log scale (the smaller on a tie)."""
    if value in options:
        return value
    lv = math.log(max(value, 1e-12))
    return min(options, key=lambda o: (abs(math.log(max(o, 1e-12)) - lv), o))


def _plain_log_ticks(ax) -> None:
    """Log axes without minor ticks and with plain tick labels with separators ("1,024", not mathtext 10³):
    parsing mathtext labels on every redraw costs more than everything else an update does."""
    from matplotlib.ticker import FuncFormatter

    ax.minorticks_off()
    plain = FuncFormatter(lambda x, _: f"{x:,.0f}" if x >= 1 else f"{x:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.yaxis.set_major_formatter(plain)


def _legend_outside(ax, **kw):
    """A legend right of the axes (never over the data)."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False, **kw)


# ----- controls ----------------------------------------------------------------------------------

_STYLE = {"description_width": "initial"}


def _int_slider(key, value, lo, hi, step=1):
    return w.IntSlider(value=value, min=lo, max=max(hi, value), step=step, description=control_name(key),
                       readout_format=",d", continuous_update=False, style=_STYLE)


def _log_slider(key, value, lo, hi, fmt=".3g"):
    return w.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi), step=0.05,
                            description=control_name(key), readout_format=fmt, continuous_update=False, style=_STYLE)


def _choice_slider(key, value, values):
    values = sorted(set(values) | {value})
    return w.SelectionSlider(options=[(f"{x:,}", x) for x in values], value=value, description=control_name(key),
                             continuous_update=False, style=_STYLE)


def _pct_slider(key, value, lo, hi, step):
    return w.FloatSlider(value=value, min=lo, max=hi, step=step, description=control_name(key), readout_format=".0%",
                         continuous_update=False, style=_STYLE)


def _dropdown(key, value, values):
    texts = OPTION_TEXT.get(key, {})
    options = [((texts[x][1] if _zh() else texts[x][0]) if x in texts else str(x), x) for x in values]
    return w.Dropdown(options=options, value=value, description=control_name(key), style=_STYLE)


def log_counts(lo: int, hi: int) -> list[int]:
    """1, 2, 3, 4, 6, 8, 12, 16, ... (powers of two and 1.5× them) from ``lo`` to ``hi``: a log scale of
    counts with many small factors (so TP × PP × ... meshes divide them)."""
    out, p = set(), 1
    while p <= hi:
        for x in (p, 3 * p // 2):
            if lo <= x <= hi and x == int(x):
                out.add(int(x))
        p *= 2
    return sorted(out)


def chip_counts(lo: int, hi: int) -> list[int]:
    """The chips sliders' scale: :func:`log_counts` plus whole TPU pods (a v5p pod is 8,960 chips, and 2, 4,
    8 of them) from ``llmcalc.hardware.CHIPS``."""
    pods = {c.fast_domain * 2 ** i for c in _hw.CHIPS.values() if c.kind == "tpu" for i in range(4)}
    return sorted(set(log_counts(lo, hi)) | {n for n in pods if lo <= n <= hi})


def _preset_dropdown(name):
    return _dropdown("preset", name, list(PRESETS))


def _shape_controls(cfg: ModelConfig, moe: bool = True) -> dict[str, w.Widget]:
    ctl = {
        "L": _int_slider("L", cfg.L, 1, 160),
        "D": _int_slider("D", cfg.D, 128, 32768, step=128),
        "F": _int_slider("F", cfg.F, 128, 131072, step=128),
        "N": _choice_slider("N", cfg.N, range(1, 257)),
        "K": _choice_slider("K", cfg.K, [d for d in range(1, cfg.N + 1) if cfg.N % d == 0]),
        "V": _int_slider("V", cfg.V, 1000, 262144, step=8),
    }
    if moe:
        ctl["E"] = _int_slider("E", cfg.E, 0, 256)
        ctl["k"] = _int_slider("k", cfg.k, 0, 16)
    return ctl


def _shape_options(values: dict) -> dict[str, list]:
    """Valid N (dividing D when the head size is D/N) and K (dividing N) for the shape in ``values``."""
    base = preset(values["preset"])
    d = values["D"]
    if base.H * base.N == base.D:
        n_opts = [n for n in range(1, 257) if d % n == 0]
    else:
        n_opts = list(range(1, 257))
    n = values["N"] if values["N"] in n_opts else _nearest(n_opts, values["N"])
    return {"N": n_opts, "K": [k for k in range(1, n + 1) if n % k == 0]}


def _shape_from(cfg: ModelConfig, moe: bool = True) -> dict[str, int]:
    d = dict(L=cfg.L, D=cfg.D, F=cfg.F, N=cfg.N, K=cfg.K, V=cfg.V)
    if moe:
        d.update(E=cfg.E, k=cfg.k)
    return d


def model_from_values(values: dict[str, Any]) -> ModelConfig:
    """The preset chosen in ``values["preset"]`` with the shape sliders' values applied."""
    base = preset(values["preset"])
    changes = {k: values[k] for k in ("L", "D", "F", "N", "K", "V") if k in values}
    if "E" in values:
        if values["E"] == 0:
            changes.update(E=0, k=0, F_expert=None, F_shared=0, dense_layers=0, shared_expert_gate=False)
        else:
            changes.update(E=values["E"], k=values["k"])
            if not base.is_moe:
                changes.update(F_expert=values.get("F", base.F))
    if "H" not in changes and ("D" in changes or "N" in changes) and base.H * base.N == base.D:
        changes["H"] = None
    return base.replace(**changes)


# ----- chapter 1: parameters ---------------------------------------------------------------------

def params_explorer(name: str = "llama-3-70b") -> Explorer:
    """Sliders for L, D, F, N, K, V (and E, k): exact parameters by component, and their shares."""
    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg)}

    def compute(v):
        c = model_from_values(v)
        b = _params.param_breakdown(c)
        total = sum(b.values())
        table = pd.DataFrame({"params": pd.Series(b), "share %": pd.Series({k: 100 * x / total for k, x in b.items()})})
        summary = {"total params": total, "active params": _params.active_param_count(c), "total": fmt_count(total)}
        return Result(summary, table, {"shares": {k: x / total for k, x in b.items() if x}})

    def draw(ax, r):
        shares = r.plot["shares"]
        names = [_text(k) for k in shares]
        if [t.get_text() for t in ax.get_yticklabels()] != names or len(ax.patches) != len(names):
            ax.clear()   # the components changed (dense <-> MoE): new bars; otherwise only their widths move
            ax.barh(names, [100 * s for s in shares.values()], color="#4C72B0")
            ax.set_xlabel(_text("share_axis"))
            ax.set_xlim(0, 100)
            ax.invert_yaxis()
        for bar, s in zip(ax.patches, shares.values()):
            bar.set_width(100 * s)

    ex = Explorer(_text("params_title"), controls, compute, draw, options=_shape_options, left=0.27)
    ex._on_preset_hook = _shape_from
    return ex


# ----- chapter 2: FLOPs and time -----------------------------------------------------------------

def flops_explorer(name: str = "llama-3-70b", chip: str = "TPU v5p") -> Explorer:
    """Sliders for the shape, T, training tokens, chips and MFU: FLOPs per token, total FLOPs, days."""
    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg, moe=False),
                "seq_len": _int_slider("seq_len", 4096, 128, 131072, step=128),
                "tokens": _log_slider("tokens", 15e12, 1e9, 1e14),
                "batch": _log_slider("batch", 4 * 2**20, 2**14, 2**26, fmt=".3s"),
                "chip": _dropdown("chip", chip, list(_hw.CHIPS)),
                "chips": _choice_slider("chips", 8960, chip_counts(1, 131072)),
                "mfu": _pct_slider("mfu", 0.4, 0.05, 1.0, 0.01)}

    def compute(v):
        c = model_from_values(v)
        per_token_6p = _flops.flops_per_token(c)
        per_token = _flops.training_flops_per_token(c, v["seq_len"], causal=True)
        total = per_token * v["tokens"]
        days = _time.training_days(total, v["chips"], v["chip"], v["mfu"])
        steps = v["tokens"] / v["batch"]
        summary = {"6P FLOPs/token": per_token_6p, "exact FLOPs/token": per_token,
                   "attention share": _flops.attention_score_fraction(c, v["seq_len"]),
                   "total FLOPs": total, "steps": steps, "FLOPs/step": total / steps,
                   "seconds/step": _time.training_seconds(total / steps, v["chips"], v["chip"], v["mfu"]),
                   "days": days, "chip-hours": _time.chip_hours(total, v["chip"], v["mfu"])}
        chips = [2 ** i for i in range(6, 17)]
        curves = {m: [_time.training_days(total, n, v["chip"], m) for n in chips] for m in (0.2, 0.4, 0.6)}
        return Result(summary, None, {"chips": chips, "curves": curves, "here": (v["chips"], days)})

    def draw(ax, r):
        curves = r.plot["curves"]
        if not ax.lines:
            for m, ys in curves.items():
                ax.loglog(r.plot["chips"], ys, label=f"MFU {m:.0%}")
            ax.plot(*r.plot["here"], "o", color="k")
            ax.set_xlabel(_text("chips_axis")); ax.set_ylabel(_text("days_axis"))
            ax.grid(True, which="major", alpha=0.3)
            _plain_log_ticks(ax)
        for line, ys in zip(ax.lines, curves.values()):
            line.set_ydata(ys)
        ax.lines[-1].set_data([r.plot["here"][0]], [r.plot["here"][1]])
        ys = [y for c in curves.values() for y in c] + [r.plot["here"][1]]
        ax.set_ylim(min(ys) / 1.5, max(ys) * 1.5)
        ax.set_xlim(min(r.plot["chips"] + [r.plot["here"][0]]) / 1.5, max(r.plot["chips"] + [r.plot["here"][0]]) * 1.5)

    ex = Explorer(_text("flops_title"), controls, compute, draw, options=_shape_options, widen=("chips",), left=0.2)
    ex._on_preset_hook = lambda c: _shape_from(c, moe=False)
    return ex


# ----- chapter 3: memory -------------------------------------------------------------------------

def memory_explorer(name: str = "llama-3-70b", chip: str = "H100") -> Explorer:
    """Sliders for micro-batch, T, ZeRO stage, DP/TP/PP, sequence parallel, recompute policy and
    precision regime: bytes per device by term, stacked against the chip's HBM, and the verdict in words."""
    from . import memory as _mem

    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg, moe=False),
                "micro_batch": _int_slider("micro_batch", 1, 1, 64),
                "seq_len": _int_slider("seq_len", 4096, 128, 131072, step=128),
                "regime": _dropdown("regime", "mixed", list(_mem.REGIMES)),
                "zero_stage": _int_slider("zero_stage", 1, 0, 3),
                "dp": _choice_slider("dp", 64, [2 ** i for i in range(13)]),
                "tp": _choice_slider("tp", 8, [1, 2, 4, 8]),
                "pp": _choice_slider("pp", 4, range(1, min(cfg.L, 64) + 1)),
                "sp": w.Checkbox(value=True, description=control_name("sp")),
                "recompute": _dropdown("recompute", "selective", list(_mem.RECOMPUTE)),
                "chip": _dropdown("chip", chip, list(_hw.CHIPS))}

    def options(v):
        opts = _shape_options(v)
        c = model_from_values({**v, "N": _nearest(opts["N"], v["N"]),
                               "K": _nearest(opts["K"], v["K"]) if v["K"] not in opts["K"] else v["K"]})
        tps = []
        for t in range(1, 65):
            try:
                _mem._check_tp(c, t)     # the library's rule: TP divides N, the MLP widths, and K (or K divides TP)
                tps.append(t)
            except ValueError:
                pass
        opts["tp"] = tps
        opts["pp"] = list(range(1, min(c.L, 64) + 1))
        opts["dp"] = [2 ** i for i in range(13)]
        return opts

    def compute(v):
        c = model_from_values(v)
        b = _mem.training_bytes_per_device(
            c, v["micro_batch"], v["seq_len"], regime=v["regime"], zero_stage=v["zero_stage"], dp=v["dp"],
            tp=v["tp"], pp=v["pp"], sp=v["sp"], recompute=v["recompute"])
        states = _mem.model_state_breakdown(c, v["regime"], v["zero_stage"], v["dp"], model_parallel=v["tp"] * v["pp"])
        hbm = _hw.chip(v["chip"]).hbm_bytes
        parts = {"weights": states["weights"], "grads": states["grads"], "master": states["master"],
                 "optimizer": states["optimizer"], "activations": b["activations"], "logits": b["logits"]}
        table = pd.DataFrame({"GB": pd.Series({k: x / 1e9 for k, x in parts.items()})})
        table.loc["total"] = [b["total"] / 1e9]
        fits = bool(_mem.fits(b["total"], v["chip"]))
        summary = {"total GB/device": b["total"] / 1e9, "HBM GB": hbm / 1e9, "fits": fits,
                   "chips": v["dp"] * v["tp"] * v["pp"]}
        largest = max(parts, key=parts.get)
        args = dict(total=f"{b['total'] / 1e9:,.1f}", hbm=f"{hbm / 1e9:,.1f}", pct=f"{100 * b['total'] / hbm:.0f}%",
                    over=f"{(b['total'] - hbm) / 1e9:,.1f}", part=_text(largest), part_gb=f"{parts[largest] / 1e9:,.1f}")
        notes = [("fits_note" if fits else "nofit_note", args)]
        if v["pp"] > 1 and largest == "activations":
            notes.append(("pp_note", {}))
        return Result(summary, table, {"parts": parts, "hbm": hbm}, notes=notes)

    def draw(ax, r):
        parts = r.plot["parts"]
        if not ax.patches:
            for k in parts:
                ax.bar([0], [0.0], label=_text(k), width=0.5)
            ax.axhline(0.0, color="k", ls="--", label=_text("hbm"))
            ax.set_xticks([]); ax.set_xlim(-0.5, 0.5)
            ax.set_ylabel(_text("gb_axis"))
        bottom = 0.0
        for bar, x in zip(ax.patches, parts.values()):
            bar.set_y(bottom)
            bar.set_height(x / 1e9)
            bottom += x / 1e9
        hbm = r.plot["hbm"] / 1e9
        ax.lines[0].set_ydata([hbm, hbm])
        ax.set_ylim(0, max(bottom, hbm) * 1.08)

    ex = Explorer(_text("memory_title"), controls, compute, draw, options=options, widen=("dp",), left=0.14)
    ex._on_preset_hook = lambda c: _shape_from(c, moe=False)
    return ex


# ----- chapter 4: sharding -----------------------------------------------------------------------

def sharding_explorer(name: str = "llama-3-70b", chip: str = "TPU v5p") -> Explorer:
    """Compute vs communication time of one layer against tokens per chip (the roofline crossover),
    for DP, FSDP, TP or FSDP+TP on the chosen chip."""
    from .sharding import STRATEGIES as _STRATEGIES, layer_time

    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg, moe=False),
                "chip": _dropdown("chip", chip, list(_hw.CHIPS)),
                "strategy": _dropdown("strategy", "FSDP", list(_STRATEGIES)),
                "chips": _choice_slider("chips", 8960, chip_counts(2, 131072)),
                "tp": _choice_slider("tp", 4, [1, 2, 4, 8]),
                "axes": _int_slider("axes", 3, 1, 3),
                "tokens_per_chip": _log_slider("tokens_per_chip", 468, 16, 65536, fmt=",.0f")}

    def options(v):
        opts = _shape_options(v)
        f = v["F"]
        # the library's rules: Y divides F (sharding.tp_layer_time), and the chips for FSDP+TP (layer_time)
        opts["chips"] = chip_counts(2, 131072)
        opts["tp"] = [t for t in range(1, 65) if f % t == 0 and (v["strategy"] != "FSDP+TP" or v["chips"] % t == 0)]
        return opts

    def compute(v):
        c = model_from_values(v)
        args = dict(chips=v["chips"], tp=v["tp"], axes=v["axes"])
        t = layer_time(c, v["chip"], v["strategy"], v["tokens_per_chip"], **args)
        grid = [2 ** (i / 2) for i in range(8, 33)]
        curves = [layer_time(c, v["chip"], v["strategy"], x, **args) for x in grid]
        summary = {"compute ms/layer": 1e3 * t.compute_s, "comm ms/layer": 1e3 * t.comm_s,
                   "bound": t.bound, "links": t.links}
        return Result(summary, None, {"grid": grid, "compute": [x.compute_s for x in curves],
                                      "comm": [x.comm_s for x in curves], "here": v["tokens_per_chip"]})

    def draw(ax, r):
        p = r.plot
        if not ax.lines:
            ax.loglog(p["grid"], p["compute"], label=_text("compute"))
            ax.loglog(p["grid"], p["comm"], label=_text("communication"))
            ax.axvline(p["here"], color="k", ls=":")
            ax.set_xlabel(_text("tpc_axis")); ax.set_ylabel(_text("layer_s_axis"))
            ax.grid(True, which="major", alpha=0.3)
            from matplotlib.ticker import FuncFormatter
            ax.minorticks_off()
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.lines[0].set_ydata(p["compute"]); ax.lines[1].set_ydata(p["comm"])
        ax.lines[2].set_xdata([p["here"], p["here"]])
        ys = [y for y in p["compute"] + p["comm"] if y > 0]
        ax.set_ylim(min(ys) / 2, max(ys) * 2)

    ex = Explorer(_text("sharding_title"), controls, compute, draw, options=options, widen=("chips",), left=0.17)
    ex._on_preset_hook = lambda c: _shape_from(c, moe=False)
    return ex


# ----- chapter 5: the planner --------------------------------------------------------------------

_STEP_PARTS = ("compute_s", "elementwise_s", "tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s", "bubble_s",
               "dp_exposed_s", "optimizer_s")


def planner_explorer(name: str = "llama-3.1-405b", chip: str = "H100") -> Explorer:
    """Chips, global batch (sequences), sequence length, the framework (``stack``), the kernel model and the
    matmuls' precision (``matmuls``: bf16, or FP8 on a chip with FP8 tensor cores, "fp8_params" with the weights kept in FP8 too): the best layouts ``llmcalc.planner.search`` finds, their memory, MFU and where each step's time goes.

    ``kernels`` "calibrated" (the default) is the planner's prediction (kernel rates by GEMM shape, achieved
    bandwidth, the framework's overlap); "ideal" runs every matmul at ``efficiency`` × peak. Next to the
    predicted MFU the explorer shows the same layout's ideal bound (every matmul at peak, links at line rate),
    labelled a ceiling; for LLaMA 3.1-405B on H100 at a GPU count and T of the Llama 3 paper's Table 4,
    Meta's measured MFU is shown next to them."""
    from . import planner as _planner
    from . import published as _pub
    from .planner import layout_name

    stacks = list(getattr(_planner, "STACKS", {}))
    controls = {"preset": _preset_dropdown(name),
                "chip": _dropdown("chip", chip, list(_hw.CHIPS)),
                "chips": _choice_slider("chips", 16384, chip_counts(256, 131072)),
                "batch_seqs": _int_slider("batch_seqs", 2048, 256, 8192, step=256),
                "seq_len": _int_slider("seq_len", 8192, 1024, 131072, step=1024)}
    if stacks:
        controls["stack"] = _dropdown("stack", "megatron-core" if "megatron-core" in stacks else stacks[0], stacks)
        controls["kernels"] = _dropdown("kernels", "calibrated", ["calibrated", "ideal"])
    controls["matmuls"] = _dropdown("matmuls", "bf16", ["bf16", "fp8", "fp8_params"])
    controls["efficiency"] = _pct_slider("efficiency", 1.0, 0.3, 1.0, 0.05)

    def compute(v):
        cfg = preset(v["preset"])
        calibrated = v.get("kernels", "ideal") == "calibrated"
        controls["efficiency"].disabled = calibrated
        kw = dict(stack=v["stack"]) if "stack" in v else {}
        if v.get("matmuls") in ("fp8", "fp8_params"):
            kw["fp8"] = True
            kw["fp8_params"] = v["matmuls"] == "fp8_params"
        df = _planner.search(cfg, v["chip"], v["chips"], v["batch_seqs"] * v["seq_len"], v["seq_len"],
                             compute_efficiency=None if calibrated else v["efficiency"], top=5, **kw)
        best = df.iloc[0]
        summary = {"best layout": layout_name(best), "GB/device": float(best["memory_gib"]) * 2**30 / 1e9,
                   "step s": float(best["step_s"]), "MFU": float(best["mfu"])}
        if "mfu_ideal" in df.columns:
            summary["MFU ceiling"] = float(best["mfu_ideal"])
        summary.update({"layouts": df.attrs["evaluated"], "accepted": df.attrs["accepted"]})
        table = pd.DataFrame({"layout": [layout_name(r) for _, r in df.iterrows()],
                              "GB": df["memory_gib"].to_numpy() * 2**30 / 1e9, "step s": df["step_s"].to_numpy(),
                              "MFU": df["mfu"].to_numpy()})
        parts = {k: df[k].to_numpy() for k in _STEP_PARTS}
        notes = [("ceiling_note", {})] if "MFU ceiling" in summary else []
        for row in _pub.LLAMA3_TABLE4:
            if (row.model, row.chip, row.gpus, row.seq_len) == (v["preset"], v["chip"], v["chips"], v["seq_len"]):
                notes.insert(0, ("meta_note", {"mfu": row.mfu_percent, "gpus": f"{row.gpus:,}", "T": f"{row.seq_len:,}"}))
        names = {"MFU": "mfu_calibrated_label" if calibrated else "mfu_efficiency_label"}
        return Result(summary, table, {"parts": parts, "names": table["layout"].tolist()}, notes=notes, names=names)

    def draw(ax, r):
        # the bars are made once and then moved (clearing and redrawing the axes is slow)
        parts = r.plot["parts"]
        rows = 5
        if not ax.patches:
            y = list(range(rows))[::-1]
            for k in _STEP_PARTS:
                ax.barh(y, [0.0] * rows, label=_text(k), height=0.6)
            ax.set_yticks(y)
            ax.set_yticklabels([f"#{i + 1}" for i in range(rows)])
            ax.set_xlabel(_text("step_axis"))
        left = [0.0] * rows
        for container, k in zip(ax.containers, _STEP_PARTS):
            xs = list(parts[k]) + [0.0] * (rows - len(parts[k]))
            for i, (bar, x) in enumerate(zip(container.patches, xs)):
                bar.set_x(left[i])
                bar.set_width(x)
                bar.set_visible(x > 0)   # an empty part is not drawn (nothing to see, and it costs)
                left[i] += x
        ax.set_xlim(0, max(left) * 1.05)

    return Explorer(_text("planner_title"), controls, compute, draw, options=lambda v: {"chips": chip_counts(256, 131072)},
                    widen=("chips",), left=0.1)
