"""Multi-class text classification (issue 10): Locarno classes of design patents, and real
arXiv categories, with the BERT classifier of ``models.classify.train_multiclass``.

Runs (each prints its figures, seconds, the machine and the command):

- ``synthetic``: design patents with planted Locarno classes
  (``loaders.synthetic_designs``, 10 classes, 10 % label noise so ≈ 0.9 is the ceiling),
  loaded into a Kùzu store with ``pipeline.ingest``, trained with
  ``pipeline.locarno.train_locarno`` (title + figure captions, 8:1:1 split stratified by
  class); held-out test accuracy / macro-F1 / top-3 vs the majority-class baseline and a
  TF-IDF + logistic-regression baseline on the same split; then the model predicts a second,
  independently generated corpus (``evaluate_locarno``) and the 20 real USPTO design grants
  of ``../shared/data/uspto-design`` (transfer from synthetic text to real titles and
  captions; one real class, 05 textiles, has no synthetic counterpart).
- ``arxiv``: ``papers/arxiv-titles-terms.csv``, label = primary (first) category term
  (cs.CV, cs.LG, stat.ML: the only three primaries in the file), text = title + abstract.
- ``arxiv2007``: ``papers/arxiv-2007-snapshot.csv``, label = primary archive (first
  category, before the dot: astro-ph, math, cond-mat, …), classes with at least
  ``--min-rows`` rows (the others left out), text = title + abstract.

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/bench_locarno.py --run all --out /tmp/bench-locarno \\
        [--threads 1] [--epochs 3] [--max-length 128] [--lr 1e-4] [--designs 1200]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from innograph.models import classify as clf  # noqa: E402

from machine import describe  # noqa: E402  (benchmarks/machine.py)

DATA = REPO.parent / "shared" / "data"


def _linear_baseline(texts: list[str], labels: list[str], tr: np.ndarray,
                     te: np.ndarray) -> dict[str, float]:
    """TF-IDF (1-2 grams, sublinear tf) + multinomial logistic regression on the training
    rows, scored on the test rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    x_tr = vec.fit_transform([texts[i] for i in tr])
    model = LogisticRegression(max_iter=2000, C=10.0)
    model.fit(x_tr, [labels[i] for i in tr])
    prob = model.predict_proba(vec.transform([texts[i] for i in te]))
    m = clf.evaluate_multiclass([labels[i] for i in te], prob, list(model.classes_))
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
            "top3_accuracy": m["top3_accuracy"]}


def _split_like_training(labels: list[str], r: dict, opts: dict) -> tuple[np.ndarray, ...]:
    """The train / test rows ``train_multiclass`` used (same labels, policy, seed)."""
    keep, y, _ = clf.prepare_labels(labels, opts.get("min_per_class", 2),
                                    opts.get("rare", "error"))
    tr, va, te = clf.stratified_split(y, None, clf.TrainConfig.split, opts["seed"],
                                      by_value=True)
    return keep[tr], keep[va], keep[te]


def _report(name: str, r: dict, seconds: float, extra: dict | None = None) -> dict:
    row = {"run": name, "classes": r["classes"], "test_rows": r["n"],
           "accuracy": round(r["accuracy"], 4), "macro_f1": round(r["macro_f1"], 4),
           "weighted_f1": round(r["weighted_f1"], 4),
           "top3_accuracy": round(r["top3_accuracy"], 4),
           "majority_class": r["majority_class"],
           "majority_accuracy": round(r["majority_accuracy"], 4),
           "best_epoch": r["best_epoch"], "train_seconds": round(seconds, 1), **(extra or {})}
    print(json.dumps(row))
    return row


def run_synthetic(args: argparse.Namespace, out: Path) -> list[dict]:
    from innograph.graph.store import open_store
    from innograph.loaders.records import RejectLog
    from innograph.loaders.synthetic_designs import synthetic_designs
    from innograph.loaders.uspto_xml import read_uspto_xml
    from innograph.pipeline import figure_search as pf
    from innograph.pipeline import locarno as pl
    from innograph.pipeline.ingest import ingest

    tmp = Path(tempfile.mkdtemp(prefix="bench-locarno-"))
    store = open_store(str(tmp / "g.db"))
    store.ensure_schema()
    t0 = time.perf_counter()
    ingest(store, synthetic_designs(args.designs, seed=11), RejectLog(None))
    load_s = time.perf_counter() - t0
    opts = dict(max_length=args.max_length, epochs=args.epochs, lr=args.lr, seed=0,
                device=args.device, patience=2)
    t0 = time.perf_counter()
    r = pl.train_locarno(store, out / "locarno-class", level="class", **opts)
    secs = time.perf_counter() - t0
    # the linear baseline on exactly the training run's split
    t = pf.locarno_table(store, "class", True)
    texts, labels, ids = (t.column(c).to_pylist() for c in ("text", "label", "id"))
    tr, _, te = _split_like_training(labels, r, opts)
    with open(out / "locarno-class" / "test_predictions.csv") as f:
        assert sorted(ids[i] for i in te) == sorted(x["id"] for x in csv.DictReader(f))
    lin = _linear_baseline(texts, labels, tr, te)
    rows = [_report(f"synthetic designs ({args.designs}, class level)", r, secs,
                    {"ingest_seconds": round(load_s, 1),
                     "tfidf_logreg_accuracy": round(lin["accuracy"], 4),
                     "tfidf_logreg_macro_f1": round(lin["macro_f1"], 4)})]
    # a second, independent corpus and the real grants, scored by the stored model
    other = open_store(str(tmp / "g2.db"))
    other.ensure_schema()
    ingest(other, synthetic_designs(600, seed=12), RejectLog(None))
    t0 = time.perf_counter()
    p = pl.predict_locarno(other, out / "locarno-class", device=args.device)
    pred_s = time.perf_counter() - t0
    m = pl.evaluate_locarno(other, out / "locarno-class", device=args.device)
    row = {"run": "synthetic designs, new corpus (seed 12, 600)", "patents": m["n"],
           "accuracy": round(m["accuracy"], 4), "macro_f1": round(m["macro_f1"], 4),
           "top3_accuracy": round(m["top3_accuracy"], 4),
           "majority_accuracy": round(m["majority_accuracy"], 4),
           "predict_seconds": round(pred_s, 1),
           "predict_rate_per_s": round(p["patents"] / pred_s, 1)}
    print(json.dumps(row))
    rows.append(row)
    real = DATA / "uspto-design"
    if any(real.glob("*.XML")):
        rs = open_store(str(tmp / "real.db"))
        rs.ensure_schema()
        ingest(rs, read_uspto_xml(real), RejectLog(tmp / "rejects"))
        pl.predict_locarno(rs, out / "locarno-class", device=args.device)
        m = pl.evaluate_locarno(rs, out / "locarno-class", device=args.device,
                                png=out / "real-grants-confusion.png")
        got = rs.read_table("MATCH (p:Patent) RETURN p.id AS id, p.title AS title, "
                            "p.locarno_pred AS pred, p.locarno_prob AS prob ORDER BY id")
        truth = dict(zip(*[pf.locarno_table(rs).column(c).to_pylist() for c in ("id", "label")]))
        for g in got.to_pylist():
            print(f"  {g['id']}  true {truth.get(g['id'])}  pred {g['pred']} "
                  f"({g['prob']:.2f})  {g['title']}")
        row = {"run": "real USPTO design grants (20)", "patents": m["n"],
               "accuracy": round(m["accuracy"], 4), "macro_f1": round(m["macro_f1"], 4),
               "top3_accuracy": round(m["top3_accuracy"], 4),
               "majority_accuracy": round(m["majority_accuracy"], 4),
               "unknown_labels": m["unknown_labels"]}
        print(json.dumps(row))
        rows.append(row)
    return rows


def _train_text(name: str, texts: list[str], labels: list[str], args: argparse.Namespace,
                out: Path, **policy: object) -> dict:
    opts = dict(max_length=args.max_length, epochs=args.epochs, lr=args.lr, seed=0,
                device=args.device, patience=2, **policy)
    t0 = time.perf_counter()
    r = clf.train_multiclass(texts, labels, out_dir=out / name, stage=name, **opts)
    secs = time.perf_counter() - t0
    tr, _, te = _split_like_training(labels, r, opts)
    lin = _linear_baseline(texts, labels, tr, te)
    return _report(name, r, secs, {"rows": len(texts),
                                   "tfidf_logreg_accuracy": round(lin["accuracy"], 4),
                                   "tfidf_logreg_macro_f1": round(lin["macro_f1"], 4)})


def run_arxiv(args: argparse.Namespace, out: Path) -> list[dict]:
    d = pd.read_csv(DATA / "papers" / "arxiv-titles-terms.csv")
    texts = [clf.doc_text(t, a) for t, a in zip(d.titles, d.summaries)]
    labels = [ast.literal_eval(s)[0] for s in d.terms]
    return [_train_text("arxiv-primary-term", texts, labels, args, out)]


def run_arxiv2007(args: argparse.Namespace, out: Path) -> list[dict]:
    d = pd.read_csv(DATA / "papers" / "arxiv-2007-snapshot.csv", dtype=str)
    texts = [clf.doc_text(t, a) for t, a in zip(d.title, d.abstract)]
    labels = [str(c).split()[0].split(".")[0] for c in d.categories]
    return [_train_text("arxiv2007-primary-archive", texts, labels, args, out,
                        min_per_class=args.min_rows, rare="drop")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default="all", choices=["all", "synthetic", "arxiv", "arxiv2007"])
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench-locarno"))
    ap.add_argument("--designs", type=int, default=1200)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--min-rows", type=int, default=60)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    print("machine:", describe())
    print("command:", " ".join(sys.argv))
    rows = []
    for name, fn in (("synthetic", run_synthetic), ("arxiv", run_arxiv),
                     ("arxiv2007", run_arxiv2007)):
        if args.run in ("all", name):
            rows += fn(args, args.out)
    (args.out / "results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
