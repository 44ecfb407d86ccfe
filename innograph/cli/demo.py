"""``innograph demo``: the whole pipeline on a generated corpus with planted structure."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .choices import EmbedMethod
from .common import console, print_table, user_errors
from .progress import rich_progress


@user_errors()
def demo(out_dir: Path = typer.Option(Path("innograph-demo"), "--out", help="Output folder"),
         seed: int = typer.Option(7, "--seed"),
         embed: EmbedMethod = typer.Option("sentence", "--embed", help="sentence (offline "
                                           "MiniLM) | doc2vec (trained on the corpus)"),
         db: Optional[str] = typer.Option(None, "--db", help="Store (default OUT/innograph.db)")
         ) -> None:
    """Build a graph from a generated corpus with planted structure, export the CSVs and draw
    three analyses (OUT/analysis/*.png). What it writes: README, section Demo."""
    from ..pipeline.demo import run_demo

    with rich_progress(console=console) as bars:
        summary = run_demo(out_dir, db=db, seed=seed, embed_method=embed.value,
                           log=lambda m: console.print(m), progress=bars)
    print_table([{"item": k, "value": v} for k, v in summary.items()
                 if not isinstance(v, (dict, list))], title="demo")
