"""Matmul FLOPs of a forward and a training step, exact integers, by component.

A matmul [m, k] × [k, n] costs 2·m·k·n FLOPs (one multiply and one add per MAC; 1 MAC = 2 FLOPs).
Only matmuls are counted, as ``torch.utils.flop_counter.FlopCounterMode`` does: norms, softmax,
activations, RoPE, residual adds and the optimizer are left out (together well under 1% for these
models). The embedding lookup is not a matmul; the LM head is.

Forward over ``batch`` sequences of ``seq_len`` = T tokens (B·T tokens):
    projections     2·B·T · (matmul weights of attention, MLP/experts, LM head)
    scores          QKᵀ and PV: 2·B·N·T·T·(H_qk + H_v) per layer for a full T×T matrix
                    (causal=True counts only the T(T+1)/2 unmasked pairs: B·N·T(T+1)·(H_qk + H_v));
                    on a sliding-window layer (window W) causal=True counts the W(W+1)/2 + (T − W)·W
                    pairs a windowed kernel computes (T(T+1)/2 while T ≤ W), on a chunked layer (chunks
                    of C) the causal pairs inside each chunk; causal=False is the eager full matrix on
                    every layer, window or not (eager attention masks after computing all T×T scores)
    MoE             router 2·B·T·D·E; each token runs k routed experts (+ shared experts)
Backward = exactly 2 × forward (each matmul Y = XW needs dX = dY·Wᵀ and dW = Xᵀ·dY, both the same size).
Full recomputation repeats the forward once more (4 × forward); selective recomputation (Korthikanti
et al. 2022) repeats only the attention-score matmuls.
"""

from __future__ import annotations

from . import _validate as v
from .models import ModelConfig
from .params import attention_matmul_weights_per_layer, mlp_params, param_count, active_param_count

FLOP_COMPONENTS = ("attention_proj", "attention_scores", "mlp", "router", "experts", "shared_experts", "lm_head")
RECOMPUTE = ("none", "selective", "full")


@v.checked
def matmul_flops(m: int, k: int, n: int) -> int:
    """FLOPs of one matmul [m, k] × [k, n]: 2·m·k·n (m·n outputs, each k multiplies and k adds).

    Counted in MACs (multiply-accumulates) it is m·k·n; 1 MAC = 2 FLOPs.
    """
    return 2 * v.positive_int("m", m) * v.positive_int("k", k) * v.positive_int("n", n)


def _check(batch, seq_len):
    return v.positive_int("batch", batch), v.positive_int("seq_len", seq_len)


@v.checked
def score_pairs(seq_len: int, causal: bool = True, window: int | None = None, chunk: int | None = None) -> int:
    """Query-key pairs a sequence of T tokens scores: T² in full, T(T+1)/2 under a causal mask.

    With ``window`` = W (a sliding window: query i sees keys i − W + 1 … i, itself included, as
    transformers' sliding-window mask and FlashAttention's ``window_size=(W − 1, 0)`` do), the causal
    pairs number Σ min(i + 1, W) = W(W + 1)/2 + (T − W)·W once T > W. With ``chunk`` = C (Llama 4's
    chunked attention: query i sees keys of its own block of C tokens up to itself), Σ over blocks of
    n(n + 1)/2. Window and chunk apply to causal scores only; ``causal=False`` is the full T².
    """
    T = v.positive_int("seq_len", seq_len)
    if window is not None and chunk is not None:
        raise ValueError("give window or chunk, not both (a layer is either sliding-window or chunked)")
    if not causal:
        if window is not None or chunk is not None:
            raise ValueError("window and chunk need causal=True (the eager full matrix is T² whatever the mask)")
        return T * T
    if window is not None:
        W = v.positive_int("window", window)
        return T * (T + 1) // 2 if T <= W else W * (W + 1) // 2 + (T - W) * W
    if chunk is not None:
        C = v.positive_int("chunk", chunk)
        full, rest = divmod(T, C)
        return full * C * (C + 1) // 2 + rest * (rest + 1) // 2
    return T * (T + 1) // 2


@v.checked
@v.takes_config
def attention_score_pairs(cfg: ModelConfig, seq_len: int, causal: bool = True) -> int:
    """Query-key pairs one query head scores over one sequence of T tokens, summed over the L layers.

    ``causal=True``: what a kernel that skips masked blocks computes, layer by layer (full causal,
    windowed or chunked, from ``cfg.layer_types``); ``causal=False``: the eager full T² on every layer.
    """
    T = v.positive_int("seq_len", seq_len)
    if not causal:
        return cfg.L * T * T
    per_type = {"full_attention": score_pairs(T, True),
                "sliding_attention": score_pairs(T, True, window=cfg.sliding_window) if cfg.sliding_layers else 0,
                "chunked_attention": score_pairs(T, True, chunk=cfg.attention_chunk_size) if cfg.chunked_layers else 0}
    return sum(per_type[t] for t in cfg.attention_per_layer)


@v.checked
@v.takes_config
def forward_flops_breakdown(cfg: ModelConfig, batch: int, seq_len: int, causal: bool = True) -> dict[str, int]:
    """Forward matmul FLOPs per component (keys ``FLOP_COMPONENTS``); sums to :func:`forward_flops`."""
    B, T = _check(batch, seq_len)
    tokens = B * T
    D, L = cfg.D, cfg.L
    out = dict.fromkeys(FLOP_COMPONENTS, 0)
    out["attention_proj"] = 2 * tokens * L * attention_matmul_weights_per_layer(cfg)
    out["attention_scores"] = 2 * B * cfg.N * attention_score_pairs(cfg, T, causal) * (cfg.qk_head_dim + cfg.v_dim)
    out["mlp"] = 2 * tokens * cfg.dense_mlp_layers * mlp_params(cfg, cfg.F, bias=False)
    if cfg.is_moe:
        moe = cfg.moe_layers
        out["router"] = 2 * tokens * moe * D * cfg.E  # a router's bias is an add, not a matmul
        out["experts"] = 2 * tokens * moe * cfg.k * mlp_params(cfg, cfg.F_expert, bias=False)
        shared = mlp_params(cfg, cfg.F_shared, bias=False) if cfg.F_shared else 0
        out["shared_experts"] = 2 * tokens * moe * (shared + (D if cfg.shared_expert_gate else 0))
    out["lm_head"] = 2 * tokens * D * cfg.V
    return out


@v.checked
@v.takes_config
def forward_flops(cfg: ModelConfig, batch: int, seq_len: int, causal: bool = True) -> int:
    """Matmul FLOPs of one forward pass over ``batch`` sequences of ``seq_len`` tokens, LM head included.

    ``causal=False`` counts the full T×T score matrix on every layer, as eager attention computes it and
    ``FlopCounterMode`` counts it; ``causal=True`` counts only the unmasked pairs (what a kernel that
    skips masked blocks, like FlashAttention, does): half the matrix, or less on sliding-window and
    chunked layers.
    """
    return sum(forward_flops_breakdown(cfg, batch, seq_len, causal).values())


@v.checked
@v.takes_config
def training_flops(cfg: ModelConfig, batch: int, seq_len: int, causal: bool = True, recompute: str = "none") -> int:
    """Matmul FLOPs of one training step (forward + backward) over ``batch`` × ``seq_len`` tokens.

    ``recompute="none"``: 3 × forward (the model FLOPs that MFU counts).
    ``"selective"``: + the attention-score matmuls once more. ``"full"``: 4 × forward (hardware FLOPs).
    """
    recompute = v.choice("recompute", recompute, RECOMPUTE)
    b = forward_flops_breakdown(cfg, batch, seq_len, causal)
    fwd = sum(b.values())
    extra = {"none": 0, "selective": b["attention_scores"], "full": fwd}[recompute]
    return 3 * fwd + extra


@v.checked
@v.takes_config
def training_flops_per_token(cfg: ModelConfig, seq_len: int, causal: bool = True, recompute: str = "none") -> float:
    """Exact training FLOPs per token at sequence length T (attention included), FLOPs."""
    return training_flops(cfg, 1, seq_len, causal, recompute) / seq_len


@v.checked
@v.takes_config
def flops_per_token(cfg: ModelConfig, recompute: str = "none") -> int:
    """The 6P rule: 2P forward + 4P backward per token (8P with full recomputation), FLOPs.

    P is the parameters one token uses: all of them for a dense model, the active ones for a MoE.
    It ignores attention scores (see :func:`training_flops_per_token`) and counts the embedding table
    as if it were a matmul.
    """
    recompute = v.choice("recompute", recompute, ("none", "full"))
    P = active_param_count(cfg) if cfg.is_moe else param_count(cfg)
    return (8 if recompute == "full" else 6) * P


@v.checked
@v.takes_config
def training_flops_6p(cfg: ModelConfig, tokens: int | float, recompute: str = "none") -> float:
    """Total training FLOPs by the 6P rule: ``flops_per_token(cfg) × tokens`` (8P with full recompute)."""
    tokens = v.positive_number("tokens", tokens)
    return flops_per_token(cfg, recompute) * tokens


@v.checked
@v.takes_config
def attention_score_fraction(cfg: ModelConfig, seq_len: int, causal: bool = True) -> float:
    """Share of forward matmul FLOPs spent on the T×T attention scores (grows with T, shrinks with D)."""
    b = forward_flops_breakdown(cfg, 1, seq_len, causal)
    return b["attention_scores"] / sum(b.values())


@v.checked
def article_closed_form_forward_flops(batch: int, seq_len: int, D: int, L: int, V: int, F: int) -> int | float:
    """The Qwen2-72B article's closed form for one forward pass, FLOPs: B·T·D·(2V + L·(4.5D + 4T + 6F)).

    B = ``batch`` sequences of T = ``seq_len`` tokens. Per token and layer: 4.5·D² for the Q, K, V, O
    projections (2·D² each for Q and O, 2·D·(D/8) each for K and V, so it holds only when N·H = D and
    K = N/8, as in Qwen2-72B and LLaMA 2/3-70B), 4·D·T for the full T×T scores (QKᵀ and PV, no causal
    discount), 6·D·F for a gated (SwiGLU) MLP; plus 2·D·V for the LM head. Biases, norms and softmax
    are left out. For such a model it equals :func:`forward_flops` with ``causal=False``.
    """
    B, T = _check(batch, seq_len)
    D, L, V, F = (v.positive_int(name, x) for name, x in (("D", D), ("L", L), ("V", V), ("F", F)))
    twice = B * T * D * (4 * V + L * (9 * D + 8 * T + 12 * F))  # 2 × the formula, to stay in integers
    return twice // 2 if twice % 2 == 0 else twice / 2


@v.checked
def megatron_training_flops(batch: int, seq_len: int, L: int, D: int, V: int, recompute: bool = False) -> int:
    """Narayanan et al. 2021 (Megatron-LM), FLOPs of one training iteration of a GPT-style model (F = 4·D, MHA).

    Without recomputation: 72·B·T·L·D²·(1 + T/(6·D) + V/(12·L·D)) = 72·B·T·L·D² + 12·B·T²·L·D + 6·B·T·D·V.
    With full recomputation (one more forward of the layers, not of the LM head):
    96·B·T·L·D²·(1 + T/(6·D) + V/(16·L·D)) = 96·B·T·L·D² + 16·B·T²·L·D + 6·B·T·D·V.
    B = ``batch`` sequences of T = ``seq_len`` tokens; scores counted in full (T×T).
    """
    B, T = _check(batch, seq_len)
    L, D, V = (v.positive_int(name, x) for name, x in (("L", L), ("D", D), ("V", V)))
    recompute = v.flag("recompute", recompute)
    layers = (96 if recompute else 72) * B * T * L * D * D + (16 if recompute else 12) * B * T * T * L * D
    return layers + 6 * B * T * D * V
