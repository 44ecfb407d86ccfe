"""Fused low-precision screening kernel for the best match (Triton; CUDA, or its interpreter).

One kernel does what the torch screening loop of ``bestmatch`` does in three passes per
block (matrix product, year mask, top-C): each program owns ``BLOCK_M`` papers (sorted by
year) and walks the patent tiles (sorted by year, index) from the first patent of year ≥ the
block's first paper year. Per tile it computes ``S = D_tile · P_tileᵀ`` with fp16 (or bf16)
inputs and float32 accumulation on the tensor cores, masks patents of an earlier year than
the paper to −inf, and merges the tile into a running top-C per paper, kept in registers
with the largest score it has discarded (``dropped``). Nothing of size papers × patents
ever reaches memory. A tile whose every score is below its rows' current C-th best only
raises ``dropped`` (a block-uniform branch): after the first tiles that is most of them.

Outputs, per paper row (sorted order): ``C`` candidate scores (low-precision products,
float32) and sorted patent positions (int32; ``BIG`` where there are fewer eligible), and
``dropped``. ``bestmatch`` rescores the candidates in float32 and certifies each row
(module doc there): the chosen argmax and the scores are float32 results, never the
screening's.

Ties inside the screening go toward the lower sorted position; that only decides which of
two equal low-precision scores is kept as a candidate, and a row whose kept and discarded
scores are within the error bound is recomputed exactly, so it never changes the answer.

Runs with ``TRITON_INTERPRET=1`` on CPU tensors (numpy emulation with float32
accumulation, as on the GPU): that is how the tests check it without a GPU. The
environment variable must be set before this module is imported.
"""

from __future__ import annotations

import math
import os
from typing import Any

import torch

try:  # triton is optional: the GPU extra installs it; CPU installs use the torch path
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the install
    triton = None
    tl = None

#: Sentinel patent position for an empty candidate slot (beyond any real position).
BIG = 2**31 - 1
#: Default tile sizes (papers per program, patents per tile, depth per step) and launch
#: settings: the usual Hopper fp16 GEMM tile; compiled for sm_90 by
#: ``benchmarks/triton_report.py`` (no GPU needed) it uses no register spills and pipelines
#: its loads over 3 stages. Speed unmeasured: ``bench_bestmatch.py --gpu --configs``.
DEFAULT_CONFIG = {"BLOCK_M": 128, "BLOCK_N": 128, "BLOCK_K": 64, "num_warps": 8,
                  "num_stages": 3}


def interpreted() -> bool:
    """True when Triton runs in its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def available(device: torch.device) -> bool:
    """Can the fused kernel run on ``device``? CUDA with triton installed, or any device
    under the interpreter (tests)."""
    if triton is None:
        return False
    return device.type == "cuda" or (interpreted() and device.type == "cpu")


if triton is not None:

    @triton.jit
    def _screen_kernel(D, P, DY, PY, START, OV, OI, ODROP, m, stride_d, stride_p,
                       DIM: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                       BLOCK_K: tl.constexpr, C: tl.constexpr):
        pid = tl.program_id(0)
        rows = pid * BLOCK_M + tl.arange(0, BLOCK_M)  # the host pads every side to whole
        dy = tl.load(DY + rows)  # tiles (padding rows: year 2³⁰, padding patents: −2³⁰)
        start = tl.load(START + pid)
        cidx = tl.arange(0, C)
        neg = float("-inf")
        rv = tl.full((BLOCK_M, C), neg, tl.float32)  # running top-C scores, best first
        ri = tl.full((BLOCK_M, C), 2**31 - 1, tl.int32)  # their sorted patent positions
        drop = tl.full((BLOCK_M,), neg, tl.float32)  # largest score discarded so far
        kth = tl.full((BLOCK_M,), neg, tl.float32)  # current C-th best
        # one flat loop over (patent tile, depth step) pairs, so that the loads are
        # software-pipelined across tile boundaries; the tile epilogue runs on its last step
        KSTEPS: tl.constexpr = DIM // BLOCK_K
        acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
        for t in range((start // BLOCK_N) * KSTEPS, (m // BLOCK_N) * KSTEPS):
            kk = t % KSTEPS
            j0 = (t // KSTEPS) * BLOCK_N
            cols = j0 + tl.arange(0, BLOCK_N)
            ks = kk * BLOCK_K + tl.arange(0, BLOCK_K)
            a = tl.load(D + rows[:, None] * stride_d + ks[None, :])
            b = tl.load(P + cols[None, :] * stride_p + ks[:, None])
            acc = tl.dot(a, b, acc)
            if kk == KSTEPS - 1:
                py = tl.load(PY + cols)
                ok = py[None, :] >= dy[:, None]
                s = tl.where(ok, acc, neg)
                tmax = tl.max(s, axis=1)
                if tl.sum((tmax > kth).to(tl.int32), axis=0) > 0:
                    nv = tl.full((BLOCK_M, C), neg, tl.float32)
                    ni = tl.full((BLOCK_M, C), 2**31 - 1, tl.int32)
                    lane = tl.arange(0, BLOCK_N)
                    for c in tl.static_range(C):  # C rounds of "take the best of tile ∪ run"
                        bt_, pt = tl.max(s, axis=1, return_indices=True,
                                         return_indices_tie_break_left=True)
                        br, pr = tl.max(rv, axis=1, return_indices=True,
                                        return_indices_tie_break_left=True)
                        ir = tl.sum(tl.where(cidx[None, :] == pr[:, None], ri, 0), axis=1)
                        it = pt + j0
                        # the run's entries come from earlier tiles: lower positions win ties
                        from_run = (br > bt_) | ((br == bt_) & (ir < it))
                        best = tl.where(from_run, br, bt_)
                        pick = tl.where(best == neg, 2**31 - 1, tl.where(from_run, ir, it))
                        nv = tl.where(cidx[None, :] == c, best[:, None], nv)
                        ni = tl.where(cidx[None, :] == c, pick[:, None], ni)
                        s = tl.where((lane[None, :] == pt[:, None]) & ~from_run[:, None], neg, s)
                        rv = tl.where((cidx[None, :] == pr[:, None]) & from_run[:, None], neg, rv)
                    drop = tl.maximum(drop, tl.maximum(tl.max(s, axis=1), tl.max(rv, axis=1)))
                    rv = nv
                    ri = ni
                    kth = tl.min(rv, axis=1)
                else:
                    drop = tl.maximum(drop, tmax)
                acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
        out = rows[:, None] * C + cidx[None, :]
        tl.store(OV + out, rv)
        tl.store(OI + out, ri)
        tl.store(ODROP + rows, drop)


def screen(d_low: torch.Tensor, d_years: torch.Tensor, p_low: torch.Tensor,
           p_years: torch.Tensor, candidates: int, config: dict[str, int] | None = None
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Top-``C`` screening of every paper against its eligible patents in one kernel.

    Parameters
    ----------
    d_low : (n, dim) fp16/bf16 unit paper rows, sorted by year.
    d_years : (n,) integer years of those rows, sorted ascending (any device).
    p_low : (m, dim) patent rows, same dtype, sorted by (year, original index).
    p_years : (m,) their years, sorted ascending.
    candidates : C, rounded up to a power of two (≥ 2): candidates kept per paper.
    config : tile sizes / launch settings overriding ``DEFAULT_CONFIG``.

    Returns
    -------
    scores : (n, C) float32 screening scores, best first; −inf in empty slots.
    positions : (n, C) int64 sorted patent positions; ``m`` in empty slots.
    dropped : (n,) float32, the largest screening score not kept (−inf if none).
    """
    if triton is None:
        raise RuntimeError("the fused kernel needs the 'triton' package "
                           "(pip install 'innograph[gpu]')")
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    bm, bn, bk = cfg["BLOCK_M"], cfg["BLOCK_N"], cfg["BLOCK_K"]
    n, dim = d_low.shape
    m = p_low.shape[0]
    dev = d_low.device
    c = max(2, 1 << math.ceil(math.log2(max(1, candidates))))
    n_pad, m_pad, dim_pad = -(-n // bm) * bm, -(-m // bn) * bn, -(-dim // bk) * bk
    d = torch.zeros((n_pad, dim_pad), device=dev, dtype=d_low.dtype)
    d[:n, :dim] = d_low  # zero columns change no dot product
    p = torch.zeros((m_pad, dim_pad), device=dev, dtype=p_low.dtype)
    p[:m, :dim] = p_low
    dy = torch.full((n_pad,), 2**30, device=dev, dtype=torch.int32)  # no patent eligible
    dy[:n] = d_years.to(device=dev, dtype=torch.int32)
    py = torch.full((m_pad,), -(2**30), device=dev, dtype=torch.int32)  # never eligible
    py[:m] = p_years.to(device=dev, dtype=torch.int32)
    n_blocks = n_pad // bm
    first_year = d_years.cpu()[torch.arange(0, n, bm)].to(torch.int64)
    start = torch.searchsorted(p_years.cpu().to(torch.int64), first_year, right=False)
    start = (start // bn * bn).to(device=dev, dtype=torch.int32)  # tile-aligned
    ov = torch.empty((n_pad, c), device=dev, dtype=torch.float32)
    oi = torch.empty((n_pad, c), device=dev, dtype=torch.int32)
    od = torch.empty((n_pad,), device=dev, dtype=torch.float32)
    launch: dict[str, Any] = {}
    if not interpreted():
        launch = {"num_warps": cfg["num_warps"], "num_stages": cfg["num_stages"]}
    _screen_kernel[(n_blocks,)](d, p, dy, py, start, ov, oi, od, m_pad, d.stride(0),
                                p.stride(0), DIM=dim_pad, BLOCK_M=bm, BLOCK_N=bn,
                                BLOCK_K=bk, C=c, **launch)
    ov, oi, od = ov[:n], oi[:n], od[:n]
    pos = oi.to(torch.int64)
    pos = torch.where(pos >= m, torch.full_like(pos, m), pos)  # empty slots (BIG)
    return ov, pos, od
