"""Accelerators: peak dense bf16 FLOP/s, HBM, and the links between chips, each with its source.

Units: FLOP/s, bytes, bytes/s. GB = 1e9 bytes, GiB = 2**30 bytes, MiB = 2**20 bytes; the two families
are never mixed. Bandwidths are stored both ways: ``fast_link_one_way`` is what one chip can send per
second on its fast fabric (one NVLink direction, or one ICI axis in one direction); ``fast_link_bidir``
is twice that. *How To Scale Your Model* writes its thresholds with the bidirectional figure per axis
(v5p: C / W_ici = 4.59e14 / 1.8e11 = 2550), so ``sharding`` says at each formula which one it uses.

HBM capacity. ``Chip.hbm_bytes`` is the memory the device exposes, in bytes, and is what every fits /
min_chips / planner check uses; the vendor's marketing figure is kept beside it as a label
(``hbm_marketed``, e.g. "80 GB", with its value in ``hbm_marketed_bytes``) and the two differ:

* NVIDIA GPUs: the total that ``nvidia-smi`` prints in MiB (NVML's ``memory.total``), which is the
  whole frame buffer the driver exposes. An "H100 80GB HBM3" prints 81,559 MiB = 85,520,809,984 B
  (85.5 GB, 79.65 GiB), not 80e9. That total includes the few hundred MiB the driver keeps for itself
  (the "Reserved" line of ``nvidia-smi -q``: 336 MiB on the H100 quoted in "Why does an NVIDIA H100
  80GB card offer 85.52 GB?", thundergolfer.com/blog/nvidia-gpu-memory-capacity), so slightly less is
  allocatable; the ``headroom`` arguments of ``memory.fits`` and the planner cover that. Older
  drivers printed smaller totals (an A100 80GB: 81,252 MiB under driver 450.191.01 in keyu-tian/SparK
  issue #8, 81,920 MiB under 510.47.03 in NVIDIA/gpu-operator issue #348); each figure below names
  the driver that printed it.
* Google TPUs: the per-chip HBM capacity in GiB from Google's Cloud TPU documentation, the same table
  that Google's ``tpu-info`` tool uses (``hbm_gib`` in tpu_info/device.py of
  AI-Hypercomputer/cloud-accelerator-diagnostics). XLA keeps part of it (on a TPU v4 it reports
  "30.75G of hbm" usable with "reserved 1.25G": 32 GiB in all, erfanzar/EasyDeL issue #166).

``hbm_source`` names where each exposed figure comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import _validate as v

_LABEL = re.compile(r"(\d+(?:\.\d+)?) (GB|GiB)")
_LABEL_UNIT = {"GB": 1e9, "GiB": 2**30}


def label_bytes(label: str) -> float:
    """Bytes of a capacity label such as ``"80 GB"`` (1e9 bytes each) or ``"95 GiB"`` (2**30 bytes each)."""
    m = _LABEL.fullmatch(str(label).strip())
    if not m:
        raise ValueError(f"hbm_marketed must read '<number> GB' or '<number> GiB', got {label!r}")
    return float(m.group(1)) * _LABEL_UNIT[m.group(2)]


@dataclass(frozen=True)
class Chip:
    """One accelerator and the fabric it sits in.

    ``fast_domain``: chips reachable over the fast fabric (an 8-GPU NVLink node, a TPU pod);
    ``fast_axes``: axes of the ICI torus (1 for an NVLink node, whose switch joins all GPUs);
    ``slow_link_one_way``: bytes/s per chip off the fast domain (InfiniBand per GPU, DCN per TPU chip).
    ``hbm_bytes`` is the capacity the device exposes (see the module docstring); ``hbm_marketed`` the
    vendor's label for it ("80 GB"); ``hbm_source`` where the exposed figure comes from.
    ``peak_fp8_flops``: dense FP8 tensor-core FLOP/s (no sparsity), None for a chip without FP8 matrix units
    (A100, V100, the TPUs here); ``fp8_source`` where it comes from.
    """

    name: str
    peak_flops: float  # dense bf16 FLOP/s (fp16 for V100)
    hbm_bytes: float  # exposed capacity, bytes
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
    hbm_marketed: str = field(default="", kw_only=True)
    hbm_source: str = field(default="", kw_only=True)
    peak_fp8_flops: float | None = field(default=None, kw_only=True)  # dense FP8 FLOP/s; None: no FP8 tensor cores
    fp8_source: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        # a Chip built by hand is checked like any input: no zero, negative or NaN rates (they would give
        # negative days or a division by zero downstream)
        for name in ("peak_flops", "hbm_bytes", "hbm_bytes_per_s", "fast_link_one_way", "slow_link_one_way"):
            object.__setattr__(self, name, v.positive_number(name, getattr(self, name)))
        for name in ("fast_axes", "fast_domain"):
            object.__setattr__(self, name, v.positive_int(name, getattr(self, name)))
        object.__setattr__(self, "kind", v.choice("kind", self.kind, ("gpu", "tpu")))
        if self.peak_fp8_flops is not None:
            object.__setattr__(self, "peak_fp8_flops", v.positive_number("peak_fp8_flops", self.peak_fp8_flops))
        if self.hbm_marketed:
            label_bytes(self.hbm_marketed)  # raises on a label that is not '<n> GB' / '<n> GiB'

    @property
    def hbm_marketed_bytes(self) -> float:
        """The vendor's label in bytes: 80e9 for "80 GB", 95 · 2**30 for "95 GiB"."""
        return label_bytes(self.hbm_marketed)

    @property
    def fast_link_bidir(self) -> float:
        """Bidirectional bandwidth of one fast link/axis, bytes/s (twice the one-way figure)."""
        return 2 * self.fast_link_one_way

    @property
    def hbm_gb(self) -> float:
        """Exposed HBM in GB (1e9 bytes)."""
        return self.hbm_bytes / 1e9

    @property
    def hbm_gib(self) -> float:
        """Exposed HBM in GiB (2**30 bytes)."""
        return self.hbm_bytes / 2**30

    @property
    def flops_per_fast_byte(self) -> float:
        """C / W with the bidirectional fast-link bandwidth, FLOPs per byte (v5p: 2550)."""
        return self.peak_flops / self.fast_link_bidir

    @property
    def flops_per_slow_byte(self) -> float:
        """C / W over the slow link (DCN per chip, or InfiniBand per GPU), FLOPs per byte (v5p: 73,440)."""
        return self.peak_flops / self.slow_link_one_way


MiB = 2**20
GiB = 2**30
_NV = "NVIDIA datasheet"
_FP8 = ("stas00/ml-engineering, compute/accelerator/README.md, 'TFLOPS comparison table' (theoretical peak, "
        "no sparsity): fp8 1979 TFLOPS for H100 SXM and H200 SXM, 4500 for B200 SXM; A100, TPU v4, v5e and v5p have "
        "no fp8 column ('X')")
_SB = "How To Scale Your Model, part 2 (TPUs)"
_SMI = "nvidia-smi total "
_TPU_INFO = ("; the same figure is hbm_gib in Google's tpu-info tool (tpu_info/device.py,"
             " AI-Hypercomputer/cloud-accelerator-diagnostics)")
CHIPS: dict[str, Chip] = {
    c.name: c
    for c in [
        Chip("V100", 1.25e14, 32768 * MiB, 9.0e11, 1.5e11, 1, 8, 1.25e10, "gpu",
             _NV + " (V100 SXM2: 125 TFLOP/s fp16 tensor, 32 GB, 900 GB/s, NVLink 300 GB/s total);"
             " InfiniBand EDR 100 Gb/s per GPU (DGX-1)",
             hbm_marketed="32 GB",
             hbm_source=_SMI + "32768MiB for a 'Tesla V100-SXM2...' at 300 W (the 32 GB board), driver"
             " 525.105.17, in Wan-Video/Wan2.1 issue #5 ('请求T4 V100显卡支持')"),
        Chip("A100", 3.12e14, 81920 * MiB, 2.039e12, 3.0e11, 1, 8, 2.5e10, "gpu",
             _NV + " (A100 SXM 80GB: 312 TFLOP/s bf16 dense, 2,039 GB/s, NVLink 600 GB/s bidirectional);"
             " InfiniBand HDR 200 Gb/s per GPU (DGX A100)",
             hbm_marketed="80 GB",
             hbm_source=_SMI + "81920MiB for 'NVIDIA A100-SXM...' at 400 W, driver 510.47.03, in"
             " NVIDIA/gpu-operator issue #348 ('dcgm-exporter collects metrics incorrectly?'); the same"
             " 81920MiB for 'A100 80GB' in modal-labs/modal-client pull request #2797"),
        Chip("A100 40GB", 3.12e14, 40960 * MiB, 1.555e12, 3.0e11, 1, 8, 2.5e10, "gpu",
             _NV + " (A100 SXM 40GB: 312 TFLOP/s bf16 dense, 1,555 GB/s, NVLink 600 GB/s bidirectional);"
             " InfiniBand HDR 200 Gb/s per GPU (DGX A100)",
             hbm_marketed="40 GB",
             hbm_source=_SMI + "40960MiB for 'NVIDIA A100-SXM4-40GB' at 400 W, driver 580.126.09, in"
             " bottlerocket-os/bottlerocket-core-kit pull request #834 ('nvidia Package updates'); the same"
             " 40960MiB under driver 595.71.05 in bottlerocket-os/bottlerocket-kernel-kit pull request #424"
             " ('Add nvidia 595 driver')"),
        Chip("H100", 9.89e14, 81559 * MiB, 3.35e12, 4.5e11, 1, 8, 5.0e10, "gpu",
             _NV + " (H100 SXM: 989 TFLOP/s bf16 dense, 3.35 TB/s, NVLink 900 GB/s bidirectional);"
             " InfiniBand NDR 400 Gb/s per GPU (DGX H100)",
             hbm_marketed="80 GB",
             hbm_source=_SMI + "81559MiB for 'NVIDIA H100 80GB HBM3', driver 550.54.15, in NVIDIA/nccl"
             " issue #1264 ('Only ~783GByte/s out of theoretical 900GB/s HGX H100 SXM Nvlink4'); NVML"
             " reads 85520809984 bytes (= 81559 MiB) in 'Why does an NVIDIA H100 80GB card offer 85.52 GB?'"
             " (thundergolfer.com/blog/nvidia-gpu-memory-capacity)",
             peak_fp8_flops=1.979e15, fp8_source=_FP8),
        Chip("H800", 9.89e14, 81559 * MiB, 3.35e12, 2.0e11, 1, 8, 5.0e10, "gpu",
             "H100 compute with NVLink cut to 400 GB/s bidirectional (export variant; DeepSeek-V3 report);"
             " 400 Gb/s InfiniBand per GPU assumed",
             hbm_marketed="80 GB",
             hbm_source="assumption: the H800 is the export variant of the H100 SXM with the same 80 GB HBM3,"
             " so it is given the H100 80GB HBM3 total (81559 MiB, see H100); no named public source for an"
             " H800's own nvidia-smi total was found",
             peak_fp8_flops=1.979e15,
             fp8_source="assumption: the H100's (the H800 is its export variant, same tensor cores); " + _FP8),
        Chip("H200", 9.89e14, 143771 * MiB, 4.8e12, 4.5e11, 1, 8, 5.0e10, "gpu",
             _NV + " (H200 SXM: 989 TFLOP/s bf16 dense, 141 GB, 4.8 TB/s, NVLink 900 GB/s bidirectional)",
             hbm_marketed="141 GB",
             hbm_source=_SMI + "143771MiB for 'NVIDIA H200' at 700 W, driver 550.144.03, in"
             " sgl-project/sglang issue #3196 ('deepseek v3 60 tokens/sec on deepseek API vs. 13 tokens/sec"
             " on sglang'); the same 143,771 MiB in 'Why does an NVIDIA H100 80GB card offer 85.52 GB?'",
             peak_fp8_flops=1.979e15, fp8_source=_FP8),
        Chip("B200", 2.25e15, 183359 * MiB, 8.0e12, 9.0e11, 1, 8, 5.0e10, "gpu",
             _NV + " (B200: 2.25 PFLOP/s bf16 dense, 8 TB/s, NVLink 1.8 TB/s bidirectional)",
             hbm_marketed="180 GB",
             hbm_source=_SMI + "183359MiB for 'NVIDIA B200' at 1000 W, driver 580.95.05, in"
             " NVIDIA/TensorRT-LLM issue #10278 ('b200x8 deepseek-ai/DeepSeek-V3.2-Exp max perf');"
             " label: NVIDIA DGX B200 User Guide, 8 B200 GPUs with 1,440 GB in all (180 GB each; other"
             " tables give 192 GB, e.g. glennklockwood.com/garden/processors/B200: '192 GB HBM3 (8 stacks)')",
             peak_fp8_flops=4.5e15, fp8_source=_FP8),
        Chip("TPU v4", 2.75e14, 32 * GiB, 1.2e12, 4.5e10, 3, 4096, 6.25e9, "tpu",
             _SB, (16, 16, 16), "ICI", "DCN",
             hbm_marketed="32 GiB",
             hbm_source="Google Cloud TPU v4 page (cloud.google.com/tpu/docs/v4): 'HBM2 capacity and"
             " bandwidth: 32 GiB, 1200 GBps'" + _TPU_INFO + "; XLA reports 30.75G usable plus 1.25G"
             " reserved on a v4-32 in erfanzar/EasyDeL issue #166"),
        Chip("TPU v5e", 1.97e14, 16 * GiB, 8.2e11, 4.5e10, 2, 256, 6.25e9, "tpu",
             _SB, (16, 16), "ICI", "DCN",
             hbm_marketed="16 GB",
             hbm_source="Google Cloud TPU v5e page (docs.cloud.google.com/tpu/docs/v5e): 'HBM capacity per"
             " chip: 16 GiB' (earlier versions of the page print '16 GB, 819 GBps')" + _TPU_INFO),
        Chip("TPU v5p", 4.59e14, 95 * GiB, 2.8e12, 9.0e10, 3, 8960, 6.25e9, "tpu",
             _SB + ": 459 TFLOP/s bf16, 2.8e12 B/s, ICI 9e10 one-way (1.8e11 bidirectional) per axis,"
             " DCN 6.25e9 per chip; a pod is 16×20×28 = 8960 chips", (16, 20, 28), "ICI", "DCN",
             hbm_marketed="95 GiB",
             hbm_source="Google Cloud TPU v5p page (docs.cloud.google.com/tpu/docs/v5p-training): 'HBM"
             " capacity per chip (GiB): 95'" + _TPU_INFO + "; How To Scale Your Model rounds it to 96 GB"),
        Chip("TPU v6e", 9.20e14, 32 * GiB, 1.6e12, 9.0e10, 2, 256, 1.25e10, "tpu",
             _SB, (16, 16), "ICI", "DCN",
             hbm_marketed="32 GB",
             hbm_source="Google Cloud TPU v6e page (cloud.google.com/tpu/docs/v6e) prints 'HBM capacity per"
             " chip: 32 GB'; taken as 32 GiB because that is hbm_gib in Google's tpu-info tool"
             " (tpu_info/device.py, AI-Hypercomputer/cloud-accelerator-diagnostics)"),
    ]
}

_ALIASES = {"v100": "V100", "a100": "A100", "a100-80gb": "A100", "a100-40gb": "A100 40GB", "h100": "H100", "h800": "H800",
            "h200": "H200", "b200": "B200", "v4": "TPU v4", "tpu-v4": "TPU v4", "v5e": "TPU v5e",
            "tpu-v5e": "TPU v5e", "v5p": "TPU v5p", "tpu-v5p": "TPU v5p", "v6e": "TPU v6e",
            "tpu-v6e": "TPU v6e"}


def chip(name: str | Chip) -> Chip:
    """Look a chip up by name (``"H100"``, ``"TPU v5p"``, ``"v5p"``, case-insensitive); a Chip passes through."""
    if isinstance(name, Chip):
        return name
    if not isinstance(name, str):
        raise ValueError(f"chip must be a chip name such as 'H100' or 'TPU v5p', or a llmcalc.Chip; got "
                         f"{type(name).__name__} {name!r:.60}. Known chips: {', '.join(sorted(CHIPS))}.")
    if name in CHIPS:
        return CHIPS[name]
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    if key in _ALIASES:
        return CHIPS[_ALIASES[key]]
    for full in CHIPS:
        if full.lower().replace(" ", "-") == key:
            return CHIPS[full]
    raise v.unknown_name("chip", name, list(CHIPS))
