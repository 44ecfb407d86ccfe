"""The embedded default store: Kùzu 0.11.3 (pinned; see DESIGN.md §3).

Every Kùzu call of the package lives here (and Kùzu-specific statement text in
``dialect``). Bulk writes go through ``COPY T FROM <arrow table>`` after a client-side key
diff, so that a rerun neither fails on duplicate keys nor doubles edges; updates go through
``LOAD FROM <arrow table> MATCH … SET``. Each COPY / LOAD statement is one transaction, so
a load killed at any point leaves whole batches, and a rerun converges to the same graph.
"""

from __future__ import annotations

import importlib.util  # noqa: F401  (Kùzu's arrow scans need importlib.util loaded)
import os
import re
from pathlib import Path
from typing import Any

import kuzu
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InnographError, ReadOnlyQueryError, StoreLockedError
from . import dialect, schema
from .store import UpsertCount

DEFAULT_BUFFER_POOL_MB = 1024

_ARROW_TYPES = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOL": pa.bool_(),
    "DOUBLE[]": pa.list_(pa.float64()),
    "FLOAT[]": pa.list_(pa.float32()),
}


def arrow_type(kuzu_type: str) -> pa.DataType:
    """The arrow type that COPY expects for a Kùzu column type."""
    if kuzu_type in _ARROW_TYPES:
        return _ARROW_TYPES[kuzu_type]
    m = re.fullmatch(r"(FLOAT|DOUBLE)\[(\d+)\]", kuzu_type)
    if m:
        inner = pa.float32() if m.group(1) == "FLOAT" else pa.float64()
        return pa.list_(inner, int(m.group(2)))
    raise KeyError(kuzu_type)


def conform(table: pa.Table, columns: list[tuple[str, str]]) -> pa.Table:
    """``table`` with exactly ``columns`` (name, Kùzu type) in order; missing ones null."""
    arrays = []
    for name, ktype in columns:
        t = arrow_type(ktype)
        if name in table.column_names:
            col = table.column(name)
            if col.type != t:
                col = col.cast(t)
            arrays.append(col)
        else:
            arrays.append(pa.nulls(table.num_rows, t))
    return pa.Table.from_arrays(arrays, names=[n for n, _ in columns])


class KuzuStore:
    """A Kùzu database directory (or file) opened by this process."""

    kind = "kuzu"

    def __init__(self, path: str | os.PathLike, read_only: bool = False,
                 buffer_pool_mb: int | None = None):
        self.path = str(path)
        self.read_only = read_only
        if read_only and not Path(self.path).exists():
            raise InnographError(f"no store at {self.path}: load something into it first")
        mb = buffer_pool_mb or int(os.environ.get("INNOGRAPH_BUFFER_POOL_MB", DEFAULT_BUFFER_POOL_MB))
        try:
            self._db = kuzu.Database(self.path, buffer_pool_size=mb * 1024 * 1024,
                                     read_only=read_only)
        except RuntimeError as e:
            if "lock" in str(e).lower():
                raise StoreLockedError(
                    f"store {self.path} is locked by another process (one writer at a time; "
                    "readers may share it only while no writer has it open). Wait for the other "
                    "innograph command to finish, or use another --db path."
                ) from e
            raise
        self._conn = kuzu.Connection(self._db)

    # ----------------------------------------------------------------- basics
    def ensure_schema(self) -> None:
        for stmt in dialect.kuzu_schema_ddl():
            self._conn.execute(stmt)

    def read_table(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        return self._conn.execute(query, params or {}).get_as_arrow()

    def run_read(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        if not self.read_only and dialect.looks_like_write(query):
            raise ReadOnlyQueryError("this path runs read-only queries; the query writes")
        try:
            return self._conn.execute(query, params or {}).get_as_arrow()
        except RuntimeError as e:
            if self.read_only and "read" in str(e).lower() and "only" in str(e).lower():
                raise ReadOnlyQueryError(f"query refused: the store is open read-only ({e})") from e
            raise

    def close(self) -> None:
        try:
            self._conn.close()
        finally:
            self._db.close()

    def __enter__(self) -> "KuzuStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- counts
    def count(self, label_or_type: str) -> int:
        if label_or_type in schema.NODES:
            q = f"MATCH (n:{label_or_type}) RETURN count(n)"
        else:
            schema.rel(label_or_type)
            q = f"MATCH ()-[e:{label_or_type}]->() RETURN count(e)"
        return int(self._conn.execute(q).get_next()[0])

    def stats(self) -> dict[str, int]:
        out = {label: self.count(label) for label in schema.NODES}
        out.update({t: self.count(t) for t in schema.RELS})
        return out

    # ----------------------------------------------------------------- writes
    def existing_keys(self, label: str, keys: Any) -> set[str]:
        """The subset of ``keys`` (a list or arrow array) present as ``label`` nodes."""
        return self._existing(label, pa.array(keys, pa.string()) if isinstance(keys, list) else keys)

    def _existing(self, label: str, keys: pa.Array) -> set[str]:
        spec = schema.node(label)
        t0 = pa.table({"k": keys})
        res = self._conn.execute(
            f"LOAD FROM t0 MATCH (n:{label} {{{spec.key}: k}}) RETURN n.{spec.key}"
        )
        return set(res.get_as_arrow().column(0).to_pylist())

    def upsert_nodes(self, label: str, table: pa.Table, update: bool = True,
                     overwrite: bool = True) -> UpsertCount:
        spec = schema.node(label)
        if table.num_rows == 0:
            return UpsertCount()
        unknown = set(table.column_names) - set(spec.columns)
        if unknown:
            raise KeyError(f"{label} has no properties {sorted(unknown)}")
        table = _dedupe(table, [spec.key])
        existing = self._existing(label, table.column(spec.key))
        is_new = pc.invert(pc.is_in(table.column(spec.key), pa.array(list(existing), pa.string())))
        new_rows = table.filter(is_new)
        count = UpsertCount()
        if new_rows.num_rows:
            new_rows = self._copy_nodes(spec, new_rows)
            count.inserted = new_rows.num_rows
        props = [c for c in table.column_names if c != spec.key]
        if update and existing and props:
            old_rows = table.filter(pc.invert(is_new))
            count.updated = self._update_nodes(spec, old_rows, props, keep_existing=True,
                                               fill_only=not overwrite)
        return count

    def _copy_nodes(self, spec: schema.NodeSpec, rows: pa.Table) -> pa.Table:
        """COPY ``rows`` (keys believed new); returns the rows actually inserted.

        If Kùzu still reports a duplicate key (seen once in a SIGKILL test under heavy load,
        not reproduced since), the keys are re-read with a full scan and the COPY is retried
        with the rows that are really new.
        """
        t0 = conform(rows, [(p.name, p.type) for p in spec.props])
        try:
            self._conn.execute(f"COPY {spec.label} FROM t0")
            return rows
        except RuntimeError as e:
            if "duplicated primary key" not in str(e):
                raise
        present = self._conn.execute(f"MATCH (n:{spec.label}) RETURN n.{spec.key}")
        keys = pa.array(present.get_as_arrow().column(0).to_pylist(), pa.string())
        rows = rows.filter(pc.invert(pc.is_in(rows.column(spec.key), keys)))
        if rows.num_rows:
            t0 = conform(rows, [(p.name, p.type) for p in spec.props])
            self._conn.execute(f"COPY {spec.label} FROM t0")
        return rows

    def _update_nodes(self, spec: schema.NodeSpec, rows: pa.Table, props: list[str],
                      keep_existing: bool, fill_only: bool = False) -> int:
        """SET ``props`` on existing nodes; returns how many nodes had a value change.

        ``keep_existing``: a null in ``rows`` keeps the stored value. ``fill_only``: only
        stored nulls are filled (a stored value is never replaced).
        """
        if fill_only:
            cond = " OR ".join(f"(c{i} IS NOT NULL AND n.{p} IS NULL)" for i, p in enumerate(props))
            sets = ", ".join(f"n.{p} = coalesce(n.{p}, c{i})" for i, p in enumerate(props))
            return self._set_from(spec, rows, props, cond, sets)
        changed = " OR ".join(
            (f"(c{i} IS NOT NULL AND (n.{p} IS NULL OR n.{p} <> c{i}))" if keep_existing else
             f"((c{i} IS NULL) <> (n.{p} IS NULL) OR n.{p} <> c{i})")
            for i, p in enumerate(props)
        )
        sets = ", ".join(
            (f"n.{p} = coalesce(c{i}, n.{p})" if keep_existing else f"n.{p} = c{i}")
            for i, p in enumerate(props)
        )
        return self._set_from(spec, rows, props, changed, sets)

    def _set_from(self, spec: schema.NodeSpec, rows: pa.Table, props: list[str],
                  changed: str, sets: str) -> int:
        cols = [(spec.key, "STRING")] + [(p, spec.prop_type(p)) for p in props]
        t0 = conform(rows, cols).rename_columns(["k"] + [f"c{i}" for i in range(len(props))])
        res = self._conn.execute(
            f"LOAD FROM t0 MATCH (n:{spec.label} {{{spec.key}: k}}) "
            f"WITH n, {', '.join(['k'] + [f'c{i}' for i in range(len(props))])}, "
            f"({changed}) AS changed "
            f"SET {sets} RETURN sum(CASE WHEN changed THEN 1 ELSE 0 END)"
        )
        value = res.get_next()[0] if res.has_next() else 0
        return int(value or 0)

    def set_properties(self, label: str, table: pa.Table) -> int:
        spec = schema.node(label)
        if table.num_rows == 0:
            return 0
        props = [c for c in table.column_names if c != spec.key]
        self._ensure_columns(spec, table, props)
        table = _dedupe(table, [spec.key])
        return self._update_nodes(spec, table, props, keep_existing=False)

    def _ensure_columns(self, spec: schema.NodeSpec, table: pa.Table, props: list[str]) -> None:
        """Fixed-size vector columns (``FLOAT[n]``) are added when first written."""
        for p in props:
            spec.prop_type(p)  # KeyError for unknown properties

    def upsert_edges(self, rel_type: str, from_label: str, to_label: str,
                     table: pa.Table) -> UpsertCount:
        spec = schema.rel(rel_type)
        if (from_label, to_label) not in spec.pairs:
            raise KeyError(f"{rel_type} does not join {from_label} -> {to_label}")
        if table.num_rows == 0:
            return UpsertCount()
        unknown = set(table.column_names) - {"src", "dst"} - set(spec.columns)
        if unknown:
            raise KeyError(f"{rel_type} has no properties {sorted(unknown)}")
        key_cols = ["src", "dst", *spec.key_props]
        for p in spec.key_props:  # a key property not given is null (and compared as such)
            if p not in table.column_names:
                table = table.append_column(p, pa.nulls(table.num_rows, pa.string()))
        table = _dedupe(table, key_cols)
        fk = schema.node(from_label).key
        tk = schema.node(to_label).key
        kp = list(spec.key_props)
        t0 = conform(table, [("src", "STRING"), ("dst", "STRING")]
                     + [(p, "STRING") for p in kp]).rename_columns(
            ["s", "d"] + [f"q{i}" for i in range(len(kp))])
        where = " AND ".join(f"(e.{p} = q{i} OR (e.{p} IS NULL AND q{i} IS NULL))"
                             for i, p in enumerate(kp)) or "true"
        res = self._conn.execute(
            f"LOAD FROM t0 MATCH (a:{from_label} {{{fk}: s}})-[e:{rel_type}]->"
            f"(b:{to_label} {{{tk}: d}}) WHERE {where} RETURN DISTINCT s, d"
            + "".join(f", q{i}" for i in range(len(kp)))
        ).get_as_arrow()
        existing = {tuple(r.values()) for r in res.to_pylist()}
        rows = table.select(key_cols).to_pylist()
        mask = pa.array([tuple(r[c] for c in key_cols) not in existing for r in rows])
        new = table.filter(mask)
        count = UpsertCount()
        if new.num_rows:
            t0 = conform(new, [("src", "STRING"), ("dst", "STRING")]
                         + [(p.name, p.type) for p in spec.props])
            self._conn.execute(
                f"COPY {rel_type} FROM t0 (from='{from_label}', to='{to_label}')"
            )
            count.inserted = new.num_rows
        return count

    def delete_edges(self, rel_type: str, from_label: str, to_label: str,
                     where: dict[str, Any] | None = None) -> int:
        spec = schema.rel(rel_type)
        where = where or {}
        for p in where:
            if p not in spec.columns:
                raise KeyError(f"{rel_type} has no property {p!r}")
        cond = " AND ".join(f"e.{p} = $w{i}" for i, p in enumerate(where)) or "true"
        params = {f"w{i}": v for i, v in enumerate(where.values())}
        q = f"MATCH (:{from_label})-[e:{rel_type}]->(:{to_label}) WHERE {cond}"
        n = int(self._conn.execute(q + " RETURN count(e)", params).get_next()[0])
        if n:
            self._conn.execute(q + " DELETE e", params)
        return n

    # --- vector index (bestmatch helper) ---
    # Kùzu's HNSW index needs a fixed-size FLOAT[dims] column, while documents store
    # ``embedding`` as a variable FLOAT[] list (its size depends on the model). Adding a
    # column to Paper/Patent would break COPY into them (COPY wants every column), and an
    # indexed column cannot be SET afterwards. So the index lives on a shadow node table
    # ``<Label>Vec(id STRING PRIMARY KEY, vec FLOAT[dims], model STRING)`` filled from the
    # label's embeddings in one ``COPY … FROM (MATCH …)``; it is rebuilt (dropped and made
    # again) whenever the embeddings change. ``QUERY_VECTOR_INDEX`` returns a distance
    # 1 − cos, turned back into the cosine by ``dialect.cosine_from_index_score``.
    # The vector extension is statically linked in kuzu 0.11.3: no INSTALL/LOAD needed.
    VECTOR_TABLE_SUFFIX = "Vec"

    def _vector_names(self, label: str, prop: str) -> tuple[str, str]:
        spec = schema.node(label)
        if spec.prop_type(prop) not in ("FLOAT[]", "DOUBLE[]"):
            raise KeyError(f"{label}.{prop} is not a vector property")
        return f"{label}{self.VECTOR_TABLE_SUFFIX}", f"{label.lower()}_{prop}_idx"

    def vector_index_info(self, label: str, prop: str = "embedding") -> dict[str, Any] | None:
        """``{table, index, dims, rows, models}`` of the index over ``label.prop``, or None."""
        table, index = self._vector_names(label, prop)
        rows = self._conn.execute(
            "CALL SHOW_INDEXES() WHERE table_name = $t AND index_name = $i "
            "RETURN index_name", {"t": table, "i": index}).get_as_arrow()
        if rows.num_rows == 0:
            return None
        info = self._conn.execute(f"CALL TABLE_INFO('{table}') WHERE name = 'vec' RETURN type"
                                  ).get_next()[0]
        dims = int(re.fullmatch(r"FLOAT\[(\d+)\]", info).group(1))
        stats = self._conn.execute(
            f"MATCH (v:{table}) RETURN count(v), collect(DISTINCT v.model)").get_next()
        return {"table": table, "index": index, "dims": dims, "rows": int(stats[0]),
                "models": sorted(m for m in stats[1] if m is not None)}

    def drop_vector_index(self, label: str, prop: str = "embedding") -> bool:
        """Drop the index and its shadow table; False when there was none."""
        table, index = self._vector_names(label, prop)
        existed = False
        if self.vector_index_info(label, prop) is not None:
            self._conn.execute(f"CALL DROP_VECTOR_INDEX('{table}', '{index}')")
            existed = True
        tables = self._conn.execute("CALL SHOW_TABLES() WHERE name = $t RETURN name",
                                    {"t": table}).get_as_arrow()
        if tables.num_rows:
            self._conn.execute(f"DROP TABLE {table}")
            existed = True
        return existed

    def create_vector_index(self, label: str, prop: str = "embedding", dims: int | None = None,
                            model_prop: str | None = "embedding_model", mu: int = 30,
                            ml: int = 60, efc: int = 200) -> dict[str, Any]:
        """(Re)build the cosine HNSW index over the ``label`` nodes' ``prop`` vectors.

        Only vectors of length ``dims`` are indexed (None: the length of the first stored
        vector). ``mu``/``ml``: upper/lower graph degree, ``efc``: candidates at build time
        (Kùzu's defaults). Returns ``vector_index_info``; ``rows`` is 0 and no index is made
        when no vector of that length exists.
        """
        table, index = self._vector_names(label, prop)
        if model_prop is not None:
            schema.node(label).prop_type(model_prop)
        if dims is None:
            res = self._conn.execute(
                f"MATCH (n:{label}) WHERE n.{prop} IS NOT NULL RETURN size(n.{prop}) LIMIT 1")
            if not res.has_next():
                self.drop_vector_index(label, prop)
                return {"table": table, "index": index, "dims": 0, "rows": 0, "models": []}
            dims = int(res.get_next()[0])
        dims = int(dims)
        if dims < 1:
            raise ValueError("dims must be ≥ 1")
        self.drop_vector_index(label, prop)
        key = schema.node(label).key
        self._conn.execute(
            f"CREATE NODE TABLE {table}(id STRING PRIMARY KEY, vec FLOAT[{dims}], model STRING)")
        model = f"n.{model_prop}" if model_prop else "NULL"
        self._conn.execute(
            f"COPY {table} FROM (MATCH (n:{label}) WHERE n.{prop} IS NOT NULL "
            f"AND size(n.{prop}) = {dims} "
            f"RETURN n.{key}, CAST(n.{prop} AS FLOAT[{dims}]), {model})")
        n = int(self._conn.execute(f"MATCH (v:{table}) RETURN count(v)").get_next()[0])
        if n:
            self._conn.execute(
                f"CALL CREATE_VECTOR_INDEX('{table}', '{index}', 'vec', metric := 'cosine', "
                f"mu := {int(mu)}, ml := {int(ml)}, efc := {int(efc)})")
        return self.vector_index_info(label, prop) or {"table": table, "index": index,
                                                       "dims": dims, "rows": 0, "models": []}

    def vector_query(self, label: str, vectors: Any, k: int, prop: str = "embedding",
                     efs: int = 200) -> list[tuple[list[str], np.ndarray]]:
        """The ``k`` nearest ``label`` nodes of each query vector by cosine, via the index.

        ``vectors``: (n, dims) array-like. Returns one ``(ids, cosines)`` per query row,
        best first (approximate: HNSW with ``efs`` candidates at search time; ``efs`` is
        raised to ``k`` when smaller). Raises ``InnographError`` when there is no index.
        """
        table, index = self._vector_names(label, prop)
        info = self.vector_index_info(label, prop)
        if info is None:
            raise InnographError(f"no vector index on {label}.{prop}: build it first "
                                 "(store.create_vector_index or `innograph match --method index`)")
        q = np.asarray(vectors, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        if q.shape[1] != info["dims"]:
            raise ValueError(f"query vectors have {q.shape[1]} dims, the index {info['dims']}")
        stmt = (f"CALL QUERY_VECTOR_INDEX('{table}', '{index}', $q, $k, efs := $efs) "
                "RETURN node.id AS id, distance ORDER BY distance, id")
        k = int(k)
        out = []
        for row in q:
            t = self._conn.execute(stmt, {"q": row.tolist(), "k": k,
                                          "efs": max(int(efs), k)}).get_as_arrow()
            dist = t.column("distance").to_numpy(zero_copy_only=False).astype(np.float64)
            out.append((t.column("id").to_pylist(),
                        dialect.cosine_from_index_score(dialect.KUZU, dist)))
        return out
    # --- end vector index (bestmatch helper) ---


def _dedupe(table: pa.Table, key_cols: list[str]) -> pa.Table:
    """Keep the first row of each key (order of first appearance)."""
    if table.num_rows < 2:
        return table
    t = table.select(key_cols).append_column("__i", pa.array(np.arange(table.num_rows)))
    firsts = t.group_by(key_cols, use_threads=False).aggregate([("__i", "min")])
    if firsts.num_rows == table.num_rows:
        return table
    return table.take(pa.array(np.sort(firsts.column("__i_min").to_numpy())))
