"""Figure search: text → patent-drawing retrieval and its recall, vectors in, rankings and
R@k out. ("Figures" here are the drawings of design patents, ``Figure`` nodes; plots of the
analyses live in ``innograph.analysis``.)

Pure functions on numpy arrays (no store), plus two small encoders:
``load_text_encoder`` (the offline MiniLM sentence-transformer, or any local
sentence-transformers path) and ``encode_images`` for the optional CLIP path.

Scores are cosine similarities, cos(q, g) = q·g / (‖q‖‖g‖), in [−1, 1].

Evaluation protocol (after IMPACT, Shomee et al. 2024, text → image retrieval by R@1/5/10),
text-only unless a CLIP model is given; the gallery is always the set of *patents*:

- ``caption`` queries: each figure caption is a query; a patent's gallery score is
  cos(caption, patent text), patent text = title (+ abstract where present); with CLIP the
  score is max over the patent's figure images of cos(text, image).
- ``title`` queries: each patent title is a query; a patent's gallery score is the max over
  its figures of cos(title, caption) (CLIP: of cos(title, image)).
- rank of the true patent = #{patents g : s(q, g) ≥ s(q, true)} (ties count against the
  query: identical titles in the gallery are not resolved in its favour);
  R@k = (1/|Q|) Σ_q [rank_q ≤ k]. Chance level is k / n_patents.

IMPACT ranks individual images (one positive per query); we rank patents, because without
images the figure side of a patent is its captions. The two are the same when each patent
contributes one gallery item.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .. import runtime
from ..errors import ModelMissingError
from .vectors import unit_rows

__all__ = [
    "l2_normalize", "rank_captions", "group_max", "truth_ranks", "patent_ranks",
    "recall_at_k", "recall_report", "load_text_encoder", "encode_texts", "encode_images",
    "DEFAULT_KS",
]

DEFAULT_KS = (1, 5, 10)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32; zero rows stay zero: (n, d) → (n, d), and a
    single vector (d,) → (1, d). ``models.vectors.unit_rows`` (sklearn's ``normalize``) in
    float32, a 1-d query taken as one row."""
    return unit_rows(np.atleast_2d(np.asarray(x, dtype=np.float32)))


def rank_captions(query_vecs: np.ndarray, caption_vecs: np.ndarray,
                  k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` captions per query by cosine similarity (exact).

    Parameters
    ----------
    query_vecs : (n_queries, d) or (d,) float
    caption_vecs : (n_captions, d) float
    k : how many to return; clipped to n_captions.

    Returns
    -------
    indices : (n_queries, k') int64, best first (ties broken by lower caption index)
    scores : (n_queries, k') float32 cosines.  k' = min(k, n_captions); with no captions
    both arrays have zero columns.
    """
    q = l2_normalize(query_vecs)
    c = l2_normalize(caption_vecs) if len(caption_vecs) else np.zeros((0, q.shape[1]), np.float32)
    kk = max(0, min(int(k), c.shape[0]))
    if kk == 0:
        return np.zeros((q.shape[0], 0), np.int64), np.zeros((q.shape[0], 0), np.float32)
    s = q @ c.T
    # stable sort on -s: equal scores keep caption order
    idx = np.argsort(-s, axis=1, kind="stable")[:, :kk]
    return idx.astype(np.int64), np.take_along_axis(s, idx, axis=1)


def group_max(scores: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per query, the max score over the items of each group.

    ``scores`` (n_queries, n_items); ``groups`` (n_items,) ints in [0, n_groups).
    Returns (n_queries, n_groups) with ``-inf`` for groups that have no items.
    """
    scores = np.asarray(scores, dtype=np.float32)
    groups = np.asarray(groups, dtype=np.int64)
    out = np.full((scores.shape[0], n_groups), -np.inf, dtype=np.float32)
    if scores.shape[1] == 0:
        return out
    order = np.argsort(groups, kind="stable")
    g_sorted = groups[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    out[:, g_sorted[starts]] = np.maximum.reduceat(scores[:, order], starts, axis=1)
    return out


def truth_ranks(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """1-based rank of the true gallery item per query, ties counted against the query.

    rank_q = #{g : scores[q, g] ≥ scores[q, truth_q]}. A true item scored ``-inf`` (no
    evidence) gets the worst rank, n_gallery. Shapes: (n_q, n_g), (n_q,) → (n_q,) int64.
    """
    scores = np.asarray(scores)
    truth = np.asarray(truth, dtype=np.int64)
    t = scores[np.arange(len(truth)), truth][:, None]
    return (scores >= t).sum(axis=1).astype(np.int64)


def patent_ranks(query_vecs: np.ndarray, item_vecs: np.ndarray, item_group: np.ndarray,
                 truth: np.ndarray, n_groups: int, block: int = 2048) -> np.ndarray:
    """Rank of each query's true patent when patents are scored by their best item.

    s(q, g) = max_{i : item_group[i] = g} cos(q, item_i); ranks as in ``truth_ranks``.
    With one item per patent (``item_group = arange``) this is plain cosine ranking.
    Queries are processed in blocks of ``block`` so memory stays at block × n_items.

    Shapes: query_vecs (n_q, d), item_vecs (n_items, d), item_group (n_items,),
    truth (n_q,) → (n_q,) int64 ranks in [1, n_groups].
    """
    q = l2_normalize(query_vecs)
    items = l2_normalize(item_vecs)
    item_group = np.asarray(item_group, dtype=np.int64)
    truth = np.asarray(truth, dtype=np.int64)
    out = np.empty(len(q), dtype=np.int64)
    identity = len(item_group) == n_groups and np.array_equal(item_group, np.arange(n_groups))
    for s in range(0, len(q), block):
        sc = q[s:s + block] @ items.T
        if not identity:
            sc = group_max(sc, item_group, n_groups)
        out[s:s + block] = truth_ranks(sc, truth[s:s + block])
    return out


def recall_at_k(ranks: np.ndarray | Sequence[int], k: int) -> float:
    """R@k = fraction of queries whose true item has rank ≤ k; ``nan`` with no queries."""
    r = np.asarray(ranks)
    if r.size == 0:
        return float("nan")
    return float((r <= k).mean())


def recall_report(ranks: np.ndarray, n_gallery: int,
                  ks: Iterable[int] = DEFAULT_KS) -> dict[str, float]:
    """``{"R@1": …, "R@5": …, "R@10": …, "chance@1": k/n, …, "median_rank": …}``."""
    ranks = np.asarray(ranks)
    out: dict[str, float] = {}
    for k in ks:
        out[f"R@{k}"] = recall_at_k(ranks, k)
    for k in ks:
        out[f"chance@{k}"] = min(1.0, k / n_gallery) if n_gallery else float("nan")
    out["median_rank"] = float(np.median(ranks)) if ranks.size else float("nan")
    return out


# ------------------------------------------------------------------ encoders
def load_text_encoder(model_path: str | os.PathLike | None = None,
                      device: str | None = None) -> Any:
    """A local sentence-transformers model; default the packaged all-MiniLM-L6-v2.

    Never downloads (``runtime.offline``). ``model_path`` may be any local
    sentence-transformers folder, a CLIP one included (it encodes texts and images).
    ``device``: ``runtime.resolve_device`` (None → CUDA when available, else the CPU; an
    explicit CUDA device without CUDA raises ``DeviceUnavailableError``).
    Raises ``ModelMissingError`` when the path does not exist.
    """
    runtime.offline()
    path = Path(model_path) if model_path is not None else runtime.default_model_path()
    if not path.exists():
        raise ModelMissingError(
            f"no model at {path}: give a local sentence-transformers folder (nothing is "
            "downloaded)")
    return _load(str(path.resolve()), str(runtime.resolve_device(device)))


@functools.lru_cache(maxsize=2)
def _load(path: str, device: str) -> Any:
    """One loaded model per (path, device) per process: searches reuse it."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device=device)
    limit = _position_limit(model)
    if limit and (model.max_seq_length is None or model.max_seq_length > limit):
        model.max_seq_length = limit  # CLIP text towers take 77 tokens: truncate, not fail
    return model


def _position_limit(model: Any) -> int | None:
    """The text tower's max_position_embeddings, when the first module exposes a config."""
    first = model[0] if len(model) else None
    inner = getattr(first, "auto_model", None) or getattr(first, "model", None)
    cfg = getattr(inner, "config", None)
    cfg = getattr(cfg, "text_config", None) or cfg
    limit = getattr(cfg, "max_position_embeddings", None)
    return int(limit) if isinstance(limit, int) and limit > 0 else None


def encode_texts(model: Any, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
    """(n, d) float32 L2-normalised embeddings of ``texts``; (0, d) for no texts."""
    if len(texts) == 0:
        dim = model.get_sentence_embedding_dimension() or 0
        return np.zeros((0, dim), np.float32)
    v = model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                     normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(v, dtype=np.float32)


def encode_images(model: Any, paths: Sequence[str | os.PathLike],
                  batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """CLIP image embeddings of the readable image files among ``paths``.

    Returns (vectors (m, d) float32 L2-normalised, found (len(paths),) bool). Files that
    are missing or unreadable are skipped (``found`` False). TIFF drawing sheets are
    converted to RGB. Needs a sentence-transformers CLIP model (``clip-ViT-B-32`` style).
    """
    from PIL import Image

    found = np.zeros(len(paths), dtype=bool)
    vecs: list[np.ndarray] = []
    batch: list[Any] = []

    def flush() -> None:
        if batch:
            v = model.encode(batch, batch_size=batch_size, convert_to_numpy=True,
                             normalize_embeddings=True, show_progress_bar=False)
            vecs.append(np.asarray(v, np.float32))
            batch.clear()

    for i, p in enumerate(paths):
        try:
            with Image.open(p) as im:
                batch.append(im.convert("RGB"))
            found[i] = True
        except (OSError, ValueError):
            continue
        if len(batch) >= batch_size:
            flush()
    flush()
    if not vecs:
        return np.zeros((0, 0), np.float32), found
    return np.concatenate(vecs), found
