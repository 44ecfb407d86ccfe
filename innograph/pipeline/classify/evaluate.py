"""``classify evaluate``: every stage against labels.

- ``labelled_set`` / ``evaluate``: the rule, outer, inner (and the screened pipeline) against
  the teacher labels of a store or a labelled CSV: metrics, stage overlap, a PR-curve PNG.
- ``evaluate_stages`` (``--expert`` / ``--stages``): every stage present in the store
  against expert labels, as the DeepInnovationAI paper's Table 4 and Fig. 3.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import BadInputError
from ...graph import schema
from ...graph.store import Store
from ...models import classify as clf
from ...models.classify import stages as stg
from .consensus import outer_labels
from .documents import STAGE_INNER, codes_of, pages
from .labels import ID_COLUMNS, LABEL_COLUMN_NAMES, find_column, import_labels, label_columns


def _split_codes(value: Any) -> list[str]:
    """Codes of a labelled CSV cell, separated by ``;`` or ``|``."""
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
            lab = find_column(header, LABEL_COLUMN_NAMES)
            text = find_column(header, ("text",))
            title, abstract = find_column(header, ("title",)), find_column(header, ("abstract",))
            idc = find_column(header, ID_COLUMNS)
            codes = find_column(header, ("codes", "ipc", "cpc"))
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
        for rows in pages(store, label, ("title", "abstract", "ai_label", "ai_prob"),
                          "d.ai_label IS NOT NULL"):
            codes = codes_of(store, label, [r["id"] for r in rows])
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

    Writes into ``out_dir``: ``stages_table4.csv`` (``models.classify.stages.table4``),
    ``stages_overlap.csv`` (``models.classify.stages.overlaps``: pairwise, three-way, ...) and
    ``stages_fig3.png``. Returns ``{n, n_ai, stages, table4, overlaps, files,
    expert_import}`` (``expert_import``: labelled / rejected rows of the file, or None).
    """
    imported: dict[str, Any] | None = None
    if expert is not None:
        path = Path(expert)
        if not path.is_file():
            raise BadInputError("file not found", file=str(path))
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
        cols = label_columns(header)
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
        for rows in pages(store, label, cols, "d.ai_label_expert IS NOT NULL"):
            y.extend(bool(r["ai_label_expert"]) for r in rows)
            got["rule"].extend(r["ai_rule"] for r in rows)
            got["llm"].extend(r["ai_label_llm"] for r in rows)
            got["outer"].extend(outer_labels(rows, outer, threshold, batch_size))
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
