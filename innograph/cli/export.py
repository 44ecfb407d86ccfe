"""``innograph export``: the three DeepInnovationAI CSVs, or the files of ``neo4j-admin
database import`` (``export neo4j-import DIR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..graph import schema
from .choices import ExportMethod, IdsChoice, value
from .common import DbOption, console, fail, open_db, print_table, store_label, user_errors


@user_errors(code=1)
def export(out_dir: Path = typer.Argument(..., help="Folder for the three CSVs, or the word "
                                          "neo4j-import followed by a folder"),
           import_dir: Optional[Path] = typer.Argument(None, help="with neo4j-import: the "
                                                       "folder for neo4j-admin's files"),
           db: Optional[str] = DbOption,
           raw: bool = typer.Option(False, "--raw", help="Do not neutralise cells starting "
                                    "with = + - @ (CSV injection guard)"),
           method: Optional[ExportMethod] = typer.Option(
               None, "--method", help="SIMILAR_TO method for DeepCosineAI.csv (default: exact, "
               "else input, else index); an error if the store has none"),
           into: str = typer.Option("neo4j", "--into", help="neo4j-import: the database name "
                                    "the import.sh command creates"),
           overwrite: bool = typer.Option(False, "--overwrite", help="neo4j-import: import.sh "
                                          "replaces an existing database of that name"),
           ids: IdsChoice = typer.Option(IdsChoice.sequential, "--ids",
                                         help="sequential: IDs 1..N per file as the published "
                                         "files (DeepCosineAI points at them); source: the "
                                         "store's keys (PN, DOI, arXiv id, ...)"),
           ai_only: bool = typer.Option(False, "--ai-only", help="Only documents whose final "
                                        "AI label is AI (is_ai, else ai_rule)")
           ) -> None:
    """Write DeepPatentAI.csv, DeepDiveAI.csv and DeepCosineAI.csv (headers: docs/method.md).

    A file with no rows is named on stderr with the reason; an empty store, or a --method
    the store has no edges of, is an error (exit 1).
    Examples: innograph export out --method exact; innograph export ./out --ids sequential --ai-only

    ``innograph export neo4j-import DIR`` instead writes the node and relationship files of
    ``neo4j-admin database import full``, ``import.sh`` (the exact command) and
    ``schema.cypher`` (constraints to create afterwards).
    """
    from ..pipeline.export import empty_reasons, export_csvs

    if str(out_dir) == "neo4j-import":
        _export_neo4j_import(db, import_dir, into, overwrite)
        return
    if import_dir is not None:
        fail(f"unexpected second folder {import_dir} (only after neo4j-import)")
    with open_db(db, read_only=True) as store:
        if store.count(schema.PAPER) + store.count(schema.PATENT) == 0:
            fail(f"the store {store_label(db)} holds no Paper and no Patent: nothing to export "
                 "(load documents first)", 1)
        n = export_csvs(store, out_dir, raw=raw, method=value(method), ids=ids.value,
                        ai_only=ai_only)
    print_table([{"file": str(Path(out_dir) / k), "rows": v} for k, v in n.items()])
    for reason in empty_reasons(n):
        console.print(f"[yellow]warning:[/yellow] {reason}", soft_wrap=True)


@user_errors(ValueError)
def _export_neo4j_import(db: Optional[str], import_dir: Optional[Path], into: str,
                         overwrite: bool) -> None:
    """``export neo4j-import DIR``: its errors end it with exit status 2."""
    from ..pipeline.neo4j_import import export_neo4j_import

    if import_dir is None:
        fail("export neo4j-import needs a folder: innograph export neo4j-import DIR")
    with open_db(db, read_only=True) as store:
        n = export_neo4j_import(store, import_dir, database=into, overwrite=overwrite)
    print_table([{"file": str(Path(import_dir) / k), "rows": v} for k, v in n.items()])
    console.print(f"then: sh {Path(import_dir) / 'import.sh'}  (see its comments)")
