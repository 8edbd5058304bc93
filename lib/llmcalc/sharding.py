"""Sharding a training step: per-layer compute and communication time, the critical batch sizes,
collective costs, pipeline bubbles and GPU hybrid (TP × PP × DP) layouts.

Sources: *How To Scale Your Model* (HTSYM) part 3 (collectives) and part 5 (training); Megatron-LM
(Shoeybi et al. 2019; Narayanan et al. 2021); GPipe (Huang et al. 2019); ZeRO (Rajbhandari et al. 2020).
Units: seconds, bytes, bytes/s, FLOPs, FLOP/s. Only the standard library is imported.

Bandwidth convention. Every formula takes its W from :func:`collective_bandwidth`:

=====================================  ===================================================================
TPU ICI, collective over M torus axes  W = M × the *bidirectional* per-axis figure (v5p: M × 1.8e11)
GPU NVLink, collective inside a node   W = the *one-way* per-GPU egress (H100: 4.5e11; NVSwitch, one axis)
point-to-point on the fast fabric      W = the one-way figure of one link/axis (v5p 9e10, H100 4.5e11)
off the fast domain                    W = one-way per chip: InfiniBand per GPU (H100 5e10), DCN per TPU
                                       chip (v5p 6.25e9)
=====================================  ===================================================================

With that W, gathering a V-byte array (V = its full, gathered size) over n chips takes V/W, and so does
a reduce-scatter that produces a V-byte array's shards; an all-reduce is both, 2V/W (HTSYM part 3).
``exact=True`` multiplies by (n − 1)/n, the share a chip really has to receive. Both conventions say
the same thing: a chip on a bidirectional ring receives from two neighbours, a GPU behind NVSwitch
through its one-way port. They give the book's ratios C/W: v5p 2550 on one axis, 850 on three,
73,440 over DCN; H100 ≈ 2200 in an NVLink node.

The layer. An MLP-shaped layer: ``mlp_matrices`` matrices of D × F (3 for a gated SwiGLU MLP such as
LLaMA's, 2 for a plain one; HTSYM's formulas use 2). Per training step over B tokens:
forward 2·m·B·D·F FLOPs, backward twice that (m = matrices); its weights are m·D·F values.
In each pass a chip overlaps its collectives with its matmuls (HTSYM's roofline), so a pass takes
max(compute, communication) and a layer is *compute-bound* when both passes are.

A group of chips larger than one fast domain (an 8-GPU node, a TPU pod) runs its collectives in two
stages: across domains on the slow link, each chip carrying 1/g of the array (g = the group's chips in
one domain), then inside the domain on the fast fabric (the hierarchical scheme NCCL and multi-pod
TPU training use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _validate as v
from .hardware import Chip, chip as _chip
from .models import ModelConfig
from .params import param_count

LINKS = ("fast", "slow")
PATTERNS = ("collective", "point_to_point")
TOPOLOGIES = ("ring", "switch")
SPLITS = ("divisors", "powers_of_two")
# How FSDP × TP adds its two kinds of traffic in a pass: "sum" (HTSYM part 5: one after the other, the
# book's model and the default) or "max" (concurrently on separate links, only the slower exposed: an
# optimistic variant whose compute-bound threshold is 4× lower)
COMBINES = ("sum", "max")


# ----- bandwidth: the one place the convention lives ---------------------------------------------

@v.checked
def collective_bandwidth(chip: str | Chip, link: str = "fast", axes: int = 1,
                         pattern: str = "collective") -> float:
    """Bytes/s that a chip gets in a collective (or a point-to-point send) over the given links.

    ``link="fast"``: the fast fabric. TPU: ``axes`` × the **bidirectional** per-axis ICI bandwidth
    (HTSYM part 3: a ring over one axis receives from both neighbours; using M axes at once multiplies
    it by M). GPU: the **one-way** per-GPU NVLink egress (NVSwitch joins all GPUs of a node: one axis).
    ``link="slow"``: **one-way** per chip off the fast domain (InfiniBand per GPU, DCN per TPU chip).
    ``pattern="point_to_point"``: one link in one direction, the **one-way** figure (``axes`` must be 1).

    v5p: C / collective_bandwidth = 4.59e14 / 1.8e11 = 2550 (one axis), 850 (three), 73,440 (DCN);
    H100: 9.89e14 / 4.5e11 ≈ 2200.
    """
    c = _chip(chip)
    link = v.choice("link", link, LINKS)
    pattern = v.choice("pattern", pattern, PATTERNS)
    axes = v.positive_int("axes", axes)
    if link == "slow" or pattern == "point_to_point":
        if axes != 1:
            why = "the slow link" if link == "slow" else "a point-to-point send"
            raise ValueError(f"axes must be 1 for {why} (torus axes apply to fast collectives only), got {axes}")
        return c.slow_link_one_way if link == "slow" else c.fast_link_one_way
    if axes > c.fast_axes:
        raise ValueError(f"axes must be a whole number in [1, {c.fast_axes}] for {c.name} "
                         f"({c.fast_axes} fast-fabric axis/axes), got {axes}")
    if c.kind == "tpu":
        return axes * c.fast_link_bidir
    return c.fast_link_one_way


def _link_label(c: Chip, link: str, axes: int = 1) -> str:
    if link == "slow":
        return c.slow_link_name
    return f"{c.fast_link_name}×{axes}" if c.kind == "tpu" else c.fast_link_name


# ----- collectives -------------------------------------------------------------------------------

def _collective_args(total_bytes, n, bandwidth):
    return (v.positive_number("total_bytes", total_bytes, allow_zero=True), v.positive_int("n", n),
            v.positive_number("bandwidth", bandwidth))


@v.checked
def all_gather_time(total_bytes: float, n: int, bandwidth: float, *, exact: bool = False) -> float:
    """Seconds to all-gather an array of ``total_bytes`` (its full, gathered size) over ``n`` chips.

    V / W (HTSYM part 3), × (n − 1)/n with ``exact=True``. ``bandwidth`` in bytes/s as
    :func:`collective_bandwidth` gives it (bidirectional per axis on a TPU torus, one-way per GPU).
    One chip (n = 1) moves nothing: 0.
    """
    V, n, W = _collective_args(total_bytes, n, bandwidth)
    if n == 1:
        return 0.0
    return V / W * ((n - 1) / n if exact else 1.0)


@v.checked
def reduce_scatter_time(total_bytes: float, n: int, bandwidth: float, *, exact: bool = False) -> float:
    """Seconds to reduce-scatter a ``total_bytes`` array over ``n`` chips: V / W, as an all-gather.

    (× (n − 1)/n with ``exact=True``; HTSYM part 3; W as :func:`collective_bandwidth` gives it.)
    """
    return all_gather_time(total_bytes, n, bandwidth, exact=exact)


@v.checked
def all_reduce_time(total_bytes: float, n: int, bandwidth: float, *, exact: bool = False) -> float:
    """Seconds to all-reduce a ``total_bytes`` array over ``n`` chips: reduce-scatter + all-gather = 2V / W.

    (× (n − 1)/n with ``exact=True``; the ring all-reduce of Patarasuk & Yuan, HTSYM part 3;
    W as :func:`collective_bandwidth` gives it.)
    """
    return 2 * all_gather_time(total_bytes, n, bandwidth, exact=exact)


@v.checked
def all_to_all_time(total_bytes: float, n: int, bandwidth: float, *, topology: str = "ring",
                    exact: bool = False) -> float:
    """Seconds for an all-to-all (expert parallelism) of ``total_bytes`` summed over the ``n`` chips.

    Each chip holds V/n and sends 1/n of it to every chip.
    ``topology="ring"`` (a bidirectional torus axis, W = the bidirectional figure): V / (4W) (HTSYM
    part 3: the average message travels n/4 hops); exactly (n² − 1)/n² of that for odd n.
    ``topology="switch"`` (NVSwitch, W = one-way per GPU): V / (n·W), × (n − 1)/n with ``exact=True``.
    """
    V, n, W = _collective_args(total_bytes, n, bandwidth)
    topology = v.choice("topology", topology, TOPOLOGIES)
    if n == 1:
        return 0.0
    if topology == "ring":
        factor = (n * n - 1) / (n * n) if (exact and n % 2) else 1.0
        return V / (4 * W) * factor
    return V / (n * W) * ((n - 1) / n if exact else 1.0)


@v.checked
def point_to_point_time(nbytes: float, bandwidth: float) -> float:
    """Seconds to send ``nbytes`` from one chip to another: bytes / W, W the **one-way** link figure
    (``collective_bandwidth(chip, link, pattern="point_to_point")``). Used between pipeline stages
    (GPipe, Megatron)."""
    return v.positive_number("nbytes", nbytes, allow_zero=True) / v.positive_number("bandwidth", bandwidth)


def _group_gather(V: float, d: int, c: Chip, axes: int, inner: int, exact: bool) -> tuple[float, str]:
    """All-gather (= reduce-scatter) of a V-byte array over a group of d chips whose neighbours along
    the group are ``inner`` chips apart; two stages when the group leaves the fast domain."""
    if d == 1:
        return 0.0, "none"
    per_domain = max(1, c.fast_domain // inner)
    fast = collective_bandwidth(c, "fast", axes)
    if d <= per_domain:
        return all_gather_time(V, d, fast, exact=exact), _link_label(c, "fast", axes)
    g = math.gcd(d, per_domain)
    t = all_gather_time(V / g, d // g, collective_bandwidth(c, "slow"), exact=exact)
    label = _link_label(c, "slow")
    if g > 1:
        t += all_gather_time(V, g, fast, exact=exact)
        label = f"{_link_label(c, 'fast', axes)} + {label}"
    return t, label


# ----- per-layer time ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerTime:
    """One layer's time per training step on one chip (seconds), by pass.

    ``step_s`` = max(forward compute, forward comm) + max(backward compute, backward comm): collectives
    overlap the matmuls of their pass. ``bound`` is "compute" when neither pass waits on the network.
    """

    strategy: str
    forward_compute_s: float
    backward_compute_s: float
    forward_comm_s: float
    backward_comm_s: float
    links: str = ""

    @property
    def compute_s(self) -> float:
        """Matmul time, forward + backward, at peak FLOP/s (seconds)."""
        return self.forward_compute_s + self.backward_compute_s

    @property
    def comm_s(self) -> float:
        """Communication time, forward + backward (seconds)."""
        return self.forward_comm_s + self.backward_comm_s

    @property
    def step_s(self) -> float:
        return max(self.forward_compute_s, self.forward_comm_s) + max(self.backward_compute_s, self.backward_comm_s)

    @property
    def bound(self) -> str:
        ok = self.forward_comm_s <= self.forward_compute_s and self.backward_comm_s <= self.backward_compute_s
        return "compute" if ok else "communication"

    @property
    def compute_bound(self) -> bool:
        return self.bound == "compute"

    @property
    def comm_ratio(self) -> float:
        """The larger of the two passes' communication / compute; <= 1 means compute-bound."""
        return max(self.forward_comm_s / self.forward_compute_s, self.backward_comm_s / self.backward_compute_s)


def _matrices(cfg: ModelConfig, mlp_matrices) -> int:
    if mlp_matrices is None:
        return 3 if cfg.mlp == "gated" else 2
    m = v.positive_int("mlp_matrices", mlp_matrices)
    if m not in (2, 3):
        raise ValueError(f"mlp_matrices must be 2 (plain MLP, as in the book) or 3 (gated SwiGLU), got {m}")
    return m


def _flops(cfg: ModelConfig, nm: int, tokens: float) -> float:
    """Forward FLOPs of the MLP-shaped layer over ``tokens`` tokens: 2·m·B·D·F."""
    return 2 * nm * tokens * cfg.D * cfg.F


def _axes(c: Chip, M, field: str, default: int) -> int:
    M = default if M is None else v.positive_int(field, M)
    if M > c.fast_axes:
        raise ValueError(f"{field} must be a whole number in [1, {c.fast_axes}] for {c.name} "
                         f"({c.fast_axes} fast-fabric axis/axes), got {M}")
    return M


def _tokens(batch_tokens) -> float:
    """A batch in tokens: a number in (0, 2^53] (past that no byte count below stays finite or exact)."""
    B = v.positive_number("batch_tokens", batch_tokens)
    if B > 2**53:
        raise ValueError(f"batch_tokens must be a number in (0, 2^53], got {v._show(batch_tokens)}")
    return B


def _batch(batch_tokens, degree: int, field: str) -> float:
    B = _tokens(batch_tokens)
    if B < degree:
        raise ValueError(f"batch_tokens must be >= {field} ({degree}) so each {field}-shard gets a token, got {B!r}")
    return B


def _tp_degree(cfg: ModelConfig, Y) -> int:
    Y = v.positive_int("Y", Y)
    if cfg.F % Y:
        raise ValueError(f"Y (tensor-parallel degree) must divide F = {cfg.F}, got {Y}")
    return Y


def _data_parallel_terms(cfg, chip, batch_tokens, X, M_X, mlp_matrices, dtype_bytes, exact):
    """Shared by DP and FSDP: forward matmul seconds, one all-gather of the layer's weights, link label."""
    c = _chip(chip)
    nm = _matrices(cfg, mlp_matrices)
    X = v.positive_int("X", X)
    B = _batch(batch_tokens, X, "X")
    M = _axes(c, M_X, "M_X", c.fast_axes)
    nbytes = v.positive_int("dtype_bytes", dtype_bytes)
    fwd = _flops(cfg, nm, B) / (X * c.peak_flops)
    ag, label = _group_gather(nm * cfg.D * cfg.F * nbytes, X, c, M, 1, exact)
    return fwd, ag, label


@v.checked
@v.takes_config
def dp_layer_time(cfg: ModelConfig, chip: str | Chip, batch_tokens: float, X: int, *, M_X: int | None = None,
                  mlp_matrices: int | None = None, dtype_bytes: int = 2, exact: bool = False) -> LayerTime:
    """Pure data parallelism over X chips (each holds every weight), one MLP-shaped layer.

    compute: forward 2·m·B·D·F / (X·C), backward twice that.
    comm: backward all-reduce of the gradients, 2·(m·D·F·bytes) / W_X (HTSYM part 5), none forward.
    Compute-bound when B/X > C/W_X (v5p: 2550 on one axis, 850 on three; H100 node ≈ 2200).
    W_X from :func:`collective_bandwidth` over ``M_X`` axes (default: all the chip's axes): the
    **bidirectional** per-axis ICI figure on a TPU, the **one-way** NVLink egress on a GPU; past the
    fast domain, two stages with the slow link's one-way per-chip figure.
    """
    fwd, ag, label = _data_parallel_terms(cfg, chip, batch_tokens, X, M_X, mlp_matrices, dtype_bytes, exact)
    return LayerTime("DP", fwd, 2 * fwd, 0.0, 2 * ag, label)


@v.checked
@v.takes_config
def fsdp_layer_time(cfg: ModelConfig, chip: str | Chip, batch_tokens: float, X: int, *, M_X: int | None = None,
                    mlp_matrices: int | None = None, dtype_bytes: int = 2, exact: bool = False) -> LayerTime:
    """Fully sharded data parallelism (ZeRO-3) over X chips, one MLP-shaped layer.

    compute: forward 2·m·B·D·F / (X·C), backward twice that.
    comm: forward all-gather of the weights, m·D·F·bytes / W_X; backward all-gather again and
    reduce-scatter of the gradients, 2·m·D·F·bytes / W_X (HTSYM part 5; Rajbhandari et al. 2020).
    Compute-bound when B/X > C/W_X, the same threshold as DP (468 tokens/chip < 850 for LLaMA 3-70B
    on a full v5p pod: communication-bound). W_X as in :func:`dp_layer_time` (bidirectional ICI per
    axis × M_X; one-way NVLink; one-way slow link past the fast domain).
    """
    fwd, ag, label = _data_parallel_terms(cfg, chip, batch_tokens, X, M_X, mlp_matrices, dtype_bytes, exact)
    return LayerTime("FSDP", fwd, 2 * fwd, ag, 2 * ag, label)


@v.checked
@v.takes_config
def tp_layer_time(cfg: ModelConfig, chip: str | Chip, batch_tokens: float, Y: int, *, M_Y: int | None = None,
                  mlp_matrices: int | None = None, dtype_bytes: int = 2, exact: bool = False) -> LayerTime:
    """Megatron tensor parallelism over Y chips (W_in split by columns, W_out by rows), one MLP layer.

    compute: forward 2·m·B·D·F / (Y·C), backward twice that.
    comm per pass: all-gather of the [B, D] activations before W_in and reduce-scatter of the [B, D]
    partial sums after W_out, 2·B·D·bytes / W_Y (HTSYM part 5; Shoeybi et al. 2019 with sequence
    parallelism); the backward pass does the mirror pair (its inputs are kept from the forward).
    Compute-bound when Y < (m/2)·M_Y·F·W/C (the book's Y < M_Y·F·W/C for m = 2). W_Y from
    :func:`collective_bandwidth` over ``M_Y`` axes (default 1): bidirectional per ICI axis, one-way
    NVLink per GPU. Y must divide F.
    """
    c = _chip(chip)
    nm = _matrices(cfg, mlp_matrices)
    Y = _tp_degree(cfg, Y)
    B = _tokens(batch_tokens)
    M = _axes(c, M_Y, "M_Y", 1)
    nbytes = v.positive_int("dtype_bytes", dtype_bytes)
    fwd = _flops(cfg, nm, B) / (Y * c.peak_flops)
    ag, label = _group_gather(B * cfg.D * nbytes, Y, c, M, 1, exact)
    return LayerTime("TP", fwd, 2 * fwd, 2 * ag, 2 * ag, label)


@v.checked
@v.takes_config
def fsdp_tp_layer_time(cfg: ModelConfig, chip: str | Chip, batch_tokens: float, X: int, Y: int, *,
                       M_X: int | None = None, M_Y: int | None = None, mlp_matrices: int | None = None,
                       dtype_bytes: int = 2, exact: bool = False, combine: str = "sum") -> LayerTime:
    """FSDP over X chips × Megatron TP over Y chips (X·Y chips; TP the inner axis), one MLP layer.

    compute: forward 2·m·B·D·F / (X·Y·C), backward twice that.
    FSDP comm: all-gather of the TP-sharded weights, m·D·F·bytes / (Y·W_X) forward, twice backward
    (all-gather + reduce-scatter). TP comm per pass: 2·(B/X)·D·bytes / W_Y (HTSYM part 5).
    ``combine="sum"`` (default, the book's model, HTSYM part 5 "Combining FSDP and tensor
    parallelism"): the two kinds of traffic are not overlapped with each other, comm = FSDP + TP.
    Compute-bound at the best X (:func:`fsdp_optimal_degree`) when B/(X·Y) > (8/m)·α²/(M_X·M_Y·F),
    α = C/W per axis: 4·2550²/(2·28672) ≈ 453 on v5p for m = 2 (the book's 2·2550²/F).
    ``combine="max"``: the two run at the same time on different links (different torus axes, or
    NVLink vs InfiniBand) and only the slower is exposed, comm = max(FSDP, TP) (on a GPU whose FSDP
    group also uses NVLink they still add). More optimistic: at the best X the two are equal, so max is
    half the sum and the threshold 4× lower, (2/m)·α²/(M_X·M_Y·F) ≈ 113 — the number a Chinese
    rendering of the book prints; it assumes perfect overlap of two collectives the book runs in turn.
    W from :func:`collective_bandwidth`: bidirectional per ICI axis × M_X (default fast_axes − 1, the
    book's 2 on v5p) and × M_Y (default 1); one-way NVLink / InfiniBand per GPU.
    """
    c = _chip(chip)
    nm = _matrices(cfg, mlp_matrices)
    X = v.positive_int("X", X)
    Y = _tp_degree(cfg, Y)
    B = _batch(batch_tokens, X, "X")
    nbytes = v.positive_int("dtype_bytes", dtype_bytes)
    if Y == 1:  # pure FSDP may use every axis
        M_x, M_y = _axes(c, M_X, "M_X", c.fast_axes), 1
    elif X == 1:
        M_x, M_y = 1, _axes(c, M_Y, "M_Y", c.fast_axes)
    else:
        M_x = _axes(c, M_X, "M_X", max(1, c.fast_axes - 1))
        M_y = _axes(c, M_Y, "M_Y", 1)
        if c.kind == "tpu" and M_x + M_y > c.fast_axes and X * Y <= c.fast_domain:
            raise ValueError(f"M_X + M_Y must be <= {c.fast_axes} (the axes of a {c.name} torus; FSDP and TP "
                             f"use different axes), got M_X={M_x}, M_Y={M_y}")
    fwd = _flops(cfg, nm, B) / (X * Y * c.peak_flops)
    fsdp, fsdp_label = _group_gather(nm * cfg.D * cfg.F * nbytes / Y, X, c, M_x, Y, exact)
    tp, tp_label = _group_gather(B / X * cfg.D * nbytes, Y, c, M_y, 1, exact)
    combine = v.choice("combine", combine, COMBINES)
    shared = c.kind == "gpu" and fsdp_label != "none" and c.fast_link_name in fsdp_label and Y > 1
    combine = (lambda a, b: a + b) if (combine == "sum" or shared) else max
    labels = f"FSDP: {fsdp_label}; TP: {tp_label}"
    return LayerTime("FSDP+TP", fwd, 2 * fwd, combine(fsdp, 2 * tp), combine(2 * fsdp, 2 * tp), labels)


@v.checked
@v.takes_config
def pipeline_layer_time(cfg: ModelConfig, chip: str | Chip, batch_tokens: float, p: int, *, inner: int = 1,
                        mlp_matrices: int | None = None, dtype_bytes: int = 2) -> LayerTime:
    """Pipeline parallelism over p stages (GPipe, Megatron), per layer of a stage; bubble not included.

    A stage holds L/p whole layers and runs all B tokens through them:
    compute: forward 2·m·B·D·F / C per layer, backward twice that.
    comm: each stage sends its [B, D] activations forward and receives their gradients backward,
    point-to-point, B·D·bytes / W per pass, spread over its L/p layers: p·B·D·bytes / (L·W).
    W: the **one-way** link figure (:func:`collective_bandwidth` with pattern="point_to_point"): the
    fast fabric while p·``inner`` chips fit in one fast domain (``inner`` = chips of the axes laid out
    inside the pipeline axis, e.g. the TP degree), else the slow link (InfiniBand, DCN).
    Multiply the step by 1 / (1 − :func:`pipeline_bubble_fraction`) for the idle time.
    """
    c = _chip(chip)
    nm = _matrices(cfg, mlp_matrices)
    p = v.positive_int("p", p)
    if p > cfg.L:
        raise ValueError(f"p (pipeline stages) must be in [1, L={cfg.L}], got {p}")
    inner = v.positive_int("inner", inner)
    B = _tokens(batch_tokens)
    nbytes = v.positive_int("dtype_bytes", dtype_bytes)
    fwd = _flops(cfg, nm, B) / c.peak_flops
    if p == 1:
        return LayerTime("PP", fwd, 2 * fwd, 0.0, 0.0, "none")
    link = "fast" if p * inner <= c.fast_domain else "slow"
    W = collective_bandwidth(c, link, pattern="point_to_point")
    send = point_to_point_time(B * cfg.D * nbytes, W) * p / cfg.L
    return LayerTime("PP", fwd, 2 * fwd, send, send, c.fast_link_name if link == "fast" else c.slow_link_name)


@v.checked
@v.takes_config
def dcn_dp_layer_time(cfg: ModelConfig, chip: str | Chip, batch_tokens: float, n_pods: int, *,
                      chips_per_pod: int | None = None, mlp_matrices: int | None = None,
                      dtype_bytes: int = 2, exact: bool = False) -> LayerTime:
    """Data parallelism across ``n_pods`` pods over DCN (or nodes over InfiniBand), one MLP layer.

    Inside a pod the P chips share the layer (any sharding); each chip all-reduces its 1/P of the
    gradients with its peers in the other pods over the slow link: 2·m·D·F·bytes / (P·W_dcn) in the
    backward pass (HTSYM part 5). compute: forward 2·m·B·D·F / (n_pods·P·C), backward twice that.
    Compute-bound when the tokens per pod B/n_pods > C/W_dcn (v5p: 4.59e14 / 6.25e9 = 73,440).
    W_dcn: the **one-way** per-chip slow link (:func:`collective_bandwidth` with link="slow").
    Only the cross-pod part is counted; add the in-pod layout's time separately.
    """
    c = _chip(chip)
    nm = _matrices(cfg, mlp_matrices)
    n_pods = v.positive_int("n_pods", n_pods)
    P = c.fast_domain if chips_per_pod is None else v.positive_int("chips_per_pod", chips_per_pod)
    B = _batch(batch_tokens, n_pods, "n_pods")
    nbytes = v.positive_int("dtype_bytes", dtype_bytes)
    fwd = _flops(cfg, nm, B) / (n_pods * P * c.peak_flops)
    ar = all_reduce_time(nm * cfg.D * cfg.F * nbytes / P, n_pods, collective_bandwidth(c, "slow"), exact=exact)
    return LayerTime("DP over " + c.slow_link_name, fwd, 2 * fwd, 0.0, ar,
                     c.slow_link_name if n_pods > 1 else "none")


# ----- the closed-form thresholds ----------------------------------------------------------------

@v.checked
def tokens_per_chip(batch_tokens: float, n_chips: int) -> float:
    """B / N, tokens each chip processes per step (LLaMA 3-70B: 4·2²⁰ / 8960 ≈ 468). No bandwidth involved."""
    return _tokens(batch_tokens) / v.positive_int("n_chips", n_chips)


@v.checked
def dp_critical_tokens_per_chip(chip: str | Chip, axes: int = 1, link: str = "fast") -> float:
    """Tokens per chip B/X above which DP and FSDP are compute-bound: C / W (HTSYM part 5).

    W from :func:`collective_bandwidth`: the **bidirectional** per-axis ICI figure × ``axes`` (v5p:
    2550 on one axis, 850 on three), the **one-way** NVLink egress (H100 ≈ 2200), or the one-way slow
    link per chip with link="slow".
    """
    c = _chip(chip)
    return c.peak_flops / collective_bandwidth(c, link, axes)


@v.checked
def dcn_critical_tokens_per_pod(chip: str | Chip) -> float:
    """Tokens per pod above which data parallelism across pods is compute-bound: C / W_dcn (HTSYM part 5).

    W_dcn: **one-way** per chip (v5p: 4.59e14 / 6.25e9 = 73,440). For GPUs this is InfiniBand and the
    "pod" is a node (H100: 9.89e14 / 5e10 ≈ 19,800 tokens per node).
    """
    c = _chip(chip)
    return c.peak_flops / collective_bandwidth(c, "slow")


@v.checked
def tp_max_degree(chip: str | Chip, F: int, axes: int = 1, *, mlp_matrices: int = 2) -> float:
    """Largest tensor-parallel degree that stays compute-bound: Y < (m/2)·M_Y·F·W/C (HTSYM part 5).

    The book's form (m = 2 matrices) is Y < M_Y·F·W/C; a gated MLP (m = 3) allows 1.5× more. W: the
    **bidirectional** per-axis ICI figure (× ``axes`` = M_Y), or the **one-way** NVLink egress.
    v5p, F = 28672, one axis: 28672 / 2550 ≈ 11.2.
    """
    c = _chip(chip)
    F = v.positive_int("F", F)
    nm = v.choice("mlp_matrices", mlp_matrices, (2, 3))
    return nm / 2 * F * collective_bandwidth(c, "fast", axes) / c.peak_flops


def _xy_bandwidths(c: Chip, M_X, M_Y, link_X: str) -> tuple[float, float]:
    link_X = v.choice("link_X", link_X, LINKS)
    M_Y = _axes(c, M_Y, "M_Y", 1)
    W_Y = collective_bandwidth(c, "fast", M_Y)
    if link_X == "slow":
        if v.positive_int("M_X", M_X) != 1:
            raise ValueError(f"M_X must be 1 when link_X='slow' (torus axes apply to fast collectives only), got {M_X}")
        return collective_bandwidth(c, "slow"), W_Y
    M_X = _axes(c, M_X, "M_X", 1)
    if c.kind == "tpu" and M_X + M_Y > c.fast_axes:
        raise ValueError(f"M_X + M_Y must be <= {c.fast_axes} (the axes of a {c.name} torus), got {M_X} + {M_Y}")
    return collective_bandwidth(c, "fast", M_X), W_Y


@v.checked
def fsdp_tp_critical_tokens_per_chip(chip: str | Chip, F: int, M_X: int = 2, M_Y: int = 1, *,
                                     link_X: str = "fast", mlp_matrices: int = 2, combine: str = "sum") -> float:
    """Tokens per chip B/N above which FSDP × TP can be compute-bound (at the best X), HTSYM part 5.

    Per forward pass and layer (bf16, m matrices of D × F): FSDP moves m·D·F·2/Y bytes over W_X, TP
    2·(B/X)·D·2 bytes over W_Y, the matmuls take 2·m·B·D·F/(N·C). With ``combine="sum"`` (the book's
    model: the two collectives one after the other) the sum is smallest at X_opt, where it equals
    2·sqrt(FSDP·TP), and compute-bound requires
        B/N > (8/m)·C² / (W_X·W_Y·F) = 4·α² / (M_X·M_Y·F) for m = 2, α = C / W per ICI axis
    (v5p, F = 28672, M_X·M_Y = 2: 2·2550² / 28672 ≈ 453; the book's training.md and
    applied-training.md). ``combine="max"`` (the two overlapped perfectly, only the slower exposed)
    needs only a quarter: (2/m)·C²/(W_X·W_Y·F) ≈ 113. W: **bidirectional** per ICI axis × M_X, × M_Y;
    on GPUs one-way NVLink for TP and, with link_X="slow", one-way InfiniBand per GPU for FSDP.
    """
    c = _chip(chip)
    F = v.positive_int("F", F)
    nm = v.choice("mlp_matrices", mlp_matrices, (2, 3))
    factor = {"sum": 8, "max": 2}[v.choice("combine", combine, COMBINES)]
    W_X, W_Y = _xy_bandwidths(c, M_X, M_Y, link_X)
    return factor / nm * c.peak_flops ** 2 / (W_X * W_Y * F)


@v.checked
def fsdp_optimal_degree(chip: str | Chip, n_chips: int, batch_tokens: float, F: int, M_X: int = 2,
                        M_Y: int = 1, *, link_X: str = "fast", mlp_matrices: int = 2) -> float:
    """The FSDP degree X (of N = X·Y chips) that minimises FSDP × TP communication, HTSYM part 5.

    X_opt = sqrt((2/m)·(B/F)·(W_X/W_Y)·N) = sqrt((B/F)·(M_X/M_Y)·N) for m = 2 on one ICI fabric (W_X/W_Y
    = M_X/M_Y): there the FSDP all-gather (∝ X) and the TP collectives (∝ 1/X) take equally long.
    LLaMA 3-70B, B = 4.19e6, N = 8960, F = 28672, M_X = 2, M_Y = 1: sqrt(2BN/F) ≈ 1618.
    W as in :func:`fsdp_tp_critical_tokens_per_chip` (bidirectional per ICI axis; one-way on GPUs).
    """
    c = _chip(chip)
    N = v.positive_int("n_chips", n_chips)
    B = _tokens(batch_tokens)
    F = v.positive_int("F", F)
    nm = v.choice("mlp_matrices", mlp_matrices, (2, 3))
    W_X, W_Y = _xy_bandwidths(c, M_X, M_Y, link_X)
    return math.sqrt(2 / nm * B / F * W_X / W_Y * N)


@v.checked
def max_data_parallel_degree(batch_tokens: int, seq_len: int) -> int:
    """Most chips data parallelism (or FSDP) can use when it splits only the batch axis: the number
    of whole sequences, B // T. LLaMA 3-70B: 4·2²⁰ tokens / 4096 = 1024 (HTSYM part 6). Going past it
    needs sequence (context) sharding. No bandwidth involved."""
    B = v.positive_int("batch_tokens", batch_tokens)
    T = v.positive_int("seq_len", seq_len)
    if B < T:
        raise ValueError(f"batch_tokens must be >= seq_len ({T}), i.e. at least one sequence, got {B}")
    return B // T


# ----- choosing the FSDP × TP split --------------------------------------------------------------

@dataclass(frozen=True)
class FsdpTpSplit:
    """The chosen X (FSDP) × Y (TP) split, its layer time, and every candidate looked at."""

    X: int
    Y: int
    n_chips_used: int
    tokens_per_chip: float
    layer: LayerTime
    x_opt: float
    candidates: tuple[tuple[int, int, LayerTime], ...]

    @property
    def compute_bound(self) -> bool:
        return self.layer.compute_bound


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


@v.checked
@v.takes_config
def best_fsdp_tp_split(cfg: ModelConfig, chip: str | Chip, n_chips: int, batch_tokens: float, *,
                       M_X: int | None = None, M_Y: int | None = None, splits: str = "divisors",
                       Y: int | None = None, max_tp: int | None = None, seq_len: int | None = None,
                       mlp_matrices: int | None = None, dtype_bytes: int = 2, combine: str = "sum") -> FsdpTpSplit:
    """The X (FSDP) × Y (TP) split of the chips with the shortest per-layer step, HTSYM part 5.

    Candidates: Y divides the chip count, F and N (so heads split evenly), Y <= ``max_tp`` (default:
    the node size on GPUs, so TP stays on NVLink; no cap on TPUs), X <= batch tokens (and <= B // T
    when ``seq_len`` is given: batch-only sharding). ``splits="powers_of_two"``: X and Y powers of two
    on the largest power of two of chips <= ``n_chips`` (8960 → 8192, as the 2048 × 4 of *How To Scale Your
    Model*, part 6, uses).
    ``Y`` fixes the TP degree. Each candidate is timed by :func:`fsdp_tp_layer_time` (so W follows
    :func:`collective_bandwidth`: bidirectional per ICI axis, one-way per GPU); the fastest step wins,
    ties going to the most headroom (the smallest ``comm_ratio``, communication / compute in the tighter
    pass): the candidate where FSDP and TP traffic balance, nearest :func:`fsdp_optimal_degree`.
    LLaMA 3-70B, 4·2²⁰ tokens, v5p, book's 2-matrix MLP: 2048 × 4 on 8192 chips (the book's), 2240 × 4
    on all 8960; with the real gated MLP (3 matrices) 1120 × 8.
    """
    c = _chip(chip)
    n = v.positive_int("n_chips", n_chips)
    if n > 2**40:
        raise ValueError(f"n_chips must be a whole number in [1, 2^40] (its divisors are enumerated), got {n:.4g}")
    B = _tokens(batch_tokens)
    splits = v.choice("splits", splits, SPLITS)
    combine = v.choice("combine", combine, COMBINES)
    nm = _matrices(cfg, mlp_matrices)
    if splits == "powers_of_two":
        n = 1 << (n.bit_length() - 1)
        ys = [1 << i for i in range(n.bit_length())]
    else:
        ys = _divisors(n)
    if Y is not None:
        Y = v.positive_int("Y", Y)
        if n % Y:
            raise ValueError(f"Y must divide the chips used ({n}); its divisors near {Y} are "
                             f"{[d for d in _divisors(n) if Y / 4 <= d <= Y * 4][:8]}, got {Y}")
        ys = [Y]
    cap = c.fast_domain if (max_tp is None and c.kind == "gpu") else max_tp
    if cap is not None:
        cap = v.positive_int("max_tp", cap)
    x_cap = B if seq_len is None else max_data_parallel_degree(int(B), seq_len)
    M_x = _axes(c, M_X, "M_X", max(1, c.fast_axes - 1))
    M_y = _axes(c, M_Y, "M_Y", 1)
    if c.kind == "tpu" and M_x + M_y > c.fast_axes:
        raise ValueError(f"M_X + M_Y must be <= {c.fast_axes} (the axes of a {c.name} torus), got {M_x} + {M_y}")
    pure = min(M_x + M_y, c.fast_axes)  # a pure FSDP (or pure TP) split may use all the axes
    cands = []
    for y in ys:
        x = n // y
        if cfg.F % y or cfg.N % y or (cap is not None and y > cap) or x > x_cap:
            continue
        mx, my = (pure, 1) if y == 1 else (1, pure) if x == 1 else (M_x, M_y)
        cands.append((x, y, fsdp_tp_layer_time(cfg, c, B, x, y, M_X=mx, M_Y=my, mlp_matrices=nm,
                                               dtype_bytes=dtype_bytes, combine=combine)))
    if not cands:
        raise ValueError(f"no X × Y split of {n} chips fits: Y must divide n_chips, F={cfg.F} and N={cfg.N}"
                         f"{f', Y <= max_tp={cap}' if cap is not None else ''} and X <= {x_cap:g} "
                         f"(batch_tokens{' // seq_len' if seq_len is not None else ''})")
    x, y, lt = min(cands, key=lambda t: (t[2].step_s, t[2].comm_ratio, t[1]))
    link_X = "slow" if c.kind == "gpu" and n > c.fast_domain else "fast"
    x_opt = fsdp_optimal_degree(c, n, B, cfg.F, 1 if link_X == "slow" else M_x, M_y, link_X=link_X,
                                mlp_matrices=nm)
    return FsdpTpSplit(x, y, n, B / n, lt, x_opt, tuple(cands))


# ----- pipelines ---------------------------------------------------------------------------------

def _pipeline_args(p, m, v_chunks):
    return v.positive_int("p", p), v.positive_int("m", m), v.positive_int("v", v_chunks)


@v.checked
def pipeline_bubble_fraction(p: int, m: int, v: int = 1) -> float:
    """Share of a pipelined step that a stage sits idle: (p − 1) / (v·m + p − 1).

    p stages, m microbatches, v model chunks per device. v = 1: GPipe (Huang et al. 2019) and 1F1B,
    (p − 1)/(m + p − 1). v > 1: the interleaved schedule of Narayanan et al. 2021, whose bubble time
    is (p − 1)/v microbatch-slots; as a share of the whole step it is this function, as a ratio to the
    ideal step :func:`pipeline_bubble_overhead`. In [0, 1); 0 for one stage. No bandwidth involved
    (the point-to-point sends are in :func:`pipeline_layer_time`).
    """
    p, m, vc = _pipeline_args(p, m, v)
    return (p - 1) / (vc * m + p - 1)


@v.checked
def pipeline_bubble_overhead(p: int, m: int, v: int = 1) -> float:
    """Bubble time over ideal (bubble-free) step time: (p − 1) / (v·m), Narayanan et al. 2021 (eq. for
    the interleaved schedule; v = 1 is GPipe/1F1B). Equals f / (1 − f) for f = :func:`pipeline_bubble_fraction`.
    No bandwidth involved.
    """
    p, m, vc = _pipeline_args(p, m, v)
    return (p - 1) / (vc * m)


# ----- GPU hybrid layouts ------------------------------------------------------------------------

@dataclass(frozen=True)
class HybridLayout:
    """A TP × PP × DP layout of GPUs (Megatron order: TP innermost, then DP, then PP).

    ``params_per_chip``: the weights one GPU holds, P / (TP·PP) (DP replicates them unless ZeRO).
    ``*_link``: the fabric that axis's collectives or sends use ("none" for degree 1).
    """

    tp: int
    pp: int
    dp: int
    n_chips: int
    chips_per_node: int
    nodes: int
    tp_link: str
    pp_link: str
    dp_link: str
    params_per_chip: float | None = None
    layers_per_stage: float | None = None


@v.checked
def hybrid_layout(tp: int, pp: int, dp: int, *, chip: str | Chip = "H100", n_chips: int | None = None,
                  model: ModelConfig | float | None = None, chips_per_node: int | None = None) -> HybridLayout:
    """Check a Megatron-style 3D layout and say which link each axis uses (Narayanan et al. 2021).

    TP must divide the node size (TP collectives every layer need NVLink; Megatron keeps TP <= 8),
    TP·PP·DP must equal ``n_chips`` when given, PP must not exceed L. Ranks are laid out TP innermost,
    then DP, then PP (Megatron's default order), and an axis runs on NVLink while the chips it spans
    (its degree × the degrees inside it) fit in a node, else on InfiniBand. ``model``: a ModelConfig
    or a parameter count, for ``params_per_chip`` = P / (TP·PP) and ``layers_per_stage`` = L / PP.
    The 100B-compute article (docs/references.md [4]): TP 8 × PP 4 × DP 4 = 128 GPUs; LLaMA 3 405B:
    TP 8 × PP 16 × DP 128 = 16,384 H100.
    Only names the links; time them with the ``*_layer_time`` functions (one-way NVLink / InfiniBand).
    """
    c = _chip(chip)
    tp, pp, dp = v.positive_int("tp", tp), v.positive_int("pp", pp), v.positive_int("dp", dp)
    node = c.fast_domain if chips_per_node is None else v.positive_int("chips_per_node", chips_per_node)
    if node % tp:
        raise ValueError(f"tp must divide chips_per_node ({node}) so tensor parallelism stays inside a node, "
                         f"i.e. one of {[d for d in _divisors(node)]}, got {tp}")
    total = tp * pp * dp
    if n_chips is not None and v.positive_int("n_chips", n_chips) != total:
        raise ValueError(f"n_chips must equal tp × pp × dp = {tp} × {pp} × {dp} = {total}, got {n_chips}")
    params = layers = None
    if isinstance(model, ModelConfig):
        if pp > model.L:
            raise ValueError(f"pp (pipeline stages) must be in [1, L={model.L}], got {pp}")
        params, layers = param_count(model), model.L / pp
    elif model is not None:
        params = v.positive_number("model", model)

    def link(degree: int, span: int) -> str:
        if degree == 1:
            return "none"
        return c.fast_link_name if span <= node else c.slow_link_name

    return HybridLayout(tp, pp, dp, total, node, math.ceil(total / node), link(tp, tp), link(pp, total),
                        link(dp, tp * dp), None if params is None else params / (tp * pp), layers)


# ----- one entry point for explorers and plots ---------------------------------------------------

STRATEGIES = ("DP", "FSDP", "TP", "FSDP+TP")


@v.checked
@v.takes_config
def layer_time(cfg: ModelConfig, chip: str | Chip, strategy: str, tokens_per_chip: float, *, chips: int,
               tp: int = 1, axes: int | None = None, combine: str = "sum") -> LayerTime:
    """:class:`LayerTime` of one layer for ``strategy`` at ``tokens_per_chip`` = B / (chips in the group).

    "DP"/"FSDP": X = ``chips`` over ``axes`` mesh axes (B = tokens_per_chip · chips).
    "TP": Y = ``tp`` chips, each holding all B = tokens_per_chip · tp tokens.
    "FSDP+TP": X = chips / tp, Y = tp; on a TPU the FSDP axis gets ``axes − 1`` mesh axes and TP one;
    ``combine`` as in :func:`fsdp_tp_layer_time` (default "sum", the book's model).
    """
    strategy = v.choice("strategy", strategy, STRATEGIES)
    c = _chip(chip)
    chips = v.positive_int("chips", chips)
    tp = v.positive_int("tp", tp)
    axes = c.fast_axes if axes is None else v.positive_int("axes", axes)
    if axes > c.fast_axes:
        raise ValueError(f"axes must be a whole number in [1, {c.fast_axes}] for {c.name} ({c.fast_axes} fast-fabric "
                         f"axis/axes), got {axes}")
    if strategy == "DP":
        return dp_layer_time(cfg, c, tokens_per_chip * chips, chips, M_X=axes)
    if strategy == "FSDP":
        return fsdp_layer_time(cfg, c, tokens_per_chip * chips, chips, M_X=axes)
    if strategy == "TP":
        return tp_layer_time(cfg, c, tokens_per_chip * tp, tp, M_Y=1)
    if chips % tp:
        raise ValueError(f"tp must divide chips ({chips}) for FSDP+TP, got tp={tp}")
    tpu = c.kind == "tpu"
    return fsdp_tp_layer_time(cfg, c, tokens_per_chip * chips, chips // tp, tp,
                              M_X=max(axes - 1, 1) if tpu else None, M_Y=1 if tpu else None, combine=combine)


@v.takes_config
def crossover_tokens_per_chip(cfg: ModelConfig, chip: str | Chip, strategy: str, *, chips: int, tp: int = 1,
                              axes: int | None = None, lo: float = 1.0, hi: float = 1e9, combine: str = "sum") -> float:
    """Tokens per chip where one layer's communication time meets its compute time (the roofline crossover
    that :func:`llmcalc.plots.compute_vs_comm` draws), for the layout of :func:`layer_time`.

    Found by bisection on :attr:`LayerTime.comm_ratio`, which never rises with more tokens per chip:
    DP/FSDP give C/W_X (850 on a full v5p pod's three axes; on H100 past one node the two stages add,
    C/W_NVLink + C/(8·W_IB) ≈ 2198 + 2473); FSDP+TP at a fixed Y, with the book's summed traffic
    (``combine="sum"``), gives C/(Y·W_X) / (1 − 2·Y·C/(m·F·W_Y)): the FSDP part, raised because TP
    traffic takes its share of the pass (W as :func:`collective_bandwidth` gives it: bidirectional per
    ICI axis, one-way per GPU); ``combine="max"`` gives the FSDP part alone while it dominates. Returns
    ``lo`` when the layer is compute-bound already at ``lo`` tokens, and ``math.inf`` when it is still
    communication-bound at ``hi`` (TP's ratio does not depend on the batch: Y too large never recovers).
    """
    lo = v.positive_number("lo", lo)
    hi = v.positive_number("hi", hi)
    if hi <= lo:
        raise ValueError(f"hi must be > lo ({lo!r}), got {hi!r}")

    def ratio(t: float) -> float:
        return layer_time(cfg, chip, strategy, t, chips=chips, tp=tp, axes=axes, combine=combine).comm_ratio

    if ratio(lo) <= 1:
        return lo
    if ratio(hi) > 1:
        return math.inf
    a, b = math.log(lo), math.log(hi)
    for _ in range(200):
        mid = (a + b) / 2
        if ratio(math.exp(mid)) > 1:
            a = mid
        else:
            b = mid
        if b - a < 1e-13:
            break
    return math.exp(b)
