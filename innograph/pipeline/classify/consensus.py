"""``classify consensus`` and ``classify train --consensus``: BERT_inner's training set by
the DeepInnovationAI paper's four provenance rules (``models.classify.consensus``) from the
store's rule, LLM and BERT_outer labels, written as a CSV, and training on it with its
recorded 8:1:1 split.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Sequence

from ...errors import BadInputError
from ...graph import queries, schema
from ...graph.store import Store
from ...models import classify as clf
from ...models.classify import consensus as cons
from .documents import DEFAULT_BATCH_DOCS, STAGE_INNER, STAGE_OUTER, pages, strata_of


# ------------------------------------------------------------- consensus set (issue 16.1)
CONSENSUS_COLUMNS = ("id", "kind", "label", "admitted_by", "stratum", "split")


def outer_labels(rows: list[dict[str, Any]], outer: "clf.TextClassifier | None",
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
    (``models.classify.consensus``), written to ``out_csv``.

    Inputs per document: ``ai_rule`` (``classify rule``), ``ai_label_llm`` (``classify
    import-labels`` with an ``llm`` column) and BERT_outer's label (``outer_dir``: the model
    is run on every document with a rule label; without it the stored ``classify predict``
    result of an outer-only ``classify predict --outer DIR``, ``outer_labels``). Strata: IPC
    section for patents, venue / arXiv category for papers (``strata_of``). Balanced per
    stratum, split 8:1:1 stratified by (stratum, label).

    Writes ``out_csv`` with columns ``id, kind, label (AI / non-AI), admitted_by (rule
    name), stratum, split``. Returns ``{csv, documents, counts}`` (``counts`` as
    ``models.classify.consensus.build_training_set``, plus ``outer_source``).
    """
    outer = clf.load_classifier(outer_dir, device) if outer_dir else None
    ids, kinds, rule, llm, out_l, strata = [], [], [], [], [], []
    for label in labels:
        cols = ["title", "abstract", "ai_rule", "ai_label_llm", "ai_stage", "is_ai"] + (
            ["venue", "categories"] if label == schema.PAPER else [])
        for rows in pages(store, label, cols, "d.ai_rule IS NOT NULL", batch=batch_docs):
            strata.extend(strata_of(store, label, rows))
            out_l.extend(outer_labels(rows, outer, threshold, batch_size))
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
