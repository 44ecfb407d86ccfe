"""The sentence-transformer that embeds KeyBERT's documents and candidates.

``load_encoder`` loads (or wraps) the model on its device (``innograph.runtime``: the one
device rule and the one default model, the offline all-MiniLM-L6-v2) at a precision:

- exact (``fast=False``): float32; the model only loses repeated work, so the top-k equals
  stock KeyBERT's up to ties (scores differ in the last float32 bits because batching
  changes the order of the model's sums);
- ``bf16`` (GPU, or CPUs with AMX / AVX512-BF16): ≈ 3-4x the float32 rate, top-5 overlap
  with exact ≈ 0.99;
- ``int8`` (other CPUs): dynamic quantisation of the Linear layers, used as a screen, with
  the float32 model kept beside it (``Encoder.exact``) to embed documents and rescore
  shortlists (figures in ``benchmarks/keywords.md``).

``Encoder.encode`` sorts texts by token length and cuts them into token-budget batches
(little padding). ``EncodeTally`` counts texts embedded for a ``(done, total)`` progress
callback.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ... import runtime
from ...errors import ModelMissingError
from ...progress import Progress

__all__ = ["CPU_BATCH_TOKENS", "GPU_BATCH_TOKENS", "MAX_BATCH", "GPU_MAX_BATCH", "Encoder",
           "load_encoder", "EncodeTally"]

# Token budget per forward pass (batch size x padded length), and the batch-size cap.
CPU_BATCH_TOKENS = 4096
GPU_BATCH_TOKENS = 131072
MAX_BATCH = 2048
GPU_MAX_BATCH = 32768


def _cpu_has_fast_bf16() -> bool:
    """True on CPUs whose matrix units run bfloat16 natively (AMX tiles or AVX512-BF16)."""
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except Exception:  # private API; absent → assume no
        return False


def _resolve_precision(fast: bool | str, device: str) -> str:
    """``fp32`` (exact), ``bf16`` or ``int8``; ``fast=True`` picks the best for the device."""
    if fast in (False, None, "", "fp32", "exact"):
        return "fp32"
    if fast is True or fast == "auto":
        if device.startswith("cuda") or _cpu_has_fast_bf16():
            return "bf16"
        return "int8"
    if fast in ("bf16", "int8"):
        if fast == "int8" and not device.startswith("cpu"):
            raise ValueError("int8 dynamic quantisation runs on the CPU only; use fast='bf16'")
        return str(fast)
    raise ValueError(f"fast must be True/False or one of 'bf16', 'int8'; got {fast!r}")


@dataclass
class Encoder:
    """A sentence-transformers model ready for batched encoding.

    ``model_id`` names model and precision (``all-MiniLM-L6-v2``, ``…+bf16``, ``…+int8``):
    it is the cache key prefix and the provenance written next to keywords.
    ``batch_tokens``: the most (batch size × padded token length) per forward pass.
    """

    model: Any
    model_id: str
    device: str
    precision: str = "fp32"
    batch_tokens: int = CPU_BATCH_TOKENS
    max_batch: int = MAX_BATCH
    exact: "Encoder | None" = None  # float32 twin (int8): embeds documents, rescores shortlists

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text after truncation, special tokens included; (n,) int64."""
        tok = getattr(self.model, "tokenizer", None)
        max_len = getattr(self.model, "max_seq_length", None) or 512
        if tok is None:  # pragma: no cover - non-HF backends: characters/4 as a proxy
            return np.fromiter((len(t) // 4 + 2 for t in texts), np.int64, len(texts))
        enc = tok(list(texts), add_special_tokens=True, truncation=True, max_length=max_len,
                  return_attention_mask=False, return_token_type_ids=False)
        return np.fromiter((len(x) for x in enc["input_ids"]), np.int64, len(texts))

    def batches(self, lengths: np.ndarray) -> list[np.ndarray]:
        """Index groups in ascending length, each within the token budget (≥ 1 text)."""
        order = np.argsort(lengths, kind="stable")
        out, start = [], 0
        n = len(order)
        while start < n:
            stop = start + 1
            while (stop < n and stop - start < self.max_batch
                   and (stop - start + 1) * int(lengths[order[stop]]) <= self.batch_tokens):
                stop += 1
            out.append(order[start:stop])
            start = stop
        return out

    def encode(self, texts: Sequence[str], progress: "EncodeTally | None" = None) -> np.ndarray:
        """Embeddings of ``texts``: (n, dim) float32, in input order (not normalised).

        Texts are sorted by token length and cut into batches of at most ``batch_tokens``
        tokens, so short candidates go thousands at a time and padding stays small.
        """
        import torch

        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        lengths = self.token_lengths(texts)
        out: np.ndarray | None = None
        with torch.inference_mode():
            for idx in self.batches(lengths):
                emb = self.model.encode([texts[i] for i in idx], batch_size=len(idx),
                                        convert_to_numpy=False, convert_to_tensor=True,
                                        show_progress_bar=False)
                emb = emb.float().cpu().numpy()
                if out is None:
                    out = np.empty((len(texts), emb.shape[1]), dtype=np.float32)
                out[idx] = emb
                if progress is not None:
                    progress.advance(len(idx))
        assert out is not None
        return out

    @property
    def dim(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or getattr(
            self.model, "get_sentence_embedding_dimension")
        return int(get())


def load_encoder(model: Any = None, device: str | None = None, fast: bool | str = False,
                 model_id: str | None = None, batch_tokens: int | None = None) -> Encoder:
    """Load (or wrap) the sentence-transformer that embeds documents and candidates.

    Parameters
    ----------
    model : None, str / PathLike, SentenceTransformer or Encoder
        ``None`` → the offline MiniLM package; a path → ``SentenceTransformer(path)`` with
        no hub access; an instance is used as given (copied first when ``fast`` changes it).
    device : "cpu", "cuda", "cuda:1", … or None / "auto" (``runtime.resolve_device``: CUDA
        when available, else the CPU; an explicit CUDA device without CUDA raises
        ``DeviceUnavailableError``).
    fast : False (float32, exact), True (bf16 on GPU / AMX CPUs, else int8), "bf16", "int8".
    model_id : name for cache keys and provenance; default from the path or the instance.
    batch_tokens : token budget per forward pass (default 4096 on CPU, 131072 on GPU).
    """
    if isinstance(model, Encoder):
        return model
    import torch

    device = str(runtime.resolve_device(device))
    precision = _resolve_precision(fast, device)
    from sentence_transformers import SentenceTransformer

    if model is None or isinstance(model, (str, os.PathLike)):
        path = Path(model) if model is not None else runtime.default_model_path()
        if not path.exists():
            raise ModelMissingError(
                f"no sentence-transformers model at {path}: pass a local model directory "
                "(models are never downloaded), or leave the option out for the bundled MiniLM"
            )
        runtime.offline()
        st = SentenceTransformer(str(path), device=device, local_files_only=True)
        mid = model_id or runtime.model_id(path)
    else:
        st = model
        mid = model_id or _instance_id(st)
        if precision != "fp32":
            st = copy.deepcopy(st)
        st = st.to(device)
    if precision == "bf16":
        st = st.to(torch.bfloat16)
    exact = None
    if precision == "int8":  # the float32 model stays as the twin that rescores
        st.eval()
        exact = Encoder(st, mid, device, "fp32", batch_tokens or CPU_BATCH_TOKENS, MAX_BATCH)
        st = _quantize_int8(st)  # a quantised copy
    st.eval()
    gpu = device.startswith("cuda")
    return Encoder(
        st, mid if precision == "fp32" else f"{mid}+{precision}", device, precision,
        batch_tokens or (GPU_BATCH_TOKENS if gpu else CPU_BATCH_TOKENS),
        GPU_MAX_BATCH if gpu else MAX_BATCH, exact,
    )


def _instance_id(st: Any) -> str:
    card = getattr(st, "model_card_data", None)
    base = getattr(card, "base_model", None) if card is not None else None
    if base:
        return str(base).split("/")[-1]
    try:
        name = st[0].auto_model.config._name_or_path
    except Exception:  # pragma: no cover
        name = ""
    if name and Path(name).exists():
        return runtime.model_id(name)
    return str(name).split("/")[-1] or type(st).__name__


def _quantize_int8(st: Any) -> Any:
    """int8 dynamic quantisation of every ``torch.nn.Linear``: weights int8 per output
    channel, activations quantised per batch at run time; CPU only.

    Per-channel weights keep more of the answer than per-tensor ones (MiniLM top-5 overlap
    with exact ≈ 0.84 vs 0.77 on 150 patent abstracts, 1-grams); bf16 keeps ≈ 0.99.
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        return quantize_dynamic(st.to("cpu"), {torch.nn.Linear: per_channel_dynamic_qconfig},
                                dtype=torch.qint8)


class EncodeTally:
    """Counts texts embedded for a ``Progress`` callback ``(done, total) -> None`` (or for
    nothing): ``total`` adds work that became known, ``advance`` marks work done. One tally
    spans a whole ``extract_keywords`` call (documents, then candidates, then rescoring)."""

    def __init__(self, callback: Progress | None):
        self._cb = callback
        self.done = 0
        self.todo = 0

    def total(self, n: int) -> None:
        self.todo += n
        if self._cb is not None:
            self._cb(self.done, self.todo)

    def advance(self, n: int) -> None:
        self.done += n
        if self._cb is not None:
            self._cb(self.done, self.todo)
