"""``innograph embed``: one vector per Paper and Patent, written back to the store.

``embed(store, …)`` reads (id, title, abstract) — or (id, keyword list) — of every Paper and
Patent in key-ordered pages, computes one vector per document (``models.embeddings``:
Doc2Vec trained on the corpus, or a local sentence-transformer) and writes ``embedding``,
``embedding_model``, ``embedding_dim``, ``embedding_at`` back with ``set_properties``.
``read_vectors`` reads them back (``pipeline.match`` finds the best matches over them).
docs/method.md §5.
"""

from __future__ import annotations

import json
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
from .. import runtime
from ..models import embeddings as emb
from ..progress import Progress, ProgressFactory

PAGE = 20_000  # documents per read page / write batch

Log = Callable[[str], None]


def quiet(_: str) -> None:
    """A ``Log`` that drops every message."""


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
          log: Log = quiet, progress: ProgressFactory | None = None) -> dict[str, Any]:
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
    summary.update(model=model_id, model_path=str(model_path or runtime.default_model_path()),
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
    mdir = runtime.models_dir(model_dir)
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


# ------------------------------------------------------------------ reading vectors back
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
