"""A parallelism planner: every layout a careful engineer would consider, evaluated at once.

``search(cfg, chip, n_chips, batch_tokens, seq_len)`` enumerates tensor (TP, with or without sequence
parallelism SP), context (CP), pipeline (PP, with the interleaved schedule), expert (EP) and data
parallel (DP, with ZeRO stage 0-3) degrees, the micro-batch size and the recomputation policy; for each
layout it computes the memory one device needs, whether it fits, the step time (compute, exposed
communication on the link each group really uses, the pipeline bubble, the optimizer update) and the
resulting MFU; and it returns a pandas DataFrame ranked by step time. ``layout(...)`` evaluates one
named layout (Meta's TP8 × PP16 × DP128 for LLaMA 3.1-405B, say) with the same model.

It is vectorised: the whole space is a handful of numpy arrays and every quantity below is computed
for all layouts at once; the only Python loops run over the few distinct TP degrees and policies
(to call :mod:`llmcalc.memory` and :mod:`llmcalc.flops` for the per-layer tensors and FLOPs).

The model (an estimate; every assumption is listed; the constants are chosen, not fitted to a published run)
===========================================================================================================

Ranks are ordered TP innermost, then CP, then EP/DP, then PP outermost (Megatron-LM's default). A
group's collectives run on the fast fabric (NVLink, TPU ICI) while the ranks it spans fit in one fast
domain (an 8-GPU node, a TPU pod), else on the slow link (InfiniBand per GPU, DCN per TPU chip).
Bandwidths come from :func:`llmcalc.sharding.collective_bandwidth` (GPU: one-way NVLink per GPU; TPU:
bidirectional ICI per axis × the axes the group needs: 1 while it fits the longest torus axis, 2 while
it fits the two longest, else 3). Collectives over n ranks move (n − 1)/n of the array.

Memory per device, the heaviest pipeline stage:
- model states: the stage's parameters, ⌈L/PP⌉ layers (+ the embedding or the LM head; both when
  PP = 1) split by TP (experts by TP × EP), times the regime's bytes per parameter
  (:data:`llmcalc.memory.REGIMES`), each kind sharded over the DP × CP group by the ZeRO stage
  (experts over DP × CP / EP); ZeRO-3 adds a buffer of two gathered layers.
- activations: :func:`llmcalc.memory.layer_activation_breakdown` per layer for one micro-batch (its
  TP/SP split and recompute policy; CP divides the tokens), × ⌈L/PP⌉ layers × the micro-batches in
  flight on the first stage of a 1F1B schedule, min(PP, m), × (1 + (PP − 1)/(PP·v)) for the
  interleaved schedule with v chunks (Korthikanti et al. 2022). Full recompute keeps each layer's
  input and rebuilds one layer at a time (one layer's full activations on top).
- the last stage instead holds one micro-batch in flight plus the fp32 logits (4 bytes each, split by
  TP: a vocab-parallel fused cross-entropy). With ``fused_swiglu=True`` (the default; Megatron-LM and
  Transformer Engine) a SwiGLU layer does not keep silu(gate): the fused kernel recomputes it in the
  backward pass, so :func:`~llmcalc.memory.layer_activation_breakdown`'s ``silu_gate`` tensor (F values per
  token) is left out. A layout fits when the larger of the two is at most
  (1 − headroom) × HBM; the headroom (default 10%) stands for the framework, the collectives' buffers
  and fragmentation.

Time of one step:
- compute: the exact matmul FLOPs of :func:`llmcalc.flops.forward_flops_breakdown` (3× forward for
  training, + the score matmuls for selective recompute, + one layer forward for full recompute) of
  the heaviest stage, split by TP × CP, at ``compute_efficiency`` × peak (default 1.0: ideal kernels,
  so the predicted MFU is what the layout allows, an upper bound; real runs reach a fraction of it).
  Stages hold whole layers: the first PP − 1 stages ⌈L/PP⌉ each, the last stage what is left,
  L − (PP − 1)·⌈L/PP⌉ (at least 0), plus the LM head; the heaviest stage does
  max(⌈L/PP⌉ layers, last-stage layers + head). When PP divides L that is L/PP layers + the head.
- non-matmul work (norms, activation functions, softmax, dropout, residual adds) is bound by HBM
  bandwidth: every activation the layer stores (:func:`llmcalc.memory.layer_activation_breakdown`
  without recompute) crosses HBM ``elementwise_passes`` times per step at ``hbm_bytes_per_s``
  (default 4: written and read in the forward pass, read and written again in the backward; full
  recompute adds 2 for the second forward). **This is an assumption, not a measurement nor a fit**:
  no kernel-by-kernel count of a named implementation stands behind the 4, and fused kernels
  (FlashAttention, fused norms and SwiGLU) move fewer bytes, unfused eager code more. The Megatron-LM
  comparison in the README shows how the predicted throughput moves with it (0 to 8 passes).
- TP (exposed, not overlapped): per layer and micro-batch 4 all-reduces (2 forward, 2 backward) of the
  micro-batch's activations b·(s/CP)·D in bf16 (with SP the same bytes as all-gathers and
  reduce-scatters), + 2 more with full recompute.
- CP (exposed): all-gather of the layer's keys and values forward, again backward, and a
  reduce-scatter of their gradients (+1 all-gather with full recompute).
- EP (exposed): per MoE layer 2 all-to-alls forward, 2 backward, of the k routed copies of each token
  (+2 with full recompute); routing is assumed balanced.
- PP: a point-to-point send of the activations forward and of their gradient backward per micro-batch
  and model chunk (exposed; with SP each TP rank sends its 1/TP shard), and the bubble: the step is t_mb · (m + (PP − 1)/v) for m micro-batches
  per replica (Narayanan et al. 2021).
- DP (expert gradients only over each expert's DP × CP / EP replicas): the gradient reduce-scatter and weight all-gather (ZeRO 1-2, Megatron's distributed optimizer)
  or all-reduce (ZeRO 0), once per step, overlapped with the last micro-batch's backward pass; ZeRO-3
  gathers the weights twice and reduce-scatters the gradients every micro-batch, each overlapped with
  that micro-batch's compute. Only the excess is exposed.
- optimizer: reading and writing the device's model states once at HBM bandwidth.

MFU = model FLOPs of the step (no recompute, causal attention by default) / (chips × peak × step
time); HFU counts the recomputation too.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Iterable

import numpy as np

from . import _validate as v
from .flops import forward_flops_breakdown
from .hardware import Chip, chip as _chip
from .memory import ZERO_STAGES, Regime, _regime, layer_activation_breakdown
from .models import ModelConfig
from .params import param_breakdown
from .sharding import collective_bandwidth

RECOMPUTE = ("none", "selective", "full")
ATTENTION = ("flash", "eager")

# Why a layout was rejected (first failing check); "" = accepted.
REASONS = (
    "",
    "batch: the data-parallel degree does not divide the sequences in the batch",
    "batch: the micro-batch does not divide the sequences per data-parallel replica",
    "interleave: the interleaved schedule needs at least PP micro-batches and at least v layers per stage",
    "memory: needs more than HBM minus headroom",
)

COLUMNS = ("tp", "sp", "cp", "pp", "interleave", "dp", "ep", "zero", "micro_batch", "microbatches",
           "recompute", "memory_gib", "fits", "step_s", "mfu", "hfu", "tokens_per_s", "compute_s", "elementwise_s",
           "tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s", "bubble_s", "dp_exposed_s", "optimizer_s",
           "tp_link", "cp_link", "dp_link", "pp_link", "rejected")


def _powers_of_two(limit: int) -> list[int]:
    out, x = [], 1
    while x <= limit:
        out.append(x)
        x *= 2
    return out


def _items(field: str, value, what: str) -> list:
    """One value or a non-empty list/tuple/array of them, as a list (a string or a dict is one value)."""
    if isinstance(value, (list, tuple, set, frozenset)) or (isinstance(value, np.ndarray) and value.ndim > 0):
        values = list(value)
        if not values:
            raise ValueError(f"{field} must be {what} or a non-empty list of them, got {value!r}")
        return values
    return [value]


def _unique(values: list) -> list:
    out = []
    for x in values:
        if x not in out:
            out.append(x)
    return out


def _options(field: str, value, default: list[int], *, low: int = 1) -> list[int]:
    """None → default; one whole number (any real type) → [it]; a list of them → them (sorted, unique)."""
    if value is None:
        return list(default)
    return sorted({v.positive_int(field, x) for x in _items(field, value, f"a whole number >= {low}")})


def _tp_ok(cfg: ModelConfig, tp: int) -> bool:
    if cfg.N % tp or cfg.F % tp:
        return False
    if cfg.is_moe and (cfg.F_expert % tp or (cfg.F_shared and cfg.F_shared % tp)):
        return False
    return cfg.uses_mla or cfg.K % tp == 0 or tp % cfg.K == 0


def _fast_bandwidth(c: Chip, size: np.ndarray) -> np.ndarray:
    """Collective bandwidth of a group of ``size`` ranks inside one fast domain (bytes/s)."""
    if c.kind != "tpu":
        return np.full(size.shape, collective_bandwidth(c, "fast"))
    dims = sorted(c.pod_shape or (c.fast_domain,), reverse=True)
    axes = np.full(size.shape, min(3, c.fast_axes), dtype=np.int64)
    reach = 1
    for i, d in enumerate(dims[:-1]):
        reach *= d
        axes = np.where((size <= reach) & (axes > i + 1), i + 1, axes)
    return axes * c.fast_link_bidir


def _bandwidth(c: Chip, size: np.ndarray, span: np.ndarray) -> np.ndarray:
    return np.where(span <= c.fast_domain, _fast_bandwidth(c, size), c.slow_link_one_way)


def _link_names(c: Chip, size: np.ndarray, span: np.ndarray) -> np.ndarray:
    names = np.where(span <= c.fast_domain, c.fast_link_name, c.slow_link_name).astype(object)
    names[size <= 1] = "-"
    return names


def _evaluate(cfg: ModelConfig, chip, n_chips, batch_tokens, seq_len, *, regime, tp, pp, cp, ep, zero, sp,
              micro_batch, recompute, interleave, attention, causal, compute_efficiency, headroom, fused_swiglu,
              elementwise_passes=4.0) -> dict:
    if not isinstance(cfg, ModelConfig):
        raise ValueError(f"cfg must be a llmcalc.ModelConfig (e.g. llmcalc.preset('llama-3.1-405b')), got {type(cfg).__name__}")
    c = _chip(chip)
    n = v.positive_int("n_chips", n_chips)
    s = v.positive_int("seq_len", seq_len)
    bt = v.positive_int("batch_tokens", batch_tokens)
    for field, value, cap in (("n_chips", n, 2**40), ("seq_len", s, 2**40), ("batch_tokens", bt, 2**53)):
        if value > cap:
            raise ValueError(f"{field} must be a whole number in [1, 2^{cap.bit_length() - 1}] for the planner's "
                             f"arrays, got {value:.4g}")
    if bt % s:
        lo, hi = (bt // s) * s, (bt // s + 1) * s
        raise ValueError(f"batch_tokens must be a whole number of sequences of seq_len={s} tokens, got {bt}; "
                         f"nearest: {lo:,} or {hi:,}" if lo else
                         f"batch_tokens must be at least one sequence (seq_len={s} tokens), got {bt}")
    seqs = bt // s
    r = _regime(regime)
    attention = v.choice("attention", attention, ATTENTION)
    eff = v.fraction("compute_efficiency", compute_efficiency)
    headroom = v.unit_interval("headroom", headroom)
    fused_swiglu = v.flag("fused_swiglu", fused_swiglu)
    causal = v.flag("causal", causal)
    passes = v.positive_number("elementwise_passes", elementwise_passes, allow_zero=True)
    if passes > 64:
        raise ValueError(f"elementwise_passes must be in [0, 64] (HBM passes over each stored activation "
                         f"per step), got {elementwise_passes!r}")
    flash = attention == "flash"

    # ----- option lists -----
    tp_default = [t for t in _powers_of_two(c.fast_domain if c.kind == "gpu" else 16) if _tp_ok(cfg, t)]
    tps = _options("tp", tp, tp_default)
    for t in tps:
        if not _tp_ok(cfg, t):
            raise ValueError(f"tp={t} must divide N ({cfg.N}) and the MLP widths (F={cfg.F}) and divide or be a "
                             f"multiple of K ({cfg.K}); valid for this model: {tp_default or [1]}")
    cps = _options("cp", cp, [x for x in _powers_of_two(32) if s % x == 0 and s // x >= 128] or [1])
    for x in cps:
        if s % x:
            raise ValueError(f"cp={x} must divide seq_len ({s})")
    pps = _options("pp", pp, list(range(1, cfg.L + 1)))
    if pps[-1] > cfg.L:
        raise ValueError(f"pp must be in [1, L={cfg.L}] (pipeline stages), got {pps[-1]}")
    if cfg.is_moe:
        eps = _options("ep", ep, [x for x in _powers_of_two(cfg.E) if cfg.E % x == 0])
        for x in eps:
            if cfg.E % x:
                raise ValueError(f"ep={x} must divide E ({cfg.E} experts)")
    else:
        eps = _options("ep", ep, [1])
        if eps != [1]:
            raise ValueError(f"ep must be 1 for a dense model ({cfg.name or 'cfg'} has no experts), got {eps}")
    zeros = list(ZERO_STAGES) if zero is None else _unique(
        [v.choice("zero", z, ZERO_STAGES) for z in _items("zero", zero, "a ZeRO stage")])
    sps = [False, True] if sp is None else _unique(
        [v.flag("sp", x) for x in _items("sp", sp, "True or False")])
    mbs = _options("micro_batch", micro_batch, _powers_of_two(min(64, seqs)))
    rcs = (["none", "full"] if flash else list(RECOMPUTE)) if recompute is None else _unique(
        [v.choice("recompute", x, RECOMPUTE) for x in _items("recompute", recompute, "a policy")])
    vs = _options("interleave", interleave, [1, 2, 4, 8])

    # ----- meshes (tp, cp, pp, ep) whose product divides n -----
    T, C, P, E = (a.ravel() for a in np.meshgrid(np.array(tps), np.array(cps), np.array(pps), np.array(eps),
                                                 indexing="ij"))
    tpi = np.searchsorted(tps, T)
    ok = (n % (T * C * P)) == 0
    D_ = np.where(ok, n // (T * C * P), 0)
    ok &= (D_ % E) == 0
    T, C, P, E, D_, tpi = T[ok], C[ok], P[ok], E[ok], D_[ok], tpi[ok]
    if T.size == 0:
        raise ValueError(f"no combination of tp {tps} × cp {cps} × pp (in [{pps[0]}, {pps[-1]}]) × ep {eps} "
                         f"divides n_chips={n}; choose n_chips with more small factors or widen the options")

    # ----- the grid: mesh × sp × zero × micro-batch × recompute × interleave, by broadcasting -----
    # Each quantity is computed on the axes it depends on and broadcast only when combined, so the
    # work per layout is a few array operations on the full grid.
    M = T.size
    shape = (M, len(sps), len(zeros), len(mbs), len(rcs), len(vs))
    f = np.float64

    def on(values, axis, dtype=None):
        a = np.asarray(values, dtype=dtype)
        return a.reshape([-1 if i == axis else 1 for i in range(len(shape))])

    tp_a, cp_a, pp_a, ep_a, dp_a = (on(x, 0) for x in (T, C, P, E, D_))
    tp_f, cp_f, pp_f, ep_f, dp_f = (x.astype(f) for x in (tp_a, cp_a, pp_a, ep_a, dp_a))
    sp_a = on(sps, 1, bool)
    z_a = on(zeros, 2)
    mb_a = on(mbs, 3)
    mb_f = mb_a.astype(f)
    rc_names = np.array(rcs)
    full = on(rc_names == "full", 4)
    selective = on(rc_names == "selective", 4)
    v_a = on(vs, 5)
    v_f = v_a.astype(f)
    # duplicates: SP means nothing without TP, interleaving nothing without PP, ZeRO nothing on one replica
    keep = ~(sp_a & (tp_a == 1)) & ~((v_a > 1) & (pp_a == 1)) & ~((z_a > 0) & (dp_a * cp_a == 1))

    # ----- parameters per device (mesh axis) -----
    pb = param_breakdown(cfg)
    L, moe_layers = cfg.L, cfg.moe_layers
    dense_layers = L - moe_layers
    norm_each = pb["norms"] / (L * cfg.norms_per_layer + 1)   # one norm's weights (D, or 2D with a bias)
    norm_per_layer = cfg.norms_per_layer * norm_each             # replicated on every TP rank
    attn_l = pb["attention"] / L
    dense_mlp_l = pb["mlp"] / dense_layers if dense_layers else 0.0
    emb, head = pb["embedding"], pb["lm_head"]
    stage_layers = -(-L // pp_a)
    stage_moe = np.minimum(stage_layers, moe_layers)
    stage_dense = stage_layers - stage_moe
    ends = np.where(pp_a == 1, emb + head, max(emb, head)) / tp_f + norm_each   # + the final norm
    p_dense = (stage_dense * (attn_l + dense_mlp_l) + stage_moe * attn_l) / tp_f + ends + stage_layers * norm_per_layer
    p_expert = np.zeros_like(p_dense)
    layer_params_dev = (attn_l + dense_mlp_l) / tp_f + norm_per_layer
    if moe_layers:
        router_l, shared_l, expert_l = (pb[k] / moe_layers for k in ("router", "shared_experts", "experts"))
        p_dense = p_dense + stage_moe * (router_l + shared_l / tp_f)  # router replicated, shared split by TP
        p_expert = stage_moe * expert_l / (tp_f * ep_f)
        layer_params_dev = (attn_l + shared_l + expert_l / ep_f) / tp_f + router_l + norm_per_layer
    zgroup = dp_f * cp_f          # ZeRO shards over data × context parallel ranks
    egroup = zgroup / ep_f        # expert weights: over the replicas of each expert

    def states(params, group):    # (mesh, zero)
        def shard(stage):
            return np.where(z_a >= stage, group, 1.0)
        return params * (r.weights / shard(3) + r.grads / shard(2) + (r.master + r.optimizer) / shard(1))

    state_bytes = (states(p_dense, zgroup) + states(p_expert, egroup)
                   + np.where(z_a >= 3, 2 * layer_params_dev * r.weights, 0.0))

    # ----- activations: per-layer bytes of one sequence at seq_len s (no CP), from llmcalc.memory -----
    def layer_bytes(t, spj, rc):
        parts = layer_activation_breakdown(cfg, 1, s, tp=t, sp=spj, recompute=rc, flash_attention=flash,
                                           moe_layer=bool(moe_layers))
        return float(sum(x for name, x in parts.items() if not (fused_swiglu and name.endswith("silu_gate"))))

    kept = np.array([[[layer_bytes(t, spj, rc) for rc in rcs] for spj in sps] for t in tps])
    whole = np.array([[layer_bytes(t, spj, "none") for spj in sps] for t in tps])
    sp_idx = np.arange(len(sps)).reshape(1, -1, 1, 1, 1, 1)
    rc_idx = np.arange(len(rcs)).reshape(1, 1, 1, 1, -1, 1)
    ti = on(tpi, 0)
    per_layer = kept[ti, sp_idx, rc_idx] * mb_f / cp_f                       # (M, S, 1, B, R, 1)
    rebuilt = np.where(full, whole[ti, sp_idx] * mb_f / cp_f, 0.0)           # full recompute: one layer rebuilt
    m_a = np.where(seqs % dp_a == 0, seqs // dp_a, 0) // mb_a                 # micro-batches per replica
    inflight = np.where(pp_a > 1, np.minimum(pp_a, np.maximum(m_a, 1)), 1)
    ileave = np.where(v_a > 1, 1 + (pp_f - 1) / (pp_f * v_f), 1.0)
    stage_acts = stage_layers * per_layer
    logits = mb_f * (s / cp_f) * cfg.V / tp_f * 4.0
    acts = np.maximum(inflight * stage_acts * ileave, stage_acts + logits) + rebuilt
    memory = state_bytes + acts
    usable = c.hbm_bytes * (1 - headroom)

    # ----- compute per micro-batch on the heaviest stage -----
    fb = forward_flops_breakdown(cfg, 1, s, causal=causal)
    score_l = fb["attention_scores"] / L
    attn_fl = (fb["attention_proj"] + fb["attention_scores"]) / L
    dense_fl = attn_fl + (fb["mlp"] / dense_layers if dense_layers else 0.0)
    moe_fl = attn_fl + ((fb["router"] + fb["experts"] + fb["shared_experts"]) / moe_layers if moe_layers else 0.0)
    head_train = 3.0 * fb["lm_head"]
    model_seq = 3.0 * sum(fb.values())  # model FLOPs of one sequence (what MFU counts)

    def train_layer(fwd):                # (R)
        return np.where(full, 4.0 * fwd, 3.0 * fwd + np.where(selective, score_l, 0.0))

    dense_train, moe_train = train_layer(dense_fl), train_layer(moe_fl)
    hw_seq = dense_layers * dense_train + moe_layers * moe_train + head_train
    heaviest = np.where(stage_moe > 0, moe_train, dense_train)
    # whole layers per stage: ⌈L/PP⌉ on the first PP − 1 stages, the rest (and the LM head) on the last
    last_layers = np.maximum(0, L - (pp_a - 1) * stage_layers)
    stage_seq = np.where(pp_a == 1, hw_seq,
                         np.maximum(stage_layers * heaviest, last_layers * heaviest + head_train))
    compute_mb = mb_f * stage_seq / (tp_f * cp_f) / (c.peak_flops * eff)     # (M, 1, 1, B, R, 1)

    # ----- communication per micro-batch -----
    bpv = 2.0  # bf16 activations and weights on the wire
    act_msg = mb_f * (s / cp_f) * cfg.D * bpv
    tp_span, cp_span, ep_span, dp_span = tp_a, tp_a * cp_a, tp_a * cp_a * ep_a, tp_a * cp_a * dp_a
    w_tp = _bandwidth(c, tp_a, tp_span)
    tp_l = np.where(full, 6.0, 4.0) * 2.0 * act_msg * (tp_f - 1) / tp_f / w_tp  # all-reduce: 2(n-1)/n
    w_cp = _bandwidth(c, cp_a, cp_span)
    kv_width = (float(cfg.kv_lora_rank + cfg.qk_rope_head_dim) if cfg.uses_mla
                else 2.0 * cfg.H * np.maximum(cfg.K / tp_f, 1.0))
    cp_l = np.where(full, 4.0, 3.0) * mb_f * s * kv_width * bpv * (cp_f - 1) / cp_f / w_cp
    if moe_layers:
        w_ep = _bandwidth(c, ep_a, ep_span)
        ep_l = np.where(full, 6.0, 4.0) * act_msg * cfg.k * (ep_f - 1) / ep_f / w_ep
    else:
        ep_l = np.zeros((1,) * len(shape))
    w_pp = np.where(dp_span * pp_a <= c.fast_domain, c.fast_link_one_way, c.slow_link_one_way)
    p2p = np.where(pp_a > 1, 2.0 * v_f * act_msg / np.where(sp_a, tp_f, 1.0) / w_pp, 0.0)
    tp_mb, cp_mb, ep_mb = stage_layers * tp_l, stage_layers * cp_l, stage_moe * ep_l
    # non-matmul work (norms, activations, softmax, dropout, residuals) is bound by HBM
    # (elementwise_passes, default 4: an assumption, see the module docstring; +2 with full recompute)
    elementwise_mb = ((passes + np.where(full, 2.0, 0.0)) * stage_layers * whole[ti, sp_idx] * mb_f / cp_f
                      / c.hbm_bytes_per_s)
    t_mb = compute_mb + elementwise_mb + tp_mb + cp_mb + ep_mb + p2p
    mm = np.maximum(m_a, 1).astype(f)
    bubble = t_mb * (pp_f - 1) / v_f
    pipe = t_mb * mm + bubble

    w_dp = _bandwidth(c, zgroup, dp_span)
    g_bytes = float(r.grads or 2)
    # dense gradients are reduced over the DP × CP group, each expert's over its replicas only
    moved = (p_dense * (zgroup - 1) / zgroup + p_expert * (egroup - 1) / egroup) / w_dp
    t_dp_step = np.where(z_a == 0, 2 * g_bytes, g_bytes + r.weights) * moved
    t_z3 = (2.0 * r.weights + g_bytes) * moved
    dp_exposed = np.where(z_a >= 3, mm * np.maximum(0.0, t_z3 - compute_mb),
                          np.maximum(0.0, t_dp_step - compute_mb * 2.0 / 3.0))
    optimizer = 2.0 * state_bytes / c.hbm_bytes_per_s
    step = pipe + dp_exposed + optimizer
    mfu = model_seq * seqs / (n * c.peak_flops * step)
    hfu = hw_seq * seqs / (n * c.peak_flops * step)

    # ----- rejections, first failing check -----
    reason = np.where(seqs % dp_a != 0, 1,
             np.where((seqs // dp_a) % mb_a != 0, 2,
             np.where((v_a > 1) & ((m_a < pp_a) | (stage_layers < v_a)), 3,
             np.where(memory > usable, 4, 0)))).astype(np.int8)

    return dict(
        shape=shape, keep=np.broadcast_to(keep, shape).ravel(), chip=c, seqs=seqs, usable=usable, bt=bt,
        tp=tp_a, sp=sp_a, cp=cp_a, pp=pp_a, interleave=v_a, dp=dp_a, ep=ep_a, zero=z_a, micro_batch=mb_a,
        microbatches=m_a, recompute=on(rc_names, 4), memory=memory, step_s=step, mfu=mfu, hfu=hfu,
        compute_s=compute_mb * mm, elementwise_s=elementwise_mb * mm, tp_comm_s=tp_mb * mm, cp_comm_s=cp_mb * mm, ep_comm_s=ep_mb * mm,
        pp_p2p_s=p2p * mm, bubble_s=bubble, dp_exposed_s=dp_exposed, optimizer_s=optimizer, reason=reason,
        spans=dict(tp=(tp_a, tp_span), cp=(cp_a, cp_span), dp=(zgroup, dp_span), pp=(pp_a, dp_span * pp_a)),
    )


def _frame(res: dict, rows: np.ndarray):
    import pandas as pd

    shape, c = res["shape"], res["chip"]
    at = np.unravel_index(rows, shape)

    def take(a):
        return np.broadcast_to(a, shape)[at]

    data = {}
    for name in COLUMNS:
        if name == "memory_gib":
            data[name] = take(res["memory"]) / 2**30
        elif name == "fits":
            data[name] = take(res["memory"]) <= res["usable"]
        elif name == "tokens_per_s":
            data[name] = res["bt"] / take(res["step_s"])
        elif name.endswith("_link"):
            size, span = res["spans"][name[:-5]]
            data[name] = _link_names(c, take(size), take(span))
        elif name == "rejected":
            data[name] = np.array(REASONS, dtype=object)[take(res["reason"])]
        else:
            data[name] = take(res[name])
    return pd.DataFrame(data)


@v.takes_config
def search(cfg: ModelConfig, chip: str | Chip, n_chips: int, batch_tokens: int, seq_len: int, *,
           regime: str | Regime = "mixed", tp=None, pp=None, cp=None, ep=None, zero=None, sp=None,
           micro_batch=None, recompute=None, interleave=None, attention: str = "flash", causal: bool = True,
           compute_efficiency: float = 1.0, headroom: float = 0.1, fused_swiglu: bool = True,
           elementwise_passes: float = 4.0, top: int | None = None, include_rejected: bool = False):
    """Every layout of ``cfg`` on ``n_chips`` chips for a global batch of ``batch_tokens`` tokens in
    sequences of ``seq_len``, ranked by predicted step time (a pandas DataFrame, one row per layout).

    Each degree option (``tp``, ``pp``, ``cp``, ``ep``, ``micro_batch``, ``interleave``) is None for the
    default candidates, one whole number, or a list: TP powers of two up to the fast domain (GPU) or 16
    (TPU) that split the heads and MLP; CP powers of two up to 32 leaving ≥ 128 tokens per rank; PP every
    whole number up to L (those that divide the chips); EP powers of two dividing E (MoE only);
    micro-batch powers of two up to 64 sequences; interleave 1, 2, 4, 8. ``zero`` (stages 0-3), ``sp``
    (True/False) and ``recompute`` ("none"/"selective"/"full"; "selective" only with eager attention
    by default, since flash attention keeps no score tensors) likewise. DP is what is left:
    n_chips / (TP·CP·PP). The model and its assumptions are in the module docstring.

    Columns: the layout (tp, sp, cp, pp, interleave, dp, ep, zero, micro_batch, microbatches m per
    replica, recompute); ``memory_gib`` per device (GiB = 2**30 bytes) and ``fits``; ``step_s`` and its
    parts (``compute_s``, ``elementwise_s``, ``tp_comm_s``, ``cp_comm_s``, ``ep_comm_s``, ``pp_p2p_s``,
    ``bubble_s``, ``dp_exposed_s``, ``optimizer_s``; seconds per step, which they sum to); ``mfu``, ``hfu``,
    ``tokens_per_s``; the link each group uses; ``rejected`` (the reason, "" when accepted). Only accepted layouts are returned
    unless ``include_rejected=True`` (then rejected ones follow, ranked the same way). ``top`` keeps the
    first rows. ``df.attrs``: ``evaluated`` (layouts evaluated), ``seconds`` (time taken),
    ``layouts_per_s``, ``rejected`` (count per reason).
    """
    started = time.perf_counter()
    res = _evaluate(cfg, chip, n_chips, batch_tokens, seq_len, regime=regime, tp=tp, pp=pp, cp=cp, ep=ep,
                    zero=zero, sp=sp, micro_batch=micro_batch, recompute=recompute, interleave=interleave,
                    attention=attention, causal=causal, compute_efficiency=compute_efficiency, headroom=headroom,
                    fused_swiglu=fused_swiglu, elementwise_passes=elementwise_passes)
    if top is not None:
        top = v.positive_int("top", top)
    shape, keep = res["shape"], res["keep"]
    reason = np.broadcast_to(res["reason"], shape).ravel()
    step = np.broadcast_to(res["step_s"], shape).ravel()
    accepted = np.flatnonzero(keep & (reason == 0))
    order = accepted[np.argsort(step[accepted], kind="stable")]
    if include_rejected:
        rejected = np.flatnonzero(keep & (reason != 0))
        order = np.concatenate([order, rejected[np.argsort(step[rejected], kind="stable")]])
    counts = np.bincount(reason[keep], minlength=len(REASONS))
    if accepted.size == 0 and not include_rejected:
        raise ValueError(_why_none(res, reason, keep, counts))
    if top is not None:
        order = order[:top]
    elapsed = time.perf_counter() - started
    df = _frame(res, order)
    evaluated = int(counts.sum())
    df.attrs.update(evaluated=evaluated, seconds=elapsed,
                    layouts_per_s=evaluated / elapsed if elapsed > 0 else float("inf"),
                    rejected={REASONS[i]: int(counts[i]) for i in range(1, len(REASONS)) if counts[i]},
                    accepted=int(counts[0]))
    return df


def _why_none(res: dict, reason: np.ndarray, keep: np.ndarray, counts: np.ndarray) -> str:
    """The message for a search in which no layout is accepted: how many were rejected for each reason,
    and for memory how far the least hungry layout is from fitting."""
    parts = [f"{int(counts[i]):,} rejected for {REASONS[i]}" for i in range(1, len(REASONS)) if counts[i]]
    msg = f"no layout is accepted: of {int(counts.sum()):,} evaluated, " + "; ".join(parts)
    mem = keep & (reason == 4)
    if mem.any():
        need = float(np.broadcast_to(res["memory"], res["shape"]).ravel()[mem].min())
        usable = float(res["usable"])
        msg += (f". The least memory any layout needs is {need / 1e9:,.1f} GB per device, over the "
                f"{usable / 1e9:,.1f} GB usable on {res['chip'].name} (HBM less headroom): use more chips, "
                f"a smaller batch, recompute, or a chip with more memory")
    return msg + (". Pass include_rejected=True to see every rejected layout with its reason." if parts else ".")


def layout_name(row) -> str:
    """A layout (a row of :func:`search`) as one short string: "TP8+SP CP1 PP16×v4 DP128 ZeRO-1 b1 none"
    (EP shown only when above 1; b is the micro-batch in sequences; last, the recompute policy)."""
    sp = "+SP" if row["sp"] else ""
    ileave = f"×v{row['interleave']}" if row["interleave"] > 1 else ""
    ep = f" EP{row['ep']}" if row["ep"] > 1 else ""
    return (f"TP{row['tp']}{sp} CP{row['cp']} PP{row['pp']}{ileave} DP{row['dp']}{ep} ZeRO-{row['zero']} "
            f"b{row['micro_batch']} {row['recompute']}")


@v.takes_config
def layout(cfg: ModelConfig, chip: str | Chip, n_chips: int, batch_tokens: int, seq_len: int, *, tp: int = 1,
           pp: int = 1, cp: int = 1, ep: int = 1, zero: int = 1, sp: bool = True, micro_batch: int = 1,
           recompute: str = "none", interleave: int = 1, regime: str | Regime = "mixed", attention: str = "flash",
           causal: bool = True, compute_efficiency: float = 1.0, headroom: float = 0.1, fused_swiglu: bool = True,
           elementwise_passes: float = 4.0):
    """One named layout, evaluated with the same model as :func:`search` (a pandas Series).

    DP is n_chips / (tp·cp·pp); the Series has the same fields as a row of ``search``, including
    ``rejected`` (why the layout would be rejected, "" if it is valid and fits).
    LLaMA 3.1-405B as Meta trained it (Llama 3 paper, Table 4): ``layout(cfg, "H100", 16384,
    16 * 2**20, 8192, tp=8, pp=16)`` gives DP 128.
    """
    tp, pp, cp, ep, micro_batch, interleave = (
        v.positive_int(field, value) for field, value in (("tp", tp), ("pp", pp), ("cp", cp), ("ep", ep),
                                                          ("micro_batch", micro_batch), ("interleave", interleave)))
    zero = v.choice("zero", zero, ZERO_STAGES)
    recompute = v.choice("recompute", recompute, RECOMPUTE)
    n = v.positive_int("n_chips", n_chips)
    if n % (tp * cp * pp):
        raise ValueError(f"tp × cp × pp = {tp} × {cp} × {pp} = {tp * cp * pp} must divide n_chips={n}")
    sp = v.flag("sp", sp)
    df = search(cfg, chip, n, batch_tokens, seq_len, regime=regime, tp=tp, pp=pp, cp=cp, ep=ep, zero=[zero],
                sp=[sp and tp > 1], micro_batch=micro_batch, recompute=[recompute],
                interleave=interleave if pp > 1 else 1, attention=attention, causal=causal,
                compute_efficiency=compute_efficiency, headroom=headroom, fused_swiglu=fused_swiglu,
                elementwise_passes=elementwise_passes, include_rejected=True)
    if len(df) != 1:
        raise ValueError(f"zero={zero} needs more than one data-parallel replica (dp × cp = "
                         f"{n // (tp * pp)}); use zero=0")
    return df.iloc[0]
