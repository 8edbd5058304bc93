"""llmcalc.peak_training_bytes without torch: hand arithmetic for a tiny model, input validation,
monotonicity, and full-size LLaMA steps measured once with torch's MemTracker
(tools/measure_peak_memory.py; the crosscheck suite re-measures small shapes every run)."""

from __future__ import annotations

import pytest

import llmcalc
from llmcalc import published
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


# Full-size steps measured with MemTracker under FakeTensorMode (torch 2.13.0, transformers 5.23.0,
# tools/measure_peak_memory.py, AdamW foreach), recorded in llmcalc.published (with the phase that sets
# each peak); tests/crosscheck re-measures the first record on every run.
MEASURED = [(m.preset, m.micro_batch, m.seq_len, m.regime, m.checkpointing, m.attention, m.peak_bytes)
            for m in published.MEMTRACKER_PEAKS]


@pytest.mark.parametrize("name,b,s,regime,ckpt,attention,measured", MEASURED)
def test_full_size_presets_against_recorded_memtracker_peaks(name, b, s, regime, ckpt, attention, measured):
    got = llmcalc.peak_training_bytes(llmcalc.preset(name), b, s, regime=regime, checkpointing=ckpt,
                                      attention=attention)
    assert abs(got - measured) / measured <= 0.10


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
