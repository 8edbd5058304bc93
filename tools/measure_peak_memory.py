"""Measure the peak memory of one training step of a Hugging Face LLaMA model with torch's MemTracker.

The model is built from a config dict under ``FakeTensorMode`` (CPU fake tensors: shapes, dtypes and
storages, no data and no real memory), so sizes far beyond this machine's RAM can be measured in
seconds. One step is

    loss = model(input_ids=ids, labels=ids).loss      # under torch.autocast(bf16) for "amp"
    loss.backward(); optimizer.step(); optimizer.zero_grad(set_to_none=True)

with ``torch.optim.AdamW``. The first step creates AdamW's states; the second runs inside
``torch.distributed._tools.mem_tracker.MemTracker`` (model, optimizer and inputs registered with
``track_external``), whose per-device peak is the measurement: the largest sum of live tensor storages
(bytes = elements × element size; no allocator rounding on CPU), with its split into Parameter,
Buffer, Gradient, Activation, Temp, Optstate and Other at that moment.

One fake-tensor artefact is removed: transformers' mask code cannot read a fake tensor's values, so
without a KV cache (under checkpointing) it treats the position ids as possibly packed sequences and
materialises a (b, 1, s, s) boolean mask, which also turns off SDPA's grouped-query path. Real tensors
take the other branch (``find_packed_sequence_indices`` returns ``None`` for one unpacked sequence per
row); :func:`measure` patches that function to return ``None`` for the duration of the step.

Usage:
    python tools/measure_peak_memory.py [--markdown]   the 96-case table of docs/peak-memory.md (~2 min)
    python tools/measure_peak_memory.py --sweeps       every small-shape set (``SWEEPS``, 176 steps, ~4 min):
                                                       count and largest error of each, as recorded in
                                                       ``llmcalc.measured.SMALL_SHAPE_SWEEPS``
    python tools/measure_peak_memory.py --full-size    re-measure ``llmcalc.measured.MEMTRACKER_PEAKS`` (~3 min)
Needs torch and transformers (``make crosscheck`` installs them); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

GiB = 2**30

CATEGORIES = ("Parameter", "Buffer", "Gradient", "Activation", "Temp", "Optstate", "Other")


@contextlib.contextmanager
def _real_tensor_mask_branch():
    import transformers.masking_utils as mu

    original = mu.find_packed_sequence_indices
    mu.find_packed_sequence_indices = lambda position_ids: None
    try:
        yield
    finally:
        mu.find_packed_sequence_indices = original


def measure(hf_config: dict, micro_batch: int, seq_len: int, *, regime: str = "bf16", checkpointing: bool = False,
            attention: str = "sdpa", adamw: str = "foreach", fake: bool = True) -> dict:
    """Peak bytes of the second training step, measured by MemTracker; returns ``{"peak_bytes": int,
    "by_category": {category: bytes at the peak}, "params": int}``.

    ``hf_config``: keyword arguments of ``transformers.LlamaConfig``. ``regime``: "bf16" (model built in
    bf16) or "amp" (fp32 model, forward under ``torch.autocast("cpu", dtype=torch.bfloat16)``).
    ``adamw``: "foreach" (``foreach=True``, torch's CUDA default), "for-loop" (``foreach=False``, the CPU
    default) or "fused" (``fused=True``). ``fake=False`` runs the same step on real CPU tensors (small
    shapes only: it allocates the memory and does the arithmetic), to check that the fake run measures
    what a real one does.
    """
    import torch
    import transformers
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.distributed._tools.mem_tracker import MemTracker

    if regime not in ("bf16", "amp"):
        raise ValueError(f"regime must be one of ['bf16', 'amp'], got {regime!r}")
    if attention not in ("sdpa", "eager"):
        raise ValueError(f"attention must be one of ['sdpa', 'eager'], got {attention!r}")
    opt_kwargs = {"foreach": {"foreach": True}, "for-loop": {"foreach": False}, "fused": {"fused": True}}
    if adamw not in opt_kwargs:
        raise ValueError(f"adamw must be one of {list(opt_kwargs)}, got {adamw!r}")
    config = transformers.LlamaConfig(**hf_config)
    dtype = torch.bfloat16 if regime == "bf16" else torch.float32
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()   # "use_cache=True is incompatible with checkpointing"
    mode = FakeTensorMode() if fake else contextlib.nullcontext()
    with _real_tensor_mask_branch() if fake else contextlib.nullcontext(), mode:
        with torch.device("cpu"):
            model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation=attention, dtype=dtype)
        if checkpointing:
            enable = getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable
            enable()
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, **opt_kwargs[adamw])
        # token ids spread over the vocabulary by a fixed stride: the same int64 tensor on every run (the
        # values do not change which tensors exist, only the real run's arithmetic)
        ids = (torch.arange(micro_batch * seq_len, dtype=torch.int64) * 7919 % config.vocab_size).reshape(
            micro_batch, seq_len)

        def step():
            ctx = torch.autocast("cpu", dtype=torch.bfloat16) if regime == "amp" else contextlib.nullcontext()
            with ctx:
                loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        step()
        tracker = MemTracker()
        tracker.track_external(model, optimizer, ids)
        with tracker:
            step()
        snapshot = tracker.get_tracker_snapshot("peak")
        params = sum(p.numel() for p in model.parameters())
    transformers.logging.set_verbosity(verbosity)
    peak, by_category = peak_by_category(snapshot, CATEGORIES)
    return {"peak_bytes": peak, "by_category": by_category, "params": params}


def peak_by_category(snapshot, categories) -> tuple[int, dict[str, int]]:
    """A torch memory tracker's "peak" snapshot (per device: category -> bytes, and "Total") as the total
    over devices and the bytes of each of ``categories`` (MemTracker's and FSDPMemTracker's alike)."""
    peak = sum(dev["Total"] for dev in snapshot.values())
    by_category = dict.fromkeys(categories, 0)
    for dev in snapshot.values():
        for key, value in dev.items():
            name = getattr(key, "value", key)
            if name in by_category:
                by_category[name] += value
    return peak, by_category


# The shapes of the crosscheck and of docs/peak-memory.md: small LLaMA shapes, GQA and MHA, tied and not.
SHAPES = {
    "A: D512 L2 N8 K8 V8000": dict(hidden_size=512, intermediate_size=1376, num_hidden_layers=2,
                                   num_attention_heads=8, num_key_value_heads=8, vocab_size=8000),
    "B: D768 L3 N12 K4 V32000": dict(hidden_size=768, intermediate_size=2048, num_hidden_layers=3,
                                     num_attention_heads=12, num_key_value_heads=4, vocab_size=32000),
    "C: D1024 L2 N16 K2 V1000": dict(hidden_size=1024, intermediate_size=2816, num_hidden_layers=2,
                                     num_attention_heads=16, num_key_value_heads=2, vocab_size=1000),
    "D: D256 L4 N4 K1 V16000 tied": dict(hidden_size=256, intermediate_size=688, num_hidden_layers=4,
                                         num_attention_heads=4, num_key_value_heads=1, vocab_size=16000,
                                         tie_word_embeddings=True),
}
BATCHES = [(1, 512), (2, 256), (4, 1024)]


# Two LLaMA-style shapes beyond SHAPES: every linear with a bias (attention_bias and mlp_bias), and a head
# width H = 128 that is not D / N = 64.
EXTRA_SHAPES = {
    "E: D512 L2 N8 K2 V4000 biases": dict(hidden_size=512, intermediate_size=1376, num_hidden_layers=2,
                                          num_attention_heads=8, num_key_value_heads=2, vocab_size=4000,
                                          attention_bias=True, mlp_bias=True),
    "F: D512 L2 N8 K4 H128 V4000": dict(hidden_size=512, intermediate_size=1376, num_hidden_layers=2,
                                        num_attention_heads=8, num_key_value_heads=4, head_dim=128,
                                        vocab_size=4000),
}
_REGIMES, _CKPT, _ATTENTION = ("bf16", "amp"), (False, True), ("sdpa", "eager")


def _sweep_cases():
    """(set label, shape name, hf dict, b, s, keyword arguments) of every step in ``SWEEPS``."""
    out = []
    for shape, hf in SHAPES.items():
        for b, s in BATCHES:
            for regime in _REGIMES:
                for ckpt in _CKPT:
                    for attention in _ATTENTION:
                        out.append(("foreach", shape, hf, b, s, dict(regime=regime, checkpointing=ckpt,
                                                                     attention=attention)))
    for adamw in ("for-loop", "fused"):
        for shape, hf in SHAPES.items():
            for b, s in ((1, 128), (2, 512)):
                for regime in _REGIMES:
                    for ckpt in _CKPT:
                        out.append((adamw, shape, hf, b, s, dict(regime=regime, checkpointing=ckpt, adamw=adamw)))
    for shape, hf in EXTRA_SHAPES.items():
        for regime in _REGIMES:
            for ckpt in _CKPT:
                for attention in _ATTENTION:
                    out.append(("biases, head_dim", shape, hf, 2, 256, dict(regime=regime, checkpointing=ckpt,
                                                                            attention=attention)))
    return out


# label -> what the set is (the same words as llmcalc.measured.SMALL_SHAPE_SWEEPS)
SWEEPS = {
    "foreach": "4 shapes (SHAPES) x 3 (b, s) x {bf16, amp} x {no ckpt, ckpt} x {SDPA, eager}, AdamW foreach",
    "for-loop": "4 shapes x (b, s) in {(1, 128), (2, 512)} x {bf16, amp} x {no ckpt, ckpt}, SDPA, AdamW for-loop",
    "fused": "the same 32 steps with AdamW fused",
    "biases, head_dim": "2 shapes (EXTRA_SHAPES: every linear biased; H 128 != D/N) x {bf16, amp} x "
                        "{no ckpt, ckpt} x {SDPA, eager}, b 2, s 256, AdamW foreach",
}


def run_sweeps() -> dict:
    """Measure every step of ``SWEEPS``; per set: cases, the largest |predicted - measured| / measured and
    the step where it occurs."""
    import llmcalc

    result = {}
    for label, shape, hf, b, s, kw in _sweep_cases():
        measured = measure(hf, b, s, **kw)["peak_bytes"]
        predicted = llmcalc.peak_training_bytes(model_config(hf), b, s, **kw)
        error = abs(predicted - measured) / measured
        entry = result.setdefault(label, {"cases": 0, "max_abs_error": -1.0, "worst": ""})
        entry["cases"] += 1
        if error > entry["max_abs_error"]:
            entry["max_abs_error"] = error
            entry["worst"] = f"{shape}, b {b}, s {s}, " + ", ".join(f"{k}={v}" for k, v in kw.items())
        print(f"{label:16s} {shape:30s} b {b} s {s:5d} {kw}: {100 * (predicted - measured) / measured:+.5f}%",
              flush=True)
    return result


def run_full_size() -> list:
    """Re-measure every record of ``llmcalc.measured.MEMTRACKER_PEAKS``; (record, measured bytes) pairs."""
    import llmcalc
    from llmcalc import measured as recorded

    out = []
    for m in recorded.MEMTRACKER_PEAKS:
        got = measure(llmcalc.preset_hf_config(m.preset), m.micro_batch, m.seq_len, regime=m.regime,
                      checkpointing=m.checkpointing, attention=m.attention, adamw=m.adamw)["peak_bytes"]
        print(f"{m.preset} b {m.micro_batch} s {m.seq_len} {m.regime} ckpt={m.checkpointing} {m.attention}: "
              f"measured {got:,} recorded {m.peak_bytes:,} {'same' if got == m.peak_bytes else 'DIFFERENT'}",
              flush=True)
        out.append((m, got))
    return out


def model_config(hf_config: dict):
    """The llmcalc ModelConfig of a LlamaConfig dict."""
    import llmcalc

    return llmcalc.ModelConfig.from_hf(dict(hf_config, model_type="llama"))


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
    import llmcalc

    args = sys.argv[1:] if argv is None else argv
    if "--sweeps" in args:
        import torch
        import transformers

        print(f"torch {torch.__version__}, transformers {transformers.__version__}")
        for label, entry in run_sweeps().items():
            print(f"{label}: {entry['cases']} cases, max |error| {100 * entry['max_abs_error']:.4f}% "
                  f"({entry['worst']})")
        return 0
    if "--full-size" in args:
        pairs = run_full_size()
        return 0 if all(m.peak_bytes == got for m, got in pairs) else 1
    markdown = "--markdown" in args
    errors = []
    if markdown:
        print("| shape | b | s | regime | ckpt | attention | measured GiB | predicted GiB | error | peak phase |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    else:
        print(f"{'shape':30s} {'b':>2s} {'s':>5s} {'regime':6s} {'ckpt':5s} {'attn':5s} "
              f"{'measured GiB':>12s} {'predicted GiB':>13s} {'error':>8s}  phase")
    for shape, hf in SHAPES.items():
        cfg = model_config(hf)
        for b, s in BATCHES:
            for regime in ("bf16", "amp"):
                for ckpt in (False, True):
                    for attention in ("sdpa", "eager"):
                        kw = dict(regime=regime, checkpointing=ckpt, attention=attention)
                        got = measure(hf, b, s, **kw)["peak_bytes"]
                        pred = llmcalc.peak_training_bytes(cfg, b, s, **kw)
                        moments = llmcalc.peak_memory.peak_training_moments(cfg, b, s, **kw)
                        phase = max(moments, key=moments.get)
                        err = (pred - got) / got
                        errors.append(err)
                        if markdown:
                            print(f"| {shape} | {b} | {s} | {regime} | {'yes' if ckpt else 'no'} | {attention} | "
                                  f"{got / GiB:.4f} | {pred / GiB:.4f} | {100 * err:+.3f}% | {phase} |", flush=True)
                        else:
                            print(f"{shape:30s} {b:2d} {s:5d} {regime:6s} {str(ckpt):5s} {attention:5s} "
                                  f"{got / GiB:12.4f} {pred / GiB:13.4f} {100 * err:+7.3f}%  {phase}", flush=True)
    print(f"\nmax |error| {100 * max(abs(e) for e in errors):.3f}% over {len(errors)} cases (AdamW foreach)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
