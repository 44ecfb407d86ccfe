"""Progress that moves (issue 14, item 7): the real models call their ``(done, total)``
callback with increasing counts during a run, ending at the total — Doc2Vec training and
inference, sentence encoding, KeyBERT keywords — on small real stores."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest
import torch

from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.models import keywords as K
from innograph.pipeline.embed import embed
from innograph.pipeline.keywords import extract_into_store
from innograph.cli.progress import rich_progress


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


class Recorder:
    """A ProgressFactory that keeps every (done, total) per step description."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[int, int]]] = defaultdict(list)

    def __call__(self, description: str):
        return lambda done, total: self.calls[description].append((done, total))


def _assert_moves(calls: list[tuple[int, int]], total: int, min_steps: int) -> None:
    """Counts never go back, the total is fixed, several distinct counts, ends at total."""
    assert calls, "no progress reported"
    dones = [d for d, _ in calls]
    assert all(t == total for _, t in calls), calls
    assert dones == sorted(dones), calls
    assert dones[-1] == total, calls
    assert len(set(dones)) >= min_steps, calls
    assert all(0 <= d <= total for d in dones)


def _store(path, n_papers: int = 24, n_patents: int = 16):
    rng = np.random.default_rng(0)
    words = ("neural network robot valve gradient vision protein battery lidar speech "
             "graph kernel sensor laser wafer antenna").split()
    s = open_store(str(path))
    for label, prefix, n in ((schema.PAPER, "W", n_papers), (schema.PATENT, "P", n_patents)):
        s.upsert_nodes(label, pa.table({
            "id": [f"{prefix}{i:03d}" for i in range(n)],
            "title": [" ".join(rng.choice(words, 8)) for _ in range(n)],
            "year": pa.array([2000 + i % 5 for i in range(n)], pa.int64())}))
    return s


def test_doc2vec_training_and_inference_report_documents(tmp_path):
    s = _store(tmp_path / "g.db")
    rec = Recorder()
    embed(s, method="doc2vec", deterministic=True, model_dir=str(tmp_path / "m"),
          vector_size=8, epochs=3, min_count=1, progress=rec)
    (train_step,) = [k for k in rec.calls if k.startswith("Doc2Vec")]
    # 40 documents read once for the vocabulary and once per epoch
    _assert_moves(rec.calls[train_step], 40 * (3 + 1), min_steps=100)
    # new papers are inferred by the saved model, one report per document here
    s.upsert_nodes(schema.PAPER, pa.table({"id": [f"N{i}" for i in range(5)],
                                           "title": ["neural robot valve"] * 5,
                                           "year": pa.array([2003] * 5, pa.int64())}))
    rec2 = Recorder()
    r = embed(s, method="doc2vec", deterministic=True, model_dir=str(tmp_path / "m"),
              vector_size=8, epochs=3, min_count=1, progress=rec2)
    assert r["labels"][schema.PAPER]["inferred"] == 5
    calls = rec2.calls[f"{schema.PAPER}: inferring"]
    _assert_moves(calls, 29, min_steps=6)  # 24 skipped, then 1, 2, … 5 inferred
    assert [d for d, _ in calls][-5:] == [25, 26, 27, 28, 29]
    s.close()


def test_sentence_encoding_reports_each_chunk(tmp_path):
    s = _store(tmp_path / "g.db")
    rec = Recorder()
    r = embed(s, method="sentence", device="cpu", batch_size=2, progress=rec)
    assert r["labels"][schema.PAPER]["embedded"] == 24
    # chunks of 4 batches of 2 texts: 0, 8, 16, 24
    _assert_moves(rec.calls[f"{schema.PAPER}: encoding"], 24, min_steps=4)
    _assert_moves(rec.calls[f"{schema.PATENT}: encoding"], 16, min_steps=3)
    # the chunked, length-sorted path gives the vectors of one plain encode call
    from innograph.models import embeddings as emb

    st = emb.load_sentence_model(None, device="cpu")
    texts = ["short", "a much longer text about neural network valves and robots", "mid text"]
    a = emb.sentence_vectors(st, texts, batch_size=1)
    b = emb.sentence_vectors(st, texts, batch_size=1, progress=lambda d, t: None)
    np.testing.assert_allclose(a, b, atol=1e-5)
    s.close()


def test_keywords_report_documents_inside_each_batch(tmp_path):
    s = _store(tmp_path / "g.db", n_papers=10, n_patents=0)
    rec = Recorder()
    encoder = K.load_encoder(device="cpu", batch_tokens=64)  # many small forward passes
    r = extract_into_store(s, top_k=3, ngram=(1, 2), model_path=encoder, batch_docs=5,
                           labels=(schema.PAPER,), progress=rec)
    assert r[schema.PAPER]["documents"] == 10
    calls = rec.calls[f"{schema.PAPER} keywords"]
    _assert_moves(calls, 10, min_steps=6)
    # counts strictly between the batch boundaries: progress moves inside a batch
    assert {d for d, _ in calls} - {0, 5, 10}, calls
    s.close()


def test_rich_renderer_draws_and_closes():
    with rich_progress(enabled=True) as bars:  # draws on stderr and closes cleanly
        cb = bars("step")
        for i in range(5):
            cb(i + 1, 5)
    with rich_progress(enabled=False) as bars:
        bars("step")(1, 1)


def test_classifier_training_reports_examples_seen(tmp_path):
    from innograph.models.classify import train_classifier

    rng = np.random.default_rng(0)
    ai = ["neural network learns", "deep learning model", "machine learning classifier"]
    other = ["hydraulic valve seal", "garden hose nozzle", "bicycle brake lever"]
    texts, labels = [], []
    for i in range(40):
        pool = ai if i % 2 else other
        texts.append(" ".join(rng.choice(pool, 2)))
        labels.append(bool(i % 2))
    seen: list[tuple[int, int]] = []
    res = train_classifier(texts, labels, out_dir=tmp_path / "clf", epochs=2, max_length=16,
                           batch_size=4, patience=5, device="cpu", amp=False,
                           progress=lambda d, t: seen.append((d, t)))
    n_train = seen[0][1] // 2
    assert n_train > 0 and all(t == 2 * n_train for _, t in seen)
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and len(set(dones)) == len(dones) >= 2 * (n_train // 4)
    assert dones[-1] == 2 * n_train  # patience 5 > 2 epochs: both epochs run to the end
    assert res["model_dir"]


def test_mmsb_fit_reports_iterations_and_the_same_fit_without_a_callback():
    from innograph.models import mmsb

    rng = np.random.default_rng(0)
    rows = [sorted(rng.choice(30, size=rng.integers(2, 5), replace=False)) for _ in range(120)]
    import scipy.sparse as sp
    m = sp.csr_matrix((np.ones(sum(map(len, rows)), dtype=np.int8),
                       ([i for i, r in enumerate(rows) for _ in r], [k for r in rows for k in r])),
                      shape=(len(rows), 30))
    calls: list[tuple[int, int]] = []
    fit = mmsb.fit(m, 3, seed=0, max_iter=40, verbose=False,
                   progress=lambda d, t: calls.append((d, t)))
    plain = mmsb.fit(m, 3, seed=0, max_iter=40, verbose=False)
    assert calls and all(t == 40 for _, t in calls)
    assert [d for d, _ in calls] == list(range(1, len(calls) + 1)) and len(calls) == fit.n_iter
    np.testing.assert_array_equal(fit.theta, plain.theta)
