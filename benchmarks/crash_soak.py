"""Crash soak (issue 17): jobs killed with SIGKILL at random points, checked, rerun, compared.

Each cycle takes one job (chosen by the cycle's seed) on a fresh copy of a base store:

- ``load``: a real ``innograph load deepinnovation`` of a synthetic corpus's CSVs
  (``--docs`` papers + as many patents, ``--batch`` records per write: many node and edge
  COPYs, so kills land inside them) into an empty store;
- ``keywords``: KeyBERT (MiniLM on CPU, 5-document batches) on a 20 + 20 document store;
- ``match``: exact best match (k = 3, 100 edges per write transaction);
- ``rule``: the keywords+IPC AI rule in 100-document batches;
- ``novelty``: novelty scores from a saved MMSB fit.

The job is killed ``1..--kills`` times after a random delay within its clean duration, and
after every kill ``check_store`` runs on the store as the kill left it (read-only). Then the
job is rerun to completion, checked again, and its graph fingerprint compared with an
uninterrupted run of the same job on the same base. Failure kinds:

- ``check_after_kill``: the store a kill left fails the check;
- ``rerun_failed``: the rerun exits non-zero (its last stderr lines are printed);
- ``differs``: the rerun's graph differs from the uninterrupted run's;
- ``check_after_rerun``: the finished store fails the check.

Every cycle's seed is printed with its failures; ``--seed S --cycles 1`` replays that cycle
(same job, same number of kills, same delays; where a kill lands still depends on timing).

    nice -n 10 python benchmarks/crash_soak.py --cycles 200 --max-seconds 900
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}

from innograph.graph.check import check_store, open_for_check  # noqa: E402
from innograph.graph.fingerprint import fingerprint  # noqa: E402

STORE = "g.db"
JOBS = ("load", "keywords", "match", "rule", "novelty")
RESUMES = {"keywords", "rule"}  # jobs whose rerun skips the documents a killed run finished

# argv: store path, job, work folder. "start" is printed once imports are done.
JOB_SCRIPT = textwrap.dedent("""
    import os, sys, time
    path, job, work = sys.argv[1], sys.argv[2], sys.argv[3]
    from innograph.graph.store import open_store
    if job == "match":
        import innograph.pipeline.match as E
        E.EDGE_BATCH = 100
        run = lambda s: E.match(s, k=3, method="exact")
    elif job == "rule":
        from innograph.pipeline.classify import classify_rule
        run = lambda s: classify_rule(s, redo=False, batch_docs=100)
    elif job == "novelty":
        from innograph.pipeline import novelty as nv
        run = lambda s: nv.score_novelty(s, model=os.path.join(work, "mmsb"))
    elif job == "keywords":
        from innograph.models.keywords import load_encoder
        from innograph.pipeline.keywords import extract_into_store
        encoder = load_encoder(device="cpu")
        run = lambda s: extract_into_store(s, top_k=5, ngram=(1, 1), model_path=encoder,
                                           batch_docs=5, progress=False)
    print("start", flush=True)
    s = open_store(path)
    t0 = time.perf_counter()
    run(s)
    s.close()
    print("done", time.perf_counter() - t0, flush=True)
""")


def _cmd(job: str, work: Path, csv: Path, batch: int) -> list[str]:
    if job == "load":
        return [sys.executable, "-m", "innograph.cli", "load", "deepinnovation", str(csv),
                "--batch", str(batch), "--rejects", str(work / "rejects.csv"),
                "--db", str(work / STORE)]
    return [sys.executable, "-c", JOB_SCRIPT, str(work / STORE), job, str(work)]


IMPORTS = {"load": 0.0}  # seconds `innograph load` takes to open its store (measured once)


def _started(p: subprocess.Popen, job: str, work: Path) -> None:
    """Wait until the job's imports are done: ``start`` on stdout, or for ``load`` the store
    file appearing (a store left by an earlier kill already exists: then wait the import
    time measured on the uninterrupted run)."""
    if job == "load":
        t0 = time.monotonic()
        if (work / STORE).exists():
            time.sleep(IMPORTS["load"])
            return
        while (not (work / STORE).exists() and p.poll() is None
               and time.monotonic() - t0 < 120):
            time.sleep(0.01)
        IMPORTS["load"] = max(IMPORTS["load"], time.monotonic() - t0)
    else:
        p.stdout.readline()


def _run(job: str, work: Path, csv: Path, batch: int) -> tuple[int, float, str]:
    """Run ``job`` to completion: (exit status, seconds after its imports, stderr)."""
    p = subprocess.Popen(_cmd(job, work, csv, batch), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=ENV)
    _started(p, job, work)
    t0 = time.perf_counter()
    _out, err = p.communicate()
    return p.returncode, time.perf_counter() - t0, err


def _state(work: Path) -> tuple[str, object]:
    """Fingerprint and check of the store in ``work``, opened without changing it."""
    with open_for_check(work / STORE) as (s, note):
        return fingerprint(s), check_store(s, path=work / STORE, note=note)


def _check(work: Path) -> object | None:
    if not (work / STORE).exists():
        return None
    with open_for_check(work / STORE) as (s, note):
        return check_store(s, path=work / STORE, note=note)


def make_bases(root: Path, docs: int) -> dict[str, Path]:
    """Base work folders: ``empty`` (for load), ``big`` (ingested ``docs`` + ``docs``,
    Doc2Vec-embedded, MMSB fitted into big/mmsb) and ``small`` (20 + 20, for KeyBERT); and the
    CSVs of the big corpus (``csv``)."""
    from innograph.graph.store import open_store
    from innograph.loaders.records import RejectLog
    from innograph.loaders.synthetic import synthetic_corpus
    from innograph.pipeline.embed import embed
    from innograph.pipeline.export import export_csvs
    from innograph.pipeline.ingest import ingest
    from innograph.pipeline.novelty import fit_novelty

    out = {"empty": root / "empty", "big": root / "big", "small": root / "small",
           "csv": root / "csv"}
    out["empty"].mkdir(parents=True)
    out["big"].mkdir()
    d, _ = synthetic_corpus(seed=5, n_papers=docs, n_patents=docs, n_flows=max(4, docs // 25),
                            n_novel=max(1, docs // 125))
    s = open_store(str(out["big"] / STORE))
    try:
        ingest(s, d, RejectLog(None))
        export_csvs(s, out["csv"])
        embed(s, method="doc2vec", deterministic=True, model_dir=str(root / "d2v"),
              vector_size=32, epochs=5)
        fit_novelty(s, dims=3, out_dir=out["big"] / "mmsb", seed=0, verbose=False)
    finally:
        s.close()
    out["small"].mkdir()
    d, _ = synthetic_corpus(seed=6, n_papers=20, n_patents=20, n_flows=2, n_novel=1)
    s = open_store(str(out["small"] / STORE))
    try:
        ingest(s, d, RejectLog(None))
    finally:
        s.close()
    return out


def base_of(job: str) -> str:
    return {"load": "empty", "keywords": "small"}.get(job, "big")


def cycle(seed: int, jobs: tuple[str, ...], bases: dict[str, Path], refs: dict[str, dict],
          root: Path, max_kills: int, batch: int) -> dict:
    """One kill-check-rerun-compare cycle; returns its record (``failures``: kinds)."""
    rng = random.Random(seed)
    job = jobs[rng.randrange(len(jobs))]
    kills = rng.randint(1, max_kills)
    work = root / f"cycle-{seed}"
    shutil.copytree(bases[base_of(job)], work)
    rec = {"seed": seed, "job": job, "kills": [], "failures": [], "details": []}
    ref = refs[job]
    left = ref["duration"]
    for _ in range(kills):
        p = subprocess.Popen(_cmd(job, work, bases["csv"], batch), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=ENV)
        _started(p, job, work)
        delay = rng.uniform(0.0, 1.0) * left
        time.sleep(delay)
        if job in RESUMES:  # a rerun skips finished work: aim later kills at what is left
            left = max(left - delay, 0.1 * ref["duration"])
        running = p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        rep = _check(work)
        wal = bool(rep and rep.wal["unclean"])
        rec["kills"].append({"delay": round(delay, 2), "running": running, "wal": wal,
                             "shadow": bool(rep and rep.wal["shadow"]),
                             "check_ok": None if rep is None else rep.ok})
        if rep is not None and not rep.ok:
            rec["failures"].append("check_after_kill")
            rec["details"].append(rep.summary())
    rc, secs, err = _run(job, work, bases["csv"], batch)
    if rc != 0:
        rec["failures"].append("rerun_failed")
        rec["details"].append(err.strip().splitlines()[-3:] if err.strip() else f"exit {rc}")
    else:
        fp, rep = _state(work)
        if fp != ref["fingerprint"]:
            rec["failures"].append("differs")
        if not rep.ok:
            rec["failures"].append("check_after_rerun")
            rec["details"].append(rep.summary())
    if not rec["failures"]:
        shutil.rmtree(work, ignore_errors=True)
    else:
        rec["kept"] = str(work)
    return rec


def _kill_tag(k: dict) -> str:
    where = "shadow" if k["shadow"] else "wal" if k["wal"] else "-"
    return f"{k['delay']}s/{'run' if k['running'] else 'done'}/{where}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=900.0,
                    help="stop starting cycles after this many seconds (setup included)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the first cycle (cycle i: seed+i)")
    ap.add_argument("--jobs", default=",".join(JOBS),
                    help="comma-separated subset of " + ",".join(JOBS))
    ap.add_argument("--docs", type=int, default=800, help="papers (and patents) of the corpus")
    ap.add_argument("--batch", type=int, default=100, help="records per load write")
    ap.add_argument("--kills", type=int, default=3, help="at most this many kills per cycle")
    ap.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    args = ap.parse_args()
    jobs = tuple(j for j in args.jobs.split(",") if j)
    unknown = set(jobs) - set(JOBS)
    if unknown:
        ap.error(f"unknown jobs {sorted(unknown)}")
    t_start = time.perf_counter()
    root = Path(args.work or tempfile.mkdtemp(prefix="innograph-soak-"))
    root.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from machine import describe

    print(f"machine: {describe()}")
    print(f"command: {' '.join(sys.argv)}  (work folder {root})", flush=True)
    bases = make_bases(root / "bases", args.docs)
    refs = {}
    for job in jobs:  # the uninterrupted runs
        work = root / f"ref-{job}"
        shutil.copytree(bases[base_of(job)], work)
        rc, secs, err = _run(job, work, bases["csv"], args.batch)
        if rc != 0:
            raise SystemExit(f"uninterrupted {job} failed: {err[-2000:]}")
        fp, rep = _state(work)
        if not rep.ok:
            raise SystemExit(f"uninterrupted {job} leaves a store failing its check: "
                             f"{rep.summary()}")
        refs[job] = {"fingerprint": fp, "duration": secs}
        print(f"reference {job}: {secs:.1f} s", flush=True)
    print(f"setup {time.perf_counter() - t_start:.0f} s", flush=True)

    records = []
    for i in range(args.cycles):
        if time.perf_counter() - t_start > args.max_seconds:
            break
        rec = cycle(args.seed + i, jobs, bases, refs, root, args.kills, args.batch)
        records.append(rec)
        status = "ok" if not rec["failures"] else "FAIL " + ",".join(rec["failures"])
        print(f"cycle {i + 1} seed {rec['seed']} {rec['job']}: kills "
              f"{[_kill_tag(k) for k in rec['kills']]}"
              f" → {status}", flush=True)
        for d in rec["details"]:
            print(f"    {d}", flush=True)

    kills = [k for r in records for k in r["kills"]]
    fails = Counter(f for r in records for f in r["failures"])
    per_job = Counter(r["job"] for r in records)
    print("\n== summary ==")
    print(f"cycles {len(records)} in {time.perf_counter() - t_start:.0f} s; "
          f"per job {dict(per_job)}")
    print(f"kills {len(kills)}: landed in a running job {sum(k['running'] for k in kills)}, "
          f"left a WAL {sum(k['wal'] for k in kills)}, inside a checkpoint (shadow pages) "
          f"{sum(k['shadow'] for k in kills)}")
    print(f"failures by kind: {dict(fails) or 'none'}")
    for r in records:
        if r["failures"]:
            print(f"  replay: python benchmarks/crash_soak.py --seed {r['seed']} --cycles 1 "
                  f"--jobs {','.join(jobs)} --docs {args.docs} --batch {args.batch} "
                  f"--kills {args.kills}   # {r['job']}: {','.join(r['failures'])} "
                  f"(store kept in {r.get('kept')})")
    (root / "soak.json").write_text(json.dumps(records, indent=1, default=str))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
