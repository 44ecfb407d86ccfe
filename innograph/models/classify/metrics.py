"""Classification metrics: binary (AI / non-AI) and multi-class, with their formulas.

- binary, scores for the AI class: ``pr_curve``, ``average_precision`` (AUPRC = ∫ P(R) dR as
  the step sum Σ_k (R_k − R_{k−1}) P_k over decreasing thresholds), ``evaluate`` (accuracy,
  per-class precision / recall / F1, confusion) and ``agreement`` (the stage overlap of the
  DeepInnovationAI paper's Fig. 3);
- multi-class, ``(n, K)`` probabilities: ``softmax``, ``top_k_hits``, ``evaluate_multiclass``;
- from logits during training: P(AI) and the validation log loss.

Arrays in, floats / arrays / dicts out; no model, no I/O. The counting is scikit-learn's
(imported on first use) and scipy's, wrapped only where this module documents a difference
(empty input, no positive, the log-loss clip, the top-k tie rule).
"""

from __future__ import annotations

import warnings
from itertools import combinations
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.special

__all__ = ["pr_curve", "average_precision", "evaluate", "agreement", "softmax", "top_k_hits",
           "evaluate_multiclass"]


def _sk() -> Any:
    """``sklearn.metrics``, imported on first use (its import takes most of a second)."""
    import sklearn.metrics

    return sklearn.metrics


# ---------------------------------------------------------------------------- binary
def score_arrays(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true as (n,) bool, y_score as (n,) float64)``; ``ValueError`` for unequal lengths
    or a NaN score."""
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
    yt, ys = score_arrays(y_true, y_score)
    if yt.size == 0:  # scikit-learn refuses empty input
        return np.array([1.0]), np.array([0.0]), np.array([])
    with warnings.catch_warnings():  # "no positive class found": the documented recall of 1
        warnings.simplefilter("ignore", UserWarning)
        return _sk().precision_recall_curve(yt, ys)


def average_precision(y_true: Any, y_score: Any) -> float:
    """AUPRC = ∫ P(R) dR as the step sum Σ_k (R_k − R_{k−1}) P_k over decreasing thresholds.

    scikit-learn's ``average_precision_score`` (no interpolation, so it is not inflated like
    the trapezoid rule), except that ``y_true`` without a positive (or empty) gives NaN, not
    scikit-learn's 0 with a warning: AUPRC is undefined there.
    """
    yt, ys = score_arrays(y_true, y_score)
    if not yt.any():
        return float("nan")
    return float(_sk().average_precision_score(yt, ys))


def _safe(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def _per_class(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> list[dict[str, Any]]:
    """``{precision, recall, f1, support}`` of each of ``labels`` (scikit-learn's
    ``precision_recall_fscore_support``, ``zero_division=0``); all 0 for empty input, which
    scikit-learn refuses."""
    zeros = np.zeros(len(labels))
    p, r, f, s = (_sk().precision_recall_fscore_support(y_true, y_pred, labels=list(labels),
                                                        zero_division=0)
                  if len(y_true) else (zeros, zeros, zeros, zeros))
    return [{"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]),
             "support": int(s[c])} for c in range(len(labels))]


def _confusion(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> np.ndarray:
    """(K, K) counts C[true][pred] in ``labels`` order (scikit-learn's ``confusion_matrix``);
    zeros for empty input, which scikit-learn refuses."""
    if not len(y_true):
        return np.zeros((len(labels), len(labels)), dtype=np.int64)
    return _sk().confusion_matrix(y_true, y_pred, labels=list(labels))


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
    ``ai`` and ``non_ai`` each ``{precision, recall, f1, support}`` (P = TP/(TP+FP),
    R = TP/(TP+FN), F1 = 2PR/(P+R); a zero denominator gives 0), and ``confusion``
    ``{tp, fp, tn, fn}`` for the AI class. The counts and figures are scikit-learn's
    ``confusion_matrix`` and ``precision_recall_fscore_support(zero_division=0)``. Empty
    input (which scikit-learn refuses): ``n`` 0, NaN accuracy and AUPRC, zero counts.
    """
    yt, yp = score_arrays(y_true, y_prob)
    n = int(yt.size)
    pred = yp >= threshold
    counts = _per_class(yt, pred, [True, False])
    tn, fp, fn, tp = (int(v) for v in _confusion(yt, pred, [False, True]).ravel())
    return {
        "n": n, "threshold": float(threshold),
        "accuracy": (tp + tn) / n if n else float("nan"),
        "auprc": average_precision(yt, yp) if n else float("nan"),
        "ai": counts[0], "non_ai": counts[1],
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


# ----------------------------------------------------------------------- multi-class
def softmax(logits: Any) -> np.ndarray:
    """Row-wise softmax of ``(n, K)`` logits: p_ik = exp(z_ik − max_j z_ij) / Σ_j exp(…)
    (``scipy.special.softmax``); ``(n, K)`` float64, rows summing to 1."""
    return scipy.special.softmax(np.asarray(logits, dtype=np.float64), axis=1)


def top_k_hits(y_index: np.ndarray, prob: np.ndarray, k: int) -> np.ndarray:
    """``(n,)`` bool: the true class (index into the columns of ``prob``; −1 = a class the
    model does not know, never a hit) is among the ``k`` most probable. Ties are ranked in
    column order (stable sort of −p). Not scikit-learn's ``top_k_accuracy_score``: that ranks
    ties in reverse column order and refuses true labels outside the model's classes."""
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
    ``{"labels", "matrix"}`` with C[true][pred] counts in ``labels`` order. C and the
    per-class figures are scikit-learn's ``confusion_matrix`` and
    ``precision_recall_fscore_support(zero_division=0)``; the top-k tie rule is
    ``top_k_hits``'s. Empty input (which scikit-learn refuses): ``n`` 0 and NaN figures.
    """
    names = [str(c) for c in labels]
    p = np.asarray(prob, dtype=np.float64)
    yt = [str(v) for v in y_true]
    n = len(yt)
    if p.ndim != 2 or p.shape != (n, len(names)):
        raise ValueError(f"prob must be (n={n}, K={len(names)}), got {p.shape}")
    if np.isnan(p).any():
        raise ValueError("prob contains NaN")
    unknown = sorted(set(yt) - set(names))
    all_labels = names + unknown
    full = {c: i for i, c in enumerate(all_labels)}
    ti = np.array([full[v] for v in yt], dtype=np.int64)
    pred = [names[i] for i in p.argmax(axis=1)] if n else []
    m = len(all_labels)
    conf = _confusion(yt, pred, all_labels)
    per_class = dict(zip(all_labels, _per_class(yt, pred, all_labels)))
    support, predicted = conf.sum(axis=1), conf.sum(axis=0)
    present = [all_labels[c] for c in range(m) if support[c] or predicted[c]]
    known_i = np.where(ti < len(names), ti, -1)

    def mean(key: str) -> float:
        return float(np.mean([per_class[c][key] for c in present])) if present else float("nan")

    nan = float("nan")
    return {
        "n": n, "labels": all_labels, "k": int(k),
        "accuracy": float(np.trace(conf) / n) if n else nan,
        f"top{k}_accuracy": float(top_k_hits(known_i, p, k).mean()) if n else nan,
        "macro_f1": mean("f1") if n else nan,
        "macro_precision": mean("precision") if n else nan,
        "macro_recall": mean("recall") if n else nan,
        "weighted_f1": (float(sum(per_class[c]["f1"] * per_class[c]["support"]
                                  for c in all_labels) / n) if n else nan),
        "per_class": per_class,
        "confusion": {"labels": all_labels, "matrix": conf.tolist()},
    }


# ------------------------------------------------------------- from logits, training
def p_ai(logits: np.ndarray) -> np.ndarray:
    """P(class 1) of (n, 2) logits: the softmax's second column, ``(n,)``."""
    if logits.shape[0] == 0:
        return np.zeros(0)
    return softmax(logits)[:, 1]


def log_loss_binary(y: np.ndarray, prob: np.ndarray) -> float:
    """Mean −[y log p + (1 − y) log(1 − p)] of (n,) P(AI): scikit-learn's ``log_loss`` with p
    clipped to [1e-12, 1 − 1e-12] (scikit-learn clips at the float epsilon) and NaN for no
    rows (scikit-learn refuses them)."""
    if y.size == 0:
        return float("nan")
    return float(_sk().log_loss(y, np.clip(prob, 1e-12, 1 - 1e-12), labels=[False, True]))


def log_loss_multiclass(y: np.ndarray, prob: np.ndarray) -> float:
    """Mean −log p(true class) of (n, K) probabilities, integer class codes ``y``:
    scikit-learn's ``log_loss`` with p clipped below at 1e-12; NaN for no rows."""
    if y.size == 0:
        return float("nan")
    return float(_sk().log_loss(y, np.clip(prob, 1e-12, 1.0), labels=np.arange(prob.shape[1])))
