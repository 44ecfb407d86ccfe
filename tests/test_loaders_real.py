"""Loaders on the real files of ../shared/data/papers and ../shared/data/patents.

Counts are checked against an independent row count (Python's csv module on the same
file), and the quirks the data README lists are pinned: quoted quotes, embedded newlines,
LaTeX, float-mangled ids, years only inside dates, authors as Python-list strings.
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from innograph.graph.store import open_store
from innograph.loaders import LOADERS
from innograph.loaders.arxiv import read_arxiv
from innograph.loaders.google_patents import read_google_patents
from innograph.loaders.records import Document, Reject, RejectLog
from innograph.pipeline.ingest import ingest

csv.field_size_limit(1 << 30)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _split(records: list) -> tuple[list[Document], list[Reject]]:
    docs = [r for r in records if isinstance(r, Document)]
    rejects = [r for r in records if isinstance(r, Reject)]
    assert len(docs) + len(rejects) == len(records)
    return docs, rejects


@pytest.fixture(scope="module")
def papers(shared_data: Path) -> Path:
    return shared_data / "papers"


@pytest.fixture(scope="module")
def patents(shared_data: Path) -> Path:
    return shared_data / "patents"


@pytest.fixture(scope="module")
def kaggle_docs(papers: Path) -> list[Document]:
    docs, rejects = _split(list(read_arxiv(papers / "arxiv-2007-snapshot.csv")))
    assert rejects == []
    return docs


# ------------------------------------------------------------------------ arXiv
def test_kaggle_snapshot_every_row_is_a_document(papers: Path, kaggle_docs: list[Document]):
    rows = _rows(papers / "arxiv-2007-snapshot.csv")
    assert len(rows) == 2000
    assert len(kaggle_docs) == len(rows)
    assert [d.line for d in kaggle_docs] == sorted(d.line for d in kaggle_docs)
    assert kaggle_docs[0].line == 2


def test_kaggle_snapshot_float_mangled_ids_are_repaired(kaggle_docs: list[Document]):
    ids = [d.props["arxiv_id"] for d in kaggle_docs]
    assert len(set(ids)) == 2000
    # the key is the DOI (lower case) when there is one, else the arXiv id (README "Identity");
    # a cell with two DOIs (an erratum) is not one DOI: the arXiv id
    dois = [(d.props.get("doi") or "").lower() for d in kaggle_docs]
    assert [d.id for d in kaggle_docs] == [x if x and " " not in x else d.props["arxiv_id"]
                                           for x, d in zip(dois, kaggle_docs)]
    assert 0 < sum(1 for d in kaggle_docs if d.id.startswith("10.")) < 2000
    assert all(re.fullmatch(r"0704\.\d{4}", i) for i in ids)
    # the file writes 0704.0010 as 704.001 and 0704.2000 as 704.2
    assert ids[0] == "0704.0001" and ids[9] == "0704.0010" and ids[-1] == "0704.2000"
    assert ids == sorted(ids)


def test_kaggle_snapshot_years_come_from_the_first_version(kaggle_docs: list[Document]):
    assert Counter((d.year, d.year_source) for d in kaggle_docs) == {(2007, "first_version"): 2000}


def test_kaggle_snapshot_text_quirks(kaggle_docs: list[Document]):
    by_id = {d.props["arxiv_id"]: d for d in kaggle_docs}
    d = by_id["0704.0001"]
    # the title is wrapped over two lines inside its quotes in the file
    assert d.title == ("Calculation of prompt diphoton production cross sections at "
                       "Tevatron and LHC energies")
    assert all("\n" not in x.title and "\n" not in (x.abstract or "") for x in kaggle_docs)
    assert d.abstract.startswith("A fully differential calculation in perturbative")
    # LaTeX survives untouched
    assert "$(k,\\ell)$-pebble game" in by_id["0704.0002"].abstract
    assert sum("$" in (x.abstract or "") for x in kaggle_docs) > 100
    # authors from authors_parsed (accents resolved there, unlike the LaTeX authors text)
    assert [a.name for a in d.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky",
                                           "C. -P. Yuan"]
    assert d.props["authors_text"].startswith("C. Bal\\'azs")
    # a name with an apostrophe: authors_parsed uses double quotes for it
    names = {a.name for x in kaggle_docs for a in x.authors}
    assert "Vladimir I. Fal'ko" in names
    # categories are a property, never keywords
    assert d.props["categories"] == "hep-ph"
    assert by_id["0704.0002"].props["categories"] == "math.CO cs.CG"
    assert all(x.keywords == [] for x in kaggle_docs)
    assert d.props["doi"] == "10.1103/PhysRevD.76.013009"
    assert d.venue == "Phys.Rev.D"


def test_kaggle_snapshot_authors_match_authors_parsed(papers: Path,
                                                      kaggle_docs: list[Document]):
    rows = _rows(papers / "arxiv-2007-snapshot.csv")
    for row, d in zip(rows[:300], kaggle_docs[:300]):
        parsed = ast.literal_eval(row["authors_parsed"])
        assert len(d.authors) == len(parsed)
        assert d.authors[0].name.endswith(parsed[0][0] if not parsed[0][2] else parsed[0][2])


def test_kaggle_json_lines_form_gives_the_same_documents(tmp_path: Path, papers: Path,
                                                         kaggle_docs: list[Document]):
    """The snapshot as Kaggle ships it: JSON lines, string ids, lists for versions and
    authors_parsed; gzipped."""
    rows = _rows(papers / "arxiv-2007-snapshot.csv")[:200]
    out = tmp_path / "arxiv-metadata-oai-snapshot.json.gz"
    with gzip.open(out, "wt", encoding="utf-8") as f:
        for r, d in zip(rows, kaggle_docs):
            obj = dict(r, id=d.props["arxiv_id"], versions=ast.literal_eval(r["versions"]),
                       authors_parsed=ast.literal_eval(r["authors_parsed"]))
            obj = {k: (None if v == "" else v) for k, v in obj.items()}
            f.write(json.dumps(obj) + "\n")
    docs, rejects = _split(list(read_arxiv(out)))
    assert rejects == []
    assert len(docs) == 200
    for a, b in zip(docs, kaggle_docs):
        assert (a.id, a.title, a.abstract, a.year, a.year_source, a.venue, a.props) == \
               (b.id, b.title, b.abstract, b.year, b.year_source, b.venue, b.props)
        assert [p.name for p in a.authors] == [p.name for p in b.authors]
    assert [d.line for d in docs] == list(range(1, 201))


def test_zipped_real_file_reads_like_the_plain_one(tmp_path: Path, papers: Path):
    src = papers / "arxiv-2023-with-affiliations.csv"
    z = tmp_path / "listing.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, src.name)
    plain = [(d.id, d.title, d.line) for d in read_arxiv(src)]
    zipped = list(read_arxiv(z))
    assert [(d.id, d.title, d.line) for d in zipped] == plain
    assert zipped[0].file == f"{z}!{src.name}"


def test_listing_with_affiliations(papers: Path):
    path = papers / "arxiv-2023-with-affiliations.csv"
    rows = _rows(path)
    docs, rejects = _split(list(read_arxiv(path)))
    assert rejects == []
    assert len(docs) == len(rows) == 1102
    # the scrape lists a paper once per subject: 879 distinct papers (ingest drops repeats)
    assert len({d.id for d in docs}) == len({r["paper_id"] for r in rows}) == 879
    # float-mangled ids (2309.1099 for 2309.10990; the scrape built its URLs from them
    # too) repaired: 5 digits after YYMM ≥ 1501, 4 before (one 2011 paper is listed)
    assert all(re.fullmatch(r"(\d{4})\.(\d{5}|\d{4})", d.id) for d in docs)
    assert all(len(d.id) == 10 for d in docs if d.id[:4] >= "1501")
    assert [d.id for d in docs if d.id[:4] < "1501"] == ["1104.5573"]
    fixed = [(r["paper_id"], d.id) for d, r in zip(docs, rows) if r["paper_id"] != d.id]
    assert len(fixed) == 106 and ("2309.109", "2309.10900") in fixed
    assert {(d.year, d.year_source) for d in docs} == {(2023, "date")}
    d = docs[0]
    assert d.id == "2309.10986"
    assert d.props["categories"] == "math.NA econ.GN"
    assert len(d.authors) == 10 and d.authors[0].name == "Shanyi Zhou"
    insts = Counter(o.name for x in docs for o in x.institutions)
    assert "New York University" in insts and "University of California" in insts
    assert not any("@" in n or n in {"IC", "ODU", "The U", "State"} for n in insts)
    # single-author papers: their institutions are the author's affiliations
    single = [x for x in docs if len(x.authors) == 1 and x.institutions]
    assert single and all(x.authors[0].affiliations == [o.name for o in x.institutions]
                          for x in single)
    multi = [x for x in docs if len(x.authors) > 1]
    assert all(a.affiliations == [] for x in multi for a in x.authors)


def test_titles_terms_file_has_no_years_and_is_not_rejected(papers: Path):
    path = papers / "arxiv-titles-terms.csv"
    rows = _rows(path)
    docs, rejects = _split(list(read_arxiv(path)))
    assert rejects == [] and len(docs) == len(rows) == 1000
    assert all(d.year is None and d.year_source is None for d in docs)
    assert all(d.id.startswith("title-") for d in docs)
    # ids are a function of the title: 7 titles appear twice in the file
    assert len({d.id for d in docs}) == len({r["titles"].casefold() for r in rows}) == 993
    assert docs[0].props["categories"] == "cs.CV cs.LG eess.IV"
    assert docs[0].abstract.startswith("We propose a novel approach for image segmentation")


def test_titles_terms_ids_are_stable_across_loads(papers: Path):
    path = papers / "arxiv-titles-terms.csv"
    assert [d.id for d in read_arxiv(path)] == [d.id for d in read_arxiv(path)]


# --------------------------------------------------------------- Google Patents
@pytest.mark.parametrize("name,n", [("google-patents-baseball.csv", 2664),
                                    ("google-patents-neural-network.csv", 3522)])
def test_google_patents_query_exports(patents: Path, name: str, n: int):
    path = patents / name
    rows = _rows(path)
    docs, rejects = _split(list(read_google_patents(path)))
    assert rejects == []
    assert len(docs) == len(rows) == n
    assert len({d.id for d in docs}) == n
    # utility, design (D), reissue (RE) and statutory-invention (H) numbers
    assert all(re.fullmatch(r"US(D|RE|H)?[1-9]\d{3,6}", d.id) and d.props["pn"] == d.id
               for d in docs)
    years = [d.year for d in docs]
    assert 1970 <= min(years) and max(years) <= 2019
    assert {d.year_source for d in docs} == {"grant_date"}
    assert all(d.props["grant_year"] == d.year for d in docs)
    # no value keeps the extra level of quoting the files put around some titles
    assert not any(d.title.startswith('"') and d.title.endswith('"') for d in docs)
    for row, d in zip(rows, docs):
        assert d.year == int(row["patent_date"][:4])
        series, digits = re.fullmatch(r"([A-Z]*)(\d+)", row["patent_number"]).groups()
        assert d.id == f"US{series}{int(digits)}"  # H002215 → USH2215


def test_google_patents_quoted_quotes_are_unquoted(patents: Path):
    docs = {d.id: d for d in read_google_patents(patents / "google-patents-neural-network.csv")}
    d = docs["US5535303"]
    assert d.title == '"Barometer" neuron for a neural network'
    assert d.abstract.startswith('A "Barometer" Neuron enhances stability')
    base = {d.id: d for d in read_google_patents(patents / "google-patents-baseball.csv")}
    assert base["US5269177"].title == ('Apparatus and method for determining the center of '
                                       'percussion ("sweet spot") for baseball bats and other '
                                       'objects')


def test_registry_reads_every_real_file(papers: Path, patents: Path):
    for f in sorted(papers.glob("*.csv")):
        assert sum(isinstance(r, Document) for r in LOADERS["arxiv"](f)) == len(_rows(f))
    for f in sorted(patents.glob("*.csv")):
        assert sum(isinstance(r, Document) for r in LOADERS["google-patents"](f)) == \
            len(_rows(f))


# ------------------------------------------------------- through ingest to the store
def test_real_records_go_through_ingest_into_the_embedded_store(tmp_path: Path,
                                                                papers: Path, patents: Path):
    """The records are what ingest expects: every property is a schema property, and the
    scrape's repeated rows come back as duplicate rejects, not errors."""
    store = open_store(str(tmp_path / "g.db"))
    try:
        log = RejectLog(tmp_path / "rejects.csv")
        s = ingest(store, read_arxiv(papers / "arxiv-2023-with-affiliations.csv"), log)
        # repeated rows: identical to the FIRST row of their id apart from the unmapped
        # row-number column → duplicates (loaded once, counted); with other content
        # (affiliations) → rejected, even when identical to an earlier rejected repeat
        import pandas as pd
        df = pd.read_csv(papers / "arxiv-2023-with-affiliations.csv", dtype=str).drop(
            columns=["Unnamed: 0"]).fillna("")
        first = df.groupby("paper_id", sort=False).transform("first")
        repeat = df["paper_id"].duplicated()
        same = (df[first.columns] == first).all(axis=1)
        exact, differ = int((repeat & same).sum()), int((repeat & ~same).sum())
        assert s.documents == 1102 and s.duplicates == exact
        assert s.rejected == 1102 - 879 - exact == differ == 4
        assert s.inserted["Paper"] == 879
        s2 = ingest(store, read_google_patents(patents / "google-patents-baseball.csv"), log)
        assert s2.rejected == 0 and s2.inserted["Patent"] == 2664
        st = store.stats()
        counts = st.get("nodes", st) if isinstance(st, dict) else st
        assert counts["Paper"] == 879 and counts["Patent"] == 2664
    finally:
        store.close()
