"""Fidelity report: what llmcalc predicts for published training runs, next to what was published.

    python tools/fidelity_report.py              print the Markdown tables (English)
    python tools/fidelity_report.py --lang zh    the same tables, headings and prose in Chinese
    python tools/fidelity_report.py --write      rewrite the blocks between <!-- fidelity:begin --> and
                                                 <!-- fidelity:end --> in README.md and README.zh.md
    python tools/fidelity_report.py --check      exit 1 if either README block is stale

The published figures come from ``llmcalc.published`` (each record names its paper and table), the
project's own measurements from ``llmcalc.measured``, the predictions from llmcalc's formula modules.
Errors are (predicted − reported) / reported, in per cent. Every number in the block, prose included, is
computed here from those modules: the notes under the tables are functions of the tables they describe
(``tests/fidelity/test_readme_fidelity.py`` checks that and that the README blocks equal what this prints).

Each table is a function returning a pandas DataFrame (``megatron_table1()``, ``llama3_table4()``,
``total_flops()``, ``llama_hours()``, ``llama405b_hours()``, ``korthikanti_implementation_check()``, and
the planner's tables in ``llmcalc.fidelity``), so a later column is one more assignment in one function;
columns no view names are printed in an extra table under the section, so nothing added is silently
dropped. Give each new column a format in ``FORMATS`` and a Chinese name in ``ZH``.
"""

from __future__ import annotations

import functools

import argparse
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

import llmcalc
from llmcalc import fidelity as planner_fidelity, measured, planner, published as pub
from llmcalc.memory import GB, GiB
from llmcalc.peak_memory import layer_saved_bytes

ROOT = Path(__file__).resolve().parents[1]
READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh.md"}
BEGIN, END = "<!-- fidelity:begin -->", "<!-- fidelity:end -->"


def error_percent(predicted: float, reported: float) -> float:
    """(predicted − reported) / reported × 100."""
    return (predicted - reported) / reported * 100


def _peak_tflops(chip: str) -> float:
    return llmcalc.chip(chip).peak_flops / 1e12


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
            "% of peak = TFLOP/s / peak": r.tflops_per_gpu / peak * 100,
            "% of peak reported": r.percent_of_peak,
            "model TFLOP/s per GPU": model_tflops,
            "MFU %": model_tflops / peak * 100,
        })
    return pd.DataFrame(rows)


def llama3_table4() -> pd.DataFrame:
    """Llama 3 paper, Table 4: layout arithmetic (DP as printed in each version and the consistent DP),
    MFU from the printed TFLOP/s, and what a step costs.

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
            "layout": r.label, "GPUs": r.gpus, "TP": r.tp, "CP": r.cp, "PP": r.pp,
            "DP printed (v3)": r.dp_printed_v3, "DP printed (before v3)": r.dp_printed_before_v3,
            "DP consistent": r.dp_consistent, "TP·CP·PP·DP consistent": r.tp * r.cp * r.pp * r.dp_consistent,
            "TP·CP·PP·DP printed before v3": r.tp * r.cp * r.pp * r.dp_printed_before_v3, "T": r.seq_len,
            "sequences per step": sequences, "batch size/DP printed": r.batch_per_dp,
            "sequences per DP (consistent DP)": sequences / r.dp_consistent,
            "TFLOP/s per GPU reported": r.tflops_per_gpu,
            "MFU % = TFLOP/s / peak": mfu,
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


def llama_hours() -> pd.DataFrame:
    """LLaMA 2 and 3.1: MFU implied by the model cards' GPU-hours.

    ``implied MFU % (6P)`` = 6·P·tokens / (GPU-hours · 3600 · peak) (llmcalc.implied_mfu);
    ``(exact, causal)`` uses llmcalc's exact training FLOPs per token at the run's context T instead.
    """
    rows = []
    for r in pub.GPU_HOUR_RUNS:
        cfg = llmcalc.preset(r.preset)
        flops_6p = llmcalc.training_flops_6p(cfg, r.tokens)
        flops_exact = llmcalc.training_flops_per_token(cfg, r.context, causal=True) * r.tokens
        rows.append({
            "run": r.label, "chip": r.chip, "GPU-hours reported": r.gpu_hours,
            "tokens": r.tokens, "T": r.context, "FLOPs 6·P·tokens": flops_6p,
            "implied MFU % (6P)": llmcalc.implied_mfu(flops_6p, r.gpu_hours, r.chip) * 100,
            "implied MFU % (exact, causal)": llmcalc.implied_mfu(flops_exact, r.gpu_hours, r.chip) * 100,
        })
    return pd.DataFrame(rows)


def llama405b_hours() -> pd.DataFrame:
    """LLaMA 3.1-405B GPU-hours predicted from each Table 4 MFU (the paper's total FLOPs) vs the model card."""
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


def korthikanti_closed_form_bytes(row: pub.KorthikantiLayout, variant: str) -> float:
    """The paper's closed form at one Table 3 layout: activation bytes per GPU of the first pipeline stage.

    ``"TP only"``: Equation 2, sbh(10 + 24/t + 5as/(ht)) per layer; ``"TP+SP+selective"``: Equation 6,
    34·sbh/t per layer. The first stage holds L layers' worth (§4.2.3), × (1 + (p − 1)/(p·m)) with m ≥ 2
    interleaved chunks. Written out from the paper, independently of ``llmcalc.memory``.
    """
    s, b, h, a, t = pub.KORTHIKANTI_SEQ_LEN, row.micro_batch, row.hidden, row.heads, row.tp
    if variant == "TP only":
        per_layer = s * b * h * (10 + 24 / t + 5 * a * s / (h * t))
    elif variant == "TP+SP+selective":
        per_layer = 34 * s * b * h / t
    else:
        raise ValueError(f"variant must be one of ['TP only', 'TP+SP+selective'], got {variant!r}")
    factor = 1 + (row.pp - 1) / (row.pp * row.interleave) if row.interleave > 1 else 1
    return per_layer * row.layers * factor


def korthikanti_implementation_check() -> pd.DataFrame:
    """llmcalc.activation_bytes vs Korthikanti et al.'s closed form at the paper's Table 3 layouts.

    An implementation check (the formula against itself): the paper prints no activation memory, only
    the equations and plots, so this shows that llmcalc implements its equations, not that they describe
    a real run. (For that, see ``peak_training_bytes`` against torch's MemTracker.)
    """
    s = pub.KORTHIKANTI_SEQ_LEN
    rows = []
    for r in pub.KORTHIKANTI_TABLE3:
        cfg = pub.korthikanti_config(r)

        def act(**kw):
            return llmcalc.activation_bytes(cfg, r.micro_batch, s, tp=r.tp, pp=r.pp, interleave=r.interleave, **kw)

        tp_only, lean = act(), act(sp=True, recompute="selective")
        form_tp, form_lean = (korthikanti_closed_form_bytes(r, v) for v in ("TP only", "TP+SP+selective"))
        rows.append({
            "model": r.label, "TP": r.tp, "PP": r.pp, "GPUs": r.gpus, "micro-batch": r.micro_batch,
            "chunks": r.interleave,
            "TP only GiB llmcalc": tp_only / GiB, "TP only GiB closed form": form_tp / GiB,
            "TP only difference %": error_percent(tp_only, form_tp),
            "TP+SP+selective GiB llmcalc": lean / GiB, "TP+SP+selective GiB closed form": form_lean / GiB,
            "TP+SP+selective difference %": error_percent(lean, form_lean),
        })
    return pd.DataFrame(rows)


# ----- numbers the prose states ---------------------------------------------------------------------------

# a relative difference below this is "equal" (floating-point rounding of the closed form's fractions)
EQUAL = 1e-12


def _peak_memory_numbers() -> dict:
    """Largest errors of peak_training_bytes against the recorded MemTracker measurements."""
    full = []
    for m in measured.MEMTRACKER_PEAKS:
        got = llmcalc.peak_training_bytes(llmcalc.preset(m.preset), m.micro_batch, m.seq_len, regime=m.regime,
                                          checkpointing=m.checkpointing, attention=m.attention, adamw=m.adamw)
        full.append(abs(got - m.peak_bytes) / m.peak_bytes)
    return {"small_cases": measured.small_shape_cases(), "small_max": measured.small_shape_max_abs_error(),
            "full_cases": len(full), "full_max": max(full),
            "full_largest_gb": max(m.peak_bytes for m in measured.MEMTRACKER_PEAKS) / GB,
            "presets": sorted({m.preset for m in measured.MEMTRACKER_PEAKS})}


def _layer_ratios() -> dict:
    """Bytes one LLaMA-7B layer saves (b 1, s 4096) over Korthikanti's 34·sbh (and sbh(34 + 5as/h) for eager)."""
    cfg = llmcalc.preset("llama-2-7b")
    s, b, h, a = 4096, 1, cfg.D, cfg.N
    return {"s": s, "b": b,
            "bf16": layer_saved_bytes(cfg, b, s) / (34 * s * b * h),
            "eager": layer_saved_bytes(cfg, b, s, attention="eager") / (s * b * h * (34 + 5 * a * s / h)),
            "amp": layer_saved_bytes(cfg, b, s, regime="amp") / (34 * s * b * h)}


def _planner_numbers(mega: pd.DataFrame, llama: pd.DataFrame) -> dict:
    spread = planner_fidelity.ratio_spread(mega["reported / planner"])
    mega_bound = int((mega["planner TFLOP/s per GPU (ideal kernels)"]
                      > mega["TFLOP/s per GPU reported"] - pub.MEGATRON_ROUNDING["tflops_per_gpu"]).sum())
    llama_bound = int((llama["planner MFU % (best v)"]
                       > llama["MFU % reported"] - pub.LLAMA3_ROUNDING["mfu_percent"]).sum())
    return {"spread": spread, "mega_bound": mega_bound, "mega_rows": len(mega), "llama_bound": llama_bound,
            "llama_rows": len(llama)}


def _short_sci(x: float) -> str:
    """3.8e25, not 3.8e+25."""
    mantissa, exponent = f"{x:.3g}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _range(values, spec: str, dash: str = "–") -> str:
    lo, hi = min(values), max(values)
    return format(lo, spec) if format(lo, spec) == format(hi, spec) else f"{lo:{spec}}{dash}{hi:{spec}}"


def summary(lang: str = "en") -> pd.DataFrame:
    """The block's first table: each check of this block, what it compares with, and the result."""
    pm, lr = _peak_memory_numbers(), _layer_ratios()
    kort = korthikanti_implementation_check()
    n_equal, n_form = _korthikanti_equal(kort), 2 * len(kort)
    mega, llama = planner_fidelity.megatron_table1(), planner_fidelity.llama3_table4()
    pn = _planner_numbers(mega, llama)
    sens = planner_fidelity.megatron_elementwise_sensitivity()
    worst = sens["largest distance from median %"]
    passes = planner_fidelity.ELEMENTWISE_PASSES_ASSUMED
    lo_p, hi_p = sens["elementwise passes (assumed)"].min(), sens["elementwise passes (assumed)"].max()
    small, full = 100 * pm["small_max"], 100 * pm["full_max"]
    claim, k = 100 * measured.CLAIMED_FULL_SIZE_MAX_ERROR, measured.TOLERANCE_OVER_CLAIM
    presets = " / ".join(p.upper().replace("LLAMA", "LLaMA") for p in pm["presets"])
    cal = _calibration_numbers(calibrated_planner())
    un = _unseen_numbers(validation_runs())
    text = {
        "en": [
            ("activations per GPU at the four layouts of Korthikanti et al. 2022, Table 3 (TP only; TP + SP + "
             "selective recompute)",
             "the paper's closed form (Equations 2 and 6) evaluated at those layouts: an implementation check, "
             "the formula against itself; the paper prints no measured activation memory",
             f"{n_equal}/{n_form} equal"),
            (f"`peak_training_bytes` vs torch's MemTracker (FakeTensorMode, second step, AdamW): {pm['small_cases']} "
             f"small LLaMA-shape steps (both regimes, checkpointing on/off, SDPA/eager, three AdamW "
             f"implementations, biases); {pm['full_cases']} full-size {presets} steps up to "
             f"{pm['full_largest_gb']:.0f} GB",
             "the project's own measurements (`llmcalc.measured`: how, when, which torch and transformers)",
             f"max error {small:.2f}% (small) and {full:.5f}% (full size; claimed: at most {claim:.4f}%); tests "
             f"allow {k}× each, {k * small:.2f}% and {k * claim:.3f}%, and `make crosscheck` re-measures every "
             f"full-size step"),
            (f"bytes one LLaMA-7B layer saves (b {lr['b']}, s {lr['s']}) vs Korthikanti's 34·s·b·h",
             "MemTracker's per-layer difference, equal to `layer_saved_bytes` (crosscheck)",
             f"bf16 SDPA {lr['bf16']:.3f}×, eager {lr['eager']:.3f}× of sbh(34 + 5as/h), amp {lr['amp']:.3f}×"),
            ("`llmcalc.planner` vs Megatron-LM Table 1 and Llama 3 Table 4",
             "the published throughput of each layout",
             f"ideal kernels bound {pn['mega_bound']}/{pn['mega_rows']} Megatron and {pn['llama_bound']}/"
             f"{pn['llama_rows']} Llama 3 rows; with the assumed {passes:g} HBM passes one efficiency explains "
             f"the {pn['mega_rows']} Megatron rows within {pn['spread']['worst_from_median_percent']:.1f}%; "
             f"assuming {lo_p:g} to {hi_p:g} passes instead, within {worst.min():.1f}% to {worst.max():.1f}%"),
            (f"`llmcalc.planner` calibrated (the default) vs {cal['n']} published runs of {cal['sources']} sources",
             "each run's published throughput; constants fitted on all runs, and refitted without each source",
             f"error median {cal['med']:.1f}%, worst {cal['worst']:.1f}%; held out by source {cal['hmed']:.1f}% and "
             f"{cal['hworst']:.1f}% (goal {cal['gm']:g}% and {cal['gw']:g}%: {_goal_text(cal, 'en')}); "
             f"{cal['fits']}/{cal['n']} layouts fit"),
            (f"`llmcalc.planner` calibrated vs {un['n']} runs no fit has seen (NVIDIA's H100 and B200 benchmarks, "
             f"DeepSeek-V3's report)",
             "each run's published throughput; no constant fitted on them",
             f"dense ({un['n_dense']}): median absolute error {un['d_med']:.1f}%, worst {un['d_worst']:.1f}%; mixture of "
             f"experts ({un['n_moe']}): {un['m_lo']:+.1f}% to {un['m_hi']:+.1f}%{un['m_sign_en']}; {un['fits']}/"
             f"{un['n']} layouts fit{un['misfit_en']}"),
        ],
        "zh": [
            ("Korthikanti 等（2022）表 3 的四个布局下每 GPU 的激活值（仅 TP；TP + SP + 选择性重计算）",
             "论文的闭式公式（式 2 与式 6）在这些布局下的取值：这是实现检查，即公式对照公式本身；"
             "论文没有给出实测的激活显存",
             f"{n_equal}/{n_form} 相等"),
            (f"`peak_training_bytes` 对比 torch 的 MemTracker（FakeTensorMode，第二步，AdamW）："
             f"{pm['small_cases']} 个小型 LLaMA 形状的训练步（两种精度、开/关检查点、SDPA/eager、三种 AdamW 实现、"
             f"偏置）；{pm['full_cases']} 个完整规模的 {presets} 训练步，最大 {pm['full_largest_gb']:.0f} GB",
             "本项目自己的测量（`llmcalc.measured`：如何测、何时测、所用 torch 与 transformers 版本）",
             f"最大误差 {small:.2f}%（小形状）与 {full:.5f}%（完整规模；声称不超过 {claim:.4f}%）；测试容差为各自的 "
             f"{k} 倍，即 {k * small:.2f}% 与 {k * claim:.3f}%，`make crosscheck` 会重新测量每个完整规模的训练步"),
            (f"一个 LLaMA-7B 层保存的字节数（b {lr['b']}，s {lr['s']}）对比 Korthikanti 的 34·s·b·h",
             "MemTracker 测得的逐层差值，与 `layer_saved_bytes` 相等（交叉检查）",
             f"bf16 SDPA {lr['bf16']:.3f}×，eager 为 sbh(34 + 5as/h) 的 {lr['eager']:.3f}×，amp {lr['amp']:.3f}×"),
            ("`llmcalc.planner` 对比 Megatron-LM 表 1 与 Llama 3 表 4",
             "每个布局公开的吞吐",
             f"理想内核给出的上界覆盖 Megatron {pn['mega_bound']}/{pn['mega_rows']} 行、Llama 3 "
             f"{pn['llama_bound']}/{pn['llama_rows']} 行；在假设的 {passes:g} 次 HBM 读写下，一个内核效率把 "
             f"{pn['mega_rows']} 行 Megatron 解释到 {pn['spread']['worst_from_median_percent']:.1f}% 以内；"
             f"若改设 {lo_p:g} 到 {hi_p:g} 次，则为 {worst.min():.1f}% 到 {worst.max():.1f}% 以内"),
            (f"校准后的 `llmcalc.planner`（默认）对比 {cal['sources']} 个来源的 {cal['n']} 次公开训练",
             "每次训练公开的吞吐；常数在全部训练上拟合，并逐个去掉来源重新拟合",
             f"误差中位数 {cal['med']:.1f}%，最大 {cal['worst']:.1f}%；按来源留出为 {cal['hmed']:.1f}% 与 "
             f"{cal['hworst']:.1f}%（目标 {cal['gm']:g}% 与 {cal['gw']:g}%：{_goal_text(cal, 'zh')}）；"
             f"{cal['fits']}/{cal['n']} 个布局放得下"),
            (f"校准后的 `llmcalc.planner` 对比 {un['n']} 次任何拟合都没见过的训练（NVIDIA 的 H100 与 B200 基准、"
             f"DeepSeek-V3 的报告）",
             "每次训练公开的吞吐；没有用它们拟合任何常数",
             f"稠密模型（{un['n_dense']} 次）：误差绝对值的中位数 {un['d_med']:.1f}%，最大 {un['d_worst']:.1f}%；混合专家模型"
             f"（{un['n_moe']} 次）：{un['m_lo']:+.1f}% 到 {un['m_hi']:+.1f}%{un['m_sign_zh']}；{un['fits']}/{un['n']} "
             f"个布局放得下{un['misfit_zh']}"),
        ],
    }[lang]
    return pd.DataFrame([{"check": c, "compared with": w, "result": r} for c, w, r in text])


def _unseen_numbers(df: pd.DataFrame) -> dict:
    """The runs no fit has seen, summed up: dense and mixture-of-experts errors, and which layouts do not fit."""
    moe_labels = {r.label for r in pub.VALIDATION_RUNS if pub.run_config(r).is_moe}
    moe = df[df["run"].isin(moe_labels)]["error %"]
    dense = df[~df["run"].isin(moe_labels)]["error %"].abs()
    misfits = list(df[df["fits"] != "yes"]["run"])
    return dict(
        n=len(df), n_dense=len(dense), n_moe=len(moe), d_med=dense.median(), d_worst=dense.max(),
        m_lo=moe.min(), m_hi=moe.max(),
        m_sign_en=", every one optimistic" if (moe > 0).all() else "",
        m_sign_zh="，全部偏乐观" if (moe > 0).all() else "",
        fits=len(df) - len(misfits),
        misfit_en=f" ({', '.join(m.split(',')[0] for m in misfits)}: not)" if misfits else "",
        misfit_zh=f"（{'、'.join(m.split(',')[0] for m in misfits)} 放不下）" if misfits else "",
    )


# ----- prose under each table: functions of the table, so every number in it is computed ------------------

def _note_megatron(df: pd.DataFrame) -> dict[str, str]:
    step = 2 * pub.MEGATRON_ROUNDING["params_billion"]
    return {
        "en": f"Parameters: exact GPT-2-architecture count (tied embeddings, learned positions, biases); the paper "
              f"prints {step:g} B steps, so rounding explains up to the ± column. FLOPs: llmcalc's exact matmul count "
              f"with full recompute and the full T×T scores vs the paper's 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)); "
              f"the gap is exactly the LM head's forward, which llmcalc also recomputes (2·B·s·h·V). MFU: the "
              f"printed TFLOP/s count the recomputed forward; model TFLOP/s = printed × FLOPs without recompute / "
              f"the paper's FLOPs with recompute. Peak: {pub.MEGATRON_PEAK_TFLOPS} TFLOP/s, as the paper divides.",
        "zh": f"参数量：GPT-2 结构的精确计数（共享词嵌入、可学习位置编码、带偏置）；论文只印到 {step:g} B，"
              f"“±” 列是舍入能解释的误差。FLOPs：llmcalc 的精确矩阵乘法计数（完全重计算，完整 T×T 注意力分数）"
              f"对比论文的 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))；差值恰好是 LM head 的一次前向"
              f"（2·B·s·h·V），llmcalc 把它也算进重计算。MFU：论文的 TFLOP/s 含重计算的那次前向；"
              f"模型 TFLOP/s = 论文值 × 不含重计算的 FLOPs / 论文含重计算的 FLOPs。峰值按论文取 "
              f"{pub.MEGATRON_PEAK_TFLOPS} TFLOP/s。",
    }


def _note_llama3(df: pd.DataFrame) -> dict[str, str]:
    rounding = pub.LLAMA3_ROUNDING["mfu_percent"] + 100 * pub.LLAMA3_ROUNDING["tflops_per_gpu"] / _peak_tflops(
        pub.LLAMA3_CHIP)
    step = 2 * pub.LLAMA3_ROUNDING["tflops_per_gpu"]
    odd = df[df["DP printed (before v3)"] != df["DP consistent"]]
    en_dp, zh_dp = [], []
    for _, r in odd.iterrows():
        en_dp.append(f"The paper's versions before v3 print DP {r['DP printed (before v3)']} for the {r['layout']} row: "
                     f"TP·CP·PP·DP would then be {r['TP·CP·PP·DP printed before v3']:,} GPUs, not {r['GPUs']:,}, and "
                     f"{r['sequences per step'] // r['DP printed (before v3)']} sequences per DP group, not the printed "
                     f"{r['batch size/DP printed']}; v3 prints {r['DP printed (v3)']}, the consistent value, which "
                     f"llmcalc uses.")
        zh_dp.append(f"论文 v3 之前的版本在“{_zh_run(r['layout'])}”这一行印的是 DP {r['DP printed (before v3)']}：那样 TP·CP·PP·DP "
                     f"只有 {r['TP·CP·PP·DP printed before v3']:,} 张 GPU，而不是 {r['GPUs']:,}，每个 DP 组也会有 "
                     f"{r['sequences per step'] // r['DP printed (before v3)']} 条序列，而不是论文印的 "
                     f"{r['batch size/DP printed']}；v3 印的是 {r['DP printed (v3)']}，即自洽的值，llmcalc 用的就是它。")
    peak = _peak_tflops(pub.LLAMA3_CHIP)
    return {
        "en": f"MFU = printed TFLOP/s / {peak:g}; the paper's TFLOP/s are multiples of {step:g}, so a difference up to "
              f"{rounding:.2f} points is rounding. \"16M\" tokens per step read as 2^24. " + " ".join(en_dp) +
              " The last two columns use llmcalc's exact causal FLOPs; the paper does not say how it counts attention.",
        "zh": f"MFU = 论文的 TFLOP/s / {peak:g}；论文的 TFLOP/s 是 {step:g} 的整数倍，所以 {rounding:.2f} 个百分点以内的"
              f"差异都可能来自舍入。每步 “16M” token 按 2^24 计。" + "".join(zh_dp) +
              "最后两列用 llmcalc 的精确因果 FLOPs；论文没有说明它如何计入注意力。",
    }


def _note_planner_megatron(df: pd.DataFrame) -> dict[str, str]:
    sp = planner_fidelity.ratio_spread(df["reported / planner"])
    sizes = [r.params_billion for r in pub.MEGATRON_TABLE1]
    size_ratio = max(sizes) / min(sizes)
    passes = planner_fidelity.ELEMENTWISE_PASSES_ASSUMED
    return {
        "en": f"The planner (`llmcalc.fidelity.megatron_table1`) with ideal matmul kernels; TP, PP, GPUs and batch as "
              f"published, micro-batch and interleaving chosen by the planner; full recompute, fp32 gradients, no "
              f"ZeRO, no sequence parallelism, unfused attention, as in 2021. Reported / planner is the share of the "
              f"layout's ideal the run reached: {sp['min']:.2f}–{sp['max']:.2f} (median {sp['median']:.2f}) across a "
              f"{size_ratio:.0f}× range of model sizes. With the assumed {passes:g} HBM passes over each stored "
              f"activation (+2 for full recompute), one kernel efficiency explains every row within "
              f"{sp['worst_from_median_percent']:.1f}%. The passes are an assumption, not a measurement: the next "
              f"table shows how the ratios move with them.",
        "zh": f"规划器（`llmcalc.fidelity.megatron_table1`）假设理想的矩阵乘法内核；TP、PP、GPU 数和批大小取论文值，"
              f"微批次大小与交错深度由规划器选择；按 2021 年的做法：完全重计算、fp32 梯度、无 ZeRO、无序列并行、"
              f"未融合的注意力。“论文 / 规划器” 是该布局理想吞吐中真正达到的比例：在模型规模相差 "
              f"{size_ratio:.0f} 倍的各行之间为 {sp['min']:.2f}–{sp['max']:.2f}（中位数 {sp['median']:.2f}）。"
              f"在假设每个保存的激活值经过 {passes:g} 次 HBM 读写（完全重计算再加 2 次）时，一个内核效率能把每一行"
              f"解释到 {sp['worst_from_median_percent']:.1f}% 以内。读写次数是假设，不是测量：下一张表给出比值随它"
              f"如何变化。",
    }


def _note_sensitivity(df: pd.DataFrame) -> dict[str, str]:
    passes = planner_fidelity.ELEMENTWISE_PASSES_ASSUMED
    at = df.set_index("elementwise passes (assumed)")
    worst = df["largest distance from median %"]
    best_row, worst_row = df.loc[worst.idxmin()], df.loc[worst.idxmax()]
    mid = df["reported / planner median"]
    return {
        "en": f"The planner's non-matmul time is every stored activation crossing HBM `elementwise_passes` times a "
              f"step (+2 with full recompute, which every Megatron row uses). No kernel-by-kernel count stands behind "
              f"the default {passes:g}. Across {df['elementwise passes (assumed)'].min():g} to "
              f"{df['elementwise passes (assumed)'].max():g} passes the median share reached moves from "
              f"{mid.iloc[0]:.2f} to {mid.iloc[-1]:.2f}, and the largest distance of a row from it from "
              f"{worst_row['largest distance from median %']:.1f}% (at {worst_row['elementwise passes (assumed)']:g} "
              f"passes) to {best_row['largest distance from median %']:.1f}% (at "
              f"{best_row['elementwise passes (assumed)']:g}); at the assumed {passes:g} it is "
              f"{at.loc[passes, 'largest distance from median %']:.1f}%. \"One efficiency explains every row\" is "
              f"a statement about the model with this assumed constant, not a result independent of it.",
        "zh": f"规划器的非矩阵乘法时间 = 每个保存的激活值每步经过 HBM `elementwise_passes` 次（完全重计算再加 2 次，"
              f"Megatron 的每一行都用完全重计算）。默认的 {passes:g} 次背后没有逐个内核的计数。在 "
              f"{df['elementwise passes (assumed)'].min():g} 到 {df['elementwise passes (assumed)'].max():g} 次之间，"
              f"达到比例的中位数从 {mid.iloc[0]:.2f} 变到 {mid.iloc[-1]:.2f}，各行离中位数的最大距离从 "
              f"{worst_row['largest distance from median %']:.1f}%（{worst_row['elementwise passes (assumed)']:g} 次）"
              f"变到 {best_row['largest distance from median %']:.1f}%（{best_row['elementwise passes (assumed)']:g} 次）；"
              f"在假设的 {passes:g} 次时为 {at.loc[passes, 'largest distance from median %']:.1f}%。"
              f"“一个效率解释每一行” 是带着这个假设常数的模型的结论，而不是与它无关的结果。",
    }


def _note_planner_llama3(df: pd.DataFrame) -> dict[str, str]:
    mega = planner_fidelity.ratio_spread(planner_fidelity.megatron_table1()["reported / planner"])
    short = df[df["layout"].str.startswith("8K")]
    long_ = df[~df["layout"].str.startswith("8K")]
    ratio_short = _range(short["reported / planner (best v)"], ".2f")
    ratio_long = _range(long_["reported / planner (best v)"], ".2f")
    plain = _range(df["planner MFU % (v = 1)"], ".0f")
    gib = _range(df["planner GiB per GPU (best v)"], ".0f")
    headroom = inspect.signature(planner.search).parameters["headroom"].default
    hbm = llmcalc.chip(pub.LLAMA3_CHIP).hbm_gib
    over = df[df["planner MFU % (best v)"] <= df["MFU % reported"] - pub.LLAMA3_ROUNDING["mfu_percent"]]
    unfit = df[~df["fits H100 less 10%"].astype(bool)]
    def which(rows: pd.DataFrame) -> tuple[str, str]:
        """The layouts named (labels hold commas, so they are joined with semicolons), or "every layout"."""
        if len(rows) == len(df):
            return "every layout", "每个布局"
        return "; ".join(rows["layout"]), "、".join(f"“{_zh_run(x)}”" for x in rows["layout"])

    if len(over):
        en_which, zh_which = which(over)
        en_bound = (f"The planner predicts no more than Meta reports for {en_which}: an ideal-kernel figure should "
                    f"be an upper bound, so there it charges something Meta avoided.")
        zh_bound = (f"对{zh_which}，规划器的预测不高于 Meta 的报告值：理想内核的数值本应是上界，"
                    f"说明规划器在这里多算了 Meta 避开的开销。")
    else:
        en_bound, zh_bound = "Ideal kernels bound every reported MFU.", "理想内核给出的数值是每个公开 MFU 的上界。"
    if len(unfit):
        en_which, zh_which = which(unfit)
        en_mem = (f"exceeds an H100's {hbm:.1f} GiB less the planner's {headroom:.0%} headroom for {en_which}, "
                  f"although Meta ran them")
        zh_mem = f"对{zh_which}都超过了 H100 的 {hbm:.1f} GiB 减去规划器 {headroom:.0%} 的余量，可 Meta 确实这样训练了"
    else:
        en_mem = f"fits an H100's {hbm:.1f} GiB less the planner's {headroom:.0%} headroom"
        zh_mem = f"在 H100 的 {hbm:.1f} GiB 减去规划器 {headroom:.0%} 的余量之内"
    return {
        "en": f"Ideal kernels; micro-batch 1, no recompute, sequence parallelism, flash attention, ZeRO-1/2; DP as "
              f"consistent with the GPU count. The paper does not print the interleaving depth v (its description of the "
              f"first and last model chunks implies v = 8; see the calibrated planner below): with plain 1F1B "
              f"(v = 1) the planner gives {plain}% MFU; at its best v the 8K rows reach {ratio_short} of the planner's "
              f"figure and the 128K row {ratio_long} (Megatron on A100: median {mega['median']:.2f}). {en_bound} "
              f"Memory: the planner's estimate for these layouts, {gib} GiB per GPU, {en_mem}. Meta gave the first "
              f"and the last pipeline stage one layer fewer and freed tensors early (Llama 3 paper, §3.3.2); the "
              f"planner models the first (where it costs no stage a layer), not the second. With 16 micro-batches on "
              f"16 stages every forward pass runs before the first backward, so interleaving holds no more than "
              f"1F1B there.",
        "zh": f"理想内核；微批次大小 1、不重计算、序列并行、flash attention、ZeRO-1/2；DP 取与 GPU 数自洽的值。论文没有给出"
              f"交错深度 v（它对首末两个模型块的描述意味着 v = 8，见下文的校准规划器）：用普通 1F1B（v = 1）时，规划器给出 {plain}% 的 MFU；在最佳 v 下，8K 的两行达到规划器数值的 "
              f"{ratio_short}，128K 那一行为 {ratio_long}（Megatron 在 A100 上的中位数为 {mega['median']:.2f}）。"
              f"{zh_bound}显存：规划器对这些布局的估计为每 GPU {gib} GiB，{zh_mem}。Meta 让流水线的第一级和最后一级"
              f"各少放一层，并尽早释放张量（Llama 3 论文 §3.3.2）；规划器建模了前者（在不让任何一级多放一层的情况下），"
              f"没有建模后者。16 级流水线上只有 16 个微批次时，所有前向都在第一个反向之前跑完，交错调度所存的并不比 1F1B 多。",
    }


def _note_total_flops(df: pd.DataFrame) -> dict[str, str]:
    return {
        "en": "P is the exact parameter count of the preset. GPT-3: Brown et al. 2020; 405B: Llama 3 paper. "
              "The ± column is the rounding of the printed total and token count.",
        "zh": "P 为预设模型的精确参数量。GPT-3 来自 Brown 等（2020）；405B 来自 Llama 3 论文。"
              "“±” 列是公开总量与 token 数的舍入误差。",
    }


def _note_llama_hours(df: pd.DataFrame) -> dict[str, str]:
    a100, h100 = _peak_tflops("A100"), _peak_tflops("H100")
    approx = [r.label for r in pub.GPU_HOUR_RUNS if r.tokens_approx]
    return {
        "en": f"Implied MFU = training FLOPs / (GPU-hours · 3600 · peak), peak {a100:g} (A100) or {h100:g} (H100) "
              f"TFLOP/s. The cards' hours include everything, not only steady-state steps. {' and '.join(approx)}: "
              f"the card gives the token count only roughly (\"~15T\").",
        "zh": f"反推 MFU = 训练 FLOPs / (GPU 小时 · 3600 · 峰值)，峰值 {a100:g}（A100）或 {h100:g}（H100）TFLOP/s。"
              f"模型卡的小时数包含全部开销，不只是稳定训练步。{' 与 '.join(approx)}：模型卡只给出大约的 token 数"
              f"(“~15T”)。",
    }


def _note_llama405b(df: pd.DataFrame) -> dict[str, str]:
    run = pub.LLAMA31_RUNS[2]
    long_mfu = [r.mfu_percent for r in pub.LLAMA3_TABLE4 if r.seq_len > 8192]
    eff = pub.LLAMA3_EFFECTIVE_TRAINING_TIME_MIN
    peak = _peak_tflops(run.chip)
    return {
        "en": f"Predicted = {_short_sci(run.total_flops)} / ({peak:g} TFLOP/s · MFU · 3600). The card's hours are higher "
              f"because they include all of training: the long-context phase at {_range(long_mfu, 'g')}% MFU, "
              f"annealing, failures and restarts; the paper reports higher than {eff:.0%} effective training time "
              f"(time on useful training over elapsed time, §3.3.4).",
        "zh": f"推算值 = {_short_sci(run.total_flops)} / ({peak:g} TFLOP/s · MFU · 3600)。模型卡的小时数更高，因为它包含整个"
              f"训练：{_range(long_mfu, 'g')}% MFU 的长上下文阶段、退火、故障与重启；论文报告的有效训练时间"
              f"（有用训练时间占总经过时间的比例，§3.3.4）高于 {eff:.0%}。",
    }


def _korthikanti_equal(df: pd.DataFrame) -> int:
    """How many llmcalc values of the implementation check equal the closed form (to ``EQUAL``)."""
    return int(sum((df[c].abs() < EQUAL * 100).sum() for c in ("TP only difference %", "TP+SP+selective difference %")))


def _note_korthikanti(df: pd.DataFrame) -> dict[str, str]:
    n_equal = _korthikanti_equal(df)
    chunked = [r.label for r in pub.KORTHIKANTI_TABLE3 if r.interleave > 1]
    m = sorted({r.interleave for r in pub.KORTHIKANTI_TABLE3 if r.interleave > 1})
    return {
        "en": f"An implementation check, not a fidelity check: Table 3 prints the layouts only, and the paper prints "
              f"no activation memory as numbers (its memory figures, Figures 1, 7 and 9, are plots). The closed form "
              f"is Equation 2 (TP only, sbh(10 + 24/t + 5as/(ht)) per layer) or Equation 6 (34·sbh/t), L layers' "
              f"worth on the first stage, × (1 + (p − 1)/(p·m)) for {' and '.join(chunked)} (m = "
              f"{', '.join(str(x) for x in m)} interleaved chunks, §6). llmcalc.activation_bytes (GPT-style layer, "
              f"16-bit values, 1-byte dropout masks) reproduces {n_equal} of {2 * len(df)} values. GiB = 2^30 bytes. "
              f"Whether a real layer stores this much is what `peak_training_bytes` against MemTracker answers.",
        "zh": f"这是实现检查，不是保真度检查：表 3 只给出布局，论文也没有以数字给出激活显存（它的显存图，即图 1、图 7、图 9，"
              f"只有图形）。"
              f"闭式公式为式 2（仅 TP，每层 sbh(10 + 24/t + 5as/(ht))）或式 6（34·sbh/t），第一级保存 L 层的量，"
              f"{' 与 '.join(chunked)} 再乘以 (1 + (p − 1)/(p·m))（m = {', '.join(str(x) for x in m)} 个层块，§6）。"
              f"llmcalc.activation_bytes（GPT 结构的层，16 位数值，1 字节 dropout 掩码）复现了 {2 * len(df)} 个值中的 "
              f"{n_equal} 个。GiB = 2^30 字节。真实的层是否保存这么多，要看 `peak_training_bytes` 对比 MemTracker 的结果。",
    }


# ----- the calibrated planner against every published run (issue 13) -------------------------------------

GOAL_MEDIAN, GOAL_WORST = 10.0, 25.0          # issue 13: held-out |error| median and worst, per cent


def _fit_script():
    """tools/fit_planner.py, whose ``fit_and_cross_validate`` is the one code path of the fit and its
    cross-validation (the script prints it, tests/fidelity/test_calibration.py asserts it)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("fit_planner", Path(__file__).resolve().parent / "fit_planner.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@functools.lru_cache(maxsize=None)
def _calibrated():
    from llmcalc import planner
    df = planner.published_comparison()
    cv = _fit_script().fit_and_cross_validate()["cv"]
    df = df.merge(cv[["run", "held_out_error"]], on="run")
    return df


@functools.lru_cache(maxsize=None)
def _later_release_errors() -> pd.DataFrame:
    """``llmcalc.planner.later_release_errors()`` once per report (a planner search per run): the validation table's
    last column and the note under it read the same frame, neither modifies it."""
    from llmcalc import planner
    return planner.later_release_errors()


def _comparison_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The README's columns of a ``llmcalc.planner.published_comparison`` table."""
    return pd.DataFrame({
        "run": df["run"], "framework": df["stack"], "chip": df["chip"],
        "GPUs": df["chips"], "layout": df["layout"], "GiB per chip": df["memory_gib"],
        "fits": ["yes" if x else "no" for x in df["fits"]],
        "MFU % reported, planner's count": 100 * df["reported_mfu"], "MFU % predicted": 100 * df["predicted_mfu"],
        "MFU % ideal bound": 100 * df["ideal_mfu"], "error %": 100 * df["error"],
    })


def calibrated_planner() -> pd.DataFrame:
    """Predicted vs reported for every published run: the calibrated planner (``llmcalc.kernels.FITTED``, fitted
    on all of them by ``tools/fit_planner.py``) and each run predicted with constants fitted without its source."""
    df = _calibrated()
    return _comparison_frame(df).assign(**{"held-out error %": 100 * df["held_out_error"].to_numpy()})


def validation_runs() -> pd.DataFrame:
    """Predicted vs reported for the runs the fit never sees (``llmcalc.published.VALIDATION_RUNS``), with the
    constants fitted on every run of ``PLANNER_RUNS``."""
    from llmcalc import planner
    df = _comparison_frame(planner.published_comparison(pub.VALIDATION_RUNS))
    later = _later_release_errors()
    later = later[~later["first"]]
    text = {run: ", ".join(f"{100 * e:+.1f} ({rel})" for rel, e in zip(g["release"], g["error"]))
            for run, g in later.groupby("run", sort=False)}
    return df.assign(**{"error % vs the same row in later releases": [text.get(r, "—") for r in df["run"]]})


def _selection_text() -> dict:
    """Which rows of NVIDIA's summary are validation runs (``llmcalc.published.NVIDIA_RELEASES`` and what is left out)."""
    rel = pub.NVIDIA_RELEASES
    left_en = " and ".join(f"the {r} {system} row of {model} ({en})" for r, system, model, en, _ in pub.NVIDIA_ROWS_LEFT_OUT)
    left_zh = "、".join(f" {r} 的 {system} {model} 一行（{zh}）" for r, system, model, _, zh in pub.NVIDIA_ROWS_LEFT_OUT)
    old_en = " and ".join(f"the {r} container ({en})" for r, en, _ in pub.NVIDIA_RELEASES_LEFT_OUT)
    old_zh = "、".join(f" {r} 容器（{zh}）" for r, _, zh in pub.NVIDIA_RELEASES_LEFT_OUT)
    return {"releases_en": " and ".join(rel), "releases_zh": " 与 ".join(rel), "left_en": left_en, "left_zh": left_zh,
            "old_en": old_en, "old_zh": old_zh}


def _oss_b200_numbers(rows: pd.DataFrame) -> dict:
    """GPT-OSS 120B's B200 validation row: GPUs, EP, the nodes its expert groups span, the error, and the share of the
    predicted step that is the exposed all-to-all."""
    from llmcalc import planner
    (run,) = [r for r in pub.VALIDATION_RUNS if r.label == rows["run"].iloc[0]]
    best = planner.predict_run(run)
    return {"run": run.label, "gpus": run.n_chips, "ep": run.ep,
            "nodes": run.ep // planner.run_chip(run).fast_domain, "err": float(rows["error %"].iloc[0]),
            "a2a_share": 100 * float(best["ep_comm_s"]) / float(best["step_s"])}


def _later_release_numbers(df: pd.DataFrame, small_run: str) -> dict:
    """``llmcalc.planner.later_release_errors``: how far NVIDIA's figure for one printed row moves across releases
    (largest over smallest − 1, of the other rows and of the small Qwen3's), and the validation set's median and worst
    |error| with each row taken at its latest release's figure."""
    lr = _later_release_errors()
    spread = lr.groupby("run")["reported_tokens_per_s_per_gpu"].agg(lambda x: x.max() / x.min() - 1.0)
    latest = lr.groupby("run").tail(1).set_index("run")["error"]
    errors = [100 * abs(latest[run]) if run in latest.index else abs(e) for run, e in zip(df["run"], df["error %"])]
    releases = sorted(set(lr.loc[~lr["first"], "release"]))
    return {"n_rows": len(spread), "first_rel": releases[0], "last_rel": releases[-1],
            "spread_other": 100 * spread.drop(small_run).max(), "spread_q30": 100 * spread[small_run],
            "n": len(errors), "med": float(pd.Series(errors).median()), "worst": max(errors)}


def _copy_pass_numbers(small_run: str) -> dict:
    """``llmcalc.planner.moe_copy_passes`` for the MoE runs of the validation set: the fitted passes, GPT-OSS's routed
    copies per layer and micro-batch, the range of the passes the unexplained time would take, and the small Qwen3's."""
    from llmcalc import kernels, planner
    cp = planner.moe_copy_passes()
    oss = cp[cp["run"].str.startswith("GPT-OSS")]["copies_mib"]
    return {"fitted": kernels.FITTED["elementwise_passes"], "oss_mib": float(oss.iloc[0]),
            "lo": float(cp["passes_to_explain"].min()), "hi": float(cp["passes_to_explain"].max()),
            "q30": float(cp.loc[cp["run"] == small_run, "passes_to_explain"].iloc[0]),
            "perm": planner.PERMUTATION_PASSES}


def _note_validation(df: pd.DataFrame) -> dict[str, str]:
    from llmcalc import hardware, kernels
    moe_labels = [r.label for r in pub.VALIDATION_RUNS
                  if r.source_key == "megatron_bridge" and pub.run_config(r).is_moe and r.chip == "H100"]
    oss_b200 = df[df["run"].isin([r.label for r in pub.VALIDATION_RUNS if r.source_key == "megatron_bridge"
                                  and pub.run_config(r).is_moe and r.chip == "B200"])]
    q3 = df[df["run"].isin([r.label for r in pub.VALIDATION_RUNS if r.source_key == "megatron_bridge_qwen3"])]
    q_small, q_big = q3.loc[q3["GPUs"].idxmin()], q3.loc[q3["GPUs"].idxmax()]
    q_more = q3[(q3["GPUs"] == q_big["GPUs"]) & (q3["run"] != q_big["run"])]
    q_more_en = "; ".join(f"{r['run']}, the same layout at another batch, {r['error %']:+.1f}%" for _, r in q_more.iterrows())
    q_more_zh = "；".join(f"{_zh_run(r['run'])}（同一布局、另一个批大小）为 {r['error %']:+.1f}%" for _, r in q_more.iterrows())
    ob = _oss_b200_numbers(oss_b200)
    sel = _selection_text()
    moe_all = df[df["run"].isin([r.label for r in pub.VALIDATION_RUNS if pub.run_config(r).is_moe])]["error %"]
    dense_labels = [r.label for r in pub.VALIDATION_RUNS if r.fp8 and not pub.run_config(r).is_moe and r.chip == "H100"]
    b2 = _b200_numbers(df)
    moe, dense = df[df["run"].isin(moe_labels)], df[df["run"].isin(dense_labels)]
    ds = _deepseek_numbers(df)
    worst = moe.loc[moe["error %"].abs().idxmax()]
    best = moe.loc[moe["error %"].abs().idxmin()]
    d_abs = dense["error %"].abs()
    d_med, d_worst = d_abs.median(), d_abs.max()
    d_lo, d_hi = dense["error %"].min(), dense["error %"].max()
    share = kernels.rates("H100").fp8_gemm_share
    ev = kernels.FP8_GEMM_EVIDENCE
    models = list(dict.fromkeys(run.split(",")[0] for run in dense["run"]))
    en_models = ", ".join(models[:-1]) + " and " + models[-1] if len(models) > 1 else models[0]
    peak = hardware.chip("H100").peak_flops / 1e12
    met = d_med <= GOAL_MEDIAN and d_worst <= GOAL_WORST
    goal_en = (f"{'within' if met else 'outside'} the planner's goal ({GOAL_MEDIAN:.0f}% median, {GOAL_WORST:.0f}% "
               f"worst)")
    goal_zh = f"{'在' if met else '不在'}规划器的目标（中位数 {GOAL_MEDIAN:.0f}%、最大 {GOAL_WORST:.0f}%）之内"
    moe_n = f"{len(moe)}"
    cp = _copy_pass_numbers(q_small["run"])
    lr = _later_release_numbers(df, q_small["run"])
    return {
        "en": f"These runs are in no fit (`llmcalc.published.VALIDATION_RUNS`, kept out of `PLANNER_RUNS`). NVIDIA's: "
              f"Megatron-Core through its Megatron-Bridge performance recipes on H100 and B200, from NVIDIA's own "
              f"performance summary: every DGX-H100 and DGX-B200 pre-training row of its {sel['releases_en']} containers "
              f"in BF16 or FP8 with current scaling whose model the workbook has, but {sel['left_en']}, where the printed "
              f"layout could have run and the release's recipe sets another, so which one ran is not settled (where a "
              f"printed layout cannot have run, the recipe's is taken); rows in MXFP8 (block-scaled, which the planner "
              f"does not model) and {sel['old_en']} are left out too. "
              f"**Dense Llama models in FP8 on H100** ({en_models}; {len(dense)} layouts; `fp8=True`: the layers' linear "
              f"GEMMs at the FP8 peak × the fitted share × {share:.3f}, the FP8-to-bf16 GEMM ratio of two published "
              f"microbenchmarks, DeepGEMM's {ev['fp8_tflops']:g} of {ev['fp8_peak_tflops']:g} TFLOP/s and the H100's "
              f"maximum achievable bf16 matmul, {ev['bf16_tflops']:g} of {ev['bf16_peak_tflops']:g}; `fp8_params=True`: "
              f"their weights kept and gathered in FP8, as the recipes' precision config sets, `fp8_param_gather`): errors "
              f"{d_lo:+.1f}% to {d_hi:+.1f}%, median |error| {d_med:.1f}%, worst {d_worst:.1f}%, {goal_en}. No constant is "
              f"fitted on them, but one modelling choice was made with them in view: the linear inputs kept in FP8 for the "
              f"weight gradients (as Transformer Engine keeps them) were added after the first comparison found the "
              f"larger layouts not fitting in memory and falling back to full recompute. MFU is "
              f"against the bf16 peak ({peak:g} TFLOP/s) throughout, so an FP8 run's ideal bound can exceed the bf16 peak. "
              f"**The same recipes on B200** (DGX-B200, NeMo {b2['release']}: {b2['runs_en']}), a chip whose kernel rates are "
              f"assumed, not sourced (attention at the fitted GEMM share; the bus fractions and the FP8 GEMM ratio the "
              f"H100's): errors {b2['errors']}, {b2['sign_en']}{b2['beyond_en']}. FlashAttention-4's authors find "
              f"Blackwell's attention limited by its exponential units and shared memory rather than by its tensor cores "
              f"(Zadouri et al. 2026), which attention at the GEMM share does not capture. The 405B layout (TP 4 × PP 8 × "
              f"CP 2 on 128 GPUs, no recomputation) fits, {b2['gib']:.0f} GiB of the {b2['usable']:.0f} GiB allowed, because "
              f"its weights are kept in FP8 as NVIDIA's recipe keeps them; with bf16 weights the estimate would be "
              f"{b2['gib_bf16']:.0f} GiB and the planner would reject the layout NVIDIA ran. "
              f"**A mixture-of-experts model in BF16** ({moe_n} layouts of GPT-OSS 120B, the routing force-balanced as "
              f"the planner assumes), with the recomputation NVIDIA's recipes set, Megatron-Core's `recompute_modules` "
              f"\"layernorm\" and \"moe_act\" (`recompute=\"{best['layout'].rsplit(' ', 1)[1]}\"`; the older "
              f"table's micro-batch of 4 with 2 accumulation steps cannot hold with PP 4 on 64 GPUs, and the release's "
              f"recipe runs 1): {best['run']} is predicted {best['error %']:+.1f}%, {worst['run']} "
              f"{worst['error %']:+.1f}%. The same model on {ob['gpus']} B200 ({ob['run']}: PP 1, EP {ob['ep']} over all "
              f"{ob['nodes']} nodes, the all-to-all not overlapped, as its recipe sets) is predicted {ob['err']:+.1f}%, "
              f"{ob['a2a_share']:.0f}% of its predicted step the exposed all-to-all. "
              f"The planner's MoE cost is the experts' GEMMs at their shapes, the all-to-all, "
              f"and the fitted {cp['fitted']:g} HBM passes over every stored activation, the k routed copies of each token "
              f"(the experts' inputs and outputs, {cp['oss_mib']:.0f} MiB a layer and micro-batch here) among them, which "
              f"is where moving the tokens to their experts and back is charged. The permutation is not what is missing: "
              f"the time these runs leave unexplained would take {cp['lo']:.0f} to {cp['hi']:.0f} more passes over those "
              f"copies across the MoE runs below (`planner.moe_copy_passes`), where a permute and an unpermute, forward "
              f"and backward, make {cp['perm']} in all. What is missing is not measured here: the host's launch time for an MoE "
              f"layer's many small kernels (NVIDIA's Megatron-Core MoE report lists CUDA Graphs among its computation "
              f"optimisations), grouped GEMMs below the dense share, attention sinks. For mixture-of-experts runs read "
              f"the prediction as optimistic, by as much as these rows show. "
              f"**DeepSeek-V3 in FP8 on {ds['gpus']:,} H800** (its technical report: {ds['rate']:,.0f} GPU-hours a trillion "
              f"tokens, the pre-training's average; PP{ds['pp']} × EP{ds['ep']} over {ds['nodes']} nodes, ZeRO-1, no TP), "
              f"with DeepSeek's stack as the report describes it (`stack=\"deepseek-v3\"`): DualPipe's bubble and its two "
              f"copies of the parameters, the all-to-all hidden behind compute that runs on {ds['free']} of the "
              f"{ds['units']} SMs, each token sent once to each other node its experts are on (node-limited routing, "
              f"{ds['groups']} of {ds['n_groups']} expert groups: {ds['remote']:.2f} other nodes on average against "
              f"{ds['remote_plain']:.2f} for plain top-{ds['k']}) with FP8 dispatch, and the report's memory savings: the "
              f"norms and MLA's up-projections recomputed and the SwiGLU's output rebuilt from FP8-cached inputs "
              f"(`recompute=\"{ds['policy']}\"`, the up-projections' matmuls charged again), the attention output kept "
              f"once in 12 bits, AdamW's moments in bf16. These were written for this run from the report's words; no "
              f"constant is fitted on it. The prediction is {ds['err']:+.1f}% and the planner's memory estimate "
              f"{ds['gib']:.0f} GiB of the {ds['usable']:.0f} GiB it allows, so the layout DeepSeek ran fits. It did not at "
              f"first: three changes, each taken from a public source and made after that first comparison, brought it "
              f"in. DualPipe's README gives every rank two stages, so each rank's own pair is counted (rank 0 the first "
              f"and the last, with the embedding, the head and the loss) and the heavier rank taken, rather than twice the "
              f"heaviest stage everywhere; Megatron-Core's layer spec fuses MLA's latent norms into the up-projections, "
              f"so rebuilding the up-projections rebuilds the norms' outputs too; and DeepEP's training example carries "
              f"the router's weights in the dispatch and sums plainly in the combine, so no expert output is kept for the "
              f"router's gradient (that the weights are applied inside the activation is assumed, not printed). Were the "
              f"expert outputs kept, the estimate would be {ds['gib_kept']:.0f} GiB and the layout rejected. (With full "
              f"recompute it would fit with room to spare, {ds['gib_full']:.0f} GiB, at {ds['err_full']:+.1f}%, an "
              f"agreement that rests on recomputation DeepSeek did not do; the reported rate here is the whole "
              f"pre-training stage's average, its batch ramp included, and the multi-token-prediction module is not "
              f"modelled.) "
              f"**Qwen3 in FP8** (NVIDIA's recipes of the same release: no recomputation, the all-to-all overlapped with "
              f"another micro-batch's compute, `stack=\"megatron-core-moe-overlap\"`): {q_big['run']}, whose expert groups "
              f"of {q_big['layout'].split(' EP')[1].split(' ')[0]} ranks are folded over TP and DP with each expert whole "
              f"on one rank (Megatron-Core's expert tensor parallelism, `etp=1`), is predicted {q_big['error %']:+.1f}%, "
              f"and {q_more_en}; "
              f"{q_small['run']} {q_small['error %']:+.1f}%. That smaller model's experts are narrow and its GEMMs "
              f"small, so whatever an MoE layer costs beyond its GEMMs, its all-to-all and its HBM traffic is a large "
              f"share of its step ({cp['q30']:.0f} more passes over its routed copies would be needed to explain it); "
              f"the next point release's table prints a much higher rate for the same printed "
              f"layout, so the measured rate itself is not settled. The last column sets {lr['n_rows']} rows beside the "
              f"same printed row in NVIDIA's later releases ({lr['first_rel']} to {lr['last_rel']}; "
              f"`llmcalc.published.LATER_RELEASE_FIGURES`): what the recipe does not print may have changed, and "
              f"NVIDIA's own figure moves by up to {lr['spread_other']:.0f}% for the other rows and by "
              f"{lr['spread_q30']:.0f}% for this one. With each row at its latest release's figure, the median |error| "
              f"over all {lr['n']} runs is {lr['med']:.1f}% and the worst {lr['worst']:.1f}%. Across these "
              f"mixture-of-experts runs, with the "
              f"recomputation each used, the planner's errors run from {moe_all.min():+.1f}% to {moe_all.max():+.1f}%"
              f"{', every one optimistic' if (moe_all > 0).all() else ''}: it does not yet predict mixture-of-experts "
              f"training.",
        "zh": f"这些训练不参与任何拟合（`llmcalc.published.VALIDATION_RUNS`，不在 `PLANNER_RUNS` 里）。NVIDIA 的：它自己的性能汇总里，"
              f"H100 与 B200 上通过 Megatron-Bridge 性能配方运行的 Megatron-Core：其 {sel['releases_zh']} 容器中，本书有预设的模型在 "
              f"DGX-H100 与 DGX-B200 上以 BF16 或 current scaling 的 FP8 预训练的每一行都在这里，只有{sel['left_zh']}除外："
              f"印出的布局可以运行，而该版本的配方设的是另一个，究竟跑的是哪个没有定论（印出的布局不可能运行时，取配方的布局）；"
              f"MXFP8 的行（分块缩放，规划器没有建模）和{sel['old_zh']}也不收。**H100 上 FP8 的稠密 Llama 模型**"
              f"（{'、'.join(models)}；"
              f"{len(dense)} 种布局；`fp8=True`：各层线性 GEMM 按 FP8 峰值 × 拟合比例 × {share:.3f} 计，后者是两个公开"
              f"微基准给出的 FP8 与 bf16 GEMM 之比：DeepGEMM 的 {ev['fp8_peak_tflops']:g} TFLOP/s 中 "
              f"{ev['fp8_tflops']:g}，H100 bf16 矩阵乘最大可达 {ev['bf16_peak_tflops']:g} 中 {ev['bf16_tflops']:g}；"
              f"`fp8_params=True`：这些权重本身也以 FP8 保存、以 FP8 all-gather，与配方的精度设置 `fp8_param_gather` 一致）："
              f"误差 {d_lo:+.1f}% 到 {d_hi:+.1f}%，|误差| 中位数 {d_med:.1f}%，最大 {d_worst:.1f}%，{goal_zh}。没有用它们拟合任何"
              f"常数，但有一处建模是看着它们做出的：线性层为权重梯度按 FP8 保存输入（Transformer Engine 的做法）这一项，是在第一次"
              f"对照发现较大的布局放不进显存、只能退回完全重计算之后才加上的。MFU 一律按 "
              f"bf16 峰值（{peak:g} TFLOP/s）计，所以 FP8 训练的理想上界可以超过 bf16 峰值。"
              f"**B200 上的同一批配方**（DGX-B200，NeMo {b2['release']}：{b2['runs_zh']}），这款芯片的内核速率是假设的，没有出处"
              f"（注意力按拟合的 GEMM 比例计，总线比例和 FP8 GEMM 之比沿用 H100 的）：误差 {b2['errors']}，{b2['sign_zh']}"
              f"{b2['beyond_zh']}。FlashAttention-4 的作者发现，Blackwell 上注意力受限于指数运算单元和共享内存，而不是张量核心"
              f"（Zadouri 等，2026），按 GEMM 比例计算注意力体现不了这一点。405B 的布局（128 张 GPU 上 TP 4 × PP 8 × CP 2，"
              f"不重计算）放得下，{b2['gib']:.0f} GiB，允许 {b2['usable']:.0f} GiB，因为它的权重按 NVIDIA 配方以 FP8 保存；"
              f"若权重为 bf16，估计为 {b2['gib_bf16']:.0f} GiB，规划器就会拒绝 NVIDIA 实际跑过的布局。"
              f"**BF16 的混合专家模型**（GPT-OSS 120B "
              f"的 {moe_n} 种布局，路由被强制均衡，与规划器的假设一致），重计算取 NVIDIA 配方所设的 Megatron-Core "
              f"`recompute_modules` 中的 \"layernorm\" 与 \"moe_act\"（`recompute=\"{best['layout'].rsplit(' ', 1)[1]}\"`；"
              f"较早那张表的微批次 4 加 2 步梯度累积在 64 张 GPU、PP 4 上不可能成立，那个版本的配方用 1）："
              f"{_zh_run(best['run'])} 的预测误差为 {best['error %']:+.1f}%，{_zh_run(worst['run'])} 为 "
              f"{worst['error %']:+.1f}%。同一模型在 {ob['gpus']} 张 B200 上（{_zh_run(ob['run'])}：PP 1，EP {ob['ep']} 跨全部 "
              f"{ob['nodes']} 个节点，all-to-all 按其配方不重叠）预测误差为 {ob['err']:+.1f}%，预测的一步里 "
              f"{ob['a2a_share']:.0f}% 是暴露的 all-to-all。"
              f"规划器的 MoE 代价是专家 GEMM（按其形状）、all-to-all，以及拟合的每个存储激活 "
              f"{cp['fitted']:g} 遍 HBM 读写，其中包括每个 token 被路由的 k 份副本（专家的输入和输出，这里每层每个微批次 "
              f"{cp['oss_mib']:.0f} MiB）：把 token 送到专家再收回的重排就计在这里。缺的不是重排：下面这些混合专家训练里"
              f"预测没有解释的时间，相当于在这些副本上再多读写 {cp['lo']:.0f} 到 {cp['hi']:.0f} 遍（`planner.moe_copy_passes`），"
              f"而一次 permute 加一次 unpermute，前向加反向，总共也只有 {cp['perm']} 遍。缺的是这里没有测量的部分：主机为 MoE 层大量小内核"
              f"发起启动的时间（NVIDIA 的 Megatron-Core MoE 报告把 CUDA Graphs 列为其计算方面的优化之一）、低于稠密份额的分组 "
              f"GEMM、注意力 sink。对混合专家训练，应把它的预测看作偏乐观，幅度见这些行。"
              f"**{ds['gpus']:,} 张 H800 上 FP8 训练的 DeepSeek-V3**（其技术报告：每万亿 token {ds['rate']:,.0f} GPU 小时，"
              f"是整个预训练的平均；PP{ds['pp']} × EP{ds['ep']}，跨 {ds['nodes']} 个节点，ZeRO-1，不用 TP），按报告描述的 DeepSeek "
              f"训练栈（`stack=\"deepseek-v3\"`）计算：DualPipe 的气泡和两份参数，all-to-all 藏在计算后面，而计算只用 "
              f"{ds['units']} 个 SM 中的 {ds['free']} 个；每个 token 只向其专家所在的每个其他节点发送一次（节点受限路由，"
              f"{ds['n_groups']} 个专家组中选 {ds['groups']} 个：平均 {ds['remote']:.2f} 个其他节点，普通 top-{ds['k']} 为 "
              f"{ds['remote_plain']:.2f} 个），dispatch 用 FP8；报告里省显存的做法也照用：重计算归一化和 MLA 的上投影，SwiGLU "
              f"的输出由以 FP8 缓存的输入重建（`recompute=\"{ds['policy']}\"`，上投影的矩阵乘再计一次），注意力输出只以 12 位"
              f"格式保存一份，AdamW 的矩用 bf16。这些是照报告的文字为这次训练写的；没有用它拟合任何常数。预测误差为 "
              f"{ds['err']:+.1f}%，规划器估计的显存为 {ds['gib']:.0f} GiB，在它允许的 {ds['usable']:.0f} GiB 之内，所以 DeepSeek "
              f"实际跑过的布局放得下。起初并非如此：第一次对照之后做了三处修改，每处都取自公开资料，才把它放了进去。DualPipe 的 "
              f"README 说每个 rank 持有两个 stage，所以规划器逐个 rank 计算它自己的那一对（rank 0 是第一个和最后一个 stage，"
              f"带词嵌入、输出层和损失），取较重的 rank，而不是让每个 rank 都持有最重 stage 的两倍；Megatron-Core 的层规格把 MLA "
              f"的潜变量归一化融合进上投影，所以重计算上投影时归一化的输出也一并重建；DeepEP 的训练示例在 dispatch 里携带路由器的"
              f"权重，combine 只做简单求和，所以不为路由器的梯度保存专家输出（权重在激活函数里施加，这一点是假设，报告没有印出）。"
              f"若保存专家输出，估计为 {ds['gib_kept']:.0f} GiB，这个布局就会被拒绝。（改用完全重计算则绰绰有余，"
              f"{ds['gib_full']:.0f} GiB，误差 {ds['err_full']:+.1f}%，但这个吻合依赖 DeepSeek 并没有做的重计算。）"
              f"（这里的公布速率是整个预训练阶段的平均，包括批大小爬升的阶段；多 token 预测模块也没有建模。）"
              f"**FP8 的 Qwen3**（同一版本的 NVIDIA 配方：不重计算，all-to-all 与另一个微批次的计算重叠，"
              f"`stack=\"megatron-core-moe-overlap\"`）：{_zh_run(q_big['run'])} 的专家组含 "
              f"{q_big['layout'].split(' EP')[1].split(' ')[0]} 个 rank，折叠在 TP 与 DP 之上，每个专家完整地放在一个 rank 上"
              f"（Megatron-Core 的专家张量并行，`etp=1`），预测误差为 {q_big['error %']:+.1f}%，{q_more_zh}；"
              f"{_zh_run(q_small['run'])} 为 "
              f"{q_small['error %']:+.1f}%。后者的专家很窄、GEMM 很小，MoE 层在 GEMM、all-to-all 和 HBM 读写之外的开销在它的"
              f"一步里占了很大比重（要解释它，需要在路由副本上再多读写 {cp['q30']:.0f} 遍）；下一个小版本的表格对同样印出的布局给出高得多的速率，可见实测速率本身也还没有定论。最后一列把 {lr['n_rows']} 行与 NVIDIA 后续版本（{lr['first_rel']} 至 {lr['last_rel']}；"
              f"`llmcalc.published.LATER_RELEASE_FIGURES`）中印出的同一行并列：配方没有印出的部分可能变了，NVIDIA 自己对同一行"
              f"的数字，其他行最多变动 {lr['spread_other']:.0f}%，这一行变动 {lr['spread_q30']:.0f}%。每行取其最新版本的数字，"
              f"全部 {lr['n']} 次训练的 |误差| 中位数为 {lr['med']:.1f}%，最大 {lr['worst']:.1f}%。在这些混合专家"
              f"训练上，按各自实际的重计算，规划器的误差从 {moe_all.min():+.1f}% 到 {moe_all.max():+.1f}%"
              f"{'，全部偏乐观' if (moe_all > 0).all() else ''}：它还不能预测混合专家模型的训练。",
    }


def _default_headroom() -> float:
    import inspect

    from llmcalc import planner
    return inspect.signature(planner.search).parameters["headroom"].default


def _b200_numbers(df: pd.DataFrame) -> dict:
    """The B200 validation rows: their errors, and the 405B layout's memory with and without FP8 weights."""
    from llmcalc import planner
    runs = [r for r in pub.VALIDATION_RUNS if r.chip == "B200" and not pub.run_config(r).is_moe]
    rows = df.set_index("run").loc[[r.label for r in runs]]
    big = max(runs, key=lambda r: r.n_chips)
    bf16_weights = planner.predict_run(big, fp8_params=False, recompute=["none"])
    errs = rows["error %"]
    names_en = [f"{r.label.split(',')[0]} on {r.n_chips}" for r in runs]
    names_zh = [f"{r.label.split(',')[0]}，{r.n_chips} 张" for r in runs]
    over = errs[errs.abs() > GOAL_WORST]
    releases = {r.label.split("NeMo ")[1].split(",")[0] for r in runs}
    return dict(
        release="/".join(sorted(releases)), runs_en=", ".join(names_en), runs_zh="；".join(names_zh),
        errors=" and ".join(f"{e:+.1f}%" for e in errs) if len(errs) == 2 else ", ".join(f"{e:+.1f}%" for e in errs),
        sign_en="both optimistic" if (errs > 0).all() else "of both signs",
        sign_zh="都偏乐观" if (errs > 0).all() else "有正有负",
        beyond_en=(f", the largest beyond the {GOAL_WORST:.0f}% target" if len(over) else
                   f", within the {GOAL_WORST:.0f}% target"),
        beyond_zh=(f"，最大的超出 {GOAL_WORST:.0f}% 的目标" if len(over) else f"，在 {GOAL_WORST:.0f}% 的目标之内"),
        gib=float(rows.loc[big.label, "GiB per chip"]), usable=float(planner.run_chip(big).hbm_bytes * (1 - _default_headroom()) / 2**30),
        gib_bf16=float(bf16_weights["memory_gib"]),
    )


def _deepseek_numbers(df: pd.DataFrame) -> dict:
    """DeepSeek-V3's validation row, its layout at full recompute, and the routing figures the note quotes."""
    import dataclasses

    from llmcalc import hardware, kernels, planner
    (run,) = [r for r in pub.VALIDATION_RUNS if r.source_key == "deepseek_v3"]
    row = df[df["run"] == run.label].iloc[0]
    full = planner.published_comparison([dataclasses.replace(run, recompute="full")]).iloc[0]
    cfg = pub.run_config(run)
    st = planner.STACKS[run.stack]
    units = kernels.rates(run.chip).units
    nodes = run.ep // hardware.chip(run.chip).fast_domain
    return {"gpus": run.n_chips, "rate": run.reported, "pp": run.pp, "ep": run.ep, "nodes": nodes, "k": cfg.k,
            "units": units, "free": units - st.comm_units, "groups": cfg.groups_per_token, "n_groups": cfg.routing_groups,
            "remote": (nodes - 1) * kernels.expert_domain_share(cfg.E, cfg.k, nodes, cfg.routing_groups,
                                                                cfg.groups_per_token),
            "remote_plain": (nodes - 1) * kernels.expert_domain_share(cfg.E, cfg.k, nodes),
            "err": float(row["error %"]), "gib": float(row["GiB per chip"]), "policy": run.recompute,
            "gib_kept": float(planner.predict_run(run, stack=dataclasses.replace(st, moe_probs_in_activation=False))[
                "memory_gib"]),
            "usable": planner.run_chip(run).hbm_bytes * (1 - inspect.signature(planner.search).parameters[
                "headroom"].default) / 2**30,
            "err_full": 100 * float(full["error"]), "gib_full": float(full["memory_gib"])}


def _calibration_numbers(df: pd.DataFrame) -> dict:
    from llmcalc import kernels, planner
    err, held = df["error %"].abs(), df["held-out error %"].abs()
    return {"x": kernels.FITTED["matmul_fraction"], "e": kernels.FITTED["elementwise_passes"], "n": len(df),
            "sources": len({r.source_key for r in pub.PLANNER_RUNS}), "med": err.median(), "worst": err.max(),
            "hmed": held.median(), "hworst": held.max(), "fits": int((df["fits"] == "yes").sum()),
            "over": df.loc[held.idxmax(), "run"],
            "met": held.median() <= GOAL_MEDIAN and held.max() <= GOAL_WORST,
            "met_median": held.median() <= GOAL_MEDIAN, "met_worst": held.max() <= GOAL_WORST,
            "gm": GOAL_MEDIAN, "gw": GOAL_WORST, "step": planner.FRACTIONS[1] - planner.FRACTIONS[0],
            "pstep": planner.PASSES[1] - planner.PASSES[0], "slower": _mtnlg_slower(df),
            "llama_v": _llama_interleave(df), **_llama_8k_interleaved(), **_without_llama3_128k(df),
            **_llama_128k_causal(df)}


def _goal_text(c: dict, lang: str) -> str:
    """Which half of the held-out goal (median, worst) is met, in words."""
    if lang == "en":
        words = {True: "met", False: "not met"}
        return f"median {words[c['met_median']]}, worst {words[c['met_worst']]}"
    words = {True: "达到", False: "未达到"}
    return f"中位数{words[c['met_median']]}，最大误差{words[c['met_worst']]}"


def fp8_speedup_pairs() -> pd.DataFrame:
    """FP8 over bf16 on one layout, predicted and measured (``llmcalc.planner.fp8_speedup_comparison``)."""
    from llmcalc import planner
    df = planner.fp8_speedup_comparison()
    return pd.DataFrame({
        "run": df["run"], "tokens/s per GPU bf16, predicted": df["predicted bf16"],
        "tokens/s per GPU FP8, predicted": df["predicted FP8"],
        "tokens/s per GPU bf16, measured": df["measured bf16"], "tokens/s per GPU FP8, measured": df["measured FP8"],
        "speed-up predicted": df["predicted speed-up"], "speed-up measured": df["measured speed-up"],
        "speed-up error %": 100 * df["error"], "speed-up error % at the NVL peak": 100 * df["error at the NVL peak"],
    })


def _note_fp8_pairs(df: pd.DataFrame) -> dict[str, str]:
    lo, hi = df["speed-up error %"].min(), df["speed-up error %"].max()
    lo_n, hi_n = df["speed-up error % at the NVL peak"].min(), df["speed-up error % at the NVL peak"].max()
    over = (df["tokens/s per GPU bf16, predicted"] / df["tokens/s per GPU bf16, measured"] - 1) * 100
    model = df["run"].iloc[0].split(",")[0].replace("torchtitan ", "")
    hbm, bw, watts = (pub.TORCHTITAN_H100_HBM_BYTES / 1e9, pub.TORCHTITAN_H100_HBM_BYTES_PER_S / 1e12,
                      pub.TORCHTITAN_H100_POWER_W)
    return {
        "en": f"The torchtitan team ran {model} twice on the same H100s, in bf16 and with Float8 linear layers "
              f"(torchao), FSDP with torch.compile. Its H100s are not the SXM the planner knows ({hbm:g} GB of HBM2e at "
              f"{bw:g} TB/s, a {watts} W limit, a peak FLOP/s between the SXM's and the NVL's that the benchmark does not "
              f"print), so the absolute rate is not compared: at the SXM's peak the planner is {over.min():+.0f}% to "
              f"{over.max():+.0f}% above the measured bf16 rate, which says as much about the unknown peak as about the "
              f"model. The ratio of the two runs hardly depends on the peak, and it tests what `fp8=True` adds: the "
              f"predicted FP8 speed-up is {lo:+.1f}% to {hi:+.1f}% off the measured one at the SXM's peak, {lo_n:+.1f}% "
              f"to {hi_n:+.1f}% at the NVL's. These runs are in no fit.",
        "zh": f"torchtitan 团队在同一批 H100 上把 {model} 跑了两次：bf16 一次，线性层用 Float8（torchao）一次，都是 "
              f"FSDP 加 torch.compile。这批 H100 不是规划器认识的 SXM 版（{hbm:g} GB HBM2e、{bw:g} TB/s、功耗上限 {watts} W，"
              f"峰值算力介于 SXM 与 NVL 之间，基准没有给出），所以不比较绝对速率：按 SXM 的峰值，规划器比实测的 bf16 速率高 "
              f"{over.min():+.0f}% 到 {over.max():+.0f}%，这更多反映了未知的峰值，而不是模型本身。两次运行之比几乎与峰值"
              f"无关，它检验的正是 `fp8=True` 增加的部分：按 SXM 的峰值，预测的 FP8 加速比与实测相差 {lo:+.1f}% 到 "
              f"{hi:+.1f}%，按 NVL 的峰值相差 {lo_n:+.1f}% 到 {hi_n:+.1f}%。这些运行不参与任何拟合。",
    }


def _zh_run(label: str) -> str:
    """A published run's label as Chinese prose writes it ("Llama 3 405B, 8K context, 8,192 GPUs" ->
    "Llama 3 405B，8K 上下文，8,192 张 GPU"; "(SP + selective)" -> "（SP + 选择性重计算）")."""
    import re
    zh = label.replace(" context, ", " 上下文, ").replace(" GPUs", " 张 GPU").replace(" (SP + selective)", "（SP + 选择性重计算）")
    zh = zh.replace(", GBS ", ", 全局批大小 ")
    zh = re.sub(r", (\d+) (A100|H100|H800|B200)", r", \1 张 \2", zh)      # GPUs count in 张, chips in 块 (glossary)
    zh = re.sub(r", (\d+) (TPU v4)", r", \1 块 \2", zh)
    return re.sub(r",(?!\d{3})\s*", "，", zh)


def _llama_interleave(df: pd.DataFrame) -> str:
    """The interleaving depth the planner picked for Llama 3's 16,384-GPU rows (Meta prints none)."""
    import re
    vs = sorted({int(m.group(1)) for lay in df.loc[df["run"].str.contains("16,384"), "layout"]
                 for m in [re.search(r"×v(\d+)", lay)] if m})
    return "/".join(str(x) for x in vs) or "1"


def _without_llama3_128k(df: pd.DataFrame) -> dict:
    """Held-out worst |error| over the runs other than Llama 3's 128K-context row, and which run it is; the 8,192-GPU
    row's held-out error."""
    rest = df[~(df["run"].str.startswith("Llama 3") & df["run"].str.contains("128K"))]
    held = rest["held-out error %"].abs()
    l8k = df.loc[df["run"].str.startswith("Llama 3") & df["run"].str.contains("8,192"), "held-out error %"].iloc[0]
    return {"rest_n": len(rest), "rest_worst": held.max(), "rest_over": rest.loc[held.idxmax(), "run"], "l8k_err": l8k}


def _llama_128k_causal(df: pd.DataFrame) -> dict:
    """Llama 3's 128K-context row: its held-out error, and what it would be if Meta's printed TFLOP/s counted only the
    causal half of the attention scores (llmcalc's exact causal FLOPs) instead of PaLM's 6N + 12·L·H·Q·T."""
    from llmcalc import flops, params
    r = next(x for x in pub.PLANNER_RUNS if x.source_key == "llama3_2024" and x.seq_len > 8192)
    cfg = pub.run_config(r)
    palm = 6 * params.param_count(cfg) + 12 * cfg.L * cfg.N * cfg.H * r.seq_len
    causal = 3 * sum(flops.forward_flops_breakdown(cfg, 1, r.seq_len, causal=True).values()) / r.seq_len
    err = df.loc[df["run"] == r.label, "held-out error %"].iloc[0]
    return {"l128_err": err, "l128_causal_err": 100 * ((1 + err / 100) * causal / palm - 1)}


def _llama_8k_interleaved() -> dict:
    """Memory of Llama 3's 8,192-GPU layout with the deepest interleaving the planner tries (v = 8: the least
    memory of the interleaved schedules), against what the planner allows (HBM less its headroom), GiB."""
    from llmcalc import planner
    r = next(x for x in pub.PLANNER_RUNS if x.source_key == "llama3_2024" and x.n_chips == 8192)
    c = planner.run_chip(r)
    row = planner.layout(pub.run_config(r), c, r.n_chips, r.global_batch * r.seq_len, r.seq_len, tp=r.tp, pp=r.pp,
                         cp=r.cp, zero=r.zero, sp=r.sp, micro_batch=r.micro_batch, interleave=8)
    headroom = inspect.signature(planner.layout).parameters["headroom"].default
    return {"l8k_gib": float(row["memory_gib"]), "l8k_usable": c.hbm_bytes * (1 - headroom) / 2**30}


def _mtnlg_slower(df: pd.DataFrame) -> float:
    """How much slower MT-NLG's 2240-GPU run is than Megatron-LM's 530B benchmark (Table 1), same TP8 × PP35
    layout, in per cent of MFU (both with the planner's FLOP count)."""
    mfu = df.set_index("run")["MFU % reported, planner's count"]
    return 100 * (1 - mfu["MT-NLG 530B, 2240 GPUs"] / mfu["Megatron-LM 529.6B"])


def _note_calibrated(df: pd.DataFrame) -> dict[str, str]:
    from llmcalc import planner
    c = _calibration_numbers(df)
    met_en = {(True, True): "meets the goal", (True, False): "meets the median goal but not the worst-case goal",
              (False, True): "meets the worst-case goal but not the median goal",
              (False, False): "meets neither goal"}[(c["met_median"], c["met_worst"])]
    met_zh = {(True, True): "两项目标都达到了", (True, False): "中位数的目标达到了，最大误差的目标没有达到",
              (False, True): "最大误差的目标达到了，中位数的目标没有达到",
              (False, False): "两项目标都没有达到"}[(c["met_median"], c["met_worst"])]
    return {
        "en": f"Calibrated planner (the default of `planner.search` and `planner.layout`): two constants fitted on "
              f"all {c['n']} runs of {c['sources']} sources by `tools/fit_planner.py` (a GEMM reaches "
              f"{c['x']:.2f} of peak before tile and wave losses; {c['e']:g} HBM passes over each stored "
              f"activation), attention kernels at their published rates (charged the work FlashAttention counts them in, "
              f"a backward pass of {planner.FLASH_BACKWARD_FORWARDS:g} forwards of score matmuls with its recompute of "
              f"QKᵀ; the planner charged {planner.FLASH_BACKWARD_FORWARDS - 0.5:g} until this was found while examining "
              f"the 128K-context row), collectives at measured bus bandwidth, "
              f"what each framework overlaps (`stack=`). Without sequence parallelism the `megatron-lm-2021` and "
              f"`deepspeed` stacks send each pipeline stage's output split over its TP ranks, 1/TP a rank, and the "
              f"next stage all-gathers it (Megatron-LM's scatter/gather, on by default since February 2021; DeepSpeed's "
              f"partitioned pipeline sends); the planner charged whole sends, although the stack's description named "
              f"the optimisation, until this was found while examining why the pipelined Megatron-LM rows were "
              f"predicted too slow. MFU is counted the planner's way (causal attention "
              f"where the kernel skips the masked half), reported MFU converted from each source's printed "
              f"throughput with its own FLOP count. In sample the median error is {c['med']:.1f}% and the worst "
              f"{c['worst']:.1f}%; held out by source (refitted without the run's source, the fit's own grid of "
              f"{c['step']:.2f} × {c['pstep']:g} passes) {c['hmed']:.1f}% and {c['hworst']:.1f}% ({c['over']}): against the "
              f"goal of {c['gm']:g}% median and {c['gw']:g}% worst on held-out runs, the model {met_en}; the "
              f"other {c['rest_n']} runs are within {c['rest_worst']:.1f}% held out ({c['rest_over']}). Llama 3's runs "
              f"use Meta's stack as the paper describes it (§3.3.2; `stack=\"meta-llama3\"`): asynchronous pipeline "
              f"sends and FSDP's prefetch hidden, context parallelism's all-gather exposed ('exposed in the critical "
              f"path'), no tensor-parallel overlap described and so none credited, fp32 gradient accumulation and "
              f"reduce-scatter. Where it is still off: Llama 3's 128K-context row ({c['l128_err']:+.1f}% held out) is "
              f"predicted faster than Meta's printed 380 TFLOP/s per GPU taken with PaLM's FLOP count, 6N + 12·L·H·Q·T "
              f"(the paper cites Chowdhery et al. for MFU and prints no count of its own), which counts every T × T "
              f"score; had Meta counted the causal half, the same figure would put the prediction at "
              f"{c['l128_causal_err']:+.1f}%. At 8K the paper's 'the first model chunk on the first stage has only the "
              f"embedding', once one layer is removed, means one layer per chunk: interleaving depth 8 over 16 stages, "
              f"which the planner takes for the 16,384-GPU row; for the 8,192-GPU row (32 micro-batches) v = 8 needs "
              f"{c['l8k_gib']:.0f} GiB of the {c['l8k_usable']:.0f} GiB the planner allows (Meta's schedule with a "
              f"tunable number of contiguous micro-batches is not modelled), so it falls back to 1F1B (v = 1) and is "
              f"{abs(c['l8k_err']):.1f}% slow. MT-NLG ran the same layout as Megatron-LM's 530B benchmark "
              f"{c['slower']:.0f}% slower (DeepSpeed's pipeline engine, a production run), which no published fact "
              f"explains. Megatron-LM's largest models run faster than predicted (one GEMM share for all shapes). "
              f"{c['fits']}/{c['n']} published layouts fit in memory.",
        "zh": f"校准后的规划器（`planner.search` 与 `planner.layout` 的默认）：两个常数由 `tools/fit_planner.py` "
              f"在 {c['sources']} 个来源的全部 {c['n']} 次训练上拟合（GEMM 在 tile 与 wave 损失之前达到峰值的 "
              f"{c['x']:.2f}；每个保存的激活值经过 {c['e']:g} 次 HBM 读写），注意力算子按公开的速率（按 FlashAttention 计这些速率时的"
              f"工作量计时：反向为前向分数矩阵乘的 {planner.FLASH_BACKWARD_FORWARDS:g} 倍，含重计算 QKᵀ；检查 128K 上下文那一行时"
              f"才发现此前只计了 {planner.FLASH_BACKWARD_FORWARDS - 0.5:g} 倍），集合通信按实测"
              f"总线带宽，并按各框架的重叠方式（`stack=`）计算。不用序列并行时，`megatron-lm-2021` 与 `deepspeed` "
              f"两个栈把每个流水线 stage 的输出按 TP rank 切开发送，每个 rank 发 1/TP，下一个 stage 再 all-gather 拼回"
              f"（Megatron-LM 的 scatter/gather，自 2021 年 2 月起默认开启；DeepSpeed 流水线的分片发送）；规划器此前按整块发送计费，"
              f"尽管栈的说明里已写明这项优化，直到检查流水线化的 Megatron-LM 各行为何预测偏慢时才发现。MFU 按规划器的口径（算子跳过掩码一半时按因果注意力"
              f"计），公开 MFU 由各来源印出的吞吐按其自己的 FLOPs 计数换算。样本内误差中位数 {c['med']:.1f}%，"
              f"最大 {c['worst']:.1f}%；按来源留出（去掉该来源重新拟合，用拟合本身的网格，步长 {c['step']:.2f} × "
              f"{c['pstep']:g} 次读写）为 {c['hmed']:.1f}% 与 {c['hworst']:.1f}%（{_zh_run(c['over'])}）。对照留出数据上"
              f"中位数 {c['gm']:g}%、最大 {c['gw']:g}% 的目标：{met_zh}；其余 {c['rest_n']} 次训练留出误差都在 "
              f"{c['rest_worst']:.1f}% 以内（{_zh_run(c['rest_over'])}）。Llama 3 的几次训练按论文描述的 Meta 自己的栈计算"
              f"（§3.3.2；`stack=\"meta-llama3\"`）：流水线的异步发送与 FSDP 的预取被隐藏，上下文并行的 all-gather 暴露"
              f"（“暴露在关键路径上”），论文没有描述张量并行的重叠，因此不计入重叠，梯度以 fp32 累加并以 fp32 做 "
              f"reduce-scatter。仍有偏差之处：Llama 3 的 128K 上下文那一行（留出 {c['l128_err']:+.1f}%）预测得比 Meta 印出的"
              f"每卡 380 TFLOP/s 快；这个数按 PaLM 的 FLOPs 计数 6N + 12·L·H·Q·T 换算（论文引 Chowdhery 等人定义 MFU，"
              f"没有给出自己的计数），它把 T × T 个分数全部计入；假如 Meta 只计因果的一半，同一个数会让预测误差变成 "
              f"{c['l128_causal_err']:+.1f}%。8K 时，论文说去掉一层之后“第一级上的第一个模型块只有嵌入层”，意味着每块一层："
              f"16 级流水线、交错深度 8，规划器在 16,384 张 GPU 那一行正是取的这个深度；8,192 张 GPU 那一行（32 个微批次）"
              f"v = 8 需要 {c['l8k_gib']:.0f} GiB，超过规划器允许的 {c['l8k_usable']:.0f} GiB（Meta 那种连续微批次数 N "
              f"可调的调度没有建模），于是退回 1F1B（v = 1），预测偏慢 {abs(c['l8k_err']):.1f}%。MT-NLG 与 Megatron-LM 的 "
              f"530B 基准布局相同，却慢了 {c['slower']:.0f}%（DeepSpeed 的流水线引擎、正式训练），没有哪一条公开的事实能解释。"
              f"Megatron-LM 最大的几个模型比预测快（所有形状共用一个 GEMM 效率）。{c['fits']}/{c['n']} 个公开布局能放进显存。",
    }



# ----- how the tables are printed ----------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    """One table function and how it is printed: titles per language, a note computed from the table, and
    column views."""

    build: Callable[[], pd.DataFrame]
    title: dict[str, str]
    note: Callable[[pd.DataFrame], dict[str, str]]
    views: tuple[tuple[str, ...], ...]  # each view is one Markdown table; the first column is repeated


_S, _V = pub.MEGATRON_SEQ_LEN, pub.MEGATRON_VOCAB
SECTIONS: tuple[Section, ...] = (
    Section(
        megatron_table1,
        {"en": f"Megatron-LM, Narayanan et al. 2021, Table 1 (GPT-style, T {_S}, V {_V}, A100, full recompute)",
         "zh": f"Megatron-LM（Narayanan 等，2021）表 1（GPT 结构，T {_S}，V {_V}，A100，完全重计算）"},
        _note_megatron,
        (("model", "L", "D", "N", "params exact (B)", "params reported (B)", "params error %",
          "params rounding ± %", "FLOPs/iter llmcalc, full recompute", "FLOPs/iter Megatron formula",
          "FLOPs error %"),
         ("model", "GPUs", "TP", "PP", "DP", "batch (sequences)", "TFLOP/s per GPU reported",
          "aggregate PFLOP/s = TFLOP/s × GPUs", "aggregate PFLOP/s reported", "aggregate error %",
          "% of peak = TFLOP/s / peak", "% of peak reported", "model TFLOP/s per GPU", "MFU %")),
    ),
    Section(
        llama3_table4,
        {"en": "Llama 3 paper, Table 4 (405B on H100s)", "zh": "Llama 3 论文表 4（405B，H100）"},
        _note_llama3,
        (("layout", "GPUs", "TP", "CP", "PP", "DP printed (v3)", "DP printed (before v3)", "DP consistent",
          "TP·CP·PP·DP consistent", "TP·CP·PP·DP printed before v3", "T", "sequences per step",
          "batch size/DP printed", "sequences per DP (consistent DP)"),
         ("layout", "TFLOP/s per GPU reported", "MFU % = TFLOP/s / peak", "MFU % reported", "MFU diff (points)",
          "exact FLOPs per token / 6P", "step s at reported TFLOP/s")),
    ),
    Section(
        planner_fidelity.megatron_table1,
        {"en": "llmcalc.planner vs Megatron-LM Table 1: hardware TFLOP/s per GPU for each published layout",
         "zh": "llmcalc.planner 对比 Megatron-LM 表 1：每个公开布局的每 GPU 硬件 TFLOP/s"},
        _note_planner_megatron,
        (("model", "TP", "PP", "DP", "GPUs", "planner micro-batch", "planner interleave", "planner GiB per GPU",
          "planner TFLOP/s per GPU (ideal kernels)", "TFLOP/s per GPU reported", "reported / planner"),),
    ),
    Section(
        planner_fidelity.megatron_elementwise_sensitivity,
        {"en": "How the Megatron-LM comparison depends on the planner's assumed HBM passes over stored activations",
         "zh": "Megatron-LM 对照结果如何随规划器假设的激活值 HBM 读写次数变化"},
        _note_sensitivity,
        (("elementwise passes (assumed)", "reported / planner median", "min", "max", "spread % of median",
          "largest distance from median %"),),
    ),
    Section(
        planner_fidelity.llama3_table4,
        {"en": "llmcalc.planner vs Llama 3 Table 4: MFU of 405B for each published layout",
         "zh": "llmcalc.planner 对比 Llama 3 表 4：405B 在每个公开布局下的 MFU"},
        _note_planner_llama3,
        (("layout", "GPUs", "TP", "CP", "PP", "DP", "planner MFU % (v = 1)", "planner best v",
          "planner MFU % (best v)", "MFU % reported", "reported / planner (best v)",
          "planner GiB per GPU (best v)", "fits H100 less 10%"),),
    ),
    Section(
        calibrated_planner,
        {"en": "llmcalc.planner, calibrated, vs every published run: predicted and reported MFU, error, held out",
         "zh": "校准后的 llmcalc.planner 对比每次公开训练：预测与公开的 MFU、误差、留出误差"},
        _note_calibrated,
        (("run", "framework", "chip", "GPUs", "layout", "GiB per chip", "fits", "MFU % reported, planner's count",
          "MFU % predicted", "MFU % ideal bound", "error %", "held-out error %"),),
    ),
    Section(
        validation_runs,
        {"en": "llmcalc.planner, calibrated, vs runs no fit has seen: NVIDIA's H100 and B200 benchmarks (Llama 3 in "
               "FP8, mixture-of-experts models in BF16 and FP8) and DeepSeek-V3 in FP8 on H800",
         "zh": "校准后的 llmcalc.planner 对比任何拟合都没见过的训练：NVIDIA 的 H100 与 B200 基准（FP8 的 Llama 3、BF16 与 FP8 "
               "的混合专家模型）与 H800 上 FP8 训练的 DeepSeek-V3"},
        _note_validation,
        (("run", "framework", "chip", "GPUs", "layout", "GiB per chip", "fits", "MFU % reported, planner's count",
          "MFU % predicted", "MFU % ideal bound", "error %", "error % vs the same row in later releases"),),
    ),
    Section(
        fp8_speedup_pairs,
        {"en": "FP8 over bf16 on the same layout: llmcalc.planner's speed-up vs torchtitan's measured pairs (H100)",
         "zh": "同一布局下 FP8 相对 bf16 的加速：llmcalc.planner 的预测对比 torchtitan 成对的实测（H100）"},
        _note_fp8_pairs,
        (("run", "tokens/s per GPU bf16, predicted", "tokens/s per GPU FP8, predicted", "tokens/s per GPU bf16, measured",
          "tokens/s per GPU FP8, measured", "speed-up predicted", "speed-up measured", "speed-up error %",
          "speed-up error % at the NVL peak"),),
    ),
    Section(
        total_flops,
        {"en": "Total training FLOPs: 6·P·tokens vs published", "zh": "训练总 FLOPs：6·P·tokens 对比公开值"},
        _note_total_flops,
        (("run", "P exact (B)", "tokens", "FLOPs 6·P·tokens", "FLOPs reported", "FLOPs error %",
          "rounding ± %"),),
    ),
    Section(
        llama_hours,
        {"en": "LLaMA 2 and LLaMA 3.1: MFU implied by the model cards' GPU-hours",
         "zh": "LLaMA 2 与 LLaMA 3.1：由模型卡 GPU 小时反推的 MFU"},
        _note_llama_hours,
        (("run", "chip", "GPU-hours reported", "tokens", "T", "FLOPs 6·P·tokens", "implied MFU % (6P)",
          "implied MFU % (exact, causal)"),),
    ),
    Section(
        llama405b_hours,
        {"en": "LLaMA 3.1-405B: GPU-hours from Table 4's MFU vs the model card",
         "zh": "LLaMA 3.1-405B：由表 4 的 MFU 推算 GPU 小时，对比模型卡"},
        _note_llama405b,
        (("layout", "MFU % reported", "GPU-hours predicted", "GPU-hours reported (card)", "GPU-hours error %"),),
    ),
    Section(
        korthikanti_implementation_check,
        {"en": "Korthikanti et al. 2022, Table 3 layouts: activations per GPU of the first pipeline stage "
               "(implementation check)",
         "zh": "Korthikanti 等（2022）表 3 的布局：流水线第一级每张 GPU 的激活值（实现检查）"},
        _note_korthikanti,
        (("model", "TP", "PP", "GPUs", "micro-batch", "chunks", "TP only GiB llmcalc", "TP only GiB closed form",
          "TP only difference %", "TP+SP+selective GiB llmcalc", "TP+SP+selective GiB closed form",
          "TP+SP+selective difference %"),),
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
                          "DP printed (v3)", "DP printed (before v3)", "DP consistent", "TP·CP·PP·DP consistent",
                          "TP·CP·PP·DP printed before v3", "batch size/DP printed",
                          "sequences per step", "micro-batch", "chunks", "GPU-hours reported",
                          "TFLOP/s per GPU reported", "MFU % reported", "% of peak reported")},
    "params exact (B)": ".3f", "params reported (B)": ".1f", "params error %": "+.2f", "params rounding ± %": ".2f",
    "FLOPs/iter llmcalc, full recompute": "sci", "FLOPs/iter Megatron formula": "sci", "FLOPs error %": "+.3f",
    "aggregate PFLOP/s = TFLOP/s × GPUs": ".2f", "aggregate PFLOP/s reported": ".1f", "aggregate error %": "+.2f",
    "% of peak = TFLOP/s / peak": ".1f", "model TFLOP/s per GPU": ".1f", "MFU %": ".1f",
    "sequences per DP (consistent DP)": "g", "MFU % = TFLOP/s / peak": ".1f", "MFU diff (points)": "+.2f",
    "exact FLOPs per token / 6P": ".3f", "step s at reported TFLOP/s": ".2f",
    "P exact (B)": ".2f", "tokens": "T", "FLOPs 6·P·tokens": "sci", "FLOPs reported": "sci",
    "rounding ± %": ".2f", "implied MFU % (6P)": ".1f", "implied MFU % (exact, causal)": ".1f",
    "GPU-hours predicted": "M", "GPU-hours reported (card)": "M", "GPU-hours error %": "+.1f",
    "TP only GiB llmcalc": ".4f", "TP only GiB closed form": ".4f", "TP only difference %": "+.2g",
    "TP+SP+selective GiB llmcalc": ".4f", "TP+SP+selective GiB closed form": ".4f",
    "TP+SP+selective difference %": "+.2g",
    "planner micro-batch": "int", "planner interleave": "int", "planner GiB per GPU": ".1f",
    "planner TFLOP/s per GPU (ideal kernels)": ".1f", "reported / planner": ".3f",
    "elementwise passes (assumed)": "g", "reported / planner median": ".3f", "min": ".3f", "max": ".3f",
    "spread % of median": ".1f", "largest distance from median %": ".1f",
    "planner MFU % (v = 1)": ".1f", "planner best v": "int", "planner MFU % (best v)": ".1f",
    "reported / planner (best v)": ".3f", "planner GiB per GPU (best v)": ".1f", "fits H100 less 10%": "str",
    "GiB per chip": ".1f", "MFU % reported, planner's count": ".1f", "MFU % predicted": ".1f", "MFU % ideal bound": ".1f", "error %": "+.1f",
    "held-out error %": "+.1f",
    "tokens/s per GPU bf16, predicted": ",.0f", "tokens/s per GPU FP8, predicted": ",.0f",
    "tokens/s per GPU bf16, measured": ",.0f", "tokens/s per GPU FP8, measured": ",.0f",
    "speed-up predicted": ".3f", "speed-up measured": ".3f", "speed-up error %": "+.1f",
    "speed-up error % at the NVL peak": "+.1f",
}

# column names in the Chinese README (numbers and symbols stay as they are)
ZH: dict[str, str] = {
    "check": "检查", "compared with": "对照", "result": "结果",
    "model": "模型", "layout": "布局", "run": "训练", "chip": "芯片", "GPUs": "GPU 数",
    "batch (sequences)": "批大小（序列）",
    "params exact (B)": "精确参数量（B）", "params reported (B)": "论文参数量（B）", "params error %": "参数误差 %",
    "params rounding ± %": "参数舍入 ± %",
    "FLOPs/iter llmcalc, full recompute": "每步 FLOPs，llmcalc，完全重计算", "FLOPs/iter Megatron formula":
    "每步 FLOPs，Megatron 公式", "FLOPs error %": "FLOPs 误差 %",
    "TFLOP/s per GPU reported": "论文每 GPU TFLOP/s", "aggregate PFLOP/s = TFLOP/s × GPUs": "总 PFLOP/s = TFLOP/s × GPU 数",
    "aggregate PFLOP/s reported": "论文总 PFLOP/s", "aggregate error %": "总量误差 %",
    "% of peak = TFLOP/s / peak": "峰值占比 % = TFLOP/s / 峰值", "% of peak reported": "论文峰值占比 %",
    "model TFLOP/s per GPU": "每 GPU 模型 TFLOP/s", "MFU %": "MFU %",
    "DP printed (v3)": "论文 DP（v3）", "DP printed (before v3)": "论文 DP（v3 之前）", "DP consistent": "自洽的 DP",
    "TP·CP·PP·DP consistent": "TP·CP·PP·DP（自洽）", "TP·CP·PP·DP printed before v3": "TP·CP·PP·DP（v3 之前的印刷值）",
    "sequences per step": "每步序列数", "batch size/DP printed": "论文每 DP 批大小",
    "sequences per DP (consistent DP)": "每个 DP 组的序列数（自洽 DP）",
    "MFU % = TFLOP/s / peak": "MFU % = TFLOP/s / 峰值", "MFU % reported": "论文 MFU %", "MFU diff (points)": "MFU 差（百分点）",
    "exact FLOPs per token / 6P": "每 token 精确 FLOPs / 6P", "step s at reported TFLOP/s": "按论文 TFLOP/s 的步时（秒）",
    "P exact (B)": "精确 P（B）", "tokens": "token 数", "FLOPs 6·P·tokens": "FLOPs 6·P·tokens",
    "FLOPs reported": "公开 FLOPs", "rounding ± %": "舍入 ± %",
    "GPU-hours reported": "公开 GPU 小时", "implied MFU % (6P)": "反推 MFU %（6P）",
    "implied MFU % (exact, causal)": "反推 MFU %（精确，因果）",
    "GPU-hours predicted": "推算 GPU 小时", "GPU-hours reported (card)": "模型卡 GPU 小时",
    "GPU-hours error %": "GPU 小时误差 %", "micro-batch": "微批次大小", "chunks": "层块数",
    "TP only GiB llmcalc": "仅 TP，llmcalc（GiB）", "TP only GiB closed form": "仅 TP，闭式公式（GiB）",
    "TP only difference %": "仅 TP 差异 %",
    "TP+SP+selective GiB llmcalc": "TP+SP+选择性，llmcalc（GiB）",
    "TP+SP+selective GiB closed form": "TP+SP+选择性，闭式公式（GiB）",
    "TP+SP+selective difference %": "TP+SP+选择性 差异 %",
    "planner micro-batch": "规划器微批次大小", "planner interleave": "规划器交错深度", "planner GiB per GPU": "规划器每 GPU GiB",
    "planner TFLOP/s per GPU (ideal kernels)": "规划器每 GPU TFLOP/s（理想内核）", "reported / planner": "论文 / 规划器",
    "elementwise passes (assumed)": "HBM 读写次数（假设）", "reported / planner median": "论文 / 规划器 中位数",
    "min": "最小", "max": "最大", "spread % of median": "极差占中位数 %",
    "largest distance from median %": "离中位数最大距离 %",
    "planner MFU % (v = 1)": "规划器 MFU %（v = 1）", "planner best v": "规划器最佳 v",
    "planner MFU % (best v)": "规划器 MFU %（最佳 v）", "reported / planner (best v)": "论文 / 规划器（最佳 v）",
    "planner GiB per GPU (best v)": "规划器每 GPU GiB（最佳 v）", "fits H100 less 10%": "能否放入 H100（留 10%）",
    "framework": "框架", "GiB per chip": "每芯片 GiB", "MFU % reported, planner's count": "公开 MFU %（规划器口径）", "fits": "放得下", "MFU % predicted": "预测 MFU %",
    "MFU % ideal bound": "理想上界 MFU %", "error %": "误差 %", "held-out error %": "留出误差 %",
    "error % vs the same row in later releases": "对后续版本同一行的误差 %", "source": "来源",
    "tokens/s per GPU bf16, predicted": "每卡每秒 token 数 bf16，预测", "tokens/s per GPU FP8, predicted":
    "每卡每秒 token 数 FP8，预测", "tokens/s per GPU bf16, measured": "每卡每秒 token 数 bf16，实测",
    "tokens/s per GPU FP8, measured": "每卡每秒 token 数 FP8，实测", "speed-up predicted": "加速比，预测",
    "speed-up measured": "加速比，实测", "speed-up error %": "加速比误差 %",
    "speed-up error % at the NVL peak": "加速比误差 %（按 NVL 峰值）",
}

# yes/no cells in the Chinese README
ZH_CELLS: dict[str, str] = {"yes": "是", "no": "否", "True": "是", "False": "否"}

_TEXT = {
    "en": {"intro": "Generated by `tools/fidelity_report.py` from `llmcalc.published` (figures papers and model cards "
                    "print, each with its paper and table) and `llmcalc.measured` (this project's own measurements); "
                    "`tests/fidelity` asserts the error bounds and keeps this block current, prose included. "
                    "Error % = (predicted − reported) / reported.",
           "summary": "What each comparison below is checked against",
           "more": "more columns"},
    "zh": {"intro": "由 `tools/fidelity_report.py` 根据 `llmcalc.published`（论文与模型卡印出的数字，每条记录注明论文与"
                    "表格）和 `llmcalc.measured`（本项目自己的测量）生成；`tests/fidelity` 检查误差界并保证本节（包括文字）"
                    "与之一致。误差 % = (预测 − 公开值) / 公开值。",
           "summary": "下面每项对照的依据",
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
    word = (lambda text: ZH_CELLS.get(text, text)) if lang == "zh" else (lambda text: text)
    numeric = [not all(isinstance(v, str) for v in df[c]) for c in columns]
    lines = ["| " + " | ".join(name(c) for c in columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(word(_cell(c, row[c])) for c in columns) + " |")
    return "\n".join(lines)


def _object_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Keep Python values as they are (None stays None, ints stay ints) while iterating rows."""
    return df.astype(object).where(df.notna(), None)


def render(lang: str = "en", sections: tuple[Section, ...] | None = None, with_summary: bool | None = None) -> str:
    """The summary table, then every table of ``sections`` (default ``SECTIONS``) as Markdown, with ###
    headings and the computed note under each; ends with a newline. ``with_summary`` defaults to True for
    the default sections."""
    if lang not in _TEXT:
        raise ValueError(f"lang must be one of {sorted(_TEXT)}, got {lang!r}")
    if with_summary is None:
        with_summary = sections is None
    out = [_TEXT[lang]["intro"], ""]
    if with_summary:
        out += [f"### {_TEXT[lang]['summary']}", "", markdown_table(summary(lang), ("check", "compared with", "result"),
                                                                    lang), ""]
    for section in SECTIONS if sections is None else sections:
        built = section.build()
        df = _object_frame(built)
        out += [f"### {section.title[lang]}", ""]
        named = {c for view in section.views for c in view}
        views = list(section.views)
        extra = [c for c in df.columns if c not in named]
        if extra:  # a column added to the table but named in no view: print it rather than drop it
            views.append((df.columns[0], *extra))
        for view in views:
            out += [markdown_table(df, view, lang), ""]
        out += [section.note(built)[lang], ""]
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
