"""``extract_keywords``: KeyBERT keywords of many documents at once, the steps chained.

1. ``document_candidates`` (``candidates``) — candidate phrases per document, one vocabulary;
2. ``Encoder.encode`` / ``embed_candidates`` (``encoder``, ``cache``) — documents and each
   *distinct* candidate embedded once, candidates cached across batches and runs;
3. ``score_pairs`` (``selection``) — every (document, candidate) cosine in one pass;
4. ``top_k_cosine`` / ``mmr`` / ``max_sum_distance`` (``selection``) — keywords per document.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ...progress import Progress
from .cache import CandidateCache, embed_candidates
from .candidates import KEYBERT_STOP_WORDS, document_candidates
from .encoder import EncodeTally, load_encoder
from .selection import Keywords, max_sum_distance, mmr, score_pairs, shortlist, top_k_cosine

__all__ = ["DIVERSITY_METHODS", "ExtractStats", "extract_keywords"]

DIVERSITY_METHODS = ("mmr", "maxsum")


@dataclass
class ExtractStats:
    """What one ``extract_keywords`` call did (filled when a dict is passed as ``stats``)."""

    documents: int = 0
    unique_documents: int = 0
    candidates: int = 0  # distinct candidates in the batch
    pairs: int = 0  # (document, candidate) pairs scored
    embedded: int = 0  # candidates embedded now (cache misses)
    rescored: int = 0  # int8 mode: distinct shortlisted candidates rescored in float32


def extract_keywords(texts: Sequence[str | None] | str, top_k: int = 10,
                     ngram_range: tuple[int, int] = (1, 3), diversity: str | None = None,
                     model: Any = None, device: str | None = None, *, fast: bool | str = False,
                     mmr_diversity: float = 0.5, nr_candidates: int = 20,
                     stop_words: str | list[str] | None = KEYBERT_STOP_WORDS,
                     cache_dir: str | os.PathLike | CandidateCache | None = None,
                     batch_tokens: int | None = None,
                     progress: Progress | None = None,
                     rescore_factor: int = 3, stats: dict | None = None) -> list[Keywords]:
    """KeyBERT keywords of many texts at once: per text, (keyword, cosine) best first.

    Parameters
    ----------
    texts : sequence of str (None / blank → ``[]``); a single str is treated as [str].
    top_k : keywords per text (keybert's ``top_n``).
    ngram_range : (min, max) words per candidate phrase (keybert's ``keyphrase_ngram_range``).
    diversity : None (plain cosine top-k), ``"mmr"`` (Maximal Marginal Relevance with
        λ = ``mmr_diversity``, keybert's ``use_mmr``) or ``"maxsum"`` (Max Sum Distance over
        the ``nr_candidates`` best, keybert's ``use_maxsum``).
    model : None (offline MiniLM), a local sentence-transformers path, a
        ``SentenceTransformer`` or an ``Encoder`` from ``load_encoder``.
    device : "cpu" / "cuda[:i]" / None (CUDA when available; see ``load_encoder``).
    fast : False → float32, same answer as stock KeyBERT (ties aside); True → bf16 on GPU or
        CPUs with AMX / AVX512-BF16, int8 dynamic quantisation elsewhere; or "bf16" / "int8"
        explicitly. int8 screens: documents in float32, candidates in int8, then each
        document's ``rescore_factor · top_k`` best candidates re-embedded in float32 and
        ranked by their float32 cosine (with ``diversity``, MMR / MaxSum run on the int8
        candidate embeddings, unrescored). ``rescore_factor=0``: plain int8, documents
        included (faster, top-5 overlap with exact only ≈ 0.8).
    stop_words : keybert's ``stop_words`` ("english", a list, or None).
    cache_dir : directory of the on-disk candidate cache, or a ``CandidateCache`` to share
        across calls (the pipeline passes one); None → a cache for this call only.
    batch_tokens : token budget per forward pass (see ``Encoder``).
    progress : ``(done, total) -> None``, called after each encoded batch with the texts
        done so far (documents, then candidates: cached ones count as done when looked up)
        over documents + candidates (the int8 rescoring shortlist adds to the total).
    stats : a dict to receive ``ExtractStats`` fields (counts of this call).

    Returns
    -------
    list of lists of (str, float): scores are cosines rounded to 4 decimals, as keybert.
    """
    if isinstance(texts, str):
        texts = [texts]
    if diversity not in (None, "none", *DIVERSITY_METHODS):
        raise ValueError(f"diversity must be None, 'mmr' or 'maxsum'; got {diversity!r}")
    if diversity == "none":
        diversity = None
    if diversity == "maxsum" and nr_candidates < top_k:
        raise ValueError("nr_candidates must be at least top_k for MaxSum")
    docs = ["" if t is None else str(t) for t in texts]
    st = ExtractStats(documents=len(docs))
    cands = document_candidates(docs, ngram_range, stop_words)
    st.candidates, st.pairs = len(cands.vocab), len(cands.indices)
    result: list[Keywords] = [[] for _ in docs]
    live = [i for i in range(len(docs)) if cands.indptr[i + 1] > cands.indptr[i]]
    if not live or top_k <= 0:
        _fill(stats, st)
        return result
    encoder = load_encoder(model, device, fast, batch_tokens=batch_tokens)
    cache = cache_dir if isinstance(cache_dir, CandidateCache) else CandidateCache(cache_dir)
    # identical texts are embedded once
    unique: dict[str, int] = {}
    doc_rows = np.full(len(docs), -1, dtype=np.int64)
    for i in live:
        doc_rows[i] = unique.setdefault(docs[i], len(unique))
    st.unique_documents = len(unique)
    misses0 = cache.misses
    exact = encoder.exact if rescore_factor > 0 else None
    rows = np.where(doc_rows < 0, 0, doc_rows)
    bar = EncodeTally(progress)
    bar.total(len(unique) + len(cands.vocab))
    doc_emb = (exact or encoder).encode(list(unique), bar)
    cand_emb = embed_candidates(cands.vocab, encoder, cache, bar)
    if diversity is None and exact is not None:
        screened = score_pairs(doc_emb, cand_emb, cands, rows, encoder.device)
        cands = shortlist(cands, screened, rescore_factor * top_k)
        st.rescored = len(cands.vocab)
        bar.total(len(cands.vocab))
        cand_emb = embed_candidates(cands.vocab, exact, cache, bar)
    st.embedded = cache.misses - misses0
    if diversity is None:
        scores = score_pairs(doc_emb, cand_emb, cands, rows, encoder.device)
        for i in live:
            sl = slice(cands.indptr[i], cands.indptr[i + 1])
            idx = cands.indices[sl]
            result[i] = top_k_cosine([cands.vocab[j] for j in idx], scores[sl], top_k)
    else:
        for i in live:
            idx = cands.of(i)
            words = [cands.vocab[j] for j in idx]
            d = doc_emb[doc_rows[i]].reshape(1, -1)
            if diversity == "mmr":
                result[i] = mmr(d, cand_emb[idx], words, top_k, mmr_diversity)
            else:
                result[i] = max_sum_distance(d, cand_emb[idx], words, top_k, nr_candidates)
    if not isinstance(cache_dir, CandidateCache):
        cache.close()
    _fill(stats, st)
    return result


def _fill(stats: dict | None, st: ExtractStats) -> None:
    if stats is not None:
        stats.update(st.__dict__)
