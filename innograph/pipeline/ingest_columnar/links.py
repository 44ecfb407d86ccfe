"""DeepCosineAI.csv → SIMILAR_TO edges: plain rows by kernels, the others by
``deepinnovation.link_from_values``; source ids resolved to keys as ``ingest._resolve``
does (this load, then the store's ``source_ids``, then ids that are keys).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...graph import queries, schema
from ...loaders import deepinnovation as deep
from ...loaders.records import Link, Reject
from ...loaders.tabular import read_rows
from .edges import copy_new_edges, first_rows
from .files import Block, blocks
from .kernels import DECIMAL, SIMPLE_ID, unneutralised

if TYPE_CHECKING:
    from .load import _Load

__all__ = ["load_links", "links_table"]


def load_links(load: "_Load", path: Path) -> None:
    for item in blocks(path, schema.DEEP_COSINE_HEADER, load.block_rows):
        if isinstance(item, tuple):
            recs: list[Link] = []
            for it in read_rows(path, fmt="csv",
                                members=lambda m: m == schema.DEEP_COSINE_CSV,
                                on_header=deep._check_header(schema.DEEP_COSINE_HEADER)):
                if it.line < item[1]:
                    continue
                if isinstance(it, Reject):
                    load.reject(it)
                    continue
                rec = deep.link_from_values(it.values, it.file, it.line)
                if isinstance(rec, Reject):
                    load.reject(rec)
                else:
                    recs.append(rec)
            _write_links(load, links_table(recs))
            return
        _link_block(load, item, str(path))

def _link_block(load: "_Load", b: Block, file: str) -> None:
    t = b.table
    n = t.num_rows
    cols = {h: unneutralised(t.column(h)) for h in t.column_names}
    p, q, s = cols["Paper_ID"], cols["Patent_ID"], cols["Cosine similarity"]
    fast = pc.and_(pc.match_substring_regex(p, SIMPLE_ID),
                   pc.match_substring_regex(q, SIMPLE_ID))
    fast = pc.and_(fast, pc.match_substring_regex(s, DECIMAL))
    score = pc.cast(pc.if_else(fast, s, "0"), pa.float64())
    fast = pc.and_(fast, pc.less_equal(pc.abs(score), 1 + deep.SCORE_TOL))
    fast_np = fast.to_numpy(zero_copy_only=False)
    lines = b.lines
    slow = np.flatnonzero(~fast_np)
    recs: list[Link] = []
    for r, values in zip(slow, t.take(pa.array(slow)).to_pylist()):
        rec = deep.link_from_values(values, file, int(lines[r]))
        if isinstance(rec, Reject):
            load.reject(rec)
        else:
            recs.append(rec)
    fr = np.flatnonzero(fast_np)
    fs = pc.max_element_wise(pc.min_element_wise(score.take(pa.array(fr)), 1.0), -1.0)
    table = pa.table({"paper": p.take(pa.array(fr)).combine_chunks(),
                      "patent": q.take(pa.array(fr)).combine_chunks(),
                      "score": fs.combine_chunks() if isinstance(fs, pa.ChunkedArray)
                      else fs,
                      "file": pa.array([file] * len(fr), pa.string()),
                      "line": pa.array(lines[fr])})
    if recs:
        table = pa.concat_tables([table, links_table(recs)]).take(
            pc.sort_indices(pa.concat_arrays([table.column("line").combine_chunks(),
                                              pa.array([x.line for x in recs])])))
    _write_links(load, table)
    if load.progress:
        load.progress(n)

def _resolve(load: "_Load", label: str, source: str, ids: pa.Array) -> pa.Array:
    """``ingest._resolve``: source ids → keys (this load, then the store's
    ``source_ids``, then ids that are keys)."""
    known = pa.concat_tables(load.by_source[label]) if load.by_source[label] else \
        pa.table({"sid": pa.array([], pa.string()), "key": pa.array([], pa.string())})
    # a source id given twice: the later document's key (the row path's dict update)
    known = first_rows([known.append_column("__line", pa.array(-np.arange(known.num_rows)))],
                   ["sid"])
    t = pa.table({"sid": ids, "__i": pa.array(np.arange(len(ids)))})
    j = t.join(known, "sid", join_type="left outer").sort_by("__i")
    out = j.column("key").to_pylist()
    missing = sorted({ids[i].as_py() for i, k in enumerate(out) if k is None})
    if missing:
        m: dict[str, str] = {}
        needle = json.dumps(source)
        for r in load.store.read_table(*queries.by_source_id(label, needle)).to_pylist():
            sid = json.loads(r["sids"]).get(source)
            if sid is not None:
                m.setdefault(str(sid), r["id"])
        rest = [i for i in missing if i not in m]
        for k in load.store.existing_keys(label, rest) if rest else ():
            m[k] = k
        idl = ids.to_pylist()
        out = [k if k is not None else m.get(idl[i]) for i, k in enumerate(out)]
    return pa.array(out, pa.string())

def _write_links(load: "_Load", t: pa.Table) -> None:
    if t.num_rows == 0:
        return
    load.summary.links += t.num_rows
    pk = _resolve(load, schema.PAPER, deep.DIVE_SOURCE, t.column("paper").combine_chunks())
    tk = _resolve(load, schema.PATENT, deep.PATENT_SOURCE,
                       t.column("patent").combine_chunks())
    bad_p, bad_t = pc.is_null(pk), pc.is_null(tk)
    if pc.any(pc.or_(bad_p, bad_t)).as_py():
        for r, bp, bt in zip(t.to_pylist(), bad_p.to_pylist(), bad_t.to_pylist()):
            if bp:
                load.reject(Reject(r["file"], r["line"], "Paper_ID",
                                   f"no paper with id {r['paper']!r}"))
            elif bt:
                load.reject(Reject(r["file"], r["line"], "Patent_ID",
                                   f"no patent with id {r['patent']!r}"))
    good = pc.invert(pc.or_(bad_p, bad_t))
    n = int(pc.sum(good).as_py() or 0)
    rows = pa.table({"src": pk.filter(good), "dst": tk.filter(good),
                     "score": t.column("score").filter(good),
                     "rank": pa.array(np.ones(n, np.int64)),
                     "method": pa.array([schema.SOURCE_INPUT] * n, pa.string()),
                     "model": pa.nulls(n, pa.string())})
    load.summary.inserted[schema.SIMILAR_TO] += copy_new_edges(
        load.store, schema.SIMILAR_TO, schema.PAPER, schema.PATENT, rows)


def links_table(recs: list[Link]) -> pa.Table:
    return pa.table({"paper": pa.array([r.paper_id for r in recs], pa.string()),
                     "patent": pa.array([r.patent_id for r in recs], pa.string()),
                     "score": pa.array([r.score for r in recs], pa.float64()),
                     "file": pa.array([r.file for r in recs], pa.string()),
                     "line": pa.array([r.line for r in recs], pa.int64())})
