"""KeyBERT keyword extraction at corpus scale: candidates, embeddings, selection.

The package, one module a step: ``candidates`` (phrases per document), ``encoder`` (the
sentence-transformer, its device and precision), ``cache`` (candidate embeddings across
batches and runs), ``selection`` (cosines, top-k, MMR, MaxSum), ``extract`` (the entry
point that chains them). Everything public is importable from here.

KeyBERT (Grootendorst 2020, ``keybert`` 0.9) scores every candidate phrase ``w`` of a
document ``d`` by the cosine of their sentence embeddings,

    s(w, d) = cos(e_w, e_d) = e_w · e_d / (‖e_w‖ ‖e_d‖),

and returns the ``top_k`` phrases by ``s``, or a diverse subset (MMR, MaxSum). Its
per-document loop embeds each document's candidates again for every document. Here the
same answer is computed for many documents at once, in four separate steps:

1. ``document_candidates`` — candidate phrases per document, exactly as KeyBERT's default
   ``CountVectorizer(ngram_range, stop_words="english")`` makes them (sklearn's analyzer:
   lower case, tokens ``\\b\\w\\w+\\b``, English stop words removed *before* n-grams are
   formed), gathered into one alphabetical vocabulary for the whole batch;
2. ``Encoder.encode`` — documents and each *distinct* candidate embedded once, sorted by
   token length and cut into token-budget batches (little padding), candidates cached across
   batches and runs (``CandidateCache``: memory LRU, optionally SQLite on disk, keyed by
   model id + candidate text);
3. ``score_pairs`` — every (document, candidate) cosine in one gather + row-dot pass
   (numpy on CPU, torch on a GPU);
4. ``top_k_cosine`` / ``mmr`` / ``max_sum_distance`` — selection per document, with the
   semantics (tie order, rounding to 4 decimals) of ``keybert._model`` / ``_mmr.py`` /
   ``_maxsum.py``.

``extract_keywords`` chains them. Exact mode (``fast=False``) runs the model in float32 and
only removes repeated work, so its top-k equals stock KeyBERT's up to ties (scores differ
in the last float32 bits because batching changes the order of the model's sums). ``fast``
runs the model in bfloat16 (GPU, or CPUs with AMX / AVX512-BF16: ≈ 3-4x the float32 rate,
top-5 overlap with exact ≈ 0.99) or, on other CPUs, with int8 dynamic quantisation of the
Linear layers as a screen: int8 alone keeps only ≈ 0.8-0.85 of MiniLM's top-5, so documents
are embedded in float32, candidates in int8, and each document's ``rescore_factor · top_k``
best screened candidates are re-embedded in float32 (cached like exact mode's) and ranked by
their float32 cosine; figures in ``benchmarks/keywords.md``.

No store, no I/O besides the optional cache file; callable from a notebook.
"""

from __future__ import annotations

from .cache import CACHE_FILE, CandidateCache, embed_candidates
from .candidates import (KEYBERT_STOP_WORDS, CandidateBatch, candidate_analyzer,
                         document_candidates)
from .encoder import (CPU_BATCH_TOKENS, GPU_BATCH_TOKENS, GPU_MAX_BATCH, MAX_BATCH,
                      EncodeTally, Encoder, load_encoder)
from .extract import DIVERSITY_METHODS, ExtractStats, extract_keywords
from .selection import (KEYBERT_ROUND, Keywords, max_sum_distance, mmr, score_pairs,
                        shortlist, top_k_cosine)

__all__ = [
    "candidate_analyzer", "document_candidates", "CandidateBatch", "Encoder", "load_encoder",
    "CandidateCache", "embed_candidates", "score_pairs", "shortlist", "top_k_cosine", "mmr",
    "max_sum_distance", "extract_keywords", "ExtractStats", "Keywords", "EncodeTally",
    "KEYBERT_STOP_WORDS", "KEYBERT_ROUND", "CACHE_FILE", "DIVERSITY_METHODS",
    "CPU_BATCH_TOKENS", "GPU_BATCH_TOKENS", "MAX_BATCH", "GPU_MAX_BATCH",
]
