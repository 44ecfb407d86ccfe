"""Integrity check of a store (issue 17); its WAL state; the read-only open for checking.

``check_store(store)`` verifies a store without writing to it and returns a ``CheckReport``:

- **keys** (every node table): no node without its key, no key held by two rows (counted in
  the engine: ``WITH n.key AS k, count(*) AS c WHERE c > 1``), and on Kùzu every key listed
  by a table scan is found again by a primary-key lookup (``KuzuStore.index_lookup``: one
  ``MATCH (n:T {key: $k})`` per key, planned as ``PRIMARY_KEY_SCAN_NODE_TABLE``; the batched
  ``UNWIND``/``LOAD FROM`` forms are planned as a hash join over a scan and would not see the
  index) at the row the scan saw it;
- **edges** (every relationship type): endpoints exist (Kùzu: no edge whose endpoint has no
  key, and the edges counted per (from, to) pair add up to the edges of the type; Neo4j: no
  edge between labels the schema does not join, no endpoint without its key);
- **unique edges**: no two edges with the same (from, to, *key_props) (``RelSpec.key_props``:
  HAS_KEYWORD per source, SIMILAR_TO per method; every other type per (from, to)), and no two
  computed SIMILAR_TO edges of one paper with the same (method, rank) (``input`` links carry
  no rank of their own);
- **counts** per label and relationship type (``store.stats()``);
- **WAL** (Kùzu): a ``<store>.wal`` file beside the store means its last writer did not close
  it (killed, crashed): the check then reads the state the WAL replays to, and the next
  writable open replays it into the store;
- **constraints** (Neo4j): a uniqueness constraint on every node key.

``quick=True`` is the cheap form run before a write opens a store left by an unclean stop
(``KuzuStore.__init__``): the key lookup is limited to the newest rows of each table (the
ones an interrupted COPY wrote last) plus a fixed random sample; every other check is the same.

The rebuild of a damaged embedded store is ``graph.repair.repair_kuzu``.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import InnographError
from . import schema
from .store import Store

QUICK_NEWEST = 2000  # quick check: index lookups of the newest rows of each node table …
QUICK_SAMPLE = 500  # … plus this many random older rows
SAMPLES = 5  # offending keys / edges quoted per finding


# ----------------------------------------------------------------------------- report
@dataclass
class Finding:
    """One thing wrong: ``check`` (kind), the table, how many rows / groups, what it means,
    and a few offending keys."""

    check: str
    table: str
    count: int
    detail: str
    samples: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """What ``check_store`` found. ``ok`` ⇔ no finding (a leftover WAL alone is not a finding:
    a killed writer leaves one, and Kùzu replays it)."""

    store: str
    kind: str
    mode: str  # "full" | "quick"
    counts: dict[str, int]
    wal: dict[str, Any]
    findings: list[Finding]
    checked: list[str]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        return d

    def summary(self) -> str:
        """One line per finding (for error messages)."""
        return "; ".join(f"{f.table}: {f.check} ×{f.count} ({f.detail})" for f in self.findings)


# ------------------------------------------------------------------------------- WAL
LEFTOVER_SUFFIXES = (".wal", ".shadow")


def wal_files(path: str | Path) -> list[Path]:
    """Files a writer that did not close the embedded store at ``path`` left beside it.

    Kùzu 0.11.3 keeps a store in one file ``<path>``, its write-ahead log in ``<path>.wal``
    and, while a checkpoint runs, the pages being replaced in ``<path>.shadow``; a clean
    close removes both (measured). ``<path>/*.wal`` covers a store folder."""
    p = Path(path)
    found = [Path(str(p) + sfx) for sfx in LEFTOVER_SUFFIXES]
    if p.is_dir():
        found += sorted(p.glob("*.wal"))
    return [f for f in found if f.is_file()]


def wal_state(path: str | Path) -> dict[str, Any]:
    """``{"unclean", "files", "bytes", "shadow"}``: whether a WAL or shadow file is left,
    which, their total size, and whether a checkpoint was interrupted (shadow pages)."""
    files = wal_files(path)
    return {"unclean": bool(files), "files": [str(f) for f in files],
            "bytes": sum(f.stat().st_size for f in files),
            "shadow": any(f.name.endswith(".shadow") for f in files)}


@contextmanager
def open_for_check(path: str | Path, buffer_pool_mb: int | None = None
                   ) -> Iterator[tuple[Any, str | None]]:
    """Open the embedded store at ``path`` for reading without changing it: ``(store, note)``.

    Read-only normally (Kùzu replays a WAL in memory). A store whose last writer was killed
    inside a checkpoint holds shadow pages, which Kùzu 0.11.3 refuses to replay read-only
    ("Couldn't replay shadow pages under read-only mode"); then its files are copied to a
    temporary folder and the copy is opened writable (which replays them) and checked, and
    ``note`` says so. The original files are never opened for writing."""
    from .kuzu_store import KuzuStore

    tmp: Path | None = None
    note = None
    try:
        store = KuzuStore(path, read_only=True, buffer_pool_mb=buffer_pool_mb)
    except InnographError as e:
        if "shadow pages" not in str(e):
            raise
        tmp = Path(tempfile.mkdtemp(prefix="innograph-check-"))
        src = Path(path)
        for f in [src] + wal_files(src):
            shutil.copy2(f, tmp / f.name)
        store = KuzuStore(tmp / src.name, buffer_pool_mb=buffer_pool_mb, check_on_open=False)
        note = ("an interrupted checkpoint left shadow pages, which Kùzu replays only in a "
                "writable open: a copy of the store was replayed and checked; the store itself "
                "is unchanged (the next write replays it)")
    try:
        yield store, note
    finally:
        store.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------- statements
def q_null_keys(label: str) -> str:
    key = schema.node(label).key
    return f"MATCH (n:{label}) WHERE n.{key} IS NULL RETURN count(n) AS n"


def q_duplicate_keys(label: str) -> str:
    """Keys held by more than one row: one row (k, c) per such key."""
    key = schema.node(label).key
    return (f"MATCH (n:{label}) WHERE n.{key} IS NOT NULL WITH n.{key} AS k, count(*) AS c "
            "WHERE c > 1 RETURN k, c")


def q_duplicate_edges(rel_type: str, a: str, b: str) -> str:
    """Groups of edges with the same (src key, dst key, *key_props): (s, d, p0…, c)."""
    spec = schema.rel(rel_type)
    ka, kb = schema.node(a).key, schema.node(b).key
    props = "".join(f", e.{p} AS p{i}" for i, p in enumerate(spec.key_props))
    cols = "".join(f", p{i}" for i in range(len(spec.key_props)))
    return (f"MATCH (x:{a})-[e:{rel_type}]->(y:{b}) WITH x.{ka} AS s, y.{kb} AS d{props}, "
            f"count(*) AS c WHERE c > 1 RETURN s, d{cols}, c")


def q_duplicate_ranks() -> str:
    """Computed SIMILAR_TO edges of one paper sharing (method, rank): (s, m, r, c)."""
    kp = schema.node(schema.PAPER).key
    return (f"MATCH (x:{schema.PAPER})-[e:{schema.SIMILAR_TO}]->(:{schema.PATENT}) "
            "WHERE e.rank IS NOT NULL AND e.method IS NOT NULL AND e.method <> $input "
            f"WITH x.{kp} AS s, e.method AS m, e.rank AS r, count(*) AS c WHERE c > 1 "
            "RETURN s, m, r, c")


def q_edges_without_endpoint_key(rel_type: str, a: str, b: str) -> str:
    ka, kb = schema.node(a).key, schema.node(b).key
    return (f"MATCH (x:{a})-[e:{rel_type}]->(y:{b}) WHERE x.{ka} IS NULL OR y.{kb} IS NULL "
            "RETURN count(e) AS n")


def q_edge_count(rel_type: str, pair: tuple[str, str] | None = None) -> str:
    if pair is None:
        return f"MATCH ()-[e:{rel_type}]->() RETURN count(e) AS n"
    return f"MATCH (:{pair[0]})-[e:{rel_type}]->(:{pair[1]}) RETURN count(e) AS n"


def scalar(store: Store, query: str, params: dict[str, Any] | None = None) -> int:
    """The first value of the first row of ``query`` as an int (0 when no row or NULL)."""
    t = store.read_table(query, params or {})
    if t.num_rows == 0:
        return 0
    v = t.column(0)[0].as_py()
    return int(v or 0)


# ----------------------------------------------------------------- pure comparisons
def compare_keys(scan_keys: list[str], scan_offsets: list[int],
                 found: dict[str, list[int]]) -> tuple[list[str], list[str]]:
    """Compare a table scan with primary-key lookups of the same keys.

    Parameters
    ----------
    scan_keys, scan_offsets : the key and row offset of each row a scan listed (same length).
    found : key → row offsets a primary-key lookup returned, for the keys that were looked
        up (a key absent from ``found`` was not looked up).

    Returns
    -------
    (missing, misplaced): keys listed by the scan that the lookup does not find, and keys the
    lookup finds at a row where the scan does not list that key. Both sorted.
    """
    rows: dict[str, set[int]] = {}
    for k, o in zip(scan_keys, scan_offsets):
        rows.setdefault(k, set()).add(int(o))
    missing, misplaced = [], []
    for k, offs in found.items():
        if not offs:
            missing.append(k)
        elif not set(offs) <= rows.get(k, set()):
            misplaced.append(k)
    return sorted(missing), sorted(misplaced)


def lookup_sample(offsets: list[int], newest: int, sample: int, seed: int = 0) -> list[int]:
    """Indices (into ``offsets``) to look up in a quick check: the ``newest`` rows of largest
    offset plus ``sample`` random others (seeded), in increasing index order."""
    order = sorted(range(len(offsets)), key=lambda i: offsets[i])
    pick = set(order[-newest:]) if newest > 0 else set()
    rest = order[:-newest] if newest > 0 else order
    rng = random.Random(seed)
    pick.update(rng.sample(rest, min(sample, len(rest))))
    return sorted(pick)


# ------------------------------------------------------------------------- check
def check_store(store: Store, quick: bool = False, labels: Iterable[str] | None = None,
                seed: int = 0, path: str | Path | None = None,
                note: str | None = None) -> CheckReport:
    """Run every check that applies to ``store`` (Kùzu or Neo4j) without writing to it.

    ``labels``: node labels to check (default all; the relationship checks always run).
    ``quick``: Kùzu key lookups limited to ``QUICK_NEWEST`` newest + ``QUICK_SAMPLE`` random
    rows per table. ``path``: the store's own path when ``store`` is a copy of it
    (``open_for_check``), for the WAL state and the report; ``note`` is added to the report's ``checked`` lines.
    Returns the report (``report.ok`` is False when anything is wrong).
    """
    t0 = time.perf_counter()
    labels = list(labels) if labels is not None else list(schema.NODES)
    path = str(path or getattr(store, "path", "") or "")
    report = CheckReport(store=str(path or getattr(store, "kind", "")), kind=store.kind,
                         mode="quick" if quick else "full", counts={}, wal={}, findings=[],
                         checked=[])
    if store.kind == "kuzu":
        report.wal = wal_state(path)
        present = set(store.read_table("CALL SHOW_TABLES() RETURN name").column(0).to_pylist())
    else:
        report.wal = {"unclean": False, "files": [], "bytes": 0, "note": "not applicable"}
        present = set(schema.NODES) | set(schema.RELS)
    if note:
        report.checked.append(note)
    missing_tables = sorted((set(schema.NODES) | set(schema.RELS)) - present)
    if store.kind == "kuzu" and missing_tables:
        report.checked.append(f"tables not in this store (made by an older innograph): "
                              f"{', '.join(missing_tables)}")
    for label in labels:
        if label in present:
            _check_keys(store, label, report, quick, seed)
    for spec in schema.RELS.values():
        if spec.type in present:
            _check_edges(store, spec, report, present)
    if store.kind == "neo4j":
        _check_neo4j_constraints(store, report)
    for name in list(schema.NODES) + list(schema.RELS):
        if name in present:
            report.counts[name] = store.count(name)
    report.seconds = round(time.perf_counter() - t0, 3)
    return report


def _check_keys(store: Store, label: str, report: CheckReport, quick: bool, seed: int) -> None:
    n_null = scalar(store, q_null_keys(label))
    if n_null:
        report.findings.append(Finding("null_key", label, n_null,
                                       "nodes without their key property"))
    dups = store.read_table(q_duplicate_keys(label)).to_pylist()
    if dups:
        report.findings.append(Finding(
            "duplicate_key", label, len(dups),
            f"keys held by more than one row ({sum(r['c'] for r in dups)} rows)",
            [str(r["k"]) for r in dups[:SAMPLES]]))
    report.checked.append(f"{label}: keys present and unique")
    if store.kind != "kuzu":
        return
    key = schema.node(label).key
    scan = store.read_table(f"MATCH (n:{label}) WHERE n.{key} IS NOT NULL "
                            f"RETURN n.{key} AS k, offset(id(n)) AS o")
    keys, offs = scan.column("k").to_pylist(), scan.column("o").to_pylist()
    if quick:
        idx = lookup_sample(offs, QUICK_NEWEST, QUICK_SAMPLE, seed)
        ask = list(dict.fromkeys(keys[i] for i in idx))
    else:
        ask = list(dict.fromkeys(keys))
    found = store.index_lookup(label, ask)
    missing, misplaced = compare_keys(keys, offs, found)
    if missing:
        report.findings.append(Finding(
            "key_not_in_index", label, len(missing),
            "keys a scan lists that a primary-key lookup does not find (damaged key index)",
            missing[:SAMPLES]))
    if misplaced:
        report.findings.append(Finding(
            "key_index_wrong_row", label, len(misplaced),
            "keys the primary-key index finds at a row that does not hold them",
            misplaced[:SAMPLES]))
    report.checked.append(f"{label}: {len(ask)} of {len(keys)} keys found by primary-key lookup")


def _check_edges(store: Store, spec: schema.RelSpec, report: CheckReport,
                 present: set[str]) -> None:
    pairs = [p for p in spec.pairs if p[0] in present and p[1] in present]
    if store.kind == "kuzu":
        total = scalar(store, q_edge_count(spec.type))
        per_pair = sum(scalar(store, q_edge_count(spec.type, p)) for p in pairs)
        if per_pair != total:
            report.findings.append(Finding(
                "edge_count", spec.type, abs(total - per_pair),
                f"{total} edges in the table but {per_pair} between its node tables"))
    else:
        from .neo4j_store import check_misjoined_edges

        n = scalar(store, check_misjoined_edges(spec.type))
        if n:
            report.findings.append(Finding(
                "misjoined_edge", spec.type, n,
                "edges between labels the schema does not join (or without a labelled end)"))
    for a, b in pairs:
        n = scalar(store, q_edges_without_endpoint_key(spec.type, a, b))
        if n:
            report.findings.append(Finding("dangling_edge", f"{spec.type} {a}->{b}", n,
                                           "edges whose endpoint has no key"))
        dups = store.read_table(q_duplicate_edges(spec.type, a, b)).to_pylist()
        if dups:
            names = ["s", "d"] + [f"p{i}" for i in range(len(spec.key_props))]
            report.findings.append(Finding(
                "duplicate_edge", f"{spec.type} {a}->{b}", len(dups),
                f"(from, to{''.join(', ' + p for p in spec.key_props)}) held by more than one "
                f"edge ({sum(r['c'] - 1 for r in dups)} extra edges)",
                ["|".join(str(r[c]) for c in names) for r in dups[:SAMPLES]]))
    if spec.type == schema.SIMILAR_TO and pairs:
        dups = store.read_table(q_duplicate_ranks(), {"input": schema.SOURCE_INPUT}).to_pylist()
        if dups:
            report.findings.append(Finding(
                "duplicate_rank", spec.type, len(dups),
                "a paper's computed matches share (method, rank)",
                [f"{r['s']}|{r['m']}|{r['r']}" for r in dups[:SAMPLES]]))
    report.checked.append(f"{spec.type}: endpoints present, no duplicate edges")


def _check_neo4j_constraints(store: Store, report: CheckReport) -> None:
    from .neo4j_store import CHECK_CONSTRAINTS, unique_constraint_present

    rows = store.read_table(CHECK_CONSTRAINTS).to_pylist()
    missing = [f"{s.label}.{s.key}" for s in schema.NODES.values()
               if not unique_constraint_present(rows, s.label, s.key)]
    if missing:
        report.findings.append(Finding("constraint_missing", "schema", len(missing),
                                       "node keys without a uniqueness constraint", missing))
    report.checked.append("uniqueness constraints on every node key")
