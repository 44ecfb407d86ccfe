"""``innograph embed`` and ``innograph match``: document vectors and SIMILAR_TO best matches.

``embed(store, …)`` reads (id, title, abstract) — or (id, keyword list) — of every Paper and
Patent in key-ordered pages, computes one vector per document (``models.embeddings``:
Doc2Vec trained on the corpus, or a local sentence-transformer) and writes ``embedding``,
``embedding_model``, ``embedding_dim``, ``embedding_at`` back with ``set_properties``.

``match(store, …)`` reads the vectors and years, finds each paper's best patent filed the same
year or later (``models.bestmatch.best_match``, exact; or the store's vector index,
over-fetched then year-filtered, or year-filtered inside the index where the store can, with
its recall@1 against exact on a sample), deletes the previous SIMILAR_TO edges of that
method and writes the new ones {score: raw cosine, rank, method, model}. docs/method.md §5.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import BadInputError, InnographError
from ..graph import queries, schema
from ..graph.store import Store
from ..models import embeddings as emb
from ..models.bestmatch import best_match
from ..progress import Progress, ProgressFactory
from .scope import ai_keys

PAGE = 20_000  # documents per read page / write batch
EDGE_BATCH = 100_000
DEFAULT_MODELS_DIR = "models"

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# ------------------------------------------------------------------ reading
def _pages(store: Store, label: str, returns: dict[str, str], where: str = "true",
           page: int = PAGE) -> Iterator[pa.Table]:
    """Key-ordered pages of the ``label`` nodes ``d`` meeting ``where``: ``id`` (the key) and
    ``returns`` (column -> property), ``page`` rows at a time (``queries.node_page``)."""
    return queries.paginate(store, queries.node_page, page, label=label, columns=returns,
                            where=where)


def _doc_texts(store: Store, label: str, text: str, page: int = PAGE
               ) -> Iterator[tuple[list[str], list[str], list[str | None]]]:
    """Pages of (ids, texts, current embedding_model). ``text``: "text" → title + ". " +
    abstract; "keywords" → the document's keywords by rank, joined with "; "."""
    if text not in ("text", "keywords"):
        raise BadInputError(f"text must be 'text' or 'keywords', not {text!r}")
    for t in _pages(store, label, {"title": "title", "abstract": "abstract",
                                   "model": "embedding_model"}, page=page):
        ids = t.column("id").to_pylist()
        models = t.column("model").to_pylist()
        if text == "text":
            texts = [". ".join(x for x in (a, b) if x) for a, b in
                     zip(t.column("title").to_pylist(), t.column("abstract").to_pylist())]
        else:
            kw = _keywords(store, label, ids[0], ids[-1])
            texts = ["; ".join(kw.get(i, [])) for i in ids]
        yield ids, texts, models


def _keywords(store: Store, label: str, first: str, last: str) -> dict[str, list[str]]:
    t = store.read_table(*queries.keywords_in_key_range(label, first, last))
    out: dict[str, list[str]] = {}
    for i, name in zip(t.column("id").to_pylist(), t.column("name").to_pylist()):
        out.setdefault(i, []).append(name)
    return out


def _split_keywords(text: str) -> list[str]:
    return [k for k in text.split("; ") if k]


# ------------------------------------------------------------------ writing
def _write_vectors(store: Store, label: str, ids: list[str], vecs: np.ndarray | None,
                   model: str, at: str) -> None:
    """Set embedding + provenance on ``ids``; ``vecs`` None → clear them (no usable text)."""
    if not ids:
        return
    n = len(ids)
    if vecs is None:
        cols = {"id": ids, "embedding": pa.nulls(n, pa.list_(pa.float32())),
                "embedding_model": pa.nulls(n, pa.string()),
                "embedding_dim": pa.nulls(n, pa.int64()), "embedding_at": [at] * n}
    else:
        v = np.ascontiguousarray(vecs, dtype=np.float32)
        arr = pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), v.shape[1]).cast(
            pa.list_(pa.float32()))
        cols = {"id": ids, "embedding": arr, "embedding_model": [model] * n,
                "embedding_dim": [int(v.shape[1])] * n, "embedding_at": [at] * n}
    store.set_properties(label, pa.table(cols))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ------------------------------------------------------------------ embed
def embed(store: Store, method: str = "sentence", text: str = "text",
          model_path: str | None = None, model_dir: str | None = None,
          vector_size: int = emb.Doc2VecConfig.vector_size, window: int = emb.Doc2VecConfig.window,
          epochs: int = emb.Doc2VecConfig.epochs, min_count: int = emb.Doc2VecConfig.min_count,
          dm: int = emb.Doc2VecConfig.dm, seed: int = 0, deterministic: bool = False,
          device: str | None = None, batch_size: int = 64, retrain: bool = False,
          force: bool = False, labels: tuple[str, ...] = schema.DOCUMENT_LABELS,
          log: Log = _quiet, progress: ProgressFactory | None = None) -> dict[str, Any]:
    """Compute and store one vector per Paper and Patent.

    Parameters
    ----------
    method : "sentence" (default: a local sentence-transformer; ``model_path`` None → the
        offline all-MiniLM-L6-v2) or "doc2vec" (trained on the store's documents, the
        paper's choice; on the real arXiv / patent sets its top matches were nonsense).
    text : "text" (title + abstract) or "keywords" (the document's HAS_KEYWORD terms).
    model_path : doc2vec: a saved model to use instead of ``<model_dir>/<model id>.model``;
        sentence: a local model directory.
    model_dir : where trained Doc2Vec models are saved (default ``./models``, or
        ``$INNOGRAPH_MODELS``). A saved model with the same settings is reused: its training
        documents get their trained vectors, new documents are inferred (``retrain`` forces a
        new training run).
    vector_size, window, epochs, min_count, dm, seed : Doc2Vec settings (``Doc2VecConfig``).
    deterministic : one training thread, fixed seeds, seeded inference: two runs write
        identical vectors (see ``models.embeddings``).
    device, batch_size : sentence-transformer device (None → CUDA if available) and batch.
    force : recompute documents whose ``embedding_model`` already equals this model's id
        (otherwise they are skipped: a rerun resumes).
    progress : a ``ProgressFactory`` (``innograph.progress``): one ``(done, total)``
        callback per step — Doc2Vec training (documents read over the vocabulary pass and
        every epoch), inference and sentence encoding per label (documents done, skipped
        ones included, over the label's documents).

    Returns a summary: model id, dims, per label ``embedded`` / ``skipped`` (already current)
    / ``empty`` (no usable text: embedding cleared), seconds, model path.
    """
    t0 = time.perf_counter()
    at = _now()
    summary: dict[str, Any] = {"method": method, "text": text, "labels": {}}
    if method == "doc2vec":
        cfg = emb.Doc2VecConfig(vector_size=vector_size, window=window, epochs=epochs,
                                min_count=min_count, dm=dm, seed=seed)
        _embed_doc2vec(store, cfg, text, model_path, model_dir, deterministic, retrain, force,
                       labels, at, summary, log, progress)
    elif method == "sentence":
        _embed_sentence(store, text, model_path, device, batch_size, force, labels, at,
                        summary, log, progress)
    else:
        raise BadInputError(f"method must be 'doc2vec' or 'sentence', not {method!r}")
    summary["at"] = at
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    return summary


def _offset(report: Progress | None, base: int, total: int) -> Progress | None:
    """A callback for one page's model call that reports ``base + done`` of the label's
    ``total`` to ``report`` (reporting ``base`` now); None without ``report``."""
    if report is None:
        return None
    report(base, total)
    return lambda done, _page_total: report(base + done, total)


def _tokens(text_kind: str, text: str) -> list[str]:
    return emb.keyword_tokens(_split_keywords(text)) if text_kind == "keywords" else emb.tokenize(text)


def _embed_sentence(store: Store, text: str, model_path: str | None, device: str | None,
                    batch_size: int, force: bool, labels: tuple[str, ...], at: str,
                    summary: dict[str, Any], log: Log,
                    progress: ProgressFactory | None = None) -> None:
    model_id = emb.sentence_model_id(model_path, text)
    st = emb.load_sentence_model(model_path, device=device)
    summary.update(model=model_id, model_path=str(model_path or emb.default_sentence_model_path()),
                   dims=emb.sentence_dim(st), device=str(st.device))
    for label in labels:
        c = Counter(embedded=0, skipped=0, empty=0)
        report = progress(f"{label}: encoding") if progress else None
        total = store.count(label) if report else 0
        for ids, texts, models in _doc_texts(store, label, text):
            todo = [(i, x) for i, x, m in zip(ids, texts, models) if force or m != model_id]
            c["skipped"] += len(ids) - len(todo)
            empty = [i for i, x in todo if not x.strip()]
            full = [(i, x) for i, x in todo if x.strip()]
            _write_vectors(store, label, empty, None, model_id, at)
            inner = _offset(report, c["embedded"] + c["skipped"] + c["empty"] + len(empty),
                            total)
            if full:
                v = emb.sentence_vectors(st, [x for _, x in full], batch_size=batch_size,
                                         progress=inner)
                _write_vectors(store, label, [i for i, _ in full], v, model_id, at)
            c["embedded"] += len(full)
            c["empty"] += len(empty)
            log(f"{label}: {c['embedded']} embedded")
        summary["labels"][label] = dict(c)


def _embed_doc2vec(store: Store, cfg: emb.Doc2VecConfig, text: str, model_path: str | None,
                   model_dir: str | None, deterministic: bool, retrain: bool, force: bool,
                   labels: tuple[str, ...], at: str, summary: dict[str, Any], log: Log,
                   progress: ProgressFactory | None = None) -> None:
    model_id = emb.doc2vec_model_id(cfg, text)
    mdir = Path(model_dir or os.environ.get("INNOGRAPH_MODELS") or DEFAULT_MODELS_DIR)
    path = Path(model_path) if model_path else mdir / f"{model_id}.model"
    ids_path = Path(str(path) + ".ids.tsv")
    summary.update(model=model_id, model_path=str(path), dims=cfg.vector_size,
                   deterministic=deterministic, config=emb.config_dict(cfg))
    if path.is_file() and not retrain:
        log(f"reusing Doc2Vec model {path}")
        model = emb.load_doc2vec(path)
        trained = _read_ids(ids_path)
        summary["trained"] = False
        summary["dims"] = int(model.dv.vector_size)
        for label in labels:
            summary["labels"][label] = _write_from_model(
                store, label, text, model, model_id, trained.get(label, {}), force,
                deterministic, cfg.seed, at, log, progress)
        return
    # Train on every document of every label: tokens go to a file streamed once per epoch.
    mdir_tmp = path.parent
    mdir_tmp.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Counter] = {label: Counter() for label in labels}
    order: list[tuple[str, str]] = []
    empties: dict[str, list[str]] = {label: [] for label in labels}
    with tempfile.TemporaryDirectory(dir=mdir_tmp) as tmp:
        tok_path = Path(tmp) / "tokens.txt"
        with tok_path.open("w", encoding="utf-8") as f:
            for label in labels:
                for ids, texts, _ in _doc_texts(store, label, text):
                    for i, x in zip(ids, texts):
                        words = _tokens(text, x)
                        if words:
                            f.write(" ".join(words) + "\n")
                            order.append((label, i))
                        else:
                            empties[label].append(i)
        if not order:
            raise InnographError("no document has any text to train Doc2Vec on: load documents "
                                 "with titles/abstracts (or keywords with --text keywords) first")
        log(f"training Doc2Vec on {len(order)} documents ({model_id}, "
            f"{'1 worker, deterministic' if deterministic else 'all workers'})")
        model = emb.train_doc2vec(
            tok_path, cfg, deterministic=deterministic,
            progress=progress(f"Doc2Vec: {len(order)} documents × (1 + {cfg.epochs} epochs)")
            if progress else None)
    emb.save_doc2vec(model, path)
    with ids_path.open("w", encoding="utf-8") as f:
        for label, i in order:
            f.write(f"{label}\t{i}\n")
    Path(str(path) + ".json").write_text(json.dumps(
        {"model": model_id, "config": emb.config_dict(cfg), "documents": len(order),
         "deterministic": deterministic, "trained_at": at}, indent=1), encoding="utf-8")
    summary["trained"] = True
    vecs = emb.doc2vec_vectors(model)
    rows: dict[str, list[int]] = {label: [] for label in labels}
    for r, (label, _) in enumerate(order):
        rows[label].append(r)
    for label in labels:
        lab_ids = [order[r][1] for r in rows[label]]
        for a in range(0, len(lab_ids), PAGE):
            sl = rows[label][a:a + PAGE]
            _write_vectors(store, label, lab_ids[a:a + PAGE], vecs[sl], model_id, at)
        _write_vectors(store, label, empties[label], None, model_id, at)
        counts[label].update(embedded=len(lab_ids), skipped=0, empty=len(empties[label]),
                             inferred=0)
        log(f"{label}: {len(lab_ids)} embedded")
        summary["labels"][label] = dict(counts[label])


def _read_ids(path: Path) -> dict[str, dict[str, int]]:
    """label → {id: row of the model's trained vectors} from the ``.ids.tsv`` sidecar."""
    out: dict[str, dict[str, int]] = {}
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            for r, line in enumerate(f):
                label, i = line.rstrip("\n").split("\t", 1)
                out.setdefault(label, {})[i] = r
    return out


def _write_from_model(store: Store, label: str, text: str, model: Any, model_id: str,
                      trained: dict[str, int], force: bool, deterministic: bool, seed: int,
                      at: str, log: Log, progress: ProgressFactory | None = None
                      ) -> dict[str, int]:
    c = Counter(embedded=0, skipped=0, empty=0, inferred=0)
    report = progress(f"{label}: inferring") if progress else None
    total = store.count(label) if report else 0
    for ids, texts, models in _doc_texts(store, label, text):
        todo = [(i, x) for i, x, m in zip(ids, texts, models) if force or m != model_id]
        c["skipped"] += len(ids) - len(todo)
        words = [(i, _tokens(text, x)) for i, x in todo]
        empty = [i for i, w in words if not w or (i not in trained and
                                                 emb.known_words(model, w) == 0)]
        empty_set = set(empty)
        _write_vectors(store, label, empty, None, model_id, at)
        done_ids, parts = [], []
        old = [(i, trained[i]) for i, w in words if i in trained and i not in empty_set]
        if old:
            done_ids += [i for i, _ in old]
            parts.append(model.dv.vectors[[r for _, r in old]])
        new = [(i, w) for i, w in words if i not in trained and i not in empty_set]
        inner = _offset(report, c["embedded"] + c["skipped"] + c["empty"] + len(empty)
                        + len(old), total)
        if new:
            done_ids += [i for i, _ in new]
            parts.append(emb.infer_vectors(model, [w for _, w in new],
                                           seed=seed if deterministic else None,
                                           progress=inner))
        if done_ids:
            _write_vectors(store, label, done_ids, np.concatenate(parts), model_id, at)
        c["embedded"] += len(done_ids)
        c["inferred"] += len(new)
        c["empty"] += len(empty)
        log(f"{label}: {c['embedded']} embedded ({c['inferred']} inferred)")
    return dict(c)


# ------------------------------------------------------------------ match
def read_vectors(store: Store, label: str, page: int = PAGE
                 ) -> tuple[list[str], np.ndarray, list[str | None], list[int | None]]:
    """(ids, vectors (n, dim) float32, embedding_model per row, year per row) of every
    ``label`` node with an embedding. Rows whose length differs from the first are dropped."""
    ids: list[str] = []
    models: list[str | None] = []
    years: list[int | None] = []
    chunks: list[np.ndarray] = []
    dim = None
    for t in _pages(store, label, {"year": "year", "embedding": "embedding",
                                   "model": "embedding_model"},
                    where="d.embedding IS NOT NULL", page=page):
        col = t.column("embedding").combine_chunks()
        lens = pc.list_value_length(col).to_numpy(zero_copy_only=False)
        if dim is None:
            dim = int(lens[0])
        keep = lens == dim
        flat = pc.list_flatten(col.filter(pa.array(keep))).to_numpy(zero_copy_only=False)
        chunks.append(flat.astype(np.float32).reshape(-1, dim))
        sel = np.nonzero(keep)[0]
        ids += [t.column("id")[int(j)].as_py() for j in sel] if not keep.all() else \
            t.column("id").to_pylist()
        models += [m for m, k in zip(t.column("model").to_pylist(), keep) if k]
        years += [y for y, k in zip(t.column("year").to_pylist(), keep) if k]
    vecs = np.concatenate(chunks) if chunks else np.zeros((0, dim or 0), np.float32)
    return ids, vecs, models, years


def match(store: Store, k: int = 1, method: str = "exact", device: str | None = None,
          sample: int = 1000, model: str | None = None, batch: Any = None,
          precision: str = "fp32", oversample: int = 10, efs: int = 200,
          rebuild_index: bool = False, seed: int = 0, year_filter: str = "after",
          log: Log = _quiet, ai_only: bool = False) -> dict[str, Any]:
    """Write each paper's best (top-k) patent filed the same year or later as SIMILAR_TO.

    ``ai_only``: only papers and patents whose final AI label is AI take part
    (``pipeline.scope``; the others are counted in ``not_ai``).

    Parameters
    ----------
    k : matches per paper.
    method : "exact" (``best_match``, blocked matrix products on CPU or GPU) or "index" (the
        store's vector index, queried in batches; see ``year_filter``).
    device, batch, precision : passed to ``best_match`` (exact search).
    sample : papers on which "index" measures recall@1 against exact search.
    model : the ``embedding_model`` to match with; None → the one most documents carry
        (documents embedded by another model are left out and counted).
    rebuild_index : rebuild the vector index even if it looks current.
    year_filter : for "index": "after" (default) fetches the ``k · oversample`` nearest
        patents, keeps those of the paper's year or later and asks again for 4× more while
        fewer than k are eligible; "index" searches only the eligible patents, inside the
        index, where the store can (Kùzu: a projected graph per paper year; Neo4j falls back
        to "after"). Same recall@1 on 20k random 64-d patents, "after" 2.6× more papers per
        second (benchmarks/bench_vector_index.py).

    Returns a summary: papers, patents, edges written, ``no_eligible`` (papers with a year
    but no patent of that year or later), ``no_year`` (papers / patents without a year, left
    out), ``removed`` (previous edges of this method), and for "index" ``recall_at_1``.
    Raises ``InnographError`` before touching any edge when no paper or no patent has a
    vector of ``model`` and a year.
    """
    if method not in ("exact", "index"):
        raise BadInputError(f"method must be 'exact' or 'index', not {method!r}")
    if year_filter not in ("index", "after"):
        raise BadInputError(f"year_filter must be 'index' or 'after', not {year_filter!r}")
    if k < 1:
        raise BadInputError("k must be ≥ 1")
    t0 = time.perf_counter()
    log("reading embeddings")
    p_ids, p_vecs, p_models, p_years = read_vectors(store, schema.PAPER)
    q_ids, q_vecs, q_models, q_years = read_vectors(store, schema.PATENT)
    counts = Counter(p_models) + Counter(q_models)
    if not counts:
        raise InnographError("no document has an embedding: run `innograph embed` first")
    model = model or counts.most_common(1)[0][0]
    if model not in counts:
        raise BadInputError(f"no document was embedded with {model!r}; present: {sorted(map(str, counts))}")
    summary: dict[str, Any] = {"method": method, "k": k, "model": model}

    ai = {lab: ai_keys(store, lab) for lab in schema.DOCUMENT_LABELS} if ai_only else None
    if ai is not None:
        summary["not_ai"] = {schema.PAPER: sum(1 for i in p_ids if i not in ai[schema.PAPER]),
                             schema.PATENT: sum(1 for i in q_ids if i not in ai[schema.PATENT])}
        p_keep = [i in ai[schema.PAPER] for i in p_ids]
        q_keep = [i in ai[schema.PATENT] for i in q_ids]
        p_ids, p_vecs, p_models, p_years = ([p_ids[j] for j in np.nonzero(p_keep)[0]],
                                            p_vecs[np.array(p_keep, bool)],
                                            [p_models[j] for j in np.nonzero(p_keep)[0]],
                                            [p_years[j] for j in np.nonzero(p_keep)[0]])
        q_ids, q_vecs, q_models, q_years = ([q_ids[j] for j in np.nonzero(q_keep)[0]],
                                            q_vecs[np.array(q_keep, bool)],
                                            [q_models[j] for j in np.nonzero(q_keep)[0]],
                                            [q_years[j] for j in np.nonzero(q_keep)[0]])

    def select(ids, vecs, models, years):
        keep = np.array([m == model and y is not None for m, y in zip(models, years)], bool)
        other = sum(1 for m in models if m != model)
        no_year = sum(1 for m, y in zip(models, years) if m == model and y is None)
        sel = np.nonzero(keep)[0]
        return ([ids[j] for j in sel], vecs[sel], np.array([years[j] for j in sel], np.int64),
                other, no_year)

    p_ids, p_vecs, p_years_a, p_other, p_noyear = select(p_ids, p_vecs, p_models, p_years)
    q_ids, q_vecs, q_years_a, q_other, q_noyear = select(q_ids, q_vecs, q_models, q_years)
    if p_vecs.shape[0] and q_vecs.shape[0] and p_vecs.shape[1] != q_vecs.shape[1]:
        raise InnographError(f"papers have {p_vecs.shape[1]}-d and patents {q_vecs.shape[1]}-d "
                             "vectors: embed both with the same model")
    for label, ids_, noyear in ((schema.PAPER, p_ids, p_noyear), (schema.PATENT, q_ids, q_noyear)):
        if not ids_:  # nothing to match: say why before any old edge is touched
            raise InnographError(
                f"no {label} has an embedding of model {model!r} and a year"
                + (f" ({noyear} embedded without a year)" if noyear else "")
                + f": nothing to match; run `innograph embed` after loading {label.lower()}s")
    summary.update(papers=len(p_ids), patents=len(q_ids), other_model={
        schema.PAPER: p_other, schema.PATENT: q_other}, no_year={
        schema.PAPER: p_noyear, schema.PATENT: q_noyear})
    log(f"matching {len(p_ids)} papers against {len(q_ids)} patents ({method})")
    if method == "exact":
        idx, sc = best_match(p_vecs, p_years_a, q_vecs, q_years_a, k=k, device=device,
                             batch=batch, precision=precision)
        idx, sc = idx.reshape(len(p_ids), k), sc.reshape(len(p_ids), k)
    else:
        idx, sc, extra = _index_match(store, p_vecs, p_years_a, q_ids, q_vecs, q_years_a, k,
                                      oversample, efs, rebuild_index, model, sample, seed,
                                      device, log, year_filter)
        summary.update(extra)
    summary["no_eligible"] = int((idx[:, 0] < 0).sum())
    removed = store.delete_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT,
                                 where={"method": method})
    rows, ranks = np.nonzero(idx >= 0)
    src = [p_ids[r] for r in rows]
    dst = [q_ids[j] for j in idx[rows, ranks]]
    written = 0
    for a in range(0, len(src), EDGE_BATCH):
        b = a + EDGE_BATCH
        n = len(src[a:b])
        t = pa.table({"src": src[a:b], "dst": dst[a:b],
                      "score": pa.array(sc[rows[a:b], ranks[a:b]].astype(np.float64)),
                      "rank": pa.array((ranks[a:b] + 1).astype(np.int64)),
                      "method": [method] * n, "model": [model] * n})
        written += store.upsert_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT,
                                      t).inserted
    summary.update(edges=written, removed=removed, seconds=round(time.perf_counter() - t0, 2))
    return summary


def _index_match(store: Store, p_vecs: np.ndarray, p_years: np.ndarray, q_ids: list[str],
                 q_vecs: np.ndarray, q_years: np.ndarray, k: int, oversample: int, efs: int,
                 rebuild: bool, model: str, sample: int, seed: int, device: str | None,
                 log: Log, year_filter: str = "after"
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    n, m = p_vecs.shape[0], q_vecs.shape[0]
    idx = np.full((n, k), -1, np.int64)
    sc = np.full((n, k), np.nan, np.float32)
    extra: dict[str, Any] = {}
    if n == 0 or m == 0:
        return idx, sc, extra
    dims = int(q_vecs.shape[1])
    in_index = year_filter == "index" and bool(getattr(store, "vector_year_filter", False))
    info_fn = getattr(store, "vector_index_info", None)
    info = info_fn(schema.PATENT) if info_fn else None
    stale = (info is None or info.get("dims") != dims or info.get("rows") != m
             or info.get("models") not in (None, [model])
             or (in_index and not info.get("year", False)))
    if rebuild or stale:
        log(f"building the vector index over {m} patent vectors")
        t = time.perf_counter()
        store.create_vector_index(schema.PATENT, "embedding", dims)
        extra["index_build_seconds"] = round(time.perf_counter() - t, 2)
    pos = {i: j for j, i in enumerate(q_ids)}
    kw: dict[str, Any] = {"efs": efs} if info_fn else {}
    extra["year_filter"] = "in index" if in_index else f"after, oversample {max(1, oversample)}"
    t = time.perf_counter()
    # Every row asks for `fetch` neighbours (k with the in-index year filter, k·oversample
    # without); rows with fewer than k eligible among them ask again for 4× as many.
    fetch = min(m, k if in_index else k * max(1, oversample))
    todo = np.arange(n)
    while len(todo):
        if in_index:
            kw["min_year"] = p_years[todo]
        res = store.vector_query(schema.PATENT, p_vecs[todo], fetch, **kw)
        again = []
        for r, (ids, cos) in zip(todo, res):
            js = np.array([pos.get(i, -1) for i in ids], np.int64)
            ok = js >= 0
            ok[ok] = q_years[js[ok]] >= p_years[r]
            if ok.sum() < k and len(ids) >= fetch and fetch < m:
                again.append(r)
                continue
            js, cos = js[ok], np.asarray(cos, np.float64)[ok]
            o = np.lexsort((js, -cos))[:k]
            idx[r, : len(o)], sc[r, : len(o)] = js[o], cos[o]
        todo = np.array(again, np.int64)
        fetch = min(m, fetch * 4)
    extra["query_seconds"] = round(time.perf_counter() - t, 2)
    # recall@1 against exact search on a sample of papers
    rng = np.random.default_rng(seed)
    s = np.sort(rng.choice(n, size=min(sample, n), replace=False))
    ex, _ = best_match(p_vecs[s], p_years[s], q_vecs, q_years, k=1, device=device)
    has = ex >= 0
    extra["recall_sample"] = int(has.sum())
    extra["recall_at_1"] = float((idx[s, 0][has] == ex[has]).mean()) if has.any() else None
    return idx, sc, extra
