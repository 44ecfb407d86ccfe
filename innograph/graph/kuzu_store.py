"""The embedded default store: Kùzu 0.11.3 (pinned; see DESIGN.md §3).

Every Kùzu call of the package lives here and in ``kuzu_vector`` (the vector index), and
Kùzu-specific statement text in ``dialect``. Bulk writes go through ``COPY T FROM <arrow table>`` after a client-side key
diff, so that a rerun neither fails on duplicate keys nor doubles edges; updates go through
``LOAD FROM <arrow table> MATCH … SET``. Each COPY / LOAD statement is one transaction, so
a load killed at any point leaves whole batches, and a rerun converges to the same graph.
"""

from __future__ import annotations

import importlib.util  # noqa: F401  (Kùzu's arrow scans need importlib.util loaded)
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import kuzu
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InnographError, ReadOnlyQueryError, StoreDamagedError, StoreLockedError
from . import dialect, schema
from .kuzu_vector import KuzuVectorIndex
from .store import UpsertCount, distinct_keys

DEFAULT_BUFFER_POOL_MB = 1024
KEY_BATCH = 20_000  # source keys per ``delete_edges_from`` statement

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


KUZU_MAGIC = b"KUZU"  # the first bytes of a Kùzu 0.11 database file


class StorePathError(InnographError):
    """``--db`` names something that is not an embedded store (a folder, another kind of
    file, or nothing at all for a command that only reads)."""


def _is_kuzu_file(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(KUZU_MAGIC)) == KUZU_MAGIC
    except OSError:
        return False


def check_store_path(path: str | os.PathLike, read_only: bool = False) -> None:
    """Raise ``StorePathError`` (one line: the path and what is expected) unless ``path`` can
    be opened as a Kùzu store: an existing Kùzu database file, an empty file, or (only when
    writing) a path that does not exist yet, which becomes a new store.

    A folder is never a store (Kùzu 0.11 keeps a store in one file); when the folder holds
    store files (e.g. the demo folder ``innograph-demo/`` holding ``innograph.db``) the
    message names them. Nothing is written or created here.
    """
    p = Path(path)
    if p.is_dir():
        found = sorted(c for c in p.iterdir() if c.is_file() and _is_kuzu_file(c))
        if found:
            names = " or ".join(str(c) for c in found[:3])
            raise StorePathError(f"--db {p} is a folder, not a store: did you mean {names}?")
        raise StorePathError(f"--db {p} is a folder, not a store: expected a Kùzu store file "
                             "(e.g. innograph.db) or a bolt:// / neo4j:// URL")
    if p.is_file():
        if p.stat().st_size > 0 and not _is_kuzu_file(p):
            raise StorePathError(f"--db {p} is not a Kùzu store (no Kùzu header): --db names "
                                 "the store, e.g. innograph.db; data files go to `innograph "
                                 "load …`")
        return
    if p.exists():
        raise StorePathError(f"--db {p} is neither a file nor a folder: expected a Kùzu "
                             "store file")
    if read_only:
        raise StorePathError(f"no store at {p}: load something into it first "
                             "(`innograph load …`, or `innograph demo`), or pass the "
                             "store's path with --db")


class KuzuStore(KuzuVectorIndex):
    """A Kùzu database file opened by this process (its vector index: ``kuzu_vector``)."""

    kind = "kuzu"

    def __init__(self, path: str | os.PathLike, read_only: bool = False,
                 buffer_pool_mb: int | None = None, check_on_open: bool = True):
        self.path = str(path)
        self.read_only = read_only
        check_store_path(self.path, read_only=read_only)
        mb = buffer_pool_mb or int(os.environ.get("INNOGRAPH_BUFFER_POOL_MB", DEFAULT_BUFFER_POOL_MB))
        if not read_only and check_on_open:
            _check_before_write(self.path, mb)
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
            if read_only and "shadow pages" in str(e):  # see check.open_for_check
                raise InnographError(
                    f"store {self.path} was left by a writer killed during a checkpoint (shadow "
                    "pages, which Kùzu replays only in a writable open): `innograph check` "
                    f"checks a replayed copy; any write replays it ({e})") from e
            raise InnographError(f"cannot open the store --db {self.path}: {e}") from e
        self._conn = kuzu.Connection(self._db)
        self._tx_depth = 0
        self._column_cache: dict[str, list[tuple[str, str]]] = {}
        if read_only:  # a writer creates the schema; a reader needs it to be there
            tables = {r[0] for r in self._conn.execute("CALL show_tables() RETURN name")}
            missing = [t for t in schema.DOCUMENT_LABELS if t not in tables]
            if missing:
                self.close()
                raise StorePathError(
                    f"--db {self.path} is a Kùzu database without innograph's tables "
                    f"(no {', '.join(missing)}): an empty store or another program's; load "
                    "something into it first (`innograph load …`)")

    # ----------------------------------------------------------------- basics
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the writes inside as one Kùzu transaction (``BEGIN TRANSACTION`` … ``COMMIT``).

        All or nothing: an exception rolls it back, and a process killed inside leaves none
        of its writes (the WAL replays only committed transactions). Re-entrant: an inner
        block joins the outer transaction. Kùzu ends a manual transaction by itself when one
        of its statements fails; a block that swallowed such an error cannot commit and
        raises ``InnographError`` instead of committing half of its writes.

        Measured with 0.11.3: rolling back a transaction that ran a relationship ``COPY``
        deletes EVERY edge of that relationship table (also on disk), while a rolled-back
        ``LOAD FROM … CREATE`` of edges, and a SIGKILL inside either, leave the store as it
        was. So inside a transaction ``upsert_edges`` creates edges with ``LOAD FROM …
        CREATE`` (≈ 0.07 s per 20k edges against 0.04 s for COPY).
        """
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield
            finally:
                self._tx_depth -= 1
            return
        self._conn.execute("BEGIN TRANSACTION")
        self._tx_depth = 1
        try:
            yield
        except BaseException:
            self._tx_depth = 0
            try:
                self._conn.execute("ROLLBACK")
            except RuntimeError:  # already rolled back by Kùzu after a failed statement
                pass
            raise
        self._tx_depth = 0
        try:
            self._conn.execute("COMMIT")
        except RuntimeError as e:
            raise InnographError(f"transaction lost before commit (a statement inside failed "
                                 f"and Kùzu rolled it back): {e}") from e

    def ensure_schema(self) -> None:
        """Create the missing tables, then add the columns the schema gained since the store
        was made (``ALTER TABLE … ADD``, null for existing rows): stores made by an older
        innograph open without a reload."""
        for stmt in dialect.kuzu_schema_ddl():
            self._conn.execute(stmt)
        specs: list[tuple[str, tuple[schema.Prop, ...]]] = (
            [(n.label, n.props) for n in schema.NODES.values()]
            + [(r.type, r.props) for r in schema.RELS.values()])
        for table, props in specs:
            have = {name for name, _ in self._columns(table)}
            for p in props:
                if p.name not in have:
                    self._conn.execute(dialect.kuzu_add_column(table, p.name, p.type))
        self._column_cache.clear()

    def _columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of the stored columns of ``table`` in storage order (a relationship
        table: its properties only). COPY maps arrow columns by position, and columns added
        by ``ensure_schema`` come last, so COPY follows this order, not the schema's."""
        if table not in self._column_cache:
            rows = self._conn.execute(f"CALL TABLE_INFO('{table}') RETURN name, type"
                                      ).get_as_arrow().to_pylist()
            self._column_cache[table] = [(r["name"], r["type"]) for r in rows]
        return self._column_cache[table]

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

    def index_lookup(self, label: str, keys: list[str]) -> dict[str, list[int]]:
        """key → row offsets that the primary-key index of ``label`` returns (``[]``: not
        found), one ``MATCH (n:T {key: $k})`` per key: Kùzu 0.11.3 plans that as
        ``PRIMARY_KEY_SCAN_NODE_TABLE`` (an index lookup), while ``UNWIND $keys`` / ``LOAD
        FROM`` forms are planned as a hash join over a table scan and never touch the index
        (measured with EXPLAIN). One prepared statement: ≈ 0.4 ms per key."""
        import warnings

        key = schema.node(label).key
        with warnings.catch_warnings():  # prepare() is deprecated in 0.11 but still ~3× faster
            warnings.simplefilter("ignore", DeprecationWarning)
            stmt = self._conn.prepare(f"MATCH (n:{label} {{{key}: $k}}) RETURN offset(id(n))")
        out: dict[str, list[int]] = {}
        for k in keys:
            res = self._conn.execute(stmt, {"k": k})
            offs = []
            while res.has_next():
                offs.append(int(res.get_next()[0]))
            out[k] = offs
        return out

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

    def copy_nodes(self, label: str, table: pa.Table) -> int:
        """COPY ``table`` as new ``label`` nodes, no diff: the caller checked the keys are
        not stored (``existing_keys``) and occur once. Returns the number written."""
        spec = schema.node(label)
        if table.num_rows == 0:
            return 0
        unknown = set(table.column_names) - set(spec.columns)
        if unknown:
            raise KeyError(f"{label} has no properties {sorted(unknown)}")
        # only the columns that hold a value: Kùzu writes the others as NULL, and a COPY
        # costs per column (measured: HAS_KEYWORD with two null columns left out, -20%)
        cols = [(n, t) for n, t in self._columns(label)
                if n == spec.key or (n in table.column_names
                                     and table.column(n).null_count < table.num_rows)]
        t0 = conform(table, cols)
        self._copy_node_rows(label, f"COPY {label}({', '.join(n for n, _ in cols)}) FROM t0", t0)
        return table.num_rows

    def _copy_node_rows(self, label: str, query: str, t0: pa.Table) -> None:
        """Run a node ``COPY … FROM t0`` (``t0``: the arrow table the query scans); a
        duplicate-key refusal becomes :meth:`_key_index_error` (see :meth:`_copy_nodes`)."""
        try:
            self._conn.execute(query)
        except RuntimeError as e:
            if "duplicated primary key" not in str(e):
                raise
            raise self._key_index_error(label, e) from e

    def _key_index_error(self, label: str, e: Exception) -> InnographError:
        """The error for a node COPY refused on a key that the diff did not find stored."""
        return InnographError(
            f"{label}: the store's primary-key index missed a stored key ({e}). "
            "The key index holds a key whose row a scan does not list (seen, rarely, "
            "after a SIGKILL during a load; Kùzu 0.11.3). Rebuild the store from what "
            f"it holds: innograph check --repair --db {self.path} --out NEWDIR, then "
            "rerun this command with --db NEWDIR/innograph.db (or load the inputs into a "
            "new --db)")

    def _copy_nodes(self, spec: schema.NodeSpec, rows: pa.Table) -> pa.Table:
        """COPY ``rows`` (keys checked new by primary-key lookup); returns them.

        Never retried: in Kùzu 0.11.3 a node COPY that fails on a duplicate primary key
        leaves the table's key index damaged (the rejected key is no longer found by key
        while a scan still lists it; reproduced with a 4-row table). A duplicate here means
        the key lookup missed a stored row, i.e. the index was already inconsistent, so the
        error says so instead of writing on.
        """
        t0 = conform(rows, self._columns(spec.label))
        self._copy_node_rows(spec.label, f"COPY {spec.label} FROM t0", t0)
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
        spec = schema.rel_between(rel_type, from_label, to_label)
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
        found = self.edge_keys(rel_type, from_label, to_label, table.select(key_cols))
        existing = {tuple(r.values()) for r in found.to_pylist()}
        rows = table.select(key_cols).to_pylist()
        mask = pa.array([tuple(r[c] for c in key_cols) not in existing for r in rows])
        new = table.filter(mask)
        count = UpsertCount()
        if new.num_rows:
            t0 = conform(new, [("src", "STRING"), ("dst", "STRING")]
                         + self._columns(rel_type))
            if self._tx_depth:
                self._create_edges(spec, from_label, to_label, t0)
            else:
                self._conn.execute(
                    f"COPY {rel_type} FROM t0 (from='{from_label}', to='{to_label}')"
                )
            count.inserted = new.num_rows
        return count

    def edge_keys(self, rel_type: str, from_label: str, to_label: str,
                  keys: pa.Table) -> pa.Table:
        """The stored ``rel_type`` edges among ``keys`` (columns src, dst and the
        relationship's key properties): a table with the same columns, one row per stored
        edge found (for arrow anti-joins by bulk loaders)."""
        spec = schema.rel(rel_type)
        kp = list(spec.key_props)
        fk, tk = schema.node(from_label).key, schema.node(to_label).key
        t0 = conform(keys, [("src", "STRING"), ("dst", "STRING")]
                     + [(p, "STRING") for p in kp]).rename_columns(
            ["s", "d"] + [f"q{i}" for i in range(len(kp))])
        where = " AND ".join(f"(e.{p} = q{i} OR (e.{p} IS NULL AND q{i} IS NULL))"
                             for i, p in enumerate(kp)) or "true"
        res = self._conn.execute(
            f"LOAD FROM t0 MATCH (a:{from_label} {{{fk}: s}})-[e:{rel_type}]->"
            f"(b:{to_label} {{{tk}: d}}) WHERE {where} RETURN DISTINCT s, d"
            + "".join(f", q{i}" for i in range(len(kp)))).get_as_arrow()
        return res.rename_columns(["src", "dst", *kp])

    def copy_edges(self, rel_type: str, from_label: str, to_label: str,
                   table: pa.Table) -> int:
        """Write ``table`` (src, dst, props) as new edges, no diff (the caller diffed them:
        ``edge_keys``): one ``COPY`` (inside ``transaction()``: ``LOAD FROM … CREATE``).
        Returns the number of rows written."""
        spec = schema.rel_between(rel_type, from_label, to_label)
        if table.num_rows == 0:
            return 0
        if self._tx_depth:
            t0 = conform(table, [("src", "STRING"), ("dst", "STRING")]
                         + self._columns(rel_type))
            self._create_edges(spec, from_label, to_label, t0)
            return table.num_rows
        # only the properties that hold a value (see copy_nodes); at least one is named
        props = [(n, t) for n, t in self._columns(rel_type)
                 if n in table.column_names and table.column(n).null_count < table.num_rows]
        props = props or self._columns(rel_type)[:1]
        t0 = conform(table, [("src", "STRING"), ("dst", "STRING")] + props)
        names = f"({', '.join(n for n, _ in props)})" if props else ""
        self._conn.execute(f"COPY {rel_type}{names} FROM t0 (from='{from_label}', "
                           f"to='{to_label}')")
        return table.num_rows

    def _create_edges(self, spec: schema.RelSpec, from_label: str, to_label: str,
                      rows: pa.Table) -> None:
        """Edges through ``LOAD FROM … MATCH … CREATE`` (inside ``transaction()``: a rolled-
        back relationship COPY wipes its table in Kùzu 0.11.3). ``rows``: src, dst, props."""
        fk, tk = schema.node(from_label).key, schema.node(to_label).key
        names = rows.column_names[2:]
        t0 = rows.rename_columns(["s", "d"] + [f"c{i}" for i in range(len(names))])
        props = ", ".join(f"{name}: c{i}" for i, name in enumerate(names))
        res = self._conn.execute(
            f"LOAD FROM t0 MATCH (a:{from_label} {{{fk}: s}}) MATCH (b:{to_label} {{{tk}: d}}) "
            f"CREATE (a)-[:{spec.type}" + (f" {{{props}}}" if props else "") + "]->(b) "
            "RETURN count(*)")
        made = int(res.get_next()[0]) if res.has_next() else 0
        if made != rows.num_rows:
            raise InnographError(f"{rows.num_rows - made} {spec.type} edges name endpoints "
                                 "that are not in the store: write the nodes first")

    def delete_edges(self, rel_type: str, from_label: str, to_label: str,
                     where: dict[str, Any] | None = None) -> int:
        cond, params = _where(rel_type, where)
        q = f"MATCH (:{from_label})-[e:{rel_type}]->(:{to_label}) WHERE {cond}"
        n = int(self._conn.execute(q + " RETURN count(e)", params).get_next()[0])
        if n:
            self._conn.execute(q + " DELETE e", params)
        return n

    def delete_edges_from(self, rel_type: str, from_label: str, to_label: str, src_keys: Any,
                          where: dict[str, Any] | None = None) -> int:
        """Delete the ``rel_type`` edges leaving the ``from_label`` nodes keyed ``src_keys``.

        ``UNWIND $keys`` (a primary-key lookup per key) in statements of ``KEY_BATCH`` keys,
        each ``… DELETE e RETURN count(*)``; returns how many edges went.
        """
        spec = schema.rel_between(rel_type, from_label, to_label)
        cond, params = _where(rel_type, where)
        keys = distinct_keys(src_keys)
        fk = schema.node(from_label).key
        q = (f"UNWIND $keys AS k MATCH (:{from_label} {{{fk}: k}})-[e:{rel_type}]->"
             f"(:{to_label}) WHERE {cond} DELETE e RETURN count(*)")
        total = 0
        for a in range(0, len(keys), KEY_BATCH):
            res = self._conn.execute(q, {**params, "keys": keys[a:a + KEY_BATCH]})
            total += int(res.get_next()[0]) if res.has_next() else 0
        return total


def _check_before_write(path: str, buffer_pool_mb: int) -> None:
    """Before a writable open: if the store was left by an unclean stop (a WAL or shadow file
    beside it, see ``check.wal_files``), open it read-only (Kùzu replays the WAL in memory,
    changing no file; shadow pages: a replayed temporary copy, ``check.open_for_check``),
    run the quick check (``check.check_store(quick=True)``: keys and edges of every table,
    key lookups of the newest rows) and refuse with ``StoreDamagedError`` naming the repair
    command when it fails. A clean store (no WAL) is opened without any check."""
    from . import check

    if not check.wal_files(path):
        return
    try:
        with check.open_for_check(path, buffer_pool_mb) as (probe, note):
            report = check.check_store(probe, quick=True, path=path, note=note)
    except StoreLockedError:
        return  # a writer holds it (its WAL is live): the writable open reports the lock
    if not report.ok:
        raise StoreDamagedError(
            f"store {path} was left by an unclean stop and fails its check: {report.summary()}. "
            f"Nothing was written. See `innograph check --db {path}`, and rebuild it with "
            f"`innograph check --db {path} --repair --out NEWDIR`.")


def _where(rel_type: str, where: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """``e.p = $w0 AND …`` for the edge properties in ``where`` (checked against the
    schema), and its parameters; ``"true"`` when empty."""
    where = where or {}
    return dialect.edge_condition(rel_type, where) or "true", dialect.edge_params(where)


def _dedupe(table: pa.Table, key_cols: list[str]) -> pa.Table:
    """Keep the first row of each key (order of first appearance)."""
    if table.num_rows < 2:
        return table
    t = table.select(key_cols).append_column("__i", pa.array(np.arange(table.num_rows)))
    firsts = t.group_by(key_cols, use_threads=False).aggregate([("__i", "min")])
    if firsts.num_rows == table.num_rows:
        return table
    return table.take(pa.array(np.sort(firsts.column("__i_min").to_numpy())))
