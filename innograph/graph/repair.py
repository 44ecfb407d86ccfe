"""The rebuild of a damaged embedded store (issue 17): ``repair_kuzu(src, out)``.

Every table of ``src`` is read by scan (never by key: the key index is what may be damaged),
rows deduplicated by key, edges whose endpoints were not recovered dropped, all written into
a fresh store through the ordinary upserts, then checked (``graph.check.check_store``). The
original is only ever opened read-only (``graph.check.open_for_check``). What was read,
written, dropped and lost is returned as a ``RepairReport``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InnographError
from . import schema
from .check import CheckReport, check_store, open_for_check, scalar

REPAIR_PAGE = 50_000  # node rows read per statement during a repair


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
        top = scalar(source, f"MATCH (n:{spec.label}) RETURN max(offset(id(n)))")
        n_rows = scalar(source, f"MATCH (n:{spec.label}) RETURN count(n)")
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
