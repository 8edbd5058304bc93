"""Ground truth no one here wrote: transformers' own models (parameter counts) and torch's
FlopCounterMode (matmul FLOPs). Models are built from config dicts on the meta device; nothing is
downloaded. Run by ``make crosscheck``; skipping is not passing, so a missing torch is an error."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="crosscheck needs torch (make crosscheck installs it)")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import llmcalc  # noqa: E402

pytestmark = pytest.mark.crosscheck


def build(hf_config: dict, device="meta", attn="eager", experts=None):
    cfg = transformers.AutoConfig.for_model(**hf_config)
    extra = {"experts_implementation": experts} if experts else {}
    with torch.device(device):
        return transformers.AutoModelForCausalLM.from_config(cfg, attn_implementation=attn, **extra)


def numel(model) -> int:
    return sum(p.numel() for p in model.parameters())


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


# MoE FLOPs depend on routing, which a meta tensor cannot do; run tiny MoE models on real CPU tensors.
# transformers' default experts kernel (grouped_mm) is invisible to FlopCounterMode, so the loop
# over experts ("eager") is used: each token then runs exactly k experts' matmuls.
@pytest.mark.parametrize("model_type", ["mixtral", "qwen2_moe", "deepseek_v3"])
def test_small_moe_forward_flops_equal_flop_counter(model_type):
    torch.manual_seed(0)
    hf = dict(MINIMAL[model_type], model_type=model_type)
    hf.setdefault("num_key_value_heads", hf["num_attention_heads"])  # DeepSeek's default 128 breaks eager MLA at N = 6
    model = build(hf, device="cpu", experts="eager").eval()
    expected = counted_forward_flops(model, 2, 24, device="cpu")
    assert llmcalc.forward_flops(llmcalc.ModelConfig.from_hf(hf), 2, 24, causal=False) == expected
