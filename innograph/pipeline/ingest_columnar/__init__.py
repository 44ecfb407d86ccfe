"""``load deepinnovation`` at engine speed: the three DeepInnovationAI tables read in blocks
with pyarrow, validated and mapped with vectorised predicates, written with bulk COPY.

Same semantics as the row path (``loaders.deepinnovation`` → ``pipeline.ingest``): the same
keys (``innograph.identity``), node and edge tables, rejects (file, line, field, reason),
duplicate and merge rules, idempotent reruns (every write is key-diffed) and a load killed
midway reruns to the identical graph. How it stays the same:

* A row is mapped by arrow kernels only when every cell passes a conservative *fast*
  predicate (plain one-line text, ``Year`` four digits in range, ``Cited`` digits,
  ``Novelty`` a plain decimal, ``Keywords`` a JSON list / Python list literal of plain
  strings or ``;``/``|`` text, ...), for which the kernels give exactly what the row path
  gives. Every other row goes through the row path's own ``mapping.map_row`` (and so
  gets the same ``Document`` or the same ``Reject``).
* Functions that are not vectorisable (``patent_key``, ``normalize_keyword``,
  ``split_names``, IPC parsing) run once per *distinct* value, the result taken back to
  the rows by index.
* Line numbers: a byte scan of the CSV finds where each record starts (a newline ends a
  record when the quotes before it are even in number), so row *i* of pyarrow's reader is
  reported on the physical line it starts on, also when records run over several lines
  (quoted newlines in abstracts). A layout the scan cannot vouch for (a quote not at a
  field's edge, a bare ``\r``, a BOM, a quoted newline in a CRLF file, ...) or a row pyarrow
  cannot parse (wrong column count, bytes that are not UTF-8) is read from that point on
  by the row reader (``loaders.tabular``), which reports the exact lines.
* Parquet: the same three tables as ``DeepDiveAI.parquet`` etc. with the same column
  names; values are read as text (numbers cast); row *i* is "line" *i + 2*, as in the
  CSV it was made from.

Writes per block (``block_rows`` documents): documents (merged with stored ones by
``ingest.merge_document``), then entity nodes (Keyword, Author, Institution, Venue, IPC;
first mention kept, later ones only fill gaps), then edges, each edge table diffed against
the store with an arrow anti-join before ``COPY``.

The package, one topic a module:

=============  ==========================================================================
``files``      which tables are there; where each record starts; blocks of text columns
``kernels``    which cells are plain, and their values by arrow kernels
``maps``       per-distinct maps: patent and paper keys, authors, institutions, venues,
               IPC codes
``entities``   the entity nodes and edges of the plain rows
``load``       the document tables: map a block, re-key, duplicates, merge, write
``links``      DeepCosineAI.csv → SIMILAR_TO edges
``edges``      edge writes: only the new edges, by anti-join and bulk COPY
=============  ==========================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ...graph import schema
from ...graph.store import Store
from ...loaders.records import RejectLog
from ..ingest import LoadSummary
from .files import deep_files
from .links import load_links
from .load import _Load

__all__ = ["ingest_deepinnovation_columnar", "deep_files", "DEFAULT_BLOCK_ROWS"]

DEFAULT_BLOCK_ROWS = 250_000


def ingest_deepinnovation_columnar(store: Store, path: str | Path, rejects: RejectLog, *,
                                   require_year: bool = True,
                                   block_rows: int = DEFAULT_BLOCK_ROWS,
                                   progress: Callable[[int], None] | None = None,
                                   stats: dict[str, Any] | None = None
                                   ) -> LoadSummary | None:
    """Load DeepDiveAI, DeepPatentAI and DeepCosineAI (``.csv`` or ``.parquet``) from
    ``path`` (a folder or one of the files) into ``store``, columnar (module docstring).

    Returns the ``LoadSummary`` (same counters as ``pipeline.ingest.ingest``), or ``None``
    for a ``.zip`` (the caller uses the row path). Rejects go to ``rejects``.
    ``block_rows``: documents read, mapped and written together (memory ∝ block).
    ``stats``: when given, receives ``index_bytes``, the bytes held for the whole load (the
    within-load key index for duplicates and best-match ids: ∝ documents).
    Raises ``BadInputError`` for a missing folder/file or a header that is not the
    published one (nothing of that table is loaded).
    """
    files = deep_files(path)
    if files is None:
        return None
    load = _Load(store, rejects, require_year, block_rows, progress)
    if schema.DEEP_DIVE_CSV in files:
        load.documents(files[schema.DEEP_DIVE_CSV], "paper")
    if schema.DEEP_PATENT_CSV in files:
        load.documents(files[schema.DEEP_PATENT_CSV], "patent")
    if schema.DEEP_COSINE_CSV in files:
        load_links(load, files[schema.DEEP_COSINE_CSV])
    if stats is not None:
        stats["index_bytes"] = sum(t.nbytes for ts in (*load.seen.values(),
                                                       *load.by_source.values()) for t in ts)
    return load.summary
