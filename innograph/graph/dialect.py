"""The Cypher that differs between the two stores, as small statement builders.

Identifiers (labels, relationship types, property names) are formatted in only from
``graph.schema``; every value travels as a ``$parameter``. Builders return
``(query, params)`` or a query string whose parameters the caller supplies.

Kùzu vs Neo4j, the differences that matter here (DESIGN.md §3):
- Kùzu needs DDL (node/rel tables); Neo4j needs uniqueness constraints.
- Kùzu bulk-writes with COPY from arrow; Neo4j with ``UNWIND $rows … MERGE … SET n += r.props``.
- Kùzu has no ``SET n += map``, no map projection, no ``CALL {}``; variable-length patterns
  need bounds; shortest paths are ``* SHORTEST 1..n`` (Neo4j: ``shortestPath(…*1..n…)``).
- Vector index scores: Neo4j reports (1 + cos) / 2, Kùzu a distance 1 − cos
  (``cosine_from_index_score``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import schema

KUZU = "kuzu"
NEO4J = "neo4j"

# Map keys of the ``$rows`` payloads the Neo4j builders read (``r.key``, ``r.props`` …),
# and result column names; not graph properties, but Neo4j's linter sees them as keys.
PAYLOAD_KEYS = ("key", "props", "keys", "src", "dst", "n", "i", "vector", "c")


# ------------------------------------------------------------------------ Kùzu
def kuzu_schema_ddl() -> list[str]:
    """CREATE … IF NOT EXISTS statements for every node and relationship table."""
    out = []
    for spec in schema.NODES.values():
        cols = ", ".join(
            f"{p.name} {p.type}" + (" PRIMARY KEY" if p.name == spec.key else "")
            for p in spec.props
        )
        out.append(f"CREATE NODE TABLE IF NOT EXISTS {spec.label}({cols})")
    for r in schema.RELS.values():
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in r.pairs)
        cols = "".join(f", {p.name} {p.type}" for p in r.props)
        out.append(f"CREATE REL TABLE IF NOT EXISTS {r.type}({pairs}{cols})")
    return out


def kuzu_add_column(table: str, name: str, kuzu_type: str) -> str:
    """``ALTER TABLE`` adding one schema property to a table made before it existed."""
    return f"ALTER TABLE {table} ADD {name} {kuzu_type}"


# ------------------------------------------------------------------------ Neo4j
def neo4j_schema_ddl() -> list[str]:
    """Uniqueness constraints on every node key, and range indexes on document years."""
    out = []
    for spec in schema.NODES.values():
        name = f"{spec.label.lower()}_{spec.key}_unique"
        out.append(
            f"CREATE CONSTRAINT {name} IF NOT EXISTS "
            f"FOR (n:{spec.label}) REQUIRE n.{spec.key} IS UNIQUE"
        )
    for label in schema.DOCUMENT_LABELS:
        out.append(
            f"CREATE INDEX {label.lower()}_year IF NOT EXISTS FOR (n:{label}) ON (n.year)"
        )
    return out


def neo4j_existing_keys(label: str) -> str:
    spec = schema.node(label)
    return (f"UNWIND $keys AS k MATCH (n:{label} {{{spec.key}: k}}) "
            f"RETURN n.{spec.key} AS key")


def _node_rows(label: str, find: str) -> str:
    """``<find> (n:Label {key: r.key}) SET n += r.props`` (``find``: MERGE or MATCH)."""
    return f"{find} (n:{label} {{{schema.node(label).key}: r.key}}) SET n += r.props"


def _edge_rows(rel_type: str, from_label: str, to_label: str) -> str:
    """``MATCH (a) MATCH (b) MERGE (a)-[e:T {key props}]->(b) SET e += r.props`` for the row
    variable ``r`` = {src, dst, keys, props}."""
    spec = schema.rel(rel_type)
    fk, tk = schema.node(from_label).key, schema.node(to_label).key
    merge_keys = ", ".join(f"{p}: r.keys.{p}" for p in spec.key_props)
    merge_map = f" {{{merge_keys}}}" if merge_keys else ""
    return (f"MATCH (a:{from_label} {{{fk}: r.src}}) MATCH (b:{to_label} {{{tk}: r.dst}}) "
            f"MERGE (a)-[e:{rel_type}{merge_map}]->(b) SET e += r.props")


def neo4j_upsert_nodes(label: str) -> str:
    """``$rows``: [{key, props}] with null props removed (``SET +=`` with null deletes)."""
    return f"UNWIND $rows AS r {_node_rows(label, 'MERGE')} RETURN count(n) AS n"


def neo4j_set_properties(label: str) -> str:
    """``$rows``: [{key, props}]; null values in props remove the property."""
    return f"UNWIND $rows AS r {_node_rows(label, 'MATCH')} RETURN count(n) AS n"


def neo4j_upsert_edges(rel_type: str, from_label: str, to_label: str) -> str:
    """``$rows``: [{src, dst, keys, props}]; MERGE on (src, dst, key props)."""
    return f"UNWIND $rows AS r {_edge_rows(rel_type, from_label, to_label)} RETURN count(e) AS n"


# --- live loads: CALL { … } IN TRANSACTIONS (neo4j_store, tx_rows) ---
def neo4j_upsert_nodes_body(label: str) -> str:
    """The per-row body of a batched node upsert (row variable ``r`` = {key, props})."""
    return f"{_node_rows(label, 'MERGE')} RETURN count(n) AS c"


def neo4j_upsert_edges_body(rel_type: str, from_label: str, to_label: str) -> str:
    """The per-row body of a batched edge upsert (``r`` = {src, dst, keys, props})."""
    schema.rel_between(rel_type, from_label, to_label)
    return f"{_edge_rows(rel_type, from_label, to_label)} RETURN count(e) AS c"


def neo4j_in_transactions(body: str, scope_clause: bool = True) -> str:
    """``UNWIND $rows AS r CALL (r) { body } IN TRANSACTIONS OF $tx_rows ROWS RETURN sum(c)``.

    Parameters ``$rows`` (list of maps) and ``$tx_rows`` (rows per inner transaction). Must
    be sent as an auto-commit statement (``session.run``). ``scope_clause`` False writes the
    pre-5.23 form ``CALL { WITH r … }`` (deprecated from 5.23, still accepted by 5.x).
    """
    head = "CALL (r) { " if scope_clause else "CALL { WITH r "
    return (f"UNWIND $rows AS r {head}{body} }} IN TRANSACTIONS OF $tx_rows ROWS "
            "RETURN sum(c) AS n")


# --- edge filters and deletes (both stores: ``e.p = $w0 AND …``) ---
def edge_condition(rel_type: str, props: Iterable[str]) -> str:
    """``e.p = $w0 AND e.q = $w1 …`` over edge properties ``props`` (each checked against
    the schema: ``KeyError`` for one ``rel_type`` does not have); ``""`` when none.
    The values travel as ``$w0, $w1, …``: :func:`edge_params`."""
    spec = schema.rel(rel_type)
    props = list(props)
    for p in props:
        if p not in spec.columns:
            raise KeyError(f"{rel_type} has no property {p!r}")
    return " AND ".join(f"e.{p} = $w{i}" for i, p in enumerate(props))


def edge_params(where: Mapping[str, Any]) -> dict[str, Any]:
    """The ``$w0, $w1, …`` parameters of :func:`edge_condition` for ``where`` {prop: value}."""
    return {f"w{i}": v for i, v in enumerate(where.values())}


def _edge_where(rel_type: str, where_props: list[str]) -> str:
    """`` WHERE e.p = $w0 AND …`` over checked edge properties (empty when none)."""
    cond = edge_condition(rel_type, where_props)
    return f" WHERE {cond}" if cond else ""


def neo4j_delete_edges(rel_type: str, from_label: str, to_label: str,
                       where_props: list[str]) -> str:
    where = _edge_where(rel_type, where_props)
    return (f"MATCH (:{from_label})-[e:{rel_type}]->(:{to_label}){where} "
            "WITH e LIMIT $batch DELETE e RETURN count(*) AS n")


def neo4j_delete_edges_from(rel_type: str, from_label: str, to_label: str,
                            where_props: list[str]) -> str:
    """Delete the edges leaving the ``$keys`` source nodes (``$w0 …``: ``where`` values)."""
    schema.rel_between(rel_type, from_label, to_label)
    fk = schema.node(from_label).key
    where = _edge_where(rel_type, where_props)
    return (f"UNWIND $keys AS k MATCH (:{from_label} {{{fk}: k}})-[e:{rel_type}]->"
            f"(:{to_label}){where} DELETE e RETURN count(*) AS n")


def neo4j_count(label_or_type: str) -> str:
    if label_or_type in schema.NODES:
        return f"MATCH (n:{label_or_type}) RETURN count(n) AS n"
    schema.rel(label_or_type)
    return f"MATCH ()-[e:{label_or_type}]->() RETURN count(e) AS n"


# ------------------------------------------------------------- vector scores
def cosine_from_index_score(store_kind: str, score: float) -> float:
    """The raw cosine from a vector index's score: Neo4j (1+cos)/2, Kùzu distance 1−cos."""
    if store_kind == NEO4J:
        return 2.0 * score - 1.0
    if store_kind == KUZU:
        return 1.0 - score
    raise ValueError(f"unknown store kind {store_kind!r}")


# ------------------------------------------------------------- read-only guard
_WRITE_CLAUSES = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|COPY|ALTER|INSTALL|LOAD\s+EXTENSION|"
    r"IMPORT|EXPORT|CHECKPOINT)\b",
    re.IGNORECASE,
)
_STRINGS_AND_COMMENTS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/",
                                   re.DOTALL)


def looks_like_write(query: str) -> bool:
    """True when a query has a writing clause outside strings, identifiers and comments.

    A first guard only: the stores also run user queries in read-only mode (a read-only
    Kùzu connection, Neo4j read transactions), which is what makes them safe.
    """
    return bool(_WRITE_CLAUSES.search(_STRINGS_AND_COMMENTS.sub(" ", query)))


# ---------------------------------------------------------- the query library
QUERY_DIR = Path(__file__).resolve().parent.parent / "cypher"


@dataclass(frozen=True)
class NamedQuery:
    """A query of the library: its name, header fields and the text per store."""

    name: str
    purpose: str
    params: dict[str, str]  # name -> description (with default where given)
    columns: list[str]
    text: dict[str, str]  # store kind -> query text
    defaults: dict[str, str]
    types: dict[str, str]  # name -> int | float | str | bool | list

    def for_store(self, kind: str) -> str:
        return self.text.get(kind) or self.text["both"]


_HEADER = re.compile(r"^//\s*(\w+)\s*:\s*(.*)$")
_SECTION = re.compile(r"^//\s*@(kuzu|neo4j|both)\s*$")
_PARAM = re.compile(r"^\$?(\w+)\s*(?:\(([^)]*)\))?\s*(?:=\s*(\S+))?\s*(?:-\s*(.*))?$")


def parse_query_file(path: Path) -> NamedQuery:
    """Read a ``.cypher`` file: ``// name:``, ``// purpose:``, ``// param: $x = default - text``,
    ``// columns: a, b`` headers, then the query; ``// @kuzu`` / ``// @neo4j`` start a
    store-specific variant (without them the text serves both stores)."""
    purpose, columns, params, defaults, types = "", [], {}, {}, {}
    name = path.stem
    text: dict[str, str] = {}
    section = "both"
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        sec = _SECTION.match(s)
        if sec:
            if "".join(body).strip():
                text[section] = "\n".join(body).strip()
            section, body = sec.group(1), []
            continue
        h = _HEADER.match(s)
        if h and not "".join(body).strip():
            key, val = h.group(1).lower(), h.group(2).strip()
            if key == "name":
                name = val
            elif key == "purpose":
                purpose = (purpose + " " + val).strip()
            elif key == "columns":
                columns = [c.strip() for c in val.split(",") if c.strip()]
            elif key == "param":
                m = _PARAM.match(val)
                if m:
                    pname = m.group(1)
                    params[pname] = (m.group(4) or "").strip()
                    types[pname] = (m.group(2) or "str").strip()
                    if m.group(3) is not None:
                        d = m.group(3)
                        defaults[pname] = "" if d in ("''", '""') else d
            continue
        if s.startswith("//") and not "".join(body).strip():
            continue
        body.append(line)
    if "".join(body).strip():
        text[section] = "\n".join(body).strip()
    if not text:
        raise ValueError(f"{path}: no query text")
    return NamedQuery(name, purpose, params, columns, text, defaults, types)


def query_library(directory: Path = QUERY_DIR) -> dict[str, NamedQuery]:
    """Every named query in ``innograph/cypher``, by name."""
    out = {}
    for p in sorted(directory.glob("*.cypher")):
        q = parse_query_file(p)
        out[q.name] = q
    return out


# --- vector index (bestmatch helper) ---
# Neo4j 5 node vector index over a document label's embedding (DESIGN.md §3), and the
# top-k query whose score is (1 + cos) / 2 (convert with ``cosine_from_index_score``).
# Kùzu's counterpart lives in ``KuzuStore.create_vector_index`` / ``vector_query``.


def neo4j_vector_index_name(label: str, prop: str = "embedding") -> str:
    """The index name for ``label.prop``: ``paper_embedding_vec``."""
    schema.node(label).prop_type(prop)
    return f"{label.lower()}_{prop}_vec"


def neo4j_create_vector_index(label: str, prop: str, dims: int) -> str:
    """``CREATE VECTOR INDEX … IF NOT EXISTS`` with cosine similarity and ``dims`` dimensions.

    Neo4j schema commands take no parameters in OPTIONS, so ``dims`` is written in as an
    integer literal after being checked to be a positive ``int`` (it never comes from text);
    the label and property come from ``schema``.
    """
    name = neo4j_vector_index_name(label, prop)
    if isinstance(dims, bool) or int(dims) != dims or int(dims) < 1:
        raise ValueError(f"dims must be a positive integer, got {dims!r}")
    return (
        f"CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop}) "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dims)}, "
        "`vector.similarity_function`: 'cosine'}}"
    )


def neo4j_drop_vector_index(label: str, prop: str = "embedding") -> str:
    return f"DROP INDEX {neo4j_vector_index_name(label, prop)} IF EXISTS"


def neo4j_vector_query(index_name: str) -> str:
    """Top ``$k`` nodes of the vector index ``$index`` nearest to ``$vector``.

    Parameters: ``$index`` (the name; pass ``index_name``), ``$k``, ``$vector``. Columns:
    ``id`` (the node key), ``score`` = (1 + cos) / 2. The label is taken from the index name
    only to name the key column; ``index_name`` must be one built by
    ``neo4j_vector_index_name``.
    """
    key = schema.node(_vector_index_label(index_name)).key
    return (
        "CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score "
        f"RETURN node.{key} AS id, score"
    )


def neo4j_vector_query_batch(index_name: str) -> str:
    """Top ``$k`` of the index ``$index`` for each of ``$rows`` = [{i, vector}], one statement.

    Columns ``i`` (the row's ``i``), ``id``, ``score`` = (1 + cos) / 2, best first within a
    row as the procedure yields them. Same naming rule as ``neo4j_vector_query``.
    """
    key = schema.node(_vector_index_label(index_name)).key
    return (
        "UNWIND $rows AS row "
        "CALL db.index.vector.queryNodes($index, $k, row.vector) YIELD node, score "
        f"RETURN row.i AS i, node.{key} AS id, score"
    )


def _vector_index_label(index_name: str) -> str:
    label = next((spec.label for spec in schema.NODES.values()
                  if index_name.startswith(spec.label.lower() + "_")), None)
    if label is None:
        raise KeyError(f"{index_name!r} is not a vector index name of a schema label")
    return label

