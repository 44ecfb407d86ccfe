"""Records → node and edge tables → store, in batches: the write half of every ``load``.

A batch of loader records becomes one arrow table per node label and per relationship,
written nodes first, then edges (DESIGN.md §4). Each upsert is a key-diffed bulk write, so a
batch is idempotent: loading a file twice changes nothing, and a load killed midway and rerun
ends with the identical graph.

Within one load (one command, possibly several files) a document id seen twice is a
duplicate: the first row wins and the later one is rejected with both places named.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pyarrow as pa

from ..graph import schema
from ..graph.store import Store, UpsertCount
from ..loaders.records import Document, Link, Reject, RejectLog, batched
from ..normalize import name_key, normalize_keyword, normalize_name

DEFAULT_BATCH = 5000


@dataclass
class LoadSummary:
    """What a load did. ``documents``: rows read as documents (good or duplicate)."""

    documents: int = 0
    links: int = 0
    rejected: int = 0
    inserted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "links": self.links, "rejected": self.rejected,
            "inserted": dict(self.inserted), "updated": dict(self.updated),
        }


def clean_code(code: str) -> str | None:
    """An IPC/CPC code in one spelling: upper case, single spaces (``G06N 3/04``)."""
    s = re.sub(r"\s+", " ", str(code)).strip().upper()
    return s or None


def clean_country(value: str | None) -> str | None:
    """A country key: ISO-like codes upper-cased; other names kept, whitespace collapsed."""
    s = normalize_name(value)
    if s is None:
        return None
    if len(s) <= 3 and s.isalpha():
        return s.upper()
    return s


class _Tables:
    """Accumulates rows per node label and per (rel, from, to) for one batch."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.edges: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)

    def node(self, label: str, row: dict[str, Any]) -> str:
        key = row[schema.node(label).key]
        old = self.nodes[label].get(key)
        if old is None:
            self.nodes[label][key] = row
        else:  # fill gaps from later mentions, never overwrite
            for k, v in row.items():
                if old.get(k) is None and v is not None:
                    old[k] = v
        return key

    def edge(self, rel: str, a: str, b: str, src: str, dst: str, **props: Any) -> None:
        self.edges[(rel, a, b)].append({"src": src, "dst": dst, **props})


def _person(t: _Tables, p: Any) -> str | None:
    name = normalize_name(p.name)
    pid = normalize_name(p.id) if p.id else name_key(name)
    if not pid:
        return None
    t.node(schema.AUTHOR, {"id": pid, "name": name})
    country = clean_country(p.country)
    if country:
        t.node(schema.COUNTRY, {"code": country})
        t.edge(schema.LOCATED_IN, schema.AUTHOR, schema.COUNTRY, pid, country)
    for aff in p.affiliations:
        iid = name_key(aff)
        if iid:
            t.node(schema.INSTITUTION, {"id": iid, "name": normalize_name(aff)})
            t.edge(schema.AFFILIATED_WITH, schema.AUTHOR, schema.INSTITUTION, pid, iid)
    return pid


def _org(t: _Tables, label: str, o: Any) -> str | None:
    name = normalize_name(o.name)
    oid = normalize_name(o.id) if o.id else name_key(name)
    if not oid:
        return None
    t.node(label, {"id": oid, "name": name, "region": normalize_name(o.region)})
    country = clean_country(o.country)
    if country:
        t.node(schema.COUNTRY, {"code": country})
        t.edge(schema.LOCATED_IN, label, schema.COUNTRY, oid, country)
    return oid


def _document(t: _Tables, d: Document) -> None:
    label = d.label
    spec = schema.node(label)
    row: dict[str, Any] = {"id": d.id, "title": d.title, "abstract": d.abstract,
                           "year": d.year, "year_source": d.year_source}
    for k, v in d.props.items():
        if k not in spec.columns:
            raise KeyError(f"loader bug: {label} has no property {k!r} ({d.file}:{d.line})")
        row[k] = v
    if d.venue and label == schema.PAPER:
        row.setdefault("venue", d.venue)
    t.nodes[label][d.id] = row
    # keywords: normalised; the first spelling's position is the rank
    scores = d.keyword_scores or [None] * len(d.keywords)
    seen: set[str] = set()
    for raw, score in zip(d.keywords, scores):
        k = normalize_keyword(raw)
        if k and k not in seen:
            seen.add(k)
            t.node(schema.KEYWORD, {"name": k})
            t.edge(schema.HAS_KEYWORD, label, schema.KEYWORD, d.id, k, score=score,
                   source=schema.SOURCE_INPUT, rank=len(seen))
    people_rel = schema.AUTHORED if label == schema.PAPER else schema.INVENTED
    for pos, p in enumerate(d.authors, 1):
        pid = _person(t, p)
        if pid:
            t.edge(people_rel, schema.AUTHOR, label, pid, d.id, position=pos)
    for pos, o in enumerate(d.applicants, 1):
        oid = _org(t, schema.APPLICANT, o)
        if oid:
            t.edge(schema.APPLIED_FOR, schema.APPLICANT, schema.PATENT, oid, d.id, position=pos)
    for o in d.institutions:
        iid = _org(t, schema.INSTITUTION, o)
        if iid and label == schema.PAPER:
            t.edge(schema.AFFILIATED_WITH, schema.PAPER, schema.INSTITUTION, d.id, iid)
    venue = normalize_name(d.venue or d.props.get("venue"))
    if venue and label == schema.PAPER:
        t.node(schema.VENUE, {"name": venue})
        t.edge(schema.PUBLISHED_IN, schema.PAPER, schema.VENUE, d.id, venue)
    for code, scheme in d.codes:
        c = clean_code(code)
        if c:
            t.node(schema.IPC, {"code": c, "scheme": scheme})
            t.edge(schema.CLASSIFIED_AS, label, schema.IPC, d.id, c)
    for f in d.figures:
        t.node(schema.FIGURE, {k: f.get(k) for k in ("id", "number", "caption", "file")})
        if label == schema.PATENT:
            t.edge(schema.HAS_FIGURE, schema.PATENT, schema.FIGURE, d.id, f["id"])


def _table(rows: Iterable[dict[str, Any]], columns: list[str] | None = None) -> pa.Table:
    rows = list(rows)
    cols = columns or sorted({k for r in rows for k in r})
    return pa.table({c: [r.get(c) for r in rows] for c in cols})


def write_tables(store: Store, t: _Tables, summary: LoadSummary) -> None:
    """Nodes first (each label one bulk write), then edges."""
    for label, rows in t.nodes.items():
        # documents: the loaded file is authoritative (non-null values replace stored ones);
        # shared entities (authors, applicants, ...): later mentions only fill gaps.
        c: UpsertCount = store.upsert_nodes(label, _table(rows.values()),
                                            overwrite=label in schema.DOCUMENT_LABELS)
        summary.inserted[label] += c.inserted
        summary.updated[label] += c.updated
    for (rel, a, b), rows in t.edges.items():
        c = store.upsert_edges(rel, a, b, _table(rows))
        summary.inserted[rel] += c.inserted


def ingest(store: Store, records: Iterable[Document | Link | Reject], rejects: RejectLog,
           batch_size: int = DEFAULT_BATCH,
           progress: Callable[[int], None] | None = None) -> LoadSummary:
    """Write a loader's record stream into ``store``; rejects go to ``rejects``.

    Returns the counts. Links (given SIMILAR_TO edges) whose paper or patent is not in the
    store are rejected. Nothing is marked done outside the store, so rerunning a killed load
    converges to the same graph.
    """
    summary = LoadSummary()
    first_seen: dict[tuple[str, str], tuple[str, int]] = {}

    def reject(r: Reject) -> None:
        rejects.add(r)
        summary.rejected += 1

    for batch in batched(records, batch_size):
        t = _Tables()
        links: list[Link] = []
        for r in batch:
            if isinstance(r, Reject):
                reject(r)
            elif isinstance(r, Document):
                summary.documents += 1
                key = (r.label, r.id)
                if key in first_seen:
                    f, line = first_seen[key]
                    reject(Reject(r.file, r.line, "id",
                                  f"duplicate {r.label} id {r.id!r} (first at {f}:{line})"))
                    continue
                first_seen[key] = (r.file, r.line)
                _document(t, r)
            elif isinstance(r, Link):
                summary.links += 1
                links.append(r)
        write_tables(store, t, summary)
        if links:
            _write_links(store, links, summary, reject)
        if progress:
            progress(len(batch))
    return summary


def _write_links(store: Store, links: list[Link], summary: LoadSummary,
                 reject: Callable[[Reject], None]) -> None:
    papers = store.existing_keys(schema.PAPER, [x.paper_id for x in links])
    patents = store.existing_keys(schema.PATENT, [x.patent_id for x in links])
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for x in links:
        if x.paper_id not in papers:
            reject(Reject(x.file, x.line, "Paper_ID", f"no paper with id {x.paper_id!r}"))
        elif x.patent_id not in patents:
            reject(Reject(x.file, x.line, "Patent_ID", f"no patent with id {x.patent_id!r}"))
        elif (x.paper_id, x.patent_id, x.method) not in seen:
            seen.add((x.paper_id, x.patent_id, x.method))
            rows.append({"src": x.paper_id, "dst": x.patent_id, "score": x.score,
                         "rank": x.rank, "method": x.method, "model": x.model})
    if rows:
        c = store.upsert_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT,
                               _table(rows, ["src", "dst", "score", "rank", "method", "model"]))
        summary.inserted[schema.SIMILAR_TO] += c.inserted
