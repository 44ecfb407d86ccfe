"""AI / non-AI classification: code-prefix semantics, the rule on real texts, metrics against
scikit-learn, stage agreement, splits, a tiny BERT training run on real weak labels, and the
store pipeline (rule, labels, train, predict, evaluate) on a real Kùzu store."""

from __future__ import annotations

import ast
import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.metrics import (accuracy_score, average_precision_score,
                             precision_recall_curve, precision_recall_fscore_support)

from innograph.errors import BadInputError, DeviceUnavailableError
from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.loaders.records import Document, RejectLog
from innograph.models import classify as clf
from innograph.models.classify.bert import amp_dtype_for
from innograph.pipeline import classify as pc
from innograph.pipeline.ingest import ingest
from innograph.runtime import resolve_device

from .conftest import shared_file

NN_CSV = ("patents", "google-patents-neural-network.csv")  # under ../shared/data
BB_CSV = ("patents", "google-patents-baseball.csv")
ARXIV_TT = ("papers", "arxiv-titles-terms.csv")
ARXIV_07 = ("papers", "arxiv-2007-snapshot.csv")


@pytest.fixture(scope="module")
def patents() -> pd.DataFrame:
    """Real weak-labelled patents: neural-network query = AI (1), baseball query = 0."""
    nn = pd.read_csv(shared_file(*NN_CSV), dtype=str).assign(y=1)
    bb = pd.read_csv(shared_file(*BB_CSV), dtype=str).assign(y=0)
    df = pd.concat([nn, bb], ignore_index=True).drop_duplicates("patent_number")
    df["text"] = [clf.doc_text(t, a) for t, a in zip(df.patent_title, df.patent_abstract)]
    return df


# ============================================================================ code lists
CODE_CASES = [
    # (code, entry, matches)
    ("G06N3/0454", "G06N", True),  # subclass
    ("G06N3/0454", "G06", True),  # class
    ("G06N3/0454", "G", True),  # section
    ("G06F 40/30", "G06N", False),
    ("G06", "G06N", False),  # a class code is not under a subclass entry
    ("G06N 3/04", "G06N 3/", True),  # main group
    ("G06N 3/04", "G06N 3", True),
    ("G06N 3/04", "G06N 3/00", True),  # the /00 heading stands for its whole group
    ("G06N 30/02", "G06N 3/", False),  # group 30 is not group 3
    ("G06N 3/02", "G06N 30/", False),
    ("G06N 3/02", "G06N 3/02", True),  # subgroup prefix
    ("G06N 3/021", "G06N 3/02", True),
    ("G06N 3/0245", "G06N 3/02", True),
    ("G06N 3/0", "G06N 3/02", False),  # truncated code: less specific than the entry
    ("G06N 3/04", "G06N 3/02", False),  # dot-level child: digits do not show it
    ("G06N3/0454", "G06N 3/02", False),
    ("G06N3/0454", "G06N 3/02-126", True),  # the branch as WIPO/CSET write it
    ("G06N3/0454", "G06N 3/02-3/126", True),
    ("G06N3/0454", "G06N 3/02-G06N 3/126", True),
    ("G06N 3/126", "G06N 3/02-3/126", True),
    ("G06N 3/1265", "G06N 3/02-3/126", True),  # upper end with its extensions
    ("G06N 3/13", "G06N 3/02-3/126", False),
    ("G06N 3/01", "G06N 3/02-3/126", False),
    ("G06N 3/00", "G06N 3/02-3/126", False),
    ("G06N 7/046", "G06N 7/00-7/06", True),
    ("G06N 7/08", "G06N 7/00-7/06", False),
    ("B60G 2600/1877", "B60G 2600/1876-2600/1879", True),
    ("H02P 21/001", "=H02P 21/001", True),  # exact
    ("H02P 21/0010", "=H02P 21/001", True),  # same subgroup, trailing zero
    ("H02P 21/0017", "=H02P 21/001", False),
    ("H02P 21/0017", "H02P 21/001", True),  # ...which a prefix would take
    ("g06n 3/08", "G06N 3/", True),  # case and spaces
    ("G06N   3/08", "G06N3/", True),
    ("G06N 3/08 (2023.01)", "G06N 3/", True),  # version note
    ("G06N0003080000", "G06N 3/08", True),  # DOCDB 14-character form
    ("G06N0003080000", "G06N 3/02-3/126", True),
    ("G06N0030020000", "G06N 3/", False),
    ("G06N 3/021", "G06N0003020000", True),  # DOCDB form as an entry: subgroup 02
    ("G06N 3/04", "G06N0003020000", False),
    ("G06N 3/04", "G06N0003000000", True),  # ...and its /00 heading: the main group
    ("Y10S 706/924", "Y10S 706/", True),
    ("14-02", "G06N", False),  # Locarno
    ("473/451", "G06N", False),  # US class
    ("", "G06N", False),
]


@pytest.mark.parametrize("code,entry,expected", CODE_CASES)
def test_code_prefix_semantics(code, entry, expected):
    assert clf.code_matches(code, [entry]) is expected


@pytest.mark.parametrize("entry", ["G06N 3/02-G06F 3/126", "X12", "G06/3", "=G06N",
                                   "G06N 3/10-3/02", "G06 3/02", "neural"])
def test_bad_code_entries_are_refused(entry):
    with pytest.raises(ValueError):
        clf.parse_entry(entry)


def test_packaged_lists_are_versioned_and_reach_the_neural_network_branch():
    lists = clf.load_rule_lists()
    assert lists.codes_version.startswith("ai-codes-v1@")
    assert lists.keywords_version.startswith("ai-keywords-v1@")
    for f in (lists.codes_file, lists.keywords_file):
        head = Path(f).read_text().splitlines()[:8]
        assert any(h.startswith("# version:") for h in head)
        assert any(h.startswith("# source:") for h in head)
    assert clf.code_matches("G06N3/0454", lists)  # G06N 3/02 branch via the range entry
    for code in ("G06N 20/00", "G06V 40/16", "G10L 15/22", "G06F 40/30", "G06T 7/73"):
        assert clf.rule_is_ai("", [code], lists), code
    for code in ("G06N 10/00", "G06N 3/002", "A63B 69/00", "G06F 40/166", "G06N 7/08"):
        assert not clf.rule_is_ai("", [code], lists), code
    assert not clf.code_matches("H02P 21/0017", lists)  # exact entry, not a prefix


def test_replacement_lists_change_the_rule_and_its_version(tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("# version: sport-codes-9\n# source: test\nA63B 59/   # bats\n")
    kws = tmp_path / "kw.txt"
    kws.write_text("# version: sport-kw-9\nsweet spot*\ncs:MLB\n")
    lists = clf.load_rule_lists(codes, kws)
    assert lists.version.startswith("sport-codes-9@") and "+sport-kw-9@" in lists.version
    assert clf.rule_is_ai("", ["A63B 59/50"], lists)
    assert clf.rule_is_ai("Finding the sweet spots of a bat", [], lists)
    assert clf.rule_is_ai("an MLB bat", [], lists)
    assert not clf.rule_is_ai("an mlb bat", [], lists)  # cs: is case-sensitive
    assert not clf.rule_is_ai("a neural network", ["G06N 3/08"], lists)
    kws.write_text("# version: sport-kw-9\nsweet spot*\ncs:MLB\nbad*phrase*\n")
    bad = tmp_path / "bad.txt"
    bad.write_text("G06N 3/02\nnot a code\n")
    with pytest.raises(BadInputError, match="bad.txt"):
        clf.load_rule_lists(bad, kws)


@pytest.mark.parametrize("text,expected", [
    ("A Neural-Network based controller", True),
    ("machine\nlearning of weights", True),  # a line break between the words
    ("neural networks", True),  # '*' extension
    ("neuralnetwork", False),  # not whole words
    ("We study AIDS transmission", False),  # 'AI' is a whole word, case-sensitive
    ("An AI-based assistant", True),
    ("The ai of the system", False),  # cs:AI
    ("GaN power transistor", False),  # cs:GAN vs gallium nitride
    ("Training GANs on images", True),
    ("unsupervised learning of features", True),
    ("A sweet spot for baseball bats", False),
    ("", False),
    (None, False),
])
def test_rule_keywords_whole_word_semantics(text, expected):
    assert clf.rule_is_ai(text, []) is expected


def test_rule_on_real_weak_labelled_patents(patents):
    """The neural-network query set is AI by the rule almost always, baseball almost never
    (measured: 98.7 % and 0.0 %)."""
    flags = clf.rule_labels(patents.text.tolist())
    y = patents.y.to_numpy().astype(bool)
    assert flags[y].mean() > 0.95
    assert flags[~y].mean() < 0.01
    assert len(flags) == len(patents) > 6000


def test_rule_on_real_arxiv_categories():
    """arXiv cs.CV / cs.LG / stat.ML titles: mostly AI by keywords; a 2007 physics-heavy
    snapshot: hardly any."""
    tt = pd.read_csv(shared_file(*ARXIV_TT))
    flags = clf.rule_labels([clf.doc_text(t, a) for t, a in zip(tt.titles, tt.summaries)])
    assert flags.mean() > 0.75
    old = pd.read_csv(shared_file(*ARXIV_07))
    flags = clf.rule_labels([clf.doc_text(t, a) for t, a in zip(old.title, old.abstract)])
    assert flags.mean() < 0.02


@pytest.mark.parametrize("value,expected", [
    ("AI", True), ("non-AI", False), ("Non_AI", False), ("not ai", False), ("1", True),
    ("0", False), (1, True), (0, False), ("yes", True), ("No", False), ("TRUE", True),
    ("false", False), (True, True), ("1.0", True)])
def test_parse_label(value, expected):
    assert clf.parse_label(value) is expected


@pytest.mark.parametrize("value", ["", "maybe", "2", None, "AIish"])
def test_parse_label_refuses_other_values(value):
    with pytest.raises(ValueError):
        clf.parse_label(value)


# ============================================================================= metrics
HAND_CASES = [
    ([1, 0, 1, 1, 0, 0, 1, 0], [0.9, 0.8, 0.7, 0.4, 0.35, 0.2, 0.1, 0.05]),
    ([1, 1, 0, 0, 1], [0.5, 0.5, 0.5, 0.2, 0.9]),  # ties
    ([0, 0, 1, 1], [1, 0, 0, 1]),  # hard 0/1 scores (a rule)
    ([1, 1, 1, 0], [0.1, 0.2, 0.3, 0.4]),  # inverted
    ([1, 0, 1, 0, 1, 0], [0.6, 0.6, 0.6, 0.6, 0.6, 0.6]),  # all tied, all predicted AI
    ([1, 0, 0], [0.1, 0.2, 0.3]),  # nothing reaches the threshold
]


@pytest.mark.parametrize("y,p", HAND_CASES)
@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_evaluate_matches_sklearn(y, p, threshold):
    m = clf.evaluate(y, p, threshold)
    pred = (np.asarray(p) >= threshold).astype(int)
    prec, rec, f1, sup = precision_recall_fscore_support(y, pred, labels=[1, 0],
                                                         zero_division=0)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert m["auprc"] == pytest.approx(average_precision_score(y, p))
    for k, name in enumerate(("ai", "non_ai")):
        assert m[name]["precision"] == pytest.approx(prec[k])
        assert m[name]["recall"] == pytest.approx(rec[k])
        assert m[name]["f1"] == pytest.approx(f1[k])
        assert m[name]["support"] == sup[k]
    c = m["confusion"]
    assert c["tp"] + c["fp"] + c["tn"] + c["fn"] == m["n"] == len(y)


@pytest.mark.parametrize("y,p", HAND_CASES)
def test_pr_curve_matches_sklearn(y, p):
    ours = clf.pr_curve(y, p)
    theirs = precision_recall_curve(y, p)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b)


def test_auprc_by_hand():
    # scores 0.9(+) 0.8(-) 0.7(+): P at the two positives 1 and 2/3, each ΔR = 1/2
    assert clf.evaluate([1, 0, 1], [0.9, 0.8, 0.7])["auprc"] == pytest.approx((1 + 2 / 3) / 2)


def test_evaluate_degenerate_inputs():
    m = clf.evaluate([], [])
    assert m["n"] == 0 and math.isnan(m["accuracy"]) and math.isnan(m["auprc"])
    m = clf.evaluate([0, 0], [0.1, 0.7])
    assert math.isnan(m["auprc"]) and m["accuracy"] == 0.5 and m["ai"]["precision"] == 0.0
    with pytest.raises(ValueError):
        clf.evaluate([1, 0], [0.5])


def test_agreement_by_hand():
    y = [1, 1, 0, 0, 1, 0]
    preds = {"rule": [1, 1, 0, 1, 0, 0],
             "llm": [1, 0, 0, 0, 1, 0],
             "outer": [0.9, 0.8, 0.1, 0.7, 0.2, 0.6]}  # → 1 1 0 1 0 1
    a = clf.agreement(preds, y)
    pairs = {(p["a"], p["b"]): p for p in a["pairs"]}
    assert pairs[("rule", "llm")]["n_agree"] == 3  # docs 0, 2, 5
    assert pairs[("rule", "llm")]["agreement"] == pytest.approx(3 / 6)
    assert pairs[("rule", "llm")]["accuracy_on_agreement"] == 1.0
    r, l, o = (np.array([1, 1, 0, 1, 0, 0]), np.array([1, 0, 0, 0, 1, 0]),
               np.array([1, 1, 0, 1, 0, 1]))
    yy = np.array(y)
    for (na, xa), (nb, xb) in [(("rule", r), ("llm", l)), (("rule", r), ("outer", o)),
                               (("llm", l), ("outer", o))]:
        same = xa == xb
        p = pairs[(na, nb)]
        assert p["n_agree"] == same.sum()
        assert p["agreement"] == pytest.approx(same.mean())
        assert p["accuracy_on_agreement"] == pytest.approx((xa[same] == yy[same]).mean())
    same3 = (r == l) & (l == o)
    assert a["all"]["n_agree"] == same3.sum() == 2  # docs 0 and 2
    assert a["all"]["accuracy_on_agreement"] == 1.0
    assert a["accuracy"]["rule"] == pytest.approx(4 / 6)
    assert a["matrix"]["rule"]["outer"] == a["matrix"]["outer"]["rule"] == pytest.approx(5 / 6)
    assert a["matrix"]["llm"]["llm"] == 1.0


def test_pr_curve_png(tmp_path):
    y = [1, 0, 1, 1, 0, 0, 1, 0]
    out = clf.plot_pr_curves({"inner": (y, [0.9, 0.8, 0.7, 0.4, 0.35, 0.2, 0.1, 0.05]),
                              "rule": (y, [1, 1, 1, 0, 0, 0, 0, 0])}, tmp_path / "pr.png",
                             title="t")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ====================================================================== splits, balance
def test_stratified_split_is_8_1_1_in_every_stratum_and_reproducible():
    rng = np.random.default_rng(0)
    strata = rng.choice(["A", "B", "G", "H"], size=3000, p=[0.4, 0.3, 0.2, 0.1])
    labels = rng.random(3000) < 0.3
    tr, va, te = clf.stratified_split(labels, strata, seed=7)
    assert len(set(tr) | set(va) | set(te)) == 3000
    assert not (set(tr) & set(va) or set(tr) & set(te) or set(va) & set(te))
    for s in "ABGH":
        for lab in (True, False):
            g = np.nonzero((strata == s) & (labels == lab))[0]
            n_va, n_te = np.isin(g, va).sum(), np.isin(g, te).sum()
            assert abs(n_va - 0.1 * g.size) <= 3 and abs(n_te - 0.1 * g.size) <= 3
    again = clf.stratified_split(labels, strata, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))
    other = clf.stratified_split(labels, strata, seed=8)
    assert not np.array_equal(te, other[2])


def test_balance_classes_keeps_every_minority_row():
    y = [1] * 30 + [0] * 100
    keep = clf.balance_classes(y, seed=1)
    assert len(keep) == 60 and set(range(30)) <= set(keep)
    assert sum(y[i] for i in keep) == 30


# ======================================================================= store pipeline
N_TRAIN_PER_CLASS = 80
N_HELD_PER_CLASS = 20


@pytest.fixture(scope="module")
def store_setup(tmp_path_factory, patents):
    """A Kùzu store with 200 real patents (100 neural-network, 100 baseball) and 20 arXiv
    papers; 160 patents carry imported teacher labels (the weak labels); 40 are held out."""
    nn = patents[patents.y == 1].sample(N_TRAIN_PER_CLASS + N_HELD_PER_CLASS, random_state=1)
    bb = patents[patents.y == 0].sample(N_TRAIN_PER_CLASS + N_HELD_PER_CLASS, random_state=1)
    docs = []
    held = set()
    for df in (nn, bb):
        for k, r in enumerate(df.itertuples()):
            pid = f"US{r.patent_number}"
            codes = []
            if r.y == 1 and k % 3 == 0:
                codes = [("G06N 3/08", "cpc")]
            if r.y == 0 and k % 4 == 0:
                codes = [("A63B 69/0002", "cpc")]
            docs.append(Document(kind="patent", id=pid, title=r.patent_title,
                                 abstract=r.patent_abstract if isinstance(r.patent_abstract, str)
                                 else None, codes=codes))
            if k >= N_TRAIN_PER_CLASS:
                held.add(pid)
    tt = pd.read_csv(shared_file(*ARXIV_TT)).head(10)
    for k, r in enumerate(tt.itertuples()):
        docs.append(Document(kind="paper", id=f"tt{k}", title=r.titles, abstract=r.summaries,
                             props={"categories": " ".join(ast.literal_eval(r.terms))}))
    old = pd.read_csv(shared_file(*ARXIV_07), dtype=str).head(10)
    for k, r in enumerate(old.itertuples()):
        docs.append(Document(kind="paper", id=f"old{k}", title=r.title, abstract=r.abstract,
                             props={"categories": r.categories}))
    root = tmp_path_factory.mktemp("classify")
    store = open_store(str(root / "g.db"))
    ingest(store, docs, RejectLog(None))
    truth = {f"US{r.patent_number}": int(r.y) for df in (nn, bb) for r in df.itertuples()}
    labels_csv = root / "labels.csv"
    with open(labels_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "source"])
        for pid, y in truth.items():
            if pid not in held:
                w.writerow([pid, "AI" if y else "non-AI", "weak:query"])
        w.writerow(["US-does-not-exist", "AI", ""])
        w.writerow([next(iter(truth)), "maybe", ""])
    yield {"store": store, "root": root, "labels_csv": labels_csv, "truth": truth,
           "held": held}
    store.close()


def test_rule_writes_ai_rule_and_version_on_every_document(store_setup):
    store = store_setup["store"]
    s = pc.classify_rule(store, batch_docs=50)
    assert s[schema.PATENT]["documents"] == 200 and s[schema.PAPER]["documents"] == 20
    t = store.read_table("MATCH (d:Patent) RETURN d.id AS id, d.ai_rule AS r, "
                         "d.ai_rule_version AS v").to_pylist()
    assert all(r["r"] is not None and r["v"] == s["version"] for r in t)
    truth = store_setup["truth"]
    acc = np.mean([r["r"] == bool(truth[r["id"]]) for r in t])
    assert acc > 0.95
    # a baseball patent classified under an AI code is AI by the rule
    store.upsert_nodes(schema.IPC, pa.table({"code": ["G06N 3/08"], "scheme": ["cpc"]}))
    bb_id = next(k for k, v in truth.items() if v == 0)
    store.upsert_edges(schema.CLASSIFIED_AS, schema.PATENT, schema.IPC,
                       pa.table({"src": [bb_id], "dst": ["G06N 3/08"]}))
    assert pc.classify_rule(store)[schema.PATENT]["documents"] == 0  # resumable: all done
    pc.classify_rule(store, labels=[schema.PATENT], redo=True)
    r = store.read_table("MATCH (d:Patent) WHERE d.id = $id RETURN d.ai_rule", {"id": bb_id})
    assert r.column(0).to_pylist() == [True]
    papers = store.read_table("MATCH (d:Paper) RETURN d.id AS id, d.ai_rule AS r").to_pylist()
    assert sum(p["r"] for p in papers if p["id"].startswith("tt")) >= 7
    assert sum(p["r"] for p in papers if p["id"].startswith("old")) <= 1


def test_rule_reports_documents_done_per_label_through_a_progress_factory(store_setup):
    calls: dict[str, list[tuple[int, int]]] = {}

    def factory(description):
        return lambda done, total: calls.setdefault(description, []).append((done, total))

    pc.classify_rule(store_setup["store"], redo=True, batch_docs=64, progress=factory)
    assert calls[f"rule {schema.PATENT}"] == [(64, 200), (128, 200), (192, 200), (200, 200)]
    assert calls[f"rule {schema.PAPER}"] == [(20, 20)]


def test_import_labels_writes_labels_and_rejects_bad_rows(store_setup, tmp_path):
    store = store_setup["store"]
    rej = tmp_path / "rejects.csv"
    s = pc.import_labels(store, store_setup["labels_csv"], rejects=rej)
    assert s["labelled"] == {schema.PAPER: 0, schema.PATENT: 160}
    assert s["rejected"] == 2
    assert any("no document" in m for m in s["samples"])
    assert any("not an AI / non-AI label" in m for m in s["samples"])
    assert rej.is_file()
    t = store.read_table("MATCH (d:Patent) WHERE d.ai_label IS NOT NULL "
                         "RETURN d.id AS id, d.ai_label AS l, d.ai_label_source AS s").to_pylist()
    truth = store_setup["truth"]
    assert len(t) == 160 and all(bool(truth[r["id"]]) == r["l"] for r in t)
    assert {r["s"] for r in t} == {"weak:query"}
    # idempotent re-import
    assert pc.import_labels(store, store_setup["labels_csv"])["labelled"][schema.PATENT] == 160
    bad = tmp_path / "nolabel.csv"
    bad.write_text("id,foo\nx,1\n")
    with pytest.raises(BadInputError, match="id and label"):
        pc.import_labels(store, bad)


def test_outer_training_set_mixes_teacher_and_rule_labels(store_setup):
    store = store_setup["store"]
    pc.classify_rule(store)
    pc.import_labels(store, store_setup["labels_csv"])
    inner = pc.training_set(store, "inner")
    assert len(inner["ids"]) == 160 and set(inner["source"]) == {"label"}
    assert {s for s, k in zip(inner["strata"], inner["kind"])} >= {"ipc:G", "ipc:A", "patent"}
    outer = pc.training_set(store, "outer")
    assert len(outer["ids"]) == 220  # every document has a rule label
    assert outer["source"].count("label") == 160 and outer["source"].count("rule") == 60
    papers = [s for s, k in zip(outer["strata"], outer["kind"]) if k == schema.PAPER]
    assert "cat:cs.CV" in papers or "cat:cs.LG" in papers


@pytest.fixture(scope="module")
def tiny_model(store_setup):
    """BERT_inner fine-tuned from the offline MiniLM on the store's 160 teacher labels:
    max_length 64, one epoch (CI-sized; lr 1e-4 so that one short epoch moves the head)."""
    store = store_setup["store"]
    pc.import_labels(store, store_setup["labels_csv"])
    out = store_setup["root"] / "inner"
    res = pc.train(store, "inner", out, max_length=64, epochs=1, lr=1e-4, batch_size=16,
                   seed=0, device="cpu")
    return out, res


@pytest.mark.slow
def test_tiny_training_saves_a_complete_model_dir(tiny_model):
    out, res = tiny_model
    for f in ("config.json", "model.safetensors", "tokenizer_config.json", "training_log.jsonl",
              "metrics.json", "classifier.json", "pr_curve.png"):
        assert (out / f).is_file(), f
    assert (out / "tokenizer.json").is_file() or (out / "vocab.txt").is_file()
    log = [json.loads(x) for x in (out / "training_log.jsonl").read_text().splitlines()]
    assert len(log) == 1 and log[0]["epoch"] == 1 and log[0]["train_loss"] > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"accuracy", "auprc", "ai", "non_ai"} <= set(metrics)
    assert metrics["split"] == "test" and metrics["n"] >= 12
    meta = json.loads((out / "classifier.json").read_text())
    assert meta["stage"] == "inner" and meta["max_length"] == 64
    assert meta["data"]["rows_used"] == 160  # balanced: 80 + 80
    assert meta["data"]["train"] + meta["data"]["validation"] + meta["data"]["test"] == 160
    assert res["version"] == meta["version"] and res["training_set"]["rows"] == 160


@pytest.mark.slow
def test_tiny_model_beats_chance_on_held_out_patents(tiny_model, store_setup, patents):
    out, _ = tiny_model
    held = sorted(store_setup["held"])
    truth = store_setup["truth"]
    by_id = {f"US{n}": t for n, t in zip(patents.patent_number, patents.text)}
    p = clf.predict_proba(out, [by_id[i] for i in held], batch_size=32, device="cpu")
    y = [truth[i] for i in held]
    m = clf.evaluate(y, p)
    assert p.shape == (40,) and ((p >= 0) & (p <= 1)).all()
    print("held-out", {k: m[k] for k in ("accuracy", "auprc")})
    assert m["auprc"] > 0.8 and m["accuracy"] > 0.65, m


@pytest.mark.slow
def test_predict_writes_final_labels_and_resumes(tiny_model, store_setup):
    store = store_setup["store"]
    out, res = tiny_model
    s = pc.predict(store, outer_dir=out, inner_dir=out, batch_docs=64, device="cpu")
    assert s[schema.PATENT]["documents"] == 200 and s[schema.PAPER]["documents"] == 20
    rows = store.read_table("MATCH (d:Patent) RETURN d.id AS id, d.is_ai AS a, d.ai_prob AS p, "
                            "d.ai_stage AS s, d.ai_model AS m").to_pylist()
    assert all(r["a"] is not None and 0 <= r["p"] <= 1 for r in rows)
    assert {r["s"] for r in rows} <= {"outer", "inner"}
    assert {r["m"] for r in rows} == {res["version"]}
    assert all((r["s"] == "outer") == (r["p"] < 0.5) for r in rows)  # the screen
    assert all(r["a"] == (r["p"] >= 0.5) for r in rows)
    truth = store_setup["truth"]
    held = [r for r in rows if r["id"] in store_setup["held"]]
    assert np.mean([r["a"] == bool(truth[r["id"]]) for r in held]) > 0.65
    again = pc.predict(store, outer_dir=out, inner_dir=out, device="cpu")
    assert again[schema.PATENT]["documents"] == 0 and again[schema.PAPER]["documents"] == 0
    lab = pc.predict(store, inner_dir=out, use_labels=True, device="cpu", redo=True,
                     labels=[schema.PATENT])
    assert lab[schema.PATENT]["label"] == 160 and lab[schema.PATENT]["inner"] == 40
    r = store.read_table("MATCH (d:Patent) WHERE d.ai_stage = 'label' RETURN d.ai_model AS m, "
                         "d.ai_prob AS p, d.is_ai AS a, d.ai_label AS l").to_pylist()
    assert all(x["m"] == "weak:query" and x["a"] == x["l"] and x["p"] == float(x["l"])
               for x in r)


@pytest.mark.slow
def test_evaluate_reports_every_stage_overlap_and_png(tiny_model, store_setup, tmp_path):
    out, _ = tiny_model
    png = tmp_path / "pr.png"
    r = pc.evaluate(store_setup["store"], outer_dir=out, inner_dir=out, png=png, device="cpu")
    assert r["n"] == 160 and set(r["stages"]) >= {"rule", "outer", "inner", "outer>inner"}
    assert r["stages"]["rule"]["accuracy"] > 0.95
    assert r["stages"]["inner"]["auprc"] > 0.8
    pair = {(p["a"], p["b"]): p for p in r["agreement"]["pairs"]}
    assert pair[("outer", "inner")]["agreement"] == 1.0  # same model twice
    assert png.read_bytes()[:4] == b"\x89PNG"
    # a labelled file works without the store, with codes
    f = tmp_path / "set.csv"
    f.write_text("id,title,abstract,codes,label\n"
                 "a,Bat,A baseball bat with a grip,A63B 59/50,non-AI\n"
                 "b,Controller,A controller,G06N 3/0454;H04L 1/00,AI\n"
                 "c,Learning,Deep learning for images,,AI\n")
    r = pc.evaluate(f)
    assert r["n"] == 3 and r["stages"]["rule"]["accuracy"] == 1.0


# ================================================================================ devices
def test_explicit_cuda_without_a_gpu_is_an_error_and_auto_gives_the_cpu():
    import torch

    if torch.cuda.is_available():
        assert resolve_device("cuda").type == "cuda"
        return
    with pytest.raises(DeviceUnavailableError, match="no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(DeviceUnavailableError):  # training asked for the GPU never starts
        clf.train_classifier(["deep learning"] * 10 + ["garden hose"] * 10, [1] * 10 + [0] * 10,
                             out_dir="never-written", device="cuda:0")
    assert not Path("never-written").exists()
    assert resolve_device(None).type == "cpu"
    assert resolve_device("auto").type == "cpu"
    assert amp_dtype_for(resolve_device("cpu"), None) is None  # fp32 on the CPU


def _gpu_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu_available(), reason="needs a CUDA device")
def test_mixed_precision_training_and_prediction_on_gpu(patents, tmp_path):
    df = pd.concat([patents[patents.y == 1].head(48), patents[patents.y == 0].head(48)])
    res = clf.train_classifier(df.text.tolist(), df.y.tolist(), out_dir=tmp_path / "m",
                               max_length=48, epochs=1, lr=1e-4, device="cuda", seed=0)
    meta = json.loads((tmp_path / "m" / "classifier.json").read_text())
    assert meta["device"].startswith("cuda") and meta["amp"] in ("bfloat16", "float16")
    p_gpu = clf.predict_proba(tmp_path / "m", df.text.tolist()[:16], device="cuda")
    p_cpu = clf.predict_proba(tmp_path / "m", df.text.tolist()[:16], device="cpu")
    np.testing.assert_allclose(p_gpu, p_cpu, atol=0.02)  # bf16 vs fp32
    assert res["n"] > 0
