"""Every read statement the pipeline sends, as builders returning ``(query, params)``.

The neo4j-graphrag ``neo4j_queries.py`` style (docs/STYLE.md): one builder per statement,
grouped by topic. Values always travel as ``$parameters``; only labels, relationship types
and property names from ``graph.schema`` (and the fixed Cypher fragments below) are
formatted in. Every statement here is written in the common subset of Kùzu's and Neo4j's
Cypher; a statement whose form differs between the stores belongs in ``graph.dialect``.
Write statements (upserts, deletes, DDL, vector index) live in ``graph.dialect`` and the
stores. The named user queries are the ``.cypher`` files (``dialect.query_library``).

Adding a statement: write a builder here (every argument with a default, so that
``tests/test_queries_lint.py`` can render it and lint its Neo4j form; the test asserts how
many builders it covered — raise that count), then call it from the pipeline module:
``store.read_table(*queries.some_builder(...))``.

Keyset pagination: :func:`paginate` with a page builder (:func:`node_page`) walks nodes
in key order, ``page_size`` at a time; a page is never read twice even while the walk
changes the nodes' properties.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, Sequence

import pyarrow as pa

from . import schema as S

Query = tuple[str, dict[str, Any]]

__all__ = [
    "Query", "paginate", "ai_only_predicate", "ai_only_clause",
    "node_page", "count_nodes", "node_keys", "ai_document_keys",
    "keywords_of_documents", "keyword_edges", "keyword_incidence", "keywords_in_key_range",
    "codes_of_documents", "texts_of_documents",
    "keywords_count", "keywords_marked", "KEYWORDS_PENDING", "KEYWORDS_DONE",
    "similar_edges", "rank1_flows", "novelty_values", "export_documents",
    "figures_with_patents", "patents_with_codes", "figure_captions", "LOCARNO_SCOPE",
    "LOCARNO_PENDING", "venues", "edge_rows_of_sources",
    "stored_documents", "arxiv_renamed", "arxiv_matches", "by_source_id", "any_edge",
    "ANALYSIS_QUERIES", "analysis",
]


# --------------------------------------------------------------------- scope
def ai_only_predicate(var: str) -> str:
    """Cypher condition (Kùzu and Neo4j) true when node ``var``'s final label is AI."""
    return f"{S.final_ai_expr(var)} = true"


def ai_only_clause(var: str, ai_only: bool) -> str:
    """``" WHERE <predicate>"`` for ``var`` when ``ai_only``, else ``""`` (to append after a
    MATCH pattern that has no WHERE of its own)."""
    return f" WHERE {ai_only_predicate(var)}" if ai_only else ""


def _ret(var: str, columns: Sequence[str] | Mapping[str, str], skip: str = "") -> list[str]:
    """``var.prop AS alias`` items; ``columns``: property names, or alias -> property."""
    items = columns.items() if isinstance(columns, Mapping) else ((c, c) for c in columns)
    return [f"{var}.{p} AS {a}" for a, p in items if a != skip]


# ---------------------------------------------------------------- pagination
def node_page(label: str = S.PAPER, columns: Sequence[str] | Mapping[str, str] = ("title",),
              where: str = "true", params: Mapping[str, Any] | None = None, *,
              key_as: str = "id", first: bool = True, after: str = "", n: int = 1000
              ) -> Query:
    """One keyset page of ``label`` nodes ``d`` matching the fixed Cypher condition ``where``
    (its values in ``params``): column ``key_as`` (the node key) then ``columns``, in key
    order, the first ``$n`` keys after ``$after`` (all keys when ``$first``)."""
    k = S.node(label).key
    ret = ", ".join([f"d.{k} AS {key_as}"] + _ret("d", columns, skip=key_as))
    return (f"MATCH (d:{label}) WHERE ($first OR d.{k} > $after) AND ({where}) "
            f"RETURN {ret} ORDER BY d.{k} LIMIT $n",
            {**(params or {}), "first": bool(first), "after": after, "n": int(n)})


def paginate(store: Any, builder: Callable[..., Query], page_size: int, *,
             key: str = "id", limit: int | None = None, **args: Any) -> Iterator[pa.Table]:
    """Pages (``pa.Table``, at most ``page_size`` rows, non-empty) of the keyset builder
    ``builder(first=, after=, n=, **args)`` in key order; ``key`` is the column holding the
    key, ``limit`` stops after that many rows in all. Ends on an empty or short page."""
    after, first, seen = "", True, 0
    while limit is None or seen < limit:
        n = page_size if limit is None else min(page_size, limit - seen)
        t = store.read_table(*builder(first=first, after=after, n=n, **args))
        if t.num_rows == 0:
            return
        yield t
        seen += t.num_rows
        if t.num_rows < n:
            return
        after, first = t.column(key)[-1].as_py(), False


# ------------------------------------------------------------------- nodes
def count_nodes(label: str = S.PAPER, where: str = "true",
                params: Mapping[str, Any] | None = None) -> Query:
    """Column ``n``: how many ``label`` nodes ``d`` meet the fixed condition ``where``."""
    return f"MATCH (d:{label}) WHERE {where} RETURN count(d) AS n", dict(params or {})


def node_keys(label: str = S.PAPER, columns: Sequence[str] = ("year",),
              where: str = "true") -> Query:
    """Every ``label`` node meeting ``where``: its key as ``id`` and ``columns``."""
    ret = ", ".join([f"d.{S.node(label).key} AS id"] + _ret("d", columns))
    return f"MATCH (d:{label}) WHERE {where} RETURN {ret}", {}


def ai_document_keys(label: str = S.PAPER) -> Query:
    """Column ``id``: keys of the ``label`` documents whose final AI label is AI."""
    return f"MATCH (d:{label}){ai_only_clause('d', True)} RETURN d.id AS id", {}


def texts_of_documents(label: str = S.PAPER, ids: Sequence[str] = ()) -> Query:
    """``id``, ``title``, ``abstract`` of the ``label`` documents keyed ``ids``."""
    k = S.node(label).key
    return (f"MATCH (d:{label}) WHERE d.{k} IN $ids RETURN "
            f"d.{k} AS id, d.title AS title, d.abstract AS abstract", {"ids": list(ids)})


def novelty_values(label: str = S.PAPER) -> Query:
    """``id``, ``v`` (novelty) of the ``label`` documents that have one."""
    return (f"MATCH (d:{label}) WHERE d.novelty IS NOT NULL "
            "RETURN d.id AS id, d.novelty AS v", {})


def export_documents(label: str = S.PAPER, props: Sequence[str] = ("id", "title"),
                     ai_only: bool = False) -> Query:
    """Every ``label`` document's ``props`` (each as its own name), AI-only when asked."""
    ret = ", ".join(_ret("d", props))
    return f"MATCH (d:{label}){ai_only_clause('d', ai_only)} RETURN {ret}", {}


def venues() -> Query:
    """``name``, ``issn`` of every venue."""
    return f"MATCH (v:{S.VENUE}) RETURN v.name AS name, v.issn AS issn", {}


# ---------------------------------------------------------------- keywords
#: keyword extraction: documents not yet done with ``$model`` / done with it
KEYWORDS_PENDING = "d.keywords_model IS NULL OR d.keywords_model <> $model"
KEYWORDS_DONE = "d.keywords_model = $model"


def keywords_count(label: str = S.PAPER, done: bool = False, model: str = "") -> Query:
    """Column ``n``: ``label`` documents done (``done``) or not yet done with ``model``."""
    return count_nodes(label, KEYWORDS_DONE if done else KEYWORDS_PENDING, {"model": model})


def keywords_marked(label: str = S.PAPER) -> Query:
    """Column ``id``: ``label`` documents carrying any ``keywords_model`` mark."""
    key = S.node(label).key
    return f"MATCH (d:{label}) WHERE d.keywords_model IS NOT NULL RETURN d.{key} AS id", {}


def keyword_edges(label: str = S.PAPER) -> Query:
    """Every HAS_KEYWORD edge of ``label`` documents: id, name, source, score, model, rank."""
    key = S.node(label).key
    return (f"MATCH (d:{label})-[e:{S.HAS_KEYWORD}]->(k:{S.KEYWORD}) "
            f"RETURN d.{key} AS id, k.name AS name, e.source AS source, e.score AS score, "
            "e.model AS model, e.rank AS rank", {})


def keyword_incidence(label: str = S.PAPER, y0: int | None = None, y1: int | None = None,
                      source: str | None = None) -> Query:
    """``id``, ``year``, ``keyword`` per HAS_KEYWORD edge of ``label`` documents, with the
    document's year in ``y0`` … ``y1`` (inclusive; None: unbounded) and the edge's
    ``source`` equal to ``source`` (None: any)."""
    conds, params = [], {}
    if y0 is not None:
        conds.append("d.year >= $y0")
        params["y0"] = y0
    if y1 is not None:
        conds.append("d.year <= $y1")
        params["y1"] = y1
    if source is not None:
        conds.append("e.source = $src")
        params["src"] = source
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    return (f"MATCH (d:{label})-[e:{S.HAS_KEYWORD}]->(k:{S.KEYWORD}){where} "
            f"RETURN d.{S.node(label).key} AS id, d.year AS year, "
            f"k.{S.node(S.KEYWORD).key} AS keyword", params)


def keywords_of_documents(label: str = S.PAPER) -> Query:
    """Every HAS_KEYWORD edge of ``label`` documents: ``id``, ``name``, ``rank``, ``score``."""
    return (f"MATCH (d:{label})-[e:{S.HAS_KEYWORD}]->(k:{S.KEYWORD}) "
            "RETURN d.id AS id, k.name AS name, e.rank AS rank, e.score AS score", {})


def keywords_in_key_range(label: str = S.PAPER, first: str = "", last: str = "") -> Query:
    """Keywords of the ``label`` documents keyed ``first`` … ``last`` (inclusive): ``id``,
    ``name``, ``rank``, ``score``, ordered by id, rank, score descending, name."""
    key = S.node(label).key
    return (f"MATCH (n:{label})-[e:{S.HAS_KEYWORD}]->(k:{S.KEYWORD}) "
            f"WHERE n.{key} >= $first AND n.{key} <= $last "
            f"RETURN n.{key} AS id, k.{S.node(S.KEYWORD).key} AS name, e.rank AS rank, "
            "e.score AS score ORDER BY id, rank, score DESC, name",
            {"first": first, "last": last})


# ---------------------------------------------------------------- classify
def codes_of_documents(label: str = S.PAPER, ids: Sequence[str] = ()) -> Query:
    """``id``, ``code``: the classification codes of the ``label`` documents keyed ``ids``."""
    k = S.node(label).key
    return (f"MATCH (d:{label})-[:{S.CLASSIFIED_AS}]->(c:{S.IPC}) "
            f"WHERE d.{k} IN $ids RETURN d.{k} AS id, c.code AS code", {"ids": list(ids)})


# ------------------------------------------------------------ figures, Locarno
def figures_with_patents() -> Query:
    """Every (patent, figure) pair: patent_id, title, abstract, figure_id, number, caption,
    file; ordered by patent id, figure number, figure id."""
    return (f"MATCH (p:{S.PATENT})-[:{S.HAS_FIGURE}]->(f:{S.FIGURE}) "
            "RETURN p.id AS patent_id, p.title AS title, p.abstract AS abstract, "
            "f.id AS figure_id, f.number AS number, f.caption AS caption, f.file AS file "
            "ORDER BY patent_id, number, figure_id", {})


def patents_with_codes(scheme: str = S.SCHEME_LOCARNO) -> Query:
    """``id``, ``title``, ``abstract``, ``code`` of patents per code of ``scheme``."""
    return (f"MATCH (p:{S.PATENT})-[:{S.CLASSIFIED_AS}]->(c:{S.IPC}) WHERE c.scheme = $scheme "
            "RETURN p.id AS id, p.title AS title, p.abstract AS abstract, c.code AS code "
            "ORDER BY id, code", {"scheme": scheme})


def figure_captions(ids: Sequence[str] = ()) -> Query:
    """``id``, ``number``, ``fid``, ``caption`` of the patents keyed ``ids``, in figure order."""
    k = S.node(S.PATENT).key
    return (f"MATCH (d:{S.PATENT})-[:{S.HAS_FIGURE}]->(f:{S.FIGURE}) WHERE d.{k} IN $ids "
            "RETURN d.id AS id, f.number AS number, f.id AS fid, f.caption AS caption "
            "ORDER BY id, number, fid", {"ids": list(ids)})


#: Locarno prediction scope of patent ``d``: a Locarno code or a design patent
#: (parameters ``$scheme``, ``$design``) / not yet predicted by ``$model``
LOCARNO_SCOPE = (f"(EXISTS {{ MATCH (d)-[:{S.CLASSIFIED_AS}]->(c:{S.IPC}) "
                 "WHERE c.scheme = $scheme } OR d.kind = $design)")
LOCARNO_PENDING = "(d.locarno_model IS NULL OR d.locarno_model <> $model)"


# ------------------------------------------------------------ similarity
def similar_edges() -> Query:
    """Every paper → patent SIMILAR_TO edge: paper, patent, score, rank, method."""
    return (f"MATCH (a:{S.PAPER})-[e:{S.SIMILAR_TO}]->(b:{S.PATENT}) "
            "RETURN a.id AS paper, b.id AS patent, e.score AS score, e.rank AS rank, "
            "e.method AS method", {})


def rank1_flows(method: str = "exact") -> Query:
    """``paper``, ``patent`` of the rank-1 SIMILAR_TO edges of ``method``."""
    return (f"MATCH (a:{S.PAPER})-[e:{S.SIMILAR_TO}]->(b:{S.PATENT}) "
            "WHERE e.method = $m AND e.rank = 1 RETURN a.id AS paper, b.id AS patent",
            {"m": method})


# ----------------------------------------------------------- export for neo4j-admin
def edge_rows_of_sources(rel_type: str = S.HAS_KEYWORD, from_label: str = S.PAPER,
                         to_label: str = S.KEYWORD, columns: Sequence[str] = ("source",),
                         keys: Sequence[str] = ()) -> Query:
    """The ``rel_type`` edges leaving the ``from_label`` nodes keyed ``keys``: ``src``,
    ``dst`` and the edge's ``columns``."""
    ka, kb = S.node(from_label).key, S.node(to_label).key
    ret = ", ".join([f"x.{ka} AS src", f"y.{kb} AS dst"] + _ret("e", columns))
    return (f"MATCH (x:{from_label})-[e:{rel_type}]->(y:{to_label}) WHERE x.{ka} IN $keys "
            f"RETURN {ret}", {"keys": list(keys)})


# ------------------------------------------------------------------ ingest
def stored_documents(label: str = S.PAPER, props: Sequence[str] = ("title",),
                     ids: Sequence[str] = ()) -> Query:
    """``id`` and ``props`` of the stored ``label`` documents keyed ``ids``."""
    ret = ", ".join(_ret("d", props))
    return f"MATCH (d:{label}) WHERE d.id IN $ids RETURN d.id AS id, {ret}", {"ids": list(ids)}


def arxiv_renamed() -> Query:
    """``id``, ``arxiv_id`` of papers stored under a key other than their arXiv id, by id."""
    return (f"MATCH (d:{S.PAPER}) WHERE d.arxiv_id IS NOT NULL AND d.id <> d.arxiv_id "
            "RETURN d.id AS id, d.arxiv_id AS arxiv_id ORDER BY id", {})


def arxiv_matches(ids: Sequence[str] = ()) -> Query:
    """``id``, ``arxiv_id`` of papers keyed or carrying an arXiv id among ``ids``."""
    return (f"MATCH (d:{S.PAPER}) WHERE d.id IN $ids OR d.arxiv_id IN $ids "
            "RETURN d.id AS id, d.arxiv_id AS arxiv_id ORDER BY id", {"ids": list(ids)})


def by_source_id(label: str = S.PAPER, needle: str = "") -> Query:
    """``id``, ``sids`` (the source-ids JSON) of ``label`` documents whose source ids
    contain the text ``needle``."""
    return (f"MATCH (d:{label}) WHERE d.source_ids CONTAINS $s "
            "RETURN d.id AS id, d.source_ids AS sids", {"s": needle})


def any_edge(rel_type: str = S.HAS_KEYWORD, from_label: str = S.PAPER,
             to_label: str = S.KEYWORD) -> Query:
    """One row (``x``) when any ``from_label -rel_type-> to_label`` edge exists, else none."""
    return f"MATCH (:{from_label})-[e:{rel_type}]->(:{to_label}) RETURN 1 AS x LIMIT 1", {}


# ---------------------------------------------------------------- analyses
# the year bounds and the --ai-only scope of the document ``d``: parameters ``$every_year``
# (BOOL: ignore the year bounds), ``$y0`` / ``$y1`` (inclusive years), ``$all_docs``
_YEARS = ("($every_year OR (d.year >= $y0 AND d.year <= $y1)) "
          f"AND ($all_docs OR {ai_only_predicate('d')})")

#: Every store query of the analyses, by name (``pipeline.analyze.read_frame``).
ANALYSIS_QUERIES: dict[str, str] = {
    # patents and their applicants (actor = applicant id), with the applicant's region
    "patent_applicants": (
        f"MATCH (a:{S.APPLICANT})-[:{S.APPLIED_FOR}]->(d:{S.PATENT}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, a.id AS actor, a.name AS name, "
        "a.region AS region"),
    "patent_applicant_countries": (
        f"MATCH (a:{S.APPLICANT})-[:{S.APPLIED_FOR}]->(d:{S.PATENT}), "
        f"(a)-[:{S.LOCATED_IN}]->(c:{S.COUNTRY}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, a.id AS actor, c.code AS country"),
    # papers and their institutions: document-level affiliations ...
    "paper_institutions": (
        f"MATCH (d:{S.PAPER})-[:{S.AFFILIATED_WITH}]->(i:{S.INSTITUTION}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, i.id AS actor, i.name AS name, "
        "i.region AS region"),
    # ... and through the authors' affiliations
    "paper_author_institutions": (
        f"MATCH (au:{S.AUTHOR})-[:{S.AUTHORED}]->(d:{S.PAPER}), "
        f"(au)-[:{S.AFFILIATED_WITH}]->(i:{S.INSTITUTION}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, i.id AS actor, i.name AS name, "
        "i.region AS region"),
    "paper_institution_countries": (
        f"MATCH (d:{S.PAPER})-[:{S.AFFILIATED_WITH}]->(i:{S.INSTITUTION})"
        f"-[:{S.LOCATED_IN}]->(c:{S.COUNTRY}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, i.id AS actor, c.code AS country"),
    "paper_author_institution_countries": (
        f"MATCH (au:{S.AUTHOR})-[r:{S.AUTHORED}]->(d:{S.PAPER}), "
        f"(au)-[:{S.AFFILIATED_WITH}]->(i:{S.INSTITUTION})-[:{S.LOCATED_IN}]->(c:{S.COUNTRY}) "
        f"WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, i.id AS actor, c.code AS country, "
        "r.position AS position"),
    "paper_author_countries": (
        f"MATCH (au:{S.AUTHOR})-[r:{S.AUTHORED}]->(d:{S.PAPER}), "
        f"(au)-[:{S.LOCATED_IN}]->(c:{S.COUNTRY}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, c.code AS country, r.position AS position"),
    # citations and venue impact (papers without a venue keep a null impact)
    "paper_impact": (
        f"MATCH (d:{S.PAPER}) WHERE {_YEARS} "
        f"OPTIONAL MATCH (d)-[:{S.PUBLISHED_IN}]->(v:{S.VENUE}) "
        "RETURN d.id AS document, d.year AS year, d.cited AS cited, v.impact AS impact"),
    # issue 16: raw affiliation text (countries are parsed from it), venues, holders
    "paper_affiliations_text": (
        f"MATCH (d:{S.PAPER}) WHERE d.affiliations_text IS NOT NULL AND {_YEARS} "
        "RETURN d.id AS document, d.year AS year, d.affiliations_text AS text"),
    "paper_venues": (
        f"MATCH (d:{S.PAPER})-[:{S.PUBLISHED_IN}]->(v:{S.VENUE}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, v.name AS venue, v.impact AS impact"),
    "patents_in_years": (
        f"MATCH (d:{S.PATENT}) WHERE {_YEARS} RETURN d.id AS document, d.year AS year"),
    "papers_in_years": (
        f"MATCH (d:{S.PAPER}) WHERE {_YEARS} RETURN d.id AS document, d.year AS year"),
    "paper_keywords": (
        f"MATCH (d:{S.PAPER})-[:{S.HAS_KEYWORD}]->(k:{S.KEYWORD}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, k.name AS term"),
    "patent_keywords": (
        f"MATCH (d:{S.PATENT})-[:{S.HAS_KEYWORD}]->(k:{S.KEYWORD}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, k.name AS term"),
    "paper_categories": (
        f"MATCH (d:{S.PAPER}) WHERE d.categories IS NOT NULL AND {_YEARS} "
        "RETURN d.id AS document, d.year AS year, d.categories AS categories"),
    "patent_ipc": (
        f"MATCH (d:{S.PATENT})-[:{S.CLASSIFIED_AS}]->(c:{S.IPC}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, c.code AS term"),
    "paper_ipc": (
        f"MATCH (d:{S.PAPER})-[:{S.CLASSIFIED_AS}]->(c:{S.IPC}) WHERE {_YEARS} "
        "RETURN d.id AS document, d.year AS year, c.code AS term"),
}


def analysis(name: str = "patent_applicants", years: tuple[int, int] | None = None,
             ai_only: bool = False) -> Query:
    """Analysis query ``name`` of :data:`ANALYSIS_QUERIES` with its year bounds (inclusive;
    None: every year) and the --ai-only scope; only the parameters the query names."""
    q = ANALYSIS_QUERIES[name]
    params: dict[str, Any] = {"every_year": years is None,
                              "y0": int(years[0]) if years else 0,
                              "y1": int(years[1]) if years else 0,
                              "all_docs": not ai_only}
    return q, {k: v for k, v in params.items() if f"${k}" in q}
