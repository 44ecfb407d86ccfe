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
(little padding). With a fast (Rust) Hugging Face tokenizer it tokenises every text once, in
bulk (``tokenizers.Tokenizer.encode_batch_fast``), pads with numpy and runs the model's module
stack on those features, skipping sentence-transformers' per-text preprocessing (which
tokenised each string on its own, and ``token_lengths`` had tokenised it a first time);
other models keep ``SentenceTransformer.encode``. ``EncodeTally`` counts texts embedded for a
``(done, total)`` progress callback.
"""

from __future__ import annotations

import copy
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

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

    bulk: bool = True  # False: always sentence-transformers' own encode (the reference path)
    _bulk_tok: "_BulkTokenizer | None | bool" = field(default=False, init=False, repr=False)

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text after truncation, special tokens included; (n,) int64."""
        bulk = self._bulk_tokenizer()
        if bulk is not None:
            return bulk.lengths(bulk.encode(texts))
        tok = getattr(self.model, "tokenizer", None)
        max_len = getattr(self.model, "max_seq_length", None) or 512
        if tok is None:  # pragma: no cover - non-HF backends: characters/4 as a proxy
            return np.fromiter((len(t) // 4 + 2 for t in texts), np.int64, len(texts))
        enc = tok(list(texts), add_special_tokens=True, truncation=True, max_length=max_len,
                  return_attention_mask=False, return_token_type_ids=False)
        return np.fromiter((len(x) for x in enc["input_ids"]), np.int64, len(texts))

    def token_ids(self, texts: Sequence[str]) -> list[list[int]] | None:
        """The input ids ``encode`` runs for each text (special tokens added, truncated to
        ``max_seq_length``), or None where ``encode`` takes sentence-transformers' own path."""
        bulk = self._bulk_tokenizer()
        return None if bulk is None else [e.ids for e in bulk.encode(texts)]

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

        Fast path (a sentence-transformers model whose tokenizer is a fast Hugging Face
        tokenizer, with no prompt, ``truncate_dim``, processing overrides or input
        flattening): each text is tokenised once by the Rust tokenizer in bulk, with the
        truncation and special tokens sentence-transformers uses; each batch is padded with
        numpy and run through the module stack (``model(features)["sentence_embedding"]``)
        on the model's device. The features equal ``SentenceTransformer.encode``'s, so the
        embeddings equal its own (CPU float32: within 1e-5; ``tests/test_keywords.py``).
        Other models (slow or no HF tokenizer), or ``bulk=False``, go through
        ``SentenceTransformer.encode`` batch by batch.
        """
        import torch

        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        bulk = self._bulk_tokenizer()
        encodings = bulk.encode(texts) if bulk is not None else None
        lengths = bulk.lengths(encodings) if bulk is not None else self.token_lengths(texts)
        groups = self.batches(lengths)
        if bulk is not None:
            feats = bulk.features(encodings, lengths, groups)
        out: np.ndarray | None = None
        device = getattr(self.model, "device", None) or torch.device(self.device)
        self.model.eval()
        with torch.inference_mode():
            for idx in groups:
                if bulk is not None:
                    batch = {k: torch.from_numpy(v).to(device) for k, v in next(feats).items()}
                    batch["modality"] = "text"
                    emb = self.model(batch)["sentence_embedding"]
                else:
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

    def _bulk_tokenizer(self) -> "_BulkTokenizer | None":
        """The bulk tokenizer for this model (made once; None → the reference path)."""
        if not self.bulk:
            return None
        max_len = getattr(self.model, "max_seq_length", None)
        if self._bulk_tok is False or (self._bulk_tok is not None
                                       and self._bulk_tok.max_length != max_len):
            self._bulk_tok = _BulkTokenizer.of(self.model)
        return self._bulk_tok  # type: ignore[return-value]

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


class _BulkTokenizer:
    """A copy of a model's Rust tokenizer (``tokenizers.Tokenizer``) set up as
    sentence-transformers calls it: special tokens, truncation ``longest_first`` to
    ``max_seq_length`` on the tokenizer's truncation side, no padding (padded per batch)."""

    def __init__(self, backend: Any, tok: Any, max_length: int | None):
        self.max_length = max_length
        self.backend = backend
        self.pad_id = int(tok.pad_token_id or 0)
        self.pad_type_id = int(getattr(tok, "pad_token_type_id", 0) or 0)
        self.left = getattr(tok, "padding_side", "right") == "left"
        self.names = [n for n in tok.model_input_names
                      if n in ("input_ids", "attention_mask", "token_type_ids")]

    @classmethod
    def of(cls, model: Any) -> "_BulkTokenizer | None":
        """For a plain text sentence-transformers model with a fast tokenizer, else None."""
        try:
            first = model[0]
            tok = model.tokenizer
            backend = tok.backend_tokenizer
            plain = (tok.is_fast and "input_ids" in tok.model_input_names
                     and getattr(first, "processor", tok) is tok
                     and not getattr(first, "processing_kwargs", None)
                     and set(getattr(first, "modality_config", {"text": 0})) == {"text"}
                     and getattr(model, "truncate_dim", None) is None
                     and getattr(model, "_distributed_inference", None) is None
                     and model._resolve_prompt(None, None) in (None, "")
                     and not model._can_flatten_inputs())
        except Exception:  # not a sentence-transformers model with an HF fast tokenizer
            return None
        if not plain:
            return None
        from tokenizers import Tokenizer

        copy_ = Tokenizer.from_str(backend.to_str())  # the model's own tokenizer stays as is
        max_length = model.max_seq_length
        copy_.no_padding()
        if max_length and max_length < 2**31:  # HF: a "very large" limit truncates nothing
            copy_.enable_truncation(int(max_length), strategy="longest_first",
                                    direction=getattr(tok, "truncation_side", "right"))
        else:
            copy_.no_truncation()
        bulk = cls(copy_, tok, max_length)
        # a tokenizer with Python-side steps around its Rust core would differ: check a probe
        probe = ["", "Neural-network valve, 5 °C; naïve café 東京 🤖 ﬁ", "x " * 600]
        try:
            ref = tok(probe, truncation=True, max_length=max_length)["input_ids"]
        except Exception:  # pragma: no cover
            return None
        return bulk if [e.ids for e in bulk.encode(probe)] == [list(r) for r in ref] else None

    def encode(self, texts: Sequence[str]) -> list:
        """``tokenizers.Encoding`` per text, in bulk (Rust, parallel); ``encode_batch_fast``
        (tokenizers ≥ 0.21: the same ids, no character offsets) where there is one."""
        run = getattr(self.backend, "encode_batch_fast", None) or self.backend.encode_batch
        return run(list(texts), add_special_tokens=True)

    @staticmethod
    def lengths(encodings: list) -> np.ndarray:
        """Tokens per text, (n,) int64."""
        return np.fromiter((len(e) for e in encodings), np.int64, len(encodings))

    def features(self, encodings: list, lengths: np.ndarray,
                 groups: list[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
        """Per batch of ``groups`` (index arrays), the padded (batch, longest) int64 arrays
        ``input_ids``, ``attention_mask`` and, where the model takes them,
        ``token_type_ids``: the ids are gathered once into one flat array in batch order,
        and each batch is a slice of it scattered through its attention mask."""
        order = np.concatenate(groups)
        total = int(lengths[order].sum())
        flat_ids = np.fromiter(itertools.chain.from_iterable(encodings[i].ids for i in order),
                               np.int64, total)
        flat_types = None
        if "token_type_ids" in self.names:
            flat_types = np.fromiter(
                itertools.chain.from_iterable(encodings[i].type_ids for i in order), np.int64,
                total)
        pos = 0
        for idx in groups:
            lens = lengths[idx]
            width, n_tok = int(lens.max()), int(lens.sum())
            cols = np.arange(width)
            mask = cols >= (width - lens)[:, None] if self.left else cols < lens[:, None]
            ids = np.full((len(idx), width), self.pad_id, np.int64)
            ids[mask] = flat_ids[pos:pos + n_tok]
            out = {"input_ids": ids, "attention_mask": mask.astype(np.int64)}
            if flat_types is not None:
                types = np.full((len(idx), width), self.pad_type_id, np.int64)
                types[mask] = flat_types[pos:pos + n_tok]
                out["token_type_ids"] = types
            pos += n_tok
            yield out


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
