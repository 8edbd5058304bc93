"""Training time, chip-hours, implied MFU and cost from a FLOP budget.

    seconds = total FLOPs / (chips · C · MFU)        C = the chip's peak dense bf16 FLOP/s
    MFU implied by a published run = total model FLOPs / (chip-hours · 3600 · C)

MFU (model FLOPs utilisation) counts only the model's FLOPs (6P-style, no recomputation); hardware
FLOPs utilisation (HFU) would also count recomputed work. Days are 86,400 s; chip-hours 3,600 s.
"""

from __future__ import annotations

from . import _validate as v
from .hardware import Chip, chip as _chip

SECONDS_PER_DAY = 86_400


@v.checked
def training_seconds(total_flops: float, n_chips: int, chip: str | Chip, mfu: float) -> float:
    """Wall-clock seconds to do ``total_flops`` on ``n_chips`` chips running at ``mfu`` of peak."""
    total_flops = v.positive_number("total_flops", total_flops)
    n_chips = v.positive_int("n_chips", n_chips)
    mfu = v.fraction("mfu", mfu)
    return total_flops / (n_chips * _chip(chip).peak_flops * mfu)


@v.checked
def training_days(total_flops: float, n_chips: int, chip: str | Chip, mfu: float) -> float:
    """Wall-clock days (86,400 s) to do ``total_flops`` on ``n_chips`` chips at ``mfu``."""
    return training_seconds(total_flops, n_chips, chip, mfu) / SECONDS_PER_DAY


@v.checked
def chip_hours(total_flops: float, chip: str | Chip, mfu: float) -> float:
    """Chip-hours (GPU-hours) to do ``total_flops`` at ``mfu``; independent of how many chips share it."""
    return training_seconds(total_flops, 1, chip, mfu) / 3600


@v.checked
def implied_mfu(total_flops: float, chip_hours_used: float, chip: str | Chip) -> float:
    """The MFU a run must have reached to do ``total_flops`` in ``chip_hours_used`` (a fraction in (0, 1]).

    Above 1 the inputs cannot all be right (no chip beats its peak), so it is a ValueError naming them.
    """
    total_flops = v.positive_number("total_flops", total_flops)
    chip_hours_used = v.positive_number("chip_hours_used", chip_hours_used)
    c = _chip(chip)
    mfu = total_flops / (chip_hours_used * 3600 * c.peak_flops)
    if mfu > 1:
        raise ValueError(
            f"implied MFU {mfu:.3g} > 1: total_flops ({total_flops:.4g}) is more than chip_hours_used "
            f"({chip_hours_used:.4g}) · 3600 s · the {c.name}'s peak ({c.peak_flops:.4g} FLOP/s) could do. "
            f"total_flops is too large, or chip_hours_used or the chip too small for it; an implied MFU "
            f"must be in (0, 1]"
        )
    return mfu


@v.checked
def mfu_from_throughput(flops_per_s_per_chip: float, chip: str | Chip) -> float:
    """MFU of a run that reports its achieved model FLOP/s per chip: achieved / peak (a fraction).

    The Llama 3 paper (Table 4) reports 400 TFLOP/s per H100 on 16,384 GPUs: 4.00e14 / 9.89e14 = 0.404
    (the paper prints 41%, from an unrounded throughput); 430 → 0.435, 380 → 0.384.
    Above 1 (faster than the chip's dense peak) it is a ValueError naming the input.
    """
    flops_per_s_per_chip = v.positive_number("flops_per_s_per_chip", flops_per_s_per_chip)
    c = _chip(chip)
    mfu = flops_per_s_per_chip / c.peak_flops
    if mfu > 1:
        raise ValueError(
            f"implied MFU {mfu:.3g} > 1: flops_per_s_per_chip ({flops_per_s_per_chip:.4g} FLOP/s) is above the "
            f"{c.name}'s dense peak ({c.peak_flops:.4g} FLOP/s); it must be in (0, {c.peak_flops:.4g}]. "
            f"Is it a sparse or fp8 figure, or a whole node's rather than one chip's, or the wrong chip?"
        )
    return mfu


@v.checked
def chips_for_days(total_flops: float, days: float, chip: str | Chip, mfu: float) -> float:
    """Chips needed to finish ``total_flops`` in ``days`` at ``mfu`` (a real number; round up yourself)."""
    days = v.positive_number("days", days)
    return training_seconds(total_flops, 1, chip, mfu) / (days * SECONDS_PER_DAY)


@v.checked
def cost(chip_hours_used: float, price_per_chip_hour: float) -> float:
    """Cost of ``chip_hours_used`` at ``price_per_chip_hour`` (same currency as the price)."""
    chip_hours_used = v.positive_number("chip_hours_used", chip_hours_used)
    price_per_chip_hour = v.positive_number("price_per_chip_hour", price_per_chip_hour)
    return chip_hours_used * price_per_chip_hour


@v.checked
def chinchilla_tokens(params: float, tokens_per_param: float = 20.0) -> float:
    """Compute-optimal training tokens by Hoffmann et al. 2022: about 20 tokens per parameter."""
    params = v.positive_number("params", params)
    tokens_per_param = v.positive_number("tokens_per_param", tokens_per_param)
    return params * tokens_per_param
