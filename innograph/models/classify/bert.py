"""The BERT-family sequence classifier underneath training and prediction: loading a local
Hugging Face folder, tokenising, batching, logits, and the layout of a model directory.

A model directory holds ``config.json``, ``model.safetensors`` and the tokenizer files
(Hugging Face), plus ``classifier.json`` (``MODEL_META``: stage, version, labels, base model,
settings), ``training_log.jsonl``, ``metrics.json`` and a PNG of the test split. Models are
never downloaded: every load is ``local_files_only``. torch and transformers are imported
lazily.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import ModelMissingError
from ...progress import Progress

LABEL_NAMES = ("non_ai", "ai")  # class index 0, 1
MODEL_META = "classifier.json"
TRAINING_LOG = "training_log.jsonl"
METRICS = "metrics.json"
PR_PNG = "pr_curve.png"
TEST_PREDICTIONS = "test_predictions.csv"  # multi-class: id, label, pred, prob of the test split
CONFUSION_PNG = "confusion.png"


def amp_dtype_for(device: Any, amp: bool | None) -> Any:
    """Autocast dtype or None: bfloat16 on GPUs that have it, else float16 (with a scaler)."""
    import torch

    use = (device.type == "cuda") if amp is None else amp
    if not use:
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16


def quiet_transformers() -> Any:
    """Context manager: transformers' load reports and warnings at error level only, and
    its loading / saving progress bars off."""
    from contextlib import contextmanager

    from transformers.utils import logging as hf_logging

    @contextmanager
    def cm():  # type: ignore[no-untyped-def]
        old = hf_logging.get_verbosity()
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            yield
        finally:
            hf_logging.set_verbosity(old)
            if bars:
                hf_logging.enable_progress_bar()

    return cm()


def load_base(base: Path, label_names: Sequence[str] = LABEL_NAMES) -> tuple[Any, Any]:
    """Tokenizer and a sequence-classification model with a new ``len(label_names)``-way
    head (``config.json`` ``id2label`` / ``label2id`` from ``label_names``)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not base.is_dir() or not (base / "config.json").is_file():
        raise ModelMissingError(f"no Hugging Face model folder at {base} (config.json, weights "
                                "and tokenizer files): innograph never downloads from a hub")
    with quiet_transformers():
        tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), num_labels=len(label_names), id2label=dict(enumerate(label_names)),
            label2id={n: i for i, n in enumerate(label_names)}, local_files_only=True)
    return tok, model


def encode(tok: Any, texts: Sequence[str], max_length: int) -> list[np.ndarray]:
    """Token ids per text (truncated to ``max_length``), int32 arrays, no padding."""
    out: list[np.ndarray] = []
    step = 4096
    for i in range(0, len(texts), step):
        enc = tok(list(texts[i:i + step]), truncation=True, max_length=max_length,
                  return_attention_mask=False, return_token_type_ids=False)
        out.extend(np.asarray(ids, dtype=np.int32) for ids in enc["input_ids"])
    return out


def collate(ids: Sequence[np.ndarray], pad_id: int, device: Any) -> dict[str, Any]:
    """Pad a batch to its longest row (dynamic padding)."""
    import torch

    n, L = len(ids), max(len(x) for x in ids)
    input_ids = np.full((n, L), pad_id, dtype=np.int64)
    mask = np.zeros((n, L), dtype=np.int64)
    for i, x in enumerate(ids):
        input_ids[i, :len(x)] = x
        mask[i, :len(x)] = 1
    return {"input_ids": torch.from_numpy(input_ids).to(device),
            "attention_mask": torch.from_numpy(mask).to(device)}


def batch_logits(model: Any, ids: Sequence[np.ndarray], pad_id: int, device: Any,
                 amp_dtype: Any, batch_size: int, progress: Progress | None = None
                 ) -> np.ndarray:
    """(n, K) float64 logits, in input order, batching by length; ``progress(done, n)``
    (texts scored so far) after each batch."""
    import torch

    n = len(ids)
    k = int(getattr(model.config, "num_labels", 2) or 2)
    logits = np.zeros((n, k), dtype=np.float64)
    if n == 0:
        return logits
    order = np.argsort([-len(x) for x in ids], kind="stable")
    model.eval()
    with torch.inference_mode():
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            batch = collate([ids[j] for j in idx], pad_id, device)
            if amp_dtype is not None:
                with torch.autocast(device.type, dtype=amp_dtype):
                    out = model(**batch).logits
            else:
                out = model(**batch).logits
            logits[idx] = out.float().cpu().numpy()
            if progress:
                progress(min(i + batch_size, n), n)
    return logits


def file_sha(path: Path) -> str:
    """sha256 (hex) of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
