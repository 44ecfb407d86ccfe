"""Hypergraph novelty end to end on a real Kùzu store: incidence, fit, score, historical fits.

The store is built directly with ``upsert_nodes`` / ``upsert_edges``: papers and patents of
2000-2004 whose keywords come from three topics, a few documents that combine two topics
(planted novel), one with a single keyword and one with none.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from innograph.errors import InnographError, ModelMissingError
from innograph.graph import hypergraph
from innograph.graph.store import open_store
from innograph.pipeline import novelty as nv

TOPICS = {
    "vision": ["pixel", "camera", "segmentation", "object detection", "feature map", "lens"],
    "battery": ["anode", "cathode", "electrolyte", "lithium", "separator", "charging"],
    "medicine": ["tumor", "dosage", "biomarker", "tablet", "clinical trial", "therapy"],
}
YEARS = [2000, 2001, 2002, 2003, 2004]


def _corpus(seed: int = 0):
    """(docs: list of (label, id, year, keywords), planted novel ids)."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    docs, novel = [], []
    n = 0
    for year in YEARS:
        for _ in range(24):
            t = TOPICS[names[rng.integers(3)]]
            k = int(rng.integers(3, 5))
            kws = list(rng.choice(t, size=k, replace=False))
            label = "Paper" if n % 3 else "Patent"
            docs.append((label, f"{label[:2].lower()}{n}", year, kws))
            n += 1
    for i in range(4):  # planted cross-topic combinations, last year
        a, b = rng.choice(3, size=2, replace=False)
        kws = list(rng.choice(TOPICS[names[a]], 2, replace=False)) + list(
            rng.choice(TOPICS[names[b]], 2, replace=False))
        docs.append(("Paper", f"novel{i}", 2004, kws))
        novel.append(f"novel{i}")
    docs.append(("Paper", "single", 2004, ["pixel"]))
    docs.append(("Patent", "bare", 2003, []))
    return docs, novel


def _build(store, docs) -> None:
    for label in ("Paper", "Patent"):
        mine = [d for d in docs if d[0] == label]
        store.upsert_nodes(label, pa.table({"id": [d[1] for d in mine],
                                            "year": pa.array([d[2] for d in mine], pa.int64())}))
    kws = sorted({k for d in docs for k in d[3]})
    store.upsert_nodes("Keyword", pa.table({"name": kws}))
    for label in ("Paper", "Patent"):
        edges = [(d[1], k) for d in docs if d[0] == label for k in d[3]]
        store.upsert_edges("HAS_KEYWORD", label, "Keyword", pa.table({
            "src": [e[0] for e in edges], "dst": [e[1] for e in edges],
            "source": ["input"] * len(edges)}))


@pytest.fixture
def corpus():
    return _corpus()


@pytest.fixture
def store(tmp_path, corpus):
    s = open_store(str(tmp_path / "g.db"))
    _build(s, corpus[0])
    yield s
    s.close()


def _props(store, label, cols):
    q = f"MATCH (d:{label}) RETURN d.id AS id, " + ", ".join(f"d.{c} AS {c}" for c in cols)
    return {r["id"]: r for r in store.read_table(q).to_pylist()}


def test_incidence_matches_the_keyword_edges(store, corpus):
    docs, _ = corpus
    inc = hypergraph.incidence(store)
    m, doc_ids, names, years = inc  # unpacks as a 4-tuple
    with_kw = [d for d in docs if d[3]]
    assert m.shape == (len(with_kw), len({k for d in docs for k in d[3]}))
    assert list(names) == sorted(names)
    got = {(lab, i): {names[j] for j in m[r].indices}
           for r, (lab, i) in enumerate(zip(doc_ids["label"], doc_ids["id"]))}
    assert got == {(d[0], d[1]): set(d[3]) for d in with_kw}
    assert m.nnz == sum(len(d[3]) for d in docs) == store.count("HAS_KEYWORD")
    want_years = {(d[0], d[1]): d[2] for d in with_kw}
    assert all(years[r] == want_years[(lab, i)]
               for r, (lab, i) in enumerate(zip(doc_ids["label"], doc_ids["id"])))


def test_incidence_filters_years_labels_and_source(store, corpus):
    docs, _ = corpus
    inc = hypergraph.incidence(store, years=(2001, 2002), labels=("Patent",))
    want = {d[1] for d in docs if d[0] == "Patent" and 2001 <= d[2] <= 2002 and d[3]}
    assert set(inc.doc_ids["id"]) == want and set(inc.doc_ids["label"]) == {"Patent"}
    assert set(np.unique(inc.doc_years)) == {2001.0, 2002.0}
    assert hypergraph.incidence(store, source="keybert").matrix.shape == (0, 0)
    assert hypergraph.incidence(store, years=2004).matrix.shape[0] == sum(
        1 for d in docs if d[2] == 2004 and d[3])


def test_hypernetx_export_has_the_right_sizes(store, corpus):
    docs, _ = corpus
    h = hypergraph.hypernetx(store)
    with_kw = [d for d in docs if d[3]]
    assert h.shape == (len({k for d in docs for k in d[3]}), len(with_kw))
    assert set(h.edges["novel0"]) == set(next(d[3] for d in docs if d[1] == "novel0"))
    assert h.size("single") == 1


def test_fit_writes_keyword_properties_and_saves_the_model(store, tmp_path, corpus):
    docs, _ = corpus
    out = tmp_path / "models"
    s = nv.fit_novelty(store, dims=3, out_dir=out, seed=0, verbose=False)
    assert s["name"] == "mmsb-d3-freq-all" and s["converged"]
    assert s["keywords"] == 18 and s["keywords_written"] == 18
    meta = json.loads((out / "mmsb-d3-freq-all.json").read_text())
    assert meta["years_fitted"] == [2000, 2004] and meta["n_dims"] == 3
    assert meta["salience"] == "freq" and meta["loglik"] == pytest.approx(s["loglik"])
    assert meta["loglik_history"][-1] == pytest.approx(s["loglik"])
    kw = {r["name"]: r for r in store.read_table(
        "MATCH (k:Keyword) RETURN k.name AS name, k.theta AS theta, k.r AS r, k.freq AS freq, "
        "k.mmsb_model AS m").to_pylist()}
    for name, row in kw.items():
        assert len(row["theta"]) == 3 and sum(row["theta"]) == pytest.approx(1.0)
        assert row["r"] > 0 and row["m"] == "mmsb-d3-freq-all"
        assert row["freq"] == sum(1 for d in docs if name in d[3])
    # the three topics come out as three dimensions
    for words in TOPICS.values():
        assert len({int(np.argmax(kw[w]["theta"])) for w in words}) == 1
    assert len({int(np.argmax(kw[ws[0]]["theta"])) for ws in TOPICS.values()}) == 3


def test_score_writes_novelty_on_every_document(store, tmp_path, corpus):
    docs, novel = corpus
    out = tmp_path / "models"
    nv.fit_novelty(store, dims=3, out_dir=out, verbose=False)
    s = nv.score_novelty(store, model=str(out))
    assert s["documents"] == len(docs) and s["models"] == ["mmsb-d3-freq-all"]
    assert s["fewer_than_2_known"] == 2  # "single" and "bare"
    assert s["scored"] == len(docs) - 2
    props = {**_props(store, "Paper", ["novelty", "novelty_model"]),
             **_props(store, "Patent", ["novelty", "novelty_model"])}
    assert props["single"]["novelty"] is None and props["bare"]["novelty"] is None
    assert {p["novelty_model"] for p in props.values()} == {"mmsb-d3-freq-all"}
    scores = {i: p["novelty"] for i, p in props.items() if p["novelty"] is not None}
    same_size = [v for i, v in scores.items() if i not in novel and
                 len(next(d[3] for d in docs if d[1] == i)) == 4]
    assert min(scores[i] for i in novel) > np.quantile(same_size, 0.9)


def test_historical_scores_each_year_with_earlier_years(store, tmp_path, corpus):
    docs, _ = corpus
    out = tmp_path / "hist"
    s = nv.score_novelty(store, model=str(out), historical=True, dims=3, verbose=False)
    first = [d for d in docs if d[2] == 2000]
    assert s["no_model"] == len(first)
    assert s["models"] == [f"mmsb-d3-freq-min-{y - 1}" for y in YEARS[1:]]
    props = {**_props(store, "Paper", ["novelty", "novelty_model", "year"]),
             **_props(store, "Patent", ["novelty", "novelty_model", "year"])}
    for p in props.values():
        if p["year"] == 2000:
            assert p["novelty"] is None and p["novelty_model"] is None
        else:
            assert p["novelty_model"] == f"mmsb-d3-freq-min-{p['year'] - 1}"
    for y in YEARS[1:]:
        meta = json.loads((out / f"mmsb-d3-freq-min-{y - 1}.json").read_text())
        assert meta["historical"] is True and meta["years_fitted"] == [2000, y - 1]
    # a rerun reuses the saved fits
    stamp = (out / "mmsb-d3-freq-min-2003.json").stat().st_mtime_ns
    s2 = nv.score_novelty(store, model=str(out), historical=True, dims=3)
    assert s2["models"] == s["models"]
    assert (out / "mmsb-d3-freq-min-2003.json").stat().st_mtime_ns == stamp
    # a rolling window of 2 years
    s3 = nv.score_novelty(store, model=str(out), historical=True, dims=3, window=2)
    assert s3["models"][-1] == "mmsb-d3-freq-2002-2003"
    meta = json.loads((out / "mmsb-d3-freq-2002-2003.json").read_text())
    assert meta["years_fitted"] == [2002, 2003]


def test_missing_model_and_empty_store_are_clear_errors(tmp_path):
    s = open_store(str(tmp_path / "empty.db"))
    try:
        with pytest.raises(ModelMissingError, match="novelty fit"):
            nv.score_novelty(s, model=str(tmp_path / "nothing"))
        with pytest.raises(InnographError, match="at least 2 keywords"):
            nv.fit_novelty(s, dims=2, out_dir=tmp_path / "m", verbose=False)
    finally:
        s.close()


def test_parse_years():
    assert nv.parse_years("2000-2010") == (2000, 2010)
    assert nv.parse_years("2000-") == (2000, None)
    assert nv.parse_years("-2010") == (None, 2010)
    assert nv.parse_years("2005") == (2005, 2005)
    assert nv.parse_years(None) is None
    with pytest.raises(InnographError):
        nv.parse_years("2010-2000")
    with pytest.raises(InnographError):
        nv.parse_years("recent")


def test_planted_novel_documents_of_the_synthetic_corpus_score_highest(tmp_path):
    """The demo corpus (loaders.synthetic) plants documents joining two distant topics."""
    from innograph.loaders.records import RejectLog
    from innograph.loaders.synthetic import synthetic_corpus
    from innograph.pipeline.ingest import ingest

    docs, truth = synthetic_corpus(seed=7)
    s = open_store(str(tmp_path / "demo.db"))
    try:
        ingest(s, docs, RejectLog(None))
        nv.fit_novelty(s, dims=6, out_dir=tmp_path / "m", seed=7, verbose=False)
        nv.score_novelty(s, model=str(tmp_path / "m"))
        rows = {**_props(s, "Paper", ["novelty"]), **_props(s, "Patent", ["novelty"])}
    finally:
        s.close()
    scores = np.array([r["novelty"] for r in rows.values()])
    assert np.isfinite(scores).all()
    pct = {i: float((scores < r["novelty"]).mean()) for i, r in rows.items()}
    assert min(pct[i] for i in truth.novel) >= 0.95


# ------------------------------------------------------------- issue 14.4 / 16.3 additions
def _single_use_docs():
    """Documents of 2004 whose keywords occur nowhere else (all, or 4 of 5 of them)."""
    return [("Paper", "solo0", 2004, ["quark", "gluon", "boson"]),
            ("Patent", "solo1", 2004, ["hinge", "latch", "bracket", "gasket"]),
            ("Paper", "mostly", 2004, ["pixel", "zeta1", "zeta2", "zeta3", "zeta4"]),
            ("Paper", "half", 2004, ["pixel", "camera", "omega1", "omega2"])]


def _expected_reuse(docs, threshold):
    """pandas over the documents: keyword document frequency, single-use shares."""
    import pandas as pd

    rows = pd.DataFrame([(d[1], k) for d in docs for k in d[3]], columns=["doc", "kw"])
    df = rows.groupby("kw")["doc"].nunique()
    rows["single"] = rows["kw"].map(df).eq(1)
    share = rows.groupby("doc")["single"].mean()
    return df, set(share[share >= threshold].index)


def test_single_use_documents_get_no_score_and_are_counted(tmp_path, corpus):
    docs = corpus[0] + _single_use_docs()
    s = open_store(str(tmp_path / "g.db"))
    try:
        _build(s, docs)
        out = tmp_path / "models"
        f = nv.fit_novelty(s, dims=3, out_dir=out, verbose=False)
        df, null_docs = _expected_reuse(docs, 0.8)
        assert f["keywords_single_use"] == int((df == 1).sum())
        assert f["keywords_single_use_share"] == round(float((df == 1).mean()), 4)
        r = nv.score_novelty(s, model=str(out))
        assert r["mode"] == nv.MODE_ALL_YEARS and "after it" in r["mode"]
        assert null_docs == {"solo0", "solo1", "mostly"}  # "half": 2 of 4, scored
        assert r["single_use"] == 3 and r["fewer_than_2_known"] == 2
        assert r["keywords_single_use_share"] == round(float((df == 1).mean()), 4)
        assert r["scored"] == len(docs) - 5
        props = {**_props(s, "Paper", ["novelty"]), **_props(s, "Patent", ["novelty"])}
        assert {i for i, p in props.items() if p["novelty"] is None} == null_docs | {
            "single", "bare"}
        # threshold 1: only documents made wholly of single-use keywords are left out
        r1 = nv.score_novelty(s, model=str(out), max_single_use=1.0)
        assert r1["single_use"] == len(_expected_reuse(docs, 1.0)[1]) == 2
        # without the rule the all-single-use documents get the shared constant back
        r0 = nv.score_novelty(s, model=str(out), max_single_use=None)
        assert r0["single_use"] == 0 and r0["scored"] == len(docs) - 2
        props = {**_props(s, "Paper", ["novelty"]), **_props(s, "Patent", ["novelty"])}
        saved = nv.load_model(out)
        per_kw = np.log(saved.freq.max() / saved.meta["r_scale"])
        assert props["solo0"]["novelty"] == pytest.approx(3 * per_kw, rel=1e-3)
        assert props["solo1"]["novelty"] == pytest.approx(4 * per_kw, rel=1e-3)
        with pytest.raises(InnographError, match="max_single_use"):
            nv.score_novelty(s, model=str(out), max_single_use=0)
    finally:
        s.close()


def test_cli_scores_historically_by_default_and_all_years_says_so(store, tmp_path):
    from typer.testing import CliRunner

    from innograph.cli import app

    db = str(tmp_path / "g.db")
    store.close()
    hist = CliRunner().invoke(app, ["novelty", "score", "--db", db, "--dims", "3", "--model",
                                    str(tmp_path / "hist"), "--quiet", "--format", "json"])
    assert hist.exit_code == 0, hist.output
    assert "mode: historical" in hist.output and "mmsb-d3-freq-min-2003" in hist.output
    runner = CliRunner()
    fit = runner.invoke(app, ["novelty", "fit", "--db", db, "--dims", "3", "--out",
                              str(tmp_path / "m"), "--quiet", "--salience", "paper"])
    assert fit.exit_code == 0, fit.output
    assert "keywords_single_use_share" in fit.output
    allyears = runner.invoke(app, ["novelty", "score", "--db", db, "--all-years", "--model",
                                   str(tmp_path / "m"), "--quiet"])
    assert allyears.exit_code == 0, allyears.output
    assert "all-years" in allyears.output and "mmsb-d3-paper-all" in allyears.output


def test_min_df_prunes_rare_keybert_keywords_only(tmp_path):
    """``keywords --min-df``: keybert edges of keywords in fewer than N documents go; input
    edges and frequent keywords stay; compared with pandas over the same edges."""
    import pandas as pd

    from innograph.pipeline.keywords import prune_rare_keywords

    s = open_store(str(tmp_path / "k.db"))
    try:
        s.upsert_nodes("Paper", pa.table({"id": ["p1", "p2", "p3"]}))
        s.upsert_nodes("Patent", pa.table({"id": ["t1"]}))
        edges = [("Paper", "p1", "laser", "keybert"), ("Paper", "p2", "laser", "keybert"),
                 ("Patent", "t1", "laser", "keybert"), ("Paper", "p1", "optical cavity", "keybert"),
                 ("Paper", "p3", "gearbox", "keybert"), ("Paper", "p3", "clutch", "input"),
                 ("Paper", "p2", "mirror", "keybert"), ("Patent", "t1", "mirror", "input")]
        s.upsert_nodes("Keyword", pa.table({"name": sorted({e[2] for e in edges})}))
        for label in ("Paper", "Patent"):
            mine = [e for e in edges if e[0] == label]
            s.upsert_edges("HAS_KEYWORD", label, "Keyword", pa.table({
                "src": [e[1] for e in mine], "dst": [e[2] for e in mine],
                "source": [e[3] for e in mine], "score": pa.array([0.5] * len(mine)),
                "model": ["m"] * len(mine), "rank": pa.array(range(1, len(mine) + 1), pa.int64())}))
        r = prune_rare_keywords(s, 2)
        e = pd.DataFrame(edges, columns=["label", "doc", "kw", "source"])
        df = e.groupby("kw")["doc"].nunique()
        gone = e[(e["source"] == "keybert") & e["kw"].map(df).lt(2)]
        assert r["keywords"] == len(df) and r["keywords_below"] == int((df < 2).sum()) == 3
        assert r["edges_removed"] == len(gone) == 2  # optical cavity, gearbox
        assert r["documents_changed"] == 2 and r["documents_emptied"] == 0  # p3 keeps clutch
        left = {(x["d"], x["k"], x["s"]) for lab in ("Paper", "Patent") for x in s.read_table(
            f"MATCH (d:{lab})-[e:HAS_KEYWORD]->(k:Keyword) RETURN d.id AS d, k.name AS k, "
            "e.source AS s").to_pylist()}
        want = {(x.doc, x.kw, x.source) for x in e.itertuples()} - {
            (x.doc, x.kw, x.source) for x in gone.itertuples()}
        assert left == want
        assert prune_rare_keywords(s, 2)["edges_removed"] == 0  # a rerun changes nothing
    finally:
        s.close()


def test_cli_keywords_min_df_leaves_only_reused_keywords(tmp_path):
    """`innograph keywords --min-df 2` on 8 short texts: afterwards every KeyBERT keyword
    is in at least 2 documents (pandas over the edges read back), and the summary says what
    went."""
    import json as _json

    import pandas as pd
    from typer.testing import CliRunner

    from innograph.cli import app

    texts = ["lithium battery anode coating", "battery anode electrolyte additive",
             "camera lens pixel sensor", "pixel sensor noise reduction camera",
             "tumor biomarker dosage trial", "biomarker tumor imaging", "quantum gravity",
             "lithium electrolyte separator battery"]
    db = str(tmp_path / "kw.db")
    s = open_store(db)
    s.upsert_nodes("Paper", pa.table({"id": [f"p{i}" for i in range(len(texts))],
                                      "title": texts}))
    s.close()
    res = CliRunner().invoke(app, ["keywords", "--db", db, "--ngram", "1-1", "--top-k", "4",
                                   "--min-df", "2", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    summary = _json.loads(res.output[res.output.index("{"):])
    s = open_store(db)
    try:
        e = s.read_table("MATCH (d:Paper)-[e:HAS_KEYWORD]->(k:Keyword) RETURN d.id AS d, "
                         "k.name AS k").to_pandas()
    finally:
        s.close()
    df = e.groupby("k")["d"].nunique()
    assert len(e) > 0 and (df >= 2).all()
    m = summary["min_df"]
    assert m["min_df"] == 2 and m["keywords"] == m["keywords_below"] + len(df)
    assert m["edges_removed"] == summary["Paper"]["edges"] - len(e)
