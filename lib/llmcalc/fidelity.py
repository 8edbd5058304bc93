"""The planner against published training runs: what :mod:`llmcalc.planner` predicts for the layouts
in Megatron-LM's Table 1 (Narayanan et al. 2021) and the Llama 3 paper's Table 4, next to what was
reported. Used by chapter 5, ``tools/fidelity_report.py`` (the README) and ``tests/fidelity``.

These tables use the planner's ideal bound (``ideal=True``: matmuls at peak, links at line rate; the
Megatron-LM 2021 stack, nothing overlapped but the gradient reduction; 4 HBM passes assumed), so its
throughput is what the layout allows; the calibrated prediction and its errors on every published run are
:func:`llmcalc.planner.published_comparison`; the ratio reported / predicted is the share of that the run reached — the kernel
efficiency the planner does not know. If the planner's layout model (bubble, communication, memory
traffic) is right, that ratio is about the same for every row on the same hardware and software;
its spread is the test of the model. No constant is fitted to the published figures, but one assumed
constant matters: the planner's non-matmul term (every stored activation crossing HBM
``elementwise_passes`` times a step, 4 by default, + 2 with full recompute) has no measurement behind it,
and the spread of the ratios depends on it. :func:`megatron_elementwise_sensitivity` shows by how much.
"""

from __future__ import annotations

import statistics

import pandas as pd

from . import planner, published as pub
from .models import preset


def _best(df: pd.DataFrame) -> pd.Series:
    """The fastest layout that fits; if none fits (the estimate says so), the fastest one at all."""
    fits = df[df["rejected"] == ""]
    return (fits if len(fits) else df).iloc[0]


ELEMENTWISE_PASSES_ASSUMED = 4.0  # the planner's default: an assumption, not a measurement
ELEMENTWISE_PASSES_SWEEP = (0.0, 2.0, 4.0, 6.0, 8.0)


def megatron_table1(elementwise_passes: float = ELEMENTWISE_PASSES_ASSUMED) -> pd.DataFrame:
    """Planner vs Narayanan et al. 2021, Table 1: hardware TFLOP/s per GPU for each published layout.

    Each row's TP, PP, GPUs and batch are fixed as published (T = 2048, V = 51200, A100); the planner
    chooses what the paper tuned but Table 1 does not print (micro-batch size, interleaving). As the
    paper ran: full recompute, fp32 gradients (18 bytes per parameter), no ZeRO, no sequence parallelism,
    attention without a fused kernel (score tensors stored and recomputed), the full T×T scores counted
    (the paper's formula). The paper's TFLOP/s count the recomputed forward, so they are compared with
    the planner's hardware FLOP/s (HFU × peak). ``elementwise_passes`` goes to the planner (full recompute
    adds 2 to it).
    """
    rows = []
    for r in pub.MEGATRON_TABLE1:
        cfg = pub.megatron_config(r)
        df = planner.search(cfg, pub.MEGATRON_CHIP, r.gpus, r.batch_size * pub.MEGATRON_SEQ_LEN,
                            pub.MEGATRON_SEQ_LEN, tp=r.tp, pp=r.pp, cp=1, zero=0, sp=False,
                            recompute="full", attention="eager", causal=False, regime="mixed_fp32_grads",
                            elementwise_passes=elementwise_passes, include_rejected=True, ideal=True,
                            stack="megatron-lm-2021")
        best = _best(df)
        predicted = best["hfu"] * pub.MEGATRON_PEAK_TFLOPS
        rows.append({
            "model": r.label, "TP": r.tp, "PP": r.pp, "DP": r.dp, "GPUs": r.gpus,
            "planner micro-batch": int(best["micro_batch"]), "planner interleave": int(best["interleave"]),
            "planner GiB per GPU": float(best["memory_gib"]),
            "planner TFLOP/s per GPU (ideal kernels)": float(predicted),
            "TFLOP/s per GPU reported": r.tflops_per_gpu,
            "reported / planner": r.tflops_per_gpu / float(predicted),
        })
    return pd.DataFrame(rows)


def ratio_spread(ratios) -> dict:
    """Median, min, max of reported / predicted ratios; ``spread_percent`` = (max − min) / median × 100 and
    ``worst_from_median_percent`` = the largest |ratio / median − 1| × 100."""
    values = sorted(float(x) for x in ratios)
    if not values:
        raise ValueError("ratios must hold at least one value")
    mid = statistics.median(values)
    return {"median": mid, "min": values[0], "max": values[-1],
            "spread_percent": (values[-1] - values[0]) / mid * 100,
            "worst_from_median_percent": max(abs(x / mid - 1) for x in values) * 100}


def megatron_elementwise_sensitivity(passes=ELEMENTWISE_PASSES_SWEEP) -> pd.DataFrame:
    """How the Megatron Table 1 result depends on the planner's assumed HBM passes over stored activations.

    For each ``elementwise_passes`` value (full recompute adds 2 to it in the planner), the ten ratios
    reported / planner TFLOP/s of :func:`megatron_table1`: median, min, max, (max − min) / median and the
    largest distance from the median, in per cent. A flat spread over the values would mean the result does
    not hang on the assumption; it does.
    """
    rows = []
    for x in passes:
        spread = ratio_spread(megatron_table1(elementwise_passes=x)["reported / planner"])
        rows.append({"elementwise passes (assumed)": float(x),
                     "reported / planner median": spread["median"], "min": spread["min"], "max": spread["max"],
                     "spread % of median": spread["spread_percent"],
                     "largest distance from median %": spread["worst_from_median_percent"]})
    return pd.DataFrame(rows)


def llama3_table4() -> pd.DataFrame:
    """Planner vs the Llama 3 paper, Table 4: MFU of LLaMA 3.1-405B on H100 for each published layout.

    TP, CP, PP, T and the 2^24-token batch as published, DP the value consistent with the GPU count
    (``dp_consistent``: the paper's versions before v3 print DP 4 for the 128K row); micro-batch 1 (16 or 32 micro-batches per
    pipeline, as the batch allows), no recompute (the paper trained 8K without activation checkpointing),
    sequence parallelism, flash attention, causal scores, ZeRO-1 or 2 over DP. The paper does not print
    the interleaving depth v, so the table shows the planner at v = 1 (plain 1F1B) and at its best v.
    The best v is the fastest valid layout whether or not its memory estimate fits (the published layouts ran);
    memory: the planner's estimate for it, and whether that fits the H100's exposed bytes less 10% headroom.
    """
    cfg = preset("llama-3.1-405b")
    rows = []
    for r in pub.LLAMA3_TABLE4:
        df = planner.search(cfg, r.chip, r.gpus, r.batch_tokens, r.seq_len, tp=r.tp, pp=r.pp, cp=r.cp,
                            zero=[1, 2], sp=True, micro_batch=1, recompute="none", include_rejected=True,
                            ideal=True, stack="megatron-lm-2021", elementwise_passes=ELEMENTWISE_PASSES_ASSUMED)
        # the ceiling: the fastest valid layout whether or not the planner's memory estimate fits (Meta's
        # layouts ran, while the estimate rejects the interleaved ones); "fits" says what the estimate says
        valid = df[df["rejected"].isin(["", planner.REASONS[4]])].sort_values("step_s", kind="stable")
        plain = valid[valid["interleave"] == 1].iloc[0]
        best = valid.iloc[0]
        rows.append({
            "layout": r.label, "GPUs": r.gpus, "TP": r.tp, "CP": r.cp, "PP": r.pp, "DP": r.dp_consistent,
            "planner MFU % (v = 1)": 100 * float(plain["mfu"]),
            "planner best v": int(best["interleave"]),
            "planner MFU % (best v)": 100 * float(best["mfu"]),
            "MFU % reported": r.mfu_percent,
            "reported / planner (best v)": r.mfu_percent / (100 * float(best["mfu"])),
            "planner GiB per GPU (best v)": float(best["memory_gib"]),
            "fits H100 less 10%": bool(best["fits"]),
        })
    return pd.DataFrame(rows)
