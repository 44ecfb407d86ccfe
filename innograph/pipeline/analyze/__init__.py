"""The ``innograph analyze …`` commands: pull frames from a store, analyse, write tables and
figures.

One module per analysis (docs/method.md §7). Each reads what it needs with
:func:`~innograph.pipeline.analyze.frames.read_frame` (the named queries of
:data:`QUERIES`, values as ``$parameters`` only, labels from ``graph.schema``), calls the
pure functions of :mod:`innograph.analysis`, writes CSV tables and one PNG figure per view
into ``out`` (:mod:`innograph.analysis.plots`) and returns an :class:`AnalysisResult` whose
``tables`` the CLI prints. ``years`` is an ``innograph.years.YearRange``: ``(first, last)``
inclusive, either end may be ``None`` (open), or ``None`` for every document.

- :func:`analyze_cooperation` (:mod:`.cooperation`) — documents, co-applied documents and
  cooperation degree per region (or country, province, state) and year; range, std, CV and
  locational Gini across the units per year.
- :func:`analyze_network` (:mod:`.network`) — the collaboration network of applicants /
  institutions / regions / countries per period: density, centralities, Burt's structural
  holes, Louvain.
- :func:`analyze_countries` (:mod:`.countries`) — counts, per million population, mean
  citations and venue impact, composite Z; co-authorship flows; topic shares.
- :func:`analyze_cooccurrence` (:mod:`.cooccurrence`) — keyword or IPC co-occurrence
  clusters and their top terms, overall and per year.
- :mod:`.frames` — what they share: the queries, the year bounds, the ``--ai-only`` scope,
  the result type, the output files.
"""

from .cooccurrence import analyze_cooccurrence
from .cooperation import analyze_cooperation, applicant_table
from .countries import (analyze_countries, parsed_paper_countries, patent_country_tables,
                        split_affiliations, top_institutions)
from .frames import QUERIES, AnalysisResult, load_population, read_frame
from .network import analyze_network

__all__ = ["analyze_cooperation", "analyze_network", "analyze_countries",
           "analyze_cooccurrence", "AnalysisResult", "QUERIES", "load_population",
           "read_frame", "applicant_table", "parsed_paper_countries", "patent_country_tables",
           "split_affiliations", "top_institutions"]
