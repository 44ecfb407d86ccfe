"""The Store interface both backends implement, and ``open_store(url)``.

Tables in, tables out: every method takes or returns a ``pyarrow.Table`` (or plain counts),
never one row at a time across the boundary.

URL rules: ``bolt://``, ``bolt+s://``, ``neo4j://``, ``neo4j+s://`` … select Neo4j (user and
password from ``NEO4J_USER`` / ``NEO4J_PASSWORD`` or a config file, never from the URL in
logs); anything else is a filesystem path of the embedded Kùzu store (default
``./innograph.db``, or ``$INNOGRAPH_DB``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ContextManager, Protocol, runtime_checkable

import pyarrow as pa

DEFAULT_DB = "innograph.db"
NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


@dataclass
class UpsertCount:
    """What a node/edge upsert did: rows inserted, existing rows whose values changed."""

    inserted: int = 0
    updated: int = 0

    def __iadd__(self, other: "UpsertCount") -> "UpsertCount":
        self.inserted += other.inserted
        self.updated += other.updated
        return self


def distinct_keys(keys: Any) -> list[str]:
    """Distinct non-null keys of a list / arrow array / column, in first-seen order (the
    ``src_keys`` of ``delete_edges_from`` on both backends)."""
    if hasattr(keys, "to_pylist"):
        keys = keys.to_pylist()
    return [k for k in dict.fromkeys(keys) if k is not None]


@runtime_checkable
class Store(Protocol):
    """A graph store holding the innograph schema (``graph.schema``)."""

    kind: str  # "kuzu" | "neo4j"
    vector_year_filter: bool  # vector_query takes ``min_year`` (exact filter in the index)

    def ensure_schema(self) -> None:
        """Create every node table / constraint and relationship table; idempotent."""

    def upsert_nodes(self, label: str, table: pa.Table, update: bool = True,
                     overwrite: bool = True) -> UpsertCount:
        """Insert rows whose key is new; on existing keys set the non-null given columns
        (``overwrite=False``: only properties still null are filled).

        ``table`` has the label's key column and any subset of its properties.
        """

    def upsert_edges(self, rel_type: str, from_label: str, to_label: str,
                     table: pa.Table) -> UpsertCount:
        """Insert edges ``src -> dst`` (columns ``src``, ``dst`` + properties) not yet present.

        An edge is identified by (src, dst, *key_props of the RelSpec); an edge already
        present is left as it is (jobs that recompute edges delete their old ones first).
        Endpoints must exist.
        """

    def existing_keys(self, label: str, keys: Any) -> set[str]:
        """The subset of ``keys`` present as ``label`` nodes."""

    def set_properties(self, label: str, table: pa.Table) -> int:
        """Set the given columns (nulls included) on existing nodes keyed by the key column."""

    def delete_edges(self, rel_type: str, from_label: str, to_label: str,
                     where: dict[str, Any] | None = None) -> int:
        """Delete edges of a type whose properties equal ``where``; returns how many."""

    def delete_edges_from(self, rel_type: str, from_label: str, to_label: str, src_keys: Any,
                          where: dict[str, Any] | None = None) -> int:
        """Delete the ``rel_type`` edges leaving the ``from_label`` nodes keyed ``src_keys``
        (a list or arrow array, any length: sent in batches) whose properties equal ``where``;
        returns how many. Keys that match no node delete nothing."""

    def transaction(self) -> ContextManager[None]:
        """``with store.transaction(): …`` runs the writes inside as one transaction where the
        backend can (Kùzu: all or nothing, also under SIGKILL); re-entrant. On Neo4j each
        statement stays its own managed transaction (the block only groups them in code)."""

    def create_vector_index(self, label: str, prop: str = "embedding", dims: int | None = None,
                            **options: Any) -> dict[str, Any]:
        """(Re)build the cosine vector index over ``label.prop``; returns its description."""

    def vector_query(self, label: str, vectors: Any, k: int, prop: str = "embedding",
                     **options: Any) -> list[tuple[list[str], Any]]:
        """The ``k`` nearest ``label`` nodes of each query row: ``(ids, raw cosines)``, best
        first. ``options``: ``batch`` (query rows per statement), and where the store's
        ``vector_year_filter`` is true, ``min_year`` (int or one per row: only nodes with
        ``year >= min_year`` are searched, inside the index)."""

    def read_table(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run a read query written for this store and return its rows as a table."""

    def run_read(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run a user query read-only: a query that writes fails with ReadOnlyQueryError."""

    def count(self, label_or_type: str) -> int:
        """Number of nodes with a label or edges of a type."""

    def stats(self) -> dict[str, int]:
        """Counts per node label and per relationship type."""

    def close(self) -> None: ...


def resolve_url(url: str | None) -> str:
    """The store URL to use: the argument, else ``$INNOGRAPH_DB``, else ``./innograph.db``."""
    return url or os.environ.get("INNOGRAPH_DB") or DEFAULT_DB


def is_neo4j_url(url: str) -> bool:
    return url.lower().startswith(NEO4J_SCHEMES)


def open_store(url: str | None = None, read_only: bool = False, **options: Any) -> Store:
    """Open the store ``url`` points at (see the module doc) and make sure its schema exists.

    ``read_only`` opens the embedded store without write access (several readers may share
    it while no writer holds it) and sends Neo4j work through read transactions.
    ``options`` go to the backend (``buffer_pool_mb`` for Kùzu; ``database`` for Neo4j).
    """
    url = resolve_url(url)
    if is_neo4j_url(url):
        from .neo4j_store import Neo4jStore

        store: Store = Neo4jStore.connect(url, read_only=read_only, **options)
    else:
        from .kuzu_store import KuzuStore

        store = KuzuStore(url, read_only=read_only, **options)
    if not read_only:
        store.ensure_schema()
    return store
