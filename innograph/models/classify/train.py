"""Training the classifiers: BERT_outer / BERT_inner (AI / non-AI) and any N-class text
classifier (Locarno classes, arXiv categories), each saved as a model directory.

``train_classifier`` (docs/method.md §2, after the DeepInnovationAI paper): teacher labels,
balanced classes for the inner stage, an 8:1:1 split stratified by stratum (IPC section,
venue, category), the shared fine-tuning loop (``finetune.fine_tune``), test-split metrics
(``metrics.evaluate``) and a PR curve. ``train_multiclass``: the same loop with a K-way head,
the rare-class policy of ``splits.prepare_labels`` and ``metrics.evaluate_multiclass``.

The base model defaults to the offline all-MiniLM-L6-v2 (``innograph.runtime``); its
provenance name (``runtime.model_id``) goes into the version ``<stage>-<base>-<sha10>``.
"""

from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ...errors import BadInputError
from ...progress import Progress
from ...runtime import default_model_path, model_id
from .bert import CONFUSION_PNG, LABEL_NAMES, METRICS, MODEL_META, PR_PNG, TEST_PREDICTIONS
from .finetune import (Fitted, TrainConfig, fine_tune, monitor_score, save_model,
                       software_versions)
from .inputs import parse_label
from .metrics import (evaluate, evaluate_multiclass, log_loss_binary, log_loss_multiclass, p_ai,
                      softmax)
from .plots import plot_confusion, plot_pr_curves
from .predict import cached_classifier
from .splits import (balance_classes, prepare_labels, stratified_split, subsample_binary,
                     subsample_classes)

__all__ = ["train_classifier", "train_multiclass"]


def train_classifier(texts: Sequence[str], labels: Sequence[Any],
                     strata: Sequence[Any] | None = None,
                     base_model: str | os.PathLike | None = None,
                     out_dir: str | os.PathLike = "ai-classifier", stage: str = "inner",
                     max_length: int = TrainConfig.max_length, epochs: int = TrainConfig.epochs,
                     lr: float = TrainConfig.lr, weight_decay: float = TrainConfig.weight_decay,
                     batch_size: int = TrainConfig.batch_size,
                     patience: int = TrainConfig.patience, seed: int = TrainConfig.seed,
                     device: str | None = None, balance: bool | None = None,
                     max_rows: int | None = None, warmup_ratio: float = TrainConfig.warmup_ratio,
                     monitor: str = TrainConfig.monitor, amp: bool | None = None,
                     split: tuple[float, float, float] = TrainConfig.split,
                     eval_batch_size: int = TrainConfig.eval_batch_size,
                     log: Callable[[dict[str, Any]], None] | None = None,
                     splits: Sequence[str] | None = None,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Fine-tune a BERT-family classifier (AI = class 1) and save it as a model directory.

    Parameters
    ----------
    texts : n documents (title + abstract, ``doc_text``).
    labels : n teacher labels (bool, 0/1 or text accepted by ``parse_label``).
    strata : n stratum names for the split (IPC section for patents; venue / category for
        papers); None: stratified by label only.
    base_model : local Hugging Face model folder (a sentence-transformers folder such as the
        default offline MiniLM works: its BERT weights load and a new 2-way head is added;
        ``bert-base-uncased`` as in the paper works the same). Never downloaded.
    stage : ``'inner'`` (default ``balance=True``) or ``'outer'`` (``balance=False``).
    balance : downsample the larger class to the smaller (``balance_classes``).
    max_rows : after balancing, keep at most this many rows (label ratio kept).
    split : train / validation / test fractions (``stratified_split``), default 8:1:1.
    monitor : validation figure whose strict gain saves the best epoch and resets patience
        (``accuracy``, the paper's; or ``auprc``, ``loss``).
    amp : mixed precision; default on CUDA only (bfloat16, or float16 with loss scaling).
    log : called with each epoch's log record.
    splits : n of ``train`` / ``validation`` / ``test``: a split made beforehand (e.g. the
        consensus set of ``models.classify.consensus``, already balanced); then no balancing,
        ``max_rows`` or re-splitting happens.
    progress : ``(done, total)`` training examples seen, after each batch (see
        ``finetune.fine_tune``).

    Training: AdamW (no decay on biases and LayerNorm weights), linear schedule from ``lr``
    to 0 after ``warmup_ratio`` of the steps, gradient clipping at 1.0, length-grouped
    shuffled batches with dynamic padding. After at most ``epochs`` epochs, or ``patience``
    epochs without validation gain, the best epoch's weights are restored and scored on the
    test split. The loop is shared with ``train_multiclass``.

    Writes ``out_dir``: ``config.json``, ``model.safetensors``, tokenizer files,
    ``training_log.jsonl`` (one JSON line per epoch, written as it goes),
    ``metrics.json`` (``evaluate`` on the test split, with ``split``/``best_epoch``),
    ``classifier.json`` (stage, version, base model, sizes, settings) and ``pr_curve.png``.

    Returns the metrics dict plus ``model_dir`` and ``version``.
    """
    if stage not in ("inner", "outer"):
        raise ValueError(f"stage must be 'inner' or 'outer', not {stage!r}")
    if monitor not in ("accuracy", "auprc", "loss"):
        raise ValueError(f"monitor must be accuracy, auprc or loss, not {monitor!r}")
    texts = list(texts)
    y_all = np.array([parse_label(v) for v in labels], dtype=bool)
    if len(texts) != y_all.size:
        raise ValueError(f"{len(texts)} texts but {y_all.size} labels")
    st_all = list(strata) if strata is not None else [None] * len(texts)
    if len(st_all) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(st_all)} strata")
    if y_all.all() or not y_all.any():
        raise BadInputError(f"training needs both classes; got {int(y_all.sum())} AI and "
                            f"{int((~y_all).sum())} non-AI rows")
    cfg = TrainConfig(stage=stage, max_length=max_length, epochs=epochs, lr=lr,
                      weight_decay=weight_decay, batch_size=batch_size, patience=patience,
                      warmup_ratio=warmup_ratio, seed=seed,
                      balance=(stage == "inner") if balance is None else balance,
                      max_rows=max_rows, split=tuple(split),  # type: ignore[arg-type]
                      monitor=monitor, amp=amp,
                      eval_batch_size=eval_batch_size)

    if splits is not None:
        sp_all = np.asarray([str(v) for v in splits], dtype=object)
        if sp_all.size != y_all.size:
            raise ValueError(f"{y_all.size} labels but {sp_all.size} splits")
        odd = sorted(set(sp_all.tolist()) - {"train", "validation", "test"})
        if odd:
            raise BadInputError(f"splits must be train, validation or test, not {odd}")
        cfg.balance, cfg.max_rows = False, None
        keep = np.arange(y_all.size)
        y = y_all
        tr, va, te = (np.flatnonzero(sp_all == k) for k in ("train", "validation", "test"))
    else:
        keep = balance_classes(y_all, seed) if cfg.balance else np.arange(y_all.size)
        if cfg.max_rows and keep.size > cfg.max_rows:
            keep = keep[subsample_binary(y_all[keep], cfg.max_rows, seed)]
        y = y_all[keep]
        strata_kept = [st_all[i] for i in keep]
        tr, va, te = stratified_split(y, strata_kept, cfg.split, seed)
    if tr.size == 0 or va.size == 0:
        raise BadInputError(f"too few rows to train ({keep.size} after balancing): need "
                            "training and validation rows")

    def validate(z: np.ndarray) -> tuple[float, dict[str, Any]]:
        p_val = p_ai(z)
        m_val = evaluate(y[va], p_val)
        val_loss = log_loss_binary(y[va], p_val)
        return monitor_score(m_val, val_loss, cfg.monitor), {
            "val_loss": val_loss, "val_accuracy": m_val["accuracy"],
            "val_auprc": m_val["auprc"], "val_f1_ai": m_val["ai"]["f1"]}

    base = Path(base_model) if base_model else default_model_path()
    out = Path(out_dir)
    fit = fine_tune([texts[i] for i in keep], y, tr, va, LABEL_NAMES, cfg, base, device, out,
                    validate, log, progress=progress)

    test_idx = te if te.size else va
    p_test = p_ai(fit.logits(test_idx, cfg.eval_batch_size))
    metrics = evaluate(y[test_idx], p_test)
    metrics.update({"split": "test" if te.size else "validation", "best_epoch": fit.best_epoch,
                    "monitor": cfg.monitor, "best_validation": fit.best_score})

    meta = _save_and_describe(fit, out, stage, base, LABEL_NAMES, cfg, metrics, {
        "data": {"rows_given": int(y_all.size), "ai_given": int(y_all.sum()),
                 "rows_used": int(keep.size), "ai_used": int(y.sum()),
                 "train": int(tr.size), "validation": int(va.size), "test": int(te.size)}})
    (out / MODEL_META).write_text(json.dumps(meta, indent=2))
    (out / METRICS).write_text(json.dumps(metrics, indent=2))
    plot_pr_curves({f"{stage} ({metrics['split']})": (y[test_idx], p_test)}, out / PR_PNG,
                   title=f"BERT_{stage} {metrics['split']} set")
    cached_classifier.cache_clear()
    return {**metrics, "model_dir": str(out)}


def _save_and_describe(fit: Fitted, out: Path, stage: str, base: Path, labels: Sequence[str],
                       cfg: TrainConfig, metrics: dict[str, Any], sections: Mapping[str, Any],
                       task: str | None = None) -> dict[str, Any]:
    """Save the weights and tokenizer into ``out``; the ``classifier.json`` record of the
    model: version ``<stage>-<base model id>-<weights sha10>`` (also set in ``metrics``),
    labels, base model, settings, ``sections`` (``data``, ``classes``) and the run (best
    epoch, device, mixed precision, software)."""
    sha = save_model(fit, out)
    version = f"{stage}-{model_id(base)}-{sha[:10]}"
    metrics["version"] = version
    return {
        "format": "innograph-classifier/1", **({"task": task} if task else {}), "stage": stage,
        "version": version, "labels": list(labels), "base_model": str(base),
        "base_model_name": model_id(base), "max_length": cfg.max_length,
        "weights_sha256": sha, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_config": {k: (list(v) if isinstance(v, tuple) else v)
                         for k, v in asdict(cfg).items()},
        **sections,
        "best_epoch": fit.best_epoch, "device": str(fit.device),
        "amp": None if fit.amp_dtype is None else str(fit.amp_dtype).replace("torch.", ""),
        "software": software_versions(),
    }


def balanced_class_weight(y: np.ndarray, k: int) -> np.ndarray:
    """(k,) loss weights w_c = n / (k · n_c) of integer class codes ``y`` (n,): scikit-learn's
    ``compute_class_weight("balanced")``, except that a class without rows (possible in a
    training split of a 2-row class) gets n / k, as if it had one, where scikit-learn refuses."""
    from sklearn.utils.class_weight import compute_class_weight

    counts = np.bincount(y, minlength=k)
    if counts.all():
        return compute_class_weight("balanced", classes=np.arange(k), y=y)
    return y.size / (k * np.maximum(counts, 1.0))


def train_multiclass(texts: Sequence[str], labels: Sequence[Any],
                     strata: Sequence[Any] | None = None,
                     base_model: str | os.PathLike | None = None,
                     out_dir: str | os.PathLike = "text-classifier", stage: str = "multiclass",
                     ids: Sequence[Any] | None = None, min_per_class: int = 2,
                     rare: str = "error", other: str = "other",
                     max_per_class: int | None = None, class_weights: bool = False,
                     max_length: int = TrainConfig.max_length, epochs: int = TrainConfig.epochs,
                     lr: float = TrainConfig.lr, weight_decay: float = TrainConfig.weight_decay,
                     batch_size: int = TrainConfig.batch_size,
                     patience: int = TrainConfig.patience, seed: int = TrainConfig.seed,
                     device: str | None = None, max_rows: int | None = None,
                     warmup_ratio: float = TrainConfig.warmup_ratio,
                     monitor: str = "macro_f1", amp: bool | None = None,
                     split: tuple[float, float, float] = TrainConfig.split,
                     eval_batch_size: int = TrainConfig.eval_batch_size, top_k: int = 3,
                     extra_meta: Mapping[str, Any] | None = None,
                     log: Callable[[dict[str, Any]], None] | None = None,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Fine-tune a BERT-family classifier over N text labels and save it as a model directory.

    Same model, loop and defaults as ``train_classifier`` (AdamW lr 2e-5, weight decay 0.01,
    linear schedule, batch 16, early stopping), with a K-way head:
    p(c | text) = softmax(W h_[CLS] + b)_c, loss = cross-entropy (optionally weighted
    w_c = n_train / (K · n_train,c), ``class_weights``).

    Parameters
    ----------
    texts, labels : n documents and their class labels (any text: ``'14'``, ``'cs.LG'``).
        Classes are the sorted distinct labels; class index = position in that list.
    strata : optional n stratum names; the split is stratified by (stratum, label).
    ids : optional n row ids, written to ``test_predictions.csv`` (default: row numbers).
    min_per_class, rare, other : rare-class policy, see ``prepare_labels`` (default: a class
        with < 2 rows is an error that names it).
    max_per_class : keep at most this many rows of each class (seeded draw), then
        ``max_rows`` at most in all (class shares kept).
    monitor : ``macro_f1`` (default), ``accuracy`` or ``loss`` on the validation split.
    top_k : k of the reported top-k accuracy (default 3).
    extra_meta : more top-level fields for ``classifier.json`` (e.g. the Locarno level).

    Writes ``out_dir``: ``config.json`` (``id2label`` / ``label2id``), ``model.safetensors``,
    tokenizer files, ``training_log.jsonl``, ``metrics.json`` (``evaluate_multiclass`` on the
    test split, plus ``majority_class`` / ``majority_accuracy``: the training split's most
    frequent class and the test accuracy of always predicting it), ``classifier.json``
    (``task: multiclass``, ``labels`` sorted, version ``<stage>-<base>-<sha10>``, settings),
    ``test_predictions.csv`` (id, label, pred, prob) and ``confusion.png``.

    Returns the metrics dict plus ``model_dir``. Raises ``BadInputError`` for fewer than 2
    usable classes, rare classes under ``rare='error'``, or too few rows to split.
    Deterministic on the CPU for a given ``seed``.
    """
    if monitor not in ("accuracy", "macro_f1", "loss"):
        raise ValueError(f"monitor must be accuracy, macro_f1 or loss, not {monitor!r}")
    texts = list(texts)
    labels = list(labels)
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    st_all = list(strata) if strata is not None else [None] * len(texts)
    if len(st_all) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(st_all)} strata")
    id_all = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(texts))]
    if len(id_all) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(id_all)} ids")
    keep, y_text, info = prepare_labels(labels, min_per_class, rare, other)
    classes = info["classes"]
    code = {c: i for i, c in enumerate(classes)}
    y_code = np.array([code[v] for v in y_text], dtype=np.int64)
    if max_per_class:
        rng_cap = np.random.default_rng(seed + 2)
        sel = np.sort(np.concatenate([rng_cap.permutation(np.nonzero(y_code == c)[0])
                                      [:max_per_class] for c in range(len(classes))]))
        keep, y_code = keep[sel], y_code[sel]
    if max_rows and keep.size > max_rows:
        sel = subsample_classes(y_code, max_rows, seed)
        keep, y_code = keep[sel], y_code[sel]
    cfg = TrainConfig(stage=stage, max_length=max_length, epochs=epochs, lr=lr,
                      weight_decay=weight_decay, batch_size=batch_size, patience=patience,
                      warmup_ratio=warmup_ratio, seed=seed, balance=False, max_rows=max_rows,
                      split=tuple(split), monitor=monitor, amp=amp,  # type: ignore[arg-type]
                      eval_batch_size=eval_batch_size)
    names = np.asarray(classes, dtype=object)
    tr, va, te = stratified_split(names[y_code], [st_all[i] for i in keep], cfg.split, seed,
                                  by_value=True)
    if tr.size == 0 or va.size == 0:
        raise BadInputError(f"too few rows to train ({keep.size}): need training and "
                            "validation rows")
    k_cls = len(classes)
    weight = balanced_class_weight(y_code[tr], k_cls) if class_weights else None

    def validate(z: np.ndarray) -> tuple[float, dict[str, Any]]:
        p = softmax(z)
        m = evaluate_multiclass(names[y_code[va]], p, classes, top_k)
        loss = log_loss_multiclass(y_code[va], p)
        return monitor_score(m, loss, cfg.monitor), {
            "val_loss": loss, "val_accuracy": m["accuracy"], "val_macro_f1": m["macro_f1"]}

    base = Path(base_model) if base_model else default_model_path()
    out = Path(out_dir)
    fit = fine_tune([texts[i] for i in keep], y_code, tr, va, classes, cfg, base, device, out,
                    validate, log, weight, progress=progress)

    test_idx = te if te.size else va
    p_test = softmax(fit.logits(test_idx, cfg.eval_batch_size))
    y_test = names[y_code[test_idx]]
    metrics = evaluate_multiclass(y_test, p_test, classes, top_k)
    majority = int(np.bincount(y_code[tr], minlength=k_cls).argmax())
    metrics.update({
        "split": "test" if te.size else "validation", "best_epoch": fit.best_epoch,
        "monitor": cfg.monitor, "best_validation": fit.best_score, "classes": k_cls,
        "majority_class": classes[majority],
        "majority_accuracy": float(np.mean(y_code[test_idx] == majority)) if test_idx.size
        else float("nan"),
        "merged": info["merged"], "dropped": info["dropped"]})

    meta = _save_and_describe(fit, out, stage, base, classes, cfg, metrics, {
        "classes": {"min_per_class": min_per_class, "rare": rare, "other": other,
                    "merged": info["merged"], "dropped": info["dropped"],
                    "max_per_class": max_per_class, "class_weights": bool(class_weights),
                    "top_k": top_k},
        "data": {"rows_given": len(texts), "rows_used": int(keep.size),
                 "class_counts": {c: int(np.sum(y_code == i)) for i, c in enumerate(classes)},
                 "train": int(tr.size), "validation": int(va.size), "test": int(te.size)}},
        task="multiclass")
    for key, value in (extra_meta or {}).items():
        if key in meta:
            raise ValueError(f"extra_meta may not replace classifier.json field {key!r}")
        meta[key] = value
    (out / MODEL_META).write_text(json.dumps(meta, indent=2))
    (out / METRICS).write_text(json.dumps(metrics, indent=2))
    chosen = p_test.argmax(axis=1) if test_idx.size else np.zeros(0, np.int64)
    with open(out / TEST_PREDICTIONS, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "pred", "prob"])
        for j, i in enumerate(test_idx):
            w.writerow([id_all[keep[i]], y_test[j], classes[chosen[j]],
                        repr(float(p_test[j, chosen[j]]))])
    plot_confusion(metrics, out / CONFUSION_PNG,
                   title=f"{stage} {metrics['split']} set: accuracy {metrics['accuracy']:.3f}, "
                   f"macro-F1 {metrics['macro_f1']:.3f}")
    cached_classifier.cache_clear()
    return {**metrics, "model_dir": str(out)}
