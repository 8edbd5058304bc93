"""pandas tables built from llmcalc's formulas (imports pandas; the formula modules never do).

Each table keeps English keys as its row and column names ("params", "share %", "attention_proj",
"total"), so code that reads a table (``df.loc["total"]``, ``formatters={"params": ...}``) is the same in
both editions; only what is shown (the printed text, the notebook's HTML) uses the current language's
names, through :func:`llmcalc.labels.label`.
"""

from __future__ import annotations

import pandas as pd

from . import _validate as v
from .flops import forward_flops_breakdown
from .i18n import current
from .labels import label
from .models import PRESETS, ModelConfig, preset
from .params import active_param_count, param_breakdown, param_count


def _shown_name(name):
    """The current language's text for a row or column key; "<key> %" keeps its " %"; non-strings as they are."""
    if not isinstance(name, str):
        return name
    if name.endswith(" %"):
        stem = name[:-2]
        return f"{label(stem, stem)} %"
    return label(name, name)


class Table(pd.DataFrame):
    """A DataFrame with English keys that prints its row and column names in the current language.

    ``loc``, ``astype``, ``fillna`` and the like return a Table again (the keys stay English); ``shown()``
    gives the plain DataFrame a reader sees.
    """

    @property
    def _constructor(self):
        return Table

    def shown(self) -> pd.DataFrame:
        """A plain copy with the row names, column names, index name and yes/no values in the current language."""
        plain = pd.DataFrame(self).rename(index=_shown_name, columns=_shown_name)
        if current() == "zh":   # True/False read as 是/否 in Chinese
            for col in plain.columns[(plain.dtypes == bool).to_numpy()]:
                plain[col] = plain[col].map({True: "是", False: "否"})
        plain.index.name = _shown_name(self.index.name)
        plain.columns.name = _shown_name(self.columns.name)
        return plain

    def _shown_formatters(self, formatters):
        if isinstance(formatters, dict):
            return {_shown_name(k): f for k, f in formatters.items()}
        return formatters

    def to_string(self, *args, formatters=None, **kwargs):
        return self.shown().to_string(*args, formatters=self._shown_formatters(formatters), **kwargs)

    def to_html(self, *args, formatters=None, **kwargs):
        return self.shown().to_html(*args, formatters=self._shown_formatters(formatters), **kwargs)

    def __repr__(self) -> str:
        return repr(self.shown())

    def _repr_html_(self):
        return self.shown()._repr_html_()


def fmt_count(n: float) -> str:
    """A count with a short suffix: in English T/B/M/K (1e12/1e9/1e6/1e3), e.g. 70.55B; in Chinese
    万亿/亿/万 (1e12/1e8/1e4), e.g. 705.54 亿, the units Chinese readers count in."""
    steps = ((1e12, " 万亿"), (1e8, " 亿"), (1e4, " 万")) if current() == "zh" else \
        ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
    for div, suffix in steps:
        if abs(n) >= div:
            return f"{n / div:,.2f}{suffix}"
    return f"{n:,.0f}"


def shape_table(names=None) -> Table:
    """The symbol table (L, D, F, N, K, H, V, E, k) of several presets, one row each."""
    rows = []
    for name in names or PRESETS:
        c = preset(name) if isinstance(name, str) else name
        rows.append(dict(model=c.name, L=c.L, D=c.D, F=c.F, N=c.N, K=c.K, H=c.H, V=c.V,
                         E=c.E or None, k=c.k or None, tied=c.tied_embeddings))
    return Table(pd.DataFrame(rows).set_index("model"))


def params_table(names=None) -> Table:
    """Exact total and active parameters of several presets, with their shares by component."""
    rows = []
    for name in names or PRESETS:
        c = preset(name) if isinstance(name, str) else name
        b = param_breakdown(c)
        total = sum(b.values())
        row = dict(model=c.name, params=total, active=active_param_count(c))
        row.update({f"{k} %": round(100 * v / total, 1) for k, v in b.items() if v})
        rows.append(row)
    return Table(pd.DataFrame(rows).set_index("model").fillna(0.0))


@v.takes_config
def breakdown_table(cfg: ModelConfig) -> Table:
    """One model's parameters by component: count and share of the total."""
    b = param_breakdown(cfg)
    total = param_count(cfg)
    df = pd.DataFrame({"params": pd.Series(b), "share %": pd.Series({k: round(100 * v / total, 2) for k, v in b.items()})})
    df.loc["total"] = [total, 100.0]
    return Table(df)


@v.takes_config
def flops_table(cfg: ModelConfig, batch: int, seq_len: int, causal: bool = True) -> Table:
    """Forward matmul FLOPs by component (and share) for one forward over batch × seq_len tokens."""
    b = forward_flops_breakdown(cfg, batch, seq_len, causal)
    total = sum(b.values())
    df = pd.DataFrame({"FLOPs": pd.Series(b), "share %": pd.Series({k: round(100 * v / total, 2) for k, v in b.items()})})
    df.loc["total"] = [total, 100.0]
    return Table(df)
