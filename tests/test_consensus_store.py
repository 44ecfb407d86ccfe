"""Consensus training set and stage evaluation on a real Kùzu store of real patents.

Documents: 240 Google Patents records (120 from the "neural network" query = AI, 120 from
the "baseball" query = non-AI; the query is the expert label). Some carry a CPC code
(G06N for AI, A63B for baseball, H04L on a few of each) so that the strata are IPC sections.
The rule is the project's real keywords + IPC rule. The LLM and BERT_outer labels are
the expert label with known, deterministic flips (LLM: every 9th document, only 3 of 4
documents labelled; outer: every 6th), written as `classify import-labels` and
`classify predict` would write them. Expected values are recomputed here with pandas.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.metrics import precision_recall_fscore_support

from innograph.errors import BadInputError
from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.loaders.records import Document, RejectLog
from innograph.pipeline import classify as pc
from innograph.pipeline.ingest import ingest
from tests.conftest import shared_file
from tests.test_classifier import BB_CSV, NN_CSV

N_PER = 120


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    nn = pd.read_csv(shared_file(*NN_CSV), dtype=str).drop_duplicates("patent_number").head(N_PER)
    bb = pd.read_csv(shared_file(*BB_CSV), dtype=str).drop_duplicates("patent_number").head(N_PER)
    docs, rows = [], []
    for y, df in ((True, nn), (False, bb)):
        for k, r in enumerate(df.itertuples()):
            pid = f"US{r.patent_number}"
            codes = []
            if k % 3 == 0:
                codes = [("G06N 3/08" if y else "A63B 69/00", "cpc")]
            elif k % 5 == 0:
                codes = [("H04L 9/00", "cpc")]
            docs.append(Document(kind="patent", id=pid, title=r.patent_title,
                                 abstract=r.patent_abstract if isinstance(
                                     r.patent_abstract, str) else None, codes=codes))
            rows.append((pid, y))
    root = tmp_path_factory.mktemp("consensus")
    store = open_store(str(root / "g.db"))
    ingest(store, docs, RejectLog(None))
    pc.classify_rule(store)
    truth = pd.DataFrame(rows, columns=["id", "expert"]).drop_duplicates("id")
    truth = truth[~truth["id"].duplicated()].reset_index(drop=True)
    i = np.arange(len(truth))
    truth["llm"] = np.where(i % 4 == 3, None, truth["expert"] ^ (i % 9 == 0))
    truth["outer"] = truth["expert"] ^ (i % 6 == 0)
    labels_csv = root / "llm.csv"
    with open(labels_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "llm"])
        for r in truth.itertuples():
            if r.llm is not None:
                w.writerow([r.id, "AI" if r.llm else "non-AI"])
    imp = pc.import_labels(store, labels_csv)
    store.set_properties(schema.PATENT, pa.table({
        "id": truth["id"].tolist(), "is_ai": pa.array(truth["outer"].tolist(), pa.bool_()),
        "ai_stage": ["outer"] * len(truth)}))
    back = store.read_table("MATCH (d:Patent) RETURN d.id AS id, d.ai_rule AS rule").to_pandas()
    truth = truth.merge(back, on="id")
    yield {"store": store, "root": root, "truth": truth, "import": imp}
    store.close()


def test_named_label_columns_are_imported(setup):
    t, imp = setup["truth"], setup["import"]
    n_llm = int(t["llm"].notna().sum())
    assert imp["columns"]["llm"] == {"labelled": n_llm, "ai": int((t["llm"] == True).sum())}  # noqa
    got = setup["store"].read_table("MATCH (d:Patent) WHERE d.ai_label_llm IS NOT NULL RETURN "
                                    "d.id AS id, d.ai_label_llm AS l").to_pandas()
    want = t.dropna(subset=["llm"]).set_index("id")["llm"].astype(bool)
    assert got.set_index("id")["l"].sort_index().equals(want.sort_index().rename("l"))
    assert setup["store"].read_table("MATCH (d:Patent) WHERE d.ai_label IS NOT NULL "
                                     "RETURN count(d)").column(0)[0].as_py() == 0


def test_import_with_several_columns_and_a_bad_cell(setup, tmp_path):
    store = setup["store"]
    ids = setup["truth"]["id"].tolist()
    f = tmp_path / "two.csv"
    f.write_text(f"id,llm,expert\n{ids[0]},AI,\n{ids[1]},,non-AI\n{ids[2]},perhaps,AI\n"
                 f"{ids[3]},,\n")
    rej = tmp_path / "rej.csv"
    s = pc.import_labels(store, f, rejects=rej)
    assert s["columns"] == {"llm": {"labelled": 1, "ai": 1},
                            "expert": {"labelled": 1, "ai": 0}}
    assert s["rejected"] == 2
    assert any(":4: llm:" in m for m in s["samples"])
    assert any(":5: " in m and "no label" in m for m in s["samples"])
    # restore the fixture's llm label of ids[0] and drop the expert label written above
    pc.import_labels(store, setup["root"] / "llm.csv")
    store.set_properties(schema.PATENT, pa.table({"id": [ids[1]], "ai_label_expert":
                                                  pa.array([None], pa.bool_())}))


def _expected_rules(t: pd.DataFrame) -> pd.Series:
    """The paper's four rules, written out again with pandas."""
    rule, llm, outer = t["rule"].astype(bool), t["llm"], t["outer"].astype(bool)
    has = llm.notna()
    llm_b = pd.Series([bool(v) if pd.notna(v) else False for v in llm], index=t.index)
    out = pd.Series([None] * len(t), index=t.index, dtype=object)
    out[rule & has & llm_b] = "ai_rule_llm"
    out[~rule & has & llm_b & outer] = "ai_llm_outer"
    out[~rule & ~outer] = "non_ai_rule_outer"
    out[rule & has & ~llm_b & ~outer] = "non_ai_llm_outer"
    return out


def test_consensus_set_follows_the_four_rules_balanced_and_split(setup, tmp_path):
    store, t = setup["store"], setup["truth"]
    res = pc.consensus_set(store, tmp_path / "cons.csv", seed=5)
    exp = _expected_rules(t)
    assert res["documents"] == len(t)
    assert res["counts"]["candidates"] == {r: int((exp == r).sum()) for r in (
        "ai_rule_llm", "ai_llm_outer", "non_ai_rule_outer", "non_ai_llm_outer")}
    assert res["counts"]["not_admitted"] == int(exp.isna().sum())
    c = pd.read_csv(tmp_path / "cons.csv")
    assert list(c.columns) == list(pc.CONSENSUS_COLUMNS) and len(c) == res["rows"] > 0
    assert (c["admitted_by"].to_numpy() == exp.loc[t.set_index("id").index.get_indexer(
        c["id"])].to_numpy()).all()
    assert ((c["label"] == "AI") == c["admitted_by"].str.startswith("ai_")).all()
    for _, g in c.groupby("stratum"):  # balanced inside each IPC-section stratum
        assert (g["label"] == "AI").sum() == (g["label"] == "non-AI").sum()
    share = c["split"].value_counts() / len(c)
    assert abs(share["train"] - 0.8) < 0.05 and abs(share["test"] - 0.1) < 0.05
    assert set(c["stratum"]) <= {"ipc:G", "ipc:A", "ipc:H", "patent"}
    data = pc.read_consensus(store, tmp_path / "cons.csv")
    assert data["ids"] == c["id"].tolist() or sorted(data["ids"]) == sorted(c["id"])
    assert all(data["texts"])


def test_consensus_needs_its_inputs(setup, tmp_path):
    empty = open_store(str(tmp_path / "e.db"))
    try:
        with pytest.raises(BadInputError, match="classify rule"):
            pc.consensus_set(empty, tmp_path / "c.csv")
    finally:
        empty.close()
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\nx,AI\n")
    with pytest.raises(BadInputError, match="consensus"):
        pc.read_consensus(setup["store"], bad)


def test_evaluate_stages_table4_and_overlaps_match_pandas(setup, tmp_path):
    store, t = setup["store"], setup["truth"]
    expert = tmp_path / "expert.csv"
    t[["id"]].assign(label=np.where(t["expert"], "AI", "non-AI")).to_csv(expert, index=False)
    r = pc.evaluate_stages(store, tmp_path / "eval", expert=expert)
    assert r["n"] == len(t) and r["stages"] == ["rule", "llm", "outer"]
    assert r["expert_import"]["labelled"] == len(t)
    t4 = pd.read_csv(r["files"]["table4"])
    for stage in ("rule", "llm", "outer"):
        sub = t.dropna(subset=[stage])
        y, p = sub["expert"].astype(bool), sub[stage].astype(bool)
        rows = t4[t4["process"] == stage].set_index("class")
        assert rows["n"].iloc[0] == len(sub)
        assert rows["overall_accuracy"].iloc[0] == pytest.approx((y == p).mean())
        pr, rc, f1, _ = precision_recall_fscore_support(y, p, labels=[False, True],
                                                        zero_division=0)
        assert rows.loc["AI", "precision"] == pytest.approx(pr[1])
        assert rows.loc["Non-AI", "recall"] == pytest.approx(rc[0])
        assert rows.loc["AI", "f1"] == pytest.approx(f1[1])
    ov = pd.read_csv(r["files"]["overlaps"]).set_index("stages")
    sub = t.dropna(subset=["llm"])
    agree = sub["rule"].astype(bool) == sub["llm"].astype(bool)
    assert ov.loc["rule & llm", "overlap_rate"] == pytest.approx(agree.mean())
    assert ov.loc["rule & llm", "accuracy_in_overlap"] == pytest.approx(
        (sub["rule"].astype(bool) == sub["expert"])[agree].mean())
    three = (sub["rule"].astype(bool) == sub["llm"].astype(bool)) & (
        sub["llm"].astype(bool) == sub["outer"])
    assert ov.loc["rule & llm & outer", "overlap_rate"] == pytest.approx(three.mean())
    assert ov.loc["rule & outer", "n"] == len(t)
    assert (tmp_path / "eval" / "stages_fig3.png").stat().st_size > 10_000


@pytest.mark.slow
def test_train_inner_on_the_consensus_set_uses_its_split(setup, tmp_path):
    import json

    store = setup["store"]
    pc.consensus_set(store, tmp_path / "cons.csv", seed=5)
    c = pd.read_csv(tmp_path / "cons.csv")
    res = pc.train_consensus(store, tmp_path / "cons.csv", tmp_path / "inner", max_length=32,
                             epochs=1, lr=1e-4, batch_size=16, seed=0, device="cpu")
    meta = json.loads((tmp_path / "inner" / "classifier.json").read_text())
    counts = c["split"].value_counts()
    assert meta["data"]["train"] == counts["train"]
    assert meta["data"]["validation"] == counts["validation"]
    assert meta["data"]["test"] == counts.get("test", 0)
    assert res["training_set"]["rows"] == len(c)


def test_cli_consensus_and_evaluate_expert(setup, tmp_path):
    """The two commands end to end on the same store (closed here, reopened after)."""
    from typer.testing import CliRunner

    from innograph.cli import app

    t = setup["truth"]
    db = str(setup["root"] / "g.db")
    setup["store"].close()
    try:
        runner = CliRunner()
        res = runner.invoke(app, ["classify", "consensus", "--db", db, "--out",
                                  str(tmp_path / "c.csv"), "--seed", "5", "--llm-veto"])
        assert res.exit_code == 0, res.output
        assert "non_ai_rule_outer" in res.output and "vetoed by the LLM" in res.output
        exp = _expected_rules(t)
        vetoed = int(((exp == "non_ai_rule_outer") & (t["llm"] == True)).sum())  # noqa: E712
        assert f"vetoed by the LLM {vetoed}" in res.output
        expert = tmp_path / "expert.csv"
        t[["id"]].assign(expert=np.where(t["expert"], 1, 0)).to_csv(expert, index=False)
        res = runner.invoke(app, ["classify", "evaluate", "--db", db, "--expert", str(expert),
                                  "--out", str(tmp_path / "ev"), "--format", "json"])
        assert res.exit_code == 0, res.output
        assert (tmp_path / "ev" / "stages_fig3.png").is_file()
        assert (tmp_path / "ev" / "stages_table4.csv").is_file()
        res = runner.invoke(app, ["classify", "train", "--db", db, "--stage", "outer",
                                  "--consensus", str(tmp_path / "c.csv"), "--out",
                                  str(tmp_path / "m")])
        assert res.exit_code != 0 and "--stage inner" in res.output
    finally:
        setup["store"] = open_store(db)
