"""The prepared GPU run of issue 21 (``benchmarks/gpu_run.py``), checked without a GPU.

- the figures against their goals: full-size projections, rates and verdicts from
  hand-computed inputs; the MMSB progress parsed from a time-boxed job's log;
- the carried model: float16 weights widened back equal the original rounded once to
  float16, every other file unchanged; the carried data equal the two patent files;
- the runner: a job killed by its time box is reported as such and does not stop the next
  one, whose figures come from a real (tiny) fit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from argparse import Namespace

import numpy as np
import pandas as pd
import pytest

from .conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import gpu_run  # noqa: E402


def _a(**kw) -> Namespace:
    base = {"kw_top_k": 10, "mmsb_hyperedges": gpu_run.CORPUS_DOCS}
    return Namespace(**{**base, **kw})


def test_best_match_rows_project_and_judge():
    half = {"n": gpu_run.PAPERS // 2, "m": gpu_run.PATENTS // 2, "check": {"papers": 100},
            "gemm": {"fp16": 600.0, "fp16_square": 700.0, "bf16": 610.0},
            "runs": [{"variant": "fp16:triton", "s": 4.0, "tflops": 300.0, "rows": 1000,
                      "recomputed": 7, "indices_equal": 1.0, "max_abs_dscore": 6e-8}]}
    full = {"n": gpu_run.PAPERS, "m": gpu_run.PATENTS, "check": {"papers": 100},
            "runs": [{"variant": "fp16:triton", "s": 21.0, "tflops": 360.0, "rows": 1000,
                      "recomputed": 0, "indices_equal": 0.99, "max_abs_dscore": 0.0}]}
    rows = gpu_run.rows_bestmatch({"stages": [half, full]}, _a())
    ratio = gpu_run.PAPERS * gpu_run.PATENTS / ((gpu_run.PAPERS // 2) * (gpu_run.PATENTS // 2))
    assert 4.0 <= ratio < 4.0001
    assert rows[0][1].startswith("600 TFLOP/s") and rows[1][0] == "bf16 GEMM rate"
    first, second = rows[2:7], rows[7:]
    assert first[0][0] == f"{half['n']:,} × {half['m']:,} × 384"
    assert "43% of 700" in first[1][1] and first[1][3] == "MISSED"  # 300 / 700 < 0.5
    assert f"projected {4.0 * ratio:.1f} s" in first[2][1] and first[2][3] == "met"  # 16 s
    assert "7 of 1,000 (0.700%)" in first[3][1]
    assert first[4][3] == "met"  # indices all equal, |Δscore| 6e-8 ≤ 1e-6
    assert "51% of 700" in second[1][1] and second[1][3] == "met"
    assert "measured at full size" in second[2][1] and second[2][3] == "MISSED"  # 21 s > 20 s
    assert second[4][3] == "MISSED"  # 1 % of the indices differ


def test_keybert_and_classifier_rows():
    run = {"docs": 6000, "docs_per_s": 5000.0}
    rows = gpu_run.rows_keybert({"runs": {"1-3": {"exact": run, "fast": {
        "docs": 6000, "docs_per_s": 4000.0}}}}, _a())
    assert rows[0][3] == "met" and f"{5_870_000 / 5000 / 60:,.1f} min" in rows[0][1]  # 19.6
    assert rows[1][3] == "MISSED"  # 5.87M / 4000 = 24.5 min
    rows = gpu_run.rows_classifier({"runs": [
        {"texts": "real length", "batch_size": 64, "docs_per_s": 5000.0, "mean_tokens": 150},
        {"texts": "256 tokens", "batch_size": 64, "docs_per_s": 4999.0, "mean_tokens": 256}]},
        _a())
    assert [r[3] for r in rows] == ["met", "MISSED"]


def test_mmsb_rows_from_a_finished_and_a_cut_fit():
    done = {"fit_s": 120.0, "n_iter": 250, "converged": True, "s_per_iter": 0.48,
            "hyperedges": 1_467_500, "keywords_used": 250_000}
    rows = gpu_run.rows_mmsb(done, _a(mmsb_hyperedges=1_467_500), [])
    assert rows[2][1] == "8.0 min" and rows[2][3] == "met"  # 120 s × 5.87M / 1.4675M = 480 s
    rows = gpu_run.rows_mmsb({**done, "fit_s": 151.0}, _a(mmsb_hyperedges=1_467_500), [])
    assert rows[2][3] == "MISSED"  # 604 s > 10 min
    rows = gpu_run.rows_mmsb({**done, "converged": False}, _a(mmsb_hyperedges=1_467_500), [])
    assert rows[2][3] == "not converged"
    log = ["mmsb iter    10  loglik -5.0  change +1e+00  (6.0 s)",
           "mmsb iter    20  loglik -4.5  change +1e-01  (12.5 s)"]
    rows = gpu_run.rows_mmsb({}, _a(), log)
    assert "20 iterations in 12.5 s (0.625 s/iteration)" in rows[0][1]
    assert rows[0][3] == "not converged" and rows[1][3] == "unknown"


def test_carried_model_and_data(tmp_path, shared_data):
    from safetensors.torch import load_file

    from innograph.runtime import default_model_path

    gpu_run.pack(tmp_path / "carry", data_dir=shared_data)
    src = default_model_path()
    fp32 = gpu_run.unpack_model(tmp_path / "carry", tmp_path / "fp32")
    a, b = load_file(str(src / "model.safetensors")), load_file(str(fp32 / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        assert b[k].dtype == a[k].dtype
        want = a[k].half().to(a[k].dtype) if a[k].is_floating_point() else a[k]
        assert np.array_equal(b[k].numpy(), want.numpy()), k
    for f in ("config.json", "tokenizer.json", "vocab.txt", "modules.json",
              "1_Pooling/config.json"):
        assert (fp32 / f).read_bytes() == (src / f).read_bytes()
    size = (tmp_path / "carry" / gpu_run.MODEL_DIR / "model.safetensors").stat().st_size
    assert size < 0.51 * (src / "model.safetensors").stat().st_size
    d = pd.read_csv(tmp_path / "carry" / gpu_run.DATA_FILE, dtype=str)
    nn = pd.read_csv(shared_data / "patents" / "google-patents-neural-network.csv", dtype=str)
    bb = pd.read_csv(shared_data / "patents" / "google-patents-baseball.csv", dtype=str)
    assert (d.label == "1").sum() == len(nn) and (d.label == "0").sum() == len(bb)
    assert d.patent_abstract.fillna("").tolist() == (
        nn.patent_abstract.fillna("").tolist() + bb.patent_abstract.fillna("").tolist())


def test_a_timed_out_job_does_not_stop_the_next(tmp_path):
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "gpu_run.py"), "--tiny",
         "--sections", "bestmatch,mmsb", "--box-bestmatch", "0.5", "--mmsb-max-iter", "3",
         "--mmsb-hyperedges", "400", "--mmsb-keywords", "120", "--out", str(out),
         "--carry", str(tmp_path / "no-carry")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]  # not every job ok
    res = json.loads((out / "gpu_results.json").read_text())
    assert res["jobs"]["bestmatch"]["status"] == "TIME-OUT"
    fit = res["jobs"]["mmsb"]["data"]
    assert res["jobs"]["mmsb"]["status"] == "ok" and fit["n_iter"] == 3
    assert fit["hyperedges"] == 400 and not fit["converged"]
    summary = (out / "gpu_summary.txt").read_text()
    assert "TIME-OUT (killed after 0 s)" in summary or "TIME-OUT (killed after 1 s)" in summary
    assert "3 iterations (stopped at --mmsb-max-iter)" in summary
    assert summary in (out / "gpu_log.txt").read_text()
