"""Which keyword settings give reusable keywords, and what novelty does with single-use ones
(README, "Keywords for novelty"; issue 14).

For each ``--ngram`` setting: load the arXiv 2007 snapshot (shared/data) into a fresh store,
run ``innograph keywords --limit N`` (KeyBERT, offline MiniLM), and report the share of
keywords found in one document only, the share of documents whose keywords are all
single-use, what ``--min-df 2`` / ``3`` would keep, and, after an all-years novelty fit, how
many scored documents share the most common score with and without ``--max-single-use``.

    python benchmarks/bench_keyword_reuse.py --limit 600 --ngram 1-3 1-2 1-1 --work /tmp/kwb
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from innograph.graph.hypergraph import incidence  # noqa: E402
from innograph.graph.store import open_store  # noqa: E402
from innograph.models import mmsb  # noqa: E402
from innograph.pipeline import novelty as nv  # noqa: E402
from innograph.pipeline.keywords import prune_rare_keywords  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "papers" / "arxiv-2007-snapshot.csv"


def _cli(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "innograph.cli", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def _novelty(db: str) -> str:
    s = open_store(db)
    try:
        nv.fit_novelty(s, dims=10, out_dir=db + ".m", verbose=False, max_iter=150)
        out = []
        for thr in (None, 0.8):
            r = nv.score_novelty(s, model=db + ".m", max_single_use=thr)
            t = s.read_table("MATCH (d:Paper) WHERE d.novelty IS NOT NULL "
                             "RETURN d.novelty AS n").to_pandas()
            top = int(t["n"].round(4).value_counts().iloc[0]) if len(t) else 0
            out.append(f"{r['scored']} scored, {top} share one score" if thr is None else
                       f"{r['scored']} scored ({r['single_use']} left null)")
        return "; ".join(out)
    finally:
        s.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=600)
    ap.add_argument("--ngram", nargs="+", default=["1-3", "1-2", "1-1"])
    ap.add_argument("--work", default="/tmp/innograph-kw-reuse")
    a = ap.parse_args()
    Path(a.work).mkdir(parents=True, exist_ok=True)
    print("| --ngram | --min-df | keywords | single-use share | docs all single-use | "
          "docs with ≥ 2 keywords | novelty: without the rule; with --max-single-use 0.8 |")
    print("|---|---|---|---|---|---|---|")
    for ng in a.ngram:
        db = f"{a.work}/s{ng}.db"
        subprocess.run(["rm", "-rf", db, db + ".m"], check=True)
        _cli("load", "arxiv", str(DATA), "--db", db, "--rejects", f"{a.work}/rej.csv")
        t0 = time.perf_counter()
        _cli("keywords", "--db", db, "--ngram", ng, "--limit", str(a.limit))
        secs = time.perf_counter() - t0
        for min_df in (1, 2):
            if min_df > 1:
                s = open_store(db)
                prune_rare_keywords(s, min_df)
                s.close()
            s = open_store(db)
            m = incidence(s).matrix
            s.close()
            r = mmsb.keyword_reuse(m)
            sh = r["doc_single_use_share"]
            print(f"| {ng} | {min_df} | {r['keywords']} | {r['single_use_share']:.3f} | "
                  f"{np.mean(sh == 1):.3f} | {int((r['doc_size'] >= 2).sum())} | "
                  f"{_novelty(db)} |", flush=True)
        print(f"<!-- keywords {ng}: {secs:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
