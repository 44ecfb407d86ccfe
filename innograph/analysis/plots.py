"""The plots of the ``innograph analyze`` commands: one function per figure, tables in, a
matplotlib ``Figure`` out (Agg canvas, no pyplot state), written by :func:`save`.

- :func:`cooperation` / :func:`cooperation_typed` — degree (or IUR type) bars per unit beside
  :func:`differences` (range and sample std; CV and locational Gini per year);
- :func:`network` — a collaboration network drawn with :func:`draw_graph` (strongest nodes,
  coloured by community), with density and size per period when there are windows;
- :func:`countries`, :func:`country_years`, :func:`flow_diagram` — country bars,
  country–year lines and the co-authorship flow diagram of the IFF report;
- :func:`cooccurrence` — the co-occurrence network coloured by cluster.

Nothing here reads a store or computes a measure: the tables come from
``innograph.pipeline.analyze`` and the pure functions of :mod:`innograph.analysis`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .applicants import COOPERATION_TYPES

__all__ = ["cooperation", "degree_bars", "differences", "cooperation_typed", "draw_graph",
           "short", "network", "country_years", "countries", "flow_diagram", "cooccurrence",
           "save"]


def cooperation(ranking: pd.DataFrame, diffs: pd.DataFrame, by: str,
                measure: str) -> Figure:
    """Cooperation degree (%) per unit, the 40 highest (``ranking``: ``unit, degree`` of
    :func:`~innograph.analysis.cooperation.rank_cooperation`), beside :func:`differences` of
    ``measure`` across the units (``diffs``:
    :func:`~innograph.analysis.inequality.regional_differences`)."""
    fig = Figure(figsize=(13, 4.2))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    r = ranking.dropna(subset=["degree"]).head(40)[::-1]
    degree_bars(ax1, r["unit"].astype(str), r["degree"], by)
    ax1.tick_params(axis="y", labelsize=7)
    differences(ax2, ax3, diffs, f"{by}s", f"{measure} per {by} and year")
    fig.tight_layout()
    return fig


def degree_bars(ax: Any, units: pd.Series, degree: pd.Series, by: str) -> None:
    """Horizontal bars of the cooperation degree in % (``degree`` in [0, 1]) per unit, the
    first unit at the bottom."""
    ax.barh(units, 100 * degree, color="#4C72B0")
    ax.set_xlabel("cooperation degree (%)")
    ax.set_title(f"Cooperation degree by {by}")


def differences(ax2: Any, ax3: Any, diffs: pd.DataFrame, across: str, what: str) -> None:
    """Range and sample std (absolute), CV and locational Gini (relative) per year."""
    if len(diffs):
        ax2.plot(diffs["year"], diffs["range"], "o-", label="range")
        ax2.plot(diffs["year"], diffs["std"], "s-", label="sample std")
        ax2.legend()
        ax3.plot(diffs["year"], diffs["cv"], "o-", label="coefficient of variation")
        ax3.plot(diffs["year"], diffs["gini"], "s-", label="locational Gini")
        ax3.legend()
    for ax, title in ((ax2, "Absolute difference"), (ax3, "Relative difference")):
        ax.set_title(f"{title} across {across}\n({what})", fontsize=10)
        ax.set_xlabel("year")
        ax.xaxis.get_major_locator().set_params(integer=True)


def cooperation_typed(ranking: pd.DataFrame, diffs: pd.DataFrame, by: str,
                      measure: str, types: bool) -> Figure:
    """The fixed units' table (``ranking``: ``unit, documents, degree`` and, with ``types``,
    the IUR type columns): stacked IUR type bars (``types``) or degree bars for the 40 units
    with most documents, beside :func:`differences` across all of them."""
    fig = Figure(figsize=(13, 6))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    r = ranking.sort_values("documents", ascending=False).head(40)[::-1]
    lab = r["unit"].astype(str)
    if types:
        left = np.zeros(len(r))
        for t, col in zip(COOPERATION_TYPES, ("#4C72B0", "#55A868", "#C44E52", "#8172B2")):
            v = r[t].to_numpy(dtype=float)
            ax1.barh(lab, v, left=left, color=col, label=t)
            left += v
        ax1.legend(fontsize=8)
        ax1.set_xlabel("IUR cooperative documents")
        ax1.set_title(f"IUR cooperation by type and {by}")
    else:
        degree_bars(ax1, lab, r["degree"].fillna(0), by)
    ax1.tick_params(axis="y", labelsize=7)
    differences(ax2, ax3, diffs, f"{len(ranking)} {by}s", f"{measure} per year")
    fig.tight_layout()
    return fig


def draw_graph(ax: Any, G: nx.Graph, member: dict[Any, int], size_attr: str,
               labels: dict[Any, str], seed: int) -> None:
    """Draw ``G`` on ``ax``: spring layout (``seed``), node size ∝ node attribute
    ``size_attr``, colour by ``member`` (node → community), edge width ∝ ``weight``;
    isolated nodes are left out when there are edges."""
    if G.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no nodes", ha="center", va="center")
        ax.set_axis_off()
        return
    if G.number_of_edges():  # isolated nodes would squeeze the layout: leave them out
        G = G.subgraph([u for u in G if G.degree(u) > 0])
        labels = {u: t for u, t in labels.items() if u in G}  # and their labels with them
    pos = nx.spring_layout(G, seed=seed, weight="weight", k=2.0 / np.sqrt(G.number_of_nodes()))
    sizes = np.array([float(G.nodes[u].get(size_attr, 1) or 1) for u in G])
    sizes = 60 + 540 * sizes / sizes.max()
    ws = np.array([float(d.get("weight", 1)) for _, _, d in G.edges(data=True)] or [1.0])
    cmap = matplotlib.colormaps["tab20"]
    colors = [cmap(member.get(u, 0) % 20) for u in G]
    nx.draw_networkx_edges(G, pos, ax=ax, width=0.5 + 3.5 * ws / ws.max(), alpha=0.35)
    nx.draw_networkx_nodes(G, pos, ax=ax, node_size=sizes, node_color=colors,
                           linewidths=0.5, edgecolors="white")
    nx.draw_networkx_labels(G, pos, labels=labels, ax=ax, font_size=7)
    ax.set_axis_off()


def short(s: Any, n: int = 22) -> str:
    """``s`` as text of at most ``n`` characters (an ellipsis marks a cut)."""
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def network(G: nx.Graph, nd: pd.DataFrame, summary: pd.DataFrame, nodes: str,
            max_draw: int, seed: int) -> Figure:
    """The last period's network ``G``: its ``max_draw`` strongest nodes (``nd``: the node
    table of :func:`~innograph.analysis.networks.network_metrics`, by strength) coloured by
    community; with several periods (``summary``: ``period, density, nodes``), density and
    size per period beside it."""
    windows = len(summary) > 1
    fig = Figure(figsize=(14 if windows else 9, 7.5))
    ax = fig.add_subplot(1, 2 if windows else 1, 1)
    keep = list(nd["node"].head(max_draw)) if len(nd) else []
    H = G.subgraph(keep)
    member = dict(zip(nd["node"], nd["community"])) if len(nd) else {}
    name = nx.get_node_attributes(G, "name")
    labels = {u: short(name.get(u, u)) for u in H}
    draw_graph(ax, H, member, "documents", labels, seed)
    period = summary["period"].iloc[-1] if len(summary) else ""
    n = G.number_of_nodes()
    shown = f" (strongest {len(keep)} of {n})" if n > len(keep) else ""
    ax.set_title(f"{nodes} collaboration network, {period}{shown}")
    if windows:
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(summary["period"], summary["density"], "o-", color="#C44E52", label="density")
        ax2.set_ylabel("density")
        ax2.set_xlabel("period")
        ax3 = ax2.twinx()
        ax3.bar(summary["period"], summary["nodes"], alpha=0.25, label="nodes")
        ax3.set_ylabel("nodes")
        ax2.set_title("density and size per period")
        ax2.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def country_years(series: pd.DataFrame, top: int = 10) -> Figure:
    """Papers and patents per year (``series``: ``kind, country, year, documents``) of the
    ``top`` countries of each kind, one line each (IFF report Fig. 2-1)."""
    fig = Figure(figsize=(13, 4.8))
    axes = fig.subplots(1, 2)
    for ax, kind in zip(axes, ("paper", "patent")):
        s = series[series["kind"] == kind]
        ax.set_title(f"{kind}s per year, top {top} countries")
        ax.set_xlabel("year")
        ax.set_ylabel(f"{kind}s")
        if s.empty:
            ax.text(0.5, 0.5, f"no {kind}s with a country", ha="center", va="center",
                    transform=ax.transAxes)
            continue
        tot = s.groupby("country")["documents"].sum()
        keep = sorted(tot.index, key=lambda c: (-tot[c], str(c)))[:top]
        for c in keep:
            x = s[s["country"] == c].sort_values("year")
            ax.plot(x["year"], x["documents"], "o-", label=str(c), markersize=3)
        ax.legend(fontsize=7, ncol=2)
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return fig


def countries(ind: pd.DataFrame) -> Figure:
    """Bars of papers, papers per million population and composite Z for the first 30
    countries of ``ind`` (:func:`~innograph.analysis.countries.country_indicators`)."""
    fig = Figure(figsize=(14, 5))
    axes = fig.subplots(1, 3)
    d = ind.head(30)
    lab = d["country"].astype(str)
    for ax, col, title in ((axes[0], "documents", "papers"),
                           (axes[1], "per_million", "papers per million population"),
                           (axes[2], "z", "composite impact Z")):
        v = pd.to_numeric(d[col], errors="coerce")
        ax.barh(lab[::-1], v[::-1].fillna(0), color="#55A868")
        ax.set_title(title)
        if v.isna().all():
            ax.text(0.5, 0.5, "no data" + (" (needs citations and venue impact)"
                                           if col == "z" else " (no population)"),
                    ha="center", va="center", transform=ax.transAxes, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def flow_diagram(flows: pd.DataFrame, max_sources: int = 6, max_targets: int = 12) -> Figure:
    """A two-column flow (Sankey-style) diagram of ``flows`` (``source, target, documents``
    of :func:`~innograph.analysis.countries.coauthorship_flows`): the ``max_sources``
    first-author countries on the left, the ``max_targets`` co-author countries (the rest as
    "other") on the right, band widths ∝ papers."""
    fig = Figure(figsize=(9, 7))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    if flows.empty:
        ax.text(0.5, 0.5, "no co-authorship flows (no first author known, or none abroad)",
                ha="center", va="center")
        return fig
    srcs = list(dict.fromkeys(flows["source"]))[:max_sources]
    f = flows[flows["source"].isin(srcs)].copy()
    tot_t = f.groupby("target")["documents"].sum().sort_values(ascending=False)
    tops = list(tot_t.index[:max_targets])
    f["target"] = f["target"].where(f["target"].isin(tops), "other")
    f = f.groupby(["source", "target"], sort=False)["documents"].sum().reset_index()
    tgts = tops + (["other"] if "other" in set(f["target"]) else [])
    total = float(f["documents"].sum())
    gap = 0.02 * total

    def blocks(keys: list[Any], sizes: pd.Series) -> dict[Any, float]:
        y, out = 0.0, {}
        for k in keys:
            out[k] = y
            y += float(sizes.get(k, 0)) + gap
        return out

    s_size = f.groupby("source")["documents"].sum()
    t_size = f.groupby("target")["documents"].sum()
    s_y, t_y = blocks(srcs, s_size), blocks(tgts, t_size)
    s_off, t_off = dict(s_y), dict(t_y)
    cmap = matplotlib.colormaps["tab10"]
    x = np.linspace(0, 1, 60)
    smooth = 3 * x**2 - 2 * x**3
    for i, s in enumerate(srcs):
        for t in tgts:
            w = f[(f["source"] == s) & (f["target"] == t)]["documents"].sum()
            if not w:
                continue
            yl, yr = s_off[s], t_off[t]
            s_off[s] += w
            t_off[t] += w
            lo = yl + (yr - yl) * smooth
            ax.fill_between(0.1 + 0.8 * x, lo, lo + w, color=cmap(i % 10), alpha=0.45, lw=0)
    for k, y in s_y.items():
        ax.fill_between([0.07, 0.1], y, y + s_size.get(k, 0), color="0.3")
        ax.text(0.06, y + s_size.get(k, 0) / 2, f"{k} ({int(s_size.get(k, 0))})",
                ha="right", va="center", fontsize=9)
    for k, y in t_y.items():
        ax.fill_between([0.9, 0.93], y, y + t_size.get(k, 0), color="0.3")
        ax.text(0.94, y + t_size.get(k, 0) / 2, f"{k} ({int(t_size.get(k, 0))})",
                ha="left", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(-0.15, 1.15)
    ax.set_title("Co-authorship flows: first-author country → co-author countries (papers)")
    return fig


def cooccurrence(G: nx.Graph, clusters: pd.DataFrame, of: str, seed: int,
                 max_draw: int = 80) -> Figure:
    """The whole-span co-occurrence network: its ``max_draw`` most frequent terms, coloured
    by cluster (``clusters``: ``term, cluster`` of
    :func:`~innograph.analysis.cooccurrence.cooccurrence_clusters`)."""
    member = dict(zip(clusters["term"], clusters["cluster"])) if len(clusters) else {}
    fig = Figure(figsize=(10, 8))
    ax = fig.add_subplot(1, 1, 1)
    keep = [t for t in clusters["term"]] if len(clusters) else []
    H = G.subgraph(sorted(keep, key=lambda t: -G.nodes[t]["count"])[:max_draw])
    draw_graph(ax, H, member, "count", {t: short(t) for t in H}, seed)
    ax.set_title(f"{of} co-occurrence clusters ({H.number_of_nodes()} most frequent terms)")
    return fig


def save(fig: Figure, path: Path, files: list[str]) -> None:
    """Write ``fig`` as a PNG (120 dpi, tight) to ``path`` and record the path in ``files``."""
    fig.savefig(path, dpi=120, bbox_inches="tight")
    files.append(str(path))
