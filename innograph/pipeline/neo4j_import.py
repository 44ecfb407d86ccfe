"""Store → the CSV files and the command of ``neo4j-admin database import full`` (Neo4j 5).

For a first load of millions of rows into Neo4j this is the fast path: build the graph in
the embedded store (``innograph load …``), write these files, and let ``neo4j-admin`` write
Neo4j's store files directly (the database must not exist yet; see ``import.sh``).

Files written to ``DIR`` (Neo4j 5 operations manual, "Import" → header format):

- ``nodes_<Label>.csv``: header ``<key>:ID(<Label>),<prop>:<type>,…,:LABEL``. Each label is
  its own ID space, so a paper and a patent may share an id; the key is kept as a property.
- ``rels_<TYPE>_<From>_<To>.csv``: header ``:START_ID(<From>),:END_ID(<To>),<prop>:<type>,…,
  :TYPE``, one file per (from, to) pair of the relationship type.
- ``import.sh``: the exact ``neo4j-admin database import full`` command over those files.
- ``schema.cypher``: the uniqueness constraints and indexes to create after the import
  (``neo4j-admin`` creates none; opening the database with innograph also creates them).

Cell rules (what ``neo4j-admin`` reads back): types ``long`` (INT64), ``double`` (DOUBLE),
``boolean`` (BOOL, ``true``/``false``), ``float[]`` / ``double[]`` (arrays joined with
``ARRAY_DELIMITER``), strings untyped; a null is an empty unquoted field (no property), a
string is always quoted (so an empty string stays ``""``), quotes doubled, newlines kept
inside quotes (``--multiline-fields=true``). Floats in Python's shortest round-trip form.
neo4j-admin's CSV import drops empty arrays (an empty list arrives as no property) and reads
a boolean as true only for the exact text ``true`` (both per the operations manual).
On Enterprise, ``--schema=schema.cypher`` can be added to the command to create the
constraints during the import.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any, Iterator

from ..graph import dialect, queries, schema
from ..graph.store import Store

ARRAY_DELIMITER = ";"
PAGE = 10_000  # rows per read from the store

#: Kùzu type (``graph.schema``) → neo4j-admin header type; strings carry no type.
ADMIN_TYPES = {"STRING": "", "INT64": "long", "DOUBLE": "double", "BOOL": "boolean",
               "FLOAT[]": "float[]", "DOUBLE[]": "double[]"}


def _admin_type(kuzu_type: str) -> str:
    try:
        return ADMIN_TYPES[kuzu_type]
    except KeyError:
        raise ValueError(f"no neo4j-admin type for schema type {kuzu_type!r}") from None


def _field(name: str, kuzu_type: str) -> str:
    t = _admin_type(kuzu_type)
    return f"{name}:{t}" if t else name


def node_header(label: str) -> list[str]:
    """``["id:ID(Paper)", "title", "year:long", …, ":LABEL"]`` for ``label``."""
    spec = schema.node(label)
    return ([f"{spec.key}:ID({label})"]
            + [_field(p.name, p.type) for p in spec.props if p.name != spec.key] + [":LABEL"])


def rel_header(rel_type: str, from_label: str, to_label: str) -> list[str]:
    """``[":START_ID(Paper)", ":END_ID(Keyword)", "score:double", …, ":TYPE"]``."""
    spec = schema.rel(rel_type)
    if (from_label, to_label) not in spec.pairs:
        raise KeyError(f"{rel_type} does not join {from_label} -> {to_label}")
    return ([f":START_ID({from_label})", f":END_ID({to_label})"]
            + [_field(p.name, p.type) for p in spec.props] + [":TYPE"])


def node_file(label: str) -> str:
    return f"nodes_{label}.csv"


def rel_file(rel_type: str, from_label: str, to_label: str) -> str:
    return f"rels_{rel_type}_{from_label}_{to_label}.csv"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"neo4j-admin cannot read the float {value!r}")
        return repr(value)
    return str(int(value))


def cell(value: Any, kuzu_type: str) -> str:
    """One CSV field as neo4j-admin reads it (see the module doc); ``""`` for null."""
    if value is None:
        return ""
    if kuzu_type == "STRING":
        return _quote(str(value))
    if kuzu_type.endswith("[]"):
        return _quote(ARRAY_DELIMITER.join(_number(float(v)) for v in value))
    if kuzu_type == "BOOL":
        return "true" if value else "false"
    if kuzu_type == "DOUBLE":
        return _number(float(value))
    return _number(value)


def _pages(store: Store, label: str, columns: list[str]) -> Iterator[list[dict[str, Any]]]:
    """Every ``label`` node's ``columns``, ``PAGE`` rows at a time, in key order (keyset)."""
    key = schema.node(label).key
    for t in queries.paginate(store, queries.node_page, PAGE, key=key, label=label,
                              columns=columns, key_as=key):
        yield t.select(columns).to_pylist()


def _edge_pages(store: Store, rel_type: str, a: str, b: str,
                columns: list[str]) -> Iterator[list[dict[str, Any]]]:
    """The ``rel_type`` edges ``a -> b`` (``src``, ``dst`` + ``columns``), by pages of sources."""
    ka = schema.node(a).key
    for page in _pages(store, a, [ka]):
        rows = store.read_table(*queries.edge_rows_of_sources(
            rel_type, a, b, columns, [r[ka] for r in page])).to_pylist()
        rows.sort(key=lambda r: (r["src"], r["dst"], *[str(r[c]) for c in columns]))
        if rows:
            yield rows


def admin_command(files: dict[str, list[str]], database: str = "neo4j",
                  overwrite: bool = False) -> list[str]:
    """The ``neo4j-admin database import full`` argument list for ``files`` (names relative
    to the import folder: ``{"nodes": [...], "relationships": [...]}``); ``overwrite``
    replaces an existing database of that name (``--overwrite-destination=true``)."""
    if not database or not all(ch.isalnum() or ch in "-." for ch in database):
        raise ValueError(f"not a Neo4j database name: {database!r}")
    cmd = ["neo4j-admin", "database", "import", "full",
           f"--array-delimiter={ARRAY_DELIMITER}", "--multiline-fields=true",
           "--id-type=string", "--skip-duplicate-nodes=false", "--skip-bad-relationships=false",
           f"--overwrite-destination={'true' if overwrite else 'false'}"]
    cmd += [f"--nodes={f}" for f in files["nodes"]]
    cmd += [f"--relationships={f}" for f in files["relationships"]]
    return cmd + [database]


def _script(cmd: list[str], database: str) -> str:
    args = " ".join(cmd[:4]) + " \\\n  " + " \\\n  ".join(shlex.quote(c) for c in cmd[4:])
    return f"""#!/bin/sh
# Import these files into a NEW Neo4j 5 database with neo4j-admin (written by
# `innograph export neo4j-import`). Run it where neo4j-admin is installed, with the
# Neo4j server stopped (or the database {database!r} absent), from this folder:
#   sh import.sh
# with docker compose (this folder mounted at /import, see docker-compose.yml):
#   docker compose stop neo4j && docker compose run --rm neo4j sh /import/import.sh
#   docker compose start neo4j
# Then start Neo4j (a database other than the default one: CREATE DATABASE {database}, on
# Enterprise) and create the constraints and indexes: cypher-shell -d {database} -f schema.cypher
# (opening the database with any innograph command creates them too).
set -e
cd "$(dirname "$0")"
{args}
"""


def export_neo4j_import(store: Store, out_dir: str | Path, database: str = "neo4j",
                        overwrite: bool = False) -> dict[str, int]:
    """Write the node and relationship files, ``import.sh`` and ``schema.cypher`` to
    ``out_dir``; returns rows written per file (a file per label and per relationship pair,
    header only when empty, so the command always lists the same files). ``database``: the
    name the command imports into; ``overwrite``: replace it if it exists."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    files: dict[str, list[str]] = {"nodes": [], "relationships": []}
    for label, spec in schema.NODES.items():
        name = node_file(label)
        props = [p for p in spec.props if p.name != spec.key]
        cols = [spec.key] + [p.name for p in props]
        n = 0
        with open(out / name, "w", encoding="utf-8", newline="") as f:
            f.write(",".join(node_header(label)) + "\n")
            for rows in _pages(store, label, cols):
                for r in rows:
                    f.write(",".join([cell(r[spec.key], "STRING")]
                                     + [cell(r[p.name], p.type) for p in props]
                                     + [label]) + "\n")
                n += len(rows)
        counts[name], files["nodes"] = n, files["nodes"] + [name]
    for rel_type, spec in schema.RELS.items():
        for a, b in spec.pairs:
            name = rel_file(rel_type, a, b)
            n = 0
            with open(out / name, "w", encoding="utf-8", newline="") as f:
                f.write(",".join(rel_header(rel_type, a, b)) + "\n")
                for rows in _edge_pages(store, rel_type, a, b, spec.columns):
                    for r in rows:
                        f.write(",".join([cell(r["src"], "STRING"), cell(r["dst"], "STRING")]
                                         + [cell(r[p.name], p.type) for p in spec.props]
                                         + [rel_type]) + "\n")
                    n += len(rows)
            counts[name], files["relationships"] = n, files["relationships"] + [name]
    (out / "import.sh").write_text(_script(admin_command(files, database, overwrite), database),
                                   encoding="utf-8")
    (out / "schema.cypher").write_text(
        "".join(s + ";\n" for s in dialect.neo4j_schema_ddl()), encoding="utf-8")
    return counts
