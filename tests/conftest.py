"""Shared fixtures: where the repository and the real data (../shared/data) are.

Tests reach the real files through the ``shared_data`` fixture (the folder) or, for one
file or folder that a test or a module-level fixture needs, ``shared_file(*parts)``; both
skip the test, loudly, when the data is absent. No test module builds the path itself."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root folder (the one holding ``innograph/`` and ``tests/``)."""
    return REPO_ROOT


def shared_file(*parts: str) -> Path:
    """``../shared/data/<parts...>`` (a file or a folder); the calling test is skipped,
    loudly, when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"REAL DATA ABSENT: {path} not found — this test reads it (CI must have "
                    "shared/ beside the checkout)")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; the test is skipped, loudly, when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"REAL DATA ABSENT: {SHARED_DATA} not found — tests on the real files are "
                    "skipped (CI must have shared/ beside the checkout)")
    return SHARED_DATA
