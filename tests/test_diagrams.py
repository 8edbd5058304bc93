"""Diagrams: each picture is checked against the formula it illustrates, with expected values worked out by hand
here (or printed by the source named), and against what the figure really drew (its patches, its extents).

Hand cases: GPipe/1F1B bubble (p − 1)/(m + p − 1) with p = 4, m = 8 is 3/11 (Huang et al. 2019; Narayanan et al.
2021); interleaved (p − 1)/(v·m + p − 1) with v = 2 is 3/19 (Narayanan et al. 2021); a ring all-gather of V over
n chips moves (n − 1)/n · S per link (*How To Scale Your Model*, part 3, sharding.md: "N − 1 hops of size total
size / N per-link" in one direction); the v5e's ridge is 1.97e14 / 8.2e11 ≈ 240 FLOPs per byte and a bf16 matmul's
intensity is 2BDF / (2BD + 2DF + 2BF) (*How To Scale Your Model*, part 1 "All About Rooflines", roofline.md).
Checked against github.com/jax-ml/scaling-book at commit 0819a7d."""

import math
import warnings
from fractions import Fraction

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import llmcalc  # noqa: E402
from llmcalc import diagrams as G  # noqa: E402
from llmcalc import sharding as S  # noqa: E402
from llmcalc.peak_memory import peak_training_bytes, peak_training_moments  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----- pipeline schedules ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["gpipe", "1f1b"])
def test_pipeline_p4_m8_bubble_is_3_over_11(kind):
    # (p − 1)/(m + p − 1) = 3 / (8 + 3) = 3/11 = 0.2727…
    d = G.pipeline_schedule(4, 8, kind=kind)
    assert d.bubble_fraction == pytest.approx(3 / 11, abs=1e-12)
    # time unit: one stage's forward of one micro-batch = 1, backward = 2; the step is (m + p − 1)·(1 + 2) = 33
    assert d.makespan == pytest.approx(33)
    # busy area = p · m · 3 = 96; idle = 4·33 − 96 = 36 = 3/11 of 132
    assert d.idle_area == pytest.approx(36)
    assert d.total_area == pytest.approx(132)


def test_pipeline_interleaved_p4_m8_v2_bubble_is_3_over_19():
    # (p − 1)/(v·m + p − 1) = 3 / (16 + 3); the step is m·3 + (p − 1)·3/v = 24 + 4.5 = 28.5
    d = G.pipeline_schedule(4, 8, 2, kind="interleaved")
    assert d.bubble_fraction == pytest.approx(3 / 19, abs=1e-12)
    assert d.makespan == pytest.approx(28.5)


@pytest.mark.parametrize("p", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("m", [1, 2, 3, 5, 8, 16])
def test_pipeline_gpipe_and_1f1b_shaded_share_equals_library_bubble(p, m):
    for kind in ("gpipe", "1f1b"):
        d = G.pipeline_schedule(p, m, kind=kind)
        assert d.bubble_fraction == pytest.approx(S.pipeline_bubble_fraction(p, m), abs=1e-12), kind
        # and the closed form written out: (p − 1)/(m + p − 1)
        assert d.bubble_fraction == pytest.approx(float(Fraction(p - 1, m + p - 1)), abs=1e-12)


@pytest.mark.parametrize("p,m,v", [(2, 2, 2), (2, 6, 3), (4, 4, 2), (4, 8, 4), (4, 12, 3), (8, 16, 2), (3, 9, 2)])
def test_pipeline_interleaved_shaded_share_equals_library_bubble(p, m, v):
    d = G.pipeline_schedule(p, m, v, kind="interleaved")
    assert d.bubble_fraction == pytest.approx(S.pipeline_bubble_fraction(p, m, v), abs=1e-12)
    assert d.bubble_fraction == pytest.approx(float(Fraction(p - 1, v * m + p - 1)), abs=1e-12)


@pytest.mark.parametrize("ratio", [1.0, 3.0])
def test_pipeline_bubble_does_not_depend_on_backward_ratio(ratio):
    # the bubble is (p − 1) slots of (forward + backward) whatever their ratio
    for kind, v in (("gpipe", 1), ("1f1b", 1), ("interleaved", 2)):
        d = G.pipeline_schedule(4, 8, v, kind=kind, backward_ratio=ratio)
        assert d.bubble_fraction == pytest.approx(3 / (v * 8 + 3), abs=1e-12)


def test_pipeline_drawn_hatched_area_is_the_idle_area():
    d = G.pipeline_schedule(4, 8, kind="1f1b")
    ax = d.fig.axes[0]
    hatched = [r for r in ax.patches if isinstance(r, Rectangle) and r.get_hatch() == "///"]
    assert sum(r.get_width() * r.get_height() for r in hatched) == pytest.approx(d.idle_area * 0.84)
    blocks = [r for r in ax.patches if isinstance(r, Rectangle) and not r.get_hatch()]
    assert len(blocks) == 2 * 4 * 8          # one forward and one backward per micro-batch per device
    assert ax.get_xlim() == pytest.approx((0, d.makespan))


@pytest.mark.parametrize("p", [1, 2, 4, 16])
def test_pipeline_legend_and_labels_clear_of_the_chart(p):
    d = G.pipeline_schedule(p, 16)
    d.fig.canvas.draw()
    ax = d.fig.axes[0]
    renderer = d.fig.canvas.get_renderer()
    legend = d.fig.legends[0].get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))
    assert not legend.overlaps(ax.xaxis.label.get_window_extent(renderer))


def test_pipeline_schedule_is_consistent():
    # every device runs m·v forwards and m·v backwards, never two at once, each after its input exists
    p, m, v = 4, 8, 2
    d = G.pipeline_schedule(p, m, v, kind="interleaved")
    end = {}
    for b in d.blocks:
        s = b["chunk"] * p + b["device"]
        end[(b["op"], s, b["microbatch"])] = (b["start"], b["start"] + b["duration"])
    for dev in range(p):
        mine = sorted((b for b in d.blocks if b["device"] == dev), key=lambda b: b["start"])
        assert sum(b["op"] == "F" for b in mine) == sum(b["op"] == "B" for b in mine) == m * v
        for a, b in zip(mine, mine[1:]):
            assert a["start"] + a["duration"] <= b["start"] + 1e-12
    S_virt = p * v
    for (op, s, i), (start, _) in end.items():
        if op == "F" and s > 0:
            assert end[("F", s - 1, i)][1] <= start + 1e-12
        if op == "B":
            before = ("B", s + 1, i) if s < S_virt - 1 else ("F", s, i)
            assert end[before][1] <= start + 1e-12


def test_pipeline_in_flight_micro_batches():
    # GPipe keeps all m micro-batches' activations; 1F1B at most p − r on device r (Narayanan et al. 2021: at most
    # p in flight, against GPipe's m)
    assert G.pipeline_schedule(4, 8, kind="gpipe").in_flight_max == [8, 8, 8, 8]
    assert G.pipeline_schedule(4, 8, kind="1f1b").in_flight_max == [4, 3, 2, 1]
    assert G.pipeline_schedule(4, 2, kind="1f1b").in_flight_max == [2, 2, 2, 1]


@pytest.mark.parametrize("args,kwargs,field", [
    ((0, 8), {}, "p"), ((4, 0), {}, "m"), ((4, 8.5), {}, "m"), ((True, 8), {}, "p"), ((17, 32), {}, "p"),
    ((4, 8, 2), {"kind": "1f1b"}, "v"), ((4, 8, 2), {"kind": "gpipe"}, "v"),
    ((4, 8, 1), {"kind": "interleaved"}, "v"), ((4, 6, 2), {"kind": "interleaved"}, "m"),
    ((4, 8), {"kind": "zero-bubble"}, "kind"), ((4, 8), {"backward_ratio": 0}, "backward_ratio"),
    ((4, 8), {"figsize": (14, 3)}, "figsize"),
])
def test_pipeline_bad_input_names_the_field(args, kwargs, field):
    with pytest.raises(ValueError, match=field):
        G.pipeline_schedule(*args, **kwargs)


# ----- ring collectives --------------------------------------------------------------------------

def test_ring_all_gather_n4_bytes_by_hand():
    # S = 1e9 bytes over n = 4: 3 steps of S/4 = 2.5e8 bytes per link; 7.5e8 = (4 − 1)/4 · 1e9 in all
    d = G.ring_collective(4, "all-gather", 1e9, bandwidth=4.5e11)
    assert len(d.steps) == 3
    assert d.bytes_per_link_per_step == pytest.approx(2.5e8)
    assert d.bytes_per_link_total == pytest.approx(7.5e8)
    # 7.5e8 B / 4.5e11 B/s = 1.6667 ms, and the library's exact collective time says the same
    assert d.time_s == pytest.approx(7.5e8 / 4.5e11)
    assert d.time_s == pytest.approx(S.all_gather_time(1e9, 4, 4.5e11, exact=True))


@pytest.mark.parametrize("n", [2, 3, 5, 8, 12])
@pytest.mark.parametrize("kind", ["all-gather", "reduce-scatter"])
def test_ring_per_link_bytes_times_steps_is_n_minus_1_over_n(n, kind):
    V = 3.6e9
    d = G.ring_collective(n, kind, V, bandwidth=1e11)
    assert d.bytes_per_link_per_step * len(d.steps) == pytest.approx((n - 1) / n * V)
    exact = (S.all_gather_time if kind == "all-gather" else S.reduce_scatter_time)(V, n, 1e11, exact=True)
    assert d.time_s == pytest.approx(exact)


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_ring_steps_really_perform_the_collective(n):
    # run the drawn sends on numbers: each link carries one chunk per step, and the result is the collective's
    for kind in ("all-gather", "reduce-scatter"):
        d = G.ring_collective(n, kind)
        for sends in d.steps:
            assert sorted(s for s, _, _ in sends) == list(range(n))            # each chip sends once
            assert sorted(t for _, t, _ in sends) == list(range(n))            # and receives once
            assert all(t == (s + 1) % n for s, t, _ in sends)                 # to its ring neighbour
        if kind == "all-gather":
            have = [{i: 10 * i + 1} for i in range(n)]                        # chip i starts with chunk i
            for sends in d.steps:
                msgs = [(t, c, have[s][c]) for s, t, c in sends]              # a chip sends only what it has
                for t, c, val in msgs:
                    have[t][c] = val
            assert all(h == {c: 10 * c + 1 for c in range(n)} for h in have)
        else:
            part = [[100 * i + c for c in range(n)] for i in range(n)]        # chip i's partial value of chunk c
            for sends in d.steps:
                msgs = [(t, c, part[s][c]) for s, t, c in sends]
                for t, c, val in msgs:
                    part[t][c] += val
            for i in range(n):                                                 # chip i ends with chunk i summed
                assert part[i][i] == sum(100 * j + i for j in range(n))
                assert d.final_chunks[i] == {i}


@pytest.mark.parametrize("args,field", [((1,), "n"), ((13,), "n"), ((4, "all-reduce"), "kind"),
                                        ((4, "all-gather", -1), "bytes_total"), ((4, "all-gather", 1e9, 0), "bandwidth")])
def test_ring_bad_input_names_the_field(args, field):
    kwargs = {}
    if len(args) == 4:
        args, kwargs = args[:3], {"bandwidth": args[3]}
    with pytest.raises(ValueError, match=field):
        G.ring_collective(*args, **kwargs)


# ----- device mesh -------------------------------------------------------------------------------

@pytest.mark.parametrize("X,Y", [(1, 1), (4, 2), (2, 8), (16, 16)])
def test_mesh_draws_x_times_y_chips_whose_blocks_tile_w_in(X, Y):
    d = G.mesh(X, Y, D=4096, F=8192, B=256)
    assert len(d.cells) == X * Y
    assert len({(c["x"], c["y"]) for c in d.cells}) == X * Y
    assert len([p for p in d.fig.axes[0].patches if isinstance(p, Rectangle)]) == X * Y
    # the blocks tile W_in[D, F] exactly: equal areas D·F/(X·Y) that add up to D·F, no two the same
    areas = [(c["d_range"][1] - c["d_range"][0]) * (c["f_range"][1] - c["f_range"][0]) for c in d.cells]
    assert set(areas) == {4096 * 8192 // (X * Y)} and sum(areas) == 4096 * 8192
    assert len({(c["d_range"], c["f_range"]) for c in d.cells}) == X * Y
    for c in d.cells:   # chips in one row share their D block and their batch rows (FSDP axis), one column its F block
        assert c["d_range"] == (c["x"] * 4096 // X, (c["x"] + 1) * 4096 // X)
        assert c["f_range"] == (c["y"] * 8192 // Y, (c["y"] + 1) * 8192 // Y)
        assert c["b_range"] == (c["x"] * 256 // X, (c["x"] + 1) * 256 // X)
        if X * Y > 1:
            assert f"D/{X}" in c["label"] and f"F/{Y}" in c["label"]


def test_mesh_llama3_70b_shard_by_hand():
    # W_in of LLaMA 3-70B is 8192 × 28,672 = 234,881,024 values; over 4 × 2 chips 29,360,128 each
    d = G.mesh(4, 2, cfg="llama-3-70b")
    assert (d.D, d.F) == (8192, 28672)
    assert d.shard_elements == 29_360_128
    assert "W_in[D/4, F/2]" in d.fig.axes[0].get_title()


@pytest.mark.parametrize("kwargs,field", [({"X": 0, "Y": 2}, "X"), ({"X": 4, "Y": 17}, "Y"),
                                          ({"X": 3, "Y": 2, "D": 8192}, "D"), ({"X": 2, "Y": 3, "F": 8192}, "F"),
                                          ({"X": 2, "Y": 2, "cfg": 7}, "cfg")])
def test_mesh_bad_input_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        G.mesh(**kwargs)


# ----- tensor-parallel MLP -----------------------------------------------------------------------

def test_tp_mlp_llama3_70b_tp4_by_hand():
    d = G.tp_mlp(4)
    # F = 28,672 hidden units in 4 blocks of 7168
    assert d.w_in_columns == [(0, 7168), (7168, 14336), (14336, 21504), (21504, 28672)]
    assert d.w_out_rows == d.w_in_columns
    # one all-reduce after W_out of Out[B, D]: 8192 · 8192 · 2 bytes = 134,217,728 B; on H100 NVLink (4.5e11 B/s,
    # one way) 2V/W = 268,435,456 / 4.5e11 = 0.5965 ms
    assert [(c["name"], c["where"]) for c in d.collectives] == [("all-reduce", "after W_out")]
    assert d.collectives[0]["bytes"] == 134_217_728
    assert d.comm_time_s == pytest.approx(268_435_456 / 4.5e11)


def test_tp_mlp_sequence_parallel_same_bytes_as_all_reduce():
    # Korthikanti et al. 2022: all-gather before W_in + reduce-scatter after W_out move what one all-reduce moves
    plain, sp = G.tp_mlp(8), G.tp_mlp(8, sequence_parallel=True)
    assert [c["name"] for c in sp.collectives] == ["all-gather", "reduce-scatter"]
    assert [c["where"] for c in sp.collectives] == ["before W_in", "after W_out"]
    assert sp.comm_time_s == pytest.approx(plain.comm_time_s)
    assert G.tp_mlp(1).collectives == []


@pytest.mark.parametrize("args,kwargs,field", [((0,), {}, "tp"), ((9,), {}, "tp"), ((5,), {}, "F"),
                                               ((4, "yes"), {}, "sequence_parallel"),
                                               ((4, True), {"B": 4098}, "B")])
def test_tp_mlp_bad_input_names_the_field(args, kwargs, field):
    with pytest.raises(ValueError, match=field):
        G.tp_mlp(*args, **kwargs)


# ----- roofline ----------------------------------------------------------------------------------

def test_roofline_ridge_is_peak_over_hbm_bandwidth():
    # H100: 9.89e14 FLOP/s / 3.35e12 B/s = 295.22 FLOPs per byte (NVIDIA datasheet figures in llmcalc.hardware)
    d = G.roofline("H100")
    assert d.ridge_intensity == pytest.approx(295.2238806, rel=1e-9)
    h = llmcalc.chip("H100")
    assert d.ridge_intensity == pytest.approx(h.peak_flops / h.hbm_bytes_per_s)
    # TPU v5e: 1.97e14 / 8.2e11 = 240.24, the book's "about 240 FLOPs/byte"
    assert G.roofline("TPU v5e").ridge_intensity == pytest.approx(240.2439, rel=1e-6)


def test_matmul_intensity_by_hand():
    # [512, 8192] × [8192, 28672] bf16: FLOPs 2·512·8192·28672 = 240,518,168,576;
    # bytes 2·(512·8192 + 8192·28672 + 512·28672) = 2·(4,194,304 + 234,881,024 + 14,680,064) = 507,510,784
    assert G.matmul_intensity(512, 8192, 28672) == pytest.approx(240_518_168_576 / 507_510_784)
    assert G.matmul_intensity(512, 8192, 28672) == pytest.approx(473.9173554, rel=1e-9)
    # square: 2n³ / (2·3n²) = n/3
    assert G.matmul_intensity(4096, 4096, 4096) == pytest.approx(4096 / 3)
    # one token: 2DF / 2(D + DF + F) < 1 FLOP per byte (memory-bound on every chip)
    assert G.matmul_intensity(1, 8192, 8192) == pytest.approx(8192 * 8192 / (8192 + 8192 * 8192 + 8192))


def test_roofline_points_placed_on_the_roof():
    d = G.roofline("H100", [(1, 8192, 28672), ("big", 8192, 8192, 28672)])
    small, big = d.points
    assert small["bound"] == "memory" and big["bound"] == "compute"
    assert small["attainable_flops"] == pytest.approx(small["intensity"] * 3.35e12)
    assert big["attainable_flops"] == 9.89e14
    assert big["label"] == "big"
    # the markers are where the geometry says
    ax = d.fig.axes[0]
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in markers] == [
        (pytest.approx(p["intensity"]), pytest.approx(p["attainable_flops"])) for p in d.points]


def test_roofline_legend_covers_no_point():
    d = G.roofline("H100")
    d.fig.canvas.draw()
    ax = d.fig.axes[0]
    box = ax.get_legend().get_window_extent()
    for p in d.points:
        x, y = ax.transData.transform((p["intensity"], p["attainable_flops"]))
        assert not box.contains(x, y)


@pytest.mark.parametrize("args,field", [(("H100", [(0, 8192, 8192)]), "B"), (("H100", []), "points"),
                                        (("H100", [(1, 2)]), "points"), (("H1000",), "chip")])
def test_roofline_bad_input_names_the_field(args, field):
    with pytest.raises(ValueError, match=field):
        G.roofline(*args)


# ----- memory of one training step ---------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"checkpointing": True}, {"regime": "amp"}])
def test_step_memory_drawn_max_is_the_peak(kwargs):
    cfg = llmcalc.preset("llama-3-8b")
    d = G.step_memory(cfg, 1, 4096, chip="H100", **kwargs)
    peak = peak_training_bytes(cfg, 1, 4096, **kwargs)
    assert d.drawn_max_bytes == peak
    assert d.phase_bytes == peak_training_moments(cfg, 1, 4096, **kwargs)
    bars = [p for p in d.fig.axes[0].patches if isinstance(p, Rectangle) and p.get_height() > 0]
    assert len(bars) == 6
    assert max(b.get_height() for b in bars) * 1e9 == pytest.approx(peak, rel=1e-12)
    assert d.hbm_bytes == llmcalc.chip("H100").hbm_bytes


def test_step_memory_bad_input_names_the_field():
    with pytest.raises(ValueError, match="cfg"):
        G.step_memory(42)
    with pytest.raises(ValueError, match="micro_batch"):
        G.step_memory("llama-3-8b", 0)


# ----- readability and the Chinese edition -------------------------------------------------------

def _all_diagrams():
    return [G.mesh(4, 2, cfg="llama-3-70b"), G.tp_mlp(4, True), G.ring_collective(8, "reduce-scatter"),
            G.pipeline_schedule(8, 16, 2, kind="interleaved"), G.roofline("TPU v5p"),
            G.step_memory("llama-3-8b", 1, 4096, chip="H100")]


def test_every_figure_fits_a_page():
    for d in _all_diagrams():
        w, h = d.fig.get_size_inches()
        assert w <= 10 and h <= 10, type(d).__name__


def test_chinese_labels_render_with_the_cjk_font():
    llmcalc.i18n.use("zh")
    try:
        assert G._lang() == "zh"
        for d in _all_diagrams():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                d.fig.canvas.draw()
            missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
            assert not missing, (type(d).__name__, missing[:2])
            texts = [d.fig.axes[0].get_title(), d.fig.axes[0].get_xlabel(), d.fig.axes[0].get_ylabel()]
            if d.fig._suptitle is not None:
                texts.append(d.fig._suptitle.get_text())
            assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts), type(d).__name__
        assert "Noto Sans CJK SC" in matplotlib.rcParams["font.family"]
    finally:
        llmcalc.i18n.use("en")
    assert G._lang() == "en"
    assert "Device mesh" in G.mesh(2, 2).fig.axes[0].get_title()


def test_explorers_build_and_redraw():
    for name in ("pipeline", "ring", "mesh", "tp_mlp", "roofline"):
        ex = G.explorer(name)
        assert ex.children      # the sliders and the output
    with pytest.raises(ValueError, match="name"):
        G.explorer("bubble")
    assert math.isfinite(G.pipeline_schedule(1, 1).bubble_fraction)
