"""innograph.pipeline.analyze end to end on real Kùzu stores: a small hand-built graph whose
every number is counted by hand below, and arXiv 2023 papers from ../shared/data."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from innograph import analysis as an
from innograph.graph import schema as S
from innograph.graph.store import open_store
from innograph.pipeline import analyze as az
from innograph.years import parse_years

from .conftest import shared_file


def _t(**cols) -> pa.Table:
    return pa.table(cols)


def _edges(store, rel, a, b, pairs, **props):
    store.upsert_edges(rel, a, b, _t(src=[p[0] for p in pairs], dst=[p[1] for p in pairs],
                                     **props))


def _build_demo(store) -> None:
    # ---- patents: applicants with regions (Chinese provinces) and countries
    store.upsert_nodes(S.APPLICANT, _t(
        id=["a1", "a2", "a3", "a4", "a5"],
        name=["Tsinghua University", "Baidu", "Tianjin University", "Hebei Steel", "IBM"],
        region=["Beijing", "Beijing", "Tianjin", "Hebei", None]))
    store.upsert_nodes(S.COUNTRY, _t(code=["CN", "US", "GB"],
                                     name=["China", "United States", "United Kingdom"]))
    _edges(store, S.LOCATED_IN, S.APPLICANT, S.COUNTRY,
           [("a1", "CN"), ("a2", "CN"), ("a3", "CN"), ("a4", "CN"), ("a5", "US")])
    store.upsert_nodes(S.PATENT, _t(
        id=[f"P{i}" for i in range(1, 10)],
        year=pa.array([2012, 2012, 2012, 2013, 2013, 2013, 2013, None, 2014], pa.int64())))
    applied = {"P1": ["a1", "a3"], "P2": ["a1"], "P3": ["a2"], "P4": ["a1", "a2"],
               "P5": ["a3", "a4"], "P6": ["a4", "a5"], "P7": ["a4"], "P8": ["a1", "a3"],
               "P9": ["a2"]}
    _edges(store, S.APPLIED_FOR, S.APPLICANT, S.PATENT,
           [(a, p) for p, aa in applied.items() for a in aa])
    store.upsert_nodes(S.IPC, _t(code=["G06N 3/04", "G06N 3/08", "G06F 17/16", "G06F 12/00",
                                       "H01L 27/00"], scheme=["ipc"] * 5))
    _edges(store, S.CLASSIFIED_AS, S.PATENT, S.IPC,
           [("P1", "G06N 3/04"), ("P1", "G06N 3/08"), ("P1", "G06F 17/16"),
            ("P5", "G06F 12/00"), ("P5", "H01L 27/00")])
    # ---- papers: institutions in countries, authors with positions, venues, keywords
    store.upsert_nodes(S.INSTITUTION, _t(id=["i1", "i2", "i3", "i4"],
                                         name=["Peking University", "MIT", "Oxford", "Fudan"],
                                         region=["Beijing", None, None, "Shanghai"]))
    _edges(store, S.LOCATED_IN, S.INSTITUTION, S.COUNTRY,
           [("i1", "CN"), ("i2", "US"), ("i3", "GB"), ("i4", "CN")])
    store.upsert_nodes(S.VENUE, _t(name=["V1", "V2"], impact=[5.0, 2.0]))
    store.upsert_nodes(S.PAPER, _t(id=["W1", "W2", "W3", "W4", "W5"],
                                   year=[2020, 2020, 2021, 2021, 2021],
                                   cited=pa.array([10, 4, 20, 0, None], pa.int64()),
                                   categories=["cs.CV cs.LG", "cs.LG", None, None, None]))
    _edges(store, S.PUBLISHED_IN, S.PAPER, S.VENUE, [("W1", "V1"), ("W2", "V2"), ("W3", "V1")])
    _edges(store, S.AFFILIATED_WITH, S.PAPER, S.INSTITUTION,
           [("W1", "i1"), ("W1", "i2"), ("W2", "i1"), ("W2", "i4"), ("W3", "i2"), ("W3", "i3"),
            ("W4", "i3"), ("W5", "i2")])
    store.upsert_nodes(S.AUTHOR, _t(id=["u1", "u2", "u3", "u4", "u5"],
                                    name=["Li", "Smith", "Wang", "Jones", "Brown"]))
    _edges(store, S.AFFILIATED_WITH, S.AUTHOR, S.INSTITUTION,
           [("u1", "i1"), ("u2", "i2"), ("u3", "i4"), ("u4", "i3")])
    _edges(store, S.LOCATED_IN, S.AUTHOR, S.COUNTRY, [("u5", "US")])
    authored = [("u1", "W1", 1), ("u2", "W1", 2), ("u1", "W2", 1), ("u3", "W2", 2),
                ("u2", "W3", 1), ("u4", "W3", 2), ("u4", "W4", 1), ("u5", "W5", 1)]
    store.upsert_edges(S.AUTHORED, S.AUTHOR, S.PAPER, _t(
        src=[a for a, _, _ in authored], dst=[p for _, p, _ in authored],
        position=pa.array([k for *_, k in authored], pa.int64())))
    kw = {"W1": ["neural network", "image segmentation"],
          "W2": ["neural network", "deep learning"],
          "W3": ["protein folding", "molecular dynamics"],
          "W4": ["protein folding", "molecular dynamics", "deep learning"],
          "W5": ["image segmentation", "neural network"],
          "P1": ["neural network", "processor"], "P5": ["processor", "memory"]}
    store.upsert_nodes(S.KEYWORD, _t(name=sorted({k for ks in kw.values() for k in ks})))
    for label, prefix in ((S.PAPER, "W"), (S.PATENT, "P")):
        _edges(store, S.HAS_KEYWORD, label, S.KEYWORD,
               [(d, k) for d, ks in kw.items() if d.startswith(prefix) for k in ks])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = open_store(str(tmp_path_factory.mktemp("demo") / "g.db"))
    _build_demo(store)
    yield store
    store.close()


def _assert_files(res, out: Path, names: list[str]) -> None:
    for n in names:
        p = out / n
        assert p.exists() and p.stat().st_size > 0, n
        assert str(p) in res.files
        if n.endswith(".png"):
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            pd.read_csv(p)  # parses


# ---------------------------------------------------------------------------- cooperation
def test_cooperation_by_region_hand_counts(demo, tmp_path):
    res = az.analyze_cooperation(demo, by="region", years=(2012, 2013), out=tmp_path)
    _assert_files(res, tmp_path, ["cooperation_region.csv", "cooperation_region_years.csv",
                                  "cooperation_region_differences.csv", "cooperation_region.png"])
    rank = res.tables["ranking"]
    assert list(rank["unit"]) == ["Tianjin", "Hebei", "Beijing", "(all)"]
    r = rank.set_index("unit")
    assert (r.loc["Beijing", "documents"], r.loc["Beijing", "co_documents"]) == (4, 2)
    assert (r.loc["Tianjin", "documents"], r.loc["Tianjin", "co_documents"]) == (2, 2)
    assert (r.loc["Hebei", "documents"], r.loc["Hebei", "co_documents"]) == (3, 2)
    # national row: distinct patents P1..P7 (P8 has no year, P9 is 2014), co P1 P4 P5 P6
    assert (r.loc["(all)", "documents"], r.loc["(all)", "co_documents"]) == (7, 4)
    assert r.loc["Hebei", "degree"] == pytest.approx(2 / 3)
    y = res.tables["by_year"].set_index(["unit", "year"])
    assert y.loc[("Beijing", 2012)].tolist()[:2] == [3, 1]  # documents, co-applied
    assert ("Hebei", 2012) not in y.index and y.loc[("Hebei", 2013), "co_documents"] == 2
    d = res.tables["differences"].set_index("year")
    # co-applied per region: 2012 Beijing 1, Tianjin 1, Hebei 0; 2013: 1, 1, 2
    assert d.loc[2012, "gini"] == pytest.approx(1 / 3) == an.locational_gini([1, 1, 0])
    assert d.loc[2013, "range"] == 1 and d.loc[2013, "cv"] == pytest.approx(
        an.coefficient_of_variation([1, 1, 2]))
    csv = pd.read_csv(tmp_path / "cooperation_region_differences.csv")
    assert list(csv["year"]) == [2012, 2013]


def test_cooperation_by_country_and_all_years(demo, tmp_path):
    res = az.analyze_cooperation(demo, by="country", out=tmp_path)
    r = res.tables["ranking"].set_index("unit")
    # CN: P1..P9 (all 9 patents have a Chinese applicant); co: P1 P4 P5 P6 P8
    assert (r.loc["CN", "documents"], r.loc["CN", "co_documents"]) == (9, 5)
    assert (r.loc["US", "documents"], r.loc["US", "co_documents"]) == (1, 1)
    assert list(res.tables["differences"]["year"]) == [2012, 2013, 2014]


def test_cooperation_of_papers_by_institution_region(demo, tmp_path):
    res = az.analyze_cooperation(demo, by="region", documents="paper", out=tmp_path)
    r = res.tables["ranking"].set_index("unit")
    # Beijing: W1 (i1+i2), W2 (i1+i4) both co-authored; Shanghai: W2
    assert (r.loc["Beijing", "documents"], r.loc["Beijing", "co_documents"]) == (2, 2)
    assert (r.loc["Shanghai", "documents"], r.loc["Shanghai", "co_documents"]) == (1, 1)


def test_open_year_ranges_equal_the_closed_range_over_the_data(demo, tmp_path):
    """``innograph.years`` ranges may be open (``2013-`` / ``-2013``): an open end reaches the
    data's first / last year (patents 2012-2014, papers 2020-2021) and, as with two bounds,
    leaves out documents without a year (P8)."""
    def same(a, b):
        assert a.tables.keys() == b.tables.keys()
        for k in a.tables:
            pd.testing.assert_frame_equal(a.tables[k], b.tables[k], check_dtype=False)
        def nan_free(d):
            return {k: "nan" if isinstance(v, float) and math.isnan(v) else v
                    for k, v in d.items()}
        assert nan_free(a.summary) == nan_free(b.summary)

    for open_, closed in (((None, 2013), (2012, 2013)), ((2013, None), (2013, 2014))):
        same(az.analyze_cooperation(demo, by="region", years=open_, out=tmp_path / "o"),
             az.analyze_cooperation(demo, by="region", years=closed, out=tmp_path / "c"))
        same(az.analyze_network(demo, nodes="applicant", years=open_, window=1,
                                out=tmp_path / "o"),
             az.analyze_network(demo, nodes="applicant", years=closed, window=1,
                                out=tmp_path / "c"))
    co = az.analyze_cooperation(demo, by="province", years=(2013, None), out=tmp_path / "p")
    assert co.summary["years"] == [2013, 2014]
    same(az.analyze_cooccurrence(demo, of="keyword", years=(2013, None), out=tmp_path / "o"),
         az.analyze_cooccurrence(demo, of="keyword", years=(2013, 2021), out=tmp_path / "c"))
    same(az.analyze_countries(demo, years=(None, 2020), out=tmp_path / "o"),
         az.analyze_countries(demo, years=(2012, 2020), out=tmp_path / "c"))
    assert az.read_frame(demo, "patents_in_years", (None, 2013))["document"].tolist() == \
        az.read_frame(demo, "patents_in_years", (2012, 2013))["document"].tolist()
    assert parse_years("2013-") == (2013, None) and parse_years("-2013") == (None, 2013)


# -------------------------------------------------------------------------------- network
def test_network_of_applicants_hand_counts(demo, tmp_path):
    res = az.analyze_network(demo, nodes="applicant", out=tmp_path)
    _assert_files(res, tmp_path, ["network_applicant.csv", "network_applicant_nodes.csv",
                                  "network_applicant.png"])
    s = res.tables["summary"].iloc[0]
    assert (s["period"], s["nodes"], s["edges"]) == ("all", 5, 4)
    assert s["density"] == pytest.approx(4 / 10)
    nd = res.tables["nodes"].set_index("node")
    assert nd.loc["a1", "strength"] == 3  # a1-a3 on P1 and P8, a1-a2 on P4
    assert nd.loc["a1", "documents"] == 4 and nd.loc["a1", "name"] == "Tsinghua University"
    # the hand graph a2-a1=a3-a4-a5 (a1-a3 weight 2) is a path: a3 brokers the most pairs
    G = an.collaboration_network(pd.DataFrame(
        [("x", "a1"), ("x", "a3"), ("y", "a1"), ("y", "a3"), ("z", "a1"), ("z", "a2"),
         ("v", "a3"), ("v", "a4"), ("w", "a4"), ("w", "a5")], columns=["document", "actor"]))
    _, ref = an.network_metrics(G)
    pd.testing.assert_frame_equal(
        nd[["betweenness", "closeness", "effective_size", "constraint"]].sort_index(),
        ref.set_index("node")[["betweenness", "closeness", "effective_size",
                               "constraint"]].sort_index(), check_names=False)


def test_network_windows_per_year(demo, tmp_path):
    res = az.analyze_network(demo, nodes="applicant", years=(2012, 2013), window=1,
                             out=tmp_path)
    s = res.tables["summary"].set_index("period")
    assert list(s.index) == ["2012", "2013"]
    assert (s.loc["2012", "nodes"], s.loc["2012", "edges"]) == (3, 1)
    assert (s.loc["2013", "nodes"], s.loc["2013", "edges"]) == (5, 3)
    assert set(res.tables["nodes"]["period"]) == {"2012", "2013"}


def test_network_of_regions_and_countries(demo, tmp_path):
    reg = az.analyze_network(demo, nodes="region", years=(2012, 2013), out=tmp_path)
    G_edges = reg.tables["nodes"].set_index("node")
    assert set(G_edges.index) == {"Beijing", "Tianjin", "Hebei"}
    assert G_edges.loc["Tianjin", "degree"] == 2 and G_edges.loc["Beijing", "degree"] == 1
    cty = az.analyze_network(demo, nodes="country", documents="paper", out=tmp_path)
    c = cty.tables["nodes"].set_index("node")
    assert (c.loc["US", "degree"], c.loc["CN", "degree"], c.loc["US", "strength"]) == (2, 1, 2)
    inst = az.analyze_network(demo, nodes="institution", out=tmp_path)
    s = inst.tables["summary"].iloc[0]
    assert (s["nodes"], s["edges"]) == (4, 3)


# ------------------------------------------------------------------------------ countries
def test_countries_hand_counts(demo, tmp_path):
    res = az.analyze_countries(demo, out=tmp_path)
    _assert_files(res, tmp_path, ["countries.csv", "countries_flows.csv",
                                  "countries_topics.csv", "countries.png",
                                  "countries_flows.png"])
    c = res.tables["countries"].set_index("country")
    assert list(c.index) == ["US", "CN", "GB"]
    assert c["documents"].tolist() == [3, 2, 2]
    assert c.loc["US", "mean_cited"] == 15 and c.loc["CN", "mean_cited"] == 7
    assert c.loc["GB", "mean_cited"] == 10 and c.loc["CN", "mean_impact"] == 3.5
    assert c.loc["GB", "mean_impact"] == 5.0  # W4 has no venue
    assert c.loc["CN", "z"] == 0 and c.loc["US", "z"] == 1
    assert c.loc["GB", "z"] == pytest.approx(0.5 * 3 / 8 + 0.5 * 1)
    assert c.loc["GB", "per_million"] == pytest.approx(2 / 67.0)  # shipped table: 67.0 M
    assert c.loc["US", "name"] == "United States"
    f = res.tables["flows"].set_index(["source", "target"])
    assert set(f.index) == {("CN", "US"), ("US", "GB")}
    assert f.loc[("CN", "US"), "documents"] == 1 and f.loc[("CN", "US"), "source_documents"] == 2
    t = res.tables["topics"].set_index(["country", "topic"])
    assert t.loc[("CN", "neural network"), "share"] == 1.0
    assert t.loc[("US", "image segmentation"), "share"] == pytest.approx(2 / 3)
    assert t.loc[("GB", "deep learning"), "share"] == 0.5


def test_countries_topic_shares_from_arxiv_categories(demo, tmp_path):
    res = az.analyze_countries(demo, out=tmp_path, topics="category")
    t = res.tables["topics"].set_index(["country", "topic"])
    assert t.loc[("CN", "cs.LG"), "share"] == 1.0  # W1, W2
    assert t.loc[("US", "cs.CV"), "share"] == pytest.approx(1 / 3)  # W1 of W1, W3, W5
    assert set(t.index.get_level_values("topic")) == {"cs.CV", "cs.LG"}


def test_countries_with_given_population_and_years(demo, tmp_path):
    pop = pd.DataFrame({"code": ["US", "CN"], "population": [1e6, 2e6]})
    res = az.analyze_countries(demo, out=tmp_path, population=pop, years=(2021, 2021))
    c = res.tables["countries"].set_index("country")
    assert c.loc["US", "documents"] == 2 and c.loc["US", "per_million"] == 2.0  # W3, W5
    assert "CN" not in c.index and math.isnan(c.loc["GB", "per_million"])


# -------------------------------------------------------------------------- co-occurrence
def test_cooccurrence_of_keywords_hand_counts(demo, tmp_path):
    res = az.analyze_cooccurrence(demo, of="keyword", out=tmp_path)
    _assert_files(res, tmp_path, ["cooccurrence_keyword.csv", "cooccurrence_keyword_clusters.csv",
                                  "cooccurrence_keyword_edges.csv", "cooccurrence_keyword.png"])
    e = res.tables["edges"]
    w = {frozenset((a, b)): x for a, b, x in e.itertuples(index=False)}
    assert w[frozenset(("neural network", "image segmentation"))] == 2  # W1, W5
    assert w[frozenset(("protein folding", "molecular dynamics"))] == 2  # W3, W4
    assert w[frozenset(("neural network", "processor"))] == 1  # patent P1
    assert len(w) == 7
    cl = res.tables["clusters"]
    whole = cl[cl["period"] == "all"].set_index("term")
    assert whole.loc["neural network", "count"] == 4
    assert whole.loc["protein folding", "cluster"] == whole.loc["molecular dynamics", "cluster"]
    assert whole.loc["neural network", "cluster"] == whole.loc["image segmentation", "cluster"]
    assert whole.loc["neural network", "cluster"] != whole.loc["protein folding", "cluster"]
    assert set(cl["period"]) == {"all", "2012", "2013", "2020", "2021"}
    y2020 = cl[cl["period"] == "2020"].set_index("term")
    assert y2020.loc["neural network", "count"] == 2
    top = res.tables["top_terms"]
    nn_cluster = whole.loc["neural network", "cluster"]
    first = top[(top["period"] == "all") & (top["cluster"] == nn_cluster) & (top["rank"] == 1)]
    assert first["term"].iloc[0] == "neural network"
    papers_only = az.analyze_cooccurrence(demo, of="keyword", documents="paper", out=tmp_path,
                                          per_year=False)
    assert "processor" not in set(papers_only.tables["clusters"]["term"])


def test_cooccurrence_of_ipc_levels(demo, tmp_path):
    res = az.analyze_cooccurrence(demo, of="ipc", out=tmp_path, per_year=False)
    w = {frozenset((a, b)): x for a, b, x in res.tables["edges"].itertuples(index=False)}
    assert w == {frozenset(("G06N", "G06F")): 1, frozenset(("G06F", "H01L")): 1}
    full = az.analyze_cooccurrence(demo, of="ipc", out=tmp_path, per_year=False,
                                   ipc_level="full")
    c = full.tables["clusters"].set_index("term")
    assert set(c.index) == {"G06N 3/04", "G06N 3/08", "G06F 17/16", "G06F 12/00", "H01L 27/00"}


def test_bad_options_raise_clear_errors(demo, tmp_path):
    from innograph.errors import BadInputError

    with pytest.raises(BadInputError):
        az.analyze_cooperation(demo, by="county", out=tmp_path)
    with pytest.raises(BadInputError):
        az.analyze_network(demo, nodes="author", out=tmp_path)
    with pytest.raises(BadInputError):
        az.analyze_cooccurrence(demo, of="cpc", out=tmp_path)
    assert parse_years("2012-2021") == (2012, 2021) and parse_years("2015") == (2015, 2015)
    assert parse_years(None) is None
    with pytest.raises(BadInputError):
        parse_years("2021-2012")


def test_queries_are_parameterised_and_named_from_schema():
    for name, q in az.QUERIES.items():
        assert "$y0" in q and "$y1" in q and "$every_year" in q, name
        assert not re.search(r"'[^']*'", q), f"{name}: a literal value in the query"
        for label in re.findall(r"\(\w+:(\w+)\)", q):
            assert label in S.NODES, (name, label)
        for rel in re.findall(r"\[\w*:(\w+)\]", q):
            assert rel in S.RELS, (name, rel)


def test_empty_store_gives_empty_tables_and_still_writes_files(tmp_path):
    store = open_store(str(tmp_path / "empty.db"))
    try:
        out = tmp_path / "out"
        r1 = az.analyze_cooperation(store, out=out)
        assert r1.tables["ranking"]["documents"].tolist() == [0]
        r2 = az.analyze_network(store, out=out)
        assert r2.tables["summary"].iloc[0]["nodes"] == 0
        r3 = az.analyze_countries(store, out=out)
        assert r3.tables["countries"].empty
        r4 = az.analyze_cooccurrence(store, out=out)
        assert r4.tables["top_terms"].empty
        r5 = az.analyze_cooperation(store, by="province", types=True, out=out)
        t5 = r5.tables["ranking"]
        assert len(t5) == 32 and t5["documents"].sum() == 0 and t5["rank"].isna().all()
        assert r3.tables["patents"].empty and r3.tables["years"].empty
        # 4 analyses + countries' flows and years + the province table
        assert len(list(out.glob("*.png"))) == 7
    finally:
        store.close()


# ------------------------------------------------------------------------------ real data
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_SUBJECT = re.compile(r"\(([a-z-]+(?:\.[A-Za-z-]+)?)\)\s*$")  # "Machine Learning (cs.LG)"
_SECOND_LEVEL = {"ac", "edu", "com", "co", "org", "gov", "net"}
_TLD_COUNTRY = {"uk": "GB"}


def _institution(domain: str) -> str:
    """An institution key from an e-mail domain: its registrable part (``unimelb.edu.au``)."""
    parts = domain.lower().strip(".").split(".")
    k = 3 if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in _SECOND_LEVEL else 2
    return ".".join(parts[-k:])


def _country(inst: str) -> str | None:
    tld = inst.rsplit(".", 1)[-1]
    return _TLD_COUNTRY.get(tld, tld.upper()) if len(tld) == 2 else None


@pytest.fixture(scope="module")
def arxiv_2023():
    p = shared_file("papers", "arxiv-2023-with-affiliations.csv")
    # ids as text (2309.10 is not 2309.1); the listing repeats some papers: keep the first
    df = pd.read_csv(p, dtype={"paper_id": str}).drop_duplicates("paper_id")
    docs = []
    for r in df.itertuples(index=False):
        subjects = [m.group(1).strip() for s in str(r.subjects).split(";")
                    if (m := _SUBJECT.search(s.strip()))]
        emails = _EMAIL.findall(" ".join(ast.literal_eval(r.affilliations)))
        insts = sorted({_institution(e) for e in emails})
        docs.append((str(r.paper_id), int(str(r.date)[:4]), sorted(set(subjects)), insts))
    return docs


@pytest.fixture(scope="module")
def arxiv_store(arxiv_2023, tmp_path_factory):
    store = open_store(str(tmp_path_factory.mktemp("arxiv") / "g.db"))
    docs = arxiv_2023
    store.upsert_nodes(S.PAPER, _t(id=[d[0] for d in docs], year=[d[1] for d in docs]))
    terms = sorted({t for d in docs for t in d[2]})
    store.upsert_nodes(S.KEYWORD, _t(name=terms))
    _edges(store, S.HAS_KEYWORD, S.PAPER, S.KEYWORD, [(d[0], t) for d in docs for t in d[2]])
    insts = sorted({i for d in docs for i in d[3]})
    store.upsert_nodes(S.INSTITUTION, _t(id=insts, name=insts))
    _edges(store, S.AFFILIATED_WITH, S.PAPER, S.INSTITUTION,
           [(d[0], i) for d in docs for i in d[3]])
    located = [(i, _country(i)) for i in insts if _country(i)]
    store.upsert_nodes(S.COUNTRY, _t(code=sorted({c for _, c in located})))
    _edges(store, S.LOCATED_IN, S.INSTITUTION, S.COUNTRY, located)
    yield store
    store.close()


def test_real_arxiv_subject_cooccurrence_through_the_store(arxiv_2023, arxiv_store, tmp_path):
    res = az.analyze_cooccurrence(arxiv_store, of="keyword", out=tmp_path, max_terms=None)
    w = {frozenset((a, b)): x for a, b, x in res.tables["edges"].itertuples(index=False)}
    # hand counts over the parsed file
    pair = frozenset(("cs.LG", "stat.ML"))
    assert w[pair] == sum(1 for d in arxiv_2023 if {"cs.LG", "stat.ML"} <= set(d[2])) > 0
    n_pairs = len({frozenset((a, b)) for d in arxiv_2023 for a in d[2] for b in d[2] if a < b})
    assert len(w) == n_pairs
    cl = res.tables["clusters"]
    assert set(cl["period"]) == {"all", "2023"}
    whole = cl[cl["period"] == "all"].set_index("term")
    assert whole.loc["econ.GN", "count"] == sum(1 for d in arxiv_2023 if "econ.GN" in d[2])
    assert res.summary["clusters"] >= 2 and res.summary["modularity"] > 0.1
    # the clusters separate machine learning from mathematics / theoretical physics
    k = whole["cluster"]
    assert k["cs.LG"] == k["cs.CV"] == k["cs.AI"]
    assert k["math.AG"] == k["hep-th"] != k["cs.LG"]
    top = res.tables["top_terms"]
    ml = top[(top["period"] == "all") & (top["cluster"] == whole.loc["cs.LG", "cluster"])]
    assert ml["term"].iloc[0] == "cs.LG"  # the most frequent subject heads its cluster
    assert (tmp_path / "cooccurrence_keyword.png").stat().st_size > 10_000


def test_real_arxiv_institution_network_and_countries(arxiv_2023, arxiv_store, tmp_path):
    net = az.analyze_network(arxiv_store, nodes="institution", out=tmp_path)
    s = net.tables["summary"].iloc[0]
    insts = {i for d in arxiv_2023 for i in d[3]}
    pairs = {frozenset((a, b)) for d in arxiv_2023 for a in d[3] for b in d[3] if a < b}
    assert (s["nodes"], s["edges"]) == (len(insts), len(pairs))
    nd = net.tables["nodes"].set_index("node")
    top = nd.index[0]
    assert nd.loc[top, "documents"] == sum(1 for d in arxiv_2023 if top in d[3])
    res = az.analyze_countries(arxiv_store, out=tmp_path, top=None)
    c = res.tables["countries"].set_index("country")
    n_cn = sum(1 for d in arxiv_2023 if any(_country(i) == "CN" for i in d[3]))
    assert n_cn > 0 and c.loc["CN", "documents"] == n_cn
    assert c.loc["CN", "per_million"] == pytest.approx(n_cn / 1410)
    assert math.isnan(c.loc["CN", "z"])  # no citations or impact in this file: no Z
    coop = az.analyze_cooperation(arxiv_store, by="country", documents="paper", out=tmp_path)
    r = coop.tables["ranking"].set_index("unit")
    co_cn = sum(1 for d in arxiv_2023 if len(d[3]) >= 2 and any(_country(i) == "CN" for i in d[3]))
    assert r.loc["CN", "co_documents"] == co_cn
