"""Candidate embeddings cached across batches and runs, and the lookup-or-embed step.

``CandidateCache`` keeps candidate vectors keyed by (model id, candidate text): a memory LRU,
optionally backed by a SQLite file shared by several processes. ``embed_candidates`` looks
every vocabulary entry up and embeds only the missing ones, each once.
"""

from __future__ import annotations

import os
import sqlite3
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from .encoder import EncodeTally, Encoder

__all__ = ["CACHE_FILE", "CandidateCache", "embed_candidates"]

CACHE_FILE = "keyword-candidates.sqlite"


class CandidateCache:
    """Candidate embeddings keyed by (model id, candidate text).

    An in-memory LRU of at most ``max_memory`` vectors, backed, when ``cache_dir`` is
    given, by ``<cache_dir>/keyword-candidates.sqlite`` (table ``emb(model, text, vec)``,
    float32 bytes; shared safely by several processes). Vectors are stored as the model
    produced them, so a cached vector gives the same score as a fresh one.

    Counters: ``hits`` (found in memory or on disk), ``misses`` (had to be embedded).
    """

    def __init__(self, cache_dir: str | os.PathLike | None = None, max_memory: int = 200_000):
        self.max_memory = int(max_memory)
        self._mem: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        if cache_dir is not None:
            d = Path(cache_dir)
            d.mkdir(parents=True, exist_ok=True)
            self.path = d / CACHE_FILE
            self._db = sqlite3.connect(str(self.path), timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT NOT NULL, "
                             "text TEXT NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, text))")
            self._db.commit()

    def get_many(self, model_id: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each text, or ``None``; counts hits."""
        out: list[np.ndarray | None] = [None] * len(texts)
        todo: dict[str, int] = {}
        for i, t in enumerate(texts):
            v = self._mem.get((model_id, t))
            if v is not None:
                self._mem.move_to_end((model_id, t))
                out[i] = v
            else:
                todo[t] = i
        if self._db is not None and todo:
            keys = list(todo)
            for s in range(0, len(keys), 500):
                chunk = keys[s:s + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT text, vec FROM emb WHERE model = ? AND text IN ({marks})",
                    [model_id, *chunk]).fetchall()
                for t, blob in rows:
                    v = np.frombuffer(blob, dtype=np.float32)
                    out[todo[t]] = v
                    self._remember(model_id, t, v)
        found = sum(v is not None for v in out)
        self.hits += found
        return out

    def put_many(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (n, dim) float32 for ``texts``; counts them as misses."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.misses += len(texts)
        for t, v in zip(texts, vectors):
            self._remember(model_id, t, v)
        if self._db is not None and len(texts):
            self._db.executemany(
                "INSERT OR IGNORE INTO emb (model, text, vec) VALUES (?, ?, ?)",
                [(model_id, t, v.tobytes()) for t, v in zip(texts, vectors)])
            self._db.commit()

    def _remember(self, model_id: str, text: str, v: np.ndarray) -> None:
        if self.max_memory <= 0:
            return
        self._mem[(model_id, text)] = v
        if len(self._mem) > self.max_memory:
            self._mem.popitem(last=False)

    def __len__(self) -> int:
        if self._db is None:
            return len(self._mem)
        return int(self._db.execute("SELECT count(*) FROM emb").fetchone()[0])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def embed_candidates(vocab: Sequence[str], encoder: Encoder, cache: CandidateCache,
                     progress: EncodeTally | None = None) -> np.ndarray:
    """Embeddings of every vocabulary entry, (len(vocab), dim) float32: cached ones looked
    up, the rest encoded once (length-sorted batches) and added to the cache."""
    found = cache.get_many(encoder.model_id, vocab)
    missing = [i for i, v in enumerate(found) if v is None]
    if progress is not None:  # the caller counted every entry as work: cached ones are done
        progress.advance(len(vocab) - len(missing))
    fresh = encoder.encode([vocab[i] for i in missing], progress)
    cache.put_many(encoder.model_id, [vocab[i] for i in missing], fresh)
    dim = fresh.shape[1] if len(missing) else (found[0].shape[0] if found else encoder.dim)
    out = np.empty((len(vocab), dim), dtype=np.float32)
    if missing:
        out[missing] = fresh
    for i, v in enumerate(found):
        if v is not None:
            out[i] = v
    return out
