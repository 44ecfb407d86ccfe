"""Shared fixtures: where the repository and the real data (../shared/data) are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder (the one holding ``innograph/`` and ``tests/``)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; the test is skipped, loudly, when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"REAL DATA ABSENT: {SHARED_DATA} not found — tests on the real files are "
                    "skipped (CI must have shared/ beside the checkout)")
    return SHARED_DATA
