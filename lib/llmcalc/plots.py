"""Figures for the chapters (imports matplotlib; the formula modules never do).

Each function draws one figure from llmcalc's formulas and returns the Figure; it restates no formula.
Every text a figure shows (title, axis labels, legend items, bar names drawn from llmcalc's keys) goes
through :func:`llmcalc.labels.label` or :func:`llmcalc.i18n.tr`, so ``llmcalc.i18n.use("zh")`` shows it in
Chinese; model names, chip names, symbols and units stay as they are. Names a caller passes in (the
cases of :func:`memory_stack`) are drawn as given: translate them where they are written.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from . import flops as _flops, params as _params, timecost as _time
from .models import preset

from .i18n import tr
from .labels import label, set_labels  # noqa: F401  (set_labels re-exported for callers of plots)


_EN_KEYS = {"mlp": "MLP", "lm_head": "LM head", "master": "fp32 master weights", "optimizer": "optimizer states"}


def _key_text(key: str) -> str:
    """A legend item for one of llmcalc's keys ("frozen_weights"): the current language's label; in
    English a readable form ("frozen weights", "LM head")."""
    return label(key, _EN_KEYS.get(key, key.replace("_", " ")))


def _cfg(m):
    return preset(m) if isinstance(m, str) else m


def param_shares(models, figsize=(9, 4.5)):
    """Stacked bars: each model's parameters by component, as % of its total."""
    cfgs = [_cfg(m) for m in models]
    comps = [c for c in _params.COMPONENTS if any(_params.param_breakdown(m)[c] for m in cfgs)]
    fig, ax = plt.subplots(figsize=figsize)
    left = [0.0] * len(cfgs)
    for comp in comps:
        shares = [100 * _params.param_breakdown(m)[comp] / _params.param_count(m) for m in cfgs]
        ax.barh([m.name for m in cfgs], shares, left=left, label=_key_text(comp))
        left = [a + b for a, b in zip(left, shares)]
    ax.set_xlabel(label("share_axis", "share of parameters (%)"))
    ax.set_title(label("param_shares_title", "Where the parameters live"))
    ax.invert_yaxis()
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    return fig


def attention_share(models, seq_lens=None, causal=True, figsize=(7, 4)):
    """Share of forward matmul FLOPs spent on attention scores, against sequence length T."""
    seq_lens = seq_lens or [2 ** i for i in range(9, 18)]
    fig, ax = plt.subplots(figsize=figsize)
    for m in models:
        c = _cfg(m)
        ax.semilogx(seq_lens, [100 * _flops.attention_score_fraction(c, T, causal) for T in seq_lens], "o-", label=c.name)
    ax.set_xlabel(label("seq_axis", "sequence length T (tokens)"))
    ax.set_ylabel(label("attn_share_axis", "attention scores (% of FLOPs)"))
    ax.set_title(label("attn_share_title", "When does attention matter?"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def days_vs_chips(total_flops, chip, mfus=(0.2, 0.4, 0.6), chips=None, mark=None, figsize=(7, 4)):
    """Training days against the number of chips, one line per MFU; ``mark=(chips, mfu)`` adds a point."""
    chips = chips or [2 ** i for i in range(6, 17)]
    fig, ax = plt.subplots(figsize=figsize)
    for m in mfus:
        ax.loglog(chips, [_time.training_days(total_flops, n, chip, m) for n in chips], label=f"MFU {m:.0%}")
    if mark:
        n, m = mark
        ax.loglog([n], [_time.training_days(total_flops, n, chip, m)], "ko")
    ax.set_xlabel(label("chips_axis", "chips"))
    ax.set_ylabel(label("days_axis", "days"))
    ax.set_title(label("days_title", "Training days vs chips"))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def memory_stack(cases: dict, chip=None, figsize=(8, 4.5)):
    """Stacked bars of bytes per device by term, one bar per case, with the chip's HBM as a line.

    ``cases`` maps a label to a dict of term → bytes (e.g. the output of
    ``memory.training_bytes_per_device``, without its "total").
    """
    from .hardware import chip as _chip

    fig, ax = plt.subplots(figsize=figsize)
    names = list(cases)
    terms = []
    for parts in cases.values():
        terms += [t for t in parts if t != "total" and t not in terms]
    bottom = [0.0] * len(names)
    for t in terms:
        vals = [cases[n].get(t, 0) / 1e9 for n in names]
        ax.bar(names, vals, bottom=bottom, label=_key_text(t))
        bottom = [a + b for a, b in zip(bottom, vals)]
    if chip is not None:
        c = _chip(chip)
        ax.axhline(c.hbm_bytes / 1e9, color="k", ls="--",
                   label=f"{c.name} {label('hbm', 'HBM')} ({c.hbm_bytes / 1e9:.0f} GB)")
    ax.set_ylabel(label("gb_axis", "GB per device"))
    ax.set_title(label("memory_title", "Memory per device"))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    plt.setp(ax.get_xticklabels(), rotation=15, ha="right")
    fig.tight_layout()
    return fig


def compute_vs_comm(cfg, chip, strategy="FSDP", chips=8960, tp=1, axes=None, tokens=None, mark=None, figsize=(7, 4)):
    """One layer's compute and communication time against tokens per chip: where the lines cross is
    the critical batch per chip (the roofline crossover). ``mark`` draws a vertical line at a batch."""
    from .hardware import chip as _chip
    from .sharding import layer_time

    c = _cfg(cfg)
    chip_name = _chip(chip).name   # the title names the chip; a Chip object's repr is its whole spec sheet
    tokens = tokens or [2 ** (i / 2) for i in range(8, 33)]
    times = [layer_time(c, chip, strategy, x, chips=chips, tp=tp, axes=axes) for x in tokens]
    fig, ax = plt.subplots(figsize=figsize)
    ax.loglog(tokens, [t.compute_s for t in times], label=label("compute", "compute"))
    ax.loglog(tokens, [t.comm_s for t in times], label=label("communication", "communication"))
    if mark:
        ax.axvline(mark, color="k", ls=":")
    ax.set_xlabel(label("tpc_axis", "tokens per chip"))
    ax.set_ylabel(label("layer_s_axis", "seconds per layer"))
    ax.set_title(tr(f"{c.name}, {strategy} on {chip_name}", f"{c.name}：{chip_name} 上的 {strategy}"))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
