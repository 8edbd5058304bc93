"""Ground truth for llmcalc.rank_peak_bytes: torch's FSDPMemTracker on rank 0 of the fake process group, over the
second training step of transformers' LlamaForCausalLM under FSDP2 (+ DTensor TP/SP), measured by
tools/measure_rank_peak.py under FakeTensorMode. A representative subset of llmcalc.measured.RANK_PEAKS is
measured again on every run (about a minute and a half on 2 cores) and must give the same bytes in every category;
the prediction must stay within ten times the claimed error (llmcalc.measured.RANK_CLAIMED_MAX_ERROR), and the
closed form llmcalc.fsdp2_bytes_per_device within its claim (llmcalc.measured.FSDP2_CLOSED_FORM_CLAIM) on the
full-size presets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="crosscheck needs torch (make crosscheck installs it)")
transformers = pytest.importorskip("transformers")

import llmcalc  # noqa: E402
from llmcalc import measured  # noqa: E402
from llmcalc import rank_memory as rm  # noqa: E402
from llmcalc.models import ModelConfig  # noqa: E402

pytestmark = pytest.mark.crosscheck

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "measure_rank_peak.py"
_spec = importlib.util.spec_from_file_location("measure_rank_peak", _TOOL)
mrp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mrp)

TOLERANCE = measured.TOLERANCE_OVER_CLAIM * measured.RANK_CLAIMED_MAX_ERROR


def _pick(shape, ws, tp, regime="bf16", rafo=True, ckpt=False, sp=True, lp=True, rep=1,
          records=measured.RANK_PEAKS):
    for r in records:
        if (r.shape, r.world_size, r.tp, r.regime, r.reshard_after_forward, r.checkpointing, r.sp, r.loss_parallel,
                r.dp_replicate) == (shape, ws, tp, regime, rafo, ckpt, sp, lp, rep):
            return r
    raise LookupError((shape, ws, tp, regime, rafo, ckpt, sp, lp, rep))


# every TP degree at 8 ranks in the three state layouts; at 64 the layer-bound shape C, TP 8 without SP and
# without loss parallelism, HSDP, ZeRO-2 with checkpointing; at 512 FSDP alone, TP 8 × FSDP 64, a tied model;
# LLaMA-3-8B on 8 ranks at full size
SUBSET = (
    [_pick("A", 8, tp, regime, rafo, ckpt) for tp in (1, 2, 4, 8)
     for regime, rafo, ckpt in (("bf16", True, False), ("amp", True, True), ("bf16", False, False))]
    + [_pick("C", 64, tp, regime, True, ckpt) for tp in (1, 2) for regime, ckpt in (("bf16", False), ("amp", True))]
    + [_pick("E", 64, 8, sp=False), _pick("E", 64, 8, lp=False), _pick("B", 64, 4, rafo=False, ckpt=True),
       _pick("A", 64, 1, rep=8), _pick("E", 64, 8, "amp", rep=2)]
    + [_pick("A", 512, 1), _pick("E", 512, 8, "amp", ckpt=True), _pick("D", 512, 1, rafo=False)]
    + [_pick("llama-3-8b", 8, 1)]
    # three of the preset grid (llmcalc.measured.RANK_PRESET_GRID), for the closed form too
    + [_pick("llama-2-7b", 8, 8, "amp", True, True, records=measured.RANK_PRESET_GRID),
       _pick("llama-2-7b", 64, 2, records=measured.RANK_PRESET_GRID),
       _pick("llama-2-13b", 64, 1, "amp", False, True, records=measured.RANK_PRESET_GRID)]
)
# ten random configurations never recorded one by one (tools/measure_rank_peak.py random_case, 2 to 64 ranks;
# all ten were exact in llmcalc.measured.RANK_RANDOM_PROBES's set from 2000)
RANDOM = list(range(2000, 2010))
TINY_HF = dict(hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
               vocab_size=1000)


def _world(kw):
    return kw.get("dp_replicate", 1) * kw["dp_shard"] * kw.get("tp", 1)


# one process group per world size: everything is measured in world-size order, each world once
JOBS = sorted([(r.world_size, ("record", k)) for k, r in enumerate(SUBSET)]
              + [(_world(mrp.random_case(i)[3]), ("random", i)) for i in RANDOM] + [(2, ("tiny", 0))])


def _cfg(r):
    if r.shape in measured.RANK_SHAPES:
        return ModelConfig.from_hf(dict(measured.RANK_SHAPES[r.shape], model_type="llama"))
    return llmcalc.preset(r.shape)


@pytest.fixture(scope="module")
def remeasured():
    out = {}
    for _, (kind, k) in JOBS:
        if kind == "record":
            r = SUBSET[k]
            out[kind, k] = mrp.measure(mrp.hf_config_of(r.shape), r.micro_batch, r.seq_len, **r.layout())
        elif kind == "random":
            hf, b, s, kw = mrp.random_case(k)
            out[kind, k] = mrp.measure(hf, b, s, **kw)
        else:
            out[kind, k] = mrp.measure(TINY_HF, 1, 16, dp_shard=2)
    return out


def _label(r):
    return (f"{r.shape} b{r.micro_batch}xs{r.seq_len} rep{r.dp_replicate} shard{r.dp_shard} tp{r.tp}"
            f"{'' if r.sp else ' noSP'}{'' if r.loss_parallel else ' noLP'} {r.regime}"
            f"{'' if r.reshard_after_forward else ' zero2'}{' ckpt' if r.checkpointing else ''}")


@pytest.mark.parametrize("k", range(len(SUBSET)), ids=[_label(r) for r in SUBSET])
def test_recorded_rank_peak_is_what_fsdpmemtracker_measures_now(k, remeasured):
    record = SUBSET[k]
    got = remeasured["record", k]
    assert got["peak_bytes"] == record.peak_bytes
    assert tuple(got["by_category"][c] for c in measured.RANK_CATEGORIES) == record.by_category
    predicted = llmcalc.rank_peak_bytes(_cfg(record), record.micro_batch, record.seq_len, **record.layout())
    assert abs(predicted - got["peak_bytes"]) <= TOLERANCE * got["peak_bytes"]


@pytest.mark.parametrize("k", [k for k, r in enumerate(SUBSET) if r.shape not in measured.RANK_SHAPES],
                         ids=[_label(r) for r in SUBSET if r.shape not in measured.RANK_SHAPES])
def test_fsdp2_closed_form_is_within_its_claim_of_the_tracker(k, remeasured):
    record = SUBSET[k]
    closed = llmcalc.fsdp2_bytes_per_device(_cfg(record), record.micro_batch, record.seq_len, **record.layout())
    measured_now = remeasured["record", k]["peak_bytes"]
    assert abs(closed["total"] - measured_now) <= measured.FSDP2_CLOSED_FORM_CLAIM * measured_now


def test_versions_are_the_recorded_ones():
    assert (torch.__version__.split("+")[0], transformers.__version__) == (
        measured.RANK_MEASURED_WITH["torch"], measured.RANK_MEASURED_WITH["transformers"])


def test_tiny_model_by_hand_is_what_the_tracker_measures(remeasured):
    # tests/test_rank_memory.py adds this case up by hand: 282,240 bytes on rank 0 of 2 (L 1, D 8, F 16,
    # N = K = 2, H 4, V 1000, b 1, s 16, bf16, ZeRO-3 style)
    assert mrp.model_config(TINY_HF).replace(name="custom") == ModelConfig(L=1, D=8, F=16, N=2, K=2, V=1000)
    assert remeasured["tiny", 0]["peak_bytes"] == 282_240


@pytest.mark.parametrize("i", RANDOM)
def test_random_configuration_is_replayed_to_the_byte(i, remeasured):
    hf, b, s, kw = mrp.random_case(i)
    got = remeasured["random", i]
    predicted = rm.rank_peak_breakdown(mrp.model_config(hf), b, s, **kw)
    assert {t: predicted[t] for t in rm.RANK_TERMS} == {t: got["by_category"][c] for t, c in rm.TRACKER_CATEGORIES.items()}
