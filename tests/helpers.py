"""Helpers shared by the test modules (a plain module, not a test module)."""
from __future__ import annotations

import os
import shutil

import pytest


def need_tool(*names: str) -> str:
    """The path of the first tool found among `names`; else skip, or fail when REPORTTOOL_REQUIRE_RENDER=1.

    CI sets REPORTTOOL_REQUIRE_RENDER (.ci/run installs LibreOffice, poppler and Chromium), so a render or
    browser test can never pass there by skipping.
    """
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    reason = f"{' / '.join(names)} is not installed"
    if os.environ.get("REPORTTOOL_REQUIRE_RENDER") == "1":
        pytest.fail(reason + " (REPORTTOOL_REQUIRE_RENDER=1: render tests must run)")
    pytest.skip(reason)
