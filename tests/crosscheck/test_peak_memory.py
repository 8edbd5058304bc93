"""Ground truth for llmcalc.peak_training_bytes: torch's MemTracker over one steady-state training step of
transformers' LlamaForCausalLM (the second step, after AdamW's states exist), measured under
FakeTensorMode by tools/measure_peak_memory.py. Models are built from config dicts; nothing is downloaded.

Tolerances are ten times the accuracy claimed: small shapes, 10 × the largest error recorded over the 176
small-shape steps of llmcalc.measured.SMALL_SHAPE_SWEEPS (0.136%, so 1.36%); the full-size records of
llmcalc.measured.MEMTRACKER_PEAKS are re-measured one by one and must be the same bytes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="crosscheck needs torch (make crosscheck installs it)")
transformers = pytest.importorskip("transformers")

import llmcalc  # noqa: E402
from llmcalc import measured  # noqa: E402

pytestmark = pytest.mark.crosscheck

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "measure_peak_memory.py"
_spec = importlib.util.spec_from_file_location("measure_peak_memory", _TOOL)
mpm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mpm)

TOLERANCE = measured.TOLERANCE_OVER_CLAIM * measured.small_shape_max_abs_error()

# Four small LLaMA shapes: MHA (K = N), GQA (K < N), MQA (K = 1), untied and tied embeddings; a vocabulary
# from 1000 to 32000 moves the peak between the loss, the layers' backward and the optimizer step.
SHAPES = mpm.SHAPES
BATCHES = [(1, 512), (2, 256), (4, 1024)]
COMBOS = [(regime, ckpt, attention) for regime in ("bf16", "amp") for ckpt in (False, True)
          for attention in ("sdpa", "eager")]
# every shape with every regime × checkpointing × attention, the (micro_batch, seq_len) rotating so that
# each combination meets every batch shape across the four model shapes (32 measured steps)
CASES = [(shape, *BATCHES[(i + j) % len(BATCHES)], *combo)
         for i, shape in enumerate(SHAPES) for j, combo in enumerate(COMBOS)]


def _cfg(shape: str):
    return mpm.model_config(SHAPES[shape])


@pytest.mark.parametrize("shape,micro_batch,seq_len,regime,checkpointing,attention", CASES)
def test_peak_within_tolerance_of_memtracker(shape, micro_batch, seq_len, regime, checkpointing, attention):
    measured_bytes = mpm.measure(SHAPES[shape], micro_batch, seq_len, regime=regime, checkpointing=checkpointing,
                                 attention=attention)["peak_bytes"]
    predicted = llmcalc.peak_training_bytes(_cfg(shape), micro_batch, seq_len, regime=regime,
                                            checkpointing=checkpointing, attention=attention)
    assert abs(predicted - measured_bytes) / measured_bytes <= TOLERANCE, (predicted, measured_bytes)


@pytest.mark.parametrize("adamw", ["for-loop", "fused"])
@pytest.mark.parametrize("shape,regime", [("A: D512 L2 N8 K8 V8000", "bf16"), ("C: D1024 L2 N16 K2 V1000", "amp")])
def test_other_adamw_implementations(shape, regime, adamw):
    # micro-batch 1 × 128 tokens: the optimizer step or the end of the backward pass sets the peak
    measured_bytes = mpm.measure(SHAPES[shape], 1, 128, regime=regime, adamw=adamw)["peak_bytes"]
    predicted = llmcalc.peak_training_bytes(_cfg(shape), 1, 128, regime=regime, adamw=adamw)
    assert abs(predicted - measured_bytes) / measured_bytes <= TOLERANCE, (predicted, measured_bytes)


def test_fake_tensor_measurement_equals_a_real_cpu_run():
    # the method itself: the same step on real CPU tensors gives the same peak and the same split
    hf = dict(hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, vocab_size=500)
    for checkpointing in (False, True):
        fake = mpm.measure(hf, 2, 32, regime="amp", checkpointing=checkpointing)
        real = mpm.measure(hf, 2, 32, regime="amp", checkpointing=checkpointing, fake=False)
        assert fake["by_category"] == real["by_category"]
        assert fake["peak_bytes"] == real["peak_bytes"]


# ----- the 34·s·b·h undercount -------------------------------------------------------------------------
# One LLaMA-2-7B decoder layer (D 4096, F 11008, N = K = 32), b = 1, s = 4096, bf16, fused AdamW so that
# the peak is the start of the backward pass (no gradient exists yet): the Activation category then holds
# every layer's saved tensors, and the difference between 2 layers and 1 layer is one layer's.

def _layer_activation_bytes(attention: str, V: int, regime: str = "bf16") -> int:
    acts = []
    for L in (1, 2):
        hf = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=L, num_attention_heads=32,
                  num_key_value_heads=32, vocab_size=V)
        got = mpm.measure(hf, 1, 4096, regime=regime, attention=attention, adamw="fused")
        assert got["by_category"]["Gradient"] == 0, "the peak moved away from the start of the backward pass"
        acts.append(got["by_category"]["Activation"])
    return acts[1] - acts[0]


def _llama7b_shape(L):
    return llmcalc.ModelConfig(L=L, D=4096, F=11008, N=32, K=32, V=32000)


def test_swiglu_rmsnorm_layer_stores_more_than_34sbh():
    s, b, h, F, a = 4096, 1, 4096, 11008, 32
    measured = _layer_activation_bytes("sdpa", 32000)
    assert llmcalc.peak_memory.layer_saved_bytes(_llama7b_shape(2), 1, 4096) == measured
    # by hand, per token: two RMSNorms (fp32 input copy 4h, fp32 rsqrt 4, bf16 normalised 2h, bf16 output
    # 2h) 16h + 8; q, k, v, attention output 2h each = 8h; SDPA's fp32 log-sum-exp 4a; SwiGLU gate, up,
    # silu(gate), product 2F each = 8F
    assert measured == s * b * (16 * h + 8 + 8 * h + 4 * a + 8 * F)
    ratio = measured / (34 * s * b * h)
    # measured 763,920,384 bytes = 1.339 × 34·s·b·h (= 45.5 sbh): a GPT-style layer with F = 4h stores 34 sbh
    assert ratio > 1
    assert 1.33 < ratio < 1.35


def test_eager_layer_stores_more_than_34sbh_plus_5as2b():
    s, b, h, F, a = 4096, 1, 4096, 11008, 32
    measured = _layer_activation_bytes("eager", 128256)  # LLaMA-3's vocabulary keeps the peak at the loss
    assert llmcalc.peak_memory.layer_saved_bytes(_llama7b_shape(2), 1, 4096, attention="eager") == measured
    # eager: q, k, v, output as above, but the softmax output is kept in fp32 (4 bytes) and its bf16 copy
    # (2 bytes) for every one of the a·s² scores, instead of Korthikanti's 5 bytes (2 + mask 1 + dropout 2)
    assert measured == s * b * (16 * h + 8 + 8 * h + 6 * a * s + 8 * F)
    ratio = measured / (s * b * h * (34 + 5 * a * s / h))
    # measured 3,984,621,568 bytes = 1.224 × sbh(34 + 5as/h)
    assert 1.2 < ratio < 1.25


def test_amp_layer_stores_more_still():
    s, b, h, F, a = 4096, 1, 4096, 11008, 32
    measured = _layer_activation_bytes("sdpa", 128256, regime="amp")
    assert llmcalc.peak_memory.layer_saved_bytes(_llama7b_shape(2), 1, 4096, regime="amp") == measured
    # amp: both norms keep their fp32 input 4h, rsqrt 4 and fp32 normalised 4h (16h + 8); autocast keeps a
    # bf16 copy of each linear's input (q, k, v, gate, up: 10h) and of every weight matrix (2 bytes per
    # parameter: 4h² + 3hF per layer); q, k, v, output 8h; log-sum-exp 4a; SwiGLU 8F
    assert measured == s * b * (16 * h + 8 + 10 * h + 8 * h + 4 * a + 8 * F) + 2 * (4 * h * h + 3 * h * F)
    # measured 1,336,442,880 bytes = 2.343 × 34·s·b·h at s·b = 4096 (the weight copies, 405 MB, do not
    # grow with tokens: per token alone 227,464 / 139,264 = 1.633)
    assert 2.3 < measured / (34 * s * b * h) < 2.4


FULL_SIZE = measured.MEMTRACKER_PEAKS


@pytest.mark.parametrize("m", FULL_SIZE, ids=[f"{m.preset} b{m.micro_batch} s{m.seq_len} {m.regime}"
                                               f"{' ckpt' if m.checkpointing else ''} {m.attention}" for m in FULL_SIZE])
def test_recorded_full_size_peak_is_what_memtracker_measures_now(m):
    # every record of llmcalc.measured.MEMTRACKER_PEAKS (what chapter 3 shows as measured) is measured again,
    # byte for byte: fake tensors make the measurement the same on any machine (about 30 s each on 2 cores)
    got = mpm.measure(llmcalc.preset_hf_config(m.preset), m.micro_batch, m.seq_len, regime=m.regime,
                      checkpointing=m.checkpointing, attention=m.attention, adamw=m.adamw)
    assert got["peak_bytes"] == m.peak_bytes
    assert (torch.__version__.split("+")[0], transformers.__version__) == (
        measured.MEASURED_WITH["torch"], measured.MEASURED_WITH["transformers"])
