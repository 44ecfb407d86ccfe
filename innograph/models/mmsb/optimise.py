"""The optimisers of the hypergraph MMSB fit: L-BFGS or Adam on a ``Problem``, the
convergence rule, and deterministic torch settings for the duration of a fit.

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
import warnings
from typing import Any

import numpy as np
import torch

from .likelihood import Problem

__all__ = ["Deterministic", "optimise"]

_HUGE = 1e30  # loss reported to the line search where the likelihood is not finite


class Deterministic:
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


def _settled(losses: list[float], tol: float, window: int = 10) -> bool:
    """The loss fell by less than ``tol`` (relative) per iteration over the last ``window``."""
    if len(losses) <= window:
        return False
    return (losses[-window - 1] - losses[-1]) / (window * max(abs(losses[-1]), 1e-300)) < tol


def optimise(problem: Problem, params: list[torch.Tensor], log_u_of: Any, optimizer: str,
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
