"""The vector index of the embedded store: Kùzu's HNSW index over document embeddings.

Kùzu's HNSW index needs a fixed-size FLOAT[dims] column, while documents store
``embedding`` as a variable FLOAT[] list (its size depends on the model). Adding a
column to Paper/Patent would break COPY into them (COPY wants every column), and an
indexed column cannot be SET afterwards. So the index lives on a shadow node table
``<Label>Vec(id STRING PRIMARY KEY, vec FLOAT[dims], model STRING)`` filled from the
label's embeddings in one ``COPY … FROM (MATCH …)``; it is rebuilt (dropped and made
again) whenever the embeddings change. ``QUERY_VECTOR_INDEX`` returns a distance
1 − cos, turned back into the cosine by ``dialect.cosine_from_index_score``.
The vector extension is statically linked in kuzu 0.11.3: no INSTALL/LOAD needed.

``KuzuVectorIndex`` is the part of :class:`~innograph.graph.kuzu_store.KuzuStore` that builds,
describes, drops and queries it (the ``Store`` methods ``create_vector_index`` and
``vector_query``); it runs its statements on the store's connection ``self._conn``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..errors import InnographError
from . import dialect, schema

VECTOR_BATCH = 32  # query vectors per ``vector_query`` statement (UNION ALL of index calls)


class KuzuVectorIndex:
    """Vector-index methods of ``KuzuStore`` (a mixin: needs ``self._conn``, a
    ``kuzu.Connection``)."""

    vector_year_filter = True  # vector_query(min_year=…) filters inside the index
    _conn: Any

    VECTOR_TABLE_SUFFIX = "Vec"

    def _vector_names(self, label: str, prop: str) -> tuple[str, str]:
        spec = schema.node(label)
        if spec.prop_type(prop) not in ("FLOAT[]", "DOUBLE[]"):
            raise KeyError(f"{label}.{prop} is not a vector property")
        return f"{label}{self.VECTOR_TABLE_SUFFIX}", f"{label.lower()}_{prop}_idx"

    def vector_index_info(self, label: str, prop: str = "embedding") -> dict[str, Any] | None:
        """``{table, index, dims, rows, models, year}`` of the index over ``label.prop``, or
        None. ``year``: the shadow table carries the nodes' years (``min_year`` queries work;
        an index built before that must be rebuilt)."""
        table, index = self._vector_names(label, prop)
        rows = self._conn.execute(
            "CALL SHOW_INDEXES() WHERE table_name = $t AND index_name = $i "
            "RETURN index_name", {"t": table, "i": index}).get_as_arrow()
        if rows.num_rows == 0:
            return None
        cols = {r["name"]: r["type"] for r in self._conn.execute(
            f"CALL TABLE_INFO('{table}') RETURN name, type").get_as_arrow().to_pylist()}
        dims = int(re.fullmatch(r"FLOAT\[(\d+)\]", cols["vec"]).group(1))
        stats = self._conn.execute(
            f"MATCH (v:{table}) RETURN count(v), collect(DISTINCT v.model)").get_next()
        return {"table": table, "index": index, "dims": dims, "rows": int(stats[0]),
                "models": sorted(m for m in stats[1] if m is not None),
                "year": cols.get("year") == "INT64"}

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
        (Kùzu's defaults). The shadow table also copies ``year`` (when the label has one) for
        year-filtered queries. Returns ``vector_index_info``; ``rows`` is 0 and no index is
        made when no vector of that length exists.
        """
        table, index = self._vector_names(label, prop)
        if model_prop is not None:
            schema.node(label).prop_type(model_prop)
        if dims is None:
            res = self._conn.execute(
                f"MATCH (n:{label}) WHERE n.{prop} IS NOT NULL RETURN size(n.{prop}) LIMIT 1")
            if not res.has_next():
                self.drop_vector_index(label, prop)
                return {"table": table, "index": index, "dims": 0, "rows": 0, "models": [],
                        "year": False}
            dims = int(res.get_next()[0])
        dims = int(dims)
        if dims < 1:
            raise ValueError("dims must be ≥ 1")
        self.drop_vector_index(label, prop)
        key = schema.node(label).key
        has_year = "year" in schema.node(label).columns
        self._conn.execute(
            f"CREATE NODE TABLE {table}(id STRING PRIMARY KEY, vec FLOAT[{dims}], model STRING"
            + (", year INT64)" if has_year else ")"))
        model = f"n.{model_prop}" if model_prop else "NULL"
        self._conn.execute(
            f"COPY {table} FROM (MATCH (n:{label}) WHERE n.{prop} IS NOT NULL "
            f"AND size(n.{prop}) = {dims} "
            f"RETURN n.{key}, CAST(n.{prop} AS FLOAT[{dims}]), {model}"
            + (", n.year)" if has_year else ")"))
        n = int(self._conn.execute(f"MATCH (v:{table}) RETURN count(v)").get_next()[0])
        if n:
            self._conn.execute(
                f"CALL CREATE_VECTOR_INDEX('{table}', '{index}', 'vec', metric := 'cosine', "
                f"mu := {int(mu)}, ml := {int(ml)}, efc := {int(efc)})")
        return self.vector_index_info(label, prop) or {"table": table, "index": index,
                                                       "dims": dims, "rows": 0, "models": [],
                                                       "year": has_year}

    def sync_vector_years(self, label: str, prop: str = "embedding") -> int:
        """Copy ``label.year`` onto the index's shadow rows where it changed since the build
        (the year is not an indexed column, so no rebuild is needed); returns how many."""
        table, _ = self._vector_names(label, prop)
        key = schema.node(label).key
        res = self._conn.execute(
            f"MATCH (v:{table}), (n:{label}) WHERE n.{key} = v.id "
            "AND (n.year <> v.year OR (n.year IS NULL) <> (v.year IS NULL)) "
            "SET v.year = n.year RETURN count(v)")
        return int(res.get_next()[0]) if res.has_next() else 0

    def vector_query(self, label: str, vectors: Any, k: int, prop: str = "embedding",
                     efs: int = 200, min_year: Any = None, batch: int = VECTOR_BATCH
                     ) -> list[tuple[list[str], np.ndarray]]:
        """The ``k`` nearest ``label`` nodes of each query vector by cosine, via the index.

        Parameters
        ----------
        vectors : (n, dims) array-like (one row: (dims,)).
        k : neighbours per row; ``efs`` (raised to ``k`` when smaller): HNSW candidates at
            search time (approximate search).
        min_year : None, an int, or (n,) ints: only nodes with ``year >= min_year`` are
            searched. Exact filter inside the index: for each distinct year, a projected graph
            ``CALL PROJECT_GRAPH(name, {'<Label>Vec': 'n.year >= <year>'}, [])`` (the year is
            written in as a checked integer: Kùzu takes no parameters in a projection's
            filter) that ``QUERY_VECTOR_INDEX`` searches, dropped afterwards. Nodes without a
            year are never returned. Shadow years are first synced (``sync_vector_years``).
        batch : query rows per statement: ``QUERY_VECTOR_INDEX`` takes its vector only as a
            literal or ``$parameter`` (not from UNWIND / LOAD FROM), so a batch is one
            ``UNION ALL`` of ``batch`` calls with parameters ``$q0 … $q{batch-1}``.

        Returns one ``(ids, cosines)`` per row, best first (ties by id); fewer than ``k``
        when fewer nodes are eligible. Raises ``InnographError`` when there is no index (or
        ``min_year`` is asked of an index built without years).
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
        n, k, batch = q.shape[0], int(k), max(1, int(batch))
        params = {"k": k, "efs": max(int(efs), k)}
        out: list[tuple[list[str], np.ndarray]] = [([], np.zeros(0))] * n
        if min_year is None:
            groups: list[tuple[int | None, np.ndarray]] = [(None, np.arange(n))]
        else:
            if not info["year"]:
                raise InnographError(f"the vector index on {label}.{prop} was built without "
                                     "years: rebuild it (create_vector_index) to filter by year")
            years = np.broadcast_to(np.asarray(min_year), (n,))
            if n and not np.issubdtype(years.dtype, np.integer):
                raise ValueError("min_year must be an int or integers, one per row")
            self.sync_vector_years(label, prop)
            groups = [(int(y), np.nonzero(years == y)[0]) for y in np.unique(years)]
        for year, rows in groups:
            graph = table if year is None else self._project_years(table, year)
            try:
                for a in range(0, len(rows), batch):
                    chunk = rows[a:a + batch]
                    stmt = " UNION ALL ".join(
                        f"CALL QUERY_VECTOR_INDEX('{graph}', '{index}', $q{i}, $k, efs := $efs) "
                        f"RETURN {i} AS i, node.id AS id, distance" for i in range(len(chunk)))
                    t = self._conn.execute(stmt, {**params, **{
                        f"q{i}": q[r].tolist() for i, r in enumerate(chunk)}}).get_as_arrow()
                    per: dict[int, list[tuple[float, str]]] = {}
                    for i, d, node in zip(t.column("i").to_pylist(),
                                          t.column("distance").to_pylist(),
                                          t.column("id").to_pylist()):
                        per.setdefault(i, []).append((d, node))
                    for i, r in enumerate(chunk):
                        hits = sorted(per.get(i, []))
                        dist = np.array([d for d, _ in hits], np.float64)
                        out[r] = ([node for _, node in hits],
                                  dialect.cosine_from_index_score(dialect.KUZU, dist))
            finally:
                if year is not None:
                    self._conn.execute(f"CALL DROP_PROJECTED_GRAPH('{graph}')")
        return out

    def _project_years(self, table: str, year: int) -> str:
        """Project the shadow rows with ``year >= year`` as a graph; returns its name."""
        year = int(year)  # an integer literal is all that is ever written into the filter
        name = f"{table}_from_{year}" if year >= 0 else f"{table}_from_m{-year}"
        if self._conn.execute("CALL SHOW_PROJECTED_GRAPHS() WHERE name = $n RETURN name",
                              {"n": name}).has_next():
            self._conn.execute(f"CALL DROP_PROJECTED_GRAPH('{name}')")
        self._conn.execute(f"CALL PROJECT_GRAPH('{name}', {{'{table}': 'n.year >= {year}'}}, [])")
        return name
