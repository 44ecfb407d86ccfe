"""KeyBERT keywords: stock per-document loop vs innograph's exact and fast modes.

Same texts, same model (the offline MiniLM package), same settings (English stop words,
top-k by cosine): the real neural-network patent abstracts of ``shared/data``.

For each n-gram range it prints docs/s (wall clock, and per CPU-second of this process: the
machine may be shared, and CPU time is the steadier figure), the speed-up over stock, and
how the answers compare with stock's on the documents both ran:
``top5 identical`` (same keywords in the same order), ``same set``, ``overlap``
(mean |A ∩ B| / k), and for exact mode how many differences are ties (the swapped
keywords' stock scores within 1e-4).

Mode ``exact-st`` is exact mode with sentence-transformers' own ``encode`` per batch (the
encoder before bulk tokenisation: ``Encoder(bulk=False)``), beside ``exact`` (one bulk
Rust-tokenizer pass, the module stack run on the padded features); ``--profile`` adds a
cProfile of each encode path on the run's documents and distinct candidates: the share of
time in tokenisation, in the model's forward, and the rest.

    python benchmarks/bench_keywords.py --n-docs 2000 --ngram both
    python benchmarks/bench_keywords.py --n-docs 200 --ngram 1-3 --modes stock,exact,fast
    python benchmarks/bench_keywords.py --n-docs 300 --ngram 1-3 --modes exact-st,exact --profile
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from machine import describe  # benchmarks/machine.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "patents" / "google-patents-neural-network.csv"


def machine() -> str:
    return describe()


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def compare(ref: list, got: list, k: int) -> dict:
    """Answers of ``got`` vs ``ref`` (lists of (word, score)) on their first k."""
    same = same_set = ties = 0
    overlap = []
    for a, b in zip(ref, got):
        wa, wb = [w for w, _ in a[:k]], [w for w, _ in b[:k]]
        overlap.append(len(set(wa) & set(wb)) / max(1, min(k, max(len(wa), len(wb)))))
        if wa == wb:
            same += 1
            continue
        if set(wa) == set(wb):
            same_set += 1
        # a tie: where the lists part, the two keywords' scores (either run) within 1e-4
        sa, sb = dict(a), dict(b)
        j = next(i for i, (x, y) in enumerate(zip(wa + [None] * k, wb + [None] * k)) if x != y)
        x, y = (wa + [None] * k)[j], (wb + [None] * k)[j]
        if x is not None and y is not None:
            s1 = sa.get(x, sb.get(x))
            s2 = sb.get(y, sa.get(y))
            if s1 is not None and s2 is not None and abs(s1 - s2) <= 1e-4:
                ties += 1
    n = len(overlap)
    return {"docs": n, "top_identical": same / n, "same_set": (same + same_set) / n,
            "overlap": float(np.mean(overlap)) if n else float("nan"),
            "differ": n - same, "differ_ties": ties}


def profile_encode(enc, texts: list[str]) -> dict:
    """cProfile one ``enc.encode(texts)``: seconds in tokenisation (the bulk tokenizer and
    padding, or the token-length pass plus sentence-transformers' ``preprocess``), in the
    module stack's forward, and in total (profiler overhead included: shares, not rates).
    On CUDA the forward is the kernel launches; the kernels' time lands in the rest."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    w = time.perf_counter()
    prof.runcall(enc.encode, texts)
    total = time.perf_counter() - w
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)

    def cum(*fns) -> float:
        keys = {(c.co_filename, c.co_firstlineno, c.co_name) for c in
                (f.__code__ for f in fns)}
        return sum(v[3] for k, v in stats.items() if k in keys)

    from sentence_transformers.base.modules.transformer import Transformer

    from innograph.models.keywords import encoder as E

    bulk = E._BulkTokenizer
    # none of these calls another of them: their cumulative times add up
    tok = cum(E.Encoder.token_lengths, bulk.of, bulk.encode, bulk.features,
              Transformer.preprocess)
    fwd = cum(type(enc.model).forward)
    return {"texts": len(texts), "total_s": total, "tokenise_s": tok, "forward_s": fwd,
            "other_s": total - tok - fwd}


def time_tokenise(enc, texts: list[str]) -> dict:
    """Wall seconds to turn ``texts`` into padded model inputs, without the forward and
    without the profiler: the bulk path (one ``encode_batch``, numpy padding per batch), or
    the per-text one (``token_lengths`` plus sentence-transformers' ``preprocess`` per
    batch: a lower bound of what ``SentenceTransformer.encode`` spends before the model)."""
    w = time.perf_counter()
    if enc.bulk:
        bulk = enc._bulk_tokenizer()  # made once per encoder, as encode uses it
        encodings = bulk.encode(texts)
        lengths = bulk.lengths(encodings)
        for _ in bulk.features(encodings, lengths, enc.batches(lengths)):
            pass
    else:
        for idx in enc.batches(enc.token_lengths(texts)):
            enc.model.preprocess([texts[i] for i in idx])
    wall = time.perf_counter() - w
    return {"texts": len(texts), "wall_s": wall, "texts_per_s": len(texts) / wall}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-docs", type=int, default=2000)
    ap.add_argument("--stock-docs", type=int, default=None,
                    help="documents for the (slow) stock loop; default --n-docs")
    ap.add_argument("--ngram", choices=["1", "1-3", "both"], default="both")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--modes", default="stock,exact,fast")
    ap.add_argument("--fast-kind", default="auto", help="auto | bf16 | int8")
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default: torch's choice); 1 is steadier on a "
                         "shared machine, where 2 OpenMP threads stall the stock loop")
    ap.add_argument("--data", default=str(DATA),
                    help="CSV with a patent_abstract column (.csv.gz read too)")
    ap.add_argument("--model", default=None,
                    help="local sentence-transformers folder (default: the offline MiniLM)")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile the exact-st and exact encode paths (tokenise vs forward)")
    ap.add_argument("--json", default=None, help="write the figures to this file")
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import pandas as pd
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from innograph.models import keywords as K

    if not Path(args.data).exists():
        sys.exit(f"data file not found: {args.data} (shared/data must sit beside the repo)")
    texts = pd.read_csv(args.data)["patent_abstract"].fillna("").astype(str).tolist()
    texts = texts[: args.n_docs]
    n_stock = min(args.stock_docs or len(texts), len(texts))
    modes = args.modes.split(",")
    ngrams = {"1": [(1, 1)], "1-3": [(1, 3)], "both": [(1, 1), (1, 3)]}[args.ngram]

    print("machine:", machine())
    print("command: python benchmarks/bench_keywords.py " + " ".join(argv or sys.argv[1:]))
    print(f"data: {args.data} ({len(texts)} abstracts; stock loop on the first {n_stock})")
    exact_enc = K.load_encoder(args.model, args.device)
    st_enc = K.Encoder(exact_enc.model, exact_enc.model_id, exact_enc.device, bulk=False,
                       batch_tokens=exact_enc.batch_tokens, max_batch=exact_enc.max_batch)
    fast_enc = None
    if "fast" in modes:
        fast_enc = K.load_encoder(args.model, args.device, fast=True if args.fast_kind == "auto"
                                  else args.fast_kind)
    print(f"model: {exact_enc.model_id} on {exact_enc.device}; fast = "
          f"{fast_enc.model_id if fast_enc else '-'}")
    report: dict = {"machine": machine(), "n_docs": len(texts), "n_stock": n_stock, "runs": {}}
    for ng in ngrams:
        tag = f"{ng[0]}-{ng[1]}"
        res: dict = {}
        outs: dict = {}
        if "stock" in modes:
            from keybert import KeyBERT

            kb = KeyBERT(model=exact_enc.model)
            out, w, c = timed(lambda: [kb.extract_keywords(t, keyphrase_ngram_range=ng,
                                                           top_n=args.top_k)
                                       for t in texts[:n_stock]])
            outs["stock"] = out
            res["stock"] = {"docs": n_stock, "wall_s": w, "docs_per_s": n_stock / w,
                            "docs_per_cpu_s": n_stock / c}
        for mode, enc in (("exact-st", st_enc), ("exact", exact_enc), ("fast", fast_enc)):
            if mode not in modes:
                continue
            st: dict = {}
            out, w, c = timed(lambda: K.extract_keywords(
                texts, top_k=args.top_k, ngram_range=ng, model=enc, stats=st))
            outs[mode] = out
            res[mode] = {"docs": len(texts), "wall_s": w, "docs_per_s": len(texts) / w,
                         "docs_per_cpu_s": len(texts) / c, **st}
            if "stock" in res:
                res[mode]["speedup_wall"] = res[mode]["docs_per_s"] / res["stock"]["docs_per_s"]
                res[mode]["speedup_cpu"] = (res[mode]["docs_per_cpu_s"]
                                            / res["stock"]["docs_per_cpu_s"])
                res[mode]["vs_stock"] = compare(outs["stock"], out[:n_stock], args.top_k)
        if "exact" in outs and "fast" in outs:
            res["fast"]["vs_exact"] = compare(outs["exact"], outs["fast"], args.top_k)
        if "exact" in outs and "exact-st" in outs:
            res["exact"]["vs_exact-st"] = compare(outs["exact-st"], outs["exact"], args.top_k)
            res["exact"]["speedup_vs_st_wall"] = (res["exact"]["docs_per_s"]
                                                  / res["exact-st"]["docs_per_s"])
            res["exact"]["speedup_vs_st_cpu"] = (res["exact"]["docs_per_cpu_s"]
                                                 / res["exact-st"]["docs_per_cpu_s"])
        if args.profile:
            batch = K.document_candidates(texts, ng)
            work = list(dict.fromkeys(t for t in texts if t.strip())) + list(batch.vocab)
            res["profile"] = {name: profile_encode(enc, work)
                              for name, enc in (("exact-st", st_enc), ("exact", exact_enc))}
            res["tokenise"] = {name: time_tokenise(enc, work)
                               for name, enc in (("exact-st", st_enc), ("exact", exact_enc))}
        report["runs"][tag] = res
        print(f"\n== {tag}-grams, top-{args.top_k} ==")
        for mode, r in res.items():
            if mode == "profile":
                for name, p in r.items():
                    print(f"profile {name:8s} {p['texts']} texts  {p['total_s']:7.1f} s: "
                          f"tokenise {p['tokenise_s'] / p['total_s']:5.1%}, forward "
                          f"{p['forward_s'] / p['total_s']:5.1%}, other "
                          f"{p['other_s'] / p['total_s']:5.1%}")
                continue
            if mode == "tokenise":
                for name, p in r.items():
                    print(f"tokenise only {name:8s} {p['texts']} texts  {p['wall_s']:7.2f} s "
                          f"{p['texts_per_s']:10.0f} texts/s")
                continue
            line = (f"{mode:6s} {r['docs']:5d} docs  {r['wall_s']:8.1f} s  "
                    f"{r['docs_per_s']:7.2f} docs/s  {r['docs_per_cpu_s']:7.2f} docs/cpu-s")
            if "speedup_wall" in r:
                line += f"  x{r['speedup_wall']:.2f} wall, x{r['speedup_cpu']:.2f} cpu"
            if "speedup_vs_st_wall" in r:
                line += (f"  x{r['speedup_vs_st_wall']:.2f} wall, x{r['speedup_vs_st_cpu']:.2f}"
                         " cpu vs exact-st")
            print(line)
            if "candidates" in r:
                print(f"       {r['unique_documents']} distinct texts, {r['pairs']} "
                      f"(doc, candidate) pairs, {r['candidates']} distinct candidates embedded")
            for key in ("vs_stock", "vs_exact", "vs_exact-st"):
                if key in r:
                    v = r[key]
                    print(f"       {key}: top-{args.top_k} identical {v['top_identical']:.3f}, "
                          f"same set {v['same_set']:.3f}, overlap {v['overlap']:.3f} "
                          f"({v['differ']} differ, {v['differ_ties']} of them ties) on "
                          f"{v['docs']} docs")
        sys.stdout.flush()
    print("\nload avg at the end:", f"{os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
