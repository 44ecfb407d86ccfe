"""Scoring and selection of KeyBERT candidates: cosines of (document, candidate) pairs, then
the keywords of each document.

KeyBERT (Grootendorst 2020, ``keybert`` 0.9) scores candidate phrase ``w`` of document ``d``
by the cosine of their sentence embeddings,

    s(w, d) = cos(e_w, e_d) = e_w · e_d / (‖e_w‖ ‖e_d‖),

and returns the ``top_k`` phrases by ``s`` (``top_k_cosine``), or a diverse subset: Maximal
Marginal Relevance (``mmr``) or Max Sum Distance (``max_sum_distance``), with the semantics
(tie order, rounding to 4 decimals) of ``keybert._model`` / ``_mmr.py`` / ``_maxsum.py``.
``score_pairs`` computes every pair's cosine of a batch in one gather + row-dot pass (numpy
on the CPU, torch on a GPU); ``shortlist`` keeps each document's best candidates (the int8
screen of ``extract_keywords``).
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from operator import itemgetter
from typing import Sequence

import numpy as np

from ..vectors import unit_rows
from .candidates import CandidateBatch

__all__ = ["Keywords", "KEYBERT_ROUND", "score_pairs", "shortlist", "top_k_cosine", "mmr",
           "max_sum_distance"]

KEYBERT_ROUND = 4  # keybert rounds every returned score to 4 decimals

Keywords = list[tuple[str, float]]


def score_pairs(doc_emb: np.ndarray, cand_emb: np.ndarray, cands: CandidateBatch,
                doc_rows: np.ndarray | None = None, device: str = "cpu",
                chunk_pairs: int = 65536) -> np.ndarray:
    """cos(e_w, e_d) for every (document, candidate) pair of ``cands``.

    ``doc_emb`` (n_unique, dim), ``cand_emb`` (len(vocab), dim): raw embeddings;
    ``doc_rows`` (n_docs,) maps each document to its row of ``doc_emb`` (default identity).
    Returns (n_pairs,) float32 aligned with ``cands.indices``. One gather + row-dot per
    chunk of pairs; on a CUDA ``device`` the arithmetic runs there.
    """
    n_pairs = len(cands.indices)
    if n_pairs == 0:
        return np.zeros(0, dtype=np.float32)
    d = unit_rows(doc_emb, np.float32)
    c = unit_rows(cand_emb, np.float32)
    rows = np.arange(cands.n_docs) if doc_rows is None else np.asarray(doc_rows)
    pair_doc = np.repeat(rows, np.diff(cands.indptr))
    out = np.empty(n_pairs, dtype=np.float32)
    if device.startswith("cuda"):
        import torch

        dt, ct = torch.from_numpy(d).to(device), torch.from_numpy(c).to(device)
        for s in range(0, n_pairs, chunk_pairs * 16):
            e = min(n_pairs, s + chunk_pairs * 16)
            pi = torch.from_numpy(cands.indices[s:e]).to(device)
            pd = torch.from_numpy(pair_doc[s:e]).to(device)
            out[s:e] = (ct[pi] * dt[pd]).sum(1).cpu().numpy()
        return out
    for s in range(0, n_pairs, chunk_pairs):
        e = min(n_pairs, s + chunk_pairs)
        out[s:e] = np.einsum("pd,pd->p", c[cands.indices[s:e]], d[pair_doc[s:e]])
    return out


def shortlist(cands: CandidateBatch, scores: np.ndarray, m: int) -> CandidateBatch:
    """Each document's ``m`` best candidates by ``scores`` (aligned with ``cands.indices``)
    as a new batch over their own, smaller vocabulary; indices stay ascending (alphabetical,
    the order ties resolve in), and documents with ≤ m candidates keep them all."""
    keep = np.zeros(len(cands.indices), dtype=bool)
    for i in range(cands.n_docs):
        a, b = int(cands.indptr[i]), int(cands.indptr[i + 1])
        if b - a <= m:
            keep[a:b] = True
        else:
            keep[a + np.argpartition(-scores[a:b], m - 1)[:m]] = True
    used = np.unique(cands.indices[keep])
    remap = np.full(len(cands.vocab), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    pair_doc = np.repeat(np.arange(cands.n_docs), np.diff(cands.indptr))
    counts = np.bincount(pair_doc[keep], minlength=cands.n_docs)
    indptr = np.zeros(cands.n_docs + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return CandidateBatch([cands.vocab[j] for j in used], indptr, remap[cands.indices[keep]])


def top_k_cosine(words: Sequence[str], scores: np.ndarray, top_k: int) -> Keywords:
    """The ``top_k`` words by score, best first, scores rounded to 4 decimals.

    Same ordering rule as ``KeyBERT.extract_keywords``: ``argsort(scores)[-top_k:][::-1]``
    over the words in alphabetical order (so equal scores resolve as KeyBERT resolves them).
    """
    if len(words) == 0 or top_k <= 0:
        return []
    order = np.asarray(scores).argsort()[-top_k:][::-1]
    return [(words[i], round(float(scores[i]), KEYBERT_ROUND)) for i in order]


def mmr(doc_embedding: np.ndarray, word_embeddings: np.ndarray, words: Sequence[str],
        top_n: int = 5, diversity: float = 0.5) -> Keywords:
    """Maximal Marginal Relevance (Carbonell & Goldstein 1998), as ``keybert._mmr.mmr``.

    Start with ``argmax_w cos(w, d)``; then repeatedly add

        argmax_{w ∉ S} (1 − λ) cos(w, d) − λ max_{s ∈ S} cos(w, s),   λ = ``diversity``,

    until ``top_n`` are chosen. ``doc_embedding`` (1, dim) or (dim,), ``word_embeddings``
    (m, dim) raw. Returns (word, cos(w, d)) rounded to 4 decimals, best first; ``[]`` when
    there are no words. The running max over S replaces keybert's recomputed max (same
    values, max is exact); ties resolve to the lowest index, as keybert's argmax does.
    """
    m = len(words)
    if m == 0 or top_n <= 0:
        return []
    w = unit_rows(word_embeddings)
    d = unit_rows(np.asarray(doc_embedding).reshape(1, -1))
    word_doc = w @ d.T  # (m, 1)
    word_word = w @ w.T  # (m, m)
    first = int(np.argmax(word_doc))
    chosen = [first]
    free = np.ones(m, dtype=bool)
    free[first] = False
    target = word_word[:, first].copy()
    for _ in range(min(top_n - 1, m - 1)):
        cand = np.flatnonzero(free)
        score = (1 - diversity) * word_doc[cand, :] - diversity * target[cand].reshape(-1, 1)
        pick = int(cand[np.argmax(score)])
        chosen.append(pick)
        free[pick] = False
        target = np.maximum(target, word_word[:, pick])
    flat = word_doc.reshape(-1)
    out = [(words[i], round(float(flat[i]), KEYBERT_ROUND)) for i in chosen]
    return sorted(out, key=itemgetter(1), reverse=True)


@lru_cache(maxsize=16)
def _combinations(n: int, k: int) -> np.ndarray:
    """All k-subsets of range(n) in itertools order, (C(n, k), k) int16."""
    return np.array(list(itertools.combinations(range(n), k)), dtype=np.int16).reshape(-1, k)


def max_sum_distance(doc_embedding: np.ndarray, word_embeddings: np.ndarray,
                     words: Sequence[str], top_n: int, nr_candidates: int = 20) -> Keywords:
    """Max Sum Distance, as ``keybert._maxsum.max_sum_distance``.

    Take the ``nr_candidates`` words most similar to the document; among all ``top_n``-subsets
    S of them choose the one with the least total pairwise similarity

        argmin_S Σ_{i ∈ S} Σ_{j ∈ S, j ≠ i} cos(w_i, w_j)

    (first such subset in ``itertools.combinations`` order; the sum is accumulated in
    float32 in keybert's order, so the choice is bit-for-bit keybert's). Vectorised over
    all subsets (C(20, 10) = 184,756 by default) instead of a Python loop.

    Returns (word, cos(w, d)) rounded to 4 decimals, **best first** (keybert returns the
    same pairs in ascending similarity). Unlike keybert, which returns ``[]`` when a
    document has fewer than ``top_n`` candidates, all its candidates are returned then.
    Raises ValueError when ``nr_candidates < top_n`` (keybert raises too).
    """
    if nr_candidates < top_n:
        raise ValueError("nr_candidates must be at least top_n (the pool MaxSum picks from)")
    m = len(words)
    if m == 0 or top_n <= 0:
        return []
    w = unit_rows(word_embeddings)
    d = unit_rows(np.asarray(doc_embedding).reshape(1, -1))
    dist = (d @ w.T)[0]
    if top_n >= m:
        return top_k_cosine(words, dist, m)
    pool = dist.argsort()[-nr_candidates:]
    sub = (w @ w.T)[np.ix_(pool, pool)]
    combos = _combinations(len(pool), top_n)
    acc = np.zeros(len(combos), dtype=sub.dtype)
    for a in range(top_n):
        for b in range(top_n):
            if a != b:
                acc += sub[combos[:, a], combos[:, b]]
    best = combos[int(np.argmin(acc))]
    out = [(words[pool[i]], round(float(dist[pool[i]]), KEYBERT_ROUND)) for i in best]
    return sorted(out, key=itemgetter(1), reverse=True)
