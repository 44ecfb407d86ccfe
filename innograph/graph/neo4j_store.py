"""The production store: Neo4j 5 through the official ``neo4j`` driver.

Every statement comes from ``dialect`` (parameters only). Writes run in managed write
transactions (``execute_write``, retried by the driver on transient errors, routed to the
leader on a cluster); reads in ``execute_read``. Credentials come from ``NEO4J_USER`` /
``NEO4J_PASSWORD`` or from the file named by ``INNOGRAPH_NEO4J_CONFIG`` (``KEY=value`` lines),
never from the command line, and are never logged.

Connecting (``Neo4jStore.connect``) checks what users hit first and says it in one line:
an unreachable server, refused credentials, a database that does not exist (``--database`` /
``$INNOGRAPH_NEO4J_DATABASE``), a server older than Neo4j 5 (``check_server_version`` over
``CALL dbms.components()``). ``neo4j+s://`` (Aura) and ``bolt+s://`` URLs carry their TLS
setting in the scheme; the driver takes them as they are.

Live loads (``tx_rows`` set, the default for a connected store): node and edge upserts are
sent as ``UNWIND $rows AS r CALL (r) { … } IN TRANSACTIONS OF $tx_rows ROWS`` in an
auto-commit transaction (``session.run``: CALL IN TRANSACTIONS cannot run inside a managed
transaction); the uniqueness constraints exist before (``ensure_schema`` runs on open).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa

from ..errors import ReadOnlyQueryError, StoreUnreachableError
from . import dialect, schema
from .store import UpsertCount, distinct_keys

WRITE_BATCH = 5000
VECTOR_BATCH = 256  # query vectors per UNWIND statement
TX_ROWS = 1000  # rows per inner transaction of a live load (CALL … IN TRANSACTIONS)
MIN_MAJOR = 5  # oldest Neo4j major version innograph supports
CALL_SCOPE_SINCE = (5, 23)  # ``CALL (r) { … }`` (variable scope clause) exists from 5.23
DATABASE_ENV = "INNOGRAPH_NEO4J_DATABASE"
TX_ROWS_ENV = "INNOGRAPH_NEO4J_TX_ROWS"

COMPONENTS_QUERY = ("CALL dbms.components() YIELD name, versions, edition "
                    "RETURN name, versions, edition")


def parse_version(text: str) -> tuple[int, ...]:
    """``"5.26.1"`` → (5, 26, 1); ``"5.13-aura"`` → (5, 13); a non-numeric part ends it."""
    out = []
    for part in str(text).split("."):
        digits = "".join(ch for ch in part.split("-")[0] if ch.isdigit())
        if not digits or digits != part.split("-")[0]:
            if digits:
                out.append(int(digits))
            break
        out.append(int(digits))
    if not out:
        raise ValueError(f"not a version number: {text!r}")
    return tuple(out)


def check_server_version(components: list[dict[str, Any]], url: str = "") -> tuple[int, ...]:
    """The Neo4j kernel version from ``CALL dbms.components()`` rows; raises
    StoreUnreachableError when it is older than Neo4j 5 (calendar versions 2025.x are newer).

    ``components``: rows with ``name`` ("Neo4j Kernel") and ``versions`` (a list of strings).
    """
    kernel = next((r for r in components if str(r.get("name", "")).lower() == "neo4j kernel"),
                  components[0] if components else None)
    if kernel is None or not kernel.get("versions"):
        raise StoreUnreachableError(f"Neo4j at {url or 'the server'} did not report its version "
                                    "(CALL dbms.components() returned nothing)")
    text = kernel["versions"][0]
    version = parse_version(text)
    if version[0] < MIN_MAJOR:
        raise StoreUnreachableError(
            f"Neo4j at {url or 'the server'} is version {text}; innograph needs Neo4j 5 or later "
            "(`docker compose up -d` starts 5.26)")
    return version


def explain_connect_error(url: str, err: BaseException, user: str = "neo4j",
                          database: str | None = None) -> str:
    """One line saying what went wrong when connecting, and what to do (never the password).

    Classified by the driver's exception class and Neo4j status code: refused credentials,
    an unknown database, an unreachable server, a bad URL/TLS setting, anything else.
    """
    name = type(err).__name__
    code = str(getattr(err, "code", "") or "")
    if name == "AuthError" or "Security.Unauthorized" in code:
        return (f"Neo4j at {url} refused the credentials of user {user!r}: check NEO4J_USER / "
                "NEO4J_PASSWORD (or the file named by INNOGRAPH_NEO4J_CONFIG)")
    if "DatabaseNotFound" in code or name == "DatabaseNotFound":
        return (f"Neo4j at {url} has no database {database!r}: check --database / "
                f"${DATABASE_ENV} (SHOW DATABASES lists them)")
    if name in ("ServiceUnavailable", "SessionExpired") or isinstance(err, OSError):
        return (f"cannot reach Neo4j at {url}: {name}. Is it running (`docker compose up -d`), "
                "and is the host/port right? (neo4j+s:// for Aura)")
    if name in ("ConfigurationError", "ValueError"):
        return f"cannot use the Neo4j URL {url}: {err}"
    return f"cannot use Neo4j at {url}: {name}: {err}"


def credentials(env: dict[str, str] | None = None) -> tuple[str, str]:
    """(user, password) from the environment, else from ``$INNOGRAPH_NEO4J_CONFIG``."""
    env = dict(os.environ if env is None else env)
    cfg = env.get("INNOGRAPH_NEO4J_CONFIG")
    if cfg and Path(cfg).is_file():
        for line in Path(cfg).read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                k, v = line.split("=", 1)
                env.setdefault(k.strip(), v.strip())
    user = env.get("NEO4J_USER", "neo4j")
    password = env.get("NEO4J_PASSWORD")
    if not password:
        raise StoreUnreachableError(
            "no Neo4j password: set NEO4J_PASSWORD (and NEO4J_USER), or point "
            "INNOGRAPH_NEO4J_CONFIG at a file outside the repo holding NEO4J_PASSWORD=…"
        )
    return user, password


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Drop nulls: ``SET n += map`` with a null value would delete the property."""
    return {k: v for k, v in props.items() if v is not None}


class Neo4jStore:
    """A Neo4j database reached through a driver (``neo4j.Driver`` or a compatible object)."""

    kind = "neo4j"
    vector_year_filter = False  # Neo4j 5 cannot filter inside the vector index

    def __init__(self, driver: Any, database: str | None = None, read_only: bool = False,
                 batch: int = WRITE_BATCH, tx_rows: int | None = None,
                 server_version: tuple[int, ...] | None = None):
        """``batch``: rows per statement (``$rows``); ``tx_rows``: rows per inner transaction
        of ``CALL … IN TRANSACTIONS`` (None: one managed write transaction per statement);
        ``server_version``: chooses ``CALL (r) {…}`` (5.23+) or ``CALL {WITH r …}``."""
        self.driver, self.database, self.read_only, self.batch = driver, database, read_only, batch
        if tx_rows is not None and (isinstance(tx_rows, bool) or int(tx_rows) < 1):
            raise ValueError(f"tx_rows must be a positive integer, got {tx_rows!r}")
        self.tx_rows = int(tx_rows) if tx_rows is not None else None
        self.server_version = server_version

    @classmethod
    def connect(cls, url: str, read_only: bool = False, database: str | None = None,
                tx_rows: int | None = None, connection_timeout: float = 15.0,
                **_: Any) -> "Neo4jStore":
        """Open a driver on ``url`` (bolt/neo4j, +s/+ssc for TLS), check it answers, that the
        database exists and that the server is Neo4j 5+. ``database``: else
        ``$INNOGRAPH_NEO4J_DATABASE``, else the server's default. ``tx_rows``: else
        ``$INNOGRAPH_NEO4J_TX_ROWS``, else ``TX_ROWS``. Errors: StoreUnreachableError, one line."""
        import neo4j

        database = database or os.environ.get(DATABASE_ENV) or None
        if tx_rows is None:
            tx_rows = int(os.environ.get(TX_ROWS_ENV) or TX_ROWS)
        user, password = credentials()
        driver = None
        try:
            driver = neo4j.GraphDatabase.driver(url, auth=(user, password),
                                                connection_timeout=connection_timeout)
            driver.verify_connectivity()
            kw = {"database": database} if database else {}
            with driver.session(**kw) as s:
                components = s.run(COMPONENTS_QUERY).data()
        except Exception as e:  # the driver has many error classes; say what to do
            if driver is not None:
                driver.close()
            raise StoreUnreachableError(explain_connect_error(url, e, user, database)) from e
        try:
            version = check_server_version(components, url)
        except StoreUnreachableError:
            driver.close()
            raise
        return cls(driver, database=database, read_only=read_only, tx_rows=tx_rows,
                   server_version=version)

    # ---------------------------------------------------------------- plumbing
    def _session(self) -> Any:
        kw = {"database": self.database} if self.database else {}
        return self.driver.session(**kw)

    def _write(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.read_only:
            raise ReadOnlyQueryError("store opened read-only")

        def work(tx: Any) -> list[dict[str, Any]]:
            return tx.run(query, params).data()

        with self._session() as s:
            return s.execute_write(work)

    def _read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: Any) -> list[dict[str, Any]]:
            return tx.run(query, params).data()

        with self._session() as s:
            return s.execute_read(work)

    def _auto(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One auto-commit statement (``session.run``), as ``CALL … IN TRANSACTIONS`` needs."""
        if self.read_only:
            raise ReadOnlyQueryError("store opened read-only")
        with self._session() as s:
            return s.run(query, params).data()

    def _bulk(self, query: str, payload: list[dict[str, Any]]) -> int:
        """Send ``payload`` through ``query`` (a ``dialect.neo4j_in_transactions`` statement),
        ``self.batch`` rows per statement, ``self.tx_rows`` per inner transaction; the rows
        merged (edges: rows whose two endpoints exist). A failed inner transaction fails the
        statement (rerun: MERGE is idempotent)."""
        n = 0
        for chunk in self._batches(payload):
            n += sum(int(r.get("n") or 0)
                     for r in self._auto(query, {"rows": chunk, "tx_rows": self.tx_rows}))
        return n

    @property
    def _scope_clause(self) -> bool:
        return self.server_version is None or self.server_version[:2] >= CALL_SCOPE_SINCE

    def _batches(self, rows: list[dict[str, Any]]) -> Any:
        for i in range(0, len(rows), self.batch):
            yield rows[i:i + self.batch]

    # -------------------------------------------------------------- interface
    def ensure_schema(self) -> None:
        for stmt in dialect.neo4j_schema_ddl():
            self._write(stmt, {})

    def existing_keys(self, label: str, keys: Any) -> set[str]:
        keys = [k for k in (keys.to_pylist() if hasattr(keys, "to_pylist") else keys)]
        out: set[str] = set()
        q = dialect.neo4j_existing_keys(label)
        for chunk in self._batches([{"k": k} for k in keys]):
            out.update(r["key"] for r in self._read(q, {"keys": [c["k"] for c in chunk]}))
        return out

    def upsert_nodes(self, label: str, table: pa.Table, update: bool = True,
                     overwrite: bool = True) -> UpsertCount:
        """MERGE on the key; ``updated`` counts existing keys that were sent (not compared).

        ``overwrite=False`` sends only the rows whose key is new (Neo4j has no cheap
        per-property fill-gaps in one statement; entity nodes rarely need it)."""
        if not overwrite:
            update = False
        spec = schema.node(label)
        rows = table.to_pylist()
        existing = self.existing_keys(label, [r[spec.key] for r in rows])
        payload = [{"key": r[spec.key], "props": _clean({k: v for k, v in r.items() if k != spec.key})}
                   for r in rows if update or r[spec.key] not in existing]
        if self.tx_rows:
            self._bulk(dialect.neo4j_in_transactions(
                dialect.neo4j_upsert_nodes_body(label), self._scope_clause), payload)
            new = len({r[spec.key] for r in rows} - existing)
            return UpsertCount(inserted=new, updated=len(existing) if update else 0)
        q = dialect.neo4j_upsert_nodes(label)
        for chunk in self._batches(payload):
            self._write(q, {"rows": chunk})
        new = len({r[spec.key] for r in rows} - existing)
        return UpsertCount(inserted=new, updated=len(existing) if update else 0)

    def set_properties(self, label: str, table: pa.Table) -> int:
        spec = schema.node(label)
        payload = [{"key": r[spec.key], "props": {k: v for k, v in r.items() if k != spec.key}}
                   for r in table.to_pylist()]
        q = dialect.neo4j_set_properties(label)
        n = 0
        for chunk in self._batches(payload):
            n += sum(r.get("n", 0) for r in self._write(q, {"rows": chunk}))
        return n

    def upsert_edges(self, rel_type: str, from_label: str, to_label: str,
                     table: pa.Table) -> UpsertCount:
        spec = schema.rel(rel_type)
        payload = []
        for r in table.to_pylist():
            keys = {p: r.get(p) for p in spec.key_props}
            if any(v is None for v in keys.values()):  # Neo4j cannot MERGE on a null
                raise ValueError(f"{rel_type} edge {r['src']!r} -> {r['dst']!r} needs "
                                 f"{list(spec.key_props)} on Neo4j")
            props = _clean({k: v for k, v in r.items() if k not in ("src", "dst")})
            payload.append({"src": r["src"], "dst": r["dst"], "keys": keys, "props": props})
        if self.tx_rows:  # like the managed path: rows merged, present or not before
            n = self._bulk(dialect.neo4j_in_transactions(dialect.neo4j_upsert_edges_body(
                rel_type, from_label, to_label), self._scope_clause), payload)
            return UpsertCount(inserted=n)
        q = dialect.neo4j_upsert_edges(rel_type, from_label, to_label)
        n = 0
        for chunk in self._batches(payload):
            n += sum(r.get("n", 0) for r in self._write(q, {"rows": chunk}))
        return UpsertCount(inserted=n)

    def delete_edges(self, rel_type: str, from_label: str, to_label: str,
                     where: dict[str, Any] | None = None) -> int:
        where = where or {}
        q = dialect.neo4j_delete_edges(rel_type, from_label, to_label, list(where))
        params = dialect.edge_params(where)
        total = 0
        while True:  # delete in batches so one transaction stays small
            rows = self._write(q, {**params, "batch": self.batch})
            n = sum(r.get("n", 0) for r in rows)
            total += n
            if n < self.batch:
                return total

    def delete_edges_from(self, rel_type: str, from_label: str, to_label: str, src_keys: Any,
                          where: dict[str, Any] | None = None) -> int:
        """``UNWIND $keys … DELETE e``, ``self.batch`` source keys per write transaction."""
        where = where or {}
        q = dialect.neo4j_delete_edges_from(rel_type, from_label, to_label, list(where))
        params = dialect.edge_params(where)
        keys = distinct_keys(src_keys)
        total = 0
        for a in range(0, len(keys), self.batch):
            rows = self._write(q, {**params, "keys": keys[a:a + self.batch]})
            total += sum(r.get("n", 0) for r in rows)
        return total

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Groups writes in code only: each statement stays its own managed (retried, routed)
        write transaction, so a crash inside can leave the block's earlier statements done."""
        yield

    def read_table(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        return pa.Table.from_pylist(self._read(query, params or {}))

    def run_read(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        if dialect.looks_like_write(query):
            raise ReadOnlyQueryError("this path runs read-only queries; the query writes")
        return self.read_table(query, params)

    def count(self, label_or_type: str) -> int:
        rows = self._read(dialect.neo4j_count(label_or_type), {})
        return int(rows[0]["n"]) if rows else 0

    def stats(self) -> dict[str, int]:
        out = {label: self.count(label) for label in schema.NODES}
        out.update({t: self.count(t) for t in schema.RELS})
        return out

    # ------------------------------------------------------------ vector index
    def create_vector_index(self, label: str, prop: str = "embedding", dims: int | None = None,
                            **_: Any) -> dict[str, Any]:
        """``CREATE VECTOR INDEX … IF NOT EXISTS`` (cosine) over ``label.prop``.

        ``dims`` None: the length of one stored vector. Neo4j fills the index itself as
        nodes get the property; nothing is copied.
        """
        if dims is None:
            spec = schema.node(label)
            rows = self._read(f"MATCH (n:{label}) WHERE n.{prop} IS NOT NULL "
                              f"RETURN size(n.{prop}) AS d LIMIT 1", {})
            if not rows:
                raise ValueError(f"no {spec.label} node has {prop}; run `innograph embed` first")
            dims = int(rows[0]["d"])
        self._write(dialect.neo4j_create_vector_index(label, prop, dims), {})
        return {"index": dialect.neo4j_vector_index_name(label, prop), "dims": dims}

    def vector_query(self, label: str, vectors: Any, k: int, prop: str = "embedding",
                     batch: int = VECTOR_BATCH, **_: Any) -> list[tuple[list[str], Any]]:
        """The ``k`` nearest ``label`` nodes of each query row: ``(ids, raw cosines)``.

        One ``UNWIND $rows … CALL db.index.vector.queryNodes`` statement per ``batch`` rows
        (``dialect.neo4j_vector_query_batch``); Neo4j scores (1 + cos) / 2 are converted back
        in ``dialect``. No year filter here (``vector_year_filter`` is False): over-fetch
        and filter afterwards.
        """
        import numpy as np

        name = dialect.neo4j_vector_index_name(label, prop)
        q = dialect.neo4j_vector_query_batch(name)
        vecs = np.asarray(vectors, dtype=np.float32)
        if vecs.ndim == 1:
            vecs = vecs[None, :]
        per: dict[int, list[tuple[float, str]]] = {}
        batch = max(1, int(batch))
        for a in range(0, len(vecs), batch):
            rows = [{"i": a + i, "vector": v.tolist()} for i, v in enumerate(vecs[a:a + batch])]
            for r in self._read(q, {"index": name, "k": int(k), "rows": rows}):
                per.setdefault(int(r["i"]), []).append((-float(r["score"]), r["id"]))
        out = []
        for i in range(len(vecs)):
            hits = sorted(per.get(i, []))
            out.append(([node for _, node in hits],
                        np.array([dialect.cosine_from_index_score(dialect.NEO4J, -s)
                                  for s, _ in hits], dtype=np.float32)))
        return out

    def close(self) -> None:
        close: Callable[[], None] | None = getattr(self.driver, "close", None)
        if close:
            close()


# ------------------------------------------------------------ integrity check (issue 17)
# Statements ``graph.check`` runs on Neo4j besides the portable ones it builds itself (null
# and duplicate keys, duplicate edges): the constraints present, and edges joining labels the
# schema does not join. Relationships cannot dangle in Neo4j, so "orphan-free" means every
# edge joins a (from, to) pair of its RelSpec.
CHECK_CONSTRAINTS = ("SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties "
                     "RETURN name, type, entityType, labelsOrTypes, properties")


def unique_constraint_present(rows: list[dict[str, Any]], label: str, key: str) -> bool:
    """Whether ``SHOW CONSTRAINTS`` rows hold a node uniqueness (or node key) constraint on
    exactly ``label.key`` (type ``UNIQUENESS`` in Neo4j 5.0–5.6, ``NODE_PROPERTY_UNIQUENESS``
    later, ``NODE_KEY`` also implies it)."""
    for r in rows:
        kind = str(r.get("type") or "")
        if (r.get("entityType", "NODE") == "NODE"
                and kind in ("UNIQUENESS", "NODE_PROPERTY_UNIQUENESS", "NODE_KEY")
                and list(r.get("labelsOrTypes") or []) == [label]
                and list(r.get("properties") or []) == [key]):
            return True
    return False


def check_misjoined_edges(rel_type: str) -> str:
    """Count of ``rel_type`` edges whose ends are not a (from, to) pair of the schema."""
    spec = schema.rel(rel_type)
    allowed = " OR ".join(f"(a:{x} AND b:{y})" for x, y in spec.pairs)
    return f"MATCH (a)-[e:{rel_type}]->(b) WHERE NOT ({allowed}) RETURN count(e) AS n"
