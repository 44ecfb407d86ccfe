"""Prediction with a trained classifier directory: ``TextClassifier`` (loaded once, kept in
memory), P(AI) of the binary AI models, the most probable class of any model.

A directory written by ``train_classifier`` / ``train_multiclass`` carries its version in
``classifier.json``; a plain Hugging Face sequence-classification folder works too. The
device is chosen by ``innograph.runtime.resolve_device`` (mixed precision on CUDA); progress
goes to an ``innograph.progress`` callback ``(texts done, texts)``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import ModelMissingError
from ...progress import Progress
from ...runtime import resolve_device
from .bert import MODEL_META, amp_dtype_for, batch_logits, encode, file_sha, quiet_transformers
from .metrics import p_ai, softmax

__all__ = ["TextClassifier", "load_classifier", "predict_proba", "predict_labels"]


# Texts per forward pass when predicting, unless given: 64 on the CPU, 512 on a GPU (an H200
# runs MiniLM at 256 tokens at 4,273 docs/s with 64 and 5,643 with 512: benchmarks/gpu.md).
PREDICT_BATCH = {False: 64, True: 512}


class TextClassifier:
    """A trained model directory, loaded once.

    Binary AI models (``train_classifier``): ``predict_proba(texts) -> P(AI)``. Any model,
    N classes included (``train_multiclass``): ``predict_labels(texts)``. ``labels`` are the
    class names in index order (``classifier.json`` ``labels``, else ``config.json``
    ``id2label``); ``task`` is ``'binary'`` or ``'multiclass'``.

    ``version`` is the directory's ``classifier.json`` version (``<stage>-<base>-<sha10>``),
    written as ``ai_model`` / ``locarno_model`` by the pipelines; a plain Hugging Face
    classification folder without it gets ``<folder name>-<weights sha10>``.
    """

    def __init__(self, model_dir: str | os.PathLike, device: str | None = None,
                 max_length: int | None = None):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.path = Path(model_dir)
        if not (self.path / "config.json").is_file():
            raise ModelMissingError(f"no trained classifier at {self.path}: run `innograph "
                                    "classify train` first, or give the model directory")
        meta_file = self.path / MODEL_META
        self.meta: dict[str, Any] = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
        self.device = resolve_device(device)
        self.amp_dtype = amp_dtype_for(self.device, None)
        with quiet_transformers():
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                str(self.path), local_files_only=True)
        k = int(self.model.config.num_labels)
        if k < 2:
            raise ModelMissingError(f"{self.path} has {k} output(s): not a classifier "
                                    "(regression heads are not supported)")
        meta_labels = self.meta.get("labels")
        if isinstance(meta_labels, list) and len(meta_labels) == k:
            self.labels: list[str] = [str(x) for x in meta_labels]
        else:
            id2label = getattr(self.model.config, "id2label", None) or {}
            self.labels = [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}")))
                           for i in range(k)]
        self.num_labels = k
        self.task: str = self.meta.get("task") or ("binary" if k == 2 else "multiclass")
        self.model.to(self.device).eval()
        self.max_length = int(max_length or self.meta.get("max_length") or 256)
        self.stage = self.meta.get("stage")
        if "version" in self.meta:
            self.version: str = self.meta["version"]
        else:
            w = self.path / "model.safetensors"
            self.version = f"{self.path.name}-{file_sha(w)[:10] if w.is_file() else 'unknown'}"

    def _logits(self, texts: Sequence[str | None], batch_size: int | None,
                progress: Progress | None) -> np.ndarray:
        batch_size = batch_size or PREDICT_BATCH[self.device.type == "cuda"]
        ids = encode(self.tokenizer, [t or "" for t in texts], self.max_length)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        return batch_logits(self.model, ids, pad, self.device, self.amp_dtype, batch_size, progress)

    def predict_proba(self, texts: Sequence[str | None], batch_size: int | None = None,
                      progress: Progress | None = None) -> np.ndarray:
        """``(n,)`` float64 P(AI) (softmax of the two logits); empty texts are scored as ''.

        Only for 2-class AI models: a multi-class directory raises ``ModelMissingError``
        (use ``predict_labels``)."""
        if self.num_labels != 2 or self.task != "binary":
            raise ModelMissingError(
                f"{self.path} is a {self.num_labels}-class {self.task} classifier "
                f"({', '.join(self.labels[:8])}{', …' if self.num_labels > 8 else ''}), not "
                "the 2-class AI model: use predict_labels, or give an AI classifier directory")
        return p_ai(self._logits(texts, batch_size, progress))

    def predict_labels(self, texts: Sequence[str | None], batch_size: int | None = None,
                       progress: Progress | None = None
                       ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The most probable class of each text.

        Returns ``(labels, prob, probs)``: n class names (arg max of the softmax, first
        class on ties), ``(n,)`` float64 probability of that class, and the ``(n, K)``
        float64 softmax matrix, columns in ``self.labels`` order. Empty texts are scored
        as ''; no texts give empty outputs.
        """
        p = softmax(self._logits(texts, batch_size, progress))
        if p.shape[0] == 0:
            return [], np.zeros(0), p
        idx = p.argmax(axis=1)
        return [self.labels[i] for i in idx], p[np.arange(idx.size), idx], p


@lru_cache(maxsize=2)
def cached_classifier(path: str, mtime: float, device: str | None) -> TextClassifier:
    return TextClassifier(path, device)


def load_classifier(model_dir: str | os.PathLike, device: str | None = None) -> TextClassifier:
    """A ``TextClassifier`` for ``model_dir`` (the last two loaded are kept in memory)."""
    p = Path(model_dir)
    w = p / "model.safetensors"
    mtime = w.stat().st_mtime if w.is_file() else 0.0
    return cached_classifier(str(p.resolve()), mtime, device)


def predict_proba(model_dir: "str | os.PathLike | TextClassifier", texts: Sequence[str | None],
                  batch_size: int | None = None, device: str | None = None,
                  progress: Progress | None = None) -> np.ndarray:
    """P(AI) of each text under the classifier saved in ``model_dir``: ``(n,)`` float64.

    Batches by token length; mixed precision on CUDA; the CPU otherwise.
    """
    clf = model_dir if isinstance(model_dir, TextClassifier) else load_classifier(model_dir, device)
    return clf.predict_proba(texts, batch_size=batch_size, progress=progress)


def predict_labels(model_dir: "str | os.PathLike | TextClassifier", texts: Sequence[str | None],
                   batch_size: int | None = None, device: str | None = None,
                   progress: Progress | None = None
                   ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``TextClassifier.predict_labels`` for the classifier saved in ``model_dir``."""
    clf = model_dir if isinstance(model_dir, TextClassifier) else load_classifier(model_dir, device)
    return clf.predict_labels(texts, batch_size=batch_size, progress=progress)
