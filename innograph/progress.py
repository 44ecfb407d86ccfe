"""Progress reporting: plain callbacks in the algorithms, one rich renderer for the CLI.

Models (``innograph.models``) report progress through a ``Progress`` callback
``(done: int, total: int) -> None`` — counts of documents (or texts, or training passes ×
documents) — and never import rich. Pipelines take a ``ProgressFactory``: called with a
description (``"Paper: encoding"``) it returns the callback for that step. ``rich_progress``
is the one renderer: a bar per step on stderr with done/total, a rate (per second, over the
recent updates) and the time left.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

Progress = Callable[[int, int], None]
ProgressFactory = Callable[[str], Progress]


def no_progress(done: int, total: int) -> None:
    """A ``Progress`` that does nothing."""


@contextmanager
def rich_progress(enabled: bool = True, console: Any = None) -> Iterator[ProgressFactory]:
    """Yield a ``ProgressFactory`` that draws rich bars on stderr (transient: they vanish
    when the block ends). ``enabled=False`` yields a factory of no-op callbacks."""
    if not enabled:
        yield lambda description: no_progress
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second over the task so far (rich's own estimate needs several
        updates inside its 30 s window and reads 0 until then)."""

        def render(self, task: Any) -> Text:
            speed = task.speed
            if speed is None and task.elapsed and task.completed:
                speed = task.completed / task.elapsed
            return Text(f"{speed or 0:,.1f}/s" if (speed or 0) < 10 else f"{speed:,.0f}/s")

    bars = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        RateColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console or Console(stderr=True), transient=True,
                        speed_estimate_period=60.0)

    def factory(description: str) -> Progress:
        task = bars.add_task(description, total=None)

        def report(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total)

        return report

    with bars:
        yield factory
