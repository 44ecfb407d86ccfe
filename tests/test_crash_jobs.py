"""Jobs that write back properties survive SIGKILL: killed at random points, rerun, same graph.

Issue 9, crash safety, for the write-back jobs (the load itself is covered by
``test_ingest_export.py::test_load_killed_midway_reruns_to_identical_graph``):

- ``match``: ``embed.match(k=3, method="exact")`` after a deterministic Doc2Vec embedding,
  with ``EDGE_BATCH`` lowered to 100 so the SIMILAR_TO edges go in 45 transactions;
- ``classify``: ``classify.classify_rule`` in 100-document batches, both resuming
  (``redo=False``) and recomputing (``redo=True``); ``classify.predict`` with a tiny BERT
  classifier (MiniLM, max_length 32, trained for one epoch on 64 rows in the fixture) in
  250-document pages — its probabilities must come back bit-identical, which holds because
  a resumed run pages the pending documents exactly as the killed run did (a page is written
  at once), so every batch holds the same documents with the same padding;
- ``novelty score``: ``novelty.score_novelty`` with a saved whole-range fit, and in
  historical mode (one MMSB fit per year, saved beside the store and reused on a rerun);
- ``keywords``: ``keywords.extract_into_store`` (MiniLM on CPU, 40 documents, top 5,
  unigrams, 5-document batches).

Each job runs in a subprocess on a copy of one base store (ingested synthetic corpus,
embedded, MMSB-fitted once). A clean run gives the reference; another copy is killed with
SIGKILL three times after random delays (within the clean run's duration, measured after the
job's imports), then the same command is rerun to completion. The rerun's ``stats()`` and
``fingerprint`` must equal the clean run's. Nothing is left out of the fingerprint: every
copy starts from the same base, so even ``embedding_at`` (the one timestamp property, written
by ``embed`` before the copies are made) is equal; the model files' ``created_at`` lie outside
the graph.

Each killed state is also copied aside and fingerprinted, to report where the kills landed:
before any write (``base``), mid-job (``partial``) or after the last write (``done``).
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from innograph.graph.fingerprint import fingerprint
from innograph.graph.store import open_store
from innograph.loaders.records import RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.models.classify import train_classifier
from innograph.pipeline.embed import embed
from innograph.pipeline.ingest import ingest
from innograph.pipeline.novelty import fit_novelty

pytestmark = pytest.mark.slow

KILLS = 3
STORE = "g.db"

# argv: store path, job name, work folder (model files). Imports happen before "start", so
# the kill delays fall inside the job itself.
JOB_SCRIPT = textwrap.dedent("""
    import os, sys, time
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path, job, work = sys.argv[1], sys.argv[2], sys.argv[3]
    from innograph.graph.store import open_store
    if job == "match":
        import innograph.pipeline.match as E
        E.EDGE_BATCH = 100  # many small write transactions
        run = lambda s: E.match(s, k=3, method="exact")
    elif job in ("rule", "rule_redo"):
        from innograph.pipeline.classify import classify_rule
        run = lambda s: classify_rule(s, redo=job == "rule_redo", batch_docs=100)
    elif job == "predict":
        from innograph.pipeline.classify import predict
        run = lambda s: predict(s, inner_dir=os.path.join(work, "clf"), batch_docs=250,
                                device="cpu")
    elif job == "novelty":
        from innograph.pipeline import novelty as nv
        run = lambda s: nv.score_novelty(s, model=os.path.join(work, "mmsb"))
    elif job == "novelty_hist":
        from innograph.pipeline import novelty as nv
        run = lambda s: nv.score_novelty(s, model=os.path.join(work, "hist"),
                                         historical=True, dims=3)
    elif job == "keywords":
        from innograph.models.keywords import load_encoder
        from innograph.pipeline.keywords import extract_into_store
        encoder = load_encoder(device="cpu")
        run = lambda s: extract_into_store(s, top_k=5, ngram=(1, 1), model_path=encoder,
                                           batch_docs=5, progress=False)
    else:
        raise SystemExit("unknown job " + job)
    s = open_store(path)
    print("start", flush=True)
    t0 = time.perf_counter()
    run(s)
    s.close()
    print("done", time.perf_counter() - t0, flush=True)
""")


def _copy_work(src: Path, dst: Path) -> Path:
    """Copy a work folder: the store file(s) (``g.db`` and ``g.db.*``, e.g. the WAL) and
    the model folders."""
    shutil.copytree(src, dst)
    return dst


def _copy_store(src: Path, dst: Path) -> None:
    dst.mkdir()
    for f in src.glob(STORE + "*"):
        shutil.copy2(f, dst / f.name)


def _state(work: Path) -> tuple[dict[str, int], str]:
    s = open_store(str(work / STORE))
    try:
        return s.stats(), fingerprint(s)
    finally:
        s.close()


def _run(work: Path, job: str) -> float:
    """Run ``job`` to completion; returns its duration after imports (seconds)."""
    p = subprocess.run([sys.executable, "-c", JOB_SCRIPT, str(work / STORE), job, str(work)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    last = p.stdout.strip().splitlines()[-1].split()
    assert last[0] == "done", p.stdout
    return float(last[1])


def _ingested(folder: Path, **corpus: int):
    """A new work folder with a store holding ``synthetic_corpus(**corpus)``; returns it open."""
    folder.mkdir()
    docs, _ = synthetic_corpus(**corpus)
    s = open_store(str(folder / STORE))
    ingest(s, docs, RejectLog(None))
    return s


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    """Two base work folders: ``big`` (1000 papers + 1000 patents, embedded with
    deterministic Doc2Vec, MMSB fitted into ``mmsb/``, a tiny classifier in ``clf/``) and
    ``small`` (20 + 20, for KeyBERT)."""
    root = tmp_path_factory.mktemp("crash_bases")
    big = root / "big"
    s = _ingested(big, seed=5, n_papers=1000, n_patents=1000, n_flows=40, n_novel=8)
    try:
        embed(s, method="doc2vec", deterministic=True, model_dir=str(root / "d2v"),
              vector_size=32, epochs=5)
        fit_novelty(s, dims=3, out_dir=big / "mmsb", seed=0, verbose=False)
        rows = s.read_table("MATCH (d:Paper) RETURN d.title AS t, d.abstract AS a "
                            "ORDER BY d.id LIMIT 32").to_pylist()
        rows += s.read_table("MATCH (d:Patent) RETURN d.title AS t, d.abstract AS a "
                             "ORDER BY d.id LIMIT 32").to_pylist()
    finally:
        s.close()
    train_classifier([f"{r['t']}. {r['a']}" for r in rows], [i < 32 for i in range(64)],
                     out_dir=big / "clf", max_length=32, epochs=1, batch_size=16,
                     device="cpu", seed=0)
    small = root / "small"
    _ingested(small, seed=6, n_papers=20, n_patents=20, n_flows=2, n_novel=1).close()
    return {"big": big, "small": small}


JOBS = ["match", "rule", "rule_redo", "predict", "novelty", "novelty_hist", "keywords"]
# jobs whose rerun skips work a killed run finished: later kills aim at the work left
RESUMES = {"rule", "predict", "keywords", "novelty_hist"}


@pytest.mark.parametrize("job", JOBS)
def test_job_killed_at_random_points_reruns_to_identical_graph(job, bases, tmp_path):
    base = bases["small" if job == "keywords" else "big"]
    base_stats, base_fp = _state(base)

    clean = _copy_work(base, tmp_path / "clean")
    duration = _run(clean, job)
    want_stats, want_fp = _state(clean)
    assert want_fp != base_fp, f"{job} wrote nothing: the test could not fail"

    rng = random.Random(f"crash-{job}")
    work = _copy_work(base, tmp_path / "killed")
    landed = []
    left = duration
    for i in range(KILLS):
        p = subprocess.Popen([sys.executable, "-c", JOB_SCRIPT, str(work / STORE), job,
                              str(work)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
        assert p.stdout.readline().strip() == "start"
        delay = rng.uniform(0.02, 0.9) * left
        time.sleep(delay)
        if job in RESUMES:
            left = max(left - delay, 0.1 * duration)
        running = p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        # where did it land? (inspect a copy: the rerun must face the raw crashed files)
        side = tmp_path / f"side{i}"
        _copy_store(work, side)
        _, fp = _state(side)
        landed.append(("running" if running else "finished") + ":" +
                      ("base" if fp == base_fp else "done" if fp == want_fp else "partial"))
    print(f"{job}: clean run {duration:.2f}s; kills landed {json.dumps(landed)}")
    assert any(x.startswith("running") for x in landed), f"no kill hit a running job: {landed}"

    _run(work, job)
    got_stats, got_fp = _state(work)
    assert got_stats == want_stats
    assert got_fp == want_fp, f"{job}: rerun after kills {landed} differs from a clean run"


@pytest.mark.parametrize("damage", ["json_missing", "json_truncated"])
def test_historical_novelty_rerun_after_kill_inside_save_model(damage, bases, tmp_path):
    """Reproduces deterministically the two states a kill inside ``save_model`` can leave
    (random kills rarely hit that window): after a finished historical run, one year's fit
    keeps its ``.npz`` but loses its ``.json`` (killed before ``write_text``) or has it cut
    short (killed during it). The rerun must end with the same graph."""
    work = _copy_work(bases["big"], tmp_path / "work")
    _run(work, "novelty_hist")
    want = _state(work)
    js = sorted((work / "hist").glob("*.json"))[-1]
    assert js.with_suffix(".npz").exists()
    if damage == "json_missing":
        js.unlink()
    else:
        js.write_text(js.read_text(encoding="utf-8")[:20], encoding="utf-8")
    _run(work, "novelty_hist")
    assert _state(work) == want
