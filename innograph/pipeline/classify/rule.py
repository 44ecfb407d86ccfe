"""``classify rule``: the keywords + IPC rule (``models.classify.rules``) on every document of
a store, written as ``ai_rule`` with the lists' version ``ai_rule_version``."""

from __future__ import annotations

import os
from typing import Any, Sequence

import pyarrow as pa

from ...graph import schema
from ...graph.store import Store
from ...models import classify as clf
from ...progress import ProgressFactory
from .documents import (DEFAULT_BATCH_DOCS, codes_of, count_docs, key_of, pages,
                        progress_counter)


def classify_rule(store: Store, codes_file: str | os.PathLike | None = None,
                  keywords_file: str | os.PathLike | None = None,
                  labels: Sequence[str] = schema.DOCUMENT_LABELS, redo: bool = False,
                  batch_docs: int = DEFAULT_BATCH_DOCS,
                  progress: ProgressFactory | None = None
                  ) -> dict[str, Any]:
    """Write ``ai_rule`` (bool) and ``ai_rule_version`` on every document of ``labels``.

    The rule is ``models.classify.rule_is_ai`` over title + abstract and the document's
    IPC codes, with the packaged lists unless files are given. Documents already marked with
    this lists version are skipped (a killed run resumes; a rerun writes nothing) unless
    ``redo`` (after reloading texts or codes). Cost: ~0.1-0.3 ms per document.
    ``progress``: documents done per label (``documents.progress_counter``).
    Returns ``{version, <label>: {documents, ai}}`` for the documents written.
    """
    lists = clf.load_rule_lists(codes_file, keywords_file)
    where, params = (("true", {}) if redo else
                     ("d.ai_rule_version IS NULL OR d.ai_rule_version <> $v",
                      {"v": lists.version}))
    summary: dict[str, Any] = {"version": lists.version}
    for label in labels:
        n_docs = n_ai = 0
        with progress_counter(progress, f"rule {label}",
                              count_docs(store, label, where, params)) as advance:
            for rows in pages(store, label, ("title", "abstract"), where, params,
                              batch=batch_docs):
                ids = [r["id"] for r in rows]
                codes = codes_of(store, label, ids)
                texts = [clf.doc_text(r["title"], r["abstract"]) for r in rows]
                flags = clf.rule_labels(texts, [codes.get(i, ()) for i in ids], lists)
                store.set_properties(label, pa.table({
                    key_of(label): ids, "ai_rule": pa.array(flags.tolist(), pa.bool_()),
                    "ai_rule_version": [lists.version] * len(ids)}))
                n_docs += len(ids)
                n_ai += int(flags.sum())
                advance(len(ids))
        summary[label] = {"documents": n_docs, "ai": n_ai}
    return summary
