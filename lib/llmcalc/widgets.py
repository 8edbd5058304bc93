"""Slider explorers for the chapters: sliders → a pure llmcalc function → a table, a summary and a plot.

Each factory returns an :class:`Explorer`. Moving a control recomputes at once (observers run
synchronously), so tests can set ``explorer.controls["D"].value = ...`` and read
``explorer.summary`` without a browser. Explorers only call llmcalc formulas; they restate none.
Bad combinations (say K no longer divides N) show the library's error message instead of numbers.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import _validate as _v  # noqa: E402
from . import flops as _flops, hardware as _hw, params as _params, timecost as _time  # noqa: E402
from .models import PRESETS, ModelConfig, preset  # noqa: E402
from .tables import fmt_count  # noqa: E402

from .labels import label as _label, set_labels  # noqa: E402,F401  (one store with plots)


@dataclass
class Result:
    """What an explorer shows: headline numbers, a table, and the data for its plot."""

    summary: dict[str, Any]
    table: pd.DataFrame | None = None
    plot: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class Explorer:
    """A panel of controls driving one llmcalc computation, with a summary line, a table and a plot."""

    def __init__(self, title: str, controls: dict[str, w.Widget], compute: Callable[[dict], Result],
                 draw: Callable[[Any, Result], None] | None = None, presets_control: str | None = "preset",
                 figsize=(6.4, 3.2)):
        self.title = title
        self.controls = controls
        self._compute = compute
        self._draw = draw
        self._busy = False
        self.summary_html = w.HTML()
        self.table_html = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="640px")) if draw else None
        self.fig, self.ax = (plt.subplots(figsize=figsize) if draw else (None, None))
        if self.fig is not None:
            # fixed margins: constrained/tight layout would cost a second full draw on every update
            self.fig.subplots_adjust(left=0.2, bottom=0.17, right=0.97, top=0.95)
            plt.close(self.fig)  # drawn into the Image widget only, never shown twice by the inline backend
        for ctl in controls.values():
            ctl.observe(self._on_change, names="value")
        if presets_control and presets_control in controls:
            controls[presets_control].observe(self._on_preset, names="value")
        boxes = [w.HTML(f"<b>{title}</b>"), w.HBox([w.VBox(list(controls.values())[i::2]) for i in range(2)]),
                 self.summary_html, self.table_html]
        if self.image is not None:
            boxes.append(self.image)
        self.widget = w.VBox(boxes)
        self.result: Result | None = None
        self._on_preset_hook: Callable[[ModelConfig], dict] | None = None
        self.update()

    # ----- events --------------------------------------------------------------------------------
    def _on_change(self, change):
        if self._busy:
            return
        if self._on_preset_hook is not None and change["owner"] is self.controls.get("preset"):
            return  # _on_preset loads the model's shape and recomputes once
        self.update()

    def _on_preset(self, change):
        if self._on_preset_hook is not None:
            self.set_values(**self._on_preset_hook(preset(change["new"])))

    def set_values(self, **values) -> "Result":
        """Set several controls at once and recompute once.

        Each value is checked first, with the library's validators: a whole-number slider takes only a
        whole number (1.5 is refused, not shown as 1), a slider's range widens to include the value (a log
        slider's exponents too) instead of clamping it, a dropdown takes only one of its options. A value
        that is refused leaves every control as it was and shows the error where the numbers would be:
        nothing raises out of an explorer."""
        try:
            checked = {key: self._checked_value(key, value) for key, value in values.items()}
        except ValueError as e:
            return self._show_error(str(e))
        self._busy = True
        try:
            for key, value in checked.items():
                ctl = self.controls[key]
                if isinstance(ctl, w.FloatLogSlider):
                    exp = math.log(value, ctl.base)
                    ctl.max, ctl.min = max(ctl.max, math.ceil(exp)), min(ctl.min, math.floor(exp))
                elif isinstance(ctl, (w.IntSlider, w.FloatSlider)):
                    ctl.max, ctl.min = max(ctl.max, value), min(ctl.min, value)
                ctl.value = value
        except Exception as e:  # noqa: BLE001 - a widget trait that still refuses: shown, never raised
            return self._show_error(f"{key}: {e}")
        finally:
            self._busy = False
        return self.update()

    def _checked_value(self, key: str, value):
        if key not in self.controls:
            raise ValueError(f"{key!r} is not a control of this explorer; its controls are {list(self.controls)}")
        ctl = self.controls[key]
        if isinstance(ctl, w.IntSlider):
            return _v.positive_int(key, value, allow_zero=ctl.min <= 0)
        if isinstance(ctl, w.FloatLogSlider):
            x = float(_v.positive_number(key, value))
            exp = math.log(x, ctl.base)
            if not -300 <= exp <= 300:
                raise ValueError(f"{key} must be a number in [{ctl.base}^-300, {ctl.base}^300], got {value!r}")
            return x
        if isinstance(ctl, w.FloatSlider):
            return float(_v._real(key, value, "a finite number"))
        if isinstance(ctl, w.Dropdown):
            options = [o[1] if isinstance(o, tuple) else o for o in ctl.options]
            return _v.choice(key, value, options)
        if isinstance(ctl, (w.Checkbox, w.ToggleButton)):
            return _v.flag(key, value)
        return value

    def _show_error(self, message: str) -> "Result":
        self.result = Result(summary={}, error=message)
        self.summary_html.value = f"<span style='color:#b00'>⚠ {message}</span>"
        self.table_html.value = ""
        return self.result

    def values(self) -> dict[str, Any]:
        return {k: c.value for k, c in self.controls.items()}

    def update(self) -> Result:
        try:
            result = self._compute(self.values())
        except ValueError as e:
            result = Result(summary={}, error=str(e))
        except Exception as e:  # noqa: BLE001 - never raise out of a widget; say what happened instead
            result = Result(summary={}, error=f"{type(e).__name__}: {e}")
        self.result = result
        if result.error:
            self.summary_html.value = f"<span style='color:#b00'>⚠ {result.error}</span>"
            self.table_html.value = ""
            return result
        self.summary_html.value = " &nbsp;|&nbsp; ".join(f"<b>{k}</b>: {_fmt(v)}" for k, v in result.summary.items())
        self.table_html.value = result.table.to_html(float_format=lambda x: f"{x:,.4g}") if result.table is not None else ""
        if self._draw is not None:
            self._draw(self.ax, result)  # draw functions update their artists in place (clearing is slow)
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=80, pil_kwargs={"compress_level": 1})  # fast zlib: speed over bytes
            self.image.value = buf.getvalue()
        return result

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.result.summary) if self.result else {}

    def print_summary(self) -> None:
        """Print the numbers the explorer shows now (for a compared notebook cell)."""
        if self.result.error:
            print("error:", self.result.error)
        for k, v in self.result.summary.items():
            print(f"{k}: {_fmt(v)}")

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def _plain_log_ticks(ax) -> None:
    """Log axes without minor ticks and with plain tick labels ("1e+03", not mathtext 10³): parsing
    mathtext labels on every redraw costs more than everything else an update does."""
    from matplotlib.ticker import FuncFormatter

    ax.minorticks_off()
    plain = FuncFormatter(lambda x, _: f"{x:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.yaxis.set_major_formatter(plain)


def _fmt(v) -> str:
    if isinstance(v, bool) or isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.3e}"
    return str(v)


# ----- controls ----------------------------------------------------------------------------------

def _int_slider(key, value, lo, hi, step=1, desc=None):
    return w.IntSlider(value=value, min=lo, max=max(hi, value), step=step, description=_label(key, desc or key),
                       continuous_update=False, style={"description_width": "initial"})


def _log_slider(key, value, lo, hi, desc=None, fmt=".3g"):
    import math
    return w.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi), step=0.05,
                            description=_label(key, desc or key), readout_format=fmt, continuous_update=False,
                            style={"description_width": "initial"})


def _preset_dropdown(name):
    return w.Dropdown(options=list(PRESETS), value=name, description=_label("preset", "Preset"))


def _shape_controls(cfg: ModelConfig, moe: bool = True) -> dict[str, w.Widget]:
    ctl = {
        "L": _int_slider("L", cfg.L, 1, 160),
        "D": _int_slider("D", cfg.D, 128, 32768, step=128),
        "F": _int_slider("F", cfg.F, 128, 131072, step=128),
        "N": _int_slider("N", cfg.N, 1, 256),
        "K": _int_slider("K", cfg.K, 1, 256),
        "V": _int_slider("V", cfg.V, 1000, 262144, step=8),
    }
    if moe:
        ctl["E"] = _int_slider("E", cfg.E, 0, 256)
        ctl["k"] = _int_slider("k", cfg.k, 0, 16)
    return ctl


def _shape_from(cfg: ModelConfig, moe: bool = True) -> dict[str, int]:
    d = dict(L=cfg.L, D=cfg.D, F=cfg.F, N=cfg.N, K=cfg.K, V=cfg.V)
    if moe:
        d.update(E=cfg.E, k=cfg.k)
    return d


def model_from_values(values: dict[str, Any]) -> ModelConfig:
    """The preset chosen in ``values["preset"]`` with the shape sliders' values applied."""
    base = preset(values["preset"])
    changes = {k: values[k] for k in ("L", "D", "F", "N", "K", "V") if k in values}
    if "E" in values:
        if values["E"] == 0:
            changes.update(E=0, k=0, F_expert=None, F_shared=0, dense_layers=0, shared_expert_gate=False)
        else:
            changes.update(E=values["E"], k=values["k"])
            if not base.is_moe:
                changes.update(F_expert=values.get("F", base.F))
    if "H" not in changes and ("D" in changes or "N" in changes) and base.H * base.N == base.D:
        changes["H"] = None
    return base.replace(**changes)


# ----- chapter 1: parameters ---------------------------------------------------------------------

def params_explorer(name: str = "llama-3-70b") -> Explorer:
    """Sliders for L, D, F, N, K, V (and E, k): exact parameters by component, and their shares."""
    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg)}

    def compute(v):
        c = model_from_values(v)
        b = _params.param_breakdown(c)
        total = sum(b.values())
        table = pd.DataFrame({"params": pd.Series(b), "share %": pd.Series({k: 100 * x / total for k, x in b.items()})})
        summary = {"total params": total, "active params": _params.active_param_count(c), "total": fmt_count(total)}
        return Result(summary, table, {"shares": {k: x / total for k, x in b.items() if x}})

    def draw(ax, r):
        ax.clear()
        shares = r.plot["shares"]
        ax.barh(list(shares), [100 * s for s in shares.values()], color="#4C72B0")
        ax.set_xlabel(_label("share_axis", "share of parameters (%)"))
        ax.set_xlim(0, 100)
        ax.invert_yaxis()

    ex = Explorer(_label("params_title", "Where the parameters live"), controls, compute, draw)
    ex._on_preset_hook = _shape_from
    return ex


# ----- chapter 2: FLOPs and time -----------------------------------------------------------------

def flops_explorer(name: str = "llama-3-70b", chip: str = "TPU v5p") -> Explorer:
    """Sliders for the shape, T, training tokens, chips and MFU: FLOPs per token, total FLOPs, days."""
    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg, moe=False),
                "seq_len": _int_slider("seq_len", 4096, 128, 131072, step=128, desc="T"),
                "tokens": _log_slider("tokens", 15e12, 1e9, 1e14, desc="tokens"),
                "batch": _log_slider("batch", 4 * 2**20, 2**14, 2**26, desc="batch (tokens/step)", fmt=".3s"),
                "chip": w.Dropdown(options=list(_hw.CHIPS), value=chip, description=_label("chip", "Chip")),
                "chips": _int_slider("chips", 8960, 1, 65536, desc="chips"),
                "mfu": w.FloatSlider(value=0.4, min=0.05, max=1.0, step=0.01, description=_label("mfu", "MFU"),
                                     continuous_update=False)}

    def compute(v):
        c = model_from_values(v)
        per_token_6p = _flops.flops_per_token(c)
        per_token = _flops.training_flops_per_token(c, v["seq_len"], causal=True)
        total = per_token * v["tokens"]
        days = _time.training_days(total, v["chips"], v["chip"], v["mfu"])
        steps = v["tokens"] / v["batch"]
        summary = {"6P FLOPs/token": per_token_6p, "exact FLOPs/token": per_token,
                   "attention share": _flops.attention_score_fraction(c, v["seq_len"]),
                   "total FLOPs": total, "steps": steps, "FLOPs/step": total / steps,
                   "seconds/step": _time.training_seconds(total / steps, v["chips"], v["chip"], v["mfu"]),
                   "days": days, "chip-hours": _time.chip_hours(total, v["chip"], v["mfu"])}
        chips = [2 ** i for i in range(6, 17)]
        curves = {m: [_time.training_days(total, n, v["chip"], m) for n in chips] for m in (0.2, 0.4, 0.6)}
        return Result(summary, None, {"chips": chips, "curves": curves, "here": (v["chips"], days)})

    def draw(ax, r):
        curves = r.plot["curves"]
        if not ax.lines:
            for m, ys in curves.items():
                ax.loglog(r.plot["chips"], ys, label=f"MFU {m:.0%}")
            ax.plot(*r.plot["here"], "o", color="k")
            ax.set_xlabel(_label("chips_axis", "chips")); ax.set_ylabel(_label("days_axis", "days"))
            ax.grid(True, which="major", alpha=0.3); ax.legend()
            _plain_log_ticks(ax)
        for line, ys in zip(ax.lines, curves.values()):
            line.set_ydata(ys)
        ax.lines[-1].set_data([r.plot["here"][0]], [r.plot["here"][1]])
        ys = [y for c in curves.values() for y in c] + [r.plot["here"][1]]
        ax.set_ylim(min(ys) / 1.5, max(ys) * 1.5)
        ax.set_xlim(min(r.plot["chips"] + [r.plot["here"][0]]) / 1.5, max(r.plot["chips"] + [r.plot["here"][0]]) * 1.5)

    ex = Explorer(_label("flops_title", "FLOPs and training time"), controls, compute, draw)
    ex._on_preset_hook = lambda c: _shape_from(c, moe=False)
    return ex


# ----- chapter 3: memory -------------------------------------------------------------------------

def memory_explorer(name: str = "llama-3-70b", chip: str = "H100") -> Explorer:
    """Sliders for micro-batch, T, ZeRO stage, DP/TP/PP, sequence parallel, recompute policy and
    precision regime: bytes per device by term, stacked against the chip's HBM."""
    from . import memory as _mem

    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg, moe=False),
                "micro_batch": _int_slider("micro_batch", 1, 1, 64, desc="micro-batch b"),
                "seq_len": _int_slider("seq_len", 4096, 128, 131072, step=128, desc="T"),
                "regime": w.Dropdown(options=list(_mem.REGIMES), value="mixed", description=_label("regime", "regime")),
                "zero_stage": _int_slider("zero_stage", 1, 0, 3, desc="ZeRO stage"),
                "dp": _int_slider("dp", 64, 1, 4096, desc="DP"),
                "tp": _int_slider("tp", 8, 1, 64, desc="TP"),
                "pp": _int_slider("pp", 4, 1, 64, desc="PP"),
                "sp": w.Checkbox(value=True, description=_label("sp", "sequence parallel")),
                "recompute": w.Dropdown(options=list(_mem.RECOMPUTE), value="selective",
                                        description=_label("recompute", "recompute")),
                "chip": w.Dropdown(options=[c for c, x in _hw.CHIPS.items()], value=chip,
                                   description=_label("chip", "Chip"))}

    def compute(v):
        c = model_from_values(v)
        b = _mem.training_bytes_per_device(
            c, v["micro_batch"], v["seq_len"], regime=v["regime"], zero_stage=v["zero_stage"], dp=v["dp"],
            tp=v["tp"], pp=v["pp"], sp=v["sp"], recompute=v["recompute"])
        states = _mem.model_state_breakdown(c, v["regime"], v["zero_stage"], v["dp"], model_parallel=v["tp"] * v["pp"])
        hbm = _hw.chip(v["chip"]).hbm_bytes
        parts = {"weights": states["weights"], "grads": states["grads"], "master": states["master"],
                 "optimizer": states["optimizer"], "activations": b["activations"], "logits": b["logits"]}
        table = pd.DataFrame({"GB": pd.Series({k: x / 1e9 for k, x in parts.items()})})
        table.loc["total"] = [b["total"] / 1e9]
        summary = {"total GB/device": b["total"] / 1e9, "HBM GB": hbm / 1e9,
                   "fits": bool(_mem.fits(b["total"], v["chip"])), "chips": v["dp"] * v["tp"] * v["pp"]}
        return Result(summary, table, {"parts": parts, "hbm": hbm})

    def draw(ax, r):
        ax.clear()
        bottom = 0.0
        for k, x in r.plot["parts"].items():
            ax.bar([0], [x / 1e9], bottom=bottom, label=_label(k, k), width=0.5)
            bottom += x / 1e9
        ax.axhline(r.plot["hbm"] / 1e9, color="k", ls="--", label=_label("hbm", "HBM"))
        ax.set_xticks([]); ax.set_xlim(-0.6, 1.6)
        ax.set_ylabel(_label("gb_axis", "GB per device"))
        ax.legend(loc="upper right", fontsize=8)

    ex = Explorer(_label("memory_title", "Memory per device"), controls, compute, draw)
    ex._on_preset_hook = lambda c: _shape_from(c, moe=False)
    return ex


# ----- chapter 4: sharding -----------------------------------------------------------------------

def sharding_explorer(name: str = "llama-3-70b", chip: str = "TPU v5p") -> Explorer:
    """Compute vs communication time of one layer against tokens per chip (the roofline crossover),
    for DP, FSDP, TP or FSDP+TP on the chosen chip."""
    from .sharding import STRATEGIES as _STRATEGIES, layer_time

    cfg = preset(name)
    controls = {"preset": _preset_dropdown(name), **_shape_controls(cfg, moe=False),
                "chip": w.Dropdown(options=list(_hw.CHIPS), value=chip, description=_label("chip", "Chip")),
                "strategy": w.Dropdown(options=list(_STRATEGIES), value="FSDP",
                                       description=_label("strategy", "strategy")),
                "chips": _int_slider("chips", 8960, 2, 65536, desc="chips"),
                "tp": _int_slider("tp", 4, 1, 64, desc="TP (Y)"),
                "axes": _int_slider("axes", 3, 1, 3, desc="mesh axes"),
                "tokens_per_chip": _log_slider("tokens_per_chip", 468, 16, 65536, desc="tokens per chip", fmt=".0f")}

    def compute(v):
        c = model_from_values(v)
        args = dict(chips=v["chips"], tp=v["tp"], axes=v["axes"])
        t = layer_time(c, v["chip"], v["strategy"], v["tokens_per_chip"], **args)
        grid = [2 ** (i / 2) for i in range(8, 33)]
        curves = [layer_time(c, v["chip"], v["strategy"], x, **args) for x in grid]
        summary = {"compute ms/layer": 1e3 * t.compute_s, "comm ms/layer": 1e3 * t.comm_s,
                   "bound": t.bound, "links": t.links}
        return Result(summary, None, {"grid": grid, "compute": [x.compute_s for x in curves],
                                      "comm": [x.comm_s for x in curves], "here": v["tokens_per_chip"]})

    def draw(ax, r):
        p = r.plot
        if not ax.lines:
            ax.loglog(p["grid"], p["compute"], label=_label("compute", "compute"))
            ax.loglog(p["grid"], p["comm"], label=_label("communication", "communication"))
            ax.axvline(p["here"], color="k", ls=":")
            ax.set_xlabel(_label("tpc_axis", "tokens per chip")); ax.set_ylabel(_label("layer_s_axis", "seconds per layer"))
            ax.grid(True, which="major", alpha=0.3); ax.legend()
            _plain_log_ticks(ax)
        ax.lines[0].set_ydata(p["compute"]); ax.lines[1].set_ydata(p["comm"])
        ax.lines[2].set_xdata([p["here"], p["here"]])
        ys = [y for y in p["compute"] + p["comm"] if y > 0]
        ax.set_ylim(min(ys) / 2, max(ys) * 2)

    ex = Explorer(_label("sharding_title", "Compute vs communication per layer"), controls, compute, draw)
    ex._on_preset_hook = lambda c: _shape_from(c, moe=False)
    return ex


# ----- chapter 5: the planner --------------------------------------------------------------------

_STEP_PARTS = ("compute_s", "elementwise_s", "tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s", "bubble_s",
               "dp_exposed_s", "optimizer_s")


def planner_explorer(name: str = "llama-3.1-405b", chip: str = "H100") -> Explorer:
    """Sliders for chips, global batch (sequences), sequence length and kernel efficiency: the best
    layouts ``llmcalc.planner.search`` finds, their memory, MFU and where each step's time goes."""
    from . import planner as _planner
    from .planner import layout_name

    controls = {"preset": _preset_dropdown(name),
                "chip": w.Dropdown(options=list(_hw.CHIPS), value=chip, description=_label("chip", "Chip")),
                "chips": _int_slider("chips", 16384, 1024, 73728, step=1024, desc="chips"),
                "batch_seqs": _int_slider("batch_seqs", 2048, 256, 8192, step=256, desc="batch (sequences)"),
                "seq_len": _int_slider("seq_len", 8192, 1024, 131072, step=1024, desc="T"),
                "efficiency": w.FloatSlider(value=1.0, min=0.3, max=1.0, step=0.05,
                                            description=_label("efficiency", "kernel efficiency"),
                                            continuous_update=False, style={"description_width": "initial"})}

    def compute(v):
        cfg = preset(v["preset"])
        df = _planner.search(cfg, v["chip"], v["chips"], v["batch_seqs"] * v["seq_len"], v["seq_len"],
                             compute_efficiency=v["efficiency"], top=5)
        best = df.iloc[0]
        summary = {"best layout": layout_name(best), "GB/device": float(best["memory_gib"]) * 2**30 / 1e9,
                   "step s": float(best["step_s"]), "MFU": float(best["mfu"]),
                   "layouts": df.attrs["evaluated"], "accepted": df.attrs["accepted"]}
        table = pd.DataFrame({"layout": [layout_name(r) for _, r in df.iterrows()],
                              "GB": df["memory_gib"].to_numpy() * 2**30 / 1e9, "step s": df["step_s"].to_numpy(),
                              "MFU": df["mfu"].to_numpy()})
        parts = {k: df[k].to_numpy() for k in _STEP_PARTS}
        return Result(summary, table, {"parts": parts, "names": table["layout"].tolist()})

    def draw(ax, r):
        # the bars are made once and then moved (clearing and redrawing the axes is slow)
        parts = r.plot["parts"]
        rows = 5
        if not ax.patches:
            y = list(range(rows))[::-1]
            for k in _STEP_PARTS:
                ax.barh(y, [0.0] * rows, label=_label(k, k[:-2].replace("_", " ")), height=0.6)
            ax.set_yticks(y)
            ax.set_yticklabels([f"#{i + 1}" for i in range(rows)])
            ax.set_xlabel(_label("step_axis", "seconds per step"))
            ax.legend(loc="center right", fontsize=7)
        left = [0.0] * rows
        for container, k in zip(ax.containers, _STEP_PARTS):
            xs = list(parts[k]) + [0.0] * (rows - len(parts[k]))
            for i, (bar, x) in enumerate(zip(container.patches, xs)):
                bar.set_x(left[i])
                bar.set_width(x)
                left[i] += x
        ax.set_xlim(0, max(left) * 1.5)  # room on the right for the legend

    return Explorer(_label("planner_title", "Best layouts (llmcalc.planner)"), controls, compute, draw)
