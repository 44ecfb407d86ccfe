"""A content hash of a whole graph: equal hashes ⇔ equal nodes, edges and properties.

Used to check that a load killed midway and rerun ends with the identical graph, and that
loading twice changes nothing. Works on any Store through ``read_table``; timestamps that a
job writes on purpose (``*_at``) can be left out with ``ignore``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from . import schema
from .store import Store


def _canon(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    return value


def graph_rows(store: Store, ignore: Iterable[str] = ()) -> dict[str, list[str]]:
    """Every node and edge as canonical JSON lines, sorted, per label / relationship type."""
    skip = set(ignore)
    out: dict[str, list[str]] = {}
    for spec in schema.NODES.values():
        cols = [c for c in spec.columns if c not in skip]
        ret = ", ".join(f"n.{c} AS {c}" for c in cols)
        rows = store.read_table(f"MATCH (n:{spec.label}) RETURN {ret}").to_pylist()
        out[spec.label] = sorted(json.dumps([_canon(r[c]) for c in cols], ensure_ascii=False)
                                 for r in rows)
    for r in schema.RELS.values():
        cols = [c for c in r.columns if c not in skip]
        lines = []
        for a, b in r.pairs:
            ka, kb = schema.node(a).key, schema.node(b).key
            ret = ", ".join([f"x.{ka} AS src", f"y.{kb} AS dst"] + [f"e.{c} AS {c}" for c in cols])
            rows = store.read_table(f"MATCH (x:{a})-[e:{r.type}]->(y:{b}) RETURN {ret}").to_pylist()
            lines += [json.dumps([a, b, row["src"], row["dst"]] + [_canon(row[c]) for c in cols],
                                 ensure_ascii=False) for row in rows]
        out[r.type] = sorted(lines)
    return out


def fingerprint(store: Store, ignore: Iterable[str] = ()) -> str:
    """SHA-256 over ``graph_rows``."""
    h = hashlib.sha256()
    for name, lines in sorted(graph_rows(store, ignore).items()):
        h.update(name.encode())
        for line in lines:
            h.update(line.encode("utf-8"))
            h.update(b"\n")
    return h.hexdigest()
