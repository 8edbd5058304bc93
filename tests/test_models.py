"""ModelConfig, from_hf and presets: validation, defaults and clear errors."""

import json
import subprocess
import sys

import pytest

import llmcalc
from llmcalc import ModelConfig


def test_every_preset_named_by_the_issue_is_shipped():
    wanted = {"llama-65b", "llama-2-7b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b",
              "qwen2-72b", "mixtral-8x7b", "deepseek-v3", "gemma-2-9b", "gpt-3-175b"}
    assert wanted <= set(llmcalc.PRESETS)


def test_llama3_70b_shape_matches_the_seed_table():
    # seed 000's table from the Hugging Face config: L 80, D 8192, F 28672, N 64, K 8, H 128, V 128256
    c = llmcalc.preset("llama-3-70b")
    assert (c.L, c.D, c.F, c.N, c.K, c.H, c.V) == (80, 8192, 28672, 64, 8, 128, 128256)


def test_gemma2_head_dim_is_not_d_over_n():
    c = llmcalc.preset("gemma-2-9b")
    assert c.H == 256 and c.D // c.N == 224 and c.tied_embeddings and c.norms_per_layer == 4


def test_deepseek_v3_reads_mla_and_experts():
    c = llmcalc.preset("deepseek-v3")
    assert c.uses_mla and c.is_moe
    assert (c.q_lora_rank, c.kv_lora_rank, c.qk_nope_head_dim, c.qk_rope_head_dim, c.v_head_dim) == (1536, 512, 128, 64, 128)
    assert (c.E, c.k, c.F_expert, c.F_shared, c.dense_layers, c.moe_layers) == (256, 8, 2048, 2048, 3, 58)


def test_deepseek_null_q_lora_rank_means_a_full_query_projection():
    hf = llmcalc.preset_hf_config("deepseek-v3")
    hf["q_lora_rank"] = None
    assert ModelConfig.from_hf(hf).q_lora_rank is None


def test_gpt3_reads_as_gpt_architecture():
    c = llmcalc.preset("gpt-3-175b")
    assert (c.mlp, c.norm, c.positions, c.max_positions, c.F) == ("plain", "layernorm", "learned", 2048, 4 * 12288)


def test_from_json_file_reads_a_config_on_disk(tmp_path):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(llmcalc.preset_hf_config("qwen2-72b")))
    assert ModelConfig.from_json_file(p) == llmcalc.preset("qwen2-72b").replace(name=str(ModelConfig.from_json_file(p).name))


def test_replace_rederives_head_dim():
    c = llmcalc.preset("llama-2-7b").replace(D=2048)
    assert c.H == 2048 // 32


def test_k_defaults_to_n_for_llama():
    assert ModelConfig(L=2, D=64, F=128, N=8, V=10).K == 8


# ----- bad input: a clear ValueError naming the field and the range ------------------------------

@pytest.mark.parametrize("field", ["L", "D", "F", "N", "V"])
@pytest.mark.parametrize("bad", [0, -3, 2.5, "8"])
def test_non_positive_or_non_integer_sizes_are_refused(field, bad):
    kw = dict(L=2, D=64, F=128, N=8, V=10)
    kw[field] = bad
    with pytest.raises(ValueError, match=rf"^{field} must be a whole number >= 1"):
        ModelConfig(**kw)


def test_n_not_a_multiple_of_k_is_refused():
    with pytest.raises(ValueError, match=r"N \(query heads, 8\) must be a multiple of K"):
        ModelConfig(L=2, D=64, F=128, N=8, K=3, V=10)


def test_d_not_divisible_by_n_without_head_dim_is_refused():
    with pytest.raises(ValueError, match=r"D \(100\) must be divisible by N \(8\) when H \(head_dim\) is not given"):
        ModelConfig(L=2, D=100, F=128, N=8, V=10)
    assert ModelConfig(L=2, D=100, F=128, N=8, V=10, H=16).H == 16


def test_experts_per_token_above_experts_is_refused():
    with pytest.raises(ValueError, match=r"k \(experts per token\) must be in \[1, E=8\]"):
        ModelConfig(L=2, D=64, F=128, N=8, V=10, E=8, k=9)


def test_unknown_preset_suggests_the_closest_names():
    with pytest.raises(ValueError, match=r"^Unknown preset 'llama-3-7b'\. Did you mean 'llama-3-70b'.*\? Known presets: deepseek-v3, .*\.$"):
        llmcalc.preset("llama-3-7b")


def test_unsupported_model_type_is_refused_with_the_supported_list():
    with pytest.raises(ValueError, match=r"model_type must be one of \['deepseek_v3', 'gemma2', 'gpt2', 'llama'"):
        ModelConfig.from_hf({"model_type": "bert", "hidden_size": 768})


def test_config_without_model_type_says_so():
    with pytest.raises(ValueError, match="has no 'model_type' field"):
        ModelConfig.from_hf({"hidden_size": 768})


def test_every_missing_required_field_is_listed():
    with pytest.raises(ValueError) as e:
        ModelConfig.from_hf({"model_type": "llama", "hidden_size": 4096})
    msg = str(e.value)
    for field in ["intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size"]:
        assert field in msg


def test_remote_code_entries_are_never_executed(tmp_path):
    # a config.json asking for remote code: from_hf reads numbers only and never imports anything
    hf = dict(llmcalc.preset_hf_config("llama-2-7b"), auto_map={"AutoModelForCausalLM": "evil.Model"},
              trust_remote_code=True)
    before = set(sys.modules)
    assert ModelConfig.from_hf(hf).D == 4096
    assert not {m for m in set(sys.modules) - before if "evil" in m}


def test_import_llmcalc_pulls_in_no_heavy_libraries():
    # the formula modules import only the standard library (import time is measured by make bench)
    code = "import sys, llmcalc; print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'ipywidgets', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
