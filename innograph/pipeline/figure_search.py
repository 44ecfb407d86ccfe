"""Figure search (patent drawings), caption → patent retrieval scores, and Locarno labels,
over a store.

Reads Patent and Figure nodes (``Patent-[:HAS_FIGURE]->Figure``, written by the ingest of
``loaders.uspto_xml`` documents), calls the pure functions of ``models.figure_search`` and
returns plain dicts for the CLI. Nothing is written back. The ``model`` of a result is
``runtime.model_id`` of the encoder's folder (``all-MiniLM-L6-v2`` by default).

- ``search_figures(store, text, k)`` — rank figures by cos(query, caption) with the offline
  MiniLM sentence-transformer (or any local sentence-transformers ``model_path``); with
  ``clip_path`` and ``image_dir``, by cos(CLIP text(query), CLIP image(figure file)).
  Exact search: captions are embedded at query time (fine for thousands of figures; see
  ``benchmarks/bench_figures.py`` for the rate).
- ``evaluate_retrieval(store, query='caption'|'title')`` — R@1/5/10 over the patents that
  have figures, protocol in ``models.figure_search``.
- ``locarno_table`` / ``locarno_labels`` — (text, Locarno label) pairs for the classifier of
  ``models.classify`` (issue 10: same models, different labels).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Literal

import numpy as np
import pyarrow as pa

from .. import runtime
from ..errors import BadInputError, InnographError
from ..graph import queries, schema
from ..graph.store import Store
from ..models import figure_search as fm


def figure_rows(store: Store) -> list[dict[str, Any]]:
    """Every (patent, figure) pair: patent_id, title, abstract, figure_id, number, caption,
    file; ordered by patent id then figure number."""
    return store.read_table(*queries.figures_with_patents()).to_pylist()


def _no_figures() -> InnographError:
    return InnographError("no Figure nodes in the store: load design patents first "
                          "(innograph load uspto-xml PATH)")


def _image_paths(rows: list[dict[str, Any]], image_dir: str | os.PathLike | None) -> list[str]:
    if image_dir is None:
        raise BadInputError("--clip ranks figure images: give --images DIR, the folder that "
                            "holds the drawing files named in Figure.file")
    d = Path(image_dir)
    if not d.is_dir():
        raise BadInputError("no such image folder", file=str(d))
    return [str(d / r["file"]) if r.get("file") else "" for r in rows]


_CAPTION_CACHE: dict[tuple[int, int], tuple[Any, np.ndarray]] = {}


def _caption_vectors(model: Any, rows: list[dict[str, Any]]) -> np.ndarray:
    """Embeddings of ``rows``' captions, reused within a process while the model and the
    figures are unchanged (the cache holds the model, so its ``id`` stays unique)."""
    key = (id(model), hash(tuple((r["figure_id"], r["caption"]) for r in rows)))
    if key not in _CAPTION_CACHE:
        _CAPTION_CACHE.clear()
        _CAPTION_CACHE[key] = (model, fm.encode_texts(model, [r["caption"] for r in rows]))
    return _CAPTION_CACHE[key][1]


def search_figures(store: Store, text: str, k: int = 10,
                   model_path: str | os.PathLike | None = None,
                   clip_path: str | os.PathLike | None = None,
                   image_dir: str | os.PathLike | None = None,
                   device: str | None = None) -> dict[str, Any]:
    """The ``k`` figures most similar to ``text``.

    Text path (default): score = cos(e(text), e(caption)), e = the sentence-transformer at
    ``model_path`` (default the packaged all-MiniLM-L6-v2). CLIP path (``clip_path``, a local
    sentence-transformers CLIP folder, and ``image_dir``): score = cos(clip_text(text),
    clip_image(image_dir / Figure.file)); figures without a readable file are left out.

    Returns ``{"query", "method": "caption"|"clip", "model", "figures": n searched,
    "results": [{"rank", "score", "figure_id", "patent_id", "number", "caption", "file",
    "title"}]}`` best first; ``score`` is the raw cosine in [−1, 1].
    """
    if not text or not text.strip():
        raise BadInputError("the search text is empty")
    rows = figure_rows(store)
    if not rows:
        raise _no_figures()
    if clip_path:
        paths = _image_paths(rows, image_dir)
        model = fm.load_text_encoder(clip_path, device)
        vecs, found = fm.encode_images(model, paths)
        rows = [r for r, ok in zip(rows, found) if ok]
        method, name = "clip", runtime.model_id(clip_path)
    else:
        rows = [r for r in rows if r.get("caption")]
        model = fm.load_text_encoder(model_path, device)
        vecs = _caption_vectors(model, rows)
        method, name = "caption", runtime.model_id(model_path)
    q = fm.encode_texts(model, [text])
    idx, scores = fm.rank_captions(q, vecs, k)
    results = []
    for rank, (i, s) in enumerate(zip(idx[0], scores[0]), 1):
        r = rows[int(i)]
        results.append({"rank": rank, "score": float(s), "figure_id": r["figure_id"],
                        "patent_id": r["patent_id"], "number": r["number"],
                        "caption": r["caption"], "file": r["file"], "title": r["title"]})
    return {"query": text, "method": method, "model": name, "figures": len(rows),
            "results": results}


def _patent_text(r: dict[str, Any]) -> str:
    return " ".join(x for x in (r.get("title"), r.get("abstract")) if x)


def evaluate_retrieval(store: Store, query: Literal["caption", "title"] = "caption",
                       model_path: str | os.PathLike | None = None,
                       clip_path: str | os.PathLike | None = None,
                       image_dir: str | os.PathLike | None = None,
                       ks: Iterable[int] = fm.DEFAULT_KS,
                       device: str | None = None) -> dict[str, Any]:
    """R@k of patent retrieval from captions or titles over the patents that have figures.

    Gallery: the patents with at least one Figure (with CLIP: at least one readable image
    in ``image_dir``). ``query='caption'``: every non-empty caption is a query; patents are
    scored by cos(caption, title + abstract) (text) or by the max over their figure images
    (``clip_path`` + ``image_dir``). ``query='title'``: every patent title is a query;
    patents are scored by the max over their figures of cos(title, caption) (text) or
    cos(title, image) (CLIP). Rank of the true patent counts ties against the query; see
    ``models.figure_search`` for the formulas. The max over figures favours patents with many
    figures; chance levels in the result assume a uniform draw.

    Returns ``{"query", "method", "model", "queries", "patents", "R@1", "R@5", "R@10",
    "chance@1", …, "median_rank"}``.
    """
    if query not in ("caption", "title"):
        raise BadInputError(f"query must be 'caption' or 'title', not {query!r}")
    rows = figure_rows(store)
    if not rows:
        raise _no_figures()
    enc = fm.load_text_encoder(clip_path or model_path, device)
    img_rows: list[dict[str, Any]] = []
    if clip_path:  # figure side = images; gallery = patents with a readable image
        vecs, found = fm.encode_images(enc, _image_paths(rows, image_dir))
        img_rows = [r for r, ok in zip(rows, found) if ok]
        if not img_rows:
            raise BadInputError("none of the Figure.file images could be read", file=str(image_dir))
        with_image = {r["patent_id"] for r in img_rows}
        rows = [r for r in rows if r["patent_id"] in with_image]
    patents: dict[str, dict[str, Any]] = {}
    for r in rows:
        patents.setdefault(r["patent_id"], r)
    pids = list(patents)
    pindex = {p: i for i, p in enumerate(pids)}

    if clip_path:
        items = vecs
        groups = np.array([pindex[r["patent_id"]] for r in img_rows], dtype=np.int64)
        method, name = "clip", runtime.model_id(clip_path)
    elif query == "caption":  # figure captions → patent texts
        items = fm.encode_texts(enc, [_patent_text(patents[p]) for p in pids])
        groups = np.arange(len(pids))
        method, name = "text", runtime.model_id(model_path)
    else:  # titles → patents' captions
        cap_rows = [r for r in rows if r.get("caption")]
        items = _caption_vectors(enc, cap_rows)
        groups = np.array([pindex[r["patent_id"]] for r in cap_rows], dtype=np.int64)
        method, name = "text", runtime.model_id(model_path)

    if query == "caption":
        cap_rows = [r for r in rows if r.get("caption")]
        qrows = [(r["caption"], pindex[r["patent_id"]]) for r in cap_rows]
    else:
        qrows = [(patents[p]["title"], pindex[p]) for p in pids if patents[p].get("title")]
    truth = np.array([g for _, g in qrows], dtype=np.int64)
    if len(items) == 0 or not qrows:
        ranks = np.full(len(qrows), len(pids), dtype=np.int64)
    else:
        qvecs = (_caption_vectors(enc, cap_rows) if query == "caption"
                 else fm.encode_texts(enc, [t for t, _ in qrows]))
        ranks = fm.patent_ranks(qvecs, items, groups, truth, len(pids))
    out: dict[str, Any] = {"query": query, "method": method, "model": name,
                           "queries": len(qrows), "patents": len(pids)}
    out.update(fm.recall_report(ranks, len(pids), ks))
    return out


# ------------------------------------------------------------------ Locarno labels
def locarno_table(store: Store, level: Literal["class", "subclass"] = "class",
                  with_captions: bool = True) -> pa.Table:
    """One row per patent with a Locarno code: ``id``, ``text``, ``label``.

    ``text`` = title (+ abstract) (+ the patent's figure captions, in figure order, when
    ``with_captions``); ``label`` = the Locarno class (``"14"``, level ``'class'``) or
    class-subclass (``"14-04"``, level ``'subclass'``); a patent with several Locarno codes
    takes the smallest. Patents with no text are left out. Ordered by id.
    """
    if level not in ("class", "subclass"):
        raise BadInputError(f"level must be 'class' or 'subclass', not {level!r}")
    rows = store.read_table(*queries.patents_with_codes(schema.SCHEME_LOCARNO)).to_pylist()
    captions: dict[str, list[str]] = {}
    if with_captions:
        for r in figure_rows(store):
            if r.get("caption"):
                captions.setdefault(r["patent_id"], []).append(r["caption"])
    ids, texts, labels = [], [], []
    seen: set[str] = set()
    for r in rows:
        if r["id"] in seen:
            continue
        seen.add(r["id"])
        text = " ".join(x for x in [_patent_text(r), *captions.get(r["id"], [])] if x)
        if not text:
            continue
        code = str(r["code"])
        ids.append(r["id"])
        texts.append(text)
        labels.append(code.split("-")[0] if level == "class" else code)
    return pa.table({"id": pa.array(ids, pa.string()), "text": pa.array(texts, pa.string()),
                     "label": pa.array(labels, pa.string())})


def locarno_labels(store: Store, level: Literal["class", "subclass"] = "class",
                   with_captions: bool = True) -> tuple[list[str], list[str]]:
    """``(texts, labels)`` of the design patents, ready for
    ``models.classify.train_classifier(texts, labels, …)``; see ``locarno_table``."""
    t = locarno_table(store, level, with_captions)
    return t.column("text").to_pylist(), t.column("label").to_pylist()
