"""llmcalc: exact parameter and FLOP counts, and honest estimates of memory, time and sharding, for
sizing the training of a large language model. Every number the workbook shows comes from here.

Docstrings name their sources by what they are (*How To Scale Your Model*, part 6; the Qwen2-72B article;
the course slides; a paper and its table); docs/references.md (English) and docs/references.zh.md (Chinese)
list each with its authors and where it lives, numbered as "docs/references.md [n]".

Formula modules import only the standard library; pandas, matplotlib and ipywidgets are imported only
by ``llmcalc.tables``, ``llmcalc.plots`` and ``llmcalc.widgets`` when those are imported.
"""

from .models import ModelConfig, PRESETS, SUPPORTED_MODEL_TYPES, preset, preset_hf_config
from .hardware import CHIPS, Chip, chip
from .params import active_param_count, non_embedding_param_count, param_breakdown, param_count, slide_formula_count
from .flops import (
    attention_score_fraction,
    matmul_flops,
    megatron_training_flops,
    score_pairs,
    article_closed_form_forward_flops,
    flops_per_token,
    forward_flops,
    forward_flops_breakdown,
    training_flops,
    training_flops_6p,
    training_flops_per_token,
)
from .memory import (
    GB,
    GiB,
    REGIMES,
    activation_bytes,
    bytes_per_param,
    checkpoint_bytes,
    course_slide_bytes,
    finetune_bytes,
    fits,
    fsdp2_bytes_per_device,
    layer_activation_breakdown,
    logits_bytes,
    lora_params,
    min_chips,
    model_state_breakdown,
    model_state_bytes,
    subset_params,
    training_bytes_per_device,
)
from .timecost import chinchilla_tokens, chip_hours, chips_for_days, cost, implied_mfu, training_days, training_seconds

from . import check as checks, flops, hardware, i18n, memory, models, params, sharding, timecost  # noqa: E402
from .timecost import mfu_from_throughput  # noqa: E402
from .check import check  # noqa: E402
from .peak_memory import peak_training_breakdown, peak_training_bytes  # noqa: E402
from .rank_memory import rank_peak_breakdown, rank_peak_bytes  # noqa: E402

from . import answer_box as _answer_box  # noqa: E402

_answer_box.register()   # inside IPython/Jupyter: answer cells print into a closed "Show answer" box

__version__ = "0.1.0"


def __getattr__(name):
    # llmcalc.planner needs numpy and pandas; import it on first use so `import llmcalc` stays stdlib-only
    if name == "planner":
        import importlib

        return importlib.import_module(".planner", __name__)
    raise AttributeError(f"module 'llmcalc' has no attribute {name!r}")
