"""The Poisson log-likelihood of one hypergraph MMSB fit on a device (``Problem``): the
observed hyperedges by size, the normaliser (exact or sampled, ``normaliser``), the loss and
its gradient evaluated chunk by chunk so memory stays bounded.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .normaliser import log_normaliser, sampled_log_normaliser

__all__ = ["Problem"]


class Problem:
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
        # q_i = r_i / sum_j r_j with r_i = sum_d u_{i,d}: a softmax of log r
        q = torch.softmax(torch.logsumexp(log_u.detach(), dim=1).double().cpu(), dim=0)
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
