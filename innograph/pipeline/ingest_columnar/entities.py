"""The entity nodes and edges of a block's plain rows (keywords, authors, institutions,
venues, IPC codes), as ``ingest.add_document`` makes them for one document, built as
arrow tables from the per-distinct results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...graph import schema
from ...identity import normalize_keyword
from ..ingest import LoadSummary
from .kernels import distinct, explode

__all__ = ["Keys", "Fast", "local_positions", "with_line", "fast_edges"]


class Keys:
    """Document keys by position (arrow), indexed with numpy arrays."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, idx: np.ndarray) -> pa.Array:
        return self.arr.take(pa.array(np.asarray(idx, np.int64)))


@dataclass
class Fast:
    table: pa.Table  # document columns of the plain rows
    rows: np.ndarray  # their row numbers in the block
    lines: np.ndarray  # their lines
    items: pa.Array  # keyword items (untrimmed), flattened
    parents: np.ndarray  # item → index into rows
    extra: dict[str, tuple[list[Any], np.ndarray]]  # per-distinct results, block row index
    file: str


def local_positions(rows: np.ndarray, block_rows: np.ndarray) -> np.ndarray:
    """Block row numbers → positions in ``rows`` (sorted)."""
    return np.searchsorted(rows, block_rows)


def with_line(t: pa.Table, line: int) -> pa.Table:
    return t.append_column("__line", pa.array(np.full(t.num_rows, line, np.int64)))


def fast_edges(summary: LoadSummary, kind: str, label: str, fast: Fast, docs: pa.Table,
               nodes: dict[str, list[pa.Table]],
               edges: dict[tuple[str, str, str], list[pa.Table]]) -> None:
    """Node and edge rows of the plain rows of ``fast`` that were kept (``docs``: the
    documents written, by their line), appended to ``nodes`` (label → tables) and ``edges``
    ((rel, from, to) → tables), each with a ``__line`` column; invalid IPC codes are
    counted and warned in ``summary`` as the row path does."""
    kept = pc.is_in(pa.array(fast.lines), docs.column("__line")).to_numpy(
        zero_copy_only=False)
    # the key of each plain row (after re-keying; null for rows dropped as duplicates)
    pos = pc.index_in(pa.array(fast.lines), docs.column("__line"))
    key_arr = docs.column("id").combine_chunks().take(pos)
    keys = Keys(key_arr)
    lines = fast.lines
    # keywords: normalised once per distinct phrase; first spelling's position = rank
    if len(fast.items):
        norm_vals, n_idx = distinct(fast.items, normalize_keyword)
        code_of: dict[str, int] = {}
        codes = np.array([-1 if v is None else code_of.setdefault(v, len(code_of))
                          for v in norm_vals], np.int64)
        vocab = pa.array(list(code_of), pa.string())
        code = codes[n_idx] if len(n_idx) else np.zeros(0, np.int64)
        par = fast.parents
        ok = kept[par] & (code >= 0)
        par, code = par[ok], code[ok]
        # first mention of each (document, keyword): order of the items kept
        _, firsts = np.unique(par * (len(code_of) + 1) + code, return_index=True)
        firsts.sort()
        par, code = par[firsts], code[firsts]
        starts = np.searchsorted(par, par, side="left")
        rank = np.arange(len(par)) - starts + 1
        nodes.setdefault(schema.KEYWORD, []).append(pa.table({
            "name": vocab.take(pa.array(np.unique(code))),
            "__line": pa.array(np.zeros(len(np.unique(code)), np.int64))}))
        dst = vocab.take(pa.array(code))
        edges.setdefault((schema.HAS_KEYWORD, label, schema.KEYWORD), []).append(pa.table({
            "src": keys[par], "dst": dst,
            "score": pa.nulls(len(par), pa.float64()),
            "source": pa.array(np.full(len(par), schema.SOURCE_INPUT, object), pa.string()),
            "rank": pa.array(rank, pa.int64()), "__line": pa.array(lines[par])}))
    rows = np.flatnonzero(kept)
    if kind == "paper":
        res, idx = fast.extra["authors"]
        r, (pos, pid, name) = explode(res, idx, fast.rows[rows], 3)
        r = local_positions(fast.rows, r)
        if len(r):
            nodes.setdefault(schema.AUTHOR, []).append(pa.table({
                "id": pa.array(pid, pa.string()), "name": pa.array(name, pa.string()),
                "__line": pa.array(lines[r])}))
            edges.setdefault((schema.AUTHORED, schema.AUTHOR, schema.PAPER), []).append(
                pa.table({"src": pa.array(pid, pa.string()),
                          "dst": keys[r],
                          "position": pa.array(pos, pa.int64()),
                          "__line": pa.array(lines[r])}))
        res, idx = fast.extra["insts"]
        r, (iid, name) = explode(res, idx, fast.rows[rows], 2)
        r = local_positions(fast.rows, r)
        if len(r):
            nodes.setdefault(schema.INSTITUTION, []).append(pa.table({
                "id": pa.array(iid, pa.string()), "name": pa.array(name, pa.string()),
                "region": pa.nulls(len(r), pa.string()), "__line": pa.array(lines[r])}))
            edges.setdefault((schema.AFFILIATED_WITH, schema.PAPER, schema.INSTITUTION),
                             []).append(pa.table({
                                 "src": keys[r],
                                 "dst": pa.array(iid, pa.string()),
                                 "__line": pa.array(lines[r])}))
        res, idx = fast.extra["venues"]
        r, (vname,) = explode(res, idx, fast.rows[rows], 1)
        r = local_positions(fast.rows, r)
        if len(r):
            nodes.setdefault(schema.VENUE, []).append(pa.table({
                "name": pa.array(vname, pa.string()), "__line": pa.array(lines[r])}))
            edges.setdefault((schema.PUBLISHED_IN, schema.PAPER, schema.VENUE), []).append(
                pa.table({"src": keys[r],
                          "dst": pa.array(vname, pa.string()),
                          "__line": pa.array(lines[r])}))
    else:
        res, idx = fast.extra["codes"]
        r, (raw, code) = explode(res, idx, fast.rows[rows], 2)
        r = local_positions(fast.rows, r)
        if len(r):
            code_a = np.asarray(code, dtype=object)
            bad = np.array([c is None for c in code], bool)
            for j in np.flatnonzero(bad):
                summary.codes_invalid += 1
                summary.warn(f"{fast.file}:{int(lines[r[j]])}: ipc: "
                                  f"{str(raw[j])[:40]!r} is not an IPC/CPC code "
                                  "(kept as text, no node)")
            good = ~bad
            rg = r[good]
            cg = code_a[good].tolist()
            nodes.setdefault(schema.IPC, []).append(pa.table({
                "code": pa.array(cg, pa.string()),
                "scheme": pa.array([schema.SCHEME_IPC] * len(cg), pa.string()),
                "__line": pa.array(lines[rg])}))
            edges.setdefault((schema.CLASSIFIED_AS, schema.PATENT, schema.IPC), []).append(
                pa.table({"src": keys[rg],
                          "dst": pa.array(cg, pa.string()),
                          "__line": pa.array(lines[rg])}))
