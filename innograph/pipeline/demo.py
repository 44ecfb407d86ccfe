"""``innograph demo``: a whole run on a generated corpus, with no server and no input files.

Steps: generate the synthetic corpus (``loaders.synthetic``) → load it into the embedded store
→ embed documents → exact best match paper → later patent (SIMILAR_TO) → mark the AI rule
→ fit hypergraph novelty → export the three CSVs → draw three analyses into ``analysis/``
(cooperation by region, keyword co-occurrence clusters, the region collaboration network:
CSV tables and a PNG each) → write ``summary.json`` / ``summary.md`` (counts, how many
planted flows the best match recovered, every file written).

Embedding: ``sentence`` (default, the offline MiniLM) recovers all 24 planted flows;
``doc2vec`` needs 60 epochs for that on this small corpus (see ``run_demo``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..progress import ProgressFactory

from ..graph import queries, schema
from ..graph.store import open_store
from ..loaders.records import RejectLog
from ..loaders.synthetic import synthetic_corpus
from .export import export_csvs
from .ingest import ingest

ANALYSIS_DIR = "analysis"
TRUTH_JSON = "truth.json"
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"


def recovered_flows(store: Any, flows: dict[str, str], method: str = "exact") -> int:
    """How many planted paper → patent flows are the paper's rank-1 SIMILAR_TO edge."""
    rows = store.read_table(*queries.rank1_flows(method)).to_pylist()
    got = {r["paper"]: r["patent"] for r in rows}
    return sum(1 for p, t in flows.items() if got.get(p) == t)


def novel_in_top_decile(store: Any, novel: list[str]) -> int:
    """How many planted cross-topic documents have a novelty in the top 10% of all."""
    rows = []
    for label in schema.DOCUMENT_LABELS:
        rows += store.read_table(*queries.novelty_values(label)).to_pylist()
    if not rows:
        return 0
    values = sorted(r["v"] for r in rows)
    cut = values[int(0.9 * (len(values) - 1))]
    return sum(1 for r in rows if r["id"] in set(novel) and r["v"] >= cut)


def run_demo(out_dir: str | Path, db: str | None = None, seed: int = 7,
             embed_method: str = "sentence",
             log: Callable[[str], None] = lambda m: None,
             progress: ProgressFactory | None = None) -> dict[str, Any]:
    """Run the demo into ``out_dir`` (store at ``out_dir/innograph.db`` unless ``db``).

    ``embed_method``: "sentence" or "doc2vec"; ``log``: one line per step; ``progress``:
    bars for the embedding step (``innograph.progress``). Returns the summary that is also
    written to ``summary.json``; ``summary["files"]`` lists every file written, relative to
    ``out_dir``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = db or str(out / "innograph.db")
    docs, truth = synthetic_corpus(seed=seed)
    (out / TRUTH_JSON).write_text(json.dumps(truth.as_dict(), indent=1), encoding="utf-8")
    summary: dict[str, Any] = {"store": db, "seed": seed, "embedding": embed_method}
    store = open_store(db)
    try:
        log(f"loading {len(docs)} synthetic documents into {db}")
        rejects = RejectLog(out / schema.REJECTS_CSV)
        loaded = ingest(store, docs, rejects)
        summary["rejected"] = loaded.rejected

        from .embed import embed
        from .match import match

        log(f"embedding documents ({embed_method})")
        # Doc2Vec: 60 epochs (not the CLI's 40) recover every planted flow of the small demo
        extra = {"epochs": 60} if embed_method == "doc2vec" else {}
        embed(store, method=embed_method, deterministic=True,
              model_dir=str(out / "models"), seed=seed, progress=progress, **extra)
        log("exact best match paper → patent filed the same year or later")
        m = match(store, k=1, method="exact")
        summary["papers_without_eligible_patent"] = m.get("no_eligible", 0)
        summary["planted_flows"] = len(truth.flows)
        summary["planted_flows_recovered"] = recovered_flows(store, truth.flows)

        try:
            from .classify import classify_rule

            log("AI rule (keywords + IPC)")
            r = classify_rule(store)
            summary["ai_rule"] = {k: v for k, v in r.items() if isinstance(v, (int, float, str))}
        except ImportError:  # pragma: no cover - classifier module absent
            pass
        try:
            from .novelty import fit_novelty, score_novelty

            log("hypergraph novelty (MMSB)")
            fit_novelty(store, dims=6, out_dir=str(out / "models" / "mmsb"), seed=seed,
                        verbose=False)
            score_novelty(store, model=str(out / "models" / "mmsb"))
        except ImportError:  # pragma: no cover
            pass

        summary["novel_in_top_decile"] = novel_in_top_decile(store, truth.novel)

        log(f"exporting CSVs to {out}")
        summary["exported"] = export_csvs(store, out)
        summary["counts"] = store.stats()

        from . import analyze as az

        log(f"analyses (cooperation, keyword co-occurrence, network) into {out / ANALYSIS_DIR}")
        plots: list[str] = []
        for result in (az.analyze_cooperation(store, by="region", out=out / ANALYSIS_DIR),
                       az.analyze_cooccurrence(store, of="keyword", per_year=False,
                                               out=out / ANALYSIS_DIR),
                       az.analyze_network(store, nodes="region", out=out / ANALYSIS_DIR)):
            plots += result.files
        summary["analysis_files"] = [str(Path(f).relative_to(out)) for f in plots]
    finally:
        store.close()
    for k in ("Paper", "Patent", "Keyword", "HAS_KEYWORD", "SIMILAR_TO"):
        summary[k] = summary["counts"][k]
    lines = ["# innograph demo", "", f"Store: `{db}` (seed {seed}, embedding {embed_method})", ""]
    lines += [f"- {k}: {v}" for k, v in summary.items() if not isinstance(v, (dict, list))]
    files = sorted(str(f.relative_to(out)) for f in out.rglob("*")
                   if f.is_file() and not str(f.relative_to(out)).startswith("innograph.db"))
    files = sorted(set(files) | {SUMMARY_JSON, SUMMARY_MD})
    summary["files"] = files
    lines += ["", "Files:", ""] + [f"- `{f}`" for f in files]
    (out / SUMMARY_JSON).write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    (out / SUMMARY_MD).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary
