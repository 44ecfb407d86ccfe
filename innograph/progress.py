"""Progress reporting: the plain callback types the jobs report through.

Models (``innograph.models``) report progress through a ``Progress`` callback
``(done: int, total: int) -> None`` — counts of documents (or texts, or training passes ×
documents) — and never import rich. Pipelines take a ``ProgressFactory``: called with a
description (``"Paper: encoding"``) it returns the callback for that step. The command line
draws them (``innograph.cli.progress.rich_progress``: a bar per step on stderr).
"""

from __future__ import annotations

from typing import Callable

Progress = Callable[[int, int], None]
ProgressFactory = Callable[[str], Progress]


def no_progress(done: int, total: int) -> None:
    """A ``Progress`` that does nothing."""
