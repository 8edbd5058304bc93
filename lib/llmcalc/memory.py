"""Training memory: model states, activations, logits, checkpoints, fine-tuning, and the chips needed.

Units: bytes everywhere. ``GB = 1e9`` bytes and ``GiB = 2**30`` bytes are kept apart; divide by one of
them only when printing. Results are exact integers where the answer is exact (integer parameter and
token counts, whole bytes per value, divisions that come out even); otherwise floats.

What is exact and what is an estimate:

* model states (weights, gradients, fp32 master copy, Adam moments) are exact byte counts for a
  given precision regime, up to the padding a framework adds when it shards;
* activations are an estimate: the list of tensors a layer keeps for its backward pass is an
  assumption written out in :func:`layer_activation_breakdown`; for a GPT-style layer it is exactly
  the closed form of Korthikanti et al. 2022, which the paper itself reports;
* framework overhead (CUDA context, allocator fragmentation, communication buffers, temporary
  buffers of the backward pass) is not modelled except in :func:`course_slide_bytes`, whose "+ 6" is
  exactly such an allowance.

Only the standard library is imported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence, Union

from . import _validate as v
from .hardware import Chip, chip as _chip
from .models import ModelConfig
from .params import expert_params, mlp_params, param_breakdown, param_count

GB = 10**9
GiB = 2**30

Number = Union[int, float]

__all__ = [
    "GB", "GiB", "BYTES_PER_VALUE", "value_bytes", "Regime", "REGIMES", "ZERO_STAGES", "RECOMPUTE", "CHECKPOINT_POLICIES", "LORA_TARGETS", "SUBSET_PARTS",
    "bytes_per_param", "model_state_breakdown", "model_state_bytes", "layer_activation_breakdown",
    "activation_bytes", "logits_bytes", "checkpoint_bytes", "min_chips", "fits", "training_bytes_per_device",
    "fsdp2_bytes_per_device", "FSDP2_MOMENTS",
    "course_slide_bytes", "lora_params", "subset_params", "finetune_bytes",
]


# ----- small helpers -----------------------------------------------------------------------------

def _exact(value) -> Number:
    """An exact Fraction/int comes back as an int when whole, else as a float; floats stay floats."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def _count(field: str, value) -> Fraction:
    """A positive size (params, tokens) as an exact Fraction; integer-valued floats such as 7.5e9 are
    whole numbers, so results built from them stay exact integers."""
    return Fraction(v.positive_number(field, value))


def _bytes_each(field: str, value, *, allow_zero: bool = False) -> Fraction:
    return Fraction(v.positive_number(field, value, allow_zero=allow_zero))


def _params_of(field: str, model) -> Fraction:
    if isinstance(model, ModelConfig):
        return Fraction(param_count(model))
    return _count(field, model)


# ----- 0. bytes per value ------------------------------------------------------------------------

BYTES_PER_VALUE: dict[str, Number] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int4": 0.5}


@v.checked
def value_bytes(count, dtype: str = "bf16") -> Number:
    """Bytes to store ``count`` values (parameters, activations) in ``dtype``: count × BYTES_PER_VALUE[dtype].

    fp32 4, fp16/bf16 2, int8 1, int4 0.5 bytes per value (the table of the multi-GPU training notes,
    docs/references.md [3]). Quantisation scales and zero points are not included. LLaMA 3-70B's 70e9
    parameters in bf16: 140e9 bytes = 140 GB (*How To Scale Your Model*, part 6). Exact: an int when the
    result is whole.
    """
    n = _count("count", count)
    dtype = v.choice("dtype", dtype, tuple(BYTES_PER_VALUE))
    return _exact(n * Fraction(BYTES_PER_VALUE[dtype]))


# ----- 1. precision regimes ------------------------------------------------------------------------

@dataclass(frozen=True)
class Regime:
    """Bytes kept per parameter while training with Adam, by kind of state.

    ``weights`` the copy the forward pass reads; ``grads`` the gradient buffer; ``master`` an fp32 copy
    of the weights the optimizer updates; ``optimizer`` Adam's two moments m and v.
    """

    name: str
    weights: int
    grads: int
    master: int
    optimizer: int
    source: str

    def __post_init__(self) -> None:
        # bytes per parameter of each kind: whole or half bytes (int4), never negative; at least one kind
        for name in ("weights", "grads", "master", "optimizer"):
            object.__setattr__(self, name, v.positive_number(name, getattr(self, name), allow_zero=True))
        if self.total == 0:
            raise ValueError("a Regime must keep some bytes per parameter (weights + grads + master + optimizer > 0)")

    @property
    def total(self) -> int:
        return self.weights + self.grads + self.master + self.optimizer

    def as_dict(self) -> dict[str, int]:
        return {"weights": self.weights, "grads": self.grads, "master": self.master, "optimizer": self.optimizer}


REGIMES: dict[str, Regime] = {
    r.name: r
    for r in [
        Regime("mixed", 2, 2, 4, 8,
               "ZeRO (Rajbhandari et al. 2020): bf16/fp16 weights 2 + grads 2 + fp32 master 4 + Adam m 4 + v 4"
               " = (2 + 2 + K)Ψ with K = 12 = 16 bytes per parameter"),
        Regime("mixed_fp32_grads", 2, 4, 4, 8,
               "Megatron-LM (and Korthikanti et al. 2022, Narayanan et al. 2021): gradients accumulated in"
               " fp32, 2 + 4 + 4 + 8 = 18 bytes per parameter"),
        Regime("bf16_fp32_adam", 2, 0, 0, 8,
               "How To Scale Your Model (part 6): bf16 parameters + fp32 Adam m and v, no master copy,"
               " gradients not kept between steps: 2 + 8 = 10 bytes per parameter"),
    ]
}

ZERO_STAGES = (0, 1, 2, 3)


def _regime(regime) -> Regime:
    if isinstance(regime, Regime):
        return regime
    return REGIMES[v.choice("regime", regime, list(REGIMES))]


@v.checked
def bytes_per_param(regime: str | Regime = "mixed") -> int:
    """Bytes of model state per parameter in a precision regime (``REGIMES``): 16, 18 or 10.

    "mixed" 16 = 2 + 2 + 4 + 4 + 4 (ZeRO paper, K = 12); "mixed_fp32_grads" 18 (Megatron, fp32 grads);
    "bf16_fp32_adam" 10 (How To Scale Your Model: bf16 params, fp32 Adam, no master, no kept grads).
    """
    return _regime(regime).total


# ----- 2. model states under ZeRO ------------------------------------------------------------------

@v.checked
def model_state_breakdown(params, regime: str | Regime = "mixed", zero_stage: int = 0, dp: int = 1, *,
                          model_parallel: int = 1) -> dict[str, Number]:
    """Model-state bytes per device by kind (weights, grads, master, optimizer) and their ``total``.

    ZeRO (Rajbhandari et al. 2020, section 5) over ``dp`` = N_d data-parallel devices:
        stage 0  (w + g + m + o)·Ψ                          mixed: 16Ψ
        stage 1  (w + g)·Ψ + (m + o)·Ψ/N_d   (optimizer)    mixed: 4Ψ + 12Ψ/N_d
        stage 2  w·Ψ + (g + m + o)·Ψ/N_d     (+ grads)      mixed: 2Ψ + 14Ψ/N_d
        stage 3  (w + g + m + o)·Ψ/N_d       (+ weights)    mixed: 16Ψ/N_d
    with Ψ = params / model_parallel, the parameters one data-parallel replica's device holds when the
    model is also split ``model_parallel`` = TP × PP ways (assumed evenly; in reality the embedding and
    LM head sit on the first and last pipeline stages). ``params`` is a count or a ``ModelConfig``.
    Sharded buffers are assumed to divide exactly (frameworks pad them to a multiple of N_d).
    """
    r = _regime(regime)
    if zero_stage not in ZERO_STAGES or isinstance(zero_stage, bool):
        raise ValueError(f"zero_stage must be one of {list(ZERO_STAGES)}, got {zero_stage!r}")
    dp = v.positive_int("dp", dp)
    mp = v.positive_int("model_parallel", model_parallel)
    psi = _params_of("params", params) / mp
    sharded = {"weights": zero_stage >= 3, "grads": zero_stage >= 2, "master": zero_stage >= 1,
               "optimizer": zero_stage >= 1}
    out = {}
    for kind, per_param in r.as_dict().items():
        out[kind] = psi * per_param / (dp if sharded[kind] else 1)
    out["total"] = sum(out.values())
    return {k: _exact(x) for k, x in out.items()}


@v.checked
def model_state_bytes(params, regime: str | Regime = "mixed", zero_stage: int = 0, dp: int = 1, *,
                      model_parallel: int = 1) -> Number:
    """Model-state bytes per device (weights + grads + fp32 master + Adam) under ZeRO stage 0-3.

    See :func:`model_state_breakdown` for the formula. ZeRO paper example: Ψ = 7.5e9 on N_d = 64,
    "mixed": 120 GB at stage 0, 31.4 / 16.6 / 1.9 GB at stages 1 / 2 / 3.
    """
    return model_state_breakdown(params, regime, zero_stage, dp, model_parallel=model_parallel)["total"]


# ----- 3. activations ------------------------------------------------------------------------------

RECOMPUTE = ("none", "selective", "full")

# kinds of stored tensor: how each is divided under tensor (TP) and sequence (SP) parallelism
_REP = "replicated"  # full width on every TP rank (norm inputs, linear inputs, residual dropout masks); /t under SP
_TP = "tp"           # split by TP (heads, MLP width); /t
_SCORE = "score"     # attention score-shaped (N·s per token), split by TP; dropped by selective recompute


def _check_tp(cfg: ModelConfig, tp: int) -> int:
    tp = v.positive_int("tp", tp)
    if cfg.N % tp:
        raise ValueError(f"tp must divide N (query heads, {cfg.N}); got tp={tp}")
    widths = [("F", cfg.F)]
    if cfg.is_moe:
        widths.append(("F_expert", cfg.F_expert))
        if cfg.F_shared:
            widths.append(("F_shared", cfg.F_shared))
    for name, width in widths:
        if width % tp:
            raise ValueError(f"tp must divide {name} (MLP width, {width}); got tp={tp}")
    if not cfg.uses_mla and cfg.K % tp and tp % cfg.K:
        raise ValueError(f"tp must divide K (key/value heads, {cfg.K}) or be a multiple of it; got tp={tp}")
    return tp


def _layer_tensors(cfg: ModelConfig, seq_len: int, tp: int, *, dropout: bool, flash_attention: bool,
                   norm_fp32: bool, moe_layer: bool) -> list[tuple[str, Fraction, str, str]]:
    """(name, width in values per token, kind, dtype) of what one layer keeps, before recompute/TP."""
    D, N, T = cfg.D, cfg.N, seq_len
    norm = "fp32" if norm_fp32 else "value"
    t: list[tuple[str, Fraction, str, str]] = []
    add = lambda name, width, kind, dtype="value": t.append((name, Fraction(width), kind, dtype))
    # attention block
    add("attn_norm_input", D, _REP, norm)
    add("qkv_input", D, _REP)
    if cfg.uses_mla:
        if cfg.q_lora_rank is not None:
            add("q_latent", 2 * cfg.q_lora_rank, _REP)  # q_a output (norm input) and q_a_layernorm output
        add("kv_latent", 2 * cfg.kv_lora_rank + cfg.qk_rope_head_dim, _REP)
        add("query", N * cfg.qk_head_dim, _TP)
        add("key", N * cfg.qk_head_dim, _TP)
        add("value", N * cfg.v_dim, _TP)
    else:
        kv_heads_per_rank = Fraction(cfg.K, tp) if cfg.K % tp == 0 else Fraction(1)  # tp > K replicates kv heads
        add("query", N * cfg.H, _TP)
        # stored per device as kv_heads_per_rank·H; written here pre-division (× tp) so that _TP divides it back
        add("key", kv_heads_per_rank * tp * cfg.H, _TP)
        add("value", kv_heads_per_rank * tp * cfg.H, _TP)
    if flash_attention:
        t.append(("softmax_logsumexp", Fraction(N), _TP, "fp32"))
    else:
        add("softmax_output", N * T, _SCORE)
        if dropout:
            add("attn_dropout_mask", N * T, _SCORE, "mask")
            add("attn_dropout_output", N * T, _SCORE)
    add("out_proj_input", N * cfg.v_dim, _TP)
    if dropout:
        add("attn_residual_dropout_mask", D, _REP, "mask")
    # MLP block
    add("mlp_norm_input", D, _REP, norm)
    add("mlp_input", D, _REP)
    gated = cfg.mlp == "gated"

    def mlp_tensors(prefix: str, width: int, copies: int = 1):
        if gated:  # down(silu(gate(x)) * up(x)): silu keeps gate, the product keeps silu(gate) and up
            for part in ("gate", "up", "silu_gate", "product"):
                add(f"{prefix}{part}", copies * width, _TP)
        else:      # fc2(gelu(fc1(x))): gelu keeps its input, fc2 keeps gelu's output
            add(f"{prefix}gelu_input", copies * width, _TP)
            add(f"{prefix}gelu_output", copies * width, _TP)

    if moe_layer:
        k = cfg.k
        add("router_logits", cfg.E, _REP)
        add("expert_inputs", k * D, _REP)      # tokens dispatched to their k experts (permuted copies)
        mlp_tensors("expert_", cfg.F_expert, k)
        add("expert_outputs", k * D, _REP)     # kept to weight by the router probabilities
        if cfg.F_shared:
            mlp_tensors("shared_", cfg.F_shared)
    else:
        mlp_tensors("", cfg.F)
    if dropout:
        add("mlp_residual_dropout_mask", D, _REP, "mask")
    return t


@v.checked
@v.takes_config
def layer_activation_breakdown(cfg: ModelConfig, micro_batch: int, seq_len: int, *, tp: int = 1,
                               sp: bool = False, recompute: str = "none", bytes_per_value: Number = 2,
                               dropout: bool | None = None, flash_attention: bool = False,
                               norm_fp32: bool = False, moe_layer: bool | None = None) -> dict[str, Number]:
    """Bytes one transformer layer keeps for its backward pass, per device, for one micro-batch,
    tensor by tensor (an estimate: the stored set below is an assumption, stated in full).

    b = micro_batch, s = seq_len, t = tp; widths per token:

    attention   attn_norm_input D · qkv_input D (the norm's output) · query N·H · key K·H · value K·H
                · softmax_output N·s · [attn_dropout_mask N·s (1 byte) · attn_dropout_output N·s]
                · out_proj_input N·H · [attn_residual_dropout_mask D (1 byte)]
    MLP         mlp_norm_input D · mlp_input D ·
                plain: gelu_input F · gelu_output F;
                gated (SwiGLU): gate F · up F · silu_gate F · product F (silu keeps its input, the product
                keeps both factors, the down projection keeps the product)
                · [mlp_residual_dropout_mask D (1 byte)]
    MoE layer   instead of the dense MLP: router_logits E · expert_inputs k·D · k × the expert MLP tensors
                of width F_expert · expert_outputs k·D · shared-expert tensors of width F_shared
    MLA         q_latent 2·q_lora_rank · kv_latent 2·kv_lora_rank + rope dim (not split by TP), and
                query/key N·(nope + rope), value/out_proj_input N·v_head_dim

    Bracketed tensors exist only with ``dropout`` (default: on for ``mlp="plain"`` GPT-style models,
    off for gated ones). Values are ``bytes_per_value`` each (2 for bf16), masks 1 byte;
    ``norm_fp32=True`` keeps the norm inputs as fp32 copies (4 bytes, as Hugging Face's eager RMSNorm
    does); ``flash_attention=True`` keeps no s-wide score tensors, only the fp32 log-sum-exp (N per
    token). RoPE, bias-add and residual-add intermediates are assumed fused or recomputed.

    Parallelism (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
    Models", section 4): the norm inputs, the two linear inputs and the residual dropout masks are
    replicated across the t TP ranks; everything else is split by t (K·H is not split below one head:
    with t > K each rank keeps one head of K and V). ``sp=True`` (sequence parallelism) splits the
    replicated ones along the sequence too, so everything is divided by t.
    ``recompute="selective"`` drops the score-shaped tensors (recomputed in the backward pass);
    ``"full"`` keeps only the layer input (D values per token, divided by t under SP).

    For a GPT-style layer (N·H = K·H = D, F = 4D, dropout) the sum is exactly the paper's
    sbh(34 + 5as/h) with no parallelism, sbh(10 + 24/t + 5as/(ht)) with TP, sbh(34/t + 5as/(ht)) with
    TP + SP, sbh(10 + 24/t) with TP + selective, 34sbh/t with TP + SP + selective, 2sbh full.
    A real LLaMA-style layer keeps more than this in eager PyTorch (RoPE copies, fp32 norm internals);
    measure it before trusting it to the last GB.
    """
    b = v.positive_int("micro_batch", micro_batch)
    s = v.positive_int("seq_len", seq_len)
    tp = _check_tp(cfg, tp)
    recompute = v.choice("recompute", recompute, RECOMPUTE)
    bpv = _bytes_each("bytes_per_value", bytes_per_value)
    if not isinstance(sp, bool):
        raise ValueError(f"sp must be True or False, got {sp!r}")
    dropout = (cfg.mlp == "plain") if dropout is None else bool(dropout)
    moe_layer = cfg.is_moe if moe_layer is None else bool(moe_layer)
    if moe_layer and not cfg.is_moe:
        raise ValueError("moe_layer=True needs a MoE model (E >= 1)")
    tokens = b * s
    seq_split = tp if sp else 1
    dtype_bytes = {"value": bpv, "mask": Fraction(1), "fp32": Fraction(4)}
    if recompute == "full":
        return {"layer_input": _exact(tokens * cfg.D * bpv / seq_split)}
    out = {}
    for name, width, kind, dtype in _layer_tensors(cfg, s, tp, dropout=dropout, flash_attention=flash_attention,
                                                   norm_fp32=norm_fp32, moe_layer=moe_layer):
        if kind == _SCORE and recompute == "selective":
            continue
        per_device = width / (seq_split if kind == _REP else tp)
        out[name] = _exact(tokens * per_device * dtype_bytes[dtype])
    return out


@v.checked
@v.takes_config
def activation_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, tp: int = 1, sp: bool = False,
                     pp: int = 1, recompute: str = "none", bytes_per_value: Number = 2, interleave: int = 1,
                     dropout: bool | None = None, flash_attention: bool = False,
                     norm_fp32: bool = False) -> Number:
    """Activation bytes per device of the transformer layers on the first pipeline stage (an estimate).

        activations = pp · Σ_{first ⌈L/pp⌉ layers} layer bytes(micro_batch)      (1F1B, interleave = 1)
                      × (1 + (pp − 1)/(pp · m))                                  (interleave = m ≥ 2)

    Convention of Korthikanti et al. 2022 (section 4.2.3 and Table 3): layers only (no embedding
    dropout mask, no logits: see :func:`logits_bytes`), on the first stage of a 1F1B pipeline, which
    holds L/pp layers for pp micro-batches in flight, i.e. L layers' worth (assumes at least pp
    micro-batches per step); the interleaved schedule with m = ``interleave`` ≥ 2 model chunks per
    device multiplies this by 1 + (pp − 1)/(pp·m) (the paper's factor; it does not apply at m = 1, so
    going from m = 1 to m = 2 raises the estimate). A MoE model's first stage holds its dense layers
    first. Per-layer tensors, the TP/SP split and the
    recompute options are listed in :func:`layer_activation_breakdown`.

    The paper's closed form (its Equations 2 and 6) evaluated at its Table 3 layouts (GPT-style, s = 2048,
    V = 51200, t = 8) gives 22B (b = 4) 59.25 GiB with TP only, 9.5625 GiB with TP + SP + selective recompute;
    1T (b = 1, p = 64) 131.25 GiB and 26.5625 GiB. These are formula values, not measurements: reproducing
    them is an implementation check (the paper prints no measured memory to compare with).
    """
    pp = v.positive_int("pp", pp)
    if pp > cfg.L:
        raise ValueError(f"pp must be in [1, L={cfg.L}] (pipeline stages), got {pp}")
    m = v.positive_int("interleave", interleave)
    if m > 1 and pp == 1:
        raise ValueError(f"interleave must be 1 without pipeline parallelism (pp = 1), got {m}")
    if m > -(-cfg.L // pp):
        raise ValueError(f"interleave (model chunks per device) must be in [1, {-(-cfg.L // pp)}], the layers per "
                         f"stage (⌈L/pp⌉ = ⌈{cfg.L}/{pp}⌉); got {m}")
    opts = dict(tp=tp, sp=sp, recompute=recompute, bytes_per_value=bytes_per_value, dropout=dropout,
                flash_attention=flash_attention, norm_fp32=norm_fp32)
    first_stage_layers = -(-cfg.L // pp)
    dense_n = min(cfg.dense_mlp_layers, first_stage_layers)
    moe_n = first_stage_layers - dense_n
    total = Fraction(0)
    if dense_n:
        total += dense_n * Fraction(sum(layer_activation_breakdown(cfg, micro_batch, seq_len, moe_layer=False,
                                                                   **opts).values()))
    if moe_n:
        total += moe_n * Fraction(sum(layer_activation_breakdown(cfg, micro_batch, seq_len, moe_layer=True,
                                                                 **opts).values()))
    total *= pp
    if m > 1:  # the interleaved schedule's extra; a plain 1F1B schedule (m = 1) holds exactly L layers' worth
        total *= 1 + Fraction(pp - 1, pp * m)
    return _exact(total)


# ----- 8. logits -------------------------------------------------------------------------------------

@v.checked
@v.takes_config
def logits_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, tp: int = 1, bytes_per_value: Number = 4) -> Number:
    """Bytes of the logits the loss keeps, per device: b · s · V · bytes_per_value / tp.

    The LM head's output over the vocabulary, in fp32 (4 bytes) by default since the softmax
    cross-entropy is taken in fp32; split by tp with a vocab-parallel LM head (Megatron). One copy
    only: implementations that also keep the fp32 softmax or a bf16 copy hold 2-3 times this
    (the course slides' 12BTV counts three fp32 copies, docs/references.md [5]). An estimate of the peak.
    """
    b = v.positive_int("micro_batch", micro_batch)
    s = v.positive_int("seq_len", seq_len)
    tp = v.positive_int("tp", tp)
    bpv = _bytes_each("bytes_per_value", bytes_per_value)
    return _exact(b * s * cfg.V * bpv / tp)


# ----- 4. activation checkpoints, How To Scale Your Model style ------------------------------------

CHECKPOINT_POLICIES: dict[str, tuple[str, ...]] = {
    # How To Scale Your Model, part 6: "4 checkpoints per layer", each D wide
    "book_4xD": ("D", "D", "D", "D"),
    # the same part's "more aggressive" 12 checkpoints per layer, read as 12 D-wide tensors
    "book_12xD": ("D",) * 12,
    # the book's four D-wide tensors plus the two F-wide MLP tensors (gate and up projections' outputs)
    # that a policy saving anything inside the MLP keeps: the book's count misses these
    # (docs/references.md, "Where a source is wrong")
    "4xD_plus_2F": ("D", "D", "D", "D", "F", "F"),
    # every weight matmul's output (JAX's checkpoint_dots_with_no_batch_dims): q, k, v, attention
    # output projection, gate, up, down
    "dots_no_batch_dims": ("NH", "KH", "KH", "D", "F", "F", "D"),
}

_WIDTH_NAMES = ("D", "F", "KH", "NH")


def _width(cfg: ModelConfig, w) -> int:
    if isinstance(w, str):
        table = {"D": cfg.D, "F": cfg.F, "KH": cfg.K * cfg.H, "NH": cfg.N * cfg.H}
        if w not in table:
            raise ValueError(f"widths entries must be one of {list(_WIDTH_NAMES)} or a whole number >= 1, got {w!r}")
        return table[w]
    if isinstance(w, bool) or not isinstance(w, int) or w < 1:
        raise ValueError(f"widths entries must be one of {list(_WIDTH_NAMES)} or a whole number >= 1, got {w!r}")
    return w


@v.checked
@v.takes_config
def checkpoint_bytes(cfg: ModelConfig, tokens, widths: Sequence | str = ("D", "D", "D", "D"),
                     bytes_per_value: Number = 2) -> Number:
    """Bytes of activation checkpoints for a whole batch: bytes_per_value · tokens · L · Σ widths.

    *How To Scale Your Model*, part 6: every layer keeps one tensor per entry of ``widths``
    for each of the ``tokens`` tokens of the global batch (not per device): "D" is the model width,
    "F" the MLP width, "KH" the key/value width K·H, "NH" the query width N·H, or a whole number.
    ``widths`` may also name a policy in ``CHECKPOINT_POLICIES``. LLaMA 3-70B, 4e6 tokens, 4 × D:
    2 · 8192 · 4e6 · 4 · 80 = 2.10e13 bytes (the book prints 20.9 TB). Assumes nothing else is kept
    between forward and backward; what the backward pass rematerialises from a checkpoint is
    transient and not counted.
    """
    n = _count("tokens", tokens)
    bpv = _bytes_each("bytes_per_value", bytes_per_value)
    if isinstance(widths, str):
        if widths not in CHECKPOINT_POLICIES:
            raise ValueError(f"widths must be a sequence of widths or one of {list(CHECKPOINT_POLICIES)}, got {widths!r}")
        widths = CHECKPOINT_POLICIES[widths]
    widths = list(widths)
    if not widths:
        raise ValueError("widths must name at least one tensor per layer, got an empty sequence")
    per_token_per_layer = sum(_width(cfg, w) for w in widths)
    return _exact(bpv * n * cfg.L * per_token_per_layer)


# ----- 5. chips ------------------------------------------------------------------------------------

def _hbm_bytes(chip) -> Fraction:
    """HBM bytes of a chip given by name, as a ``Chip``, or directly as a number of bytes (a 44 GB card)."""
    if not isinstance(chip, (str, Chip)):
        return Fraction(v.positive_number("chip (a chip name, a Chip, or HBM bytes)", chip))
    return Fraction(_chip(chip).hbm_bytes)


@v.checked
def min_chips(total_bytes, chip: str | Chip | Number) -> int:
    """The fewest chips whose HBM holds ``total_bytes``: ⌈total_bytes / HBM bytes per chip⌉.

    ``chip`` is a name (``"TPU v5p"``), a ``Chip``, or HBM bytes per device. A lower bound: it assumes
    the bytes split perfectly evenly and nothing else needs room. *How To Scale Your Model*, part 6:
    21.6e12 bytes ÷ 96e9 per TPU v5p = 225 chips.
    """
    total = _count("total_bytes", total_bytes)
    return math.ceil(total / _hbm_bytes(chip))


@v.checked
def fits(bytes_per_device, chip: str | Chip | Number, headroom: float = 0.0) -> bool:
    """True when ``bytes_per_device`` ≤ HBM · (1 − headroom).

    ``chip`` is a name, a ``Chip``, or HBM bytes per device; ``headroom`` in [0, 1) is the share of HBM
    kept free for what the estimate leaves out (allocator fragmentation, buffers, CUDA context).
    """
    need = Fraction(v.positive_number("bytes_per_device", bytes_per_device, allow_zero=True))
    headroom = v.unit_interval("headroom", headroom)
    return need <= _hbm_bytes(chip) * (1 - Fraction(headroom))


@v.checked
@v.takes_config
def training_bytes_per_device(cfg: ModelConfig, micro_batch: int, seq_len: int, *, regime: str | Regime = "mixed",
                              zero_stage: int = 0, dp: int = 1, tp: int = 1, pp: int = 1, sp: bool = False,
                              recompute: str = "none", interleave: int = 1, bytes_per_value: Number = 2,
                              logits_bytes_per_value: Number = 4, dropout: bool | None = None,
                              flash_attention: bool = False, norm_fp32: bool = False) -> dict[str, Number]:
    """Bytes per device for a planned training run, by term: model_states, activations, logits, total.

        model_states  :func:`model_state_bytes` of param_count(cfg) split tp·pp ways, ZeRO over dp
        activations   :func:`activation_bytes` (first pipeline stage, layers only)
        logits        :func:`logits_bytes` (one fp32 copy, vocab-parallel over tp)
        total         their sum

    An estimate. With pp > 1 the total is an upper bound: the logits live on the last stage, the
    activation peak on the first, and the parameters are not exactly evenly split. A MoE model's experts
    are split only by tp·pp here (no expert parallelism). Framework overhead,
    communication buffers and fragmentation are not included: compare with :func:`fits` and a headroom.
    """
    tp_ = v.positive_int("tp", tp)
    pp_ = v.positive_int("pp", pp)
    states = model_state_bytes(cfg, regime, zero_stage, dp, model_parallel=tp_ * pp_)
    acts = activation_bytes(cfg, micro_batch, seq_len, tp=tp, sp=sp, pp=pp, recompute=recompute,
                            bytes_per_value=bytes_per_value, interleave=interleave, dropout=dropout,
                            flash_attention=flash_attention, norm_fp32=norm_fp32)
    logits = logits_bytes(cfg, micro_batch, seq_len, tp=tp, bytes_per_value=logits_bytes_per_value)
    total = sum(Fraction(x) for x in (states, acts, logits))
    return {"model_states": states, "activations": acts, "logits": logits, "total": _exact(total)}


# ----- 5b. one rank under PyTorch FSDP2 (+ DTensor TP/SP): the working set the ZeRO formula leaves out ----

FSDP2_MOMENTS = ("forward_copy_out", "forward_last_layer", "loss_forward", "loss_backward", "backward_last_layer",
                 "backward_second_last_layer", "backward_second_layer", "backward_first_layer", "root_backward",
                 "root_reduce_scatter", "optimizer_step")


class _ScalarOps:
    """``where``, ``maximum``, ``logical_and`` and ``ceil`` on plain numbers (numpy's names, for
    :func:`_fsdp2_terms`)."""

    @staticmethod
    def where(cond, a, b):
        return a if cond else b

    @staticmethod
    def maximum(a, b):
        return max(a, b)

    @staticmethod
    def logical_and(a, b):
        return bool(a and b)

    @staticmethod
    def ceil(a):
        return math.ceil(a)


def _fsdp2_terms(cfg: ModelConfig, b, s, d, tp, sp, rafo, amp, ckpt, lp, kept=None, xp=_ScalarOps):
    """The closed form of :func:`fsdp2_bytes_per_device` on numbers, or on numpy arrays broadcast together with
    ``xp=numpy`` (the planner): a dict of moment -> dict of group -> bytes. ``kept``: bytes one layer keeps for its
    backward pass, when another recompute policy than none/full decides it (the planner's selective policies).
    No validation here."""
    _np = xp

    D, F, N, K, H, V, L = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H, cfg.V, cfg.L
    p = _np.where(amp, 4.0, 2.0)                        # sharded parameters, gradients, AdamW states
    t = b * s
    sp = _np.logical_and(sp, tp > 1)
    lp = _np.logical_and(lp, tp > 1)
    tl = _np.where(sp, t / tp, t)
    multi = d > 1
    # parameters of one decoder layer and of the root (embedding, final norm, LM head) on one TP rank, as FSDP2
    # gathers them: each tensor's first dimension padded to a multiple of d (d × ⌈rows/d⌉ × columns)
    def gathered(rows, cols):
        return d * _np.ceil(rows / d) * cols

    NHl, KHl, Fl = N * H / tp, K * H / tp, F / tp
    layer = (gathered(NHl, D) + 2 * gathered(KHl, D) + gathered(D, NHl) + 2 * gathered(Fl, D) + gathered(D, Fl)
             + 2 * gathered(D, 1))
    if cfg.qkv_bias:
        layer = layer + gathered(NHl, 1) + 2 * gathered(KHl, 1)
    if cfg.o_bias:
        layer = layer + gathered(D, 1)
    if cfg.mlp_bias:
        layer = layer + 2 * gathered(Fl, 1) + gathered(D, 1)
    head = V * D / tp                                    # the embedding, and the LM head unless tied (unpadded)
    root = gathered(V / tp, D) * (1 if cfg.tied_embeddings else 2) + gathered(D, 1)
    shard = (L * layer + root) / d
    tensors = L * (9 + 3 * cfg.qkv_bias + cfg.o_bias + 3 * cfg.mlp_bias) + (2 if cfg.tied_embeddings else 3)
    weights = shard * p
    adam = 2 * shard * p + 4 * tensors
    grads_layers = L * layer / d * p                     # every layer's sharded gradients (the root's come last)
    gathered_root = 2 * root                             # bf16, kept from the forward to the end of the backward
    # ZeRO-2 style keeps every layer gathered; ZeRO-3 style one gathered layer plus the next one's buffer
    gathered_layers = _np.where(rafo, 0.0, L * 2 * layer)
    prefetched = _np.where(_np.logical_and(rafo, multi), 2 * layer, 0.0)
    # what a decoder layer keeps (llmcalc.rank_memory.rank_layer_saved_bytes) and, checkpointed, its input
    split = (4 * N * H + 4 * K * H + 4 * N + 8 * F) / tp
    saved = _np.where(sp, tl * (12 * D + 8) + t * (4 * D + split), t * (16 * D + 8 + split))
    kept = _np.where(ckpt, 2 * D * tl, saved) if kept is None else kept
    final_norm = tl * (6 * D + 4) + 2 * D * t            # its fp32 copy, rstd, output, and the LM head's input
    tokens = 8 * t + 8 * b * (s + 1)                     # int64 token ids and transformers' padded labels
    loss = _np.where(lp, 16 * V / tp * t + 33 * t, 12 * V * t)
    acts = L * kept + tokens
    out = {}
    # the forward pass, last layer: at its copy-out, that layer gathered (ZeRO-2 style: every layer so far) and two
    # flat all-gather buffers (the previous group's is freed only after this copy-out) beside L - 1 layers' kept
    # tensors; inside its forward, one flat buffer beside L layers' kept tensors and, under checkpointing, the
    # layer's own tensors while it runs (kept only until it returns)
    flat = _np.where(multi, 2 * layer, 0.0)
    gathered_fwd = weights + gathered_root + _np.where(rafo, 2 * layer, L * 2 * layer)
    out["forward_copy_out"] = dict(parameters=gathered_fwd + 2 * flat, gradients=0.0, optimizer_states=adam,
                                   activations=(L - 1) * kept + 8 * t)
    out["forward_last_layer"] = dict(parameters=gathered_fwd + flat, gradients=0.0, optimizer_states=adam,
                                     activations=L * kept + _np.where(ckpt, saved, 0.0) + 8 * t)
    # the end of the forward pass: the loss's forward (bf16 logits, their fp32 copy and the log-softmax, 10·V bytes
    # per token; with loss parallelism 14·V/tp) while the last layer's flat all-gather buffer is still held
    loss_fwd = _np.where(lp, 14 * V / tp * t, 10 * V * t)
    out["loss_forward"] = dict(parameters=weights + gathered_root + gathered_layers + flat, gradients=0.0,
                               optimizer_states=adam, activations=acts + final_norm + loss_fwd)
    out["loss_backward"] = dict(parameters=weights + gathered_root + gathered_layers + prefetched, gradients=0.0,
                                optimizer_states=adam, activations=acts + final_norm + loss)
    # a layer's backward, inside its MLP: the layer gathered and the next one's buffer, the LM head's bf16
    # gradient, the recomputed layer under checkpointing, the down projection's gradient, two F/tp-wide
    # gradients per token and the residual gradient (autograd's bf16 gradients count as activations, as torch's
    # tracker counts them temporaries until their group's post-backward). Going down, with j layers done, L - j
    # layers still keep their tensors, j layers' sharded gradients exist and (j >= 1) the reduce-scatter input of
    # the layer above is held; linear in j but for the prefetch (none below the first layer), so the largest is at
    # j = 0, 1, L - 2 or L - 1
    # early in the MLP's backward: g_prod then the gradients of silu and up (F/tp wide); later, after the up and
    # gate projections' backward: their two input gradients (D wide on t tokens, gathered under SP), the up and
    # gate weight gradients and the gate's output gradient, the F-wide tensors the layer kept being gone
    in_mlp = _np.where(ckpt, saved, 0.0) + _np.maximum(4 * Fl * t + 2 * D * tl,
                                                       4 * D * t + 4 * D * Fl - 6 * Fl * t) + 2 * D * Fl
    # then the second norm's backward: the MLP's tensors are gone (its norm's tensors, its gathered input and its
    # four F/tp-wide tensors: t_l·(6D + 4) + 2D·t + 8·F/tp·t), its three weight gradients (bf16) wait for the
    # layer's reduce-scatter, and the norm's fp32 input and five fp32 temporaries of D per token (t_l tokens) are
    # live with the residual gradient: 26·D·t_l. Without SP on many TP ranks this is the layer's largest moment.
    in_norm = (_np.where(ckpt, saved, 0.0) - (tl * (6 * D + 4) + 2 * D * t + 8 * Fl * t) + 26 * D * tl
               + 6 * D * Fl)
    in_layer = _np.maximum(in_mlp, in_norm)
    grad_shard = layer / d * p
    for name, j in (("backward_last_layer", 0), ("backward_second_last_layer", 1), ("backward_second_layer", L - 2),
                    ("backward_first_layer", L - 1)):
        j = max(0, min(j, L - 1))
        # ZeRO-2 style reshards each layer after its backward: L - j layers still gathered
        # the layer below is prefetched while this one runs; the first layer has none below it
        below = prefetched if j <= L - 2 else 0.0
        out[name] = dict(parameters=weights + gathered_root + _np.where(rafo, 2 * layer + below, (L - j) * 2 * layer),
                         gradients=(layer * p if j else 0.0) + j * grad_shard, optimizer_states=adam,
                         activations=(L - j) * kept + tokens + in_layer + 2 * head)
    # the end of the backward pass: every layer's sharded gradients and the root's bf16 gradients (with TP the
    # embedding's over the whole vocabulary, then its V/tp rows); in the embedding's backward the root is still
    # gathered and the first layer's reduce-scatter input held; at the root's post-backward the root is resharded
    # and its own reduce-scatter input (P_root·p, padded) allocated before its gradients are freed
    emb_grad = _np.where(tp > 1, 2 * V * D + 2 * head, 2 * head)
    root_grads = (0 if cfg.tied_embeddings else 2 * head) + emb_grad
    out["root_backward"] = dict(parameters=weights + gathered_root, gradients=grads_layers
                                + root_grads + _np.where(multi, layer * p, 0.0), optimizer_states=adam,
                                activations=tokens)
    root_grads_local = (0 if cfg.tied_embeddings else 2 * head) + 2 * head
    out["root_reduce_scatter"] = dict(parameters=weights, gradients=grads_layers + root_grads_local + root * p,
                                      optimizer_states=adam, activations=tokens)
    # foreach AdamW: one sharded-state-sized copy (the square root of exp_avg_sq) beside everything sharded
    out["optimizer_step"] = dict(parameters=weights, gradients=shard * p, optimizer_states=adam + shard * p,
                                 activations=8 * t)
    for m in out.values():
        m["total"] = m["parameters"] + m["gradients"] + m["optimizer_states"] + m["activations"]
    return out


def fsdp2_bytes_per_device(cfg: ModelConfig, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1,
                           tp: int = 1, sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16",
                           checkpointing: bool = False, loss_parallel: bool = True) -> dict:
    """One rank's peak under PyTorch FSDP2 (+ DTensor TP/SP), in closed form: the ZeRO formula's model states
    plus the working set FSDP2 and autograd hold (an estimate; ``llmcalc.rank_peak_bytes`` replays the same
    step tensor by tensor). The recipe is :mod:`llmcalc.rank_memory`'s: every decoder layer wrapped with
    ``fully_shard`` (``reshard_after_forward`` True: ZeRO-3 style, False: ZeRO-2 style), then the root, over
    ``dp_shard`` ranks (HSDP's ``dp_replicate`` replicas do not shard); ``regime`` "bf16" (2 bytes per parameter,
    gradient and AdamW moment) or "amp" (fp32 master, fp32 gradients and moments, bf16 compute); foreach AdamW;
    transformers' LLaMA with SDPA; ``checkpointing`` every layer; TP with ``sp`` and ``loss_parallel``.

    The peak is the largest of eleven moments (``FSDP2_MOMENTS``), each the sum of four groups (parameters,
    gradients, optimizer_states, activations, as torch's tracker groups them: autograd's bf16 gradients are
    activations until their group's post-backward), with ``t = micro_batch·seq_len`` tokens, ``t_l = t/tp`` under
    SP, P_layer and P_root the parameters of a decoder layer and of the root on one TP rank, S = (L·P_layer +
    P_root)/dp_shard the shard, p = 2 (bf16) or 4 (amp), and A what a layer keeps: under DTensor's layout
    t_l·(12D + 8) + t·(4D + (4NH + 4KH + 4N + 8F)/tp) with SP (its two gathered linear inputs stay whole on
    every rank), t·(16D + 8 + ...) without (``llmcalc.rank_memory.rank_layer_saved_bytes``), or 2D·t_l, its input,
    under checkpointing:

    * every moment: the sharded weights S·p and AdamW's moments 2·S·p (+ 4 bytes per tensor of step counters);
      before the end of the backward pass the root (embedding, final norm, LM head) gathered in bf16, 2·P_root;
    * forward_copy_out (the last layer's parameters copied out of their all-gather): that layer gathered
      (ZeRO-2 style: every layer, 2·L·P_layer) and two flat all-gather buffers (2·2·P_layer: the previous
      group's is freed only after this copy-out), (L − 1)·A; forward_last_layer: one flat buffer, L·A and, under
      checkpointing, the layer's own tensors while it runs;
    * loss_forward: L·A, the final norm, the loss's forward (bf16 logits, their fp32 copy and the log-softmax:
      10·V bytes per token; 14·V/tp with loss parallelism), the last layer's flat buffer (ZeRO-2 style: every
      layer gathered too), int64 ids and labels; loss_backward: the same with the loss's backward (12·V bytes per
      token: the log-softmax and two fp32 gradients; 16·V/tp + 33 with loss parallelism) and, ZeRO-3 style, the
      last layer's prefetched buffer instead;
    * backward of a layer, with j layers done (j = 0, 1, L − 2, L − 1; the total is linear in j but for the
      prefetch, which the first layer has not): (L − j)·A, the layer gathered and the next one's buffer (ZeRO-2:
      L − j layers gathered), j layers' sharded gradients and, for j ≥ 1, the reduce-scatter input of the layer
      above (P_layer·p), the LM head's bf16 gradient, under checkpointing the recomputed layer, and inside the MLP
      the larger of its early temporaries (two F/tp-wide gradients and the residual gradient) and its late ones
      (the up and gate projections' input gradients, 4D·t, and weight gradients);
    * root_backward (the embedding's backward): every layer's sharded gradients, the root still gathered, its bf16
      gradients (with TP the embedding's gradient covers the whole vocabulary, 2·V·D bytes, then its V/tp rows)
      and the first layer's reduce-scatter input; root_reduce_scatter: the root resharded, its gradients and its
      own reduce-scatter input (P_root·p) at once;
    * optimizer_step: weights, gradients and moments sharded, plus foreach AdamW's one state-sized copy: 5·S·p.

    Every parameter tensor is counted as FSDP2 shards it, its first dimension padded to a multiple of dp_shard.
    Left out (small for real shapes; ``rank_peak_bytes`` has them): the amp bf16 cast of a shard before its
    all-gather, rotary tables, norm weights' gradients, SP's re-ordered collective copies, attention's
    own temporaries. Checked against torch's ``FSDPMemTracker`` (``docs/rank-memory.md``): within 5% on the grid
    of real LLaMA shapes recorded there (Llama 2 7B and 13B, Llama 3 8B and 70B, 8 to 512 ranks); on tiny models,
    whose peak can be a few small tensors, not always.

    Returns ``parameters``, ``gradients``, ``optimizer_states``, ``activations`` and ``total`` at the largest
    moment, ``moment`` (its name) and ``moments`` (each moment's total)."""
    from .rank_memory import _check_rank

    b, s, d, tp = _check_rank(cfg, micro_batch, seq_len, dp_shard, dp_replicate, tp, sp, reshard_after_forward,
                              regime, checkpointing, loss_parallel)
    terms = _fsdp2_terms(cfg, b, s, d, tp, bool(sp), bool(reshard_after_forward), regime == "amp",
                         bool(checkpointing), bool(loss_parallel))
    totals = {m: float(x["total"]) for m, x in terms.items()}
    top = max(FSDP2_MOMENTS, key=lambda m: totals[m])
    out = {k: float(x) for k, x in terms[top].items()}
    out["moment"] = top
    out["moments"] = totals
    return out


# ----- 6. the course-slide rule (docs/references.md [5]) ---------------------------------------------

@v.checked
def course_slide_bytes(model, n_gpus: int, micro_batch: int, seq_len: int, *, overhead_bytes: Number = 6 * GiB,
                       L: int | None = None, D: int | None = None, V: int | None = None) -> dict[str, Number]:
    """The course slides' rule of thumb (docs/references.md [5]), per GPU, in bytes, by term:

        16P/N  +  2·L·B·T·H  +  12·B·T·V  +  6
        model_and_optimizer  layer_inputs  logits   overhead

    P parameters (16 bytes each, ZeRO-3 over N GPUs), B micro-batch, T sequence, H = D model width:
    each layer's bf16 input kept (full recomputation), 4BTV bytes of fp32 softmax input plus 8BTV of
    intermediates the transformers code adds, and about 6 of framework, ZeRO and fragmentation overhead
    (``overhead_bytes``). ``model`` is a ``ModelConfig`` (P, L, D, V read from it) or a parameter count
    with ``L``, ``D``, ``V`` given.

    The slides' example, LLaMA-7B on 2 × A100-80G at B = 8, T = 2048, says "66 GB per card". That
    comes out only if every term is in GiB: 16P/2 = 53.9e9 bytes = 50.2 GiB, 2LBTH + 12BTV =
    10.59e9 bytes = 9.86 GiB, + 6 GiB = 66.1 GiB (the default ``overhead_bytes = 6 GiB``). In GB the
    same rule gives 53.9 + 10.6 + 6 = 70.5 GB. The slide's labels "activations 6.2 GB, other 10 GB"
    look swapped against its own formula, whose activation terms make 9.86 GiB (10.6 GB) and whose
    "other" is 6.
    """
    if isinstance(model, ModelConfig):
        P = Fraction(param_count(model))
        L_, D_, V_ = model.L, model.D, model.V
    else:
        P = _count("model (parameter count)", model)
        if L is None or D is None or V is None:
            raise ValueError("L, D and V must be given (whole numbers >= 1) when model is a parameter count")
        L_, D_, V_ = v.positive_int("L", L), v.positive_int("D", D), v.positive_int("V", V)
    n = v.positive_int("n_gpus", n_gpus)
    B = v.positive_int("micro_batch", micro_batch)
    T = v.positive_int("seq_len", seq_len)
    over = _bytes_each("overhead_bytes", overhead_bytes, allow_zero=True)
    out = {"model_and_optimizer": 16 * P / n, "layer_inputs": Fraction(2 * L_ * B * T * D_),
           "logits": Fraction(12 * B * T * V_), "overhead": over}
    out["total"] = sum(out.values())
    return {k: _exact(x) for k, x in out.items()}


# ----- 7. fine-tuning --------------------------------------------------------------------------------

LORA_TARGETS = ("q", "k", "v", "o", "gate", "up", "down", "router")


def _matrix_shapes(cfg: ModelConfig, target: str, experts: int) -> list[tuple[int, int, int]]:
    """(in, out, copies per layer) of the weight matrices a LoRA target names, in one layer."""
    D, N, K, H = cfg.D, cfg.N, cfg.K, cfg.H
    if target in ("q", "k", "v", "o"):
        if cfg.uses_mla:
            raise ValueError("targets q/k/v/o are not defined for MLA attention; give the matrices' shapes")
        return {"q": [(D, N * H, 1)], "k": [(D, K * H, 1)], "v": [(D, K * H, 1)], "o": [(N * H, D, 1)]}[target]
    if target == "router":
        if not cfg.is_moe:
            raise ValueError("targets 'router' needs a MoE model (E >= 1)")
        return [(D, cfg.E, 1)]
    if target == "gate" and cfg.mlp != "gated":
        raise ValueError("targets 'gate' needs a gated MLP (mlp='gated')")
    width, copies = (cfg.F_expert, experts) if cfg.is_moe else (cfg.F, 1)
    shape = (width, D) if target == "down" else (D, width)
    out = [(shape[0], shape[1], copies)]
    if cfg.is_moe and cfg.F_shared:
        out.append(((cfg.F_shared, D) if target == "down" else (D, cfg.F_shared)) + (1,))
    return out


def _experts(cfg: ModelConfig, experts) -> int:
    if experts is None:
        return cfg.E
    if not cfg.is_moe:
        raise ValueError("experts needs a MoE model (E >= 1)")
    e = v.positive_int("experts", experts)
    if e > cfg.E:
        raise ValueError(f"experts must be in [1, E={cfg.E}], got {e}")
    return e


def _layers(cfg: ModelConfig, layers) -> int:
    if layers is None:
        return cfg.L
    n = v.positive_int("layers", layers)
    if n > cfg.L:
        raise ValueError(f"layers must be in [1, L={cfg.L}], got {n}")
    return n


@v.checked
@v.takes_config
def lora_params(cfg: ModelConfig, r: int, targets: Iterable[str] = ("q", "k", "v", "o"), *,
                layers: int | None = None, experts: int | None = None) -> int:
    """Trainable parameters of LoRA adapters of rank r: r·(in + out) per adapted matrix (exact).

    LoRA (Hu et al. 2021) replaces the update of a frozen in×out matrix W by B·A with A: in×r and
    B: r×out, so r·(in + out) new parameters. ``targets`` among ``LORA_TARGETS``: attention "q", "k",
    "v", "o"; MLP "gate", "up", "down" (in a MoE model: of each of ``experts`` routed experts per layer,
    default all E, and of the shared experts); "router" (D × E). ``layers``: how many layers carry
    adapters (default all L; MoE layers are assumed to be all layers when counting experts). Biases
    and norms are not adapted.

    The multi-GPU training notes (docs/references.md [3]), Mixtral-8x7B, r = 16 on gate/up/down of every
    expert: 3 · 16 · (4096 + 14336) = 884,736 per expert, 7,077,888 per layer, 226,492,416 in total (the
    notes print 226.6M).
    """
    r = v.positive_int("r", r)
    targets = v.choices("targets", targets, LORA_TARGETS)
    if cfg.is_moe and cfg.dense_layers and set(targets) & {"gate", "up", "down", "router"}:
        raise ValueError("targets gate/up/down/router are not supported for a MoE model with dense_layers > 0 "
                         "(its layers differ); count the dense and MoE layers separately")
    n_layers = _layers(cfg, layers)
    e = _experts(cfg, experts)
    per_layer = sum(r * (i + o) * c for t in targets for (i, o, c) in _matrix_shapes(cfg, t, e))
    return n_layers * per_layer


SUBSET_PARTS = ("attention", "mlp", "router", "experts", "shared_experts", "norms", "embedding", "lm_head")


@v.checked
@v.takes_config
def subset_params(cfg: ModelConfig, parts: Iterable[str], *, layers: int | None = None,
                  experts: int | None = None) -> int:
    """Exact parameters of a trainable subset of the model: ``parts`` of the bottom ``layers`` layers.

    ``parts`` among ``SUBSET_PARTS`` (the components of :func:`llmcalc.param_breakdown`); per-layer
    parts (attention, mlp, router, experts, shared_experts, norms) are counted in the first ``layers``
    layers (default all L); "experts" counts ``experts`` routed experts per layer (default all E);
    "embedding" and "lm_head" are the whole tables; "norms" with all layers includes the final norm.
    MoE layers are assumed uniform (no dense_layers) when ``layers`` is given.

    The multi-GPU training notes (docs/references.md [3]), Mixtral-8x7B: router only = 32 · 4096 · 8 =
    1,048,576; bottom 6 layers × 2 experts +
    those layers' routers = 6 · (2 · 3 · 4096 · 14336 + 4096 · 8) = 2,114,125,824 (≈ 2.11e9).
    """
    parts = v.choices("parts", parts, SUBSET_PARTS)
    if layers is not None and cfg.is_moe and cfg.dense_layers:
        raise ValueError("layers is not supported for a MoE model with dense_layers > 0; count those parts by hand")
    n = _layers(cfg, layers)
    if "experts" in parts and not cfg.is_moe:
        raise ValueError("parts 'experts' needs a MoE model (E >= 1)")
    e = _experts(cfg, experts)
    full = param_breakdown(cfg)
    one_norm = full["norms"] // (cfg.L * cfg.norms_per_layer + 1)
    # (parameters in one layer, layers that have the part) for the per-layer parts
    per_layer = {
        "attention": (full["attention"] // cfg.L, cfg.L),
        "norms": (cfg.norms_per_layer * one_norm, cfg.L),
        "mlp": (full["mlp"] // cfg.dense_mlp_layers if cfg.dense_mlp_layers else 0, cfg.dense_mlp_layers),
        "router": (full["router"] // cfg.moe_layers if cfg.moe_layers else 0, cfg.moe_layers),
        "experts": (e * expert_params(cfg), cfg.moe_layers),   # with gpt-oss's expert biases
        "shared_experts": (full["shared_experts"] // cfg.moe_layers if cfg.moe_layers else 0, cfg.moe_layers),
    }
    total = 0
    for p in parts:
        if p in ("embedding", "lm_head"):
            total += full[p]
            continue
        each, n_of = per_layer[p]
        total += each * (n_of if layers is None else min(n, n_of))
        if p == "norms" and layers is None:
            total += one_norm  # the final norm
    return total


@v.checked
def finetune_bytes(base, trainable_params, *, regime: str | Regime = "mixed",
                   frozen_bytes_per_param: Number = 2, trainable_in_base: bool = True) -> dict[str, Number]:
    """Bytes of model state for fine-tuning a subset or adapters, by term (activations not included).

        trainable:  weights, grads, master, optimizer = trainable_params × the regime's bytes of each
        frozen:     frozen_weights = frozen params × frozen_bytes_per_param
                    (frozen params = P − trainable when ``trainable_in_base``, else all P: adapters)
        total       the sum

    ``base`` is a ``ModelConfig`` or a parameter count P. ``frozen_bytes_per_param``: 2 for a bf16
    base, 0.5 for a 4-bit base (quantisation scales, and layers such as the embedding that QLoRA keeps
    in 16 bits, are left out: an estimate). Trainable weights are counted in the regime's dtype (bf16
    for "mixed"), so with ``trainable_in_base`` a trained part is stored once, not also as frozen.

    The multi-GPU training notes (docs/references.md [3]; Mixtral-8x7B on a 44 GB card): (B) 2.11e9
    trainable, "mixed": 4.23 GB weights, 4.23 GB
    grads, 16.9 GB Adam, 8.46 GB master, 33.8 GB total, before the frozen rest (89.2 GB in bf16);
    (C) 226.5M LoRA parameters at 16 bytes = 3.6 GB, plus the 4-bit base's 23.4 GB that the notes omit.
    """
    P = _params_of("base", base)
    n = _count("trainable_params", trainable_params)
    fb = _bytes_each("frozen_bytes_per_param", frozen_bytes_per_param, allow_zero=True)
    if trainable_in_base and n > P:
        raise ValueError(f"trainable_params must be in [1, base parameters={_exact(P)}] when trainable_in_base, "
                         f"got {_exact(n)}")
    r = _regime(regime)
    out = {kind: n * per for kind, per in r.as_dict().items()}
    out["frozen_weights"] = ((P - n) if trainable_in_base else P) * fb
    out["total"] = sum(out.values())
    return {k: _exact(Fraction(x)) for k, x in out.items()}
