"""Issue 16 items 4 and 5 through real Kùzu stores and the CLI: typed cooperation by
province, venue impact loading, the composite Z, the patent side, country–year series,
top journals and institutions, and countries of the real arXiv 2023 papers."""

from __future__ import annotations

import ast
import math

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from innograph.analysis import regions as rg
from innograph.cli import app
from innograph import analysis as an
from innograph.graph import schema as S
from innograph.graph.store import open_store
from innograph.pipeline import analyze as az
from tests.test_analyze_store import _build_demo, _edges, _t

from .conftest import shared_file


# ----------------------------------------------------------- typed cooperation by province
# applicant id: name, region column (as a user's file may give it), country
APPLICANTS = {
    "thu": ("清华大学", "北京市", "CN"),
    "baidu": ("北京百度网讯科技有限公司", None, None),          # province from the name
    "cas": ("中国科学院自动化研究所", "Beijing", "CN"),
    "tju": ("Tianjin University", "Tianjin Shi", "CN"),
    "tjco": ("天津某某科技有限公司", "天津", "CN"),
    "zju": ("浙江大学", "Zhejiang", "CN"),
    "hik": ("杭州海康威视数字技术股份有限公司", None, None),     # Hangzhou → Zhejiang
    "zhang": ("张伟", "Zhejiang", "CN"),                        # an individual
    "ibm": ("IBM Corp", "New York", "US"),                      # foreign
    "hku": ("The University of Hong Kong", "Hong Kong", "HK"),  # outside the 31
}
# patent: year, applicants
PATENTS = {
    "C1": (2019, ["thu", "baidu"]),          # I-U, Beijing
    "C2": (2019, ["thu", "cas"]),            # U-R, Beijing
    "C3": (2020, ["baidu", "cas", "tju"]),   # I-U-R, Beijing + Tianjin
    "C4": (2020, ["tjco", "tju"]),           # I-U, Tianjin
    "C5": (2020, ["zju", "hik"]),            # I-U, Zhejiang
    "C6": (2020, ["zju", "zhang"]),          # individual, Zhejiang
    "C7": (2021, ["hik", "ibm"]),            # foreign, Zhejiang
    "C8": (2021, ["thu", "hku"]),            # foreign (Hong Kong), Beijing
    "C9": (2021, ["hik"]),                   # single, Zhejiang
    "C10": (2021, ["baidu", "tjco"]),        # same-kind, Beijing + Tianjin
}


def _build_provinces(store) -> None:
    ids = list(APPLICANTS)
    store.upsert_nodes(S.APPLICANT, _t(id=ids, name=[APPLICANTS[i][0] for i in ids],
                                       region=[APPLICANTS[i][1] for i in ids]))
    codes = sorted({c for _, _, c in APPLICANTS.values() if c})
    store.upsert_nodes(S.COUNTRY, _t(code=codes))
    _edges(store, S.LOCATED_IN, S.APPLICANT, S.COUNTRY,
           [(i, c) for i, (_, _, c) in APPLICANTS.items() if c])
    pids = list(PATENTS)
    store.upsert_nodes(S.PATENT, _t(id=pids, year=pa.array([PATENTS[p][0] for p in pids],
                                                             pa.int64())))
    _edges(store, S.APPLIED_FOR, S.APPLICANT, S.PATENT,
           [(a, p) for p, (_, aa) in PATENTS.items() for a in aa])


@pytest.fixture(scope="module")
def provinces(tmp_path_factory):
    store = open_store(str(tmp_path_factory.mktemp("prov") / "g.db"))
    _build_provinces(store)
    yield store
    store.close()


def test_typed_cooperation_by_province_hand_counts(provinces, tmp_path):
    res = az.analyze_cooperation(provinces, by="province", types=True, out=tmp_path)
    for n in ("cooperation_province.csv", "cooperation_province_years.csv",
              "cooperation_province_differences.csv", "cooperation_province_applicants.csv",
              "cooperation_province.png"):
        assert (tmp_path / n).stat().st_size > 0 and str(tmp_path / n) in res.files
    rk = res.tables["ranking"]
    assert len(rk) == 32 and list(rk["unit"])[-1] == "(all)"
    assert set(rk["unit"][:-1]) == set(rg.MAINLAND_PROVINCES)  # every unit, zeros shown
    r = rk.set_index("unit")
    cols = ["documents", "co_documents", "individual", "foreign", "I-U", "I-R", "U-R",
            "I-U-R", "iur"]
    # Beijing: C1 C2 C3 C8 C10; Tianjin: C3 C4 C10; Zhejiang: C5 C6 C7 C9
    assert r.loc["Beijing", cols].tolist() == [5, 5, 0, 1, 1, 0, 1, 1, 3]
    assert r.loc["Tianjin", cols].tolist() == [3, 3, 0, 0, 1, 0, 0, 1, 2]
    assert r.loc["Zhejiang", cols].tolist() == [4, 3, 1, 1, 1, 0, 0, 0, 1]
    assert r.loc["Gansu", cols].tolist() == [0] * 9 and pd.isna(r.loc["Gansu", "rank"])
    assert r.loc["(all)", cols].tolist() == [10, 9, 1, 2, 3, 0, 1, 1, 5]  # I-U: C1 C4 C5
    # ranked by degree = iur / documents: Tianjin 2/3, Beijing 3/5, Zhejiang 1/4
    assert list(rk["unit"][:3]) == ["Tianjin", "Beijing", "Zhejiang"]
    assert r.loc["Beijing", "degree"] == pytest.approx(3 / 5)
    # differences over all 31 provinces per year, of the IUR counts (zeros included)
    d = res.tables["differences"].set_index("year")
    y2020 = [0.0] * 31
    y2020[rg.MAINLAND_PROVINCES.index("Beijing")] = 1   # C3
    y2020[rg.MAINLAND_PROVINCES.index("Tianjin")] = 2   # C3, C4
    y2020[rg.MAINLAND_PROVINCES.index("Zhejiang")] = 1  # C5
    assert d.loc[2020, "n_units"] == 31 and d.loc[2020, "total"] == 4
    assert d.loc[2020, "gini"] == pytest.approx(an.locational_gini(y2020))
    assert d.loc[2020, "cv"] == pytest.approx(an.coefficient_of_variation(y2020))
    assert d.loc[2021, "total"] == 0 and math.isnan(d.loc[2021, "gini"])
    apps = res.tables["applicants"].set_index("actor")
    assert apps.loc["baidu", ["unit", "type"]].tolist() == ["Beijing", "enterprise"]
    assert apps.loc["hik", "unit"] == "Zhejiang" and apps.loc["zhang", "type"] == "individual"
    assert bool(apps.loc["ibm", "foreign"]) and bool(apps.loc["hku", "foreign"])
    assert apps.loc["cas", "type"] == "research" and apps.loc["tju", "unit"] == "Tianjin"


def test_untyped_province_table_and_bad_measure(provinces, tmp_path):
    res = az.analyze_cooperation(provinces, by="province", years=(2020, 2021), out=tmp_path)
    r = res.tables["ranking"].set_index("unit")
    assert "iur" not in r.columns and len(r) == 32
    # 2020-2021: Beijing C3 C8 C10 (all co-applied); Zhejiang C5 C6 C7 C9 (3 co-applied)
    assert r.loc["Beijing", ["documents", "co_documents"]].tolist() == [3, 3]
    assert r.loc["Zhejiang", ["documents", "co_documents"]].tolist() == [4, 3]
    assert r.loc["Zhejiang", "degree"] == pytest.approx(3 / 4)
    assert list(res.tables["differences"]["year"]) == [2020, 2021]
    from innograph.errors import BadInputError

    with pytest.raises(BadInputError, match="needs --types"):
        az.analyze_cooperation(provinces, by="province", measure="iur", out=tmp_path)


def test_cli_cooperation_province_types(provinces, tmp_path):
    db = str(tmp_path / "cli.db")
    s = open_store(db)
    _build_provinces(s)
    s.close()
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["analyze", "cooperation", "--by", "province", "--types",
                                 "--db", db, "--out", str(out), "--format", "csv"])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out / "cooperation_province.csv")
    assert t.set_index("unit").loc["(all)", "iur"] == 5 and len(t) == 32
    assert "applicants 10" in r.output


# ------------------------------------------------------------------ countries: hand store
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = open_store(str(tmp_path_factory.mktemp("demo16") / "g.db"))
    _build_demo(store)
    yield store
    store.close()


def test_patent_side_series_journals_institutions_hand_counts(demo, tmp_path):
    res = az.analyze_countries(demo, out=tmp_path, top=None)
    for n in ("countries_patents.csv", "countries_holders.csv", "countries_years.csv",
              "countries_journals.csv", "countries_institutions.csv", "countries_years.png"):
        assert (tmp_path / n).stat().st_size > 0
    p = res.tables["patents"].set_index("country")
    # applicants a1..a4 in CN hold P1..P9; a5 (US) only P6
    assert p.loc["CN", "documents"] == 9 and p.loc["US", "documents"] == 1
    assert p.loc["CN", "per_million"] == pytest.approx(9 / 1410)
    h = res.tables["holders"]
    assert list(zip(h["name"], h["patents"])) == [
        ("Tsinghua University", 4), ("Baidu", 3), ("Hebei Steel", 3), ("Tianjin University", 3),
        ("IBM", 1)]
    s = res.tables["years"]
    pat = s[s["kind"] == "patent"].set_index(["country", "year"])["documents"]
    assert pat.to_dict() == {("CN", 2012): 3, ("CN", 2013): 4, ("CN", 2014): 1, ("US", 2013): 1}
    pap = s[s["kind"] == "paper"].set_index(["country", "year"])["documents"]
    # W1 CN US 2020, W2 CN 2020, W3 US GB 2021, W4 GB 2021, W5 US 2021
    assert pap.to_dict() == {("CN", 2020): 2, ("GB", 2021): 2, ("US", 2020): 1, ("US", 2021): 2}
    j = res.tables["journals"]
    assert j[["venue", "papers", "impact"]].values.tolist() == [["V1", 2, 5.0], ["V2", 1, 2.0]]
    i = res.tables["institutions"]
    assert list(zip(i["name"], i["papers"], i["country"])) == [
        ("MIT", 3, "US"), ("Oxford", 2, "GB"), ("Peking University", 2, "CN"), ("Fudan", 1, "CN")]


def test_countries_parsed_from_names_agree_with_the_graph(demo, tmp_path):
    g = az.analyze_countries(demo, out=tmp_path, top=None, countries="graph")
    a = az.analyze_countries(demo, out=tmp_path, top=None, countries="affiliations")
    cols = ["country", "documents"]
    assert g.tables["countries"][cols].values.tolist() == a.tables["countries"][cols].values.tolist()
    from innograph.errors import BadInputError

    with pytest.raises(BadInputError):
        az.analyze_countries(demo, out=tmp_path, countries="nowhere")


def test_split_affiliations_forms():
    assert az.split_affiliations("['MIT', 'a@b.edu']") == ["MIT", "a@b.edu"]
    assert az.split_affiliations('["MIT", "Oxford"]') == ["MIT", "Oxford"]
    assert az.split_affiliations("MIT; Stanford University|Oxford\nETH") == [
        "MIT", "Stanford University", "Oxford", "ETH"]
    assert az.split_affiliations("[not a list") == ["[not a list"]
    assert az.split_affiliations(None) == [] and az.split_affiliations(" ") == []


# ------------------------------------------------------------------------- venues and Z
VENUES_CSV = (
    "Journal Name,ISSN,Journal Impact Factor\n"
    "v1,0028-0836,5.5\n"            # 2: by name (V1); its ISSN is recorded
    "The  V2.,,\"1,5\"\n"           # 3: decimal comma; name key matches V2
    "Unknown Journal,,3.0\n"        # 4: no such venue
    ",,2.0\n"                       # 5: no name, no ISSN → reject
    "V3,1234-5678,1.0\n"            # 6: bad ISSN check digit → reject
    "V4,,-1\n"                      # 7: negative → reject
    "V5,,abc\n"                     # 8: not a number → reject
    "V6,,\n"                        # 9: missing → reject
)


def test_load_venues_and_composite_z(tmp_path):
    from innograph.loaders.records import RejectLog
    from innograph.pipeline.venues import load_venues

    store = open_store(str(tmp_path / "v.db"))
    try:
        _build_demo(store)
        # citations: W1 10, W2 4, W3 20, W4 0, W5 none; impact set by the file below
        f = tmp_path / "venues.csv"
        f.write_text(VENUES_CSV, encoding="utf-8")
        log = RejectLog(tmp_path / "rej.csv")
        s = load_venues(store, f, log)
        assert (s["rows"], s["rejected"], s["matched_by_name"], s["unmatched"]) == (3, 5, 2, 1)
        rej = pd.read_csv(tmp_path / "rej.csv")
        assert rej[["line", "field"]].values.tolist() == [
            [5, "name"], [6, "ISSN"], [7, "Journal Impact Factor"],
            [8, "Journal Impact Factor"], [9, "Journal Impact Factor"]]
        assert all(str(f) in x for x in rej["file"])
        v = store.read_table(f"MATCH (v:{S.VENUE}) RETURN v.name AS n, v.impact AS i, "
                             "v.issn AS s, v.impact_source AS src ORDER BY n", {}).to_pylist()
        assert [(x["n"], x["i"], x["s"], x["src"]) for x in v] == [
            ("V1", 5.5, "0028-0836", "venues.csv"), ("V2", 1.5, None, "venues.csv")]
        # a second file matches V1 by its ISSN now, under another name
        f2 = tmp_path / "v2.tsv"
        f2.write_text("title\tissn\tjif\nNature (London)\t00280836\t6.0\n", encoding="utf-8")
        s2 = load_venues(store, f2)
        assert (s2["matched_by_issn"], s2["venues_updated"]) == (1, 1)
        res = az.analyze_countries(store, out=tmp_path, top=None)
    finally:
        store.close()
    c = res.tables["countries"].set_index("country")
    # hand: CN papers W1 W2 → cited (10+4)/2 = 7, impact (6.0 + 1.5)/2 = 3.75
    #       US papers W1 W3 W5 → cited (10+20)/2 = 15, impact (6.0 + 6.0)/2 = 6.0
    #       GB papers W3 W4 → cited (20+0)/2 = 10, impact 6.0 (W4 has no venue)
    assert c.loc["CN", ["mean_cited", "mean_impact"]].tolist() == [7.0, 3.75]
    assert c.loc["US", ["mean_cited", "mean_impact"]].tolist() == [15.0, 6.0]
    assert c.loc["GB", ["mean_cited", "mean_impact"]].tolist() == [10.0, 6.0]
    # Z = 0.5·minmax(cited) + 0.5·minmax(impact), min/max over CN, US, GB
    z = {k: 0.5 * (cit - 7) / (15 - 7) + 0.5 * (imp - 3.75) / (6 - 3.75)
         for k, cit, imp in (("CN", 7, 3.75), ("US", 15, 6.0), ("GB", 10, 6.0))}
    for k, want in z.items():
        assert c.loc[k, "z"] == pytest.approx(want)
    assert "z_note" not in res.summary
    j = res.tables["journals"].set_index("venue")
    assert j.loc["V1", "impact"] == 6.0


def test_cli_load_venues_reports_and_strict(tmp_path):
    db = str(tmp_path / "c.db")
    s = open_store(db)
    _build_demo(s)
    s.close()
    f = tmp_path / "venues.csv"
    f.write_text(VENUES_CSV, encoding="utf-8")
    r = CliRunner().invoke(app, ["load", "venues", str(f), "--db", db,
                                 "--rejects", str(tmp_path / "r.csv")])
    assert r.exit_code == 0, r.output
    assert "matched by ISSN 0, by name 2, unmatched 1" in r.output and "Unknown Journal" in r.output
    r = CliRunner().invoke(app, ["load", "venues", str(f), "--db", db, "--strict",
                                 "--rejects", str(tmp_path / "r2.csv")])
    assert r.exit_code == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("name,citations\nV1,3\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["load", "venues", str(bad), "--db", db])
    assert r.exit_code != 0 and "no impact column" in r.output


# ------------------------------------------------------------ real arXiv 2023 through the CLI
def test_real_arxiv_2023_countries_through_loader_and_cli(tmp_path):
    p = shared_file("papers", "arxiv-2023-with-affiliations.csv")
    db = str(tmp_path / "a.db")
    run = CliRunner()
    r = run.invoke(app, ["load", "arxiv", str(p), "--db", db, "--rejects",
                         str(tmp_path / "rej.csv")])
    assert r.exit_code == 0, r.output
    out = tmp_path / "out"
    r = run.invoke(app, ["analyze", "countries", "--db", db, "--out", str(out),
                         "--topics", "category", "--format", "csv", "--top", "30"])
    assert r.exit_code == 0, r.output
    assert "Z blank" in r.output  # the file has no citations and no venues
    # independent: the file read with pandas (first row of a repeated id, as the loader
    # keeps it), each item through country_of, papers per country
    df = pd.read_csv(p, dtype={"paper_id": str}).drop_duplicates("paper_id")
    want: dict[str, int] = {}
    for a in df["affilliations"]:
        for c in set(rg.countries_of(ast.literal_eval(a))):
            want[c] = want.get(c, 0) + 1
    top = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))
    got = pd.read_csv(out / "countries.csv", keep_default_na=False, na_values=[""])
    assert list(zip(got["country"], got["documents"])) == top[:30]
    assert top[0][0] == "US" and dict(top)["CN"] > 50
    years = pd.read_csv(out / "countries_years.csv", keep_default_na=False, na_values=[""])
    assert years[years["kind"] == "paper"].set_index("country").loc["US", "documents"] == \
        dict(top)["US"]  # one year (2023) in the file
    assert (out / "countries_years.png").stat().st_size > 5_000


def test_arxiv_affiliations_variant_keeps_the_raw_list():
    p = shared_file("papers", "arxiv-2023-with-affiliations.csv")
    from innograph.loaders.arxiv import read_arxiv

    raw = pd.read_csv(p, dtype={"paper_id": str})["affilliations"].head(50).tolist()
    docs = [d for d, _ in zip(read_arxiv(p), range(50))]
    assert [d.props.get("affiliations_text") for d in docs] == [None if r == "[]" else r for r in raw]
    assert "[]" in raw  # an empty list is stored as no text
    assert az.split_affiliations(docs[3].props["affiliations_text"]) == ast.literal_eval(raw[3])
