"""Document vectors: Doc2Vec trained on the corpus (gensim), or sentence-transformer embeddings.

docs/method.md §5: every paper and patent gets one vector, compared by cosine. The DeepInnovationAI
paper describes Doc2Vec over the text (after KeyBERT terms); its released code embeds the
Keywords column with all-MiniLM-L6-v2. Both are offered, over title + abstract ("text") or the
keyword list ("keywords"):

- ``train_doc2vec`` / ``doc2vec_vectors`` / ``infer_vectors`` / ``save_doc2vec`` /
  ``load_doc2vec``: gensim Doc2Vec (Le & Mikolov 2014) with the settings of ``Doc2VecConfig``.
- ``load_sentence_model`` / ``sentence_vectors``: a local sentence-transformer (the offline
  MiniLM package by default, or any local model directory), batched, L2-normalised.

Reproducibility (gensim's own caveats): training is reproducible only with one worker thread
(thread scheduling changes the order of updates) and a fixed seed; gensim seeds word vectors
through ``hashfxn`` (Python's ``hash`` by default, salted per process unless PYTHONHASHSEED
is set) and ``infer_vector`` starts from a vector seeded by Python's ``hash`` of the words and
draws negative samples from ``model.random``, so the same document inferred twice differs.
Here ``deterministic=True`` trains with ``workers=1``, ``seed`` and a process-independent
``stable_hash``; ``infer_vectors(..., seed=s)`` starts every document from a vector seeded by
``stable_hash`` and re-seeds ``model.random`` before each document, so two runs — in the same
process or not, whatever PYTHONHASHSEED — give identical vectors. The cost: one training
thread instead of all cores, so up to (number of cores)× slower training on a big machine;
on the 2-vCPU shared development machine it made no difference (10 epochs over the 3,522
neural-network patents: 140–149 s with 1 worker, 160 s with 2). Inference is
single-threaded in gensim either way.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .. import runtime
from ..errors import ModelMissingError
from ..progress import Progress

__all__ = [
    "Doc2VecConfig", "stable_hash", "tokenize", "keyword_tokens", "TaggedLineCorpus",
    "write_token_file", "train_doc2vec", "doc2vec_vectors", "infer_vectors", "save_doc2vec",
    "load_doc2vec", "doc2vec_model_id", "load_sentence_model", "sentence_vectors",
    "sentence_model_id", "sentence_dim",
]


def _every(total: int, steps: int = 200) -> int:
    """Report every this many items: about ``steps`` reports over ``total``."""
    return max(1, total // steps)


class _CountedCorpus:
    """A restartable corpus that reports every document it hands to gensim: the
    vocabulary pass and each training epoch are one pass each, so ``total`` is
    ``n_docs × (epochs + 1)`` (gensim's producer thread reads at most a few thousand
    documents ahead of training)."""

    def __init__(self, corpus: Iterable[Any], callback: Progress, total: int):
        self.corpus, self.callback, self.total, self.done = corpus, callback, total, 0
        self._every = _every(total)

    def __iter__(self) -> Iterator[Any]:
        for doc in self.corpus:
            yield doc
            self.done += 1
            if self.done % self._every == 0 or self.done == self.total:
                self.callback(min(self.done, self.total), self.total)


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process (blake2b), for gensim's
    ``hashfxn`` and the initial vectors of ``infer_vectors``."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


# --------------------------------------------------------------------- tokens
def tokenize(text: str | None) -> list[str]:
    """Lower-case alphabetic tokens of 2–40 letters, accents stripped (gensim
    ``simple_preprocess``): LaTeX commands and numbers fall away, ``"Neural-Net"`` →
    ``["neural", "net"]``. None or empty → []."""
    from gensim.utils import simple_preprocess

    return simple_preprocess(text or "", deacc=True, min_len=2, max_len=40)


def keyword_tokens(keywords: Iterable[str] | None) -> list[str]:
    """One token per keyword phrase, words joined by ``_`` (``"neural network"`` →
    ``"neural_network"``), so that one technical element is one vocabulary item."""
    out = []
    for kw in keywords or ():
        words = tokenize(kw)
        if words:
            out.append("_".join(words))
    return out


class TaggedLineCorpus:
    """A restartable corpus over a token file (one document per line, tokens separated by
    spaces): yields ``TaggedDocument(words, [line number])``. Training streams it from disk
    once per epoch instead of holding millions of token lists in memory."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __iter__(self) -> Iterator[Any]:
        from gensim.models.doc2vec import TaggedDocument

        with self.path.open(encoding="utf-8") as f:
            for i, line in enumerate(f):
                yield TaggedDocument(line.split(), [i])


def write_token_file(docs: Iterable[Sequence[str]], path: str | os.PathLike) -> int:
    """Write token lists one per line (``TaggedLineCorpus`` format); returns the count."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as f:
        for words in docs:
            f.write(" ".join(words) + "\n")
            n += 1
    return n


# -------------------------------------------------------------------- Doc2Vec
@dataclass(frozen=True)
class Doc2VecConfig:
    """Doc2Vec settings. Defaults: the PV-DBOW setting that Lau & Baldwin (2016, "An
    empirical evaluation of doc2vec with practical insights into document embedding
    generation") found best for document similarity on long texts — vector size 300,
    window 15, negative sampling 5, word vectors trained alongside (``dbow_words=1``) —
    with three changes for corpora of every size: ``min_count=2`` instead of 5, so that rare
    technical terms (and a phrase shared by one paper and one patent) stay in the
    vocabulary; gensim's default down-sampling ``sample=1e-3`` instead of 1e-5 (the
    threshold is relative to the corpus size: 1e-5 suits corpora of millions of documents
    and drops most words of small ones); ``epochs=40`` instead of 20 (they used
    more passes on smaller corpora; on the 440-document demo corpus, best match recovers
    20 of 24 planted paper → patent flows after 20 epochs, 23–24 after 40 over seeds 1–4
    and 7, 24 after 60 for all five seeds: pass ``epochs=60`` for small corpora).
    ``dm=1`` gives gensim's PV-DM instead. ``workers`` None → all CPUs (1 when
    deterministic).
    """

    vector_size: int = 300
    window: int = 15
    min_count: int = 2
    epochs: int = 40
    dm: int = 0
    dbow_words: int = 1
    negative: int = 5
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    seed: int = 0
    workers: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other gensim Doc2Vec kwargs


def doc2vec_model_id(config: Doc2VecConfig, text: str = "text") -> str:
    """Provenance name of a Doc2Vec model: ``doc2vec-dbow-v300-w15-mc2-e20-s0-text``."""
    kind = "dm" if config.dm else "dbow"
    return (f"doc2vec-{kind}-v{config.vector_size}-w{config.window}-mc{config.min_count}"
            f"-e{config.epochs}-s{config.seed}-{text}")


def train_doc2vec(corpus: Iterable[Any] | str | os.PathLike, config: Doc2VecConfig = Doc2VecConfig(),
                  deterministic: bool = False, progress: Progress | None = None) -> Any:
    """Train a gensim ``Doc2Vec`` on ``corpus``.

    ``corpus``: a token file path (see ``TaggedLineCorpus``) or a restartable iterable of
    ``TaggedDocument`` (tags 0..n−1 in order). Returns the model; document i's vector is
    ``model.dv[i]`` (``doc2vec_vectors``). ``progress(done, total)``: documents read so far
    over the vocabulary pass and every epoch (total = documents × (epochs + 1)).
    """
    from gensim.models.doc2vec import Doc2Vec

    if isinstance(corpus, (str, os.PathLike)):
        corpus = TaggedLineCorpus(corpus)
    if progress is not None:
        n_docs = sum(1 for _ in corpus)
        corpus = _CountedCorpus(corpus, progress, n_docs * (config.epochs + 1))
    workers = 1 if deterministic else (config.workers or os.cpu_count() or 1)
    return Doc2Vec(
        documents=corpus, vector_size=config.vector_size, window=config.window,
        min_count=config.min_count, epochs=config.epochs, dm=config.dm,
        dbow_words=config.dbow_words, negative=config.negative, sample=config.sample,
        alpha=config.alpha, min_alpha=config.min_alpha, seed=config.seed, workers=workers,
        hashfxn=stable_hash, **config.extra,
    )


def doc2vec_vectors(model: Any) -> np.ndarray:
    """The trained document vectors, (n_docs, vector_size) float32, row i = tag i."""
    return np.asarray(model.dv.vectors, dtype=np.float32).copy()


def known_words(model: Any, words: Sequence[str]) -> int:
    """How many of ``words`` are in the model's vocabulary (0: the vector means nothing)."""
    vocab = model.wv.key_to_index
    return sum(1 for w in words if w in vocab)


def infer_vectors(model: Any, docs: Iterable[Sequence[str]], seed: int | None = None,
                  epochs: int | None = None,
                  progress: Progress | None = None) -> np.ndarray:
    """Vectors of new documents (token lists) from a trained model, (n, vector_size) float32.

    With ``seed`` (deterministic): each document starts from a vector seeded by
    ``stable_hash(words, seed)`` and ``model.random`` is re-seeded before it, so the result
    depends only on the model, the words and the seed. Without: gensim's ``infer_vector``.
    Documents are independent either way (order and batching do not matter with a seed).
    ``progress(done, total)``: documents inferred so far (about 200 calls in all).
    """
    from gensim.models import doc2vec_inner as inner
    from gensim.models.keyedvectors import pseudorandom_weak_vector
    from gensim import matutils

    epochs = epochs or model.epochs
    out: list[np.ndarray] = []
    size = model.dv.vector_size
    docs = list(docs)
    every = _every(len(docs))

    def tick() -> None:
        if progress is not None and (len(out) % every == 0 or len(out) == len(docs)):
            progress(len(out), len(docs))

    for words in docs:
        words = list(words)
        if seed is None:
            out.append(model.infer_vector(words, epochs=epochs))
            tick()
            continue
        model.random = np.random.RandomState(seed)
        vec = pseudorandom_weak_vector(size, seed_string=f"{seed}\x1f" + " ".join(words),
                                       hashfxn=stable_hash).reshape(1, size)
        lockf = np.ones(1, dtype=np.float32)
        work = np.zeros(model.layer1_size, dtype=np.float32)
        neu1 = matutils.zeros_aligned(model.layer1_size, dtype=np.float32)
        alpha, min_alpha = model.alpha, model.min_alpha
        delta = (alpha - min_alpha) / max(epochs - 1, 1)
        for _ in range(epochs):  # gensim's infer_vector loop, verbatim in effect
            if model.sg:
                inner.train_document_dbow(model, words, [0], alpha, work, learn_words=False,
                                          learn_hidden=False, doctag_vectors=vec,
                                          doctags_lockf=lockf)
            elif model.dm_concat:
                inner.train_document_dm_concat(model, words, [0], alpha, work, neu1,
                                               learn_words=False, learn_hidden=False,
                                               doctag_vectors=vec, doctags_lockf=lockf)
            else:
                inner.train_document_dm(model, words, [0], alpha, work, neu1, learn_words=False,
                                        learn_hidden=False, doctag_vectors=vec,
                                        doctags_lockf=lockf)
            alpha -= delta
        out.append(vec[0].copy())
        tick()
    if not out:
        return np.zeros((0, size), np.float32)
    return np.asarray(out, dtype=np.float32)


def save_doc2vec(model: Any, path: str | os.PathLike) -> Path:
    """Save a model (gensim's format: ``path`` plus sidecar ``.npy`` files); returns ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(p))
    return p


def load_doc2vec(path: str | os.PathLike) -> Any:
    """Load a model saved by ``save_doc2vec``; ModelMissingError when absent."""
    from gensim.models.doc2vec import Doc2Vec

    p = Path(path)
    if not p.is_file():
        raise ModelMissingError(f"no Doc2Vec model at {p}: train one with `innograph embed "
                                "--method doc2vec` (it is saved under --models-dir)")
    return Doc2Vec.load(str(p))


# --------------------------------------------------------- sentence-transformers
def sentence_model_id(path: str | os.PathLike | None, text: str = "text") -> str:
    """Provenance name ``sentence-<model id>-<text>``: ``sentence-all-MiniLM-L6-v2-text`` for
    the offline MiniLM (``path`` None); the model id is ``runtime.model_id(path)``."""
    return f"sentence-{runtime.model_id(path)}-{text}"


def load_sentence_model(path: str | os.PathLike | None = None, device: str | None = None) -> Any:
    """A ``SentenceTransformer`` from a local directory (None → the offline MiniLM package,
    ``runtime.default_model_path``), on ``device`` (``runtime.resolve_device``: None → CUDA
    when available, else the CPU; an explicit CUDA device without CUDA raises
    ``DeviceUnavailableError``). Never downloads (``runtime.offline``). Loaded once per
    (directory, device) per process and shared."""
    runtime.offline()
    p = Path(path) if path else runtime.default_model_path()
    if not p.exists():
        raise ModelMissingError(f"no sentence-transformer model at {p}: pass a local model "
                                "directory (models are never downloaded)")
    return _cached_sentence_model(str(p.resolve()), str(runtime.resolve_device(device)))


@functools.lru_cache(maxsize=2)
def _cached_sentence_model(path: str, device: str) -> Any:
    """One loaded model per (directory, device) per process: loading takes seconds."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device=device, local_files_only=True)


def sentence_dim(model: Any) -> int:
    """The embedding size of a SentenceTransformer (either name of the method)."""
    f = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(f())


def sentence_vectors(model: Any, texts: Sequence[str], batch_size: int = 64,
                     normalize: bool = True,
                     progress: Progress | None = None) -> np.ndarray:
    """Embeddings of ``texts``, (n, dim) float32, L2-normalised rows when ``normalize``.

    Texts are encoded in batches of ``batch_size`` (sentence-transformers sorts them by
    length inside ``encode``); longer texts are truncated at the model's max_seq_length.
    With ``progress(done, total)`` the texts are sorted by length here and encoded in
    chunks of 4 batches, reporting texts encoded after each chunk (the same vectors up to
    float rounding: only which texts share a padded batch differs).
    """
    if len(texts) == 0:
        return np.zeros((0, sentence_dim(model)), np.float32)
    texts = list(texts)
    if progress is None:
        v = model.encode(texts, batch_size=batch_size, normalize_embeddings=normalize,
                         convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(v, dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out: np.ndarray | None = None
    chunk = max(1, 4 * batch_size)
    progress(0, len(texts))
    for a in range(0, len(order), chunk):
        idx = order[a:a + chunk]
        v = np.asarray(model.encode([texts[i] for i in idx], batch_size=batch_size,
                                    normalize_embeddings=normalize, convert_to_numpy=True,
                                    show_progress_bar=False), dtype=np.float32)
        if out is None:
            out = np.empty((len(texts), v.shape[1]), np.float32)
        out[idx] = v
        progress(min(a + chunk, len(texts)), len(texts))
    assert out is not None
    return out


def config_dict(config: Doc2VecConfig) -> dict[str, Any]:
    """The config as a plain dict (for summaries and the model's sidecar JSON)."""
    return asdict(config)
