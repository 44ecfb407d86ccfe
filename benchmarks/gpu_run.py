"""Issue 21: every GPU figure in one prepared, time-boxed run (best match, KeyBERT, MMSB,
classifier inference), each compared with its goal; ``--tiny`` runs the same script end to
end at a tiny scale on the CPU.

The device machine is bare and offline: ``benchmarks/gpu_prepare.sh`` (run here, with
network) fills ``benchmarks/carry/`` (gitignored; sent with the run through the device
tool's ``carry``) with the wheels it lacks (keybert, for the stock comparison), the offline
MiniLM with its weights stored in float16 (the float32 file is 87 MiB, over the 64 MiB a
run may carry; it is widened back to float32 on the machine, so "exact" runs in float32 on
weights rounded once to float16 — the same speed, not bit-identical keywords to the
bundled model) and the real patent abstracts/titles of ``shared/data`` (which does not
travel). ``benchmarks/gpu.sh`` installs the wheels and calls this script.

Each job runs in its own subprocess under a time box (``--box-*``; the whole run under
``--budget`` seconds): a failure or time-out in one does not stop the others, and figures a
job reported before it stopped are kept. Output: the jobs' own lines as they run, then a
one-screen table (job, figure, value, goal, verdict); the same is written under ``--out``
(default ``$OUT``): ``gpu_log.txt`` (everything), ``gpu_summary.txt`` (the table) and
``gpu_results.json`` (all figures).

    bash benchmarks/gpu_prepare.sh                  # here, once (network)
    bash benchmarks/gpu.sh                          # on the GPU machine (≈ 8 min)
    nice -n 10 bash benchmarks/gpu.sh --tiny        # here, CPU, ≈ 1-2 min: the dry run

Figures and how they are derived (``gpu.md``):
  best match   fp16/bf16 GEMM rate of the card (16384² × 384 and 8192³); the fused Triton
               kernel on ``--bm-scale`` × (3,511,929 × 2,356,204) × 384 (both sides scaled:
               full-size time = measured × (full grid / measured grid)); effective TFLOP/s
               on the eligible work; rows recomputed in fp32; agreement with an fp32 search
               on ``--bm-check`` sampled papers. Goals: ≥ 50 % of the GEMM rate (the
               larger of the two measured), ≤ 20 s at full size, agreement exact.
  KeyBERT      exact (float32) and fast (bf16) ``extract_keywords`` on the real patent
               abstracts (``--kw-ngram``, ``--kw-top-k``: the CLI's defaults 1-3, 10);
               docs/s and the projection 5.87M / docs/s (an upper bound: duplicate texts and
               shared candidates grow with the corpus); stock keybert on the first
               ``--kw-stock-docs`` for the top-k comparison. Goal ≤ 20 min.
  MMSB         ``bench_mmsb`` fit on a synthetic keyword hypergraph of ``--mmsb-hyperedges``
               (5.87M, the paper's scale) over ``--mmsb-keywords`` (1M): fit time,
               iterations, converged or not; smaller sizes are projected linearly. Goal
               ≤ 10 min.
  classifier   a MiniLM classifier (one short epoch of training on the patents; inference
               speed does not depend on the weights) predicting ``--clf-docs`` real
               title + abstract texts (max 256 tokens) and the same at a full 256 tokens,
               per batch size. Goal ≥ 5,000 docs/s.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

PAPERS, PATENTS, DIM = 3_511_929, 2_356_204, 384
CORPUS_DOCS = 5_870_000
GOAL_BM_FRACTION, GOAL_BM_S = 0.5, 20.0
GOAL_KW_S = 20 * 60.0
GOAL_MMSB_S = 10 * 60.0
GOAL_CLF_DOCS_S = 5000.0
SECTIONS = ("bestmatch", "classifier", "keybert", "mmsb")
DATA_FILE = "patents.csv.gz"
MODEL_DIR = "minilm-fp16"

# every option of the jobs: (full run, --tiny run, what it is)
PROFILES: dict[str, tuple[Any, Any, str]] = {
    "budget": (480.0, 360.0, "seconds for all jobs together"),
    "threads": (0, 1, "torch CPU threads in the jobs (0: torch's choice)"),
    "bm_scale": (0.5, 2e-4, "best match: fraction of 3,511,929 papers and of 2,356,204 patents"),
    "bm_full_if": (40.0, 1e9, "best match: run --bm-full-scale too when the first run "
                              "projects the full size at ≤ this many seconds (0: never)"),
    "bm_full_scale": (1.0, 3e-4, "best match: the scale of that second run"),
    "bm_variants": ("fp16:triton", "fp16:triton", "best match: precision[:kernel], "
                                                  "comma-separated (fp32, bf16:torch, …)"),
    "bm_configs": ("", "", "best match: extra fused-kernel tiles 'BM,BN,BK,warps,stages;…'"),
    "bm_check": (20000, 200, "best match: papers sampled for the fp32 comparison"),
    "bm_gemm_rows": (16384, 512, "best match: GEMM rate measured on rows² × 384"),
    "bm_gemm_reps": (50, 3, "best match: GEMM repetitions timed"),
    "box_bestmatch": (120.0, 90.0, "time box of the best-match job, seconds"),
    "kw_docs": (0, 8, "KeyBERT: abstracts (0: all 6,186 carried)"),
    "kw_stock_docs": (200, 1, "KeyBERT: abstracts for the stock comparison (0: none)"),
    "kw_ngram": ("1-3", "1-3", "KeyBERT: n-gram range"),
    "kw_top_k": (10, 10, "KeyBERT: keywords per abstract"),
    "box_keybert": (110.0, 90.0, "time box of the KeyBERT job, seconds"),
    "clf_train_rows": (500, 8, "classifier: training rows per class (one epoch)"),
    "clf_docs": (20000, 32, "classifier: texts per inference run"),
    "clf_batches": ("64,512", "16", "classifier: inference batch sizes"),
    "box_classifier": (90.0, 150.0, "time box of the classifier job, seconds"),
    "mmsb_hyperedges": (5_870_000, 3000, "MMSB: synthetic hyperedges"),
    "mmsb_keywords": (1_000_000, 600, "MMSB: keywords"),
    "mmsb_max_iter": (500, 12, "MMSB: L-BFGS iterations at most"),
    "mmsb_dtype": ("float64", "float64", "MMSB: float64 | float32"),
    "box_mmsb": (0.0, 45.0, "time box of the MMSB job, seconds (0: the rest of the budget)"),
}


# ------------------------------------------------------------------ carry: pack / unpack
def pack(carry: Path, model_src: Path | None = None, data_dir: Path | None = None) -> None:
    """Write ``carry/minilm-fp16`` (the MiniLM folder, float weights stored as float16) and
    ``carry/patents.csv.gz`` (patent_title, patent_abstract, label: 1 for the neural-network
    query, 0 for baseball) from the installed offline MiniLM and ``shared/data``."""
    import pandas as pd
    import torch
    from safetensors.torch import load_file, save_file

    if model_src is None:
        from innograph.runtime import default_model_path

        model_src = default_model_path()
    dest = carry / MODEL_DIR
    if dest.exists():
        shutil.rmtree(dest)
    for f in model_src.rglob("*"):
        if f.is_file() and f.name != "model.safetensors" and not f.name.endswith(".md"):
            (dest / f.relative_to(model_src)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest / f.relative_to(model_src))
    w = load_file(str(model_src / "model.safetensors"))
    save_file({k: (v.to(torch.float16) if v.is_floating_point() else v).contiguous()
               for k, v in w.items()}, str(dest / "model.safetensors"), metadata={"format": "pt"})
    data_dir = data_dir or ROOT.parent / "shared" / "data"
    frames = []
    for name, y in (("google-patents-neural-network.csv", 1), ("google-patents-baseball.csv", 0)):
        d = pd.read_csv(data_dir / "patents" / name, dtype=str)[["patent_title", "patent_abstract"]]
        frames.append(d.assign(label=y))
    pd.concat(frames, ignore_index=True).to_csv(carry / DATA_FILE, index=False)
    print(f"packed {dest} and {carry / DATA_FILE}")


def unpack_model(carry: Path, dest: Path) -> Path:
    """The float32 model folder ``dest`` made from ``carry/minilm-fp16`` (float16 → float32)."""
    import torch
    from safetensors.torch import load_file, save_file

    src = carry / MODEL_DIR
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)
    w = load_file(str(src / "model.safetensors"))
    save_file({k: (v.to(torch.float32) if v.is_floating_point() else v).contiguous()
               for k, v in w.items()}, str(dest / "model.safetensors"), metadata={"format": "pt"})
    return dest


def inputs(a: argparse.Namespace, tmp: Path) -> tuple[str, str, str]:
    """(model folder, data CSV, where they came from): the carry folder when packed; in
    ``--tiny`` runs without one, the installed MiniLM and ``shared/data`` directly."""
    carry = Path(a.carry)
    if (carry / MODEL_DIR / "model.safetensors").is_file() and (carry / DATA_FILE).is_file():
        return str(unpack_model(carry, tmp / "minilm-fp32")), str(carry / DATA_FILE), \
            f"{carry} (MiniLM weights via float16)"
    if not a.tiny:
        raise FileNotFoundError(f"{carry}/{MODEL_DIR} or {carry}/{DATA_FILE} missing: run "
                                "bash benchmarks/gpu_prepare.sh first and carry that folder")
    pack(tmp / "carry")
    model = unpack_model(tmp / "carry", tmp / "minilm-fp32")
    return str(model), str(tmp / "carry" / DATA_FILE), \
        "installed MiniLM and shared/data packed on the fly (no carry folder)"


# ------------------------------------------------------------------------- the jobs
def _emit(path: str) -> Callable[[dict], None]:
    def emit(data: dict) -> None:
        tmp = path + ".tmp"
        Path(tmp).write_text(json.dumps(data, default=float))
        os.replace(tmp, path)
    return emit


def job_bestmatch(a: argparse.Namespace, emit: Callable[[dict], None]) -> None:
    import importlib.util

    import bench_bestmatch

    variants = a.bm_variants
    if a.device == "cpu" and importlib.util.find_spec("triton") is None:
        variants = variants.replace("fp16:triton", "fp16:torch")
    stages: list[dict] = []

    def report(r: dict) -> None:
        emit({"stages": [*stages, r]})

    r = bench_bestmatch.gpu_figures(a.bm_scale, DIM, variants, a.bm_configs, a.bm_check,
                                    device=a.device, gemm_rows=a.bm_gemm_rows,
                                    gemm_reps=a.bm_gemm_reps, peak=True, on_result=report,
                                    warmup=a.device != "cpu")  # no warm-up for the interpreter
    stages.append(r)
    # the full size itself (--bm-full-scale) when the scaled run projects it to take at most
    # --bm-full-if seconds (the tiny run takes a second, still tiny, size instead)
    proj = max([x["s"] for x in r["runs"]] or [float("inf")]) * _grid_ratio(r)
    if a.bm_full_scale != a.bm_scale and a.bm_full_if and proj <= a.bm_full_if:
        print(f"projected full-size time {proj:.1f} s ≤ {a.bm_full_if:g} s: measuring "
              f"scale {a.bm_full_scale:g}")
        if a.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()
        r2 = bench_bestmatch.gpu_figures(a.bm_full_scale, DIM, variants, "", a.bm_check,
                                         device=a.device, gemm=False, on_result=report,
                                         warmup=a.device != "cpu")
        stages.append(r2)
    emit({"stages": stages})


def _grid_ratio(r: dict) -> float:
    """Full grid (papers × patents) over the grid of the run ``r``."""
    return float(PAPERS) * PATENTS / (float(r["n"]) * r["m"])


def job_keybert(a: argparse.Namespace, emit: Callable[[dict], None]) -> None:
    import importlib.util

    import bench_keywords

    common = ["--ngram", a.kw_ngram, "--top-k", str(a.kw_top_k), "--device", a.device,
              "--data", a.data, "--model", a.model_dir]
    argv = ["--n-docs", str(a.kw_docs or 10 ** 9), "--modes", "exact,fast", *common]
    emit({"argv": argv})
    report = bench_keywords.main(argv)
    emit({"argv": argv, **report})
    if not a.kw_stock_docs or importlib.util.find_spec("keybert") is None:
        print("keybert not importable (or --kw-stock-docs 0): no comparison with stock")
        return
    # stock keybert on the first documents, against exact and fast on the same documents
    argv2 = ["--n-docs", str(a.kw_stock_docs), "--modes", "stock,exact,fast", *common]
    stock = bench_keywords.main(argv2)
    emit({"argv": argv, **report, "stock": stock})


def job_classifier(a: argparse.Namespace, emit: Callable[[dict], None]) -> None:
    import pandas as pd

    import bench_classifier
    from innograph.models import classify as clf

    d = pd.read_csv(a.data, dtype=str).fillna("")
    texts = [clf.doc_text(t, x) for t, x in zip(d.patent_title, d.patent_abstract)]
    tr = d.groupby("label").head(a.clf_train_rows)  # the first rows of each class
    out: dict = {"train": {}, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        m = clf.train_classifier([texts[i] for i in tr.index], tr.label.astype(int).tolist(),
                                 base_model=a.model_dir,
                                 out_dir=Path(tmp) / "clf", stage="inner", max_length=256,
                                 epochs=1, device=a.device, seed=0)
        out["train"] = {"rows": len(tr), "epochs": 1, "s": time.perf_counter() - t,
                        "test_accuracy": m.get("accuracy"), "test_n": m.get("n")}
        print(f"trained 1 epoch on {len(tr)} rows (8:1:1 split) in {out['train']['s']:.1f} s, "
              f"internal test accuracy {m.get('accuracy')}")
        emit(out)
        model = clf.load_classifier(Path(tmp) / "clf", a.device)
        reps = -(-a.clf_docs // len(texts))
        real = (texts * reps)[:a.clf_docs]
        full = ([clf.doc_text(t, " ".join([x] * 4))
                 for t, x in zip(d.patent_title, d.patent_abstract)] * reps)[:a.clf_docs]
        for bs in (int(x) for x in a.clf_batches.split(",")):
            for kind, tx in (("real length", real), ("256 tokens", full)):
                r = bench_classifier.inference_rate(model, tx, batch_size=bs)
                r["texts"] = kind
                out["runs"].append(r)
                print(f"classifier inference, {kind}, batch {bs}: {r['docs']} docs in "
                      f"{r['s']:.2f} s = {r['docs_per_s']:,.0f} docs/s (mean "
                      f"{r['mean_tokens']:.0f} tokens, {r['share_at_max']:.0%} at 256)",
                      flush=True)
                emit(out)


def job_mmsb(a: argparse.Namespace, emit: Callable[[dict], None]) -> None:
    import bench_mmsb

    with tempfile.TemporaryDirectory() as tmp:
        argv = ["--hyperedges", str(a.mmsb_hyperedges), "--keywords", str(a.mmsb_keywords),
                "--max-iter", str(a.mmsb_max_iter), "--device", a.device,
                "--dtype", a.mmsb_dtype, "--verbose", "1" if a.tiny else "5",
                "--json", str(Path(tmp) / "mmsb.json")]
        emit({"argv": argv})
        out = bench_mmsb.main(argv)
    emit({"argv": argv, **out})


JOBS = {"bestmatch": job_bestmatch, "keybert": job_keybert, "classifier": job_classifier,
        "mmsb": job_mmsb}


# -------------------------------------------------------------- figures against goals
def _fmt_s(s: float) -> str:
    return f"{s:,.1f} s" if s < 120 else f"{s / 60:,.1f} min"


def rows_bestmatch(d: dict, a: argparse.Namespace) -> list[list[str]]:
    rows: list[list[str]] = []
    stages = d.get("stages", [])
    g = stages[0].get("gemm", {}) if stages else {}
    for name in ("fp16", "bf16"):
        if name in g:
            sq = g.get(name + "_square")
            rows.append([f"{name} GEMM rate", f"{g[name]:,.4g} TFLOP/s (×384)"
                         + (f"; {sq:,.4g} (square)" if sq else ""), "", "measured"])
    ref_rate = max([v for k, v in g.items() if k.startswith("fp16")] or [float("nan")])
    for st in stages:
        ratio = _grid_ratio(st)
        rows.append([f"{st['n']:,} × {st['m']:,} × {DIM}",
                     f"eligible work {st.get('eligible_tflop', float('nan')):,.4g} TFLOP"
                     + ("" if abs(ratio - 1) < 1e-6 else f"; full grid ×{ratio:.3g}"), "", ""])
        for r in st.get("runs", []):
            v = r["variant"]
            if "16" in v.split(":")[0]:
                frac = r["tflops"] / ref_rate
                rows.append([f"  {v} rate", f"{r['tflops']:,.4g} TFLOP/s = {frac:.0%} "
                             f"of {ref_rate:,.4g}", f"≥ {GOAL_BM_FRACTION:.0%}",
                             "met" if frac >= GOAL_BM_FRACTION else "MISSED"])
            else:
                rows.append([f"  {v} rate", f"{r['tflops']:,.4g} TFLOP/s", "", "measured"])
            full = r["s"] * ratio
            what = ("measured at full size" if abs(ratio - 1) < 1e-6
                    else f"full size projected {_fmt_s(full)}")
            rows.append([f"  {v} time", f"{r['s']:.2f} s; {what}", f"≤ {GOAL_BM_S:.0f} s",
                         "met" if full <= GOAL_BM_S else "MISSED"])
            if "recomputed" in r:
                rows.append([f"  {v} rows redone in fp32", f"{r['recomputed']:,} of "
                             f"{r['rows']:,} ({r['recomputed'] / max(r['rows'], 1):.3%})", "",
                             ""])
            if "indices_equal" in r:
                exact = r["indices_equal"] == 1.0 and r["max_abs_dscore"] <= 1e-6
                rows.append([f"  {v} vs fp32 ({st['check']['papers']:,} papers)",
                             f"indices equal {r['indices_equal']:.6f}, max |Δscore| "
                             f"{r['max_abs_dscore']:.1e}", "exact",
                             "met" if exact else "MISSED"])
    return rows


def rows_keybert(d: dict, a: argparse.Namespace) -> list[list[str]]:
    rows = []
    for tag, res in d.get("runs", {}).items():
        for mode in ("exact", "fast"):
            if mode not in res:
                continue
            r = res[mode]
            proj = CORPUS_DOCS / r["docs_per_s"]
            rows.append([f"{mode} {tag}-grams top-{a.kw_top_k}", f"{r['docs_per_s']:,.1f} docs/s "
                         f"({r['docs']:,} docs); 5.87M docs: {_fmt_s(proj)}", "≤ 20 min",
                         "met" if proj <= GOAL_KW_S else "MISSED"])
        if "exact" in res and "fast" in res and "vs_exact" in res["fast"]:
            v = res["fast"]["vs_exact"]
            rows.append(["  fast vs exact", f"top-k identical {v['top_identical']:.3f}, "
                         f"overlap {v['overlap']:.3f}", "", ""])
    for tag, res in d.get("stock", {}).get("runs", {}).items():
        if "stock" in res:
            rows.append([f"stock {tag}-grams", f"{res['stock']['docs_per_s']:,.1f} docs/s "
                         f"({res['stock']['docs']:,} docs)", "", ""])
        for mode in ("exact", "fast"):
            v = res.get(mode, {}).get("vs_stock")
            if v:
                rows.append([f"  {mode} vs stock", f"top-k identical {v['top_identical']:.3f}, "
                             f"overlap {v['overlap']:.3f} ({v['differ_ties']} of "
                             f"{v['differ']} differences ties)",
                             "identical" if mode == "exact" else "",
                             ("met" if v["differ"] == v["differ_ties"] else "MISSED")
                             if mode == "exact" else ""])
    return rows


_ITER = re.compile(r"mmsb (?:\[[^\]]*\] )?iter\s+(\d+)\s+loglik (\S+).*\(([\d.]+) s\)")


def rows_mmsb(d: dict, a: argparse.Namespace, log: list[str]) -> list[list[str]]:
    k = CORPUS_DOCS / a.mmsb_hyperedges
    if "fit_s" in d:
        proj = d["fit_s"] * k
        size = f"{d['hyperedges']:,} hyperedges, {d['keywords_used']:,} keywords"
        state = "converged" if d["converged"] else f"stopped at --mmsb-max-iter"
        rows = [["fit", f"{_fmt_s(d['fit_s'])}, {d['n_iter']} iterations ({state}), "
                 f"{d['s_per_iter']:.3f} s/iteration", "", ""],
                ["data", size + (f" (×{k:.3g} to paper scale)" if abs(k - 1) > 1e-9 else ""),
                 "", ""],
                ["paper-scale fit" + (" (projected)" if abs(k - 1) > 1e-9 else ""),
                 _fmt_s(proj), "≤ 10 min",
                 ("met" if proj <= GOAL_MMSB_S else "MISSED") if d["converged"]
                 else "not converged"]]
        if "nmi_planted" in d:
            rows.append(["NMI(planted groups)", f"{d['nmi_planted']}", "", ""])
        return rows
    it = [m for m in map(_ITER.search, log) if m]
    if not it:
        return []
    last = it[-1]
    n, t = int(last.group(1)), float(last.group(3))
    per = t / max(n, 1)
    return [["fit (cut by the time box)", f"{n} iterations in {_fmt_s(t)} ({per:.3f} "
             f"s/iteration), loglik {last.group(2)}", "", "not converged"],
            ["paper-scale fit (projected)", f"≥ {_fmt_s(t * k)}; {_fmt_s(per * k * 300)} at "
             f"300 iterations", "≤ 10 min", "unknown"]]


def rows_classifier(d: dict, a: argparse.Namespace) -> list[list[str]]:
    rows = []
    tr = d.get("train", {})
    if tr:
        rows.append(["training (sanity)", f"{tr['rows']} rows, 1 epoch, {tr['s']:.1f} s, "
                     f"internal test acc {tr['test_accuracy']}", "", ""])
    for r in d.get("runs", []):
        rows.append([f"inference, {r['texts']}, batch {r['batch_size']}",
                     f"{r['docs_per_s']:,.0f} docs/s (mean {r['mean_tokens']:.0f} tokens)",
                     f"≥ {GOAL_CLF_DOCS_S:,.0f}",
                     "met" if r["docs_per_s"] >= GOAL_CLF_DOCS_S else "MISSED"])
    return rows


def summarise(name: str, res: dict, a: argparse.Namespace) -> list[list[str]]:
    d = res.get("data") or {}
    try:
        if name == "bestmatch":
            rows = rows_bestmatch(d, a)
        elif name == "keybert":
            rows = rows_keybert(d, a)
        elif name == "mmsb":
            rows = rows_mmsb(d, a, res.get("log", []))
        else:
            rows = rows_classifier(d, a)
    except Exception as e:  # a summary must never lose the other jobs' rows
        rows = [["(summary failed)", f"{type(e).__name__}: {e}", "", ""]]
    status = res["status"] + (f" ({res['detail']})" if res.get("detail") else "")
    return [[f"{status}, {res['s']:.0f} s", "", ""]] + rows


# ------------------------------------------------------------------------ the runner
class Tee:
    """Print to stdout and append to the log file."""

    def __init__(self, path: Path):
        self.f = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    def __call__(self, line: str = "") -> None:
        with self.lock:
            print(line, flush=True)
            self.f.write(line + "\n")
            self.f.flush()


def run_job(name: str, a: argparse.Namespace, argv: list[str], box: float, work: Path,
            out: Tee) -> dict:
    """Run one job in its own process group under ``box`` seconds; its figures and lines."""
    result = work / f"{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), *argv, "--section", name,
           "--result", str(result), "--model-dir", a.model_dir, "--data", a.data]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "TQDM_DISABLE": "1"}  # no progress bars in the log
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if name == "bestmatch" and a.device == "cpu":
        env["TRITON_INTERPRET"] = "1"  # the fused kernel in Triton's CPU interpreter
    out(f"\n===== {name} (time box {box:.0f} s) =====")
    t = time.perf_counter()
    lines: list[str] = []
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         bufsize=1, env=env, cwd=str(ROOT), start_new_session=True)

    def pump() -> None:
        assert p.stdout is not None
        for line in p.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            out(f"  {line}")

    th = threading.Thread(target=pump, daemon=True)
    th.start()
    status, detail = "ok", ""
    try:
        rc = p.wait(timeout=box)
        if rc != 0:
            status, detail = "FAILED", f"exit {rc}"
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # the job's own process group
        p.wait()
        status, detail = "TIME-OUT", f"killed after {box:.0f} s"
    th.join(timeout=5)
    data = json.loads(result.read_text()) if result.is_file() else {}
    if status == "FAILED":
        tail = [x for x in lines if x.strip()][-1:] or [""]
        detail += f": {tail[0][:90]}"
    return {"status": status, "detail": detail, "s": time.perf_counter() - t, "data": data,
            "log": lines}


def preflight(out: Tee, a: argparse.Namespace) -> dict:
    import importlib.metadata as md

    from machine import describe

    info: dict = {"date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                  "machine": describe(), "python": sys.version.split()[0], "packages": {}}
    for pkg in ("torch", "triton", "numpy", "scipy", "scikit-learn", "pandas", "transformers",
                "sentence-transformers", "tokenizers", "safetensors", "keybert"):
        try:
            info["packages"][pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            info["packages"][pkg] = "MISSING"
    try:
        info["gpu"] = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version,"
                                      "clocks.sm,clocks.max.sm,temperature.gpu,power.draw",
                                      "--format=csv,noheader"], capture_output=True, text=True,
                                     timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["gpu"] = "no nvidia-smi"
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                        capture_output=True, text=True,
                                        timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        info["commit"] = "unknown"
    stamp = Path(a.carry) / "commit.txt"  # written by gpu_prepare.sh (no .git on the device)
    if info["commit"] == "unknown" and stamp.is_file():
        info["commit"] = stamp.read_text().strip() + " (when the carry folder was made)"
    out(f"date (UTC): {info['date_utc']}   commit: {info['commit']}")
    out(f"command: {' '.join([sys.executable, *sys.argv])}")
    out(f"machine: {info['machine']}")
    out(f"GPU: {info['gpu']}")
    out(f"python {info['python']}: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()))
    return info


def table(rows: list[list[str]]) -> list[str]:
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    w[1] = min(w[1], 70)
    return ["  ".join(c.ljust(w[i]) if i < 4 else c for i, c in enumerate(r)).rstrip()
            for r in rows]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true",
                    help="tiny sizes (defaults in brackets below), CPU unless --device")
    ap.add_argument("--device", default=None, help="cuda | cpu (default: cuda when present)")
    ap.add_argument("--sections", default=",".join(SECTIONS), help="jobs to run, in order")
    ap.add_argument("--out", default=os.environ.get("OUT") or str(ROOT / "bench-out" / "gpu"),
                    help="folder for gpu_log.txt, gpu_summary.txt, gpu_results.json "
                         "(default $OUT)")
    ap.add_argument("--carry", default=str(HERE / "carry"),
                    help="folder made by gpu_prepare.sh (model, data, wheels)")
    for key, (full, tiny, what) in PROFILES.items():
        ap.add_argument("--" + key.replace("_", "-"), type=type(full), default=None,
                        help=f"{what}; default {full!r} [--tiny: {tiny!r}]")
    ap.add_argument("--pack", metavar="CARRY", help="write the model and data into CARRY, exit")
    ap.add_argument("--section", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.pack:
        Path(a.pack).mkdir(parents=True, exist_ok=True)
        pack(Path(a.pack))
        return 0
    for key, (full, tiny, _) in PROFILES.items():
        if getattr(a, key) is None:
            setattr(a, key, tiny if a.tiny else full)
    if a.device is None:
        from innograph.runtime import resolve_device

        a.device = resolve_device(None).type  # the one device rule: CUDA, else the CPU
    if a.section:  # one job, in this (child) process
        if a.threads:
            import torch

            torch.set_num_threads(a.threads)
        JOBS[a.section](a, _emit(a.result))
        return 0
    if a.device == "cpu" and not a.tiny:
        sys.exit("the full-size run needs a CUDA device: use --tiny on a CPU")

    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gpu_log.txt").write_text("")
    out = Tee(out_dir / "gpu_log.txt")
    t0 = time.perf_counter()
    info = preflight(out, a)
    results: dict = {"info": info, "options": {k: getattr(a, k) for k in PROFILES},
                     "tiny": a.tiny, "device": a.device, "jobs": {}}
    with tempfile.TemporaryDirectory(prefix="innograph-gpu-") as tmp:
        names = [x for x in a.sections.split(",") if x]
        bad = [x for x in names if x not in JOBS]
        if bad:
            sys.exit(f"unknown --sections {bad}: choose from {', '.join(SECTIONS)}")
        a.model_dir, a.data = "(not needed)", "(not needed)"
        if {"keybert", "classifier"} & set(names):  # the jobs that need model and data
            try:
                a.model_dir, a.data, src = inputs(a, Path(tmp))
                out(f"model and data: {src}")
            except Exception as e:  # noqa: BLE001 - those jobs then fail, visibly
                a.model_dir, a.data = "(missing)", "(missing)"
                out(f"model and data NOT READY: {type(e).__name__}: {e}")
        for name in names:
            left = a.budget - (time.perf_counter() - t0)
            box = getattr(a, f"box_{name}") or left
            if left < 5:
                results["jobs"][name] = {"status": "SKIPPED", "detail": "no time left", "s": 0,
                                         "data": {}, "log": []}
                continue
            results["jobs"][name] = run_job(name, a, argv, min(box, left), Path(tmp), out)
    rows = [["job / figure", "value", "goal", "verdict"]]
    for name, res in results["jobs"].items():
        part = summarise(name, res, a)
        rows.append([name.upper(), *part[0]])
        rows += [[f"  {r[0]}", *r[1:]] for r in part[1:]]
    total = time.perf_counter() - t0
    head = (f"GPU figures (issue 21){' — TINY CPU DRY RUN, not figures' if a.tiny else ''}: "
            f"{info['gpu']}; {info['date_utc']} UTC; total {total:.0f} s of {a.budget:.0f}")
    lines = [head, *table(rows)]
    out("\n" + "=" * 100)
    for line in lines:
        out(line)
    (out_dir / "gpu_summary.txt").write_text("\n".join(lines) + "\n")
    results["total_s"] = total
    (out_dir / "gpu_results.json").write_text(json.dumps(results, indent=1, default=float))
    out(f"written: {out_dir}/gpu_summary.txt, gpu_log.txt, gpu_results.json")
    return 0 if all(r["status"] == "ok" for r in results["jobs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
