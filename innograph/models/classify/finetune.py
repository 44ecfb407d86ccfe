"""The fine-tuning loop shared by the binary (AI) and the multi-class classifiers.

``TrainConfig`` holds every training default (the DeepInnovationAI paper's BERT_inner
settings, docs/method.md §2); ``fine_tune`` fine-tunes a new K-way head on a local base
model (AdamW without decay on biases and LayerNorm weights, linear schedule, gradient clipping,
length-grouped shuffled batches with dynamic padding, mixed precision on CUDA, early stopping
on a validation figure); ``save_model`` writes the weights and tokenizer. The device is chosen
by ``innograph.runtime.resolve_device``; progress goes to an ``innograph.progress`` callback.
"""

from __future__ import annotations

import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ...progress import Progress
from ...runtime import resolve_device
from .bert import (TRAINING_LOG, amp_dtype_for, batch_logits, collate, encode, file_sha,
                   load_base, quiet_transformers)

__all__ = ["TrainConfig"]


@dataclass
class TrainConfig:
    """Every default of ``train_classifier`` (the paper's BERT_inner settings, docs/method.md §2;
    ``max_length`` 256 rather than the paper's 512 to halve the cost)."""

    stage: str = "inner"
    max_length: int = 256
    epochs: int = 10  # upper bound; early stopping usually ends sooner
    lr: float = 2e-5
    weight_decay: float = 0.01
    batch_size: int = 16
    patience: int = 3
    warmup_ratio: float = 0.0
    seed: int = 42
    balance: bool | None = None  # None: balance for stage 'inner'
    max_rows: int | None = None  # subsample (label-stratified) after balancing
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    monitor: str = "accuracy"  # validation figure whose gain resets patience: accuracy|auprc|loss
    amp: bool | None = None  # mixed precision; None: on CUDA only
    eval_batch_size: int = 64
    max_grad_norm: float = 1.0


def _length_grouped(lengths: np.ndarray, batch_size: int, rng: np.random.Generator,
                    mega: int = 50) -> list[np.ndarray]:
    """Shuffled training batches of similar lengths (less padding): shuffle, cut into
    chunks of ``mega`` batches, sort each chunk by length, batch, shuffle the batches."""
    perm = rng.permutation(lengths.size)
    batches = []
    step = batch_size * mega
    for i in range(0, perm.size, step):
        chunk = perm[i:i + step]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        batches.extend(chunk[j:j + batch_size] for j in range(0, chunk.size, batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def monitor_score(m: dict[str, Any], loss: float, monitor: str) -> float:
    """The validation figure whose strict gain keeps an epoch: ``m[monitor]``, or −loss."""
    if monitor == "loss":
        return -loss
    return float(m[monitor])


@dataclass
class Fitted:
    """What the shared training loop leaves: the model (best epoch restored) and what is
    needed to score and save it."""

    model: Any
    tok: Any
    ids: list[np.ndarray]
    pad_id: int
    device: Any
    amp_dtype: Any
    best_epoch: int
    best_score: float

    def logits(self, rows: np.ndarray, batch_size: int) -> np.ndarray:
        """(len(rows), K) float64 logits of the training texts at ``rows``."""
        return batch_logits(self.model, [self.ids[i] for i in rows], self.pad_id, self.device,
                            self.amp_dtype, batch_size)


def fine_tune(texts: Sequence[str], y: np.ndarray, tr: np.ndarray, va: np.ndarray,
              label_names: Sequence[str], cfg: TrainConfig, base: Path, device: str | None,
              out: Path, validate: Callable[[np.ndarray], tuple[float, dict[str, Any]]],
              log: Callable[[dict[str, Any]], None] | None = None,
              class_weight: np.ndarray | None = None,
              progress: Progress | None = None) -> Fitted:
    """The fine-tuning loop shared by the binary and the multi-class classifiers.

    ``texts`` (n) and integer class codes ``y`` (n,) index ``label_names``; ``tr`` / ``va``
    are row indices. A new ``len(label_names)``-way head on ``base``; AdamW (no decay on
    biases and LayerNorm weights), linear schedule, gradient clipping, length-grouped
    shuffled batches, cross-entropy (``class_weight``: per-class weights, (K,)). After each
    epoch ``validate(logits of va rows)`` → (score, log fields); a strict gain keeps that
    epoch's weights, ``cfg.patience`` epochs without one stop training. Writes
    ``training_log.jsonl`` in ``out`` as it goes. Seeded: ``torch.manual_seed(cfg.seed)``
    before the head is created, numpy ``default_rng(cfg.seed)`` for the batch order.
    ``progress(done, total)``: training examples seen after each batch, over
    ``cfg.epochs × len(tr)`` (an upper bound: early stopping may end sooner).
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)
    dev = resolve_device(device)
    amp_dtype = amp_dtype_for(dev, cfg.amp)
    tok, model = load_base(base, label_names)
    limit = int(getattr(model.config, "max_position_embeddings", cfg.max_length) or cfg.max_length)
    cfg.max_length = min(cfg.max_length, limit)
    model.to(dev)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    ids = encode(tok, list(texts), cfg.max_length)
    lengths = np.array([len(x) for x in ids])
    weight = (None if class_weight is None
              else torch.as_tensor(class_weight, dtype=torch.float32, device=dev))

    no_decay = ("bias", "LayerNorm.weight", "layernorm.weight", "norm.weight")
    params = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
         "weight_decay": cfg.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
         "weight_decay": 0.0},
    ]
    try:  # the fused kernel is several times faster than the per-tensor loop (CPU and CUDA)
        opt = torch.optim.AdamW(params, lr=cfg.lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        opt = torch.optim.AdamW(params, lr=cfg.lr)
    steps_per_epoch = math.ceil(tr.size / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup_ratio * total), total)
    scaler = torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 else None

    out.mkdir(parents=True, exist_ok=True)
    log_path = out / TRAINING_LOG
    log_path.write_text("")
    best_score, best_epoch, best_state, bad = -math.inf, 0, None, 0
    seen = 0  # training examples so far, for ``progress``
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        losses = []
        for b in _length_grouped(lengths[tr], cfg.batch_size, rng):
            idx = tr[b]
            batch = collate([ids[i] for i in idx], pad_id, dev)
            target = torch.from_numpy(y[idx].astype(np.int64)).to(dev)
            if amp_dtype is not None:
                with torch.autocast(dev.type, dtype=amp_dtype):
                    logits = model(**batch).logits
            else:
                logits = model(**batch).logits
            loss = torch.nn.functional.cross_entropy(logits.float(), target, weight=weight)
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            if progress is not None:
                seen += len(idx)
                progress(seen, cfg.epochs * tr.size)
        z_val = batch_logits(model, [ids[i] for i in va], pad_id, dev, amp_dtype,
                             cfg.eval_batch_size)
        score, fields = validate(z_val)
        improved = score > best_score
        if improved:
            best_score, best_epoch, bad = score, epoch, 0
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        else:
            bad += 1
        rec = {"epoch": epoch, "train_loss": float(np.mean(losses)) if losses else None,
               **fields, "lr": sched.get_last_lr()[0],
               "seconds": round(time.perf_counter() - t0, 2), "best": improved}
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        if log:
            log(rec)
        if bad >= cfg.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return Fitted(model, tok, ids, pad_id, dev, amp_dtype, best_epoch, best_score)


def save_model(fit: Fitted, out: Path) -> str:
    """Weights (safetensors), config and tokenizer into ``out``; the weights' sha256."""
    fit.model.to("cpu")
    with quiet_transformers():
        fit.model.save_pretrained(str(out), safe_serialization=True)
        fit.tok.save_pretrained(str(out))
    weights = out / "model.safetensors"
    return file_sha(weights) if weights.is_file() else "unknown"


def software_versions() -> dict[str, str]:
    """torch, transformers and Python versions, for ``classifier.json``."""
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "python": platform.python_version()}
