"""Measurements made by this project (not published figures): what torch's MemTracker measured for one
training step of Hugging Face LLaMA models, with how, when and with which versions.

Figures that papers and model cards print live in :mod:`llmcalc.published`; nothing measured is kept there.

How. ``tools/measure_peak_memory.py`` builds ``transformers.LlamaForCausalLM`` from the preset's
``config.json`` (``llmcalc.preset_hf_config``) under ``FakeTensorMode`` (CPU fake tensors: shapes, dtypes
and storages, no data), runs one training step to create AdamW's states, then a second one inside
``torch.distributed._tools.mem_tracker.MemTracker``; the measurement is MemTracker's peak, the largest sum
of live tensor storages (bytes = elements × element size). The step is
``model(input_ids=ids, labels=ids).loss.backward(); optimizer.step(); optimizer.zero_grad(set_to_none=True)``
with ``torch.optim.AdamW`` (``foreach=True``, torch's default on CUDA); ``"amp"`` runs the forward under
``torch.autocast(dtype=torch.bfloat16)`` with an fp32 model. The fake run allocates nothing, so it gives the
same bytes on any machine; on small shapes it equals a run on real CPU tensors byte for byte.

When and with what. First measured on 2026-11-22, re-measured on 2026-11-30 with the same result for every
record, with the versions in ``MEASURED_WITH``. ``tests/crosscheck/test_peak_memory.py`` (``make crosscheck``)
re-measures every record of ``MEMTRACKER_PEAKS`` on each run and requires the same byte count.

Only the standard library is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

# the software the measurements were made with (torch's wheel is the CPU build, "2.13.0+cpu")
MEASURED_WITH = {"torch": "2.13.0", "transformers": "5.23.0", "python": "3.11.7"}
FIRST_MEASURED = "2026-11-22"
LAST_MEASURED = "2026-11-30"
METHOD = ("MemTracker (torch.distributed._tools.mem_tracker) under FakeTensorMode, the second training step of "
          "transformers' LlamaForCausalLM, torch.optim.AdamW; tools/measure_peak_memory.py")


@dataclass(frozen=True)
class MemTrackerPeak:
    """One measured peak of a Hugging Face LLaMA training step: bytes of live tensors on the device.

    ``phase`` is the phase of the step where MemTracker saw the peak (read from its snapshot), in words.
    """

    preset: str
    micro_batch: int
    seq_len: int
    regime: str          # "bf16" or "amp"
    checkpointing: bool
    attention: str       # "sdpa" or "eager"
    peak_bytes: int
    phase: str
    adamw: str = "foreach"
    method: str = METHOD


MEMTRACKER_PEAKS: tuple[MemTrackerPeak, ...] = (
    MemTrackerPeak("llama-2-7b", 1, 4096, "bf16", False, "sdpa", 67_384_190_608, "optimizer step"),
    MemTrackerPeak("llama-2-7b", 2, 4096, "bf16", False, "sdpa", 92_737_758_868, "start of the backward pass"),
    MemTrackerPeak("llama-2-7b", 1, 4096, "amp", True, "sdpa", 134_768_346_768, "optimizer step"),
    MemTrackerPeak("llama-3-8b", 1, 8192, "bf16", True, "sdpa", 80_302_679_696, "optimizer step"),
    MemTrackerPeak("llama-3-8b", 2, 4096, "amp", False, "sdpa", 187_887_273_636, "end of the forward pass"),
    MemTrackerPeak("llama-3-8b", 1, 4096, "bf16", False, "eager", 185_619_523_220, "start of the backward pass"),
    MemTrackerPeak("llama-3-8b", 1, 8192, "bf16", True, "eager", 89_653_438_100, "a recomputed layer's backward"),
)


# The accuracy the project claims for the full-size records: |predicted − measured| / measured at most
# 1e-6 (0.0001%; the largest today is below that). Tests allow ten times each claim.
CLAIMED_FULL_SIZE_MAX_ERROR = 1e-6
TOLERANCE_OVER_CLAIM = 10


@dataclass(frozen=True)
class SmallShapeSweep:
    """One set of small LLaMA shapes measured with ``tools/measure_peak_memory.py --sweeps`` and compared with
    :func:`llmcalc.peak_training_bytes`: how many steps, and the largest |predicted − measured| / measured
    (``max_abs_error``, a fraction) with the step where it occurred."""

    label: str
    description: str
    cases: int
    max_abs_error: float
    worst_case: str
    measured_on: str = LAST_MEASURED


# ``python tools/measure_peak_memory.py --sweeps`` on 2026-11-30 (MEASURED_WITH; 176 steps, 3 min 6 s on a
# 2-core machine); the shapes are that tool's SHAPES and EXTRA_SHAPES. The largest error anywhere is the fused
# AdamW step of shape C at 1 x 128 tokens, whose peak falls in a layer's backward pass (docs/peak-memory.md).
SMALL_SHAPE_SWEEPS: tuple[SmallShapeSweep, ...] = (
    SmallShapeSweep("foreach", "4 shapes x 3 (b, s) x {bf16, amp} x {no ckpt, ckpt} x {SDPA, eager}, AdamW foreach",
                    96, 0.0000646, "shape A (D 512, L 2, N = K = 8, V 8000), b 4, s 1024, bf16, ckpt, SDPA"),
    SmallShapeSweep("for-loop", "4 shapes x (b, s) in {(1, 128), (2, 512)} x {bf16, amp} x {no ckpt, ckpt}, SDPA, "
                    "AdamW for-loop", 32, 0.0000422, "shape A, b 2, s 512, bf16, ckpt"),
    SmallShapeSweep("fused", "the same 32 steps with AdamW fused", 32, 0.0013557,
                    "shape C (D 1024, L 2, N 16, K 2, V 1000), b 1, s 128, amp, no ckpt"),
    SmallShapeSweep("biases, head_dim", "2 shapes (every linear biased; H 128 != D/N) x {bf16, amp} x "
                    "{no ckpt, ckpt} x {SDPA, eager}, b 2, s 256, AdamW foreach", 16, 0.0000369,
                    "biased shape (D 512, L 2, N 8, K 2, V 4000), b 2, s 256, bf16, no ckpt, SDPA"),
)


def small_shape_max_abs_error() -> float:
    """The largest |predicted − measured| / measured over every recorded small-shape step (a fraction)."""
    return max(sweep.max_abs_error for sweep in SMALL_SHAPE_SWEEPS)


def small_shape_cases() -> int:
    """How many small-shape steps ``SMALL_SHAPE_SWEEPS`` covers."""
    return sum(sweep.cases for sweep in SMALL_SHAPE_SWEEPS)
