"""The ``innograph`` command line: parse options, show progress, print tables. No logic.

Every command takes ``--db`` (or ``$INNOGRAPH_DB``): a path selects the embedded Kùzu store
(default ``./innograph.db``), a ``bolt://`` / ``neo4j://`` URL selects Neo4j.

One module per command group; this one assembles them into ``app``:

- ``common``: consoles, ``--db``, the Neo4j options, the store opener, tables, ``fail`` and
  the ``@user_errors`` decorator (one line ``error: …``, an exit status, no traceback);
- ``choices``: every closed option value as an Enum, the ``--years`` / ``--ngram`` /
  ``--device`` parsers;
- ``progress``: the rich progress renderer;
- ``load``, ``export``, ``query`` (stats, query), ``check``, ``embed`` (embed, match,
  keywords), ``classify``, ``locarno``, ``novelty``, ``analyze``, ``search`` (search
  figures, evaluate retrieval), ``demo``: the commands.

Commands import their pipelines inside the function, so ``innograph --help`` starts fast.
"""

from __future__ import annotations

import typer

from .analyze import analyze_app
from .check import check_cmd
from .classify import classify_app
from .common import global_options
from .demo import demo
from .embed import embed_cmd, keywords, match_cmd
from .export import export
from .load import load_app
from .locarno import locarno_app
from .novelty import novelty_app
from .query import query, stats
from .search import evaluate_app, search_app

__all__ = ["app", "main"]

app = typer.Typer(
    help="Innovation knowledge graph: papers, patents and keywords as a hypergraph.\n\n"
         "Example: innograph demo --out ./innograph-demo\n\n"
         "The method (formulas, choices, sources): docs/method.md in the source repository.",
    no_args_is_help=True, pretty_exceptions_show_locals=False,
)
app.callback()(global_options)
app.add_typer(load_app, name="load")
app.command("export")(export)
app.command("stats")(stats)
app.command("check")(check_cmd)
app.command("query")(query)
app.command("embed")(embed_cmd)
app.command("match")(match_cmd)
app.command("keywords")(keywords)
classify_app.add_typer(locarno_app, name="locarno")
app.add_typer(classify_app, name="classify")
app.add_typer(novelty_app, name="novelty")
app.add_typer(analyze_app, name="analyze")
app.add_typer(search_app, name="search")
app.add_typer(evaluate_app, name="evaluate")
app.command("demo")(demo)


def main() -> None:  # pragma: no cover
    """The ``innograph`` console script."""
    app()
