"""Published training runs, as plain data: only what papers and model cards print, with where it is printed.

Every record carries a ``source`` string (authors, title, where it lives, table or section). Values are
stored as printed, in the units the field name states (``_billion`` = 1e9, ``_tflops`` = 1e12 FLOP/s,
``_pflops`` = 1e15 FLOP/s, ``_percent`` = per cent); ``None`` means the source prints no value for that
field. The ``*_ROUNDING`` dicts (and ``*_rounding`` fields) give half the last printed step of a figure: the
largest error rounding alone can explain. Where a printed figure is inconsistent with the rest of its table,
the printed value is kept and the consistent one is a separate, documented field (``Llama3Layout``).
Nothing here is computed from llmcalc's formulas, and nothing here was measured by this project (the
project's own measurements are in :mod:`llmcalc.measured`). The fidelity suite (``tests/fidelity``) and
``tools/fidelity_report.py`` compare these figures with what llmcalc predicts.

Only the standard library is imported (plus ``llmcalc.models``, itself standard-library only, for
:func:`gpt_style_config`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ModelConfig

# ----- sources ------------------------------------------------------------------------------------

NARAYANAN_2021 = ("Narayanan et al. 2021, \"Efficient Large-Scale Language Model Training on GPU Clusters "
                  "Using Megatron-LM\" (SC '21; arXiv 2104.04473)")
_NARAYANAN_T1 = NARAYANAN_2021 + ", §5.1, Table 1"
LLAMA3_PAPER = ("Llama Team, AI @ Meta (Dubey et al.) 2024, \"The Llama 3 Herd of Models\", arXiv 2407.21783v3 "
                "(23 Nov 2024)")
_LLAMA3_T4 = LLAMA3_PAPER + ", §3.3.2, Table 4"
_LLAMA2_CARD = "Llama 2 model card (Meta, 2023), training hardware table (A100-80GB GPU hours)"
_LLAMA31_CARD = "Llama 3.1 model card (Meta, 2024), training hardware table (H100-80GB GPU hours)"
_GPT3 = "Brown et al. 2020, \"Language Models are Few-Shot Learners\" (arXiv 2005.14165)"
KORTHIKANTI_2022 = ("Korthikanti et al. 2022, \"Reducing Activation Recomputation in Large Transformer Models\" "
                    "(MLSys 2023; arXiv 2205.05198)")
_KORTHIKANTI_T3 = KORTHIKANTI_2022 + ", Table 3 (layouts) and §6 (m = 3 interleaved chunks for 175B and 530B)"


# ----- Megatron-LM, Narayanan et al. 2021, Table 1 ---------------------------------------------------

# All ten rows checked against the paper's Table 1 (every column), and the constants below against §5
# ("All models use a vocabulary size (denoted by V) of 51,200 ... and a sequence length (s) of 2048"; "The
# peak device throughput of an A100 GPU with 16-bit precision is 312 teraFLOP/s"; equation (3), the FLOPs
# behind the table's throughput, "assumes activation recomputation"; the runs use "the interleaved pipeline
# schedule with the scatter/gather optimization" and 80-GB A100s).
MEGATRON_SEQ_LEN = 2048
MEGATRON_VOCAB = 51200
MEGATRON_CHIP = "A100"
MEGATRON_PEAK_TFLOPS = 312  # A100 dense 16-bit peak the paper divides by
MEGATRON_RECOMPUTE = "full"  # equation (3) counts the recomputed forward: every row recomputes activations
MEGATRON_SCHEDULE = "interleaved"  # §5.1; the paper does not print the number of chunks per row
# half the last printed step of each field: the largest error rounding alone explains
MEGATRON_ROUNDING = {"params_billion": 0.05, "tflops_per_gpu": 0.5, "percent_of_peak": 0.5,
                     "aggregate_pflops": 0.05}


@dataclass(frozen=True)
class MegatronRow:
    """One row of Narayanan et al. 2021, Table 1 (GPT-style model, T = 2048, V = 51200, A100s).

    ``batch_size`` is the global batch in sequences; ``tflops_per_gpu`` the achieved FLOP/s per GPU
    the paper prints, counted with its own formula 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)), i.e.
    including the recomputed forward (hardware FLOPs, not model FLOPs).
    """

    params_billion: float
    heads: int
    hidden: int
    layers: int
    tp: int
    pp: int
    gpus: int
    batch_size: int
    tflops_per_gpu: int
    percent_of_peak: int
    aggregate_pflops: float
    source: str

    @property
    def label(self) -> str:
        return f"{self.params_billion:g}B"

    @property
    def dp(self) -> int:
        """Data-parallel degree GPUs / (TP · PP), as the layout implies (the table does not print it)."""
        return self.gpus // (self.tp * self.pp)


def _megatron(params, heads, hidden, layers, tp, pp, gpus, batch, tflops, pct, agg):
    return MegatronRow(params, heads, hidden, layers, tp, pp, gpus, batch, tflops, pct, agg, _NARAYANAN_T1)


MEGATRON_TABLE1: tuple[MegatronRow, ...] = (
    #          params(B) heads hidden layers TP PP  GPUs  batch TFLOP/s %peak aggregate PFLOP/s
    _megatron(1.7,      24,   2304,  24,    1, 1,  32,   512,  137,    44,   4.4),
    _megatron(3.6,      32,   3072,  30,    2, 1,  64,   512,  138,    44,   8.8),
    _megatron(7.5,      32,   4096,  36,    4, 1,  128,  512,  142,    46,   18.2),
    _megatron(18.4,     48,   6144,  40,    8, 1,  256,  1024, 135,    43,   34.6),
    _megatron(39.1,     64,   8192,  48,    8, 2,  512,  1536, 138,    44,   70.8),
    _megatron(76.1,     80,   10240, 60,    8, 4,  1024, 1792, 140,    45,   143.8),
    _megatron(145.6,    96,   12288, 80,    8, 8,  1536, 2304, 148,    47,   227.1),
    _megatron(310.1,    128,  16384, 96,    8, 16, 1920, 2160, 155,    50,   297.4),
    _megatron(529.6,    128,  20480, 105,   8, 35, 2520, 2520, 163,    52,   410.2),
    _megatron(1008.0,   160,  25600, 128,   8, 64, 3072, 3072, 163,    52,   502.0),
)


# ----- Llama 3 paper, Table 4 (405B pre-training layouts on H100s) -----------------------------------

LLAMA3_MODEL = "llama-3.1-405b"
LLAMA3_CHIP = "H100"
LLAMA3_BATCH_TOKENS = 16 * 2**20  # "16M" tokens per step: 2048 sequences of 8192 = 128 of 131072 = 2**24
LLAMA3_TOTAL_FLOPS = 3.8e25    # §1: "pre-trained using 3.8 × 10^25 FLOPs"
LLAMA3_TOTAL_TOKENS = 15.6e12  # §1: "on 15.6T text tokens"
# §3.3.4: "we achieved higher than 90% effective training time" (time spent on useful training over the
# elapsed time), during pre-training with daily maintenance interruptions
LLAMA3_EFFECTIVE_TRAINING_TIME_MIN = 0.90
# throughput printed as multiples of 10 TFLOP/s (430, 400, 380), MFU as whole per cent
LLAMA3_ROUNDING = {"tflops_per_gpu": 5.0, "mfu_percent": 0.5}


@dataclass(frozen=True)
class Llama3Layout:
    """One row of the Llama 3 paper's Table 4: a 4D-parallel layout of the 405B model and its throughput.

    ``mfu_percent`` is the paper's "BF16 MFU"; ``tflops_per_gpu`` its "TFLOPs/GPU"; ``batch_per_dp`` its
    "Batch size/DP" (sequences per data-parallel group); ``batch_tokens`` its "16M" tokens per batch, read as
    2**24 (see ``LLAMA3_BATCH_TOKENS``).

    DP as printed differs between versions of the paper, so both printings are kept:
    ``dp_printed_v3`` is the DP column of arXiv 2407.21783v3 (23 Nov 2024); ``dp_printed_before_v3`` the
    one of the earlier versions (arXiv's own HTML rendering, ar5iv, and a PDF copy of the July 2024 paper),
    which print DP 4 in the 128K-context row. ``dp_consistent`` is the value consistent with the rest of the
    row: GPUs = TP·CP·PP·DP, and 16M tokens / sequence length / DP = the printed "Batch size/DP". For the
    128K row that is 8 (16,384 / (8·16·16) = 8 and 128 sequences / 8 = 16, as printed; DP 4 would use 8,192
    GPUs and 32 sequences per DP group); v3 prints 8. Code that needs the layout uses ``dp_consistent``.
    """

    label: str
    gpus: int
    tp: int
    cp: int
    pp: int
    dp_printed_v3: int
    dp_printed_before_v3: int
    dp_consistent: int
    seq_len: int
    batch_per_dp: int
    batch_tokens: int
    tflops_per_gpu: int
    mfu_percent: int
    dp_note: str = ""
    source: str = _LLAMA3_T4
    model: str = LLAMA3_MODEL
    chip: str = LLAMA3_CHIP


_DP_NOTE_128K = ("DP printed 4 before v3 and 8 in v3; 8 is the value consistent with 16,384 GPUs = TP8·CP16·PP16·DP "
                 "and with the printed 16 sequences per DP group of a 16M-token batch at T = 131,072")

LLAMA3_TABLE4: tuple[Llama3Layout, ...] = (
    #            label                          GPUs  TP CP PP  DP v3, before v3, consistent    T   batch/DP
    Llama3Layout("8K context, 8,192 GPUs", 8192, 8, 1, 16, 64, 64, 64, 8192, 32, LLAMA3_BATCH_TOKENS, 430, 43),
    Llama3Layout("8K context, 16,384 GPUs", 16384, 8, 1, 16, 128, 128, 128, 8192, 16, LLAMA3_BATCH_TOKENS, 400, 41),
    Llama3Layout("128K context, 16,384 GPUs", 16384, 8, 16, 16, 8, 4, 8, 131072, 16, LLAMA3_BATCH_TOKENS, 380, 38,
                 dp_note=_DP_NOTE_128K),
)


# ----- GPU-hours and total FLOPs (model cards, papers) ------------------------------------------------

@dataclass(frozen=True)
class TrainingRun:
    """A finished pre-training run: the preset it matches, tokens, and what the source prints.

    ``gpu_hours`` (chip-hours on ``chip``) and ``total_flops`` are ``None`` where the source prints
    none. ``tokens_approx`` marks token counts the source gives only roughly ("~15T").
    ``context`` is the pre-training sequence length T.
    """

    label: str
    preset: str
    chip: str | None
    gpu_hours: float | None
    tokens: float
    context: int
    source: str
    total_flops: float | None = None
    tokens_approx: bool = False
    note: str = ""
    # half the last printed step of gpu_hours, tokens and total_flops (None: not printed / approximate)
    gpu_hours_rounding: float | None = None
    tokens_rounding: float | None = None
    total_flops_rounding: float | None = None


LLAMA2_RUNS: tuple[TrainingRun, ...] = (
    TrainingRun("LLaMA 2 7B", "llama-2-7b", "A100", 184_320, 2e12, 4096, _LLAMA2_CARD, gpu_hours_rounding=0.5),
    TrainingRun("LLaMA 2 13B", "llama-2-13b", "A100", 368_640, 2e12, 4096, _LLAMA2_CARD, gpu_hours_rounding=0.5),
    TrainingRun("LLaMA 2 70B", "llama-2-70b", "A100", 1_720_320, 2e12, 4096, _LLAMA2_CARD, gpu_hours_rounding=0.5),
)

LLAMA31_RUNS: tuple[TrainingRun, ...] = (
    TrainingRun("LLaMA 3.1 8B", "llama-3.1-8b", "H100", 1.46e6, 15e12, 8192, _LLAMA31_CARD, tokens_approx=True,
                note="the card says ~15T tokens", gpu_hours_rounding=0.005e6),
    TrainingRun("LLaMA 3.1 70B", "llama-3.1-70b", "H100", 7.0e6, 15e12, 8192, _LLAMA31_CARD, tokens_approx=True,
                note="the card says ~15T tokens", gpu_hours_rounding=0.05e6),
    TrainingRun("LLaMA 3.1 405B", "llama-3.1-405b", "H100", 30.84e6, LLAMA3_TOTAL_TOKENS, 8192,
                _LLAMA31_CARD + "; tokens and FLOPs: " + LLAMA3_PAPER + ", §1", total_flops=LLAMA3_TOTAL_FLOPS,
                gpu_hours_rounding=0.005e6, tokens_rounding=0.05e12, total_flops_rounding=0.05e25),
)

GPT3_RUN = TrainingRun("GPT-3 175B", "gpt-3-175b", None, None, 300e9, 2048, _GPT3, total_flops=3.14e23,
                       tokens_rounding=0.5e9, total_flops_rounding=0.005e23)

GPU_HOUR_RUNS: tuple[TrainingRun, ...] = LLAMA2_RUNS + LLAMA31_RUNS
TOTAL_FLOPS_RUNS: tuple[TrainingRun, ...] = (GPT3_RUN, LLAMA31_RUNS[2])


# ----- Korthikanti et al. 2022, Table 3 ---------------------------------------------------------------
# Table 3 ("Model configurations used during evaluation") prints layouts only. The paper prints no activation
# memory in GiB: its Equations 1-6 are closed forms, and its memory figures (Figure 1, Figure 7, Figure 9) are
# plots without printed values. What can be compared with llmcalc is therefore the closed form evaluated at
# these layouts: an implementation check (the formula against itself), not a measurement
# (tests/fidelity/test_korthikanti_table3.py).

KORTHIKANTI_SEQ_LEN = 2048   # §6: "sequence length is set to s = 2048"
KORTHIKANTI_VOCAB = 51200    # §6: "vocabulary size is set to v = 51200"


@dataclass(frozen=True)
class KorthikantiLayout:
    """One model of Korthikanti et al. 2022, Table 3 (GPT-style, T = 2048, V = 51200, A100s).

    ``interleave`` is the number of model chunks per device of the interleaved pipeline schedule (1: plain
    1F1B); §6 uses m = 3 for the 175B and 530B models.
    """

    label: str
    heads: int
    hidden: int
    layers: int
    tp: int
    pp: int
    gpus: int
    global_batch: int
    micro_batch: int
    interleave: int
    source: str = _KORTHIKANTI_T3


KORTHIKANTI_TABLE3: tuple[KorthikantiLayout, ...] = (
    KorthikantiLayout("22B", 64, 6144, 48, 8, 1, 8, 4, 4, 1),
    KorthikantiLayout("175B", 96, 12288, 96, 8, 8, 64, 64, 1, 3),
    KorthikantiLayout("530B", 128, 20480, 105, 8, 35, 280, 280, 1, 3),
    KorthikantiLayout("1T", 160, 25600, 128, 8, 64, 512, 512, 1, 1),
)


# ----- the model shapes behind the tables -------------------------------------------------------------

def gpt_style_config(layers: int, hidden: int, heads: int, *, vocab: int = MEGATRON_VOCAB,
                     seq_len: int = MEGATRON_SEQ_LEN, name: str = "gpt-style") -> ModelConfig:
    """The exact GPT-2-architecture model Megatron trains: learned positions (``seq_len``), LayerNorm
    with bias, biased linears, GELU MLP with F = 4·hidden, embeddings tied to the LM head.

    Read through the ``gpt2`` Hugging Face reader, as the ``gpt-3-175b`` preset is. Its parameter count
    is Megatron's 12·l·h²·(1 + 13/(12h) + (V + s)/(12·l·h)) plus the final LayerNorm's 2h.
    """
    hf = {"model_type": "gpt2", "n_embd": hidden, "n_layer": layers, "n_head": heads,
          "n_positions": seq_len, "vocab_size": vocab, "tie_word_embeddings": True}
    return ModelConfig.from_hf(hf, name=name)


def megatron_config(row: MegatronRow) -> ModelConfig:
    """The model of one Megatron Table 1 row (T = 2048, V = 51200)."""
    return gpt_style_config(row.layers, row.hidden, row.heads, name=f"megatron-{row.label}")


def korthikanti_config(row: KorthikantiLayout) -> ModelConfig:
    """The model of one Korthikanti Table 3 row (T = 2048, V = 51200)."""
    return gpt_style_config(row.layers, row.hidden, row.heads, vocab=KORTHIKANTI_VOCAB,
                            seq_len=KORTHIKANTI_SEQ_LEN, name=f"korthikanti-{row.label}")
