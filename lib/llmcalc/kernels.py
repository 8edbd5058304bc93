"""How fast real kernels and real collectives run, per chip: what turns the planner's ideal bound into a prediction.

Three kinds of constant live here, and each says which kind it is.

* **Sourced** (a vendor document, a paper, a published microbenchmark): the attention kernels' share of
  peak, the collectives' achieved bus bandwidth, the compute units a GEMM's tiles are spread over.
* **Assumed** (no measurement behind it; the value is a choice and the docstring says so): the GEMM tile
  shape, the collective latencies.
* **Fitted** (:data:`FITTED`): the two constants the planner's calibrated prediction needs and no source
  gives, fitted by ``tools/fit_planner.py`` on a declared training set, every run of
  :data:`llmcalc.published.PLANNER_RUNS` (every run of seven sources), by least squares on
  log(predicted / reported throughput) over a grid. ``tests/fidelity/test_calibration.py`` checks that they
  are the grid's minimum and runs the leave-one-source-out cross-validation that the README reports. No
  constant is fitted per run, per source or per chip.

GEMM shape (tile and wave quantisation). A GEMM of M × N outputs is cut into tiles of ``tile_m`` ×
``tile_n`` outputs; the tiles run ``units`` at a time (one per streaming multiprocessor on a GPU), so
it takes ⌈tiles / units⌉ waves and the share of the machine doing useful work is
M·N / (waves · units · tile_m · tile_n) — 1 for large GEMMs, less when a dimension is small or not a
multiple of the tile (NVIDIA, "Matrix Multiplication Background User's Guide", Deep Learning
Performance documentation: "tile quantization" and "wave quantization"). On a TPU the matrix unit is a
128 × 128 systolic array (Google Cloud TPU system architecture documentation): dimensions are padded to
multiples of 128, with no waves (``units`` = 1 models padding only).
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from .hardware import Chip, chip as _chip


@dataclass(frozen=True)
class KernelRates:
    """What one chip's kernels and links achieve.

    ``units``: tiles running at once (GPU streaming multiprocessors; 1 on a TPU: padding only);
    ``tile_m``, ``tile_n``: the output tile of a large bf16 GEMM (assumed, see the module docstring);
    ``attention_fraction``: the share of peak a training attention kernel (forward + backward, causal)
    reaches, counted as FlashAttention counts it (flash-attention's benchmarks/benchmark_flash_attention.py: the
    backward pass is 2.5 forwards of matmul work, its recompute of the scores included, so forward + backward is 3.5;
    the planner charges flash attention that executed work), or ``None`` to use the fitted matmul fraction;
    ``fast_bus_fraction`` /
    ``slow_bus_fraction``: achieved bus bandwidth over the link's figure in :mod:`llmcalc.hardware`;
    ``fast_latency_s`` / ``slow_latency_s``: time of one collective step on each link (assumed);
    ``source``: where each sourced figure comes from. ``fp8_gemm_share``: how an FP8 GEMM's achieved share of
    the FP8 peak compares with a bf16 GEMM's share of the bf16 peak (both large, well-shaped GEMMs measured on
    the chip); the planner's ``fp8=True`` runs the FP8 GEMMs at the fitted matmul fraction × this ratio × the
    FP8 peak. None where the chip has no FP8 matrix units.
    """

    units: int
    tile_m: int
    tile_n: int
    attention_fraction: float | None
    fast_bus_fraction: float
    slow_bus_fraction: float
    fast_latency_s: float
    slow_latency_s: float
    source: str
    fp8_gemm_share: float | None = None


_FA2 = ("Dao 2023, \"FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning\" "
        "(arXiv 2307.08691), abstract: \"reaching 50-73% of the theoretical maximum FLOPs/s on A100\"; 0.6 is "
        "the middle of that range")
_FA3 = ("Shah et al. 2024, \"FlashAttention-3: Fast and Accurate Attention with Asynchrony and Low-precision\" "
        "(arXiv 2407.08608), abstract: \"FlashAttention-2 achieving only 35% utilization on the H100 GPU\"")
_NCCL_A100 = ("NVLink all-reduce bus bandwidth about 200 GB/s of the A100's 300 GB/s one-way on 8 A100-SXM4-80GB "
              "(NVIDIA/nccl-tests issue #149, 'Expected bandwidth results? A100 GPUs over NVLink': busbw ~200 GB/s; "
              "issue #178, 'A100 - All reduce performance': 208 GB/s): 0.7")
_NCCL_IB = ("InfiniBand all-reduce across 3 nodes of 8 A100 with 4 HDR NICs each: 84.8 GB/s average, 96 GB/s peak "
            "of the 100 GB/s line rate (NVIDIA/nccl-tests issue #119, 'Evaluation of NCCL test result'): 0.85")
# FP8 against bf16 on Hopper, both the best published large-GEMM rate over the dense peak of its precision:
# FP8 1358 TFLOPS of 1979 (DeepGEMM, M 4096 × N 7168 × K 16384 on H800, the same SMs and tensor cores as the H100
# SXM), bf16 792.1 TFLOPS of 989 (the H100 SXM's maximum achievable matmul FLOPS): 0.686 / 0.801 = 0.857
FP8_GEMM_EVIDENCE = {"fp8_tflops": 1358.0, "fp8_peak_tflops": 1979.0, "bf16_tflops": 792.1, "bf16_peak_tflops": 989.0}
_FP8_HOPPER = ((FP8_GEMM_EVIDENCE["fp8_tflops"] / FP8_GEMM_EVIDENCE["fp8_peak_tflops"])
               / (FP8_GEMM_EVIDENCE["bf16_tflops"] / FP8_GEMM_EVIDENCE["bf16_peak_tflops"]))
_FP8_SRC = ("FP8 GEMM share: deepseek-ai/DeepGEMM README (first release, February 2025), 'Normal GEMMs for dense "
            "models' on H800: 1358 TFLOPS at M=4096, N=7168, K=16384 (block-scaled FP8, the format DeepSeek-V3 "
            "trained with); bf16: stas00/ml-engineering, compute/accelerator/README.md, 'Maximum Achievable Matmul "
            "FLOPS comparison table': NVIDIA H100 SXM 792.1 of 989 TFLOPS (80.1%); ratio (1358/1979)/(792.1/989) "
            "= 0.857")
_LATENCY = ("latencies assumed: 10 µs per collective inside a node or pod, 20 µs per step across them "
            "(tree across domains: log2 of the domains), not measured by this project")

# The bus fractions of H100 NVLink and of TPU links are taken equal to the A100's and InfiniBand's
# (no public measurement for them was found in the sources searched; assumed, and named as such).
RATES: dict[str, KernelRates] = {
    "A100": KernelRates(108, 128, 128, 0.6, 0.7, 0.85, 1e-5, 2e-5,
                        "108 SMs (NVIDIA A100 Tensor Core GPU Architecture whitepaper); attention: " + _FA2
                        + "; NVLink: " + _NCCL_A100 + "; InfiniBand: " + _NCCL_IB + "; " + _LATENCY),
    "A100 40GB": KernelRates(108, 128, 128, 0.6, 0.7, 0.85, 1e-5, 2e-5,
                             "as the A100 80GB (same GPU, smaller and slower HBM)"),
    "H100": KernelRates(132, 128, 256, 0.35, 0.7, 0.85, 1e-5, 2e-5,
                        "132 SMs (NVIDIA H100 Tensor Core GPU Architecture whitepaper, H100 SXM5); attention: "
                        + _FA3 + "; bus fractions assumed equal to the A100's; " + _LATENCY + "; " + _FP8_SRC,
                        fp8_gemm_share=_FP8_HOPPER),
    "TPU v4": KernelRates(1, 128, 128, None, 0.7, 0.85, 1e-5, 2e-5,
                          "128 × 128 matrix units (Google Cloud TPU system architecture); attention at the fitted "
                          "matmul fraction (XLA on TPU has no separately published attention rate); bus fractions "
                          "assumed equal to NVLink's and InfiniBand's; " + _LATENCY),
}
for _name in ("H800", "H200"):
    RATES[_name] = RATES["H100"]
for _name in ("TPU v5e", "TPU v5p", "TPU v6e"):
    RATES[_name] = RATES["TPU v4"]
RATES["V100"] = KernelRates(80, 128, 128, None, 0.7, 0.85, 1e-5, 2e-5, "80 SMs (NVIDIA V100 whitepaper); the rest assumed")
RATES["B200"] = KernelRates(148, 128, 256, None, 0.7, 0.85, 1e-5, 2e-5,
                            "148 SMs (Chips and Cheese, \"Nvidia's B200: Keeping the CUDA Juggernaut Rolling\", "
                            "December 2025, references [49]: 'B200 enables 74 SMs per die, giving 148 SMs across the "
                            "GPU'); attention at the fitted GEMM share, assumed: FlashAttention-4 (Zadouri et al. 2026, arXiv 2603.05451, [48]) "
                            "finds Blackwell's attention bound by its exponential units and shared memory rather than "
                            "its tensor cores, 'up to 1613 TFLOPs/s' forward (71%), but no forward-and-backward rate of "
                            "the cuDNN kernels Transformer Engine runs was found; the bus fractions and the FP8 GEMM "
                            "share the H100's (no B200 FP8 microbenchmark found)", fp8_gemm_share=_FP8_HOPPER)

# Fitted by tools/fit_planner.py on every run of llmcalc.published.PLANNER_RUNS (see the module docstring);
# tests/fidelity/test_calibration.py checks that the script reproduces them.
FITTED = {
    "matmul_fraction": 0.64,     # achieved share of peak of a large, well-shaped bf16 GEMM in a training step
    "elementwise_passes": 6.0,   # HBM passes over each stored activation per step (norms, activations, softmax)
}


def rates(chip: str | Chip) -> KernelRates:
    """The kernel and link rates of ``chip`` (by name; a chip built by hand gets the H100's or TPU v4's)."""
    c = _chip(chip)
    base = c.name.split(" (")[0]
    if base in RATES:
        return RATES[base]
    return RATES["TPU v4"] if c.kind == "tpu" else RATES["H100"]


def gemm_shape_efficiency(chip: str | Chip, m, n) -> np.ndarray:
    """Share of the machine a GEMM with an ``m`` × ``n`` output keeps busy: tile and wave quantisation
    (module docstring). 1 for large multiples of the tile; arrays broadcast. (A k-loop fill-and-drain
    factor k / (k + k0) was tried as a second fitted constant and did not lower the fit's error at any k0
    from 0 to 1024; it is left out.)"""
    r = rates(chip)
    m = np.asarray(m, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    tiles = np.ceil(m / r.tile_m) * np.ceil(n / r.tile_n)
    waves = np.ceil(tiles / r.units)
    return (m * n) / (waves * r.units * r.tile_m * r.tile_n)


def collective_time(chip: Chip, nbytes, size, span, *, kind: str, ideal: bool):
    """Seconds for one collective over ``size`` ranks spread over ``span`` consecutive ranks (numpy arrays).

    ``nbytes`` is the full array (gathered size). ``kind``: "all_gather" or "reduce_scatter" (each rank
    receives (n − 1)/n of it), "all_reduce" (twice that), "all_to_all" (each rank sends (n − 1)/n of its
    own ``nbytes``). A group with g members in one fast domain (g = fast_domain / (span / size), at most
    size) and k = size / g domains runs hierarchically: inside the domain on the fast fabric, then across
    domains each member carries 1/g of the array on its own slow link (its NIC), so the domain's g links
    work in parallel. ``ideal``: line rate and no latency; else the chip's achieved bus fraction and the
    per-step latency of :func:`rates`.
    """
    r, size, g, k, w_fast, w_slow = _group_links(chip, size, span, ideal)
    if kind == "all_to_all":
        # every rank sends (n − 1)/n of its array: the share going to other domains, (k − 1)/k, on the slow link
        inside = nbytes * (g - 1) / np.maximum(size, 1.0) / w_fast
        across = nbytes * (k - 1) / k / w_slow
        t = inside + across
        steps = 1.0
    else:
        t = nbytes * ((g - 1) / g / w_fast + (k - 1) / k / g / w_slow)
        steps = 1.0
        if kind == "all_reduce":
            t, steps = 2.0 * t, 2.0
        elif kind not in ("all_gather", "reduce_scatter"):
            raise ValueError(f"kind must be one of all_gather, reduce_scatter, all_reduce, all_to_all, got {kind!r}")
    if not ideal:
        t = t + steps * _latency(r, g, k)
    return np.where(size > 1, t, 0.0)


def _group_links(chip: Chip, size, span, ideal: bool):
    """A group of ``size`` ranks spread over ``span`` consecutive ranks: the chip's rates, ``size`` and the members
    in one fast domain ``g`` and the domains ``k`` as arrays, and the fast and slow links' bandwidth per member (line
    rate with ``ideal``, else the achieved bus fractions)."""
    r = rates(chip)
    size = np.asarray(size, dtype=np.float64)
    span = np.asarray(span, dtype=np.float64)
    stride = np.maximum(span / np.maximum(size, 1.0), 1.0)
    g = np.clip(np.floor(chip.fast_domain / stride), 1.0, size)
    k = np.maximum(size / g, 1.0)
    w_fast = _fast_bw(chip, g) * (1.0 if ideal else r.fast_bus_fraction)
    w_slow = chip.slow_link_one_way * (1.0 if ideal else r.slow_bus_fraction)
    return r, size, g, k, w_fast, w_slow


def _latency(r: KernelRates, g, k):
    """One collective step's latency: inside the fast domain when it has several members, and a tree across the k
    domains (log2 k steps) when there are several."""
    return np.where(g > 1, r.fast_latency_s, 0.0) + np.where(k > 1, r.slow_latency_s * np.log2(np.maximum(k, 1.0)), 0.0)


def _fast_bw(c: Chip, size) -> np.ndarray:
    """Collective bandwidth inside one fast domain for a group of ``size`` ranks (bytes/s): GPU one-way
    NVLink; TPU bidirectional ICI × the torus axes the group needs (1 while it fits the longest axis, 2
    while it fits the two longest, else 3), as :func:`llmcalc.sharding.collective_bandwidth`."""
    size = np.asarray(size, dtype=np.float64)
    if c.kind != "tpu":
        return np.full(size.shape, c.fast_link_one_way)
    dims = sorted(c.pod_shape or (c.fast_domain,), reverse=True)
    axes = np.full(size.shape, float(min(3, c.fast_axes)))
    reach = 1
    for i, d in enumerate(dims[:-1]):
        reach *= d
        axes = np.where((size <= reach) & (axes > i + 1), float(i + 1), axes)
    return axes * c.fast_link_bidir


def expert_domain_share(E: int, k: int, domains: int, groups: int = 1, groups_per_token: int = 1) -> float:
    """The probability that a token's ``k`` routed experts include at least one of a given domain's: the ``E``
    experts lie in ``domains`` equal blocks of consecutive experts (one block per node of an expert-parallel group),
    routing is balanced and uniform, and, with group-limited routing, the token first picks ``groups_per_token`` of
    ``groups`` equal blocks of consecutive experts and then its ``k`` experts among theirs (DeepSeek-V2/V3's
    device- and node-limited routing). A token therefore reaches ``domains`` × this many domains on average, and
    ``domains − 1`` times it other than its own. Exact (hypergeometric) where the groups and the domains nest (one
    divides the other); otherwise the limit is left out, which can only overstate the domains reached.

    Without a limit, 1 − C(E − E/domains, k) / C(E, k). DeepSeek-V3 on 8 nodes (E 256, k 8, 8 groups of which 4 per
    token, one group per node): a token's 4 groups are 4 of the 8 nodes, so 1/2 × (1 − C(96, 8)/C(128, 8)) = 0.452 and
    3.17 other nodes on average, against 4.63 for plain top-k over the same experts."""
    if domains <= 1:
        return 1.0
    if E % domains:
        raise ValueError(f"domains must divide E ({E} experts) into equal blocks, got {domains}")
    per_domain = E // domains

    def miss(pool, away):       # all k experts drawn from pool − away of the pool's experts
        return math.comb(pool - away, k) / math.comb(pool, k)

    if groups_per_token >= groups or groups == 1:
        return 1.0 - miss(E, per_domain)
    per_group = E // groups
    pool = groups_per_token * per_group                 # the experts a token's groups hold
    if groups % domains == 0:                           # each domain holds groups / domains whole groups
        mine = groups // domains
        share = 0.0
        for j in range(1, min(mine, groups_per_token) + 1):   # j of the token's groups in this domain
            ways = math.comb(mine, j) * math.comb(groups - mine, groups_per_token - j) / math.comb(groups, groups_per_token)
            share += ways * (1.0 - miss(pool, j * per_group))
        return share
    if domains % groups == 0:                           # each group spans domains / groups domains
        return groups_per_token / groups * (1.0 - miss(pool, per_domain))
    return 1.0 - miss(E, per_domain)


def node_dispatch_time(chip: Chip, nbytes, size, span, *, k: int, E: int, groups: int = 1, groups_per_token: int = 1,
                       ideal: bool):
    """Seconds for one expert-parallel dispatch (or combine) that sends each token once to every other node its
    experts are on and forwards it there over the fast fabric (DeepSeek-V3 report, §3.2.2: 'first transmitted via IB
    to the GPUs with the same in-node index on its target nodes ... instantaneously forwarded via NVLink', the two
    'fully overlapped'; deepseek-ai/DeepEP's normal kernels). ``nbytes``: one copy of the rank's tokens (tokens ×
    hidden × bytes a value); numpy arrays broadcast. Across nodes each rank sends ``nbytes`` × the other nodes a token
    reaches (:func:`expert_domain_share`); inside its node every routed copy but the one for the GPU it lands on
    crosses the fast fabric once, ``nbytes`` × k × (g − 1)/g; the step takes the longer of the two. Line rates with
    ``ideal``; else the chip's bus fractions and one collective latency on each link, as :func:`collective_time`."""
    r, size, g, nodes, w_fast, w_slow = _group_links(chip, size, span, ideal)
    # nodes that do not split the experts evenly: every node taken as reached (the most traffic)
    shares = {float(x): expert_domain_share(E, k, int(x), groups, groups_per_token) if E % int(x) == 0 else 1.0
              for x in np.unique(nodes)}
    share = np.vectorize(lambda x: shares[float(x)], otypes=[np.float64])(nodes)
    across = nbytes * (nodes - 1.0) * share / w_slow
    inside = nbytes * k * (g - 1.0) / g / w_fast
    t = np.maximum(across, inside)
    if not ideal:
        t = t + _latency(r, g, nodes)
    return np.where(size > 1, t, 0.0)
