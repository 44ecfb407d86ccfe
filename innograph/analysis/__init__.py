"""The analyses researchers run on the graph: pure, store-free functions on numbers, frames
and graphs (docs/method.md §7). Nothing here imports the store backends, the models or the
pipeline; ``innograph.pipeline.analyze`` pulls the frames from a store and calls these.

- :mod:`~innograph.analysis.inequality` — range, sample std, coefficient of variation,
  locational Gini across regions per year (cooperation paper §4).
- :mod:`~innograph.analysis.cooperation` — cooperation degree per unit, its ranking, and the
  typed industry–university–research cooperation (cooperation paper Table 1).
- :mod:`~innograph.analysis.networks` — collaboration networks and their measures
  (centralities, Burt's structural holes, Louvain).
- :mod:`~innograph.analysis.countries` — country indicators, co-authorship flows, topic
  shares (IFF report).
- :mod:`~innograph.analysis.cooccurrence` — keyword / IPC co-occurrence networks and clusters.
- :mod:`~innograph.analysis.applicants` — the type of an applicant from its name and the
  cooperation type of a patent (issue 16).
- :mod:`~innograph.analysis.regions` — Chinese provincial-level divisions, US states and
  countries from an address, a region column or an affiliation string.
- :mod:`~innograph.analysis.plots` — the figures of the ``analyze`` commands (matplotlib,
  imported only there).

The numeric functions of the first five modules are re-exported here, so
``from innograph import analysis as an; an.locational_gini(...)`` works.
"""

from .cooccurrence import cooccurrence_clusters, cooccurrence_network, top_terms
from .cooperation import cooperation_degree, cooperation_table, rank_cooperation
from .countries import (coauthorship_flows, country_indicators, country_year_series, minmax,
                        top_journals, topic_shares)
from .inequality import (coefficient_of_variation, locational_gini, regional_differences,
                         sample_std, value_range)
from .networks import collaboration_network, network_metrics, node_table_order, year_windows

__all__ = [
    "cooperation_degree", "value_range", "sample_std", "coefficient_of_variation",
    "locational_gini", "regional_differences", "cooperation_table", "rank_cooperation",
    "year_windows", "collaboration_network", "network_metrics", "node_table_order", "minmax",
    "country_indicators", "coauthorship_flows", "topic_shares", "country_year_series",
    "top_journals", "cooccurrence_network", "cooccurrence_clusters", "top_terms",
]
