"""Hypergraph mixed-membership model of keyword combinations, and novelty (docs/method.md §4).

After Shi & Evans (2023), *Nature Communications* 14:1641 (code: KnowledgeLab/hyper-novelty).
Keywords are nodes, documents are hyperedges (their keyword sets). Every keyword ``i`` has a
membership vector ``theta_i`` on the simplex over ``D`` latent dimensions and a salience
``r_i > 0``. The propensity of a combination ``h`` is

    lambda_h = sum_d prod_{i in h} theta_{i,d} * prod_{i in h} r_i
             = sum_d prod_{i in h} u_{i,d},          u_{i,d} = theta_{i,d} r_i,

and the number of documents with exactly the keyword set ``h`` is ``X_h ~ Poisson(lambda_h)``.
Novelty of a combination is ``-log(lambda_h)`` (higher = more surprising).

Likelihood, exact (``negatives='exact'``)
-----------------------------------------
Over every observed hyperedge and *every* unobserved combination of each observed size
``k in K`` (the Poisson zeros):

    log L = sum_{h observed} [X_h log lambda_h - log X_h!] - sum_{k in K} Z_k,
    Z_k   = sum_{|h| = k} lambda_h = sum_d e_k(u_{1,d}, ..., u_{N,d}),

where ``e_k`` is the elementary symmetric polynomial of degree ``k`` (the coefficient of
``t^k`` in ``prod_i (1 + u_{i,d} t)``). ``log_elementary_symmetric`` computes every
``e_0..e_kmax`` per dimension without cancellation (only sums of products of positive numbers):
the columns are first scaled to sum to one (``e_k(u) = S_d^k e_k(u / S_d)``, so the scaled
coefficients stay in ``[0, 1/k!]``), a blocked form of the recursion
``e_j^{(n)} = e_j^{(n-1)} + u_n e_{j-1}^{(n-1)}`` runs over keywords inside blocks (vectorised
across blocks), and the block polynomials are multiplied pairwise in a tree (truncated at
degree ``kmax``). Work ``O(N D kmax^2)``, depth ``O(block + kmax log N)``; the backward pass
(hand-written, ``_ElementarySymmetric``) gives the exact gradient. This is the closed form that
Hypergraph-MT (Contisciani et al. 2022) uses instead of negative sampling.

Likelihood, sampled (``negatives='sampled'``)
---------------------------------------------
``Z_k`` is replaced by an unbiased importance-sampling estimate: draw ``m`` ordered
``k``-tuples of keywords i.i.d. from ``q`` (``q_i`` proportional to the salience ``r_i``), keep
those with ``k`` distinct keywords, and weight each by its inverse sampling probability:

    Z_k ~= 1/(m k!) * sum_t 1[t distinct] * lambda_t / prod_{j} q_{t_j}

(``E[1[distinct] prod u/q] = k! e_k(u)``: every ``k``-subset is reached by ``k!`` orderings).
That is the sampling correction; without it negative sampling fits a different model.
``tests/test_mmsb.py`` checks the estimate against the exact value.

Salience
--------
- ``'freq'`` (default, the DeepInnovationAI paper's "normalised historical frequency"):
  ``r_i = s * n_i / max_j n_j`` with ``n_i`` the number of fitted documents that contain
  keyword ``i``. The relative saliences are fixed by the counts; the single normalising
  constant ``s`` is fitted by maximum likelihood (without it the scale of ``lambda`` is
  arbitrary: ``sum_h lambda_h`` could not match the number of documents and the fit would
  collapse or spread ``theta`` to compensate). ``fit.r_scale`` reports ``s``.
- ``'paper'`` (the DeepInnovationAI paper's wording taken literally): ``r_i = n_i / max_j n_j``
  with no fitted scale (``s = 1``): only ``theta`` is fitted. Then ``r_i <= 1`` and
  ``lambda_h <= 1``, so novelty is ``>= 0`` whatever the corpus size, but ``sum_h lambda_h``
  no longer matches the number of documents and ``theta`` absorbs the mismatch; with ``'freq'``
  the fitted ``s`` grows with the corpus and every score shifts by about ``-k log s`` for a
  ``k``-keyword document (README, "Novelty": a measured table).
- ``'fitted'`` (Shi & Evans): ``r_i = exp(rho_i)``, a free positive parameter per keyword. The
  fit first converges with the frequency form, then frees ``r``: a cold start of both
  ``theta`` and ``r`` lands in poor local optima far more often.

Optimisation
------------
``theta_i = softmax(phi_i)`` over free logits. Full-batch L-BFGS with a strong-Wolfe line
search (default with exact negatives), diagonally preconditioned by keyword frequency (the
curvature of a keyword's parameters grows with its count; Zipfian data needs this), with up to
100 pairs of memory; or Adam (default with sampled negatives, whose objective is stochastic).
On 100k Zipfian hyperedges it converges in a few hundred iterations; the novelty ranking is
settled well before the log-likelihood stops creeping (benchmarks/mmsb.md). All in ``torch``,
on CPU or CUDA, float64 by default, seeded (the initial logits are drawn on the CPU from
``torch.Generator().manual_seed(seed)``, so CPU and GPU start identically), with
``torch.use_deterministic_algorithms(True)`` during the fit: same data, seed and machine give
the identical fit.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp
import torch

__all__ = [
    "MMSBFit",
    "fit",
    "novelty",
    "log_propensity",
    "hyperedge_counts",
    "keyword_reuse",
    "log_elementary_symmetric",
    "log_normaliser",
    "sampled_log_normaliser",
    "resolve_device",
    "to_hypernetx",
]

SALIENCE = ("freq", "paper", "fitted")
NEGATIVES = ("exact", "sampled")
OPTIMIZERS = ("lbfgs", "adam")
_HUGE = 1e30  # loss reported to the line search where the likelihood is not finite
_HISTORY_BUDGET = {"cpu": 4e9, "cuda": 16e9}  # bytes of L-BFGS history when not given


# ----------------------------------------------------------------------------- results
@dataclass
class MMSBFit:
    """A fitted model.

    Attributes
    ----------
    theta : (n_keywords, D) float64, rows on the simplex. Keywords absent from the fitted
        hyperedges (``known == False``) get the uniform row ``1/D``.
    r : (n_keywords,) float64, salience ``r_i >= 0`` (0 for unknown keywords).
    freq : (n_keywords,) int64, documents (rows of the incidence) containing each keyword.
    known : (n_keywords,) bool, keyword occurs in the fitted data (``freq > 0``).
    loglik : exact (or, with sampled negatives, estimated) log-likelihood after each
        iteration; ``loglik[0]`` is the value at the initial point.
    n_iter : iterations run. converged : the tolerance was met before ``max_iter``.
    meta : fit settings and data sizes (JSON-serialisable).
    """

    theta: np.ndarray
    r: np.ndarray
    freq: np.ndarray
    known: np.ndarray
    loglik: list[float]
    n_iter: int
    converged: bool
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_dims(self) -> int:
        return int(self.theta.shape[1])

    @property
    def r_scale(self) -> float:
        return float(self.meta.get("r_scale", float("nan")))

    def novelty(self, hyperedges: Any) -> np.ndarray:
        """``novelty(self.theta, self.r, hyperedges)``."""
        return novelty(self.theta, self.r, hyperedges)


# ----------------------------------------------------------------------------- data
def _binary_csr(incidence: Any) -> sp.csr_matrix:
    """(docs, keywords) CSR with every stored non-zero set to 1 and explicit zeros dropped."""
    m = sp.csr_matrix(incidence, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.data = np.ones_like(m.data, dtype=np.int8)
    m.sort_indices()
    return m


def hyperedge_counts(incidence: Any, min_size: int = 2,
                     max_size: int | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Distinct keyword sets of the rows of ``incidence``, grouped by size, with their counts.

    Parameters
    ----------
    incidence : (n_docs, n_keywords) sparse or dense; any non-zero means "has keyword".
    min_size, max_size : keep rows with ``min_size <= |h| <= max_size`` keywords.

    Returns
    -------
    ``{k: (members (E_k, k) int64 sorted column indices, counts (E_k,) int64)}``: ``X_h`` is
    the number of rows whose keyword set is exactly ``h``. Sizes in increasing order.
    """
    m = _binary_csr(incidence)
    sizes = np.diff(m.indptr)
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    hi = int(sizes.max()) if sizes.size else 0
    if max_size is not None:
        hi = min(hi, int(max_size))
    for k in range(max(1, int(min_size)), hi + 1):
        rows = np.flatnonzero(sizes == k)
        if rows.size == 0:
            continue
        starts = m.indptr[rows]
        members = m.indices[starts[:, None] + np.arange(k)[None, :]].astype(np.int64)
        uniq, counts = np.unique(members, axis=0, return_counts=True)
        out[k] = (uniq, counts.astype(np.int64))
    return out


def _as_hyperedge_list(hyperedges: Any) -> tuple[np.ndarray, np.ndarray]:
    """(flat column indices, offsets) of deduplicated hyperedges from lists or a sparse matrix."""
    if sp.issparse(hyperedges):
        m = _binary_csr(hyperedges)
        return m.indices.astype(np.int64), m.indptr.astype(np.int64)
    flat: list[int] = []
    offsets = [0]
    for h in hyperedges:
        members = sorted({int(i) for i in h})
        flat.extend(members)
        offsets.append(len(flat))
    return np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64)


def keyword_reuse(incidence: Any) -> dict[str, Any]:
    """How reusable the keywords of a corpus are (issue 14: novelty that says when it cannot
    tell).

    A keyword seen in only one document ("single-use") carries no information about which
    combinations are usual: in a fit its ``theta`` row serves that one document alone and its
    ``r_i`` is the smallest, so each single-use keyword adds about the same constant
    ``log(max_j n_j / s)`` to its document's novelty. A document whose keywords are all
    single-use gets ``k log(max n / s)`` whatever it says (the "one constant" of issue 14).

    Parameters
    ----------
    incidence : (n_docs, n_keywords) sparse or dense; any non-zero means "has keyword".

    Returns
    -------
    dict: ``df`` (n_keywords,) int64 documents containing each keyword; ``keywords`` number of
    keywords with ``df >= 1``; ``single_use`` number with ``df == 1``; ``single_use_share`` =
    ``single_use / keywords`` (NaN when there is none); ``doc_size`` (n_docs,) distinct
    keywords per document; ``doc_single_use`` (n_docs,) how many of them are single-use;
    ``doc_single_use_share`` (n_docs,) their share (NaN for a document without keywords).
    """
    m = _binary_csr(incidence)
    df = np.bincount(m.indices, minlength=m.shape[1]).astype(np.int64)
    size = np.diff(m.indptr).astype(np.int64)
    single = (df[m.indices] == 1).astype(np.int64)
    rows = np.repeat(np.arange(m.shape[0]), size)
    doc_single = np.bincount(rows, weights=single, minlength=m.shape[0]).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(size > 0, doc_single / np.maximum(size, 1), np.nan)
    n_kw = int((df >= 1).sum())
    n_single = int((df == 1).sum())
    return {"df": df, "keywords": n_kw, "single_use": n_single,
            "single_use_share": n_single / n_kw if n_kw else float("nan"),
            "doc_size": size, "doc_single_use": doc_single, "doc_single_use_share": share}


# ----------------------------------------------------------------------------- novelty
def log_propensity(theta: np.ndarray, r: np.ndarray, hyperedges: Any,
                   chunk: int = 200_000) -> np.ndarray:
    """``log lambda_h = log sum_d prod_{i in h} theta_{i,d} + sum_{i in h} log r_i``.

    Parameters
    ----------
    theta : (n_keywords, D) rows on the simplex. r : (n_keywords,) saliences, >= 0.
    hyperedges : a sequence of keyword-index collections (duplicates inside one hyperedge are
        ignored), or a sparse (n_hyperedges, n_keywords) matrix whose rows are hyperedges.
    chunk : hyperedges per vectorised block (bounds memory at ``chunk * mean size * D``).

    Returns
    -------
    (n_hyperedges,) float64. NaN for hyperedges with fewer than 2 keywords; ``-inf`` where a
    member has ``r_i = 0`` (a keyword the model never saw). Computed in log space
    (``logsumexp`` over dimensions), so products of many small factors do not underflow.
    """
    theta = np.asarray(theta, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    flat, offsets = _as_hyperedge_list(hyperedges)
    n = offsets.size - 1
    out = np.full(n, np.nan)
    if n == 0:
        return out
    if flat.size and (flat.min() < 0 or flat.max() >= theta.shape[0]):
        raise IndexError(f"hyperedge member out of range 0..{theta.shape[0] - 1}")
    with np.errstate(divide="ignore"):
        log_theta = np.log(theta)
        log_r = np.log(r)
    sizes = np.diff(offsets)
    row_of = np.repeat(np.arange(n), sizes)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        sel = np.arange(offsets[a], offsets[b])
        sel = sel[sizes[row_of[sel]] >= 2]
        if sel.size == 0:
            continue
        seg = row_of[sel] - a
        idx = flat[sel]
        sums = np.zeros((b - a, theta.shape[1]))
        _segment_sum(sums, seg, log_theta[idx])
        with np.errstate(invalid="ignore", over="ignore"):
            mx = sums.max(axis=1, keepdims=True)
            safe = np.where(np.isfinite(mx), mx, 0.0)
            lse = np.log(np.exp(sums - safe).sum(axis=1)) + safe[:, 0]
            lr = np.bincount(seg, weights=log_r[idx], minlength=b - a)
        done = np.unique(seg)
        out[a + done] = (lse + lr)[done]
    return out


def _segment_sum(out: np.ndarray, seg: np.ndarray, values: np.ndarray) -> None:
    """out[s] += sum of values rows with seg == s (seg sorted, contiguous)."""
    if values.shape[0] == 0:
        return
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    out[seg[starts]] = np.add.reduceat(values, starts, axis=0)


def novelty(theta: np.ndarray, r: np.ndarray, hyperedges: Any) -> np.ndarray:
    """Novelty of each hyperedge: ``-log lambda_h`` (docs/method.md §4; higher = more novel).

    ``lambda_h = sum_d prod_{i in h} theta_{i,d} * prod_{i in h} r_i``.

    Parameters
    ----------
    theta : (n_keywords, D), rows on the simplex. r : (n_keywords,) saliences.
    hyperedges : list of lists of keyword column indices (or a sparse matrix, rows =
        hyperedges).

    Returns
    -------
    (n_hyperedges,) float64: NaN for hyperedges with fewer than 2 (distinct) keywords,
    ``+inf`` when a member has ``r_i = 0``. Only comparable between scores of one model.
    """
    return -log_propensity(theta, r, hyperedges)


# ----------------------------------------------------------------------------- normaliser
def _shift_add_(out: torch.Tensor, p: torch.Tensor, q: torch.Tensor, k1: int) -> torch.Tensor:
    """``out += p * q`` as truncated polynomials (last axis = coefficients 0..k1-1), in place:
    ``out_j += sum_{a <= j} p_a q_{j-a}``."""
    for a in range(k1):
        out[..., a:].addcmul_(p[..., a:a + 1], q[..., : k1 - a])
    return out


def _corr_add_(out: torch.Tensor, g: torch.Tensor, q: torch.Tensor, k1: int) -> torch.Tensor:
    """Adjoint of the product in its first factor, in place:
    ``out_a += sum_{j >= a} g_j q_{j-a}``."""
    for a in range(k1):
        out[..., a:a + 1].add_((g[..., a:] * q[..., : k1 - a]).sum(dim=-1, keepdim=True))
    return out


class _ElementarySymmetric(torch.autograd.Function):
    """``e_0..e_kmax`` of each column of ``v`` (N, D), ``v >= 0``: returns (D, kmax + 1).

    Forward: inside blocks of ``block`` rows the recursion
    ``E_t[j] = E_{t-1}[j] + v_t E_{t-1}[j-1]`` runs for all blocks at once; the block
    polynomials ``prod_{i in block} (1 + v_i t)`` are then multiplied pairwise in a tree,
    truncated at degree kmax. Backward: the adjoint of each step, run in reverse with the
    saved intermediates (``N * D * (kmax+1)`` numbers), in place; no cancellation anywhere.
    """

    @staticmethod
    def forward(ctx: Any, v: torch.Tensor, k_max: int, block: int) -> torch.Tensor:
        n, d = v.shape
        k1 = k_max + 1
        m = max(1, min(int(block), n))
        nb = -(-n // m)
        flat = torch.zeros(nb * m, d, dtype=v.dtype, device=v.device)
        flat[:n] = v
        vb = flat.view(nb, m, d).permute(1, 0, 2).contiguous()  # (m, nb, d)
        steps = []
        e = torch.zeros(nb, d, k1, dtype=v.dtype, device=v.device)
        e[..., 0] = 1.0
        for t in range(m):
            steps.append(e)
            nxt = e.clone()
            nxt[..., 1:].addcmul_(vb[t].unsqueeze(-1), e[..., :-1])
            e = nxt
        levels = []
        while e.shape[0] > 1:
            if e.shape[0] % 2:
                one = torch.zeros(1, d, k1, dtype=v.dtype, device=v.device)
                one[..., 0] = 1.0
                e = torch.cat([e, one])
            p, q = e[0::2].contiguous(), e[1::2].contiguous()
            levels.append((p, q))
            e = _shift_add_(torch.zeros_like(p), p, q, k1)
        ctx.save_for_backward(vb, *steps, *[x for pq in levels for x in pq])
        ctx.meta = (n, d, k1, m, nb, len(levels))
        return e[0]

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, None, None]:
        n, d, k1, m, nb, n_levels = ctx.meta
        saved = ctx.saved_tensors
        vb, steps = saved[0], saved[1:1 + m]
        flat_levels = saved[1 + m:]
        levels = [(flat_levels[2 * i], flat_levels[2 * i + 1]) for i in range(n_levels)]
        g = grad.unsqueeze(0).contiguous()
        for p, q in reversed(levels):
            g = g[: p.shape[0]]
            gp = _corr_add_(torch.zeros_like(p), g, q, k1)
            gq = _corr_add_(torch.zeros_like(q), g, p, k1)
            g = torch.stack([gp, gq], dim=1).reshape(-1, d, k1)
        g = g[:nb].clone()
        gv = torch.zeros_like(vb)
        for t in range(m - 1, -1, -1):
            prev = steps[t]
            gv[t] = (g[..., 1:] * prev[..., :-1]).sum(dim=-1)
            g[..., :-1].addcmul_(vb[t].unsqueeze(-1), g[..., 1:].clone())
        gflat = gv.permute(1, 0, 2).reshape(nb * m, d)[:n]
        return gflat, None, None


def _esp_unit(v: torch.Tensor, k_max: int, block: int = 32) -> torch.Tensor:
    """``e_0..e_kmax`` of each column of ``v`` (N, D), non-negative: (k_max + 1, D)."""
    return _ElementarySymmetric.apply(v, int(k_max), int(block)).transpose(0, 1)


def log_elementary_symmetric(log_u: torch.Tensor, k_max: int, block: int = 32) -> torch.Tensor:
    """``log e_j(u_{.,d})`` for ``j = 0..k_max`` and every column ``d``: (k_max + 1, D).

    ``e_j(x_1..x_N) = sum_{i_1 < ... < i_j} x_{i_1} ... x_{i_j}``. Stable: each column is
    scaled by its sum ``S_d`` first (``e_j(u) = S_d^j e_j(u/S_d)``, scaled values in
    ``[0, 1/j!]``), so nothing overflows; ``-inf`` where ``e_j = 0`` (fewer than ``j`` non-zero
    entries). Differentiable (autograd) in ``log_u`` (N, D).
    """
    log_s = torch.logsumexp(log_u, dim=0)  # (D,)
    v = torch.exp(log_u - log_s)
    e = _esp_unit(v, k_max, block)
    j = torch.arange(k_max + 1, dtype=log_u.dtype, device=log_u.device)[:, None]
    tiny = torch.finfo(e.dtype).tiny
    return torch.log(e.clamp_min(tiny)) + j * log_s[None, :]


def log_normaliser(log_u: torch.Tensor, sizes: Sequence[int], block: int = 32) -> torch.Tensor:
    """``log Z_k = log sum_{|h|=k} lambda_h = log sum_d e_k(u_{.,d})`` for each ``k`` in sizes."""
    sizes = [int(k) for k in sizes]
    les = log_elementary_symmetric(log_u, max(sizes), block)
    return torch.logsumexp(les[sizes], dim=1)


def sampled_log_normaliser(log_u: torch.Tensor, sizes: Sequence[int], n_samples: int,
                           q: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Importance-sampled ``log Z_k`` (unbiased for ``Z_k``; see the module doc).

    Parameters
    ----------
    log_u : (N, D) ``log(theta_{i,d} r_i)``. sizes : hyperedge sizes ``k``.
    n_samples : ordered ``k``-tuples drawn per size. q : (N,) proposal probabilities
        (sum 1, > 0 where ``u > 0``); on the CPU, with ``generator``.

    Returns
    -------
    (len(sizes),) ``log(1/(m k!) sum_t 1[distinct] lambda_t / prod_j q_{t_j})``.
    """
    out = []
    log_q = torch.log(q)
    for k in sizes:
        k = int(k)
        idx = torch.multinomial(q, n_samples * k, replacement=True, generator=generator)
        idx = idx.view(n_samples, k)
        srt = idx.sort(dim=1).values
        distinct = (srt[:, 1:] != srt[:, :-1]).all(dim=1) if k > 1 else torch.ones(
            n_samples, dtype=torch.bool)
        idx = idx[distinct].to(log_u.device)
        terms = (torch.logsumexp(log_u[idx].sum(dim=1), dim=1)
                 - log_q.to(log_u.device)[idx].sum(dim=1))
        if terms.numel() == 0:
            out.append(log_u.new_tensor(-math.inf))
            continue
        out.append(torch.logsumexp(terms, dim=0) - math.log(n_samples) - math.lgamma(k + 1))
    return torch.stack(out)


# ----------------------------------------------------------------------------- fitting
def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None``: CUDA when available, else CPU. A CUDA request without CUDA falls back to CPU
    with a warning."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn("CUDA requested but not available: fitting on the CPU", stacklevel=3)
        return torch.device("cpu")
    return dev


class _Deterministic:
    """Context: ``torch.use_deterministic_algorithms(True, warn_only=True)`` and, when
    ``threads`` is given, ``torch.set_num_threads(threads)``; both restored after."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def __enter__(self) -> None:
        self._mode = torch.are_deterministic_algorithms_enabled()
        self._warn = torch.is_deterministic_algorithms_warn_only_enabled()
        self._threads = torch.get_num_threads()
        torch.use_deterministic_algorithms(True, warn_only=True)
        if self.threads:
            torch.set_num_threads(int(self.threads))

    def __exit__(self, *exc: object) -> None:
        torch.use_deterministic_algorithms(self._mode, warn_only=self._warn)
        torch.set_num_threads(self._threads)


def _scale_init(log_z1: np.ndarray, sizes: list[int], total_size: float) -> float:
    """The ``log s`` maximising ``sum_h X_h |h| log s - sum_k s^k Z_k(1)`` (concave; bisection).

    Stationary point: ``sum_k k exp(k t + log Z_k(1)) = sum_h X_h |h|``.
    """
    ks = np.asarray(sizes, dtype=np.float64)
    target = math.log(total_size)

    def g(t: float) -> float:
        a = np.log(ks) + ks * t + log_z1
        mx = a.max()
        return float(mx + math.log(np.exp(a - mx).sum()))

    lo, hi = -50.0, 50.0
    while g(lo) > target:
        lo *= 2
    while g(hi) < target:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if g(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


class _Problem:
    """The data of one fit on a device: observed hyperedges by size, and the likelihood.

    ``log_u`` (n, D) = ``log theta + log r``; everything below is a function of it.
    """

    def __init__(self, groups: dict[int, tuple[np.ndarray, np.ndarray]], remap: np.ndarray,
                 n_dims: int, dev: torch.device, dtype: torch.dtype, chunk: int, block: int,
                 negatives: str, n_negatives: int, seed: int) -> None:
        self.sizes = sorted(groups)
        self.block, self.negatives, self.n_negatives = block, negatives, n_negatives
        self.n_obs = float(sum(int(c.sum()) for _, c in groups.values()))
        self.n_distinct = int(sum(len(c) for _, c in groups.values()))
        self.total_size = float(sum(k * int(c.sum()) for k, (_, c) in groups.items()))
        # log prod_h X_h! : the constant of the Poisson log-likelihood
        self.const = float(sum(math.lgamma(float(x) + 1.0) for _, c in groups.values()
                               for x in c[c > 1]))
        self.obs: list[tuple[torch.Tensor, torch.Tensor]] = []
        for k in self.sizes:
            members, counts = groups[k]
            rows_per = max(1, int(chunk) // (k * n_dims))
            mem = remap[members]
            for c0 in range(0, mem.shape[0], rows_per):
                self.obs.append((torch.as_tensor(mem[c0:c0 + rows_per], device=dev),
                                 torch.as_tensor(counts[c0:c0 + rows_per], dtype=dtype,
                                                 device=dev)))
        self.neg_gen = torch.Generator().manual_seed(int(seed) + 1)
        self.n_evals = 0  # likelihood evaluations (L-BFGS line searches take several)

    def log_z(self, log_u: torch.Tensor) -> torch.Tensor:
        """Per-size ``log Z_k``: exact, or importance-sampled with proposal ``q ~ r``."""
        if self.negatives == "exact":
            return log_normaliser(log_u, self.sizes, self.block)
        r = torch.logsumexp(log_u.detach(), dim=1).double().cpu().exp()
        q = r / r.sum()
        return sampled_log_normaliser(log_u, self.sizes, self.n_negatives, q, self.neg_gen)

    def observed(self, log_u: torch.Tensor, backward: bool) -> float:
        """``sum_h X_h log lambda_h``; with ``backward``, accumulates ``-grad / n_obs``."""
        total = 0.0
        for mem, cnt in self.obs:
            ll = (cnt * torch.logsumexp(log_u[mem].sum(dim=1), dim=1)).sum()
            if backward:
                (-ll / self.n_obs).backward()
            total += float(ll.detach())
        return total

    def evaluate(self, log_u: torch.Tensor, backward: bool) -> tuple[float, float]:
        """(loss = -(log L + const)/n_obs, log L). With ``backward``, gradients flow into the
        graph that produced ``log_u`` (chunk by chunk, so memory stays bounded)."""
        self.n_evals += 1
        leaf = log_u.detach().requires_grad_(backward)
        with torch.set_grad_enabled(backward):
            z = torch.exp(self.log_z(leaf)).sum()
            if backward:
                (z / self.n_obs).backward()
            total = self.observed(leaf, backward) - float(z.detach())
        if backward:
            log_u.backward(leaf.grad)
        return -total / self.n_obs, total - self.const

    def exact_loglik(self, log_u: torch.Tensor) -> float:
        with torch.no_grad():
            z = float(torch.exp(log_normaliser(log_u, self.sizes, self.block)).sum())
            return self.observed(log_u, False) - z - self.const


def _settled(losses: list[float], tol: float, window: int = 10) -> bool:
    """The loss fell by less than ``tol`` (relative) per iteration over the last ``window``."""
    if len(losses) <= window:
        return False
    return (losses[-window - 1] - losses[-1]) / (window * max(abs(losses[-1]), 1e-300)) < tol


def _optimise(problem: _Problem, params: list[torch.Tensor], log_u_of: Any, optimizer: str,
              max_iter: int, tol: float, lr: float, history: list[float],
              report: Any, lbfgs_history: int = 100) -> tuple[int, bool]:
    """Run the optimiser from the current ``params``; appends to ``history``.

    Convergence: the loss (``-log L / n_hyperedges``) fell by less than ``tol`` (relative)
    per iteration on average over the last 10 iterations, or an L-BFGS step no longer moves
    the parameters. Sampled negatives (noisy
    estimate): the mean of the last 50 iterations gains less than twice its standard error
    (or ``tol``, relative) over the 50 before.
    """
    if optimizer == "lbfgs":
        opt = torch.optim.LBFGS(params, lr=1.0, max_iter=1, max_eval=25,
                                history_size=lbfgs_history, tolerance_grad=1e-12,
                                tolerance_change=1e-15, line_search_fn="strong_wolfe")
        cache: dict[str, Any] = {}

        def closure() -> torch.Tensor:
            # L-BFGS evaluates the start of each step again: reuse the last evaluation there
            if "x" in cache and all(torch.equal(a, p) for a, p in zip(cache["x"], params)):
                for p, g in zip(params, cache["grads"]):
                    p.grad = g.clone()
                return torch.tensor(cache["loss"], dtype=torch.float64)
            opt.zero_grad()
            loss, ll = problem.evaluate(log_u_of(), backward=True)
            grads = [p.grad.detach().clone() for p in params]
            if not (math.isfinite(loss) and all(bool(torch.isfinite(g).all()) for g in grads)):
                # a line-search probe far out (the normaliser overflows): a huge finite value
                # makes the search step back, where inf or nan would poison its interpolation
                loss, ll = _HUGE, -math.inf
                grads = [torch.zeros_like(g) for g in grads]
                for p, g in zip(params, grads):
                    p.grad = g.clone()
            cache.update(x=[p.detach().clone() for p in params], loss=loss, ll=ll, grads=grads)
            return torch.tensor(loss, dtype=torch.float64)

        closure()
        losses = [cache["loss"]]
        # torch's first L-BFGS step is t = lr / |g|_1, tiny when there are millions of
        # parameters (and the line search then spends many evaluations growing it): take the
        # first step so that the largest parameter moves by about 1, then lr = 1 as usual.
        g1 = sum(float(g.abs().sum()) for g in cache["grads"])
        ginf = max(float(g.abs().max()) for g in cache["grads"])
        opt.param_groups[0]["lr"] = g1 / ginf if ginf > 0 else 1.0
        for it in range(1, max_iter + 1):
            before = [p.detach().clone() for p in params]
            opt.step(closure)
            opt.param_groups[0]["lr"] = 1.0
            closure()  # the step's end point (cached when the line search evaluated it last)
            if not math.isfinite(cache["ll"]):
                with torch.no_grad():
                    for p, b in zip(params, before):
                        p.copy_(b)
                warnings.warn("mmsb: L-BFGS stepped where the likelihood overflows; stopped "
                              "at the last finite point", stacklevel=3)
                history.append(history[-1])
                return it, False
            history.append(cache["ll"])
            losses.append(cache["loss"])
            report(history)
            moved = any(not torch.equal(b, p.detach()) for b, p in zip(before, params))
            if _settled(losses, tol) or not moved:
                return it, True
        return max_iter, False
    opt = torch.optim.Adam(params, lr=lr)
    if problem.negatives == "exact":
        losses: list[float] = []
        for it in range(1, max_iter + 1):
            opt.zero_grad()
            loss, ll = problem.evaluate(log_u_of(), backward=True)
            opt.step()
            history.append(ll)
            losses.append(loss)
            report(history)
            if _settled(losses, tol):
                return it, True
        return max_iter, False
    # sampled: the estimated log-likelihood is noisy; compare means of successive windows
    window, start = 50, len(history)
    for it in range(1, max_iter + 1):
        opt.zero_grad()
        _, ll = problem.evaluate(log_u_of(), backward=True)
        opt.step()
        history.append(ll)
        report(history)
        if it % window == 0 and it >= 2 * window:
            last = np.asarray(history[-window:])
            gain = float(last.mean() - np.mean(history[-2 * window:-window]))
            noise = 2.0 * float(last.std()) / math.sqrt(window)
            if gain < max(tol * abs(float(last.mean())), noise) and len(history) - start > 0:
                return it, True
    return max_iter, False


def fit(incidence: Any, n_dims: int, seed: int = 0, device: str | torch.device | None = None,
        salience: str = "freq", max_iter: int | None = None, tol: float = 1e-6,
        negatives: str = "exact", optimizer: str | None = None, n_negatives: int = 20_000,
        lr: float = 0.05, min_size: int = 2, max_size: int | None = None,
        init_scale: float = 1.0, precondition: bool = True, lbfgs_history: int | None = None,
        block: int = 32, chunk: int = 50_000_000,
        dtype: torch.dtype = torch.float64, threads: int | None = None,
        verbose: bool | int = True,
        progress: Callable[[int, int], None] | None = None) -> MMSBFit:
    """Fit the hypergraph MMSB by maximum likelihood (module doc for the model).

    Parameters
    ----------
    incidence : (n_docs, n_keywords) scipy sparse (or dense) matrix; rows are documents
        (hyperedges), a non-zero means the document has the keyword.
    n_dims : ``D``, latent dimensions (Shi & Evans use 20).
    seed : seeds the initial logits ``phi ~ N(0, init_scale^2)`` and the negative samples.
    device : ``'cpu'``, ``'cuda'``, ``None`` (CUDA when available); CPU fallback.
    salience : ``'freq'`` (``r = s * freq / max freq``, only ``s`` fitted), ``'paper'``
        (``r = freq / max freq``, nothing fitted in ``r``: ``s = 1``) or ``'fitted'``
        (free ``r_i``; the fit starts from the converged ``'freq'`` solution, which avoids the
        poor local optima a cold start of both ``theta`` and ``r`` runs into).
    max_iter : iterations per stage (default 500 for L-BFGS, 3000 for Adam).
    tol : converged when the log-likelihood gains less than ``tol`` (relative) per iteration,
        averaged over 10 iterations (``_optimise``). Late iterations move theta along nearly
        flat directions; the novelty ranking is settled well before (benchmarks/mmsb.md).
    negatives : ``'exact'`` (closed-form Poisson zeros) or ``'sampled'`` (importance-sampled,
        ``n_negatives`` tuples per size per iteration).
    optimizer : ``'lbfgs'`` (default with exact) or ``'adam'`` (default with sampled; ``lr``).
    min_size, max_size : hyperedge sizes used in the fit (rows outside are left out of the
        likelihood; their keywords still count in ``freq``). ``min_size`` is at least 2.
    precondition : optimise ``phi_i / c_i`` with ``c_i = sqrt(mean n / n_i)`` (``n_i`` the
        keyword's document count): equalises the curvature between frequent and rare
        keywords, which L-BFGS needs on Zipfian data.
    lbfgs_history : L-BFGS memory (pairs of vectors). Default 100, fewer when
        ``2 * history * n_keywords * D`` numbers would pass 4 GB (CPU) / 16 GB (CUDA): on
        Zipfian data 100 converges in about half the iterations of 20 (benchmarks/mmsb.md).
    block : rows per block of the elementary-symmetric recursion. chunk : bound on
        ``hyperedges x size x D`` elements gathered at once for the observed term.
    dtype : float64 (default) or float32 (faster on GPUs, less precise).
    threads : CPU threads for torch during the fit (restored after). ``None``: one thread for
        small problems (``n_keywords * D < 2e5``, where thread start-up costs more than it
        saves, badly so on a busy machine), torch's setting otherwise.
    verbose : print the log-likelihood per iteration to stderr (an int: every n-th).
    progress : ``(done, total)`` iterations after each one; ``total`` is ``max_iter`` per
        stage (an upper bound: the fit stops early when it converges).

    Returns
    -------
    MMSBFit with ``theta`` (n_keywords, D), ``r`` (n_keywords,), ``loglik`` history, ``n_iter``.

    Raises
    ------
    ValueError : bad option, or no hyperedge with at least ``min_size`` keywords.
    """
    if salience not in SALIENCE:
        raise ValueError(f"salience must be one of {SALIENCE}, not {salience!r}")
    if negatives not in NEGATIVES:
        raise ValueError(f"negatives must be one of {NEGATIVES}, not {negatives!r}")
    optimizer = optimizer or ("lbfgs" if negatives == "exact" else "adam")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {optimizer!r}")
    if negatives == "sampled" and optimizer == "lbfgs":
        raise ValueError("sampled negatives make the objective stochastic: use optimizer='adam'")
    if n_dims < 1:
        raise ValueError("n_dims must be >= 1")
    min_size = max(2, int(min_size))
    max_iter = int(max_iter if max_iter is not None else (500 if optimizer == "lbfgs" else 3000))
    dev = resolve_device(device)
    t_start = time.perf_counter()

    m = _binary_csr(incidence)
    n_kw = m.shape[1]
    freq = np.bincount(m.indices, minlength=n_kw).astype(np.int64)
    groups = hyperedge_counts(m, min_size=min_size, max_size=max_size)
    if not groups:
        raise ValueError(f"no document has at least {min_size} keywords: nothing to fit")
    known = freq > 0
    kw_index = np.flatnonzero(known)
    remap = np.full(n_kw, -1, dtype=np.int64)
    remap[kw_index] = np.arange(kw_index.size)
    n = kw_index.size
    if threads is None and dev.type == "cpu" and n * n_dims < 200_000:
        threads = 1
    if lbfgs_history is None:
        per_pair = 2.0 * (n * n_dims + n + 1) * torch.finfo(dtype).bits / 8
        lbfgs_history = int(min(100, max(10, _HISTORY_BUDGET.get(dev.type, 4e9) // per_pair)))
    every = int(verbose) if not isinstance(verbose, bool) else (1 if verbose else 0)
    stage = {"name": ""}

    total_iter = max_iter * (2 if salience == "fitted" else 1)

    def report(history: list[float]) -> None:
        it = len(history) - 1
        if progress is not None:
            progress(it, total_iter)
        if every and (it % every == 0 or it == 1):
            print(f"mmsb {stage['name']}iter {it:5d}  loglik {history[-1]:.6f}  "
                  f"change {history[-1] - history[-2]:+.3e}  "
                  f"({time.perf_counter() - t_start:.1f} s)", file=sys.stderr, flush=True)

    with _Deterministic(threads):
        problem = _Problem(groups, remap, n_dims, dev, dtype, chunk, block, negatives,
                           n_negatives, seed)
        gen = torch.Generator().manual_seed(int(seed))
        phi0 = torch.randn(n, n_dims, generator=gen, dtype=torch.float64) * float(init_scale)
        f_k = freq[kw_index].astype(np.float64)
        log_r0 = torch.as_tensor(np.log(f_k / f_k.max()), dtype=dtype, device=dev)
        # diagonal preconditioning: the curvature in keyword i's parameters grows with its
        # count n_i, so they are optimised as psi_i = phi_i / c_i with c_i = sqrt(mean n / n_i)
        c = torch.as_tensor(np.sqrt(f_k.mean() / f_k) if precondition else np.ones(n),
                            dtype=dtype, device=dev)
        psi = (phi0.to(dev, dtype) / c[:, None]).requires_grad_(True)

        def phi() -> torch.Tensor:
            return psi * c[:, None]

        # the scale s of the frequency saliences: its ML value at the initial theta
        with torch.no_grad():
            lu0 = torch.log_softmax(phi(), dim=1) + log_r0[:, None]
            log_z1 = log_normaliser(lu0, problem.sizes, block).double().cpu().numpy()
        if salience == "paper":  # r_i = n_i / max n_j exactly: the scale stays 1
            log_s = torch.tensor(0.0, dtype=dtype, device=dev)
        else:
            log_s = torch.tensor(_scale_init(log_z1, problem.sizes, problem.total_size),
                                 dtype=dtype, device=dev, requires_grad=True)

        def log_u_freq() -> torch.Tensor:
            return torch.log_softmax(phi(), dim=1) + (log_r0 + log_s)[:, None]

        history = [problem.evaluate(log_u_freq(), backward=False)[1]]
        if every:
            print(f"mmsb fit: {n} keywords, {int(problem.n_obs)} hyperedges "
                  f"({problem.n_distinct} distinct), sizes {problem.sizes[0]}.."
                  f"{problem.sizes[-1]}, D={n_dims}, salience={salience}, "
                  f"negatives={negatives}, {optimizer} on {dev}; initial loglik "
                  f"{history[0]:.6f}", file=sys.stderr, flush=True)
        if salience == "fitted":
            stage["name"] = "[freq start] "
        n_iter, converged = _optimise(problem, [psi] if salience == "paper" else [psi, log_s],
                                      log_u_freq, optimizer, max_iter,
                                      tol, lr, history, report, lbfgs_history)
        log_r_final = (log_r0 + log_s).detach()
        r_scale = float(torch.exp(log_s.detach()))
        if salience == "fitted":
            stage["name"] = "[fitted r] "
            delta = torch.zeros(n, dtype=dtype, device=dev, requires_grad=True)
            base = log_r_final.clone()

            def log_r_fitted() -> torch.Tensor:
                return base + delta * c

            def log_u_fitted() -> torch.Tensor:
                return torch.log_softmax(phi(), dim=1) + log_r_fitted()[:, None]

            it2, converged = _optimise(problem, [psi, delta], log_u_fitted, optimizer, max_iter,
                                       tol, lr, history, report, lbfgs_history)
            n_iter += it2
            log_r_final = log_r_fitted().detach()
            r_scale = float("nan")
        with torch.no_grad():
            log_u = torch.log_softmax(phi(), dim=1) + log_r_final[:, None]
            theta_k = torch.softmax(phi(), dim=1).double().cpu().numpy()
            r_k = torch.exp(log_r_final).double().cpu().numpy()
        final_ll = history[-1]
        if negatives == "sampled":  # the exact value at the fitted parameters, when affordable
            affordable = n * max(problem.sizes) ** 2 * n_dims < 5e9
            final_ll = problem.exact_loglik(log_u) if affordable else float("nan")

    theta = np.full((n_kw, n_dims), 1.0 / n_dims)
    theta[kw_index] = theta_k
    r = np.zeros(n_kw)
    r[kw_index] = r_k
    meta = {
        "n_dims": int(n_dims), "salience": salience, "negatives": negatives,
        "optimizer": optimizer, "seed": int(seed), "device": str(dev),
        "dtype": str(dtype).replace("torch.", ""), "tol": tol, "max_iter": max_iter,
        "min_size": min_size, "max_size": max_size, "init_scale": init_scale,
        "precondition": precondition, "lbfgs_history": lbfgs_history,
        "n_keywords": int(n_kw), "n_known": int(n), "n_docs": int(m.shape[0]),
        "n_hyperedges": int(problem.n_obs), "n_distinct": problem.n_distinct,
        "sizes": [int(k) for k in problem.sizes], "r_scale": r_scale, "loglik": final_ll,
        "n_iter": int(n_iter), "n_evals": problem.n_evals, "converged": bool(converged),
        "n_negatives": int(n_negatives) if negatives == "sampled" else None,
        "elapsed_s": round(time.perf_counter() - t_start, 3), "torch": torch.__version__,
    }
    if every:
        print(f"mmsb fit: {'converged' if converged else 'stopped'} after {n_iter} "
              f"iterations, loglik {final_ll:.6f}, {meta['elapsed_s']} s", file=sys.stderr,
              flush=True)
    return MMSBFit(theta=theta, r=r, freq=freq, known=known, loglik=history, n_iter=n_iter,
                   converged=converged, meta=meta)


# ----------------------------------------------------------------------------- export
def to_hypernetx(incidence: Any, keyword_names: Sequence[str], doc_ids: Sequence[Any]) -> Any:
    """The hypergraph as a ``hypernetx.Hypergraph``: one edge per row (named by ``doc_ids``)
    over its keywords (named by ``keyword_names``). Rows without keywords are left out."""
    import hypernetx as hnx
    import pandas as pd

    m = _binary_csr(incidence)
    if m.shape[1] != len(keyword_names) or m.shape[0] != len(doc_ids):
        raise ValueError(f"incidence is {m.shape}, names {len(doc_ids)} docs x "
                         f"{len(keyword_names)} keywords")
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    ids = np.asarray(list(doc_ids), dtype=object)
    names = np.asarray(list(keyword_names), dtype=object)
    pairs = pd.DataFrame({"edge": ids[rows], "node": names[m.indices]})
    return hnx.Hypergraph(pairs, edge_col="edge", node_col="node")
