"""Shared setup for the real-browser tests in tests/browser/.

- Every test here is skipped, with the reason, when chromium or Playwright is missing; with
  REQUIRE_BROWSER=1 it fails instead (so CI cannot pass by skipping).
- Test modules must not import Playwright at module level (collection would error where it is
  missing); use the fixtures below, which import it only after the check.
- ``browser``: one headless chromium for the browser tests, closed when they are done (even on failure),
  before any other test runs.
- ``artifacts``: the screenshot folder (env BROWSER_ARTIFACTS, default <repo>/browser-artifacts).
"""

from __future__ import annotations

import os

import pytest

from ._jupyter import CHROMIUM_ARGS, artifacts_dir, browser_unavailable_reason, chromium_path


def _require_browser() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip() not in ("", "0", "false", "no")


def _check_browser() -> None:
    """Skip (or, with REQUIRE_BROWSER=1, fail) when no real browser can run here."""
    reason = browser_unavailable_reason()
    if reason:
        if _require_browser():
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _browser_available():
    _check_browser()


@pytest.fixture(scope="package")
def browser():
    # package scope: Playwright's sync API runs an event loop in this thread while it is open, so it must be
    # closed before the tests outside tests/browser run (nbclient's asyncio.run would refuse to start otherwise)
    _check_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts():
    return artifacts_dir()
