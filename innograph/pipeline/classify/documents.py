"""The store side shared by the ``classify`` commands: documents page by page, their codes
and strata, the stage names written as ``ai_stage``, and progress per page.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from ...graph import queries, schema
from ...graph.store import Store
from ...models import classify as clf
from ...progress import ProgressFactory, no_progress

DEFAULT_BATCH_DOCS = 5000
STAGE_OUTER, STAGE_INNER, STAGE_LABEL = "outer", "inner", "label"

# the document properties this module reads and writes; checked against the schema at import
_PROPS = ("title", "abstract", "venue", "categories", "ai_rule", "ai_rule_version", "is_ai",
          "ai_prob", "ai_stage", "ai_model", "ai_label", "ai_label_source",
          *schema.LABEL_COLUMNS.values())
for _label in schema.DOCUMENT_LABELS:
    for _p in _PROPS:
        if _p in ("venue", "categories") and _label == schema.PATENT:
            continue
        schema.node(_label).prop_type(_p)


def key_of(label: str) -> str:
    """The key property of node ``label`` (``id``)."""
    return schema.node(label).key


def pages(store: Store, label: str, columns: Sequence[str], where: str = "true",
          params: dict[str, Any] | None = None, batch: int = DEFAULT_BATCH_DOCS
          ) -> Iterator[list[dict[str, Any]]]:
    """Documents of ``label`` in key order, ``batch`` at a time, as row dicts."""
    for t in queries.paginate(store, queries.node_page, batch, label=label, columns=columns,
                              where=where, params=params):
        yield t.to_pylist()


def count_docs(store: Store, label: str, where: str = "true",
               params: dict[str, Any] | None = None) -> int:
    """How many ``label`` nodes ``d`` satisfy ``where`` (a Cypher condition on ``d``)."""
    t = store.read_table(*queries.count_nodes(label, where, params))
    return int(t.column(0)[0].as_py() or 0) if t.num_rows else 0


def codes_of(store: Store, label: str, ids: Sequence[str]) -> dict[str, list[str]]:
    """IPC/CPC codes per document id (Locarno codes included; the rule ignores them)."""
    if not ids:
        return {}
    t = store.read_table(*queries.codes_of_documents(label, ids))
    out: dict[str, list[str]] = {}
    for r in t.to_pylist() if t.num_rows else []:
        if r["code"]:
            out.setdefault(r["id"], []).append(r["code"])
    return out


def strata_of(store: Store, label: str, rows: list[dict[str, Any]]) -> list[str]:
    """Stratum per document: patents the most frequent IPC section of their codes (ties:
    alphabetical; none: 'patent'); papers their venue, else primary arXiv category, else
    'paper'."""
    if label == schema.PATENT:
        codes = codes_of(store, label, [r["id"] for r in rows])
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
def progress_counter(progress: ProgressFactory | None, description: str,
                     total: int) -> Iterator[Callable[[int], None]]:
    """An ``advance(n)`` callable that reports (rows done, ``total``) after each page.

    ``progress``: a ``ProgressFactory`` (the CLI passes its rich renderer) → its callback
    for ``description``; None → nothing.
    """
    report = progress(description) if progress else no_progress
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        report(done, total)

    yield advance
