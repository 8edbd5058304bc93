"""Ground truth no one here wrote: transformers' own models (parameter counts) and torch's
FlopCounterMode (matmul FLOPs). Models are built from config dicts on the meta device; nothing is
downloaded. Run by ``make crosscheck``; skipping is not passing, so a missing torch is an error."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch", reason="crosscheck needs torch (make crosscheck installs it)")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import llmcalc  # noqa: E402

pytestmark = pytest.mark.crosscheck


def build(hf_config: dict, device="meta", attn="eager", experts=None):
    hf_config = copy.deepcopy(hf_config)
    text = hf_config.get("text_config") or {}
    # meta-llama/Llama-4-Scout's published text_config says "attn_temperature_tuning": 4, which transformers
    # 5.23's strict config class refuses (it wants a bool); it changes no parameter or FLOP, so pass it as one
    if type(text.get("attn_temperature_tuning")) is int:
        text["attn_temperature_tuning"] = bool(text["attn_temperature_tuning"])
    cfg = transformers.AutoConfig.for_model(**hf_config)
    extra = {"experts_implementation": experts} if experts else {}
    with torch.device(device):
        return transformers.AutoModelForCausalLM.from_config(cfg, attn_implementation=attn, **extra)


# a multimodal model's vision encoder and projector: not part of the language model llmcalc counts
VISION_PARTS = ("vision_tower", "vision_model", "multi_modal_projector")


def numel(model) -> int:
    """Parameters of the language model (for Gemma 3's multimodal class, all but the vision side)."""
    return sum(p.numel() for n, p in model.named_parameters() if not any(part in n for part in VISION_PARTS))


def counted_forward_flops(model, batch, seq_len, device="meta") -> int:
    ids = torch.zeros(batch, seq_len, dtype=torch.long, device=device)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    return counter.get_total_flops()


@pytest.mark.parametrize("name", llmcalc.PRESETS)
def test_preset_param_count_equals_transformers(name):
    model = build(llmcalc.preset_hf_config(name))
    assert llmcalc.param_count(llmcalc.preset(name)) == numel(model)


DENSE = [n for n in llmcalc.PRESETS if not llmcalc.preset(n).is_moe]


@pytest.mark.parametrize("name", DENSE)
@pytest.mark.parametrize("seq_len", [64, 300])
def test_dense_preset_forward_flops_equal_flop_counter(name, seq_len):
    model = build(llmcalc.preset_hf_config(name))
    assert llmcalc.forward_flops(llmcalc.preset(name), 2, seq_len, causal=False) == counted_forward_flops(model, 2, seq_len)


def test_sdpa_attention_is_counted_like_eager():
    hf = llmcalc.preset_hf_config("llama-3-8b")
    model = build(hf, attn="sdpa")
    assert llmcalc.forward_flops(llmcalc.preset("llama-3-8b"), 1, 128, causal=False) == counted_forward_flops(model, 1, 128)


# Absent optional fields: llmcalc must fill them as transformers' config classes do. Each dict holds
# only the fields llmcalc requires, at small sizes, so the model can be built and counted quickly.
SMALL = dict(hidden_size=96, intermediate_size=160, num_hidden_layers=3, num_attention_heads=6, vocab_size=211)
MINIMAL = {
    "llama": SMALL,
    # N chosen so that each class's default K (8, 32, 4, 8, 16) divides it
    "mistral": dict(SMALL, num_attention_heads=8),
    "qwen2": dict(SMALL, num_attention_heads=32),
    "gemma2": dict(SMALL, num_attention_heads=8),
    "mixtral": dict(SMALL, num_attention_heads=8, num_local_experts=4, num_experts_per_tok=2),
    "qwen2_moe": dict(SMALL, num_attention_heads=16, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=48,
                      shared_expert_intermediate_size=80),
    "deepseek_v3": dict(SMALL, num_hidden_layers=4, n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=32,
                        kv_lora_rank=24, qk_nope_head_dim=16, qk_rope_head_dim=8, v_head_dim=16, n_group=2, topk_group=1),
    "gpt2": dict(n_embd=96, n_layer=3, n_head=6, vocab_size=211),
    # issue 14's types: default K 32 and head_dim 128 (Qwen3), K 4 (Qwen3-MoE, Gemma 3, SmolLM3), K 8 and
    # head_dim 64 (gpt-oss), K 8 and head_dim 128 (Llama 4), K = N (Phi-3, OLMo 2, DeepSeek-V2), K 8 (GLM-4.5);
    # Phi-3's and SmolLM3's default pad_token_id (32000, 128004) must lie inside the vocabulary
    "qwen3": dict(SMALL, num_attention_heads=32, num_hidden_layers=30),  # 30 > the default max_window_layers 28
    "qwen3_moe": dict(SMALL, num_attention_heads=8, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=48),
    "gemma3_text": dict(SMALL, num_attention_heads=8, num_hidden_layers=7),  # 7 layers: one full, six windowed
    "gpt_oss": dict(SMALL, num_attention_heads=8, num_local_experts=4, num_experts_per_tok=2),
    "llama4_text": dict(SMALL, num_attention_heads=8, num_hidden_layers=5, num_local_experts=4, num_experts_per_tok=1),
    "phi3": dict(SMALL, vocab_size=32064),
    "olmo2": SMALL,
    "smollm3": dict(SMALL, num_attention_heads=8, vocab_size=128256),
    "deepseek_v2": dict(SMALL, num_hidden_layers=4, n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=32,
                        kv_lora_rank=24, qk_nope_head_dim=16, qk_rope_head_dim=8, v_head_dim=16),
    "glm4_moe": dict(SMALL, num_attention_heads=8, n_routed_experts=4, num_experts_per_tok=2, moe_intermediate_size=48),
    # multimodal wrappers: an empty text_config is every Gemma3TextConfig / Llama4TextConfig default
    "gemma3": dict(text_config={}),
    "llama4": dict(text_config={}),
}


@pytest.mark.parametrize("model_type", sorted(MINIMAL))
def test_absent_optional_fields_take_transformers_defaults(model_type):
    hf = dict(MINIMAL[model_type], model_type=model_type)
    assert llmcalc.param_count(llmcalc.ModelConfig.from_hf(hf)) == numel(build(hf))


def test_deepseek_without_q_lora_matches_transformers():
    hf = dict(MINIMAL["deepseek_v3"], model_type="deepseek_v3", q_lora_rank=None, attention_bias=True)
    assert llmcalc.param_count(llmcalc.ModelConfig.from_hf(hf)) == numel(build(hf))


def test_qwen2_moe_sparse_step_and_mlp_only_layers_match_transformers():
    hf = dict(MINIMAL["qwen2_moe"], model_type="qwen2_moe", num_hidden_layers=6, decoder_sparse_step=2, mlp_only_layers=[5])
    assert llmcalc.param_count(llmcalc.ModelConfig.from_hf(hf)) == numel(build(hf))


def test_llama_biases_match_transformers():
    hf = dict(SMALL, model_type="llama", attention_bias=True, mlp_bias=True, num_key_value_heads=2, tie_word_embeddings=True)
    assert llmcalc.param_count(llmcalc.ModelConfig.from_hf(hf)) == numel(build(hf))


def test_every_supported_model_type_has_a_defaults_check():
    assert set(MINIMAL) == set(llmcalc.SUPPORTED_MODEL_TYPES)


# The new features one by one, each against transformers' own model at a small size
FEATURES = {
    "qwen3 with attention biases and a window on layers 2+": dict(
        MINIMAL["qwen3"], model_type="qwen3", num_hidden_layers=4, attention_bias=True, head_dim=24,
        num_key_value_heads=4, use_sliding_window=True, max_window_layers=2, sliding_window=16, tie_word_embeddings=True),
    "qwen3_moe with mlp_only_layers and a sparse step": dict(
        MINIMAL["qwen3_moe"], model_type="qwen3_moe", num_hidden_layers=6, decoder_sparse_step=2, mlp_only_layers=[3],
        head_dim=20),
    "gemma3_text with a layer_types list and biases": dict(
        MINIMAL["gemma3_text"], model_type="gemma3_text", num_hidden_layers=4, attention_bias=True, head_dim=32,
        layer_types=["sliding_attention", "full_attention", "full_attention", "sliding_attention"], sliding_window=8),
    "gpt_oss without attention biases, untied": dict(MINIMAL["gpt_oss"], model_type="gpt_oss", attention_bias=False),
    "llama4_text interleaved (MoE every 2nd layer), explicit dense width": dict(
        MINIMAL["llama4_text"], model_type="llama4_text", interleave_moe_layer_step=2, intermediate_size_mlp=200,
        head_dim=16, num_key_value_heads=2, attention_bias=True),
    "llama4_text with an explicit moe_layers list": dict(
        MINIMAL["llama4_text"], model_type="llama4_text", moe_layers=[0, 3], intermediate_size_mlp=120, head_dim=16),
    "olmo2 GQA with biases": dict(MINIMAL["olmo2"], model_type="olmo2", num_key_value_heads=2, attention_bias=True),
    "phi3 GQA, tied": dict(MINIMAL["phi3"], model_type="phi3", num_key_value_heads=2, tie_word_embeddings=True),
    "smollm3 with biases, untied": dict(MINIMAL["smollm3"], model_type="smollm3", attention_bias=True, mlp_bias=True,
                                        tie_word_embeddings=False),
    "deepseek_v2 without q compression, 3 shared experts, 1 dense layer": dict(
        MINIMAL["deepseek_v2"], model_type="deepseek_v2", q_lora_rank=None, n_shared_experts=3, first_k_dense_replace=1,
        attention_bias=True),
    "deepseek_v2 with q compression": dict(MINIMAL["deepseek_v2"], model_type="deepseek_v2", q_lora_rank=40),
    "glm4_moe with qk-norm, qkv bias, 2 dense layers, 2 shared experts": dict(
        MINIMAL["glm4_moe"], model_type="glm4_moe", use_qk_norm=True, attention_bias=True, first_k_dense_replace=2,
        n_shared_experts=2, head_dim=16),
    "gemma3 multimodal: only the language model is counted": dict(
        model_type="gemma3", text_config=dict(MINIMAL["gemma3_text"], model_type="gemma3_text", head_dim=16)),
    "llama4 multimodal: only the language model is counted": dict(
        model_type="llama4", text_config=dict(MINIMAL["llama4_text"], model_type="llama4_text", head_dim=16,
                                              interleave_moe_layer_step=2, intermediate_size_mlp=64)),
}


@pytest.mark.parametrize("hf", FEATURES.values(), ids=FEATURES.keys())
def test_new_features_match_transformers(hf):
    assert llmcalc.param_count(llmcalc.ModelConfig.from_hf(hf)) == numel(build(hf))


DENSE_TYPES = ["qwen3", "gemma3_text", "phi3", "olmo2", "smollm3"]


@pytest.mark.parametrize("model_type", DENSE_TYPES)
def test_small_dense_forward_flops_equal_flop_counter(model_type):
    # eager attention computes the full T×T scores on every layer, windowed or not: causal=False
    hf = dict(MINIMAL[model_type], model_type=model_type)
    cfg = llmcalc.ModelConfig.from_hf(hf)
    assert llmcalc.forward_flops(cfg, 2, 40, causal=False) == counted_forward_flops(build(hf), 2, 40)


# Windowed and chunked causal scores: the pairs llmcalc counts are the pairs transformers' own masks keep
# (masking_utils: sliding_window_causal_mask_function, chunked_causal_mask_function), counted over T × T.
@pytest.mark.parametrize("T", [1, 5, 16, 17, 40])
@pytest.mark.parametrize("size", [1, 4, 16])
def test_window_and_chunk_pairs_equal_transformers_masks(T, size):
    from transformers import masking_utils as mu

    q = torch.arange(T).view(T, 1)
    kv = torch.arange(T).view(1, T)
    window = mu.sliding_window_causal_mask_function(size)(0, 0, q, kv)
    chunked = mu.chunked_causal_mask_function(size, torch.zeros(1, dtype=torch.long))(0, 0, q, kv)
    causal = mu.causal_mask_function(0, 0, q, kv)
    assert llmcalc.score_pairs(T, window=size) == int(window.sum())
    assert llmcalc.score_pairs(T, chunk=size) == int(chunked.sum())
    assert llmcalc.score_pairs(T) == int(causal.sum())


# MoE FLOPs depend on routing, which a meta tensor cannot do; run tiny MoE models on real CPU tensors.
# transformers' default experts kernel (grouped_mm) is invisible to FlopCounterMode, so the loop
# over experts ("eager") is used: each token then runs exactly k experts' matmuls.
@pytest.mark.parametrize("model_type", ["mixtral", "qwen2_moe", "deepseek_v3", "qwen3_moe", "gpt_oss", "deepseek_v2",
                                        "glm4_moe"])
def test_small_moe_forward_flops_equal_flop_counter(model_type):
    torch.manual_seed(0)
    hf = dict(MINIMAL[model_type], model_type=model_type)
    hf.setdefault("num_key_value_heads", hf["num_attention_heads"])  # DeepSeek's default 128 breaks eager MLA at N = 6
    model = build(hf, device="cpu", experts="eager").eval()
    expected = counted_forward_flops(model, 2, 24, device="cpu")
    assert llmcalc.forward_flops(llmcalc.ModelConfig.from_hf(hf), 2, 24, causal=False) == expected


def test_llama4_reference_moe_runs_every_expert_so_its_flops_are_those_of_k_equal_e():
    # transformers' Llama4TextMoe multiplies every token through all E experts (a token's unrouted experts get
    # a zero weight), so FlopCounterMode sees E experts per token: llmcalc's count with k = E. With k = 1 the
    # model (what a routed kernel runs) is exactly (E - 1) experts' matmuls per token and MoE layer cheaper.
    torch.manual_seed(0)
    hf = dict(MINIMAL["llama4_text"], model_type="llama4_text", head_dim=16, interleave_moe_layer_step=2,
              intermediate_size_mlp=64)
    cfg = llmcalc.ModelConfig.from_hf(hf)
    expected = counted_forward_flops(build(hf, device="cpu").eval(), 2, 24, device="cpu")
    assert llmcalc.forward_flops(cfg.replace(k=cfg.E), 2, 24, causal=False) == expected
    saved = 2 * (2 * 24) * cfg.moe_layers * (cfg.E - cfg.k) * 3 * cfg.D * cfg.F_expert
    assert llmcalc.forward_flops(cfg, 2, 24, causal=False) == expected - saved
