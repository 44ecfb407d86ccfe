"""Every named query runs on the embedded store and returns the answers planted in the
synthetic corpus (computed here from the records, independently of the store)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pyarrow as pa
import pytest

from innograph.graph import dialect
from innograph.graph.store import open_store
from innograph.loaders.records import RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.identity import normalize_keyword
from innograph.pipeline.ingest import ingest
from innograph.pipeline.query import run_named_query


def planted_query_store(path: str):
    """The embedded store of the query tests: a seed-7 synthetic corpus (90 papers, 80
    patents), its 12 planted flows as ``exact`` SIMILAR_TO edges (scores 0.50, 0.51, …) and a
    novelty on every third document. Returns (store, docs, truth, by_id, scores, novelty);
    tests/test_oracle.py builds on it."""
    docs, truth = synthetic_corpus(seed=7, n_papers=90, n_patents=80, n_flows=12, n_novel=4)
    store = open_store(path)
    ingest(store, docs, RejectLog(None))
    scores = {p: 0.5 + i / 100 for i, p in enumerate(sorted(truth.flows))}
    store.upsert_edges("SIMILAR_TO", "Paper", "Patent", pa.Table.from_pylist(
        [{"src": p, "dst": t, "score": scores[p], "rank": 1, "method": "exact"}
         for p, t in truth.flows.items()]))
    nov = {d.id: float(i % 7) for i, d in enumerate(docs) if i % 3 == 0}
    for label in ("Paper", "Patent"):
        ids = [d.id for d in docs if d.id in nov and d.label == label]
        store.set_properties(label, pa.table({"id": ids, "novelty": [nov[i] for i in ids]}))
    by_id = {d.id: d for d in docs}
    return store, docs, truth, by_id, scores, nov


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    built = planted_query_store(str(tmp_path_factory.mktemp("q") / "g.db"))
    yield built
    built[0].close()


def q(store, name, **params):
    return run_named_query(store, name, {k: str(v) for k, v in params.items()}).to_pylist()


def test_library_lists_headers_for_every_query():
    lib = dialect.query_library()
    assert len(lib) >= 12
    for query in lib.values():
        assert query.purpose and query.columns, query.name
        assert query.for_store("kuzu") and query.for_store("neo4j")


def test_every_query_returns_its_declared_columns(demo):
    store = demo[0]
    for query in dialect.query_library().values():
        given = {"id": "P0001", "from": "MIT", "to": "Osaka University"}
        t = run_named_query(store, query.name, {k: v for k, v in given.items() if k in query.params})
        assert t.column_names == query.columns, query.name


def test_flows_by_year_counts_planted_flows(demo):
    store, docs, truth, by_id, scores, _ = demo
    rows = q(store, "flows_by_year", method="exact")
    want = Counter(by_id[p].year for p in truth.flows)
    assert {r["year"]: r["flows"] for r in rows} == dict(want)
    lags = defaultdict(list)
    for p, t in truth.flows.items():
        lags[by_id[p].year].append(by_id[t].year - by_id[p].year)
    for r in rows:
        assert r["mean_lag_years"] == pytest.approx(sum(lags[r["year"]]) / len(lags[r["year"]]))
        assert r["mean_lag_years"] >= 1  # planted patents are filed 1-3 years later
    assert q(store, "flows_by_year", method="index") == []


def test_top_flows_are_the_highest_scores(demo):
    store, _, truth, _, scores, _ = demo
    rows = q(store, "top_flows", k=3)
    best = sorted(scores, key=lambda p: -scores[p])[:3]
    assert [r["paper"] for r in rows] == best
    assert [r["patent"] for r in rows] == [truth.flows[p] for p in best]


def test_flows_by_keyword_counts_shared_keywords(demo):
    store, _, truth, by_id, _, _ = demo
    want = Counter()
    for p, t in truth.flows.items():
        kp = {normalize_keyword(k) for k in by_id[p].keywords}
        kt = {normalize_keyword(k) for k in by_id[t].keywords}
        want.update(kp & kt)
    rows = q(store, "flows_by_keyword", limit=1000)
    assert {r["keyword"]: r["flows"] for r in rows} == dict(want)


def test_flows_by_country_pairs(demo):
    store, _, truth, by_id, _, _ = demo
    want = Counter()
    for p, t in truth.flows.items():
        pcs = {o.country for o in by_id[p].institutions}
        tcs = {o.country for o in by_id[t].applicants}
        want.update((a, b) for a in pcs for b in tcs)
    rows = q(store, "flows_by_country")
    assert {(r["paper_country"], r["patent_country"]): r["flows"] for r in rows} == dict(want)


def test_flow_paths_filters(demo):
    store, _, truth, by_id, _, _ = demo
    assert len(q(store, "flow_paths")) == len(truth.flows)
    some = sorted(truth.flows)[0]
    country = sorted(o.country for o in by_id[some].institutions)[0]
    want = {p for p in truth.flows if country in {o.country for o in by_id[p].institutions}}
    assert {r["paper"] for r in q(store, "flow_paths", country=country)} == want
    year = by_id[some].year
    got = q(store, "flow_paths", year_from=year, year_to=year)
    assert {r["paper"] for r in got} == {p for p in truth.flows if by_id[p].year == year}
    assert all(r["lag_years"] == r["patent_year"] - r["paper_year"] for r in got)


def test_shared_keywords(demo):
    store, docs, _, by_id, _, _ = demo
    mine = {normalize_keyword(k) for k in by_id["P0001"].keywords}
    want = {d.id: len(mine & {normalize_keyword(k) for k in d.keywords}) for d in docs
            if d.id != "P0001"}
    want = {k: v for k, v in want.items() if v}
    rows = q(store, "shared_keywords", id="P0001", limit=1000)
    assert {r["id"]: r["shared"] for r in rows} == want
    assert rows[0]["shared"] == max(want.values())


def test_keyword_bridges(demo):
    store, docs, _, _, _, _ = demo
    papers, patents = Counter(), Counter()
    for d in docs:
        for k in {normalize_keyword(x) for x in d.keywords}:
            (papers if d.kind == "paper" else patents)[k] += 1
    rows = q(store, "keyword_bridges", limit=1000)
    want = {k: min(papers[k], patents[k]) for k in papers if patents[k]}
    assert {r["keyword"]: r["bridge"] for r in rows} == want


def test_institution_path_joins_two_institutions(demo):
    store, docs, _, _, _, _ = demo
    rows = q(store, "institution_path", **{"from": "MIT", "to": "Osaka University"})
    assert len(rows) == 1 and rows[0]["hops"] >= 2
    assert rows[0]["path"][0] == "MIT" and rows[0]["path"][-1] == "Osaka University"


def test_novelty_by_year(demo):
    store, docs, _, by_id, _, nov = demo
    rows = q(store, "novelty_by_year")
    want = defaultdict(list)
    for i, v in nov.items():
        want[(by_id[i].year, by_id[i].label)].append(v)
    assert {(r["year"], r["kind"]): r["docs"] for r in rows} == {k: len(v) for k, v in want.items()}
    for r in rows:
        assert r["mean_novelty"] == pytest.approx(sum(want[(r["year"], r["kind"])]) / r["docs"])


def test_documents_by_year_and_top_keywords(demo):
    store, docs, _, _, _, _ = demo
    rows = q(store, "documents_by_year")
    assert sum(r["docs"] for r in rows) == len(docs)
    tk = q(store, "top_keywords_per_year", min_docs=1)
    assert sum(r["docs"] for r in tk) == sum(len(d.keywords) for d in docs)


def test_unknown_parameter_is_a_clear_error(demo):
    from innograph.errors import InnographError

    with pytest.raises(InnographError, match="no parameter"):
        run_named_query(demo[0], "top_flows", {"kk": "3"})


def test_every_query_reading_an_ai_label_uses_the_final_label():
    """A query that mentions ``is_ai`` or ``ai_rule`` reads them only through the final AI
    label, ``coalesce(x.is_ai, x.ai_rule)`` (schema.final_ai_expr), and says so in a
    comment pointing to its definition."""
    import re

    from innograph.graph import schema

    seen = 0
    for path in sorted(dialect.QUERY_DIR.glob("*.cypher")):
        text = path.read_text(encoding="utf-8")
        code = "\n".join(line.split("//")[0] for line in text.splitlines())
        uses = re.findall(r"\b(\w+)\.(?:is_ai|ai_rule)\b", code)
        if not uses:
            continue
        seen += 1
        assert "final_ai_expr" in text, f"{path.name}: no comment pointing to schema.final_ai_expr"
        for var in set(uses):
            n_expr = code.count(schema.final_ai_expr(var))
            n_raw = len(re.findall(rf"\b{var}\.(?:is_ai|ai_rule)\b", code))
            assert n_raw == 2 * n_expr, (
                f"{path.name}: {var}.is_ai / {var}.ai_rule read outside "
                f"{schema.final_ai_expr(var)}")
    assert seen >= 3  # documents_by_year, flows_by_ai_label, flow_paths
