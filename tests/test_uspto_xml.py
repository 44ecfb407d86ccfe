"""USPTO grant XML loader: real design grants, weekly concatenation, utility fixtures, safety."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from innograph.errors import BadInputError
from innograph.graph import schema
from innograph.loaders.records import Document, Reject
from innograph.loaders.uspto_xml import (
    _figure_refs,
    canonical_id,
    parse_figure_paragraphs,
    read_uspto_xml,
    split_documents,
)

from .conftest import shared_file


@pytest.fixture(scope="module")
def design_dir() -> Path:
    return shared_file("uspto-design")


@pytest.fixture(scope="module")
def design_files(design_dir: Path) -> list[Path]:
    files = sorted(design_dir.glob("*.XML"))
    assert len(files) == 20
    return files


def _docs(records) -> list[Document]:
    return [r for r in records if isinstance(r, Document)]


def _rejects(records) -> list[Reject]:
    return [r for r in records if isinstance(r, Reject)]


# ------------------------------------------------------------------ real design grants
def test_all_twenty_real_grants_parse_with_their_figure_counts(design_files):
    records = list(read_uspto_xml(design_files[0].parent))
    assert _rejects(records) == []
    docs = _docs(records)
    assert [d.id for d in docs] == ["USD" + str(int(f.name.split("-")[0][3:])) for f in design_files]
    patent_cols = set(schema.node(schema.PATENT).columns)
    for d, f in zip(docs, design_files):
        raw = f.read_text(encoding="utf-8")
        n_figs = int(re.search(r"<number-of-figures>(\d+)<", raw).group(1))
        assert len(d.figures) == n_figs, d.id
        assert d.kind == "patent" and d.props["kind"] == "design"
        assert d.props["pn"] == d.id and d.line == 1 and d.file == str(f)
        assert set(d.props) <= patent_cols
        assert d.title and d.year and d.year_source == "filing_date"
        assert d.props["grant_year"] == 2021
        assert [s for _, s in d.codes] == [schema.SCHEME_LOCARNO]
        assert d.applicants and d.authors
        assert len({x["id"] for x in d.figures}) == len(d.figures)
        for fig in d.figures:
            assert set(fig) == {"id", "number", "caption", "file"}
            assert fig["id"].startswith(d.id + "-F") and fig["caption"]


def test_hand_checked_grant_USD0913312(design_dir):
    (d,) = list(read_uspto_xml(design_dir / "USD0913312-20210316.XML"))
    assert d.id == "USD913312" and d.props["pn"] == "USD913312"
    assert d.title == "Display screen or portion thereof with animated graphical user interface"
    assert d.codes == [("14-04", "locarno")]
    assert d.year == 2020 and d.props["grant_year"] == 2021  # filed 20200507, granted 20210316
    assert d.abstract is None
    assert d.props["claims"] == ("The ornamental design for a display screen or portion thereof "
                                 "with animated graphical user interface, as shown and described.")
    assert [(a.name, a.country) for a in d.applicants] == [("THALES AVS FRANCE SAS", "FR")]
    assert [(p.name, p.country) for p in d.authors] == [
        ("Pierre-Jean Mariani", "FR"), ("Nicolas Besnard", "FR"), ("Yannick Le Roux", "FR")]
    assert len(d.figures) == 2
    assert d.figures[1] == {
        "id": "USD913312-F2", "number": 2,
        "caption": "FIG. 2 is a front view of the display screen or portion thereof with the "
                   "second image thereof.",
        "file": "USD0913312-20210316-D00002.TIF",
    }


def test_no_image_file_when_a_sheet_holds_several_figures(design_dir):
    # USD0908314: 4 drawing sheets, 7 figures: which figure is on which sheet is unknown
    (d,) = list(read_uspto_xml(design_dir / "USD0908314-20210126.XML"))
    assert [f["number"] for f in d.figures] == [1, 2, 3, 4, 5, 6, 7]
    assert all(f["file"] is None for f in d.figures)
    assert d.figures[2]["caption"] == "FIG. 3 is a rear view thereof;"


def test_hague_reproductions_and_sole_figure(design_dir):
    (d,) = list(read_uspto_xml(design_dir / "USD0915935-20210413.XML"))
    assert d.title == "Belt buckle" and d.codes == [("02-07", "locarno")]
    assert [f["caption"] for f in d.figures][:3] == [
        "1.1 : Perspective", "1.2 : Front", "1.3 : Back"]
    assert d.figures[6]["number"] == 7
    assert d.figures[6]["file"] == "USD0915935-20210413-D00007.TIF"
    (s,) = list(read_uspto_xml(design_dir / "USD0910059-20210209.XML"))
    assert len(s.figures) == 1 and s.figures[0]["number"] == 1
    assert s.figures[0]["caption"].startswith("The FIGURE is a front view")


# ------------------------------------------------------------------ weekly concatenation
def _weekly(files: list[Path]) -> tuple[bytes, list[int]]:
    """Concatenate whole documents as a weekly file does; return bytes and start lines."""
    parts, starts, line = [], [], 1
    for f in files:
        b = f.read_bytes()
        if not b.endswith(b"\n"):
            b += b"\n"
        starts.append(line)
        line += b.count(b"\n")
        parts.append(b)
    return b"".join(parts), starts


def test_weekly_concatenated_file_gives_twenty_documents_with_start_lines(design_files, tmp_path):
    data, starts = _weekly(design_files)
    assert data.count(b"<?xml ") == 20 and data.count(b"<!DOCTYPE us-patent-grant") == 20
    weekly = tmp_path / "ipg210316.xml"
    weekly.write_bytes(data)
    docs = _docs(read_uspto_xml(weekly))
    assert len(docs) == 20
    assert [d.line for d in docs] == starts
    assert starts[1] > 100  # not trivially 1, 2, 3 …
    assert {d.file for d in docs} == {str(weekly)}
    one = _docs(read_uspto_xml(design_files[11]))[0]
    assert docs[11].id == one.id and docs[11].figures == one.figures


def test_broken_document_in_the_middle_is_rejected_the_others_load(design_files, tmp_path):
    files = design_files[:7]
    data, starts = _weekly(files)
    broken = files[3].read_bytes().replace(b"</invention-title>", b"</invention-titel>", 1)
    data = b"".join(f.read_bytes() if i != 3 else broken for i, f in enumerate(files))
    weekly = tmp_path / "ipg-broken.xml"
    weekly.write_bytes(data)
    records = list(read_uspto_xml(weekly))
    (rej,) = _rejects(records)
    assert rej.file == str(weekly) and rej.line == starts[3] and rej.field == "xml"
    assert "mismatched tag" in rej.reason
    bad_line = starts[3] + broken[:broken.index(b"</invention-titel>")].count(b"\n")
    assert f"file line {bad_line}," in rej.reason
    assert rej.message().startswith(f"{weekly}:{starts[3]}: xml:")
    assert [d.id for d in _docs(records)] == [
        "USD" + str(int(f.name.split("-")[0][3:])) for i, f in enumerate(files) if i != 3]


def test_split_documents_skips_leading_blank_lines_and_keeps_a_declarationless_doc():
    lines = [b"\n", b"<?xml version='1.0'?>\n", b"<a/>\n", b"<?xml version='1.0'?>\n", b"<b/>\n"]
    assert [s for s, _ in split_documents(lines)] == [2, 4]
    assert list(split_documents([b"\n", b"<a/>\n"])) == [(2, b"<a/>\n")]


def test_zip_and_folder_inputs(design_files, tmp_path):
    z = tmp_path / "week.zip"
    data, _ = _weekly(design_files[:3])
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("ipg210105.xml", data)
        zf.writestr("readme.txt", "not xml")
    docs = _docs(read_uspto_xml(z))
    assert len(docs) == 3 and docs[0].file == f"{z}!ipg210105.xml"
    assert len(_docs(read_uspto_xml(tmp_path))) == 3  # the folder holds only the zip


def test_missing_path_and_bad_mode_raise(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        list(read_uspto_xml(tmp_path / "nope.xml"))
    with pytest.raises(BadInputError, match="figures must be"):
        list(read_uspto_xml(tmp_path, figures="some"))


# ------------------------------------------------------------------ utility fixtures
def _ipcr(section, cls, sub, main, subgroup):
    return f"""<classification-ipcr>
<ipc-version-indicator><date>20060101</date></ipc-version-indicator>
<classification-level>A</classification-level>
<section>{section}</section><class>{cls}</class><subclass>{sub}</subclass>
<main-group>{main}</main-group><subgroup>{subgroup}</subgroup>
<symbol-position>F</symbol-position><classification-value>I</classification-value>
<action-date><date>20210209</date></action-date>
<generating-office><country>US</country></generating-office>
<classification-status>B</classification-status>
<classification-data-source>H</classification-data-source>
</classification-ipcr>"""


def _cpc(section, cls, sub, main, subgroup):
    return f"""<classification-cpc>
<cpc-version-indicator><date>20130101</date></cpc-version-indicator>
<section>{section}</section><class>{cls}</class><subclass>{sub}</subclass>
<main-group>{main}</main-group><subgroup>{subgroup}</subgroup>
<symbol-position>F</symbol-position><classification-value>I</classification-value>
<action-date><date>20210209</date></action-date>
<generating-office><country>US</country></generating-office>
<classification-status>B</classification-status>
<classification-data-source>H</classification-data-source>
<scheme-origination-code>C</scheme-origination-code>
</classification-cpc>"""


UTILITY = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>
<us-patent-grant lang="EN" dtd-version="v4.5 2014-04-03" file="US10912345-20210209.XML" status="PRODUCTION" id="us-patent-grant" country="US" date-produced="20210125" date-publ="20210209">
<us-bibliographic-data-grant>
<publication-reference>
<document-id><country>US</country><doc-number>10912345</doc-number><kind>B2</kind><date>20210209</date></document-id>
</publication-reference>
<application-reference appl-type="utility">
<document-id><country>US</country><doc-number>16123456</doc-number><date>20180905</date></document-id>
</application-reference>
<us-application-series-code>16</us-application-series-code>
<classifications-ipcr>
{_ipcr("G", "06", "N", "3", "08")}
{_ipcr("G", "06", "N", "3", "04")}
</classifications-ipcr>
<classifications-cpc>
<main-cpc>
{_cpc("G", "06", "N", "3", "084")}
</main-cpc>
<further-cpc>
{_cpc("G", "06", "N", "3", "0454")}
{_cpc("G", "06", "N", "3", "084")}
</further-cpc>
</classifications-cpc>
<invention-title id="d2e61">Training neural networks with sparse &#x201c;gates&#x201d;</invention-title>
<us-field-of-classification-search>
<classification-cpc-text>H04L 9/00</classification-cpc-text>
</us-field-of-classification-search>
<figures><number-of-drawing-sheets>2</number-of-drawing-sheets><number-of-figures>3</number-of-figures></figures>
<us-parties>
<us-applicants>
<us-applicant sequence="001" app-type="applicant" designation="us-only" applicant-authority-category="assignee">
<addressbook><orgname>Example AI Corp.</orgname><address><city>Mountain View</city><state>CA</state><country>US</country></address></addressbook>
<residence><country>US</country></residence>
</us-applicant>
</us-applicants>
<inventors>
<inventor sequence="001" designation="us-only">
<addressbook><last-name>Doe</last-name><first-name>Jane</first-name><address><city>Palo Alto</city><state>CA</state><country>US</country></address></addressbook>
</inventor>
<inventor sequence="002" designation="us-only">
<addressbook><last-name>M&#xfc;ller</last-name><first-name>Jens</first-name><address><city>Berlin</city><country>DE</country></address></addressbook>
</inventor>
</inventors>
</us-parties>
<assignees>
<assignee><addressbook><orgname>Example AI Corp.</orgname><role>02</role><address><city>Mountain View</city><state>CA</state><country>US</country></address></addressbook></assignee>
<assignee><addressbook><orgname>Second Holding GmbH</orgname><role>03</role><address><city>Munich</city><country>DE</country></address></addressbook></assignee>
</assignees>
</us-bibliographic-data-grant>
<abstract id="abstract">
<p id="p-0001" num="0000">A method trains a neural network whose layers are gated.
The gates are sparse &#x26; learned.</p>
</abstract>
<drawings id="DRAWINGS">
<figure id="Fig-EMI-D00000" num="00000"><img id="EMI-D00000" file="US10912345-20210209-D00000.TIF" alt="embedded image" img-content="drawing" img-format="tif"/></figure>
<figure id="Fig-EMI-D00001" num="00001"><img id="EMI-D00001" file="US10912345-20210209-D00001.TIF" alt="embedded image" img-content="drawing" img-format="tif"/></figure>
<figure id="Fig-EMI-D00002" num="00002"><img id="EMI-D00002" file="US10912345-20210209-D00002.TIF" alt="embedded image" img-content="drawing" img-format="tif"/></figure>
</drawings>
<description id="description">
<heading id="h-0001" level="1">BACKGROUND</heading>
<p id="p-0002" num="0001">Neural networks are large.</p>
<description-of-drawings>
<heading id="h-0002" level="1">BRIEF DESCRIPTION OF THE DRAWINGS</heading>
<p id="p-0003" num="0002"><figref idref="DRAWINGS">FIG. 1</figref> is a block diagram of a gated network.</p>
<p id="p-0004" num="0003"><figref idref="DRAWINGS">FIGS. 2A and 2B</figref> are flow charts of training.</p>
</description-of-drawings>
</description>
<us-claim-statement>What is claimed is:</us-claim-statement>
<claims id="claims">
<claim id="CLM-00001" num="00001">
<claim-text>1. A method comprising:
<claim-text>receiving training data;</claim-text>
<claim-text>updating sparse gates of a neural network.</claim-text>
</claim-text>
</claim>
<claim id="CLM-00002" num="00002">
<claim-text>2. The method of <claim-ref idref="CLM-00001">claim 1</claim-ref>, wherein the gates are binary.</claim-text>
</claim>
</claims>
</us-patent-grant>
"""

# v4.0-4.2 style (2005-2012): parties/applicants, inventors are applicant-inventors.
OLD_UTILITY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v42-2006-08-23.dtd" [ ]>
<us-patent-grant lang="EN" dtd-version="v4.2 2006-08-23" file="US07654321-20100202.XML" status="PRODUCTION" id="us-patent-grant" country="US" date-produced="20100119" date-publ="20100202">
<us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>07654321</doc-number><kind>B1</kind><date>20100202</date></document-id></publication-reference>
<application-reference appl-type="utility"><document-id><country>US</country><doc-number>11222333</doc-number><date>20061130</date></document-id></application-reference>
<classifications-ipcr>
""" + _ipcr("A", "63", "B", "69", "40") + """
</classifications-ipcr>
<invention-title id="d0e71">Baseball bat with a grip</invention-title>
<parties>
<applicants>
<applicant sequence="001" app-type="applicant-inventor" designation="us-only">
<addressbook><last-name>Smith</last-name><first-name>Bob</first-name><address><city>Austin</city><state>TX</state><country>US</country></address></addressbook>
<nationality><country>US</country></nationality><residence><country>US</country></residence>
</applicant>
</applicants>
</parties>
<assignees><assignee><addressbook><orgname>Bats Inc.</orgname><role>02</role><address><city>Austin</city><state>TX</state><country>US</country></address></addressbook></assignee></assignees>
</us-bibliographic-data-grant>
<abstract id="abstract"><p id="p-0001" num="0000">A bat with a grip.</p></abstract>
<claims id="claims"><claim id="CLM-00001" num="00001"><claim-text>1. A bat comprising a grip.</claim-text></claim></claims>
</us-patent-grant>
"""


@pytest.fixture()
def utility_file(tmp_path: Path) -> Path:
    p = tmp_path / "utility.xml"
    p.write_text(UTILITY + OLD_UTILITY, encoding="utf-8")
    return p


def test_utility_fixture_fields(utility_file):
    records = list(read_uspto_xml(utility_file))
    assert _rejects(records) == []
    d, old = _docs(records)
    assert d.id == "US10912345" and d.props["pn"] == "US10912345"
    assert d.props["kind"] == "utility" and d.props["grant_year"] == 2021
    assert d.year == 2018 and d.year_source == "filing_date"
    assert d.title == "Training neural networks with sparse \u201cgates\u201d"
    assert d.abstract == ("A method trains a neural network whose layers are gated. "
                          "The gates are sparse & learned.")
    assert d.props["claims"] == (
        "1. A method comprising: receiving training data; updating sparse gates of a "
        "neural network.\n2. The method of claim 1, wherein the gates are binary.")
    assert d.codes == [("G06N 3/08", "ipc"), ("G06N 3/04", "ipc"), ("G06N 3/084", "cpc"),
                       ("G06N 3/0454", "cpc")]  # search-field CPC text ignored, dupes dropped
    assert d.props["ipc_text"] == "G06N 3/08; G06N 3/04"
    assert [(a.name, a.country, a.region) for a in d.applicants] == [
        ("Example AI Corp.", "US", "CA"), ("Second Holding GmbH", "DE", None)]
    assert [(p.name, p.country) for p in d.authors] == [("Jane Doe", "US"), ("Jens M\u00fcller", "DE")]
    assert d.figures == []  # figures are read for design patents unless figures='all'
    assert d.line == 1
    assert old.line == UTILITY.count("\n") + 1
    assert old.id == "US7654321" and old.props["kind"] == "utility" and old.year == 2006
    assert [(p.name, p.country) for p in old.authors] == [("Bob Smith", "US")]
    assert [(a.name, a.country) for a in old.applicants] == [("Bats Inc.", "US")]
    assert old.codes == [("A63B 69/40", "ipc")]


def test_utility_figures_on_request_split_multi_figure_captions(utility_file):
    d = _docs(read_uspto_xml(utility_file, figures="all"))[0]
    assert [(f["id"], f["number"]) for f in d.figures] == [
        ("US10912345-F1", 1), ("US10912345-F2A", 2), ("US10912345-F2B", 2)]
    assert d.figures[2]["caption"] == "FIGS. 2A and 2B are flow charts of training."
    assert all(f["file"] is None for f in d.figures)  # 2 sheets for 3 figures
    assert _docs(read_uspto_xml(utility_file, figures="none"))[0].figures == []


def test_ids_drop_leading_zeros_like_the_other_patent_loaders():
    assert canonical_id("US", "D0913312") == "USD913312"
    assert canonical_id("US", "07654321") == "US7654321"
    assert canonical_id("US", "RE045678") == "USRE45678"
    gp = pytest.importorskip("innograph.loaders.google_patents")
    for number in ("D0913312", "07654321", "10912345", "RE045678", "PP012345"):
        assert canonical_id("US", number) == gp.patent_id(number)


def test_figure_reference_forms():
    assert _figure_refs("FIG. 3 is a top view") == [(3, "")]
    assert _figure_refs("FIGS. 1-4 and 7 are views") == [(1, ""), (2, ""), (3, ""), (4, ""), (7, "")]
    assert _figure_refs("FIGURE 12 shows") == [(12, "")]
    assert _figure_refs("FIGS. 5 through 6 are") == [(5, ""), (6, "")]
    assert _figure_refs("The broken lines in FIG. 1 form no part") is None
    figs = parse_figure_paragraphs(
        ["FIG. 1 is a front view;", "FIG. 2 is a rear view.", "The broken lines …"],
        "USD1", ["a.TIF", "b.TIF"])
    assert [(f["id"], f["file"]) for f in figs] == [("USD1-F1", "a.TIF"), ("USD1-F2", "b.TIF")]


# ------------------------------------------------------------------ safety
BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<us-patent-grant><us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>D0000001</doc-number><kind>S1</kind><date>20210105</date></document-id></publication-reference>
<invention-title>&lol9;</invention-title>
</us-bibliographic-data-grant></us-patent-grant>
"""

EXTERNAL_ENTITY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<us-patent-grant><us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>D0000002</doc-number><kind>S1</kind><date>20210105</date></document-id></publication-reference>
<invention-title>&xxe;</invention-title>
</us-bibliographic-data-grant></us-patent-grant>
"""

UNDECLARED_ENTITY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>
<us-patent-grant><us-bibliographic-data-grant>
<publication-reference><document-id><country>US</country><doc-number>D0000003</doc-number><kind>S1</kind><date>20210105</date></document-id></publication-reference>
<invention-title>Cup &mdash; saucer</invention-title>
</us-bibliographic-data-grant></us-patent-grant>
"""


def test_entity_expansion_and_external_entities_are_rejected_safely(utility_file, tmp_path):
    good = utility_file.read_text(encoding="utf-8")
    p = tmp_path / "attack.xml"
    p.write_text(BILLION_LAUGHS + EXTERNAL_ENTITY + UNDECLARED_ENTITY + good, encoding="utf-8")
    records = list(read_uspto_xml(p))
    r1, r2, r3 = _rejects(records)
    assert (r1.line, r1.field) == (1, "DOCTYPE") and "entit" in r1.reason
    assert r2.line == BILLION_LAUGHS.count("\n") + 1 and r2.field == "DOCTYPE"
    assert r3.field == "xml" and "undefined entity" in r3.reason
    assert all(len(r.record) <= 300 for r in (r1, r2, r3))
    assert [d.id for d in _docs(records)] == ["US10912345", "US7654321"]


def test_not_a_grant_and_missing_number_are_rejected(tmp_path):
    p = tmp_path / "other.xml"
    p.write_text('<?xml version="1.0"?>\n<us-patent-application/>\n'
                 '<?xml version="1.0"?>\n<us-patent-grant><us-bibliographic-data-grant/>'
                 '</us-patent-grant>\n', encoding="utf-8")
    a, b = list(read_uspto_xml(p))
    assert isinstance(a, Reject) and a.field == "root" and a.line == 1
    assert isinstance(b, Reject) and b.field == "doc-number" and b.line == 3
