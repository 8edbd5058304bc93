"""Setup shared by every test under tests/.

The language of llmcalc's text (``llmcalc.i18n.use``) is process-wide state: a test that switches to Chinese (the
browser tests build explorers in the language of the chapter they check) must not change what a later test sees.
Each test therefore ends with the language back at English, the default a fresh ``import llmcalc`` has.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _language_back_to_english():
    yield
    from llmcalc import i18n

    if i18n.current() != "en":
        i18n.use("en")
