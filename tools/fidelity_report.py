"""Fidelity report: what llmcalc predicts for published training runs, next to what was published.

    python tools/fidelity_report.py              print the Markdown tables (English)
    python tools/fidelity_report.py --lang zh    the same tables, headings in Chinese
    python tools/fidelity_report.py --write      rewrite the blocks between <!-- fidelity:begin --> and
                                                 <!-- fidelity:end --> in README.md and README.zh.md
    python tools/fidelity_report.py --check      exit 1 if either README block is stale

The published figures come from ``llmcalc.published`` (each record names its paper and table); the
predictions from llmcalc's formula modules. Errors are (predicted − reported) / reported, in per cent.
``tests/fidelity`` asserts the error bounds and that the README blocks equal what this prints.

Each table is a function returning a pandas DataFrame (``megatron_table1()``, ``llama3_table4()``,
``total_flops()``, ``llama_hours()``, ``llama405b_hours()``, ``korthikanti_table3()``), so a later
column is one more assignment in one function. Hook for ``llmcalc.planner``: add the planner's predicted
TFLOP/s per GPU and MFU as columns of ``megatron_table1()`` and ``llama3_table4()`` (one row per
published layout, in order) and name them in that table's ``views`` in ``SECTIONS`` (or leave them out
of every view: columns no view names are printed in an extra table under the section, so nothing added
is silently dropped). Give each new column a format in ``FORMATS`` and a Chinese name in ``ZH``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

import llmcalc
from llmcalc import fidelity as planner_fidelity, published as pub
from llmcalc.memory import GiB

ROOT = Path(__file__).resolve().parents[1]
READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh.md"}
BEGIN, END = "<!-- fidelity:begin -->", "<!-- fidelity:end -->"


def error_percent(predicted: float, reported: float) -> float:
    """(predicted − reported) / reported × 100."""
    return (predicted - reported) / reported * 100


# ----- tables ------------------------------------------------------------------------------------------

def megatron_table1() -> pd.DataFrame:
    """Narayanan et al. 2021, Table 1: exact parameters, FLOPs per iteration, throughput and MFU per row.

    FLOPs per iteration: llmcalc's exact matmul count with full recomputation and the full T×T scores
    (``causal=False``: Megatron's formula counts the whole score matrix) vs the paper's closed form.
    MFU: the paper's TFLOP/s count the recomputed forward, by its own formula, so the model FLOP/s per
    GPU = reported × (llmcalc's FLOPs without recompute / the paper's FLOPs with recompute).
    """
    s, V, peak = pub.MEGATRON_SEQ_LEN, pub.MEGATRON_VOCAB, pub.MEGATRON_PEAK_TFLOPS
    rows = []
    for r in pub.MEGATRON_TABLE1:
        cfg = pub.megatron_config(r)
        params = llmcalc.param_count(cfg)
        ours_full = llmcalc.training_flops(cfg, r.batch_size, s, causal=False, recompute="full")
        paper_full = llmcalc.megatron_training_flops(r.batch_size, s, r.layers, r.hidden, V, recompute=True)
        model = llmcalc.training_flops(cfg, r.batch_size, s, causal=False, recompute="none")
        aggregate = r.tflops_per_gpu * r.gpus / 1e3
        model_tflops = r.tflops_per_gpu * model / paper_full
        rows.append({
            "model": r.label, "L": r.layers, "D": r.hidden, "N": r.heads,
            "TP": r.tp, "PP": r.pp, "DP": r.dp, "GPUs": r.gpus, "batch (sequences)": r.batch_size,
            "params exact (B)": params / 1e9,
            "params reported (B)": r.params_billion,
            "params error %": error_percent(params / 1e9, r.params_billion),
            "params rounding ± %": pub.MEGATRON_ROUNDING["params_billion"] / r.params_billion * 100,
            "FLOPs/iter llmcalc, full recompute": ours_full,
            "FLOPs/iter Megatron formula": paper_full,
            "FLOPs error %": error_percent(ours_full, paper_full),
            "TFLOP/s per GPU reported": r.tflops_per_gpu,
            "aggregate PFLOP/s = TFLOP/s × GPUs": aggregate,
            "aggregate PFLOP/s reported": r.aggregate_pflops,
            "aggregate error %": error_percent(aggregate, r.aggregate_pflops),
            "% of peak = TFLOP/s / 312": r.tflops_per_gpu / peak * 100,
            "% of peak reported": r.percent_of_peak,
            "model TFLOP/s per GPU": model_tflops,
            "MFU %": model_tflops / peak * 100,
        })
    return pd.DataFrame(rows)


def llama3_table4() -> pd.DataFrame:
    """Llama 3 paper, Table 4: layout arithmetic, MFU from the printed TFLOP/s, and what a step costs.

    ``exact FLOPs per token / 6P``: llmcalc's exact training matmul FLOPs per token (causal attention
    counted as the unmasked half) over 6·P; it shows how much attention adds at each context length.
    ``step s``: one 16M-token step's exact causal FLOPs divided by GPUs × the printed TFLOP/s, i.e. the
    step time the printed throughput implies if Meta counted FLOPs the same way (the paper does not say).
    """
    rows = []
    for r in pub.LLAMA3_TABLE4:
        cfg = llmcalc.preset(r.model)
        sequences = r.batch_tokens // r.seq_len
        step_flops = llmcalc.training_flops(cfg, sequences, r.seq_len, causal=True)
        six_p = 6 * llmcalc.param_count(cfg)
        mfu = llmcalc.timecost.mfu_from_throughput(r.tflops_per_gpu * 1e12, r.chip) * 100
        rows.append({
            "layout": r.label, "GPUs": r.gpus, "TP": r.tp, "CP": r.cp, "PP": r.pp, "DP": r.dp,
            "TP·CP·PP·DP": r.tp * r.cp * r.pp * r.dp, "T": r.seq_len,
            "sequences per step": sequences, "sequences per DP rank": sequences / r.dp,
            "TFLOP/s per GPU reported": r.tflops_per_gpu,
            "MFU % = TFLOP/s / 989": mfu,
            "MFU % reported": r.mfu_percent,
            "MFU diff (points)": mfu - r.mfu_percent,
            "exact FLOPs per token / 6P": step_flops / r.batch_tokens / six_p,
            "step s at reported TFLOP/s": step_flops / (r.gpus * r.tflops_per_gpu * 1e12),
        })
    return pd.DataFrame(rows)


def total_flops() -> pd.DataFrame:
    """Total training FLOPs: 6·P·tokens with P exact (llmcalc.param_count) vs the published total."""
    rows = []
    for r in pub.TOTAL_FLOPS_RUNS:
        params = llmcalc.param_count(llmcalc.preset(r.preset))
        predicted = llmcalc.training_flops_6p(llmcalc.preset(r.preset), r.tokens)
        rounding = r.total_flops_rounding / r.total_flops + r.tokens_rounding / r.tokens
        rows.append({
            "run": r.label, "P exact (B)": params / 1e9, "tokens": r.tokens,
            "FLOPs 6·P·tokens": predicted, "FLOPs reported": r.total_flops,
            "FLOPs error %": error_percent(predicted, r.total_flops),
            "rounding ± %": rounding * 100,
        })
    return pd.DataFrame(rows)


# GPUs each run is assumed to have trained on, for the "days" column: Llama 3's 405B used up to 16,384
# H100s (reference.md §4); the other clusters are not in reference.md and are stated assumptions.
ASSUMED_CLUSTER_GPUS = {"LLaMA 2 7B": 2048, "LLaMA 2 13B": 2048, "LLaMA 2 70B": 2048,
                        "LLaMA 3.1 8B": 16384, "LLaMA 3.1 70B": 16384, "LLaMA 3.1 405B": 16384}


def llama_hours() -> pd.DataFrame:
    """LLaMA 2 and 3.1: MFU implied by the model cards' GPU-hours, and days on a stated cluster.

    ``implied MFU % (6P)`` = 6·P·tokens / (GPU-hours · 3600 · peak) (llmcalc.implied_mfu);
    ``(exact, causal)`` uses llmcalc's exact training FLOPs per token at the run's context T instead.
    ``days`` = llmcalc.training_days at the implied MFU on ``ASSUMED_CLUSTER_GPUS`` GPUs.
    """
    rows = []
    for r in pub.GPU_HOUR_RUNS:
        cfg = llmcalc.preset(r.preset)
        flops_6p = llmcalc.training_flops_6p(cfg, r.tokens)
        flops_exact = llmcalc.training_flops_per_token(cfg, r.context, causal=True) * r.tokens
        mfu = llmcalc.implied_mfu(flops_6p, r.gpu_hours, r.chip)
        gpus = ASSUMED_CLUSTER_GPUS[r.label]
        rows.append({
            "run": r.label, "chip": r.chip, "GPU-hours reported": r.gpu_hours,
            "tokens": r.tokens, "T": r.context, "FLOPs 6·P·tokens": flops_6p,
            "implied MFU % (6P)": mfu * 100,
            "implied MFU % (exact, causal)": llmcalc.implied_mfu(flops_exact, r.gpu_hours, r.chip) * 100,
            "GPUs (assumed)": gpus,
            "days on those GPUs": llmcalc.training_days(flops_6p, gpus, r.chip, mfu),
        })
    return pd.DataFrame(rows)


def llama405b_hours() -> pd.DataFrame:
    """LLaMA 3.1-405B GPU-hours predicted from each Table 4 MFU (3.8e25 FLOPs) vs the card's 30.84M."""
    run = pub.LLAMA31_RUNS[2]
    rows = []
    for r in pub.LLAMA3_TABLE4:
        predicted = llmcalc.chip_hours(run.total_flops, r.chip, r.mfu_percent / 100)
        rows.append({
            "layout": r.label, "MFU % reported": r.mfu_percent,
            "GPU-hours predicted": predicted, "GPU-hours reported (card)": run.gpu_hours,
            "GPU-hours error %": error_percent(predicted, run.gpu_hours),
        })
    return pd.DataFrame(rows)


def korthikanti_table3() -> pd.DataFrame:
    """Korthikanti et al. 2022, Table 3: activation GiB per GPU of the first stage, and model states.

    Activations: llmcalc.activation_bytes with the row's TP, PP, micro-batch and interleaved chunks.
    Model states: exact parameters (GPT-style, tied, biases) × 18 bytes / (TP · PP); the paper uses
    12·l·h² parameters, so the exact count is a little larger.
    """
    s = pub.KORTHIKANTI_SEQ_LEN
    rows = []
    for r in pub.KORTHIKANTI_TABLE3:
        cfg = pub.korthikanti_config(r)
        act = lambda **kw: llmcalc.activation_bytes(cfg, r.micro_batch, s, tp=r.tp, pp=r.pp,
                                                    interleave=r.interleave, **kw) / GiB
        tp_only, lean = act(), act(sp=True, recompute="selective")
        states = llmcalc.model_state_bytes(cfg, "mixed_fp32_grads", model_parallel=r.tp * r.pp) / GiB
        rows.append({
            "model": r.label, "TP": r.tp, "PP": r.pp, "GPUs": r.gpus, "micro-batch": r.micro_batch,
            "chunks": r.interleave,
            "TP only GiB": tp_only, "TP only reported GiB": r.activations_tp_gib,
            "TP only error %": _maybe_error(tp_only, r.activations_tp_gib),
            "TP+SP+selective GiB": lean, "TP+SP+selective reported GiB": r.activations_tp_sp_selective_gib,
            "TP+SP+selective error %": _maybe_error(lean, r.activations_tp_sp_selective_gib),
            "model states GiB (exact P, 18 B/param)": states, "model states reported GiB": r.model_states_gib,
            "model states error %": _maybe_error(states, r.model_states_gib),
        })
    return pd.DataFrame(rows)


def _maybe_error(predicted, reported):
    return None if reported is None else error_percent(predicted, reported)


# ----- how the tables are printed ----------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    """One table function and how it is printed: titles and notes per language, and column views."""

    build: Callable[[], pd.DataFrame]
    title: dict[str, str]
    note: dict[str, str]
    views: tuple[tuple[str, ...], ...]  # each view is one Markdown table; the first column is repeated


_MEGATRON_KEY = ("model",)
SECTIONS: tuple[Section, ...] = (
    Section(
        megatron_table1,
        {"en": "Megatron-LM, Narayanan et al. 2021, Table 1 (GPT-style, T 2048, V 51200, A100, full recompute)",
         "zh": "Megatron-LM(Narayanan 等,2021)表 1(GPT 结构,T 2048,V 51200,A100,完全重计算)"},
        {"en": "Parameters: exact GPT-2-architecture count (tied embeddings, learned positions, biases); the "
               "paper prints 0.1 B, so rounding explains up to the ± column. FLOPs: llmcalc's exact matmul "
               "count with full recompute and the full T×T scores vs the paper's 96·B·s·l·h²·(1 + s/(6h) + "
               "V/(16·l·h)); the gap is exactly the LM head's forward, which llmcalc also recomputes "
               "(2·B·s·h·V). MFU: the printed TFLOP/s count the recomputed forward; model TFLOP/s = printed × "
               "FLOPs without recompute / the paper's FLOPs with recompute.",
         "zh": "参数量:GPT-2 结构的精确计数(共享词嵌入、可学习位置编码、带偏置);论文只印到 0.1 B,"
               "“±” 列是舍入能解释的误差。FLOPs:llmcalc 的精确矩阵乘法计数(完全重计算,完整 T×T 注意力分数)"
               "对比论文的 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h));差值恰好是 LM head 的一次前向"
               "(2·B·s·h·V),llmcalc 把它也算进重计算。MFU:论文的 TFLOP/s 含重计算的那次前向;"
               "模型 TFLOP/s = 论文值 × 不含重计算的 FLOPs / 论文含重计算的 FLOPs。"},
        (("model", "L", "D", "N", "params exact (B)", "params reported (B)", "params error %",
          "params rounding ± %", "FLOPs/iter llmcalc, full recompute", "FLOPs/iter Megatron formula",
          "FLOPs error %"),
         ("model", "GPUs", "TP", "PP", "DP", "batch (sequences)", "TFLOP/s per GPU reported",
          "aggregate PFLOP/s = TFLOP/s × GPUs", "aggregate PFLOP/s reported", "aggregate error %",
          "% of peak = TFLOP/s / 312", "% of peak reported", "model TFLOP/s per GPU", "MFU %")),
    ),
    Section(
        llama3_table4,
        {"en": "Llama 3 paper, Table 4 (405B on H100s)", "zh": "Llama 3 论文表 4(405B,H100)"},
        {"en": "MFU = printed TFLOP/s / 989; the paper's TFLOP/s are multiples of 10, so a difference up to "
               "0.5 + 0.51 points is rounding. \"16M\" tokens per step read as 2^24. The last two columns "
               "use llmcalc's exact causal FLOPs; the paper does not say how it counts attention.",
         "zh": "MFU = 论文的 TFLOP/s / 989;论文的 TFLOP/s 是 10 的整数倍,所以 0.5 + 0.51 个百分点以内的差异"
               "都可能来自舍入。每步 “16M” token 按 2^24 计。最后两列用 llmcalc 的精确因果 FLOPs;"
               "论文没有说明它如何计入注意力。"},
        (("layout", "GPUs", "TP", "CP", "PP", "DP", "TP·CP·PP·DP", "T", "sequences per step",
          "sequences per DP rank"),
         ("layout", "TFLOP/s per GPU reported", "MFU % = TFLOP/s / 989", "MFU % reported", "MFU diff (points)",
          "exact FLOPs per token / 6P", "step s at reported TFLOP/s")),
    ),
    Section(
        planner_fidelity.megatron_table1,
        {"en": "llmcalc.planner vs Megatron-LM Table 1: hardware TFLOP/s per GPU for each published layout",
         "zh": "llmcalc.planner 对比 Megatron-LM 表 1:每个公开布局的每 GPU 硬件 TFLOP/s"},
        {"en": "The planner (`llmcalc.fidelity.megatron_table1`) with ideal matmul kernels; TP, PP, GPUs and "
               "batch as published, micro-batch and interleaving chosen by the planner; full recompute, fp32 "
               "gradients, no ZeRO, no sequence parallelism, unfused attention, as in 2021. Reported / "
               "planner is the share of the layout's ideal the run reached: 0.66–0.73 across a 600× range "
               "of model sizes, so one kernel efficiency (about 0.69 on A100 in 2021) explains every row "
               "to within 7%; the planner does not know that constant and is not fitted to it.",
         "zh": "规划器(`llmcalc.fidelity.megatron_table1`)假设理想的矩阵乘法内核;TP、PP、GPU 数和批大小"
               "取论文值,微批大小与交错深度由规划器选择;按 2021 年的做法:完全重计算、fp32 梯度、无 ZeRO、"
               "无序列并行、未融合的注意力。“论文 / 规划器” 是该布局理想吞吐中真正达到的比例:在模型规模相差 "
               "600 倍的各行之间为 0.66–0.73,因此一个内核效率(2021 年 A100 上约 0.69)能把每一行解释到 7% "
               "以内;规划器并不知道这个常数,也没有用它拟合。"},
        (("model", "TP", "PP", "DP", "GPUs", "planner micro-batch", "planner interleave", "planner GiB per GPU",
          "planner TFLOP/s per GPU (ideal kernels)", "TFLOP/s per GPU reported", "reported / planner"),),
    ),
    Section(
        planner_fidelity.llama3_table4,
        {"en": "llmcalc.planner vs Llama 3 Table 4: MFU of 405B for each published layout",
         "zh": "llmcalc.planner 对比 Llama 3 表 4:405B 在每个公开布局下的 MFU"},
        {"en": "Ideal kernels; micro-batch 1, no recompute, sequence parallelism, flash attention, ZeRO-1/2. "
               "The paper does not print the interleaving depth v: with plain 1F1B (v = 1) the bubble alone "
               "(15/31 at 16 micro-batches) holds the 16,384-GPU layouts to about 40%; with interleaving the "
               "8K rows reach 0.61–0.63 of the planner's figure, close to Megatron's 0.66–0.73 on A100. Two "
               "disagreements: the 128K-context row reaches only 0.57 (the planner sees little cost in "
               "context parallelism; the real all-gather attention at 128K loses more), and the planner's "
               "memory estimate for these layouts (about 78 GiB) exceeds an 80 GB H100 less headroom although "
               "Meta ran them: it charges the first stage 8 full layers for 16 micro-batches in flight, "
               "while Meta gave the first stage one layer fewer and freed tensors early.",
         "zh": "理想内核;微批 1、不重计算、序列并行、flash attention、ZeRO-1/2。论文没有给出交错深度 v:"
               "用普通 1F1B(v = 1)时,单是流水线气泡(16 个微批时为 15/31)就把 16,384 卡的布局限制在约 40%;"
               "用交错调度时,8K 的两行达到规划器数值的 0.61–0.63,接近 Megatron 在 A100 上的 0.66–0.73。"
               "两处不一致:128K 上下文那一行只有 0.57(规划器认为上下文并行代价很小,而 128K 下真实的 "
               "all-gather 注意力损失更多);规划器对这些布局的显存估计(约 78 GiB)超过了 80 GB H100 "
               "减去余量,可 Meta 确实这样训练了:规划器让第一级为 16 个在途微批保存 8 整层的激活,"
               "而 Meta 让第一级少放一层,并尽早释放张量。"},
        (("layout", "GPUs", "TP", "CP", "PP", "DP", "planner MFU % (v = 1)", "planner best v",
          "planner MFU % (best v)", "MFU % reported", "reported / planner (best v)",
          "planner GiB per GPU (best v)", "fits 80 GB less 10%"),),
    ),
    Section(
        total_flops,
        {"en": "Total training FLOPs: 6·P·tokens vs published", "zh": "训练总 FLOPs:6·P·tokens 对比公开值"},
        {"en": "P is the exact parameter count of the preset. GPT-3: Brown et al. 2020; 405B: Llama 3 paper. "
               "The ± column is the rounding of the printed total and token count.",
         "zh": "P 为预设模型的精确参数量。GPT-3 来自 Brown 等(2020);405B 来自 Llama 3 论文。"
               "“±” 列是公开总量与 token 数的舍入误差。"},
        (("run", "P exact (B)", "tokens", "FLOPs 6·P·tokens", "FLOPs reported", "FLOPs error %",
          "rounding ± %"),),
    ),
    Section(
        llama_hours,
        {"en": "LLaMA 2 and LLaMA 3.1: MFU implied by the model cards' GPU-hours",
         "zh": "LLaMA 2 与 LLaMA 3.1:由模型卡 GPU 小时反推的 MFU"},
        {"en": "Implied MFU = training FLOPs / (GPU-hours · 3600 · peak), peak 312 (A100) or 989 (H100) "
               "TFLOP/s. The cards' hours include everything, not only steady-state steps. LLaMA 3.1 8B "
               "and 70B: \"~15T\" tokens. Days: at the implied MFU on the GPU count shown (405B: the paper's "
               "16,384; the others are assumptions, not published).",
         "zh": "反推 MFU = 训练 FLOPs / (GPU 小时 · 3600 · 峰值),峰值 312(A100)或 989(H100)TFLOP/s。"
               "模型卡的小时数包含全部开销,不只是稳定训练步。LLaMA 3.1 8B 与 70B 的 token 数是 “~15T”。"
               "天数:按反推 MFU 在所列 GPU 数上计算(405B 用论文的 16,384;其余是假设,并非公开数据)。"},
        (("run", "chip", "GPU-hours reported", "tokens", "T", "FLOPs 6·P·tokens", "implied MFU % (6P)",
          "implied MFU % (exact, causal)", "GPUs (assumed)", "days on those GPUs"),),
    ),
    Section(
        llama405b_hours,
        {"en": "LLaMA 3.1-405B: GPU-hours from Table 4's MFU vs the model card's 30.84M",
         "zh": "LLaMA 3.1-405B:由表 4 的 MFU 推算 GPU 小时,对比模型卡的 30.84M"},
        {"en": "Predicted = 3.8e25 / (989 TFLOP/s · MFU · 3600). The card's hours are higher because they "
               "include all of training: the long-context phase at 38%, annealing, failures and restarts; "
               "as we remember the paper, it reports more than 90% effective training time.",
         "zh": "推算值 = 3.8e25 / (989 TFLOP/s · MFU · 3600)。模型卡的小时数更高,因为它包含整个训练:"
               "38% MFU 的长上下文阶段、退火、故障与重启;据我们对论文的记忆,其有效训练时间在 90% 以上。"},
        (("layout", "MFU % reported", "GPU-hours predicted", "GPU-hours reported (card)", "GPU-hours error %"),),
    ),
    Section(
        korthikanti_table3,
        {"en": "Korthikanti et al. 2022, Table 3: activations per GPU of the first pipeline stage",
         "zh": "Korthikanti 等(2022)表 3:流水线第一级每张 GPU 的激活值"},
        {"en": "llmcalc.activation_bytes (GPT-style layer, 16-bit values, 1-byte dropout masks), in GiB "
               "(2^30 bytes). 175B and 530B use the interleaved schedule with 3 chunks; their reported values "
               "are not in reference.md (–). Model states: exact parameters × 18 bytes / (TP · PP); the paper "
               "counts 12·l·h² parameters.",
         "zh": "llmcalc.activation_bytes(GPT 结构的层,16 位数值,1 字节 dropout 掩码),单位 GiB(2^30 字节)。"
               "175B 与 530B 使用 3 个分块的交错流水线调度;它们的论文值不在 reference.md 中(–)。"
               "模型状态:精确参数量 × 18 字节 / (TP · PP);论文按 12·l·h² 个参数计。"},
        (("model", "TP", "PP", "GPUs", "micro-batch", "chunks", "TP only GiB", "TP only reported GiB",
          "TP only error %", "TP+SP+selective GiB", "TP+SP+selective reported GiB", "TP+SP+selective error %"),
         ("model", "model states GiB (exact P, 18 B/param)", "model states reported GiB", "model states error %")),
    ),
)


def _sci(x: float) -> str:
    mantissa, exponent = f"{x:.4e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _fmt(spec: str) -> Callable[[object], str]:
    if spec == "sci":
        return _sci
    if spec == "int":
        return lambda x: f"{int(x):,}"
    if spec == "str":
        return str
    if spec == "T":  # tokens in trillions: 0.3T, 15.6T
        return lambda x: f"{x / 1e12:g}T"
    if spec == "M":  # millions: 30.84M
        return lambda x: f"{x / 1e6:.2f}M"
    return lambda x: format(x, spec)


# how each column prints (a format spec, "sci" for 1.2345e22, "int" for 16,384, "T" for 15.6T tokens, "M" for
# 30.84M); default: str for text, .4g for numbers
FORMATS: dict[str, str] = {
    **{c: "int" for c in ("L", "D", "N", "TP", "PP", "DP", "CP", "GPUs", "batch (sequences)", "T",
                          "TP·CP·PP·DP", "sequences per step", "micro-batch", "chunks", "GPU-hours reported",
                          "GPUs (assumed)", "TFLOP/s per GPU reported", "MFU % reported", "% of peak reported")},
    "params exact (B)": ".3f", "params reported (B)": ".1f", "params error %": "+.2f", "params rounding ± %": ".2f",
    "FLOPs/iter llmcalc, full recompute": "sci", "FLOPs/iter Megatron formula": "sci", "FLOPs error %": "+.3f",
    "aggregate PFLOP/s = TFLOP/s × GPUs": ".2f", "aggregate PFLOP/s reported": ".1f", "aggregate error %": "+.2f",
    "% of peak = TFLOP/s / 312": ".1f", "model TFLOP/s per GPU": ".1f", "MFU %": ".1f",
    "sequences per DP rank": "g", "MFU % = TFLOP/s / 989": ".1f", "MFU diff (points)": "+.2f",
    "exact FLOPs per token / 6P": ".3f", "step s at reported TFLOP/s": ".2f",
    "P exact (B)": ".2f", "tokens": "T", "FLOPs 6·P·tokens": "sci", "FLOPs reported": "sci",
    "rounding ± %": ".2f", "implied MFU % (6P)": ".1f", "implied MFU % (exact, causal)": ".1f",
    "days on those GPUs": ".1f", "GPU-hours predicted": "M", "GPU-hours reported (card)": "M",
    "GPU-hours error %": "+.1f",
    "TP only GiB": ".4f", "TP only reported GiB": "g", "TP only error %": "+.2f",
    "TP+SP+selective GiB": ".4f", "TP+SP+selective reported GiB": "g", "TP+SP+selective error %": "+.2f",
    "model states GiB (exact P, 18 B/param)": ".2f", "model states reported GiB": "g", "model states error %": "+.2f",
    "planner micro-batch": "int", "planner interleave": "int", "planner GiB per GPU": ".1f",
    "planner TFLOP/s per GPU (ideal kernels)": ".1f", "reported / planner": ".3f",
    "planner MFU % (v = 1)": ".1f", "planner best v": "int", "planner MFU % (best v)": ".1f",
    "reported / planner (best v)": ".3f", "planner GiB per GPU (best v)": ".1f", "fits 80 GB less 10%": "str",
}

# column names in the Chinese README (numbers and symbols stay as they are)
ZH: dict[str, str] = {
    "model": "模型", "layout": "布局", "run": "训练", "chip": "芯片", "GPUs": "GPU 数",
    "batch (sequences)": "批大小(序列)",
    "params exact (B)": "精确参数量(B)", "params reported (B)": "论文参数量(B)", "params error %": "参数误差 %",
    "params rounding ± %": "参数舍入 ± %",
    "FLOPs/iter llmcalc, full recompute": "每步 FLOPs,llmcalc,完全重计算", "FLOPs/iter Megatron formula":
    "每步 FLOPs,Megatron 公式", "FLOPs error %": "FLOPs 误差 %",
    "TFLOP/s per GPU reported": "论文每 GPU TFLOP/s", "aggregate PFLOP/s = TFLOP/s × GPUs": "总 PFLOP/s = TFLOP/s × GPU 数",
    "aggregate PFLOP/s reported": "论文总 PFLOP/s", "aggregate error %": "总量误差 %",
    "% of peak = TFLOP/s / 312": "峰值占比 % = TFLOP/s / 312", "% of peak reported": "论文峰值占比 %",
    "model TFLOP/s per GPU": "每 GPU 模型 TFLOP/s", "MFU %": "MFU %",
    "sequences per step": "每步序列数", "sequences per DP rank": "每个 DP 副本的序列数",
    "MFU % = TFLOP/s / 989": "MFU % = TFLOP/s / 989", "MFU % reported": "论文 MFU %", "MFU diff (points)": "MFU 差(百分点)",
    "exact FLOPs per token / 6P": "每 token 精确 FLOPs / 6P", "step s at reported TFLOP/s": "按论文 TFLOP/s 的步时(秒)",
    "P exact (B)": "精确 P(B)", "tokens": "token 数", "FLOPs 6·P·tokens": "FLOPs 6·P·tokens",
    "FLOPs reported": "公开 FLOPs", "rounding ± %": "舍入 ± %",
    "GPU-hours reported": "公开 GPU 小时", "implied MFU % (6P)": "反推 MFU %(6P)",
    "implied MFU % (exact, causal)": "反推 MFU %(精确,因果)", "GPUs (assumed)": "GPU 数(假设)",
    "days on those GPUs": "天数", "GPU-hours predicted": "推算 GPU 小时", "GPU-hours reported (card)": "模型卡 GPU 小时",
    "GPU-hours error %": "GPU 小时误差 %", "micro-batch": "微批大小", "chunks": "分块数",
    "TP only GiB": "仅 TP(GiB)", "TP only reported GiB": "仅 TP 论文值(GiB)", "TP only error %": "仅 TP 误差 %",
    "TP+SP+selective GiB": "TP+SP+选择性重计算(GiB)", "TP+SP+selective reported GiB": "TP+SP+选择性 论文值(GiB)",
    "TP+SP+selective error %": "TP+SP+选择性 误差 %",
    "model states GiB (exact P, 18 B/param)": "模型状态 GiB(精确 P,每参数 18 字节)",
    "model states reported GiB": "模型状态论文值(GiB)", "model states error %": "模型状态误差 %",
    "planner micro-batch": "规划器微批", "planner interleave": "规划器交错深度", "planner GiB per GPU": "规划器每 GPU GiB",
    "planner TFLOP/s per GPU (ideal kernels)": "规划器每 GPU TFLOP/s(理想内核)", "reported / planner": "论文 / 规划器",
    "planner MFU % (v = 1)": "规划器 MFU %(v = 1)", "planner best v": "规划器最佳 v",
    "planner MFU % (best v)": "规划器 MFU %(最佳 v)", "reported / planner (best v)": "论文 / 规划器(最佳 v)",
    "planner GiB per GPU (best v)": "规划器每 GPU GiB(最佳 v)", "fits 80 GB less 10%": "能否放入 80 GB(留 10%)",
}

_TEXT = {
    "en": {"intro": "Generated by `tools/fidelity_report.py` from `llmcalc.published` (each record names its "
                    "paper and table); `tests/fidelity` asserts the error bounds and keeps this block current. "
                    "Error % = (predicted − reported) / reported.",
           "more": "more columns"},
    "zh": {"intro": "由 `tools/fidelity_report.py` 根据 `llmcalc.published`(每条记录注明论文与表格)生成;"
                    "`tests/fidelity` 检查误差界并保证本节与之一致。误差 % = (预测 − 公开值) / 公开值。",
           "more": "其他列"},
}


def _cell(column: str, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    spec = FORMATS.get(column)
    if spec is None:
        spec = "str" if isinstance(value, str) else ".4g"
    return _fmt(spec)(value)


def markdown_table(df: pd.DataFrame, columns, lang: str = "en") -> str:
    """A Markdown table of ``columns`` of ``df``; text left-aligned, numbers right-aligned."""
    name = (lambda c: ZH.get(c, c)) if lang == "zh" else (lambda c: c)
    numeric = [not all(isinstance(v, str) for v in df[c]) for c in columns]
    lines = ["| " + " | ".join(name(c) for c in columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_cell(c, row[c]) for c in columns) + " |")
    return "\n".join(lines)


def _object_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Keep Python values as they are (None stays None, ints stay ints) while iterating rows."""
    return df.astype(object).where(df.notna(), None)


def render(lang: str = "en", sections: tuple[Section, ...] | None = None) -> str:
    """Every table of ``sections`` (default ``SECTIONS``) as Markdown, with ### headings and a note under
    each; ends with a newline."""
    if lang not in _TEXT:
        raise ValueError(f"lang must be one of {sorted(_TEXT)}, got {lang!r}")
    out = [_TEXT[lang]["intro"], ""]
    for section in SECTIONS if sections is None else sections:
        df = _object_frame(section.build())
        out += [f"### {section.title[lang]}", ""]
        named = {c for view in section.views for c in view}
        views = list(section.views)
        extra = [c for c in df.columns if c not in named]
        if extra:  # a column added to the table but named in no view: print it rather than drop it
            views.append((df.columns[0], *extra))
        for view in views:
            out += [markdown_table(df, view, lang), ""]
        out += [section.note[lang], ""]
    return "\n".join(out)


def readme_block(text: str) -> str:
    """The text between the fidelity markers of a README (without the marker lines)."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"the README must hold exactly one {BEGIN} and one {END}")
    start = text.index(BEGIN) + len(BEGIN) + 1
    return text[start:text.index(END)]


def with_block(text: str, block: str) -> str:
    readme_block(text)  # checks the markers
    start = text.index(BEGIN) + len(BEGIN) + 1
    return text[:start] + block + text[text.index(END):]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", default="en", choices=sorted(_TEXT))
    ap.add_argument("--write", action="store_true", help="rewrite the README blocks")
    ap.add_argument("--check", action="store_true", help="exit 1 if a README block is stale")
    args = ap.parse_args(argv)
    if args.write or args.check:
        stale = []
        for lang, path in READMES.items():
            text = path.read_text(encoding="utf-8")
            block = render(lang)
            if readme_block(text) != block:
                stale.append(path.name)
                if args.write:
                    path.write_text(with_block(text, block), encoding="utf-8")
        verb = "rewrote" if args.write else "stale"
        print(f"{verb}: {', '.join(stale)}" if stale else "README fidelity blocks are current")
        return 1 if stale and args.check else 0
    sys.stdout.write(render(args.lang))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
