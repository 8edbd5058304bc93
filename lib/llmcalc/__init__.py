"""llmcalc: exact parameter and FLOP counts, and honest estimates of memory, time and sharding, for
sizing the training of a large language model. Every number the workbook shows comes from here.

Formula modules import only the standard library; pandas, matplotlib and ipywidgets are imported only
by ``llmcalc.tables``, ``llmcalc.plots`` and ``llmcalc.widgets`` when those are imported.
"""

from .models import ModelConfig, PRESETS, SUPPORTED_MODEL_TYPES, preset, preset_hf_config
from .hardware import CHIPS, Chip, chip
from .params import active_param_count, non_embedding_param_count, param_breakdown, param_count
from .flops import (
    attention_score_fraction,
    flops_per_token,
    forward_flops,
    forward_flops_breakdown,
    training_flops,
    training_flops_6p,
    training_flops_per_token,
)
from .timecost import chinchilla_tokens, chip_hours, chips_for_days, cost, implied_mfu, training_days, training_seconds

__version__ = "0.1.0"
