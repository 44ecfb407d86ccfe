"""Text → figure retrieval: the pure ranking/recall functions and the store pipeline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from innograph.errors import BadInputError, InnographError, ModelMissingError
from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.loaders.records import Document
from innograph.loaders.uspto_xml import read_uspto_xml
from innograph.models import figure_search as fm
from innograph.pipeline import figure_search as pf

from .conftest import shared_file


# ------------------------------------------------------------------ pure functions
def test_rank_captions_orders_by_cosine_and_clips_k():
    caps = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
    idx, sc = fm.rank_captions(np.array([3.0, 1.0]), caps, k=10)
    assert idx.shape == (1, 4)
    assert idx[0].tolist() == [0, 2, 1, 3]  # cos: .949, .894, .316, -.949
    np.testing.assert_allclose(sc[0], [3 / np.sqrt(10), 4 / np.sqrt(20), 1 / np.sqrt(10),
                                       -3 / np.sqrt(10)], rtol=1e-6)
    idx, sc = fm.rank_captions(np.ones((2, 2)), np.zeros((0, 2)), k=5)
    assert idx.shape == (2, 0) and sc.shape == (2, 0)


def test_group_max_and_empty_groups():
    s = np.array([[0.1, 0.9, 0.3, 0.5]])
    out = fm.group_max(s, np.array([2, 0, 2, 0]), 3)
    np.testing.assert_allclose(out, [[0.9, -np.inf, 0.3]])


def test_truth_ranks_count_ties_against_the_query():
    s = np.array([[0.5, 0.5, 0.1], [0.2, 0.9, 0.9], [-np.inf, 0.3, -np.inf]])
    assert fm.truth_ranks(s, np.array([0, 0, 2])).tolist() == [2, 3, 3]


def test_patent_ranks_block_size_does_not_change_ranks():
    rng = np.random.default_rng(0)
    q, items = rng.normal(size=(50, 8)), rng.normal(size=(30, 8))
    groups = rng.integers(0, 7, size=30)
    truth = rng.integers(0, 7, size=50)
    a = fm.patent_ranks(q, items, groups, truth, 7, block=3)
    b = fm.patent_ranks(q, items, groups, truth, 7, block=1000)
    assert a.tolist() == b.tolist()
    # brute force
    cos = fm.l2_normalize(q) @ fm.l2_normalize(items).T
    for i in range(50):
        g = np.array([cos[i, groups == j].max() if (groups == j).any() else -np.inf
                      for j in range(7)])
        assert a[i] == (g >= g[truth[i]]).sum()


def test_recall_at_k_and_report():
    ranks = np.array([1, 2, 6, 11])
    assert fm.recall_at_k(ranks, 1) == 0.25
    assert fm.recall_at_k(ranks, 5) == 0.5
    assert fm.recall_at_k(ranks, 10) == 0.75
    assert np.isnan(fm.recall_at_k([], 1))
    rep = fm.recall_report(ranks, n_gallery=20)
    assert rep["chance@5"] == 0.25 and rep["median_rank"] == 4.0


def test_missing_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelMissingError, match="no model at"):
        fm.load_text_encoder(tmp_path / "no-such-model")


# ------------------------------------------------------------------ store pipeline
@pytest.fixture(scope="module")
def design_docs() -> list[Document]:
    return [d for d in read_uspto_xml(shared_file("uspto-design")) if isinstance(d, Document)]


@pytest.fixture(scope="module")
def store(design_docs, tmp_path_factory):
    """Patents, Figures, Locarno codes of the 20 real grants, written directly."""
    s = open_store(str(tmp_path_factory.mktemp("fig") / "g.db"))
    docs = design_docs
    s.upsert_nodes(schema.PATENT, pa.table({
        "id": [d.id for d in docs], "title": [d.title for d in docs],
        "pn": [d.props["pn"] for d in docs], "kind": [d.props["kind"] for d in docs],
        "claims": [d.props["claims"] for d in docs]}))
    figs = [f for d in docs for f in d.figures]
    s.upsert_nodes(schema.FIGURE, pa.table({k: [f[k] for f in figs]
                                            for k in ("id", "number", "caption", "file")}))
    s.upsert_edges(schema.HAS_FIGURE, schema.PATENT, schema.FIGURE, pa.table({
        "src": [d.id for d in docs for _ in d.figures],
        "dst": [f["id"] for d in docs for f in d.figures]}))
    codes = [(d.id, c, sch) for d in docs for c, sch in d.codes]
    s.upsert_nodes(schema.IPC, pa.table({"code": [c for _, c, _ in codes],
                                         "scheme": [x for _, _, x in codes]}))
    s.upsert_edges(schema.CLASSIFIED_AS, schema.PATENT, schema.IPC, pa.table({
        "src": [p for p, _, _ in codes], "dst": [c for _, c, _ in codes]}))
    yield s
    s.close()


def test_search_figures_finds_the_figure_that_names_the_article(store):
    r = pf.search_figures(store, "soccer ball spoon", k=5)
    assert r["method"] == "caption" and r["model"] == "all-MiniLM-L6-v2"
    assert r["figures"] == 251
    assert len(r["results"]) == 5
    top = r["results"][0]
    assert top["figure_id"] == "USD909824-F1" and top["patent_id"] == "USD909824"
    assert top["number"] == 1 and "soccer" in top["caption"]
    scores = [x["score"] for x in r["results"]]
    assert scores == sorted(scores, reverse=True) and -1 <= scores[-1] <= scores[0] <= 1
    razor = pf.search_figures(store, "shaving razor cartridge", k=2)["results"]
    assert {x["patent_id"] for x in razor} == {"USD907292", "USD907293"}


def test_search_figures_rejects_empty_text_and_clip_without_images(store, tmp_path):
    with pytest.raises(BadInputError, match="empty"):
        pf.search_figures(store, "  ")
    with pytest.raises(BadInputError, match="--images"):
        pf.search_figures(store, "shoe", clip_path=tmp_path)


def test_evaluate_retrieval_caption_and_title(store):
    cap = pf.evaluate_retrieval(store, "caption")
    assert cap["queries"] == 251 and cap["patents"] == 20
    assert cap["chance@1"] == 0.05
    assert 0 <= cap["R@1"] <= cap["R@5"] <= cap["R@10"] <= 1
    assert cap["R@5"] > 2 * cap["chance@5"]  # measured 0.77 vs chance 0.25
    title = pf.evaluate_retrieval(store, "title")
    assert title["queries"] == 20
    assert title["R@1"] >= 0.4  # measured 0.55 vs chance 0.05
    with pytest.raises(BadInputError):
        pf.evaluate_retrieval(store, "image")


def test_locarno_labels_ready_for_a_classifier(store):
    texts, labels = pf.locarno_labels(store)
    assert len(texts) == len(labels) == 20
    t = pf.locarno_table(store, level="subclass", with_captions=False)
    rows = {r["id"]: r for r in t.to_pylist()}
    assert rows["USD913312"]["label"] == "14-04"
    assert rows["USD913312"]["text"] == (
        "Display screen or portion thereof with animated graphical user interface")
    assert sorted(set(labels)) == ["02", "05", "07", "12", "13", "14", "21", "28"]
    i = t.column("id").to_pylist().index("USD909824")
    assert "soccer" in texts[i] and labels[i] == "07"


def test_empty_store_says_what_to_load(tmp_path):
    s = open_store(str(tmp_path / "empty.db"))
    try:
        with pytest.raises(InnographError, match="uspto-xml"):
            pf.search_figures(s, "shoe")
        assert pf.locarno_labels(s) == ([], [])
    finally:
        s.close()


def test_ingest_writes_figures_and_locarno_codes(design_docs, tmp_path):
    ingest = pytest.importorskip("innograph.pipeline.ingest")
    from innograph.loaders.records import RejectLog

    s = open_store(str(tmp_path / "ing.db"))
    try:
        summary = ingest.ingest(s, read_uspto_xml(shared_file("uspto-design")), RejectLog(None))
        assert summary.rejected == 0
        assert s.count(schema.PATENT) == 20
        assert s.count(schema.FIGURE) == s.count(schema.HAS_FIGURE) == 251
        t = s.read_table(f"MATCH (c:{schema.IPC}) WHERE c.scheme = $s RETURN count(c)",
                         {"s": schema.SCHEME_LOCARNO})
        assert t.column(0)[0].as_py() == 13  # distinct Locarno subclasses
        assert pf.locarno_labels(s)[1].count("14") == 5  # 14-03 once, 14-04 four times
    finally:
        s.close()


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    """A random-weight CLIP (1 layer, 16-d) in sentence-transformers format, built offline.

    It checks the mechanics of the CLIP path (text and image towers, TIFF reading,
    truncation to 77 tokens, ranking); its scores mean nothing.
    """
    import json

    from PIL import Image  # noqa: F401  (the CLIP path needs Pillow)
    from sentence_transformers import SentenceTransformer
    from transformers import (CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor,
                              CLIPTokenizer)

    d = tmp_path_factory.mktemp("tinyclip")
    vocab = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
    vocab.update({c + "</w>": 26 + i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")})
    vocab.update({"<|startoftext|>": 52, "<|endoftext|>": 53})
    (d / "vocab.json").write_text(json.dumps(vocab))
    (d / "merges.txt").write_text("#version: 0.2\n")
    proc = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32},
                                           crop_size={"height": 32, "width": 32}),
        tokenizer=CLIPTokenizer(str(d / "vocab.json"), str(d / "merges.txt")))
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=54, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=2,
                         max_position_embeddings=77, bos_token_id=52, eos_token_id=53,
                         pad_token_id=53),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                           num_attention_heads=2, image_size=32, patch_size=8),
        projection_dim=16)
    CLIPModel(cfg).save_pretrained(d / "hf")
    proc.save_pretrained(d / "hf")
    SentenceTransformer(str(d / "hf"), device="cpu").save(str(d / "st"))
    return d / "st"


def test_clip_path_mechanics_with_a_tiny_random_clip(store, tiny_clip, tmp_path):
    from PIL import Image

    rows = pf.figure_rows(store)
    rng = np.random.default_rng(0)
    files = sorted({r["file"] for r in rows if r["file"]})
    for f in files[:-1]:  # the last one is missing on purpose
        Image.fromarray((rng.random((40, 40)) * 255).astype("uint8")).save(tmp_path / f)
    r = pf.search_figures(store, "shoe " * 200, k=3, clip_path=tiny_clip, image_dir=tmp_path)
    assert r["method"] == "clip" and r["figures"] == len(files) - 1 == 123
    assert len(r["results"]) == 3 and all(x["file"] for x in r["results"])
    ev = pf.evaluate_retrieval(store, "title", clip_path=tiny_clip, image_dir=tmp_path)
    assert ev["method"] == "clip" and ev["patents"] == 14 and ev["queries"] == 14
    assert 0 <= ev["R@1"] <= ev["R@5"] <= ev["R@10"] <= 1


@pytest.mark.skipif(not os.environ.get("INNOGRAPH_CLIP_MODEL")
                    or not os.environ.get("INNOGRAPH_FIGURE_IMAGES"),
                    reason="no local CLIP model (INNOGRAPH_CLIP_MODEL) and drawing images "
                           "(INNOGRAPH_FIGURE_IMAGES) on this machine: CLIP path untested")
def test_clip_search_on_local_model(store):  # pragma: no cover - needs a local CLIP model
    r = pf.search_figures(store, "shoe", k=3, clip_path=os.environ["INNOGRAPH_CLIP_MODEL"],
                          image_dir=os.environ["INNOGRAPH_FIGURE_IMAGES"])
    assert r["method"] == "clip" and r["results"]
