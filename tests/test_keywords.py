"""KeyBERT keywords: same answers as stock KeyBERT, cache, empty texts, store write-back.

Real abstracts (shared/data neural-network patents), the offline MiniLM, a real Kùzu store.
"""

from __future__ import annotations

import copy
import csv

import numpy as np
import pyarrow as pa
import pytest
import torch

from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.models import keywords as K
from innograph.pipeline.keywords import extract_into_store, normalise_keywords

TIE = 1e-4  # keybert rounds scores to 4 decimals: closer than this is a tie


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a shared CPU, two OpenMP threads fighting other processes make
    the stock loop's many small forward passes ~8x slower; answers do not depend on it."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def abstracts(shared_data) -> list[str]:
    path = shared_data / "patents" / "google-patents-neural-network.csv"
    with open(path, newline="", encoding="utf-8") as f:
        return [r["patent_abstract"] for r in csv.DictReader(f)][:200]


@pytest.fixture(scope="module")
def patents(shared_data) -> list[dict]:
    path = shared_data / "patents" / "google-patents-neural-network.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[300:312]


@pytest.fixture(scope="module")
def encoder() -> K.Encoder:
    return K.load_encoder(device="cpu")


@pytest.fixture(scope="module")
def stock(encoder):
    from keybert import KeyBERT

    return KeyBERT(model=encoder.model)


def assert_same_up_to_ties(ref: list, got: list) -> None:
    """Same keywords in the same order, except where the swapped ones score within TIE."""
    assert len(ref) == len(got)
    sr, sg = dict(ref), dict(got)
    for (wr, s_r), (wg, s_g) in zip(ref, got):
        assert abs(s_r - s_g) <= TIE + 1e-9, (ref, got)  # scores agree position by position
        if wr != wg:
            other = sg.get(wr, sr.get(wr))
            assert other is not None and abs(other - s_r) <= TIE + 1e-9, (ref, got)
    for w in set(sr) & set(sg):
        assert abs(sr[w] - sg[w]) <= TIE + 1e-9


def _stock_run(stock, texts, ngram, top_n, **kw):
    return [stock.extract_keywords(t, keyphrase_ngram_range=ngram, top_n=top_n, **kw)
            for t in texts]


# ------------------------------------------------------------------ candidates
def test_candidates_are_keyberts_count_vectorizer_vocabulary(abstracts):
    from sklearn.feature_extraction.text import CountVectorizer

    batch = K.document_candidates(abstracts[:5], (1, 3))
    for i, text in enumerate(abstracts[:5]):
        cv = CountVectorizer(ngram_range=(1, 3), stop_words="english").fit([text])
        assert [batch.vocab[j] for j in batch.of(i)] == list(cv.get_feature_names_out())


# ------------------------------------------------------------------ exact == stock
def test_exact_top5_equals_stock_keybert_unigrams(abstracts, encoder, stock):
    texts = abstracts[:50]
    ref = _stock_run(stock, texts, (1, 1), 5)
    got = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), model=encoder)
    for r, g in zip(ref, got):
        assert_same_up_to_ties(r, g)
    assert sum(r == g for r, g in zip(ref, got)) >= 48  # ties are rare, not the rule


def test_exact_top5_equals_stock_keybert_trigrams(abstracts, encoder, stock):
    texts = abstracts[50:65]
    ref = _stock_run(stock, texts, (1, 3), 5)
    got = K.extract_keywords(texts, top_k=5, ngram_range=(1, 3), model=encoder)
    for r, g in zip(ref, got):
        assert_same_up_to_ties(r, g)


@pytest.mark.slow
def test_exact_top5_equals_stock_keybert_on_200_abstracts(abstracts, encoder, stock):
    texts = abstracts[:200]
    for ngram in [(1, 1), (1, 3)]:
        ref = _stock_run(stock, texts, ngram, 5)
        got = K.extract_keywords(texts, top_k=5, ngram_range=ngram, model=encoder)
        for r, g in zip(ref, got):
            assert_same_up_to_ties(r, g)


def test_top_k_beyond_candidates_returns_all_best_first(encoder, stock):
    text = "Neural network controller adjusts valve."
    got = K.extract_keywords([text], top_k=10, ngram_range=(1, 1), model=encoder)[0]
    assert [w for w, _ in got] == [w for w, _ in stock.extract_keywords(text, top_n=10)]
    assert len(got) == 5 and [s for _, s in got] == sorted([s for _, s in got], reverse=True)


# ------------------------------------------------------------------ diversity
def _embeddings(encoder, text, ngram=(1, 1)):
    batch = K.document_candidates([text], ngram)
    words = [batch.vocab[j] for j in batch.of(0)]
    return encoder.encode([text]), encoder.encode(words), words


def test_mmr_and_maxsum_equal_keyberts_functions_on_same_embeddings(abstracts, encoder):
    from keybert._maxsum import max_sum_distance as kb_maxsum
    from keybert._mmr import mmr as kb_mmr

    for text in abstracts[100:106]:
        d, w, words = _embeddings(encoder, text)
        for lam in (0.2, 0.5, 0.8):
            assert K.mmr(d, w, words, 5, lam) == kb_mmr(d, w, words, 5, lam)
        ref = kb_maxsum(d, w, words, 5, 10)
        got = K.max_sum_distance(d, w, words, 5, 10)
        assert got == sorted(ref, key=lambda p: -p[1])  # same pairs, ours best first


def test_diversity_modes_match_stock_extract_keywords(abstracts, encoder, stock):
    texts = abstracts[110:120]
    ref = _stock_run(stock, texts, (1, 1), 5, use_mmr=True, diversity=0.7)
    got = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), diversity="mmr",
                             mmr_diversity=0.7, model=encoder)
    for r, g in zip(ref, got):
        assert_same_up_to_ties(r, g)
    ref = _stock_run(stock, texts, (1, 1), 5, use_maxsum=True, nr_candidates=10)
    got = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), diversity="maxsum",
                             nr_candidates=10, model=encoder)
    for r, g in zip(ref, got):
        assert_same_up_to_ties(sorted(r, key=lambda p: -p[1]), g)
    # diversity actually diversifies: MMR at λ=0.9 differs from plain top-5 somewhere
    plain = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), model=encoder)
    div = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), diversity="mmr",
                             mmr_diversity=0.9, model=encoder)
    assert plain != div


def test_maxsum_with_fewer_candidates_than_top_k_returns_them_all():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 8)).astype(np.float32)
    d = rng.normal(size=(1, 8)).astype(np.float32)
    got = K.max_sum_distance(d, w, ["a", "b", "c"], top_n=5, nr_candidates=20)
    assert sorted(x for x, _ in got) == ["a", "b", "c"]
    with pytest.raises(ValueError):
        K.max_sum_distance(d, w, ["a", "b", "c"], top_n=5, nr_candidates=4)


# ------------------------------------------------------------------ cache, empties
def test_cache_reuse_second_run_embeds_no_new_candidates(abstracts, encoder, tmp_path):
    texts = abstracts[120:130]
    c1 = K.CandidateCache(tmp_path / "cache")
    first = K.extract_keywords(texts, top_k=5, ngram_range=(1, 2), model=encoder, cache_dir=c1)
    n = len(K.document_candidates(texts, (1, 2)).vocab)
    assert c1.misses == n and c1.hits == 0
    c1.close()
    c2 = K.CandidateCache(tmp_path / "cache")  # a new run: only the file is shared
    stats: dict = {}
    second = K.extract_keywords(texts, top_k=5, ngram_range=(1, 2), model=encoder,
                                cache_dir=c2, stats=stats)
    assert c2.misses == 0 and c2.hits == n and stats["embedded"] == 0
    assert second == first
    # another model id does not see these vectors
    assert c2.get_many("other-model", ["neural network"]) == [None]
    c2.close()


def test_empty_and_blank_texts_give_empty_lists(encoder, abstracts):
    assert K.extract_keywords([], model=encoder) == []
    assert K.extract_keywords(["", "   ", None, "the and of it"], model=encoder) == [[], [], [], []]
    got = K.extract_keywords(["", abstracts[0], "  "], top_k=3, model=encoder)
    assert got[0] == [] and got[2] == [] and len(got[1]) == 3


def test_duplicate_texts_are_embedded_once_and_answered_alike(encoder, abstracts):
    stats: dict = {}
    got = K.extract_keywords([abstracts[1], abstracts[2], abstracts[1]], top_k=5,
                             ngram_range=(1, 1), model=encoder, stats=stats)
    assert stats["unique_documents"] == 2 and got[0] == got[2]


# ------------------------------------------------------------------ bulk tokenisation
def _odd_texts(abstracts: list[str]) -> list[str]:
    """Real abstracts, their 1-3-gram candidates, and edge cases: empty, blank, unicode,
    a text far past max_seq_length (truncated)."""
    cands = K.document_candidates(abstracts[:20], (1, 3)).vocab
    return (abstracts[:40] + list(cands)[:1500]
            + ["", "   ", "Café naïve résumé — 東京 🤖 ﬁ ΔT≥5 °C", "\tsplit\nlines ",
               " ".join(abstracts[:6]), "x " * 700])


def test_bulk_token_ids_equal_the_hf_tokenizers(abstracts, encoder):
    texts = _odd_texts(abstracts)
    m = encoder.model
    ids = encoder.token_ids(texts)
    assert ids is not None  # MiniLM's tokenizer is a fast one: encode takes the bulk path
    ref = m.tokenizer(texts, truncation=True, max_length=m.max_seq_length)["input_ids"]
    assert ids == ref
    assert max(map(len, ids)) == m.max_seq_length and min(map(len, ids)) == 2  # cut; [CLS][SEP]
    assert encoder.token_lengths(texts).tolist() == [len(x) for x in ref]
    short = K.Encoder(copy.deepcopy(m), encoder.model_id, "cpu")
    short.token_ids(texts)
    short.model.max_seq_length = 16  # a changed limit is followed, not the first one cached
    ref16 = m.tokenizer(texts, truncation=True, max_length=16)["input_ids"]
    assert short.token_ids(texts) == ref16 and max(map(len, ref16)) == 16


def test_bulk_encode_equals_sentence_transformers_encode(abstracts, encoder):
    texts = _odd_texts(abstracts)
    seen: list = []
    tally = K.EncodeTally(lambda done, total: seen.append(done))
    tally.total(len(texts))
    got = encoder.encode(texts, tally)
    assert seen[-1] == len(texts) and len(seen) > 2  # several token-budget batches
    ref = encoder.model.encode(texts, convert_to_numpy=True)
    assert got.dtype == np.float32 and got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-5
    old = K.Encoder(encoder.model, encoder.model_id, "cpu", bulk=False)  # the per-text path
    assert old.token_ids(texts) is None
    assert np.abs(got - old.encode(texts)).max() <= 1e-5


def test_models_with_a_prompt_keep_sentence_transformers_own_path(abstracts, encoder):
    m = copy.deepcopy(encoder.model)
    m.prompts = {"query": "query: "}
    m.default_prompt_name = "query"
    enc = K.Encoder(m, encoder.model_id, "cpu")
    texts = abstracts[:5] + ["neural network", ""]
    assert enc.token_ids(texts) is None  # the bulk path would drop the prompt
    got = enc.encode(texts)
    assert np.abs(got - m.encode(texts, convert_to_numpy=True)).max() <= 1e-5
    assert np.abs(got - encoder.encode(texts)).max() > 1e-3  # the prompt did change them


def _overlap(a: list, b: list, k: int = 5) -> float:
    return float(np.mean([len({w for w, _ in x} & {w for w, _ in y}) / k for x, y in zip(a, b)]))


def test_fast_modes_keep_most_of_the_top5(abstracts, encoder):
    texts = abstracts[130:160]
    exact = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), model=encoder)
    auto = K.load_encoder(device="cpu", fast=True)
    assert auto.precision in ("bf16", "int8") and auto.model_id.endswith("+" + auto.precision)
    bf16 = K.load_encoder(device="cpu", fast="bf16")
    assert _overlap(exact, K.extract_keywords(texts, top_k=5, ngram_range=(1, 1),
                                              model=bf16)) >= 0.9
    # plain int8 dynamic quantisation loses more of the answer (measured ≈ 0.85 on 300 docs)
    int8 = K.load_encoder(device="cpu", fast="int8")
    plain = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), model=int8,
                               rescore_factor=0)
    assert 0.7 <= _overlap(exact, plain) < 1.0
    # int8 as a screen, shortlist rescored in float32: the float32 scores of (nearly) the
    # same top-5 (measured: overlap 1.000 on 1,000 docs, 1-grams)
    stats: dict = {}
    got = K.extract_keywords(texts, top_k=5, ngram_range=(1, 1), model=int8, stats=stats)
    assert _overlap(exact, got) >= 0.95 > _overlap(exact, plain)
    assert 0 < stats["rescored"] <= 15 * len(texts)
    for e, g in zip(exact, got):  # a keyword in both carries its float32 cosine
        common = dict(e).keys() & dict(g).keys()
        assert all(abs(dict(e)[w] - dict(g)[w]) <= 1e-4 for w in common)


def test_shortlist_keeps_each_documents_best_m_in_alphabetical_order():
    cands = K.CandidateBatch(["a", "b", "c", "d"], np.array([0, 3, 3, 7]),
                             np.array([0, 1, 3, 0, 1, 2, 3]))
    scores = np.array([0.1, 0.9, 0.5, 0.3, 0.2, 0.8, 0.7], np.float32)
    sh = K.shortlist(cands, scores, 2)
    assert [[sh.vocab[j] for j in sh.of(i)] for i in range(3)] == [["b", "d"], [], ["c", "d"]]
    assert sh.vocab == ["b", "c", "d"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_exact_matches_cpu_and_bf16_overlaps(abstracts, encoder):
    texts = abstracts[:50]
    cpu = K.extract_keywords(texts, top_k=5, ngram_range=(1, 3), model=encoder)
    gpu = K.extract_keywords(texts, top_k=5, ngram_range=(1, 3), device="cuda")
    for r, g in zip(cpu, gpu):
        assert_same_up_to_ties(r, g)
    fast = K.extract_keywords(texts, top_k=5, ngram_range=(1, 3), device="cuda", fast=True)
    assert _overlap(cpu, fast) >= 0.9


def test_missing_model_path_is_a_clear_error(tmp_path):
    from innograph.errors import ModelMissingError

    with pytest.raises(ModelMissingError, match="no sentence-transformers model"):
        K.load_encoder(tmp_path / "nope", device="cpu")


# ------------------------------------------------------------------ store write-back
def test_normalise_keywords_folds_and_keeps_max():
    got = normalise_keywords([("neural networks", 0.61), ("Neural network", 0.7),
                              ("2019", 0.5), ("the", 0.4), ("controller", 0.3)])
    assert got == [("neural network", 0.7), ("controller", 0.3)]


def _load(store, patents):
    docs = [{"id": f"US{r['patent_number']}", "title": r["patent_title"],
             "abstract": r["patent_abstract"]} for r in patents]
    docs.append({"id": "US-empty", "title": None, "abstract": "  "})
    store.upsert_nodes(schema.PATENT, pa.Table.from_pylist(docs))
    store.upsert_nodes(schema.PAPER, pa.Table.from_pylist(
        [{"id": "P1", "title": "Neural network based valve control",
          "abstract": "A recurrent neural network controls a hydraulic valve."}]))
    store.upsert_nodes(schema.KEYWORD, pa.table({"name": ["hydraulics", "neural network"]}))
    store.upsert_edges(schema.HAS_KEYWORD, schema.PAPER, schema.KEYWORD, pa.table({
        "src": ["P1", "P1"], "dst": ["hydraulics", "neural network"], "score": [None, None],
        "source": [schema.SOURCE_INPUT] * 2, "rank": [1, 2]}))
    return [d["id"] for d in docs]


def _edges(store):
    t = store.read_table(
        f"MATCH (d)-[e:{schema.HAS_KEYWORD}]->(k:{schema.KEYWORD}) "
        "RETURN d.id AS doc, k.name AS kw, e.source AS source, e.model AS model, "
        "e.score AS score, e.rank AS rank")
    return sorted(tuple(r.values()) for r in t.to_pylist())


def test_extract_into_store_is_resumable_and_idempotent(tmp_path, patents, encoder):
    store = open_store(str(tmp_path / "g.db"))
    ids = _load(store, patents)
    opts = dict(top_k=5, ngram=(1, 1), model_path=encoder, batch_docs=4, progress=False)
    part = extract_into_store(store, limit=5, **opts)  # as if killed after 5 patents
    assert part[schema.PATENT]["documents"] == 5
    rest = extract_into_store(store, **opts)
    assert rest[schema.PATENT]["done_before"] == 5
    assert rest[schema.PATENT]["documents"] == len(ids) - 5
    assert rest[schema.PAPER]["documents"] == 0  # done in the first run (limit is per label)
    after = _edges(store)
    stats = store.stats()
    again = extract_into_store(store, **opts)
    assert again["documents"] == 0 and _edges(store) == after and store.stats() == stats

    # every document is marked; the blank one has no keywords
    marks = store.read_table(f"MATCH (d:{schema.PATENT}) RETURN d.id AS id, "
                             "d.keywords_model AS m").to_pylist()
    assert {r["m"] for r in marks} == {encoder.model_id}
    assert not [e for e in after if e[0] == "US-empty"]
    # ranks 1..n per document, by score
    kb = [e for e in after if e[2] == schema.SOURCE_KEYBERT]
    for doc in {e[0] for e in kb}:
        mine = sorted((e for e in kb if e[0] == doc), key=lambda e: e[5])
        assert [e[5] for e in mine] == list(range(1, len(mine) + 1))
        assert [e[4] for e in mine] == sorted([e[4] for e in mine], reverse=True)

    # same graph as one uninterrupted run
    other = open_store(str(tmp_path / "h.db"))
    _load(other, patents)
    extract_into_store(other, **{**opts, "batch_docs": 100})
    assert _edges(other) == after
    other.close()

    # input keywords untouched, keybert edges carry the model
    p1 = [e for e in after if e[0] == "P1"]
    assert ("P1", "hydraulics", "input", None, None, 1) in p1
    assert ("P1", "neural network", "input", None, None, 2) in p1
    assert {e[3] for e in p1 if e[2] == "keybert"} == {encoder.model_id}
    store.close()


def test_redo_replaces_keybert_edges_only(tmp_path, patents, encoder):
    store = open_store(str(tmp_path / "g.db"))
    ids = _load(store, patents[:4])
    opts = dict(top_k=3, ngram=(1, 1), model_path=encoder, progress=False)
    extract_into_store(store, **opts)
    before = _edges(store)
    redo = extract_into_store(store, redo=True, **{**opts, "top_k": 2})
    assert redo[schema.PATENT]["documents"] == len(ids)
    assert redo[schema.PATENT]["deleted_edges"] == sum(
        1 for e in before if e[2] == "keybert" and e[0] != "P1")
    after = _edges(store)
    assert [e for e in after if e[2] == "input"] == [e for e in before if e[2] == "input"]
    per_doc = {}
    for e in after:
        if e[2] == "keybert":
            per_doc[e[0]] = per_doc.get(e[0], 0) + 1
    assert max(per_doc.values()) <= 2
    store.close()


def test_redo_limited_to_n_docs_replaces_exactly_theirs_and_resumes(tmp_path, patents, encoder):
    """Another run left keybert edges (top 3); a redo limited to N documents (top 2, batches
    of 2) replaces exactly those N documents' keybert edges, batch by batch, and leaves the
    others' old edges and every input edge alone; a rerun without redo finishes the rest and
    gives the graph of a fresh top-2 run."""
    store = open_store(str(tmp_path / "g.db"))
    ids = _load(store, patents[:7])
    opts = dict(ngram=(1, 1), model_path=encoder, progress=False)
    extract_into_store(store, top_k=3, **opts)
    before = _edges(store)
    n = 3
    redo = extract_into_store(store, top_k=2, redo=True, limit=n, batch_docs=2, **opts)
    first = sorted(ids)[:n]  # pending documents go in key order
    assert redo[schema.PATENT]["documents"] == n
    assert redo[schema.PATENT]["deleted_edges"] == sum(
        1 for e in before if e[2] == "keybert" and e[0] in first)
    after = _edges(store)
    for doc in ids:
        old = [e for e in before if e[0] == doc and e[2] == "keybert"]
        new = [e for e in after if e[0] == doc and e[2] == "keybert"]
        if doc in first:  # new edges: the top 2 of the old top 3 (same model, same scores)
            assert new == sorted(e for e in old if e[5] <= 2) and (old == [] or len(new) < len(old))
        else:
            assert new == old and old != [] or doc == "US-empty"
    assert [e for e in after if e[2] == "input"] == [e for e in before if e[2] == "input"]
    marks = {r["id"]: r["m"] for r in store.read_table(
        f"MATCH (d:{schema.PATENT}) RETURN d.id AS id, d.keywords_model AS m").to_pylist()}
    assert {d for d, m in marks.items() if m is not None} == set(first)

    rest = extract_into_store(store, top_k=2, **opts)  # resume without redo
    assert rest[schema.PATENT]["documents"] == len(ids) - n
    fresh = open_store(str(tmp_path / "h.db"))
    _load(fresh, patents[:7])
    extract_into_store(fresh, top_k=2, **opts)
    assert _edges(store) == _edges(fresh)
    fresh.close()
    store.close()
