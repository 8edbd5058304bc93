"""llmcalc.peak_training_bytes without torch: hand arithmetic for a tiny model, input validation,
monotonicity, the version warning, and full-size LLaMA steps measured with torch's MemTracker
(llmcalc.measured; the crosscheck suite re-measures every one of them, and small shapes, on every run)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import llmcalc
from llmcalc import measured
from llmcalc import peak_memory as pm
from llmcalc.models import ModelConfig

GiB = 2**30

# A tiny LLaMA: L 1, D 8, F 16, N 2 query heads, K 1 key/value head, H 4, V 1000, untied; b 1, s 16 (t = 16)
TINY = ModelConfig(L=1, D=8, F=16, N=2, K=1, V=1000)
B, S, T = 1, 16, 16


def test_tiny_model_peak_by_hand_bf16():
    # parameters: embedding 1000·8 = 8000; q 8·8 = 64, k 8·4 = 32, v 32, o 64; gate, up, down 8·16 = 128
    # each; two norms 8 each; final norm 8; LM head 8000
    P = 8000 + 64 + 32 + 32 + 64 + 3 * 128 + 2 * 8 + 8 + 8000
    assert P == 16600
    parameters = 2 * P                  # bf16: 33,200
    optimizer_states = 2 * 2 * P       # exp_avg + exp_avg_sq in bf16: 66,400
    # one layer, per token: attention RMSNorm fp32 input 4·8 + rsqrt 4 + bf16 normalised 2·8 + bf16
    # output 2·8 = 68, the MLP norm the same 68; query 2·8 = 16, key 2·4 = 8, value 8, attention output 16;
    # fp32 log-sum-exp 4·2 = 8; gate, up, silu, product 2·16 each = 128
    per_token = 68 + 68 + 16 + 8 + 8 + 16 + 8 + 128
    assert per_token == 320
    layer_activations = T * per_token   # 5,120
    # cos and sin (1, 16, 4) in bf16: 2 · 128; the final norm 68 per token
    other_activations = 2 * (2 * S * 4) + T * 68   # 256 + 1088 = 1,344
    # inv_freq and original_inv_freq: 2 · (4/2) fp32 = 16; input_ids and the loss's shifted labels, int64
    buffers_and_inputs = 16 + 8 * T + 8 * T       # 272
    # start of the backward pass: log-softmax kept from the forward, its gradient, the logits' gradient,
    # all fp32, t·V = 16,000 values each
    logits_and_loss = 3 * 4 * T * 1000             # 192,000
    total = parameters + optimizer_states + layer_activations + other_activations + buffers_and_inputs + logits_and_loss
    assert total == 298_336
    assert llmcalc.peak_training_bytes(TINY, B, S) == total
    got = llmcalc.peak_training_breakdown(TINY, B, S)
    assert got == {"parameters": parameters, "gradients": 0, "optimizer_states": optimizer_states,
                   "optimizer_temporaries": 0, "buffers_and_inputs": buffers_and_inputs,
                   "layer_activations": layer_activations, "other_activations": other_activations,
                   "logits_and_loss": logits_and_loss, "backward_temporaries": 0, "total": total}
    moments = pm.peak_training_moments(TINY, B, S)
    assert max(moments, key=moments.get) == "loss_backward"
    # optimizer step: parameters, gradients, two states and foreach's sqrt of every exp_avg_sq, 2 bytes
    # each per parameter, plus inv_freq and input_ids
    assert moments["optimizer_step"] == 5 * 2 * P + 16 + 8 * T == 166_144


def test_tiny_model_optimizer_step_by_hand_for_loop_and_fused():
    P = 16600
    states = 4 * 2 * P + 16 + 8 * T   # parameters, gradients, exp_avg, exp_avg_sq (bf16) + inv_freq, input_ids
    # for-loop: the LM head's sqrt and quotient (2 · 8000 values) while the final norm's denominator (8) is
    # still referenced: 16,008 bf16 values
    assert pm.peak_training_moments(TINY, B, S, adamw="for-loop")["optimizer_step"] == states + 2 * 16008
    # fused: no temporaries; its 12 fp32 step counters (one per parameter tensor) live on the device
    assert pm.peak_training_moments(TINY, B, S, adamw="fused")["optimizer_step"] == states + 4 * 12


def test_tiny_model_peak_by_hand_amp_checkpointing():
    P = 16600
    parameters, optimizer_states = 4 * P, 2 * 4 * P        # fp32: 66,400 and 132,800
    layer_activations = 4 * 8 * T                           # the checkpointed layer's fp32 input: 512
    # cos, sin in fp32 2 · (4 · 16 · 4) = 512; final norm: fp32 input 32 + rsqrt 4 + fp32 normalised 32 per
    # token = 1088; autocast's bf16 copies of the LM head's input 2·8·16 = 256 and weight 2·8000 = 16,000
    other_activations = 512 + T * 68 + 256 + 16000
    buffers_and_inputs = 16 + 8 * T + 8 * T + 8 * S        # + position ids, kept as a checkpoint argument
    logits_and_loss = 3 * 4 * T * 1000
    total = parameters + optimizer_states + layer_activations + other_activations + buffers_and_inputs + logits_and_loss
    assert total == 409_968
    got = llmcalc.peak_training_breakdown(TINY, B, S, regime="amp", checkpointing=True)
    assert got["total"] == total
    assert (got["parameters"], got["optimizer_states"], got["layer_activations"], got["other_activations"],
            got["buffers_and_inputs"], got["logits_and_loss"]) == (
        parameters, optimizer_states, layer_activations, other_activations, buffers_and_inputs, logits_and_loss)


def test_terms_sum_to_total():
    for regime in pm.PEAK_REGIMES:
        for ckpt in (False, True):
            for attention in pm.ATTENTIONS:
                got = llmcalc.peak_training_breakdown(llmcalc.preset("llama-3-8b"), 1, 2048, regime=regime,
                                                      checkpointing=ckpt, attention=attention)
                assert set(got) == set(pm.PEAK_TERMS) | {"total"}
                assert sum(v for k, v in got.items() if k != "total") == got["total"]
                assert all(isinstance(v, int) and v >= 0 for v in got.values())


# Full-size steps measured with MemTracker under FakeTensorMode (llmcalc.measured: torch 2.13.0,
# transformers 5.23.0, AdamW foreach, tools/measure_peak_memory.py; tests/crosscheck re-measures each one).
# The claim for them (measured.CLAIMED_FULL_SIZE_MAX_ERROR) is 1e-6 relative, 0.0001%; the tolerance is ten
# times the claim, 1e-5.
FULL_SIZE_TOLERANCE = measured.TOLERANCE_OVER_CLAIM * measured.CLAIMED_FULL_SIZE_MAX_ERROR
assert FULL_SIZE_TOLERANCE == pytest.approx(1e-5, rel=1e-12)
MEASURED = [(m.preset, m.micro_batch, m.seq_len, m.regime, m.checkpointing, m.attention, m.peak_bytes)
            for m in measured.MEMTRACKER_PEAKS]


@pytest.mark.parametrize("name,b,s,regime,ckpt,attention,measured_bytes", MEASURED)
def test_full_size_presets_against_recorded_memtracker_peaks(name, b, s, regime, ckpt, attention, measured_bytes):
    got = llmcalc.peak_training_bytes(llmcalc.preset(name), b, s, regime=regime, checkpointing=ckpt,
                                      attention=attention)
    assert abs(got - measured_bytes) / measured_bytes <= FULL_SIZE_TOLERANCE, (got, measured_bytes)


def test_every_full_size_record_says_how_it_was_measured():
    assert len(measured.MEMTRACKER_PEAKS) == 7
    for m in measured.MEMTRACKER_PEAKS:
        assert "MemTracker" in m.method and "FakeTensorMode" in m.method and m.adamw == "foreach"
    assert measured.MEASURED_WITH["torch"] == pm.REPLAYED_VERSIONS["torch"] == "2.13.0"
    assert measured.MEASURED_WITH["transformers"] == pm.REPLAYED_VERSIONS["transformers"] == "5.23.0"


def test_small_shape_sweeps_add_up_to_176_steps_with_the_fused_step_the_largest_error():
    # tools/measure_peak_memory.py --sweeps: 96 foreach + 32 for-loop + 32 fused + 16 biased/H 128 steps
    assert [s.cases for s in measured.SMALL_SHAPE_SWEEPS] == [96, 32, 32, 16]
    assert measured.small_shape_cases() == 176
    worst = max(measured.SMALL_SHAPE_SWEEPS, key=lambda s: s.max_abs_error)
    assert worst.label == "fused" and measured.small_shape_max_abs_error() == worst.max_abs_error < 0.002


# ----- the code path it replays: versions and sliding windows ---------------------------------------------

def _calls_with_versions(monkeypatch, versions):
    """Warnings from two calls, with ``versions`` ({package: version or None}) reported as installed."""
    monkeypatch.setattr(pm, "_versions_checked", False)
    monkeypatch.setattr(pm, "_installed_version", lambda package: versions[package])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        llmcalc.peak_training_bytes(TINY, B, S)
        llmcalc.peak_training_bytes(TINY, 2, S)
    return [w for w in caught if issubclass(w.category, UserWarning)]


def test_other_torch_or_transformers_versions_warn_once(monkeypatch):
    caught = _calls_with_versions(monkeypatch, {"torch": "2.5.1+cu121", "transformers": "4.46.0"})
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "torch 2.5.1+cu121" in text and "transformers 4.46.0" in text and "5.23.0" in text


def test_the_replayed_versions_or_none_installed_do_not_warn(monkeypatch):
    # the CPU wheel's local version label (+cpu) is the same release
    assert _calls_with_versions(monkeypatch, {"torch": "2.13.0+cpu", "transformers": "5.23.0"}) == []
    assert _calls_with_versions(monkeypatch, {"torch": None, "transformers": None}) == []
    only_one_other = _calls_with_versions(monkeypatch, {"torch": None, "transformers": "5.24.0"})
    assert len(only_one_other) == 1 and "transformers 5.24.0" in str(only_one_other[0].message)


def test_llmcalc_never_imports_torch_or_transformers():
    code = ("import sys, llmcalc; llmcalc.peak_training_bytes(llmcalc.preset('llama-2-7b'), 1, 128); "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name,model_type", [("mistral-7b", "mistral"), ("gemma-2-9b", "gemma2")])
def test_sliding_window_models_are_refused_not_replayed_as_llama(name, model_type):
    cfg = llmcalc.preset(name)
    assert llmcalc.preset_hf_config(name)["sliding_window"] == 4096  # both presets' configs carry a window
    for call in (lambda: llmcalc.peak_training_bytes(cfg, 1, 128), lambda: pm.layer_saved_bytes(cfg, 1, 128),
                 lambda: pm.peak_training_moments(cfg, 1, 128)):
        with pytest.raises(ValueError, match=rf"model_type='{model_type}'.*sliding_window"):
            call()


def test_a_mistral_shape_with_llama_fields_is_refused_too():
    # the same numbers as a LLaMA config, but read as Mistral: still refused (model_type decides)
    hf = dict(hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
              vocab_size=100)
    llama_cfg = ModelConfig.from_hf(dict(hf, model_type="llama"))
    assert llmcalc.peak_training_bytes(llama_cfg, 1, 16) > 0
    with pytest.raises(ValueError, match="sliding_window"):
        llmcalc.peak_training_bytes(ModelConfig.from_hf(dict(hf, model_type="mistral", sliding_window=4096)), 1, 16)


# ----- properties ------------------------------------------------------------------------------------

CFG = llmcalc.preset("llama-2-7b")


@pytest.mark.parametrize("regime", pm.PEAK_REGIMES)
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("attention", pm.ATTENTIONS)
def test_more_tokens_more_bytes(regime, ckpt, attention):
    kw = dict(regime=regime, checkpointing=ckpt, attention=attention)
    assert llmcalc.peak_training_bytes(CFG, 1, 2048, **kw) < llmcalc.peak_training_bytes(CFG, 2, 2048, **kw)
    assert llmcalc.peak_training_bytes(CFG, 1, 2048, **kw) < llmcalc.peak_training_bytes(CFG, 1, 4096, **kw)
    assert llmcalc.peak_training_bytes(CFG, 4, 4096, **kw) <= llmcalc.peak_training_bytes(CFG, 8, 4096, **kw)


@pytest.mark.parametrize("regime", pm.PEAK_REGIMES)
@pytest.mark.parametrize("attention", pm.ATTENTIONS)
def test_checkpointing_keeps_fewer_activation_bytes(regime, attention):
    for b, s in [(1, 2048), (4, 4096), (8, 4096)]:
        full = llmcalc.peak_training_breakdown(CFG, b, s, regime=regime, attention=attention)
        ckpt = llmcalc.peak_training_breakdown(CFG, b, s, regime=regime, attention=attention, checkpointing=True)
        assert ckpt["total"] <= full["total"]
    # at a size where the start of the backward pass sets both peaks, the layers keep far less
    full = llmcalc.peak_training_breakdown(CFG, 8, 4096, regime=regime, attention=attention)
    ckpt = llmcalc.peak_training_breakdown(CFG, 8, 4096, regime=regime, attention=attention, checkpointing=True)
    assert ckpt["layer_activations"] < full["layer_activations"] / 4


def test_amp_model_states_are_twice_bf16():
    bf16 = llmcalc.peak_training_breakdown(CFG, 1, 4096)
    amp = llmcalc.peak_training_breakdown(CFG, 1, 4096, regime="amp")
    P = llmcalc.param_count(CFG)
    assert bf16["parameters"] == 2 * P and amp["parameters"] == 4 * P
    assert amp["optimizer_states"] == 2 * bf16["optimizer_states"] == 8 * P
    assert amp["total"] >= bf16["total"]


def test_eager_attention_costs_more_than_sdpa():
    for ckpt in (False, True):
        for b, s in [(1, 2048), (2, 4096)]:
            sdpa = llmcalc.peak_training_bytes(CFG, b, s, checkpointing=ckpt)
            eager = llmcalc.peak_training_bytes(CFG, b, s, checkpointing=ckpt, attention="eager")
            assert eager >= sdpa


def test_fused_adamw_needs_no_more_than_foreach():
    for regime in pm.PEAK_REGIMES:
        fused = llmcalc.peak_training_bytes(CFG, 1, 1024, regime=regime, adamw="fused")
        loop = llmcalc.peak_training_bytes(CFG, 1, 1024, regime=regime, adamw="for-loop")
        foreach = llmcalc.peak_training_bytes(CFG, 1, 1024, regime=regime, adamw="foreach")
        assert fused <= loop <= foreach


# ----- input validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,field", [
    (dict(micro_batch=0), "micro_batch"),
    (dict(micro_batch=1.5), "micro_batch"),
    (dict(seq_len=-4), "seq_len"),
    (dict(seq_len="2048"), "seq_len"),
    (dict(regime="fp8"), "regime"),
    (dict(regime="mixed"), "regime"),
    (dict(attention="flash"), "attention"),
    (dict(adamw="sgd"), "adamw"),
    (dict(checkpointing="yes"), "checkpointing"),
])
def test_invalid_inputs_name_the_field(kwargs, field):
    args = dict(micro_batch=1, seq_len=128)
    args.update(kwargs)
    b, s = args.pop("micro_batch"), args.pop("seq_len")
    with pytest.raises(ValueError, match=field):
        llmcalc.peak_training_bytes(TINY, b, s, **args)


def test_invalid_choice_lists_the_accepted_values():
    with pytest.raises(ValueError, match=r"\['bf16', 'amp'\]"):
        llmcalc.peak_training_bytes(TINY, 1, 8, regime="fp32")
    with pytest.raises(ValueError, match=r"\['sdpa', 'eager'\]"):
        llmcalc.peak_training_bytes(TINY, 1, 8, attention="flash")


@pytest.mark.parametrize("name,what", [("mixtral-8x7b", "mixture of experts"), ("qwen2-72b", None)])
def test_unsupported_architectures(name, what):
    cfg = llmcalc.preset(name)
    if what is None:   # Qwen2: a LLaMA-style dense model with q/k/v biases is supported
        assert llmcalc.peak_training_bytes(cfg, 1, 512) > 0
    else:
        with pytest.raises(ValueError, match=what):
            llmcalc.peak_training_bytes(cfg, 1, 512)


def test_gpt_style_and_non_config_inputs_are_rejected():
    gpt = ModelConfig(L=2, D=64, F=256, N=4, V=100, mlp="plain", norm="layernorm", positions="learned",
                      max_positions=128)
    with pytest.raises(ValueError, match="mlp='plain'"):
        llmcalc.peak_training_bytes(gpt, 1, 16)
    with pytest.raises(ValueError, match="cfg must be a llmcalc.ModelConfig"):
        llmcalc.peak_training_bytes({"hidden_size": 64}, 1, 16)
