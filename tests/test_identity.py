"""Issue 15, "one graph": identity keys, one IPC/CPC parser, list cells, verbatim keywords,
export ids, --ai-only. Expected values are computed independently (hand-written tables,
pandas / numpy over the same inputs), never by the code under test."""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from innograph.codes import canonical_ipc, ipc_level, parse_ipc
from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.identity import normalise_arxiv_id, normalise_doi, paper_key, patent_key
from innograph.loaders.deepinnovation import read_deepinnovation
from innograph.loaders.mapping import canonical_code, parse_list
from innograph.loaders.records import Document, RejectLog
from innograph.models.classify import parse_code
from innograph.pipeline.analyze.cooccurrence import _ipc_level
from innograph.pipeline.export import export_csvs
from innograph.pipeline.ingest import ingest


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "g.db"))
    yield s
    s.close()


# ------------------------------------------------------------------ IPC / CPC codes
SECTIONS = "ABCDEFGHY"


@st.composite
def codes(draw):
    """(section, class, subclass, main group, subgroup digits) of a valid symbol, the
    subgroup with its significant digits only (2 digits, or more not ending in 0)."""
    sec = draw(st.sampled_from(SECTIONS))
    cls = draw(st.integers(1, 99))
    sub = draw(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    grp = draw(st.integers(1, 9999))
    digits = draw(st.sampled_from(["00", "02", "04", "10", "045", "0454", "12345", "04104"]))
    return sec, f"{cls:02d}", sub, grp, digits


def written_forms(c: tuple[str, str, str, int, str]) -> list[str]:
    """The ways bulk tables write one symbol (issue 15, item 2)."""
    sec, cls, sub, grp, sg = c
    head = f"{sec}{cls}{sub}"
    return [
        f"{head} {grp}/{sg}",                       # spaced
        f"{head}{grp}/{sg}",                        # compact
        f"{head} {grp}/{sg}".lower(),               # lower case
        f"{head}{grp:04d}{sg.ljust(6, '0')}",       # DOCDB fixed width
        f"{head}{grp:>4}/{sg}",                     # DOCDB padded (G06N   3/04)
        f"{head} {grp}/{sg} (2006.01)",             # version note
        f"{head} {grp}/{sg} 20060101",              # version date
        f"{head} {grp:04d}/{sg}",                   # zero-padded group
        f"  {head}  {grp} / {sg}  ",                # stray spaces
    ]


@settings(max_examples=300, deadline=None)
@given(codes())
def test_one_code_in_every_written_form_is_one_canonical_code(c):
    sec, cls, sub, grp, sg = c
    expected = f"{sec}{cls}{sub} {grp}/{sg}"
    for form in written_forms(c):
        assert canonical_ipc(form) == expected, form
        assert canonical_code(form) == expected, form  # the loaders' entry point
        assert parse_code(form) == (f"{sec}{cls}{sub}", grp, sg), form  # the AI rule's
        assert _ipc_level(form, "group") == f"{sec}{cls}{sub} {grp}", form  # analyses'
        assert _ipc_level(form, "subclass") == f"{sec}{cls}{sub}", form
        assert ipc_level(form, "class") == f"{sec}{cls}"
    assert canonical_ipc(expected) == expected  # idempotent


def test_code_levels_and_non_codes():
    assert canonical_ipc("G06N0003040000") == "G06N 3/04"
    assert canonical_ipc("G06N   3/04        20060101AFI20051220BHEP") == "G06N 3/04"
    assert canonical_ipc("Y02E 10/50") == "Y02E 10/50"
    assert canonical_ipc("G06F 2203/04104") == "G06F 2203/04104"  # CPC 2000-series
    assert canonical_ipc("G06N") == "G06N" and canonical_ipc("g06") == "G06"
    assert canonical_ipc("G06N 3") == "G06N 3/00"
    p = parse_ipc("G06N 3/0454")
    assert (p.level("section"), p.level("class"), p.level("subclass"), p.level("group"),
            p.level("full")) == ("G", "G06", "G06N", "G06N 3", "G06N 3/0454")
    for bad in ("14-04", "D14/138", "neural network", "", None, "Z99Z 1/00", "G06N 3/04/05"):
        assert canonical_ipc(bad) is None, bad
    assert _ipc_level("14-04", "group") == "14-04"  # not a code: kept as given


def test_ingest_makes_one_node_per_code_and_counts_invalid_ones(store):
    forms = written_forms(("G", "06", "N", 3, "04"))
    docs = [Document(kind="patent", id=f"US{i}", codes=[(f, "ipc")], file="f.csv", line=i + 2)
            for i, f in enumerate(forms)]
    docs.append(Document(kind="patent", id="US99", codes=[("not a code", "ipc"),
                                                          ("Y02E 10/50", "cpc")],
                         file="f.csv", line=50))
    s = ingest(store, docs, RejectLog(None))
    codes_ = store.read_table("MATCH (c:IPC) RETURN c.code AS code ORDER BY code").column(0).to_pylist()
    assert codes_ == ["G06N 3/04", "Y02E 10/50"]
    assert store.count("CLASSIFIED_AS") == len(forms) + 1
    assert s.codes_invalid == 1 and "f.csv:50" in s.warnings[0]


# ---------------------------------------------------------------------- identity keys
def test_patent_keys():
    for written in ("US-10000001-B2", "US10000001B2", "US 10,000,001 B2", "10000001",
                    "US010000001", 10000001, 10000001.0):
        assert patent_key(written) == "US10000001", written
    assert patent_key("D0913312") == "USD913312"
    assert patent_key("EP1234567A1") == "EP1234567"
    assert patent_key("") is None


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 99_999_999), st.sampled_from(["A", "A1", "B1", "B2", "E", "S1"]),
       st.sampled_from(["", "D", "RE", "H"]))
def test_one_patent_number_in_every_written_form_is_one_key(n, kind, series):
    key = f"US{series}{n}"
    for form in (f"US{series}{n}{kind}", f"US-{series}{n}-{kind}", f"{series}{n:08d}",
                 f"US{series}{n:08d}", f" us {series}{n} {kind} ".upper(), f"US-{series}{n}"):
        assert patent_key(form) == key, form


def test_paper_keys():
    assert normalise_doi("https://doi.org/10.1103/PhysRevD.76.013009") == \
        "10.1103/physrevd.76.013009"
    assert normalise_doi("doi:10.1000/XYZ") == "10.1000/xyz"
    assert normalise_doi("not a doi") is None
    assert normalise_arxiv_id("arXiv:2505.24868v2") == "2505.24868"
    assert normalise_arxiv_id("hep-th/9901001v1") == "hep-th/9901001"
    assert normalise_arxiv_id("https://arxiv.org/abs/0704.0001v3") == "0704.0001"
    assert paper_key("10.1/X", "2505.24868", "7", "DeepDiveAI:") == "10.1/x"
    assert paper_key("10.48550/arXiv.2505.24868", None, "7", "DeepDiveAI:") == "2505.24868"
    assert paper_key(None, "2505.24868v1", "7", "DeepDiveAI:") == "2505.24868"
    assert paper_key(None, None, "7", "DeepDiveAI:") == "DeepDiveAI:7"
    assert paper_key(None, None, "W123", "DeepDiveAI:") == "W123"  # already a key


def test_load_csv_patents_are_keyed_by_their_mapped_pn(tmp_path):
    from innograph.loaders.mapping import read_csv_mapped

    _write(tmp_path / "p.csv", ["No", "Number", "Title", "Year"],
           [["1", "US-10000001-B2", "a", "2020"], ["2", "", "b", "2021"]])
    docs = list(read_csv_mapped(tmp_path / "p.csv", "patent",
                                "id=No,pn=Number,title=Title,year=Year"))
    assert [(d.id, d.source, d.source_id) for d in docs] == [
        ("US10000001", "csv", "1"), ("2", "csv", "2")]  # no PN: the id as given


# ------------------------------------------------------------------------- list cells
def test_list_cells_in_every_syntax():
    want = ["neural network", "deep learning"]
    for cell in ('["neural network", "deep learning"]', "['neural network', 'deep learning']",
                 "neural network; deep learning", "neural network|deep learning"):
        assert parse_list(cell, seps=(";", "|")) == want, cell
    assert parse_list("""['it\\'s "quoted"', 'b']""") == ['it\'s "quoted"', "b"]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_published_style(src) -> dict[int, list[str]]:
    """DeepDiveAI / DeepPatentAI files as pandas writes them (list literals, PNs with kind
    codes, mixed IPC forms) into folder ``src``; returns the papers' keywords by ID."""
    kw = {1: ["Neural Networks", "deep learning", "Graph-Neural Network"],
          2: ["Reinforcement Learning", "neural networks"], 3: []}
    _write(src / schema.DEEP_DIVE_CSV, schema.DEEP_DIVE_HEADER, [
        [i, f"Paper {i}", "NeurIPS", "abs", str(["Ann Lee", "Bo Chen"]), 2019 + i, 3,
         str(kw[i]), "" if i != 2 else "10.5555/X2", "en", "article",
         str(["MIT", "Stanford University"]), ""] for i in (1, 2, 3)])
    _write(src / schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER, [
        [1, "US10000001B2", "G06N0003040000, G06N 3/04 (2006.01)", "Pat", "abs", 2020,
         str(["Neural Networks"]), ""],
        [2, "US-10000002-A1", "g06n3/08", "Pat2", "abs", 2021, "a; b", ""]])
    return kw


def test_list_literal_deepinnovation_files_load_and_keywords_round_trip(store, tmp_path):
    """Published-style files (pandas-written list literals) load with no rejects; export
    writes each document's keywords as given, in order."""
    src = tmp_path / "in"
    src.mkdir()
    kw = write_published_style(src)
    _write(src / schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER,
           [[1, 2, 0.5], [2, 1, 0.25]])
    log = RejectLog(None)
    s = ingest(store, read_deepinnovation(src), log)
    assert log.count == 0, [r.message() for r in log.samples]
    assert store.count("Paper") == 3 and store.count("Patent") == 2
    assert sorted(store.read_table("MATCH (p:Patent) RETURN p.id").column(0).to_pylist()) == \
        ["US10000001", "US10000002"]
    assert sorted(store.read_table("MATCH (c:IPC) RETURN c.code").column(0).to_pylist()) == \
        ["G06N 3/04", "G06N 3/08"]
    edges = store.read_table("MATCH (a:Paper)-[:SIMILAR_TO]->(b:Patent) RETURN a.id AS x, "
                             "b.id AS y ORDER BY x").to_pylist()
    assert edges == [{"x": "10.5555/x2", "y": "US10000001"},
                     {"x": "DeepDiveAI:1", "y": "US10000002"}]
    assert s.inserted["AUTHORED"] == 6 and s.inserted["Keyword"] >= 4
    # a DeepCosineAI.csv loaded on its own: its IDs resolve through the stored source_ids
    alone = tmp_path / "alone"
    alone.mkdir()
    _write(alone / schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER, [[3, 2, 0.125],
                                                                       [9, 2, 0.5]])
    log2 = RejectLog(None)
    ingest(store, read_deepinnovation(alone / schema.DEEP_COSINE_CSV), log2)
    assert [(r.line, r.field) for r in log2.samples] == [(3, "Paper_ID")]  # no paper ID 9
    assert store.read_table("MATCH (a:Paper)-[e:SIMILAR_TO]->(b:Patent) WHERE e.score = "
                            "0.125 RETURN a.id, b.id").to_pylist() == \
        [{"a.id": "DeepDiveAI:3", "b.id": "US10000002"}]
    store.delete_edges("SIMILAR_TO", "Paper", "Patent", where={"score": 0.125})
    # keyword nodes are normalised: the two spellings of "neural network" meet
    names = store.read_table("MATCH (k:Keyword) RETURN k.name").column(0).to_pylist()
    assert names.count("neural network") == 1
    out = tmp_path / "out"
    export_csvs(store, out, ids="sequential")
    got = pd.read_csv(out / schema.DEEP_DIVE_CSV, dtype=str, keep_default_na=False)
    inp = pd.read_csv(src / schema.DEEP_DIVE_CSV, dtype=str, keep_default_na=False)
    assert list(got["ID"]) == list(inp["ID"])  # sequential ids keep the published order
    assert [json.loads(x) for x in got["Keywords"]] == \
        [ast.literal_eval(x) for x in inp["Keywords"]]
    pats = pd.read_csv(out / schema.DEEP_PATENT_CSV, dtype=str, keep_default_na=False)
    assert [json.loads(x) for x in pats["Keywords"]] == [["Neural Networks"], ["a", "b"]]
    cos = pd.read_csv(out / schema.DEEP_COSINE_CSV, dtype=str)
    assert sorted(zip(cos["Paper_ID"], cos["Patent_ID"])) == [("1", "2"), ("2", "1")]


def test_repeated_pn_with_other_content_is_rejected_and_exact_duplicates_counted(store,
                                                                                  tmp_path):
    _write(tmp_path / schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER, [
        [7, "US10000001B2", "G06N 3/04", "T", "A", 2020, "[]", ""],
        [8, "US-10000001-B2", "G06N 3/04", "T", "A", 2020, "[]", ""],   # other ID
        [7, "US10000001B2", "G06N 3/04", "T", "A", 2020, "[]", ""],     # exact duplicate
        [9, "US10000009B1", "G06N 3/04", "T9", "A", 2020, "[]", ""]])
    log = RejectLog(tmp_path / "rejects.csv")
    s = ingest(store, read_deepinnovation(tmp_path / schema.DEEP_PATENT_CSV), log)
    assert store.count("Patent") == 2 and s.duplicates == 1 and log.count == 1
    rej = list(csv.DictReader(open(tmp_path / "rejects.csv", encoding="utf-8")))
    assert rej[0]["line"] == "3" and ":2)" in rej[0]["reason"]  # names the earlier line


def test_second_source_merges_and_conflicts_are_counted(store, tmp_path):
    a = Document(kind="patent", id="US10000001", title="Title A", year=2020,
                 props={"pn": "US10000001"}, source="google-patents",
                 source_id="US10000001", file="g.csv", line=2)
    ingest(store, [a], RejectLog(None))
    _write(tmp_path / schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER, [
        [7, "US10000001B2", "G06N 3/04", "Title B", "an abstract", 2020, "['x']", ""]])
    s = ingest(store, read_deepinnovation(tmp_path / schema.DEEP_PATENT_CSV), RejectLog(None))
    row = store.read_table("MATCH (p:Patent) RETURN p.title AS t, p.abstract AS a, "
                           "p.sources AS s, p.source_ids AS i").to_pylist()
    assert len(row) == 1
    assert row[0]["t"] == "Title A" and row[0]["a"] == "an abstract"  # kept / filled
    assert json.loads(row[0]["s"]) == ["google-patents", "DeepPatentAI"]
    assert json.loads(row[0]["i"]) == {"google-patents": "US10000001", "DeepPatentAI": "7"}
    assert s.conflicts == {"Patent.title": 1} and s.merged == {"Patent": 1}


# ---------------------------------------------------------------- real shared data
def test_real_patents_from_three_sources_are_one_node_each(store, tmp_path, shared_data):
    """Google Patents + USPTO XML + a DeepPatentAI file built from both (integer IDs, PNs
    with kind codes, list-literal keywords, mixed IPC forms) → one node per patent and
    one per code."""
    from innograph.loaders import load_records

    gp_file = shared_data / "patents" / "google-patents-neural-network.csv"
    xml_dir = shared_data / "uspto-design"
    gp = pd.read_csv(gp_file, dtype=str)
    # independent keys: series letters (RE, H, D) + digits without leading zeros; design
    # files by their name
    gp_keys = ["US" + m.group(1) + str(int(m.group(2)))
               for m in (re.fullmatch(r"([A-Z]*)0*(\d+)", n.strip()) for n in gp["patent_number"])]
    xml_keys = ["USD" + str(int(p.name[3:10])) for p in sorted(xml_dir.glob("*.XML"))]
    expected = set(gp_keys) | set(xml_keys)

    code_pool = [("G", "06", "N", 3, "04"), ("G", "06", "N", 3, "08"), ("G", "06", "F", 17, "10"),
                 ("H", "04", "L", 9, "32"), ("Y", "02", "E", 10, "50")]
    rng = np.random.default_rng(0)
    rows, used = [], set()
    picks = [(k, "B2") for k in gp_keys[:300]] + [(k, "S1") for k in xml_keys]
    for i, (key, kind) in enumerate(picks):
        cs = [code_pool[j] for j in rng.choice(len(code_pool), 2, replace=False)]
        used.update(cs)
        forms = [written_forms(c)[int(rng.integers(0, 9))].strip() for c in cs]
        rows.append([1000 + i, f"{key}{kind}", ", ".join(forms), f"title {i}", "abstract",
                     2015, str(["Neural Networks", f"topic {i % 7}"]), ""])
    deep = tmp_path / "deep"
    deep.mkdir()
    _write(deep / schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER, rows)
    for name, path in (("google-patents", gp_file), ("uspto-xml", xml_dir),
                       ("deepinnovation", deep)):
        log = RejectLog(None)
        ingest(store, load_records(name, path), log)
        assert log.count == 0, (name, [r.message() for r in log.samples])
    ids = set(store.read_table("MATCH (p:Patent) RETURN p.id").column(0).to_pylist())
    assert ids == expected
    ipc = store.read_table(
        "MATCH (c:IPC) WHERE c.scheme = 'ipc' RETURN c.code").column(0).to_pylist()
    assert sorted(ipc) == sorted(f"{s}{c}{u} {g}/{d}" for s, c, u, g, d in used)
    merged = store.read_table("MATCH (p:Patent) WHERE p.sources CONTAINS 'DeepPatentAI' "
                              "RETURN p.sources AS s").column(0).to_pylist()
    assert len(merged) == len(picks)
    assert {tuple(json.loads(s)) for s in merged} == {("google-patents", "DeepPatentAI"),
                                                      ("uspto-xml", "DeepPatentAI")}


def _arxiv_ids(df: pd.DataFrame) -> list[str]:
    """The snapshot's arXiv ids, repaired by hand: its CSV went through a float column
    (0704.0010 → 704.001): put back the leading 0 and the trailing zeros (4 digits)."""
    out = []
    for i in df["id"]:
        yymm, num = i.split(".")
        out.append(f"{yymm.zfill(4)}.{num.ljust(4, '0')}")
    return out


def test_real_arxiv_papers_from_three_tables_are_one_node_each(store, tmp_path, shared_data):
    """The arXiv snapshot, a DeepDiveAI file of the same papers (integer IDs, DOI or arXiv
    DOI, list-literal keywords) and a scraped table keyed by ``index`` (tags, list-literal
    authors, no date) → one node per paper, every year set."""
    from innograph.loaders import load_records

    snap = shared_data / "papers" / "arxiv-2007-snapshot.csv"
    df = pd.read_csv(snap, dtype=str, keep_default_na=False)
    arx = _arxiv_ids(df)
    # a DOI cell holding one DOI is the key; else (empty, or two DOIs) the arXiv id
    single = [d.strip() if d.strip() and " " not in d.strip() else "" for d in df["doi"]]
    keys = [d.lower() if d else a for d, a in zip(single, arx)]
    deep = tmp_path / "deep"
    deep.mkdir()
    _write(deep / schema.DEEP_DIVE_CSV, schema.DEEP_DIVE_HEADER, [
        [i + 1, t, "", "", "", 2007, 0, str(["Quantum Field", "QCD"]),
         d if d else f"10.48550/arXiv.{a}", "en", "article", "", ""]
        for i, (t, d, a) in enumerate(zip(df["title"], single, arx))])
    scraped = pd.DataFrame({"index": arx, "title": df["title"], "summary": df["abstract"],
                            "tags": [str(c.split()) for c in df["categories"]],
                            "authors": [str([" ".join(p[:2][::-1]).strip()
                                             for p in ast.literal_eval(x)])
                                        for x in df["authors_parsed"]]})
    scraped.to_csv(tmp_path / "scraped.csv", index=False)
    for name, path in (("arxiv", snap), ("deepinnovation", deep),
                       ("arxiv", tmp_path / "scraped.csv")):
        log = RejectLog(None)
        s = ingest(store, load_records(name, path), log)
        assert log.count == 0, (name, [r.message() for r in log.samples])
        assert s.yearless == 0
    ids = store.read_table("MATCH (p:Paper) RETURN p.id").column(0).to_pylist()
    assert sorted(ids) == sorted(set(keys)) and len(set(keys)) == len(df)
    three = store.read_table("MATCH (p:Paper) RETURN p.sources AS s").column(0).to_pylist()
    assert all(sorted(json.loads(x)) == ["DeepDiveAI", "arxiv"] for x in three)
    no_year = store.read_table("MATCH (p:Paper) WHERE p.year IS NULL RETURN count(*)")
    assert no_year.column(0)[0].as_py() == 0


def test_scraped_arxiv_table_years_come_from_the_ids(tmp_path, shared_data):
    from innograph.loaders.arxiv import read_arxiv

    df = pd.read_csv(shared_data / "papers" / "arxiv-2007-snapshot.csv", dtype=str)
    pd.DataFrame({"index": ["arXiv:" + i + "v2" for i in _arxiv_ids(df)[:50]],
                  "title": df["title"][:50], "terms": df["categories"][:50]}
                 ).to_csv(tmp_path / "s.csv", index=False)
    docs = list(read_arxiv(tmp_path / "s.csv"))
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 50
    assert {(d.year, d.year_source) for d in docs} == {(2007, "id")}
    assert [d.props["categories"] for d in docs] == [c.strip() for c in df["categories"][:50]]


# ------------------------------------------------------------------------ --ai-only
def test_ai_only_export_and_match_keep_ai_documents_only(store, tmp_path):
    from innograph.pipeline.match import match

    rng = np.random.default_rng(1)
    papers = [Document(kind="paper", id=f"P{i}", title=f"p{i}", year=2010) for i in range(12)]
    pats = [Document(kind="patent", id=f"US{i}", title=f"t{i}", year=2012) for i in range(15)]
    ingest(store, papers + pats, RejectLog(None))
    p_ai = [i % 3 != 0 for i in range(12)]        # ai_rule
    t_ai = [None if i % 5 == 0 else i % 2 == 0 for i in range(15)]  # is_ai (None → rule)
    t_rule = [True] * 15
    pv = rng.normal(size=(12, 8)).astype(np.float32)
    tv = rng.normal(size=(15, 8)).astype(np.float32)
    store.set_properties("Paper", pa.table({
        "id": [d.id for d in papers], "ai_rule": p_ai,
        "embedding": pa.array(pv.tolist(), pa.list_(pa.float32())),
        "embedding_model": ["m"] * 12}))
    store.set_properties("Patent", pa.table({
        "id": [d.id for d in pats], "is_ai": pa.array(t_ai, pa.bool_()), "ai_rule": t_rule,
        "embedding": pa.array(tv.tolist(), pa.list_(pa.float32())),
        "embedding_model": ["m"] * 15}))
    keep_p = [i for i in range(12) if p_ai[i]]
    keep_t = [i for i in range(15) if (t_ai[i] if t_ai[i] is not None else t_rule[i])]
    s = match(store, k=1, ai_only=True)
    assert s["papers"] == len(keep_p) and s["patents"] == len(keep_t)
    # independent best match: cosine over the AI documents only
    pn = pv[keep_p] / np.linalg.norm(pv[keep_p], axis=1, keepdims=True)
    tn = tv[keep_t] / np.linalg.norm(tv[keep_t], axis=1, keepdims=True)
    best = {f"P{keep_p[r]}": f"US{keep_t[c]}" for r, c in enumerate((pn @ tn.T).argmax(1))}
    got = {r["a"]: r["b"] for r in store.read_table(
        "MATCH (a:Paper)-[e:SIMILAR_TO]->(b:Patent) RETURN a.id AS a, b.id AS b").to_pylist()}
    assert got == best
    n = export_csvs(store, tmp_path / "out", ids="source", ai_only=True)
    assert n == {schema.DEEP_PATENT_CSV: len(keep_t), schema.DEEP_DIVE_CSV: len(keep_p),
                 schema.DEEP_COSINE_CSV: len(keep_p)}
    ids = set(pd.read_csv(tmp_path / "out" / schema.DEEP_DIVE_CSV, dtype=str)["ID"])
    assert ids == {f"P{i}" for i in keep_p}


# ------------------------------------------------------------------------------- CLI
def test_cli_load_csv_warns_without_year_and_export_ids(tmp_path):
    from typer.testing import CliRunner

    from innograph.cli import app

    src = tmp_path / "p.csv"
    _write(src, ["DOI", "Title", "Tags"], [["10.1/A", "a", "['Neural Networks', 'x']"],
                                           ["10.1/B", "b", "y|z"], ["", "c", ""]])
    db = str(tmp_path / "g.db")
    r = CliRunner().invoke(app, ["load", "csv", str(src), "--kind", "paper", "--map",
                                 "id=DOI,title=Title,keywords=Tags,doi=DOI", "--db", db,
                                 "--rejects", str(tmp_path / "rej.csv")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())  # rich wraps long lines
    assert "no year=COLUMN" in text and "without a year 2" in text
    assert "rejected 1" in text  # the row with an empty id
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["export", str(out), "--db", db])
    assert r.exit_code == 0, r.output
    dive = pd.read_csv(out / schema.DEEP_DIVE_CSV, dtype=str, keep_default_na=False)
    assert list(dive["ID"]) == ["1", "2"] and list(dive["Doi"]) == ["10.1/A", "10.1/B"]
    assert [json.loads(k) for k in dive["Keywords"]] == [["Neural Networks", "x"], ["y", "z"]]
    r = CliRunner().invoke(app, ["export", str(out), "--db", db, "--ids", "source"])
    dive = pd.read_csv(out / schema.DEEP_DIVE_CSV, dtype=str, keep_default_na=False)
    assert list(dive["ID"]) == ["10.1/a", "10.1/b"]
    r = CliRunner().invoke(app, ["export", str(out), "--db", db, "--ids", "other"])
    assert r.exit_code == 2 and "--ids" in r.output
    r = CliRunner().invoke(app, ["export", str(out), "--db", db, "--ai-only"])
    assert r.exit_code == 0 and len(pd.read_csv(out / schema.DEEP_DIVE_CSV)) == 0
