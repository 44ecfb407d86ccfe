"""Records → node and edge tables → store, in batches: the write half of every ``load``.

A batch of loader records becomes one arrow table per node label and per relationship,
written nodes first, then edges (DESIGN.md §4). Each upsert is a key-diffed bulk write, so a
batch is idempotent: loading a file twice changes nothing, and a load killed midway and rerun
ends with the identical graph.

Identity and merging (README "Identity"): loaders give each document its key
(``innograph.identity``); a paper that carries an arXiv id meets a stored paper keyed by
that arXiv id (or carrying it as ``arxiv_id``). Within one load (one command, possibly
several files) a key seen twice with different content is rejected naming the first place;
an exact duplicate row is counted (``duplicates``) and loaded once. A document already in
the store (from an earlier load or another source) is merged: its stored non-empty values
stay, empty ones are filled, a different non-empty value is a conflict (counted per
``Label.property`` in ``conflicts``, the stored value kept), ``sources`` and
``source_ids`` gain the new source. IPC/CPC codes are canonical (``innograph.codes``); a
code that is not one is not a node (kept in the raw text only) and is counted
(``codes_invalid``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterable

import pyarrow as pa

from ..codes import canonical_ipc
from ..identity import name_key, normalise_arxiv_id, normalise_doi, normalize_keyword, \
    normalize_name, patent_key
from ..graph import queries, schema
from ..graph.store import Store, UpsertCount
from ..loaders.records import Document, Link, Reject, RejectLog, batched

DEFAULT_BATCH = 5000


@dataclass
class LoadSummary:
    """What a load did. ``documents``: rows read as documents (good or duplicate)."""

    documents: int = 0
    links: int = 0
    rejected: int = 0
    inserted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    duplicates: int = 0  # exact duplicate document rows, loaded once
    merged: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # met a stored node
    conflicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # Label.prop
    codes_invalid: int = 0  # IPC/CPC codes that are not codes: no node, raw text kept
    yearless: int = 0  # documents loaded without a year
    warnings: list[str] = field(default_factory=list)  # a few file:line: field: messages

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "links": self.links, "rejected": self.rejected,
            "inserted": dict(self.inserted), "updated": dict(self.updated),
            "duplicates": self.duplicates, "merged": dict(self.merged),
            "conflicts": dict(self.conflicts), "codes_invalid": self.codes_invalid,
            "yearless": self.yearless,
        }

    def warn(self, message: str) -> None:
        if len(self.warnings) < 20:
            self.warnings.append(message)


def clean_code(code: str, scheme: str | None = None) -> str | None:
    """A classification code in one spelling. IPC/CPC (``scheme`` ipc, cpc or ``None``):
    the canonical form of ``innograph.codes`` (``G06N0003040000`` → ``G06N 3/04``), ``None``
    for text that is not a code; other schemes (Locarno): upper case, single spaces."""
    if scheme in (None, schema.SCHEME_IPC, schema.SCHEME_CPC):
        return canonical_ipc(code)
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


class BatchTables:
    """Accumulates rows per node label (key → row; later mentions only fill gaps) and per
    (rel, from, to) (a list of edge rows) for one batch, and the batch's ``summary``."""

    def __init__(self, summary: LoadSummary | None = None) -> None:
        self.nodes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.edges: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        self.summary = summary if summary is not None else LoadSummary()

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


def _person(t: BatchTables, p: Any) -> str | None:
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


def _org(t: BatchTables, label: str, o: Any) -> str | None:
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


def add_document(t: BatchTables, d: Document) -> None:
    """The node row of ``d`` (schema properties, ``sources`` / ``source_ids``,
    ``keywords_given``) and the nodes and edges around it (keywords normalised and ranked,
    authors, applicants, institutions, venue, IPC/CPC codes, figures), added to ``t``; an
    invalid code is counted and warned in ``t.summary``. Also the row mapping of
    ``ingest_columnar`` for the rows its kernels do not take."""
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
    if d.source:
        row["sources"] = json.dumps([d.source], ensure_ascii=False)
        row["source_ids"] = json.dumps({d.source: d.source_id or d.id}, ensure_ascii=False,
                                       sort_keys=True)
    if d.keywords:  # as given, in order (export writes these); the nodes are normalised
        row["keywords_given"] = json.dumps(list(d.keywords), ensure_ascii=False)
    if d.year is None:
        t.summary.yearless += 1
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
        c = clean_code(code, scheme)
        if c is None and str(code or "").strip():
            t.summary.codes_invalid += 1
            t.summary.warn(f"{d.file}:{d.line}: {scheme}: {str(code)[:40]!r} is not an "
                           "IPC/CPC code (kept as text, no node)")
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


_LIST_PROPS = ("sources",)
_MAP_PROPS = ("source_ids",)
# values written differently that are the same (not a conflict): compared by their key
_SAME_BY = {"pn": patent_key, "doi": normalise_doi, "arxiv_id": normalise_arxiv_id}


def merge_document(stored: dict[str, Any], new: dict[str, Any],
                   conflicts: dict[str, int] | None = None, label: str = "") -> dict[str, Any]:
    """The merge rule of README "Identity": ``new`` merged into the ``stored`` row.

    Stored non-empty values stay; empty ones take the new value; a different non-empty new
    value is a conflict (counted in ``conflicts['<label>.<prop>']``, stored value kept);
    ``pn``, ``doi`` and ``arxiv_id`` written differently but with the same key are not.
    ``sources`` (JSON list) is the union, stored order first; ``source_ids`` (JSON object)
    gains the new sources (a source already there with another id is a conflict).
    """
    out = dict(new)
    for k, nv in new.items():
        sv = stored.get(k)
        if k in _LIST_PROPS and sv and nv:
            out[k] = json.dumps(list(dict.fromkeys(json.loads(sv) + json.loads(nv))),
                                ensure_ascii=False)
        elif k in _MAP_PROPS and sv and nv:
            merged = json.loads(sv)
            for src, sid in json.loads(nv).items():
                if src in merged and merged[src] != sid and conflicts is not None:
                    conflicts[f"{label}.{k}"] += 1
                merged.setdefault(src, sid)
            out[k] = json.dumps(merged, ensure_ascii=False, sort_keys=True)
        elif sv is not None and sv != "":
            same = nv == sv or (k in _SAME_BY and _SAME_BY[k](nv) == _SAME_BY[k](sv))
            if nv is not None and nv != "" and not same and conflicts is not None:
                conflicts[f"{label}.{k}"] += 1
            out[k] = sv
    return out


def merge_stored(store: Store, label: str, rows: dict[str, dict[str, Any]],
                 summary: LoadSummary) -> None:
    """Merge each row of ``rows`` whose key is already stored with the stored values."""
    cols = sorted({k for r in rows.values() for k in r} - {"id"})
    if not cols or not rows:
        return
    present = store.existing_keys(label, list(rows))  # key lookups; a fresh load stops here
    if not present:
        return
    stored = store.read_table(*queries.stored_documents(label, cols, sorted(present))
                              ).to_pylist()
    for s in stored:
        key = s.pop("id")
        summary.merged[label] += 1
        rows[key] = merge_document(s, rows[key], summary.conflicts, label)


def write_tables(store: Store, t: BatchTables, summary: LoadSummary) -> None:
    """Nodes first (each label one bulk write), then edges."""
    for label, rows in t.nodes.items():
        # documents: merged with what is stored (merge_document: stored values stay, gaps
        # filled, conflicts counted); shared entities (authors, ...): later mentions only
        # fill gaps.
        if label in schema.DOCUMENT_LABELS:
            merge_stored(store, label, rows, summary)
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
    first_seen: dict[tuple[str, str], tuple[str, int, tuple[Any, ...]]] = {}
    keys_by_source: dict[tuple[str, str, str], str] = {}  # (label, source, source id) → key
    arxiv_keys: dict[str, str] = {}  # arXiv id → paper key, this load
    stored_alias: dict[str, dict[str, str]] = {}  # arXiv id → stored DOI key, read once

    def reject(r: Reject) -> None:
        rejects.add(r)
        summary.rejected += 1

    for batch in batched(records, batch_size):
        t = BatchTables(summary)
        links: list[Link] = []
        _meet_arxiv(store, [r for r in batch if isinstance(r, Document)], arxiv_keys,
                    stored_alias)
        for r in batch:
            if isinstance(r, Reject):
                reject(r)
            elif isinstance(r, Document):
                summary.documents += 1
                key = (r.label, r.id)
                content = _content(r)
                if key in first_seen:
                    f, line, first_content = first_seen[key]
                    if content == first_content:
                        summary.duplicates += 1
                        continue
                    reject(Reject(r.file, r.line, "id",
                                  f"duplicate {r.label} key {r.id!r} with different content "
                                  f"(first at {f}:{line})"))
                    continue
                first_seen[key] = (r.file, r.line, content)
                if r.source and r.source_id:
                    keys_by_source[(r.label, r.source, r.source_id)] = r.id
                if r.kind == "paper" and r.props.get("arxiv_id"):
                    arxiv_keys.setdefault(r.props["arxiv_id"], r.id)
                add_document(t, r)
            elif isinstance(r, Link):
                summary.links += 1
                links.append(r)
        write_tables(store, t, summary)
        if links:
            _write_links(store, links, summary, reject, keys_by_source)
        if progress:
            progress(len(batch))
    return summary


def _content(d: Document) -> tuple[Any, ...]:
    """A document's content for duplicate detection: every field but file and line."""
    return tuple(repr(getattr(d, f.name)) for f in fields(d) if f.name not in ("file", "line"))


def _meet_arxiv(store: Store, docs: list[Document], arxiv_keys: dict[str, str],
                stored_alias: dict[str, dict[str, str]]) -> None:
    """Re-key papers that carry an arXiv id to the paper already stored (or loaded earlier
    in this load) under that arXiv id: keyed by it (a key lookup per batch), or keyed by a
    DOI with that ``arxiv_id`` (read once per load into ``stored_alias['map']``)."""
    papers = [d for d in docs if d.kind == "paper" and d.props.get("arxiv_id")]
    if not papers:
        return
    if "map" not in stored_alias:
        stored_alias["map"] = {}
        for r in store.read_table(*queries.arxiv_renamed()).to_pylist():
            stored_alias["map"].setdefault(r["arxiv_id"], r["id"])
    keyed = store.existing_keys(schema.PAPER, sorted({d.props["arxiv_id"] for d in papers}))
    for d in papers:
        a = d.props["arxiv_id"]
        key = arxiv_keys.get(a) or (a if a in keyed else None) or stored_alias["map"].get(a)
        if key and key != d.id:
            d.id = key


def _resolve(store: Store, label: str, source: str | None, ids: list[str],
             keys_by_source: dict[tuple[str, str, str], str],
             cache: dict[tuple[str, str], dict[str, str]]) -> dict[str, str]:
    """Source ids → keys: this load's documents first, then the store's ``source_ids``,
    else an id that is itself a key."""
    out: dict[str, str] = {}
    missing = []
    for i in ids:
        k = keys_by_source.get((label, source, i)) if source else None
        if k:
            out[i] = k
        else:
            missing.append(i)
    if missing and source:
        if (label, source) not in cache:
            m: dict[str, str] = {}
            needle = json.dumps(source)
            for r in store.read_table(*queries.by_source_id(label, needle)).to_pylist():
                sid = json.loads(r["sids"]).get(source)
                if sid is not None:
                    m.setdefault(str(sid), r["id"])
            cache[(label, source)] = m
        for i in missing:
            if i in cache[(label, source)]:
                out[i] = cache[(label, source)][i]
    rest = [i for i in ids if i not in out]
    for i in store.existing_keys(label, rest) if rest else ():
        out[i] = i
    return out


def _write_links(store: Store, links: list[Link], summary: LoadSummary,
                 reject: Callable[[Reject], None],
                 keys_by_source: dict[tuple[str, str, str], str] | None = None) -> None:
    keys_by_source = keys_by_source or {}
    cache: dict[tuple[str, str], dict[str, str]] = {}
    papers: dict[str | None, dict[str, str]] = {}
    patents: dict[str | None, dict[str, str]] = {}
    for src in {x.paper_source for x in links}:
        papers[src] = _resolve(store, schema.PAPER, src,
                               [x.paper_id for x in links if x.paper_source == src],
                               keys_by_source, cache)
    for src in {x.patent_source for x in links}:
        patents[src] = _resolve(store, schema.PATENT, src,
                                [x.patent_id for x in links if x.patent_source == src],
                                keys_by_source, cache)
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for x in links:
        pa_key = papers[x.paper_source].get(x.paper_id)
        pt_key = patents[x.patent_source].get(x.patent_id)
        if pa_key is None:
            reject(Reject(x.file, x.line, "Paper_ID", f"no paper with id {x.paper_id!r}"))
        elif pt_key is None:
            reject(Reject(x.file, x.line, "Patent_ID", f"no patent with id {x.patent_id!r}"))
        elif (pa_key, pt_key, x.method) not in seen:
            seen.add((pa_key, pt_key, x.method))
            rows.append({"src": pa_key, "dst": pt_key, "score": x.score,
                         "rank": x.rank, "method": x.method, "model": x.model})
    if rows:
        c = store.upsert_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT,
                               _table(rows, ["src", "dst", "score", "rank", "method", "model"]))
        summary.inserted[schema.SIMILAR_TO] += c.inserted
