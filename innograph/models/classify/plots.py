"""Figures of the classifiers' metrics: precision-recall curves and confusion matrices (PNG),
and the canvas they (and ``stages.plot_fig3``) draw on.

All draw on matplotlib's Agg canvas directly (no pyplot state, no display) and return the
path written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .metrics import average_precision, evaluate, pr_curve, score_arrays

__all__ = ["plot_pr_curves", "plot_confusion"]


def new_figure(size: tuple[float, float], dpi: int) -> Any:
    """A matplotlib ``Figure`` (``size`` in inches) on its own Agg canvas: no pyplot state,
    no display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Any, path: str | os.PathLike) -> Path:
    """Lay out ``fig`` (``tight_layout``) and write it as a PNG at ``path`` (folders made)."""
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out


def plot_pr_curves(curves: Mapping[str, tuple[Any, Any]], path: str | os.PathLike,
                   title: str | None = None) -> Path:
    """Write a PNG of the precision-recall curves ``name → (y_true, y_score)``.

    Stages with only two distinct scores (a rule's 0/1) are drawn as one operating point.
    Uses matplotlib's Agg canvas directly (no pyplot state, no display). Returns the path.
    """
    fig = new_figure((5.5, 4.5), dpi=120)
    ax = fig.add_subplot(1, 1, 1)
    for name, (yt, ys) in curves.items():
        yt_a, ys_a = score_arrays(yt, ys)
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
    return save_png(fig, path)


def plot_confusion(metrics: Mapping[str, Any], path: str | os.PathLike,
                   title: str | None = None, normalise: bool = True) -> Path:
    """PNG of an ``evaluate_multiclass`` confusion matrix (rows true, columns predicted;
    ``normalise``: each row divided by its support, so the diagonal is the recall)."""
    labels = list(metrics["confusion"]["labels"])
    c = np.asarray(metrics["confusion"]["matrix"], dtype=np.float64).reshape(len(labels), -1)
    if normalise:
        c = c / np.maximum(c.sum(axis=1, keepdims=True), 1)
    size = min(4 + 0.35 * len(labels), 16)
    fig = new_figure((size, size * 0.85), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(c, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(title or f"accuracy {metrics['accuracy']:.3f}, macro-F1 "
                 f"{metrics['macro_f1']:.3f}")
    return save_png(fig, path)
