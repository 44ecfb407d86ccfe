"""``innograph analyze cooccurrence``: keyword or IPC co-occurrence networks, their Louvain
clusters and top terms, overall and per year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pandas as pd

from ... import analysis as an
from ...analysis import plots
from ...codes import ipc_level
from ...errors import BadInputError
from ...graph.store import Store
from ...years import YearRange
from .frames import AnalysisResult, read_frame, scoped, write_files


def _ipc_level(code: Any, level: str) -> Any:
    """``G06N 3/04`` (any written form, ``innograph.codes``) at ``subclass`` → ``G06N``, at
    ``group`` → ``G06N 3``, ``full`` → ``G06N 3/04``; text that is not an IPC/CPC code is
    returned as given."""
    if not isinstance(code, str):
        return code
    return ipc_level(code, level) or code  # type: ignore[arg-type]


@scoped
def analyze_cooccurrence(store: Store, of: Literal["keyword", "ipc"] = "keyword",
                         years: YearRange | None = None, out: str | Path = ".",
                         documents: Literal["both", "paper", "patent"] = "both",
                         per_year: bool = True, min_count: int = 1,
                         max_terms: int | None = 100, top: int = 10, seed: int = 0,
                         resolution: float = 1.0,
                         ipc_level: Literal["subclass", "group", "full"] = "subclass"
                         ) -> AnalysisResult:
    """Co-occurrence clusters of keywords or IPC codes, overall and per year.

    Terms: ``Keyword`` names of papers and/or patents (``documents``), or the IPC codes of
    patents (and papers, with ``documents='both'``) cut to ``ipc_level``. For the whole
    span and, with ``per_year``, for each year: the co-occurrence network of the
    ``max_terms`` most frequent terms found in at least ``min_count`` documents, its
    Louvain clusters (``seed``, ``resolution``) and the ``top`` terms per cluster.

    Writes ``cooccurrence_<of>.csv`` (period, cluster, rank, term, count),
    ``cooccurrence_<of>_clusters.csv`` (every term's cluster per period),
    ``cooccurrence_<of>_edges.csv`` (whole-span weighted edges) and
    ``cooccurrence_<of>.png`` (the whole-span network coloured by cluster).
    """
    if of == "keyword":
        names = {"paper": ["paper_keywords"], "patent": ["patent_keywords"],
                 "both": ["paper_keywords", "patent_keywords"]}
    elif of == "ipc":
        names = {"paper": ["paper_ipc"], "patent": ["patent_ipc"],
                 "both": ["patent_ipc", "paper_ipc"]}
    else:
        raise BadInputError(f"--of must be 'keyword' or 'ipc', not {of!r}")
    if documents not in names:
        raise BadInputError(f"documents must be one of {sorted(names)}, not {documents!r}")
    f = pd.concat([read_frame(store, n, years) for n in names[documents]], ignore_index=True)
    if of == "ipc":
        f["term"] = [_ipc_level(c, ipc_level) for c in f["term"]]
    f = f.dropna(subset=["term"]).drop_duplicates(["document", "term"])
    periods: list[tuple[str, pd.DataFrame]] = [("all", f)]
    if per_year:
        for y in sorted(f["year"].dropna().unique()):
            periods.append((str(int(y)), f[f["year"] == y]))
    tops, clusters, rows = [], [], []
    whole_G, whole_cl = nx.Graph(), pd.DataFrame()
    for label, fp in periods:
        G = an.cooccurrence_network(fp, min_count=min_count, max_terms=max_terms)
        cl = an.cooccurrence_clusters(G, seed=seed, resolution=resolution)
        tt = an.top_terms(cl, n=top)
        tops.append(tt.assign(period=label))
        clusters.append(cl.assign(period=label))
        comms = [set(g["term"]) for _, g in cl.groupby("cluster")] if len(cl) else []
        rows.append({"period": label, "documents": fp["document"].nunique(),
                     "terms": G.number_of_nodes(), "edges": G.number_of_edges(),
                     "clusters": len(comms),
                     "modularity": (nx.community.modularity(G, comms, weight="weight")
                                    if G.number_of_edges() else float("nan"))})
        if label == "all":
            whole_G, whole_cl = G, cl
    top_df = pd.concat(tops, ignore_index=True)
    top_df = top_df[["period", "cluster", "rank", "term", "count"]]
    cl_df = pd.concat(clusters, ignore_index=True)
    cl_df = cl_df[["period", "term", "cluster", "count", "strength"]]
    edges = pd.DataFrame([(u, v, d["weight"]) for u, v, d in whole_G.edges(data=True)],
                         columns=["source", "target", "weight"]).sort_values(
        ["weight", "source", "target"], ascending=[False, True, True])
    tag = f"cooccurrence_{of}"
    files = write_files(out, [
        (f"{tag}.csv", top_df), (f"{tag}_clusters.csv", cl_df), (f"{tag}_edges.csv", edges),
        (f"{tag}.png", plots.cooccurrence(whole_G, whole_cl, of, seed))])
    summary_df = pd.DataFrame(rows)
    return AnalysisResult({"top_terms": top_df, "clusters": cl_df, "summary": summary_df,
                           "edges": edges}, files, rows[0], main="top_terms")
