"""Scope filters shared by commands: ``--ai-only`` (README "Export, stats, queries").

``--ai-only`` keeps the documents whose final AI label is AI: ``schema.final_ai_expr`` (the
classifier's ``is_ai`` — inner BERT, else outer, else an imported label — when computed,
else the keywords+IPC rule ``ai_rule``). Documents with no label at all are left out.
Commands build their Cypher with ``ai_only_clause`` (or ``ai_only_predicate`` to AND it
with their own conditions) and filter Python rows with ``is_ai_row``; the label itself is
never redefined here.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..graph import queries, schema
from ..graph.store import Store

__all__ = ["ai_only_predicate", "ai_only_clause", "is_ai_row", "ai_keys", "AI_ONLY_HELP"]

AI_ONLY_HELP = ("Keep only documents whose final AI label is AI (is_ai, else the rule "
                "ai_rule; unlabelled documents are left out)")


# the Cypher side lives with the other statements (graph.queries)
ai_only_predicate = queries.ai_only_predicate
ai_only_clause = queries.ai_only_clause


def is_ai_row(row: Mapping[str, Any], is_ai: str = "is_ai", ai_rule: str = "ai_rule") -> bool:
    """Python side of the same filter: ``schema.final_ai`` of a row's two columns is True."""
    return schema.final_ai(row.get(is_ai), row.get(ai_rule)) is True


def ai_keys(store: Store, label: str) -> set[str]:
    """Keys of the ``label`` documents (Paper / Patent) whose final AI label is AI."""
    if label not in schema.DOCUMENT_LABELS:
        raise ValueError(f"--ai-only applies to {schema.DOCUMENT_LABELS}, not {label!r}")
    t = store.read_table(*queries.ai_document_keys(label))
    return set(t.column("id").to_pylist())
