"""Integrity check of a store, and the rebuild of a damaged embedded store (issue 17).

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

``repair_kuzu(src, out)`` rebuilds a damaged embedded store into a new folder: every table
read by scan (never by key), rows deduplicated by key, edges whose endpoints were not
recovered dropped, all written into a fresh store through the ordinary upserts, then checked.
The original is only ever opened read-only.
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

import pyarrow as pa

from ..errors import InnographError
from . import schema
from .store import Store

QUICK_NEWEST = 2000  # quick check: index lookups of the newest rows of each node table …
QUICK_SAMPLE = 500  # … plus this many random older rows
SAMPLES = 5  # offending keys / edges quoted per finding
REPAIR_PAGE = 50_000  # node rows read per statement during a repair


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


def _scalar(store: Store, query: str, params: dict[str, Any] | None = None) -> int:
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
    n_null = _scalar(store, q_null_keys(label))
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
        total = _scalar(store, q_edge_count(spec.type))
        per_pair = sum(_scalar(store, q_edge_count(spec.type, p)) for p in pairs)
        if per_pair != total:
            report.findings.append(Finding(
                "edge_count", spec.type, abs(total - per_pair),
                f"{total} edges in the table but {per_pair} between its node tables"))
    else:
        from .neo4j_store import check_misjoined_edges

        n = _scalar(store, check_misjoined_edges(spec.type))
        if n:
            report.findings.append(Finding(
                "misjoined_edge", spec.type, n,
                "edges between labels the schema does not join (or without a labelled end)"))
    for a, b in pairs:
        n = _scalar(store, q_edges_without_endpoint_key(spec.type, a, b))
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


# ------------------------------------------------------------------------ repair
@dataclass
class RepairReport:
    """What ``repair_kuzu`` read from the damaged store, wrote into the new one and left out.

    ``tables``: per table ``{"read", "written", "dropped": {reason: rows}}``. ``lost``: rows
    or tables that could not be recovered (reason → count); removed duplicates are not
    losses (they are listed in ``dropped`` as ``duplicate``). ``check``: the new store's
    check."""

    source: str
    out: str
    tables: dict[str, dict[str, Any]]
    lost: dict[str, int]
    notes: list[str]
    check: CheckReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.lost and self.check is not None and self.check.ok

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        d["check"] = self.check.as_dict() if self.check is not None else None
        return d


def repair_kuzu(src: str | Path, out: str | Path, page: int = REPAIR_PAGE) -> RepairReport:
    """Rebuild the embedded store ``src`` into a new store ``out`` from what a scan can read.

    Node rows are read by row offset in pages of ``page`` (a scan: a damaged key index is
    never used); a row without its key is lost; of rows sharing a key the first (lowest
    offset) is kept (``duplicate``, or ``conflicting_duplicate`` when their values differ: a
    loss). Edges are read per (from, to) pair; an edge whose endpoint has no key or was not
    written is lost; edges repeating a (from, to, *key_props) are dropped as duplicates.
    Tables that are not part of the schema (the vector-index shadow tables ``…Vec``) are not
    copied: rebuild the index with ``innograph match --method index``. Returns the report;
    raises ``InnographError`` if ``out`` exists and is not empty, or is ``src``.
    """
    from .kuzu_store import KuzuStore

    t0 = time.perf_counter()
    src_p, out_p = Path(src), Path(out)
    if not src_p.exists():
        raise InnographError(f"no store at {src_p}")
    if out_p.resolve() == src_p.resolve():
        raise InnographError("--out must be a new folder, not the store being repaired")
    if out_p.exists() and (out_p.is_file() or any(out_p.iterdir())):
        raise InnographError(f"{out_p} exists and is not empty: give --out a new folder")
    out_p.mkdir(parents=True, exist_ok=True)
    dst_db = out_p / "innograph.db"
    rep = RepairReport(source=str(src_p), out=str(dst_db), tables={}, lost={}, notes=[])
    with open_for_check(src_p) as (source, note):
        if note:
            rep.notes.append(note)
        dst = KuzuStore(dst_db)
        try:
            dst.ensure_schema()
            present = set(source.read_table("CALL SHOW_TABLES() RETURN name")
                          .column(0).to_pylist())
            for extra in sorted(present - set(schema.NODES) - set(schema.RELS)):
                rep.notes.append(f"{extra}: not copied (not a schema table; a vector-index "
                                 "shadow table is rebuilt by `innograph match --method index`)")
            written: dict[str, set[str]] = {}
            for spec in schema.NODES.values():
                if spec.label in present:
                    written[spec.label] = _repair_nodes(source, dst, spec, rep, page)
            for rspec in schema.RELS.values():
                if rspec.type in present:
                    _repair_edges(source, dst, rspec, rep, written, present)
        finally:
            dst.close()
    new = KuzuStore(dst_db, read_only=True)
    try:
        rep.check = check_store(new)
    finally:
        new.close()
    rep.seconds = round(time.perf_counter() - t0, 3)
    return rep


def _lose(rep: RepairReport, table: str, reason: str, n: int, loss: bool = True) -> None:
    if not n:
        return
    dropped = rep.tables[table].setdefault("dropped", {})
    dropped[reason] = dropped.get(reason, 0) + n
    if loss:
        rep.lost[f"{table}: {reason}"] = rep.lost.get(f"{table}: {reason}", 0) + n


def _stored_columns(source: Any, table: str, wanted: list[str]) -> list[str]:
    have = {r["name"] for r in source.read_table(
        f"CALL TABLE_INFO('{table}') RETURN name").to_pylist()}
    return [c for c in wanted if c in have]


def _repair_nodes(source: Any, dst: Any, spec: schema.NodeSpec, rep: RepairReport,
                  page: int) -> set[str]:
    rep.tables[spec.label] = {"read": 0, "written": 0, "dropped": {}}
    seen: dict[str, tuple] = {}
    try:
        cols = _stored_columns(source, spec.label, spec.columns)
        ret = ", ".join(f"n.{c} AS {c}" for c in cols)
        top = _scalar(source, f"MATCH (n:{spec.label}) RETURN max(offset(id(n)))")
        n_rows = _scalar(source, f"MATCH (n:{spec.label}) RETURN count(n)")
        for a in range(0, (top + 1) if n_rows else 0, page):
            t = source.read_table(
                f"MATCH (n:{spec.label}) WHERE offset(id(n)) >= $a AND offset(id(n)) < $b "
                f"RETURN offset(id(n)) AS __o, {ret}", {"a": a, "b": a + page})
            t = t.sort_by("__o").drop(["__o"])
            rep.tables[spec.label]["read"] += t.num_rows
            rows = t.to_pylist()
            keep, n_null, n_dup, n_conflict = [], 0, 0, 0
            for r in rows:
                k = r[spec.key]
                if k is None:
                    n_null += 1
                    continue
                sig = tuple(repr(r[c]) for c in cols)
                if k in seen:
                    if seen[k] == sig:
                        n_dup += 1
                    else:
                        n_conflict += 1
                    continue
                seen[k] = sig
                keep.append(r)
            _lose(rep, spec.label, "null_key", n_null)
            _lose(rep, spec.label, "duplicate", n_dup, loss=False)
            _lose(rep, spec.label, "conflicting_duplicate", n_conflict)
            if keep:
                table = pa.Table.from_pylist(keep, schema=t.schema)
                rep.tables[spec.label]["written"] += dst.upsert_nodes(
                    spec.label, table, update=False).inserted
    except RuntimeError as e:
        rep.notes.append(f"{spec.label}: read stopped: {e}")
        _lose(rep, spec.label, "unreadable", max(
            0, _safe_count(source, spec.label) - rep.tables[spec.label]["read"]) or 1)
    return set(seen)


def _safe_count(source: Any, table: str) -> int:
    try:
        return source.count(table)
    except RuntimeError:
        return 0


def _repair_edges(source: Any, dst: Any, spec: schema.RelSpec, rep: RepairReport,
                  written: dict[str, set[str]], present: set[str]) -> None:
    rep.tables[spec.type] = {"read": 0, "written": 0, "dropped": {}}
    cols = _stored_columns(source, spec.type, spec.columns)
    for a, b in spec.pairs:
        if a not in present or b not in present:
            continue
        ka, kb = schema.node(a).key, schema.node(b).key
        ret = ", ".join([f"x.{ka} AS src", f"y.{kb} AS dst"] + [f"e.{c} AS {c}" for c in cols])
        try:
            t = source.read_table(f"MATCH (x:{a})-[e:{spec.type}]->(y:{b}) RETURN {ret}")
        except RuntimeError as e:
            rep.notes.append(f"{spec.type} {a}->{b}: unreadable: {e}")
            _lose(rep, spec.type, f"unreadable {a}->{b}", 1)
            continue
        rep.tables[spec.type]["read"] += t.num_rows
        if t.num_rows == 0:
            continue
        src, dstc = t.column("src").to_pylist(), t.column("dst").to_pylist()
        ok_a, ok_b = written.get(a, set()), written.get(b, set())
        mask = [s is not None and d is not None and s in ok_a and d in ok_b
                for s, d in zip(src, dstc)]
        _lose(rep, spec.type, f"endpoint not recovered {a}->{b}", mask.count(False))
        t = t.filter(pa.array(mask))
        if t.num_rows:
            n = dst.upsert_edges(spec.type, a, b, t).inserted
            rep.tables[spec.type]["written"] += n
            _lose(rep, spec.type, "duplicate", t.num_rows - n, loss=False)
