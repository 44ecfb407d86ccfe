"""``innograph match``: each paper's best patent(s) filed the same year or later, written as
SIMILAR_TO edges.

``match(store, …)`` reads the vectors and years (``pipeline.embed.read_vectors``), finds each
paper's best patent filed the same year or later (``models.bestmatch.best_match``, exact; or
the store's vector index, over-fetched then year-filtered, or year-filtered inside the index
where the store can, with its recall@1 against exact on a sample), deletes the previous
SIMILAR_TO edges of that method and writes the new ones {score: raw cosine, rank, method,
model}. docs/method.md §5.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import BadInputError, InnographError
from ..graph import schema
from ..graph.store import Store
from ..models.bestmatch import best_match
from .embed import Log, quiet, read_vectors
from .scope import ai_keys

EDGE_BATCH = 100_000  # SIMILAR_TO edges per write


def match(store: Store, k: int = 1, method: str = "exact", device: str | None = None,
          sample: int = 1000, model: str | None = None, batch: Any = None,
          precision: str = "fp32", oversample: int = 10, efs: int = 200,
          rebuild_index: bool = False, seed: int = 0, year_filter: str = "after",
          log: Log = quiet, ai_only: bool = False) -> dict[str, Any]:
    """Write each paper's best (top-k) patent filed the same year or later as SIMILAR_TO.

    ``ai_only``: only papers and patents whose final AI label is AI take part
    (``pipeline.scope``; the others are counted in ``not_ai``).

    Parameters
    ----------
    k : matches per paper.
    method : "exact" (``best_match``, blocked matrix products on CPU or GPU) or "index" (the
        store's vector index, queried in batches; see ``year_filter``).
    device, batch, precision : passed to ``best_match`` (exact search).
    sample : papers on which "index" measures recall@1 against exact search.
    model : the ``embedding_model`` to match with; None → the one most documents carry
        (documents embedded by another model are left out and counted).
    rebuild_index : rebuild the vector index even if it looks current.
    year_filter : for "index": "after" (default) fetches the ``k · oversample`` nearest
        patents, keeps those of the paper's year or later and asks again for 4× more while
        fewer than k are eligible; "index" searches only the eligible patents, inside the
        index, where the store can (Kùzu: a projected graph per paper year; Neo4j falls back
        to "after"). Same recall@1 on 20k random 64-d patents, "after" 2.6× more papers per
        second (benchmarks/bench_vector_index.py).

    Returns a summary: papers, patents, edges written, ``no_eligible`` (papers with a year
    but no patent of that year or later), ``no_year`` (papers / patents without a year, left
    out), ``removed`` (previous edges of this method), and for "index" ``recall_at_1``.
    Raises ``InnographError`` before touching any edge when no paper or no patent has a
    vector of ``model`` and a year.
    """
    if method not in ("exact", "index"):
        raise BadInputError(f"method must be 'exact' or 'index', not {method!r}")
    if year_filter not in ("index", "after"):
        raise BadInputError(f"year_filter must be 'index' or 'after', not {year_filter!r}")
    if k < 1:
        raise BadInputError("k must be ≥ 1")
    t0 = time.perf_counter()
    log("reading embeddings")
    p_ids, p_vecs, p_models, p_years = read_vectors(store, schema.PAPER)
    q_ids, q_vecs, q_models, q_years = read_vectors(store, schema.PATENT)
    counts = Counter(p_models) + Counter(q_models)
    if not counts:
        raise InnographError("no document has an embedding: run `innograph embed` first")
    model = model or counts.most_common(1)[0][0]
    if model not in counts:
        raise BadInputError(f"no document was embedded with {model!r}; present: {sorted(map(str, counts))}")
    summary: dict[str, Any] = {"method": method, "k": k, "model": model}

    ai = {lab: ai_keys(store, lab) for lab in schema.DOCUMENT_LABELS} if ai_only else None
    if ai is not None:
        summary["not_ai"] = {schema.PAPER: sum(1 for i in p_ids if i not in ai[schema.PAPER]),
                             schema.PATENT: sum(1 for i in q_ids if i not in ai[schema.PATENT])}
        p_keep = [i in ai[schema.PAPER] for i in p_ids]
        q_keep = [i in ai[schema.PATENT] for i in q_ids]
        p_ids, p_vecs, p_models, p_years = ([p_ids[j] for j in np.nonzero(p_keep)[0]],
                                            p_vecs[np.array(p_keep, bool)],
                                            [p_models[j] for j in np.nonzero(p_keep)[0]],
                                            [p_years[j] for j in np.nonzero(p_keep)[0]])
        q_ids, q_vecs, q_models, q_years = ([q_ids[j] for j in np.nonzero(q_keep)[0]],
                                            q_vecs[np.array(q_keep, bool)],
                                            [q_models[j] for j in np.nonzero(q_keep)[0]],
                                            [q_years[j] for j in np.nonzero(q_keep)[0]])

    def select(ids, vecs, models, years):
        keep = np.array([m == model and y is not None for m, y in zip(models, years)], bool)
        other = sum(1 for m in models if m != model)
        no_year = sum(1 for m, y in zip(models, years) if m == model and y is None)
        sel = np.nonzero(keep)[0]
        return ([ids[j] for j in sel], vecs[sel], np.array([years[j] for j in sel], np.int64),
                other, no_year)

    p_ids, p_vecs, p_years_a, p_other, p_noyear = select(p_ids, p_vecs, p_models, p_years)
    q_ids, q_vecs, q_years_a, q_other, q_noyear = select(q_ids, q_vecs, q_models, q_years)
    if p_vecs.shape[0] and q_vecs.shape[0] and p_vecs.shape[1] != q_vecs.shape[1]:
        raise InnographError(f"papers have {p_vecs.shape[1]}-d and patents {q_vecs.shape[1]}-d "
                             "vectors: embed both with the same model")
    for label, ids_, noyear in ((schema.PAPER, p_ids, p_noyear), (schema.PATENT, q_ids, q_noyear)):
        if not ids_:  # nothing to match: say why before any old edge is touched
            raise InnographError(
                f"no {label} has an embedding of model {model!r} and a year"
                + (f" ({noyear} embedded without a year)" if noyear else "")
                + f": nothing to match; run `innograph embed` after loading {label.lower()}s")
    summary.update(papers=len(p_ids), patents=len(q_ids), other_model={
        schema.PAPER: p_other, schema.PATENT: q_other}, no_year={
        schema.PAPER: p_noyear, schema.PATENT: q_noyear})
    log(f"matching {len(p_ids)} papers against {len(q_ids)} patents ({method})")
    if method == "exact":
        idx, sc = best_match(p_vecs, p_years_a, q_vecs, q_years_a, k=k, device=device,
                             batch=batch, precision=precision)
        idx, sc = idx.reshape(len(p_ids), k), sc.reshape(len(p_ids), k)
    else:
        idx, sc, extra = _index_match(store, p_vecs, p_years_a, q_ids, q_vecs, q_years_a, k,
                                      oversample, efs, rebuild_index, model, sample, seed,
                                      device, log, year_filter)
        summary.update(extra)
    summary["no_eligible"] = int((idx[:, 0] < 0).sum())
    removed = store.delete_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT,
                                 where={"method": method})
    rows, ranks = np.nonzero(idx >= 0)
    src = [p_ids[r] for r in rows]
    dst = [q_ids[j] for j in idx[rows, ranks]]
    written = 0
    for a in range(0, len(src), EDGE_BATCH):
        b = a + EDGE_BATCH
        n = len(src[a:b])
        t = pa.table({"src": src[a:b], "dst": dst[a:b],
                      "score": pa.array(sc[rows[a:b], ranks[a:b]].astype(np.float64)),
                      "rank": pa.array((ranks[a:b] + 1).astype(np.int64)),
                      "method": [method] * n, "model": [model] * n})
        written += store.upsert_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT,
                                      t).inserted
    summary.update(edges=written, removed=removed, seconds=round(time.perf_counter() - t0, 2))
    return summary


def _index_match(store: Store, p_vecs: np.ndarray, p_years: np.ndarray, q_ids: list[str],
                 q_vecs: np.ndarray, q_years: np.ndarray, k: int, oversample: int, efs: int,
                 rebuild: bool, model: str, sample: int, seed: int, device: str | None,
                 log: Log, year_filter: str = "after"
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    n, m = p_vecs.shape[0], q_vecs.shape[0]
    idx = np.full((n, k), -1, np.int64)
    sc = np.full((n, k), np.nan, np.float32)
    extra: dict[str, Any] = {}
    if n == 0 or m == 0:
        return idx, sc, extra
    dims = int(q_vecs.shape[1])
    in_index = year_filter == "index" and bool(getattr(store, "vector_year_filter", False))
    info_fn = getattr(store, "vector_index_info", None)
    info = info_fn(schema.PATENT) if info_fn else None
    stale = (info is None or info.get("dims") != dims or info.get("rows") != m
             or info.get("models") not in (None, [model])
             or (in_index and not info.get("year", False)))
    if rebuild or stale:
        log(f"building the vector index over {m} patent vectors")
        t = time.perf_counter()
        store.create_vector_index(schema.PATENT, "embedding", dims)
        extra["index_build_seconds"] = round(time.perf_counter() - t, 2)
    pos = {i: j for j, i in enumerate(q_ids)}
    kw: dict[str, Any] = {"efs": efs} if info_fn else {}
    extra["year_filter"] = "in index" if in_index else f"after, oversample {max(1, oversample)}"
    t = time.perf_counter()
    # Every row asks for `fetch` neighbours (k with the in-index year filter, k·oversample
    # without); rows with fewer than k eligible among them ask again for 4× as many.
    fetch = min(m, k if in_index else k * max(1, oversample))
    todo = np.arange(n)
    while len(todo):
        if in_index:
            kw["min_year"] = p_years[todo]
        res = store.vector_query(schema.PATENT, p_vecs[todo], fetch, **kw)
        again = []
        for r, (ids, cos) in zip(todo, res):
            js = np.array([pos.get(i, -1) for i in ids], np.int64)
            ok = js >= 0
            ok[ok] = q_years[js[ok]] >= p_years[r]
            if ok.sum() < k and len(ids) >= fetch and fetch < m:
                again.append(r)
                continue
            js, cos = js[ok], np.asarray(cos, np.float64)[ok]
            o = np.lexsort((js, -cos))[:k]
            idx[r, : len(o)], sc[r, : len(o)] = js[o], cos[o]
        todo = np.array(again, np.int64)
        fetch = min(m, fetch * 4)
    extra["query_seconds"] = round(time.perf_counter() - t, 2)
    # recall@1 against exact search on a sample of papers
    rng = np.random.default_rng(seed)
    s = np.sort(rng.choice(n, size=min(sample, n), replace=False))
    ex, _ = best_match(p_vecs[s], p_years[s], q_vecs, q_years, k=1, device=device)
    has = ex >= 0
    extra["recall_sample"] = int(has.sum())
    extra["recall_at_1"] = float((idx[s, 0][has] == ex[has]).mean()) if has.any() else None
    return idx, sc, extra
