"""The hypergraph of an incidence matrix in other libraries' types (``hypernetx``)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .data import binary_csr

__all__ = ["to_hypernetx"]


def to_hypernetx(incidence: Any, keyword_names: Sequence[str], doc_ids: Sequence[Any]) -> Any:
    """The hypergraph as a ``hypernetx.Hypergraph``: one edge per row (named by ``doc_ids``)
    over its keywords (named by ``keyword_names``). Rows without keywords are left out."""
    import hypernetx as hnx
    import pandas as pd

    m = binary_csr(incidence)
    if m.shape[1] != len(keyword_names) or m.shape[0] != len(doc_ids):
        raise ValueError(f"incidence is {m.shape}, names {len(doc_ids)} docs x "
                         f"{len(keyword_names)} keywords")
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    ids = np.asarray(list(doc_ids), dtype=object)
    names = np.asarray(list(keyword_names), dtype=object)
    pairs = pd.DataFrame({"edge": ids[rows], "node": names[m.indices]})
    return hnx.Hypergraph(pairs, edge_col="edge", node_col="node")
