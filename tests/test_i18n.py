"""llmcalc.i18n: current() reports the language last set by use(); tr(en, zh) picks that language's text."""

import pytest

from llmcalc import i18n
from llmcalc.i18n import current, tr, use
from llmcalc.labels import label


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    use("en")


def test_default_is_english_before_use():
    # A fresh interpreter: nothing has called use() yet, so current() must be "en".
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "from llmcalc.i18n import current; print(current())"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "en"


def test_current_follows_use():
    use("zh")
    assert current() == "zh"
    use("en")
    assert current() == "en"
    use()                       # use() with no argument means English
    assert current() == "en"


def test_tr_returns_the_current_language():
    use("zh")
    assert tr("chips", "芯片") == "芯片"
    assert tr(f"{8960:,} chips", f"{8960:,} 块芯片") == "8,960 块芯片"
    use("en")
    assert tr("chips", "芯片") == "chips"


def test_tr_and_labels_switch_together():
    use("zh")
    assert (tr("a", "甲"), label("chips_axis", "chips")) == ("甲", "芯片数")
    use("en")
    assert (tr("a", "甲"), label("chips_axis", "chips")) == ("a", "chips")


def test_bad_language_is_refused_and_state_kept():
    use("zh")
    with pytest.raises(ValueError, match="lang must be one of"):
        use("fr")
    assert current() == "zh"


@pytest.mark.parametrize("en, zh, field", [(3, "三", "en"), (None, "无", "en"), ("x", 1.5, "zh"),
                                           ("x", ["乙"], "zh"), (b"x", "x", "en")])
def test_tr_refuses_non_strings_naming_the_field(en, zh, field):
    with pytest.raises(ValueError, match=rf"^{field} must be a str"):
        tr(en, zh)


def test_exported_from_module():
    assert i18n.current is current and i18n.tr is tr
