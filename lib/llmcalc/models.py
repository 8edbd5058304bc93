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


@dataclass(frozen=True)
class ModelConfig:
    """The shape of a decoder-only transformer, validated on construction.

    Dense fields: ``L, D, F, N, V`` are required; ``K`` defaults to ``N`` (multi-head attention) and
    ``H`` to ``D // N``. ``mlp="gated"`` is a SwiGLU/GeGLU MLP with three D×F matrices (LLaMA), ``"plain"``
    two matrices with a GELU between them (GPT). ``norm="layernorm"`` norms have a weight and a bias,
    ``"rmsnorm"`` only a weight. ``positions="learned"`` adds a ``max_positions × D`` table (GPT-2/3).

    Mixture of experts (``E > 0``): each MoE layer has a router (E×D), ``E`` routed experts of width
    ``F_expert`` (gated), optional shared experts with total width ``F_shared`` (and, for Qwen2-MoE, a
    one-output gate on the shared expert); ``dense_layers`` layers keep the dense MLP of width ``F``.

    Multi-head latent attention (DeepSeek-V2/V3, ``kv_lora_rank > 0``): queries through an optional
    low-rank ``q_lora_rank``; keys and values through a ``kv_lora_rank`` latent plus a shared
    ``qk_rope_head_dim`` rotary key; per-head dims ``qk_nope_head_dim``, ``qk_rope_head_dim``,
    ``v_head_dim``.
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
    # mixture of experts
    E: int = 0
    k: int = 0
    F_expert: int | None = None
    F_shared: int = 0
    shared_expert_gate: bool = False
    dense_layers: int = 0
    # multi-head latent attention
    q_lora_rank: int | None = None
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    model_type: str = field(default="llama", compare=False)

    def __post_init__(self) -> None:
        for name in ("L", "D", "F", "N", "V"):
            v.positive_int(name, getattr(self, name))
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
        v.choice("norm", self.norm, NORMS)
        v.choice("mlp", self.mlp, MLPS)
        v.choice("positions", self.positions, POSITIONS)
        v.positive_int("norms_per_layer", self.norms_per_layer, allow_zero=True)
        if self.positions == "learned":
            v.positive_int("max_positions", self.max_positions)
        else:
            v.positive_int("max_positions", self.max_positions, allow_zero=True)
        # MoE
        v.positive_int("E", self.E, allow_zero=True)
        if self.E:
            v.positive_int("k", self.k)
            if self.k > self.E:
                raise ValueError(f"k (experts per token) must be in [1, E={self.E}], got {self.k}")
            F_expert = self.F if self.F_expert is None else v.positive_int("F_expert", self.F_expert)
            object.__setattr__(self, "F_expert", F_expert)
            v.positive_int("F_shared", self.F_shared, allow_zero=True)
            if not 0 <= self.dense_layers <= self.L:
                raise ValueError(f"dense_layers must be in [0, L={self.L}], got {self.dense_layers}")
        else:
            if self.k or self.F_shared or self.dense_layers or self.F_expert is not None or self.shared_expert_gate:
                raise ValueError("k, F_expert, F_shared, dense_layers and shared_expert_gate need E >= 1 (a MoE model)")
        # MLA
        v.positive_int("kv_lora_rank", self.kv_lora_rank, allow_zero=True)
        if self.kv_lora_rank:
            for name in ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
                v.positive_int(name, getattr(self, name))
            if self.q_lora_rank is not None:
                v.positive_int("q_lora_rank", self.q_lora_rank)
        elif self.q_lora_rank is not None or self.qk_nope_head_dim or self.qk_rope_head_dim or self.v_head_dim:
            raise ValueError("q_lora_rank, qk_nope_head_dim, qk_rope_head_dim and v_head_dim need kv_lora_rank >= 1 (MLA)")

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

    def replace(self, **changes) -> "ModelConfig":
        """A validated copy with some fields changed (``H``/``K`` re-derived unless given)."""
        if "D" in changes or "N" in changes:
            changes.setdefault("H", None if self.H * self.N == self.D else self.H)
        if "N" in changes and self.K == self.N:
            changes.setdefault("K", None)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    # ----- reading Hugging Face configs ----------------------------------------------------------
    @classmethod
    def from_hf(cls, config: Mapping[str, Any], name: str | None = None) -> "ModelConfig":
        """Read a Hugging Face ``config.json`` dict (never executes code; no remote code).

        Supported ``model_type``: llama, mistral, mixtral, qwen2, qwen2_moe, gemma2, deepseek_v3, gpt2.
        Size fields are required; every optional field absent from the dict takes the default that
        transformers' config class uses (e.g. K = N, H = D // N, untied embeddings for LLaMA,
        H = 256 and tied embeddings for Gemma-2). Missing required fields are all listed in the error.

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
                + (" (the dict has no 'model_type' field)" if model_type is None else "")
            )
        _refuse_near_miss_keys(config)
        required = _REQUIRED[model_type]
        missing = [key for key in required if config.get(key) is None]
        if missing:
            raise ValueError(f"{model_type} config is missing required field(s): {', '.join(missing)}")
        fields = _READERS[model_type](config)
        return cls(name=name or config.get("_name_or_path") or model_type, model_type=model_type, **fields)

    @classmethod
    def from_json_file(cls, path, name: str | None = None) -> "ModelConfig":
        """Read a ``config.json`` file from disk (plain JSON; nothing is executed)."""
        with open(path, encoding="utf-8") as f:
            return cls.from_hf(json.load(f), name=name)


_DENSE_REQUIRED = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size"]
_REQUIRED = {
    "llama": _DENSE_REQUIRED,
    "mistral": _DENSE_REQUIRED,
    "qwen2": _DENSE_REQUIRED,
    "gemma2": _DENSE_REQUIRED,
    "mixtral": _DENSE_REQUIRED + ["num_local_experts", "num_experts_per_tok"],
    "qwen2_moe": _DENSE_REQUIRED
    + ["num_experts", "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size"],
    "deepseek_v3": _DENSE_REQUIRED
    + ["n_routed_experts", "num_experts_per_tok", "moe_intermediate_size", "kv_lora_rank",
       "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"],
    "gpt2": ["n_embd", "n_layer", "n_head", "vocab_size"],
}


# ----- keys of config.json: read, knowingly ignored, and near misses ------------------------------

# Every key a reader below looks at (a test records the keys the readers touch on every preset).
HF_KEYS_READ: frozenset[str] = frozenset({
    "model_type", "_name_or_path", "hidden_size", "intermediate_size", "num_hidden_layers",
    "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings",
    "attention_bias", "mlp_bias", "qkv_bias",
    # MoE
    "num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok", "moe_intermediate_size",
    "shared_expert_intermediate_size", "n_shared_experts", "decoder_sparse_step", "mlp_only_layers",
    "first_k_dense_replace",
    # MLA
    "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
    # GPT-2
    "n_embd", "n_layer", "n_head", "n_inner", "n_positions",
})

# Keys that real config.json files of the supported model types carry and that change no parameter,
# FLOP or memory count here, so from_hf reads past them. Built from (a) the keys of the config classes
# of transformers 5.23.0 for llama, mistral, mixtral, qwen2, qwen2_moe, gemma2, deepseek_v3 and gpt2
# (their to_dict() and __init__ arguments, with PreTrainedConfig's common attributes and the generation
# parameters older configs still carry) and (b) keys of published config.json files written by
# transformers 4.x: torch_dtype, rope_theta, rope_scaling; Gemma-2's cache_implementation and
# sliding_window_size; DeepSeek-V3's aux_loss_alpha, ep_size, moe_layer_freq, scoring_func, seq_aux,
# topk_method, quantization_config and auto_map; GPT-2's n_ctx and task_specific_params.
HF_KEYS_IGNORED: frozenset[str] = frozenset({
    # common to every config
    "architectures", "transformers_version", "dtype", "torch_dtype", "use_cache", "bos_token_id",
    "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id", "initializer_range",
    "id2label", "label2id", "num_labels", "problem_type", "return_dict", "output_attentions",
    "output_hidden_states", "is_encoder_decoder", "is_decoder", "add_cross_attention",
    "cross_attention_hidden_size", "tie_encoder_decoder", "chunk_size_feed_forward", "pruned_heads",
    "prefix", "task_specific_params", "tokenizer_class", "finetuning_task", "torchscript", "use_bfloat16",
    "tf_legacy_loss", "per_layer_config", "tie_last_hidden_states", "auto_map", "quantization_config",
    "_attn_implementation", "attn_implementation", "_commit_hash",
    # generation parameters older configs still carry
    "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
    "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
    "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids",
    "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
    "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens",
    "begin_suppress_tokens",
    # attention, positions, norms, activations
    "hidden_act", "hidden_activation", "activation_function", "rms_norm_eps", "layer_norm_epsilon",
    "max_position_embeddings", "rope_theta", "rope_scaling", "rope_parameters", "rope_interleave",
    "attention_dropout", "attn_pdrop", "embd_pdrop", "resid_pdrop", "pretraining_tp",
    "sliding_window", "sliding_window_size", "use_sliding_window", "max_window_layers", "layer_types",
    "use_bidirectional_attention", "cache_implementation", "attn_logit_softcapping",
    "final_logit_softcapping", "query_pre_attn_scalar", "qk_head_dim",
    "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "n_ctx",
    "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels",
    "summary_first_dropout",
    # routing (no parameters beyond the router counted from E and D)
    "router_aux_loss_coef", "router_jitter_noise", "output_router_logits", "norm_topk_prob",
    "routed_scaling_factor", "n_group", "topk_group", "topk_method", "scoring_func", "seq_aux",
    "aux_loss_alpha", "ep_size", "moe_layer_freq",
    # DeepSeek-V3 multi-token prediction module (not part of the 671B main model counted here)
    "num_nextn_predict_layers", "num_mtp_layers",
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


def _refuse_near_miss_keys(config: Mapping[str, Any]) -> None:
    misses = [(k, near_miss_key(k)) for k in config if isinstance(k, str)]
    misses = [(k, m) for k, m in misses if m is not None]
    if misses:
        named = "; ".join(f"{k!r} (did you mean {m!r}?)" for k, m in misses)
        raise ValueError(
            f"config has key(s) that from_hf does not know but that are one or two letters away from keys it "
            f"does: {named}. A misspelt key would silently take its default; rename it (or remove it)."
        )


# transformers' default for an absent num_key_value_heads, by model type (None: K = N)
_DEFAULT_K = {"llama": None, "mistral": 8, "mixtral": 8, "qwen2": 32, "qwen2_moe": 16, "gemma2": 4,
              "deepseek_v3": 128}


def _dense(c: Mapping[str, Any]) -> dict[str, Any]:
    return dict(
        L=int(c["num_hidden_layers"]),
        D=int(c["hidden_size"]),
        F=int(c["intermediate_size"]),
        N=int(c["num_attention_heads"]),
        V=int(c["vocab_size"]),
        K=c.get("num_key_value_heads", _DEFAULT_K[c["model_type"]]),
        H=c.get("head_dim"),
        tied_embeddings=bool(c.get("tie_word_embeddings", False)),
    )


def _llama(c):
    f = _dense(c)
    f.update(qkv_bias=bool(c.get("attention_bias", False)), o_bias=bool(c.get("attention_bias", False)),
             mlp_bias=bool(c.get("mlp_bias", False)))
    return f


def _mistral(c):
    return _dense(c)


def _qwen2(c):
    f = _dense(c)
    f.update(qkv_bias=True)  # Qwen2Attention: q/k/v projections always carry a bias, o_proj never
    return f


def _gemma2(c):
    f = _dense(c)
    f.update(H=c.get("head_dim", 256),
             tied_embeddings=bool(c.get("tie_word_embeddings", True)),
             qkv_bias=bool(c.get("attention_bias", False)), o_bias=bool(c.get("attention_bias", False)),
             norms_per_layer=4)
    return f


def _mixtral(c):
    f = _dense(c)
    f.update(E=int(c["num_local_experts"]), k=int(c["num_experts_per_tok"]))
    return f


def _qwen2_moe(c):
    f = _dense(c)
    L = f["L"]
    step = int(c.get("decoder_sparse_step", 1))
    mlp_only = set(c.get("mlp_only_layers") or [])
    E = int(c["num_experts"])
    sparse = [i for i in range(L) if i not in mlp_only and E > 0 and (i + 1) % step == 0]
    f.update(qkv_bias=bool(c.get("qkv_bias", True)), E=E, k=int(c["num_experts_per_tok"]),
             F_expert=int(c["moe_intermediate_size"]), F_shared=int(c["shared_expert_intermediate_size"]),
             shared_expert_gate=int(c["shared_expert_intermediate_size"]) > 0, dense_layers=L - len(sparse))
    return f


def _deepseek_v3(c):
    f = _dense(c)
    n_shared = int(c.get("n_shared_experts", 1) or 0)
    q_lora = c["q_lora_rank"] if "q_lora_rank" in c else 1536  # transformers' default when absent
    bias = bool(c.get("attention_bias", False))
    f["K"] = None  # MLA has no separate key/value heads: every query head reads the shared latent
    f.update(E=int(c["n_routed_experts"]), k=int(c["num_experts_per_tok"]),
             F_expert=int(c["moe_intermediate_size"]), F_shared=n_shared * int(c["moe_intermediate_size"]),
             dense_layers=min(int(c.get("first_k_dense_replace", 3)), f["L"]),
             q_lora_rank=None if q_lora is None else int(q_lora), kv_lora_rank=int(c["kv_lora_rank"]),
             qk_nope_head_dim=int(c["qk_nope_head_dim"]), qk_rope_head_dim=int(c["qk_rope_head_dim"]),
             v_head_dim=int(c["v_head_dim"]), qkv_bias=bias, o_bias=bias,
             # transformers sets head_dim = qk_rope_head_dim; under MLA it plays no part in the counts
             H=int(c.get("head_dim") or c["qk_rope_head_dim"]))
    return f


def _gpt2(c):
    D = int(c["n_embd"])
    return dict(
        L=int(c["n_layer"]), D=D, N=int(c["n_head"]), V=int(c["vocab_size"]),
        F=int(c.get("n_inner") or 4 * D), tied_embeddings=bool(c.get("tie_word_embeddings", True)),
        qkv_bias=True, o_bias=True, mlp_bias=True, norm="layernorm", mlp="plain", positions="learned",
        max_positions=int(c.get("n_positions", 1024)),
    )


_READERS = {
    "llama": _llama, "mistral": _mistral, "qwen2": _qwen2, "gemma2": _gemma2, "mixtral": _mixtral,
    "qwen2_moe": _qwen2_moe, "deepseek_v3": _deepseek_v3, "gpt2": _gpt2,
}
SUPPORTED_MODEL_TYPES = tuple(sorted(_READERS))


# ----- presets -----------------------------------------------------------------------------------

def _preset_names() -> tuple[str, ...]:
    files = resources.files("llmcalc").joinpath("presets")
    return tuple(sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".json")))


PRESETS: tuple[str, ...] = _preset_names()


def preset_hf_config(name: str) -> dict[str, Any]:
    """The Hugging Face ``config.json`` dict shipped for a preset (a fresh copy)."""
    if name not in PRESETS:
        raise v.unknown_name("preset", name, PRESETS)
    text = resources.files("llmcalc").joinpath("presets", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def preset(name: str) -> ModelConfig:
    """A well-known model by name, e.g. ``preset("llama-3-70b")``; see ``PRESETS`` for all names."""
    return ModelConfig.from_hf(preset_hf_config(name), name=name)
