"""Edge writes: only the edges not stored yet, by an arrow anti-join and one bulk COPY.

``copy_new_edges`` writes the edges of the documents and of the links; ``first_rows`` keeps
the first row of each key in line order (entity nodes, edges, source ids).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...graph import queries, schema
from ...graph.store import Store

__all__ = ["copy_new_edges", "first_rows"]


def copy_new_edges(store: Store, rel: str, a: str, b: str, table: pa.Table,
                   unique: bool = False, old_keys: pa.Array | None = None,
                   side: str = "src") -> int:
    """Write the edges of ``table`` (src, dst, props; first row of each edge key kept) that
    are not stored yet; returns how many.

    The diff is an arrow anti-join (null key properties equal to null) against
    ``store.edge_keys`` (skipped while the store has no such edge), then one
    ``store.copy_edges``; a store without those methods (Neo4j) uses ``upsert_edges``.
    ``old_keys``: when given, only edges whose ``side`` endpoint is one of these keys can be
    stored already (the others' endpoint was new in this load); only those are diffed."""
    if table.num_rows == 0:
        return 0
    if not hasattr(store, "copy_edges"):
        return store.upsert_edges(rel, a, b, table).inserted
    kp = list(schema.rel(rel).key_props)
    cols = ["src", "dst", *kp]
    for p in kp:
        if p not in table.column_names:
            table = table.append_column(p, pa.nulls(table.num_rows, pa.string()))
    if not unique:  # ``unique``: the caller knows each edge key occurs once
        table = first_rows([table.append_column("__line", pa.array(np.arange(table.num_rows)))],
                       cols)
    cand = None if old_keys is None else pc.is_in(table.column(side), old_keys)
    if (cand is None or pc.any(cand).as_py()) and _has_edges(store, rel, a, b):
        sub = table if cand is None else table.filter(cand)
        stored = store.edge_keys(rel, a, b, sub.select(cols))  # type: ignore[attr-defined]
        if stored.num_rows:
            sentinel = "\x00null"
            left = table.select(cols).append_column("__i", pa.array(np.arange(table.num_rows)))
            for p in kp:
                left = left.set_column(left.column_names.index(p), p, pc.fill_null(
                    left.column(p).cast(pa.string()), sentinel))
                stored = stored.set_column(stored.column_names.index(p), p, pc.fill_null(
                    stored.column(p).cast(pa.string()), sentinel))
            anti = left.join(stored.select(cols), cols, join_type="left anti")
            table = table.take(pa.array(np.sort(anti.column("__i").to_numpy())))
    return store.copy_edges(rel, a, b, table)  # type: ignore[attr-defined]


def _has_edges(store: Store, rel: str, a: str, b: str) -> bool:
    r = store.read_table(*queries.any_edge(rel, a, b))
    return r.num_rows > 0



def first_rows(tabs: list[pa.Table], key: list[str]) -> pa.Table:
    """Rows of ``tabs`` in ``__line`` order, the first of each ``key`` kept; ``__line``
    dropped. Tables may miss columns (null there)."""
    t = pa.concat_tables(tabs, promote_options="default")
    t = t.take(pa.array(np.argsort(t.column("__line").to_numpy(), kind="stable")))
    t = t.drop(["__line"])
    idx = t.select(key).append_column("__i", pa.array(np.arange(t.num_rows)))
    firsts = idx.group_by(key, use_threads=False).aggregate([("__i", "min")])
    if firsts.num_rows == t.num_rows:
        return t
    return t.take(pa.array(np.sort(firsts.column("__i_min").to_numpy())))
