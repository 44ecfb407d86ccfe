"""Every classification stage against expert labels: the DeepInnovationAI paper's Table 4 and
Fig. 3 (issue 16.2).

Source: ``deepinnovationai-paper.txt``, "Dataset Validation", Table 4 (overall accuracy;
precision, recall, F1 per class for "Keywords + IPC", LLM, BERT_outer on 6,000 expert-labelled
patents) and Fig. 3 (a accuracy per method, b overlap matrix, c accuracy inside each overlap
region, d overlap rate against accuracy). Here a stage is any named (n,) label vector with
None where the stage has no label for a document (e.g. the LLM labelled only a sample).

Definitions (the paper states the numbers, not the formulas; these are the ones its numbers
fit):

- ``table4``: per stage, over the documents that have both an expert and a stage label:
  accuracy = share right; per class (AI, non-AI) precision, recall, F1 and support from
  ``sklearn.metrics.precision_recall_fscore_support`` (``zero_division=0``).
- ``overlaps``: for every combination of two or more stages, over the documents where all of
  them (and the expert) have labels: ``overlap_rate`` = share of those where all the stages
  give the same label ("the overlap rate between Keywords + IPC and LLM was 86.48%");
  ``accuracy_in_overlap`` = share of the agreeing documents whose common label is the
  expert's ("the accuracy within the pairwise overlap ... was 97.7%").

Pure: arrays in, tables and a figure out.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .inputs import known_labels
from .plots import new_figure, save_png

CLASS_NAMES = ("Non-AI", "AI")  # Table 4's order


def _tri(values: Sequence[Any], n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(known, value) masks of one stage's labels (``inputs.known_labels``), length-checked."""
    v = list(values)
    if len(v) != n:
        raise ValueError(f"stage {name!r} has {len(v)} labels, the expert set {n}")
    return known_labels(v)


def table4(expert: Sequence[Any], stages: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Table 4's layout: one row per (stage, class).

    Parameters
    ----------
    expert : (n,) True (AI) / False / None (not labelled: left out everywhere).
    stages : stage name → (n,) True / False / None.

    Returns
    -------
    DataFrame with columns ``process, n, overall_accuracy, class, precision, recall, f1,
    support`` (``class`` Non-AI then AI, as the paper prints them). A stage without any
    labelled document gets NaN figures and ``n`` 0.
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    ek, ev = _tri(expert, len(expert), "expert")
    rows = []
    for name, pred in stages.items():
        pk, pv = _tri(pred, ek.size, name)
        sel = ek & pk
        n = int(sel.sum())
        if n:
            acc = float(accuracy_score(ev[sel], pv[sel]))
            p, r, f, s = precision_recall_fscore_support(ev[sel], pv[sel], labels=[False, True],
                                                         zero_division=0)
        else:
            acc = float("nan")
            p = r = f = [float("nan")] * 2
            s = [0, 0]
        for c, cname in enumerate(CLASS_NAMES):
            rows.append({"process": name, "n": n, "overall_accuracy": acc, "class": cname,
                         "precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]),
                         "support": int(s[c])})
    return pd.DataFrame(rows, columns=["process", "n", "overall_accuracy", "class",
                                       "precision", "recall", "f1", "support"])


def overlaps(expert: Sequence[Any], stages: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Fig. 3's overlap analysis for every combination of 2+ stages.

    Returns
    -------
    DataFrame with columns ``stages`` (names joined by `` & ``), ``k`` (how many), ``n``
    (documents labelled by all of them and the expert), ``n_overlap`` (where they all
    agree), ``overlap_rate`` = n_overlap / n, ``n_right`` (agreeing and equal to the expert),
    ``accuracy_in_overlap`` = n_right / n_overlap (NaN when 0).
    """
    ek, ev = _tri(expert, len(expert), "expert")
    lab = {k: _tri(v, ek.size, k) for k, v in stages.items()}
    rows = []
    names = list(stages)
    for k in range(2, len(names) + 1):
        for combo in itertools.combinations(names, k):
            sel = ek.copy()
            for c in combo:
                sel &= lab[c][0]
            vals = np.stack([lab[c][1][sel] for c in combo])
            agree = np.all(vals == vals[0], axis=0) if vals.size else np.zeros(0, bool)
            n, n_ov = int(sel.sum()), int(agree.sum())
            right = int(np.sum(agree & (vals[0] == ev[sel]))) if n else 0
            rows.append({"stages": " & ".join(combo), "k": k, "n": n, "n_overlap": n_ov,
                         "overlap_rate": n_ov / n if n else float("nan"), "n_right": right,
                         "accuracy_in_overlap": right / n_ov if n_ov else float("nan")})
    return pd.DataFrame(rows, columns=["stages", "k", "n", "n_overlap", "overlap_rate",
                                       "n_right", "accuracy_in_overlap"])


def plot_fig3(table: pd.DataFrame, over: pd.DataFrame, path: str | os.PathLike,
              title: str = "") -> Path:
    """Fig. 3 as four panels: a accuracy per stage, b pairwise overlap matrix, c accuracy
    inside each overlap region, d overlap rate against accuracy in the overlap. A PNG at
    ``path`` (``plots.new_figure``: Agg canvas, no pyplot); returns the path."""
    acc = table.drop_duplicates("process").set_index("process")["overall_accuracy"]
    names = list(acc.index)
    fig = new_figure((11, 9), dpi=110)
    ax = fig.subplots(2, 2)
    ax[0, 0].bar(names, acc.to_numpy())
    ax[0, 0].set_ylim(0, 1)
    ax[0, 0].set_title("a  accuracy per stage")
    mat = np.eye(len(names))
    for r in over[over["k"] == 2].itertuples():
        a, b = r.stages.split(" & ")
        i, j = names.index(a), names.index(b)
        mat[i, j] = mat[j, i] = r.overlap_rate
    im = ax[0, 1].imshow(mat, vmin=0, vmax=1, cmap="Blues")
    ax[0, 1].set_xticks(range(len(names)), names, rotation=30)
    ax[0, 1].set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            ax[0, 1].text(j, i, f"{mat[i, j]:.1%}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax[0, 1])
    ax[0, 1].set_title("b  overlap rate")
    ax[1, 0].barh(over["stages"], over["accuracy_in_overlap"].fillna(0))
    ax[1, 0].set_xlim(0, 1)
    ax[1, 0].set_title("c  accuracy inside each overlap")
    ax[1, 1].scatter(over["overlap_rate"], over["accuracy_in_overlap"])
    for r in over.itertuples():
        ax[1, 1].annotate(r.stages, (r.overlap_rate, r.accuracy_in_overlap), fontsize=7)
    ax[1, 1].set_xlabel("overlap rate")
    ax[1, 1].set_ylabel("accuracy in overlap")
    ax[1, 1].set_title("d  overlap rate vs accuracy")
    if title:
        fig.suptitle(title)
    return save_png(fig, path)
