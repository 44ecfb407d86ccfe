"""AI / non-AI classification on the real weak-labelled sets: rule, BERT_outer, BERT_inner.

Data (../shared/data, README "Weak labels"): US patents from a "neural network" query (AI)
and a "baseball" query (non-AI); arXiv papers whose categories include cs.AI, cs.LG, cs.CL,
cs.CV, cs.NE or stat.ML (AI) from three snapshots (2007, 2023-09, a cs.CV/cs.LG/stat.ML
title set). One held-out test split (15 %, stratified by source x primary category x label)
is scored for every stage:

- rule: the packaged keywords + IPC lists (these files carry no IPC codes: keywords only);
- outer: BERT trained on the RULE labels of a sample of the training pool (unbalanced),
  the paper's "few thousand weak labels" screen (the paper mixed in GPT-4 labels; no LLM here);
- inner: BERT trained on the weak (query / category) labels, balanced, 8:1:1 inside;
- outer>inner: the screened pipeline of ``innograph classify predict``.

Paper figures for comparison (DeepInnovationAI, Technical Validation): Keywords+IPC acc 0.877
(expert set); BERT_outer acc 0.845; BERT_inner test acc 0.975, AI precision 0.963, recall
0.974, AUPRC 0.996. Their sets are GPT-4/expert-labelled patents, ours are query/category
weak labels: the comparison is of magnitude, not like for like.

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/bench_classifier.py --out /tmp/bench-classifier \\
        [--max-length 128] [--outer-rows 2000] [--inner-rows 3000] [--epochs 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from innograph.models import classify as clf  # noqa: E402
from innograph.models.classify.bert import encode  # noqa: E402

DATA = REPO.parent / "shared" / "data"
AI_CATS = {"cs.AI", "cs.LG", "cs.CL", "cs.CV", "cs.NE", "stat.ML"}
PAPER = {"acc": 0.877, "outer_acc": 0.845, "inner_acc": 0.975, "inner_auprc": 0.996,
         "inner_p_ai": 0.963, "inner_r_ai": 0.974}


from machine import describe  # benchmarks/machine.py (the script's own folder)

def load_sets() -> pd.DataFrame:
    """text, y (weak label), source, stratum — one row per distinct text."""
    rows = []
    for name, y in (("google-patents-neural-network.csv", 1), ("google-patents-baseball.csv", 0)):
        d = pd.read_csv(DATA / "patents" / name, dtype=str)
        for t, a in zip(d.patent_title, d.patent_abstract):
            rows.append((clf.doc_text(t, a), y, "patent", "patent"))
    d = pd.read_csv(DATA / "papers" / "arxiv-2007-snapshot.csv", dtype=str)
    for t, a, c in zip(d.title, d.abstract, d.categories):
        cats = str(c).split()
        rows.append((clf.doc_text(t, a), int(bool(AI_CATS & set(cats))), "arxiv-2007",
                     cats[0].split(".")[0] if cats else "none"))
    d = pd.read_csv(DATA / "papers" / "arxiv-2023-with-affiliations.csv", dtype=str)
    for t, a, s in zip(d.title, d.abstract, d.subjects):
        cats = re.findall(r"\(([^()]+)\)", str(s))
        rows.append((clf.doc_text(t, a), int(bool(AI_CATS & set(cats))), "arxiv-2023",
                     cats[0] if cats else "none"))
    d = pd.read_csv(DATA / "papers" / "arxiv-titles-terms.csv", dtype=str)
    for t, a, s in zip(d.titles, d.summaries, d.terms):
        cats = ast.literal_eval(s)
        rows.append((clf.doc_text(t, a), int(bool(AI_CATS & set(cats))), "arxiv-terms",
                     cats[0] if cats else "none"))
    df = pd.DataFrame(rows, columns=["text", "y", "source", "stratum"])
    df = df[df.text.str.len() > 0].drop_duplicates("text").reset_index(drop=True)
    return df


def machine() -> str:
    return describe()


def fmt(m: dict) -> str:
    return (f"acc {m['accuracy']:.3f}  AUPRC {m['auprc']:.3f}  "
            f"AI P/R/F1 {m['ai']['precision']:.3f}/{m['ai']['recall']:.3f}/{m['ai']['f1']:.3f}  "
            f"non-AI P/R/F1 {m['non_ai']['precision']:.3f}/{m['non_ai']['recall']:.3f}/"
            f"{m['non_ai']['f1']:.3f}")


def inference_rate(model: "clf.TextClassifier", texts: list[str], batch_size: int = 64,
                   warmup: int = 256) -> dict:
    """Inference throughput of a loaded classifier on ``texts`` (as ``predict_proba`` runs it:
    tokenisation, length-sorted dynamic-padding batches, mixed precision on CUDA).

    Returns ``{"docs", "batch_size", "max_length", "s", "docs_per_s", "mean_tokens",
    "share_at_max"}``: documents, wall seconds of one ``predict_proba`` over all of them
    (after a warm-up call on ``warmup`` texts), documents per second, mean tokens per
    document after truncation to ``max_length``, and the fraction truncated to it.
    """
    import torch

    model.predict_proba(texts[:warmup], batch_size=batch_size)
    lengths = np.array([len(x) for x in encode(model.tokenizer, texts, model.max_length)])
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    p = model.predict_proba(texts, batch_size=batch_size)
    s = time.perf_counter() - t
    assert p.shape == (len(texts),) and np.isfinite(p).all()
    return {"docs": len(texts), "batch_size": batch_size, "max_length": model.max_length,
            "s": s, "docs_per_s": len(texts) / s, "mean_tokens": float(lengths.mean()),
            "share_at_max": float((lengths >= model.max_length).mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/bench-classifier")
    ap.add_argument("--base", default=None, help="local HF model folder (default: MiniLM)")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--outer-rows", type=int, default=2000)
    ap.add_argument("--inner-rows", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--device", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (1 is several times faster on a busy shared CPU)")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("command:", "HF_HUB_OFFLINE=1 python", " ".join(sys.argv))
    print("machine:", machine())

    df = load_sets()
    strata = (df.source + ":" + df.stratum).tolist()
    pool, _, test = clf.stratified_split(df.y.tolist(), strata, (0.85, 0.0, 0.15), args.seed)
    tr, te = df.iloc[pool].reset_index(drop=True), df.iloc[test].reset_index(drop=True)
    print(f"data: {len(df)} rows ({df.y.sum()} AI); training pool {len(tr)}, held-out test "
          f"{len(te)} ({te.y.sum()} AI); by source: "
          + ", ".join(f"{s} {n}" for s, n in df.source.value_counts().items()))

    lists = clf.load_rule_lists()
    t0 = time.perf_counter()
    rule_te = clf.rule_labels(te.text.tolist(), lists=lists).astype(float)
    rule_tr = clf.rule_labels(tr.text.tolist(), lists=lists)
    rule_s = time.perf_counter() - t0
    print(f"rule {lists.version}: {(len(te) + len(tr)) / rule_s:,.0f} docs/s")

    common = dict(base_model=args.base, max_length=args.max_length, epochs=args.epochs,
                  patience=args.patience, batch_size=args.batch_size, device=args.device,
                  seed=args.seed, log=lambda r: print("   epoch", json.dumps(r), flush=True))
    timings = {}
    t0 = time.perf_counter()
    print(f"training outer on rule labels ({args.outer_rows} rows, unbalanced)...", flush=True)
    m_outer = clf.train_classifier(tr.text.tolist(), rule_tr.tolist(),
                                   (tr.source + ":" + tr.stratum).tolist(),
                                   out_dir=out / "outer", stage="outer",
                                   max_rows=args.outer_rows, **common)
    timings["outer_train_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    print(f"training inner on weak labels ({args.inner_rows} rows, balanced)...", flush=True)
    m_inner = clf.train_classifier(tr.text.tolist(), tr.y.tolist(),
                                   (tr.source + ":" + tr.stratum).tolist(),
                                   out_dir=out / "inner", stage="inner",
                                   max_rows=args.inner_rows, **common)
    timings["inner_train_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    p_outer = clf.predict_proba(out / "outer", te.text.tolist(), 64, args.device)
    p_inner = clf.predict_proba(out / "inner", te.text.tolist(), 64, args.device)
    timings["predict_docs_per_s"] = 2 * len(te) / (time.perf_counter() - t0)
    scores = {"rule": rule_te, "outer": p_outer, "inner": p_inner,
              "outer>inner": np.where(p_outer < 0.5, p_outer, p_inner)}
    y = te.y.to_numpy()
    results = {"held_out": {k: clf.evaluate(y, v) for k, v in scores.items()},
               "by_source": {}, "agreement": clf.agreement(
                   {k: scores[k] for k in ("rule", "outer", "inner")}, y),
               "inner_internal_test": {k: m_inner[k] for k in ("accuracy", "auprc", "n")},
               "outer_internal_test_vs_rule": {k: m_outer[k] for k in ("accuracy", "auprc", "n")},
               "timings": timings, "machine": machine(), "args": vars(args),
               "rule_version": lists.version, "paper": PAPER}
    for src in ("patent", "papers"):
        mask = (te.source == "patent") if src == "patent" else (te.source != "patent")
        results["by_source"][src] = {k: clf.evaluate(y[mask.to_numpy()], v[mask.to_numpy()])
                                     for k, v in scores.items()}
    clf.plot_pr_curves({k: (y, v) for k, v in scores.items()}, out / "pr_held_out.png",
                       title=f"held-out weak-labelled set, n={len(y)}")
    (out / "results.json").write_text(json.dumps(results, indent=2, default=float))

    print(f"\nheld-out test, n={len(y)} ({int(y.sum())} AI):")
    for k, m in results["held_out"].items():
        print(f"  {k:12s} {fmt(m)}")
    for src, res in results["by_source"].items():
        n = res["rule"]["n"]
        print(f"  -- {src} (n={n}): " + "; ".join(
            f"{k} acc {m['accuracy']:.3f} AUPRC {m['auprc']:.3f}" for k, m in res.items()))
    ag = results["agreement"]
    print("  agreement: " + "; ".join(
        f"{p['a']}~{p['b']} {p['agreement']:.3f} (acc on agreement "
        f"{p['accuracy_on_agreement']:.3f})" for p in ag["pairs"])
          + f"; all three {ag['all']['agreement']:.3f} "
          f"(acc {ag['all']['accuracy_on_agreement']:.3f})")
    print(f"  paper: rule acc {PAPER['acc']}; outer acc {PAPER['outer_acc']}; inner acc "
          f"{PAPER['inner_acc']}, AUPRC {PAPER['inner_auprc']} (GPT-4/expert-labelled patents)")
    print(f"  timings: outer train {timings['outer_train_s']:.0f} s, inner train "
          f"{timings['inner_train_s']:.0f} s, predict {timings['predict_docs_per_s']:.1f} docs/s")
    print(f"  written: {out / 'results.json'}, {out / 'pr_held_out.png'}")


if __name__ == "__main__":
    main()
