"""``innograph novelty fit|score``: hypergraph MMSB fitted on the store, novelty written back.

- ``fit_novelty`` reads the keyword hypergraph (``graph.hypergraph.incidence``), fits
  ``models.mmsb.fit`` and saves the fit as ``<out_dir>/<name>.npz`` (``theta``, ``r``,
  ``freq``, ``keyword_names`` of the keywords the fit saw) + ``<name>.json`` (years fitted on,
  dims, salience, seed, log-likelihood history, sizes, timing). It writes ``theta``, ``r``,
  ``freq`` and ``mmsb_model`` (= the fit's name) on those Keyword nodes.
- ``score_novelty`` writes ``novelty = -log lambda_h`` (docs/method.md §4) over each document's
  keywords known to the model, and ``novelty_model`` (the name of the fit that scored it), on
  every Paper and Patent. Fewer than 2 known keywords: ``novelty`` null (counted).
  Historical mode (the CLI's default; the study's r_i is a *historical* frequency): a
  document of year ``y`` is scored by a fit on years ``< y`` (all earlier years, or the
  ``window`` years before ``y``); one fit per distinct year, saved beside the others and
  reused on a rerun when its settings match. Cost: one fit per distinct year, each on all
  earlier documents, so about ``n_years / 2`` times the work of one all-years fit without a
  window, and ``n_years * window / span`` with one. The all-years mode (one fit on every
  year, ``historical=False``) is marked ``mode: all-years`` in the summary: there a
  document's novelty depends on documents published after it.
- Single-use keywords (issue 14): a keyword that occurs in one document of the scored corpus
  only says nothing about which combinations are usual, and adds the same constant to every
  score (``models.mmsb.keyword_reuse``). The summaries report their share; a document whose
  keywords are single-use for at least ``max_single_use`` of them gets no score (null),
  counted as ``single_use``.

Fit names say what was fitted: ``mmsb-d20-freq-all``, ``mmsb-d20-freq-2000-2010``,
``mmsb-d20-fitted-min-2009`` (open start), ``...-s3`` when the seed is not 0. Novelty values
of different fits are on different scales (different data, different normalising constant):
compare documents scored by one fit, or within a year in historical mode.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from ..errors import BadInputError, InnographError, ModelMissingError
from ..graph import queries, schema
from ..graph.hypergraph import Incidence, incidence
from ..graph.store import Store
from ..models import mmsb
from ..runtime import models_dir
from ..years import YearRange, parse_years
from .scope import ai_keys

DEFAULT_DIMS = 20
DEFAULT_MAX_SIZE = 25  # documents with more keywords are scored but left out of the fit
DEFAULT_MAX_SINGLE_USE = 0.8  # a document with this share of single-use keywords: no score
MODE_HISTORICAL = "historical"
MODE_ALL_YEARS = ("all-years (one fit on every year: a document's novelty depends on "
                  "documents published after it)")
MODEL_PREFIX = "mmsb"


# ----------------------------------------------------------------------------- names
def default_model_dir() -> Path:
    """``$INNOGRAPH_MODELS/mmsb``, else ``./models/mmsb`` (``innograph.runtime.models_dir``)."""
    return models_dir() / MODEL_PREFIX


def model_name(dims: int, salience: str, years: YearRange | None, seed: int = 0) -> str:
    """The fit's name, recorded in ``novelty_model`` / ``mmsb_model``."""
    if years is None or years == (None, None):
        span = "all"
    else:
        lo, hi = years
        span = f"{'min' if lo is None else lo}-{'max' if hi is None else hi}"
    return f"{MODEL_PREFIX}-d{dims}-{salience}-{span}" + (f"-s{seed}" if seed else "")


# ----------------------------------------------------------------------------- files
@dataclass
class SavedModel:
    """A fit on disk: arrays over the keywords it saw, and its metadata."""

    name: str
    theta: np.ndarray  # (n_keywords, D)
    r: np.ndarray  # (n_keywords,)
    freq: np.ndarray  # (n_keywords,)
    keyword_names: np.ndarray  # (n_keywords,) str
    meta: dict[str, Any]
    path: Path

    def index_of(self, names: Sequence[str] | np.ndarray) -> np.ndarray:
        """Column of each name in this model, -1 for names it does not know."""
        return pd.Index(self.keyword_names).get_indexer(pd.Index(np.asarray(names, dtype=object)))


def save_model(fit: mmsb.MMSBFit, keyword_names: np.ndarray, out_dir: str | Path, name: str,
               extra: dict[str, Any] | None = None) -> Path:
    """Write ``<out_dir>/<name>.npz`` (known keywords only) and ``<name>.json``; returns the npz.

    Crash-safe: both files are written under temporary names, any older ``<name>.npz`` is
    removed, the json is renamed into place, and the npz last. So an ``.npz`` on disk always
    has its matching ``.json`` beside it; a save killed midway leaves no ``.npz`` (a rerun fits
    again) or stray ``.tmp`` files that the next save replaces.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keep = fit.known
    npz, js = out / f"{name}.npz", out / f"{name}.json"
    tmp_npz, tmp_js = out / f".{name}.tmp.npz", out / f".{name}.tmp.json"
    np.savez_compressed(tmp_npz, theta=fit.theta[keep], r=fit.r[keep], freq=fit.freq[keep],
                        keyword_names=np.asarray(keyword_names, dtype=object)[keep].astype(str))
    meta = dict(fit.meta)
    meta.update(extra or {})
    meta.update(name=name, loglik_history=[float(x) for x in fit.loglik],
                created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                n_keywords_saved=int(keep.sum()))
    tmp_js.write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    npz.unlink(missing_ok=True)
    tmp_js.replace(js)
    tmp_npz.replace(npz)
    return npz


def _read(npz: Path) -> SavedModel:
    js = npz.with_suffix(".json")
    if not npz.exists() or not js.exists():
        raise ModelMissingError(f"no fitted model at {npz} (+ .json): run `innograph novelty "
                                "fit` first, or pass --model PATH")
    meta = json.loads(js.read_text(encoding="utf-8"))
    with np.load(npz, allow_pickle=False) as z:
        return SavedModel(meta.get("name", npz.stem), z["theta"], z["r"], z["freq"],
                          z["keyword_names"].astype(object), meta, npz)


def load_model(path: str | Path | None = None) -> SavedModel:
    """A saved fit: ``path`` is its ``.npz``, ``.json`` or stem, or a directory (then the
    most recently created whole-range fit there, i.e. one not made by historical scoring).
    """
    p = Path(path) if path else default_model_dir()
    if p.is_dir():
        cands = []
        for js in p.glob(f"{MODEL_PREFIX}-*.json"):
            try:
                meta = json.loads(js.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not meta.get("historical") and js.with_suffix(".npz").exists():
                cands.append((meta.get("created_at", ""), js.stem, js.with_suffix(".npz")))
        if not cands:
            raise ModelMissingError(f"no fitted model in {p}: run `innograph novelty fit "
                                    f"--out {p}` first")
        return _read(max(cands)[2])
    if p.suffix in (".npz", ".json"):
        return _read(p.with_suffix(".npz"))
    return _read(p.with_name(p.name + ".npz"))


# ----------------------------------------------------------------------------- fitting
def _years_present(years: np.ndarray) -> list[int] | None:
    ok = years[~np.isnan(years)]
    return [int(ok.min()), int(ok.max())] if ok.size else None


def _fit_rows(inc: Incidence, rows: np.ndarray, name: str, out_dir: str | Path,
              years: YearRange | None, dims: int, salience: str, seed: int, device: Any,
              max_size: int | None, verbose: bool | int, extra: dict[str, Any],
              **fit_options: Any) -> tuple[mmsb.MMSBFit, Path]:
    """Fit on the documents ``rows`` of ``inc`` and save as ``name``."""
    m = inc.matrix[rows]
    fit = mmsb.fit(m, dims, seed=seed, device=device, salience=salience, max_size=max_size,
                   verbose=verbose, **fit_options)
    info = {
        "years": None if years is None else list(years),
        "years_fitted": _years_present(inc.doc_years[rows]),
        "labels": sorted(set(inc.doc_ids["label"].iloc[rows])) if len(rows) else [],
        **extra,
    }
    return fit, save_model(fit, inc.keyword_names, out_dir, name, info)


def _has_hyperedges(inc: Incidence, rows: np.ndarray) -> bool:
    """Some document of ``rows`` has at least 2 keywords (something to fit)."""
    return bool(len(rows)) and int((np.diff(inc.matrix[rows].indptr) >= 2).sum()) > 0


def _require_hyperedges(inc: Incidence, rows: np.ndarray, what: str) -> None:
    if not _has_hyperedges(inc, rows):
        raise InnographError(f"no document with at least 2 keywords {what}: load documents "
                             "with keywords (or extract them) first")


def _is_ai(store: Store, labels: Sequence[str], docs: pd.DataFrame) -> np.ndarray:
    """(len(docs),) bool: the document (columns ``label``, ``id``) has the final AI label AI
    (``pipeline.scope``); only documents of ``labels`` can be."""
    keys = {(label, str(k)) for label in labels for k in ai_keys(store, label)}
    return np.array([(str(a), str(b)) in keys for a, b in zip(docs["label"], docs["id"])],
                    dtype=bool)


def _ai_scope(store: Store, inc: Incidence) -> Incidence:
    """``inc`` restricted to the documents whose final AI label is AI (``--ai-only``,
    ``pipeline.scope``); keywords left in no kept document are dropped."""
    rows = np.flatnonzero(_is_ai(store, schema.DOCUMENT_LABELS, inc.doc_ids))
    m = inc.matrix[rows]
    cols = np.flatnonzero(np.diff(m.tocsc().indptr) > 0)
    return Incidence(m[:, cols].tocsr(), inc.doc_ids.iloc[rows].reset_index(drop=True),
                     inc.keyword_names[cols], inc.doc_years[rows])


def fit_novelty(store: Store, dims: int = DEFAULT_DIMS, years: YearRange | str | None = None,
                salience: str = "freq", device: str | None = None,
                out_dir: str | Path | None = None, seed: int = 0,
                max_size: int | None = DEFAULT_MAX_SIZE, source: str | None = None,
                write_keywords: bool = True, verbose: bool | int = True,
                ai_only: bool = False, **fit_options: Any) -> dict[str, Any]:
    """Fit the hypergraph MMSB on the store's documents and save it; write Keyword properties.

    Parameters
    ----------
    store : an open Store. dims : latent dimensions ``D``.
    years : ``(first, last)`` inclusive or ``"A-B"``; None = every document.
    salience : ``freq`` | ``fitted`` (``models.mmsb``). device : cpu | cuda | None (auto).
    out_dir : where ``<name>.npz`` / ``<name>.json`` go (default ``default_model_dir()``).
    seed : initialisation seed.
    max_size : documents with more keywords are left out of the fit (they are still scored).
    source : only HAS_KEYWORD edges with this source (input | keybert).
    write_keywords : set ``theta``, ``r``, ``freq``, ``mmsb_model`` on the Keyword nodes.
    ai_only : fit on the documents whose final AI label is AI only (``pipeline.scope``).
    fit_options : passed to ``models.mmsb.fit`` (max_iter, tol, negatives, ...).

    Returns
    -------
    Summary: ``name``, ``path``, ``documents``, ``hyperedges``, ``keywords``,
    ``keywords_single_use`` / ``keywords_single_use_share`` (keywords in one fitted document
    only; ``models.mmsb.keyword_reuse``), ``loglik``, ``n_iter``, ``converged``,
    ``years_fitted``, ``keywords_written``, ``seconds``.
    """
    t0 = time.perf_counter()
    span = parse_years(years) if isinstance(years, str) or years is None else tuple(years)
    inc = incidence(store, years=span, source=source)
    if ai_only:
        inc = _ai_scope(store, inc)
    rows = np.arange(inc.matrix.shape[0])
    _require_hyperedges(inc, rows, f"in years {span}" if span else "in the store")
    name = model_name(dims, salience, span, seed)
    fit, path = _fit_rows(inc, rows, name, out_dir or default_model_dir(), span, dims,
                          salience, seed, device, max_size, verbose,
                          {"historical": False, "source": source, "ai_only": ai_only},
                          **fit_options)
    reuse = mmsb.keyword_reuse(inc.matrix)
    written = 0
    if write_keywords:
        keep = fit.known
        table = pa.table({
            schema.node(schema.KEYWORD).key: pa.array(inc.keyword_names[keep].astype(str)),
            "theta": pa.array(list(fit.theta[keep]), pa.list_(pa.float64())),
            "r": pa.array(fit.r[keep], pa.float64()),
            "freq": pa.array(fit.freq[keep], pa.int64()),
            "mmsb_model": pa.array([name] * int(keep.sum()), pa.string()),
        })
        written = store.set_properties(schema.KEYWORD, table)
    return {
        "name": name, "path": str(path), "documents": int(inc.matrix.shape[0]),
        "hyperedges": int(fit.meta["n_hyperedges"]), "keywords": int(fit.known.sum()),
        "keywords_single_use": reuse["single_use"],
        "keywords_single_use_share": round(reuse["single_use_share"], 4),
        "dims": dims, "salience": salience, "loglik": fit.meta["loglik"],
        "n_iter": fit.n_iter, "converged": fit.converged,
        "years_fitted": _years_present(inc.doc_years), "keywords_written": written,
        "ai_only": ai_only, "seconds": round(time.perf_counter() - t0, 2),
    }


# ----------------------------------------------------------------------------- scoring
def _score_rows(inc: Incidence, rows: np.ndarray, model: SavedModel) -> np.ndarray:
    """Novelty of documents ``rows`` over their keywords known to ``model`` (NaN if < 2)."""
    m = inc.matrix[rows].tocoo()
    col = model.index_of(inc.keyword_names)[m.col] if m.nnz else np.array([], dtype=np.int64)
    ok = col >= 0
    h = sp.csr_matrix((np.ones(int(ok.sum()), dtype=np.int8), (m.row[ok], col[ok])),
                      shape=(len(rows), model.theta.shape[0]))
    return mmsb.novelty(model.theta, model.r, h)


def _all_documents(store: Store, labels: Sequence[str]) -> pd.DataFrame:
    parts = []
    for label in labels:
        t = store.read_table(*queries.node_keys(label, ("year",)))
        df = pd.DataFrame({"label": label, "id": t.column("id").to_pylist(),
                           "year": t.column("year").to_pylist()})
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["label", "id", "year"])


def _write_scores(store: Store, docs: pd.DataFrame) -> int:
    """Set ``novelty`` / ``novelty_model`` from ``docs`` (label, id, novelty, model)."""
    written = 0
    for label, part in docs.groupby("label", sort=True):
        key = schema.node(str(label)).key
        nov = part["novelty"].to_numpy(dtype=np.float64)
        table = pa.table({
            key: pa.array(part["id"].astype(str).tolist(), pa.string()),
            "novelty": pa.array(nov, pa.float64(), mask=~np.isfinite(nov)),
            "novelty_model": pa.array(part["model"].tolist(), pa.string()),
        })
        written += store.set_properties(str(label), table)
    return written


def score_novelty(store: Store, model: str | Path | None = None, historical: bool = False,
                  window: int | None = None, dims: int | None = None,
                  salience: str | None = None, seed: int | None = None,
                  device: str | None = None, out_dir: str | Path | None = None,
                  refit: bool = False, labels: Sequence[str] = schema.DOCUMENT_LABELS,
                  source: str | None = None, verbose: bool | int = False,
                  log: Callable[[str], None] = lambda msg: None,
                  max_single_use: float | None = DEFAULT_MAX_SINGLE_USE,
                  ai_only: bool = False, **fit_options: Any) -> dict[str, Any]:
    """Write ``novelty`` and ``novelty_model`` on every document of ``labels``.

    Parameters
    ----------
    store : an open Store.
    model : a saved fit (``.npz`` / ``.json`` / stem / directory; default
        ``default_model_dir()``). Historical mode uses it only as the template of the settings
        (dims, salience, seed, max_size) and its directory for the per-year fits; it may be
        absent there if ``dims`` etc. are given.
    historical : score a document of year ``y`` with a fit on years ``< y`` (fitted here,
        one per distinct year, reused when already saved with the same settings unless
        ``refit``). Documents without a year, or of the first year with data, get null.
    window : historical fits use only the ``window`` years before ``y`` (None: all earlier).
    dims, salience, seed, device, out_dir, fit_options : historical fit settings
        (defaults: the template model's, else 20 / freq / 0; out_dir: the model's folder).
    source : only HAS_KEYWORD edges with this source count (default: the source the model
        was fitted on, i.e. all edges unless ``fit_novelty(source=...)`` was used).
    max_single_use : a document is left null (counted as ``single_use``) when at least this
        share (0..1] of its keywords occur in no other document of the corpus scored here
        (all documents of ``labels`` with keyword edges of ``source``); ``None`` scores them
        all (the shared-constant scores of issue 14 come back).
    ai_only : score (and, historically, fit on) only the documents whose final AI label is AI
        (``pipeline.scope``); the other documents' ``novelty`` is left as it was.

    Returns
    -------
    Summary: ``mode`` (``historical`` or the all-years warning ``MODE_ALL_YEARS``),
    ``documents``, ``scored``, ``single_use`` (null: at least ``max_single_use`` of the
    keywords are single-use), ``fewer_than_2_known`` (null: under 2 keywords known to the
    model, including documents without keywords), ``no_model`` (historical: no earlier data
    or no year), ``keywords``, ``keywords_single_use`` and ``keywords_single_use_share`` (of
    the corpus scored), ``max_single_use``, ``models`` (fit names used), ``written``
    (property changes), ``seconds``.
    """
    if max_single_use is not None and not 0.0 < float(max_single_use) <= 1.0:
        raise BadInputError(f"max_single_use must be in (0, 1], not {max_single_use}",
                            field="max_single_use")
    t0 = time.perf_counter()
    saved: SavedModel | None = None
    if not historical:
        saved = load_model(model)
        source = source if source is not None else saved.meta.get("source")
    docs = _all_documents(store, labels)
    inc = incidence(store, labels=labels, source=source)
    if ai_only:
        inc = _ai_scope(store, inc)
        docs = docs[_is_ai(store, labels, docs)].reset_index(drop=True)
    row_of = pd.Series(np.arange(len(inc.doc_ids)),
                       index=pd.MultiIndex.from_frame(inc.doc_ids[["label", "id"]].astype(str)))
    key = pd.MultiIndex.from_arrays([docs["label"].astype(str), docs["id"].astype(str)])
    docs["row"] = row_of.reindex(key).to_numpy()  # NaN: no keyword edge at all
    docs["novelty"] = np.nan
    docs["model"] = None
    no_model = 0
    used: list[str] = []

    if saved is not None:
        has = docs["row"].notna().to_numpy()
        rows = docs.loc[has, "row"].astype(np.int64).to_numpy()
        docs.loc[has, "novelty"] = _score_rows(inc, rows, saved)
        docs["model"] = saved.name
        used.append(saved.name)
        log(f"scored {len(docs)} documents with {saved.name}")
    else:
        template: dict[str, Any] = {}
        try:
            tm = load_model(model)
            template = tm.meta
            base_dir = Path(out_dir) if out_dir else tm.path.parent
        except ModelMissingError:
            if dims is None and model is not None:
                raise
            base_dir = Path(out_dir or model or default_model_dir())
        dims = int(dims or template.get("n_dims") or DEFAULT_DIMS)
        salience = salience or template.get("salience") or "freq"
        seed = int(seed if seed is not None else template.get("seed") or 0)
        max_size = fit_options.pop("max_size", template.get("max_size", DEFAULT_MAX_SIZE))
        years = pd.to_numeric(docs["year"], errors="coerce").to_numpy(dtype=np.float64)
        no_model += int(np.isnan(years).sum())
        inc_years = inc.doc_years
        for y in sorted({int(v) for v in years[~np.isnan(years)]}):
            lo = None if window is None else y - int(window)
            span = (lo, y - 1)
            fit_rows = np.flatnonzero((inc_years <= y - 1) & (
                True if lo is None else inc_years >= lo))
            here = (years == y)
            if not _has_hyperedges(inc, fit_rows):
                no_model += int(here.sum())
                log(f"{y}: no earlier documents with 2+ keywords, left null")
                continue
            name = model_name(dims, salience, span, seed)
            saved = None
            npz = base_dir / f"{name}.npz"
            if npz.exists() and not refit:
                try:
                    cand = _read(npz)
                except (ModelMissingError, OSError, ValueError, KeyError):
                    cand = None  # a damaged save: fit again
                want = {"n_dims": dims, "salience": salience, "seed": seed,
                        "max_size": max_size, "source": source, "n_docs": len(fit_rows),
                        "years_fitted": _years_present(inc_years[fit_rows])}
                if cand is not None and all(cand.meta.get(k) == v for k, v in want.items()):
                    saved = cand
            if saved is None:
                log(f"{y}: fitting {name} on {len(fit_rows)} documents")
                _fit_rows(inc, fit_rows, name, base_dir, span, dims, salience, seed, device,
                          max_size, verbose, {"historical": True, "scores_year": y,
                                              "source": source}, **fit_options)
                saved = _read(npz)
            sel = here & docs["row"].notna().to_numpy()
            rows = docs.loc[sel, "row"].astype(np.int64).to_numpy()
            docs.loc[sel, "novelty"] = _score_rows(inc, rows, saved)
            docs.loc[here, "model"] = saved.name
            used.append(saved.name)
    reuse = mmsb.keyword_reuse(inc.matrix)
    share = np.full(len(docs), np.nan)
    has_row = docs["row"].notna().to_numpy()
    share[has_row] = reuse["doc_single_use_share"][docs.loc[has_row, "row"].astype(np.int64)]
    has_model = docs["model"].notna().to_numpy()
    single = np.zeros(len(docs), dtype=bool)
    if max_single_use is not None:
        with np.errstate(invalid="ignore"):
            single = has_model & (share >= float(max_single_use) - 1e-12)
        docs.loc[single, "novelty"] = np.nan
    scored = int(np.isfinite(docs["novelty"].to_numpy(dtype=np.float64)).sum())
    written = _write_scores(store, docs) if len(docs) else 0
    n_single = int(single.sum())
    return {
        "mode": MODE_HISTORICAL if historical else MODE_ALL_YEARS,
        "documents": int(len(docs)), "scored": scored, "single_use": n_single,
        "fewer_than_2_known": int(has_model.sum()) - scored - n_single, "no_model": no_model,
        "keywords": reuse["keywords"], "keywords_single_use": reuse["single_use"],
        "keywords_single_use_share": round(float(reuse["single_use_share"]), 4),
        "max_single_use": max_single_use,
        "models": used, "written": written, "historical": historical, "window": window,
        "ai_only": ai_only, "seconds": round(time.perf_counter() - t0, 2),
    }
