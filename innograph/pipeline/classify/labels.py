"""``classify import-labels``: teacher, LLM and expert labels from a CSV into the documents
(``ai_label`` / ``ai_label_source``, ``ai_label_llm``, ``ai_label_expert``), with the column
finders the other label files (labelled sets, expert files) share.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa

from ...errors import BadInputError
from ...graph import schema
from ...graph.store import Store
from ...loaders.records import Reject, RejectLog
from ...models import classify as clf
from .documents import key_of


ID_COLUMNS = ("id", "doc_id", "document_id")  # names of the id column of a labels CSV
LABEL_COLUMN_NAMES = ("label", "is_ai", "ai")  # names of its teacher-label column
_KINDS = {"paper": schema.PAPER, "patent": schema.PATENT}


def find_column(header: list[str], names: Sequence[str]) -> str | None:
    """The header among ``names`` (compared case-insensitively, first name first), or None."""
    low = {h.strip().lower(): h for h in header}
    return next((low[n] for n in names if n in low), None)


def label_columns(header: list[str]) -> dict[str, str]:
    """Named label columns of a labels CSV: scheme (``schema.LABEL_COLUMNS`` key) → header.
    ``label`` also answers to ``is_ai`` / ``ai``."""
    out = {}
    for scheme in schema.LABEL_COLUMNS:
        col = find_column(header, LABEL_COLUMN_NAMES if scheme == "label" else (scheme,))
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
        id_col, cols = find_column(header, ID_COLUMNS), label_columns(header)
        if id_col is None or not cols:
            raise BadInputError(f"needs columns id and label (or named label columns "
                                f"{', '.join(c for c in schema.LABEL_COLUMNS if c != 'label')}"
                                f"); found {header}", file=str(path), line=1)
        src_col, kind_col = find_column(header, ("source",)), find_column(header, ("kind", "type"))
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
                    key_of(lab): [c[0] for c in chunk],
                    prop: pa.array([c[1] for c in chunk], pa.bool_())}
                if scheme == "label":
                    cols_out["ai_label_source"] = [c[2] for c in chunk]
                store.set_properties(lab, pa.table(cols_out))
        labelled[lab] = len(items)
    main = "label" if "label" in cols else next(iter(cols))
    return {"read": read, "labelled": labelled, "ai": per_col[main]["ai"],
            "non_ai": per_col[main]["labelled"] - per_col[main]["ai"], "columns": per_col,
            "rejected": log.count, "samples": [r.message() for r in log.samples]}
