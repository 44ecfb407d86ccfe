"""Exact paper → patent best match under the temporal-validity rule (docs/method.md §5).

For paper i with year y_i and unit vector d_i, and patents j with application year y_j and
unit vectors p_j::

    Similarity(i, j) = cos(d_i, p_j) = d_i · p_j / (‖d_i‖ ‖p_j‖)
    BestMatch_i      = argmax_{j : y_j ≥ y_i} Similarity(i, j)

(top-k: the k eligible patents of highest similarity). Ties go to the lower patent index;
a paper with no eligible patent gets index −1 and score NaN.

How it is computed without the (papers × patents) matrix: rows are L2-normalised, papers
are sorted by year and cut into blocks of ``bp`` rows, patents are sorted by (year, index)
and cut into chunks of at most ``bq`` rows that never straddle a year. Paper year y's
candidates are then the contiguous suffix of the sorted patents starting at the first patent
of year ≥ y, so a (paper block, patent chunk of year c) pair is computed only for the
block's prefix of papers with year ≤ c — no mask, no wasted product, about half the grid on
uniform years. Each product ``S = D_block @ P_chunkᵀ`` (≤ bp × bq floats) is reduced at once
to the row maxima (``torch.max`` returns the first maximal position; inside a chunk the
position order is the index order, since a chunk holds one year) and merged into the running
best by (score desc, index asc). Memory: O(bp · bq + (n_papers + n_patents) · dim).
On CPU, whole paper blocks go to ``threads`` Python threads that each run single-threaded
torch kernels (GEMMs release the GIL): no thread synchronisation inside a block, which on a
shared 2-vCPU machine was 2–5× faster than multi-threaded kernels on one block at a time.

Precision: ``"fp32"`` (default; TF32 is switched off on CUDA for the call) is exact search in
float32 — the argmax of the float32 scores, identical to a float32 brute force up to the
rounding of individual products (≲ 1e-6 for unit vectors). ``"fp16"`` and ``"bf16"`` (meant
for GPUs: same tensor-core rate, fp16 is 8× more precise on unit vectors) pick
``candidates`` per paper from low-precision products, rescore them in float32 and certify
each row: every screening score is within ε (``screen_eps``: ≈ 2u, u = 2⁻¹¹ for fp16,
2⁻⁸ for bf16) of the float32 score, so a row whose k-th rescored score exceeds the largest
screening score it discarded by more than ε is exact; the other rows are recomputed in
float32. Both give the same indices and float32 scores as float32 brute force. On CUDA
with the ``triton`` package the screening is one fused kernel (``bestmatch_triton``:
product, year mask and running top-C in the tile epilogue); otherwise torch ops per block.

Reference: DeepInnovationAI, "Paper-Patent Similarity Module" (Doc2Vec vectors, cosine,
patents filed the same year or later).
"""

from __future__ import annotations

import contextlib
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from .. import runtime
from .vectors import unit_rows

__all__ = ["best_match", "brute_force_best_match", "screen_eps", "SCREEN_UNIT"]

#: Default block sizes (papers per block, patents per chunk) by device type. On a 2-core AVX-512
#: CPU 2048 × 512 keeps S (4 MiB) near the caches; on GPUs larger products amortise launches.
DEFAULT_BLOCKS = {"cpu": (2048, 512), "cuda": (8192, 16384)}
#: Unit roundoff of each screening type (bf16: 8 significant bits, fp16: 11) — see
#: ``screen_eps`` for the error bound built on it.
SCREEN_UNIT = {"bf16": 2.0 ** -8, "fp16": 2.0 ** -11}


@dataclass
class _Sorted:
    """One side sorted by year: vectors, years, original indices, and year boundaries."""

    vecs: torch.Tensor  # (n, dim) unit rows, sorted by (year, index)
    years: torch.Tensor  # (n,) int64, sorted, on CPU
    order: torch.Tensor  # (n,) int64: original index of each sorted row, on device


def _as_tensor(x: Any, name: str) -> torch.Tensor:
    t = x.detach() if isinstance(x, torch.Tensor) else torch.from_numpy(np.asarray(x))
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-d (n, dim), got shape {tuple(t.shape)}")
    return t


def _as_years(y: Any, n: int, name: str) -> torch.Tensor:
    if y is None:
        return torch.zeros(n, dtype=torch.int64)
    t = y.detach().cpu() if isinstance(y, torch.Tensor) else torch.from_numpy(np.asarray(y))
    if t.ndim != 1 or t.shape[0] != n:
        raise ValueError(f"{name} must be 1-d of length {n}, got shape {tuple(t.shape)}")
    if t.is_floating_point():
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name} has missing (NaN) years: drop those rows first")
        if not bool((t == t.round()).all()):
            raise ValueError(f"{name} must hold whole years")
    return t.to(torch.int64)


def _normalise(x: torch.Tensor, device: torch.device, name: str) -> torch.Tensor:
    x = x.to(device=device, dtype=torch.float32)
    if x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} has NaN or infinite values")
    return torch.nn.functional.normalize(x, dim=1)  # zero rows stay zero (eps in the norm)


def _sort_side(vecs: torch.Tensor, years: torch.Tensor, device: torch.device) -> _Sorted:
    order = torch.argsort(years, stable=True)  # (year, original index)
    return _Sorted(vecs[order.to(device)].contiguous(), years[order], order.to(device))


def _year_chunks(years: torch.Tensor, bq: int) -> list[tuple[int, int, int]]:
    """(start, end, year) chunks of at most ``bq`` rows of sorted ``years``, one year each."""
    if years.numel() == 0:
        return []
    vals, counts = torch.unique_consecutive(years, return_counts=True)
    out, start = [], 0
    for y, c in zip(vals.tolist(), counts.tolist()):
        for s in range(start, start + c, bq):
            out.append((s, min(start + c, s + bq), y))
        start += c
    return out


@contextlib.contextmanager
def _torch_settings(device: torch.device, threads: int | None) -> Iterator[None]:
    old_threads = torch.get_num_threads()
    old_tf32 = torch.backends.cuda.matmul.allow_tf32
    try:
        if threads and device.type == "cpu":
            torch.set_num_threads(threads)
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = False
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.backends.cuda.matmul.allow_tf32 = old_tf32


def _blocks(batch: int | Sequence[int] | None, device: torch.device) -> tuple[int, int]:
    if batch is None:
        return DEFAULT_BLOCKS.get(device.type, DEFAULT_BLOCKS["cuda"])
    if isinstance(batch, int):
        return batch, batch
    bp, bq = batch
    if bp < 1 or bq < 1:
        raise ValueError("block sizes must be ≥ 1")
    return int(bp), int(bq)


def _merge_topk(run_s: torch.Tensor, run_i: torch.Tensor, new_s: torch.Tensor,
                new_i: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the k best of two (rows, ·) candidate sets by (score desc, index asc)."""
    s = torch.cat([run_s, new_s], dim=1)
    i = torch.cat([run_i, new_i], dim=1)
    o = torch.argsort(i, dim=1, stable=True)
    s, i = s.gather(1, o), i.gather(1, o)
    o = torch.argsort(s, dim=1, descending=True, stable=True)[:, :k]
    return s.gather(1, o), i.gather(1, o)


def _chunk_topk(S: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k (values, positions) of each row of S by (value desc, position asc).

    ``torch.topk`` does not order ties, so rows with a tie at the k-th value (rare with real
    vectors) are redone with a stable sort.
    """
    kk = min(k, S.shape[1])
    vals, pos = S.topk(kk, dim=1, sorted=True)
    if kk < S.shape[1]:
        tied = (S >= vals[:, -1:]).sum(dim=1) > kk
        if bool(tied.any()):
            rows = tied.nonzero().squeeze(1)
            sv, sp = torch.sort(S[rows], dim=1, descending=True, stable=True)
            vals[rows], pos[rows] = sv[:, :kk], sp[:, :kk]
    return vals, pos


def _search_fp32(D: _Sorted, P: _Sorted, k: int, bp: int, bq: int,
                 rows: torch.Tensor | None = None, workers: int = 1
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Best k per sorted paper (or per sorted paper in ``rows``) in float32.

    ``workers`` > 1 (CPU): paper blocks are shared out to that many Python threads, each
    running single-threaded torch ops (kernels release the GIL). Returns (scores, original
    patent indices), (n, k) in sorted-paper order; −inf / n_patents where none is eligible.
    """
    dvecs, dyears = (D.vecs, D.years) if rows is None else (D.vecs[rows.to(D.vecs.device)],
                                                             D.years[rows.cpu()])
    n, m, dev = dvecs.shape[0], P.vecs.shape[0], dvecs.device
    best_s = torch.full((n, k), -torch.inf, device=dev)
    best_i = torch.full((n, k), m, dtype=torch.int64, device=dev)
    chunks = _year_chunks(P.years, bq)
    dy = dyears.numpy()
    cy = np.array([y for _, _, y in chunks], np.int64)
    ends = np.searchsorted(dy, cy, side="right")  # chunk c serves papers [·, ends[c])
    local = threading.local()

    def block(i0: int) -> None:
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = torch.empty(bp * min(bq, max(m, 1)), device=dev)
        i1 = min(n, i0 + bp)
        first = int(np.searchsorted(cy, dy[i0], side="left"))  # chunks of year ≥ block's first
        for c in range(first, len(chunks)):
            s, e, _ = chunks[c]
            r = min(i1, int(ends[c]))  # the block's papers with year ≤ the chunk's year
            out = buf[: (r - i0) * (e - s)].view(r - i0, e - s)
            torch.matmul(dvecs[i0:r], P.vecs[s:e].T, out=out)
            if k == 1:
                v, pos = out.max(dim=1)
                idx = P.order[s + pos]
                b, bi = best_s[i0:r, 0], best_i[i0:r, 0]
                better = (v > b) | ((v == b) & (idx < bi))
                best_s[i0:r, 0] = torch.where(better, v, b)
                best_i[i0:r, 0] = torch.where(better, idx, bi)
            else:
                v, pos = _chunk_topk(out, k)
                best_s[i0:r], best_i[i0:r] = _merge_topk(best_s[i0:r], best_i[i0:r], v,
                                                         P.order[s + pos], k)

    starts = range(0, n, bp)
    if workers > 1 and dev.type == "cpu" and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(block, starts))  # re-raises a worker's exception
    else:
        for i0 in starts:
            block(i0)
    return best_s, best_i


def screen_eps(precision: str, dim: int, output_rounded: bool) -> float:
    """Bound ε on |low-precision score − float32 score| of two unit vectors of ``dim`` dims.

    Inputs rounded to the screening type (relative u each: 2u + u²), float32 accumulation
    and the float32 reference itself (≤ dim·2⁻²⁴ each), fp16 subnormals (≤ 2⁻²⁵ absolute
    per component: ≤ √dim·2⁻²⁴ in all), and, when the product is returned in the
    screening type (torch matmul), its rounding (u). u = 2⁻⁸ (bf16) or 2⁻¹¹ (fp16).
    """
    u = SCREEN_UNIT[precision]
    return (2 * u + u * u + 2 * dim * 2.0 ** -24 + math.sqrt(dim) * 2.0 ** -24
            + (u if output_rounded else 0.0))


def _screen_torch(D: _Sorted, P: _Sorted, bp: int, bq: int, c: int, dtype: torch.dtype
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Top-``c`` candidates per sorted paper from low-precision products (torch ops).

    Returns (scores (n, c), original patent indices (n, c), dropped (n,)): −inf / n_patents
    in empty slots; ``dropped`` is the largest screening score not kept.
    """
    n, m, dev = D.vecs.shape[0], P.vecs.shape[0], D.vecs.device
    dlow, plow = D.vecs.to(dtype), P.vecs.to(dtype)
    cand_s = torch.full((n, c), -torch.inf, device=dev)
    cand_i = torch.full((n, c), m, dtype=torch.int64, device=dev)
    dropped = torch.full((n,), -torch.inf, device=dev)
    chunks = _year_chunks(P.years, bq)
    dy = D.years.numpy()
    cy = np.array([y for _, _, y in chunks], np.int64)
    ends = np.searchsorted(dy, cy, side="right")
    for i0 in range(0, n, bp):
        i1 = min(n, i0 + bp)
        for ch in range(int(np.searchsorted(cy, dy[i0], side="left")), len(chunks)):
            s, e, _ = chunks[ch]
            r = min(i1, int(ends[ch]))
            S = (dlow[i0:r] @ plow[s:e].T).float()
            kk = min(c + 1, e - s)
            v, pos = S.topk(kk, dim=1, sorted=True)
            if kk > c:
                dropped[i0:r] = torch.maximum(dropped[i0:r], v[:, c])
                v, pos = v[:, :c], pos[:, :c]
            allv = torch.cat([cand_s[i0:r], v], dim=1)
            alli = torch.cat([cand_i[i0:r], P.order[s + pos]], dim=1)
            top, o = allv.topk(c, dim=1, sorted=True)
            rest = allv.scatter(1, o, -torch.inf).max(dim=1).values
            dropped[i0:r] = torch.maximum(dropped[i0:r], rest)
            cand_s[i0:r], cand_i[i0:r] = top, alli.gather(1, o)
    return cand_s, cand_i, dropped


def _screen_fused(D: _Sorted, P: _Sorted, c: int, dtype: torch.dtype,
                  config: dict[str, int] | None) -> tuple[torch.Tensor, torch.Tensor,
                                                          torch.Tensor]:
    """``_screen_torch``'s contract, computed by the fused Triton kernel."""
    from . import bestmatch_triton as bt

    m = P.vecs.shape[0]
    s, pos, dropped = bt.screen(D.vecs.to(dtype), D.years, P.vecs.to(dtype), P.years, c,
                                config)
    idx = P.order[pos.clamp(max=m - 1)]
    return s, torch.where(pos < m, idx, torch.full_like(idx, m)), dropped


def _rescore_certify(D: _Sorted, P: _Sorted, k: int, bp: int, bq: int, P_orig: torch.Tensor,
                     cand_i: torch.Tensor, dropped: torch.Tensor, eps: float
                     ) -> tuple[torch.Tensor, torch.Tensor, dict[str, int]]:
    """Float32 rescoring of the candidates, then certification of the k-th best.

    A row is certain when its k-th float32 score exceeds ``dropped + eps`` (no discarded
    patent can beat it) or nothing was discarded; the other rows are searched again in
    float32. Returns (scores, original indices) like ``_search_fp32`` and counters.
    """
    n, m, dim = D.vecs.shape[0], P.vecs.shape[0], D.vecs.shape[1]
    c = cand_i.shape[1]
    valid = cand_i < m
    safe = torch.where(valid, cand_i, 0)
    exact = torch.empty(cand_i.shape, device=D.vecs.device, dtype=torch.float32)
    step = max(1, (1 << 24) // (c * dim))  # rows per gather: ≤ 64 MiB of fp32 vectors
    for a in range(0, n, step):
        exact[a:a + step] = torch.einsum("nd,ncd->nc", D.vecs[a:a + step],
                                         P_orig[safe[a:a + step]])
    exact = torch.where(valid, exact, -torch.inf)
    o = torch.argsort(safe.masked_fill(~valid, m), dim=1, stable=True)
    exact, ci = exact.gather(1, o), cand_i.gather(1, o)
    o = torch.argsort(exact, dim=1, descending=True, stable=True)[:, :k]
    best_s, best_i = exact.gather(1, o), ci.gather(1, o)
    kth = best_s[:, -1]
    certain = (kth > dropped + eps) | torch.isinf(dropped)
    redo = (~certain).nonzero().squeeze(1)
    if redo.numel():
        rs, ri = _search_fp32(D, P, k, bp, bq, rows=redo)
        best_s[redo], best_i[redo] = rs, ri
    return best_s, best_i, {"rows": n, "recomputed": int(redo.numel())}


def _search_low(D: _Sorted, P: _Sorted, k: int, bp: int, bq: int, c: int | None,
                precision: str, kernel: str, config: dict[str, int] | None,
                P_orig: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """Low-precision screening (fused kernel or torch) + float32 rescoring + certification."""
    from . import bestmatch_triton as bt

    dtype = torch.float16 if precision == "fp16" else torch.bfloat16
    dev, dim = D.vecs.device, D.vecs.shape[1]
    fused = kernel == "triton" or (kernel == "auto" and bt.available(dev) and k <= 16
                                   and (c or 0) <= 16)
    c = max(k, c or (4 if fused else 16))
    if fused:
        if not bt.available(dev):
            raise ValueError("kernel='triton' needs CUDA and the triton package "
                             "(or TRITON_INTERPRET=1 on the CPU)")
        if c > 16:
            raise ValueError("the fused kernel keeps at most 16 candidates per paper")
        _, cand_i, dropped = _screen_fused(D, P, c, dtype, config)
    else:
        _, cand_i, dropped = _screen_torch(D, P, bp, bq, c, dtype)
    eps = screen_eps(precision, dim, output_rounded=not fused)
    s, i, info = _rescore_certify(D, P, k, bp, bq, P_orig, cand_i, dropped, eps)
    return s, i, {"kernel": "triton" if fused else "torch", **info}


def best_match(paper_vecs: Any, paper_years: Any, patent_vecs: Any, patent_years: Any,
               k: int = 1, device: str | torch.device | None = None,
               batch: int | Sequence[int] | None = None, precision: str = "fp32",
               candidates: int | None = None, threads: int | None = None,
               cpu_parallel: str = "blocks", kernel: str = "auto",
               kernel_config: dict[str, int] | None = None,
               stats: dict[str, Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact best-matching later patent(s) of every paper by cosine similarity.

    BestMatch_i = argmax_{j : y_j ≥ y_i} cos(d_i, p_j), ties → lower j.

    Parameters
    ----------
    paper_vecs : (n_papers, dim) array or tensor, any float dtype; rows need not be unit.
    paper_years : (n_papers,) integer years (publication), or None for no temporal filter.
    patent_vecs : (n_patents, dim) array or tensor.
    patent_years : (n_patents,) integer years (application), or None.
    k : number of matches per paper (≥ 1).
    device : "cpu", "cuda", "cuda:1", … ; None / "auto" → CUDA when available, else the CPU
        (``runtime.resolve_device``; an explicit CUDA device without CUDA raises
        ``DeviceUnavailableError``).
    batch : block sizes: an int for both, or (papers per block, patents per chunk);
        None → ``DEFAULT_BLOCKS`` of the device. Peak extra memory ≈ bp · bq floats.
    precision : "fp32" (exact float32 search), "fp16" or "bf16" (low-precision screening of
        ``candidates`` per paper, float32 rescoring, certified exact; uncertified rows
        redone in float32).
    candidates : candidates kept per paper by the screening (raised to k); None → 4 for
        the fused kernel (it keeps them in registers, rounded up to a power of two, at most
        16) and 16 for the torch screening.
    threads : CPU threads for the call, None → torch's setting (``torch.get_num_threads()``).
    cpu_parallel : how the CPU threads are used: "blocks" (default) gives whole paper
        blocks to ``threads`` Python threads running single-threaded torch kernels — no
        synchronisation inside a block, which keeps its speed on a busy machine; "torch"
        runs one block at a time with multi-threaded torch kernels.
    kernel : low-precision screening by "triton" (the fused kernel; CUDA with triton
        installed, or the CPU under ``TRITON_INTERPRET=1``), "torch", or "auto" (triton
        where it can run, else torch).
    kernel_config : tile sizes for the fused kernel (``bestmatch_triton.DEFAULT_CONFIG``).
    stats : a dict that receives ``{"kernel", "rows", "recomputed"}`` of a low-precision
        run (how many rows failed certification and were redone in float32).

    Returns
    -------
    indices : int64 (n_papers,) if k == 1 else (n_papers, k): original patent row indices,
        sorted by score desc then index asc; −1 where fewer than k patents are eligible.
    scores : float32, same shape: the cosine (in [−1, 1]); NaN where the index is −1.
        A zero vector has cosine 0 with everything.

    Notes
    -----
    Empty inputs give empty outputs (no patents: every index −1). NaN/inf vector values and
    missing years raise ValueError.
    """
    if k < 1:
        raise ValueError("k must be ≥ 1")
    if precision not in ("fp32", "fp16", "bf16"):
        raise ValueError("precision must be 'fp32', 'fp16' or 'bf16'")
    if kernel not in ("auto", "torch", "triton"):
        raise ValueError("kernel must be 'auto', 'torch' or 'triton'")
    dev = runtime.resolve_device(device)
    dvec, pvec = _as_tensor(paper_vecs, "paper_vecs"), _as_tensor(patent_vecs, "patent_vecs")
    n, m = dvec.shape[0], pvec.shape[0]
    if n and m and dvec.shape[1] != pvec.shape[1]:
        raise ValueError(f"dimension mismatch: papers {dvec.shape[1]}, patents {pvec.shape[1]}")
    dy = _as_years(paper_years, n, "paper_years")
    py = _as_years(patent_years, m, "patent_years")
    shape = (n,) if k == 1 else (n, k)
    if n == 0 or m == 0:
        return np.full(shape, -1, np.int64), np.full(shape, np.nan, np.float32)
    if cpu_parallel not in ("blocks", "torch"):
        raise ValueError("cpu_parallel must be 'blocks' or 'torch'")
    bp, bq = _blocks(batch, dev)
    workers = 1
    if dev.type == "cpu" and cpu_parallel == "blocks":
        workers, threads = max(1, threads or torch.get_num_threads()), 1
    with _torch_settings(dev, threads), torch.no_grad():
        pn = _normalise(pvec, dev, "patent_vecs")
        D = _sort_side(_normalise(dvec, dev, "paper_vecs"), dy, dev)
        P = _sort_side(pn, py, dev)
        if precision == "fp32":
            s, i = _search_fp32(D, P, k, bp, bq, workers=workers)
        else:
            s, i, info = _search_low(D, P, k, bp, bq, candidates, precision, kernel,
                                     kernel_config, pn)
            if stats is not None:
                stats.update(info)
        none = torch.isinf(s) | (i >= m)
        s = s.masked_fill(none, torch.nan)
        i = i.masked_fill(none, -1)
        # back to the callers' paper order
        inv = torch.empty_like(D.order)
        inv[D.order] = torch.arange(n, device=dev)
        s, i = s[inv].cpu().numpy(), i[inv].cpu().numpy()
    if k == 1:
        return i[:, 0].astype(np.int64), s[:, 0].astype(np.float32)
    return i.astype(np.int64), s.astype(np.float32)


def brute_force_best_match(paper_vecs: np.ndarray, paper_years: Any, patent_vecs: np.ndarray,
                           patent_years: Any, k: int = 1,
                           dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The reference: the full (n_papers × n_patents) cosine matrix, masked, then sorted.

    Same contract as ``best_match``; O(n_papers · n_patents) memory — tests and small data
    only. ``dtype`` is the arithmetic (float64 by default).
    """
    d = np.asarray(paper_vecs, dtype=dtype)
    p = np.asarray(patent_vecs, dtype=dtype)
    n, m = d.shape[0], p.shape[0]
    shape = (n,) if k == 1 else (n, k)
    idx = np.full((n, k), -1, np.int64)
    sc = np.full((n, k), np.nan, np.float32)
    if n and m:
        S = unit_rows(d) @ unit_rows(p).T
        if paper_years is not None:
            ok = np.asarray(patent_years)[None, :] >= np.asarray(paper_years)[:, None]
            S = np.where(ok, S, -np.inf)
        for r in range(n):
            o = np.lexsort((np.arange(m), -S[r]))[:k]  # score desc, then index asc
            o = o[np.isfinite(S[r, o])]
            idx[r, : len(o)] = o
            sc[r, : len(o)] = S[r, o]
    if k == 1:
        return idx[:, 0], sc[:, 0]
    return idx.reshape(shape), sc.reshape(shape)
