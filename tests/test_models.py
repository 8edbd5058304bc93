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
    known = r"Known presets: deepseek-v2, deepseek-v2-lite, deepseek-v3, .*\.$"
    with pytest.raises(ValueError, match=r"^Unknown preset 'llama-3-7b'\. Did you mean 'llama-3-70b'.*\? " + known):
        llmcalc.preset("llama-3-7b")


def test_unsupported_model_type_is_refused_with_the_supported_list():
    # the twenty types read (issue 14 added qwen3, qwen3_moe, gemma3(_text), gpt_oss, llama4(_text), phi3, olmo2,
    # smollm3, deepseek_v2, glm4_moe), listed in sorted order, and the field it could not interpret
    listed = ("['deepseek_v2', 'deepseek_v3', 'gemma2', 'gemma3', 'gemma3_text', 'glm4_moe', 'gpt2', 'gpt_oss', "
              "'llama', 'llama4', 'llama4_text', 'mistral', 'mixtral', 'olmo2', 'phi3', 'qwen2', 'qwen2_moe', "
              "'qwen3', 'qwen3_moe', 'smollm3']")
    with pytest.raises(ValueError) as e:
        ModelConfig.from_hf({"model_type": "bert", "hidden_size": 768})
    assert str(e.value).startswith(f"model_type must be one of {listed}, got 'bert'")
    assert "cannot interpret the field 'model_type'" in str(e.value)


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


# ----- near-miss keys in config.json -------------------------------------------------------------

@pytest.mark.parametrize("typo, meant", [
    ("num_key_value_head", "num_key_value_heads"),   # would silently give K = N (MHA) for LLaMA
    ("intermediate_szie", "intermediate_size"),
    ("rope_thetta", "rope_theta"),                   # an ignored key is still checked for spelling
    ("tie_word_embedding", "tie_word_embeddings"),   # would silently untie Gemma-2 / tie nothing
    ("head_dims", "head_dim"),                       # would silently give H = D / N = 224 for Gemma-2
    ("attention_biass", "attention_bias"),
])
def test_a_near_miss_key_is_refused_naming_the_key_it_probably_means(typo, meant):
    hf = dict(llmcalc.preset_hf_config("gemma-2-9b"))
    hf[typo] = 1
    with pytest.raises(ValueError, match=rf"'{typo}' \(did you mean '{meant}'\?\).*silently take its default"):
        ModelConfig.from_hf(hf)


def test_a_misspelt_required_key_is_named_before_it_is_reported_missing():
    hf = llmcalc.preset_hf_config("llama-3-8b")
    hf["hidden_szie"] = hf.pop("hidden_size")
    with pytest.raises(ValueError, match=r"'hidden_szie' \(did you mean 'hidden_size'\?\)"):
        ModelConfig.from_hf(hf)


def test_every_near_miss_is_listed_at_once():
    hf = dict(llmcalc.preset_hf_config("mixtral-8x7b"), num_experts_per_token=2, n_embed=4096)
    with pytest.raises(ValueError) as e:
        ModelConfig.from_hf(hf)
    assert "'num_experts_per_token' (did you mean 'num_experts_per_tok'?)" in str(e.value)
    assert "'n_embed' (did you mean 'n_embd'?)" in str(e.value)


@pytest.mark.parametrize("key", ["sliding_window_size", "num_layers", "my_finetune_note", "use_flash_attn"])
def test_keys_far_from_every_known_one_are_let_through(key):
    # sliding_window_size is 5 letters longer than sliding_window; num_layers is 2 letters from num_labels
    # in a 10-letter key (one edit allowed below 12 letters); the others are nobody's misspelling
    hf = dict(llmcalc.preset_hf_config("llama-3-8b"), **{key: 1})
    assert ModelConfig.from_hf(hf) == llmcalc.preset("llama-3-8b").replace(name=ModelConfig.from_hf(hf).name)


@pytest.mark.parametrize("name", llmcalc.PRESETS)
def test_every_preset_still_loads_and_uses_only_known_keys(name):
    hf = llmcalc.preset_hf_config(name)
    assert set(hf) <= llmcalc.models.HF_KEYS_KNOWN
    assert set(hf.get("text_config") or {}) <= llmcalc.models.HF_KEYS_KNOWN
    llmcalc.preset(name)


class _Recording(dict):
    """A config dict that records every key a reader looks up."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.touched = set()

    def __getitem__(self, key):
        self.touched.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.touched.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.touched.add(key)
        return super().__contains__(key)


@pytest.mark.parametrize("name", llmcalc.PRESETS)
def test_the_read_list_covers_every_key_the_readers_touch(name):
    hf = _Recording(llmcalc.preset_hf_config(name))
    ModelConfig.from_hf(hf)
    assert hf.touched <= llmcalc.models.HF_KEYS_READ, hf.touched - llmcalc.models.HF_KEYS_READ


# Published config.json files with every key they carry (written by transformers 4.x):
# google/gemma-2-9b-it's config.json as quoted in the vllm-project/vllm issue "[Usage]: Can we extend the context
# length of gemma2 model or other models?" (transformers 4.42.0.dev0), and
# deepseek-ai/DeepSeek-V3's keys as the EasyDeL library's model test test_deepseek_v3 writes them, widths cut
# down there to a tiny model; "model_type" added, since that dict is passed to a DeepSeek-V3 class directly.
GEMMA2_9B_IT_KEYS = dict(
    architectures=["Gemma2ForCausalLM"], attention_bias=False, attention_dropout=0.0, attn_logit_softcapping=50.0,
    bos_token_id=2, cache_implementation="hybrid", eos_token_id=1, final_logit_softcapping=30.0, head_dim=256,
    hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh", hidden_size=3584, initializer_range=0.02,
    intermediate_size=14336, max_position_embeddings=8192, model_type="gemma2", num_attention_heads=16,
    num_hidden_layers=42, num_key_value_heads=8, pad_token_id=0, query_pre_attn_scalar=256, rms_norm_eps=1e-06,
    rope_theta=10000.0, sliding_window=4096, sliding_window_size=4096, torch_dtype="bfloat16",
    transformers_version="4.42.0.dev0", use_cache=True, vocab_size=256000,
)
DEEPSEEK_V3_KEYS = dict(
    aux_loss_alpha=0.001, bos_token_id=0, eos_token_id=1, ep_size=1, first_k_dense_replace=3, hidden_act="silu",
    hidden_size=128, initializer_range=0.02, intermediate_size=256, kv_lora_rank=512, max_position_embeddings=1024,
    moe_intermediate_size=128, moe_layer_freq=1, n_group=8, n_routed_experts=32, n_shared_experts=1,
    norm_topk_prob=True, num_attention_heads=128, num_experts_per_tok=8, num_hidden_layers=4,
    num_key_value_heads=128, num_nextn_predict_layers=1, pretraining_tp=1, q_lora_rank=1536, qk_nope_head_dim=128,
    qk_rope_head_dim=64, rms_norm_eps=1e-06,
    rope_scaling={"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                  "original_max_position_embeddings": 4096, "type": "yarn"},
    rope_theta=10000, routed_scaling_factor=2.5, scoring_func="sigmoid", seq_aux=True, tie_word_embeddings=False,
    topk_group=4, topk_method="noaux_tc", transformers_version="4.33.1", use_cache=True, v_head_dim=128,
    vocab_size=129280, model_type="deepseek_v3",
)


@pytest.mark.parametrize("hf", [GEMMA2_9B_IT_KEYS, DEEPSEEK_V3_KEYS], ids=["gemma-2-9b-it", "deepseek-v3"])
def test_published_configs_load_with_all_their_keys(hf):
    assert set(hf) <= llmcalc.models.HF_KEYS_KNOWN
    ModelConfig.from_hf(hf)


# ----- issue 14: the newer model types ---------------------------------------------------------------------

ISSUE14_PRESETS = {"qwen3-8b", "qwen3-235b-a22b", "gpt-oss-120b", "gemma-3-27b", "llama-4-scout-17b-16e",
                   "phi-3-mini-4k", "olmo-2-7b", "deepseek-v2", "deepseek-v2-lite", "glm-4.5", "glm-4.5-air",
                   "smollm3-3b", "qwen3-30b-a3b"}


def test_the_headline_models_of_issue_14_are_shipped_with_their_sources():
    assert ISSUE14_PRESETS <= set(llmcalc.PRESETS)
    assert set(llmcalc.models.PRESET_SOURCES) == ISSUE14_PRESETS
    assert all("config.json" in src for src in llmcalc.models.PRESET_SOURCES.values())


# shapes as the sources named in PRESET_SOURCES print them: (L, D, F, N, K, H, V, tied)
@pytest.mark.parametrize("name, shape", [
    ("qwen3-8b", (36, 4096, 12288, 32, 8, 128, 151936, False)),          # THUDM/slime qwen3-8B.sh
    ("gpt-oss-120b", (36, 2880, 2880, 64, 8, 64, 201088, False)),        # openai/gpt-oss ModelConfig
    ("gemma-3-27b", (62, 5376, 21504, 32, 16, 128, 262208, True)),      # gemma_pytorch get_config_for_27b_v3
    ("llama-4-scout-17b-16e", (48, 5120, 16384, 40, 8, 128, 202048, False)),
    ("phi-3-mini-4k", (32, 3072, 8192, 32, 32, 96, 32064, False)),
    ("olmo-2-7b", (32, 4096, 11008, 32, 32, 128, 100352, False)),
    ("glm-4.5", (92, 5120, 12288, 96, 8, 128, 151552, False)),          # D / N = 53.3: head_dim given
    ("smollm3-3b", (36, 2048, 11008, 16, 4, 128, 128256, True)),
    ("qwen3-30b-a3b", (48, 2048, 6144, 32, 4, 128, 151936, False)),     # THUDM/slime qwen3-30B-A3B.sh
])
def test_new_presets_read_their_shapes(name, shape):
    c = llmcalc.preset(name)
    assert (c.L, c.D, c.F, c.N, c.K, c.H, c.V, c.tied_embeddings) == shape


def test_what_makes_each_new_type_differ_is_read():
    q3, oss, g3 = llmcalc.preset("qwen3-8b"), llmcalc.preset("gpt-oss-120b"), llmcalc.preset("gemma-3-27b")
    assert q3.qk_norm == "head" and not q3.qkv_bias and not q3.has_local_attention
    assert oss.attention_sinks and oss.qkv_bias and oss.o_bias and oss.expert_bias and oss.router_bias
    assert (oss.E, oss.k, oss.F_expert, oss.dense_layers, oss.sliding_layers, oss.sliding_window) == (128, 4, 2880, 0, 18, 128)
    assert (g3.qk_norm, g3.norms_per_layer, g3.sliding_layers, g3.sliding_window) == ("head", 4, 52, 1024)
    assert llmcalc.preset("olmo-2-7b").qk_norm == "full"
    scout = llmcalc.preset("llama-4-scout-17b-16e")
    assert (scout.E, scout.k, scout.F_expert, scout.F_shared, scout.dense_layers) == (16, 1, 8192, 8192, 0)
    assert (scout.chunked_layers, scout.attention_chunk_size, scout.qk_norm) == (36, 8192, "none")  # L2 norm: no weights
    q235 = llmcalc.preset("qwen3-235b-a22b")
    assert (q235.E, q235.k, q235.F_expert, q235.F_shared, q235.dense_layers, q235.qk_norm) == (128, 8, 1536, 0, 0, "head")
    q30 = llmcalc.preset("qwen3-30b-a3b")
    assert (q30.E, q30.k, q30.F_expert, q30.F_shared, q30.dense_layers, q30.qk_norm) == (128, 8, 768, 0, 0, "head")
    # Qwen's model card: '30.5B in total and 3.3B activated', '(Non-Embedding): 29.9B'
    total, emb = llmcalc.param_count(q30), 2 * 151936 * 2048
    assert round(total / 1e9, 1) == 30.5 and round((total - emb) / 1e9, 1) == 29.9
    v2, lite = llmcalc.preset("deepseek-v2"), llmcalc.preset("deepseek-v2-lite")
    assert (v2.q_lora_rank, v2.E, v2.k, v2.F_shared, v2.dense_layers) == (1536, 160, 6, 2 * 1536, 1)
    assert (lite.q_lora_rank, lite.kv_lora_rank, lite.E, lite.F_shared, lite.dense_layers) == (None, 512, 64, 2 * 1408, 1)
    glm, air = llmcalc.preset("glm-4.5"), llmcalc.preset("glm-4.5-air")
    assert (glm.qk_norm, glm.qkv_bias, glm.o_bias, glm.dense_layers, glm.E, glm.F_shared) == ("head", True, False, 3, 160, 1536)
    assert (air.qk_norm, air.dense_layers, air.E, air.F_expert) == ("none", 1, 128, 1408)
    assert llmcalc.preset("phi-3-mini-4k").sliding_layers == 32


def test_moe_layer_frequency_and_interleaving():
    base = dict(hidden_size=64, intermediate_size=32, num_hidden_layers=8, num_attention_heads=8, vocab_size=50,
                num_local_experts=4, num_experts_per_tok=1)
    # Llama 4: MoE on layers step−1, 2·step−1, ... (Maverick: every 2nd); an explicit moe_layers list wins
    assert ModelConfig.from_hf(dict(base, model_type="llama4_text", interleave_moe_layer_step=2)).moe_layers == 4
    assert ModelConfig.from_hf(dict(base, model_type="llama4_text", moe_layers=[1, 7])).dense_layers == 6
    # Qwen3-MoE: (i + 1) a multiple of decoder_sparse_step, except mlp_only_layers
    q = dict(base, model_type="qwen3_moe", num_experts=4, moe_intermediate_size=16, decoder_sparse_step=2,
             mlp_only_layers=[3])
    q.pop("num_local_experts")
    assert ModelConfig.from_hf(q).moe_layers == 3  # layers 1, 5, 7


def test_a_multimodal_config_counts_its_language_model_with_the_text_defaults():
    # Gemma 3's text_config leaves out what equals Gemma3TextConfig's defaults (262,208 tokens, 2304 wide, ...)
    c = ModelConfig.from_hf({"model_type": "gemma3", "text_config": {"hidden_size": 5376, "num_hidden_layers": 62}})
    assert (c.V, c.D, c.F, c.N, c.K, c.H, c.L) == (262208, 5376, 9216, 8, 4, 256, 62)
    assert c.model_type == "gemma3"
    with pytest.raises(ValueError, match=r"'text_config.model_type' must be 'gemma3_text', got 'llama'"):
        ModelConfig.from_hf({"model_type": "gemma3", "text_config": {"model_type": "llama"}})
    with pytest.raises(ValueError, match=r"inside 'text_config'.*'num_hiden_layers' \(did you mean 'num_hidden_layers'"):
        ModelConfig.from_hf({"model_type": "llama4", "text_config": {"num_hiden_layers": 4}})


def test_configs_that_are_not_causal_language_models_or_that_from_hf_cannot_count_are_refused():
    g = dict(llmcalc.preset_hf_config("gemma-3-27b")["text_config"], vocab_size=262208, use_bidirectional_attention=True)
    with pytest.raises(ValueError, match="use_bidirectional_attention=true is an encoder"):
        ModelConfig.from_hf(g)
    with pytest.raises(ValueError, match="deepseek_v2 config field 'mlp_bias' must be false"):
        ModelConfig.from_hf(dict(llmcalc.preset_hf_config("deepseek-v2-lite"), mlp_bias=True))


def test_new_fields_are_validated():
    with pytest.raises(ValueError, match=r"^qk_norm must be one of \['none', 'head', 'full'\]"):
        ModelConfig(L=2, D=64, F=128, N=8, V=10, qk_norm="yes")
    with pytest.raises(ValueError, match="expert_bias and router_bias need E >= 1"):
        ModelConfig(L=2, D=64, F=128, N=8, V=10, expert_bias=True)
    with pytest.raises(ValueError, match="qk_norm and attention_sinks are not defined for MLA"):
        llmcalc.preset("deepseek-v2-lite").replace(qk_norm="head")
    with pytest.raises(ValueError, match=r"^attention_sinks must be True or False"):
        ModelConfig(L=2, D=64, F=128, N=8, V=10, attention_sinks="yes")


def test_published_configs_of_the_new_types_load_with_all_their_keys():
    # the presets of issue 14 are the published files (gpt-oss-120b, DeepSeek-V2/-Lite, Qwen3 and Phi-3 with every
    # key; the others trimmed): each of their keys is known, so a real config.json of these types loads
    for name in ISSUE14_PRESETS:
        hf = llmcalc.preset_hf_config(name)
        assert set(hf) | set(hf.get("text_config") or {}) <= llmcalc.models.HF_KEYS_KNOWN, name
