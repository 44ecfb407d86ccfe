"""Fitting the hypergraph MMSB by maximum likelihood (``fit``) and its result (``MMSBFit``).

The model, its likelihood and its normaliser: the package doc (``innograph.models.mmsb``)
and ``normaliser``; the optimisers: ``optimise``.

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
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from scipy.optimize import brentq
from scipy.special import logsumexp

from ...progress import Progress
from ...runtime import resolve_device
from .data import binary_csr, hyperedge_counts
from .likelihood import Problem
from .normaliser import log_normaliser
from .optimise import Deterministic, optimise
from .propensity import novelty

__all__ = ["SALIENCE", "NEGATIVES", "OPTIMIZERS", "MMSBFit", "fit"]

SALIENCE = ("freq", "paper", "fitted")
NEGATIVES = ("exact", "sampled")
OPTIMIZERS = ("lbfgs", "adam")
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


def _scale_init(log_z1: np.ndarray, sizes: list[int], total_size: float) -> float:
    """The ``log s`` maximising ``sum_h X_h |h| log s - sum_k s^k Z_k(1)`` (concave).

    Stationary point: ``sum_k k exp(k t + log Z_k(1)) = sum_h X_h |h|``, solved in log form
    (``logsumexp_k(log k + k t + log Z_k(1)) = log sum_h X_h |h|``, increasing in ``t``) by
    ``scipy.optimize.brentq`` on a bracket grown from ``[-50, 50]``.
    """
    ks = np.asarray(sizes, dtype=np.float64)
    target = math.log(total_size)

    def excess(t: float) -> float:
        return float(logsumexp(np.log(ks) + ks * t + log_z1)) - target

    lo, hi = -50.0, 50.0
    while excess(lo) > 0:
        lo *= 2
    while excess(hi) < 0:
        hi *= 2
    return float(brentq(excess, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                        maxiter=500))


def fit(incidence: Any, n_dims: int, seed: int = 0, device: str | torch.device | None = None,
        salience: str = "freq", max_iter: int | None = None, tol: float = 1e-6,
        negatives: str = "exact", optimizer: str | None = None, n_negatives: int = 20_000,
        lr: float = 0.05, min_size: int = 2, max_size: int | None = None,
        init_scale: float = 1.0, precondition: bool = True, lbfgs_history: int | None = None,
        block: int = 32, chunk: int = 50_000_000,
        dtype: torch.dtype = torch.float64, threads: int | None = None,
        verbose: bool | int = True,
        progress: Progress | None = None) -> MMSBFit:
    """Fit the hypergraph MMSB by maximum likelihood (module doc for the model).

    Parameters
    ----------
    incidence : (n_docs, n_keywords) scipy sparse (or dense) matrix; rows are documents
        (hyperedges), a non-zero means the document has the keyword.
    n_dims : ``D``, latent dimensions (Shi & Evans use 20).
    seed : seeds the initial logits ``phi ~ N(0, init_scale^2)`` and the negative samples.
    device : ``'cpu'``, ``'cuda'``, ``None`` / ``'auto'`` (CUDA when available, else the
        CPU); ``innograph.runtime.resolve_device``: ``'cuda'`` without CUDA is an error.
    salience : ``'freq'`` (``r = s * freq / max freq``, only ``s`` fitted), ``'paper'``
        (``r = freq / max freq``, nothing fitted in ``r``: ``s = 1``) or ``'fitted'``
        (free ``r_i``; the fit starts from the converged ``'freq'`` solution, which avoids the
        poor local optima a cold start of both ``theta`` and ``r`` runs into).
    max_iter : iterations per stage (default 500 for L-BFGS, 3000 for Adam).
    tol : converged when the log-likelihood gains less than ``tol`` (relative) per iteration,
        averaged over 10 iterations (``optimise``). Late iterations move theta along nearly
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
    DeviceUnavailableError : ``device`` names CUDA on a machine without it.
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

    m = binary_csr(incidence)
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

    with Deterministic(threads):
        problem = Problem(groups, remap, n_dims, dev, dtype, chunk, block, negatives,
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
        n_iter, converged = optimise(problem, [psi] if salience == "paper" else [psi, log_s],
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

            it2, converged = optimise(problem, [psi, delta], log_u_fitted, optimizer, max_iter,
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
