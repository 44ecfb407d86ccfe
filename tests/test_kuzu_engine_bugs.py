"""Minimal repros of the Kùzu 0.11.3 aggregation bugs the query library works around.

Each test asserts the CURRENT wrong behaviour beside the right answer computed in pandas,
and that the workaround the library uses gives the right answer. When a Kùzu version fixes
a bug, its test fails with "Kùzu behaviour changed": re-check the queries named in the
message (they can then be written the plain way again) and update this file. The oracle
(tests/test_oracle.py) checks the queries themselves.
"""

from __future__ import annotations

import random

import kuzu
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    """One table D: 3,000 rows, years 1960-2021, ``rule`` a written BOOL, ``flag`` a BOOL
    never written (all NULL); T: 50 rows with years; R: 300 edges D -> T."""
    db = kuzu.Database(str(tmp_path_factory.mktemp("kuzu_bugs") / "g.db"))
    c = kuzu.Connection(db)
    c.execute("CREATE NODE TABLE D(id INT64 PRIMARY KEY, year INT64, rule BOOL, flag BOOL)")
    c.execute("CREATE NODE TABLE T(id INT64 PRIMARY KEY, year INT64)")
    c.execute("CREATE REL TABLE R(FROM D TO T)")
    rng = random.Random(0)
    d = pd.DataFrame({"id": range(3000), "year": [rng.randint(1960, 2021) for _ in range(3000)],
                      "rule": [rng.random() < 0.3 for _ in range(3000)]})
    t = pd.DataFrame({"id": range(50), "year": [2000 + i % 10 for i in range(50)]})
    e = pd.DataFrame({"from": range(300), "to": [i % 50 for i in range(300)]})
    c.execute("COPY D(id, year, rule) FROM d")
    c.execute("COPY T FROM t")
    c.execute("COPY R FROM e")
    yield c, d, t, e
    c.close()
    db.close()


def _by_year(c, q: str) -> pd.DataFrame:
    return c.execute(q).get_as_df().set_index("year").sort_index()


def test_count_beside_sum_case_on_a_bool_property_after_a_filter(conn):
    """``count(*)`` beside ``sum(CASE WHEN d.<bool> THEN 1 ELSE 0 END)``, after a WHERE,
    moves rows between groups (both columns wrong; only the totals are right)."""
    c, d, _, _ = conn
    want = pd.DataFrame({"n": d.groupby("year").size(), "ai": d.groupby("year")["rule"].sum()})
    bare = _by_year(c, "MATCH (d:D) WHERE d.year > 0 RETURN d.year AS year, count(*) AS n, "
                       "sum(CASE WHEN d.rule THEN 1 ELSE 0 END) AS ai")
    nulls = _by_year(c, "MATCH (d:D) WHERE d.year > 0 RETURN d.year AS year, count(*) AS n, "
                        "sum(CASE WHEN d.flag THEN 1 ELSE 0 END) AS ai")
    assert int(bare["n"].sum()) == len(d)  # the total is right ...
    wrong = int((bare["n"] != want["n"]).sum()) + int((nulls["n"] != want["n"]).sum())
    assert wrong > 0, (
        "Kùzu behaviour changed: count(*) beside sum(CASE WHEN <bool property> …) after a "
        "filter is now right; re-check the rewritten query documents_by_year (two stages, no "
        "filter) and flows_by_ai_label, and update tests/test_kuzu_engine_bugs.py")
    # the workarounds: the CASE on an expression (the final label is coalesce(is_ai, ai_rule)),
    # or two stages (count per key and label, then sum), give the right answer
    co = _by_year(c, "MATCH (d:D) WHERE d.year > 0 RETURN d.year AS year, count(*) AS n, "
                     "sum(CASE WHEN coalesce(d.flag, d.rule) THEN 1 ELSE 0 END) AS ai")
    two = _by_year(c, "MATCH (d:D) WHERE d.year > 0 WITH d.year AS year, "
                      "coalesce(d.flag, d.rule) AS a, count(*) AS k RETURN year, sum(k) AS n, "
                      "sum(CASE WHEN a = true THEN k ELSE 0 END) AS ai")
    for got in (co, two):
        assert got["n"].astype(int).tolist() == want["n"].tolist()
        assert got["ai"].astype(int).tolist() == want["ai"].astype(int).tolist()


@pytest.mark.parametrize("agg", ["avg", "min", "max", "sum"])
def test_aggregate_beside_count_distinct_is_null(conn, agg):
    """With a grouping key, ``avg``/``min``/``max``/``sum`` beside ``count(DISTINCT …)``
    return NULL (count(DISTINCT) itself is right)."""
    c, d, t, e = conn
    m = e.merge(d, left_on="from", right_on="id").merge(t, left_on="to", right_on="id",
                                                        suffixes=("_d", "_t"))
    g = m.groupby("rule")
    got = c.execute(f"MATCH (d:D)-[:R]->(t:T) RETURN d.rule AS rule, count(DISTINCT t) AS nt, "
                    f"{agg}(t.year) AS v ORDER BY rule").get_as_df().set_index("rule")
    assert got["nt"].tolist() == g["to"].nunique().sort_index().tolist()
    assert got["v"].isna().all(), (
        f"Kùzu behaviour changed: {agg}(…) beside count(DISTINCT …) is no longer NULL; "
        "re-check the rewritten queries flows_by_institution (mean_lag_years) and "
        "keyword_bridges (first_paper_year, first_patent_year), and update "
        "tests/test_kuzu_engine_bugs.py")
    # the workaround: no DISTINCT; one row per (key, distinct thing) first, then aggregate
    two = c.execute("MATCH (d:D)-[:R]->(t:T) WITH d.rule AS rule, t, count(*) AS k, "
                    "sum(t.year) AS s, min(t.year) AS lo, max(t.year) AS hi "
                    "RETURN rule, count(*) AS nt, 1.0 * sum(s) / sum(k) AS avg, sum(s) AS sum, "
                    "min(lo) AS min, max(hi) AS max ORDER BY rule").get_as_df().set_index("rule")
    assert two["nt"].tolist() == g["to"].nunique().sort_index().tolist()
    assert two[agg].astype(float).tolist() == pytest.approx(
        g["year_t"].agg("mean" if agg == "avg" else agg).sort_index().astype(float).tolist())
