"""Exact parameter counts, by component, for a ``ModelConfig``.

Every count here equals ``sum(p.numel() for p in model.parameters())`` of the transformers model built
from the same config (checked by ``make crosscheck``). Buffers (RoPE frequencies, DeepSeek's routing
bias) are not parameters and are not counted.

Per layer, dense (LLaMA-style, GQA):
    attention  D·N·H + 2·D·K·H + N·H·D   (+ N·H + 2·K·H if q/k/v carry biases, + D if o_proj does)
               + 2·H for per-head q/k norms (Qwen3, Gemma 3), (N + K)·H for full-width ones (OLMo 2)
               + N attention sinks (gpt-oss)
    MLP        3·D·F (gated) or 2·D·F (plain)   (+ 2F + D or F + D with biases)
    norms      norms_per_layer · D  (· 2 for LayerNorm, which has a bias)
Per MoE layer: router E·D (+ E with a bias), E experts of 3·D·F_expert (+ 2·F_expert + D each with
biases, gpt-oss), shared experts 3·D·F_shared. Fused projections (Phi-3's qkv_proj, gate_up_proj) hold
the same weights as separate ones; sliding windows and chunked attention add none.
Model: V·D embedding (+ positions·D if learned) + D final norm + V·D LM head unless tied.
The course slides' LLaMA formula 2VH + H + L(4H² + 3HH' + 2H) is the MHA, untied case of this.
"""

from __future__ import annotations

from . import _validate as v
from .models import ModelConfig

COMPONENTS = ("embedding", "attention", "mlp", "router", "experts", "shared_experts", "norms", "lm_head")


def _norm_params(cfg: ModelConfig, width: int) -> int:
    return 2 * width if cfg.norm == "layernorm" else width


@v.checked
@v.takes_config
def attention_params_per_layer(cfg: ModelConfig) -> int:
    """Parameters of one attention block: projections, their biases, and MLA's internal norms."""
    D, N = cfg.D, cfg.N
    if cfg.uses_mla:
        qk, r, kv = cfg.qk_head_dim, cfg.qk_rope_head_dim, cfg.kv_lora_rank
        if cfg.q_lora_rank is None:
            q = D * N * qk
        else:
            q = D * cfg.q_lora_rank + cfg.q_lora_rank + cfg.q_lora_rank * N * qk
            q += cfg.q_lora_rank if cfg.qkv_bias else 0
        kv_a = D * (kv + r) + ((kv + r) if cfg.qkv_bias else 0)
        kv_b = kv + kv * N * (cfg.qk_nope_head_dim + cfg.v_head_dim)  # kv_a_layernorm + kv_b_proj
        o = N * cfg.v_head_dim * D + (D if cfg.o_bias else 0)
        return q + kv_a + kv_b + o
    K, H = cfg.K, cfg.H
    weights = D * N * H + 2 * D * K * H + N * H * D
    biases = (N * H + 2 * K * H if cfg.qkv_bias else 0) + (D if cfg.o_bias else 0)
    return weights + biases + qk_norm_params_per_layer(cfg) + (N if cfg.attention_sinks else 0)


@v.checked
@v.takes_config
def qk_norm_params_per_layer(cfg: ModelConfig) -> int:
    """Weights of one layer's query and key norms: 2·H per-head (shared by the heads), (N + K)·H full-width."""
    return {"none": 0, "head": 2 * cfg.H, "full": (cfg.N + cfg.K) * cfg.H}[cfg.qk_norm]


@v.checked
@v.takes_config
def attention_matmul_weights_per_layer(cfg: ModelConfig) -> int:
    """Weights of one attention block that take part in matmuls (no biases, no norms)."""
    D, N = cfg.D, cfg.N
    if cfg.uses_mla:
        qk, kv = cfg.qk_head_dim, cfg.kv_lora_rank
        q = D * N * qk if cfg.q_lora_rank is None else D * cfg.q_lora_rank + cfg.q_lora_rank * N * qk
        return (q + D * (kv + cfg.qk_rope_head_dim) + kv * N * (cfg.qk_nope_head_dim + cfg.v_head_dim)
                + N * cfg.v_head_dim * D)
    return D * cfg.N * cfg.H + 2 * D * cfg.K * cfg.H + cfg.N * cfg.H * D


@v.checked
@v.takes_config
def mlp_params(cfg: ModelConfig, width: int, bias: bool | None = None) -> int:
    """One MLP (or one expert) of the given width: 3·D·width if gated, 2·D·width if plain, + biases."""
    bias = cfg.mlp_bias if bias is None else bias
    D = cfg.D
    if cfg.mlp == "gated":
        return 3 * D * width + ((2 * width + D) if bias else 0)
    return 2 * D * width + ((width + D) if bias else 0)


@v.checked
@v.takes_config
def expert_params(cfg: ModelConfig) -> int:
    """One routed expert: a gated MLP of width F_expert (3·D·F_expert), + 2·F_expert + D biases with
    ``expert_bias`` (gpt-oss's gate_up_proj_bias and down_proj_bias). 0 for a dense model."""
    return mlp_params(cfg, cfg.F_expert, bias=cfg.expert_bias) if cfg.is_moe else 0


@v.checked
@v.takes_config
def router_params(cfg: ModelConfig) -> int:
    """One MoE layer's router: E·D, + E with ``router_bias``. 0 for a dense model."""
    return cfg.E * cfg.D + (cfg.E if cfg.router_bias else 0)


@v.checked
@v.takes_config
def param_breakdown(cfg: ModelConfig) -> dict[str, int]:
    """Exact parameters per component; the values sum to :func:`param_count`.

    Keys: embedding (token table, plus learned positions), attention (projections, their biases, q/k
    norms, sinks, MLA's internal norms), mlp (dense MLPs), router, experts (routed), shared_experts (with
    Qwen2-MoE's shared-expert gate), norms (the D-wide ones: norms_per_layer per layer and the final one),
    lm_head (0 when tied to the embedding).
    """
    D, L, V = cfg.D, cfg.L, cfg.V
    moe = cfg.moe_layers
    out = dict.fromkeys(COMPONENTS, 0)
    out["embedding"] = V * D + (cfg.max_positions * D if cfg.positions == "learned" else 0)
    out["attention"] = L * attention_params_per_layer(cfg)
    out["mlp"] = cfg.dense_mlp_layers * mlp_params(cfg, cfg.F)
    if moe:
        out["router"] = moe * router_params(cfg)
        out["experts"] = moe * cfg.E * expert_params(cfg)
        shared = mlp_params(cfg, cfg.F_shared, bias=False) if cfg.F_shared else 0
        out["shared_experts"] = moe * (shared + (D if cfg.shared_expert_gate else 0))
    out["norms"] = (L * cfg.norms_per_layer + 1) * _norm_params(cfg, D)
    out["lm_head"] = 0 if cfg.tied_embeddings else V * D
    return out


@v.checked
@v.takes_config
def param_count(cfg: ModelConfig) -> int:
    """Total parameters, exact (an int)."""
    return sum(param_breakdown(cfg).values())


@v.checked
@v.takes_config
def active_param_count(cfg: ModelConfig, *, include_embedding: bool = True) -> int:
    """Parameters used for one token: a MoE model touches only k of its E routed experts per layer.

    Equal to :func:`param_count` for a dense model. With ``include_embedding=False`` the token (and
    position) table is left out, since a lookup does no arithmetic.
    """
    b = param_breakdown(cfg)
    if cfg.is_moe:
        b["experts"] = cfg.moe_layers * cfg.k * expert_params(cfg)
    if not include_embedding:
        b["embedding"] = 0
    return sum(b.values())


@v.checked
@v.takes_config
def non_embedding_param_count(cfg: ModelConfig) -> int:
    """Parameters outside the token/position table (the LM head is kept unless it is tied)."""
    return param_count(cfg) - param_breakdown(cfg)["embedding"]


@v.checked
@v.takes_config
def slide_formula_count(cfg: ModelConfig) -> int:
    """The course slides' LLaMA closed form (docs/references.md [5]), from L, D, F and V only.

        2·V·D + D + L·(4·D² + 3·D·F + 2·D)

    (the slides write H for the width D and H' for the MLP width F). It is exact for a dense
    LLaMA-1-style model: multi-head attention with N·H = D and K = N, untied embeddings, no biases,
    RMSNorm, a gated MLP. It ignores K, H, biases, tying, extra norms and experts, so for GQA, tied,
    biased or MoE models it differs from :func:`param_count`; the difference is the lesson.
    """
    L, D, F, V = cfg.L, cfg.D, cfg.F, cfg.V
    return 2 * V * D + D + L * (4 * D * D + 3 * D * F + 2 * D)
