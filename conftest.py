"""Repository-wide pytest setup (loaded for `pytest --nbval chapters` as well as for `pytest tests`).

nbval skips comparing ``image/png`` outputs (pixels differ between machines and matplotlib builds), but an
answer cell shows its figure inline inside its closed "Show answer" box (``llmcalc.answer_box``), i.e. as a
base64 PNG inside ``text/html``. The same rule applies there: the PNG payload is replaced by a placeholder
before comparison; everything else in the box (its text, its structure) is still compared exactly.
"""

from __future__ import annotations

INLINE_PNG = r"data:image/png;base64,[A-Za-z0-9+/=\s]+"


def pytest_configure(config):
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:          # nbval not installed: nothing to configure
        return
    if getattr(IPyNbFile, "_llmcalc_inline_png", False):
        return
    original = IPyNbFile.setup_sanitize_files

    def setup_sanitize_files(self):
        original(self)
        self.sanitize_patterns[INLINE_PNG] = "data:image/png;base64,<png>"

    IPyNbFile.setup_sanitize_files = setup_sanitize_files
    IPyNbFile._llmcalc_inline_png = True
