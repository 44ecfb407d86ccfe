"""Hypergraph mixed-membership model of keyword combinations, and novelty (docs/method.md §4).

After Shi & Evans (2023), *Nature Communications* 14:1641 (code: KnowledgeLab/hyper-novelty).
Keywords are nodes, documents are hyperedges (their keyword sets). Every keyword ``i`` has a
membership vector ``theta_i`` on the simplex over ``D`` latent dimensions and a salience
``r_i > 0``. The propensity of a combination ``h`` is

    lambda_h = sum_d prod_{i in h} theta_{i,d} * prod_{i in h} r_i
             = sum_d prod_{i in h} u_{i,d},          u_{i,d} = theta_{i,d} r_i,

and the number of documents with exactly the keyword set ``h`` is ``X_h ~ Poisson(lambda_h)``.
Novelty of a combination is ``-log(lambda_h)`` (higher = more surprising).

The package, one topic a module:

- ``data`` — incidence matrix → hyperedges and their counts; keyword reuse (single-use share).
- ``propensity`` — ``log_propensity`` and ``novelty = -log lambda_h`` of a fitted model (numpy).
- ``normaliser`` — the Poisson normaliser ``Z_k``: exact (elementary symmetric polynomials)
  or importance-sampled (torch, differentiable).
- ``likelihood`` — the log-likelihood of one fit on a device.
- ``optimise`` — L-BFGS / Adam and the convergence rule.
- ``fitting`` — ``fit`` (salience, initialisation, the stages) and its result ``MMSBFit``.
- ``export`` — ``to_hypernetx``.

The device rule is ``innograph.runtime.resolve_device``; progress is reported through a
``(done, total)`` callback (``innograph.progress``).
"""

from __future__ import annotations

from .data import hyperedge_counts, keyword_reuse
from .export import to_hypernetx
from .fitting import NEGATIVES, OPTIMIZERS, SALIENCE, MMSBFit, fit
from .normaliser import log_elementary_symmetric, log_normaliser, sampled_log_normaliser
from .propensity import log_propensity, novelty

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
    "to_hypernetx",
    "SALIENCE",
    "NEGATIVES",
    "OPTIMIZERS",
]
