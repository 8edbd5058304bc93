"""Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models"), Table 3 layouts:
an implementation check, not a fidelity check.

Table 3 prints the four layouts only. The paper prints no activation memory as numbers: its Equations 1-6
are closed forms and its memory figures (Figures 1, 7 and 9) are plots. So the comparison here is llmcalc
against the paper's own closed form, evaluated by hand at each layout below: it shows that llmcalc
implements the equations, not that they describe a real run (tests/crosscheck/test_peak_memory.py measures
a real Hugging Face layer against them).
"""

from fractions import Fraction

import pytest

import llmcalc
from llmcalc import published as pub

GiB = 2**30
S, V = pub.KORTHIKANTI_SEQ_LEN, pub.KORTHIKANTI_VOCAB


def test_table3_layouts_as_printed():
    # Table 3, row by row: heads, hidden, layers, TP, PP, GPUs, global batch, micro-batch; §6: "We use the
    # interleaving schedule with three interleaving stages (m = 3) for the 175B and 530B models"
    printed = {"22B": (64, 6144, 48, 8, 1, 8, 4, 4, 1), "175B": (96, 12288, 96, 8, 8, 64, 64, 1, 3),
               "530B": (128, 20480, 105, 8, 35, 280, 280, 1, 3), "1T": (160, 25600, 128, 8, 64, 512, 512, 1, 1)}
    got = {r.label: (r.heads, r.hidden, r.layers, r.tp, r.pp, r.gpus, r.global_batch, r.micro_batch, r.interleave)
           for r in pub.KORTHIKANTI_TABLE3}
    assert got == printed
    assert (S, V) == (2048, 51200)  # §6


# The closed form by hand (exact fractions), s = 2048, first pipeline stage = L layers' worth:
#   TP only (Equation 2):        L · s·b·h·(10 + 24/t + 5·a·s/(h·t))
#   TP + SP + selective (Eq. 6): L · 34·s·b·h/t
#   interleaved, m chunks:       × (1 + (p − 1)/(p·m))
# 22B  (a 64, h 6144, L 48, t 8, b 4):   5as/(ht) = 5·64·2048/(6144·8) = 40/3, so 10 + 3 + 40/3 = 79/3;
#      s·b·h·L = 2048·4·6144·48 = 2,415,919,104; × 79/3 = 63,619,203,072 B = 59.25 GiB; × 34/8 = 9.5625 GiB
# 175B (a 96, h 12288, L 96, t 8, b 1, p 8, m 3): 5as/(ht) = 10, so 23; factor 1 + 7/24 = 31/24
# 530B (a 128, h 20480, L 105, t 8, b 1, p 35, m 3): 5as/(ht) = 8, so 21; factor 1 + 34/105
# 1T   (a 160, h 25600, L 128, t 8, b 1): 5as/(ht) = 8, so 21; s·b·h·L = 6,710,886,400 → 131.25 GiB, 26.5625 GiB
HAND = {  # (TP only, TP + SP + selective) in bytes
    "22B": (2048 * 4 * 6144 * 48 * Fraction(79, 3), 2048 * 4 * 6144 * 48 * Fraction(34, 8)),
    "175B": (2048 * 12288 * 96 * 23 * Fraction(31, 24), 2048 * 12288 * 96 * Fraction(34, 8) * Fraction(31, 24)),
    "530B": (2048 * 20480 * 105 * 21 * Fraction(139, 105), 2048 * 20480 * 105 * Fraction(34, 8) * Fraction(139, 105)),
    "1T": (2048 * 25600 * 128 * 21, 2048 * 25600 * 128 * Fraction(34, 8)),
}


def test_hand_values_of_the_two_layouts_whose_gib_are_quoted_widely():
    # 22B and 1T come out as exact binary fractions of a GiB (the values often quoted from this paper)
    assert [HAND["22B"][0] / GiB, HAND["22B"][1] / GiB] == [Fraction(5925, 100), Fraction(95625, 10000)]
    assert [HAND["1T"][0] / GiB, HAND["1T"][1] / GiB] == [Fraction(13125, 100), Fraction(265625, 10000)]


@pytest.mark.parametrize("row", pub.KORTHIKANTI_TABLE3, ids=lambda r: r.label)
@pytest.mark.parametrize("variant", ["TP only", "TP+SP+selective"])
def test_implementation_check_activation_bytes_equals_the_closed_form(row, variant):
    cfg = pub.korthikanti_config(row)
    kw = {} if variant == "TP only" else dict(sp=True, recompute="selective")
    got = llmcalc.activation_bytes(cfg, row.micro_batch, S, tp=row.tp, pp=row.pp, interleave=row.interleave, **kw)
    expected = HAND[row.label][0 if variant == "TP only" else 1]
    # exact where the closed form is a whole number of bytes; the interleave factor's fractions within 1e-12
    assert got == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize("row", [r for r in pub.KORTHIKANTI_TABLE3 if r.label in ("22B", "1T")], ids=lambda r: r.label)
def test_implementation_check_model_states_at_18_bytes_per_parameter(row):
    # Megatron's mixed precision with fp32 gradients: bf16 weights 2 + fp32 gradients 4 + fp32 master 4 + Adam
    # moments 8 = 18 bytes per parameter, split over TP·PP. Exact GPT-style parameters by hand: 12·l·h² + 13·l·h
    # (matrices, biases and LayerNorms of the layers) + (V + s)·h (token and position tables, tied head) + 2h
    # (final LayerNorm). 22B: 21,743,271,936 + 3,833,856 + 327,155,712 + 12,288 = 22,074,273,792 parameters.
    l, h = row.layers, row.hidden
    params = 12 * l * h * h + 13 * l * h + (V + S) * h + 2 * h
    if row.label == "22B":
        assert params == 22_074_273_792
    got = llmcalc.model_state_bytes(pub.korthikanti_config(row), "mixed_fp32_grads", model_parallel=row.tp * row.pp)
    assert got == pytest.approx(18 * params / (row.tp * row.pp), rel=1e-15)
