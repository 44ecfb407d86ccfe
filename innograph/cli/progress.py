"""The one progress renderer of the command line: rich bars on stderr.

Jobs report progress through the callbacks of :mod:`innograph.progress` (``Progress``:
``(done, total) -> None``; ``ProgressFactory``: a step description → its ``Progress``) and
never import rich. ``rich_progress`` yields such a factory that draws one bar per step with
done/total, a rate (per second, over the recent updates), the time spent and the time left.
``counter`` adapts a bar to the loaders' ``advance(n)`` callbacks (rows read, no total).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ..progress import Progress, ProgressFactory, no_progress

__all__ = ["rich_progress", "counter"]


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

        def report(done: int, total: int | None) -> None:
            bars.update(task, completed=done, total=total)

        return report

    with bars:
        yield factory


def counter(report: Progress) -> Callable[[int], None]:
    """An ``advance(n)`` callback (n more rows read; the total unknown) drawn by ``report``."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        report(done, None)  # type: ignore[arg-type]

    return advance
