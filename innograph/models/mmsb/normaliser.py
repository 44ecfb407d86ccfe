"""The Poisson normaliser of the hypergraph MMSB: ``Z_k = sum_{|h|=k} lambda_h``, exact or
importance-sampled (torch, differentiable).

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
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch

__all__ = ["log_elementary_symmetric", "log_normaliser", "sampled_log_normaliser"]


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
