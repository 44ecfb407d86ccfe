"""Embeddings (Doc2Vec, MiniLM), ``embed`` / ``match`` on a real Kùzu store, vector indexes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import torch

from innograph.graph import dialect, schema
from innograph.graph.store import open_store
from innograph.models import embeddings as emb
from innograph.pipeline.embed import embed, read_vectors
from innograph.pipeline.match import match

from .conftest import shared_file

REPO = Path(__file__).resolve().parents[1]
GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _patent_texts(n: int) -> list[str]:
    import pandas as pd

    df = pd.read_csv(shared_file("patents/google-patents-neural-network.csv"), nrows=n)
    return [f"{t}. {a}" for t, a in zip(df.patent_title, df.patent_abstract)]


# ---------------------------------------------------------------- Doc2Vec
_DET_SCRIPT = r"""
import sys, numpy as np, pandas as pd
from innograph.models import embeddings as emb
df = pd.read_csv(sys.argv[1], nrows=120)
docs = [emb.tokenize(f"{t}. {a}") for t, a in zip(df.patent_title, df.patent_abstract)]
from gensim.models.doc2vec import TaggedDocument
cfg = emb.Doc2VecConfig(vector_size=24, epochs=4, seed=5)
m = emb.train_doc2vec([TaggedDocument(w, [i]) for i, w in enumerate(docs)], cfg, deterministic=True)
np.save(sys.argv[2], np.concatenate([emb.doc2vec_vectors(m), emb.infer_vectors(m, docs[:6], seed=9)]))
"""


def test_doc2vec_deterministic_runs_give_identical_vectors(tmp_path):
    """Two runs in separate processes with different PYTHONHASHSEED: identical trained and
    inferred vectors (gensim alone would differ: Python's salted hash seeds infer_vector)."""
    csv = shared_file("patents/google-patents-neural-network.csv")
    outs = []
    for hs in ("1", "2"):
        out = tmp_path / f"v{hs}.npy"
        env = dict(os.environ, PYTHONHASHSEED=hs)
        subprocess.run([sys.executable, "-c", _DET_SCRIPT, str(csv), str(out)], check=True,
                       env=env, cwd=REPO, timeout=300)
        outs.append(np.load(out))
    assert outs[0].shape == (126, 24)
    np.testing.assert_array_equal(outs[0], outs[1])
    assert np.abs(outs[0]).max() > 0.01  # trained, not the tiny initial vectors


def test_seeded_inference_ignores_order_and_repeats(tmp_path):
    from gensim.models.doc2vec import TaggedDocument

    docs = [emb.tokenize(t) for t in _patent_texts(100)]
    cfg = emb.Doc2VecConfig(vector_size=16, epochs=3, seed=1)
    m = emb.train_doc2vec([TaggedDocument(w, [i]) for i, w in enumerate(docs)], cfg,
                          deterministic=True)
    a = emb.infer_vectors(m, docs[:5], seed=3)
    b = emb.infer_vectors(m, docs[4::-1], seed=3)[::-1]
    np.testing.assert_array_equal(a, b)
    c = emb.infer_vectors(m, docs[:5], seed=4)
    assert not np.array_equal(a, c)
    # an inferred vector of a training document lies near its trained vector
    t = emb.doc2vec_vectors(m)[:5]
    cos = (a * t).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(t, axis=1)
    assert np.median(cos) > 0.5
    # saved and loaded models infer the same vectors
    p = emb.save_doc2vec(m, tmp_path / "m.model")
    np.testing.assert_array_equal(emb.infer_vectors(emb.load_doc2vec(p), docs[:5], seed=3), a)


def test_tokens_and_missing_model(tmp_path):
    assert emb.tokenize("Neural-Net $\\alpha$ 3D résumé of CNNs.") == [
        "neural", "net", "alpha", "resume", "of", "cnns"]
    assert emb.keyword_tokens(["Neural  Network", "", "GPU"]) == ["neural_network", "gpu"]
    from innograph.errors import ModelMissingError

    with pytest.raises(ModelMissingError):
        emb.load_doc2vec(tmp_path / "nope.model")
    with pytest.raises(ModelMissingError):
        emb.load_sentence_model(tmp_path / "no-such-model", device="cpu")


# ---------------------------------------------------------------- MiniLM
@pytest.fixture(scope="module")
def minilm():
    return emb.load_sentence_model(device="cpu")


def test_minilm_embeddings_are_real_and_normalised(minilm):
    texts = ["A convolutional neural network classifies images of handwritten digits.",
             "Image recognition with deep convolutional networks.",
             "A baseball bat with a cushioned grip and a weighted end."]
    v = emb.sentence_vectors(minilm, texts, batch_size=2)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2]
    # batching does not change the vectors
    np.testing.assert_allclose(emb.sentence_vectors(minilm, texts, batch_size=3), v, atol=1e-5)
    assert emb.sentence_vectors(minilm, []).shape == (0, 384)
    assert emb.sentence_model_id(None) == "sentence-all-MiniLM-L6-v2-text"


# ------------------------------------------------------- small store end to end
def _planted_store(path: Path, n: int = 40, seed: int = 0):
    """n papers and n patents; paper i and patent i share 12 of their 15 words; patent i is
    filed 0–2 years after paper i; the last 3 papers are of 2031, after every patent."""
    rng = np.random.default_rng(seed)
    vocab = [f"{a}{b}{c}" for a in ("lumo", "kari", "zent", "bolu", "fira", "nexa", "quil", "tros")
             for b in ("ba", "de", "ki", "mo", "ru", "sa", "te", "vo", "xi", "zu")
             for c in ("n", "l", "r", "st", "x", "p", "m", "k")]
    papers, patents = [], []
    for i in range(n):
        core = list(rng.choice(vocab, 12, replace=False))
        y = int(rng.integers(2000, 2010))
        papers.append((f"W{i:03d}", " ".join(core + list(rng.choice(vocab, 3))),
                       2031 if i >= n - 3 else y))
        patents.append((f"P{i:03d}", " ".join(list(rng.choice(vocab, 3)) + core),
                        y + int(rng.integers(0, 3))))
    store = open_store(str(path))
    store.upsert_nodes(schema.PAPER, pa.table({
        "id": [p[0] for p in papers], "title": [p[1] for p in papers],
        "year": pa.array([p[2] for p in papers], pa.int64())}))
    store.upsert_nodes(schema.PATENT, pa.table({
        "id": [p[0] for p in patents], "abstract": [p[1] for p in patents],
        "year": pa.array([p[2] for p in patents], pa.int64())}))
    return store, papers, patents


def _edges(store, method: str) -> list[dict]:
    t = store.read_table(
        f"MATCH (a:{schema.PAPER})-[e:{schema.SIMILAR_TO}]->(b:{schema.PATENT}) "
        "WHERE e.method = $m RETURN a.id AS src, b.id AS dst, a.year AS py, b.year AS qy, "
        "e.score AS score, e.rank AS rank, e.model AS model ORDER BY src, rank", {"m": method})
    return t.to_pylist()


def _embedded_store(tmp_path: Path, n: int, seed: int):
    """``_planted_store`` with deterministic 32-dim Doc2Vec vectors (40 epochs) written."""
    store, _, _ = _planted_store(tmp_path / "g.db", n=n, seed=seed)
    embed(store, method="doc2vec", deterministic=True, model_dir=str(tmp_path / "m"),
          vector_size=32, epochs=40, seed=seed)
    return store


def test_embed_and_match_end_to_end_and_rerun_replaces_edges(tmp_path):
    store, papers, patents = _planted_store(tmp_path / "g.db")
    try:
        s = embed(store, method="doc2vec", deterministic=True, model_dir=str(tmp_path / "m"),
                  vector_size=48, epochs=60, seed=3)
        assert s["trained"] and s["labels"][schema.PAPER]["embedded"] == 40
        assert Path(s["model_path"]).is_file()
        row = store.read_table(f"MATCH (n:{schema.PAPER}) WHERE n.id = 'W000' RETURN "
                               "n.embedding_model AS m, n.embedding_dim AS d, n.embedding_at AS at"
                               ).to_pylist()[0]
        assert row["m"] == s["model"] and row["d"] == 48 and row["at"].startswith("20")

        m1 = match(store, k=1)
        assert m1["papers"] == 40 and m1["patents"] == 40 and m1["no_eligible"] == 3
        edges = _edges(store, "exact")
        assert len(edges) == 37 == m1["edges"]
        assert all(e["qy"] >= e["py"] and e["rank"] == 1 and e["model"] == s["model"]
                   for e in edges)
        hits = sum(e["dst"][1:] == e["src"][1:] for e in edges)
        assert hits >= 33, hits  # planted pairs found
        # score is the raw cosine of the stored vectors
        ids, P, _, _ = read_vectors(store, schema.PAPER)
        qids, Q, _, _ = read_vectors(store, schema.PATENT)
        e = edges[0]
        a, b = P[ids.index(e["src"])], Q[qids.index(e["dst"])]
        assert e["score"] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-5)

        m2 = match(store, k=2)  # rerun: replaces the exact edges
        assert m2["removed"] == 37
        edges2 = _edges(store, "exact")
        assert len(edges2) == m2["edges"] == store.count(schema.SIMILAR_TO)
        assert sorted({e["rank"] for e in edges2}) == [1, 2]
        m3 = match(store, k=2)
        assert m3["removed"] == m2["edges"] and store.count(schema.SIMILAR_TO) == m2["edges"]
    finally:
        store.close()


def test_embed_resumes_reuses_model_and_infers_new_documents(tmp_path):
    store, _, _ = _planted_store(tmp_path / "g.db", n=20)
    try:
        kw = dict(method="doc2vec", deterministic=True, model_dir=str(tmp_path / "m"),
                  vector_size=16, epochs=5, seed=1)
        s1 = embed(store, **kw)
        before = dict(zip(*read_vectors(store, schema.PATENT)[:2]))
        s2 = embed(store, **kw)
        assert not s2["trained"] and s2["labels"][schema.PAPER] == {"skipped": 20, "embedded": 0,
                                                                  "inferred": 0, "empty": 0}
        words = store.read_table(f"MATCH (n:{schema.PATENT}) WHERE n.id = 'P000' "
                                 "RETURN n.abstract AS a").column("a")[0].as_py().split()[3:9]
        store.upsert_nodes(schema.PAPER, pa.table({"id": ["NEW"], "title": [
            " ".join(words) + " unknownword"], "year": pa.array([2005], pa.int64())}))
        store.upsert_nodes(schema.PAPER, pa.table({"id": ["EMPTY"], "title": ["42 $$"]}))
        s3 = embed(store, **kw)
        assert s3["labels"][schema.PAPER] == {"skipped": 20, "embedded": 1, "inferred": 1,
                                               "empty": 1}
        s4 = embed(store, force=True, **kw)  # recompute: trained docs get the same vectors
        assert s4["labels"][schema.PATENT]["embedded"] == 20
        after = dict(zip(*read_vectors(store, schema.PATENT)[:2]))
        for k in before:
            np.testing.assert_array_equal(before[k], after[k])
        assert s1["model"] == s4["model"]
    finally:
        store.close()


def test_vector_index_in_kuzu_store(tmp_path):
    from innograph.errors import InnographError

    store, _, _ = _planted_store(tmp_path / "g.db", n=30)
    try:
        with pytest.raises(InnographError):
            store.vector_query(schema.PATENT, np.zeros((1, 8)), 3)
        rng = np.random.default_rng(1)
        X = rng.standard_normal((30, 8)).astype(np.float32)
        ids = [f"P{i:03d}" for i in range(30)]
        store.set_properties(schema.PATENT, pa.table({
            "id": ids, "embedding": pa.array(list(X), pa.list_(pa.float32())),
            "embedding_model": ["m"] * 30}))
        info = store.create_vector_index(schema.PATENT)
        assert info["dims"] == 8 and info["rows"] == 30 and info["models"] == ["m"]
        q = rng.standard_normal((3, 8)).astype(np.float32)
        res = store.vector_query(schema.PATENT, q, 5)
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        for (got_ids, cos), v in zip(res, q):
            exact = Xn @ (v / np.linalg.norm(v))
            top = np.argsort(-exact)[:5]
            assert got_ids == [ids[j] for j in top]  # 30 points: HNSW is exact here
            np.testing.assert_allclose(cos, exact[top], atol=1e-5)
        with pytest.raises(ValueError):
            store.vector_query(schema.PATENT, np.zeros((1, 7)), 3)
        # embeddings change → rebuild; the Patent table still takes new rows (COPY)
        store.set_properties(schema.PATENT, pa.table({
            "id": ["P000"], "embedding": pa.array([X[1]], pa.list_(pa.float32()))}))
        store.create_vector_index(schema.PATENT)
        got, cos = store.vector_query(schema.PATENT, X[1], 2)[0]
        assert sorted(got) == ["P000", "P001"] and np.allclose(cos, 1.0, atol=1e-5)
        store.upsert_nodes(schema.PATENT, pa.table({"id": ["P999"], "year": [2001]}))
        assert store.count(schema.PATENT) == 31
        assert store.drop_vector_index(schema.PATENT) and store.vector_index_info(schema.PATENT) is None
    finally:
        store.close()


def test_match_by_index_reports_recall_and_keeps_exact_edges(tmp_path):
    store = _embedded_store(tmp_path, n=40, seed=2)
    try:
        ex = match(store, method="exact")
        ix = match(store, method="index", sample=40, oversample=2)
        assert ix["recall_sample"] == 37 and ix["recall_at_1"] >= 0.9
        assert ix["no_eligible"] == ex["no_eligible"] == 3
        assert len(_edges(store, "exact")) == ex["edges"]  # untouched by the index run
        idx_edges = _edges(store, "index")
        assert len(idx_edges) == ix["edges"] and all(e["qy"] >= e["py"] for e in idx_edges)
        same = {(e["src"], e["dst"]) for e in _edges(store, "exact")} & {
            (e["src"], e["dst"]) for e in idx_edges}
        assert len(same) >= 0.9 * ex["edges"]
        ix2 = match(store, method="index", sample=10)
        assert ix2["removed"] == ix["edges"] and "index_build_seconds" not in ix2  # reused
    finally:
        store.close()


# ------------------------------------------------------------ real data sets
def _real_tables(n_each: int = 150):
    import pandas as pd

    old = pd.read_csv(shared_file("papers/arxiv-2007-snapshot.csv"), dtype=str, nrows=n_each)
    new = pd.read_csv(shared_file("papers/arxiv-2023-with-affiliations.csv"), dtype=str)
    new = new.drop_duplicates("paper_id").head(n_each)  # the file repeats some papers
    pat = pd.read_csv(shared_file("patents/google-patents-neural-network.csv"), dtype=str,
                      nrows=2 * n_each)
    # arXiv ids lost their leading zero in this CSV ("704.0001" is 0704.0001: April 2007)
    old_ids = [i.split(".")[0].zfill(4) + "." + i.split(".")[1] for i in old["id"]]
    ids = [f"arXiv:{i}" for i in old_ids] + [f"arXiv:{i}" for i in new["paper_id"]]
    years = [2000 + int(i[:2]) for i in old_ids] + [int(d[:4]) for d in new["date"]]
    assert set(years) == {2007, 2023}
    papers = pa.table({
        "id": ids, "title": list(old["title"]) + list(new["title"]),
        "abstract": list(old["abstract"]) + list(new["abstract"]),
        "year": pa.array(years, pa.int64()),
        "year_source": ["id"] * n_each + ["date"] * n_each})
    patents = pa.table({
        "id": [f"US{n}" for n in pat["patent_number"]], "pn": list(pat["patent_number"]),
        "title": [t.strip('" ') for t in pat["patent_title"]],
        "abstract": [a.strip('" ') for a in pat["patent_abstract"]],
        "year": pa.array([int(d[:4]) for d in pat["patent_date"]], pa.int64()),
        "year_source": ["grant_date"] * (2 * n_each)})
    return papers, patents


@pytest.mark.parametrize("method,n", [("doc2vec", 150), ("sentence", 20)])
def test_real_arxiv_and_patents_matched_end_to_end(tmp_path, method, n):
    """n arXiv papers of 2007 + n of 2023, 2n neural-network patents (granted 1978–2018),
    Doc2Vec or MiniLM over title + abstract: every 2007 paper gets a patent of 2007 or later,
    no 2023 paper gets any (the temporal rule), scores are the raw cosines of the best
    eligible patent."""
    papers, patents = _real_tables(n)
    store = open_store(str(tmp_path / "g.db"))
    try:
        store.upsert_nodes(schema.PAPER, papers)
        store.upsert_nodes(schema.PATENT, patents)
        opts = (dict(deterministic=True, model_dir=str(tmp_path / "m"), vector_size=100,
                     epochs=10, window=5)
                if method == "doc2vec" else dict(device="cpu", batch_size=16))
        s = embed(store, method=method, **opts)
        assert s["labels"][schema.PAPER]["embedded"] == 2 * n
        assert s["dims"] == (100 if method == "doc2vec" else 384)
        m = match(store, k=1, device="cpu")
        assert m["papers"] == 2 * n and m["patents"] == 2 * n
        edges = _edges(store, "exact")
        assert m["no_eligible"] == n and len(edges) == n
        assert all(e["py"] == 2007 and e["qy"] >= 2007 for e in edges)
        assert all(-1.0 <= e["score"] <= 1.0 for e in edges)
        # the best match really is the best later patent: brute force over the stored vectors
        ids, P, _, py = read_vectors(store, schema.PAPER)
        qids, Q, _, qy = read_vectors(store, schema.PATENT)
        Pn, Qn = P / np.linalg.norm(P, axis=1, keepdims=True), Q / np.linalg.norm(Q, axis=1, keepdims=True)
        S = np.where(np.array(qy)[None, :] >= np.array(py)[:, None], Pn @ Qn.T, -np.inf)
        for e in edges:
            r = ids.index(e["src"])
            assert e["score"] == pytest.approx(S[r].max(), abs=1e-5)
            assert S[r, qids.index(e["dst"])] == pytest.approx(S[r].max(), abs=1e-6)
        assert np.mean([e["score"] for e in edges]) > 0.1
    finally:
        store.close()


# ------------------------------------------------------------------ Neo4j builders
def test_neo4j_vector_statements():
    q = dialect.neo4j_create_vector_index(schema.PAPER, "embedding", 384)
    assert q == ("CREATE VECTOR INDEX paper_embedding_vec IF NOT EXISTS FOR (n:Paper) ON "
                 "(n.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 384, "
                 "`vector.similarity_function`: 'cosine'}}")
    for bad in (0, -3, 2.5, True, "384; DROP"):
        with pytest.raises((ValueError, TypeError)):
            dialect.neo4j_create_vector_index(schema.PAPER, "embedding", bad)
    with pytest.raises(KeyError):
        dialect.neo4j_create_vector_index(schema.PAPER, "no_such_prop", 8)
    name = dialect.neo4j_vector_index_name(schema.PATENT)
    q = dialect.neo4j_vector_query(name)
    assert set(re.findall(r"\$(\w+)", q)) == {"index", "k", "vector"}
    assert "db.index.vector.queryNodes" in q and "node.id AS id" in q
    assert dialect.neo4j_drop_vector_index(schema.PATENT) == "DROP INDEX patent_embedding_vec IF EXISTS"
    # one place converts index scores back to cosines
    assert dialect.cosine_from_index_score(dialect.NEO4J, (1 + 0.3) / 2) == pytest.approx(0.3)
    assert dialect.cosine_from_index_score(dialect.KUZU, 1 - 0.3) == pytest.approx(0.3)


@GPU
def test_sentence_embeddings_on_gpu_equal_cpu():
    texts = _patent_texts(16)
    cpu = emb.sentence_vectors(emb.load_sentence_model(device="cpu"), texts)
    gpu = emb.sentence_vectors(emb.load_sentence_model(device="cuda"), texts)
    np.testing.assert_allclose(cpu, gpu, atol=1e-4)


# ------------------------------------------ batched and year-filtered index queries
def _random_patent_index(path: Path, n: int, dims: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dims)).astype(np.float32)
    years = rng.integers(1990, 2020, n)
    ids = [f"P{i:05d}" for i in range(n)]
    store = open_store(str(path))
    store.upsert_nodes(schema.PATENT, pa.table({
        "id": ids, "year": pa.array(years, pa.int64()),
        "embedding": pa.array(list(X), pa.list_(pa.float32())), "embedding_model": ["m"] * n}))
    store.create_vector_index(schema.PATENT)
    return store, ids, X, years, rng


def test_batched_vector_query_equals_per_row_queries(tmp_path):
    store, ids, X, years, rng = _random_patent_index(tmp_path / "g.db", 400, 16, seed=4)
    try:
        Q = rng.standard_normal((37, 16)).astype(np.float32)
        one = store.vector_query(schema.PATENT, Q, 7, batch=1)
        many = store.vector_query(schema.PATENT, Q, 7, batch=16)  # 3 statements, last short
        assert [r[0] for r in one] == [r[0] for r in many] and all(len(r[0]) == 7 for r in one)
        for (_, a), (_, b) in zip(one, many):
            np.testing.assert_allclose(a, b, atol=1e-6)
        my = rng.integers(1995, 2021, 37)
        one = store.vector_query(schema.PATENT, Q, 5, min_year=my, batch=1)
        many = store.vector_query(schema.PATENT, Q, 5, min_year=my, batch=8)
        assert [r[0] for r in one] == [r[0] for r in many]
    finally:
        store.close()


def test_year_filtered_index_query_is_exact_filter_with_high_recall(tmp_path):
    """2,000 random 32-d patents of 1990–2019; 300 queries, each with its own minimum year
    (1990–2021: from every patent eligible to none). No ineligible patent ever comes back,
    rows with none eligible get none, and recall@1 against exact filtered search ≥ 0.95."""
    n = 2000
    store, ids, X, years, rng = _random_patent_index(tmp_path / "g.db", n, 32, seed=5)
    try:
        Q = rng.standard_normal((300, 32)).astype(np.float32)
        my = rng.integers(1990, 2022, 300)
        res = store.vector_query(schema.PATENT, Q, 3, min_year=my)
        pos = {i: j for j, i in enumerate(ids)}
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        hits = 0
        for (got, cos), q, y in zip(res, Q, my):
            assert all(years[pos[i]] >= y for i in got)
            eligible = years >= y
            assert len(got) == min(3, int(eligible.sum()))
            if not eligible.any():
                continue
            exact = np.where(eligible, Xn @ (q / np.linalg.norm(q)), -np.inf)
            hits += got[0] == ids[int(np.argmax(exact))]
            np.testing.assert_allclose(cos[0], exact[pos[got[0]]], atol=1e-5)
        assert hits / int(sum((years >= y).any() for y in my)) >= 0.95
        # a year changed after the build is seen without a rebuild
        j = pos[res[0][0][0]]
        store.upsert_nodes(schema.PATENT, pa.table({"id": [ids[j]], "year": [1900]}))
        again = store.vector_query(schema.PATENT, Q[:1], 3, min_year=my[:1])[0][0]
        assert ids[j] not in again and len(again) == len(res[0][0])
        with pytest.raises(ValueError, match="min_year"):
            store.vector_query(schema.PATENT, Q[:2], 3, min_year=[2000.5, 2001.0])
    finally:
        store.close()


def test_index_match_uses_the_in_index_year_filter(tmp_path):
    """Kùzu: every paper is matched with a k-neighbour filtered search (no oversampling),
    same edges count and no-eligible count as exact, recall@1 against exact on every paper."""
    store = _embedded_store(tmp_path, n=40, seed=2)
    try:
        ex = match(store, method="exact", k=2)
        ix = match(store, method="index", k=2, sample=40, oversample=1, year_filter="index")
        assert ix["year_filter"] == "in index"
        assert ix["no_eligible"] == ex["no_eligible"] == 3 and ix["edges"] == ex["edges"]
        assert ix["recall_at_1"] >= 0.95
        assert all(e["qy"] >= e["py"] for e in _edges(store, "index"))
    finally:
        store.close()


def test_index_match_filter_after_gives_the_same_edges(tmp_path):
    store = _embedded_store(tmp_path, n=30, seed=3)
    try:
        a = match(store, method="index", k=2, sample=30, year_filter="index")
        got_a = _edges(store, "index")
        b = match(store, method="index", k=2, sample=30, year_filter="after", oversample=1)
        assert b["year_filter"] == "after, oversample 1" and a["year_filter"] == "in index"
        assert _edges(store, "index") == got_a and b["recall_at_1"] == a["recall_at_1"]
    finally:
        store.close()
