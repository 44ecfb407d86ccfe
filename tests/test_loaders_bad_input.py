"""Bad input, for every loader (issue 9): each bad row becomes a Reject naming file, line
and field, every good row still comes out, and nothing crashes.

The generic cases run against one ``Adapter`` per loader (arxiv, google-patents,
patentsview, deepinnovation, csv): it knows the loader's header, a good row, where its
year / abstract / id columns are and how to write a file the loader reads. Loader-specific
cases (PatentsView side tables, DeepInnovationAI headers and links, Google's download
form, arXiv id forms, ``--map`` parsing) follow, then property-based tests.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innograph.errors import BadInputError
from innograph.graph import schema
from innograph.loaders import LOADERS
from innograph.loaders import tabular
from innograph.loaders.arxiv import read_arxiv, repair_arxiv_id, year_from_arxiv_id
from innograph.loaders.deepinnovation import read_deepinnovation
from innograph.loaders.google_patents import patent_id, read_google_patents, unquote
from innograph.loaders.mapping import (canonical_code, parse_list, parse_map,
                                       read_csv_mapped, split_names)
from innograph.loaders.patentsview import read_patentsview
from innograph.loaders.records import MAX_FIELD_CHARS, Document, Link, Reject, max_year
from innograph.loaders.tabular import ArchiveLimits, Row, read_rows

FUTURE = str(max_year() + 5)


# ------------------------------------------------------------------- helpers
def table_bytes(header: list[str], rows: list[dict[str, Any]], sep: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode("utf-8")


def split(records: list) -> tuple[list[Document], list[Reject]]:
    docs = [r for r in records if isinstance(r, Document)]
    rej = [r for r in records if isinstance(r, Reject)]
    return docs, rej


def assert_named(r: Reject, file_part: str) -> None:
    """A Reject says where (file, line ≥ 1) and what (a field)."""
    assert file_part in r.file, r
    assert r.line >= 1, r
    assert r.field, r
    assert r.reason, r
    assert r.message().startswith(f"{r.file}:{r.line}: {r.field}: ")


@dataclass
class Adapter:
    """How to exercise one loader with CSV-shaped bytes."""

    name: str
    header: list[str]
    good: Callable[[int], dict[str, Any]]
    filename: str  # the data file's name inside tmp_path (a folder for folder loaders)
    read: Callable[[Path], list]  # loader call on the path returned by ``write``
    id_col: str
    title_col: str
    abstract_col: str | None
    year_col: str | None
    # (column values that make the year bad, expected Reject field)
    bad_years: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    sep: str = ","
    folder: bool = False
    zip_is_input: bool = False  # the loader takes the .zip itself, not a folder holding it

    def write(self, tmp: Path, body: bytes, zipped: bool = False) -> Path:
        base = tmp / "in"
        base.mkdir(exist_ok=True)
        target = base / self.filename
        if zipped:
            z = target.with_name(target.name + ".zip")
            with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(self.filename, body)
            return base if self.folder and not self.zip_is_input else z
        target.write_bytes(body)
        return base if self.folder else target

    def rows(self, n: int, start: int = 0) -> list[dict[str, Any]]:
        return [self.good(i) for i in range(start, start + n)]

    def body(self, rows: list[dict[str, Any]]) -> bytes:
        return table_bytes(self.header, rows, self.sep)

    def line(self, row: dict[str, Any]) -> bytes:
        """One data row as CSV bytes (no newline)."""
        return table_bytes(self.header, [row], self.sep).split(b"\n", 1)[1].rstrip(b"\n")


KAGGLE = ["id", "submitter", "authors", "title", "comments", "journal-ref", "doi",
          "report-no", "categories", "license", "abstract", "versions", "update_date",
          "authors_parsed"]


def _kaggle_row(i: int) -> dict[str, Any]:
    return {"id": f"0704.{i + 1:04d}", "submitter": "A. Person", "authors": "J. Smith",
            "title": f"On graphs number {i}", "abstract": f"We study graph {i}.",
            "versions": "[{'version': 'v1', 'created': 'Mon, 2 Apr 2007 19:18:42 GMT'}]",
            "update_date": "2008-11-26", "authors_parsed": "[['Smith', 'J.', '']]",
            "categories": "cs.LG", "journal-ref": "Phys.Rev.D76:013009,2007"}


def _query_row(i: int) -> dict[str, Any]:
    return {"patent_abstract": f"A neural device {i}.", "patent_date": "1996-07-09",
            "patent_number": str(5000000 + i), "patent_title": f"Neural device {i}"}


G_PATENT = ["patent_id", "patent_type", "patent_date", "patent_title", "wipo_kind",
            "num_claims", "withdrawn", "filename"]


def _pv_row(i: int) -> dict[str, Any]:
    return {"patent_id": str(10000000 + i), "patent_type": "utility",
            "patent_date": "2018-06-19", "patent_title": f"Coherent LADAR {i}",
            "wipo_kind": "B1", "num_claims": "20", "withdrawn": "0",
            "filename": "ipg180619.xml"}


def _dive_row(i: int) -> dict[str, Any]:
    return {"ID": str(i + 1), "Title": f"Deep nets {i}", "Source": "NeurIPS",
            "Abstract": f"We train nets {i}.", "Name": "Ada Lovelace; Alan Turing",
            "Year": "2020", "Cited": "3", "Keywords": '["neural network", "graph"]',
            "Doi": f"10.1/{i}", "Language": "en", "Type": "article",
            "Affiliations": "MIT; Stanford University", "Novelty": "1.5"}


CSV_HEADER = ["DOI", "Title", "Summary", "PubYear", "Tags"]
CSV_MAP = "id=DOI,title=Title,abstract=Summary,year=PubYear,keywords=Tags"


def _csv_row(i: int) -> dict[str, Any]:
    return {"DOI": f"10.5/{i}", "Title": f"Paper {i}", "Summary": f"Text {i}",
            "PubYear": "2019", "Tags": '["graph", "learning"]'}


ADAPTERS = [
    Adapter("arxiv", KAGGLE, _kaggle_row, "arxiv.csv", lambda p: list(read_arxiv(p)),
            "id", "title", "abstract", "versions",
            bad_years=[({"versions": "[{'version': 'v1', 'created': 'Mon, 2 Apr -5'}]"},
                        "versions"),
                       ({"versions": f"[{{'created': 'Mon, 2 Apr {FUTURE}'}}]"}, "versions"),
                       ({"versions": "", "update_date": "1066-10-14"}, "update_date"),
                       ({"versions": "", "update_date": "", "id": "my-paper"}, "year")]),
    Adapter("google-patents", ["patent_abstract", "patent_date", "patent_number",
                               "patent_title"], _query_row, "gp.csv",
            lambda p: list(read_google_patents(p)), "patent_number", "patent_title",
            "patent_abstract", "patent_date",
            bad_years=[({"patent_date": ""}, "patent_date"),
                       ({"patent_date": "-1996"}, "patent_date"),
                       ({"patent_date": f"{FUTURE}-01-01"}, "patent_date")]),
    Adapter("patentsview", G_PATENT, _pv_row, "g_patent.tsv",
            lambda p: list(read_patentsview(p)), "patent_id", "patent_title", None,
            "patent_date", sep="\t", folder=True,
            bad_years=[({"patent_date": ""}, "patent_date"),
                       ({"patent_date": "-2018-06-19"}, "patent_date"),
                       ({"patent_date": f"{FUTURE}-06-19"}, "patent_date")]),
    Adapter("deepinnovation", schema.DEEP_DIVE_HEADER, _dive_row, "DeepDiveAI.csv",
            lambda p: list(read_deepinnovation(p)), "ID", "Title", "Abstract", "Year",
            folder=True, zip_is_input=True,
            bad_years=[({"Year": ""}, "Year"), ({"Year": "-3"}, "Year"),
                       ({"Year": FUTURE}, "Year"), ({"Year": "twenty"}, "Year")]),
    Adapter("csv", CSV_HEADER, _csv_row, "any.csv",
            lambda p: list(read_csv_mapped(p, "paper", CSV_MAP)), "DOI", "Title", "Summary",
            "PubYear",
            bad_years=[({"PubYear": ""}, "PubYear"), ({"PubYear": "-1"}, "PubYear"),
                       ({"PubYear": FUTURE}, "PubYear"), ({"PubYear": "1200"}, "PubYear")]),
]
IDS = [a.name for a in ADAPTERS]


@pytest.fixture(params=ADAPTERS, ids=IDS)
def ad(request: pytest.FixtureRequest) -> Adapter:
    return request.param


# ---------------------------------------------------------------- generic cases
def test_good_rows_come_out_with_their_lines(tmp_path: Path, ad: Adapter):
    docs, rej = split(ad.read(ad.write(tmp_path, ad.body(ad.rows(3)))))
    assert rej == []
    assert [d.line for d in docs] == [2, 3, 4]
    assert len({d.id for d in docs}) == 3
    assert all(d.file.endswith(ad.filename) for d in docs)


def test_malformed_quoting_rejects_that_row_only(tmp_path: Path, ad: Adapter):
    rows = ad.rows(3)
    bad = ad.line(ad.good(9)).replace(b"On graphs", b'"On" graphs', 1)
    bad = b'"broken"x' + ad.sep.encode() + bad  # a quote closed before the cell ends
    body = ad.body(rows[:1]) + bad + b"\n" + ad.line(rows[1]) + b"\n" + ad.line(rows[2]) + b"\n"
    docs, rej = split(ad.read(ad.write(tmp_path, body)))
    assert [d.line for d in docs] == [2, 4, 5]
    assert len(rej) == 1
    assert_named(rej[0], ad.filename)
    assert rej[0].line == 3 and rej[0].field == "(row)" and "malformed" in rej[0].reason


def test_unterminated_quote_does_not_swallow_the_file(tmp_path: Path, ad: Adapter):
    rows = ad.rows(4)
    bad = b'"never closed' + ad.sep.encode() + ad.line(ad.good(9))
    body = (ad.body(rows[:1]) + bad + b"\n"
            + b"\n".join(ad.line(r) for r in rows[1:]) + b"\n")
    docs, rej = split(ad.read(ad.write(tmp_path, body)))
    assert [d.line for d in docs] == [2, 4, 5, 6]
    assert [(r.line, r.field) for r in rej] == [(3, "(row)")]


def test_embedded_newlines_and_nul_bytes(tmp_path: Path, ad: Adapter):
    rows = ad.rows(3)
    rows[1][ad.title_col] = "A title\nover two lines"
    body = ad.body(rows).replace(b"over two", b"over\x00 two")
    docs, rej = split(ad.read(ad.write(tmp_path, body)))
    assert rej == []
    assert [d.line for d in docs] == [2, 3, 5]  # the second row spans lines 3-4
    assert "\x00" not in docs[1].title
    assert docs[1].title.replace("\n", " ").replace("  ", " ") == "A title over two lines"


def test_non_utf8_bytes_reject_the_row_naming_the_column(tmp_path: Path, ad: Adapter):
    rows = ad.rows(3)
    rows[1][ad.title_col] = "Caf-MARK"
    body = ad.body(rows).replace(b"Caf-MARK", b"Caf\xe9 \xff\xfe")
    docs, rej = split(ad.read(ad.write(tmp_path, body)))
    assert [d.line for d in docs] == [2, 4]
    assert len(rej) == 1
    assert_named(rej[0], ad.filename)
    assert (rej[0].line, rej[0].field) == (3, ad.title_col)
    assert "\\xe9" in rej[0].reason


def test_utf8_bom_is_removed(tmp_path: Path, ad: Adapter):
    body = b"\xef\xbb\xbf" + ad.body(ad.rows(2))
    docs, rej = split(ad.read(ad.write(tmp_path, body)))
    assert rej == [] and len(docs) == 2


def test_wrong_column_counts(tmp_path: Path, ad: Adapter):
    rows = ad.rows(4)
    sep = ad.sep.encode()
    extra = ad.line(rows[1]) + sep + b"surplus"
    short = sep.join(ad.line(rows[2]).split(sep)[:2])
    trailing_empty = ad.line(rows[3]) + sep + sep  # empty extra cells are tolerated
    body = (ad.body(rows[:1]) + extra + b"\n" + short + b"\n" + trailing_empty + b"\n")
    docs, rej = split(ad.read(ad.write(tmp_path, body)))
    assert [d.line for d in docs] == [2, 5]
    assert [(r.line, r.field) for r in rej] == [(3, "(row)"), (4, "(row)")]
    assert "columns" in rej[0].reason and str(len(ad.header)) in rej[0].reason
    for r in rej:
        assert_named(r, ad.filename)


def test_missing_negative_future_years_are_rejected(tmp_path: Path, ad: Adapter):
    rows = ad.rows(1)
    for k, (change, _) in enumerate(ad.bad_years):
        rows.append({**ad.good(10 + k), **change})
    rows.append(ad.good(50))
    docs, rej = split(ad.read(ad.write(tmp_path, ad.body(rows))))
    assert [d.line for d in docs] == [2, len(rows) + 1]
    assert [(r.line, r.field) for r in rej] == [
        (3 + k, fld) for k, (_, fld) in enumerate(ad.bad_years)]
    for r in rej:
        assert_named(r, ad.filename)


def test_duplicate_ids_do_not_crash(tmp_path: Path, ad: Adapter):
    rows = ad.rows(2) + [ad.good(0)]
    docs, rej = split(ad.read(ad.write(tmp_path, ad.body(rows))))
    assert rej == [] and len(docs) == 3
    assert docs[0].id == docs[2].id  # ingest decides which one wins


def test_empty_id_is_rejected(tmp_path: Path, ad: Adapter):
    rows = ad.rows(2)
    rows[1][ad.id_col] = "   "
    docs, rej = split(ad.read(ad.write(tmp_path, ad.body(rows))))
    assert len(docs) == 1
    assert [(r.line, r.reason) for r in rej] == [(3, "empty id")]
    assert rej[0].field in (ad.id_col, "id")


def test_five_megabyte_field_is_rejected(tmp_path: Path, ad: Adapter):
    col = ad.abstract_col or ad.title_col
    rows = ad.rows(3)
    rows[1][col] = "x" * 5_000_000
    docs, rej = split(ad.read(ad.write(tmp_path, ad.body(rows))))
    assert [d.line for d in docs] == [2, 4]
    assert [(r.line, r.field) for r in rej] == [(3, col)]
    assert "5,000,000 characters" in rej[0].reason and f"{MAX_FIELD_CHARS:,}" in rej[0].reason
    assert len(rej[0].record) <= 2000


def test_empty_file_gives_nothing(tmp_path: Path, ad: Adapter):
    assert ad.read(ad.write(tmp_path, b"")) == []


def test_header_only_file_gives_nothing(tmp_path: Path, ad: Adapter):
    assert ad.read(ad.write(tmp_path, ad.body([]))) == []
    assert ad.read(ad.write(tmp_path, ad.body([]) + b"\n\n")) == []


def test_zipped_input(tmp_path: Path, ad: Adapter):
    docs, rej = split(ad.read(ad.write(tmp_path, ad.body(ad.rows(3)), zipped=True)))
    assert rej == [] and [d.line for d in docs] == [2, 3, 4]
    assert f"{ad.filename}.zip!{ad.filename}" in docs[0].file


@pytest.fixture(scope="module")
def bomb_member() -> bytes:
    """80 MiB of zeros deflated to ~80 kB: ratio ~1000, over the 200 cap."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x", b"\0" * (80 * 1024 * 1024))
    return buf.getvalue()


def test_zip_bomb_and_escaping_paths_are_refused(tmp_path: Path, ad: Adapter,
                                                  bomb_member: bytes):
    path = ad.write(tmp_path, ad.body(ad.rows(2)), zipped=True)
    z = path / f"{ad.filename}.zip" if path.is_dir() else path
    with zipfile.ZipFile(io.BytesIO(bomb_member)) as src:
        info, data = src.infolist()[0], src.read("x")
    with zipfile.ZipFile(z, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../" + ad.filename, ad.body(ad.rows(1, 20)))
        zf.writestr("/etc/" + ad.filename, ad.body(ad.rows(1, 30)))
        zf.writestr("bomb/" + ad.filename, data)
    assert info.file_size == 80 * 1024 * 1024
    docs, rej = split(ad.read(path))
    assert [d.line for d in docs] == [2, 3]  # the good member
    by_member = {r.file.split("!", 1)[1]: r for r in rej}
    assert set(by_member) == {"../" + ad.filename, "/etc/" + ad.filename,
                              "bomb/" + ad.filename}
    assert "leaves the archive" in by_member["../" + ad.filename].reason
    assert "absolute" in by_member["/etc/" + ad.filename].reason
    assert "zip bomb" in by_member["bomb/" + ad.filename].reason
    assert all(r.field == "(archive)" and r.line == 0 for r in rej)


# ----------------------------------------------------------- tabular specifics
def test_gzip_bomb_is_cut_off_while_streaming(tmp_path: Path):
    p = tmp_path / "big.csv.gz"
    line = b"1," + b"y" * 198 + b"\n"
    with gzip.open(p, "wb") as f:
        f.write(b"a,b\n" + line * 40_000)  # 8 MB from ~25 kB
    limits = ArchiveLimits(max_ratio=50, ratio_min_bytes=2_000_000)
    out = list(read_rows(p, limits=limits))
    rows, rej = [r for r in out if isinstance(r, Row)], [r for r in out if isinstance(r, Reject)]
    assert len(rej) == 1 and rej[0].field == "(archive)" and "bomb" in rej[0].reason
    assert 1000 < len(rows) < 40_000 and rej[0].line > 1000
    assert len(list(read_rows(p))) == 40_000  # default limits let normal text through
    capped = list(read_rows(p, limits=ArchiveLimits(max_bytes=10_000)))
    assert "10,000 bytes" in capped[-1].reason


def test_corrupt_gzip_is_a_reject_not_a_crash(tmp_path: Path):
    p = tmp_path / "t.csv.gz"
    data = gzip.compress(b"a,b\n" + b"".join(b"%d,2\n" % i for i in range(200_000)))
    p.write_bytes(data[: len(data) // 2])
    out = list(read_rows(p))
    assert isinstance(out[-1], Reject) and "corrupt or truncated" in out[-1].reason
    assert all(isinstance(r, Row) for r in out[:-1]) and len(out) > 1


def test_not_a_zip_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "t.zip"
    p.write_bytes(b"PK not really")
    with pytest.raises(BadInputError, match="not a readable zip"):
        list(read_rows(p))


def test_json_lines_bad_lines_are_rejected(tmp_path: Path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'{"id": "1", "title": "a"}\n{"id": "2", "title": \n[1, 2]\n\n'
                  b'{"id": "3", "title": "caf\xe9"}\n{"id": "4", "title": "ok\\u0000"}\n')
    out = list(read_rows(p))
    assert [(r.line, r.values["id"]) for r in out if isinstance(r, Row)] == [(1, "1"), (6, "4")]
    assert [(r.line, r.field) for r in out if isinstance(r, Reject)] == [
        (2, "(json)"), (3, "(json)"), (5, "title")]


def test_json_array_file(tmp_path: Path):
    p = tmp_path / "t.json"
    p.write_text('[\n {"id": "a"},\n {"id": "b",\n  "x": 1}\n]\n')
    out = list(read_rows(p))
    assert [(r.line, r.values["id"]) for r in out] == [(2, "a"), (3, "b")]


def test_utf16_file_with_bom(tmp_path: Path):
    p = tmp_path / "t.tsv"
    p.write_bytes("id\ttitle\n1\tCafé\n".encode("utf-16"))
    out = list(read_rows(p))
    assert [r.values for r in out] == [{"id": "1", "title": "Café"}]


def test_latin1_file_reads_with_encoding_option(tmp_path: Path):
    p = tmp_path / "t.csv"
    p.write_bytes("DOI,Title,Summary,PubYear,Tags\n1,Café,x,2019,a;b\n".encode("latin-1"))
    bad = list(read_csv_mapped(p, "paper", CSV_MAP))
    assert isinstance(bad[0], Reject) and bad[0].field == "Title"
    good = list(read_csv_mapped(p, "paper", CSV_MAP, encoding="latin-1"))
    assert good[0].title == "Café" and good[0].keywords == ["a", "b"]


def test_overlong_physical_line_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tabular, "MAX_LINE_BYTES", 1000)
    p = tmp_path / "t.csv"
    p.write_bytes(b"a,b\n1,2\n" + b"3," + b"y" * 5000 + b"\n4,5\n")
    out = list(read_rows(p))
    assert [(r.line, r.values["a"]) for r in out if isinstance(r, Row)] == [(2, "1"), (4, "4")]
    assert [(r.line, r.field) for r in out if isinstance(r, Reject)] == [(3, "(line)")]


def test_duplicate_header_names_are_a_clear_error(tmp_path: Path):
    p = tmp_path / "t.csv"
    p.write_text("id,title,title\n1,a,b\n")
    with pytest.raises(BadInputError, match=r"t\.csv:1: duplicate column names \['title'\]"):
        list(read_rows(p))


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(BadInputError, match="file not found"):
        list(read_rows(tmp_path / "nope.csv"))


def test_other_zip_members_are_skipped_or_refused(tmp_path: Path):
    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("README.md", "# not data")
        zf.writestr("inner.zip", b"PK")
        zf.writestr("data/t.csv", "a\n1\n")
        zf.writestr("data/", "")
    out = list(read_rows(z))
    assert [type(r).__name__ for r in out] == ["Reject", "Row"]
    assert out[0].file.endswith("!inner.zip") and "nested archive" in out[0].reason
    assert out[1].file == f"{z}!data/t.csv" and out[1].values == {"a": "1"}


# --------------------------------------------------------------- arXiv specifics
def test_arxiv_unparsable_authors_parsed_is_rejected(tmp_path: Path):
    rows = [_kaggle_row(0), {**_kaggle_row(1), "authors_parsed": "[['Smith', 'J.'"}]
    p = tmp_path / "a.csv"
    p.write_bytes(table_bytes(KAGGLE, rows))
    docs, rej = split(list(read_arxiv(p)))
    assert len(docs) == 1 and [(r.line, r.field) for r in rej] == [(3, "authors_parsed")]


def test_arxiv_year_from_update_date_then_id(tmp_path: Path):
    rows = [{**_kaggle_row(0), "versions": ""},
            {**_kaggle_row(1), "versions": "", "update_date": ""},
            {**_kaggle_row(2), "versions": "", "update_date": "", "id": "hep-th/9901001"}]
    p = tmp_path / "a.csv"
    p.write_bytes(table_bytes(KAGGLE, rows))
    docs = list(read_arxiv(p))
    assert [(d.year, d.year_source) for d in docs] == [
        (2008, "update_date"), (2007, "id"), (1999, "id")]


def test_arxiv_id_forms():
    assert repair_arxiv_id("704.001") == "0704.0010"
    assert repair_arxiv_id("704.2") == "0704.2000"
    assert repair_arxiv_id(704.0001) == "0704.0001"
    assert repair_arxiv_id("2309.1099") == "2309.10990"
    assert repair_arxiv_id("0704.0001") == "0704.0001"
    assert repair_arxiv_id("2309.10986") == "2309.10986"
    assert repair_arxiv_id("hep-th/9901001") == "hep-th/9901001"
    assert repair_arxiv_id("1234.5") == "1234.5"  # month 34: not an arXiv id, left alone
    assert year_from_arxiv_id("0704.0001") == 2007
    assert year_from_arxiv_id("2309.10986v2") == 2023
    assert year_from_arxiv_id("hep-th/9901001") == 1999
    assert year_from_arxiv_id("math.GT/0309136") == 2003
    assert year_from_arxiv_id("10.1103/x") is None


def test_arxiv_unknown_header_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "a.csv"
    p.write_text("foo,bar\n1,2\n")
    with pytest.raises(BadInputError, match=r"a\.csv:1: header: not an arXiv metadata table"):
        list(read_arxiv(p))
    with pytest.raises(BadInputError, match="unknown arXiv variant"):
        read_arxiv(p, variant="nope")


# ------------------------------------------------------- Google Patents specifics
DOWNLOAD = (
    "search URL:,https://patents.google.com/?q=(neural+network)&oq=neural+network\n"
    "id,title,assignee,inventor/author,priority date,filing/creation date,publication date,"
    "grant date,result link,representative figure link\n"
    'US-10912345-B2,"Neural network, accelerated",'
    '"Samsung Electronics Co., Ltd.","Jane Doe, John Roe",2016-03-01,2017-03-01,'
    "2019-09-05,2021-02-09,https://patents.google.com/patent/US10912345B2/en,\n"
    'CN-112345678-A,Graph learning,Tsinghua University,Li Wei,2020-10-01,,2021-02-19,,'
    "https://patents.google.com/patent/CN112345678A/en,\n"
    'US-11000000-B1,Old date,Acme Inc,Ann Lee,,1066-01-01,2021-05-11,2021-05-11,x,\n'
    'USD913312S,Chair,"Acme, Inc.",Bo Li,,2019-01-02,,2021-03-16,x,\n'
)


def test_google_patents_download_form(tmp_path: Path):
    p = tmp_path / "gp-download.csv"
    p.write_text(DOWNLOAD)
    docs, rej = split(list(read_google_patents(p)))
    assert [d.id for d in docs] == ["US10912345", "CN112345678", "USD913312"]
    a, b, c = docs
    assert (a.year, a.year_source, a.props["grant_year"]) == (2017, "filing_date", 2021)
    assert (a.props["pn"], a.props["kind"], a.line) == ("US-10912345-B2", "B2", 3)
    assert a.title == "Neural network, accelerated"
    assert [o.name for o in a.applicants] == ["Samsung Electronics Co., Ltd."]
    assert [p.name for p in a.authors] == ["Jane Doe", "John Roe"]
    assert (b.year, b.year_source, b.props.get("grant_year")) == (2021, "publication_date", None)
    assert [o.name for o in c.applicants] == ["Acme, Inc."]
    assert [(r.line, r.field) for r in rej] == [(5, "filing/creation date")]


def test_google_patents_unknown_header_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "gp.csv"
    p.write_text("number,name\n1,a\n")
    with pytest.raises(BadInputError, match="no header row found|not a Google Patents"):
        list(read_google_patents(p))
    p.write_text("patent_number,patent_title\n1,a\n")
    with pytest.raises(BadInputError, match=r"without \['patent_date'\]"):
        list(read_google_patents(p))


def test_google_patents_query_form_prefers_a_filing_date(tmp_path: Path):
    p = tmp_path / "gp.csv"
    p.write_text("patent_number,patent_title,patent_abstract,patent_date,filing_date\n"
                 "5000001,T,A,1996-07-09,1993-01-05\n5000002,T,A,1996-07-09,\n")
    docs = list(read_google_patents(p))
    assert [(d.year, d.year_source) for d in docs] == [(1993, "filing_date"),
                                                       (1996, "grant_date")]


def test_patent_id_forms():
    assert patent_id("5269177") == "US5269177"
    assert patent_id("05269177") == "US5269177"
    assert patent_id("US-10912345-B2") == "US10912345"
    assert patent_id("USD0913312") == "USD913312"
    assert patent_id("RE45678") == "USRE45678"
    assert patent_id("H002215") == "USH2215"
    assert patent_id("EP1234567B1") == "EP1234567"
    assert patent_id("5269177", country="JP") == "JP5269177"
    assert patent_id("  ") is None
    assert unquote('"a ""b"" c"') == 'a "b" c'
    assert unquote('"a" and "b"') == '"a" and "b"'


# ----------------------------------------------------------- PatentsView specifics
def _tsv(path: Path, header: list[str], rows: list[list[Any]], zipped: bool = False,
         quote_all: bool = False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n",
                   quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    if zipped:
        with zipfile.ZipFile(path.with_name(path.name + ".zip"), "w",
                             zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(path.name, buf.getvalue())
    else:
        path.write_text(buf.getvalue(), encoding="utf-8")


def _patentsview_folder(root: Path, zipped: bool) -> Path:
    """A small but realistic set of PatentsView 2023+ tables (real column names)."""
    root.mkdir()
    _tsv(root / "g_patent.tsv", G_PATENT, [
        ["10000000", "utility", "2018-06-19", "Coherent LADAR using intra-pixel quadrature "
         "detection", "B1", 20, 0, "ipg180619.xml"],
        ["10000001", "utility", "2018-06-19", "Injection molding machine and mold "
         "thickness control method", "B2", 12, 0, "ipg180619.xml"],
        ["D900000", "design", "2020-10-27", "Chair", "S1", 1, 0, "ipg201027.xml"],
        ["10000002", "utility", "2018-06-19", "Bad filing date", "B2", 3, 0, "x"],
    ], zipped=zipped, quote_all=True)
    _tsv(root / "g_patent_abstract.tsv", ["patent_id", "patent_abstract"], [
        ["10000000", 'A frequency modulated (coherent) laser detection and ranging system '
         'with "quadrature"\ndetection.'],
        ["10000001", "The injection molding machine includes a fixed platen."],
        ["99999999", "An abstract whose patent is not in g_patent."],
    ], zipped=zipped)
    _tsv(root / "g_application.tsv", ["application_id", "patent_id", "patent_application_type",
                                      "filing_date", "series_code", "rule_47_flag"], [
        ["15/030,000", "10000000", "15", "2015-12-14", "15", "0"],
        ["14/555,555", "10000001", "14", "2014-11-26", "14", "0"],
        ["29/700,000", "D900000", "29", "", "29", "0"],
        ["15/000,002", "10000002", "15", "1074-07-11", "15", "0"],
    ])
    _tsv(root / "g_cpc_current.tsv", ["patent_id", "cpc_sequence", "cpc_section", "cpc_class",
                                      "cpc_subclass", "cpc_group", "cpc_type",
                                      "cpc_symbol_position"], [
        ["10000000", 1, "G", "G01", "G01S", "G01S7/4917", "additional", "L"],
        ["10000000", 0, "G", "G01", "G01S", "G01S17/32", "inventional", "F"],
        ["10000001", 0, "B", "B29", "B29C", "B29C45/7653", "inventional", "F"],
    ], zipped=zipped)
    _tsv(root / "g_ipc_at_issue.tsv", [
        "patent_id", "ipc_sequence", "classification_level", "section", "ipc_class",
        "subclass", "main_group", "subgroup", "symbol_position", "classification_value",
        "classification_status", "classification_data_source", "action_date",
        "ipc_version_indicator"], [
        ["10000000", 0, "A", "G", "01", "S", "17", "32", "F", "I", "B", "H", "2018-06-19",
         "2006-01-01"],
        ["10000000", 1, "A", "G", "01", "S", "7", "4912", "L", "I", "B", "H", "2018-06-19",
         "2006-01-01"],
    ])
    _tsv(root / "g_inventor_disambiguated.tsv", [
        "patent_id", "inventor_sequence", "inventor_id", "disambig_inventor_name_first",
        "disambig_inventor_name_last", "gender_code", "location_id"], [
        ["10000000", 1, "fvyf2k8", "Thomas", "Strutz", "M", "loc-de"],
        ["10000000", 0, "1ivd6zd", "Joseph", "Marron", "M", "loc-us-co"],
        ["10000001", 0, "g7kw9pq", "Kenji", "Kato", "M", ""],
    ], zipped=zipped)
    _tsv(root / "g_assignee_disambiguated.tsv", [
        "patent_id", "assignee_sequence", "assignee_id", "disambig_assignee_individual_name_first",
        "disambig_assignee_individual_name_last", "disambig_assignee_organization",
        "assignee_type", "location_id"], [
        ["10000000", 0, "a-ray", "", "", "Raytheon Company", "2", "loc-us-co"],
        ["10000001", 0, "a-jsw", "", "", "The Japan Steel Works, Ltd.", "3", "loc-jp"],
        ["10000001", 1, "a-ind", "Mary", "Major", "", "4", ""],
    ])
    _tsv(root / "g_location_disambiguated.tsv", [
        "location_id", "disambig_city", "disambig_state", "disambig_country", "latitude",
        "longitude", "county", "state_fips", "county_fips"], [
        ["loc-us-co", "Boulder", "CO", "US", 40.01, -105.27, "Boulder", "08", "08013"],
        ["loc-de", "Berlin", "", "DE", 52.52, 13.40, "", "", ""],
        ["loc-jp", "Hiroshima", "", "JP", 34.39, 132.45, "", "", ""],
    ])
    return root


@pytest.mark.parametrize("zipped", [False, True], ids=["tsv", "tsv.zip"])
def test_patentsview_tables(tmp_path: Path, zipped: bool):
    root = _patentsview_folder(tmp_path / "pv", zipped)
    docs, rej = split(list(read_patentsview(root)))
    assert [d.id for d in docs] == ["US10000000", "US10000001", "USD900000"]
    a, b, c = docs
    assert (a.year, a.year_source, a.props["grant_year"]) == (2015, "filing_date", 2018)
    assert (c.year, c.year_source) == (2020, "grant_date")  # no filing date → grant year
    assert a.props["pn"] == "US10000000" and a.props["kind"] == "utility"
    assert c.props["kind"] == "design"
    assert a.abstract.startswith('A frequency modulated (coherent) laser detection') and \
        '"quadrature"\ndetection.' in a.abstract
    assert c.abstract is None
    assert a.codes == [("G01S 17/32", "ipc"), ("G01S 7/4912", "ipc"),
                       ("G01S 17/32", "cpc"), ("G01S 7/4917", "cpc")]
    assert a.props["ipc_text"] == "G01S 17/32; G01S 7/4912"
    assert b.codes == [("B29C 45/7653", "cpc")] and "ipc_text" not in b.props
    assert [(p.name, p.id, p.country) for p in a.authors] == [
        ("Joseph Marron", "1ivd6zd", "US"), ("Thomas Strutz", "fvyf2k8", "DE")]
    assert [(o.name, o.id, o.country, o.region) for o in a.applicants] == [
        ("Raytheon Company", "a-ray", "US", "CO")]
    assert [(o.name, o.country) for o in b.applicants] == [
        ("The Japan Steel Works, Ltd.", "JP"), ("Mary Major", None)]
    assert [(r.field, r.line) for r in rej] == [("filing_date", 5)]
    assert "g_application" in rej[0].reason and "1074" in rej[0].reason
    assert (tmp_path / "pv" / ("g_patent.tsv.zip" if zipped else "g_patent.tsv")).name in \
        rej[0].file


def test_patentsview_only_selected_patents(tmp_path: Path):
    root = _patentsview_folder(tmp_path / "pv", zipped=False)
    docs = list(read_patentsview(root, only={"D900000", "10000001"}))
    assert [d.id for d in docs] == ["US10000001", "USD900000"]


def test_patentsview_g_patent_alone_and_csv(tmp_path: Path):
    root = tmp_path / "pv"
    root.mkdir()
    (root / "g_patent.csv").write_text(
        "patent_id,patent_type,patent_date,patent_title\n7000000,utility,2006-02-14,Thing\n")
    (d,) = list(read_patentsview(root))
    assert (d.id, d.year, d.year_source, d.authors, d.codes) == (
        "US7000000", 2006, "grant_date", [], [])


def test_patentsview_errors(tmp_path: Path):
    root = tmp_path / "pv"
    root.mkdir()
    with pytest.raises(BadInputError, match="no g_patent table"):
        read_patentsview(root)
    with pytest.raises(BadInputError, match="not a folder"):
        read_patentsview(root / "nope")
    (root / "g_patent.tsv").write_text("patent_id\tpatent_date\n1\t2001-01-01\n")
    with pytest.raises(BadInputError, match=r"g_patent lacks column\(s\) \['patent_title'\]"):
        list(read_patentsview(root))


def test_patentsview_side_table_rejects_come_first(tmp_path: Path):
    root = _patentsview_folder(tmp_path / "pv", zipped=False)
    with open(root / "g_patent_abstract.tsv", "a", encoding="utf-8") as f:
        f.write("10000001\t" + "x" * 1_500_000 + "\n" + "10000000\tbroken\textra\n")
    recs = list(read_patentsview(root))
    assert [(type(r).__name__, getattr(r, "field", None)) for r in recs[:2]] == [
        ("Reject", "patent_abstract"), ("Reject", "(row)")]
    assert all("g_patent_abstract.tsv" in r.file for r in recs[:2])
    assert [r.line for r in recs[:2]] == [6, 7]  # line 3 holds a two-line abstract


# -------------------------------------------------------- DeepInnovationAI specifics
def _deep_folder(root: Path) -> Path:
    root.mkdir()
    (root / schema.DEEP_DIVE_CSV).write_bytes(table_bytes(schema.DEEP_DIVE_HEADER, [
        _dive_row(0), {**_dive_row(1), "Keywords": '["graph", oops]'},
        {**_dive_row(2), "Keywords": "", "Cited": "", "Novelty": "nan", "Name": "Solo Author",
         "Title": "'=HYPERLINK(\"x\")"},
        {**_dive_row(3), "Keywords": '{"a": 1}'}, {**_dive_row(4), "Cited": "-2"},
        {**_dive_row(5), "Novelty": "inf"},
    ]))
    (root / schema.DEEP_PATENT_CSV).write_bytes(table_bytes(schema.DEEP_PATENT_HEADER, [
        {"ID": "US1", "PN": "US-1-B1", "IPC": "G06N3/08; G06F 17/00 | h04l 9/00",
         "Title": "Net", "Abstract": "A net.", "Year": "2021",
         "Keywords": '["neural network"]', "Novelty": "2.25"},
    ]))
    (root / schema.DEEP_COSINE_CSV).write_bytes(table_bytes(schema.DEEP_COSINE_HEADER, [
        {"Paper_ID": "1", "Patent_ID": "US1", "Cosine similarity": "0.83"},
        {"Paper_ID": "3", "Patent_ID": "US1", "Cosine similarity": "1.5"},
        {"Paper_ID": "", "Patent_ID": "US1", "Cosine similarity": "0.1"},
        {"Paper_ID": "3", "Patent_ID": "US1", "Cosine similarity": "high"},
    ]))
    return root


def test_deepinnovation_three_files(tmp_path: Path):
    recs = list(read_deepinnovation(_deep_folder(tmp_path / "deep")))
    docs, rej = split(recs)
    links = [r for r in recs if isinstance(r, Link)]
    papers = [d for d in docs if d.kind == "paper"]
    # keys (README "Identity"): the DOI; the file's ID is the source id
    assert [(d.id, d.source, d.source_id) for d in papers] == [
        ("10.1/0", "DeepDiveAI", "1"), ("10.1/2", "DeepDiveAI", "3")]
    p1, p3 = papers
    assert p1.keywords == ["neural network", "graph"]
    assert p1.props == {"authors_text": "Ada Lovelace; Alan Turing",
                        "cited": 3, "doi": "10.1/0", "language": "en", "doc_type": "article",
                        "affiliations_text": "MIT; Stanford University", "novelty": 1.5}
    assert (p1.year, p1.year_source, p1.venue) == (2020, "Year", "NeurIPS")
    assert [a.name for a in p1.authors] == ["Ada Lovelace", "Alan Turing"]
    assert [o.name for o in p1.institutions] == ["MIT", "Stanford University"]
    assert p3.keywords == [] and "cited" not in p3.props and "novelty" not in p3.props
    assert p3.title == '=HYPERLINK("x")'  # export's injection guard undone
    (pat,) = [d for d in docs if d.kind == "patent"]
    assert (pat.id, pat.props["pn"], pat.props["ipc_text"], pat.props["novelty"]) == (
        "US1", "US-1-B1", "G06N3/08; G06F 17/00 | h04l 9/00", 2.25)
    assert pat.codes == [("G06N 3/08", "ipc"), ("G06F 17/00", "ipc"), ("H04L 9/00", "ipc")]
    assert [(x.paper_id, x.patent_id, x.score, x.method, x.line, x.paper_source,
             x.patent_source) for x in links] == [
        ("1", "US1", 0.83, "input", 2, "DeepDiveAI", "DeepPatentAI")]
    assert [(r.file.rsplit("/", 1)[1], r.line, r.field) for r in rej] == [
        ("DeepDiveAI.csv", 3, "Keywords"), ("DeepDiveAI.csv", 5, "Keywords"),
        ("DeepDiveAI.csv", 6, "Cited"), ("DeepDiveAI.csv", 7, "Novelty"),
        ("DeepCosineAI.csv", 3, "Cosine similarity"), ("DeepCosineAI.csv", 4, "Paper_ID"),
        ("DeepCosineAI.csv", 5, "Cosine similarity")]
    assert "not a JSON or Python list" in rej[0].reason


def test_deepinnovation_header_mismatch_names_file_and_expected_header(tmp_path: Path):
    root = tmp_path / "deep"
    root.mkdir()
    hdr = [h for h in schema.DEEP_PATENT_HEADER if h != "PN"]
    (root / schema.DEEP_PATENT_CSV).write_bytes(table_bytes(hdr, []))
    with pytest.raises(BadInputError) as e:
        list(read_deepinnovation(root))
    msg = str(e.value)
    assert "DeepPatentAI.csv:1: header:" in msg
    assert ",".join(schema.DEEP_PATENT_HEADER) in msg


def test_deepinnovation_any_file_may_be_absent(tmp_path: Path):
    root = _deep_folder(tmp_path / "deep")
    (root / schema.DEEP_DIVE_CSV).unlink()
    (root / schema.DEEP_COSINE_CSV).unlink()
    assert [d.id for d in read_deepinnovation(root)] == ["US1"]
    assert [d.id for d in read_deepinnovation(root / schema.DEEP_PATENT_CSV)] == ["US1"]
    (root / schema.DEEP_PATENT_CSV).unlink()
    with pytest.raises(BadInputError, match="none of DeepDiveAI.csv"):
        read_deepinnovation(root)


def test_deepinnovation_from_a_zip(tmp_path: Path):
    root = _deep_folder(tmp_path / "deep")
    z = tmp_path / "deep.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in (schema.DEEP_DIVE_CSV, schema.DEEP_PATENT_CSV, schema.DEEP_COSINE_CSV):
            zf.write(root / name, f"release/{name}")
        zf.writestr("../" + schema.DEEP_COSINE_CSV, "Paper_ID,Patent_ID,Cosine similarity\n")
    from_zip = list(read_deepinnovation(z))
    from_dir = list(read_deepinnovation(root))
    assert [(type(r).__name__, r.line) for r in from_zip[:-1]] == \
        [(type(r).__name__, r.line) for r in from_dir]
    assert from_zip[0].file == f"{z}!release/{schema.DEEP_DIVE_CSV}"
    last = from_zip[-1]
    assert isinstance(last, Reject) and last.file.endswith("!../" + schema.DEEP_COSINE_CSV)
    with pytest.raises(BadInputError, match="none of"):
        empty = tmp_path / "empty.zip"
        with zipfile.ZipFile(empty, "w") as zf:
            zf.writestr("x.csv", "a\n")
        read_deepinnovation(empty)


def test_deepinnovation_year_optional_when_asked(tmp_path: Path):
    root = tmp_path / "deep"
    root.mkdir()
    (root / schema.DEEP_DIVE_CSV).write_bytes(
        table_bytes(schema.DEEP_DIVE_HEADER, [{**_dive_row(0), "Year": ""}]))
    assert isinstance(next(iter(read_deepinnovation(root))), Reject)
    (d,) = list(read_deepinnovation(root, require_year=False))
    assert d.year is None and d.year_source is None


# ---------------------------------------------------------- csv / --map specifics
def test_parse_map():
    assert parse_map("title=Title,abstract=Summary,year=Date") == {
        "title": "Title", "abstract": "Summary", "year": "Date"}
    assert parse_map('id=ID, "title=Title, short",inventors=Who') == {
        "id": "ID", "title": "Title, short", "authors": "Who"}
    for bad, msg in [("", "empty"), ("title", "not field=column"), ("title=", "empty"),
                     ("title=a,title=b", "mapped twice")]:
        with pytest.raises(BadInputError, match=msg):
            parse_map(bad)


def test_csv_unknown_field_and_kind_are_clear_errors(tmp_path: Path):
    with pytest.raises(BadInputError, match=r"unknown field\(s\) \['colour'\].*known fields: id"):
        read_csv_mapped(tmp_path / "x.csv", "paper", "id=ID,colour=C")
    with pytest.raises(BadInputError, match="unknown field.*applicants"):
        read_csv_mapped(tmp_path / "x.csv", "paper", "id=ID,applicants=A")
    with pytest.raises(BadInputError, match="kind must be"):
        read_csv_mapped(tmp_path / "x.csv", "book", "id=ID")
    with pytest.raises(BadInputError, match="needs id=COLUMN"):
        read_csv_mapped(tmp_path / "x.csv", "paper", "abstract=A")


def test_csv_missing_mapped_column_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "x.csv"
    p.write_bytes(table_bytes(CSV_HEADER, [_csv_row(0)]))
    with pytest.raises(BadInputError, match=r"x\.csv:1: Year: column\(s\) \['Year'\]"):
        list(read_csv_mapped(p, "paper", "id=DOI,year=Year"))


def test_csv_patent_mapping_with_codes_and_typed_props(tmp_path: Path):
    p = tmp_path / "x.tsv"
    p.write_text("PN\tTitle\tFiled\tIPC\tCPC\tOwners\tInventors\tScore\tAI\n"
                 "EP1\tT\t2019-05-01\tG06N3/08;G06F17/00\tG06N 3/084\tFoo GmbH; Bar Ltd.\t"
                 "Ann Lee; Bo Li\t0.5\tyes\n"
                 "EP2\tT\t2019\t\t\t\t\tmuch\tyes\n"
                 "EP3\tT\t2019\t\t\t\t\t0.1\tperhaps\n")
    recs = list(read_csv_mapped(p, "patent", "id=PN,title=Title,year=Filed,ipc=IPC,cpc=CPC,"
                                "assignees=Owners,inventors=Inventors,novelty=Score,"
                                "ai_label=AI"))
    d = recs[0]
    assert (d.id, d.year, d.year_source) == ("EP1", 2019, "Filed")
    assert d.codes == [("G06N 3/08", "ipc"), ("G06F 17/00", "ipc"), ("G06N 3/084", "cpc")]
    assert [o.name for o in d.applicants] == ["Foo GmbH", "Bar Ltd."]
    assert [a.name for a in d.authors] == ["Ann Lee", "Bo Li"]
    assert d.props == {"novelty": 0.5, "ai_label": True}
    assert [(r.line, r.field) for r in recs[1:]] == [(3, "Score"), (4, "AI")]


def test_csv_keywords_formats(tmp_path: Path):
    p = tmp_path / "x.csv"
    p.write_bytes(table_bytes(CSV_HEADER, [
        {**_csv_row(0), "Tags": "['deep learning', 'graphs']"},
        {**_csv_row(1), "Tags": "deep learning; graphs"},
        {**_csv_row(2), "Tags": "deep learning, graphs"},
        {**_csv_row(3), "Tags": '["deep learning", "graphs"'},
    ]))
    recs = list(read_csv_mapped(p, "paper", CSV_MAP))
    assert [r.keywords for r in recs[:3]] == [["deep learning", "graphs"]] * 3
    assert (recs[3].line, recs[3].field) == (5, "Tags")


def test_registry_entries_are_callable():
    assert set(LOADERS) >= {"arxiv", "google-patents", "patentsview", "deepinnovation", "csv"}
    for name, entry in LOADERS.items():
        assert callable(entry) and entry.summary and entry.path in (
            "file", "folder", "file-or-folder"), name


# ------------------------------------------------------------- property-based tests
_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=8),
       sep=st.sampled_from([",", "\t"]))
def test_any_text_round_trips_through_the_reader(tmp_path: Path, rows: list[list[str]],
                                                 sep: str):
    p = tmp_path / ("t.csv" if sep == "," else "t.tsv")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep)  # \r\n line ends: cells with \r or \n get quoted
    w.writerow(["a", "b", "c"])
    w.writerows(rows)
    p.write_bytes(buf.getvalue().encode("utf-8"))
    got = [(r.values["a"], r.values["b"], r.values["c"]) for r in read_rows(p)]
    want = [tuple(c.replace("\x00", "") for c in r) for r in rows
            if any(c.replace("\x00", "").strip() for c in r)]
    assert got == want


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), name=st.sampled_from(["t.csv", "t.tsv", "t.jsonl"]))
def test_garbage_never_crashes(tmp_path: Path, data: bytes, name: str):
    p = tmp_path / name
    p.write_bytes(b"a,b\tc\n" + data)
    try:
        out = list(read_rows(p))
    except BadInputError:
        return
    for r in out:
        assert isinstance(r, (Row, Reject))
        if isinstance(r, Reject):
            assert r.line >= 1 and r.field and r.file == str(p)


_title = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                 max_size=60).filter(lambda s: s.strip())


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_title)
def test_titles_reach_the_record_unchanged(tmp_path: Path, title: str):
    """Quotes, backticks, braces, ``//`` or Cypher in a title are data, nothing else."""
    p = tmp_path / "x.csv"
    p.write_bytes(table_bytes(CSV_HEADER, [{**_csv_row(0), "Title": title}]))
    (d,) = list(read_csv_mapped(p, "paper", CSV_MAP))
    assert d.title == title.strip()


@given(code=st.from_regex(r"[A-H][0-9]{2}[A-Z] ?0{0,3}[1-9][0-9]{0,2}/[0-9]{2,4}",
                          fullmatch=True))
def test_canonical_code_is_idempotent(code: str):
    c = canonical_code(code)
    assert canonical_code(c) == c and " " in c and "/" in c


@given(num=st.from_regex(r"(US-)?(D|RE)?0{0,2}[1-9][0-9]{4,7}(-B[12])?", fullmatch=True))
def test_patent_id_is_idempotent(num: str):
    pid = patent_id(num)
    assert patent_id(pid) == pid and pid.startswith("US")


def test_split_names_and_parse_list():
    assert split_names("Smith, J., Doe, K.") == ["Smith, J.", "Doe, K."]
    assert split_names("A. Einstein and N. Bohr") == ["A. Einstein", "N. Bohr"]
    assert split_names("Johnson and Johnson", persons=False) == ["Johnson and Johnson"]
    assert split_names("['Ann Lee', 'Bo Li']") == ["Ann Lee", "Bo Li"]
    assert split_names([["Lee", "Ann", ""], ["Li", "Bo", "Jr."]]) == ["Ann Lee", "Bo Li Jr."]
    assert parse_list('["a", "b"]') == ["a", "b"] and parse_list("") == []
    with pytest.raises(ValueError):
        parse_list("[1, 2", json_only=True)
    assert json.loads(json.dumps(parse_list("x|y"))) == ["x", "y"]
