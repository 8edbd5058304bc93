"""Text for explorer controls, plot titles and axes in the current language (set by ``llmcalc.i18n.use``).

One store for ``plots`` and ``widgets``: a key with no entry shows the English default given at the call.
"""

from __future__ import annotations

_current: dict[str, str] = {}


def set_labels(labels: dict[str, str]) -> None:
    """Replace the label store (e.g. with Chinese text); figures and explorers made afterwards use it."""
    _current.clear()
    _current.update(labels)


def label(key: str, default: str) -> str:
    """The current text for ``key``, or ``default`` (English) when the language has none."""
    return _current.get(key, default)
