"""graph/queries.py, the one module of the pipeline's read statements: every builder is
rendered (its defaults, plus the variants the pipeline sends, below), run on an empty Kùzu
store and linted in its Neo4j form by Neo4j's own front end (tools/cypherlint). A builder
added to the module is linted by construction: the counts below must be raised with it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pyarrow as pa
import pytest

from innograph.graph import queries, schema
from innograph.graph.kuzu_store import KuzuStore

from .test_neo4j_path import _lint

ROOT = Path(__file__).resolve().parent.parent

#: builder name -> extra keyword arguments, one call each (the forms the pipeline sends
#: beyond the defaults). Every builder is also called with no argument at all.
VARIANTS: dict[str, list[dict]] = {
    "analysis": [{"name": n, "years": (2000, 2020), "ai_only": True}
                 for n in queries.ANALYSIS_QUERIES],
    "node_page": [
        {"label": schema.PATENT, "columns": ("title", "abstract"),
         "where": queries.KEYWORDS_PENDING, "params": {"model": "m"}, "first": False,
         "after": "US1", "n": 10},
        {"label": schema.PATENT, "columns": ("title", "abstract"),
         "where": f"{queries.LOCARNO_SCOPE} AND {queries.LOCARNO_PENDING}",
         "params": {"scheme": schema.SCHEME_LOCARNO, "design": "design", "model": "m"}},
        {"columns": {"year": "year", "embedding": "embedding", "model": "embedding_model"},
         "where": "d.embedding IS NOT NULL"},
        {"label": schema.KEYWORD, "columns": ["name"], "key_as": "name"},
    ],
    "keyword_incidence": [{"label": schema.PATENT, "y0": 2000, "y1": 2010, "source": "input"}],
    "count_nodes": [{"where": "d.ai_label IS NOT NULL"}],
    "keywords_count": [{"done": True, "model": "m"}],
    "export_documents": [{"label": schema.PATENT, "props": ("id", "title", "year"),
                          "ai_only": True}],
    "codes_of_documents": [{"label": schema.PATENT, "ids": ["US1"]}],
    "edge_rows_of_sources": [{"rel_type": schema.SIMILAR_TO, "from_label": schema.PAPER,
                              "to_label": schema.PATENT, "columns": ("score", "rank"),
                              "keys": ["P1"]}],
}

#: builders in the module, and statements rendered from them: raise with each new one
N_BUILDERS = 27
N_STATEMENTS = N_BUILDERS + sum(len(v) for v in VARIANTS.values())


def _builders() -> dict:
    """Every public function of ``graph.queries`` annotated to return a ``Query``."""
    return {name: fn for name, fn in inspect.getmembers(queries, inspect.isfunction)
            if fn.__module__ == queries.__name__ and not name.startswith("_")
            and inspect.signature(fn).return_annotation in ("Query", queries.Query)}


def _statements() -> list[tuple[str, str, dict]]:
    out = []
    for name, fn in sorted(_builders().items()):
        for kwargs in [{}] + VARIANTS.get(name, []):
            q, params = fn(**kwargs)
            assert isinstance(q, str) and isinstance(params, dict), name
            out.append((name, q, params))
    return out


def test_every_builder_is_covered_and_returns_query_and_params():
    builders = _builders()
    assert len(builders) == N_BUILDERS, sorted(builders)
    assert set(VARIANTS) <= set(builders)
    statements = _statements()
    assert len(statements) == N_STATEMENTS
    for name, q, params in statements:  # every $parameter given, none unused
        named = set(__import__("re").findall(r"\$(\w+)", q))
        assert named == set(params), (name, q, params)


def test_every_builder_passes_neo4js_linter():
    statements = _statements()
    results = _lint([{"id": i, "query": q, "parameters": p}
                     for i, (_n, q, p) in enumerate(statements)])
    problems = [f"{name}: {d['severity']}: {d['message']}\n  in: {q}"
                for (name, q, _p), r in zip(statements, results) for d in r["diagnostics"]
                if d["severity"] == "error" or "not present in the database" in d["message"]]
    assert not problems, "\n".join(problems)
    assert len(results) == N_STATEMENTS


def test_every_builder_runs_on_kuzu(tmp_path):
    store = KuzuStore(str(tmp_path / "g.db"))
    store.ensure_schema()
    store.upsert_nodes(schema.PAPER, pa.table({"id": ["P1", "P2", "P3"], "year": [2001, 2002, 2003],
                                               "title": ["a", "b", "c"]}))
    try:
        for name, q, params in _statements():
            store.read_table(q, params)  # raises on a Kùzu parse or binder error
        got = [t.column("id").to_pylist() for t in queries.paginate(
            store, queries.node_page, 2, columns=("year",))]
        assert got == [["P1", "P2"], ["P3"]]
        got = [t.column("id").to_pylist() for t in queries.paginate(
            store, queries.node_page, 1, limit=2, columns=("year",), where="d.year > $y",
            params={"y": 2001})]
        assert got == [["P2"], ["P3"]]
    finally:
        store.close()


def _literals_with_match(path: Path) -> list[int]:
    """Line numbers of string literals (not docstrings) in ``path`` holding ``MATCH (``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [n.lineno for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
            and __import__("re").search(r"\bMATCH\s*\(", n.value)]


def test_no_match_statement_left_in_the_pipeline_modules():
    found = {str(p.relative_to(ROOT)): lines
             for p in sorted((ROOT / "innograph" / "pipeline").glob("*.py"))
             if (lines := _literals_with_match(p))}
    assert not found, f"statements written inline (move them to graph/queries.py): {found}"
    assert _literals_with_match(ROOT / "innograph" / "graph" / "queries.py")  # the scan sees them
