"""Accelerators: peak dense bf16 FLOP/s, HBM, and the links between chips, each with its source.

Units: FLOP/s, bytes, bytes/s. GB here means 1e9 bytes. Bandwidths are stored both ways:
``fast_link_one_way`` is what one chip can send per second on its fast fabric (one NVLink direction, or
one ICI axis in one direction); ``fast_link_bidir`` is twice that. *How To Scale Your Model* writes
its thresholds with the bidirectional figure per axis (v5p: C / W_ici = 4.59e14 / 1.8e11 = 2550), so
``sharding`` says at each formula which one it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _validate as v


@dataclass(frozen=True)
class Chip:
    """One accelerator and the fabric it sits in.

    ``fast_domain``: chips reachable over the fast fabric (an 8-GPU NVLink node, a TPU pod);
    ``fast_axes``: axes of the ICI torus (1 for an NVLink node, whose switch joins all GPUs);
    ``slow_link_one_way``: bytes/s per chip off the fast domain (InfiniBand per GPU, DCN per TPU chip).
    """

    name: str
    peak_flops: float  # dense bf16 FLOP/s (fp16 for V100)
    hbm_bytes: float
    hbm_bytes_per_s: float
    fast_link_one_way: float
    fast_axes: int
    fast_domain: int
    slow_link_one_way: float
    kind: str  # "gpu" or "tpu"
    source: str
    pod_shape: tuple[int, ...] = ()
    fast_link_name: str = "NVLink"
    slow_link_name: str = "InfiniBand"

    @property
    def fast_link_bidir(self) -> float:
        """Bidirectional bandwidth of one fast link/axis, bytes/s (twice the one-way figure)."""
        return 2 * self.fast_link_one_way

    @property
    def hbm_gb(self) -> float:
        return self.hbm_bytes / 1e9

    @property
    def hbm_gib(self) -> float:
        return self.hbm_bytes / 2**30

    @property
    def flops_per_fast_byte(self) -> float:
        """C / W with the bidirectional fast-link bandwidth, FLOPs per byte (v5p: 2550)."""
        return self.peak_flops / self.fast_link_bidir

    @property
    def flops_per_slow_byte(self) -> float:
        """C / W over the slow link (DCN per chip, or InfiniBand per GPU), FLOPs per byte (v5p: 73,440)."""
        return self.peak_flops / self.slow_link_one_way


_NV = "NVIDIA datasheet"
_SB = "How To Scale Your Model, part 2 (TPUs)"
CHIPS: dict[str, Chip] = {
    c.name: c
    for c in [
        Chip("V100", 1.25e14, 32e9, 9.0e11, 1.5e11, 1, 8, 1.25e10, "gpu",
             _NV + " (V100 SXM2: 125 TFLOP/s fp16 tensor, 32 GB, 900 GB/s, NVLink 300 GB/s total);"
             " InfiniBand EDR 100 Gb/s per GPU (DGX-1)"),
        Chip("A100", 3.12e14, 80e9, 2.039e12, 3.0e11, 1, 8, 2.5e10, "gpu",
             _NV + " (A100 SXM 80GB: 312 TFLOP/s bf16 dense, 2,039 GB/s, NVLink 600 GB/s bidirectional);"
             " InfiniBand HDR 200 Gb/s per GPU (DGX A100)"),
        Chip("H100", 9.89e14, 80e9, 3.35e12, 4.5e11, 1, 8, 5.0e10, "gpu",
             _NV + " (H100 SXM: 989 TFLOP/s bf16 dense, 3.35 TB/s, NVLink 900 GB/s bidirectional);"
             " InfiniBand NDR 400 Gb/s per GPU (DGX H100)"),
        Chip("H800", 9.89e14, 80e9, 3.35e12, 2.0e11, 1, 8, 5.0e10, "gpu",
             "H100 compute with NVLink cut to 400 GB/s bidirectional (export variant; DeepSeek-V3 report);"
             " 400 Gb/s InfiniBand per GPU assumed"),
        Chip("H200", 9.89e14, 141e9, 4.8e12, 4.5e11, 1, 8, 5.0e10, "gpu",
             _NV + " (H200 SXM: 989 TFLOP/s bf16 dense, 141 GB, 4.8 TB/s, NVLink 900 GB/s bidirectional)"),
        Chip("B200", 2.25e15, 192e9, 8.0e12, 9.0e11, 1, 8, 5.0e10, "gpu",
             _NV + " (B200: 2.25 PFLOP/s bf16 dense, 192 GB, 8 TB/s, NVLink 1.8 TB/s bidirectional)"),
        Chip("TPU v4", 2.75e14, 32e9, 1.2e12, 4.5e10, 3, 4096, 6.25e9, "tpu",
             _SB, (16, 16, 16), "ICI", "DCN"),
        Chip("TPU v5e", 1.97e14, 16e9, 8.2e11, 4.5e10, 2, 256, 6.25e9, "tpu",
             _SB, (16, 16), "ICI", "DCN"),
        Chip("TPU v5p", 4.59e14, 96e9, 2.8e12, 9.0e10, 3, 8960, 6.25e9, "tpu",
             _SB + ": 459 TFLOP/s bf16, 96 GB, 2.8e12 B/s, ICI 9e10 one-way (1.8e11 bidirectional) per axis,"
             " DCN 6.25e9 per chip; a pod is 16×20×28 = 8960 chips", (16, 20, 28), "ICI", "DCN"),
        Chip("TPU v6e", 9.20e14, 32e9, 1.6e12, 9.0e10, 2, 256, 1.25e10, "tpu",
             _SB, (16, 16), "ICI", "DCN"),
    ]
}

_ALIASES = {"v100": "V100", "a100": "A100", "a100-80gb": "A100", "h100": "H100", "h800": "H800",
            "h200": "H200", "b200": "B200", "v4": "TPU v4", "tpu-v4": "TPU v4", "v5e": "TPU v5e",
            "tpu-v5e": "TPU v5e", "v5p": "TPU v5p", "tpu-v5p": "TPU v5p", "v6e": "TPU v6e",
            "tpu-v6e": "TPU v6e"}


def chip(name: str | Chip) -> Chip:
    """Look a chip up by name (``"H100"``, ``"TPU v5p"``, ``"v5p"``, case-insensitive); a Chip passes through."""
    if isinstance(name, Chip):
        return name
    if name in CHIPS:
        return CHIPS[name]
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    if key in _ALIASES:
        return CHIPS[_ALIASES[key]]
    for full in CHIPS:
        if full.lower().replace(" ", "-") == key:
            return CHIPS[full]
    raise v.unknown_name("chip", name, list(CHIPS))
