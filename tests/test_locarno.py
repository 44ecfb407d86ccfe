"""Locarno classification of design patents (issue 10): multi-class metrics against
scikit-learn, rare-class policies, a tiny multi-class training run on synthetic design
patents with planted Locarno classes (real Kùzu store), the model directory, predict /
resume / redo on the store, evaluation, refusals, and the 20 real USPTO design grants end
to end."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support, precision_score, recall_score,
                             top_k_accuracy_score)

from innograph.errors import BadInputError, ModelMissingError
from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.loaders.records import Document, RejectLog
from innograph.loaders.synthetic_designs import LOCARNO, planted_labels, synthetic_designs
from innograph.loaders.uspto_xml import read_uspto_xml
from innograph.models import classify as clf
from innograph.models.classify.metrics import p_ai
from innograph.pipeline import figure_search as pf
from innograph.pipeline import locarno as pl
from innograph.pipeline.ingest import ingest

N_DESIGNS = 300
TRAIN = dict(max_length=32, epochs=2, lr=5e-4, batch_size=16, seed=0, device="cpu")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Train and predict on one thread: on the shared 2-core CI machines two threads are
    several times slower (oversubscription); restored after the module."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _open(path: Path):
    s = open_store(str(path))
    s.ensure_schema()
    return s


def _extra_docs() -> list[Document]:
    """Two rare Locarno classes (one patent each: merged into 'other'), a design patent with
    no text, and three utility patents without Locarno codes."""
    rare = [Document(kind="patent", id="XD-RARE-1", title="Faucet with a curved spout",
                     props={"kind": "design"}, codes=[("23-01", schema.SCHEME_LOCARNO)]),
            Document(kind="patent", id="XD-RARE-2", title="Building brick",
                     props={"kind": "design"}, codes=[("25-01", schema.SCHEME_LOCARNO)])]
    empty = [Document(kind="patent", id="XD-EMPTY", props={"kind": "design"},
                      codes=[("02-04", schema.SCHEME_LOCARNO)])]
    utility = [Document(kind="patent", id=f"XU-{i}", title=t, abstract="A method and system.",
                        props={"kind": "utility"}, codes=[("G06N 3/08", schema.SCHEME_CPC)])
               for i, t in enumerate(("Neural network training", "Baseball bat grip",
                                      "Battery management system"))]
    return rare + empty + utility


@pytest.fixture(scope="module")
def design_store(tmp_path_factory):
    store = _open(tmp_path_factory.mktemp("loc") / "g.db")
    docs = synthetic_designs(N_DESIGNS, seed=1)
    s = ingest(store, docs + _extra_docs(), RejectLog(None))
    assert s.rejected == 0
    yield store, docs
    store.close()


@pytest.fixture(scope="module")
def trained(design_store, tmp_path_factory):
    store, _ = design_store
    out = tmp_path_factory.mktemp("model") / "locarno-class"
    res = pl.train_locarno(store, out, level="class", rare="other", **TRAIN)
    return out, res


# ============================================================================ metrics
MC_CASES = [
    # (y_true, prob columns for labels a, b, c)
    (["a", "b", "c", "a", "b", "c", "a", "a"],
     [[.7, .2, .1], [.1, .8, .1], [.2, .5, .3], [.31, .4, .29], [.6, .3, .1], [.1, .2, .7],
      [.5, .1, .4], [.2, .3, .5]]),
    (["a", "a", "a", "b"], [[.6, .3, .1], [.5, .2, .3], [.4, .35, .25], [.7, .2, .1]]),  # c never
    (["c", "c", "b", "a", "b"], [[.1, .2, .7], [.2, .1, .7], [.3, .6, .1], [.06, .9, .04],
                                 [.2, .7, .1]]),
]


@pytest.mark.parametrize("y,p", MC_CASES)
def test_evaluate_multiclass_matches_sklearn(y, p):
    labels = ["a", "b", "c"]
    m = clf.evaluate_multiclass(y, p, labels, k=2)
    pred = [labels[i] for i in np.argmax(p, axis=1)]
    assert m["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert m["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro", zero_division=0))
    assert m["macro_precision"] == pytest.approx(
        precision_score(y, pred, average="macro", zero_division=0))
    assert m["macro_recall"] == pytest.approx(
        recall_score(y, pred, average="macro", zero_division=0))
    assert m["weighted_f1"] == pytest.approx(
        f1_score(y, pred, average="weighted", zero_division=0))
    prec, rec, f1, sup = precision_recall_fscore_support(y, pred, labels=labels,
                                                         zero_division=0)
    for i, c in enumerate(labels):
        pc = m["per_class"][c]
        assert (pc["precision"], pc["recall"], pc["f1"], pc["support"]) == pytest.approx(
            (prec[i], rec[i], f1[i], sup[i]))
    assert m["confusion"]["labels"] == labels
    assert m["confusion"]["matrix"] == confusion_matrix(y, pred, labels=labels).tolist()
    assert m["top2_accuracy"] == pytest.approx(
        top_k_accuracy_score(y, np.asarray(p), k=2, labels=labels))


def test_evaluate_multiclass_unknown_labels_empty_input_and_shapes():
    m = clf.evaluate_multiclass(["a", "z", "b"], [[.9, .1], [.6, .4], [.2, .8]], ["a", "b"])
    assert m["labels"] == ["a", "b", "z"]  # the unknown class is a row the model can't hit
    assert m["accuracy"] == pytest.approx(2 / 3)
    assert m["per_class"]["z"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert m["confusion"]["matrix"] == [[1, 0, 0], [0, 1, 0], [1, 0, 0]]
    assert m["top3_accuracy"] == pytest.approx(2 / 3)  # K=2 ≤ k: every known label is a hit
    e = clf.evaluate_multiclass([], np.zeros((0, 2)), ["a", "b"])
    assert e["n"] == 0 and np.isnan(e["accuracy"]) and np.isnan(e["macro_f1"])
    with pytest.raises(ValueError, match="prob must be"):
        clf.evaluate_multiclass(["a"], [[0.5, 0.3, 0.2]], ["a", "b"])


def test_top_k_ties_rank_in_column_order():
    prob = np.array([[0.3, 0.4, 0.3], [0.3, 0.4, 0.3]])
    assert clf.top_k_hits(np.array([0, 2]), prob, 2).tolist() == [True, False]
    assert clf.top_k_hits(np.array([-1, 2]), prob, 3).tolist() == [False, True]


def test_softmax_rows_sum_to_one_and_match_binary_p_ai():
    z = np.array([[1.0, 3.0], [-2.0, 0.5], [1000.0, 1001.0]])
    p = clf.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(p[:, 1], p_ai(z))  # same numbers as the AI path


# ================================================================== labels, rare classes
def test_rare_classes_are_refused_by_default_with_their_names():
    y = ["02"] * 5 + ["14"] * 4 + ["23"] + ["25"]
    with pytest.raises(BadInputError, match=r"23 \(1 row\), 25 \(1 row\).*rare='other'"):
        clf.prepare_labels(y)


def test_rare_classes_merge_into_other_or_drop():
    y = ["02"] * 5 + ["14"] * 4 + ["23"] + ["25"]
    keep, lab, info = clf.prepare_labels(y, rare="other")
    assert keep.tolist() == list(range(11)) and list(lab[-2:]) == ["other", "other"]
    assert info["classes"] == ["02", "14", "other"] and info["merged"] == ["23", "25"]
    keep, lab, info = clf.prepare_labels(y + ["26"], min_per_class=3, rare="other")
    assert info["classes"] == ["02", "14", "other"] and info["counts"]["other"] == 3
    keep, lab, info = clf.prepare_labels(["02"] * 3 + ["14"] * 3 + ["23"], rare="other")
    assert info["dropped"] == ["other"] and keep.tolist() == list(range(6))  # 'other' < 2
    keep, lab, info = clf.prepare_labels(y, rare="drop")
    assert keep.tolist() == list(range(9)) and info["rows_dropped"] == 2


@pytest.mark.parametrize("labels,match", [
    (["02"] * 6, "at least 2 classes"),
    (["02"] * 6 + ["14"], "fewer than 2 rows"),
    (["02", "", "14", "14"], "row 1: empty class label"),
    (["02", None, "14", "14"], "row 1"),
])
def test_prepare_labels_refuses_unusable_label_sets(labels, match):
    with pytest.raises(BadInputError, match=match):
        clf.prepare_labels(labels)


def test_multiclass_split_keeps_every_class_in_training():
    y = ["a"] * 50 + ["b"] * 7 + ["c"] * 2 + ["d"] * 2
    tr, va, te = clf.stratified_split(y, None, seed=3, by_value=True)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(len(y)))
    ya = np.array(y)
    assert set(ya[tr]) == {"a", "b", "c", "d"}
    assert abs(int(np.isin(np.nonzero(ya == "a")[0], te).sum()) - 5) <= 2


# ========================================================================= synthetic
def test_synthetic_designs_are_reproducible_and_shaped_like_design_grants():
    a, b = synthetic_designs(50, seed=4), synthetic_designs(50, seed=4)
    assert [(d.id, d.title, d.codes, d.figures) for d in a] == [
        (d.id, d.title, d.codes, d.figures) for d in b]
    assert synthetic_designs(50, seed=5)[0].title != a[0].title or \
        synthetic_designs(50, seed=5)[1].title != a[1].title
    d = a[0]
    assert d.kind == "patent" and d.props["kind"] == "design" and d.abstract is None
    assert d.figures[0]["caption"].startswith("FIG. 1 is a") and d.figures[0]["number"] == 1
    assert set(planted_labels(a)) <= set(LOCARNO)
    assert all(lab.split("-")[0] in LOCARNO for lab in planted_labels(a, "subclass"))
    with pytest.raises(ValueError):
        synthetic_designs(5, classes=["99"])


def test_synthetic_designs_load_and_read_back_as_locarno_labels(design_store):
    store, docs = design_store
    texts, labels = pf.locarno_labels(store, "class")
    truth = dict(zip([d.id for d in docs], planted_labels(docs)))
    ids = pf.locarno_table(store).column("id").to_pylist()
    assert len(ids) == N_DESIGNS + 2  # + the two rare ones; the text-less one is left out
    assert all(lab == truth[i] for i, lab in zip(ids, labels) if i in truth)


# ====================================================================== training run
def test_multiclass_model_beats_the_majority_baseline_on_held_out_rows(trained):
    _, r = trained
    assert r["split"] == "test" and r["n"] >= 30
    assert r["classes"] == 11 and r["merged"] == ["23", "25"]  # 10 planted + 'other'
    assert r["accuracy"] >= r["majority_accuracy"] + 0.2, r
    assert r["macro_f1"] > 0.25 and r["top3_accuracy"] > r["accuracy"]
    assert r["version"].startswith("locarno-class-all-MiniLM-L6-v2-")
    assert sum(c["support"] for c in r["per_class"].values()) == r["n"]


def test_model_dir_is_complete_and_reload_predicts_as_in_memory(trained, design_store):
    out, r = trained
    store, _ = design_store
    for f in ("config.json", "model.safetensors", "classifier.json", "metrics.json",
              "training_log.jsonl", "test_predictions.csv", "confusion.png"):
        assert (out / f).is_file(), f
    meta = json.loads((out / "classifier.json").read_text())
    cfg = json.loads((out / "config.json").read_text())
    classes = sorted(LOCARNO) + ["other"]
    assert meta["labels"] == classes and meta["task"] == "multiclass"
    assert [cfg["id2label"][str(i)] for i in range(len(classes))] == classes
    assert cfg["label2id"] == {c: i for i, c in enumerate(classes)}
    assert meta["locarno"] == {"level": "class", "with_captions": True}
    assert meta["version"] == r["version"]
    assert json.loads((out / "metrics.json").read_text())["accuracy"] == r["accuracy"]
    rows = list(csv.DictReader(open(out / "test_predictions.csv")))
    assert len(rows) == r["n"]
    text = dict(zip(*[pf.locarno_table(store).column(c).to_pylist() for c in ("id", "text")]))
    fresh = clf.TextClassifier(out, device="cpu")  # not the cached instance
    labels, prob, probs = fresh.predict_labels([text[x["id"]] for x in rows], batch_size=7)
    assert labels == [x["pred"] for x in rows]
    np.testing.assert_allclose(prob, [float(x["prob"]) for x in rows], atol=1e-5)
    assert probs.shape == (len(rows), len(classes))
    m = clf.evaluate_multiclass([x["label"] for x in rows], probs, fresh.labels)
    assert m["accuracy"] == pytest.approx(r["accuracy"])
    assert m["confusion"] == r["confusion"]
    with pytest.raises(ModelMissingError, match="11-class multiclass"):
        fresh.predict_proba(["a shoe"])  # the AI pipeline cannot take a Locarno model


def test_multiclass_training_is_deterministic_on_cpu(tmp_path):
    docs = synthetic_designs(60, seed=7, classes=["02", "12", "26"])
    texts = [d.title for d in docs]
    labels = planted_labels(docs)
    opts = dict(max_length=12, epochs=1, lr=5e-4, seed=5, device="cpu")
    a = clf.train_multiclass(texts, labels, out_dir=tmp_path / "a", **opts)
    b = clf.train_multiclass(texts, labels, out_dir=tmp_path / "b", **opts)
    sha = [hashlib.sha256((tmp_path / x / "model.safetensors").read_bytes()).hexdigest()
           for x in "ab"]
    assert sha[0] == sha[1] and a["version"] == b["version"]
    assert a["confusion"] == b["confusion"]


# ========================================================================= store jobs
def _locarno_props(store) -> dict[str, dict]:
    t = store.read_table("MATCH (p:Patent) RETURN p.id AS id, p.locarno_pred AS pred, "
                         "p.locarno_prob AS prob, p.locarno_model AS model")
    return {r["id"]: r for r in t.to_pylist()}


def test_predict_writes_props_resumes_and_redo_rewrites(trained, design_store):
    out, r = trained
    store, docs = design_store
    s = pl.predict_locarno(store, out, batch=100, device="cpu")
    n_designs = N_DESIGNS + 2  # synthetic + the two rare ones; XD-EMPTY has no text
    assert s["patents"] == n_designs and s["no_text"] == 1 and s["model"] == r["version"]
    assert sum(s["labels"].values()) == n_designs
    props = _locarno_props(store)
    classes = set(sorted(LOCARNO) + ["other"])
    for d in docs:
        p = props[d.id]
        assert p["pred"] in classes and 0 < p["prob"] <= 1 and p["model"] == r["version"]
    assert all(props[f"XU-{i}"]["model"] is None for i in range(3))  # not design patents
    assert props["XD-EMPTY"]["model"] is None
    # the stored prediction is the model's prediction on the training text (same text)
    t = pf.locarno_table(store)
    labels, prob, _ = clf.load_classifier(out, "cpu").predict_labels(
        t.column("text").to_pylist())
    assert [props[i]["pred"] for i in t.column("id").to_pylist()] == labels
    np.testing.assert_allclose([props[i]["prob"] for i in t.column("id").to_pylist()], prob,
                               atol=1e-6)
    again = pl.predict_locarno(store, out, device="cpu")
    assert again["patents"] == 0 and again["labels"] == {}  # resumable: nothing left
    every = pl.predict_locarno(store, out, all_patents=True, device="cpu")
    assert every["patents"] == 3  # only the utility patents were left
    redo = pl.predict_locarno(store, out, redo=True, batch=50, device="cpu", limit=20)
    assert redo["patents"] == 20
    redo = pl.predict_locarno(store, out, redo=True, device="cpu")
    assert redo["patents"] == n_designs and redo["labels"] == s["labels"]


def test_evaluate_reports_per_class_metrics_against_stored_codes(trained, design_store,
                                                                 tmp_path):
    out, r = trained
    store, _ = design_store
    m = pl.evaluate_locarno(store, out, device="cpu", png=tmp_path / "cm.png")
    n = N_DESIGNS + 2
    assert m["n"] == n and m["model"] == r["version"] and m["unknown_labels"] == []
    assert set(m["per_class"]) == set(sorted(LOCARNO) + ["other"])
    assert sum(c["support"] for c in m["per_class"].values()) == n
    assert m["per_class"]["other"]["support"] == 2  # the merged rare classes count as other
    assert np.asarray(m["confusion"]["matrix"]).sum() == n
    assert m["accuracy"] > m["majority_accuracy"] + 0.2
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"


# ============================================================================ refusals
def test_train_refuses_unknown_level_rare_classes_and_a_single_class(design_store, tmp_path):
    store, _ = design_store
    with pytest.raises(BadInputError, match="level must be"):
        pl.train_locarno(store, tmp_path / "m", level="group")
    with pytest.raises(BadInputError, match=r"23 \(1 row\), 25 \(1 row\)"):
        pl.train_locarno(store, tmp_path / "m")  # rare='error' by default
    one = _open(tmp_path / "one.db")
    docs = [d for d in synthetic_designs(40, seed=2, classes=["02", "06"])
            if planted_labels([d])[0] == "02"]
    ingest(one, docs, RejectLog(None))
    with pytest.raises(BadInputError, match="at least 2 classes"):
        pl.train_locarno(one, tmp_path / "m")
    empty = _open(tmp_path / "empty.db")
    with pytest.raises(BadInputError, match="load design patents first"):
        pl.train_locarno(empty, tmp_path / "m")
    assert not (tmp_path / "m").exists()  # nothing written by a refused run


def test_binary_classifier_dir_is_refused_by_predict_locarno(design_store, tmp_path):
    store, docs = design_store
    texts = [d.title for d in docs[:32]]
    y = [i % 2 for i in range(32)]
    clf.train_classifier(texts, y, out_dir=tmp_path / "ai", max_length=16, epochs=1,
                         device="cpu", seed=0)
    with pytest.raises(ModelMissingError, match="not a Locarno classifier.*non_ai, ai"):
        pl.predict_locarno(store, tmp_path / "ai", device="cpu")
    with pytest.raises(ModelMissingError, match="not a Locarno classifier"):
        pl.evaluate_locarno(store, tmp_path / "ai", device="cpu")
    m = clf.load_classifier(tmp_path / "ai", "cpu")  # a binary dir still works both ways
    labels, prob, probs = m.predict_labels(texts[:5])
    p_ai = m.predict_proba(texts[:5])
    np.testing.assert_allclose(probs[:, 1], p_ai)
    assert labels == ["ai" if p >= probs[i, 0] and p > probs[i, 0] else "non_ai"
                      for i, p in enumerate(p_ai)]
    with pytest.raises(ModelMissingError):
        pl.predict_locarno(store, tmp_path / "nothing-here", device="cpu")


# ====================================================================== real grants
def test_real_design_grants_load_and_get_predicted_end_to_end(trained, shared_data, tmp_path):
    out, r = trained
    folder = shared_data / "uspto-design"
    if not any(folder.glob("*.XML")):
        pytest.skip(f"REAL DATA ABSENT: no design grants in {folder}")
    store = _open(tmp_path / "real.db")
    s = ingest(store, read_uspto_xml(folder), RejectLog(tmp_path / "rejects"))
    assert s.documents == 20 and s.rejected == 0
    p = pl.predict_locarno(store, out, device="cpu")
    assert p["patents"] == 20 and p["no_text"] == 0
    props = _locarno_props(store)
    assert all(v["model"] == r["version"] and v["pred"] for v in props.values())
    m = pl.evaluate_locarno(store, out, device="cpu")
    assert m["n"] == 20 and m["unknown_labels"] == ["05"]  # textiles: no synthetic class
    assert sum(c["support"] for c in m["per_class"].values()) == 20
    assert m["accuracy"] >= 0.3, m  # transfer from synthetic text; chance ≈ 1/11


def test_cli_predict_and_evaluate_on_the_real_grants(trained, shared_data, tmp_path):
    """`innograph load uspto-xml`, `classify locarno predict` (twice: the second writes
    nothing) and `classify locarno evaluate --format json --png` through the CLI."""
    import json

    from typer.testing import CliRunner

    from innograph.cli import app

    out, r = trained
    folder = shared_data / "uspto-design"
    if not any(folder.glob("*.XML")):
        pytest.skip(f"REAL DATA ABSENT: no design grants in {folder}")
    db = str(tmp_path / "cli.db")
    run = CliRunner()
    res = run.invoke(app, ["load", "uspto-xml", str(folder), "--db", db])
    assert res.exit_code == 0, res.output
    res = run.invoke(app, ["classify", "locarno", "predict", str(out), "--db", db,
                           "--device", "cpu"])
    assert res.exit_code == 0, res.output
    assert "20 patents written" in " ".join(res.output.split())  # rich wraps lines
    res = run.invoke(app, ["classify", "locarno", "predict", str(out), "--db", db,
                           "--device", "cpu"])
    assert res.exit_code == 0 and ": 0 patents written" in " ".join(res.output.split())
    png = tmp_path / "confusion.png"
    res = run.invoke(app, ["classify", "locarno", "evaluate", str(out), "--db", db,
                           "--device", "cpu", "--format", "json", "--png", str(png)])
    assert res.exit_code == 0, res.output
    m = json.loads(res.stdout[res.stdout.index("{"):])
    assert m["n"] == 20 and m["model"] == r["version"] and png.stat().st_size > 1000
    res = run.invoke(app, ["classify", "locarno", "predict", str(tmp_path / "none"),
                           "--db", db])
    assert res.exit_code != 0 and "Traceback" not in res.output
