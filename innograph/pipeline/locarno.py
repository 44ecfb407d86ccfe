"""Locarno classification of design patents from their text (issue 10).

The classifier of ``models.classify`` with different labels: a K-way BERT-family model
(``train_multiclass``) over the Locarno class (``"14"``) or class-subclass (``"14-04"``) of
the design patents already in the store (their ``CLASSIFIED_AS`` → ``IPC {scheme:
'locarno'}`` codes, loaded by ``loaders.uspto_xml``).

Text of a patent = title, abstract (designs have none) and, when ``with_captions`` (the
default), its figure captions in figure order — exactly ``pipeline.figure_search.locarno_table``;
training and prediction build it the same way, and the model directory remembers the level
and whether captions were used.

- ``train_locarno(store, out_dir, level, …)``: the training set from ``locarno_table``,
  rare classes per ``min_per_class`` / ``rare`` (``models.classify.prepare_labels``),
  8:1:1 split stratified by class; writes a model directory, returns the test metrics.
- ``predict_locarno(store, model_dir, …)``: writes ``locarno_pred`` (label),
  ``locarno_prob`` (its softmax probability) and ``locarno_model`` (model version) on the
  design patents (a Locarno code or ``kind = 'design'``; ``all_patents`` for every patent
  with text), in batches through ``store.set_properties``. Resumable: patents whose
  ``locarno_model`` is this model's version are skipped; ``redo`` rewrites them.
- ``evaluate_locarno(store, model_dir)``: the model's predictions against the stored
  Locarno codes: accuracy, macro / weighted F1, per-class P/R/F1, top-3, confusion matrix.

Every function returns a plain dict for the CLI.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from ..errors import BadInputError, InnographError, ModelMissingError
from ..graph import queries, schema
from ..graph.store import Store
from ..models import classify as clf
from ..progress import ProgressFactory
from . import figure_search as pf
from .classify.documents import count_docs, pages, progress_counter

__all__ = ["LEVELS", "train_locarno", "load_locarno_model", "predict_locarno",
           "evaluate_locarno", "patent_texts"]

LEVELS = ("class", "subclass")
DEFAULT_BATCH_DOCS = 2048
STAGE_PREFIX = "locarno-"
_P = schema.PATENT
_KEY = schema.node(_P).key
_LOCARNO_LABEL = re.compile(r"^\d{2}(-\d{2})?$")

# the Patent properties this module reads and writes; checked against the schema at import
for _p in ("title", "abstract", "kind", "locarno_pred", "locarno_prob", "locarno_model"):
    schema.node(_P).prop_type(_p)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise BadInputError(f"level must be 'class' or 'subclass', not {level!r}")


# ------------------------------------------------------------------------------ train
def train_locarno(store: Store, out_dir: str | os.PathLike,
                  level: Literal["class", "subclass"] = "class", with_captions: bool = True,
                  min_per_class: int = 2, rare: str = "error",
                  base_model: str | os.PathLike | None = None,
                  **train_options: Any) -> dict[str, Any]:
    """Fine-tune a Locarno classifier on the store's design patents.

    Parameters
    ----------
    store : a store holding patents with Locarno codes (``innograph load uspto-xml``).
    out_dir : model directory to write (``models.classify.train_multiclass``).
    level : ``'class'`` (``"14"``) or ``'subclass'`` (``"14-04"``).
    with_captions : add the figure captions to title + abstract.
    min_per_class, rare : classes with fewer rows than ``min_per_class`` are an error
        (``rare='error'``), merged into ``other`` (``'other'``) or left out (``'drop'``).
    base_model : local Hugging Face folder (default: the offline MiniLM).
    train_options : passed on (``epochs``, ``max_length``, ``batch_size``, ``lr``,
        ``patience``, ``seed``, ``device``, ``max_rows``, ``max_per_class``,
        ``class_weights``, ``monitor``, ``split``, ``log``, …).

    Returns the test metrics (``evaluate_multiclass`` plus ``majority_class`` /
    ``majority_accuracy``, ``version``, ``model_dir``) and ``training_set`` ``{rows,
    classes, level, with_captions}``.
    """
    _check_level(level)
    t = pf.locarno_table(store, level, with_captions)
    if t.num_rows == 0:
        raise BadInputError("no patent with a Locarno code and a text in the store: load "
                            "design patents first (innograph load uspto-xml PATH)")
    labels = t.column("label").to_pylist()
    res = clf.train_multiclass(
        t.column("text").to_pylist(), labels, ids=t.column("id").to_pylist(),
        base_model=base_model, out_dir=out_dir, stage=f"{STAGE_PREFIX}{level}",
        min_per_class=min_per_class, rare=rare,
        extra_meta={"locarno": {"level": level, "with_captions": bool(with_captions)}},
        **train_options)
    res["training_set"] = {"rows": t.num_rows, "classes": len(set(labels)), "level": level,
                           "with_captions": bool(with_captions)}
    return res


# ---------------------------------------------------------------------------- model
def load_locarno_model(model_dir: str | os.PathLike,
                       device: str | None = None) -> tuple[clf.TextClassifier, dict[str, Any]]:
    """The classifier at ``model_dir`` and its Locarno settings ``{level, with_captions,
    merged, other}``.

    Accepted: a directory written by ``train_locarno`` (``classifier.json`` ``locarno``
    block), or any classification folder whose labels all read as Locarno classes
    (``'14'``, ``'14-04'``; ``other`` allowed), level inferred from them, captions on.
    Anything else (an AI / non-AI model, say) raises ``ModelMissingError`` naming its labels.
    """
    path = Path(model_dir)
    if not (path / "config.json").is_file():
        raise ModelMissingError(f"no trained classifier at {path}: train one with `innograph "
                                "classify locarno train --out DIR`, or give its directory")
    m = clf.load_classifier(path, device)
    info = m.meta.get("locarno")
    other = (m.meta.get("classes") or {}).get("other", "other")
    if not isinstance(info, dict):
        real = [x for x in m.labels if x != other]
        if not real or not all(_LOCARNO_LABEL.match(x) for x in real):
            shown = ", ".join(m.labels[:6]) + (", …" if len(m.labels) > 6 else "")
            raise ModelMissingError(
                f"{path} is not a Locarno classifier (stage {m.stage or 'unknown'!r}, classes "
                f"{shown}): train one with `innograph classify locarno train --out DIR`")
        info = {"level": "subclass" if any("-" in x for x in real) else "class",
                "with_captions": True}
    settings = {"level": info.get("level", "class"),
                "with_captions": bool(info.get("with_captions", True)),
                "merged": list((m.meta.get("classes") or {}).get("merged") or []),
                "other": other}
    _check_level(settings["level"])
    return m, settings


# -------------------------------------------------------------------------- predict
def patent_texts(title: str | None, abstract: str | None, captions: list[str]) -> str:
    """Title, abstract and captions joined with spaces, empty parts left out (the text of
    ``pipeline.figure_search.locarno_table``)."""
    return " ".join(x for x in (title, abstract, *captions) if x)


def _where(all_patents: bool, redo: bool) -> tuple[str, dict[str, Any]]:
    parts, params = [], {}
    if not all_patents:
        parts.append(queries.LOCARNO_SCOPE)
        params.update({"scheme": schema.SCHEME_LOCARNO, "design": "design"})
    if not redo:
        parts.append(queries.LOCARNO_PENDING)
    return " AND ".join(parts) or "true", params


def _captions(store: Store, ids: list[str]) -> dict[str, list[str]]:
    """Figure captions per patent id, in figure order (number, then figure id)."""
    t = store.read_table(*queries.figure_captions(ids))
    out: dict[str, list[str]] = {}
    for r in t.to_pylist():
        if r["caption"]:
            out.setdefault(r["id"], []).append(r["caption"])
    return out


def predict_locarno(store: Store, model_dir: str | os.PathLike, batch: int = DEFAULT_BATCH_DOCS,
                    batch_size: int | None = None, redo: bool = False, all_patents: bool = False,
                    device: str | None = None, limit: int | None = None,
                    progress: ProgressFactory | None = None) -> dict[str, Any]:
    """Predict the Locarno label of the design patents and write it on their Patent nodes.

    Writes ``locarno_pred`` (arg max label), ``locarno_prob`` (its softmax probability,
    DOUBLE) and ``locarno_model`` (the model version) with ``store.set_properties``, one
    write per ``batch`` patents. Patents: those with a Locarno code or ``kind = 'design'``
    (``all_patents``: every patent); a patent with no text (no title, abstract nor
    captions) is not written. Resumable: a patent whose ``locarno_model`` equals this
    model's version is skipped, so a killed run continues where it stopped and a second
    run writes nothing; ``redo`` rewrites all. ``limit``: at most this many patents.
    ``progress``: patents done (``pipeline.classify.documents.progress_counter``).

    Returns ``{model, level, with_captions, patents: written, no_text, labels: {label:
    count written}, mean_prob}``.
    """
    if batch < 1 or (batch_size is not None and batch_size < 1):
        raise BadInputError("batch and batch_size must be positive")
    model, settings = load_locarno_model(model_dir, device)
    where, params = _where(all_patents, redo)
    if not redo:
        params["model"] = model.version
    total = count_docs(store, _P, where, params)
    total = min(total, limit) if limit else total
    counts: Counter[str] = Counter()
    done, no_text, prob_sum = 0, 0, 0.0
    with progress_counter(progress, "predict Locarno", total) as advance:
        for rows in pages(store, _P, ("title", "abstract"), where, params, batch):
            if limit and done + no_text >= limit:
                break
            rows = rows[: (limit - done - no_text) if limit else None]
            ids = [r["id"] for r in rows]
            caps = _captions(store, ids) if settings["with_captions"] else {}
            texts = [patent_texts(r["title"], r["abstract"], caps.get(r["id"], []))
                     for r in rows]
            has = [i for i, t in enumerate(texts) if t]
            no_text += len(rows) - len(has)
            if has:
                labels, prob, _ = model.predict_labels([texts[i] for i in has],
                                                       batch_size=batch_size)
                store.set_properties(_P, pa.table({
                    _KEY: pa.array([ids[i] for i in has], pa.string()),
                    "locarno_pred": pa.array(labels, pa.string()),
                    "locarno_prob": pa.array(prob, pa.float64()),
                    "locarno_model": pa.array([model.version] * len(has), pa.string())}))
                counts.update(labels)
                prob_sum += float(np.sum(prob))
                done += len(has)
            advance(len(rows))
    return {"model": model.version, "level": settings["level"],
            "with_captions": settings["with_captions"], "patents": done, "no_text": no_text,
            "labels": dict(sorted(counts.items())),
            "mean_prob": prob_sum / done if done else None}


# ------------------------------------------------------------------------- evaluate
def evaluate_locarno(store: Store, model_dir: str | os.PathLike, batch_size: int | None = None,
                     device: str | None = None, k: int = 3,
                     png: str | os.PathLike | None = None) -> dict[str, Any]:
    """The classifier at ``model_dir`` against the Locarno codes stored on the patents.

    Every patent with a Locarno code and text (``locarno_table`` at the model's level and
    caption setting) is predicted and compared with its code; classes the model merged
    into ``other`` at training count as ``other``; true classes the model never saw count
    as errors (listed in ``unknown_labels``). Note that patents the model was trained on
    are included when the store is the training store: for held-out figures use the
    ``metrics.json`` of the model directory, or a store of other patents.

    Returns ``evaluate_multiclass``'s dict (``accuracy``, ``macro_f1``, ``weighted_f1``,
    ``top{k}_accuracy``, ``per_class``, ``confusion``) plus ``model``, ``level``,
    ``majority_class`` / ``majority_accuracy`` (of these patents' own labels),
    ``unknown_labels`` and, with ``png``, the confusion-matrix image path.
    """
    model, settings = load_locarno_model(model_dir, device)
    t = pf.locarno_table(store, settings["level"], settings["with_captions"])
    if t.num_rows == 0:
        raise InnographError("no patent with a Locarno code and a text in the store: load "
                             "design patents first (innograph load uspto-xml PATH)")
    merged = set(settings["merged"])
    truth = [settings["other"] if x in merged else x for x in t.column("label").to_pylist()]
    _, _, probs = model.predict_labels(t.column("text").to_pylist(), batch_size=batch_size)
    m = clf.evaluate_multiclass(truth, probs, model.labels, k)
    top, top_n = Counter(truth).most_common(1)[0]
    m.update({"model": model.version, "level": settings["level"],
              "with_captions": settings["with_captions"],
              "majority_class": top, "majority_accuracy": top_n / len(truth),
              "unknown_labels": sorted(set(truth) - set(model.labels))})
    if png:
        m["png"] = str(clf.plot_confusion(m, png))
    return m
