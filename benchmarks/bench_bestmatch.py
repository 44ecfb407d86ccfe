"""Benchmark: exact year-filtered best match (models.bestmatch) against its baselines.

CPU (default): N papers × M patents × D dims (50k × 50k × 384), years uniform over
1990–2020, ``--threads`` threads (2), compared with
  - numpy brute force: blocks of papers × all patents, year mask, argmax (exact, filtered);
  - faiss-cpu ``IndexFlatIP`` k=1 (exact inner product, NO year filter: less work than ours
    would need to do with the filter) — skipped when faiss is not installed (`pip install
    faiss-cpu`);
  - innograph ``best_match`` (fp32; exact, filtered).
Times are the best of ``--repeat`` runs (the machine may be shared); GFLOP/s counts
2·N·M·D for the full grid ("grid-equivalent") and, for best_match, also the eligible work it
actually does (Σ over papers of 2·D·#eligible patents).

GPU (``--gpu``, needs CUDA): synthetic unit vectors at the DeepInnovationAI scale
(3,511,929 papers × 2,356,204 patents × 384, years uniform 1960–2020; ``--scale`` shrinks
it), generated on the device; the fp32 path and the certified low-precision paths of
best_match (``--variants``: bf16/fp16 screening by torch ops or by the fused Triton kernel);
prints the GPU's own fp16/bf16 GEMM rate, the effective TFLOP/s on the eligible work, the rows
the certification sent back to fp32, and agreement with an fp32 search on sampled papers.

    python benchmarks/bench_bestmatch.py                     # CPU, 50k × 50k × 384
    python benchmarks/bench_bestmatch.py --n 20000 --m 20000 # smaller
    python benchmarks/bench_bestmatch.py --gpu --scale 0.1   # GPU, 10% of the paper's scale
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from machine import describe  # benchmarks/machine.py (the script's own folder)


def _eligible_pairs(dy, py) -> int:
    import numpy as np

    ps = np.sort(py)
    return int((len(ps) - np.searchsorted(ps, dy, side="left")).sum())


def _best(f, repeat: int):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return out, min(times)


def numpy_brute_force(d, dy, p, py, block: int = 2048):
    import numpy as np

    n = d.shape[0]
    idx = np.full(n, -1, np.int64)
    sc = np.full(n, np.nan, np.float32)
    for a in range(0, n, block):
        S = d[a:a + block] @ p.T
        S[py[None, :] < dy[a:a + block, None]] = -np.inf
        j = S.argmax(axis=1)
        v = S[np.arange(len(j)), j]
        ok = np.isfinite(v)
        idx[a:a + block][ok], sc[a:a + block][ok] = j[ok], v[ok]
    return idx, sc


def cpu(args) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("MKL_NUM_THREADS", str(args.threads))
    import numpy as np
    import torch

    from innograph.models.bestmatch import best_match
    from innograph.models.vectors import unit_rows

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    d = unit_rows(rng.standard_normal((args.n, args.dim), dtype=np.float32))
    p = unit_rows(rng.standard_normal((args.m, args.dim), dtype=np.float32))
    dy = rng.integers(1990, 2021, args.n)
    py = rng.integers(1990, 2021, args.m)
    grid = 2.0 * args.n * args.m * args.dim
    work = 2.0 * args.dim * _eligible_pairs(dy, py)
    print(f"machine: {describe()}")
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (shared machine: figures are "
          "best-of-repeat)")
    print(f"torch {torch.__version__}, numpy {np.__version__}, threads {args.threads}, "
          f"N={args.n} M={args.m} D={args.dim}, eligible work {work / grid:.3f} of the grid")
    rows = []
    (ours_i, ours_s), t_ours = _best(lambda: best_match(d, dy, p, py, device="cpu",
                                                        threads=args.threads), args.repeat)
    rows.append(("innograph best_match (fp32, exact, year filter)", t_ours, work))
    if not args.skip_torch_threads:
        _, t_tt = _best(lambda: best_match(d, dy, p, py, device="cpu", threads=args.threads,
                                           cpu_parallel="torch"), args.repeat)
        rows.append(("  same, cpu_parallel='torch' (multi-threaded kernels)", t_tt, work))
    try:
        import faiss

        faiss.omp_set_num_threads(args.threads)

        def run_faiss():
            index = faiss.IndexFlatIP(args.dim)
            index.add(p)
            return index.search(d, 1)

        _, t_faiss = _best(run_faiss, args.repeat)
        rows.append(("faiss-cpu IndexFlatIP k=1 (exact, NO year filter)", t_faiss, grid))
    except ImportError:
        t_faiss = None
        print("faiss not installed (pip install faiss-cpu): faiss baseline skipped")
    if not args.skip_numpy:
        (np_i, np_s), t_np = _best(lambda: numpy_brute_force(d, dy, p, py), 1)
        rows.append(("numpy brute force (blocks × all patents, mask, argmax)", t_np, grid))
        agree = float((np_i == ours_i).mean())
        print(f"best_match vs numpy brute force: indices agree on {agree:.6f} of papers, "
              f"max |Δscore| {np.nanmax(np.abs(np_s - ours_s)):.2e}")
    print(f"{'method':58s} {'time s':>8s} {'GFLOP/s done':>13s} {'grid-equiv GFLOP/s':>19s}")
    for name, t, flops in rows:
        print(f"{name:58s} {t:8.2f} {flops / t / 1e9:13.1f} {grid / t / 1e9:19.1f}")
    if t_faiss:
        print(f"best_match time / faiss time = {t_ours / t_faiss:.3f}")


def _sync(device: str) -> None:
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _gemm_rate(dim: int, dtype, device: str = "cuda", rows: int = 16384,
               reps: int = 50) -> float:
    """Measured dense matrix-product rate (TFLOP/s) of ``device`` for rows² × dim products
    (random normal operands, 3 warm-ups, mean of ``reps``); ``dim = rows`` gives the square
    (peak) rate."""
    import torch

    a = torch.randn(rows, dim, device=device, dtype=dtype)
    b = torch.randn(rows, dim, device=device, dtype=dtype)
    for _ in range(3):
        a @ b.T
    _sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        a @ b.T
    _sync(device)
    return 2.0 * rows * rows * dim * reps / (time.perf_counter() - t) / 1e12


def gpu(args) -> dict:
    """The ``--gpu`` run (see the module doc); returns its figures (``gpu_figures``)."""
    import torch

    if not torch.cuda.is_available():
        sys.exit("--gpu needs a CUDA device (torch.cuda.is_available() is False)")
    return gpu_figures(args.scale, args.dim, args.variants, args.configs, args.check)


def gpu_figures(scale: float, dim: int = 384, variants: str = "fp16:triton",
                configs: str = "", check: int = 20000, device: str = "cuda",
                gemm_rows: int = 16384, gemm_reps: int = 50, peak: bool = False,
                warmup: bool = True, gemm: bool = True, on_result=None) -> dict:
    """Best match at ``scale`` × (3,511,929 papers × 2,356,204 patents) × ``dim`` on ``device``.

    Prints and returns: the device's fp16/bf16 GEMM rates (TFLOP/s; gemm_rows² × dim, and
    with ``peak`` also 8192³), the eligible work (TFLOP, Σ over papers of 2·dim·#eligible
    patents), the fp32 reference on ``check`` sampled papers, and per variant
    (``precision[:kernel]``, plus the fused-kernel tile ``configs``) the time (s), effective
    TFLOP/s on the eligible work, rows recomputed in fp32 and agreement with the fp32
    reference on the sample (fraction of equal indices, max |Δscore|); each variant first
    runs once on an 8192-row slice (``warmup``: kernel compilation stays out of the time);
    ``gemm=False`` skips the GEMM rates.
    ``on_result`` is called with the figures after each step (partial results survive a
    time-out).
    ``device="cpu"`` runs the same steps (tiny sizes; the fused kernel under
    ``TRITON_INTERPRET=1``).
    """
    import numpy as np
    import torch

    from innograph.models.bestmatch import best_match

    res: dict = {"scale": scale, "dim": dim, "device": device, "gemm": {}, "runs": []}
    report = on_result or (lambda r: None)
    n, m = int(3_511_929 * scale), int(2_356_204 * scale)
    g = torch.Generator(device=device).manual_seed(0)
    d = torch.randn(n, dim, device=device, generator=g)
    p = torch.randn(m, dim, device=device, generator=g)
    rng = np.random.default_rng(0)
    dy, py = rng.integers(1960, 2021, n), rng.integers(1960, 2021, m)
    work = 2.0 * dim * _eligible_pairs(dy, py)
    res.update(n=n, m=m, eligible_tflop=work / 1e12, grid_tflop=2.0 * n * m * dim / 1e12)
    print(f"machine: {describe()}")
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"N={n} M={m} D={dim}, eligible work {work / 1e12:.4g} TFLOP")
    for name, dt in (("fp16", torch.float16), ("bf16", torch.bfloat16)) if gemm else ():
        rate = _gemm_rate(dim, dt, device, gemm_rows, gemm_reps)
        res["gemm"][name] = rate
        print(f"torch GEMM rate {name}: {rate:7.1f} TFLOP/s ({gemm_rows}² × {dim})")
        if peak:
            sq = min(8192, gemm_rows)
            rate = _gemm_rate(sq, dt, device, sq, max(3, gemm_reps // 5))
            res["gemm"][name + "_square"] = rate
            print(f"torch GEMM rate {name}: {rate:7.1f} TFLOP/s ({sq}³)")
        report(res)
    sample = np.sort(rng.choice(n, size=min(check, n), replace=False))
    ref = None
    if check:
        t = time.perf_counter()
        ref = best_match(d[sample], dy[sample], p, py, device=device, precision="fp32")
        res["check"] = {"papers": int(len(sample)), "fp32_s": time.perf_counter() - t}
        print(f"fp32 reference on {len(sample)} sampled papers: {time.perf_counter() - t:.2f} s")
        report(res)
    runs = [(v, None) for v in filter(None, variants.split(","))]
    for spec in filter(None, configs.split(";")):  # extra fused-kernel tile settings
        bm, bn, bk, warps, stages = (int(x) for x in spec.split(","))
        runs.append((f"fp16:triton[{spec}]", {"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk,
                                              "num_warps": warps, "num_stages": stages}))
    for variant, config in runs:
        precision, _, kernel = variant.split("[")[0].partition(":")
        stats: dict = {}
        if warmup:  # compile / load the kernels outside the timing (small slice, same tiles)
            w = min(n, m, 8192)
            best_match(d[:w], dy[:w], p[:w], py[:w], device=device, precision=precision,
                       kernel=kernel or "auto", kernel_config=config)
        _sync(device)
        t = time.perf_counter()
        idx, sc = best_match(d, dy, p, py, device=device, precision=precision,
                             kernel=kernel or "auto", kernel_config=config, stats=stats)
        _sync(device)
        dt = time.perf_counter() - t
        row = {"variant": variant, "s": dt, "tflops": work / dt / 1e12, **stats}
        line = (f"best_match {variant:13s}: {dt:8.2f} s, {work / dt / 1e12:7.1f} TFLOP/s "
                f"effective")
        if stats:
            line += f", rows recomputed in fp32 {stats['recomputed']} of {stats['rows']}"
        if ref is not None:
            same = float((idx[sample] == ref[0]).mean())
            diff = float(np.nanmax(np.abs(sc[sample] - ref[1])))
            row.update(indices_equal=same, max_abs_dscore=diff)
            line += f", sample: indices equal {same:.6f}, max |Δscore| {diff:.1e}"
        res["runs"].append(row)
        print(line)
        report(res)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--m", type=int, default=50_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-numpy", action="store_true")
    ap.add_argument("--skip-torch-threads", action="store_true")
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--variants", default="fp32,bf16:torch,fp16:torch,fp16:triton",
                    help="GPU runs, comma-separated precision[:kernel]")
    ap.add_argument("--configs", default="",
                    help="GPU: extra fused-kernel runs, 'BM,BN,BK,warps,stages;…' "
                         "(see benchmarks/triton_report.py)")
    ap.add_argument("--check", type=int, default=20000,
                    help="GPU: papers sampled for the fp32 exactness check (0: none)")
    args = ap.parse_args()
    gpu(args) if args.gpu else cpu(args)


if __name__ == "__main__":
    main()
