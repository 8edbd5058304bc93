"""Self-check for students: ``llmcalc.check("405b.params", answer)`` says right or wrong, never the answer.

Each key names one exercise of the workbook. Its expected value is computed by llmcalc when asked
(nothing is stored as a literal), compared with the student's answer within a stated relative
tolerance, and a wrong answer gets the expected unit and form again plus a hint that points at the
idea, not at the number.

Every key says what kind of answer it wants, in English and Chinese: ``unit``/``unit_zh`` ("TB") and
``form``/``form_zh`` ("in TB" / "以 TB 为单位", "as a fraction, e.g. 0.125 (not 12.5%)"); the chapter's
question names the same phrase. Numeric keys take any real number (Python, numpy scalars of any
width, 0-d arrays, Fraction, Decimal); yes/no keys (``kind == "bool"``) take ``True`` or ``False``.
An answer that is right up to a unit factor (percent for a fraction, ×10^3, ×2^10, ×10^6, ×10^9,
×10^12, GiB for GB, TiB for TB) is told "right number, wrong unit" without the value.

    >>> check("405b.params", 405e9)        # doctest: +SKIP
    ✅ Right, within 1% of the exact answer.
    >>> check("405b.states_tb_16b", 6494)   # doctest: +SKIP
    ❌ Right number, wrong unit: give it in TB.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass
from typing import Callable

from . import _validate as v


@dataclass(frozen=True)
class Answer:
    """One checkable exercise: how to compute it, how close counts as right, hints (en, zh), and the
    unit and form the answer is given in (en, zh).

    ``kind`` is "number" (a real number, compared within ``rtol``) or "bool" (a yes/no question, answered
    ``True`` or ``False``; ``rtol`` is unused). ``form``/``form_zh`` are the phrases the chapter's question
    uses ("in TB" / "以 TB 为单位"); they give a generic example where one helps, never the answer.
    """

    compute: Callable[[], float | bool]
    rtol: float
    hint: str
    hint_zh: str
    unit: str = ""
    unit_zh: str = ""
    form: str = ""
    form_zh: str = ""
    kind: str = "number"


def _p(name):
    from .models import preset
    return preset(name)


def _chip(name):
    from .hardware import chip
    return chip(name)


_GB = 1e9
_B_4M = 4 * 2**20            # LLaMA 3-70B's batch (How To Scale Your Model, part 6)
_B_16M = 16 * 2**20          # the Llama 3 405B batch: 2048 sequences of 8192
_META_FLOPS = 3.8e25         # the Llama 3 paper's budget for the 405B
_CARD_HOURS = 30.84e6        # the Llama 3.1 model card's H100-hours for the 405B


def _gpt_22b():
    """Korthikanti et al.'s 22B GPT-style model, as chapter 03 builds it."""
    from .models import ModelConfig
    return ModelConfig(L=48, D=6144, F=4 * 6144, N=64, V=51200, mlp="plain", norm="layernorm", positions="learned",
                       max_positions=2048, qkv_bias=True, o_bias=True, mlp_bias=True, tied_embeddings=True)


def _planner_meta(interleave):
    """Chapter 05, question e1: the planner's MFU ceiling for Meta's TP8 × PP16 × DP128 layout."""
    from . import planner
    row = planner.layout(_p("llama-3.1-405b"), "H100", 16384, _B_16M, 8192, tp=8, pp=16, zero=1,
                         interleave=interleave, ideal=True)
    return float(row["mfu"])


def _fp8_bridge_tokens_per_gpu(fp8: bool) -> float:
    """Chapter 05, exercise 4: the planner's tokens/s per GPU for NVIDIA's Llama 3.1 405B FP8 benchmark layout
    (Megatron-Bridge performance summary: 1,024 H100, TP8 × PP8 (v = 8) × CP2 × DP8, 1536 sequences of 8192)."""
    from . import planner
    row = planner.layout(_p("llama-3.1-405b"), "H100", 1024, 1536 * 8192, 8192, tp=8, pp=8, cp=2, interleave=8,
                         zero=1, sp=True, micro_batch=1, recompute="none", fp8=fp8)
    return float(row["tokens_per_s"]) / 1024


def _oss_recompute(policy: str):
    """Chapter 05, exercise 6: the planner's row for NVIDIA's GPT-OSS 120B H100 layout (64 GPUs, TP1 PP4 EP8, 1280
    sequences of 4096, micro-batch 1) with recompute ``policy``."""
    from . import planner
    return planner.layout(_p("gpt-oss-120b"), "H100", 64, 1280 * 4096, 4096, tp=1, pp=4, ep=8, zero=1, sp=False,
                          micro_batch=1, recompute=policy)


def _oss_freed_bytes_per_token() -> float:
    """Chapter 05, exercise 6 (a): what "layernorm" and "moe_act" drop of a GPT-OSS layer, per token, from
    llmcalc.memory.layer_activation_breakdown: the two norm outputs and the experts' activation output (bf16)."""
    from . import memory
    parts = memory.layer_activation_breakdown(_p("gpt-oss-120b"), 1, 4096, flash_attention=True)
    return float(sum(parts[name] for name in ("qkv_input", "mlp_input", "expert_product"))) / 4096


def _dense_1t():
    """Chapter 05's 1T dense LLaMA-style shape."""
    from .models import ModelConfig
    return ModelConfig(L=128, D=25600, F=83200, N=200, K=8, H=128, V=128256, name="dense-1t")


def _gpt3_matrices():
    from . import params
    g = _p("gpt-3-175b")
    return g.L * (params.attention_matmul_weights_per_layer(g) + params.mlp_params(g, g.F, bias=False))


def _smallest_tp_pp(**kw):
    """Chapter 03, exercise 2: the smallest Y·p (Y ≤ 8, p | 80) that holds LLaMA 3-70B at T = 8192 on H100s."""
    from . import memory
    options = [(tp * pp, tp, pp) for tp in (1, 2, 4, 8) for pp in range(1, 81) if 80 % pp == 0]
    for n, tp, pp in sorted(options):
        r = memory.training_bytes_per_device(_p("llama-3-70b"), 1, 8192, tp=tp, pp=pp, sp=True, recompute="selective", **kw)
        if memory.fits(r["total"], "H100", headroom=0.1):
            return n
    raise AssertionError("no layout fits")


def _wide_ckpt_bytes():
    """Chapter 03, exercise 3: twelve F-wide checkpoints per layer for 4M tokens plus LLaMA 3-70B's 10-byte states."""
    from . import memory
    return (memory.checkpoint_bytes(_p("llama-3-70b"), 4e6, ("F",) * 12)
            + memory.model_state_breakdown(70e9, "bf16_fp32_adam")["total"])


def _l70_4pods_split(batch_mtokens):
    """Chapter 05 §4: the best FSDP × TP split of one v5p pod for LLaMA 3-70B when 4 pods share a batch of
    ``batch_mtokens`` × 2^20 tokens (the gated MLP, the book's summed communication)."""
    from . import sharding
    return sharding.best_fsdp_tp_split(_p("llama-3-70b"), "TPU v5p", _chip("TPU v5p").fast_domain,
                                       batch_mtokens * 2**20 / 4)


def _tpu_chip_bytes(policy):
    """Chapter 05 (c3): one v5p chip's bytes, 10-byte states under FSDP over a pod + its share of 2M tokens' checkpoints."""
    from . import memory
    v5p = _chip("TPU v5p")
    states = memory.model_state_bytes(_p("llama-3.1-405b"), "bf16_fp32_adam", zero_stage=3, dp=v5p.fast_domain)
    return states + memory.checkpoint_bytes(_p("llama-3.1-405b"), _B_16M / 8, policy) / v5p.fast_domain


def _registry() -> dict[str, Answer]:
    from . import flops, kernels, memory, params, peak_memory, sharding, timecost

    return {
        # chapter 01
        "405b.params": Answer(lambda: params.param_count(_p("llama-3.1-405b")), 0.01,
                              "Add the three MLP matrices (3·D·F), GQA attention (2·D·N·H + 2·D·K·H) per layer, "
                              "and both V·D tables (untied).",
                              "每层加上三个 MLP 矩阵 (3·D·F) 和 GQA 注意力 (2·D·N·H + 2·D·K·H)，再加上两张 V·D 表(不共享)。",
                              "parameters"),
        "gemma2.tying_saves": Answer(lambda: _p("gemma-2-9b").V * _p("gemma-2-9b").D, 0.001,
                                     "Tying removes one V × D matrix: the LM head reuses the embedding table.",
                                     "共享词嵌入省掉一个 V × D 矩阵：输出层复用输入的词表。", "parameters"),
        "mixtral.active_fraction": Answer(lambda: params.active_param_count(_p("mixtral-8x7b")) / params.param_count(_p("mixtral-8x7b")),
                                          0.02, "Each token runs k = 2 of the E = 8 experts, but attention, embeddings "
                                          "and norms are always used.",
                                          "每个 token 只经过 E = 8 个专家中的 k = 2 个，但注意力、词嵌入和归一化层总会用到。", "fraction"),
        "gpt3.weight_matrices": Answer(_gpt3_matrices, 0.01,
                                       "12·L·D²: per layer 4D² for Q, K, V and O, and 8D² for the two D × 4D MLP matrices.",
                                       "12·L·D²：每层 Q、K、V、O 共 4D²，两个 D × 4D 的 MLP 矩阵共 8D²。", "parameters"),
        "gpt3.extra_params": Answer(lambda: params.param_count(_p("gpt-3-175b")) - _gpt3_matrices(), 0.05,
                                    "Token and position tables (V + T_max)·D, plus a few million for biases and LayerNorms.",
                                    "词表和位置表 (V + T_max)·D，再加上偏置和 LayerNorm 的几百万个参数。", "parameters"),
        "405b.mlp_params": Answer(lambda: params.param_breakdown(_p("llama-3.1-405b"))["mlp"], 0.01,
                                  "Three D × F matrices (gate, up, down) in each of the L layers: 3·D·F·L.",
                                  "L 层中每层三个 D × F 矩阵(gate、up、down):3·D·F·L。", "parameters"),
        "405b.attention_params": Answer(lambda: params.param_breakdown(_p("llama-3.1-405b"))["attention"], 0.01,
                                        "Per layer Q and O are D × N·H, K and V are D × K·H: L·(2DNH + 2DKH).",
                                        "每层 Q 和 O 是 D × N·H,K 和 V 是 D × K·H:L·(2DNH + 2DKH)。", "parameters"),
        "405b.vocab_params": Answer(lambda: (lambda b: b["embedding"] + b["lm_head"])(params.param_breakdown(_p("llama-3.1-405b"))),
                                    0.01, "Embedding and LM head are two separate V × D tables: 2·V·D.",
                                    "输入词嵌入和输出层是两张独立的 V × D 表:2·V·D。", "parameters"),
        "405b.norm_params": Answer(lambda: params.param_breakdown(_p("llama-3.1-405b"))["norms"], 0.0,
                                   "Two RMSNorm weight vectors of length D per layer and one final one: (2L + 1)·D.",
                                   "每层两个长度为 D 的 RMSNorm 权重，再加最后一个：(2L + 1)·D。", "parameters"),
        "gemma2.untied_head_fraction": Answer(lambda: _p("gemma-2-9b").V * _p("gemma-2-9b").D / params.param_count(_p("gemma-2-9b")),
                                              0.03, "Divide the extra V × D matrix by the parameter count of the tied model.",
                                              "用多出来的 V × D 矩阵除以共享词嵌入时模型的参数量。", "fraction"),
        "l2_70b.mha_attention_params_per_layer": Answer(
            lambda: params.attention_params_per_layer(_p("llama-2-70b").replace(K=_p("llama-2-70b").N)), 0.01,
            "With K = N, K and V are D × N·H like Q and O: 4·D·N·H per layer.",
            "K = N 时，K 和 V 也和 Q、O 一样是 D × N·H：每层 4·D·N·H。", "parameters"),
        "l2_70b.mha_extra_params": Answer(
            lambda: params.param_count(_p("llama-2-70b").replace(K=_p("llama-2-70b").N)) - params.param_count(_p("llama-2-70b")),
            0.01, "Each layer gains 2·D·(N − K)·H in K and V; multiply by L.",
            "每层的 K、V 多出 2·D·(N − K)·H，再乘以 L。", "parameters"),
        "gpt_oss.active_params_no_embedding": Answer(
            lambda: params.active_param_count(_p("gpt-oss-120b"), include_embedding=False), 0.02,
            "Attention, norms, routers and the unembedding in full, plus k = 4 experts (3·D·F_e and their 2·F_e + D "
            "biases) per layer; leave out the V × D lookup table.",
            "注意力、归一化层、路由器和输出层全部计入，每层再加 k = 4 个专家(3·D·F_e 及其 2·F_e + D 个偏置);"
            "不计 V × D 的查表。", "parameters"),
        "gpt_oss.sinks_and_biases": Answer(
            lambda: params.param_count(_p("gpt-oss-120b")) - params.param_count(_p("gpt-oss-120b").replace(
                attention_sinks=False, qkv_bias=False, o_bias=False, expert_bias=False, router_bias=False)), 0.01,
            "Per layer: N sinks, N·H + 2·K·H + D attention biases, E·(2·F_e + D) expert biases and E router biases.",
            "每层：N 个 sink,N·H + 2·K·H + D 个注意力偏置，E·(2·F_e + D) 个专家偏置，E 个路由器偏置。", "parameters"),
        "glm45.attention_params_per_layer": Answer(lambda: params.attention_params_per_layer(_p("glm-4.5")), 0.01,
            "Q is D × N·H and O is N·H × D with N·H = 96 · 128, K and V are D × K·H; add N·H + 2·K·H biases and the "
            "two H-wide q/k norms.",
            "Q 是 D × N·H,O 是 N·H × D,N·H = 96 · 128;K、V 是 D × K·H；再加 N·H + 2·K·H 个偏置和两个 H 宽的 q/k 归一化权重。",
            "parameters"),
        # chapter 02
        "405b.flops_per_token": Answer(lambda: flops.flops_per_token(_p("llama-3.1-405b")), 0.02,
                                       "Training costs 6 FLOPs per parameter per token: 2 forward, 4 backward.",
                                       "训练时每个参数每个 token 约 6 次浮点运算：前向 2 次，反向 4 次。", "FLOPs"),
        "405b.total_flops": Answer(lambda: flops.training_flops_6p(_p("llama-3.1-405b"), 15e12), 0.03,
                                   "Multiply FLOPs per token by the 15T training tokens.",
                                   "把每 token 的 FLOPs 乘以 15T 个训练 token。", "FLOPs"),
        "405b.h100_for_90_days": Answer(lambda: timecost.chips_for_days(flops.training_flops_6p(_p("llama-3.1-405b"), 15e12),
                                                                        90, "H100", 0.4), 0.05,
                                        "chips = total FLOPs / (days · 86,400 s · C · MFU), with C = 9.89e14 FLOP/s.",
                                        "芯片数 = 总 FLOPs / (天数 · 86,400 秒 · C · MFU)，其中 C = 9.89e14 FLOP/s。", "chips"),
        "l3_70b.slide_overcount": Answer(lambda: params.slide_formula_count(_p("llama-3-70b")) - params.param_count(_p("llama-3-70b")),
                                         0.01, "The slide formula gives K and V projections D × D each; with GQA they are D × K·H.",
                                         "课件公式把 K、V 投影都当成 D × D;GQA 下它们是 D × K·H。", "parameters"),
        "l2_70b.gqa_attention_params_per_layer": Answer(lambda: params.attention_params_per_layer(_p("llama-2-70b")), 0.01,
                                                        "Q and O are D × N·H; K and V are D × K·H with K = 8.",
                                                        "Q 和 O 是 D × N·H;K 和 V 是 D × K·H,K = 8。", "parameters"),
        "qwen72b.q_proj_flops": Answer(lambda: flops.matmul_flops(4 * 32768, 8192, 64 * 128), 0.01,
                                       "A matmul [m, k] × [k, n] costs 2·m·k·n FLOPs; here m = batch · sequence.",
                                       "矩阵乘 [m, k] × [k, n] 需要 2·m·k·n 次浮点运算；这里 m = batch · 序列长度。", "FLOPs"),
        "l3_70b.days_on_225_chips": Answer(lambda: timecost.training_days(6.3e24, 225, "TPU v5p", 0.4), 0.03,
                                           "Same FLOPs, 225 chips instead of 8960: the time scales with 8960 / 225.",
                                           "总 FLOPs 不变，芯片从 8960 变成 225：时间按 8960 / 225 放大。", "days"),
        "llama2_70b.implied_mfu": Answer(lambda: timecost.implied_mfu(6 * params.param_count(_p("llama-2-70b")) * 2e12, 1_720_320, "A100"),
                                         0.03, "MFU = 6·P·tokens / (GPU-hours · 3600 · 312e12).",
                                         "MFU = 6·P·tokens / (GPU 小时 · 3600 · 312e12)。", "fraction"),
        "a100x128.cost_30_days": Answer(lambda: timecost.cost(128 * 30 * 24, 10.0), 0.01,
                                        "GPU-hours = GPUs × days × 24; multiply by the price per GPU-hour.",
                                        "GPU 小时 = 卡数 × 天数 × 24，再乘以每 GPU 小时的价格。", "dollars"),
        "qwen72b.k_proj_flops": Answer(lambda: flops.matmul_flops(4 * 32768, 8192, _p("qwen2-72b").K * _p("qwen2-72b").H), 0.01,
                                       "Same 2·m·k·n with m = batch · sequence, but the output width is K·H, not N·H.",
                                       "同样是 2·m·k·n,m = batch · 序列长度，但输出宽度是 K·H 而不是 N·H。", "FLOPs"),
        "l3_70b.attention_quarter_context": Answer(
            lambda: next(2 ** i for i in range(8, 22) if flops.attention_score_fraction(_p("llama-3-70b"), 2 ** i) >= 0.25), 0.0,
            "Causal score FLOPs per token grow like T while the weight FLOPs stay fixed: double T until the scores "
            "reach a quarter of the forward.",
            "每个 token 的因果注意力分数 FLOPs 随 T 线性增长，权重 FLOPs 不变：把 T 逐次翻倍，直到分数占前向的四分之一。",
            "tokens"),
        "l3_8b.attention_quarter_context": Answer(
            lambda: next(2 ** i for i in range(8, 22) if flops.attention_score_fraction(_p("llama-3-8b"), 2 ** i) >= 0.25), 0.0,
            "The score share grows like T/D: a narrower model reaches a quarter at a shorter context.",
            "分数所占比例按 T/D 增长：模型越窄，越短的上下文就能达到四分之一。", "tokens"),
        "llama2_70b.days_on_2048": Answer(
            lambda: timecost.training_days(flops.training_flops_6p(_p("llama-2-70b"), 2e12), 2048, "A100",
                                           timecost.implied_mfu(flops.training_flops_6p(_p("llama-2-70b"), 2e12), 1_720_320, "A100")),
            0.02, "The card's GPU-hours spread over 2048 GPUs: hours / (2048 × 24).",
            "把模型卡上的 GPU 小时分摊到 2048 张卡上：小时数 / (2048 × 24)。", "days"),
        "llama2_70b.mfu_for_21_days": Answer(
            lambda: timecost.implied_mfu(flops.training_flops_6p(_p("llama-2-70b"), 2e12), 2048 * 21 * 24, "A100"), 0.03,
            "MFU = 6·P·tokens / (2048 GPUs · 21 days · 86,400 s · 312e12 FLOP/s).",
            "MFU = 6·P·tokens / (2048 张卡 · 21 天 · 86,400 秒 · 312e12 FLOP/s)。", "fraction"),
        "gemma3_27b.window_score_cut_32k": Answer(
            lambda: flops.forward_flops_breakdown(_p("gemma-3-27b").replace(layer_types=(), sliding_window=0), 1, 32768)[
                "attention_scores"] / flops.forward_flops_breakdown(_p("gemma-3-27b"), 1, 32768)["attention_scores"], 0.02,
            "Per head: a global layer scores T(T + 1)/2 pairs, a windowed one W(W + 1)/2 + (T − W)·W; weigh them by "
            "10 global and 52 windowed layers, and compare with 62 global ones.",
            "每个头：全局层算 T(T + 1)/2 个位置对，窗口层算 W(W + 1)/2 + (T − W)·W；按 10 个全局层和 52 个窗口层加权，"
            "再与 62 个全局层相比。", "ratio"),
        "405b.attention_ratio_8k": Answer(
            lambda: flops.training_flops_per_token(_p("llama-3.1-405b"), 8192) / flops.flops_per_token(_p("llama-3.1-405b")), 0.01,
            "Give exact / 6P. The causal scores add about half of 12·L·N·H·T per token to 6P.",
            "答案写成 精确值 / 6P。因果注意力分数让每个 token 在 6P 之外多出约 12·L·N·H·T 的一半。", "ratio"),
        "405b.attention_ratio_128k": Answer(
            lambda: flops.training_flops_per_token(_p("llama-3.1-405b"), 131072) / flops.flops_per_token(_p("llama-3.1-405b")), 0.01,
            "Give exact / 6P. The score term, about half of 12·L·N·H·T per token, grows linearly with T.",
            "答案写成 精确值 / 6P。分数项(每 token 约 12·L·N·H·T 的一半)随 T 线性增长。", "ratio"),
        "a100x128.flops_delivered": Answer(lambda: 128 * 30 * 24 * 3600 * _chip("A100").peak_flops * 0.4, 0.01,
                                           "GPU-hours × 3600 s × the A100's 312e12 FLOP/s × MFU.",
                                           "GPU 小时 × 3600 秒 × A100 的 312e12 FLOP/s × MFU。", "FLOPs"),
        "recompute.mfu_at_50pct_hfu": Answer(
            lambda: 0.5 * flops.flops_per_token(_p("llama-3-70b")) / flops.flops_per_token(_p("llama-3-70b"), recompute="full"),
            0.01, "MFU = HFU × (model FLOPs / hardware FLOPs) = HFU × 6P / 8P.",
            "MFU = HFU × (模型 FLOPs / 硬件 FLOPs) = HFU × 6P / 8P。", "fraction"),
        "recompute.full_extra_work": Answer(
            lambda: flops.flops_per_token(_p("llama-3-70b"), recompute="full") / flops.flops_per_token(_p("llama-3-70b")) - 1,
            0.02, "Hardware work over model work, minus one: 8P / 6P − 1.",
            "硬件工作量除以模型工作量再减一:8P / 6P − 1。", "fraction"),
        "palm.extra_work": Answer(lambda: 0.578 / 0.462 - 1, 0.02,
                                  "Extra work = HFU / MFU − 1, with PaLM's reported 57.8% and 46.2%.",
                                  "额外工作量 = HFU / MFU − 1，用 PaLM 报告的 57.8% 和 46.2%。", "fraction"),
        "megatron_1t.mfu": Answer(
            lambda: timecost.mfu_from_throughput(163e12, "A100")
            * flops.megatron_training_flops(3072, 2048, 128, 25600, 51200)
            / flops.megatron_training_flops(3072, 2048, 128, 25600, 51200, recompute=True), 0.02,
            "The 163 TFLOP/s counts the recomputed forward (96·B·s·l·h²·(…)): scale it by the model FLOPs without "
            "recomputation (72·B·s·l·h²·(…)) over that count, then divide by the A100's 312e12.",
            "163 TFLOP/s 里包含了重计算的那次前向(96·B·s·l·h²·(…))：先乘以不含重计算的模型 FLOPs(72·B·s·l·h²·(…))"
            "与它之比，再除以 A100 的 312e12。", "fraction"),
        # chapter 03
        "405b.zero3_16k_gb": Answer(lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "mixed", 3, 16384) / 1e9, 0.02,
                                    "16 bytes per parameter, all of them sharded over the 16,384 GPUs.",
                                    "每个参数 16 字节，全部切分到 16,384 张卡上。", "GB"),
        "llama7b.min_a100_zero3": Answer(lambda: next(n for n in range(1, 65) if memory.fits(memory.training_bytes_per_device(
                                             _p("llama-2-7b"), 1, 4096, zero_stage=3, dp=n, recompute="full")["total"], "A100")),
                                         0.0, "ZeRO-3 divides the 16 bytes per parameter by the number of GPUs; activations "
                                         "with full recompute are small.",
                                         "ZeRO-3 把每参数 16 字节除以卡数；完全重计算时激活值很小。", "GPUs"),
        "gpt22b.tp_only_gb": Answer(lambda: memory.training_bytes_per_device(_gpt_22b(), 4, 2048, regime="mixed_fp32_grads", tp=8)["total"] / _GB,
                                    0.05, "18·P/t for the states, L·sbh(10 + 24/t + 5as/(ht)) for the activations, "
                                    "and 4·s·b·V/t bytes of fp32 logits.",
                                    "状态 18·P/t，激活 L·sbh(10 + 24/t + 5as/(ht))，再加 4·s·b·V/t 字节的 fp32 logits。", "GB"),
        "gpt22b.tp_sp_selective_gb": Answer(
            lambda: memory.training_bytes_per_device(_gpt_22b(), 4, 2048, regime="mixed_fp32_grads", tp=8, sp=True,
                                                     recompute="selective")["total"] / _GB, 0.05,
            "With SP and selective recompute each layer keeps 34·sbh/t bytes; the states and logits stay the same.",
            "有了 SP 和选择性重计算，每层只保留 34·sbh/t 字节；状态和 logits 不变。", "GB"),
        "405b.tp8_pp16_states_gb": Answer(lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "mixed", 0, 1, model_parallel=128) / _GB,
                                          0.02, "16 bytes per parameter divided over the 8 × 16 = 128 GPUs of one replica.",
                                          "每参数 16 字节，分到一个副本的 8 × 16 = 128 张卡上。", "GB"),
        "405b.tp8_pp16_zero1_states_gb": Answer(
            lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "mixed", 1, 128, model_parallel=128) / _GB, 0.02,
            "Weights and gradients (4 bytes) ÷ 128 model-parallel GPUs; the 12 optimizer bytes ÷ 128 again over the replicas.",
            "权重和梯度(4 字节)÷ 128 张模型并行的卡;12 字节优化器状态再 ÷ 128 个数据并行副本。", "GB"),
        "l3_70b.min_gpus_per_replica_no_zero": Answer(lambda: _smallest_tp_pp(), 0.0,
                                                      "Try Y·p upwards (Y ≤ 8, p divides 80): states 16P/(Y·p), plus about L layers "
                                                      "of one micro-batch's activations ÷ t on the first stage, within 90% of the H100's exposed memory (81,559 MiB, not the label's 80 GB).",
                                                      "从小到大试 Y·p(Y ≤ 8,p 整除 80)：状态 16P/(Y·p)，第一段约有 L 层、"
                                                      "一个微批次的激活 ÷ t，总和不超过 H100 实际可用显存(81,559 MiB，而非标称的 80 GB)的 90%。", "GPUs"),
        "l3_70b.min_gpus_per_replica_zero1": Answer(lambda: _smallest_tp_pp(zero_stage=1, dp=8), 0.0,
                                                    "As without ZeRO, but the 12 optimizer bytes per parameter are also split over the data-parallel replicas.",
                                                    "和不用 ZeRO 时一样，只是每参数 12 字节的优化器状态还要再分到各个数据并行副本上。", "GPUs"),
        "l3_70b.wide_ckpt_gb_per_chip": Answer(lambda: _wide_ckpt_bytes() / _chip("TPU v5p").fast_domain / _GB, 0.03,
                                               "2 bytes × 4M tokens × L × 12·F, plus the 10-byte states of 70B, over the pod's 8960 chips.",
                                               "2 字节 × 4M token × L × 12·F，加上 70B 的 10 字节状态，再分到整个 Pod 的 8960 块芯片上。", "GB"),
        "l3_70b.wide_ckpt_min_chips": Answer(lambda: memory.min_chips(_wide_ckpt_bytes(), "TPU v5p"), 0.01,
                                             "Total bytes / the v5p's 95 GiB per chip (what the device exposes), rounded up.",
                                             "总字节数 / 每块 v5p 实际可用的 95 GiB，向上取整。", "chips"),
        # chapter 04
        "v5p_pod.min_fsdp_batch": Answer(lambda: sharding.dp_critical_tokens_per_chip("TPU v5p", axes=3) * 8960, 0.02,
                                         "Pure FSDP needs more than C/W tokens per chip (850 over three ICI axes) on every chip.",
                                         "纯 FSDP 要求每块芯片的 token 数超过 C/W(三个 ICI 轴上是 850)。", "tokens"),
        "llama3_70b.max_batch_only_fsdp": Answer(lambda: sharding.max_data_parallel_degree(4 * 2**20, 4096), 0.0,
                                                 "Sharding only the batch axis, each chip needs at least one whole sequence.",
                                                 "只沿批次维切分时，每块芯片至少要拿到一整条序列。", "chips"),
        "pp16_m64.bubble": Answer(lambda: sharding.pipeline_bubble_fraction(16, 64), 0.01,
                                  "Idle share of a 1F1B step: (p − 1) / (m + p − 1).",
                                  "1F1B 流水线每步的空闲占比：(p − 1) / (m + p − 1)。", "fraction"),
        "l3_70b.fsdp_tokens_per_chip": Answer(lambda: sharding.tokens_per_chip(_B_4M, _chip("TPU v5p").fast_domain), 0.01,
                                              "Batch tokens divided by the pod's chips.", "批次 token 数除以 Pod 的芯片数。", "tokens"),
        "l3_70b.fsdp_comm_ratio": Answer(
            lambda: sharding.fsdp_layer_time(_p("llama-3-70b"), "TPU v5p", _B_4M, _chip("TPU v5p").fast_domain, M_X=3).comm_ratio,
            0.05, "Communication / compute = (C/W over three axes) / (tokens per chip).",
            "通信 / 计算 = (三个轴上的 C/W) / (每块芯片的 token 数)。", "ratio"),
        "l3_70b.book_chips_2048x4": Answer(
            lambda: sharding.best_fsdp_tp_split(_p("llama-3-70b"), "TPU v5p", _chip("TPU v5p").fast_domain, _B_4M,
                                                splits="powers_of_two", mlp_matrices=2).n_chips_used, 0.0,
            "Multiply the FSDP degree by the TP degree.", "把 FSDP 度数乘以 TP 度数。", "chips"),
        "l3_70b.best_split_fsdp_m2": Answer(
            lambda: sharding.best_fsdp_tp_split(_p("llama-3-70b"), "TPU v5p", _chip("TPU v5p").fast_domain, _B_4M, mlp_matrices=2).X,
            0.0, "X·Y = 8960 with Y dividing F and the 64 heads; keep the split whose summed ratio (FSDP + TP traffic over compute) is smallest.",
            "X·Y = 8960,Y 整除 F 和 64 个头；选 FSDP 与 TP 通信之和除以计算最小的切分。", "chips"),
        "l3_70b.best_split_tp_m2": Answer(
            lambda: sharding.best_fsdp_tp_split(_p("llama-3-70b"), "TPU v5p", _chip("TPU v5p").fast_domain, _B_4M, mlp_matrices=2).Y,
            0.0, "FSDP traffic grows with X, TP traffic with Y: balance them within TP's limit Y < F·W/C.",
            "FSDP 通信随 X 增长，TP 通信随 Y 增长：在 TP 上限 Y < F·W/C 之内让两者平衡。", "chips"),
        "l3_70b.4pods_dcn_margin": Answer(lambda: _B_4M / 4 / sharding.dcn_critical_tokens_per_pod("TPU v5p"), 0.03,
                                          "Tokens per pod divided by the DCN threshold C / W_dcn.",
                                          "每个 Pod 的 token 数除以 DCN 阈值 C / W_dcn。", "ratio"),
        "l3_70b.4pods_tokens_per_chip": Answer(lambda: sharding.tokens_per_chip(_B_4M / 4, _chip("TPU v5p").fast_domain), 0.01,
                                               "A quarter of the batch per pod, spread over the pod's 8960 chips.",
                                               "每个 Pod 拿四分之一的批次，再分到 Pod 的 8960 块芯片上。", "tokens"),
        "v5p_pod.min_fsdp_batch_sequences": Answer(
            lambda: sharding.dp_critical_tokens_per_chip("TPU v5p", axes=3) * _chip("TPU v5p").fast_domain / 4096, 0.01,
            "The minimum batch in tokens divided by 4096 tokens per sequence.",
            "最小批次的 token 数除以每条序列的 4096 个 token。", "sequences"),
        "v5p.tp_max_degree_m2": Answer(lambda: sharding.tp_max_degree("TPU v5p", 28672, mlp_matrices=2), 0.03,
                                       "Y < (n_mat/2)·F·W/C on one axis, with n_mat = 2 and W the bidirectional per-axis ICI bandwidth.",
                                       "单轴上 Y < (n_mat/2)·F·W/C,n_mat = 2,W 是每个轴的双向 ICI 带宽。", "TP degree"),
        "v5p.tp_max_degree_m3": Answer(lambda: sharding.tp_max_degree("TPU v5p", 28672, mlp_matrices=3), 0.03,
                                       "The gated MLP has n_mat = 3 matrices: the limit (n_mat/2)·F·W/C is 1.5× the book's.",
                                       "门控 MLP 有 n_mat = 3 个矩阵：上限 (n_mat/2)·F·W/C 是书中形式的 1.5 倍。", "TP degree"),
        "pp16.min_microbatches_5pct": Answer(lambda: next(m for m in range(1, 10_000) if sharding.pipeline_bubble_fraction(16, m) < 0.05),
                                             0.0, "Solve (p − 1)/(m + p − 1) < 0.05 for the smallest whole m.",
                                             "解 (p − 1)/(m + p − 1) < 0.05，取最小的整数 m。", "micro-batches"),
        "pp16_m64_v2.bubble": Answer(lambda: sharding.pipeline_bubble_fraction(16, 64, 2), 0.01,
                                     "Interleaving: (p − 1)/(v·m + p − 1).", "交错调度：(p − 1)/(v·m + p − 1)。", "fraction"),
        "l3_70b.h100_fsdp_tp8_min_batch": Answer(
            lambda: sharding.crossover_tokens_per_chip(_p("llama-3-70b"), "H100", "FSDP+TP", chips=8192, tp=8) * 8192, 0.03,
            "FSDP's gathers cross InfiniBand (C / (Y · W_IB) tokens per GPU alone) and TP's NVLink traffic adds to them: find the tokens per GPU where the sum equals compute, then multiply by 8192 GPUs.",
            "FSDP 的 all-gather 要走 InfiniBand(单算它就要 C / (Y · W_IB) 个 token/卡),TP 的 NVLink 通信再叠加上去：求两者之和等于计算时间时每张卡的 token 数，再乘以 8192 张卡。", "tokens"),
        **{f"l3_70b.pp4_dp{dp}_bubble": Answer(lambda dp=dp: sharding.pipeline_bubble_fraction(4, _B_4M // dp // 4096), 0.01,
                                               "Micro-batches m = batch / DP / 4096; bubble (p − 1)/(m + p − 1) with p = 4.",
                                               "微批次数 m = 批次 / DP / 4096；气泡 (p − 1)/(m + p − 1),p = 4。", "fraction")
           for dp in (256, 64, 16)},
        # chapter 05
        "405b.params_by_hand": Answer(lambda: params.param_count(_p("llama-3.1-405b")), 0.005,
                                      "MLP 3DF·L + attention L(2DNH + 2DKH) + vocabulary 2VD + norms (2L + 1)D.",
                                      "MLP 3DF·L + 注意力 L(2DNH + 2DKH) + 词表 2VD + 归一化 (2L + 1)D。", "parameters"),
        "405b.meta_flops": Answer(lambda: flops.training_flops_6p(_p("llama-3.1-405b"), 15.6e12), 0.02,
                                  "6 · P · 15.6T tokens.", "6 · P · 15.6T 个 token。", "FLOPs"),
        "405b.card_cost": Answer(lambda: timecost.cost(30.84e6, 2.0), 0.01,
                                 "GPU-hours from the model card × $2 per H100-hour.",
                                 "模型卡上的 GPU 小时 × 每 H100 小时 2 美元。", "dollars"),

        "405b.flops_per_token_8k": Answer(lambda: flops.training_flops_per_token(_p("llama-3.1-405b"), 8192), 0.02,
                                          "6P plus the causal scores, about half of 12·L·N·H·T per token (the embedding lookup is no matmul).",
                                          "6P 加上因果注意力分数，每 token 约 12·L·N·H·T 的一半(词嵌入查表不是矩阵乘)。", "FLOPs"),
        "405b.states_tb_16b": Answer(lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "mixed") / 1e12, 0.02,
                                     "16 bytes per parameter: bf16 weights and gradients, fp32 master copy and two Adam moments.",
                                     "每参数 16 字节：bf16 权重和梯度、fp32 主权重和两个 Adam 矩。", "TB"),
        "405b.states_tb_18b": Answer(lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "mixed_fp32_grads") / 1e12, 0.02,
                                     "18 bytes per parameter: as 16, with the gradients kept in fp32.",
                                     "每参数 18 字节：和 16 字节相同，只是梯度用 fp32 保存。", "TB"),
        "405b.states_tb_10b": Answer(lambda: memory.model_state_bytes(_p("llama-3.1-405b"), "bf16_fp32_adam") / 1e12, 0.02,
                                     "10 bytes per parameter: bf16 weights and two fp32 Adam moments, no master copy or kept gradients.",
                                     "每参数 10 字节：bf16 权重加两个 fp32 Adam 矩，没有 fp32 主权重，也不保留梯度。", "TB"),
        "405b.ckpt_book_4xd_tb": Answer(lambda: memory.checkpoint_bytes(_p("llama-3.1-405b"), _B_16M, "book_4xD") / 1e12, 0.02,
                                        "2 bytes × B tokens × L layers × 4·D.", "2 字节 × B 个 token × L 层 × 4·D。", "TB"),
        "405b.ckpt_dots_tb": Answer(lambda: memory.checkpoint_bytes(_p("llama-3.1-405b"), _B_16M, "dots_no_batch_dims") / 1e12, 0.02,
                                    "2 bytes × B × L × (NH + 2KH + 2D + 2F): Q, K, V, attention output, gate, up, down.",
                                    "2 字节 × B × L × (NH + 2KH + 2D + 2F):Q、K、V、注意力输出、gate、up、down。", "TB"),
        "405b.min_v5p_dots": Answer(
            lambda: memory.min_chips(memory.checkpoint_bytes(_p("llama-3.1-405b"), _B_16M, "dots_no_batch_dims")
                                     + memory.model_state_bytes(_p("llama-3.1-405b"), "mixed"), "TPU v5p"), 0.02,
            "(honest checkpoints + states) / the v5p's 95 GiB, rounded up; the states are about 1% of the total in any regime.",
            "(如实的检查点 + 状态)/ v5p 的 95 GiB，向上取整；无论哪种方案，状态都只占总量的 1% 左右。", "chips"),
        "405b.min_h100_dots": Answer(
            lambda: memory.min_chips(memory.checkpoint_bytes(_p("llama-3.1-405b"), _B_16M, "dots_no_batch_dims")
                                     + memory.model_state_bytes(_p("llama-3.1-405b"), "mixed"), "H100"), 0.02,
            "(honest checkpoints + states) / the H100's 81,559 MiB, rounded up.", "(如实的检查点 + 状态)/ H100 的 81,559 MiB，向上取整。", "chips"),
        "405b.tokens_per_pod_8pods": Answer(lambda: _B_16M / 8, 0.0, "The 16·2²⁰-token batch split over 8 pods.",
                                            "16·2²⁰ 个 token 的批次分给 8 个 Pod。", "tokens"),
        "v5p.dcn_critical_tokens_per_pod": Answer(lambda: sharding.dcn_critical_tokens_per_pod("TPU v5p"), 0.01,
                                                  "C / W_dcn: the v5p's peak FLOP/s over its one-way DCN bandwidth per chip.",
                                                  "C / W_dcn:v5p 的峰值 FLOP/s 除以每块芯片的单向 DCN 带宽。", "tokens"),
        "405b.pod_tokens_per_chip": Answer(lambda: sharding.tokens_per_chip(_B_16M / 8, _chip("TPU v5p").fast_domain), 0.01,
                                           "A pod's tokens divided by its 8960 chips.", "一个 Pod 的 token 数除以它的 8960 块芯片。", "tokens"),
        "405b.fsdp_tp_threshold_m2": Answer(lambda: sharding.fsdp_tp_critical_tokens_per_chip("TPU v5p", _p("llama-3.1-405b").F), 0.03,
                                            "4·α² / (M_X·M_Y·F) with α = C/W per axis, M_X·M_Y = 2 and F = 53248 (FSDP and TP traffic added, as the book does).",
                                            "4·α² / (M_X·M_Y·F),α = 每个轴的 C/W,M_X·M_Y = 2,F = 53248(按书中做法，FSDP 与 TP 的通信相加)。", "tokens"),
        "405b.fsdp_tp_threshold_m3": Answer(
            lambda: sharding.fsdp_tp_critical_tokens_per_chip("TPU v5p", _p("llama-3.1-405b").F, mlp_matrices=3), 0.03,
            "The gated MLP multiplies the book's threshold by 2/n_mat = 2/3.", "门控 MLP 把书中的阈值乘以 2/n_mat = 2/3。", "tokens"),
        "405b.best_tp_degree_gated": Answer(
            lambda: sharding.best_fsdp_tp_split(_p("llama-3.1-405b"), "TPU v5p", _chip("TPU v5p").fast_domain, _B_16M / 8).Y, 0.0,
            "Y near N / X_opt among the degrees that divide 8960, F and N; check which allowed split has the smaller comm/compute.",
            "在整除 8960、F 和 N 的度数中找接近 N / X_opt 的 Y，比较哪个可行切分的通信/计算比更小。", "TP degree"),
        "405b.tpu_gb_per_chip_book_ckpt": Answer(lambda: _tpu_chip_bytes("book_4xD") / _GB, 0.03,
                                                 "10·P / 8960 for the states plus 2 bytes × 2M tokens × L × 4·D / 8960.",
                                                 "状态 10·P / 8960，加上 2 字节 × 2M token × L × 4·D / 8960。", "GB"),
        "405b.tpu_gb_per_chip_dots": Answer(lambda: _tpu_chip_bytes("dots_no_batch_dims") / _GB, 0.03,
                                            "10·P / 8960 plus 2 bytes × 2M tokens × L × (NH + 2KH + 2D + 2F) / 8960.",
                                            "10·P / 8960，加上 2 字节 × 2M token × L × (NH + 2KH + 2D + 2F) / 8960。", "GB"),
        "405b.days_8_pods_40pct": Answer(lambda: timecost.training_days(_META_FLOPS, 8 * _chip("TPU v5p").fast_domain, "TPU v5p", 0.4),
                                         0.05, "days = FLOPs / (71,680 chips · 4.59e14 · 0.4 · 86,400).",
                                         "天数 = FLOPs / (71,680 块芯片 · 4.59e14 · 0.4 · 86,400)。", "days"),
        "l3_70b.4pods_layer_slowdown": Answer(lambda: _l70_4pods_split(4).layer.step_s / _l70_4pods_split(4).layer.compute_s,
            0.03, "Take the best FSDP × TP split of a pod at 2^20 tokens per pod (gated MLP, communication added as the book "
                  "does): a pass takes max(compute, communication); divide the layer's time by its compute time.",
            "取每个 Pod 2^20 个 token 时最好的 FSDP × TP 切分(门控 MLP，按书中做法把两种通信相加)：每一遍耗时取计算与通信中较大者；"
            "用一层的总时间除以它的计算时间。", "ratio"),
        "l3_70b.days_4_pods_comm_bound": Answer(
            lambda: timecost.training_days(flops.training_flops_6p(_p("llama-3-70b"), 15e12), 4 * _chip("TPU v5p").fast_domain,
                                           "TPU v5p", 0.4) * _l70_4pods_split(4).layer.step_s / _l70_4pods_split(4).layer.compute_s,
            0.03, "6·P·15T / (35,840 chips · C · 0.4 · 86,400), times how much longer each layer takes than its compute.",
            "6·P·15T / (35,840 块芯片 · C · 0.4 · 86,400)，再乘以每层耗时是其计算时间的倍数。", "days"),
        "l3_70b.4pods_min_batch_mtokens": Answer(
            lambda: next(m for m in range(4, 65) if _l70_4pods_split(m).layer.compute_bound), 0.0,
            "Raise the batch in steps of 2^20 tokens until the best split of a pod (a quarter of the batch) is compute-bound "
            "in both passes.", "以 2^20 个 token 为步长加大批次，直到一个 Pod(分到四分之一批次)的最佳切分在前向和反向都计算受限。",
            "× 2^20 tokens"),
        "405b.params_per_gpu_meta": Answer(
            lambda: sharding.hybrid_layout(8, 16, 128, chip="H100", n_chips=16_384, model=_p("llama-3.1-405b")).params_per_chip,
            0.01, "P / (TP · PP): the data-parallel replicas hold copies, not slices.",
            "P / (TP · PP)：数据并行的副本各存一份完整拷贝，不再切分。", "parameters"),
        "405b.meta_layout_gb": Answer(
            lambda: memory.training_bytes_per_device(_p("llama-3.1-405b"), 1, 8192, zero_stage=1, dp=128, tp=8, pp=16, sp=True,
                                                     recompute="selective")["total"] / _GB, 0.05,
            "ZeRO-1 states, plus the first stage's L/p layers × p micro-batches of activations (÷ TP with SP), plus the logits.",
            "ZeRO-1 下的状态，加上第一段 L/p 层 × p 个微批次的激活(有 SP 时 ÷ TP)，再加 logits。", "GB"),
        "405b.bubble_16k_gpus": Answer(lambda: sharding.pipeline_bubble_fraction(16, _B_16M // 8192 // 128), 0.01,
                                       "m = 2048 sequences / DP128 micro-batches; bubble (p − 1)/(m + p − 1) with p = 16.",
                                       "m = 2048 条序列 / DP128 个微批次；气泡 (p − 1)/(m + p − 1),p = 16。", "fraction"),
        "405b.bubble_8k_gpus": Answer(lambda: sharding.pipeline_bubble_fraction(16, _B_16M // 8192 // 64), 0.01,
                                      "With DP64 each pipeline gets twice the micro-batches: (p − 1)/(m + p − 1).",
                                      "DP64 时每条流水线的微批次数翻倍：(p − 1)/(m + p − 1)。", "fraction"),
        "llama7b.hf_layer_vs_34sbh": Answer(
            lambda: peak_memory.layer_saved_bytes(_p("llama-2-7b"), 1, 4096) / (34 * 4096 * 4096), 0.01,
            "Count per token: two RMSNorms (fp32 input 4h, rsqrt, bf16 normalised 2h, output 2h), q, k, v, "
            "attention output, SDPA's log-sum-exp 4a, SwiGLU's four F-wide tensors; divide by 34h.",
            "逐 token 计：两个 RMSNorm(fp32 输入 4h、rsqrt、bf16 归一化 2h、输出 2h)、q、k、v、注意力输出、"
            "SDPA 的 log-sum-exp 4a、SwiGLU 的四个 F 宽张量；再除以 34h。", "ratio"),
        "405b.planner_meta_mfu_v1": Answer(lambda: _planner_meta(1), 0.02,
                                           "planner.layout(l405, 'H100', 16384, 2048·8192, 8192, tp=8, pp=16, zero=1, "
                                           "interleave=1, ideal=True)['mfu']; the bubble alone is 15/31 of the step.",
                                           "用 planner.layout(...,tp=8, pp=16, zero=1, interleave=1, ideal=True) 的 mfu;"
                                           "单是气泡就占每步的 15/31。", "fraction"),
        "405b.planner_meta_mfu_v4": Answer(lambda: _planner_meta(4), 0.02,
                                           "The same layout with interleave=4: the bubble shrinks to (p − 1)/v "
                                           "micro-batch slots.",
                                           "同一布局，interleave=4：气泡缩小为 (p − 1)/v 个微批次时间。", "fraction"),
        "h100.mfu_at_400_tflops": Answer(lambda: timecost.mfu_from_throughput(400e12, "H100"), 0.01,
                                         "Achieved FLOP/s per GPU over the H100's 989e12 peak.",
                                         "每张卡实际达到的 FLOP/s 除以 H100 的峰值 989e12。", "fraction"),
        "405b.days_16k_h100_41pct": Answer(lambda: timecost.training_days(_META_FLOPS, 16_384, "H100", 0.41), 0.02,
                                           "days = 3.8e25 / (16,384 · 989e12 · 0.41 · 86,400).",
                                           "天数 = 3.8e25 / (16,384 · 989e12 · 0.41 · 86,400)。", "days"),
        "405b.gpu_hours_41pct": Answer(lambda: timecost.chip_hours(_META_FLOPS, "H100", 0.41), 0.02,
                                       "GPU-hours = FLOPs / (989e12 · 0.41 · 3600), whatever the number of GPUs.",
                                       "GPU 小时 = FLOPs / (989e12 · 0.41 · 3600)，与卡数无关。", "GPU-hours"),
        "405b.card_implied_mfu": Answer(lambda: timecost.implied_mfu(_META_FLOPS, _CARD_HOURS, "H100"), 0.02,
                                        "MFU = 3.8e25 / (30.84M GPU-hours · 3600 · 989e12).",
                                        "MFU = 3.8e25 / (30.84M GPU 小时 · 3600 · 989e12)。", "fraction"),
        "dense1t.params": Answer(lambda: params.param_count(_dense_1t()), 0.01,
                                 "3DF·L + L(2DNH + 2DKH) + 2VD + (2L + 1)D, as for the 405B.",
                                 "3DF·L + L(2DNH + 2DKH) + 2VD + (2L + 1)D，和 405B 一样算。", "parameters"),
        "dense1t.flops_15_6t": Answer(lambda: flops.training_flops_6p(_dense_1t(), 15.6e12), 0.02, "6 · P · 15.6T tokens.",
                                      "6 · P · 15.6T 个 token。", "FLOPs"),
        "dense1t.days_16k_h100_40pct": Answer(lambda: timecost.training_days(flops.training_flops_6p(_dense_1t(), 15.6e12), 16_384,
                                                                             "H100", 0.4), 0.03,
                                              "days = 6·P·15.6T / (16,384 · 989e12 · 0.4 · 86,400).",
                                              "天数 = 6·P·15.6T / (16,384 · 989e12 · 0.4 · 86,400)。", "days"),
        "dense1t.h100_for_90_days": Answer(lambda: timecost.chips_for_days(flops.training_flops_6p(_dense_1t(), 15.6e12), 90, "H100", 0.4),
                                           0.03, "GPUs = FLOPs / (90 · 86,400 s · 989e12 · 0.4).",
                                           "卡数 = FLOPs / (90 · 86,400 秒 · 989e12 · 0.4)。", "GPUs"),
        "dense1t.gb_per_gpu_selective": Answer(
            lambda: memory.training_bytes_per_device(_dense_1t(), 1, 8192, tp=8, pp=16, sp=True, recompute="selective",
                                                     zero_stage=1, dp=128)["total"] / _GB, 0.05,
            "Meta's layout (TP8, PP16, ZeRO-1 over 128): states as for the 405B, plus about L layers of one micro-batch ÷ 8.",
            "Meta 的布局(TP8、PP16、ZeRO-1 分到 128 个副本)：状态和 405B 同样算，再加约 L 层、一个微批次的激活 ÷ 8。", "GB"),
        "dense1t.gb_per_gpu_full": Answer(
            lambda: memory.training_bytes_per_device(_dense_1t(), 1, 8192, tp=8, pp=16, sp=True, recompute="full",
                                                     zero_stage=1, dp=128)["total"] / _GB, 0.05,
            "Full recompute keeps only each layer's input (2·s·b·D bytes ÷ TP with SP) for the layers in flight.",
            "完全重计算时每层只保留输入(2·s·b·D 字节，有 SP 时 ÷ TP)。", "GB"),
        "405b.long_ctx_microbatches": Answer(lambda: sharding.max_data_parallel_degree(_B_16M, 131072) // 8, 0.0,
                                             "Sequences per step (batch tokens / 131,072), divided over the DP8 replicas.",
                                             "每步的序列数(批次 token 数 / 131,072)，再分给 DP8 的各个副本。", "micro-batches"),
        "405b.long_ctx_days": Answer(
            lambda: timecost.training_days(flops.training_flops_per_token(_p("llama-3.1-405b"), 131072) * 800e9, 16_384, "H100",
                                           timecost.mfu_from_throughput(380e12, "H100")), 0.05,
            "Exact FLOPs per token at T = 131072 × 800B tokens / (16,384 · 380e12 FLOP/s · 86,400).",
            "T = 131072 时每 token 的精确 FLOPs × 800B token / (16,384 · 380e12 FLOP/s · 86,400)。", "days"),
        "405b.ideal_cost_41pct": Answer(lambda: timecost.cost(timecost.chip_hours(_META_FLOPS, "H100", 0.41), 2.0), 0.02,
                                        "GPU-hours of the ideal 41% run × $2.", "41% 理想运行的 GPU 小时 × 2 美元。", "dollars"),
        "405b.fp8_speedup_1024": Answer(
            lambda: _fp8_bridge_tokens_per_gpu(True) / _fp8_bridge_tokens_per_gpu(False), 0.02,
            "planner.layout(l405, 'H100', 1024, 1536·8192, 8192, tp=8, pp=8, cp=2, interleave=8, zero=1) with "
            "fp8=True, its tokens_per_s over the same call's without it.",
            "planner.layout(l405, 'H100', 1024, 1536·8192, 8192, tp=8, pp=8, cp=2, interleave=8, zero=1) 加上 "
            "fp8=True 的 tokens_per_s，除以不加时的 tokens_per_s。", "ratio"),
        "405b.moe_other_nodes_topk": Answer(
            lambda: 7 * kernels.expert_domain_share(256, 8, 8), 0.01,
            "7 other nodes × P(a node holds one of the 8 experts) = 7 × (1 − C(224, 8) / C(256, 8)).",
            "7 个其他节点 × P(某节点持有 8 个专家之一) = 7 × (1 − C(224, 8) / C(256, 8))。", "nodes"),
        "405b.moe_other_nodes_limited": Answer(
            lambda: 7 * kernels.expert_domain_share(256, 8, 8, 8, 4), 0.01,
            "A node is among the token's 4 groups with probability 4/8, then holds one of its 8 experts unless all 8 "
            "fall in the other 96 of the 128 experts of those groups.",
            "某节点以 4/8 的概率属于该 token 选中的 4 个组，此时除非 8 个专家都落在这些组 128 个专家中的其余 96 个里，"
            "它就持有其中之一。", "nodes"),
        "405b.moe_dispatch_ib_ratio": Answer(
            lambda: (7 * kernels.expert_domain_share(256, 8, 8, 8, 4) * (1 + 4 / 128)) / (8 * 7 / 8 * 2), 0.01,
            "Per-node FP8 bytes (other nodes of (b) × D × (1 + 4/128)) over per-copy bf16 bytes (8 × 7/8 × D × 2).",
            "按节点的 FP8 字节数((b) 的其他节点数 × D × (1 + 4/128))除以按副本的 bf16 字节数(8 × 7/8 × D × 2)。",
            "ratio"),
        "405b.moe_recompute_bytes_per_token": Answer(
            _oss_freed_bytes_per_token, 0.001,
            "Two norm outputs (2 × D) and the experts' activation output (k × F_e), 2 bytes a value: (2 × 2880 + 4 × "
            "2880) × 2.",
            "两个归一化的输出(2 × D)加专家激活函数的输出(k × F_e)，每个值 2 字节：(2 × 2880 + 4 × 2880) × 2。",
            "bytes per token"),
        "405b.moe_recompute_gib": Answer(
            lambda: float(_oss_recompute("none")["memory_gib"] - _oss_recompute("layernorm+moe_act")["memory_gib"]),
            0.01,
            "4 micro-batches × 9 layers × 4096 tokens × (a), in GiB (2^30 bytes); planner.layout's memory_gib with "
            "recompute='none' minus with 'layernorm+moe_act'.",
            "4 个微批次 × 9 层 × 4096 个 token × (a)，以 GiB(2^30 字节)计；planner.layout 在 recompute='none' 与 "
            "'layernorm+moe_act' 下的 memory_gib 之差。", "GiB"),
        "405b.moe_recompute_step_share": Answer(
            lambda: float(_oss_recompute("layernorm+moe_act")["step_s"] / _oss_recompute("none")["step_s"] - 1), 0.05,
            "planner.layout's step_s with recompute='layernorm+moe_act' over its step_s with 'none', minus 1.",
            "planner.layout 在 recompute='layernorm+moe_act' 下的 step_s 除以 'none' 下的 step_s，再减 1。",
            "fraction"),
        "405b.fp8_error_vs_nvidia": Answer(
            lambda: _fp8_bridge_tokens_per_gpu(True) / 311 - 1, 0.02,
            "The fp8=True prediction in tokens/s per GPU (tokens_per_s / 1024) over NVIDIA's 311, minus 1.",
            "fp8=True 的预测(每卡每秒 token 数，tokens_per_s / 1024)除以 NVIDIA 测得的 311，再减 1。", "fraction"),
        "405b.tpu_plan_cost": Answer(lambda: timecost.cost(timecost.chip_hours(_META_FLOPS, "TPU v5p", 0.4), 2.0), 0.03,
                                     "v5p chip-hours = 3.8e25 / (4.59e14 · 0.4 · 3600), × $2.",
                                     "v5p 芯片小时 = 3.8e25 / (4.59e14 · 0.4 · 3600)，再 × 2 美元。", "dollars"),
    }


def _yes_no_registry() -> dict[str, Answer]:
    """The yes/no questions of the chapters ("does it fit?", "is it compute-bound?"), answered True or False."""
    from . import flops, memory, planner, sharding, timecost

    def yes_no(compute, hint, hint_zh):
        return Answer(lambda: bool(compute()), 0.0, hint, hint_zh, kind="bool")

    def gpt22b_fits(**kw):
        return memory.fits(memory.training_bytes_per_device(_gpt_22b(), 4, 2048, regime="mixed_fp32_grads", tp=8,
                                                            **kw)["total"], "A100")

    def l70_pod_split(**kw):
        return sharding.best_fsdp_tp_split(_p("llama-3-70b"), "TPU v5p", _chip("TPU v5p").fast_domain, _B_4M, **kw)

    def l405_pod_split(m):
        return sharding.best_fsdp_tp_split(_p("llama-3.1-405b"), "TPU v5p", _chip("TPU v5p").fast_domain, _B_16M / 8,
                                           mlp_matrices=m)

    def l70_pp4_dp_compute_bound(dp):
        return sharding.dcn_dp_layer_time(_p("llama-3-70b"), "H100", _B_4M, dp, chips_per_pod=8 * 4).compute_bound

    def l2_days_on_2048():
        f = flops.training_flops_6p(_p("llama-2-70b"), 2e12)
        return timecost.training_days(f, 2048, "A100", timecost.implied_mfu(f, 1_720_320, "A100"))

    pp4_hint = ("Each replica all-reduces its gradients over InfiniBand once per step: compare its tokens per step "
                "(4·2^20 / DP) with the InfiniBand threshold C / W_IB per node.",
                "每个副本每步经 InfiniBand 做一次梯度 all-reduce：比较它每步的 token 数(4·2^20 / DP)与每个节点的 "
                "InfiniBand 阈值 C / W_IB。")
    return {
        # chapter 02
        "megatron_1t.quoted_52pct_is_hfu": yes_no(
            lambda: abs(timecost.mfu_from_throughput(163e12, "A100") - 0.52) < 0.005,
            "163 TFLOP/s over the A100's 312e12 is the quoted figure; does the paper's 96·B·s·l·h² count include the "
            "recomputed forward?",
            "163 TFLOP/s 除以 A100 的 312e12 就是被引用的数字；论文的 96·B·s·l·h² 是否包含重计算的那次前向?"),
        "llama2_70b.21_days_consistent": yes_no(
            lambda: abs(l2_days_on_2048() / 21 - 1) < 0.1,
            "Spread the card's A100-hours over 2048 GPUs (hours / (2048 × 24)) and compare the days with 21.",
            "把模型卡上的 A100 小时分摊到 2048 张卡上(小时数 / (2048 × 24))，再与 21 天比较。"),
        # chapter 03
        "gpt22b.tp_only_fits_a100": yes_no(
            lambda: gpt22b_fits(),
            "18·P/t of states, L·sbh(10 + 24/t + 5as/(ht)) of activations and the fp32 logits, against the A100's "
            "80 GiB (memory.fits).",
            "状态 18·P/t、激活 L·sbh(10 + 24/t + 5as/(ht)) 和 fp32 logits 之和，与 A100 的 80 GiB 比较(memory.fits)。"),
        "gpt22b.tp_sp_fits_a100": yes_no(
            lambda: gpt22b_fits(sp=True),
            "Sequence parallelism divides the 10·sbh of norms and dropout by t too: sbh(34/t + 5as/(ht)) per layer.",
            "序列并行把归一化和 dropout 的 10·sbh 也除以 t：每层 sbh(34/t + 5as/(ht))。"),
        "gpt22b.tp_sp_selective_fits_a100": yes_no(
            lambda: gpt22b_fits(sp=True, recompute="selective"),
            "With SP and selective recompute each layer keeps 34·sbh/t bytes; add the states and logits.",
            "有了 SP 和选择性重计算，每层只保留 34·sbh/t 字节；再加上状态和 logits。"),
        "l3_70b.wide_ckpt_pod_has_room": yes_no(
            lambda: memory.min_chips(_wide_ckpt_bytes(), "TPU v5p") <= _chip("TPU v5p").fast_domain,
            "Compare the minimum number of chips with the 8960 chips of one pod.",
            "把最少芯片数与一个 Pod 的 8960 块芯片比较。"),
        # chapter 04
        "l3_70b.fsdp_compute_bound": yes_no(
            lambda: sharding.fsdp_layer_time(_p("llama-3-70b"), "TPU v5p", _B_4M, _chip("TPU v5p").fast_domain,
                                             M_X=3).compute_bound,
            "Compare the tokens per chip with C/W over three axes (850).",
            "把每芯片 token 数与三个轴上的 C/W(850)比较。"),
        "l3_70b.book_2048x4_compute_bound": yes_no(
            lambda: l70_pod_split(splits="powers_of_two", mlp_matrices=2).layer.compute_bound,
            "Tokens per chip of the 8192 chips used against the FSDP × TP threshold 2·2550²/F (the book's MLP).",
            "用到的 8192 块芯片上每芯片的 token 数，与 FSDP × TP 阈值 2·2550²/F(书中的 MLP)比较。"),
        "l3_70b.best_split_m2_compute_bound": yes_no(
            lambda: l70_pod_split(mlp_matrices=2).layer.compute_bound,
            "With all 8960 chips the allowed splits sit on either side of X_opt: is the smallest summed ratio "
            "(FSDP + TP traffic over compute) below 1?",
            "用满 8960 块芯片时，可行切分落在 X_opt 两侧：通信之和与计算之比的最小值是否小于 1?"),
        "l3_70b.4pods_dcn_slows_down": yes_no(
            lambda: not sharding.dcn_dp_layer_time(_p("llama-3-70b"), "TPU v5p", _B_4M, 4).compute_bound,
            "The cross-pod reduction hides behind the backward when the tokens per pod exceed C / W_dcn.",
            "当每个 Pod 的 token 数超过 C / W_dcn 时，跨 Pod 的梯度归约可以藏在反向计算后面。"),
        "l3_70b.4pods_in_pod_compute_bound": yes_no(
            lambda: _l70_4pods_split(4).layer.compute_bound,
            "A pod gets a quarter of the batch: compare its tokens per chip with the FSDP × TP threshold, and "
            "check the best allowed split's comm/compute.",
            "每个 Pod 只拿四分之一的批次：把每芯片 token 数与 FSDP × TP 阈值比较，再看最佳可行切分的通信/计算比。"),
        "v5p_pod.batch_only_fsdp_can_use_min_batch": yes_no(
            lambda: sharding.dp_critical_tokens_per_chip("TPU v5p", axes=3) * _chip("TPU v5p").fast_domain / 4096
            >= _chip("TPU v5p").fast_domain,
            "Batch-only FSDP needs at least one whole sequence per chip: compare the sequences with the chips.",
            "只切批次维的 FSDP 每块芯片至少要一整条序列：把序列数与芯片数比较。"),
        "l3_70b.pp4_dp256_dp_compute_bound": yes_no(lambda: l70_pp4_dp_compute_bound(256), *pp4_hint),
        "l3_70b.pp4_dp64_dp_compute_bound": yes_no(lambda: l70_pp4_dp_compute_bound(64), *pp4_hint),
        "l3_70b.pp4_dp16_dp_compute_bound": yes_no(lambda: l70_pp4_dp_compute_bound(16), *pp4_hint),
        # chapter 05
        "405b.6p_reproduces_meta_flops": yes_no(
            lambda: abs(flops.training_flops_6p(_p("llama-3.1-405b"), 15.6e12) / _META_FLOPS - 1) < 0.02,
            "6 · P · 15.6T against the paper's 3.8e25: within 2%?",
            "6 · P · 15.6T 与论文的 3.8e25 相比，相差是否在 2% 以内?"),
        "405b.8pods_dcn_compute_bound": yes_no(
            lambda: sharding.dcn_dp_layer_time(_p("llama-3.1-405b"), "TPU v5p", _B_16M, 8).compute_bound,
            "Compare the tokens per pod with C / W_dcn.", "把每个 Pod 的 token 数与 C / W_dcn 比较。"),
        "405b.pod_pure_fsdp_works": yes_no(
            lambda: sharding.tokens_per_chip(_B_16M / 8, _chip("TPU v5p").fast_domain)
            > sharding.dp_critical_tokens_per_chip("TPU v5p", axes=3),
            "Pure FSDP over three axes needs more than 850 tokens per chip.",
            "三个轴上的纯 FSDP 要求每芯片超过 850 个 token。"),
        "405b.pod_best_split_m2_compute_bound": yes_no(
            lambda: l405_pod_split(2).layer.compute_bound,
            "best_fsdp_tp_split(..., mlp_matrices=2): is the best allowed split's comm/compute below 1?",
            "best_fsdp_tp_split(..., mlp_matrices=2)：最佳可行切分的通信/计算比是否小于 1?"),
        "405b.pod_best_split_m3_compute_bound": yes_no(
            lambda: l405_pod_split(3).layer.compute_bound,
            "The gated MLP lowers the threshold by 2/3: is the best allowed split's comm/compute below 1?",
            "门控 MLP 把阈值降到 2/3：最佳可行切分的通信/计算比是否小于 1?"),
        "405b.meta_layout_fits_h100": yes_no(
            lambda: memory.fits(memory.training_bytes_per_device(_p("llama-3.1-405b"), 1, 8192, zero_stage=1, dp=128,
                                                                 tp=8, pp=16, sp=True, recompute="selective")["total"],
                                "H100"),
            "Compare the estimate with the bytes an H100 exposes (81,559 MiB), not its '80 GB' label.",
            "把估计值与 H100 实际可用的字节数(81,559 MiB)比较，而不是标称的“80 GB”。"),
        "405b.planner_meta_v1_fits_h100": yes_no(
            lambda: planner.layout(_p("llama-3.1-405b"), "H100", 16384, _B_16M, 8192, tp=8, pp=16, zero=1,
                                   interleave=1)["fits"],
            "planner.layout(...)['fits'] compares the memory estimate with the H100 less the planner's 10% headroom.",
            "planner.layout(...)['fits'] 把显存估计与扣掉规划器 10% 余量后的 H100 容量比较。"),
    }


# What each unit's answer looks like, in words the chapters' questions use: unit (en, zh), form (en, zh).
# The examples are generic (0.125, 1.25); no answer of the workbook rounds to them.
_UNIT_FORMS = {
    "parameters": ("parameters", "个参数", "as a count of parameters", "写成参数个数"),
    "fraction": ("fraction", "小数", "as a fraction, e.g. 0.125 (not 12.5%)", "写成小数，例如 0.125(而不是 12.5%)"),
    "ratio": ("ratio", "倍数", "as a ratio, e.g. 1.25", "写成倍数，例如 1.25"),
    "FLOPs": ("FLOPs", "FLOPs", "in FLOPs", "以 FLOPs 为单位"),
    "chips": ("chips", "块芯片", "as a count of chips", "写成芯片数"),
    "GPUs": ("GPUs", "张 GPU", "as a count of GPUs", "写成 GPU 数"),
    "days": ("days", "天", "in days", "以天为单位"),
    "dollars": ("dollars", "美元", "in dollars", "以美元为单位"),
    "GPU-hours": ("GPU-hours", "GPU 小时", "in GPU-hours", "以 GPU 小时为单位"),
    "GB": ("GB", "GB", "in GB", "以 GB 为单位"),
    "GiB": ("GiB", "GiB", "in GiB", "以 GiB 为单位"),
    "TB": ("TB", "TB", "in TB", "以 TB 为单位"),
    "tokens": ("tokens", "个 token", "in tokens", "以 token 为单位"),
    "micro-batches": ("micro-batches", "个微批次", "as a count of micro-batches", "写成微批次数"),
    "sequences": ("sequences", "条序列", "as a count of sequences", "写成序列条数"),
    "TP degree": ("TP degree", "TP 度数", "as an unrounded TP degree", "写成不取整的 TP 度数"),
    "× 2^20 tokens": ("× 2^20 tokens", "× 2^20 个 token", "in multiples of 2^20 tokens", "以 2^20 个 token 为单位"),
    "yes/no": ("yes/no", "是/否", "as True (yes) or False (no)", "填 True(是)或 False(否)"),
}

# Keys whose unit or form is more specific than their unit's default: key -> (unit, unit_zh, form, form_zh).
_TOKENS_PER_CHIP = ("tokens per chip", "每芯片 token 数", "in tokens per chip", "写成每芯片 token 数")
_TOKENS_PER_POD = ("tokens per pod", "每个 Pod 的 token 数", "in tokens per pod", "写成每个 Pod 的 token 数")
_TOKENS_PER_STEP = ("tokens per step", "每步 token 数", "in tokens per step", "写成每步的 token 数")
_CONTEXT = ("tokens", "个 token", "as a context length T in tokens", "写成以 token 计的上下文长度 T")
_FLOPS_PER_TOKEN = ("FLOPs per token", "每 token 的 FLOPs", "in FLOPs per token", "以每 token 的 FLOPs 为单位")
_NODES = ("nodes", "个节点", "as an average number of nodes", "写成平均节点数（小数）")
_KEY_FORMS = {
    "l3_70b.attention_quarter_context": _CONTEXT,
    "l3_8b.attention_quarter_context": _CONTEXT,
    "405b.flops_per_token": _FLOPS_PER_TOKEN,
    "405b.flops_per_token_8k": _FLOPS_PER_TOKEN,
    "405b.h100_for_90_days": _UNIT_FORMS["GPUs"],
    "v5p_pod.min_fsdp_batch": _TOKENS_PER_STEP,
    "l3_70b.h100_fsdp_tp8_min_batch": _TOKENS_PER_STEP,
    "l3_70b.fsdp_tokens_per_chip": _TOKENS_PER_CHIP,
    "l3_70b.4pods_tokens_per_chip": _TOKENS_PER_CHIP,
    "405b.pod_tokens_per_chip": _TOKENS_PER_CHIP,
    "405b.fsdp_tp_threshold_m2": _TOKENS_PER_CHIP,
    "405b.fsdp_tp_threshold_m3": _TOKENS_PER_CHIP,
    "405b.tokens_per_pod_8pods": _TOKENS_PER_POD,
    "v5p.dcn_critical_tokens_per_pod": _TOKENS_PER_POD,
    "l3_70b.best_split_fsdp_m2": ("FSDP degree", "FSDP 度数", "as the FSDP degree X", "写成 FSDP 度数 X"),
    "l3_70b.best_split_tp_m2": ("TP degree", "TP 度数", "as the TP degree Y", "写成 TP 度数 Y"),
    "405b.best_tp_degree_gated": ("TP degree", "TP 度数", "as the TP degree Y", "写成 TP 度数 Y"),
    "405b.moe_other_nodes_topk": _NODES,
    "405b.moe_other_nodes_limited": _NODES,
    "405b.moe_recompute_bytes_per_token": ("bytes per token and layer", "字节（每 token、每层）",
                                           "in bytes per token and layer", "写成每个 token、每层的字节数"),
}

_BYTE_UNITS = {"GB", "GiB", "TB"}


def _with_forms(key: str, a: Answer) -> Answer:
    if a.kind == "bool":
        unit, unit_zh, form, form_zh = _UNIT_FORMS["yes/no"]
    elif key in _KEY_FORMS:
        unit, unit_zh, form, form_zh = _KEY_FORMS[key]
    else:
        unit, unit_zh, form, form_zh = _UNIT_FORMS[a.unit]
    return dataclasses.replace(a, unit=unit, unit_zh=unit_zh, form=form, form_zh=form_zh)


_ANSWERS: dict[str, Answer] | None = None


def answers() -> dict[str, Answer]:
    """All checkable exercises by key (built on first use, so ``import llmcalc`` stays fast)."""
    global _ANSWERS
    if _ANSWERS is None:
        found = {**_registry(), **_yes_no_registry()}
        _ANSWERS = {k: _with_forms(k, a) for k, a in found.items()}
    return _ANSWERS


def _answer(key: str) -> Answer:
    a = answers()
    if not isinstance(key, str):
        raise ValueError(f"key must be an exercise key (a string such as '405b.params'), got {key!r:.60}")
    if key not in a:
        raise v.unknown_name("exercise key", key, list(a))
    return a[key]


def _is_bool(answer) -> bool:
    """A Python bool or a numpy bool (np.True_, a 0-d bool array)."""
    answer = v._scalar(answer)
    return isinstance(answer, bool)


def is_right(key: str, answer) -> bool:
    """True when ``answer`` is within the exercise's relative tolerance of llmcalc's value (a number key),
    or equals it (a yes/no key, answered True or False)."""
    a = _answer(key)
    if a.kind == "bool":
        if not _is_bool(answer):
            raise ValueError(f"answer to {key!r} must be True or False (a yes/no question), got {v._show(answer)}")
        return bool(v._scalar(answer)) == bool(a.compute())
    # any real number: Python, numpy of any width, a 0-d array, Fraction, Decimal
    return math.isclose(_finite_float(answer, a.form), a.compute(), rel_tol=a.rtol)


def _finite_float(answer, form: str) -> float:
    """``answer`` as a float, or ValueError naming ``answer`` (a bool, a string, NaN, an int past 1.8e308)."""
    expected = f"a finite number {form}"
    return v._float("answer", v._real("answer", answer, expected), expected)


def _unit_factors(a: Answer) -> list[tuple[float, float]]:
    """(factor, tolerance) pairs: answer × factor ≈ expected means the answer is right in another unit.

    For every key: percent (×100) and the decimal and binary prefixes (10^3 … 10^12, 2^10 … 2^40), both
    ways. For bytes also the answer given in any other byte unit (B, kB … PB, KiB … PiB: GiB for GB, TiB
    for TB, MB for GB, ...), i.e. the factor (the student's unit) / (the key's unit). A factor within 10%
    of 1 (GiB vs GB is 7.4%) is matched within min(rtol, 1%), so a merely inaccurate answer is not called
    a unit slip."""
    base = [100.0, 1e3, 1e6, 1e9, 1e12, 2.0**10, 2.0**20, 2.0**30, 2.0**40]
    factors = set(base) | {1 / f for f in base}
    if a.unit in _BYTE_UNITS:
        key_unit = {"GB": 1e9, "GiB": 2.0**30, "TB": 1e12}[a.unit]
        factors |= {u / key_unit for k in range(6) for u in (1e3**k, 2.0**(10 * k))}
    near_one = max(min(a.rtol, 0.01), 1e-9)
    return [(f, near_one if abs(f - 1) < 0.1 else max(a.rtol, 1e-9)) for f in sorted(factors) if f != 1.0]


def _unit_slip(a: Answer, answer: float, expected: float) -> bool:
    return any(math.isclose(answer * f, expected, rel_tol=tol) for f, tol in _unit_factors(a))


_MESSAGES = {
    "en": {
        "placeholder": "✍️  Replace ... with your answer ({form}), then run this cell again.",
        "placeholder_any": "✍️  Replace ... with your answer, then run this cell again.",
        "right": "✅ Right.",
        "right_within": "✅ Right, within {pct} of the exact answer.",
        "wrong": "❌ Not yet ({tol}). Give the answer {form}. Hint: {hint}",
        "wrong_bool": "❌ Not yet. Answer {form}. Hint: {hint}",
        "slip": "❌ Right number, wrong unit: give it {form}.",
        "want_bool": "❌ This is a yes/no question: answer {form}, not {got}.",
        "want_number": "❌ This question asks for a number, {form}; True and False answer yes/no questions.",
        "not_number": "❌ {got} cannot be checked: give a finite number, {form}.",
        "key_type": "⚠️  The exercise key must be a string such as '405b.params', got {got}.",
        "key_unknown": "⚠️  Unknown exercise key {key}.{close} llmcalc.check.answers() lists them all.",
        "close": " Did you mean {names}?",
        "or": " or ",
        "exact": "must be exact",
        "tolerance": "tolerance {pct}",
    },
    "zh": {
        "placeholder": "✍️  把 ... 换成你的答案({form})，再运行这个单元。",
        "placeholder_any": "✍️  把 ... 换成你的答案，再运行这个单元。",
        "right": "✅ 正确。",
        "right_within": "✅ 正确：与精确答案相差不超过 {pct}。",
        "wrong": "❌ 还不对({tol})。答案应{form}。提示：{hint}",
        "wrong_bool": "❌ 还不对。答案应{form}。提示：{hint}",
        "slip": "❌ 数值对了，单位不对：答案应{form}。",
        "want_bool": "❌ 这是一道是非题：答案应{form}，而不是 {got}。",
        "want_number": "❌ 这道题要的是一个数(答案应{form});True 和 False 只用于是非题。",
        "not_number": "❌ {got} 不是一个有限的数：答案应{form}。",
        "key_type": "⚠️  练习键必须是字符串，例如 '405b.params'，而不是 {got}。",
        "key_unknown": "⚠️  没有练习键 {key}。{close}全部练习键见 llmcalc.check.answers()。",
        "close": "你是不是想写 {names}?",
        "or": " 或 ",
        "exact": "须完全一致",
        "tolerance": "容差 {pct}",
    },
}


def _language(lang) -> str:
    if lang is None:
        from .i18n import current
        return current()
    return v.choice("lang", lang, ("en", "zh"))


def check(key: str, answer, lang: str | None = None) -> bool | None:
    """Print whether ``answer`` is right for exercise ``key`` (and the expected form and a hint if not);
    never print the value. ``lang`` is "en" or "zh" (default: the language ``llmcalc.i18n.use`` set).

    Numeric keys take any real number; yes/no keys take True or False. An answer right up to a unit
    factor is told "right number, wrong unit". A bad key, a non-number or the wrong kind of answer prints
    a message (in ``lang``) and returns False; ``answer = ...`` (the placeholder) prints a reminder and
    returns None.
    """
    m = _MESSAGES[_language(lang)]
    zh = m is _MESSAGES["zh"]
    a = answers()

    if not isinstance(key, str) or key not in a:
        if not isinstance(key, str):
            print(m["key_type"].format(got=v._show(key)))
        else:
            close = difflib.get_close_matches(key, list(a), n=3, cutoff=0.6)
            names = m["or"].join(repr(c) for c in close)
            print(m["key_unknown"].format(key=repr(key), close=m["close"].format(names=names) if close else ""))
        return False
    ans = a[key]
    form = ans.form_zh if zh else ans.form
    hint = ans.hint_zh if zh else ans.hint
    if answer is Ellipsis:
        print(m["placeholder"].format(form=form))
        return None

    if ans.kind == "bool":
        if not _is_bool(answer):
            print(m["want_bool"].format(form=form, got=v._show(answer)))
            return False
        ok = bool(v._scalar(answer)) == bool(ans.compute())
        print(m["right"] if ok else m["wrong_bool"].format(form=form, hint=hint))
        return ok

    if _is_bool(answer):
        print(m["want_number"].format(form=form))
        return False
    try:
        x = _finite_float(answer, ans.form)
    except ValueError:
        print(m["not_number"].format(got=v._show(answer), form=form))
        return False
    expected = ans.compute()
    pct = f"{ans.rtol:.0%}" if ans.rtol >= 0.01 else f"{ans.rtol:.1%}"
    if math.isclose(x, expected, rel_tol=ans.rtol):
        print(m["right"] if ans.rtol == 0 else m["right_within"].format(pct=pct))
        return True
    if _unit_slip(ans, x, expected):
        print(m["slip"].format(form=form))
        return False
    tol = m["exact"] if ans.rtol == 0 else m["tolerance"].format(pct=pct)
    print(m["wrong"].format(tol=tol, form=form, hint=hint))
    return False
