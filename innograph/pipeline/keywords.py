"""KeyBERT keywords for the documents of a store: read, extract, normalise, write back.

``extract_into_store`` pages through Paper / Patent nodes whose ``keywords_model`` is not
the requested model (all of them with ``redo``), runs ``models.keywords.extract_keywords``
on title + abstract, folds the phrases with ``normalize.normalize_keyword`` and writes

- ``Keyword {name}`` nodes (new names only),
- ``(doc)-[:HAS_KEYWORD {score, source: 'keybert', model, rank}]->(keyword)`` edges,
  ``score`` the cosine (max over the phrases that fold to one keyword), ``rank`` 1 = best,
- ``doc.keywords_model = model`` last, so a document is marked done only after its edges
  are written: a run killed at any point resumes where it stopped, and a second run over a
  finished store writes nothing.

Edges from the input files (``source: 'input'``) are never touched. Replacement is per
document, batch by batch: each batch deletes ITS documents' keybert edges (whatever model
wrote them) just before writing their new ones and marking them done, all in one store
transaction (``store.transaction()``; on Kùzu all or nothing, so at every instant a document
has either its old or its new keybert keywords, never none; on Neo4j each statement commits
by itself, and a crash between them leaves those unmarked documents without keybert
keywords until the rerun). ``redo`` only un-marks every document first (one statement), so a
killed redo resumes without ``redo``; without it, documents marked by another model are
pending and get replaced the same way. A ``limit`` touches only the documents it processes.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any, Sequence

import pyarrow as pa

from ..graph import queries, schema
from ..graph.store import Store
from ..models.keywords import CandidateCache, extract_keywords, load_encoder
from ..cli.progress import rich_progress
from ..progress import ProgressFactory
from ..normalize import normalize_keyword

DEFAULT_BATCH_DOCS = 2000


def document_text(title: str | None, abstract: str | None) -> str:
    """The text KeyBERT reads: title and abstract joined as two sentences."""
    t = (title or "").strip()
    a = (abstract or "").strip()
    if t and a:
        return t + (" " if t[-1] in ".!?:;" else ". ") + a
    return t or a


def normalise_keywords(pairs: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Fold phrases with ``normalize_keyword``: unusable ones dropped, duplicates merged by
    max score; best first (equal scores keep first-appearance order)."""
    best: dict[str, float] = {}
    for phrase, score in pairs:
        k = normalize_keyword(phrase)
        if k is not None and (k not in best or score > best[k]):
            best[k] = float(score)
    return sorted(best.items(), key=lambda kv: -kv[1])


def _scalar(table: pa.Table) -> int:
    return int(table.column(0)[0].as_py() or 0) if table.num_rows else 0


def _unmark_all(store: Store, label: str) -> int:
    """``redo``: clear every ``keywords_model`` mark of ``label`` (edges stay until each
    document's batch replaces them); returns how many documents were marked."""
    ids = store.read_table(*queries.keywords_marked(label)).column("id")
    if len(ids):
        store.set_properties(label, pa.table({
            schema.node(label).key: ids,
            "keywords_model": pa.nulls(len(ids), pa.string())}))
    return len(ids)


def _write_batch(store: Store, label: str, ids: list[str], found: list[list[tuple[str, float]]],
                 tag: str) -> dict[str, int]:
    """Keyword nodes (committed on their own), then one transaction: the batch's old keybert
    edges out, the new edges in, the done marks."""
    src, dst, score, rank = [], [], [], []
    for doc_id, kws in zip(ids, found):
        for r, (name, s) in enumerate(normalise_keywords(kws), start=1):
            src.append(doc_id)
            dst.append(name)
            score.append(s)
            rank.append(r)
    new_kw = 0
    edges = 0
    if dst:  # Keyword nodes first, on their own: a COPY inside a transaction that a kill
        # interrupts can leave Kùzu 0.11.3's key index out of step with the table (see
        # README, "The embedded store"); keyword nodes are idempotent and a rerun of the
        # batch extracts the same names, so committing them early changes no final graph.
        new_kw = store.upsert_nodes(schema.KEYWORD, pa.table({"name": sorted(set(dst))}),
                                    update=False).inserted
    with store.transaction():
        deleted = store.delete_edges_from(schema.HAS_KEYWORD, label, schema.KEYWORD, ids,
                                          where={"source": schema.SOURCE_KEYBERT})
        if dst:
            n = len(src)
            edges = store.upsert_edges(schema.HAS_KEYWORD, label, schema.KEYWORD, pa.table({
                "src": src, "dst": dst, "score": pa.array(score, pa.float64()),
                "source": [schema.SOURCE_KEYBERT] * n, "model": [tag] * n,
                "rank": pa.array(rank, pa.int64())})).inserted
        store.set_properties(label, pa.table({schema.node(label).key: ids,
                                              "keywords_model": [tag] * len(ids)}))
    return {"keywords_new": new_kw, "edges": edges, "edges_offered": len(src),
            "empty": sum(1 for k in found if not k), "deleted_edges": deleted}


def extract_into_store(store: Store, top_k: int = 10, ngram: tuple[int, int] = (1, 3),
                       diversity: str | None = None, redo: bool = False,
                       model_path: Any = None, device: str | None = None,
                       fast: bool | str = False, batch_docs: int = DEFAULT_BATCH_DOCS,
                       cache_dir: str | None = None,
                       labels: Sequence[str] = schema.DOCUMENT_LABELS,
                       limit: int | None = None, mmr_diversity: float = 0.5,
                       nr_candidates: int = 20,
                       progress: bool | ProgressFactory | None = True) -> dict[str, Any]:
    """KeyBERT keywords for every document of ``labels`` that lacks them; see module doc.

    Parameters
    ----------
    store : an open Store.
    top_k, ngram, diversity, mmr_diversity, nr_candidates : as ``extract_keywords``
        (``diversity``: None | "mmr" | "maxsum").
    redo : recompute every document (each batch replaces its documents' keybert edges).
    model_path : local sentence-transformers directory (None → offline MiniLM) or an
        instance; device : "cpu" / "cuda" / None (CUDA when present); fast : see
        ``load_encoder`` (bf16 / int8; the model tag then ends in ``+bf16`` / ``+int8``).
    batch_docs : documents per extraction and write batch (one resumable unit).
    cache_dir : on-disk candidate-embedding cache shared across runs (None → memory only).
    limit : stop after this many documents per label (for trials).
    progress : True → rich bars on stderr; a ``ProgressFactory`` → one callback per label,
        called ``(documents done, documents pending)`` as each batch's texts are embedded
        (documents count as done in proportion to the batch's texts encoded so far);
        False / None → silent.

    Returns
    -------
    dict: ``model``, per label ``{done_before, pending, documents, edges, edges_offered,
    keywords_new, empty, deleted_edges}`` (``deleted_edges``: old keybert edges the batches
    replaced), cache counters and throughput. ``edges_offered
    − edges`` are keywords the document already had as an edge (e.g. from the input file).
    """
    t0 = time.perf_counter()
    encoder = load_encoder(model_path, device, fast)
    tag = encoder.model_id
    cache = CandidateCache(cache_dir)
    summary: dict[str, Any] = {"model": tag, "device": encoder.device,
                               "precision": encoder.precision, "top_k": top_k,
                               "ngram": list(ngram), "diversity": diversity or "none"}
    total_docs = 0
    try:
        with (rich_progress() if progress is True
              else nullcontext(progress or None)) as bars:
            for label in labels:
                done = _scalar(store.read_table(*queries.keywords_count(label, True, tag)))
                if redo:
                    _unmark_all(store, label)
                pending = _scalar(store.read_table(*queries.keywords_count(label, False, tag)))
                if limit is not None:
                    pending = min(pending, limit)
                s = {"done_before": 0 if redo else done, "pending": pending, "documents": 0,
                     "edges": 0, "edges_offered": 0, "keywords_new": 0, "empty": 0,
                     "deleted_edges": 0}
                report = bars(f"{label} keywords") if bars else None
                shown = [0]
                if report:
                    report(0, pending)
                # keyset pages: a page is never read twice even while marks change
                for page in queries.paginate(
                        store, queries.node_page, batch_docs, limit=pending, label=label,
                        columns=("title", "abstract"), where=queries.KEYWORDS_PENDING,
                        params={"model": tag}):
                    ids = page.column("id").to_pylist()
                    texts = [document_text(t, a) for t, a in zip(
                        page.column("title").to_pylist(), page.column("abstract").to_pylist())]
                    inner = None
                    if report:
                        def inner(done: int, total: int, base: int = s["documents"],
                                  nb: int = len(ids), report: Any = report,
                                  pending: int = pending) -> None:
                            if total:  # monotonic even when the total grows (int8)
                                at = base + min(nb, nb * done // total)
                                shown[0] = max(shown[0], at)
                                report(shown[0], pending)
                    found = extract_keywords(
                        texts, top_k=top_k, ngram_range=tuple(ngram), diversity=diversity,
                        model=encoder, mmr_diversity=mmr_diversity,
                        nr_candidates=nr_candidates, cache_dir=cache, progress=inner)
                    for k, v in _write_batch(store, label, ids, found, tag).items():
                        s[k] += v
                    s["documents"] += len(ids)
                    if report:
                        shown[0] = s["documents"]
                        report(s["documents"], pending)
                summary[label] = s
                total_docs += s["documents"]
    finally:
        cache.close()
    secs = time.perf_counter() - t0
    summary.update({"candidates_embedded": cache.misses, "candidate_cache_hits": cache.hits,
                    "documents": total_docs, "seconds": round(secs, 2),
                    "docs_per_s": round(total_docs / secs, 2) if secs > 0 else None})
    return summary


# ------------------------------------------------------------- minimum document frequency
def prune_rare_keywords(store: Store, min_df: int,
                        labels: Sequence[str] = schema.DOCUMENT_LABELS,
                        batch_docs: int = DEFAULT_BATCH_DOCS) -> dict[str, Any]:
    """Remove the KeyBERT keyword edges of keywords found in fewer than ``min_df`` documents.

    The document frequency of a keyword is the number of distinct documents (Papers and
    Patents of ``labels`` together) with a ``HAS_KEYWORD`` edge to it, of any source. Only
    ``source: 'keybert'`` edges are removed (input keywords are the user's); a keyword kept
    by an input edge stays. Each affected document's keybert edges are rewritten without the
    rare ones (rank and score kept) in one transaction per batch, as ``_write_batch`` does.
    Run after extraction, over the edges present: a keyword removed here is not restored by
    a later run when new documents share it (re-extract with ``--redo`` for that).
    ``min_df <= 1`` removes nothing.

    Returns ``{min_df, keywords, keywords_below, edges_removed, documents_changed,
    documents_emptied}`` (``documents_emptied``: documents left without any keyword edge).
    """
    out = {"min_df": int(min_df), "keywords": 0, "keywords_below": 0, "edges_removed": 0,
           "documents_changed": 0, "documents_emptied": 0}
    edges: dict[str, pa.Table] = {}
    df: dict[str, int] = {}
    for label in labels:
        t = store.read_table(*queries.keyword_edges(label))
        edges[label] = t
        pairs = {(i, n) for i, n in zip(t.column("id").to_pylist(),
                                          t.column("name").to_pylist())}
        for _, name in pairs:
            df[name] = df.get(name, 0) + 1
    out["keywords"] = len(df)
    if min_df <= 1:
        return out
    rare = {n for n, c in df.items() if c < min_df}
    out["keywords_below"] = len(rare)
    for label in labels:
        rows = edges[label].to_pylist()
        keep_any: dict[str, bool] = {}
        touched: set[str] = set()
        for r in rows:
            gone = r["source"] == schema.SOURCE_KEYBERT and r["name"] in rare
            keep_any[r["id"]] = keep_any.get(r["id"], False) or not gone
            if gone:
                touched.add(r["id"])
                out["edges_removed"] += 1
        ids = sorted(touched)
        out["documents_changed"] += len(ids)
        out["documents_emptied"] += sum(1 for i in ids if not keep_any[i])
        for a in range(0, len(ids), batch_docs):
            chunk = set(ids[a:a + batch_docs])
            kept = [r for r in rows if r["id"] in chunk and r["source"] == schema.SOURCE_KEYBERT
                    and r["name"] not in rare]
            with store.transaction():
                store.delete_edges_from(schema.HAS_KEYWORD, label, schema.KEYWORD,
                                        sorted(chunk), where={"source": schema.SOURCE_KEYBERT})
                if kept:
                    store.upsert_edges(schema.HAS_KEYWORD, label, schema.KEYWORD, pa.table({
                        "src": [r["id"] for r in kept], "dst": [r["name"] for r in kept],
                        "score": pa.array([r["score"] for r in kept], pa.float64()),
                        "source": [schema.SOURCE_KEYBERT] * len(kept),
                        "model": [r["model"] for r in kept],
                        "rank": pa.array([r["rank"] for r in kept], pa.int64())}))
    return out
