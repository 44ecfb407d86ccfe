"""``innograph embed``, ``match`` and ``keywords``: document vectors, the best-match
SIMILAR_TO edges between them, and KeyBERT keywords."""

from __future__ import annotations

from typing import Any, Optional

import typer

from .choices import (DEVICE_VALUES, Diversity, EmbedMethod, EmbedText, Format, MatchMethod,
                      Precision, YearFilter, parse_device, parse_ngram)
from .common import DbOption, console, fail, open_db, print_json, print_table, user_errors
from .progress import rich_progress


@user_errors()
def embed_cmd(
        db: Optional[str] = DbOption,
        method: EmbedMethod = typer.Option("sentence", "--method", help="sentence (offline "
                                           "all-MiniLM-L6-v2: sensible matches on real text) | "
                                           "doc2vec (the paper's, trained on the store; see "
                                           "README)"),
        text: EmbedText = typer.Option("text", "--text", help="text (title + abstract) | "
                                       "keywords"),
        model: Optional[str] = typer.Option(None, "--model", help="doc2vec: a saved model file; "
                                            "sentence: a local model folder (default: the "
                                            "offline all-MiniLM-L6-v2)"),
        models_dir: Optional[str] = typer.Option(None, "--models-dir", envvar="INNOGRAPH_MODELS",
                                                 help="Where Doc2Vec models are saved (./models)"),
        vector_size: int = typer.Option(300, "--vector-size"),
        window: int = typer.Option(15, "--window"),
        epochs: int = typer.Option(40, "--epochs"),
        min_count: int = typer.Option(2, "--min-count"),
        dm: bool = typer.Option(False, "--dm", help="PV-DM instead of PV-DBOW"),
        seed: int = typer.Option(0, "--seed"),
        deterministic: bool = typer.Option(False, "--deterministic", help="1 training thread, "
                                           "seeded inference: reruns give identical vectors"),
        device: Optional[str] = typer.Option(None, "--device", parser=parse_device,
                                             help=f"{DEVICE_VALUES} (sentence)"),
        batch_size: int = typer.Option(64, "--batch-size"),
        retrain: bool = typer.Option(False, "--retrain", help="Train a new Doc2Vec model even "
                                     "if one with these settings is saved"),
        force: bool = typer.Option(False, "--force", help="Recompute documents already "
                                   "embedded by this model"),
        fmt: Format = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Compute one vector per Paper and Patent and store it (embedding, embedding_model, …).

    Default: sentence embeddings (offline MiniLM), which gave sensible best matches on the real
    sets where Doc2Vec did not; --method doc2vec is the paper's (docs/method.md §5).
    Example: innograph embed --text keywords --device cuda
    """
    from ..pipeline.embed import embed

    with open_db(db) as store, rich_progress(console=console) as bars:
        s = embed(store, method=method.value, text=text.value, model_path=model,
                  model_dir=models_dir, vector_size=vector_size, window=window,
                  epochs=epochs, min_count=min_count, dm=int(dm), seed=seed,
                  deterministic=deterministic, device=device, batch_size=batch_size,
                  retrain=retrain, force=force, log=lambda m: console.print(m),
                  progress=bars)
    console.print(f"model {s['model']} ({s['dims']} dims) in {s['seconds']} s")
    print_table([{"label": k, **v} for k, v in s["labels"].items()], fmt)


@user_errors(ValueError)
def match_cmd(
        db: Optional[str] = DbOption,
        k: int = typer.Option(1, "--k", help="Patents per paper"),
        method: MatchMethod = typer.Option("exact", "--method", help="exact | index"),
        device: Optional[str] = typer.Option(None, "--device", parser=parse_device,
                                             help=f"{DEVICE_VALUES} (exact)"),
        precision: Precision = typer.Option("fp32", "--precision", help="fp32 | fp16 | bf16 "
                                            "(exact; GPU: low-precision candidates, fused "
                                            "Triton kernel when installed, certified in fp32: "
                                            "results stay exact)"),
        model: Optional[str] = typer.Option(None, "--model", help="embedding_model to use "
                                            "(default: the most common)"),
        sample: int = typer.Option(1000, "--sample", help="Papers for recall@1 (index)"),
        oversample: int = typer.Option(10, "--oversample", help="Index: fetch k × this, then "
                                       "filter by year"),
        year_filter: YearFilter = typer.Option("after", "--year-filter", help="Index: after "
                                               "(fetch k × oversample, then filter) | index "
                                               "(search only eligible patents inside the "
                                               "index; Kùzu)"),
        rebuild_index: bool = typer.Option(False, "--rebuild-index"),
        fmt: Format = typer.Option("table", "--format", help="table | csv | json"),
        ai_only: bool = typer.Option(False, "--ai-only", help="Only papers and patents whose "
                                     "final AI label is AI (is_ai, else ai_rule)")) -> None:
    """Link each paper to its most similar patent(s) filed the same year or later (SIMILAR_TO).

    Re-running replaces the edges of that method. Example: innograph match --k 3 --device cuda
    """
    import json

    from ..pipeline.match import match

    with open_db(db) as store:
        s = match(store, k=k, method=method.value, device=device, precision=precision.value,
                  model=model, sample=sample, oversample=oversample,
                  rebuild_index=rebuild_index, year_filter=year_filter.value,
                  log=lambda m: console.print(m), ai_only=ai_only)
    rows = [{"item": key, "value": json.dumps(v) if isinstance(v, dict) else v}
            for key, v in s.items()]
    print_table(rows, fmt)
    if s["edges"] == 0:
        fail(f"no SIMILAR_TO edge written: none of the {s['papers']} papers has a patent "
             f"filed the same year or later among the {s['patents']} patents", 1)


@user_errors()
def keywords(
    top_k: int = typer.Option(10, "--top-k", help="Keywords per document."),
    ngram: Any = typer.Option("1-3", "--ngram", parser=parse_ngram,
                                          help="Words per keyphrase: 1, 1-2, 1-3 …"),
    diversity: Diversity = typer.Option("none", "--diversity", help="none | mmr | maxsum"),
    mmr_diversity: float = typer.Option(0.5, "--mmr-diversity", help="MMR lambda in [0, 1]."),
    redo: bool = typer.Option(False, "--redo", help="Recompute documents already done."),
    model: Optional[str] = typer.Option(None, "--model", help="Local sentence-transformers "
                                        "dir (default: bundled MiniLM)."),
    device: Optional[str] = typer.Option(None, "--device", parser=parse_device,
                                         help=f"{DEVICE_VALUES} (default: cuda when "
                                         "available)."),
    fast: bool = typer.Option(False, "--fast", help="bf16 (GPU/AMX CPU; top-5 overlap ~0.99) "
                              "or elsewhere int8 candidates rescored in fp32 (overlap ~1.0, "
                              "little faster)."),
    batch_docs: int = typer.Option(2000, "--batch-docs", help="Documents per extract+write batch."),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir", envvar="INNOGRAPH_KEYWORD_CACHE",
                                            help="On-disk candidate-embedding cache."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many documents per label."),
    min_df: int = typer.Option(1, "--min-df", help="After extraction, drop KeyBERT keywords "
                               "found in fewer than N documents (novelty needs reusable "
                               "keywords; e.g. 2 or 3 with --ngram 1-2)."),
    db: Optional[str] = DbOption,
) -> None:
    """KeyBERT keywords for every document lacking them (resumable).

    Example: innograph keywords --top-k 10 --ngram 1-2 --min-df 2
    """
    from ..pipeline.keywords import extract_into_store, prune_rare_keywords

    with open_db(db) as store, rich_progress(console=console) as bars:
        s = extract_into_store(store, top_k=top_k, ngram=ngram,
                               diversity=None if diversity.value == "none" else diversity.value,
                               mmr_diversity=mmr_diversity, redo=redo, model_path=model,
                               device=device, fast=fast, batch_docs=batch_docs,
                               cache_dir=cache_dir, limit=limit, progress=bars)
        if min_df > 1:
            s["min_df"] = prune_rare_keywords(store, min_df)
    print_json(s)
