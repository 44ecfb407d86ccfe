"""The load of the two document tables: per block, the plain rows mapped by kernels and the
others by the row path, then re-keying, duplicates, the merge with stored documents and the
writes (``_Load``; the links are ``links.load_links``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...graph import queries, schema
from ...graph.kuzu_store import conform
from ...graph.store import Store
from ...loaders import deepinnovation as deep
from ...loaders.mapping import map_row
from ...loaders.records import MIN_YEAR, Document, Reject, RejectLog, max_year
from ...loaders.tabular import Row, read_rows
from ..ingest import BatchTables, LoadSummary, add_document, merge_stored
from .edges import copy_new_edges, first_rows
from .entities import Fast, fast_edges, with_line
from .files import Block, blocks
from .kernels import (DECIMAL, FAIL, SIMPLE_ID, cell_text, distinct, keyword_cells,
                      keyword_items, keywords_given, plain, safe, unneutralised)
from .maps import author_rows, code_rows, institution_rows, paper_keys, patent_keys, \
    venue_rows

__all__ = ["DOC_COLUMNS"]


# the document properties this loader writes (both paths), in one order
_COMMON = ["id", "title", "abstract", "year", "year_source", "novelty", "sources",
           "source_ids", "keywords_given"]
DOC_COLUMNS = {
    "paper": _COMMON + ["venue", "authors_text", "cited", "doi", "language", "doc_type",
                        "affiliations_text", "arxiv_id"],
    "patent": _COMMON + ["pn", "ipc_text"],
}


class _Load:
    """One columnar load: the stores and counters it writes to, and the within-load key
    index (``seen``: key, file, line and content hash of every document kept;
    ``by_source``: source id → key; ``arxiv_keys``: arXiv id → key)."""

    def __init__(self, store: Store, rejects: RejectLog, require_year: bool,
                 block_rows: int, progress: Callable[[int], None] | None) -> None:
        self.store = store
        self.rejects = rejects
        self.require_year = require_year
        self.block_rows = block_rows
        self.progress = progress
        self.summary = LoadSummary()
        self.seen: dict[str, list[pa.Table]] = {schema.PAPER: [], schema.PATENT: []}
        self.by_source: dict[str, list[pa.Table]] = {schema.PAPER: [], schema.PATENT: []}
        self.arxiv_keys: dict[str, str] = {}
        self.files: list[str] = []

    def reject(self, r: Reject) -> None:
        self.rejects.add(r)
        self.summary.rejected += 1

    # ------------------------------------------------------------- documents
    def documents(self, path: Path, kind: str) -> None:
        label = schema.PAPER if kind == "paper" else schema.PATENT
        header = deep.HEADERS[deep.FILES[0] if kind == "paper" else deep.FILES[1]]
        for item in blocks(path, header, self.block_rows):
            if isinstance(item, tuple):
                self._rows_from(path, kind, header, item[1])
                return
            self._block(item, kind, label, str(path))

    def _mapping(self, kind: str) -> Any:
        m = deep._dive_mapping() if kind == "paper" else deep._patent_mapping()
        m.year_required = self.require_year
        return m

    def _rows_from(self, path: Path, kind: str, header: list[str], line: int) -> None:
        """The row reader from ``line`` on, in blocks."""
        mapping = self._mapping(kind)
        name = deep.FILES[0] if kind == "paper" else deep.FILES[1]
        docs: list[Document] = []
        for item in read_rows(path, fmt="csv", members=lambda m: m == name,
                              on_header=deep._check_header(header)):
            if item.line < line:
                continue
            rec = item if isinstance(item, Reject) else map_row(deep._clean(item), kind,
                                                               mapping)
            if isinstance(rec, Reject):
                self.reject(rec)
            else:
                docs.append(rec)
            if len(docs) >= 20_000:
                self._write_docs(kind, None, docs)
                docs = []
        if docs:
            self._write_docs(kind, None, docs)

    def _block(self, b: Block, kind: str, label: str, file: str) -> None:
        t = b.table
        n = t.num_rows
        blank = None  # rows of empty cells only: skipped unreported, as by the row reader
        for h in t.column_names:
            e = pc.equal(pc.utf8_trim_whitespace(t.column(h)), "")
            blank = e if blank is None else pc.and_(blank, e)
        if blank is not None and pc.any(blank).as_py():
            keep = pc.invert(blank).to_numpy(zero_copy_only=False)
            b = Block(t.filter(pa.array(keep)), b.lines[keep])
        return self._block_lines(b, kind, label, file)

    def _block_lines(self, b: Block, kind: str, label: str, file: str) -> None:
        t = b.table
        n = t.num_rows
        cols = {h: unneutralised(t.column(h)) for h in t.column_names}
        fast = pa.chunked_array([pa.array(np.ones(n, bool))])
        text_cols = ["Title", "Abstract"] + (
            ["Source", "Name", "Doi", "Language", "Type", "Affiliations"] if kind == "paper"
            else ["PN", "IPC"])
        for h in text_cols + ["Keywords"]:
            fast = pc.and_(fast, plain(cols[h]))
        fast = pc.and_(fast, pc.match_substring_regex(cols["ID"], SIMPLE_ID))
        fast = pc.and_(fast, pc.less_equal(pc.binary_length(cols["ID"]), 1000))
        year_ok = pc.match_substring_regex(cols["Year"], r"^[0-9]{4}$")
        if not self.require_year:
            year_ok = pc.or_(year_ok, pc.equal(cols["Year"], ""))
        fast = pc.and_(fast, year_ok)
        year = pc.cast(pc.if_else(pc.equal(cols["Year"], ""), None,
                                  pc.if_else(year_ok, cols["Year"], "0")), pa.int64())
        fast = pc.and_(fast, pc.or_(pc.is_null(year), pc.and_(
            pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, max_year()))))
        nov_ok = pc.or_(pc.equal(cols["Novelty"], ""),
                        pc.match_substring_regex(cols["Novelty"], DECIMAL))
        fast = pc.and_(fast, nov_ok)
        if kind == "paper":
            cited_ok = pc.or_(pc.equal(cols["Cited"], ""),
                              pc.match_substring_regex(cols["Cited"], r"^(0|[1-9][0-9]{0,14})$"))
            fast = pc.and_(fast, cited_ok)
        kw_joined, kw_ok = keyword_cells(cols["Keywords"])
        fast = pc.and_(fast, kw_ok)
        # per-distinct functions that may fail (→ that row takes the row path)
        if kind == "paper":
            authors, a_idx = distinct(cols["Name"], safe(author_rows))
            insts, i_idx = distinct(cols["Affiliations"], safe(institution_rows))
            venues, v_idx = distinct(cols["Source"], safe(venue_rows))
            bad = [i for i, r in enumerate(authors) if r is FAIL]
            bad_i = [i for i, r in enumerate(insts) if r is FAIL]
            bad_v = [i for i, r in enumerate(venues) if r is FAIL]
            ok = ~np.isin(a_idx, bad) & ~np.isin(i_idx, bad_i) & ~np.isin(v_idx, bad_v)
        else:
            codes, c_idx = distinct(cols["IPC"], safe(code_rows))
            pn_keys = patent_keys(cols["PN"])
            bad = [i for i, r in enumerate(codes) if r is FAIL]
            ok = ~np.isin(c_idx, bad)
        fast_np = pc.fill_null(fast, False).to_numpy(zero_copy_only=False) & ok
        slow_rows = np.flatnonzero(~fast_np)
        fast_rows = np.flatnonzero(fast_np)
        lines = b.lines

        # the row path for the rows that are not plain
        slow_docs: list[Document] = []
        if slow_rows.size:
            mapping = self._mapping(kind)
            sub = t.take(pa.array(slow_rows)).to_pylist()
            for r, values in zip(slow_rows, sub):
                rec = map_row(deep._clean(Row(int(lines[r]), values, file)), kind, mapping)
                if isinstance(rec, Reject):
                    self.reject(rec)
                else:
                    slow_docs.append(rec)

        # the plain rows, by kernels
        ft = {h: c.take(pa.array(fast_rows)) for h, c in cols.items()}
        m = len(fast_rows)
        source = deep.DIVE_SOURCE if kind == "paper" else deep.PATENT_SOURCE
        given = ft["ID"]
        if kind == "paper":
            doi = cell_text(ft["Doi"])
            key, arxiv = paper_keys(doi, given)
        else:
            pkeys = pn_keys.take(pa.array(fast_rows))
            digits = pc.match_substring_regex(given, r"^[0-9]+$")
            fallback = pc.if_else(digits, pc.binary_join_element_wise(
                deep.PATENT_SOURCE + ":", given, ""), given)
            key = pc.if_else(pc.is_null(pkeys), fallback, pkeys)
            arxiv = None
        items, parents = keyword_items(kw_joined, fast_rows)
        kw_given = keywords_given(items, parents, m)
        year_f = year.take(pa.array(fast_rows))
        doc: dict[str, Any] = {
            "id": key, "title": cell_text(ft["Title"]), "abstract": cell_text(ft["Abstract"]),
            "year": year_f,
            "year_source": pc.if_else(pc.is_null(year_f), pa.scalar(None, pa.string()),
                                      "Year"),
            "novelty": pc.cast(pc.if_else(pc.equal(ft["Novelty"], ""), None, ft["Novelty"]),
                               pa.float64()),
            "sources": pa.array([json.dumps([source])] * m, pa.string()),
            "source_ids": pc.binary_join_element_wise(
                '{"' + source + '": "', given, '"}', ""),
            "keywords_given": kw_given, "__sid": given,
        }
        if kind == "paper":
            doc.update({
                "venue": cell_text(ft["Source"]), "authors_text": cell_text(ft["Name"]),
                "cited": pc.cast(pc.if_else(pc.equal(ft["Cited"], ""), None, ft["Cited"]),
                                 pa.int64()),
                "doi": doi, "language": cell_text(ft["Language"]),
                "doc_type": cell_text(ft["Type"]),
                "affiliations_text": cell_text(ft["Affiliations"]), "arxiv_id": arxiv,
            })
        else:
            doc.update({"pn": cell_text(ft["PN"]), "ipc_text": cell_text(ft["IPC"])})
        fast_tab = pa.table({k: v if not isinstance(v, pa.ChunkedArray) else v.combine_chunks()
                             for k, v in doc.items() if v is not None})
        extra = {"authors": (authors, a_idx), "insts": (insts, i_idx),
                 "venues": (venues, v_idx)} if kind == "paper" else {"codes": (codes, c_idx)}
        self._write_docs(kind, Fast(fast_tab, fast_rows, lines[fast_rows], items, parents,
                                     extra, file), slow_docs)
        if self.progress:
            self.progress(n)

    # ------------------------------------------------------- write one block
    def _write_docs(self, kind: str, fast: "Fast | None", slow: list[Document]) -> None:
        """Documents of one block (plain rows in ``fast``, row-path ones in ``slow``): the
        arXiv re-keying, the duplicate rule, the merge with stored documents, then their
        entity nodes and edges."""
        label = schema.PAPER if kind == "paper" else schema.PATENT
        spec = schema.node(label)
        cols = DOC_COLUMNS[kind]
        typed = [(c, spec.prop_type(c)) for c in cols]
        extra = [("__line", "INT64"), ("__file", "STRING"), ("__sid", "STRING")]
        parts = []
        if fast is not None:
            t = fast.table.append_column("__line", pa.array(fast.lines)).append_column(
                "__file", pa.array([fast.file] * len(fast.lines), pa.string()))
            parts.append(conform(t, typed + extra))
        doc_rows = []
        for d in slow:  # add_document makes the node row (counters not touched here)
            t = BatchTables(LoadSummary())
            add_document(t, d)
            row = t.nodes[label][d.id]
            doc_rows.append({**{c: row.get(c) for c in cols}, "__line": d.line,
                             "__file": d.file, "__sid": d.source_id})
        if doc_rows:
            parts.append(conform(pa.Table.from_pylist(doc_rows), typed + extra))
        if not parts:
            return
        docs = pa.concat_tables(parts)
        docs = docs.take(pa.array(np.argsort(docs.column("__line").to_numpy(), kind="stable")))
        docs = self._meet_arxiv(kind, docs)
        keep = self._duplicates(label, docs)
        self.summary.documents += int(len(keep))
        docs = docs.filter(pa.array(keep))
        self.summary.yearless += int(pc.sum(pc.is_null(docs.column("year"))).as_py() or 0)
        self.by_source[label].append(pa.table({"sid": docs.column("__sid"),
                                               "key": docs.column("id")}))
        nodes: dict[str, list[pa.Table]] = {}
        edges: dict[tuple[str, str, str], list[pa.Table]] = {}
        if fast is not None:
            fast_edges(self.summary, kind, label, fast, docs, nodes, edges)
        if slow:
            key_of = dict(zip(docs.column("__line").to_pylist(), docs.column("id").to_pylist()))
            for d in slow:
                if d.line not in key_of:
                    continue
                d.id = key_of[d.line]
                t = BatchTables(self.summary)  # counts invalid codes, as the row path does
                yearless = self.summary.yearless
                add_document(t, d)
                self.summary.yearless = yearless
                for lab, rows in t.nodes.items():
                    if lab != label:
                        nodes.setdefault(lab, []).append(with_line(
                            pa.Table.from_pylist(list(rows.values())), d.line))
                for (rel, a, bb), rows in t.edges.items():
                    edges.setdefault((rel, a, bb), []).append(
                        with_line(pa.Table.from_pylist(rows), d.line))
        write = docs.drop(["__line", "__file", "__sid"])
        # documents already stored (earlier loads, a killed run, an earlier block under
        # an arXiv key): merged (ingest.merge_document); the rest are new, and so are all
        # their edges (an edge needs both ends stored)
        present = self.store.existing_keys(label, write.column("id"))
        old_keys = pa.array(sorted(present), pa.string())
        mask = pc.is_in(write.column("id"), old_keys)
        if present:
            old = write.filter(mask)
            rows_by_key = {r["id"]: {k: v for k, v in r.items() if v is not None}
                           for r in old.to_pylist()}
            merge_stored(self.store, label, rows_by_key, self.summary)
            merged = conform(pa.Table.from_pylist(list(rows_by_key.values())), typed)
            c = self.store.upsert_nodes(label, merged, overwrite=True)
            self.summary.inserted[label] += c.inserted
            self.summary.updated[label] += c.updated
        new = write.filter(pc.invert(mask))
        if hasattr(self.store, "copy_nodes"):
            self.summary.inserted[label] += self.store.copy_nodes(label, new)
        else:
            self.summary.inserted[label] += self.store.upsert_nodes(label, new).inserted
        for lab in (schema.KEYWORD, schema.AUTHOR, schema.INSTITUTION, schema.VENUE, schema.IPC):
            if lab in nodes:
                t = first_rows(nodes[lab], [schema.node(lab).key])
                c = self.store.upsert_nodes(lab, t, overwrite=False)
                self.summary.inserted[lab] += c.inserted
                self.summary.updated[lab] += c.updated
        for (rel, a, bb), tabs in edges.items():
            t = pa.concat_tables(tabs, promote_options="default")
            if len(tabs) > 1:
                t = t.take(pa.array(np.argsort(t.column("__line").to_numpy(), kind="stable")))
            # the plain rows' keyword edges are unique already
            unique = len(tabs) == 1 and rel == schema.HAS_KEYWORD and fast is not None
            side = "src" if a == label else "dst"
            self.summary.inserted[rel] += copy_new_edges(self.store, rel, a, bb,
                                                         t.drop(["__line"]), unique=unique,
                                                         old_keys=old_keys, side=side)

    def _meet_arxiv(self, kind: str, docs: pa.Table) -> pa.Table:
        """``ingest._meet_arxiv``: a paper carrying an arXiv id takes the key of the paper
        stored (or loaded in an earlier block) under that arXiv id."""
        if kind != "paper":
            return docs
        arx = docs.column("arxiv_id")
        has = pc.is_valid(arx)
        if not pc.any(has).as_py():
            return docs
        ids = sorted(set(pc.filter(arx, has).to_pylist()))
        found: dict[str, str] = {}
        for r in self.store.read_table(*queries.arxiv_matches(ids)).to_pylist():
            found.setdefault(r["arxiv_id"] or r["id"], r["id"])
        keys = docs.column("id").to_pylist()
        changed = False
        for i, a in enumerate(arx.to_pylist()):
            if a is None:
                continue
            k = self.arxiv_keys.get(a) or found.get(a)
            if k and k != keys[i]:
                keys[i] = k
                changed = True
        for i, a in enumerate(arx.to_pylist()):
            if a is not None:
                self.arxiv_keys.setdefault(a, keys[i])
        if changed:
            docs = docs.set_column(docs.column_names.index("id"), "id",
                                   pa.array(keys, pa.string()))
        return docs

    def _duplicates(self, label: str, docs: pa.Table) -> np.ndarray:
        """``ingest``'s rule: a key seen before in this load with the same content is a
        duplicate (counted, dropped); with other content, a Reject naming the first place."""
        import pandas as pd

        content = docs.drop(["id", "__line", "__file"])
        text = pc.binary_join_element_wise(
            *[c.cast(pa.string()) for c in content.columns], "\x1f",
            null_handling="replace", null_replacement="\x1e")
        h = pd.util.hash_array(text.to_numpy(zero_copy_only=False).astype(object))
        keys = docs.column("id")
        # the within-load key index: key, file number, line, content hash (~50 bytes a key)
        enc = docs.column("__file").combine_chunks().dictionary_encode()
        nos = np.array([self._file_no(f) for f in enc.dictionary.to_pylist()], np.int16)
        cur = pa.table({"id": keys, "file": pa.array(
            nos[enc.indices.to_numpy(zero_copy_only=False)]), "line": docs.column("__line"),
            "h": pa.array(h)})
        prev = [p.filter(pc.is_in(p.column("id"), keys)) for p in self.seen[label]]
        keep = np.ones(docs.num_rows, bool)
        allt = pa.concat_tables(prev + [cur.append_column(
            "__i", pa.array(np.arange(docs.num_rows)))] if prev else [cur.append_column(
                "__i", pa.array(np.arange(docs.num_rows)))], promote_options="default")
        counts = allt.group_by("id").aggregate([("id", "count")])
        multi = counts.filter(pc.greater(counts.column("id_count"), 1)).column("id")
        if len(multi):
            sub = allt.filter(pc.is_in(allt.column("id"), multi)).to_pylist()
            first: dict[str, dict[str, Any]] = {}
            for r in sub:  # previous blocks first, then this block in line order
                if r["id"] not in first:
                    first[r["id"]] = r
                    continue
                f = first[r["id"]]
                keep[r["__i"]] = False
                if f["h"] == r["h"]:
                    self.summary.duplicates += 1
                else:
                    self.reject(Reject(self.files[r["file"]], r["line"], "id",
                                       f"duplicate {label} key {r['id']!r} with different "
                                       f"content (first at {self.files[f['file']]}:"
                                       f"{f['line']})"))
        self.seen[label].append(cur.filter(pa.array(keep)))
        return keep

    def _file_no(self, file: str) -> int:
        if file not in self.files:
            self.files.append(file)
        return self.files.index(file)
