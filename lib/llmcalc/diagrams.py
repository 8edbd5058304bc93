"""Diagrams of the ideas in the chapters, drawn from llmcalc's own numbers: a device mesh, a tensor-parallel MLP,
ring collectives step by step, pipeline schedules, a chip's roofline and the memory of one training step.

Each function returns a small dataclass holding the matplotlib ``Figure`` (``.fig``) **and the geometry it drew**
(cells, byte counts, idle blocks, coordinates), so a test can check the picture against the formula it
illustrates: the shaded idle area of a pipeline chart is ``sharding.pipeline_bubble_fraction``, the bytes a
ring link carries over its n − 1 steps are ``sharding.all_gather_time(..., exact=True)`` × bandwidth, the
ridge of a roofline is peak FLOP/s over HBM bytes/s, the highest point of the step-memory chart is
``peak_training_bytes``. Nothing is computed twice: each diagram calls the library function it shows.

Text is English or Chinese, following ``llmcalc.i18n.use`` (the Chinese labels live in ``ZH_DIAGRAMS`` below;
``llmcalc.i18n.use("zh")`` also selects the CJK font). Units: bytes and FLOP/s as in the rest of llmcalc;
figures print GB (1e9 bytes) and MB (1e6 bytes), never GiB.

Sources: *How To Scale Your Model* (Austin et al., Google DeepMind, 2025; github.com/jax-ml/scaling-book),
part 1 "All About Rooflines" (arithmetic intensity; the matmul's BDF/(BD + DF + BF); the v5e's 240 FLOPs/byte), part 3 (collectives: one direction round a ring, N − 1 hops of total size / N per link), part 5 "training"
(``In[B_X, D_Y] ·_D W_in[D_X, F_Y] ·_F W_out[F_Y, D_X] → Out[B_X, D_Y]``); Megatron-LM (Shoeybi et al. 2019;
Korthikanti et al. 2022 for sequence parallelism; Narayanan et al. 2021 for 1F1B and the interleaved schedule,
whose orders ``pipeline_schedule`` follows as NVIDIA/Megatron-LM's megatron/core/pipeline_parallel/schedules.py
builds them); GPipe (Huang et al. 2019); the ring all-reduce of Patarasuk & Yuan (2009).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from . import _validate as _v  # noqa: E402
from . import sharding as _sh  # noqa: E402
from .hardware import Chip, chip as _chip  # noqa: E402

__all__ = ["MeshDiagram", "TPMLPDiagram", "RingDiagram", "PipelineDiagram", "RooflineDiagram", "StepMemoryDiagram",
           "mesh", "tp_mlp", "ring_collective", "pipeline_schedule", "roofline", "step_memory",
           "matmul_intensity", "PIPELINE_KINDS", "RING_KINDS", "ZH_DIAGRAMS", "explorer"]

PIPELINE_KINDS = ("gpipe", "1f1b", "interleaved")
RING_KINDS = ("all-gather", "reduce-scatter")
MAX_FIG_WIDTH_IN = 10.0          # no figure wider than a page (at 100 dpi: 1000 pixels)

# Chinese text of every diagram (English is the default given at each use)
ZH_DIAGRAMS = {
    "mesh_title": "设备网格: FSDP 轴 X = {X}, TP 轴 Y = {Y} ({n} 块芯片)",
    "fsdp_axis": "X 轴 (FSDP/数据): 切 B 和 W 的 D 维",
    "tp_axis": "Y 轴 (TP/模型): 切 W 的 F 维",
    "chip": "芯片",
    "holds": "每块芯片持有",
    "tp_title": "张量并行 MLP, TP 度数 Y = {tp}{sp}",
    "sp_suffix": " + 序列并行",
    "input": "输入",
    "output": "输出",
    "col_split": "W_in 按列切 (每块芯片 F/{tp} 列)",
    "row_split": "W_out 按行切 (每块芯片 F/{tp} 行)",
    "all_reduce": "all-reduce (求和)",
    "all_gather": "all-gather (按序列收集)",
    "reduce_scatter": "reduce-scatter (求和后按序列切)",
    "no_comm": "中间无通信 (φ 逐元素)",
    "ring_title": "环形 {kind}, n = {n}: 共 {steps} 步, 每步每条链路传 {mb} MB",
    "step": "第 {k} 步",
    "ring_total": "每条链路合计 (n−1)/n · S = {mb} MB (S: 整个数组的字节数)",
    "pipe_title": "{kind} 流水线: p = {p}, m = {m}{v}; 气泡 {frac}",
    "stage": "设备 (阶段)",
    "time": "时间 (一个微批次前向 = 1)",
    "interleaved": "交错式",
    "forward": "前向",
    "backward": "反向",
    "bubble": "空闲 (气泡)",
    "roof_title": "{chip} 的屋顶线: 拐点 {ridge:,.0f} FLOP/字节",
    "intensity": "算术强度 (FLOP/字节)",
    "flops_axis": "可达 FLOP/s",
    "ridge": "拐点",
    "memory_bound": "访存受限",
    "compute_bound": "计算受限",
    "mem_title": "一个训练步的显存: {name}, b = {b}, T = {s}",
    "phase_axis": "训练步的阶段 (时间顺序)",
    "gb_axis": "存活张量 (GB, 1e9 字节)",
    "peak": "峰值 {gb:.1f} GB",
    "hbm": "{chip} 可用 HBM {gb:.1f} GB",
    "forward_end": "前向结束", "loss_backward": "损失反向", "lm_head_backward": "输出层反向",
    "layers_backward": "各层反向", "embedding_backward": "词嵌入反向", "optimizer_step": "优化器更新",
}


def _lang() -> str:
    """The language ``llmcalc.i18n.use`` set last."""
    from .i18n import current
    return current()


def _t(key: str, en: str, **fmt) -> str:
    text = ZH_DIAGRAMS.get(key, en) if _lang() == "zh" else en
    return text.format(**fmt) if fmt else text


def _figsize(figsize, field: str = "figsize") -> tuple[float, float]:
    try:
        w, h = figsize
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be a pair (width, height) in inches, got {figsize!r}") from None
    w, h = _v.positive_number(f"{field}[0]", w), _v.positive_number(f"{field}[1]", h)
    if w > MAX_FIG_WIDTH_IN:
        raise ValueError(f"{field}[0] must be in (0, {MAX_FIG_WIDTH_IN:g}] inches (a page), got {w}")
    return float(w), float(h)


def _bounded_int(field: str, value, low: int, high: int) -> int:
    x = _v.positive_int(field, value, allow_zero=low == 0)
    if not low <= x <= high:
        raise ValueError(f"{field} must be a whole number in [{low}, {high}] for a readable drawing, got {x}")
    return x


# ----- device mesh -------------------------------------------------------------------------------

@dataclass
class MeshDiagram:
    """A drawn X × Y mesh. ``cells``: one dict per chip with its mesh coordinates ``x``, ``y``, its weight block
    ``d_range`` × ``f_range`` of W_in[D, F] (half-open element ranges), its batch rows ``b_range`` of In[B, D]
    and ``label``; ``shard_elements``: elements of W_in each chip holds (D·F/(X·Y))."""

    fig: Any
    X: int
    Y: int
    D: int
    F: int
    B: int
    cells: list[dict]
    shard_elements: int


def _block(total: int, parts: int, i: int) -> tuple[int, int]:
    """Half-open range of the i-th of ``parts`` equal blocks of ``total`` (``parts`` divides ``total``)."""
    size = total // parts
    return (i * size, (i + 1) * size)


def mesh(X: int, Y: int, *, D: int | None = None, F: int | None = None, B: int | None = None, cfg=None,
         figsize=None) -> MeshDiagram:
    """Draw an X × Y device mesh: X is the FSDP (data) axis, Y the TP (model) axis, and each chip's shards in the
    book's notation, ``In[B_X, D_Y] ·_D W_in[D_X, F_Y]`` (*How To Scale Your Model*, part 5): chip (x, y) holds
    rows x·D/X … of W_in's D dimension and columns y·F/Y … of its F dimension, and the x-th B/X of the batch.

    Sizes come from ``cfg`` (a ModelConfig or preset name: its D and F) or from ``D``, ``F``; ``B`` (tokens) is
    optional. X and Y must divide them. X, Y in [1, 16] (a larger mesh is the same picture, repeated)."""
    X, Y = _bounded_int("X", X, 1, 16), _bounded_int("Y", Y, 1, 16)
    if cfg is not None:
        cfg = _v.config("cfg", cfg)
        D = cfg.D if D is None else D
        F = cfg.F if F is None else F
    D = _v.positive_int("D", D if D is not None else X * Y * 8)
    F = _v.positive_int("F", F if F is not None else X * Y * 16)
    B = _v.positive_int("B", B if B is not None else X * 8)
    for name, size, degree, axis in (("D", D, X, "X"), ("F", F, Y, "Y"), ("B", B, X, "X")):
        if size % degree:
            raise ValueError(f"{name} = {size:,} must be divisible by {axis} = {degree} (each chip holds an equal block)")
    cells = []
    for x in range(X):
        for y in range(Y):
            cells.append({"x": x, "y": y, "d_range": _block(D, X, x), "f_range": _block(F, Y, y),
                          "b_range": _block(B, X, x),
                          "label": f"W_in[D/{X}·{x}, F/{Y}·{y}]" if (X > 1 or Y > 1) else "W_in[D, F]"})
    w, h = _figsize(figsize or (min(MAX_FIG_WIDTH_IN, 2.0 + 1.25 * Y), min(8.0, 1.6 + 0.9 * X)))
    fig, ax = plt.subplots(figsize=(w, h))
    small = X * Y > 32
    for c in cells:
        ax.add_patch(Rectangle((c["y"], X - 1 - c["x"]), 0.92, 0.86, facecolor=plt.cm.tab20(c["y"] % 20),
                               alpha=0.25 + 0.5 * (c["x"] + 1) / (X + 1), edgecolor="k", lw=0.8))
        text = f"({c['x']},{c['y']})" if small else (
            f"{_t('chip', 'chip')} ({c['x']},{c['y']})\nD {c['d_range'][0]:,}–{c['d_range'][1]:,}\n"
            f"F {c['f_range'][0]:,}–{c['f_range'][1]:,}")
        ax.text(c["y"] + 0.46, X - 1 - c["x"] + 0.43, text, ha="center", va="center", fontsize=6 if small else 7)
    ax.set_xlim(-0.1, Y + 0.05)
    ax.set_ylim(-0.15, X + 0.05)
    ax.set_xticks([y + 0.46 for y in range(Y)], [f"y={y}" for y in range(Y)], fontsize=7)
    ax.set_yticks([X - 1 - x + 0.43 for x in range(X)], [f"x={x}" for x in range(X)], fontsize=7)
    ax.set_xlabel(_t("tp_axis", "Y axis (TP, model): splits W's F dimension"), fontsize=8)
    ax.set_ylabel(_t("fsdp_axis", "X axis (FSDP, data): splits B and W's D dimension"), fontsize=8)
    ax.set_title(_t("mesh_title", "Device mesh: FSDP axis X = {X}, TP axis Y = {Y} ({n} chips)", X=X, Y=Y, n=X * Y)
                 + "\n" + _t("holds", "each chip holds") + f": In[B/{X}, D/{Y}], W_in[D/{X}, F/{Y}], W_out[F/{Y}, D/{X}]",
                 fontsize=9)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.tight_layout()
    return MeshDiagram(fig, X, Y, D, F, B, cells, D * F // (X * Y))


# ----- tensor-parallel MLP -----------------------------------------------------------------------

@dataclass
class TPMLPDiagram:
    """A drawn Megatron MLP over ``tp`` chips. ``w_in_columns``/``w_out_rows``: each chip's half-open range of the
    F hidden units (columns of W_in, rows of W_out); ``collectives``: the collectives of one forward pass, in
    order, each a dict with ``name``, ``where`` ("before W_in" / "after W_out"), ``bytes`` (the full array's
    size S, bf16, as ``sharding``'s collective times take it) and ``time_s`` on ``chip``."""

    fig: Any
    tp: int
    sequence_parallel: bool
    B: int
    D: int
    F: int
    w_in_columns: list[tuple[int, int]]
    w_out_rows: list[tuple[int, int]]
    collectives: list[dict]
    comm_time_s: float


def tp_mlp(tp: int, sequence_parallel: bool = False, *, B: int = 8192, D: int = 8192, F: int = 28672,
           chip: str | Chip = "H100", dtype_bytes: int = 2, figsize=(9.5, 4.6)) -> TPMLPDiagram:
    """Draw a tensor-parallel MLP (Megatron-LM, Shoeybi et al. 2019): W_in[D, F] split by columns (chip i holds F/tp
    hidden units), φ applied on each chip's own columns, W_out[F, D] split by rows, each chip producing a partial
    Out[B, D] that is summed by an **all-reduce**. With ``sequence_parallel`` (Korthikanti et al. 2022) the rest of
    the layer is split along the sequence: an **all-gather** of In before W_in and a **reduce-scatter** after
    W_out, the same bytes as the all-reduce. Defaults: LLaMA 3-70B's D = 8192, F = 28,672 and 8192 tokens,
    bf16. ``time_s`` of each collective: ``sharding``'s model with ``collective_bandwidth(chip)``."""
    tp = _bounded_int("tp", tp, 1, 8)
    sp = _v.flag("sequence_parallel", sequence_parallel)
    B, D, F = _v.positive_int("B", B), _v.positive_int("D", D), _v.positive_int("F", F)
    nbytes = _v.positive_int("dtype_bytes", dtype_bytes)
    if F % tp:
        raise ValueError(f"F = {F:,} must be divisible by tp = {tp} (each chip holds F/tp hidden units)")
    if sp and B % tp:
        raise ValueError(f"B = {B:,} must be divisible by tp = {tp} with sequence_parallel (each chip holds B/tp tokens)")
    c = _chip(chip)
    W = _sh.collective_bandwidth(c, "fast")
    array_bytes = B * D * nbytes            # the full activation array Out[B, D]
    if tp == 1:
        colls = []
    elif sp:
        colls = [{"name": "all-gather", "where": "before W_in", "bytes": array_bytes,
                  "time_s": _sh.all_gather_time(array_bytes, tp, W)},
                 {"name": "reduce-scatter", "where": "after W_out", "bytes": array_bytes,
                  "time_s": _sh.reduce_scatter_time(array_bytes, tp, W)}]
    else:
        colls = [{"name": "all-reduce", "where": "after W_out", "bytes": array_bytes,
                  "time_s": _sh.all_reduce_time(array_bytes, tp, W)}]
    cols = [_block(F, tp, i) for i in range(tp)]

    w, h = _figsize(figsize)
    fig, ax = plt.subplots(figsize=(w, h))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.6, tp + 0.9)
    ax.axis("off")
    colors = [plt.cm.tab10(i % 10) for i in range(tp)]
    in_label = f"In[B/{tp}, D]" if sp else "In[B, D]"
    ax.text(0.55, tp / 2, _t("input", "input") + "\n" + in_label, ha="center", va="center", fontsize=8,
            bbox=dict(boxstyle="round", fc="white", ec="k"))
    out_label = f"Out[B/{tp}, D]" if sp else "Out[B, D]"
    ax.text(9.45, tp / 2, _t("output", "output") + "\n" + out_label, ha="center", va="center", fontsize=8,
            bbox=dict(boxstyle="round", fc="white", ec="k"))
    for i in range(tp):
        yc = tp - 1 - i + 0.5
        ax.add_patch(Rectangle((2.3, yc - 0.32), 1.5, 0.64, fc=colors[i], alpha=0.35, ec="k"))
        ax.text(3.05, yc, f"{_t('chip', 'chip')} {i}\nW_in[D, F/{tp}] #{i}", ha="center", va="center", fontsize=7)
        ax.text(4.5, yc, "φ", ha="center", va="center", fontsize=11)
        ax.add_patch(Rectangle((5.2, yc - 0.32), 1.5, 0.64, fc=colors[i], alpha=0.35, ec="k"))
        ax.text(5.95, yc, f"{_t('chip', 'chip')} {i}\nW_out[F/{tp}, D] #{i}", ha="center", va="center", fontsize=7)
        ax.text(7.35, yc, f"Z_{i}[B, D]", ha="center", va="center", fontsize=7)
        for x0, x1 in ((1.15, 2.3), (3.8, 4.3), (4.7, 5.2), (6.7, 7.0), (7.7, 8.6)):
            ax.add_patch(FancyArrowPatch((x0, yc), (x1, yc), arrowstyle="->", mutation_scale=8, lw=0.7))
    ax.text(3.05, tp + 0.45, _t("col_split", "W_in split by columns (F/{tp} each)", tp=tp), ha="center", fontsize=8)
    ax.text(5.95, tp + 0.45, _t("row_split", "W_out split by rows (F/{tp} each)", tp=tp), ha="center", fontsize=8)
    ax.text(4.5, -0.35, _t("no_comm", "no communication in between (φ is element-wise)"), ha="center", fontsize=7,
            style="italic")
    if tp > 1:
        band = dict(fc="#fde2e2", ec="#c0392b", alpha=0.9)
        keys = {"all-reduce": ("all_reduce", "all-reduce (sum)"),
                "all-gather": ("all_gather", "all-gather (along the sequence)"),
                "reduce-scatter": ("reduce_scatter", "reduce-scatter (sum, split along the sequence)")}
        for col in colls:
            x = 1.72 if col["where"] == "before W_in" else 8.15
            ax.add_patch(Rectangle((x - 0.18, 0.05), 0.36, tp - 0.1, **band))
            key, en = keys[col["name"]]
            ax.text(x, tp / 2, f"{_t(key, en)}\n{col['bytes'] / 1e6:,.0f} MB, {col['time_s'] * 1e3:.2f} ms",
                    rotation=90, ha="center", va="center", fontsize=7)
    title = _t("tp_title", "Tensor-parallel MLP, TP degree Y = {tp}{sp}", tp=tp,
               sp=_t("sp_suffix", " + sequence parallelism") if sp else "")
    ax.set_title(title + f"  (B = {B:,}, D = {D:,}, F = {F:,}; {c.name})", fontsize=9)
    fig.tight_layout()
    total = sum(col["time_s"] for col in colls)
    return TPMLPDiagram(fig, tp, sp, B, D, F, cols, list(cols), colls, total)


# ----- ring collectives --------------------------------------------------------------------------

@dataclass
class RingDiagram:
    """A drawn ring collective over ``n`` chips of a ``bytes_total``-byte array (its full size S), chunk c = the
    c-th 1/n of it. ``steps``: n − 1 lists of sends ``(src, dst, chunk)`` (chip i sends to i + 1 mod n);
    ``bytes_per_link_per_step`` = S/n; ``bytes_per_link_total`` = (n − 1)·S/n; ``final_chunks[i]``: the chunks
    chip i holds complete at the end (all of them after an all-gather, its own fully reduced chunk after a
    reduce-scatter); ``time_s``: (n − 1) steps of S/n bytes at ``bandwidth`` bytes/s."""

    fig: Any
    n: int
    kind: str
    bytes_total: float
    steps: list[list[tuple[int, int, int]]]
    bytes_per_link_per_step: float
    bytes_per_link_total: float
    final_chunks: list[set]
    time_s: float


def _ring_steps(n: int, kind: str) -> list[list[tuple[int, int, int]]]:
    # all-gather: at step k chip i forwards chunk (i − k) mod n, the one it received last (its own at k = 0).
    # reduce-scatter: at step k chip i adds what it received to its own copy of chunk (i − k − 1) mod n and
    # forwards the partial sum; after n − 1 steps chip i holds chunk i summed over all n chips.
    shift = 0 if kind == "all-gather" else 1
    return [[(i, (i + 1) % n, (i - k - shift) % n) for i in range(n)] for k in range(n - 1)]


def ring_collective(n: int, kind: str = "all-gather", bytes_total: float = 1e9, *, bandwidth: float | None = None,
                    figsize=None) -> RingDiagram:
    """Draw a ring all-gather or reduce-scatter over ``n`` chips (the ring algorithm of Patarasuk & Yuan; *How To
    Scale Your Model*, part 3), one panel per step: n − 1 steps, in each every link carries S/n bytes, so each
    link (and each chip's inbound port) carries (n − 1)/n · S in all (S = ``bytes_total``, the whole array).
    ``bandwidth`` (bytes/s, one way, per link; default the H100's NVLink figure from ``collective_bandwidth``)
    gives ``time_s``, which equals
    ``sharding.all_gather_time(S, n, bandwidth, exact=True)``. n in [2, 12]."""
    n = _bounded_int("n", n, 2, 12)
    kind = _v.choice("kind", kind, RING_KINDS)
    array_bytes = _v.positive_number("bytes_total", bytes_total)
    Wb = _v.positive_number("bandwidth", bandwidth if bandwidth is not None else _sh.collective_bandwidth("H100"))
    steps = _ring_steps(n, kind)
    per_step = array_bytes / n
    held: list[set] = [{i} for i in range(n)]
    if kind == "all-gather":
        for sends in steps:
            for src, dst, c in sends:
                held[dst].add(c)
        final = held
    else:
        contrib = [[{j} for _ in range(n)] for j in range(n)]   # contrib[i][c]: chips summed into i's copy of c
        for sends in steps:
            received = [(dst, c, set(contrib[src][c])) for src, dst, c in sends]
            for dst, c, s in received:
                contrib[dst][c] |= s
        final = [{c for c in range(n) if len(contrib[i][c]) == n} for i in range(n)]
    n_steps = len(steps)
    cols = min(4, n_steps)
    rows = math.ceil(n_steps / cols)
    w, h = _figsize(figsize or (min(MAX_FIG_WIDTH_IN, 2.4 * cols), 2.5 * rows + 0.6))
    fig, axes = plt.subplots(rows, cols, figsize=(w, h), squeeze=False)
    colors = [plt.cm.tab10(c % 10) for c in range(n)]
    angle = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    pos = [(math.cos(a), math.sin(a)) for a in angle]
    for k, ax in enumerate(axes.flat):
        ax.set_aspect("equal")
        ax.axis("off")
        if k >= n_steps:
            continue
        for i, (x, y) in enumerate(pos):
            ax.add_patch(plt.Circle((x, y), 0.2, fc="white", ec="k", lw=0.8))
            ax.text(x, y, str(i), ha="center", va="center", fontsize=7)
        for src, dst, c in steps[k]:
            (x0, y0), (x1, y1) = pos[src], pos[dst]
            ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), connectionstyle="arc3,rad=-0.25", arrowstyle="-|>",
                                         mutation_scale=8, color=colors[c], lw=1.4, shrinkA=9, shrinkB=9))
            mx, my = (x0 + x1) / 2 * 1.32, (y0 + y1) / 2 * 1.32
            ax.text(mx, my, f"c{c}", color=colors[c], ha="center", va="center", fontsize=6)
        ax.set_xlim(-1.55, 1.55)
        ax.set_ylim(-1.55, 1.55)
        ax.set_title(_t("step", "step {k}", k=k + 1), fontsize=8)
    fig.suptitle(_t("ring_title", "Ring {kind}, n = {n}: {steps} steps, each link carries {mb} MB per step",
                    kind=kind, n=n, steps=n_steps, mb=f"{per_step / 1e6:,.1f}")
                 + "\n" + _t("ring_total", "per link in all: (n−1)/n · S = {mb} MB (S: bytes of the whole array)",
                             mb=f"{n_steps * per_step / 1e6:,.1f}"), fontsize=9)
    fig.tight_layout()
    return RingDiagram(fig, n, kind, array_bytes, steps, per_step, n_steps * per_step, final, n_steps * per_step / Wb)


# ----- pipeline schedules ------------------------------------------------------------------------

@dataclass
class PipelineDiagram:
    """A drawn pipeline schedule. ``blocks``: every forward/backward block as a dict with ``device``, ``start``,
    ``duration``, ``op`` ("F"/"B"), ``microbatch``, ``chunk``; ``idle``: the shaded idle intervals
    ``(device, start, duration)``; time unit: one micro-batch's forward through one whole stage (a backward
    takes ``backward_ratio`` of it; 2 by default, chapter 2's 4P against 2P). ``makespan`` = the step's length,
    ``bubble_fraction`` = idle area / (p · makespan); ``in_flight_max[d]``: the most (micro-batch, chunk) pairs whose
    forward has run and backward not yet on device d, the activations it must keep; in micro-batches for v = 1,
    in chunks of 1/v of a stage for the interleaved schedule (divide by v for micro-batches' worth)."""

    fig: Any
    p: int
    m: int
    v: int
    kind: str
    blocks: list[dict]
    idle: list[tuple[int, float, float]]
    makespan: float
    idle_area: float
    total_area: float
    bubble_fraction: float
    in_flight_max: list[int]


def _pipeline_orders(p: int, m: int, v: int, kind: str) -> list[list[tuple[str, int, int]]]:
    """Per device, the order of its (op, microbatch, chunk) blocks.

    GPipe: all forwards, then all backwards. 1F1B (PipeDream-Flush, Narayanan et al. 2021): device r runs
    min(p − r − 1, m) warm-up forwards, then one forward and one backward in turn, then the remaining
    backwards (Megatron-LM's ``forward_backward_pipelining_without_interleaving``). Interleaved: Megatron-LM's
    ``forward_backward_pipelining_with_interleaving`` with its default group of p micro-batches per chunk
    (``microbatch_group_size_per_vp_stage`` = p): forwards in the order of its ``get_schedule_table`` (chunk 0
    for micro-batches 0..p−1, chunk 1 for the same, …), backwards the same with the chunks reversed, and
    (p − r − 1)·2 + (v − 1)·p warm-up forwards (``get_pp_rank_microbatches``)."""
    orders = []
    for r in range(p):
        if kind == "gpipe":
            orders.append([("F", i, 0) for i in range(m)] + [("B", i, 0) for i in range(m)])
            continue
        if kind == "1f1b":
            table = [(i, 0) for i in range(m)]
            warm = min(p - r - 1, m)
        else:
            table = [(i, c) for g in range(0, m, p) for c in range(v) for i in range(g, min(g + p, m))]
            warm = min((p - r - 1) * 2 + (v - 1) * p, m * v)
        fwd = [("F", i, c) for i, c in table]
        bwd = [("B", i, v - 1 - c) for i, c in table]
        ops = fwd[:warm]
        for k in range(m * v - warm):
            ops += [fwd[warm + k], bwd[k]]
        ops += bwd[m * v - warm:]
        orders.append(ops)
    return orders


def _simulate_pipeline(p: int, m: int, v: int, kind: str, backward_ratio: float) -> list[dict]:
    """Run each device's order as soon as its input is ready: chunk c of device d is virtual stage s = c·p + d;
    F(s, i) waits for F(s − 1, i), B(s, i) for B(s + 1, i) (the last stage's for its own F). Sends take no time."""
    S = p * v
    orders = _pipeline_orders(p, m, v, kind)
    tf, tb = 1.0 / v, backward_ratio / v
    end: dict[tuple[str, int, int], float] = {}
    free = [0.0] * p
    nxt = [0] * p
    blocks = []
    remaining = sum(len(o) for o in orders)
    while remaining:
        progressed = False
        for d in range(p):
            while nxt[d] < len(orders[d]):
                op, i, c = orders[d][nxt[d]]
                s = c * p + d
                if op == "F":
                    dep, dur = (("F", s - 1, i) if s > 0 else None), tf
                else:
                    dep, dur = (("B", s + 1, i) if s < S - 1 else ("F", s, i)), tb
                if dep is not None and dep not in end:
                    break
                start = max(free[d], end[dep] if dep is not None else 0.0)
                end[(op, s, i)] = free[d] = start + dur
                blocks.append({"device": d, "start": start, "duration": dur, "op": op, "microbatch": i, "chunk": c})
                nxt[d] += 1
                remaining -= 1
                progressed = True
        if not progressed:   # a schedule that waits on itself: a bug in the orders above, not a user error
            raise AssertionError(f"pipeline schedule {kind} p={p} m={m} v={v} deadlocks")
    return blocks


def pipeline_schedule(p: int, m: int, v: int = 1, kind: str = "1f1b", *, backward_ratio: float = 2.0,
                      figsize=None) -> PipelineDiagram:
    """Draw a pipeline schedule as a time × device chart with the bubble (idle time) shaded, for ``p`` stages,
    ``m`` micro-batches and ``v`` model chunks per device.

    ``kind``: "gpipe" (Huang et al. 2019: all forwards, then all backwards), "1f1b" (one forward, one backward;
    the same bubble, at most p micro-batches in flight), "interleaved" (Narayanan et al. 2021, v ≥ 2 chunks per
    device). The shaded share is (p − 1)/(v·m + p − 1), :func:`llmcalc.sharding.pipeline_bubble_fraction`,
    whatever the backward/forward ratio. The interleaved schedule needs m to be a multiple of p, as Megatron-LM
    requires with its default grouping (``forward_backward_pipelining_with_interleaving`` refuses a last group of
    fewer than p micro-batches; earlier versions asserted ``num_microbatches % pipeline_parallel_size == 0``).
    p in [1, 16], m in [1, 64], v in [1, 8] (1 for GPipe and 1F1B, ≥ 2 for interleaved)."""
    p = _bounded_int("p", p, 1, 16)
    m = _bounded_int("m", m, 1, 64)
    v = _bounded_int("v", v, 1, 8)
    kind = _v.choice("kind", kind, PIPELINE_KINDS)
    ratio = _v.positive_number("backward_ratio", backward_ratio)
    if kind in ("gpipe", "1f1b") and v != 1:
        raise ValueError(f"v must be 1 for kind={kind!r} (one chunk per device), got {v}; use kind='interleaved' for v >= 2")
    if kind == "interleaved":
        if v < 2:
            raise ValueError(f"v must be a whole number in [2, 8] for kind='interleaved', got {v} (v = 1 is kind='1f1b')")
        if m % p:
            raise ValueError(f"m must be a multiple of p = {p} for the interleaved schedule (Megatron-LM's rule), got {m}")
    blocks = _simulate_pipeline(p, m, v, kind, float(ratio))
    makespan = max(b["start"] + b["duration"] for b in blocks)
    idle = []
    for d in range(p):
        t = 0.0
        for b in sorted((b for b in blocks if b["device"] == d), key=lambda b: b["start"]):
            if b["start"] > t + 1e-12:
                idle.append((d, t, b["start"] - t))
            t = b["start"] + b["duration"]
        if makespan > t + 1e-12:
            idle.append((d, t, makespan - t))
    idle_area = sum(x[2] for x in idle)
    total_area = p * makespan
    in_flight = []
    for d in range(p):
        live = peak = 0
        for b in sorted((b for b in blocks if b["device"] == d), key=lambda b: b["start"]):
            live += 1 if b["op"] == "F" else -1
            peak = max(peak, live)
        in_flight.append(peak)

    w, h = _figsize(figsize or (MAX_FIG_WIDTH_IN if makespan > 12 else 8.0, 0.9 + 0.42 * p))
    fig, ax = plt.subplots(figsize=(w, h))
    fwd_c, bwd_c = plt.cm.Blues, plt.cm.Oranges
    for b in blocks:
        shade = 0.45 + 0.4 * (b["chunk"] / max(1, v - 1)) if v > 1 else 0.6
        ax.add_patch(Rectangle((b["start"], p - 1 - b["device"] + 0.08), b["duration"], 0.84,
                               fc=(fwd_c if b["op"] == "F" else bwd_c)(shade), ec="k", lw=0.4))
        if b["duration"] * w / makespan > 0.16:     # number only the blocks wide enough to read
            ax.text(b["start"] + b["duration"] / 2, p - 1 - b["device"] + 0.5, str(b["microbatch"] + 1),
                    ha="center", va="center", fontsize=6)
    for d, s, dur in idle:
        ax.add_patch(Rectangle((s, p - 1 - d + 0.08), dur, 0.84, fc="#d9d9d9", ec="#7f7f7f", hatch="///", lw=0.4))
    ax.set_xlim(0, makespan)
    ax.set_ylim(0, p)
    ax.set_yticks([p - 1 - d + 0.5 for d in range(p)], [str(d) for d in range(p)], fontsize=7)
    ax.set_ylabel(_t("stage", "device (stage)"), fontsize=8)
    ax.set_xlabel(_t("time", "time (one micro-batch forward = 1)"), fontsize=8)
    names = {"gpipe": "GPipe", "1f1b": "1F1B", "interleaved": _t("interleaved", "interleaved")}
    frac = idle_area / total_area
    ax.set_title(_t("pipe_title", "{kind} schedule: p = {p}, m = {m}{v}; bubble {frac}", kind=names[kind], p=p, m=m,
                    v=f", v = {v}" if v > 1 else "", frac=f"{frac:.1%}"), fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, fc=fwd_c(0.6), ec="k"), Rectangle((0, 0), 1, 1, fc=bwd_c(0.6), ec="k"),
               Rectangle((0, 0), 1, 1, fc="#d9d9d9", ec="#7f7f7f", hatch="///")]
    # the legend sits below the axes, in a strip of its own, so it covers no block
    fig.legend(handles, [_t("forward", "forward"), _t("backward", "backward"), _t("bubble", "idle (bubble)")],
               loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.3 / h, 1, 1))
    return PipelineDiagram(fig, p, m, v, kind, blocks, idle, makespan, idle_area, total_area, frac, in_flight)


# ----- roofline ----------------------------------------------------------------------------------

def matmul_intensity(B: int, D: int, F: int, dtype_bytes: int = 2) -> float:
    """FLOPs per byte of HBM traffic of a [B, D] × [D, F] matmul that reads both inputs and writes the output once:
    2·B·D·F / (dtype_bytes·(B·D + D·F + B·F)); ≈ B for B ≪ D, F in bf16 (*How To Scale Your Model*, part 1)."""
    from .flops import matmul_flops
    nbytes = _v.positive_int("dtype_bytes", dtype_bytes)
    B, D, F = _v.positive_int("B", B), _v.positive_int("D", D), _v.positive_int("F", F)
    return matmul_flops(B, D, F) / (nbytes * (B * D + D * F + B * F))


@dataclass
class RooflineDiagram:
    """A drawn roofline. ``ridge_intensity`` = peak FLOP/s / HBM bytes/s (FLOPs per byte); ``points``: one dict
    per matmul with ``label``, ``B``, ``D``, ``F``, ``intensity`` and ``attainable_flops`` = min(peak,
    intensity × bandwidth), and ``bound`` ("memory" or "compute")."""

    fig: Any
    chip: str
    peak_flops: float
    hbm_bytes_per_s: float
    ridge_intensity: float
    points: list[dict] = field(default_factory=list)


def roofline(chip: str | Chip = "H100", points=((1, 8192, 28672), (512, 8192, 28672), (8192, 8192, 28672)), *,
             dtype_bytes: int = 2, figsize=(7.5, 4.2)) -> RooflineDiagram:
    """Draw a chip's roofline (FLOP/s against arithmetic intensity, log-log; *How To Scale Your Model*, part 1):
    attainable FLOP/s = min(peak, intensity × HBM bandwidth), the ridge at peak / bandwidth, and each matmul of
    ``points`` (tuples (B, D, F) or (label, B, D, F): a [B, D] × [D, F] matmul, bf16) placed at its
    :func:`matmul_intensity`. Defaults: LLaMA 3-70B's MLP matrix (D = 8192, F = 28,672) at 1, 512 and 8192 tokens."""
    c = _chip(chip)
    pts = []
    try:
        items = list(points)
    except TypeError:
        raise ValueError(f"points must be a list of (B, D, F) or (label, B, D, F) tuples, got {points!r}") from None
    if not items:
        raise ValueError("points must name at least one matmul (B, D, F)")
    for item in items:
        item = tuple(item) if isinstance(item, (tuple, list)) else (item,)
        if len(item) == 3:
            label_, (B, D, F) = None, item
        elif len(item) == 4:
            label_, B, D, F = item
        else:
            raise ValueError(f"points must be (B, D, F) or (label, B, D, F) tuples, got {item!r}")
        I = matmul_intensity(B, D, F, dtype_bytes)
        att = min(c.peak_flops, I * c.hbm_bytes_per_s)
        pts.append({"label": label_ or f"[{B:,}, {D:,}] × [{D:,}, {F:,}]", "B": B, "D": D, "F": F, "intensity": I,
                    "attainable_flops": att, "bound": "compute" if I >= c.peak_flops / c.hbm_bytes_per_s else "memory"})
    ridge = c.peak_flops / c.hbm_bytes_per_s
    lo = min([p["intensity"] for p in pts] + [ridge]) / 4
    hi = max([p["intensity"] for p in pts] + [ridge]) * 4
    w, h = _figsize(figsize)
    fig, ax = plt.subplots(figsize=(w, h))
    xs = [lo * (hi / lo) ** (k / 200) for k in range(201)]
    ax.loglog(xs, [min(c.peak_flops, x * c.hbm_bytes_per_s) for x in xs], "k-", lw=1.5)
    ax.axvline(ridge, color="grey", ls=":", lw=1)
    ax.annotate(f"{_t('ridge', 'ridge')} {ridge:,.0f}", (ridge, c.peak_flops), textcoords="offset points",
                xytext=(4, -14), fontsize=8)
    x_mem = math.sqrt(lo * ridge)
    ax.text(x_mem, x_mem * c.hbm_bytes_per_s * 4, _t("memory_bound", "memory-bound"), fontsize=8, color="#1f77b4",
            ha="center")
    ax.text(math.sqrt(ridge * hi), c.peak_flops * 1.7, _t("compute_bound", "compute-bound"), fontsize=8,
            color="#d62728", ha="center")
    for k, pnt in enumerate(pts):
        ax.loglog([pnt["intensity"]], [pnt["attainable_flops"]], "o", color=plt.cm.tab10(k % 10),
                  label=f"{pnt['label']}: {pnt['intensity']:,.1f}")
    ax.set_ylim(min(p["attainable_flops"] for p in pts + [{"attainable_flops": lo * c.hbm_bytes_per_s}]) / 2,
                c.peak_flops * 3)
    ax.set_xlabel(_t("intensity", "arithmetic intensity (FLOPs per byte)"), fontsize=8)
    ax.set_ylabel(_t("flops_axis", "attainable FLOP/s"), fontsize=8)
    ax.set_title(_t("roof_title", "Roofline of {chip}: ridge at {ridge:,.0f} FLOPs per byte", chip=c.name, ridge=ridge),
                 fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return RooflineDiagram(fig, c.name, c.peak_flops, c.hbm_bytes_per_s, ridge, pts)


# ----- memory of one training step ---------------------------------------------------------------

@dataclass
class StepMemoryDiagram:
    """The drawn memory of one training step: ``phase_bytes`` = ``peak_training_moments`` (the largest live bytes
    within each phase, in time order); ``drawn_max_bytes`` = the highest point drawn; ``peak_phase``; and the
    chip's exposed HBM (``hbm_bytes``) when a chip was given."""

    fig: Any
    phase_bytes: dict[str, int]
    drawn_max_bytes: int
    peak_phase: str
    hbm_bytes: float | None


def step_memory(cfg, micro_batch: int = 1, seq_len: int = 4096, *, chip: str | Chip | None = None,
                figsize=(8.0, 4.0), **replay) -> StepMemoryDiagram:
    """Draw the memory of one training step over time, phase by phase (forward end, loss backward, LM-head
    backward, layers backward, embedding backward, optimizer step): the largest live-tensor bytes of each
    phase from :func:`llmcalc.peak_memory.peak_training_moments` (the tensor-by-tensor replay of the Hugging
    Face LLaMA step), with the peak marked and, given ``chip``, its exposed HBM as a line. ``replay``: the
    replay's options (``regime``, ``checkpointing``, ``attention``, ``adamw``)."""
    from .peak_memory import PEAK_PHASES, peak_training_moments
    cfg = _v.config("cfg", cfg)
    moments = peak_training_moments(cfg, micro_batch, seq_len, **replay)
    phases = [ph for ph in PEAK_PHASES if ph in moments]
    values = [moments[ph] for ph in phases]
    top = max(values)
    peak_phase = phases[values.index(top)]
    c = _chip(chip) if chip is not None else None
    w, h = _figsize(figsize)
    fig, ax = plt.subplots(figsize=(w, h))
    en = {"forward_end": "forward end", "loss_backward": "loss backward", "lm_head_backward": "LM head backward",
          "layers_backward": "layers backward", "embedding_backward": "embedding backward",
          "optimizer_step": "optimizer step"}
    xs = list(range(len(phases)))
    gb = [x / 1e9 for x in values]
    ax.bar(xs, gb, color=["#d62728" if ph == peak_phase else "#9ecae1" for ph in phases], edgecolor="k", lw=0.5)
    ax.plot(xs, gb, "k.-", lw=0.8)
    ax.annotate(_t("peak", "peak {gb:.1f} GB", gb=top / 1e9), (xs[phases.index(peak_phase)], top / 1e9),
                textcoords="offset points", xytext=(0, -14), ha="center", fontsize=8, color="white")
    if c is not None:
        ax.axhline(c.hbm_bytes / 1e9, color="k", ls="--", lw=1)
        ax.text(-0.45, c.hbm_bytes / 1e9 * 1.01, _t("hbm", "{chip} exposed HBM {gb:.1f} GB", chip=c.name,
                                                     gb=c.hbm_bytes / 1e9),
                ha="left", va="bottom", fontsize=7)
    ax.set_xticks(xs, [_t(ph, en[ph]) for ph in phases], fontsize=7, rotation=15)
    ax.set_xlabel(_t("phase_axis", "phase of the step (in time order)"), fontsize=8)
    ax.set_ylabel(_t("gb_axis", "live tensors (GB, 1e9 bytes)"), fontsize=8)
    ymax = max(top, c.hbm_bytes if c is not None else 0) / 1e9
    ax.set_ylim(0, ymax * 1.15)
    ax.set_title(_t("mem_title", "Memory of one training step: {name}, b = {b}, T = {s}", name=cfg.name, b=micro_batch,
                    s=f"{seq_len:,}"), fontsize=9)
    fig.tight_layout()
    return StepMemoryDiagram(fig, dict(moments), top, peak_phase, c.hbm_bytes if c is not None else None)


# ----- explorers ---------------------------------------------------------------------------------

def explorer(name: str):
    """A small slider explorer over one diagram ("pipeline", "ring", "mesh", "tp_mlp", "roofline"): an
    ``ipywidgets.interactive`` that redraws the figure (and prints its key number) as the sliders move."""
    import ipywidgets as w

    def show(diagram, text):
        plt.show()
        print(text)

    if name == "pipeline":
        def f(p=4, m=8, v=1, kind="1f1b"):
            try:
                d = pipeline_schedule(p, m, v, kind)
            except ValueError as e:
                print(e)
                return
            show(d, f"bubble {d.bubble_fraction:.2%} = (p-1)/(v*m+p-1) = "
                    f"{_sh.pipeline_bubble_fraction(p, m, v):.2%}; in flight on device 0: {d.in_flight_max[0]}")
        return w.interactive(f, p=w.IntSlider(4, 1, 16), m=w.IntSlider(8, 1, 64), v=w.IntSlider(1, 1, 8),
                             kind=w.Dropdown(options=list(PIPELINE_KINDS), value="1f1b"))
    if name == "ring":
        def f(n=4, kind="all-gather"):
            d = ring_collective(n, kind)
            show(d, f"{d.bytes_per_link_total / 1e6:,.1f} MB per link, {d.time_s * 1e3:.2f} ms")
        return w.interactive(f, n=w.IntSlider(4, 2, 12), kind=w.Dropdown(options=list(RING_KINDS)))
    if name == "mesh":
        def f(X=4, Y=2):
            d = mesh(X, Y, cfg="llama-3-70b") if 8192 % X == 0 and 28672 % Y == 0 else None
            if d is None:
                print("X must divide D = 8192 and Y must divide F = 28672")
                return
            show(d, f"{d.X * d.Y} chips, {d.shard_elements:,} elements of W_in each")
        return w.interactive(f, X=w.IntSlider(4, 1, 16), Y=w.IntSlider(2, 1, 16))
    if name == "tp_mlp":
        def f(tp=4, sequence_parallel=False):
            d = tp_mlp(tp, sequence_parallel)
            show(d, f"communication per forward pass: {d.comm_time_s * 1e3:.2f} ms")
        return w.interactive(f, tp=w.IntSlider(4, 1, 8), sequence_parallel=w.Checkbox(False))
    if name == "roofline":
        from .hardware import CHIPS

        def f(chip="H100", B=512):
            d = roofline(chip, [(B, 8192, 28672)])
            show(d, f"intensity {d.points[0]['intensity']:,.1f} vs ridge {d.ridge_intensity:,.1f}: "
                    f"{d.points[0]['bound']}-bound")
        return w.interactive(f, chip=w.Dropdown(options=sorted(CHIPS), value="H100"),
                             B=w.IntSlider(512, 1, 16384, step=1))
    raise ValueError(f"name must be one of ['pipeline', 'ring', 'mesh', 'tp_mlp', 'roofline'], got {name!r}")
