"""pandas tables built from llmcalc's formulas (imports pandas; the formula modules never do)."""

from __future__ import annotations

import pandas as pd

from . import _validate as v
from .flops import forward_flops_breakdown
from .models import PRESETS, ModelConfig, preset
from .params import active_param_count, param_breakdown, param_count


def fmt_count(n: float) -> str:
    """A count with a B/M/K suffix (1e9/1e6/1e3), e.g. 70.55B."""
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= div:
            return f"{n / div:,.2f}{suffix}"
    return f"{n:,.0f}"


def shape_table(names=None) -> pd.DataFrame:
    """The symbol table (L, D, F, N, K, H, V, E, k) of several presets, one row each."""
    rows = []
    for name in names or PRESETS:
        c = preset(name) if isinstance(name, str) else name
        rows.append(dict(model=c.name, L=c.L, D=c.D, F=c.F, N=c.N, K=c.K, H=c.H, V=c.V,
                         E=c.E or None, k=c.k or None, tied=c.tied_embeddings))
    return pd.DataFrame(rows).set_index("model")


def params_table(names=None) -> pd.DataFrame:
    """Exact total and active parameters of several presets, with their shares by component."""
    rows = []
    for name in names or PRESETS:
        c = preset(name) if isinstance(name, str) else name
        b = param_breakdown(c)
        total = sum(b.values())
        row = dict(model=c.name, params=total, active=active_param_count(c))
        row.update({f"{k} %": round(100 * v / total, 1) for k, v in b.items() if v})
        rows.append(row)
    return pd.DataFrame(rows).set_index("model").fillna(0.0)


@v.takes_config
def breakdown_table(cfg: ModelConfig) -> pd.DataFrame:
    """One model's parameters by component: count and share of the total."""
    b = param_breakdown(cfg)
    total = param_count(cfg)
    df = pd.DataFrame({"params": pd.Series(b), "share %": pd.Series({k: round(100 * v / total, 2) for k, v in b.items()})})
    df.loc["total"] = [total, 100.0]
    return df


@v.takes_config
def flops_table(cfg: ModelConfig, batch: int, seq_len: int, causal: bool = True) -> pd.DataFrame:
    """Forward matmul FLOPs by component (and share) for one forward over batch × seq_len tokens."""
    b = forward_flops_breakdown(cfg, batch, seq_len, causal)
    total = sum(b.values())
    df = pd.DataFrame({"FLOPs": pd.Series(b), "share %": pd.Series({k: round(100 * v / total, 2) for k, v in b.items()})})
    df.loc["total"] = [total, 100.0]
    return df
