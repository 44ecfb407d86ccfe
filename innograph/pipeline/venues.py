"""``innograph load venues FILE``: venue impact factors onto the store's Venue nodes.

Rows of the file (:func:`innograph.loaders.venues.read_venues`) are matched to existing
Venue nodes **by ISSN** first (a venue whose ``issn`` property holds one of the row's
ISSNs), then **by name** (:func:`~innograph.loaders.venues.venue_key`: case, punctuation,
``&``/``and`` and a leading "the" ignored). A matched venue gets ``impact`` (the row's
number), ``issn`` (the row's first ISSN, when it has one) and ``impact_source`` (the file
name); rerunning with the same file changes nothing. Rows that match no venue are counted
and listed (they are not created: a venue exists because papers were published in it).
Two rows matching one venue: the later row wins, and the clash is reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from ..graph import queries
from ..graph import schema as S
from ..graph.store import Store
from ..loaders.records import RejectLog
from ..loaders.venues import read_venues, venue_key

__all__ = ["load_venues"]


def load_venues(store: Store, path: str | Path, rejects: RejectLog | None = None
                ) -> dict[str, Any]:
    """Match the venue file at ``path`` to the store's venues and write their impact.

    Returns a summary: ``rows`` (good rows), ``rejected``, ``matched_by_issn``,
    ``matched_by_name``, ``unmatched`` (count) and ``unmatched_names`` (first 20),
    ``clashes`` (venues matched by more than one row), ``venues_updated``.
    """
    good, bad = read_venues(path)
    if rejects is not None:
        for r in bad:
            rejects.add(r)
    venues = store.read_table(*queries.venues()).to_pylist()
    by_issn = {v["issn"]: v["name"] for v in venues if v.get("issn")}
    by_key: dict[str, str] = {}
    for v in venues:
        by_key.setdefault(venue_key(v["name"]), v["name"])
    chosen: dict[str, tuple[float, str | None]] = {}
    n_issn = n_name = 0
    unmatched: list[str] = []
    clashes: set[str] = set()
    for r in good:
        hit = next((by_issn[i] for i in r.issns if i in by_issn), None)
        if hit is not None:
            n_issn += 1
        elif r.name and venue_key(r.name) in by_key:
            hit = by_key[venue_key(r.name)]
            n_name += 1
        if hit is None:
            unmatched.append(r.name or ";".join(r.issns))
            continue
        if hit in chosen:
            clashes.add(hit)
        chosen[hit] = (r.impact, r.issns[0] if r.issns else None)
    if chosen:
        names = sorted(chosen)
        old_issn = {v["name"]: v.get("issn") for v in venues}
        store.set_properties(S.VENUE, pa.table({
            "name": names,
            "impact": pa.array([chosen[n][0] for n in names], pa.float64()),
            "issn": [chosen[n][1] or old_issn.get(n) for n in names],
            "impact_source": [Path(path).name] * len(names),
        }))
    return {"rows": len(good), "rejected": len(bad), "matched_by_issn": n_issn,
            "matched_by_name": n_name, "unmatched": len(unmatched),
            "unmatched_names": unmatched[:20], "clashes": sorted(clashes),
            "venues_updated": len(chosen)}
