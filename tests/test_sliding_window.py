"""Sliding windows and chunked attention: which layers from_hf marks, and peak_training_bytes refusing every
config that has one (issue 14). The layer rules are transformers 5.23.0's (its config classes'
__post_init__ and the modeling files' mask choice), written out per test."""

import pytest

import llmcalc
from llmcalc import ModelConfig

SMALL = dict(hidden_size=64, intermediate_size=176, num_hidden_layers=6, num_attention_heads=4, num_key_value_heads=2,
             vocab_size=100)
S, F = "sliding_attention", "full_attention"


def read(model_type, **extra):
    return ModelConfig.from_hf(dict(SMALL, model_type=model_type, **extra))


def test_qwen2_windows_the_layers_from_max_window_layers_on():
    c = read("qwen2", use_sliding_window=True, sliding_window=32, max_window_layers=4)
    assert c.layer_types == (F, F, F, F, S, S) and c.sliding_window == 32
    assert read("qwen2", sliding_window=32).layer_types == ()  # use_sliding_window false: no window


def test_qwen2_moe_windows_every_other_layer_below_max_window_layers():
    moe = dict(num_experts=2, num_experts_per_tok=1, moe_intermediate_size=16, shared_expert_intermediate_size=16)
    c = read("qwen2_moe", use_sliding_window=True, sliding_window=32, max_window_layers=4, **moe)
    assert c.layer_types == (S, F, S, F, F, F)


def test_qwen3_moe_windows_every_layer_when_asked():
    c = read("qwen3_moe", use_sliding_window=True, sliding_window=32, num_experts=2, num_experts_per_tok=1,
             moe_intermediate_size=16)
    assert c.layer_types == (S,) * 6


def test_mistral_and_phi3_window_every_layer_unless_the_window_is_null():
    assert read("mistral").layer_types == (S,) * 6 and read("mistral").sliding_window == 4096  # the class default
    assert read("mistral", sliding_window=None).layer_types == ()
    assert read("phi3", sliding_window=2047).sliding_layers == 6 and read("phi3").layer_types == ()


def test_gemma_and_gpt_oss_alternate():
    assert read("gemma2").layer_types == (S, F) * 3
    assert read("gemma3_text", num_hidden_layers=12).layer_types == ((S,) * 5 + (F,)) * 2  # 5 local : 1 global
    assert read("gemma3_text", sliding_window_pattern=3).layer_types == (S, S, F) * 2
    oss = read("gpt_oss", num_local_experts=2, num_experts_per_tok=1)
    assert oss.layer_types == (S, F) * 3 and oss.sliding_window == 128


def test_llama4_chunks_the_rope_layers_and_smollm3_windows_its_nope_layers_when_asked():
    l4 = read("llama4_text", num_local_experts=2, num_experts_per_tok=1, num_hidden_layers=8)
    C = "chunked_attention"
    assert l4.layer_types == (C, C, C, F) * 2 and l4.attention_chunk_size == 8192
    assert read("smollm3").layer_types == ()
    assert read("smollm3", use_sliding_window=True, sliding_window=16, num_hidden_layers=8).layer_types == (F, F, F, S) * 2


def test_a_layer_types_list_wins_and_unknown_entries_are_refused():
    c = read("gemma2", layer_types=[F, S, S, F, F, S])
    assert c.layer_types == (F, S, S, F, F, S)
    with pytest.raises(ValueError, match=r"'layer_types' has entries from_hf cannot interpret: \['linear_attention'\]"):
        read("qwen3", layer_types=[F, F, "linear_attention", F, F, F])
    with pytest.raises(ValueError, match=r"'layer_types' must have one entry per layer \(num_hidden_layers=6\), got 2"):
        read("gpt_oss", num_local_experts=2, num_experts_per_tok=1, layer_types=[S, F])


def test_model_config_checks_windows_against_layers():
    with pytest.raises(ValueError, match=r"sliding_window must be a whole number >= 1 when layer_types has 'sliding"):
        ModelConfig(L=2, D=8, F=8, N=2, V=10, layer_types=(S, F))
    with pytest.raises(ValueError, match=r"sliding_window=64 needs at least one 'sliding_attention' entry"):
        ModelConfig(L=2, D=8, F=8, N=2, V=10, sliding_window=64)
    with pytest.raises(ValueError, match=r"layer_types must have one entry per layer \(L=2\)"):
        ModelConfig(L=2, D=8, F=8, N=2, V=10, layer_types=(S,), sliding_window=4)
    with pytest.raises(ValueError, match=r"^layer_types entries must be one of"):
        ModelConfig(L=1, D=8, F=8, N=2, V=10, layer_types=("local",), sliding_window=4)


def test_changing_l_keeps_the_pattern():
    g = llmcalc.preset("gemma-3-27b")  # 5 local : 1 global, 62 layers
    assert g.replace(L=66).layer_types == ((S,) * 5 + (F,)) * 11
    assert g.replace(L=4).layer_types == (S,) * 4
    q = read("qwen2", use_sliding_window=True, sliding_window=32, max_window_layers=4)  # full below 4, windowed above
    assert q.replace(L=8).layer_types == (F,) * 4 + (S,) * 4


# ----- peak_training_bytes refuses any config with a local layer, whatever its model type --------------------

@pytest.mark.parametrize("cfg, field", [
    (read("qwen2", use_sliding_window=True, sliding_window=32, max_window_layers=4), r"sliding_window=32 on 2 of L=6"),
    (read("llama", num_hidden_layers=2).replace(layer_types=(S, F), sliding_window=8), r"sliding_window=8 on 1 of L=2"),
    (llmcalc.preset("phi-3-mini-4k"), r"sliding_window=2047 on 32 of L=32"),
    (read("llama", num_hidden_layers=2).replace(layer_types=("chunked_attention", F), attention_chunk_size=16),
     r"attention_chunk_size=16 on 1 of L=2"),
], ids=["qwen2 use_sliding_window", "llama with a window", "phi-3-mini", "chunked"])
def test_any_config_with_a_local_layer_is_refused(cfg, field):
    with pytest.raises(ValueError, match=rf"local attention in layer_types \({field}"):
        llmcalc.peak_training_bytes(cfg, 1, 64)


def test_a_qwen2_config_without_use_sliding_window_is_still_replayed():
    # the same numbers read as LLaMA and as Qwen2 without a window differ only by Qwen2's q/k/v biases
    qwen = read("qwen2", sliding_window=32)
    assert llmcalc.peak_training_bytes(qwen, 1, 64) > 0
    assert not qwen.has_local_attention


def test_a_mistral_config_with_a_null_window_is_replayed_as_llama():
    assert llmcalc.peak_training_bytes(read("mistral", sliding_window=None), 1, 64) == \
        llmcalc.peak_training_bytes(read("llama"), 1, 64)


def test_qk_norms_are_refused_too():
    with pytest.raises(ValueError, match=r"qk_norm='head'"):
        llmcalc.peak_training_bytes(llmcalc.preset("qwen3-8b"), 1, 64)


def test_qwen_layer_types_without_use_sliding_window_attend_in_full():
    # Qwen2Config sets sliding_window to None unless use_sliding_window: a 'sliding_attention' entry then has no window
    assert read("qwen2", layer_types=[S, F] * 3, sliding_window=32).layer_types == ()
