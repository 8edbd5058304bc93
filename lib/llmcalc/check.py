"""Self-check for students: ``llmcalc.check("405b.params", answer)`` says right or wrong, never the answer.

Each key names one exercise of the workbook. Its expected value is computed by llmcalc when asked
(nothing is stored as a literal), compared with the student's number within a stated relative
tolerance, and a wrong answer gets a hint that points at the idea, not at the number.

    >>> check("405b.params", 405e9)        # doctest: +SKIP
    ✅ Right, within 1% of the exact answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from . import _validate as v


@dataclass(frozen=True)
class Answer:
    """One checkable exercise: how to compute it, how close counts as right, and hints (en, zh)."""

    compute: Callable[[], float]
    rtol: float
    hint: str
    hint_zh: str
    unit: str = ""


def _p(name):
    from .models import preset
    return preset(name)


def _registry() -> dict[str, Answer]:
    from . import flops, memory, params, sharding, timecost

    return {
        # chapter 01
        "405b.params": Answer(lambda: params.param_count(_p("llama-3.1-405b")), 0.01,
                              "Add the three MLP matrices (3·D·F), GQA attention (2·D·N·H + 2·D·K·H) per layer, "
                              "and both V·D tables (untied).",
                              "每层加上三个 MLP 矩阵 (3·D·F) 和 GQA 注意力 (2·D·N·H + 2·D·K·H),再加上两张 V·D 表(不共享)。",
                              "parameters"),
        "gemma2.tying_saves": Answer(lambda: _p("gemma-2-9b").V * _p("gemma-2-9b").D, 0.001,
                                     "Tying removes one V × D matrix: the LM head reuses the embedding table.",
                                     "共享词嵌入省掉一个 V × D 矩阵:输出层复用输入的词表。", "parameters"),
        "mixtral.active_fraction": Answer(lambda: params.active_param_count(_p("mixtral-8x7b")) / params.param_count(_p("mixtral-8x7b")),
                                          0.02, "Each token runs k = 2 of the E = 8 experts, but attention, embeddings "
                                          "and norms are always used.",
                                          "每个 token 只经过 E = 8 个专家中的 k = 2 个,但注意力、词嵌入和归一化层总会用到。", "fraction"),
        # chapter 02
        "405b.flops_per_token": Answer(lambda: flops.flops_per_token(_p("llama-3.1-405b")), 0.02,
                                       "Training costs 6 FLOPs per parameter per token: 2 forward, 4 backward.",
                                       "训练时每个参数每个 token 约 6 次浮点运算:前向 2 次,反向 4 次。", "FLOPs"),
        "405b.total_flops": Answer(lambda: flops.training_flops_6p(_p("llama-3.1-405b"), 15e12), 0.03,
                                   "Multiply FLOPs per token by the 15T training tokens.",
                                   "把每 token 的 FLOPs 乘以 15T 个训练 token。", "FLOPs"),
        "405b.h100_for_90_days": Answer(lambda: timecost.chips_for_days(flops.training_flops_6p(_p("llama-3.1-405b"), 15e12),
                                                                        90, "H100", 0.4), 0.05,
                                        "chips = total FLOPs / (days · 86,400 s · C · MFU), with C = 9.89e14 FLOP/s.",
                                        "芯片数 = 总 FLOPs / (天数 · 86,400 秒 · C · MFU),其中 C = 9.89e14 FLOP/s。", "chips"),
        "l3_70b.days_on_v5p_pod": Answer(lambda: timecost.training_days(flops.training_flops_6p(_p("llama-3-70b"), 15e12),
                                                                        8960, "TPU v5p", 0.4), 0.05,
                                         "days = 6·P·tokens / (chips · C · MFU · 86,400).",
                                         "天数 = 6·P·tokens / (芯片数 · C · MFU · 86,400)。", "days"),
        "l3_70b.slide_overcount": Answer(lambda: params.slide_formula_count(_p("llama-3-70b")) - params.param_count(_p("llama-3-70b")),
                                         0.01, "The slide formula gives K and V projections D × D each; with GQA they are D × K·H.",
                                         "课件公式把 K、V 投影都当成 D × D;GQA 下它们是 D × K·H。", "parameters"),
        "l2_70b.gqa_attention_params_per_layer": Answer(lambda: params.attention_params_per_layer(_p("llama-2-70b")), 0.01,
                                                        "Q and O are D × N·H; K and V are D × K·H with K = 8.",
                                                        "Q 和 O 是 D × N·H;K 和 V 是 D × K·H,K = 8。", "parameters"),
        "qwen72b.q_proj_flops": Answer(lambda: flops.matmul_flops(4 * 32768, 8192, 64 * 128), 0.01,
                                       "A matmul [m, k] × [k, n] costs 2·m·k·n FLOPs; here m = batch · sequence.",
                                       "矩阵乘 [m, k] × [k, n] 需要 2·m·k·n 次浮点运算;这里 m = batch · 序列长度。", "FLOPs"),
        "l3_70b.days_on_225_chips": Answer(lambda: timecost.training_days(6.3e24, 225, "TPU v5p", 0.4), 0.03,
                                           "Same FLOPs, 225 chips instead of 8960: the time scales with 8960 / 225.",
                                           "总 FLOPs 不变,芯片从 8960 变成 225:时间按 8960 / 225 放大。", "days"),
        "llama2_70b.implied_mfu": Answer(lambda: timecost.implied_mfu(6 * params.param_count(_p("llama-2-70b")) * 2e12, 1_720_320, "A100"),
                                         0.03, "MFU = 6·P·tokens / (GPU-hours · 3600 · 312e12).",
                                         "MFU = 6·P·tokens / (GPU 小时 · 3600 · 312e12)。", "fraction"),
        "a100x128.cost_30_days": Answer(lambda: timecost.cost(128 * 30 * 24, 10.0), 0.01,
                                        "GPU-hours = GPUs × days × 24; multiply by the price per GPU-hour.",
                                        "GPU 小时 = 卡数 × 天数 × 24,再乘以每 GPU 小时的价格。", "dollars"),
        # chapter 03
        "zero3.7_5b_64gpus_gb": Answer(lambda: memory.model_state_bytes(7.5e9, "mixed", 3, 64) / 1e9, 0.02,
                                       "ZeRO-3 shards all 16 bytes per parameter over the 64 data-parallel GPUs.",
                                       "ZeRO-3 把每个参数的全部 16 字节切分到 64 张数据并行的卡上。", "GB"),
        "llama7b.course_slide_gib": Answer(lambda: memory.course_slide_bytes(_p("llama-2-7b"), 2, 8, 2048)["total"] / 2**30,
                                           0.02, "16P/N + 2LBTH + 12BTV + 6, with every term in GiB.",
                                           "16P/N + 2LBTH + 12BTV + 6,每一项都按 GiB 计。", "GiB"),
        "405b.zero3_16k_gb": Answer(lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "mixed", 3, 16384) / 1e9, 0.02,
                                    "16 bytes per parameter, all of them sharded over the 16,384 GPUs.",
                                    "每个参数 16 字节,全部切分到 16,384 张卡上。", "GB"),
        "llama7b.min_a100_zero3": Answer(lambda: next(n for n in range(1, 65) if memory.fits(memory.training_bytes_per_device(
                                             _p("llama-2-7b"), 1, 4096, zero_stage=3, dp=n, recompute="full")["total"], "A100")),
                                         0.0, "ZeRO-3 divides the 16 bytes per parameter by the number of GPUs; activations "
                                         "with full recompute are small.",
                                         "ZeRO-3 把每参数 16 字节除以卡数;完全重计算时激活值很小。", "GPUs"),
        # chapter 04
        "v5p_pod.min_fsdp_batch": Answer(lambda: sharding.dp_critical_tokens_per_chip("TPU v5p", axes=3) * 8960, 0.02,
                                         "Pure FSDP needs more than C/W tokens per chip (850 over three ICI axes) on every chip.",
                                         "纯 FSDP 要求每块芯片的 token 数超过 C/W(三个 ICI 轴上是 850)。", "tokens"),
        "llama3_70b.max_batch_only_fsdp": Answer(lambda: sharding.max_data_parallel_degree(4 * 2**20, 4096), 0.0,
                                                 "Sharding only the batch axis, each chip needs at least one whole sequence.",
                                                 "只沿批次维切分时,每块芯片至少要拿到一整条序列。", "chips"),
        "pp16_m64.bubble": Answer(lambda: sharding.pipeline_bubble_fraction(16, 64), 0.01,
                                  "Idle share of a 1F1B step: (p − 1) / (m + p − 1).",
                                  "1F1B 流水线每步的空闲占比:(p − 1) / (m + p − 1)。", "fraction"),
        # chapter 05
        "405b.params_by_hand": Answer(lambda: params.param_count(_p("llama-3.1-405b")), 0.005,
                                      "MLP 3DF·L + attention L(2DNH + 2DKH) + vocabulary 2VD + norms (2L + 1)D.",
                                      "MLP 3DF·L + 注意力 L(2DNH + 2DKH) + 词表 2VD + 归一化 (2L + 1)D。", "parameters"),
        "405b.meta_flops": Answer(lambda: flops.training_flops_6p(_p("llama-3.1-405b"), 15.6e12), 0.02,
                                  "6 · P · 15.6T tokens.", "6 · P · 15.6T 个 token。", "FLOPs"),
        "405b.card_cost": Answer(lambda: timecost.cost(30.84e6, 2.0), 0.01,
                                 "GPU-hours from the model card × $2 per H100-hour.",
                                 "模型卡上的 GPU 小时 × 每 H100 小时 2 美元。", "dollars"),
    }


_ANSWERS: dict[str, Answer] | None = None


def answers() -> dict[str, Answer]:
    """All checkable exercises by key (built on first use, so ``import llmcalc`` stays fast)."""
    global _ANSWERS
    if _ANSWERS is None:
        _ANSWERS = _registry()
    return _ANSWERS


def is_right(key: str, answer) -> bool:
    """True when ``answer`` is within the exercise's relative tolerance of llmcalc's value."""
    a = answers()
    if key not in a:
        raise v.unknown_name("exercise key", key, list(a))
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        raise ValueError(f"answer must be a finite number, got {answer!r}")
    expected = a[key].compute()
    return math.isclose(answer, expected, rel_tol=a[key].rtol)


def check(key: str, answer, lang: str = "en") -> bool | None:
    """Print whether ``answer`` is right for exercise ``key`` (and a hint if not); never print the value.

    ``answer = ...`` (the placeholder) prints a reminder and returns None instead of failing.
    """
    zh = lang == "zh"
    if answer is Ellipsis:
        print("✍️  把 ... 换成你的答案,再运行这个单元。" if zh else "✍️  Replace ... with your answer, then run this cell again.")
        return None
    a = answers().get(key)
    try:
        ok = is_right(key, answer)
    except ValueError as e:
        print(f"⚠️  {e}")
        return False
    pct = f"{a.rtol:.0%}" if a.rtol >= 0.01 else f"{a.rtol:.1%}"
    if ok and a.rtol == 0:
        print("✅ 正确。" if zh else "✅ Right.")
    elif ok:
        print(f"✅ 正确:与精确答案相差不超过 {pct}。" if zh else f"✅ Right, within {pct} of the exact answer.")
    else:
        tol = ("须完全一致" if zh else "must be exact") if a.rtol == 0 else (f"容差 {pct}" if zh else f"tolerance {pct}")
        print(f"❌ 还不对({tol})。提示:{a.hint_zh}" if zh else f"❌ Not yet ({tol}). Hint: {a.hint}")
    return ok
