"""innograph.analysis (inequality, cooperation, networks, countries, co-occurrence): the
formulas of docs/method.md §7 on the two studies' own numbers, hand-computed cases,
degenerate inputs, and networkx agreement on small graphs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from innograph import analysis as an

from .conftest import shared_file


# ---------------------------------------------------------------------------------------
# Cooperation paper (reference/iur-cooperation-provinces-paper.txt), Table 1, as printed:
# rank, province (as the translation spells it), invention patents, co-invention patents,
# degree of patent cooperation (%).
TABLE_1 = [
    (1, "Qinghai", 8, 7, "87.50"),
    (2, "Amur", 55, 46, "83.64"),
    (3, "Gansu", 43, 33, "76.74"),
    (4, "Fujian", 117, 91, "74.36"),
    (5, "Hunan", 120, 86, "71.67"),
    (6, "Jiangxi", 38, 27, "71.05"),
    (7, "Inner Mongolia", 40, 28, "70.00"),
    (8, "Ningxia", 19, 13, "68.42"),
    (9, "Tianjin", 189, 129, "68.25"),
    (10, "Autonomous Region", 34, 23, "67.65"),
    (11, "Henan (Province)", 139, 91, "65.47"),
    (12, "Shandong", 522, 327, "62.64"),
    (13, "Shanghai", 543, 328, "60.41"),
    (14, "Guangxi", 74, 43, "58.11"),
    (15, "Hubei", 294, 169, "57.48"),
    (16, "Shaanxi", 223, 122, "54.71"),
    (17, "Hebei", 150, 82, "54.67"),
    (18, "Chungking", 202, 107, "52.97"),
    (19, "Pekin", 2640, 1364, "51.67"),
    (20, "Jiangsu", 1162, 598, "51.46"),
    (21, "Szechuan", 380, 194, "51.05"),
    (22, "Shanxi", 36, 18, "50.00"),
    (23, "Xizang", 4, 2, "50.00"),
    (24, "Guizhou", 53, 26, "49.06"),
    (25, "Liaoning", 257, 125, "48.64"),
    (26, "Canton", 1659, 797, "48.04"),
    (27, "Ji Lin", 69, 31, "44.93"),
    (28, "Anhui", 288, 127, "44.10"),
    (29, "Hainan", 29, 11, "37.93"),
    (30, "Yunnan", 88, 24, "27.27"),
    (31, "Zhejiang", 1626, 418, "25.71"),
]
TABLE_1_TOTAL = (11101, 5483, "49.39")
# Fujian's printed co-invention count (91) contradicts its printed degree (74.36 %) and the
# printed total: 87 of 117 is 74.36 % and makes the column sum 5483. The typo is the count.
FUJIAN_CORRECTED = 87


def _table1(fujian_co: int = FUJIAN_CORRECTED) -> pd.DataFrame:
    rows = [(p, n, fujian_co if p == "Fujian" else c) for _, p, n, c, _ in TABLE_1]
    return pd.DataFrame(rows, columns=["unit", "documents", "co_documents"])


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def test_table1_reproduced_exactly_from_its_counts():
    # shuffled input: the ranking must come from the degrees, not the input order
    counts = _table1().sample(frac=1.0, random_state=3)
    ranked = an.rank_cooperation(counts)
    assert list(ranked["unit"]) == [p for _, p, _, _, _ in TABLE_1]
    assert list(ranked["rank"]) == [r for r, _, _, _, _ in TABLE_1]
    assert [_pct(d) for d in ranked["degree"]] == [pct for *_, pct in TABLE_1]
    n, co, pct = TABLE_1_TOTAL
    assert ranked["documents"].sum() == n
    assert ranked["co_documents"].sum() == co
    assert _pct(an.cooperation_degree(co, n)) == pct


def test_table1_printed_fujian_count_is_the_typo():
    printed = _table1(fujian_co=91)
    # every other province reproduces with its printed count ...
    for _, p, n, c, pct in TABLE_1:
        if p != "Fujian":
            assert _pct(an.cooperation_degree(c, n)) == pct
    # ... Fujian's 91/117 does not, and the printed column overshoots the printed total by 4
    assert _pct(an.cooperation_degree(91, 117)) == "77.78" != "74.36"
    assert printed["co_documents"].sum() - TABLE_1_TOTAL[1] == 4


def test_table1_statements_of_the_text():
    ranked = an.rank_cooperation(_table1())
    national = an.cooperation_degree(TABLE_1_TOTAL[1], TABLE_1_TOTAL[0])
    # "the degree of patent cooperation in 8 provinces and cities is less than the average"
    assert (ranked["degree"] < national).sum() == 8
    # "Qinghai and Heilongjiang's patent cooperation was higher than 80 percent"
    assert set(ranked.loc[ranked["degree"] > 0.8, "unit"]) == {"Qinghai", "Amur"}


def test_table1_differences_across_provinces_hand_checked():
    co = _table1()["co_documents"].to_numpy(dtype=float)
    n = len(co)
    assert an.value_range(co) == 1364 - 2
    assert an.sample_std(co) == pytest.approx(np.sqrt(((co - co.mean()) ** 2).sum() / (n - 1)))
    # Gini = mean absolute difference / (2 mean), the N^2 form, for the ascending order
    mad = np.abs(co[:, None] - co[None, :]).sum() / (2 * n * n * co.mean())
    assert an.locational_gini(co) == pytest.approx(mad, abs=1e-12)


# -------------------------------------------------------------------------- Gini and co.
def test_gini_hand_computed():
    # 1,2,3,4: ascending W = .1,.3,.6 → G = 1 − (2·1.0 + 1)/4 = 0.25
    assert an.locational_gini([4, 1, 3, 2]) == pytest.approx(0.25)
    assert an.locational_gini([5, 5, 5, 5]) == 0.0
    # one region holds everything: the formula's maximum 1 − 1/N
    assert an.locational_gini([0, 0, 0, 7]) == pytest.approx(0.75)
    assert an.locational_gini([3]) == 0.0


def test_gini_group_order_is_ascending_whatever_the_input_order():
    x = [10, 0, 3, 7, 1]
    assert an.locational_gini(x) == an.locational_gini(sorted(x)) == an.locational_gini(x[::-1])
    # sorting descending instead would give a negative "Gini":
    w = np.cumsum(sorted(x, reverse=True)) / sum(x)
    assert 1 - (2 * w[:-1].sum() + 1) / len(x) < 0 < an.locational_gini(x)


def test_gini_paper_2021_value_exceeds_the_formula_bound_for_31_provinces():
    top = an.locational_gini([0] * 30 + [100])
    assert top == pytest.approx(30 / 31)
    assert top < 0.970  # the paper's 2021 value: not reachable with eq. (3) and N = 31


def test_gini_degenerate_inputs():
    assert math.isnan(an.locational_gini([]))
    assert math.isnan(an.locational_gini([0, 0, 0]))
    with pytest.raises(ValueError):
        an.locational_gini([1, -1])
    with pytest.raises(ValueError):
        an.locational_gini([1, float("nan")])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=40).filter(lambda v: sum(v) > 0))
def test_gini_equals_mean_absolute_difference(values):
    x = np.array(values, dtype=float)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    g = an.locational_gini(values)
    assert g == pytest.approx(mad, abs=1e-9)
    assert -1e-12 <= g <= 1 - 1 / len(x) + 1e-12


def test_cv_range_std_hand_computed():
    x = [2, 4, 4, 4, 5, 5, 7, 9]  # mean 5, sum of squares 32, s = sqrt(32/7)
    assert an.sample_std(x) == pytest.approx(math.sqrt(32 / 7))
    assert an.coefficient_of_variation(x) == pytest.approx(math.sqrt(32 / 7) / 5)
    assert an.value_range(x) == 7


def test_cv_range_std_degenerate():
    assert math.isnan(an.sample_std([3]))
    assert math.isnan(an.coefficient_of_variation([3]))
    assert math.isnan(an.coefficient_of_variation([0, 0, 0]))
    assert math.isnan(an.value_range([]))
    assert an.value_range([4]) == 0


def test_cooperation_degree_scalar_array_and_zero_total():
    assert an.cooperation_degree(7, 8) == 0.875
    d = an.cooperation_degree([1, 0, 0], [2, 0, 5])
    assert d[0] == 0.5 and math.isnan(d[1]) and d[2] == 0.0
    with pytest.raises(ValueError):
        an.cooperation_degree(3, 2)
    with pytest.raises(ValueError):
        an.cooperation_degree(-1, 2)


def test_cooperation_table_counts_documents_per_unit_and_year():
    rows = [  # document, year, actor, unit
        ("p1", 2012, "a", "X"), ("p1", 2012, "b", "Y"),   # co, X and Y
        ("p2", 2012, "a", "X"),                           # solo, X
        ("p3", 2013, "c", "X"), ("p3", 2013, "d", "X"),   # co, X only
        ("p4", 2013, "e", None), ("p4", 2013, "f", "Y"),  # co: e has no region but counts
        ("p5", 2013, "g", "Y"), ("p5", 2013, "g", "Y"),   # repeated row, solo
    ]
    f = pd.DataFrame(rows, columns=["document", "year", "actor", "unit"])
    t = an.cooperation_table(f).set_index(["unit", "year"])
    assert t.loc[("X", 2012)].tolist()[:2] == [2, 1]
    assert t.loc[("Y", 2012)].tolist()[:2] == [1, 1]
    assert t.loc[("X", 2013)].tolist()[:2] == [1, 1]
    assert t.loc[("Y", 2013)].tolist()[:2] == [2, 1]
    assert t.loc[("X", 2012), "degree"] == 0.5
    overall = an.cooperation_table(f, year=None).set_index("unit")
    assert overall.loc["X", "documents"] == 3 and overall.loc["X", "co_documents"] == 2
    assert overall.loc["Y", "documents"] == 3 and overall.loc["Y", "co_documents"] == 2


def test_regional_differences_fill_missing_units_and_years_with_zero():
    t = pd.DataFrame({"unit": ["A", "B", "A"], "year": [2012, 2012, 2014],
                      "co_documents": [3, 1, 4]})
    d = an.regional_differences(t, units=["A", "B", "C"], years=[2012, 2013, 2014])
    d = d.set_index("year")
    assert d.loc[2012, "n_units"] == 3 and d.loc[2012, "total"] == 4
    assert d.loc[2012, "range"] == 3
    assert d.loc[2012, "gini"] == pytest.approx(an.locational_gini([3, 1, 0]))
    assert d.loc[2012, "cv"] == pytest.approx(an.coefficient_of_variation([3, 1, 0]))
    assert d.loc[2013, "total"] == 0 and math.isnan(d.loc[2013, "gini"])
    assert d.loc[2014, "gini"] == pytest.approx(2 / 3)  # one of three holds all


def test_year_windows():
    assert an.year_windows(2012, 2021, 3) == [(2012, 2014), (2015, 2017), (2018, 2020),
                                              (2021, 2021)]
    assert an.year_windows(2012, 2013, None) == [(2012, 2013)]
    with pytest.raises(ValueError):
        an.year_windows(2013, 2012, 1)


# -------------------------------------------------------------------------------- networks
# Borgatti (1997), "Structural holes: unpacking Burt's redundancy measures", Connections
# 20(1): the ego network used by networkx's own tests, here written as co-applications.
BORGATTI_EDGES = [("A", "B"), ("A", "F"), ("A", "G"), ("A", "E"), ("E", "G"), ("F", "G"),
                  ("B", "G"), ("B", "D"), ("D", "G"), ("G", "C")]
BORGATTI_WEIGHTS = {("A", "B"): 2, ("A", "F"): 3, ("A", "G"): 5, ("A", "E"): 2, ("E", "G"): 8,
                    ("F", "G"): 3, ("B", "G"): 4, ("B", "D"): 1, ("D", "G"): 3, ("G", "C"): 10}


def _docs_for(weights: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows, k = [], 0
    for (u, v), w in weights.items():
        for _ in range(w):
            rows += [(f"d{k}", u), (f"d{k}", v)]
            k += 1
    return pd.DataFrame(rows, columns=["document", "actor"])


def test_collaboration_network_weights_are_shared_documents():
    f = pd.DataFrame([("d1", "a"), ("d1", "b"), ("d1", "c"), ("d2", "a"), ("d2", "b"),
                      ("d2", "b"), ("d3", "d"), ("d4", None)], columns=["document", "actor"])
    G = an.collaboration_network(f, names={"a": "Alpha"})
    assert G["a"]["b"]["weight"] == 2 and G["a"]["c"]["weight"] == 1 and G["b"]["c"]["weight"] == 1
    assert G.nodes["a"]["documents"] == 2 and G.nodes["d"]["documents"] == 1
    assert G.degree("d") == 0 and G.nodes["a"]["name"] == "Alpha"
    assert G.number_of_edges() == 3


def test_structural_holes_on_borgatti_example_unweighted():
    G = an.collaboration_network(_docs_for({e: 1 for e in BORGATTI_EDGES}))
    s, nd = an.network_metrics(G, weight=None)
    nd = nd.set_index("node")
    # Borgatti's values (effective size n − 2t/n): G 4.67, A 2.50, C 1; constraint G .400
    assert nd.loc["G", "effective_size"] == pytest.approx(6 - 2 * 4 / 6)
    assert nd.loc["A", "effective_size"] == pytest.approx(2.5)
    assert nd.loc["C", "effective_size"] == pytest.approx(1.0)
    assert nd.loc["G", "constraint"] == pytest.approx(0.400, abs=1e-3)
    assert nd.loc["A", "constraint"] == pytest.approx(0.595, abs=1e-3)
    assert nd.loc["C", "constraint"] == pytest.approx(1.0)
    assert s["density"] == pytest.approx(10 / 21)


def test_structural_holes_weighted_by_shared_documents():
    G = an.collaboration_network(_docs_for(BORGATTI_WEIGHTS))
    assert G["G"]["C"]["weight"] == 10
    _, nd = an.network_metrics(G)
    nd = nd.set_index("node")
    assert nd.loc["G", "effective_size"] == pytest.approx(5.47, abs=1e-2)
    assert nd.loc["A", "effective_size"] == pytest.approx(2.47, abs=1e-2)
    assert nd.loc["G", "constraint"] == pytest.approx(0.299, abs=1e-3)
    assert nd.loc["A", "constraint"] == pytest.approx(0.795, abs=1e-3)
    assert nd.loc["G", "strength"] == 5 + 8 + 3 + 4 + 3 + 10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_structural_holes_equal_networkx_per_node_path(seed):
    # networkx 3.6.1's all-nodes sparse path for weighted effective size is wrong (see
    # analysis.networks._effective_size); its per-node path is the reference.
    rng = np.random.default_rng(seed)
    G = nx.gnm_random_graph(40, 90, seed=seed)
    for u, v in G.edges:
        G[u][v]["weight"] = int(rng.integers(1, 9))
    G.add_node(99)  # isolated
    _, nd = an.network_metrics(G)
    nd = nd.set_index("node")
    # closeness (scipy shortest paths) equals networkx's, hops and inverse weights
    cl = nd["closeness"].to_dict()
    assert cl == pytest.approx(nx.closeness_centrality(G), abs=1e-12)
    H = G.copy()
    for u, v in H.edges:
        H[u][v]["d"] = 1.0 / H[u][v]["weight"]
    _, ndw = an.network_metrics(G, distance="inverse_weight")
    assert ndw.set_index("node")["closeness"].to_dict() == pytest.approx(
        nx.closeness_centrality(H, distance="d"), abs=1e-12)
    ref_e = nx.effective_size(G, nodes=list(G), weight="weight")
    ref_c = nx.constraint(G, nodes=list(G), weight="weight")
    for u in G:
        if u == 99:
            assert math.isnan(nd.loc[u, "effective_size"]) and math.isnan(nd.loc[u, "constraint"])
            continue
        assert nd.loc[u, "effective_size"] == pytest.approx(ref_e[u], abs=1e-12)
        assert nd.loc[u, "constraint"] == pytest.approx(ref_c[u], abs=1e-12)


def test_network_metrics_agree_with_networkx_and_hand_values():
    # a path a-b-c plus a pendant d on b: b is the only broker
    G = nx.Graph()
    G.add_edge("a", "b", weight=2)
    G.add_edge("b", "c", weight=1)
    G.add_edge("b", "d", weight=1)
    G.add_node("e")  # isolated
    s, nd = an.network_metrics(G)
    nd = nd.set_index("node")
    assert s["nodes"] == 5 and s["edges"] == 3 and s["density"] == pytest.approx(3 / 10)
    assert s["components"] == 2 and s["largest_component"] == 4
    # betweenness of b: 3 pairs (a,c),(a,d),(c,d) all through b, normalised by C(4,2)=6
    assert nd.loc["b", "betweenness"] == pytest.approx(3 / 6)
    assert nd.loc["b", "degree_centrality"] == pytest.approx(3 / 4)
    assert nd["closeness"].to_dict() == pytest.approx(nx.closeness_centrality(G))
    assert nd.loc["b", "strength"] == 4 and nd.index[0] == "b"
    assert math.isnan(nd.loc["e", "effective_size"]) and math.isnan(nd.loc["e", "constraint"])
    assert nd.loc["e", "betweenness"] == 0
    # inverse-weight distances: a is closer to b (1/2) than c and d are (1)
    _, nw = an.network_metrics(G, distance="inverse_weight")
    nw = nw.set_index("node")
    assert nw.loc["a", "closeness"] > nw.loc["c", "closeness"]


def test_louvain_communities_are_seeded_and_split_two_cliques():
    G = nx.Graph()
    for grp in ("abcd", "wxyz"):
        for i, u in enumerate(grp):
            for v in grp[i + 1:]:
                G.add_edge(u, v, weight=3)
    G.add_edge("d", "w", weight=1)
    s1, n1 = an.network_metrics(G, seed=1)
    s2, n2 = an.network_metrics(G, seed=1)
    assert s1["communities"] == 2 and s1["modularity"] > 0.3
    assert n1.equals(n2)
    comm = n1.set_index("node")["community"]
    assert len({comm[u] for u in "abcd"}) == 1 and len({comm[u] for u in "wxyz"}) == 1
    assert comm["a"] != comm["w"]


def test_network_metrics_degenerate_graphs():
    s, nd = an.network_metrics(nx.Graph())
    assert s["nodes"] == 0 and math.isnan(s["density"]) and nd.empty
    G = nx.Graph()
    G.add_node("solo")
    s, nd = an.network_metrics(G)
    assert math.isnan(s["density"]) and math.isnan(s["modularity"]) and len(nd) == 1


# ------------------------------------------------------------------------------ countries
# IFF report, Tables 3 and 4 (mean citations, mean journal impact factor) of the top 10.
IFF_CITED = {"CN": 10.3, "US": 27.1, "IN": 8.9, "GB": 31.2, "DE": 25.2, "JP": 14.9,
             "KR": 15.5, "CA": 35.7, "FR": 20.8, "IT": 26.7, "AU": 43.6, "CH": 43.9,
             "NL": 38.9, "PK": 24.2}
IFF_IMPACT = {"CN": 6.5, "US": 9.5, "IN": 3.0, "GB": 8.5, "DE": 7.8, "JP": 5.5, "KR": 5.3,
              "CA": 8.2, "FR": 6.8, "IT": 5.8, "AU": 6.3, "CH": 7.5, "NL": 7.3, "PK": 1.5}


def test_minmax_hand_and_degenerate():
    assert an.minmax([2, 4, 6]).tolist() == [0, 0.5, 1]
    m = an.minmax([1, float("nan"), 3])
    assert m[0] == 0 and math.isnan(m[1]) and m[2] == 1
    assert np.isnan(an.minmax([5, 5])).all()
    assert an.minmax([]).size == 0


def test_country_indicators_counts_per_million_and_composite_z():
    rows = [  # document, country, cited, impact
        ("d1", "CH", 40, 7.0), ("d2", "CH", 20, 8.0), ("d2", "DE", 20, 8.0),
        ("d3", "DE", 10, None), ("d4", "IN", 0, 2.0), ("d4", "IN", 0, 2.0), ("d5", "XX", 5, 3.0),
    ]
    f = pd.DataFrame(rows, columns=["document", "country", "cited", "impact"])
    pop = pd.DataFrame({"code": ["CH", "DE", "IN"], "population": [8.0e6, 80e6, 1.4e9]})
    t = an.country_indicators(f, population=pop).set_index("country")
    assert t.loc["CH", "documents"] == 2 and t.loc["DE", "documents"] == 2
    assert t.loc["IN", "documents"] == 1
    assert t.loc["CH", "per_million"] == pytest.approx(2 / 8.0)
    assert math.isnan(t.loc["XX", "per_million"])
    assert t.loc["CH", "mean_cited"] == 30 and t.loc["DE", "mean_cited"] == 15
    assert t.loc["DE", "mean_impact"] == 8.0  # d3 has no impact: not a zero
    # minmax over CH 30, DE 15, IN 0, XX 5 and impacts 7.5, 8, 2, 3
    assert t.loc["CH", "z"] == pytest.approx(0.5 * 1 + 0.5 * (7.5 - 2) / 6)
    assert t.loc["IN", "z"] == 0.0
    assert list(t["rank"]) == [1, 2, 3, 4]
    frac = an.country_indicators(f, counting="fractional").set_index("country")
    assert frac.loc["CH", "documents"] == pytest.approx(1.5)
    top2 = an.country_indicators(f, top=2)
    # normalised over the two kept: CH highest citations, lowest impact; DE the reverse
    assert list(top2["country"]) == ["CH", "DE"] and top2["z"].tolist() == [0.5, 0.5]


def test_iff_composite_z_puts_switzerland_then_canada_first():
    f = pd.DataFrame([(f"{c}{i}", c, IFF_CITED[c], IFF_IMPACT[c]) for i, c in
                      enumerate(IFF_CITED)], columns=["document", "country", "cited", "impact"])
    t = an.country_indicators(f).sort_values("z_rank")
    # the report: "Switzerland and Canada rank first and second" (Table 5)
    assert list(t["country"].head(2)) == ["CH", "CA"]
    assert t.set_index("country").loc["CH", "z"] == pytest.approx(0.5 + 0.5 * 6 / 8)


def test_iff_per_million_from_its_implied_populations():
    # Table 1: Singapore 25,393 papers, 4,378.1 per million → population 5.8 M
    f = pd.DataFrame({"document": range(25393), "country": "SG"})
    t = an.country_indicators(f, population={"SG": 5.8e6})
    assert round(t.loc[0, "per_million"], 1) == 4378.1


def test_shipped_population_table_is_complete_and_plausible():
    from innograph.pipeline.analyze import load_population

    pop = load_population()
    assert {"code", "name", "population", "year", "source"} <= set(pop.columns)
    assert pop["code"].is_unique and len(pop) >= 60
    p = pop.set_index("code")["population"]
    assert 1.3e9 < p["CN"] < 1.5e9 and 3.2e8 < p["US"] < 3.5e8 and 5e6 < p["SG"] < 6.5e6
    assert "NA" not in set(pop["code"]) or pop.loc[pop["code"] == "NA", "name"].iloc[0] == "Namibia"


def test_coauthorship_flows_first_author_to_coauthors():
    rows = [  # document, country, position
        ("d1", "CN", 1), ("d1", "US", 2), ("d1", "KR", 3),
        ("d2", "CN", 1), ("d2", "KR", 2), ("d2", "CN", 3),
        ("d3", "US", 1), ("d3", "CN", 2), ("d3", "CN", 3),
        ("d4", "CN", 1), ("d4", "CN", 2),                 # domestic only
        ("d5", "GB", None), ("d5", "FR", None),           # no first author known
        ("d6", "FR", 2), ("d6", "GB", None),              # first author = position 2
    ]
    f = pd.DataFrame(rows, columns=["document", "country", "position"])
    fl = an.coauthorship_flows(f).set_index(["source", "target"])
    assert fl.loc[("CN", "KR"), "documents"] == 2
    assert fl.loc[("CN", "US"), "documents"] == 1
    assert fl.loc[("US", "CN"), "documents"] == 1
    assert fl.loc[("FR", "GB"), "documents"] == 1
    assert fl.loc[("CN", "KR"), "source_documents"] == 3
    assert fl.loc[("CN", "KR"), "share"] == pytest.approx(2 / 3)
    assert ("CN", "CN") not in fl.index and ("GB", "FR") not in fl.index
    dom = an.coauthorship_flows(f, include_domestic=True).set_index(["source", "target"])
    assert dom.loc[("CN", "CN"), "documents"] == 2  # d2 (position 3) and d4 (position 2)
    assert an.coauthorship_flows(f.iloc[0:0]).empty


def test_topic_shares_use_every_paper_of_the_country():
    rows = [("d1", "CN", "vision"), ("d1", "CN", "nlp"), ("d2", "CN", "vision"),
            ("d3", "CN", None), ("d4", "US", "nlp"), ("d4", "US", "robotics")]
    f = pd.DataFrame(rows, columns=["document", "country", "topic"])
    s = an.topic_shares(f).set_index(["country", "topic"])
    assert s.loc[("CN", "vision"), "share"] == pytest.approx(2 / 3)
    assert s.loc[("CN", "nlp"), "share"] == pytest.approx(1 / 3)
    assert s.loc[("US", "nlp"), "share"] == 1.0
    top1 = an.topic_shares(f, top=1)
    assert set(top1["topic"]) == {"nlp"}  # nlp and vision both in 2 papers: name breaks ties


# -------------------------------------------------------------------------- co-occurrence
def _planted_two_clusters(seed: int = 0) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    A = [f"vision{i}" for i in range(6)]
    B = [f"protein{i}" for i in range(6)]
    docs = {}
    for k in range(60):
        group = A if k % 2 == 0 else B
        docs[f"d{k}"] = list(rng.choice(group, size=3, replace=False))
    docs["bridge"] = [A[0], B[0]]
    return docs


def test_cooccurrence_network_counts():
    docs = {"d1": ["a", "b", "c"], "d2": ["a", "b"], "d3": ["c"], "d4": ["a", "a", "d"]}
    G = an.cooccurrence_network(docs)
    assert G.nodes["a"]["count"] == 3 and G.nodes["c"]["count"] == 2
    assert G["a"]["b"]["weight"] == 2 and G["a"]["c"]["weight"] == 1 and G["a"]["d"]["weight"] == 1
    assert not G.has_edge("b", "d")
    G2 = an.cooccurrence_network(docs, max_terms=2)
    assert set(G2) == {"a", "b"}  # a: 3 documents; b and c: 2, b by name
    G3 = an.cooccurrence_network(docs, min_count=2)
    assert set(G3) == {"a", "b", "c"}
    assert an.cooccurrence_network({}).number_of_nodes() == 0


def test_cooccurrence_clusters_recover_planted_two_clusters():
    G = an.cooccurrence_network(_planted_two_clusters())
    cl = an.cooccurrence_clusters(G, seed=0)
    members = cl.groupby("cluster")["term"].apply(set).tolist()
    assert sorted(members, key=min) == [{f"protein{i}" for i in range(6)},
                                        {f"vision{i}" for i in range(6)}]
    tt = an.top_terms(cl, n=2)
    assert len(tt) == 4 and tt.groupby("cluster")["rank"].apply(list).tolist() == [[1, 2], [1, 2]]
    first = tt.iloc[0]
    counts = cl.set_index("term")["count"]
    assert first["count"] == counts[cl[cl["cluster"] == first["cluster"]]["term"]].max()


def test_cooccurrence_clusters_empty_graph():
    assert an.cooccurrence_clusters(nx.Graph()).empty
    assert an.top_terms(an.cooccurrence_clusters(nx.Graph())).empty


# ------------------------------------------------------------------------------ real data
def test_real_arxiv_terms_cooccurrence_matches_pandas_counts():
    import ast

    df = pd.read_csv(shared_file("papers", "arxiv-titles-terms.csv"))
    doc_terms = {i: ast.literal_eval(t) for i, t in enumerate(df["terms"])}
    G = an.cooccurrence_network(doc_terms)
    # hand counts with plain Python
    both = sum(1 for ts in doc_terms.values() if "cs.LG" in ts and "stat.ML" in ts)
    n_cv = sum(1 for ts in doc_terms.values() if "cs.CV" in set(ts))
    assert both > 0 and G["cs.LG"]["stat.ML"]["weight"] == both
    assert G.nodes["cs.CV"]["count"] == n_cv
    cl = an.cooccurrence_clusters(G, seed=0)
    assert set(cl["term"]) == set(G)
    top = an.top_terms(cl, n=5)
    assert top.groupby("cluster").size().max() <= 5
    # cs.LG and stat.ML (machine learning) are far more often together than apart
    comm = cl.set_index("term")["cluster"]
    assert comm["cs.LG"] == comm["stat.ML"]
