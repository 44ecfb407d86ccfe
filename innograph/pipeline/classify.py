"""AI / non-AI labels for the documents of a store: rule, teacher labels, BERT stages.

One function per ``innograph classify`` command (docs/method.md §2); each reads from the store,
calls ``models.classify`` and writes back with provenance:

- ``classify_rule``: ``ai_rule`` (keywords + IPC rule) and ``ai_rule_version`` on every
  Paper / Patent; codes are the document's ``CLASSIFIED_AS`` → ``IPC`` nodes, text is
  title + abstract.
- ``import_labels``: teacher labels from a CSV (``id, label[, source][, kind]``) into
  ``ai_label`` / ``ai_label_source``.
- ``train``: BERT_inner on the teacher labels, or BERT_outer on teacher labels where present
  and rule labels elsewhere; stratum = IPC section (patents), venue or primary arXiv
  category (papers).
- ``predict``: BERT_outer as a screen (P(AI) < ``screen_threshold`` → non-AI, stage
  ``outer``), BERT_inner for the final label of the rest (stage ``inner``); writes
  ``is_ai``, ``ai_prob``, ``ai_stage``, ``ai_model`` in batches. Resumable: documents whose
  stage and model already match this run are skipped.
- ``evaluate``: the rule, outer, inner (and the screened pipeline) against the labels of a
  store or a labelled file; metrics, stage overlap and a PR-curve PNG.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from ..errors import BadInputError
from ..graph import queries, schema
from ..graph.store import Store
from ..loaders.records import Reject, RejectLog
from ..models import classify as clf

DEFAULT_BATCH_DOCS = 5000
STAGE_OUTER, STAGE_INNER, STAGE_LABEL = "outer", "inner", "label"
_NONE = "\x00none"  # a model id no document carries (Cypher parameters cannot be null-compared)

# the document properties this module reads and writes; checked against the schema at import
_PROPS = ("title", "abstract", "venue", "categories", "ai_rule", "ai_rule_version", "is_ai",
          "ai_prob", "ai_stage", "ai_model", "ai_label", "ai_label_source",
          *schema.LABEL_COLUMNS.values())
for _label in schema.DOCUMENT_LABELS:
    for _p in _PROPS:
        if _p in ("venue", "categories") and _label == schema.PATENT:
            continue
        schema.node(_label).prop_type(_p)


# ------------------------------------------------------------------------------ reads
def _key(label: str) -> str:
    return schema.node(label).key


def _pages(store: Store, label: str, columns: Sequence[str], where: str = "true",
           params: dict[str, Any] | None = None, batch: int = DEFAULT_BATCH_DOCS
           ) -> Iterator[list[dict[str, Any]]]:
    """Documents of ``label`` in key order, ``batch`` at a time, as row dicts."""
    for t in queries.paginate(store, queries.node_page, batch, label=label, columns=columns,
                              where=where, params=params):
        yield t.to_pylist()


def _count(store: Store, label: str, where: str = "true",
           params: dict[str, Any] | None = None) -> int:
    t = store.read_table(*queries.count_nodes(label, where, params))
    return int(t.column(0)[0].as_py() or 0) if t.num_rows else 0


def _codes_of(store: Store, label: str, ids: Sequence[str]) -> dict[str, list[str]]:
    """IPC/CPC codes per document id (Locarno codes included; the rule ignores them)."""
    if not ids:
        return {}
    t = store.read_table(*queries.codes_of_documents(label, ids))
    out: dict[str, list[str]] = {}
    for r in t.to_pylist() if t.num_rows else []:
        if r["code"]:
            out.setdefault(r["id"], []).append(r["code"])
    return out


def _strata(store: Store, label: str, rows: list[dict[str, Any]]) -> list[str]:
    """Stratum per document: patents the most frequent IPC section of their codes (ties:
    alphabetical; none: 'patent'); papers their venue, else primary arXiv category, else
    'paper'."""
    if label == schema.PATENT:
        codes = _codes_of(store, label, [r["id"] for r in rows])
        out = []
        for r in rows:
            secs = Counter(c.strip()[:1].upper() for c in codes.get(r["id"], [])
                           if clf.parse_code(c) is not None)
            out.append(f"ipc:{min(secs, key=lambda s: (-secs[s], s))}" if secs else "patent")
        return out
    out = []
    for r in rows:
        if r.get("venue"):
            out.append(f"venue:{r['venue']}")
        elif r.get("categories"):
            out.append(f"cat:{str(r['categories']).split()[0]}")
        else:
            out.append("paper")
    return out


@contextmanager
def _bar(enabled: bool, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar (rows done / total, rate, time left) as an ``advance(n)`` callable."""
    if not enabled:
        yield lambda n: None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)
    from rich.console import Console
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(f"{task.speed or 0:,.0f}/s")

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                  TimeElapsedColumn(), TimeRemainingColumn(), transient=True,
                  console=Console(stderr=True)) as p:
        task = p.add_task(description, total=total)
        yield lambda n: p.advance(task, n)


# ------------------------------------------------------------------------------- rule
def classify_rule(store: Store, codes_file: str | os.PathLike | None = None,
                  keywords_file: str | os.PathLike | None = None,
                  labels: Sequence[str] = schema.DOCUMENT_LABELS, redo: bool = False,
                  batch_docs: int = DEFAULT_BATCH_DOCS, progress: bool = False
                  ) -> dict[str, Any]:
    """Write ``ai_rule`` (bool) and ``ai_rule_version`` on every document of ``labels``.

    The rule is ``models.classify.rule_is_ai`` over title + abstract and the document's
    IPC codes, with the packaged lists unless files are given. Documents already marked with
    this lists version are skipped (a killed run resumes; a rerun writes nothing) unless
    ``redo`` (after reloading texts or codes). Cost: ~0.1-0.3 ms per document.
    Returns ``{version, <label>: {documents, ai}}`` for the documents written.
    """
    lists = clf.load_rule_lists(codes_file, keywords_file)
    where, params = (("true", {}) if redo else
                     ("d.ai_rule_version IS NULL OR d.ai_rule_version <> $v",
                      {"v": lists.version}))
    summary: dict[str, Any] = {"version": lists.version}
    for label in labels:
        n_docs = n_ai = 0
        with _bar(progress, f"rule {label}", _count(store, label, where, params)) as advance:
            for rows in _pages(store, label, ("title", "abstract"), where, params,
                               batch=batch_docs):
                ids = [r["id"] for r in rows]
                codes = _codes_of(store, label, ids)
                texts = [clf.doc_text(r["title"], r["abstract"]) for r in rows]
                flags = clf.rule_labels(texts, [codes.get(i, ()) for i in ids], lists)
                store.set_properties(label, pa.table({
                    _key(label): ids, "ai_rule": pa.array(flags.tolist(), pa.bool_()),
                    "ai_rule_version": [lists.version] * len(ids)}))
                n_docs += len(ids)
                n_ai += int(flags.sum())
                advance(len(ids))
        summary[label] = {"documents": n_docs, "ai": n_ai}
    return summary


# ----------------------------------------------------------------------------- labels
_ID_COLS = ("id", "doc_id", "document_id")
_LABEL_COLS = ("label", "is_ai", "ai")
_KINDS = {"paper": schema.PAPER, "patent": schema.PATENT}


def _column(header: list[str], names: Sequence[str]) -> str | None:
    low = {h.strip().lower(): h for h in header}
    return next((low[n] for n in names if n in low), None)


def _label_columns(header: list[str]) -> dict[str, str]:
    """Named label columns of a labels CSV: scheme (``schema.LABEL_COLUMNS`` key) → header.
    ``label`` also answers to ``is_ai`` / ``ai``."""
    out = {}
    for scheme in schema.LABEL_COLUMNS:
        col = _column(header, _LABEL_COLS if scheme == "label" else (scheme,))
        if col is not None:
            out[scheme] = col
    return out


def import_labels(store: Store, file: str | os.PathLike, source: str | None = None,
                  rejects: str | os.PathLike | None = None,
                  batch_docs: int = 50_000) -> dict[str, Any]:
    """Labels from a CSV into the documents: one property per named label column.

    Columns (names case-insensitive): ``id`` (document key) and one or more label columns
    (``schema.LABEL_COLUMNS``): ``label`` (the teacher label BERT trains on →
    ``ai_label`` / ``ai_label_source``), ``llm`` (an LLM's label → ``ai_label_llm``, used by
    the consensus set), ``expert`` (→ ``ai_label_expert``, used by ``evaluate --expert``).
    Values: AI / non-AI, 1 / 0, yes / no, true / false; an empty cell means "no label of
    this kind" for that row. Optional ``source`` (of the ``label`` column; default:
    ``source`` argument, else the file name) and ``kind`` (paper | patent; without it the id
    is looked up in both, and an id present in both is rejected as ambiguous). Rows with an
    unreadable label (line and column named), no label at all, an unknown id or a repeated
    id (the first row wins) are rejected (to ``rejects`` when given). Re-importing a file is
    idempotent; a new label replaces an old; a column the file lacks is left as it was.

    Returns ``{read, labelled: {Paper, Patent}, ai, non_ai, columns: {scheme: {labelled, ai}},
    rejected, samples}`` (``ai`` / ``non_ai`` count the ``label`` column when present, else
    the first named column).
    """
    path = Path(file)
    if not path.is_file():
        raise BadInputError("file not found", file=str(path))
    log = RejectLog(rejects)
    default_source = source or path.name
    # line, id, {scheme: label or None}, source, kind
    rows: list[tuple[int, str, dict[str, bool | None], str, str | None]] = []
    seen: dict[tuple[str | None, str], int] = {}
    read = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        id_col, cols = _column(header, _ID_COLS), _label_columns(header)
        if id_col is None or not cols:
            raise BadInputError(f"needs columns id and label (or named label columns "
                                f"{', '.join(c for c in schema.LABEL_COLUMNS if c != 'label')}"
                                f"); found {header}", file=str(path), line=1)
        src_col, kind_col = _column(header, ("source",)), _column(header, ("kind", "type"))
        for rec in reader:
            read += 1
            line = reader.line_num
            doc_id = (rec.get(id_col) or "").strip()
            if not doc_id:
                log.add(Reject(str(path), line, id_col, "empty id"))
                continue
            labs: dict[str, bool | None] = {}
            bad = None
            for scheme, col in cols.items():
                raw = rec.get(col)
                if len(cols) > 1 and (raw is None or not str(raw).strip()):
                    labs[scheme] = None
                    continue
                try:
                    labs[scheme] = clf.parse_label(raw)
                except ValueError as e:
                    bad = Reject(str(path), line, col, str(e), doc_id)
                    break
            if bad is not None:
                log.add(bad)
                continue
            if all(v is None for v in labs.values()):
                log.add(Reject(str(path), line, ",".join(cols.values()), "no label in any "
                               "label column", doc_id))
                continue
            kind = None
            if kind_col and (rec.get(kind_col) or "").strip():
                kind = _KINDS.get(rec[kind_col].strip().lower())
                if kind is None:
                    log.add(Reject(str(path), line, kind_col,
                                   f"kind must be paper or patent, not {rec[kind_col]!r}", doc_id))
                    continue
            k = (kind, doc_id)
            if k in seen:
                log.add(Reject(str(path), line, id_col,
                               f"repeated id {doc_id!r} (first at line {seen[k]})", doc_id))
                continue
            seen[k] = line
            src = ((rec.get(src_col) or "").strip() if src_col else "") or default_source
            rows.append((line, doc_id, labs, src, kind))
    all_ids = [r[1] for r in rows]
    present = {lab: store.existing_keys(lab, all_ids) for lab in schema.DOCUMENT_LABELS}
    out: dict[str, list[tuple[str, dict[str, bool | None], str]]] = {
        lab: [] for lab in schema.DOCUMENT_LABELS}
    for line, doc_id, labs, src, kind in rows:
        where = [kind] if kind else [x for x in schema.DOCUMENT_LABELS if doc_id in present[x]]
        where = [x for x in where if doc_id in present[x]]
        if len(where) != 1:
            reason = ("no document with this id" if not where else
                      "id is both a Paper and a Patent: add a kind column")
            log.add(Reject(str(path), line, "id", reason, doc_id))
            continue
        out[where[0]].append((doc_id, labs, src))
    labelled = {}
    per_col = {scheme: {"labelled": 0, "ai": 0} for scheme in cols}
    for lab, items in out.items():
        for scheme in cols:
            mine = [(c[0], c[1][scheme], c[2]) for c in items if c[1][scheme] is not None]
            per_col[scheme]["labelled"] += len(mine)
            per_col[scheme]["ai"] += sum(1 for c in mine if c[1])
            prop = schema.LABEL_COLUMNS[scheme]
            for i in range(0, len(mine), batch_docs):
                chunk = mine[i:i + batch_docs]
                cols_out: dict[str, Any] = {
                    _key(lab): [c[0] for c in chunk],
                    prop: pa.array([c[1] for c in chunk], pa.bool_())}
                if scheme == "label":
                    cols_out["ai_label_source"] = [c[2] for c in chunk]
                store.set_properties(lab, pa.table(cols_out))
        labelled[lab] = len(items)
    main = "label" if "label" in cols else next(iter(cols))
    return {"read": read, "labelled": labelled, "ai": per_col[main]["ai"],
            "non_ai": per_col[main]["labelled"] - per_col[main]["ai"], "columns": per_col,
            "rejected": log.count, "samples": [r.message() for r in log.samples]}


# ------------------------------------------------------------------------------ train
def training_set(store: Store, stage: str,
                 labels: Sequence[str] = schema.DOCUMENT_LABELS,
                 batch_docs: int = DEFAULT_BATCH_DOCS) -> dict[str, list[Any]]:
    """Texts, labels, strata, ids and label sources for ``stage``.

    inner: documents with a teacher label (``ai_label``). outer: the teacher label where
    present, else the rule label (``ai_rule``), as the paper's outer set mixed Keywords+IPC
    and GPT-4 labels. ``source`` per row: ``label`` or ``rule``.
    """
    if stage not in (STAGE_INNER, STAGE_OUTER):
        raise ValueError(f"stage must be inner or outer, not {stage!r}")
    where = ("d.ai_label IS NOT NULL" if stage == STAGE_INNER
             else "d.ai_label IS NOT NULL OR d.ai_rule IS NOT NULL")
    data: dict[str, list[Any]] = {"ids": [], "texts": [], "labels": [], "strata": [],
                                  "source": [], "kind": []}
    for label in labels:
        cols = ["title", "abstract", "ai_label", "ai_rule"] + (
            ["venue", "categories"] if label == schema.PAPER else [])
        for rows in _pages(store, label, cols, where, batch=batch_docs):
            data["strata"].extend(_strata(store, label, rows))
            for r in rows:
                data["ids"].append(r["id"])
                data["kind"].append(label)
                data["texts"].append(clf.doc_text(r["title"], r["abstract"]))
                has_label = r["ai_label"] is not None
                data["labels"].append(bool(r["ai_label"] if has_label else r["ai_rule"]))
                data["source"].append("label" if has_label else "rule")
    return data


def train(store: Store, stage: str, out_dir: str | os.PathLike,
          base_model: str | os.PathLike | None = None,
          labels: Sequence[str] = schema.DOCUMENT_LABELS, **train_kwargs: Any) -> dict[str, Any]:
    """Build the ``stage`` training set from the store (``training_set``) and fine-tune with
    ``models.classify.train_classifier`` (its keyword options pass through: ``epochs``,
    ``max_length``, ``batch_size``, ``lr``, ``patience``, ``max_rows``, ``device``, ...).

    Returns the test metrics with ``model_dir``, ``version`` and the set's composition.
    """
    data = training_set(store, stage, labels)
    if not data["ids"]:
        hint = ("import teacher labels first: innograph classify import-labels FILE"
                if stage == STAGE_INNER else
                "run the rule first (innograph classify rule) or import labels")
        raise BadInputError(f"no labelled documents for stage {stage}: {hint}")
    res = clf.train_classifier(data["texts"], data["labels"], data["strata"],
                               base_model=base_model, out_dir=out_dir, stage=stage,
                               **train_kwargs)
    res["training_set"] = {"rows": len(data["ids"]), "ai": int(sum(data["labels"])),
                           "from_labels": data["source"].count("label"),
                           "from_rule": data["source"].count("rule"),
                           "strata": len(set(data["strata"]))}
    return res


# ---------------------------------------------------------------------------- predict
_PENDING = ("d.ai_model IS NULL OR d.ai_stage IS NULL OR d.is_ai IS NULL OR NOT ("
            "(d.ai_stage = $s_outer AND d.ai_model = $m_outer AND ($outer_final OR NOT d.is_ai))"
            " OR (d.ai_stage = $s_inner AND d.ai_model = $m_inner)"
            " OR ($use_labels AND d.ai_stage = $s_label))")


def predict(store: Store, outer_dir: str | os.PathLike | None = None,
            inner_dir: str | os.PathLike | None = None, screen_threshold: float = 0.5,
            threshold: float = 0.5, labels: Sequence[str] = schema.DOCUMENT_LABELS,
            batch_docs: int = 2048, batch_size: int = 64, device: str | None = None,
            redo: bool = False, use_labels: bool = False, limit: int | None = None,
            progress: bool = False) -> dict[str, Any]:
    """Final AI labels: ``is_ai``, ``ai_prob``, ``ai_stage``, ``ai_model`` on every document.

    With both models: p_o = P_outer(AI); p_o < ``screen_threshold`` → ``is_ai`` false,
    ``ai_prob`` p_o, stage ``outer``; else p_i = P_inner(AI), ``is_ai`` = p_i ≥
    ``threshold``, ``ai_prob`` p_i, stage ``inner``. With one model, that model labels every
    document (``is_ai`` = p ≥ ``threshold``). ``ai_model`` is the version of the model that
    decided. ``use_labels``: documents with a teacher label take it (stage ``label``,
    ``ai_prob`` 1 or 0, ``ai_model`` the label's source) and no model runs on them.

    Resumable: a document is skipped when its (stage, model) already matches this run
    (an outer-screened document counts as done only if outer still screens it, i.e. it is
    non-AI or outer is the only model); ``redo`` rewrites all. ``limit``: at most this
    many documents per label (for trials). Returns the model versions and, per label,
    ``{documents, outer, inner, label, ai}`` counts of the documents written.
    """
    if outer_dir is None and inner_dir is None:
        raise BadInputError("predict needs --outer and/or --inner model directories")
    outer = clf.load_classifier(outer_dir, device) if outer_dir else None
    inner = clf.load_classifier(inner_dir, device) if inner_dir else None
    params = {"s_outer": STAGE_OUTER, "s_inner": STAGE_INNER, "s_label": STAGE_LABEL,
              "m_outer": outer.version if outer else _NONE,
              "m_inner": inner.version if inner else _NONE,
              "outer_final": inner is None, "use_labels": bool(use_labels)}
    where = "true" if redo else _PENDING
    if redo:  # Kùzu refuses parameters that the query does not use
        params = {}
    summary: dict[str, Any] = {"outer": outer.version if outer else None,
                               "inner": inner.version if inner else None}
    for label in labels:
        counts = Counter({STAGE_OUTER: 0, STAGE_INNER: 0, STAGE_LABEL: 0, "ai": 0})
        total = _count(store, label, where, params)
        total = min(total, limit) if limit else total
        done = 0
        with _bar(progress, f"predict {label}", total) as advance:
            for rows in _pages(store, label, ("title", "abstract", "ai_label", "ai_label_source"),
                               where, params, batch=batch_docs):
                if limit and done >= limit:
                    break
                rows = rows[: (limit - done) if limit else None]
                res = _predict_rows(rows, outer, inner, screen_threshold, threshold,
                                    batch_size, use_labels)
                store.set_properties(label, pa.table({
                    _key(label): [r["id"] for r in rows],
                    "is_ai": pa.array(res["is_ai"], pa.bool_()),
                    "ai_prob": pa.array(res["ai_prob"], pa.float64()),
                    "ai_stage": res["ai_stage"], "ai_model": res["ai_model"]}))
                counts.update(res["ai_stage"])
                counts["ai"] += int(sum(res["is_ai"]))
                done += len(rows)
                advance(len(rows))
        summary[label] = {"documents": done, **dict(counts)}
    return summary


def _predict_rows(rows: list[dict[str, Any]], outer: clf.TextClassifier | None,
                  inner: clf.TextClassifier | None, screen: float, threshold: float,
                  batch_size: int, use_labels: bool) -> dict[str, list[Any]]:
    n = len(rows)
    is_ai: list[bool] = [False] * n
    prob: list[float] = [0.0] * n
    stage: list[str] = [""] * n
    model: list[str] = [""] * n
    todo = []
    for i, r in enumerate(rows):
        if use_labels and r["ai_label"] is not None:
            is_ai[i] = bool(r["ai_label"])
            prob[i], stage[i] = float(is_ai[i]), STAGE_LABEL
            model[i] = r["ai_label_source"] or STAGE_LABEL
        else:
            todo.append(i)
    texts = [clf.doc_text(rows[i]["title"], rows[i]["abstract"]) for i in todo]
    to_inner = todo
    if outer is not None and todo:
        p_o = outer.predict_proba(texts, batch_size=batch_size)
        cut = screen if inner is not None else threshold
        to_inner = []
        for j, i in enumerate(todo):
            if inner is not None and p_o[j] >= cut:
                to_inner.append(i)
                continue
            is_ai[i], prob[i] = bool(p_o[j] >= cut), float(p_o[j])
            stage[i], model[i] = STAGE_OUTER, outer.version
    if inner is not None and to_inner:
        pos = {i: j for j, i in enumerate(todo)}
        p_i = inner.predict_proba([texts[pos[i]] for i in to_inner], batch_size=batch_size)
        for j, i in enumerate(to_inner):
            is_ai[i], prob[i] = bool(p_i[j] >= threshold), float(p_i[j])
            stage[i], model[i] = STAGE_INNER, inner.version
    return {"is_ai": is_ai, "ai_prob": prob, "ai_stage": stage, "ai_model": model}


# --------------------------------------------------------------------------- evaluate
def _split_codes(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    return [c.strip() for c in value.replace("|", ";").split(";") if c.strip()]


def labelled_set(source: "Store | str | os.PathLike",
                 labels: Sequence[str] = schema.DOCUMENT_LABELS) -> dict[str, list[Any]]:
    """``ids, texts, codes, y`` (and stored ``ai_rule`` / ``ai_prob`` when from a store).

    From a store: documents with ``ai_label``. From a CSV file: columns ``label`` and
    ``text`` or ``title`` / ``abstract``, optional ``id`` and ``codes`` (IPC/CPC codes
    separated by ``;`` or ``|``).
    """
    out: dict[str, list[Any]] = {"ids": [], "texts": [], "codes": [], "y": [],
                                 "stored_prob": []}
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise BadInputError("file not found", file=str(path))
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            lab = _column(header, _LABEL_COLS)
            text = _column(header, ("text",))
            title, abstract = _column(header, ("title",)), _column(header, ("abstract",))
            idc, codes = _column(header, _ID_COLS), _column(header, ("codes", "ipc", "cpc"))
            if lab is None or (text is None and title is None and abstract is None):
                raise BadInputError(f"needs columns label and text (or title/abstract); "
                                    f"found {header}", file=str(path), line=1)
            for k, rec in enumerate(reader):
                try:
                    y = clf.parse_label(rec[lab])
                except ValueError as e:
                    raise BadInputError(str(e), file=str(path), line=reader.line_num,
                                        field=lab) from None
                out["y"].append(y)
                out["ids"].append(rec[idc] if idc else str(k + 1))
                out["texts"].append(rec[text] if text else
                                    clf.doc_text(rec.get(title or ""), rec.get(abstract or "")))
                out["codes"].append(_split_codes(rec.get(codes)) if codes else [])
                out["stored_prob"].append(None)
        return out
    store = source
    for label in labels:
        for rows in _pages(store, label, ("title", "abstract", "ai_label", "ai_prob"),
                           "d.ai_label IS NOT NULL"):
            codes = _codes_of(store, label, [r["id"] for r in rows])
            for r in rows:
                out["ids"].append(r["id"])
                out["texts"].append(clf.doc_text(r["title"], r["abstract"]))
                out["codes"].append(codes.get(r["id"], []))
                out["y"].append(bool(r["ai_label"]))
                out["stored_prob"].append(r["ai_prob"])
    return out


def evaluate(source: "Store | str | os.PathLike", outer_dir: str | os.PathLike | None = None,
             inner_dir: str | os.PathLike | None = None, png: str | os.PathLike | None = None,
             codes_file: str | os.PathLike | None = None,
             keywords_file: str | os.PathLike | None = None, threshold: float = 0.5,
             screen_threshold: float = 0.5, device: str | None = None, batch_size: int = 64,
             labels: Sequence[str] = schema.DOCUMENT_LABELS) -> dict[str, Any]:
    """Metrics of every stage on a labelled set (``labelled_set``).

    Stages: ``rule`` (recomputed with the given lists), ``outer`` and ``inner`` (run on the
    texts when their directories are given), ``outer>inner`` (the screened pipeline of
    ``predict``) when both are, and ``stored`` (the store's ``ai_prob``, when every labelled
    document has one). Each gets ``models.classify.evaluate``; ``agreement`` compares the
    stages (Fig. 3 of the paper); ``png`` receives the PR curves.
    Returns ``{n, n_ai, stages: {name: metrics}, agreement, png}``.
    """
    data = labelled_set(source, labels)
    y = np.asarray(data["y"], dtype=bool)
    if y.size == 0:
        raise BadInputError("no labelled documents to evaluate on (import labels first, or "
                            "give a labelled CSV)")
    lists = clf.load_rule_lists(codes_file, keywords_file)
    scores: dict[str, np.ndarray] = {
        "rule": clf.rule_labels(data["texts"], data["codes"], lists).astype(np.float64)}
    p_outer = p_inner = None
    if outer_dir:
        p_outer = clf.predict_proba(outer_dir, data["texts"], batch_size, device)
        scores["outer"] = p_outer
    if inner_dir:
        p_inner = clf.predict_proba(inner_dir, data["texts"], batch_size, device)
        scores["inner"] = p_inner
    if p_outer is not None and p_inner is not None:
        scores["outer>inner"] = np.where(p_outer < screen_threshold, p_outer, p_inner)
    stored = data["stored_prob"]
    if stored and all(p is not None for p in stored):
        scores["stored"] = np.asarray(stored, dtype=np.float64)
    stages = {k: clf.evaluate(y, v, threshold) for k, v in scores.items()}
    out: dict[str, Any] = {"n": int(y.size), "n_ai": int(y.sum()), "stages": stages,
                           "rule_version": lists.version,
                           "agreement": clf.agreement(scores, y, threshold)}
    if png:
        out["png"] = str(clf.plot_pr_curves({k: (y, v) for k, v in scores.items()}, png,
                                            title=f"AI classification, n={y.size}"))
    return out


# ------------------------------------------------------------- consensus set (issue 16.1)
CONSENSUS_COLUMNS = ("id", "kind", "label", "admitted_by", "stratum", "split")


def _outer_labels(rows: list[dict[str, Any]], outer: "clf.TextClassifier | None",
                  threshold: float, batch_size: int) -> list[bool | None]:
    """BERT_outer's label per row: the model's P(AI) >= threshold when a model is given;
    else from ``classify predict``'s stored result: stage ``outer`` → ``is_ai`` (an
    outer-only run labels every document this way), anything else → None (a document that
    went on to BERT_inner passed the screen, but a store cannot tell that from an inner-only
    run, so it is not counted as an outer label)."""
    if outer is not None:
        p = outer.predict_proba([clf.doc_text(r["title"], r["abstract"]) for r in rows],
                                batch_size=batch_size)
        return [bool(x >= threshold) for x in p]
    out: list[bool | None] = []
    for r in rows:
        if r.get("ai_stage") == STAGE_OUTER and r.get("is_ai") is not None:
            out.append(bool(r["is_ai"]))
        else:
            out.append(None)
    return out


def consensus_set(store: Store, out_csv: str | os.PathLike,
                  outer_dir: str | os.PathLike | None = None, threshold: float = 0.5,
                  max_per_class: int | None = None, seed: int = 42, llm_veto: bool = False,
                  labels: Sequence[str] = schema.DOCUMENT_LABELS, device: str | None = None,
                  batch_size: int = 64, batch_docs: int = DEFAULT_BATCH_DOCS) -> dict[str, Any]:
    """BERT_inner's training set by the paper's four provenance rules
    (``models.consensus``), written to ``out_csv``.

    Inputs per document: ``ai_rule`` (``classify rule``), ``ai_label_llm`` (``classify
    import-labels`` with an ``llm`` column) and BERT_outer's label (``outer_dir``: the model
    is run on every document with a rule label; without it the stored ``classify predict``
    result of an outer-only ``classify predict --outer DIR``, ``_outer_labels``). Strata: IPC section for patents, venue / arXiv category for
    papers (``_strata``). Balanced per stratum, split 8:1:1 stratified by (stratum, label).

    Writes ``out_csv`` with columns ``id, kind, label (AI / non-AI), admitted_by (rule
    name), stratum, split``. Returns ``{csv, documents, counts}`` (``counts`` as
    ``models.consensus.build_training_set``, plus ``outer_source``).
    """
    from ..models.classify import consensus as cons

    outer = clf.load_classifier(outer_dir, device) if outer_dir else None
    ids, kinds, rule, llm, out_l, strata = [], [], [], [], [], []
    for label in labels:
        cols = ["title", "abstract", "ai_rule", "ai_label_llm", "ai_stage", "is_ai"] + (
            ["venue", "categories"] if label == schema.PAPER else [])
        for rows in _pages(store, label, cols, "d.ai_rule IS NOT NULL", batch=batch_docs):
            strata.extend(_strata(store, label, rows))
            out_l.extend(_outer_labels(rows, outer, threshold, batch_size))
            for r in rows:
                ids.append(r["id"])
                kinds.append(label)
                rule.append(bool(r["ai_rule"]))
                llm.append(None if r["ai_label_llm"] is None else bool(r["ai_label_llm"]))
    if not ids:
        raise BadInputError("no document has a rule label: run `innograph classify rule` "
                            "first")
    if all(v is None for v in llm):
        raise BadInputError("no document has an LLM label: import them with `innograph "
                            "classify import-labels FILE` (a column named llm)")
    if all(v is None for v in out_l):
        raise BadInputError("no BERT_outer labels: give --outer MODEL_DIR, or run `innograph "
                            "classify predict --outer MODEL_DIR` (without --inner) first")
    res = cons.build_training_set(rule, llm, out_l, strata, max_per_class, seed,
                                  llm_veto=llm_veto)
    path = Path(out_csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CONSENSUS_COLUMNS)
        for j, i in enumerate(res["index"]):
            w.writerow([ids[i], kinds[i], "AI" if res["label"][j] else "non-AI",
                        res["admitted_by"][j], res["stratum"][j], res["split"][j]])
    counts = dict(res["counts"])
    counts["outer_source"] = str(outer_dir) if outer_dir else "stored classify predict"
    return {"csv": str(path), "documents": len(ids), "rows": int(res["index"].size),
            "counts": counts}


def read_consensus(store: Store, file: str | os.PathLike) -> dict[str, list[Any]]:
    """``ids, kind, texts, labels, strata, splits`` of a consensus CSV, texts from the store.
    A row whose document is gone, or with a bad label or split, is an error naming its line."""
    path = Path(file)
    if not path.is_file():
        raise BadInputError("file not found", file=str(path))
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in CONSENSUS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInputError(f"not a consensus set (missing {missing}); make one with "
                                "`innograph classify consensus`", file=str(path), line=1)
        for rec in reader:
            if rec["kind"] not in schema.DOCUMENT_LABELS:
                raise BadInputError(f"kind must be Paper or Patent, not {rec['kind']!r}",
                                    file=str(path), line=reader.line_num, field="kind")
            try:
                y = clf.parse_label(rec["label"])
            except ValueError as e:
                raise BadInputError(str(e), file=str(path), line=reader.line_num,
                                    field="label") from None
            rows.append((reader.line_num, rec, y))
    data: dict[str, list[Any]] = {"ids": [], "kind": [], "texts": [], "labels": [],
                                  "strata": [], "splits": []}
    for label in schema.DOCUMENT_LABELS:
        mine = [r for r in rows if r[1]["kind"] == label]
        texts: dict[str, str] = {}
        want = [r[1]["id"] for r in mine]
        for a in range(0, len(want), DEFAULT_BATCH_DOCS):
            t = store.read_table(*queries.texts_of_documents(
                label, want[a:a + DEFAULT_BATCH_DOCS]))
            for r in t.to_pylist():
                texts[r["id"]] = clf.doc_text(r["title"], r["abstract"])
        for line, rec, y in mine:
            if rec["id"] not in texts:
                raise BadInputError(f"no {label} with id {rec['id']!r} in the store",
                                    file=str(path), line=line, field="id")
            data["ids"].append(rec["id"])
            data["kind"].append(label)
            data["texts"].append(texts[rec["id"]])
            data["labels"].append(y)
            data["strata"].append(rec["stratum"])
            data["splits"].append(rec["split"])
    return data


def train_consensus(store: Store, consensus_csv: str | os.PathLike,
                    out_dir: str | os.PathLike, base_model: str | os.PathLike | None = None,
                    **train_kwargs: Any) -> dict[str, Any]:
    """BERT_inner on a consensus set (``consensus_set``) with its recorded 8:1:1 split."""
    data = read_consensus(store, consensus_csv)
    if not data["ids"]:
        raise BadInputError("the consensus set is empty", file=str(consensus_csv))
    res = clf.train_classifier(data["texts"], data["labels"], data["strata"],
                               base_model=base_model, out_dir=out_dir, stage=STAGE_INNER,
                               splits=data["splits"], **train_kwargs)
    res["training_set"] = {"rows": len(data["ids"]), "ai": int(sum(data["labels"])),
                           "consensus": str(consensus_csv),
                           "strata": len(set(data["strata"]))}
    return res


# ----------------------------------------------------------- stage evaluation (issue 16.2)
STAGES = ("rule", "llm", "outer", "inner")


def evaluate_stages(store: Store, out_dir: str | os.PathLike,
                    expert: str | os.PathLike | None = None,
                    outer_dir: str | os.PathLike | None = None,
                    inner_dir: str | os.PathLike | None = None, threshold: float = 0.5,
                    labels: Sequence[str] = schema.DOCUMENT_LABELS, device: str | None = None,
                    batch_size: int = 64, rejects: str | os.PathLike | None = None
                    ) -> dict[str, Any]:
    """Every stage present against expert labels: the paper's Table 4 and Fig. 3.

    Expert labels: ``expert`` (a CSV imported first with ``import_labels``: columns ``id``
    and ``expert`` or ``label``; its labels go to ``ai_label_expert``), else the store's
    ``ai_label_expert``. Stages, per expert-labelled document: ``rule`` = ``ai_rule``;
    ``llm`` = ``ai_label_llm``; ``outer`` = BERT_outer (``outer_dir`` run on the texts, else
    the stored ``classify predict`` result as in ``consensus_set``); ``inner`` = BERT_inner
    (``inner_dir``, else stored ``is_ai`` of stage ``inner``). A stage with no label on any
    expert document is left out.

    Writes into ``out_dir``: ``stages_table4.csv`` (``models.stages.table4``),
    ``stages_overlap.csv`` (``models.stages.overlaps``: pairwise, three-way, ...) and
    ``stages_fig3.png``. Returns ``{n, n_ai, stages, table4, overlaps, files,
    expert_import}`` (``expert_import``: labelled / rejected rows of the file, or None).
    """
    from ..models.classify import stages as stg

    imported: dict[str, Any] | None = None
    if expert is not None:
        path = Path(expert)
        if not path.is_file():
            raise BadInputError("file not found", file=str(path))
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
        cols = _label_columns(header)
        if "expert" not in cols and "label" not in cols:
            raise BadInputError(f"expert file needs columns id and expert (or label); found "
                                f"{header}", file=str(path), line=1)
        if "expert" not in cols:  # a plain id,label file: read its label as the expert's
            tmp = Path(out_dir) / ".expert_as_column.csv"
            tmp.parent.mkdir(parents=True, exist_ok=True)
            with open(path, newline="", encoding="utf-8-sig") as f, \
                    open(tmp, "w", newline="", encoding="utf-8") as g:
                r = csv.reader(f)
                w = csv.writer(g)
                head = next(r)
                li = head.index(cols["label"])
                w.writerow(["expert" if i == li else h for i, h in enumerate(head)])
                w.writerows(r)
            path = tmp
        imp = import_labels(store, path, rejects=rejects)
        if path != Path(expert):
            path.unlink(missing_ok=True)
        imported = {"labelled": sum(imp["labelled"].values()), "rejected": imp["rejected"],
                    "samples": imp["samples"]}
    outer = clf.load_classifier(outer_dir, device) if outer_dir else None
    inner = clf.load_classifier(inner_dir, device) if inner_dir else None
    y: list[bool] = []
    got: dict[str, list[Any]] = {k: [] for k in STAGES}
    for label in labels:
        cols = ["title", "abstract", "ai_rule", "ai_label_llm", "ai_label_expert", "ai_stage",
                "is_ai"]
        for rows in _pages(store, label, cols, "d.ai_label_expert IS NOT NULL"):
            y.extend(bool(r["ai_label_expert"]) for r in rows)
            got["rule"].extend(r["ai_rule"] for r in rows)
            got["llm"].extend(r["ai_label_llm"] for r in rows)
            got["outer"].extend(_outer_labels(rows, outer, threshold, batch_size))
            if inner is not None:
                p = inner.predict_proba([clf.doc_text(r["title"], r["abstract"]) for r in rows],
                                        batch_size=batch_size)
                got["inner"].extend(bool(x >= threshold) for x in p)
            else:
                got["inner"].extend(bool(r["is_ai"]) if r["ai_stage"] == STAGE_INNER
                                    and r["is_ai"] is not None else None for r in rows)
    if not y:
        raise BadInputError("no expert labels: pass --expert FILE (id, expert) or import "
                            "them with `innograph classify import-labels` (column expert)")
    present = {k: v for k, v in got.items() if any(x is not None for x in v)}
    if not present:
        raise BadInputError("no stage has labels on the expert set: run `innograph classify "
                            "rule` (and import llm labels, or give --outer / --inner)")
    t4 = stg.table4(y, present)
    ov = stg.overlaps(y, present)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"table4": out / "stages_table4.csv", "overlaps": out / "stages_overlap.csv",
             "png": out / "stages_fig3.png"}
    t4.to_csv(files["table4"], index=False)
    ov.to_csv(files["overlaps"], index=False)
    stg.plot_fig3(t4, ov, files["png"], title=f"stages against {len(y)} expert labels")
    return {"n": len(y), "n_ai": int(sum(y)), "stages": list(present), "table4": t4,
            "overlaps": ov, "files": {k: str(v) for k, v in files.items()},
            "expert_import": imported}
