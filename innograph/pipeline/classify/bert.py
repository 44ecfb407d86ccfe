"""``classify train`` and ``classify predict``: BERT_outer / BERT_inner on a store.

- ``training_set`` / ``train``: BERT_inner on the teacher labels, or BERT_outer on teacher
  labels where present and rule labels elsewhere; stratum = IPC section (patents), venue or
  primary arXiv category (papers).
- ``predict``: BERT_outer as a screen (P(AI) < ``screen_threshold`` → non-AI, stage
  ``outer``), BERT_inner for the final label of the rest (stage ``inner``); writes
  ``is_ai``, ``ai_prob``, ``ai_stage``, ``ai_model`` in batches. Resumable: documents whose
  stage and model already match this run are skipped.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, Sequence

import pyarrow as pa

from ...errors import BadInputError
from ...graph import schema
from ...graph.store import Store
from ...models import classify as clf
from ...progress import ProgressFactory
from .documents import (DEFAULT_BATCH_DOCS, STAGE_INNER, STAGE_LABEL, STAGE_OUTER, count_docs,
                        key_of, pages, progress_counter, strata_of)


def training_set(store: Store, stage: str,
                 labels: Sequence[str] = schema.DOCUMENT_LABELS,
                 batch_docs: int = DEFAULT_BATCH_DOCS) -> dict[str, list[Any]]:
    """Texts, labels, strata, ids and label sources for ``stage``.

    inner: documents with a teacher label (``ai_label``). outer: the teacher label where
    present, else the rule label (``ai_rule``), as the paper's outer set mixed Keywords+IPC
    and GPT-4 labels. ``source`` per row: ``label`` or ``rule``.
    """
    if stage not in (STAGE_INNER, STAGE_OUTER):
        raise ValueError(f"stage must be inner or outer, not {stage!r}")
    where = ("d.ai_label IS NOT NULL" if stage == STAGE_INNER
             else "d.ai_label IS NOT NULL OR d.ai_rule IS NOT NULL")
    data: dict[str, list[Any]] = {"ids": [], "texts": [], "labels": [], "strata": [],
                                  "source": [], "kind": []}
    for label in labels:
        cols = ["title", "abstract", "ai_label", "ai_rule"] + (
            ["venue", "categories"] if label == schema.PAPER else [])
        for rows in pages(store, label, cols, where, batch=batch_docs):
            data["strata"].extend(strata_of(store, label, rows))
            for r in rows:
                data["ids"].append(r["id"])
                data["kind"].append(label)
                data["texts"].append(clf.doc_text(r["title"], r["abstract"]))
                has_label = r["ai_label"] is not None
                data["labels"].append(bool(r["ai_label"] if has_label else r["ai_rule"]))
                data["source"].append("label" if has_label else "rule")
    return data


def train(store: Store, stage: str, out_dir: str | os.PathLike,
          base_model: str | os.PathLike | None = None,
          labels: Sequence[str] = schema.DOCUMENT_LABELS, **train_kwargs: Any) -> dict[str, Any]:
    """Build the ``stage`` training set from the store (``training_set``) and fine-tune with
    ``models.classify.train_classifier`` (its keyword options pass through: ``epochs``,
    ``max_length``, ``batch_size``, ``lr``, ``patience``, ``max_rows``, ``device``, ...).

    Returns the test metrics with ``model_dir``, ``version`` and the set's composition.
    """
    data = training_set(store, stage, labels)
    if not data["ids"]:
        hint = ("import teacher labels first: innograph classify import-labels FILE"
                if stage == STAGE_INNER else
                "run the rule first (innograph classify rule) or import labels")
        raise BadInputError(f"no labelled documents for stage {stage}: {hint}")
    res = clf.train_classifier(data["texts"], data["labels"], data["strata"],
                               base_model=base_model, out_dir=out_dir, stage=stage,
                               **train_kwargs)
    res["training_set"] = {"rows": len(data["ids"]), "ai": int(sum(data["labels"])),
                           "from_labels": data["source"].count("label"),
                           "from_rule": data["source"].count("rule"),
                           "strata": len(set(data["strata"]))}
    return res


_NONE = "\x00none"  # a model id no document carries (Cypher parameters cannot be null-compared)
_PENDING = ("d.ai_model IS NULL OR d.ai_stage IS NULL OR d.is_ai IS NULL OR NOT ("
            "(d.ai_stage = $s_outer AND d.ai_model = $m_outer AND ($outer_final OR NOT d.is_ai))"
            " OR (d.ai_stage = $s_inner AND d.ai_model = $m_inner)"
            " OR ($use_labels AND d.ai_stage = $s_label))")


def predict(store: Store, outer_dir: str | os.PathLike | None = None,
            inner_dir: str | os.PathLike | None = None, screen_threshold: float = 0.5,
            threshold: float = 0.5, labels: Sequence[str] = schema.DOCUMENT_LABELS,
            batch_docs: int = 2048, batch_size: int | None = None, device: str | None = None,
            redo: bool = False, use_labels: bool = False, limit: int | None = None,
            progress: ProgressFactory | None = None) -> dict[str, Any]:
    """Final AI labels: ``is_ai``, ``ai_prob``, ``ai_stage``, ``ai_model`` on every document.

    With both models: p_o = P_outer(AI); p_o < ``screen_threshold`` → ``is_ai`` false,
    ``ai_prob`` p_o, stage ``outer``; else p_i = P_inner(AI), ``is_ai`` = p_i ≥
    ``threshold``, ``ai_prob`` p_i, stage ``inner``. With one model, that model labels every
    document (``is_ai`` = p ≥ ``threshold``). ``ai_model`` is the version of the model that
    decided. ``use_labels``: documents with a teacher label take it (stage ``label``,
    ``ai_prob`` 1 or 0, ``ai_model`` the label's source) and no model runs on them.

    Resumable: a document is skipped when its (stage, model) already matches this run
    (an outer-screened document counts as done only if outer still screens it, i.e. it is
    non-AI or outer is the only model); ``redo`` rewrites all. ``limit``: at most this
    many documents per label (for trials). ``progress``: documents done per label
    (``documents.progress_counter``). Returns the model versions and, per label,
    ``{documents, outer, inner, label, ai}`` counts of the documents written.
    """
    if outer_dir is None and inner_dir is None:
        raise BadInputError("predict needs --outer and/or --inner model directories")
    outer = clf.load_classifier(outer_dir, device) if outer_dir else None
    inner = clf.load_classifier(inner_dir, device) if inner_dir else None
    params = {"s_outer": STAGE_OUTER, "s_inner": STAGE_INNER, "s_label": STAGE_LABEL,
              "m_outer": outer.version if outer else _NONE,
              "m_inner": inner.version if inner else _NONE,
              "outer_final": inner is None, "use_labels": bool(use_labels)}
    where = "true" if redo else _PENDING
    if redo:  # Kùzu refuses parameters that the query does not use
        params = {}
    summary: dict[str, Any] = {"outer": outer.version if outer else None,
                               "inner": inner.version if inner else None}
    for label in labels:
        counts = Counter({STAGE_OUTER: 0, STAGE_INNER: 0, STAGE_LABEL: 0, "ai": 0})
        total = count_docs(store, label, where, params)
        total = min(total, limit) if limit else total
        done = 0
        with progress_counter(progress, f"predict {label}", total) as advance:
            for rows in pages(store, label, ("title", "abstract", "ai_label", "ai_label_source"),
                              where, params, batch=batch_docs):
                if limit and done >= limit:
                    break
                rows = rows[: (limit - done) if limit else None]
                res = _predict_rows(rows, outer, inner, screen_threshold, threshold,
                                    batch_size, use_labels)
                store.set_properties(label, pa.table({
                    key_of(label): [r["id"] for r in rows],
                    "is_ai": pa.array(res["is_ai"], pa.bool_()),
                    "ai_prob": pa.array(res["ai_prob"], pa.float64()),
                    "ai_stage": res["ai_stage"], "ai_model": res["ai_model"]}))
                counts.update(res["ai_stage"])
                counts["ai"] += int(sum(res["is_ai"]))
                done += len(rows)
                advance(len(rows))
        summary[label] = {"documents": done, **dict(counts)}
    return summary


def _predict_rows(rows: list[dict[str, Any]], outer: clf.TextClassifier | None,
                  inner: clf.TextClassifier | None, screen: float, threshold: float,
                  batch_size: int, use_labels: bool) -> dict[str, list[Any]]:
    """``is_ai``, ``ai_prob``, ``ai_stage``, ``ai_model`` of one page of rows (see
    ``predict``): teacher labels first (``use_labels``), then outer screens, inner decides."""
    n = len(rows)
    is_ai: list[bool] = [False] * n
    prob: list[float] = [0.0] * n
    stage: list[str] = [""] * n
    model: list[str] = [""] * n
    todo = []
    for i, r in enumerate(rows):
        if use_labels and r["ai_label"] is not None:
            is_ai[i] = bool(r["ai_label"])
            prob[i], stage[i] = float(is_ai[i]), STAGE_LABEL
            model[i] = r["ai_label_source"] or STAGE_LABEL
        else:
            todo.append(i)
    texts = [clf.doc_text(rows[i]["title"], rows[i]["abstract"]) for i in todo]
    to_inner = todo
    if outer is not None and todo:
        p_o = outer.predict_proba(texts, batch_size=batch_size)
        cut = screen if inner is not None else threshold
        to_inner = []
        for j, i in enumerate(todo):
            if inner is not None and p_o[j] >= cut:
                to_inner.append(i)
                continue
            is_ai[i], prob[i] = bool(p_o[j] >= cut), float(p_o[j])
            stage[i], model[i] = STAGE_OUTER, outer.version
    if inner is not None and to_inner:
        pos = {i: j for j, i in enumerate(todo)}
        p_i = inner.predict_proba([texts[pos[i]] for i in to_inner], batch_size=batch_size)
        for j, i in enumerate(to_inner):
            is_ai[i], prob[i] = bool(p_i[j] >= threshold), float(p_i[j])
            stage[i], model[i] = STAGE_INNER, inner.version
    return {"is_ai": is_ai, "ai_prob": prob, "ai_stage": stage, "ai_model": model}
