"""What every classification stage reads: the document text and the labels given to it.

- ``doc_text``: title and abstract joined as two sentences (the text of the rule, the BERT
  stages and their training sets);
- ``parse_label``: a teacher / LLM / expert label as written in a file (AI / non-AI, 1 / 0,
  yes / no, true / false) → bool;
- ``known_labels``: a column of True / False / missing labels → (known, value) masks, the
  form in which the consensus rules and the stage tables read them.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

__all__ = ["doc_text", "parse_label", "known_labels"]


def doc_text(title: str | None, abstract: str | None) -> str:
    """The text every stage reads: title and abstract joined as two sentences (a missing
    part, ``None`` or NaN, is left out)."""
    t = title.strip() if isinstance(title, str) else ""
    a = abstract.strip() if isinstance(abstract, str) else ""
    if t and a:
        return t + (" " if t[-1] in ".!?:;" else ". ") + a
    return t or a


_TRUE = {"ai", "1", "1.0", "yes", "y", "true", "t", "pos", "positive"}
_FALSE = {"non-ai", "non_ai", "nonai", "non ai", "not ai", "not-ai", "not_ai", "0", "0.0",
          "no", "n", "false", "f", "neg", "negative"}


def parse_label(value: Any) -> bool:
    """A teacher label → bool: AI / non-AI, 1 / 0, yes / no, true / false (any case).

    ``ValueError`` for anything else (empty included).
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    s = re.sub(r"\s+", " ", str(value).strip().lower())
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not an AI / non-AI label: {value!r} (use AI/non-AI, 1/0, yes/no, "
                     "true/false)")


def known_labels(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(known, value)``: two (n,) bool arrays of a column of True (AI) / False / missing
    labels (None, NaN, ``pd.NA`` are missing; their ``value`` is False)."""
    import pandas as pd

    v = list(values)
    known = np.array([not pd.isna(x) for x in v], dtype=bool)
    return known, np.array([bool(x) if k else False for x, k in zip(v, known)], dtype=bool)
