"""Loaders: input files → validated ``Document`` / ``Link`` records and ``Reject`` rows.

Every loader is a function ``(path, **options) -> Iterator[Document | Link | Reject]``
that touches no store (``pipeline.ingest`` writes the records). ``LOADERS`` names them for
``innograph load <name> PATH``:

=================  ==========  ==============================================================
name               PATH        reads
=================  ==========  ==============================================================
deepinnovation     folder,     DeepDiveAI.csv, DeepPatentAI.csv, DeepCosineAI.csv (docs/method.md
                   .zip or     §6 headers); options ``require_year``, ``encoding``
                   file
arxiv              file        arXiv metadata, JSON lines or CSV (Kaggle snapshot columns, or
                               the scraped variants); options ``variant``, ``encoding``,
                               ``fmt``
patentsview        folder      PatentsView bulk tables (g_patent required; .tsv/.csv,
                               zipped or not); options ``only``, ``encoding``
google-patents     file        Google Patents query exports or "Download CSV" files; options
                               ``country``, ``encoding``
csv                file        any CSV/TSV/JSON lines through ``--map field=column,...``;
                               options ``kind`` (paper | patent, required), ``mapping``
                               (the --map string, a dict or a ColumnMapping; required),
                               ``encoding``, ``fmt``
uspto-xml          file or     USPTO grant full-text XML (single, weekly, zip, folder);
                   folder      option ``figures``
=================  ==========  ==============================================================

Common behaviour (see ``tabular``): plain / .gz / .bz2 / .xz / .zip inputs, BOMs removed,
NUL bytes dropped, rows with undecodable bytes, malformed quoting, wrong column counts or
fields over ``records.MAX_FIELD_CHARS`` rejected with file, line and field; zip members
with absolute or ``..`` paths and decompression bombs refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .arxiv import read_arxiv
from .deepinnovation import read_deepinnovation
from .google_patents import read_google_patents
from .mapping import ColumnMapping, read_csv_mapped, read_mapped
from .patentsview import read_patentsview
from .records import Document, Link, Record, Reject
from .uspto_xml import read_uspto_xml


@dataclass(frozen=True)
class Loader:
    """A registry entry: the function, what PATH is (``file`` | ``folder`` |
    ``file-or-folder``), and a one-line summary for ``--help``. Calling the entry calls
    the function: ``LOADERS["arxiv"](path)``."""

    read: Callable[..., Iterator[Record]]
    path: str
    summary: str

    def __call__(self, path: Any, **options: Any) -> Iterator[Record]:
        return self.read(path, **options)


LOADERS: dict[str, Loader] = {
    "deepinnovation": Loader(read_deepinnovation, "file-or-folder",  # .zip too
                             "DeepDiveAI.csv, DeepPatentAI.csv, DeepCosineAI.csv"),
    "arxiv": Loader(read_arxiv, "file",
                    "arXiv metadata (Kaggle snapshot JSON lines / CSV, scraped variants)"),
    "patentsview": Loader(read_patentsview, "folder",
                          "PatentsView granted-patent bulk tables (g_patent required)"),
    "google-patents": Loader(read_google_patents, "file",
                             "Google Patents query exports and 'Download CSV' files"),
    "csv": Loader(read_csv_mapped, "file",
                  "any CSV/TSV/JSON lines with --kind paper|patent --map field=column,..."),
    "uspto-xml": Loader(read_uspto_xml, "file-or-folder",
                        "USPTO grant full-text XML (us-patent-grant v4.x)"),
}


def load_records(name: str, path: Any, **options: Any) -> Iterator[Record]:
    """``LOADERS[name].read(path, **options)`` with a clear error for an unknown name."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise KeyError(f"unknown loader {name!r}; known: {', '.join(LOADERS)}") from None
    return loader.read(path, **options)


__all__ = ["LOADERS", "Loader", "load_records", "read_arxiv", "read_deepinnovation",
           "read_google_patents", "read_patentsview", "read_csv_mapped", "read_mapped",
           "read_uspto_xml", "ColumnMapping", "Document", "Link", "Reject", "Record"]
