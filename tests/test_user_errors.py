"""What a user meets on a wrong ``--db`` or a silent-empty export (issue 14, items 3 and 5).

Real embedded stores in tmp folders, the real CLI through typer's runner: a wrong path is one
clear line naming the path and what is expected, exit status 2, no traceback; an unknown
``--method`` is a usage error listing the valid values; a method the store has no edges of is
an error that writes nothing; an empty file is named with its reason.
"""

from __future__ import annotations

import csv

import pyarrow as pa
import pytest
import torch
from typer.testing import CliRunner

from innograph.cli import app
from innograph.graph import schema
from innograph.graph.store import open_store


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _one_line_error(res, *needles: str) -> str:
    """The error message of a failed command: no traceback, one line, naming every needle."""
    text = res.output
    assert "Traceback" not in text, text
    assert res.exception is None or isinstance(res.exception, SystemExit), text
    lines = [ln for ln in text.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, text
    for n in needles:
        assert n in lines[0], (n, text)
    return lines[0]


@pytest.fixture
def small_store(tmp_path):
    """A real store: 3 papers, 2 patents, exact SIMILAR_TO edges for 2 papers."""
    path = tmp_path / "demo" / "innograph.db"
    path.parent.mkdir()
    s = open_store(str(path))
    s.upsert_nodes(schema.PAPER, pa.table({"id": ["1", "2", "3"], "title": ["a", "b", "c"],
                                           "year": pa.array([2001, 2002, 2003], pa.int64())}))
    s.upsert_nodes(schema.PATENT, pa.table({"id": ["US1", "US2"], "title": ["x", "y"],
                                            "year": pa.array([2004, 2005], pa.int64())}))
    s.upsert_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT, pa.table({
        "src": ["1", "2"], "dst": ["US1", "US2"], "score": [0.5, 0.25],
        "rank": pa.array([1, 1], pa.int64()), "method": ["exact", "exact"],
        "model": ["m", "m"]}))
    s.close()
    return path


# ------------------------------------------------------------------ item 5: --db
@pytest.mark.parametrize("command", [["stats"], ["export", "OUT"], ["query", "documents_by_year"],
                                     ["embed"]])
def test_db_pointing_at_the_demo_folder_suggests_the_store_inside(small_store, tmp_path,
                                                                   command):
    folder = small_store.parent
    args = [a if a != "OUT" else str(tmp_path / "o") for a in command]
    res = _run(*args, "--db", str(folder))
    assert res.exit_code == 2, res.output
    _one_line_error(res, str(folder), "is a folder, not a store",
                    f"did you mean {small_store}")
    assert not (tmp_path / "o").exists()


def test_db_pointing_at_a_folder_without_a_store(tmp_path):
    res = _run("stats", "--db", str(tmp_path))
    assert res.exit_code == 2
    _one_line_error(res, str(tmp_path), "is a folder, not a store", "innograph.db")


@pytest.mark.parametrize("command", [["stats"], ["keywords"]])
def test_db_pointing_at_a_csv_file_is_refused_and_the_file_left_alone(tmp_path, command):
    f = tmp_path / "papers.csv"
    f.write_text("id,title\n1,a\n", encoding="utf-8")
    res = _run(*command, "--db", str(f))
    assert res.exit_code == 2, res.output
    _one_line_error(res, str(f), "is not a Kùzu store")
    assert f.read_text(encoding="utf-8") == "id,title\n1,a\n"


def test_missing_store_for_a_read_command(tmp_path):
    p = tmp_path / "nope.db"
    res = _run("export", str(tmp_path / "o"), "--db", str(p))
    assert res.exit_code == 2
    _one_line_error(res, f"no store at {p}", "innograph load")
    assert not p.exists()


def test_kuzu_file_without_innograph_tables_for_a_read_command(tmp_path):
    import kuzu

    p = tmp_path / "other.db"
    db = kuzu.Database(str(p))
    kuzu.Connection(db).execute("CREATE NODE TABLE T(id STRING, PRIMARY KEY(id))")
    db.close()
    res = _run("stats", "--db", str(p))
    assert res.exit_code == 2
    _one_line_error(res, str(p), "without innograph's tables")


def test_a_new_path_for_a_write_command_still_creates_a_store(tmp_path):
    p = tmp_path / "new.db"
    f = tmp_path / "p.csv"
    f.write_text("ID,Title,Year\n7,hello,2001\n", encoding="utf-8")
    res = _run("load", "csv", str(f), "--kind", "paper", "--map", "id=ID,title=Title,year=Year",
               "--db", str(p), "--rejects", str(tmp_path / "r.csv"))
    assert res.exit_code == 0, res.output
    assert _run("stats", "--db", str(p), "--format", "json").exit_code == 0


# --------------------------------------------------------- item 3: empty exports
def test_export_unknown_method_is_a_usage_error_listing_valid_values(small_store, tmp_path):
    res = _run("export", str(tmp_path / "o"), "--method", "exat", "--db", str(small_store))
    assert res.exit_code == 2, res.output
    assert "exat" in res.output
    for m in ("exact", "index", "input"):
        assert m in res.output
    assert not (tmp_path / "o").exists()


def test_export_method_without_edges_is_an_error_and_writes_nothing(small_store, tmp_path):
    out = tmp_path / "o"
    res = _run("export", str(out), "--method", "index", "--db", str(small_store))
    assert res.exit_code == 1, res.output
    _one_line_error(res, "--method index", "methods present: exact", "innograph match")
    assert not out.exists()


def test_export_existing_method_writes_the_edges(small_store, tmp_path):
    out = tmp_path / "o"
    res = _run("export", str(out), "--method", "exact", "--ids", "source",
               "--db", str(small_store))
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(out / schema.DEEP_COSINE_CSV, encoding="utf-8")))
    assert [(r["Paper_ID"], r["Patent_ID"], float(r["Cosine similarity"])) for r in rows] == \
        [("1", "US1", 0.5), ("2", "US2", 0.25)]
    assert "warning" not in res.output


def test_export_without_edges_names_the_empty_file(tmp_path):
    p = tmp_path / "g.db"
    s = open_store(str(p))
    s.upsert_nodes(schema.PAPER, pa.table({"id": ["1"], "title": ["a"],
                                           "year": pa.array([2001], pa.int64())}))
    s.close()
    out = tmp_path / "o"
    res = _run("export", str(out), "--db", str(p))
    assert res.exit_code == 0, res.output  # nothing specific was asked for: files + a word
    assert f"{schema.DEEP_COSINE_CSV} has no rows" in res.output
    assert f"{schema.DEEP_PATENT_CSV} has no rows" in res.output
    assert f"{schema.DEEP_DIVE_CSV} has no rows" not in res.output
    assert len(list(csv.reader(open(out / schema.DEEP_DIVE_CSV, encoding="utf-8")))) == 2


def test_export_of_an_empty_store_is_an_error(tmp_path):
    p = tmp_path / "g.db"
    open_store(str(p)).close()
    res = _run("export", str(tmp_path / "o"), "--db", str(p))
    assert res.exit_code == 1
    _one_line_error(res, "holds no Paper and no Patent")
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------- item 3: empty analyses
@pytest.mark.parametrize("command,needs", [
    (["cooperation", "--by", "region"], "patents whose applicants have a region"),
    (["cooccurrence", "--of", "keyword"], "papers or patents with keywords"),
    (["network", "--nodes", "applicant"], "documents with applicants"),
])
def test_analysis_with_nothing_to_analyse_says_why_and_fails(small_store, tmp_path, command,
                                                             needs):
    # the store has papers and patents but no applicants, regions or keywords
    res = _run("analyze", *command, "--out", str(tmp_path / "a"), "--db", str(small_store))
    assert res.exit_code == 1, res.output
    _one_line_error(res, "nothing to analyse", needs)


@pytest.mark.parametrize("years", ["2030-2031", "2031"])
def test_analysis_of_years_outside_the_store(tmp_path, years):
    p = tmp_path / "g.db"
    s = open_store(str(p))
    s.upsert_nodes(schema.PATENT, pa.table({"id": ["US1", "US2"], "title": ["a", "b"],
                                            "year": pa.array([2004, 2005], pa.int64())}))
    s.upsert_nodes(schema.KEYWORD, pa.table({"name": ["robot", "valve"]}))
    s.upsert_edges(schema.HAS_KEYWORD, schema.PATENT, schema.KEYWORD, pa.table({
        "src": ["US1", "US1", "US2", "US2"], "dst": ["robot", "valve", "robot", "valve"],
        "source": [schema.SOURCE_INPUT] * 4, "rank": pa.array([1, 2, 1, 2], pa.int64())}))
    s.close()
    ok = _run("analyze", "cooccurrence", "--out", str(tmp_path / "a"), "--db", str(p))
    assert ok.exit_code == 0, ok.output
    res = _run("analyze", "cooccurrence", "--years", years, "--out", str(tmp_path / "b"),
               "--db", str(p))
    assert res.exit_code == 1, res.output
    _one_line_error(res, "nothing to analyse", f"in the years {years} (the files")


# ------------------------------------------------------------ item 3: empty match
def _vectors_store(path, paper_years, patent_years, patents_embedded=True):
    s = open_store(str(path))
    s.upsert_nodes(schema.PAPER, pa.table({
        "id": [f"W{i}" for i in range(len(paper_years))],
        "year": pa.array(paper_years, pa.int64()),
        "embedding": [[1.0, float(i)] for i in range(len(paper_years))],
        "embedding_model": ["m"] * len(paper_years)}))
    s.upsert_nodes(schema.PATENT, pa.table({
        "id": [f"P{i}" for i in range(len(patent_years))],
        "year": pa.array(patent_years, pa.int64()),
        "embedding": [[1.0, float(i)] if patents_embedded else None
                      for i in range(len(patent_years))],
        "embedding_model": ["m" if patents_embedded else None] * len(patent_years)}))
    s.close()


def test_match_without_embedded_patents_says_why_and_keeps_old_edges(tmp_path):
    p = tmp_path / "g.db"
    _vectors_store(p, [2001, 2002], [2003], patents_embedded=False)
    s = open_store(str(p))
    s.upsert_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT, pa.table({
        "src": ["W0"], "dst": ["P0"], "score": [0.5], "rank": pa.array([1], pa.int64()),
        "method": ["exact"], "model": ["old"]}))
    s.close()
    res = _run("match", "--db", str(p))
    assert res.exit_code == 2, res.output
    _one_line_error(res, "no Patent has an embedding of model 'm'", "innograph embed")
    s = open_store(str(p), read_only=True)
    assert s.count(schema.SIMILAR_TO) == 1  # the earlier edge is still there
    s.close()


def test_match_with_every_paper_after_every_patent_says_why(tmp_path):
    p = tmp_path / "g.db"
    _vectors_store(p, [2010, 2011], [2001, 2002])
    res = _run("match", "--db", str(p), "--format", "json")
    assert res.exit_code == 1, res.output
    _one_line_error(res, "no SIMILAR_TO edge written", "none of the 2 papers",
                    "among the 2 patents")
    ok_store = tmp_path / "ok.db"
    _vectors_store(ok_store, [2001, 2011], [2001, 2002])
    ok = _run("match", "--db", str(ok_store), "--format", "json")
    assert ok.exit_code == 0, ok.output
    s = open_store(str(ok_store), read_only=True)
    assert s.count(schema.SIMILAR_TO) == 1  # W0 → a patent; W1 (2011) has none eligible
    s.close()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_match_on_cuda_without_cuda_is_one_error_line(tmp_path):
    p = tmp_path / "g.db"
    _vectors_store(p, [2001], [2002])
    res = _run("match", "--device", "cuda", "--db", str(p))
    assert res.exit_code == 2, res.output
    _one_line_error(res, "cuda", "CUDA")
