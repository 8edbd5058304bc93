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


# ----- throughput of published runs, for the planner's calibration and cross-validation ----------------
# Every run a source prints with its layout and a throughput: the training set of tools/fit_planner.py and of
# the leave-one-source-out cross-validation in tests/fidelity. What a source does not print is ``None`` (the
# planner then picks the fastest valid layout over that field) or, where the planner needs a value, an
# assumption named in ``note``. ``reported`` is the printed figure in the unit ``reported_kind`` names;
# :func:`reported_tokens_per_s` turns it into tokens per second with the source's own FLOP count.

MT_NLG_2022 = ("Smith et al. 2022, \"Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B, A Large-Scale "
               "Generative Language Model\" (arXiv 2201.11990), §2.4: global batch 1920, 280 / 350 / 420 DGX A100 "
               "servers, iteration times 60.1 / 50.2 / 44.4 s, 8-way tensor and 35-way pipeline parallelism; the "
               "280-server figure is also quoted by Chowdhery et al. 2022 (PaLM), §4.1: '65.43K tokens/sec'")
MEGATRON_README_MFU = ("NVIDIA/Megatron-LM README, 'Training Speed and Scalability': MFU 41.5% / 51.4% / 56.0% / 56.3% "
                       "for the 22B / 175B / 530B / 1T models of " + KORTHIKANTI_2022 + " (Table 3 layouts, "
                       "data-parallel size one, selective recomputation and sequence parallelism)")
PALM_2022 = ("Chowdhery et al. 2022, \"PaLM: Scaling Language Modeling with Pathways\" (arXiv 2204.02311), §4: two TPU v4 "
             "Pods of 3072 chips, 12-way model parallelism and 256-way fully sharded data parallelism in each, "
             "two-way data parallelism across pods, rematerialization; §4.1: '238.3K tokens/sec at the batch size of "
             "2048' (sequences of 2048 tokens), MFU 46.2%")
BLOOM_2022 = ("BigScience, BLOOM 176B training (tr11-176B-ml), bigscience-workshop/bigscience, train/tr11-176B-ml/README.md: "
              "'TP=4 PP=12 DP=8 MBS=2' on 384 A100 80GB (48 nodes of 8), global batch 2048 sequences of 2048 tokens, "
              "70 layers, hidden 14336, 112 heads, vocabulary padded to 250880, activation checkpointing, bf16 with "
              "DeepSpeed's BF16_Optimizer ('implements its own ZeRO Stage 1', fp32 gradient buffer not sharded); the "
              "log line at iteration 85376 (end of the first epoch): 'elapsed time per iteration (s): 104.70 | "
              "global batch size: 2048 | ... TFLOPs: 149.77'; tr11-176B-ml.slurm: '--checkpoint-activations'; the "
              "BLOOM paper (BigScience Workshop 2022, arXiv 2211.05100) describes the same run")
TORCHTITAN_A100 = ("pytorch/torchtitan docs/performance.md (2024), 'Llama 3 performance numbers': FSDP2 on 64 A100 "
                   "(80GB), local batch 1, WPS (tokens per second per GPU) 2973 for 8B with selective op activation "
                   "checkpointing and 331 for 70B with full checkpointing (sequence length 8192, torchtitan's Llama 3 "
                   "training configurations)")
TORCHTITAN_LLAMA2 = ("pytorch/torchtitan docs/performance.md (2024), 'Llama 2 performance numbers': FSDP2 on 64 A100 (80GB), "
                     "sequence length 4096, WPS 2162 for 13B at local batch 2 without checkpointing, 1904 for 13B at batch 2 "
                     "with selective op checkpointing, 355 for 70B at batch 1 with selective op, 353 for 70B at batch 2 "
                     "with full checkpointing; models as torchtitan/models/llama/__init__.py llama2_configs (13B: dim 5120, "
                     "40 layers, 40 heads; 70B: dim 8192, 80 layers, 64 heads, 8 KV heads, FFN 28672; vocabulary 32000)")


@dataclass(frozen=True)
class ThroughputRun:
    """One published training run: its layout and the throughput its source prints.

    ``source_key`` groups runs for leave-one-source-out cross-validation. ``stack`` names the framework
    (a key of :data:`llmcalc.planner.STACKS`). ``preset`` or ``gpt_shape`` (layers, hidden, heads, vocab: a
    GPT-2-style model, :func:`gpt_style_config`) give the model. ``micro_batch`` / ``interleave`` are ``None``
    where the source does not print them. ``fp8``: the layers' linear GEMMs ran in FP8 (Transformer Engine);
    ``fp8_params``: their weights were kept in FP8 too (Megatron-Core's fp8_param_gather).
    ``pod_chips`` (TPU): the chips of one pod in this run. ``llama2``: "13B" or "70B" for Llama 2 models
    (:func:`llama2_config`). ``etp``: expert tensor parallelism where the run folds it (Megatron-Core's
    expert_tensor_parallel_size), else None (each expert split like the layer's TP). ``regime``: a name of
    :data:`llmcalc.memory.REGIMES`, or the bytes a parameter (weights, gradients, master, optimizer) a source prints.
    ``reported_kind``: "gpu_hours_per_trillion_tokens" (GPU-hours a trillion tokens takes, averaged over a whole
    training run), "megatron_tflops_per_gpu" (Narayanan et al. 2021's equation 3, which counts the
    recomputed forward pass), "model_mfu_percent" (72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)) model FLOPs per
    iteration, the same count without recomputation), "step_s", "tokens_per_s", "tokens_per_s_per_gpu", or
    "tflops_per_gpu_6n_attention" (6·N + 12·L·H·Q·T FLOPs per token, PaLM's Appendix B count, N all
    parameters).
    """

    source_key: str
    label: str
    stack: str
    chip: str
    n_chips: int
    seq_len: int
    global_batch: int
    tp: int
    pp: int
    cp: int
    zero: int
    sp: bool
    recompute: str | None
    attention: str
    causal: bool
    regime: str | tuple
    reported: float
    reported_kind: str
    source: str
    preset: str | None = None
    gpt_shape: tuple | None = None
    micro_batch: int | None = None
    interleave: int | None = None
    zero_group: int | None = None
    pod_chips: int | None = None
    note: str = ""
    llama2: str | None = None
    ep: int | None = None
    fp8: bool = False
    etp: int | None = None
    fp8_params: bool = False

    @property
    def dp(self) -> int:
        return self.n_chips // (self.tp * self.pp * self.cp)


def _mega(r: MegatronRow) -> ThroughputRun:
    return ThroughputRun("narayanan2021", f"Megatron-LM {r.label}", "megatron-lm-2021", "A100", r.gpus,
                         MEGATRON_SEQ_LEN, r.batch_size, r.tp, r.pp, 1, 0, False, "full", "eager", False,
                         "mixed_fp32_grads", r.tflops_per_gpu, "megatron_tflops_per_gpu", _NARAYANAN_T1,
                         gpt_shape=(r.layers, r.hidden, r.heads, MEGATRON_VOCAB),
                         note="micro-batch and interleaving depth not printed: the planner's fastest valid choice")


def _korth(r: KorthikantiLayout, mfu: float) -> ThroughputRun:
    return ThroughputRun("korthikanti2022", f"Megatron-LM {r.label} (SP + selective)", "megatron-lm-2021", "A100",
                         r.gpus, KORTHIKANTI_SEQ_LEN, r.global_batch, r.tp, r.pp, 1, 0, True, "selective", "eager",
                         False, "mixed_fp32_grads", mfu, "model_mfu_percent", MEGATRON_README_MFU,
                         gpt_shape=(r.layers, r.hidden, r.heads, KORTHIKANTI_VOCAB), micro_batch=r.micro_batch,
                         interleave=r.interleave)


def _mtnlg(servers: int, step_s: float) -> ThroughputRun:
    return ThroughputRun("mtnlg2022", f"MT-NLG 530B, {servers * 8} GPUs", "deepspeed", "A100", servers * 8, 2048,
                         1920, 8, 35, 1, 1, False, "full", "eager", False, "mixed_fp32_grads", step_s, "step_s",
                         MT_NLG_2022, gpt_shape=(105, 20480, 128, 51200), interleave=1,
                         note="assumed: full activation checkpointing, ZeRO-1 over data parallelism, Megatron's "
                              "padded vocabulary of 51,200; micro-batch not printed")


def _titan_llama2(size: str, batch: int, recompute: str, wps: float) -> ThroughputRun:
    return ThroughputRun("torchtitan2024", f"torchtitan Llama 2 {size}, 64 A100, b{batch} {recompute}", "fsdp2", "A100",
                         64, 4096, 64 * batch, 1, 1, 1, 3, False, recompute, "flash", True, "mixed", wps,
                         "tokens_per_s_per_gpu", TORCHTITAN_LLAMA2, micro_batch=batch, llama2=size)


def _llama3(r: Llama3Layout) -> ThroughputRun:
    return ThroughputRun("llama3_2024", f"Llama 3 405B, {r.label}", "meta-llama3", r.chip, r.gpus, r.seq_len,
                         r.batch_tokens // r.seq_len, r.tp, r.pp, r.cp, 2, True, "none", "flash", True,
                         "mixed_fp32_grads", r.tflops_per_gpu, "tflops_per_gpu_6n_attention", r.source,
                         preset=r.model, micro_batch=1,
                         note="Meta's own stack as §3.3.2 describes it (planner.STACKS['meta-llama3']: asynchronous "
                              "pipeline sends, FSDP prefetch, context-parallel all-gather exposed, no tensor-parallel "
                              "overlap described); 'FP32 gradient accumulation' and reduce-scatter in FP32 (§3.3.2, "
                              "numerical stability): fp32 gradients; no activation checkpointing at 8K (§3.3.2); "
                              "MFU cites Chowdhery et al., so FLOPs per token taken as PaLM's 6N + 12·L·H·Q·T (the "
                              "paper does not print its count); ZeRO-2 (gradients reduce-scattered); interleaving "
                              "depth not printed: 'the first model chunk on the first stage has only the embedding' "
                              "once one layer is removed implies one layer per chunk, V = 8 (126 layers + 2 over 16 "
                              "stages), which the planner's fastest valid choice takes at 16,384 GPUs; at 8,192 "
                              "(32 micro-batches) V = 8 holds 141 layer-micro-batches on the second stage, 77 GiB, more "
                              "than the 72 GiB the planner allows (HBM less its 10% headroom), so it takes V = 1: "
                              "Meta's tunable-N schedule is not modelled")


PLANNER_RUNS: tuple[ThroughputRun, ...] = (
    tuple(_mega(r) for r in MEGATRON_TABLE1)
    + tuple(_korth(r, m) for r, m in zip(KORTHIKANTI_TABLE3, (41.5, 51.4, 56.0, 56.3)))
    + (_mtnlg(280, 60.1), _mtnlg(350, 50.2), _mtnlg(420, 44.4))
    + (ThroughputRun("palm2022", "PaLM 540B, 6144 TPU v4", "jax-tpu", "TPU v4", 6144, 2048, 2048, 12, 1, 1, 3,
                     True, "full", "eager", False, "mixed", 238.3e3, "tokens_per_s", PALM_2022,
                     gpt_shape=None, micro_batch=4, zero_group=256, pod_chips=3072,
                     note="model parallelism (2D 'finalized' sharding) taken as 12-way tensor parallelism with "
                          "sequence parallelism (§4: 'one fully sharded activation tensor is saved from each "
                          "layer'); scores "
                          "computed in full (no fused attention in 2022 XLA); Adam-like 16 bytes per parameter "
                          "assumed (PaLM used Adafactor)"),)
    + tuple(_llama3(r) for r in LLAMA3_TABLE4)
    + (ThroughputRun("torchtitan2024", "torchtitan Llama 3 8B, 64 A100", "fsdp2", "A100", 64, 8192, 64, 1, 1, 1, 3,
                     False, "selective-op", "flash", True, "mixed", 2973, "tokens_per_s_per_gpu", TORCHTITAN_A100,
                     preset="llama-3-8b", micro_batch=1,
                     note="selective op checkpointing: torchtitan's policy recomputes every second matmul of a layer "
                          "(wk, wo, w3) and every non-matmul op (llmcalc.planner.SELECTIVE_OP_KEPT)"),
       ThroughputRun("torchtitan2024", "torchtitan Llama 3 70B, 64 A100", "fsdp2", "A100", 64, 8192, 64, 1, 1, 1, 3,
                     False, "full", "flash", True, "mixed", 331, "tokens_per_s_per_gpu", TORCHTITAN_A100,
                     preset="llama-3-70b", micro_batch=1))
    + (_titan_llama2("13B", 2, "none", 2162), _titan_llama2("13B", 2, "selective-op", 1904),
       _titan_llama2("70B", 1, "selective-op", 355), _titan_llama2("70B", 2, "full", 353))
    + (ThroughputRun("bloom2022", "BLOOM 176B, 384 A100", "deepspeed", "A100", 384, 2048, 2048, 4, 12, 1, 1, False,
                     "full", "eager", False, "mixed_fp32_grads", 104.70, "step_s", BLOOM_2022,
                     gpt_shape=(70, 14336, 112, 250880), micro_batch=2, interleave=1,
                     note="GPT-style model with learned positions standing for BLOOM's ALiBi (29M parameters, 0.02%) and "
                          "no embedding LayerNorm; dropout 0.1 as Megatron's default"),)
)

# ----- runs the fit never sees: a validation set -------------------------------------------------------------

DEEPSEEK_V3 = ("DeepSeek-AI 2024, \"DeepSeek-V3 Technical Report\" (arXiv 2412.19437): §1, 'training DeepSeek-V3 on each "
               "trillion tokens requires only 180K H800 GPU hours, i.e., 3.7 days on our cluster with 2048 H800 GPUs'; "
               "§3.2, '16-way Pipeline Parallelism (PP), 64-way Expert Parallelism (EP) spanning 8 nodes, and ZeRO-1 "
               "Data Parallelism (DP)', no tensor parallelism; §4.2, sequence length 4K, 'the batch size is gradually "
               "increased from 3072 to 15360 in the training of the first 469B tokens, and then keeps 15360'; §3.3, FP8 "
               "GEMMs; deepseek-ai/DeepEP docs/legacy.md: 'DeepSeek-V3/R1 pretraining setting (4096 tokens per batch, "
               "7168 hidden, top-4 groups, top-8 experts, FP8 dispatching and BF16 combining)'")

# DeepSeek-V3's model states, bytes a parameter (weights, gradients, master, optimizer), §3.3.3: 'the master weights
# (stored by the optimizer) and gradients (used for batch size accumulation) are still retained in FP32', the AdamW
# moments 'in BF16': bf16 weights 2 + fp32 gradients 4 + fp32 master 4 + two bf16 moments 4 = 14
DEEPSEEK_V3_STATES = (2, 4, 4, 4)

# Published runs kept out of PLANNER_RUNS, so that no constant is fitted on them (tools/fit_planner.py never reads
# them): the planner's prediction for each is a prediction for a run it was not tuned on in any way.

MEGATRON_BRIDGE_PERF = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (NVIDIA NeMo framework "
                        "performance summary), 'GPT OSS 120B' on DGX-H100, BF16, sequence length 4096: '64 | BF16 | "
                        "1280 | 1 | 4096 | 0 | 1 | 4 | 1 | n/a | 8 | 5993' (26.02 NeMo container: GBS 1280, MBS 1, "
                        "FSDP 0, TP 1, PP 4, CP 1, VP n/a, EP 8, tokens/s/GPU 5993) and '64 | BF16 | 512 | 4 | 4096 | "
                        "0 | 1 | 4 | 1 | 1 | 8 | 2 | 5630' (25.11: GBS 512, MBS 4, PP 4, VP 1, EP 8, GA 2, 5630); "
                        "'In MoE training benchmarks, we force-balance the token distribution among experts and all "
                        "benchmarks are token-dropless'. The recipes at the two releases (tags v0.2.2, 25.11: "
                        "scripts/performance/configs/gpt_oss/workload_base_configs.py; v0.3.0, 26.02: "
                        "gpt_oss_workload_base_configs.py): H100 'pipeline_model_parallel_size=4, "
                        "recompute_modules=[\"layernorm\", \"moe_act\"]' (selective recompute, "
                        "scripts/performance/utils/overrides.py), micro-batch 1 (the base config's "
                        "'micro_batch_size=1', not overridden for H100), gradients reduced in bf16")


def _bridge_oss(release: str, batch: int, micro: int, wps: float, chip: str = "H100", pp: int = 4, ep: int = 8,
                source: str = "") -> ThroughputRun:
    return ThroughputRun("megatron_bridge", f"GPT-OSS 120B, 64 {chip}, NeMo {release}, GBS {batch}", "megatron-core", chip,
                         64, 4096, batch, 1, pp, 1, 1, False, "layernorm+moe_act", "flash", True, "mixed", wps,
                         "tokens_per_s_per_gpu", source or MEGATRON_BRIDGE_PERF, preset="gpt-oss-120b", micro_batch=micro,
                         interleave=1 if pp > 1 else None, ep=ep,
                         note="Megatron-Core through Megatron-Bridge's performance recipes, recomputing the norms and "
                              "the experts' activation as the recipe sets; assumed: distributed optimizer (ZeRO-1); "
                              "routing force-balanced, as the planner assumes" + (
                                  "; micro-batch 1 as the recipe of the release sets it: the table's 'MBS 4' and "
                                  "'GA 2' cannot both hold with PP 4 on 64 GPUs (512 sequences = MBS × DP 16 × GA) and "
                                  "repeat the B200 row above it (PP 1, where they do)" if release == "25.11" else ""))


MEGATRON_BRIDGE_FP8 = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (NVIDIA NeMo framework "
                       "performance summary), DGX-H100, FP8 (Transformer Engine, current scaling), sequence length "
                       "8192, MBS 1, tokens/s/GPU. 25.11 NeMo container: 'LLAMA3_8B | 8 | FP8-CS | 128 | 1 | 8192 | 8 "
                       "| 1 | 1 | 1 | n/a | 1 | 16 | 14451' (FSDP 8), 'LLAMA3_70B | 64 | FP8-CS | 128 | 1 | 8192 | 0 | "
                       "4 | 8 | 1 | 5 | 1 | 64 | 1602' (TP 4, PP 8, VP 5), 'LLAMA3.1_405B | 1024 | FP8-CS | 512 | 1 | "
                       "8192 | 0 | 8 | 8 | 2 | 8 | 1 | 64 | 292' (TP 8, PP 8, CP 2, VP 8); 26.02 NeMo container: "
                       "'DGX-H100 | 64 | FP8 | 256 | 1 | 8192 | 0 | 4 | 8 | 1 | 5 | n/a | 1621' (Llama 3 70B) and "
                       "'DGX-H100 | 1024 | FP8 | 1536 | 1 | 8192 | 0 | 8 | 8 | 2 | 8 | n/a | 311' (Llama 3.1 405B). "
                       "The recipes' FP8-CS precision (tags v0.2.2 and v0.3.0: scripts/performance, get_precision_config"
                       "('fp8_cs') = src/megatron/bridge/training/mixed_precision.py bf16_with_fp8_current_scaling_mixed"
                       "(), 'cfg.fp8_param_gather = True', with 'first_last_layers_bf16 = False'): the layers' weights "
                       "kept and gathered in FP8; 'grad_reduce_in_fp32 = False': bf16 gradients")

MEGATRON_BRIDGE_B200 = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (NVIDIA NeMo framework "
                        "performance summary), 25.11 NeMo container, System: DGX-B200, FP8 (current scaling), sequence "
                        "length 8192, tokens/s/GPU: 'LLAMA3_8B | 8 | FP8-CS (FP8-MX) | 128 | 2 | 8192 | 0 | 1 | 1 | 1 | "
                        "n/a | 1 | 8 | 30624 (29521) | 1576 (1519)' (GBS 128, MBS 2, FSDP 0, TP 1, PP 1, CP 1, GA 8; "
                        "30624 with FP8-CS) and 'LLAMA3.1_405B | 128 | FP8-CS (FP8-MX) | 64 | 1 | 8192 | 0 | 4 | 8 | 2 "
                        "| 8 | 1 | 32 | 661 (624) | 1667 (1576)' (GBS 64, MBS 1, TP 4, PP 8, CP 2, VP 8, GA 32; 661). The "
                        "recipes at the release (tag v0.2.2, scripts/performance/configs/llama3/workload_base_configs.py "
                        "LLAMA3_8B_B200_FP8_CS_BASE_CONFIG: 'micro_batch_size=2', CUDA graphs over the full iteration; "
                        "configs/llama31/workload_base_configs.py LLAMA31_405B_B200_FP8_CS_BASE_CONFIG: "
                        "'tensor_model_parallel_size=4, pipeline_model_parallel_size=8, context_parallel_size=2, "
                        "virtual_pipeline_model_parallel_size=8, global_batch_size=64'): no recomputation set, sequence "
                        "parallelism with TP, FP8 weights as on H100 ('fp8_param_gather = True'), bf16 gradients")


def _bridge_llama(release: str, model: str, preset: str, gpus: int, batch: int, tp: int, pp: int, cp: int,
                  vp: int | None, wps: float, zero: int = 1, chip: str = "H100", micro: int = 1) -> ThroughputRun:
    return ThroughputRun("megatron_bridge", f"{model}, {gpus} {chip} FP8, NeMo {release}, GBS {batch}", "megatron-core",
                         chip, gpus, 8192, batch, tp, pp, cp, zero, tp > 1, None, "flash", True, "mixed", wps,
                         "tokens_per_s_per_gpu", MEGATRON_BRIDGE_FP8 if chip == "H100" else MEGATRON_BRIDGE_B200,
                         preset=preset, micro_batch=micro, interleave=vp, fp8=True, fp8_params=True,
                         note=f"Megatron-Core through Megatron-Bridge's {chip} FP8 recipes (Transformer Engine): the "
                              "layers' linear GEMMs in FP8 and their weights kept in FP8 (fp8_param_gather), attention "
                              "and the LM head in bf16; assumed: the distributed optimizer (ZeRO-1; FSDP 8: ZeRO-3), "
                              "sequence parallelism with TP; recomputation not printed: the planner's fastest choice "
                              "that fits")


MEGATRON_BRIDGE_QWEN3 = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (NVIDIA NeMo framework "
                         "performance summary), 26.02 NeMo container, DGX-H100, FP8, sequence length 4096, MBS 1, "
                         "tokens/s/GPU: Qwen3_30B_a3B '16 | FP8 | 1024 | 1 | 4096 | 0 | 1 | 2 | 1 | 12 | 8 | 5113' "
                         "(FSDP 0, TP 1, PP 2, CP 1, VP 12, EP 8) and Qwen3_235B_a22B '256 | FP8 | 8192 | 1 | 4096 | "
                         "0 | 2 | 8 | 1 | 4 | 32 | 1633' (TP 2, PP 8, CP 1, VP 4, EP 32); 'we force-balance the token "
                         "distribution among experts'. The recipes at the release (tag v0.3.0): "
                         "scripts/performance/configs/qwen/qwen3_workload_base_configs.py, H100 FP8-CS: 30B "
                         "'pipeline_model_parallel_size=2, virtual_pipeline_model_parallel_size=12, "
                         "moe_a2a_overlap=True, moe_flex_dispatcher_backend=\"deepep\"', 235B 'tensor_model_parallel_size=2, "
                         "pipeline_model_parallel_size=8, virtual_pipeline_model_parallel_size=4, "
                         "expert_model_parallel_size=32, moe_a2a_overlap=True' with 'expert_tensor_parallel_size=1'; "
                         "qwen3_llm_pretrain.py: 'recompute_granularity = None', gradients reduced in bf16; "
                         "src/megatron/bridge/recipes/qwen/qwen3_moe.py: sequence parallelism, the distributed optimizer, "
                         "and for 235B the embedding and the loss counted in the pipeline split; scripts/performance/utils/"
                         "precision.py get_precision_config('fp8_cs'): 'fp8_param_gather = True' (weights kept in FP8)")


def _bridge_qwen3(model: str, preset: str, gpus: int, batch: int, tp: int, pp: int, vp: int, ep: int, wps: float,
                  etp: int | None, note: str, release: str = "26.02", source: str = "") -> ThroughputRun:
    return ThroughputRun("megatron_bridge_qwen3", f"{model}, {gpus} H100 FP8, NeMo {release}, GBS {batch}",
                         "megatron-core-moe-overlap", "H100", gpus, 4096, batch, tp, pp, 1, 1, tp > 1, "none", "flash",
                         True, "mixed", wps, "tokens_per_s_per_gpu", source or MEGATRON_BRIDGE_QWEN3, preset=preset,
                         micro_batch=1, interleave=vp, ep=ep, fp8=True, etp=etp, fp8_params=True,
                         note="Megatron-Core through Megatron-Bridge's H100 FP8 recipe of the release: no recomputation, "
                              "the all-to-all overlapped with another micro-batch's compute (moe_a2a_overlap), the "
                              "distributed optimizer (ZeRO-1), routing force-balanced as the planner assumes; " + note)


MEGATRON_BRIDGE_QWEN3_2511 = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (NVIDIA NeMo framework "
                              "performance summary), 25.11 NeMo container, System: DGX-H100: 'Qwen3_235B_a22B | 256 | "
                              "FP8-CS | 2048 | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 32 | 128 | 1575 | 233' (GBS 2048, MBS 1, "
                              "FSDP 0, TP 2, PP 8, CP 1, VP 4, EP 32, GA 128, tokens/s/GPU 1575); 'In MoE training "
                              "benchmarks, we force-balance the token distribution among experts and all benchmarks are "
                              "token-dropless'. The recipe at the release (tag v0.2.2): scripts/performance/configs/qwen3/"
                              "workload_base_configs.py QWEN3_235B_A22B_H100_FP8_CS_BASE_CONFIG: "
                              "'tensor_model_parallel_size=2, pipeline_model_parallel_size=8, "
                              "virtual_pipeline_model_parallel_size=4, expert_model_parallel_size=32, "
                              "global_batch_size=2048, moe_a2a_overlap=True', BASE_QWEN3_235B_A22B_CONFIG "
                              "'expert_tensor_parallel_size=1'; qwen3_llm_pretrain.py: 'recompute_granularity = None', "
                              "'grad_reduce_in_fp32 = False'; the FP8-CS precision config keeps the weights in FP8 "
                              "('fp8_param_gather = True'). The same table's Qwen3_30B_a3B row ('16 | FP8-CS | 512 | 2 | "
                              "4096 | 0 | 1 | 2 | 1 | 24 | 8 | 32 | 5275') is left out: it prints VP 24 and MBS 2, the "
                              "release's recipe (QWEN3_30B_A3B_H100_FP8_CS_BASE_CONFIG) sets "
                              "'virtual_pipeline_model_parallel_size=12' and no micro-batch (the base config's 1)")

MEGATRON_BRIDGE_OSS_B200 = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (NVIDIA NeMo framework "
                            "performance summary), 26.02 NeMo container, Model: GPT OSS 120B: 'DGX-B200 | 64 | BF16 | 1280 "
                            "| 4 | 4096 | 0 | 1 | 1 | 1 | n/a | 64 | 8047 | 219' (GBS 1280, MBS 4, FSDP 0, TP 1, PP 1, "
                            "CP 1, EP 64, tokens/s/GPU 8047); routing force-balanced, token-dropless. The recipe at the "
                            "release (tag v0.3.0, scripts/performance/configs/gpt_oss/gpt_oss_workload_base_configs.py): "
                            "GPT_OSS_120B_PRETRAIN_CONFIG_B200_BF16_V1 'expert_model_parallel_size=64, "
                            "micro_batch_size=4, recompute_modules=[\"layernorm\", \"moe_act\"]', V2 the same with "
                            "'global_batch_size=1280'; no all-to-all overlap, the default dispatcher. The 25.11 table's "
                            "DGX-B200 row ('64 | BF16 | 512 | 4 | 4096 | 0 | 1 | 1 | 1 | 1 | 8 | 2 | 8213') is left out: "
                            "it prints EP 8, that release's recipe (tag v0.2.2, GPT_OSS_120B_B200_BF16_BASE_CONFIG) "
                            "sets 'expert_model_parallel_size=64'")


# Which rows of NVIDIA's summary are validation runs: every DGX-H100 and DGX-B200 pre-training row of the releases
# below, in BF16 or FP8 with current scaling, of a model the workbook has a preset for, but those left out here. Where a
# printed layout cannot have run (GPT-OSS's 25.11 H100 row: its MBS and GA do not multiply out), the release's recipe is
# taken; where the printed layout could have run but the recipe sets another, which one ran is not settled and the row
# is left out. MXFP8 rows (block-scaled FP8 with 32-value scales) are left out: the planner's FP8 is Transformer
# Engine's per-tensor current scaling.
NVIDIA_RELEASES = ("25.11", "26.02")
# (release, why in English, why in Chinese); (release, system, model, why in English, why in Chinese)
NVIDIA_RELEASES_LEFT_OUT = (("25.09", "its tables print no precision", "其表格没有印出精度"),)
NVIDIA_ROWS_LEFT_OUT = (
    ("25.11", "DGX-H100", "Qwen3 30B-A3B", "it prints VP 24 and MBS 2, the release's recipe sets VP 12 and MBS 1",
     "表中印的是 VP 24、MBS 2，该版本的配方设的是 VP 12、MBS 1"),
    ("25.11", "DGX-B200", "GPT-OSS 120B", "it prints EP 8, the release's recipe sets EP 64",
     "表中印的是 EP 8，该版本的配方设的是 EP 64"),
)


VALIDATION_RUNS: tuple[ThroughputRun, ...] = (
    _bridge_oss("26.02", 1280, 1, 5993),
    _bridge_oss("25.11", 512, 1, 5630),
    _bridge_oss("26.02", 1280, 4, 8047, chip="B200", pp=1, ep=64, source=MEGATRON_BRIDGE_OSS_B200),
    _bridge_llama("25.11", "Llama 3 8B", "llama-3-8b", 8, 128, 1, 1, 1, None, 14451, zero=3),
    _bridge_llama("25.11", "Llama 3 70B", "llama-3-70b", 64, 128, 4, 8, 1, 5, 1602),
    _bridge_llama("26.02", "Llama 3 70B", "llama-3-70b", 64, 256, 4, 8, 1, 5, 1621),
    _bridge_llama("25.11", "Llama 3.1 405B", "llama-3.1-405b", 1024, 512, 8, 8, 2, 8, 292),
    _bridge_llama("26.02", "Llama 3.1 405B", "llama-3.1-405b", 1024, 1536, 8, 8, 2, 8, 311),
    _bridge_llama("25.11", "Llama 3 8B", "llama-3-8b", 8, 128, 1, 1, 1, None, 30624, chip="B200", micro=2),
    _bridge_llama("25.11", "Llama 3.1 405B", "llama-3.1-405b", 128, 64, 4, 8, 2, 8, 661, chip="B200"),
    _bridge_qwen3("Qwen3 30B-A3B", "qwen3-30b-a3b", 16, 1024, 1, 2, 12, 8, 5113, None,
                  "the table of the next point release (26.02.01) prints 9,058 tokens/s/GPU, 77% more, for the same "
                  "printed layout (that release's recipe differs, so what changed is not settled)"),
    _bridge_qwen3("Qwen3 235B-A22B", "qwen3-235b-a22b", 256, 8192, 2, 8, 4, 32, 1633, 1,
                  "each expert whole on one rank (expert_tensor_parallel_size 1), the 32 ranks of an expert group "
                  "folded over TP 2 × DP 16 (etp=1)"),
    _bridge_qwen3("Qwen3 235B-A22B", "qwen3-235b-a22b", 256, 2048, 2, 8, 4, 32, 1575, 1,
                  "the 26.02 row's layout at a quarter of its batch; each expert whole on one rank (etp=1)",
                  release="25.11", source=MEGATRON_BRIDGE_QWEN3_2511),
    ThroughputRun("deepseek_v3", "DeepSeek-V3, 2048 H800 FP8", "deepseek-v3", "H800", 2048, 4096, 15360, 1, 16, 1, 1,
                  False, "layernorm+mla_up_proj+moe_act", "flash", True, DEEPSEEK_V3_STATES, 180_000,
                  "gpu_hours_per_trillion_tokens",
                  DEEPSEEK_V3, preset="deepseek-v3", micro_batch=1, interleave=1, ep=64, fp8=True,
                  note="DeepSeek's HAI-LLM as the report describes it (stack 'deepseek-v3': DualPipe, all-to-all "
                       "hidden, per-node FP8 dispatch, 20 SMs for communication); the reported rate is the whole "
                       "pre-training stage's average (2664K GPU-hours for 14.8T tokens, the first 469B of them at a "
                       "smaller batch; the report does not itemise what else the hours hold), the batch its final "
                       "15,360 sequences; micro-batch 1 sequence assumed (DeepEP's "
                       "benchmark of the pretraining setting: 4096 tokens per batch); recomputation as §3.2.3 and "
                       "§3.3.3 describe it, in Megatron-Core's module terms: the RMSNorms ('layernorm'), MLA's "
                       "up-projections ('mla_up_proj', their matmuls charged again) and the SwiGLU's output ('moe_act', "
                       "from its FP8-cached inputs); master weights and gradients fp32, AdamW moments bf16, as printed "
                       "(§3.3.3); whether the expert outputs are kept for the router's gradient is not printed: they are "
                       "counted (448 MiB a layer and sequence); the multi-token-prediction module (one more MoE layer "
                       "and an output-head pass) not counted"),
)

# ----- the same printed rows in later releases of NVIDIA's summary: how much the measurement itself moves ------------
# NVIDIA's performance summary prints some rows again, release after release, with every printed column equal but the
# throughput. What the recipe does not print (recomputation, overlap, kernels, the container's libraries) may have
# changed between releases, so these are not extra runs of the same thing: they show how far NVIDIA's own figure for
# one printed layout moves. Only the first release's figure is a validation run; these are set beside it
# (llmcalc.planner.later_release_errors).

MEGATRON_BRIDGE_LATER = ("NVIDIA-NeMo/Megatron-Bridge, docs/performance-summary-archive.md (read at tag v0.6.0, August "
                         "2026), DGX-H100 pre-training rows of the 26.02.01, 26.04, 26.04.01 and 26.06 NeMo containers "
                         "equal in every printed column to a 26.02 row but the throughput (tokens/s/GPU): LLAMA3_70B '64 "
                         "| FP8 | 256 | 1 | 8192 | 0 | 4 | 8 | 1 | 5 | n/a' 1639 (26.02.01), 1633 (26.04), 1664 "
                         "(26.04.01); LLAMA3.1_405B '1024 | FP8 | 1536 | 1 | 8192 | 0 | 8 | 8 | 2 | 8 | n/a' 328 "
                         "(26.04.01), 326 (26.06), the 26.06 table without the FSDP column; GPT OSS 120B '64 | BF16 | 1280 | 1 | "
                         "4096 | 0 | 1 | 4 | 1 | n/a | 8' 5984 (26.02.01), 5810 (26.04), 5824 (26.04.01); Qwen3_30B_a3B "
                         "'16 | FP8 | 1024 | 1 | 4096 | 0 | 1 | 2 | 1 | 12 | 8' 9058 (26.02.01); Qwen3_235B_a22B '256 | "
                         "FP8 | 8192 | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 32' 1611 (26.02.01), 1686 (26.04), 1712 "
                         "(26.04.01)")

# label of a validation run -> ((release, tokens/s/GPU), ...), in release order
LATER_RELEASE_FIGURES: dict[str, tuple[tuple[str, float], ...]] = {
    "Llama 3 70B, 64 H100 FP8, NeMo 26.02, GBS 256": (("26.02.01", 1639), ("26.04", 1633), ("26.04.01", 1664)),
    "Llama 3.1 405B, 1024 H100 FP8, NeMo 26.02, GBS 1536": (("26.04.01", 328), ("26.06", 326)),
    "GPT-OSS 120B, 64 H100, NeMo 26.02, GBS 1280": (("26.02.01", 5984), ("26.04", 5810), ("26.04.01", 5824)),
    "Qwen3 30B-A3B, 16 H100 FP8, NeMo 26.02, GBS 1024": (("26.02.01", 9058),),
    "Qwen3 235B-A22B, 256 H100 FP8, NeMo 26.02, GBS 8192": (("26.02.01", 1611), ("26.04", 1686), ("26.04.01", 1712)),
}


# ----- FP8 over bf16 on the same layout: a speed-up measured in pairs -------------------------------------------
# torchtitan's December 2024 H100 benchmark ran Llama 3.1 8B with FSDP, torch.compile and selective (per-op)
# activation checkpointing, with and without Float8 linear layers (torchao), on H100s whose peak FLOP/s it does not
# print (96 GB of HBM2e at 2.4 TB/s, a 500 W limit: "between SXM and NVL"). The absolute rate depends on that peak;
# the ratio of the two runs hardly does, so the ratio is what is compared (llmcalc.planner.fp8_speedup_comparison).

TORCHTITAN_H100_FP8 = ("pytorch/torchtitan, benchmarks/llama3_h100_202412_torchtitan.md (the torchtitan team, December "
                       "2024; torchtitan 9dec370, train_configs/llama3_8b.toml: seq_len 8192, activation checkpointing "
                       "'selective', selective_ac_option 'op'): Llama 3.1 8B, FSDP, local batch size 2, selective "
                       "activation checkpointing; Table 1, 8 GPUs, global batch 16: 'FSDP + torch.compile | 6,667' and "
                       "'FSDP + torch.compile + Float8 | 8,532' TPS/GPU; Table 3, 128 GPUs, global batch 256: 6,514 and "
                       "8,380; 'Each H100 GPU is equipped with 96GB HBM2e with 2.4 TB/sec peak memory bandwidth', '500W "
                       "power limit', peak FLOP/s 'between SXM and NVL' (not printed)")
TORCHTITAN_H100_HBM_BYTES = 96e9          # "96GB HBM2e"
TORCHTITAN_H100_HBM_BYTES_PER_S = 2.4e12  # "2.4 TB/sec peak memory bandwidth"
TORCHTITAN_H100_POWER_W = 500             # "500W power limit"


@dataclass(frozen=True)
class SpeedupRun:
    """One layout run twice, in bf16 and with FP8 linear layers: tokens/s per GPU of each, as printed."""

    label: str
    preset: str
    gpus: int
    seq_len: int
    global_batch: int
    micro_batch: int
    recompute: str
    stack: str
    bf16_tokens_per_s_per_gpu: float
    fp8_tokens_per_s_per_gpu: float
    source: str

    @property
    def measured_speedup(self) -> float:
        return self.fp8_tokens_per_s_per_gpu / self.bf16_tokens_per_s_per_gpu


FP8_SPEEDUP_RUNS: tuple[SpeedupRun, ...] = (
    SpeedupRun("torchtitan Llama 3.1 8B, 8 H100 (96 GB, 500 W)", "llama-3.1-8b", 8, 8192, 16, 2, "selective-op", "fsdp2",
               6667, 8532, TORCHTITAN_H100_FP8),
    SpeedupRun("torchtitan Llama 3.1 8B, 128 H100 (96 GB, 500 W)", "llama-3.1-8b", 128, 8192, 256, 2, "selective-op",
               "fsdp2", 6514, 8380, TORCHTITAN_H100_FP8),
)


# PaLM 540B (Chowdhery et al. 2022, Table 1 and §2): 118 layers, d_model 18432, 48 heads of 256, multi-query
# attention, SwiGLU with d_ff = 4·d_model, no biases, shared input/output embeddings, vocabulary 256k
PALM_540B_SHAPE = dict(L=118, D=18432, F=4 * 18432, N=48, K=1, H=256, V=256000)


def palm_540b_config() -> ModelConfig:
    """PaLM 540B's shape (LLaMA-style blocks: RMSNorm-free details do not change FLOPs or bytes much)."""
    return ModelConfig(**PALM_540B_SHAPE, name="palm-540b", tied_embeddings=True)


# Llama 2 as torchtitan builds it (torchtitan/models/llama/__init__.py, llama2_configs; FFN width from its
# multiple_of / ffn_dim_multiplier rule, equal to Meta's released 13,824 and 28,672; vocabulary 32,000)
LLAMA2_SHAPES = {"13B": dict(hidden_size=5120, intermediate_size=13824, num_hidden_layers=40, num_attention_heads=40,
                             num_key_value_heads=40),
                 "70B": dict(hidden_size=8192, intermediate_size=28672, num_hidden_layers=80, num_attention_heads=64,
                             num_key_value_heads=8)}


def llama2_config(size: str) -> ModelConfig:
    """Llama 2 13B or 70B (:data:`LLAMA2_SHAPES`), untied embeddings, 4096 positions."""
    hf = dict(model_type="llama", vocab_size=32000, max_position_embeddings=4096, tie_word_embeddings=False,
              **LLAMA2_SHAPES[size])
    return ModelConfig.from_hf(hf, name=f"llama-2-{size.lower()}")


def run_config(run: ThroughputRun) -> ModelConfig:
    """The model of a :class:`ThroughputRun`."""
    from .models import preset as _preset
    if run.llama2:
        return llama2_config(run.llama2)
    if run.preset:
        return _preset(run.preset)
    if run.gpt_shape:
        layers, hidden, heads, vocab = run.gpt_shape
        return gpt_style_config(layers, hidden, heads, vocab=vocab, seq_len=run.seq_len,
                                name=f"gpt-style-{layers}x{hidden}")
    return palm_540b_config()


def reported_tokens_per_s(run: ThroughputRun, params: int | None = None) -> float:
    """The run's printed throughput as tokens per second for the whole run, with the source's own FLOP count
    (the ``reported_kind`` of :class:`ThroughputRun`; hand-written here, independent of llmcalc.flops).
    ``params``: the model's parameter count N, needed for "tflops_per_gpu_6n_attention" only."""
    tokens = run.global_batch * run.seq_len
    kind = run.reported_kind
    if kind == "tokens_per_s":
        return float(run.reported)
    if kind == "tokens_per_s_per_gpu":
        return float(run.reported) * run.n_chips
    if kind == "step_s":
        return tokens / float(run.reported)
    if kind == "gpu_hours_per_trillion_tokens":
        return 1e12 / (float(run.reported) * 3600.0) * run.n_chips
    if kind in ("megatron_tflops_per_gpu", "model_mfu_percent"):
        layers, h, _, vocab = run.gpt_shape
        b, s = run.global_batch, run.seq_len
        if kind == "megatron_tflops_per_gpu":
            flops = 96 * b * s * layers * h * h * (1 + s / (6 * h) + vocab / (16 * layers * h))
            rate = run.reported * 1e12 * run.n_chips
        else:
            flops = 72 * b * s * layers * h * h * (1 + s / (6 * h) + vocab / (12 * layers * h))
            rate = run.reported / 100 * MEGATRON_PEAK_TFLOPS * 1e12 * run.n_chips
        return tokens / (flops / rate)
    if kind == "tflops_per_gpu_6n_attention":
        if params is None:
            raise ValueError("params must be given for reported_kind 'tflops_per_gpu_6n_attention' (6·N per token)")
        cfg = run_config(run)
        per_token = 6 * params + 12 * cfg.L * cfg.N * cfg.H * run.seq_len
        return run.reported * 1e12 * run.n_chips / per_token
    raise ValueError(f"reported_kind must be one of tokens_per_s, tokens_per_s_per_gpu, step_s, "
                     f"gpu_hours_per_trillion_tokens, "
                     f"megatron_tflops_per_gpu, model_mfu_percent, tflops_per_gpu_6n_attention; got {kind!r}")
