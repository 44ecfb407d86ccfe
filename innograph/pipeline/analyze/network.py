"""``innograph analyze network``: the collaboration network of applicants, institutions,
regions or countries, for the whole span or per window of years, and its measures
(density, centralities, Burt's structural holes, Louvain communities).

On Neo4j the applicant and institution networks' graph algorithms run in the database
through Graph Data Science (:mod:`innograph.graph.gds`: ``gds.graph.project`` of the
co-application projection, then ``gds.degree``, ``gds.betweenness``, ``gds.closeness``,
``gds.louvain`` / ``gds.leiden``, ``gds.wcc``); Burt's measures (GDS has none) and the region
/ country networks stay in networkx, as does everything on the embedded store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import networkx as nx
import pandas as pd

from ... import analysis as an
from ...analysis import plots
from ...errors import BadInputError, InnographError
from ...graph import gds
from ...graph.store import Store
from ...years import YearRange
from .frames import (AnalysisResult, actor_frame, ai_only_now, close_years, period_label,
                     scoped, unit_frame, write_files)


_NODE_KINDS = ("applicant", "institution", "country", "region")


@scoped
def analyze_network(store: Store,
                    nodes: Literal["applicant", "institution", "country", "region"] = "applicant",
                    years: YearRange | None = None, window: int | None = None,
                    out: str | Path = ".", documents: Literal["patent", "paper"] | None = None,
                    seed: int = 0, resolution: float = 1.0,
                    distance: Literal["hops", "inverse_weight"] = "hops",
                    max_draw: int = 60, betweenness_k: int | None = None) -> AnalysisResult:
    """The collaboration network and its measures, for the whole span or per window.

    Nodes: applicants (patents), institutions (papers), or the regions / countries of
    either (``documents``; default patents, papers for institutions). Edge weight: shared
    documents. ``window`` splits the years (``years`` or the data's span; an open end of
    ``years`` is closed by the data's first / last year) into consecutive windows of that
    many years (:func:`~innograph.analysis.networks.year_windows`); documents without a year
    are only in the whole-span network.

    Writes ``network_<nodes>.csv`` (one row per period: nodes, edges, density,
    components, communities, modularity), ``network_<nodes>_nodes.csv`` (per period and
    node: degree, strength, centralities, effective size, constraint, community) and
    ``network_<nodes>.png`` (the last period's network, its ``max_draw`` strongest nodes,
    coloured by community; with windows, density and size per period beside it).
    ``betweenness_k`` samples betweenness sources for large networks (see
    :func:`~innograph.analysis.networks.network_metrics`).
    """
    if nodes not in _NODE_KINDS:
        raise BadInputError(f"--nodes must be one of {', '.join(_NODE_KINDS)}, not {nodes!r}")
    docs = documents or ("paper" if nodes == "institution" else "patent")
    if (nodes, docs) in (("applicant", "paper"), ("institution", "patent")):
        raise BadInputError(
            f"{nodes} nodes come from {'patents' if docs == 'paper' else 'papers'}")
    if nodes in ("applicant", "institution"):
        f = actor_frame(store, docs, years)
        names = dict(f.dropna(subset=["name"]).drop_duplicates("actor")[["actor", "name"]]
                     .itertuples(index=False, name=None))
    else:
        f = unit_frame(store, nodes, docs, years).drop(columns="actor").rename(
            columns={"unit": "actor"})
        names = None
    span = close_years(years, f["year"])  # an open end: the data's first / last year
    if window is None:
        periods: list[tuple[int | None, int | None]] = [span] if span else [(None, None)]
    else:
        ys = f["year"].dropna()
        if span is None and ys.empty:
            raise InnographError("no document has a year: --window needs years")
        lo, hi = span if span else (int(ys.min()), int(ys.max()))
        periods = list(an.year_windows(lo, hi, window))
    summaries, node_tables, last_G = [], [], nx.Graph()
    for a, b in periods:
        fp = f if a is None else f[(f["year"] >= a) & (f["year"] <= b)]
        G = an.collaboration_network(fp, names=names)
        if (store.kind == "neo4j" and nodes in ("applicant", "institution") and gds.enabled()
                and not ai_only_now()):
            s, nd = gds.network_metrics(store, G, nodes, (a, b), seed=seed, distance=distance,
                                        resolution=resolution, betweenness_k=betweenness_k)
        else:
            s, nd = an.network_metrics(G, seed=seed, resolution=resolution, distance=distance,
                                       betweenness_k=betweenness_k)
        label = period_label(a, b)
        summaries.append({"period": label, "documents": fp["document"].nunique(), **s})
        node_tables.append(nd.assign(period=label))
        last_G = G
    summary_df = pd.DataFrame(summaries)
    nodes_df = pd.concat(node_tables, ignore_index=True) if node_tables else pd.DataFrame()
    if len(nodes_df):
        nodes_df = nodes_df[["period"] + [c for c in nodes_df.columns if c != "period"]]
    tag = f"network_{nodes}"
    last_nodes = node_tables[-1] if node_tables else pd.DataFrame()
    files = write_files(out, [
        (f"{tag}.csv", summary_df), (f"{tag}_nodes.csv", nodes_df),
        (f"{tag}.png", plots.network(last_G, last_nodes, summary_df, nodes, max_draw, seed))])
    return AnalysisResult({"summary": summary_df, "nodes": nodes_df}, files,
                          summaries[-1] if summaries else {}, main="summary")
