"""Model shapes in the book's symbols, read from Hugging Face ``config.json`` dicts, and the presets.

Symbols (as in *How To Scale Your Model*):

====  ==========================================  ==============================
L     transformer layers                          ``num_hidden_layers``
D     model width                                 ``hidden_size``
F     MLP width (dense layers)                    ``intermediate_size``
N     query heads                                 ``num_attention_heads``
K     key/value heads (K = N is MHA)              ``num_key_value_heads``
H     head dim (D/N unless given)                 ``head_dim``
V     vocabulary                                  ``vocab_size``
E, k  routed experts per MoE layer, routed per token
====  ==========================================  ==============================

Only the standard library is imported here.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping

from . import _validate as v

NORMS = ("rmsnorm", "layernorm")
MLPS = ("gated", "plain")
POSITIONS = ("rope", "learned")
QK_NORMS = ("none", "head", "full")
# per-layer attention, named as transformers' ``layer_types`` names them
LAYER_TYPES = ("full_attention", "sliding_attention", "chunked_attention")


@dataclass(frozen=True)
class ModelConfig:
    """The shape of a decoder-only transformer, validated on construction.

    Dense fields: ``L, D, F, N, V`` are required; ``K`` defaults to ``N`` (multi-head attention) and
    ``H`` to ``D // N``. ``mlp="gated"`` is a SwiGLU/GeGLU MLP with three D×F matrices (LLaMA), ``"plain"``
    two matrices with a GELU between them (GPT). ``norm="layernorm"`` norms have a weight and a bias,
    ``"rmsnorm"`` only a weight. ``positions="learned"`` adds a ``max_positions × D`` table (GPT-2/3).
    ``norms_per_layer`` counts the D-wide norms of one layer: 2 for pre-norm LLaMA-style layers (and for
    OLMo 2, whose two are after attention and after the MLP), 4 for Gemma 2/3 (pre- and post-norms).

    Attention extras: ``qk_norm="head"`` is an RMSNorm on each query and key head with one H-wide weight
    shared by the heads (Qwen3, Gemma 3, GLM-4.5 with ``use_qk_norm``): 2·H parameters per layer;
    ``"full"`` normalises the whole N·H-wide query and K·H-wide key (OLMo 2): (N + K)·H per layer.
    ``attention_sinks`` adds one learned logit per query head and layer (gpt-oss). Fused projections
    (Phi-3's ``qkv_proj`` and ``gate_up_proj``) hold the same weights as separate ones and need no field.

    Local attention: ``layer_types`` (empty: every layer attends to the whole causal context) names each
    layer's attention as transformers does: ``"full_attention"``; ``"sliding_attention"``, where a query
    attends to the last ``sliding_window`` positions, itself included (Mistral, Phi-3, Gemma 2/3,
    gpt-oss, Qwen2/3 with ``use_sliding_window``); ``"chunked_attention"``, where a query attends to the
    earlier positions of its own block of ``attention_chunk_size`` tokens (Llama 4). Windows change no
    parameter; they change the attention-score FLOPs a kernel computes (see ``llmcalc.flops``).

    Mixture of experts (``E > 0``): each MoE layer has a router (E×D, plus E biases with
    ``router_bias``), ``E`` routed experts of width ``F_expert`` (gated; with ``expert_bias`` each expert
    carries 2·F_expert + D biases, as gpt-oss's do), optional shared experts with total width ``F_shared``
    (and, for Qwen2-MoE, a one-output gate on the shared expert); ``dense_layers`` layers keep the dense
    MLP of width ``F``. Group-limited routing (DeepSeek-V2/V3's node- or device-limited routing, GLM-4.5's
    router): the ``E`` experts form ``routing_groups`` equal groups of consecutive experts and each token
    picks its ``k`` experts inside ``groups_per_token`` of them (transformers' ``n_group`` and ``topk_group``;
    1 and 1 is plain top-k). It changes no count; it bounds how many devices a token is sent to, which the
    planner's expert-parallel communication uses.

    Where the dense layers sit (first, as DeepSeek and GLM-4.5; interleaved, as
    Llama 4 Maverick and Qwen MoE's ``decoder_sparse_step``) changes no count.

    Multi-head latent attention (DeepSeek-V2/V3, ``kv_lora_rank > 0``): queries through an optional
    low-rank ``q_lora_rank`` (None: one full D × N·(nope + rope) projection, as DeepSeek-V2-Lite); keys
    and values through a ``kv_lora_rank`` latent plus a shared ``qk_rope_head_dim`` rotary key; per-head
    dims ``qk_nope_head_dim``, ``qk_rope_head_dim``, ``v_head_dim``.
    """

    L: int
    D: int
    F: int
    N: int
    V: int
    K: int | None = None
    H: int | None = None
    name: str = "custom"
    tied_embeddings: bool = False
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    norm: str = "rmsnorm"
    norms_per_layer: int = 2
    mlp: str = "gated"
    positions: str = "rope"
    max_positions: int = 0
    # attention extras
    qk_norm: str = "none"
    attention_sinks: bool = False
    # local attention
    layer_types: tuple[str, ...] = ()
    sliding_window: int = 0
    attention_chunk_size: int = 0
    # mixture of experts
    E: int = 0
    k: int = 0
    F_expert: int | None = None
    F_shared: int = 0
    shared_expert_gate: bool = False
    dense_layers: int = 0
    expert_bias: bool = False
    router_bias: bool = False
    routing_groups: int = 1
    groups_per_token: int = 1
    # multi-head latent attention
    q_lora_rank: int | None = None
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    model_type: str = field(default="llama", compare=False)

    def __post_init__(self) -> None:
        # every field is stored as validated: 32.0 becomes 32, numpy scalars Python ints, etc.
        keep = self._keep
        for name in ("L", "D", "F", "N", "V"):
            keep(name, v.positive_int(name, getattr(self, name)))
        N = self.N
        K = N if self.K is None else v.positive_int("K", self.K)
        if N % K:
            raise ValueError(f"N (query heads, {N}) must be a multiple of K (key/value heads), got K={K}")
        if self.H is None:
            if self.D % N:
                raise ValueError(
                    f"D ({self.D}) must be divisible by N ({N}) when H (head_dim) is not given; "
                    f"give H explicitly or choose N among the divisors of D"
                )
            H = self.D // N
        else:
            H = v.positive_int("H", self.H)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "H", H)
        keep("norm", v.choice("norm", self.norm, NORMS))
        keep("mlp", v.choice("mlp", self.mlp, MLPS))
        keep("positions", v.choice("positions", self.positions, POSITIONS))
        keep("qk_norm", v.choice("qk_norm", self.qk_norm, QK_NORMS))
        keep("norms_per_layer", v.positive_int("norms_per_layer", self.norms_per_layer, allow_zero=True))
        if self.positions == "learned":
            keep("max_positions", v.positive_int("max_positions", self.max_positions))
        else:
            keep("max_positions", v.positive_int("max_positions", self.max_positions, allow_zero=True))
        for name in ("tied_embeddings", "qkv_bias", "o_bias", "mlp_bias", "attention_sinks", "shared_expert_gate",
                     "expert_bias", "router_bias"):
            keep(name, v.flag(name, getattr(self, name)))
        self._check_layer_types()
        # MoE
        keep("E", v.positive_int("E", self.E, allow_zero=True))
        if self.E:
            keep("k", v.positive_int("k", self.k))
            if self.k > self.E:
                raise ValueError(f"k (experts per token) must be in [1, E={self.E}], got {self.k}")
            F_expert = self.F if self.F_expert is None else v.positive_int("F_expert", self.F_expert)
            object.__setattr__(self, "F_expert", F_expert)
            keep("F_shared", v.positive_int("F_shared", self.F_shared, allow_zero=True))
            keep("dense_layers", v.positive_int("dense_layers", self.dense_layers, allow_zero=True))
            if not 0 <= self.dense_layers <= self.L:
                raise ValueError(f"dense_layers must be in [0, L={self.L}], got {self.dense_layers}")
            keep("routing_groups", v.positive_int("routing_groups", self.routing_groups))
            keep("groups_per_token", v.positive_int("groups_per_token", self.groups_per_token))
            G, T = self.routing_groups, self.groups_per_token
            if self.E % G:
                raise ValueError(f"routing_groups must divide E ({self.E} experts) into equal groups, got {G}")
            if not 1 <= T <= G:
                raise ValueError(f"groups_per_token must be in [1, routing_groups={G}], got {T}")
            if T * (self.E // G) < self.k:
                raise ValueError(f"groups_per_token × experts per group ({T} × {self.E // G}) must be at least k "
                                 f"({self.k} experts per token); raise groups_per_token to at least "
                                 f"{-(-self.k // (self.E // G))}")
        else:
            for name in ("k", "F_shared", "dense_layers"):
                keep(name, v.positive_int(name, getattr(self, name), allow_zero=True))
            for name in ("routing_groups", "groups_per_token"):
                if v.positive_int(name, getattr(self, name)) != 1:
                    raise ValueError(f"{name} needs E >= 1 (a MoE model); a dense model takes the default 1, got "
                                     f"{getattr(self, name)}")
                keep(name, 1)
            if (self.k or self.F_shared or self.dense_layers or self.F_expert is not None or self.shared_expert_gate
                    or self.expert_bias or self.router_bias):
                raise ValueError("k, F_expert, F_shared, dense_layers, shared_expert_gate, expert_bias and router_bias "
                                 "need E >= 1 (a MoE model)")
        # MLA
        keep("kv_lora_rank", v.positive_int("kv_lora_rank", self.kv_lora_rank, allow_zero=True))
        if self.kv_lora_rank:
            for name in ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
                keep(name, v.positive_int(name, getattr(self, name)))
            if self.q_lora_rank is not None:
                keep("q_lora_rank", v.positive_int("q_lora_rank", self.q_lora_rank))
            if self.qk_norm != "none" or self.attention_sinks:
                raise ValueError("qk_norm and attention_sinks are not defined for MLA attention (kv_lora_rank >= 1); "
                                 "use qk_norm='none' and attention_sinks=False")
        elif self.q_lora_rank is not None or self.qk_nope_head_dim or self.qk_rope_head_dim or self.v_head_dim:
            raise ValueError("q_lora_rank, qk_nope_head_dim, qk_rope_head_dim and v_head_dim need kv_lora_rank >= 1 (MLA)")

    def _check_layer_types(self) -> None:
        types = self.layer_types
        if isinstance(types, str) or not isinstance(types, (tuple, list)):
            raise ValueError(f"layer_types must be a list of {self.L} entries from {list(LAYER_TYPES)}, or empty "
                             f"(every layer full attention); got {types!r}")
        types = tuple(types)
        if types and len(types) != self.L:
            raise ValueError(f"layer_types must have one entry per layer (L={self.L}) or none; got {len(types)} entries")
        for t in types:
            v.choice("layer_types entries", t, LAYER_TYPES)
        object.__setattr__(self, "layer_types", types)
        self._keep("sliding_window", v.positive_int("sliding_window", self.sliding_window, allow_zero=True))
        self._keep("attention_chunk_size", v.positive_int("attention_chunk_size", self.attention_chunk_size, allow_zero=True))
        for kind, size_name in (("sliding_attention", "sliding_window"), ("chunked_attention", "attention_chunk_size")):
            used, size = kind in types, getattr(self, size_name)
            if used and not size:
                raise ValueError(f"{size_name} must be a whole number >= 1 when layer_types has '{kind}' layers, got {size}")
            if size and not used:
                raise ValueError(f"{size_name}={size} needs at least one '{kind}' entry in layer_types (which layers use "
                                 f"it); give layer_types, e.g. ('{kind}',) * L for every layer")

    def _keep(self, name: str, value):
        object.__setattr__(self, name, value)
        return value

    # ----- derived shape facts -------------------------------------------------------------------
    @property
    def is_moe(self) -> bool:
        return self.E > 0

    @property
    def uses_mla(self) -> bool:
        return self.kv_lora_rank > 0

    @property
    def moe_layers(self) -> int:
        """Layers whose MLP is a mixture of experts (0 for a dense model)."""
        return self.L - self.dense_layers if self.is_moe else 0

    @property
    def dense_mlp_layers(self) -> int:
        """Layers whose MLP is the dense one of width F."""
        return self.dense_layers if self.is_moe else self.L

    @property
    def qk_head_dim(self) -> int:
        """Width of one head's query/key dot product: H, or nope + rope dims under MLA."""
        return self.qk_nope_head_dim + self.qk_rope_head_dim if self.uses_mla else self.H

    @property
    def v_dim(self) -> int:
        """Width of one head's value vector: H, or ``v_head_dim`` under MLA."""
        return self.v_head_dim if self.uses_mla else self.H

    @property
    def attention_per_layer(self) -> tuple[str, ...]:
        """Each layer's attention (``LAYER_TYPES``), one entry per layer: ``layer_types`` or all full."""
        return self.layer_types or ("full_attention",) * self.L

    @property
    def sliding_layers(self) -> int:
        """Layers whose queries attend only to the last ``sliding_window`` positions."""
        return self.layer_types.count("sliding_attention")

    @property
    def chunked_layers(self) -> int:
        """Layers whose queries attend only within their block of ``attention_chunk_size`` tokens."""
        return self.layer_types.count("chunked_attention")

    @property
    def has_local_attention(self) -> bool:
        """True when some layer attends to less than the whole causal context (a window or a chunk)."""
        return bool(self.sliding_layers or self.chunked_layers)

    def replace(self, **changes) -> "ModelConfig":
        """A validated copy with some fields changed (``H``/``K`` re-derived unless given).

        A new ``L`` keeps the attention pattern unless ``layer_types`` is given: fewer layers keep the first
        ``L`` entries (transformers numbers layers from 0, so Gemma's pattern stays in step); more layers
        continue the shortest period that reproduces the pattern (2 for Gemma 2 and gpt-oss, 6 for Gemma 3,
        4 for Llama 4), or repeat the last entry when none does (Qwen's windowed top layers). ``E=0`` makes a
        dense copy: expert and router biases go with the experts unless given.
        """
        if "D" in changes or "N" in changes:
            changes.setdefault("H", None if self.H * self.N == self.D else self.H)
        if "N" in changes and self.K == self.N:
            changes.setdefault("K", None)
        new_L = changes.get("L", self.L)
        if self.layer_types and "layer_types" not in changes and new_L != self.L:
            if isinstance(new_L, int) and not isinstance(new_L, bool) and new_L >= 1:
                changes["layer_types"] = _resized_pattern(self.layer_types, new_L)
        if changes.get("E") == 0:
            changes.setdefault("expert_bias", False)
            changes.setdefault("router_bias", False)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    # ----- reading Hugging Face configs ----------------------------------------------------------
    @classmethod
    def from_hf(cls, config: Mapping[str, Any], name: str | None = None) -> "ModelConfig":
        """Read a Hugging Face ``config.json`` dict (never executes code; no remote code, no download).

        Supported ``model_type`` (``SUPPORTED_MODEL_TYPES``): llama, mistral, mixtral, qwen2, qwen2_moe,
        qwen3, qwen3_moe, gemma2, gemma3_text, gemma3 (its ``text_config``), gpt_oss, llama4_text, llama4
        (its ``text_config``), phi3, olmo2, smollm3, deepseek_v2, deepseek_v3, glm4_moe, gpt2. For the
        multimodal gemma3 and llama4 configs the language model is counted, not the vision encoder.

        Size fields are required; every optional field absent from the dict takes the default that
        transformers' (5.23) config class uses (e.g. K = N, H = D // N, untied embeddings for LLaMA,
        H = 256 and tied embeddings for Gemma 2/3, H = 128 for Qwen3, a 4096-token window for Mistral,
        a 128-token window on every other layer for gpt-oss). Missing required fields are all listed in
        the error. Inside a multimodal ``text_config`` absent size fields take the text config class's
        defaults too, since transformers writes only the fields that differ from them there.

        A key that is neither read (``HF_KEYS_READ``) nor knowingly ignored (``HF_KEYS_IGNORED``) but is one
        or two edits away from one that is (``num_key_value_head``, ``intermediate_szie``, ``rope_thetta``)
        is refused, naming the key it probably means: a misspelt key would silently take its default.
        Keys far from every known one (a fine-tune's own fields) are let through.
        """
        if not isinstance(config, Mapping):
            raise ValueError(f"config must be a dict read from config.json, got {type(config).__name__}")
        model_type = config.get("model_type")
        if model_type not in _READERS:
            raise ValueError(
                f"model_type must be one of {sorted(_READERS)}, got {model_type!r}"
                + (" (the dict has no 'model_type' field)" if model_type is None else
                   "; from_hf cannot interpret the field 'model_type' of this config")
            )
        _refuse_near_miss_keys(config)
        _check_field_kinds(config)
        label = name or config.get("_name_or_path") or model_type
        if model_type in _MULTIMODAL:
            text_type, defaults = _MULTIMODAL[model_type]
            text = config.get("text_config")
            if text is None:
                text = {}
            if not isinstance(text, Mapping):
                raise ValueError(f"{model_type} config field 'text_config' must be a dict, got {type(text).__name__}")
            _refuse_near_miss_keys(text, where="text_config")
            _check_field_kinds(text, where="text_config")
            if text.get("model_type", text_type) != text_type:
                raise ValueError(f"{model_type} config field 'text_config.model_type' must be {text_type!r}, "
                                 f"got {text.get('model_type')!r}")
            merged = dict(defaults)
            if "tie_word_embeddings" in config:
                merged["tie_word_embeddings"] = config["tie_word_embeddings"]
            merged.update(text)
            merged["model_type"] = text_type
            return cls.from_hf(merged, name=label)._with_model_type(model_type)
        for alias, key in _ALIASES.get(model_type, {}).items():
            if key not in config and alias in config:
                config = {**config, key: config[alias]}
        required = _REQUIRED[model_type]
        missing = [key for key in required if config.get(key) is None]
        if missing:
            raise ValueError(f"{model_type} config is missing required field(s): {', '.join(missing)}")
        fields = _READERS[model_type](config)
        return cls(name=label, model_type=model_type, **fields)

    def _with_model_type(self, model_type: str) -> "ModelConfig":
        object.__setattr__(self, "model_type", model_type)
        return self

    @classmethod
    def from_json_file(cls, path, name: str | None = None) -> "ModelConfig":
        """Read a ``config.json`` file from disk (plain JSON; nothing is executed)."""
        with open(path, encoding="utf-8") as f:
            return cls.from_hf(json.load(f), name=name)


def _resized_pattern(types: tuple[str, ...], L: int) -> tuple[str, ...]:
    """``types`` cut to its first L entries, or continued by its shortest period (its last entry if it has none)."""
    if L <= len(types):
        return types[:L]
    period = next((p for p in range(1, len(types)) if all(t == types[i % p] for i, t in enumerate(types))), None)
    if period is None:
        return types + types[-1:] * (L - len(types))
    return tuple(types[i % period] for i in range(L))


_DENSE_REQUIRED = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size"]
_MOE_REQUIRED = ["n_routed_experts", "num_experts_per_tok", "moe_intermediate_size"]
_MLA_REQUIRED = ["kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"]
_REQUIRED = {
    "llama": _DENSE_REQUIRED,
    "mistral": _DENSE_REQUIRED,
    "qwen2": _DENSE_REQUIRED,
    "qwen3": _DENSE_REQUIRED,
    "gemma2": _DENSE_REQUIRED,
    "gemma3_text": _DENSE_REQUIRED,
    "phi3": _DENSE_REQUIRED,
    "olmo2": _DENSE_REQUIRED,
    "smollm3": _DENSE_REQUIRED,
    "mixtral": _DENSE_REQUIRED + ["num_local_experts", "num_experts_per_tok"],
    "gpt_oss": _DENSE_REQUIRED + ["num_local_experts", "num_experts_per_tok"],
    "llama4_text": _DENSE_REQUIRED + ["num_local_experts", "num_experts_per_tok"],
    "qwen2_moe": _DENSE_REQUIRED
    + ["num_experts", "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size"],
    "qwen3_moe": _DENSE_REQUIRED + ["num_experts", "num_experts_per_tok", "moe_intermediate_size"],
    "deepseek_v2": _DENSE_REQUIRED + _MOE_REQUIRED + _MLA_REQUIRED,
    "deepseek_v3": _DENSE_REQUIRED + _MOE_REQUIRED + _MLA_REQUIRED,
    "glm4_moe": _DENSE_REQUIRED + _MOE_REQUIRED,
    "gpt2": ["n_embd", "n_layer", "n_head", "vocab_size"],
}
# Other names transformers' config classes accept for a field (their ``attribute_map``): the alias is read
# when the field itself is absent.
_ALIASES = {
    "qwen3_moe": {"num_local_experts": "num_experts"},
    "gpt_oss": {"num_experts": "num_local_experts"},
    "deepseek_v2": {"num_experts": "n_routed_experts"},
}

# Multimodal configs whose language model is read from ``text_config``, with the size defaults of the text
# config class (transformers 5.23.0: Gemma3TextConfig, Llama4TextConfig). transformers writes a nested
# config's fields only where they differ from these, so a published text_config can lack e.g. vocab_size
# (google/gemma-3-27b-it's text_config has none: its vocabulary is the default 262,208).
_GEMMA3_TEXT_DEFAULTS = dict(vocab_size=262_208, hidden_size=2304, intermediate_size=9216, num_hidden_layers=26,
                             num_attention_heads=8)
_LLAMA4_TEXT_DEFAULTS = dict(vocab_size=202_048, hidden_size=5120, intermediate_size=8192, num_hidden_layers=48,
                             num_attention_heads=40, num_local_experts=16, num_experts_per_tok=1)
_MULTIMODAL = {"gemma3": ("gemma3_text", _GEMMA3_TEXT_DEFAULTS), "llama4": ("llama4_text", _LLAMA4_TEXT_DEFAULTS)}


# ----- keys of config.json: read, knowingly ignored, and near misses ------------------------------

# Every key a reader below looks at (a test records the keys the readers touch on every preset).
HF_KEYS_READ: frozenset[str] = frozenset({
    "model_type", "_name_or_path", "hidden_size", "intermediate_size", "num_hidden_layers",
    "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings",
    "attention_bias", "mlp_bias", "qkv_bias", "use_qk_norm", "text_config",
    # MoE
    "num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok", "moe_intermediate_size",
    "shared_expert_intermediate_size", "n_shared_experts", "decoder_sparse_step", "mlp_only_layers",
    "first_k_dense_replace", "intermediate_size_mlp", "moe_layers", "interleave_moe_layer_step",
    "n_group", "topk_group", "topk_method",
    # MLA
    "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
    # local attention: which layers attend to a window or a chunk, and its size
    "layer_types", "sliding_window", "use_sliding_window", "max_window_layers", "sliding_window_pattern",
    "use_bidirectional_attention", "no_rope_layers", "no_rope_layer_interval", "attention_chunk_size",
    # GPT-2
    "n_embd", "n_layer", "n_head", "n_inner", "n_positions",
})

# Keys that real config.json files of the supported model types carry and that change no parameter,
# FLOP or memory count here, so from_hf reads past them. Built from (a) the keys of the config classes
# of transformers 5.23.0 for every supported model type (their to_dict() and __init__ arguments, with
# PreTrainedConfig's common attributes and the generation parameters older configs still carry) and
# (b) keys of published config.json files written by transformers 4.x: torch_dtype, rope_theta,
# rope_scaling; Gemma-2's cache_implementation and sliding_window_size; DeepSeek-V2/V3's aux_loss_alpha,
# ep_size, moe_layer_freq, scoring_func, seq_aux, quantization_config and auto_map; GPT-2's
# n_ctx and task_specific_params; Gemma 3's rope_local_base_freq and the image-token fields of its
# multimodal wrapper; gpt-oss's swiglu_limit and initial_context_length; Llama 4's attn_temperature_tuning,
# floor_scale, attn_scale and for_llm_compressor; Phi-3's original_max_position_embeddings;
# GLM-4.5's partial_rotary_factor.
HF_KEYS_IGNORED: frozenset[str] = frozenset({
    # common to every config
    "architectures", "transformers_version", "dtype", "torch_dtype", "use_cache", "bos_token_id",
    "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id", "initializer_range",
    "id2label", "label2id", "num_labels", "problem_type", "return_dict", "output_attentions",
    "output_hidden_states", "is_encoder_decoder", "is_decoder", "add_cross_attention",
    "cross_attention_hidden_size", "tie_encoder_decoder", "chunk_size_feed_forward", "pruned_heads",
    "prefix", "task_specific_params", "tokenizer_class", "finetuning_task", "torchscript", "use_bfloat16",
    "tf_legacy_loss", "per_layer_config", "tie_last_hidden_states", "auto_map", "quantization_config",
    "_attn_implementation", "attn_implementation", "_commit_hash", "_attn_implementation_autoset",
    # generation parameters older configs still carry
    "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
    "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
    "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids",
    "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
    "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens",
    "begin_suppress_tokens",
    # attention, positions, norms, activations
    "hidden_act", "hidden_activation", "activation_function", "rms_norm_eps", "layer_norm_epsilon",
    "max_position_embeddings", "original_max_position_embeddings", "rope_theta", "rope_scaling",
    "rope_parameters", "rope_interleave", "rope_local_base_freq", "partial_rotary_factor",
    "initial_context_length", "attention_dropout", "attn_pdrop", "embd_pdrop", "resid_pdrop", "pretraining_tp",
    "sliding_window_size", "cache_implementation", "attn_logit_softcapping",
    "final_logit_softcapping", "query_pre_attn_scalar", "qk_head_dim", "attn_temperature_tuning",
    "floor_scale", "attn_scale", "for_llm_compressor", "swiglu_limit", "swiglu_alpha",
    "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "n_ctx",
    "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels",
    "summary_first_dropout",
    # routing (no parameters beyond the router counted from E and D)
    "router_aux_loss_coef", "router_jitter_noise", "output_router_logits", "norm_topk_prob",
    "routed_scaling_factor", "scoring_func", "seq_aux",
    "aux_loss_alpha", "ep_size", "moe_layer_freq", "experts_per_token",
    # multi-token prediction modules (DeepSeek-V3, GLM-4.5): transformers builds none, so none is counted
    "num_nextn_predict_layers", "num_mtp_layers",
    # multimodal wrappers (Gemma 3, Llama 4): the vision side is not counted
    "vision_config", "mm_tokens_per_image", "boi_token_index", "eoi_token_index", "image_token_index",
    "image_token_id", "boi_token_id", "eoi_token_id", "vision_feature_layer", "vision_feature_select_strategy",
})

HF_KEYS_KNOWN: frozenset[str] = HF_KEYS_READ | HF_KEYS_IGNORED


def _edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours that turn ``a`` into ``b``."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def near_miss_key(key: str) -> str | None:
    """The known config key that ``key`` is probably a misspelling of, or None.

    Candidates come from ``difflib.get_close_matches`` against ``HF_KEYS_KNOWN``; one counts as a near miss
    when it is one edit away (a letter added, dropped, changed, or two neighbours swapped), or two for keys
    of 12 letters or more. So ``sliding_window_size`` is not taken for ``sliding_window`` (five letters
    added), nor ``num_layers`` for ``num_labels`` (two letters changed in a 10-letter key).
    """
    if key in HF_KEYS_KNOWN:
        return None
    allowed = 1 if len(key) < 12 else 2
    for candidate in difflib.get_close_matches(key, HF_KEYS_KNOWN, n=3, cutoff=0.8):
        if _edit_distance(key, candidate) <= allowed:
            return candidate
    return None


def _refuse_near_miss_keys(config: Mapping[str, Any], where: str | None = None) -> None:
    misses = [(k, near_miss_key(k)) for k in config if isinstance(k, str)]
    misses = [(k, m) for k, m in misses if m is not None]
    if misses:
        named = "; ".join(f"{k!r} (did you mean {m!r}?)" for k, m in misses)
        inside = f" inside '{where}'" if where else ""
        raise ValueError(
            f"config has key(s){inside} that from_hf does not know but that are one or two letters away from keys "
            f"it does: {named}. A misspelt key would silently take its default; rename it (or remove it)."
        )


# What each read key must hold: every value is checked before a reader converts it, so 80.7 layers, the
# string "false", Infinity or a list where a number belongs are errors naming the key, never a truncated,
# flipped or crashing conversion. "int" = whole number >= 1, "int0" = whole number >= 0; "?" = null allowed.
HF_FIELD_KINDS: dict[str, str] = {
    **{k: "int" for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                          "vocab_size", "num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok",
                          "moe_intermediate_size", "decoder_sparse_step", "intermediate_size_mlp",
                          "interleave_moe_layer_step", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim",
                          "v_head_dim", "sliding_window_pattern", "no_rope_layer_interval", "n_embd", "n_layer",
                          "n_head", "n_positions")},
    **{k: "int?" for k in ("num_key_value_heads", "head_dim", "q_lora_rank", "sliding_window", "attention_chunk_size",
                           "n_inner", "n_group", "topk_group")},
    **{k: "int0" for k in ("shared_expert_intermediate_size", "n_shared_experts", "first_k_dense_replace",
                           "max_window_layers")},
    **{k: "bool" for k in ("tie_word_embeddings", "attention_bias", "mlp_bias", "qkv_bias", "use_qk_norm",
                           "use_sliding_window", "use_bidirectional_attention")},
    **{k: "layers?" for k in ("mlp_only_layers", "moe_layers", "no_rope_layers")},
}


def _check_field_kinds(config: Mapping[str, Any], where: str | None = None) -> None:
    """Every read key present in ``config`` holds what HF_FIELD_KINDS says, else ValueError naming it."""
    prefix = f"{where}." if where else ""
    L = config.get("num_hidden_layers", config.get("n_layer"))
    for key, kind in HF_FIELD_KINDS.items():
        if key not in config:
            continue
        value = config[key]
        field = f"config field '{prefix}{key}'"
        if value is None and kind.endswith("?"):
            continue
        if kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{field} must be true or false (a JSON boolean), got {value!r}")
        elif kind.startswith("int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(value, float) and not value.is_integer()):
                raise ValueError(f"{field} must be a whole number >= {0 if kind == 'int0' else 1}, got {value!r}")
            v.positive_int(field, value, allow_zero=kind == "int0")
        elif kind == "layers?":
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
                raise ValueError(f"{field} must be a list of layer numbers, got {value!r}")
            for x in value:
                if isinstance(x, bool) or not isinstance(x, int):
                    raise ValueError(f"{field} must be a list of whole numbers, got {value!r}")
                if isinstance(L, int) and not isinstance(L, bool) and not 0 <= x < L:
                    raise ValueError(f"{field} lists layer {x}, outside [0, num_hidden_layers - 1 = {L - 1}]")


# transformers' default for an absent num_key_value_heads, by model type (None: K = N)
_DEFAULT_K = {"llama": None, "mistral": 8, "mixtral": 8, "qwen2": 32, "qwen2_moe": 16, "gemma2": 4,
              "deepseek_v3": 128, "deepseek_v2": None, "qwen3": 32, "qwen3_moe": 4, "gemma3_text": 4, "gpt_oss": 8,
              "llama4_text": 8, "phi3": None, "olmo2": None, "smollm3": 4, "glm4_moe": 8}
# transformers' default for an absent head_dim, where it is not D // N
_DEFAULT_H = {"gemma2": 256, "gemma3_text": 256, "qwen3": 128, "gpt_oss": 64, "llama4_text": 128}


def _int_list(c: Mapping[str, Any], key: str) -> list[int]:
    value = c.get(key)
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"config field '{key}' must be a list of layer numbers, got {value!r}")
    out = []
    for x in value:
        if isinstance(x, bool) or not isinstance(x, int):
            raise ValueError(f"config field '{key}' must be a list of whole numbers, got {value!r}")
        out.append(x)
    return out


def _dense(c: Mapping[str, Any]) -> dict[str, Any]:
    model_type = c["model_type"]
    H = c.get("head_dim")
    return dict(
        L=int(c["num_hidden_layers"]),
        D=int(c["hidden_size"]),
        F=int(c["intermediate_size"]),
        N=int(c["num_attention_heads"]),
        V=int(c["vocab_size"]),
        K=c.get("num_key_value_heads", _DEFAULT_K[model_type]),
        H=_DEFAULT_H.get(model_type) if H is None and "head_dim" not in c else H,
        tied_embeddings=bool(c.get("tie_word_embeddings", False)),
    )


# ----- which layers attend to a window or a chunk (transformers 5.23.0's rules, model type by model type) --

def _hf_layer_types(c: Mapping[str, Any], L: int) -> tuple[str, ...] | None:
    """``layer_types`` as the config gives it (None when absent), checked against L and LAYER_TYPES."""
    given = c.get("layer_types")
    if given is None:
        return None
    if isinstance(given, (str, bytes)) or not hasattr(given, "__iter__"):
        raise ValueError(f"config field 'layer_types' must be a list with one entry per layer, got {given!r}")
    given = tuple(given)
    if len(given) != L:
        raise ValueError(f"config field 'layer_types' must have one entry per layer (num_hidden_layers={L}), "
                         f"got {len(given)}")
    unknown = sorted({t for t in given if t not in LAYER_TYPES}, key=str)
    if unknown:
        raise ValueError(f"config field 'layer_types' has entries from_hf cannot interpret: {unknown}; "
                         f"it reads {list(LAYER_TYPES)}")
    return given


def _window(c: Mapping[str, Any], default: int | None) -> int:
    """The sliding window size (``sliding_window``, transformers' default when absent), 0 for none."""
    w = c.get("sliding_window", default)
    if w is None:
        return 0
    return v.positive_int("sliding_window", w, allow_zero=True)


def _windows(types: tuple[str, ...] | None, window: int, chunk: int = 0) -> dict[str, Any]:
    """ModelConfig fields for these layer types: sizes only where some layer uses them."""
    types = types or ()
    if "sliding_attention" in types and not window:
        raise ValueError("config field 'layer_types' names 'sliding_attention' layers but 'sliding_window' is null or 0")
    if "chunked_attention" in types and not chunk:
        raise ValueError("config field 'layer_types' names 'chunked_attention' layers but 'attention_chunk_size' is null")
    if set(types) <= {"full_attention"}:
        types = ()
    return dict(layer_types=types, sliding_window=window if "sliding_attention" in types else 0,
                attention_chunk_size=chunk if "chunked_attention" in types else 0)


def _every_layer_if_window(c: Mapping[str, Any], L: int, default: int | None) -> dict[str, Any]:
    """Mistral, Mixtral, Phi-3, Qwen3-MoE: a non-null window applies to every layer (layer_types unread)."""
    w = _window(c, default)
    return _windows(("sliding_attention",) * L if w else (), w)


def _qwen_windows(c: Mapping[str, Any], L: int, alternate: bool) -> dict[str, Any]:
    """Qwen2/Qwen3 (``alternate=False``): with use_sliding_window, layers from max_window_layers on are
    windowed; Qwen2-MoE (``alternate=True``): every other layer below max_window_layers. layer_types wins."""
    use = bool(c.get("use_sliding_window", False))
    w = _window(c, 4096) if use else 0
    types = _hf_layer_types(c, L)
    if not w:  # transformers sets sliding_window to None without use_sliding_window: every layer attends in full
        return _windows((), 0)
    if types is None:
        m = int(c.get("max_window_layers", 28))
        if alternate:
            types = tuple("sliding_attention" if (i + 1) % 2 and i < m and use else "full_attention" for i in range(L))
        else:
            types = tuple("sliding_attention" if w and i >= m else "full_attention" for i in range(L))
    return _windows(types, w)


def _pattern_windows(c: Mapping[str, Any], L: int, period: int, default_window: int | None) -> dict[str, Any]:
    """Gemma 2 (period 2), Gemma 3 (``sliding_window_pattern``, 6) and gpt-oss (2): layer i is windowed
    unless (i + 1) is a multiple of the period. layer_types wins."""
    types = _hf_layer_types(c, L)
    if types is None:
        types = tuple("sliding_attention" if (i + 1) % period else "full_attention" for i in range(L))
    return _windows(types, _window(c, default_window))


def _no_rope_layers(c: Mapping[str, Any], L: int) -> list[int]:
    """SmolLM3 / Llama 4: 1 where a layer uses RoPE, 0 where it does not (NoPE), as transformers fills it."""
    given = _int_list(c, "no_rope_layers")
    if given:
        if len(given) != L:
            raise ValueError(f"config field 'no_rope_layers' must have one entry per layer (num_hidden_layers={L}), "
                             f"got {len(given)}")
        return given
    interval = int(c.get("no_rope_layer_interval", 4))
    return [int((i + 1) % interval != 0) for i in range(L)]


# ----- readers, one per model type -----------------------------------------------------------------

def _llama(c):
    f = _dense(c)
    f.update(qkv_bias=bool(c.get("attention_bias", False)), o_bias=bool(c.get("attention_bias", False)),
             mlp_bias=bool(c.get("mlp_bias", False)))
    return f


def _mistral(c):
    f = _dense(c)
    f.update(_every_layer_if_window(c, f["L"], 4096))  # MistralConfig's default window is 4096
    return f


def _qwen2(c):
    f = _dense(c)
    f.update(qkv_bias=True)  # Qwen2Attention: q/k/v projections always carry a bias, o_proj never
    f.update(_qwen_windows(c, f["L"], alternate=False))
    return f


def _qwen3(c):
    f = _dense(c)
    bias = bool(c.get("attention_bias", False))
    f.update(qkv_bias=bias, o_bias=bias, qk_norm="head")
    f.update(_qwen_windows(c, f["L"], alternate=False))
    return f


def _gemma2(c):
    f = _dense(c)
    f.update(tied_embeddings=bool(c.get("tie_word_embeddings", True)),
             qkv_bias=bool(c.get("attention_bias", False)), o_bias=bool(c.get("attention_bias", False)),
             norms_per_layer=4)
    f.update(_pattern_windows(c, f["L"], 2, 4096))
    return f


def _gemma3_text(c):
    if c.get("use_bidirectional_attention"):
        raise ValueError("gemma3_text config with use_bidirectional_attention=true is an encoder (EmbeddingGemma), "
                         "not a causal language model; from_hf reads causal models only")
    f = _gemma2(c)
    f.update(qk_norm="head")
    period = int(c.get("sliding_window_pattern", 6))
    f.update(_pattern_windows(c, f["L"], period, 4096))
    return f


def _phi3(c):
    f = _dense(c)  # Phi-3's fused qkv_proj and gate_up_proj carry no biases, whatever attention_bias says
    f.update(_every_layer_if_window(c, f["L"], None))
    return f


def _olmo2(c):
    f = _dense(c)
    bias = bool(c.get("attention_bias", False))
    f.update(qkv_bias=bias, o_bias=bias, qk_norm="full")  # post-norms: still two D-wide norms per layer
    return f


def _smollm3(c):
    f = _llama(c)
    f["tied_embeddings"] = bool(c.get("tie_word_embeddings", True))
    L = f["L"]
    types = _hf_layer_types(c, L)
    w = _window(c, None)
    if types is None:
        rope = _no_rope_layers(c, L)
        use = bool(c.get("use_sliding_window", False))
        types = tuple("sliding_attention" if use and w and not rope[i] else "full_attention" for i in range(L))
    f.update(_windows(types, w))
    return f


def _mixtral(c):
    f = _dense(c)
    f.update(E=int(c["num_local_experts"]), k=int(c["num_experts_per_tok"]))
    f.update(_every_layer_if_window(c, f["L"], None))
    return f


def _sparse_layers(c, L, E) -> int:
    """Qwen MoE: layer i is sparse unless listed in mlp_only_layers, when (i + 1) is a multiple of the step."""
    step = int(c.get("decoder_sparse_step", 1))
    mlp_only = set(_int_list(c, "mlp_only_layers"))
    return len([i for i in range(L) if i not in mlp_only and E > 0 and (i + 1) % step == 0])


def _qwen2_moe(c):
    f = _dense(c)
    L = f["L"]
    E = int(c["num_experts"])
    f.update(qkv_bias=bool(c.get("qkv_bias", True)), E=E, k=int(c["num_experts_per_tok"]),
             F_expert=int(c["moe_intermediate_size"]), F_shared=int(c["shared_expert_intermediate_size"]),
             shared_expert_gate=int(c["shared_expert_intermediate_size"]) > 0, dense_layers=L - _sparse_layers(c, L, E))
    f.update(_qwen_windows(c, L, alternate=True))
    return f


def _qwen3_moe(c):
    f = _dense(c)
    L = f["L"]
    E = int(c["num_experts"])
    bias = bool(c.get("attention_bias", False))
    f.update(qkv_bias=bias, o_bias=bias, qk_norm="head", E=E, k=int(c["num_experts_per_tok"]),
             F_expert=int(c["moe_intermediate_size"]), dense_layers=L - _sparse_layers(c, L, E))
    # Qwen3MoeConfig keeps no layer_types: with use_sliding_window every layer is windowed
    f.update(_every_layer_if_window(c, L, 4096) if c.get("use_sliding_window", False) else _windows((), 0))
    return f


def _gpt_oss(c):
    f = _dense(c)
    bias = bool(c.get("attention_bias", True))
    F = int(c["intermediate_size"])
    f.update(qkv_bias=bias, o_bias=bias, attention_sinks=True, E=int(c["num_local_experts"]),
             k=int(c["num_experts_per_tok"]), F_expert=F, expert_bias=True, router_bias=True)
    f.update(_pattern_windows(c, f["L"], 2, 128))
    return f


def _llama4_text(c):
    f = _dense(c)
    L = f["L"]
    E = int(c["num_local_experts"])
    moe = _int_list(c, "moe_layers") if c.get("moe_layers") is not None else None
    if moe is None:
        step = int(c.get("interleave_moe_layer_step", 1))
        moe = list(range(step - 1, L, step))
    bias = bool(c.get("attention_bias", False))
    F_expert = f["F"]  # intermediate_size is the width of each expert and of the shared expert
    f.update(F=int(c.get("intermediate_size_mlp", 16384)), qkv_bias=bias, o_bias=bias, E=E,
             k=int(c["num_experts_per_tok"]), F_expert=F_expert, F_shared=F_expert,
             dense_layers=L - len({i for i in moe if 0 <= i < L}))
    types = _hf_layer_types(c, L)
    if types is None:
        rope = _no_rope_layers(c, L)
        types = tuple("chunked_attention" if rope[i] else "full_attention" for i in range(L))
    chunk = c.get("attention_chunk_size", 8192)
    f.update(_windows(types, _window(c, None) if "sliding_attention" in types else 0,
                      0 if chunk is None else v.positive_int("attention_chunk_size", chunk, allow_zero=True)))
    return f


def _mla(c, f, *, q_lora_default, first_dense_default, shared_default):
    n_shared = int(c.get("n_shared_experts", shared_default) or 0)
    q_lora = c["q_lora_rank"] if "q_lora_rank" in c else q_lora_default  # transformers' default when absent
    bias = bool(c.get("attention_bias", False))
    f["K"] = None  # MLA has no separate key/value heads: every query head reads the shared latent
    f.update(E=int(c["n_routed_experts"]), k=int(c["num_experts_per_tok"]),
             F_expert=int(c["moe_intermediate_size"]), F_shared=n_shared * int(c["moe_intermediate_size"]),
             dense_layers=min(int(c.get("first_k_dense_replace", first_dense_default)), f["L"]),
             q_lora_rank=None if q_lora is None else int(q_lora), kv_lora_rank=int(c["kv_lora_rank"]),
             qk_nope_head_dim=int(c["qk_nope_head_dim"]), qk_rope_head_dim=int(c["qk_rope_head_dim"]),
             v_head_dim=int(c["v_head_dim"]), qkv_bias=bias, o_bias=bias,
             # transformers sets head_dim = qk_rope_head_dim; under MLA it plays no part in the counts
             H=int(c.get("head_dim") or c["qk_rope_head_dim"]))
    return f


def _groups(c, f, n_default, t_default):
    """Group-limited routing: transformers' ``n_group`` and ``topk_group`` (None: plain top-k)."""
    n, t = c.get("n_group", n_default), c.get("topk_group", t_default)
    f.update(routing_groups=int(n or 1), groups_per_token=int(t or 1))
    return f


def _deepseek_v3(c):
    # DeepseekV3Config: n_group 8, topk_group 4 (node-limited routing, M = 4 in the DeepSeek-V3 report)
    return _groups(c, _mla(c, _dense(c), q_lora_default=1536, first_dense_default=3, shared_default=1), 8, 4)


def _deepseek_v2(c):
    if c.get("mlp_bias"):
        raise ValueError("deepseek_v2 config field 'mlp_bias' must be false (published DeepSeek-V2 configs have none); "
                         "biased dense and shared-expert MLPs are not counted here")
    # DeepseekV2Config: first_k_dense_replace 0 and 2 shared experts by default; transformers makes every layer
    # from first_k_dense_replace on a MoE layer (moe_layer_freq is not read, and published configs set it to 1)
    f = _mla(c, _dense(c), q_lora_default=1536, first_dense_default=0, shared_default=2)
    # DeepseekV2Config: topk_method "greedy" (plain top-k) unless "group_limited_greedy", which routes inside
    # topk_group of n_group groups (device-limited routing); transformers reads the groups only then
    method = c.get("topk_method", "greedy")
    if method not in ("greedy", "group_limited_greedy"):
        raise ValueError(f"deepseek_v2 config field 'topk_method' must be 'greedy' or 'group_limited_greedy' (what "
                         f"transformers' DeepseekV2 router implements), got {method!r}")
    if method == "group_limited_greedy":
        return _groups(c, f, None, None)
    return f


def _glm4_moe(c):
    f = _dense(c)
    L = f["L"]
    F_expert = int(c["moe_intermediate_size"])
    f.update(qkv_bias=bool(c.get("attention_bias", False)),  # Glm4MoeAttention: o_proj never carries a bias
             qk_norm="head" if c.get("use_qk_norm", False) else "none",
             E=int(c["n_routed_experts"]), k=int(c["num_experts_per_tok"]), F_expert=F_expert,
             F_shared=int(c.get("n_shared_experts", 1) or 0) * F_expert,
             dense_layers=min(int(c.get("first_k_dense_replace", 1)), L))
    return _groups(c, f, 1, 1)   # Glm4MoeConfig: n_group 1, topk_group 1 (its router is DeepSeek-V3's)


def _gpt2(c):
    D = int(c["n_embd"])
    return dict(
        L=int(c["n_layer"]), D=D, N=int(c["n_head"]), V=int(c["vocab_size"]),
        F=int(c.get("n_inner") or 4 * D), tied_embeddings=bool(c.get("tie_word_embeddings", True)),
        qkv_bias=True, o_bias=True, mlp_bias=True, norm="layernorm", mlp="plain", positions="learned",
        max_positions=int(c.get("n_positions", 1024)),
    )


_READERS = {
    "llama": _llama, "mistral": _mistral, "qwen2": _qwen2, "qwen3": _qwen3, "gemma2": _gemma2,
    "gemma3_text": _gemma3_text, "gemma3": None, "phi3": _phi3, "olmo2": _olmo2, "smollm3": _smollm3,
    "mixtral": _mixtral, "qwen2_moe": _qwen2_moe, "qwen3_moe": _qwen3_moe, "gpt_oss": _gpt_oss,
    "llama4_text": _llama4_text, "llama4": None, "deepseek_v2": _deepseek_v2, "deepseek_v3": _deepseek_v3,
    "glm4_moe": _glm4_moe, "gpt2": _gpt2,
}
SUPPORTED_MODEL_TYPES = tuple(sorted(_READERS))


# ----- presets -----------------------------------------------------------------------------------

def _preset_names() -> tuple[str, ...]:
    files = resources.files("llmcalc").joinpath("presets")
    return tuple(sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".json")))


PRESETS: tuple[str, ...] = _preset_names()

# Where each shipped preset's shape comes from. The JSON files are the models' Hugging Face config.json
# (trimmed to the fields that matter, plus the ones students will see); the shapes of the presets added
# for newer model families were checked against the sources named here (vendor code where it exists, a
# public copy of the config otherwise). docs/references.md, section F.1, covers the older presets.
PRESET_SOURCES: dict[str, str] = {
    "deepseek-v2": "deepseek-ai/DeepSeek-V2 config.json (Hugging Face Hub); shape as in DeepSeek-AI, 'DeepSeek-V2: "
                   "A Strong, Economical, and Efficient Mixture-of-Experts Language Model' (arXiv 2405.04434), §3.1: "
                   "60 layers, d 5120, 128 heads, d_c 512, d_c' 1536, 2 shared + 160 routed experts of width 1536, "
                   "6 routed per token, every FFN but the first one MoE",
    "deepseek-v2-lite": "deepseek-ai/DeepSeek-V2-Lite config.json (Hugging Face Hub); shape as in the DeepSeek-V2 paper "
                        "(arXiv 2405.04434), appendix B: 27 layers, d 2048, 16 heads, no query compression, "
                        "2 shared + 64 routed experts of width 1408, 6 routed per token, first layer dense",
    "gemma-3-27b": "google/gemma-3-27b-it config.json (Hugging Face Hub, multimodal; its text_config is read); "
                   "text shape as in google/gemma_pytorch, gemma/config.py, get_config_for_27b_v3: 62 layers, "
                   "D 5376, F 21504, 32 query and 16 key/value heads of width 128, window 1024 on 5 of every 6 "
                   "layers, qk-norm; vocabulary 262,208 as in NVIDIA-NeMo/Megatron-Bridge, "
                   "tests/unit_tests/models/gemma/test_gemma3_bridge.py (gemma3_27b_config_dict)",
    "glm-4.5": "zai-org/GLM-4.5 config.json (Hugging Face Hub); shape as in THUDM/slime, "
               "scripts/models/glm4.5-355B-A32B.sh: 3 dense + 89 MoE layers, D 5120, 96 query / 8 key-value heads "
               "of width 128, qkv bias, qk-norm, 160 routed experts of width 1536 + 1 shared, 8 per token, "
               "dense F 12288, vocabulary 151,552",
    "glm-4.5-air": "zai-org/GLM-4.5-Air config.json (Hugging Face Hub); shape as in THUDM/slime, "
                   "scripts/models/glm4.5-106B-A12B.sh: 1 dense + 45 MoE layers, D 4096, 96 / 8 heads of width 128, "
                   "qkv bias, no qk-norm, 128 routed experts of width 1408 + 1 shared, 8 per token, dense F 10944",
    "gpt-oss-120b": "openai/gpt-oss-120b config.json (Hugging Face Hub); shape as in openai/gpt-oss, "
                    "gpt_oss/torch/model.py (ModelConfig defaults and AttentionBlock): 36 layers, D 2880, 64 query / "
                    "8 key-value heads of width 64 with biases and sinks, 128 experts of width 2880 with biases, "
                    "4 per token, a router with bias, a 128-token window on even layers, vocabulary 201,088",
    "llama-4-scout-17b-16e": "meta-llama/Llama-4-Scout-17B-16E config.json (Hugging Face Hub, multimodal; its "
                             "text_config is read), as printed in public copies of the file: 48 layers, D 5120, "
                             "40 query / 8 key-value heads of width 128, 16 experts of width 8192 + a shared expert, "
                             "1 per token, every layer MoE, chunked attention (8192) on the 3 of every 4 layers that "
                             "use RoPE; 17B active / 109B total per Meta's model card (meta-llama/llama-models, "
                             "models/llama4/MODEL_CARD.md)",
    "olmo-2-7b": "allenai/OLMo-2-1124-7B config.json (Hugging Face Hub), as mirrored in NVIDIA-NeMo/Megatron-Bridge, "
                 "tests/unit_tests/models/olmo2/test_olmo2_bridge.py (olmo2_7b_config_dict): 32 layers, D 4096, "
                 "F 11008, 32 heads, vocabulary 100,352, untied",
    "phi-3-mini-4k": "microsoft/Phi-3-mini-4k-instruct config.json (Hugging Face Hub), as copied in NVIDIA/TensorRT-LLM, "
                     "tests/unittest/_torch/modeling/test_modeling_phi3.py (PHI3_MINI_4K_CONFIG): 32 layers, D 3072, "
                     "F 8192, 32 heads, vocabulary 32,064, sliding_window 2047",
    "qwen3-8b": "Qwen/Qwen3-8B config.json (Hugging Face Hub); shape as in THUDM/slime, scripts/models/qwen3-8B.sh: "
                "36 layers, D 4096, F 12288, 32 query / 8 key-value heads of width 128, qk-norm, no biases, untied, "
                "vocabulary 151,936; Qwen's model card: 8.2B parameters, 6.95B non-embedding",
    "qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B config.json (Hugging Face Hub); shape as in THUDM/slime, "
                       "scripts/models/qwen3-235B-A22B.sh: 94 MoE layers, D 4096, 64 query / 4 key-value heads of "
                       "width 128, qk-norm, 128 experts of width 1536, 8 per token, no shared expert, untied",
    "qwen3-30b-a3b": "Qwen/Qwen3-30B-A3B config.json (Hugging Face Hub); shape as in THUDM/slime, "
                     "scripts/models/qwen3-30B-A3B.sh: 48 MoE layers, D 2048, 32 query / 4 key-value heads of width "
                     "128, qk-norm, 128 experts of width 768, 8 per token, no shared expert, untied, vocabulary "
                     "151,936; Qwen's model card: 30.5B parameters, 3.3B activated, 29.9B non-embedding",
    "smollm3-3b": "HuggingFaceTB/SmolLM3-3B config.json (Hugging Face Hub), as quoted in public code found with the "
                  "project's code search: 36 layers, D 2048, F 11008, 16 query / 4 key-value heads, vocabulary "
                  "128,256, tied embeddings, no RoPE on every 4th layer (no_rope_layer_interval 4)",
}


def preset_hf_config(name: str) -> dict[str, Any]:
    """The Hugging Face ``config.json`` dict shipped for a preset (a fresh copy)."""
    if name not in PRESETS:
        raise v.unknown_name("preset", name, PRESETS)
    text = resources.files("llmcalc").joinpath("presets", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def preset(name: str) -> ModelConfig:
    """A well-known model by name, e.g. ``preset("llama-3-70b")``; see ``PRESETS`` for all names."""
    return ModelConfig.from_hf(preset_hf_config(name), name=name)
