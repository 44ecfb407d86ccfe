"""Candidate phrases of KeyBERT: the n-grams each document offers, as one vocabulary.

Candidates are made exactly as KeyBERT's default ``CountVectorizer(ngram_range,
stop_words="english")`` makes them (sklearn's analyzer: lower case, tokens ``\\b\\w\\w+\\b``,
English stop words removed *before* n-grams are formed), and gathered into one alphabetical
vocabulary for the whole batch of documents (``CandidateBatch``, a CSR-like layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

__all__ = ["KEYBERT_STOP_WORDS", "candidate_analyzer", "CandidateBatch", "document_candidates"]

KEYBERT_STOP_WORDS = "english"


def candidate_analyzer(ngram_range: tuple[int, int] = (1, 3),
                       stop_words: str | list[str] | None = KEYBERT_STOP_WORDS
                       ) -> Callable[[str], list[str]]:
    """The text → n-gram list function of KeyBERT's default ``CountVectorizer``.

    It is sklearn's own analyzer (``CountVectorizer(...).build_analyzer()``), so candidates
    are the very strings stock KeyBERT scores: lower-cased tokens of ≥ 2 word characters,
    stop words dropped first, then n-grams of ``ngram_range`` words over what remains.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(ngram_range=tuple(ngram_range), stop_words=stop_words).build_analyzer()


@dataclass
class CandidateBatch:
    """Candidates of a batch of documents.

    ``vocab``: the distinct candidates, sorted (Python string order, as sklearn sorts its
    feature names); ``indptr`` (n_docs + 1,) and ``indices`` (n_pairs,) int64: document
    ``i``'s candidates are ``vocab[indices[indptr[i]:indptr[i+1]]]``, ascending, i.e. in
    the alphabetical order stock KeyBERT sees them in.
    """

    vocab: list[str]
    indptr: np.ndarray
    indices: np.ndarray

    def of(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    @property
    def n_docs(self) -> int:
        return len(self.indptr) - 1


def document_candidates(texts: Sequence[str], ngram_range: tuple[int, int] = (1, 3),
                        stop_words: str | list[str] | None = KEYBERT_STOP_WORDS
                        ) -> CandidateBatch:
    """Candidate phrases of every text (see ``candidate_analyzer``) as one vocabulary.

    Empty, blank or stop-word-only texts get no candidates (stock KeyBERT returns ``[]``).
    """
    analyze = candidate_analyzer(ngram_range, stop_words)
    per_doc = [set(analyze(t)) if t and t.strip() else set() for t in texts]
    vocab = sorted(set().union(*per_doc)) if per_doc else []
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.fromiter((len(s) for s in per_doc), dtype=np.int64, count=len(per_doc))
    indptr = np.zeros(len(per_doc) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    for i, s in enumerate(per_doc):
        if s:
            indices[indptr[i]:indptr[i + 1]] = np.sort(
                np.fromiter((index[w] for w in s), dtype=np.int64, count=len(s)))
    return CandidateBatch(vocab, indptr, indices)
