"""Per-distinct maps: the functions that are not vectorisable (identity keys, names, IPC
codes), run once per distinct cell value of a block, their results taken back to the rows.

``patent_keys`` / ``paper_keys`` give the row path's keys (``mapping._assign_key``),
by kernels for the common forms and by ``innograph.identity`` for the rest;
``author_rows`` / ``institution_rows`` / ``venue_rows`` / ``code_rows`` give the entity
tuples ``ingest.add_document`` makes from one cell.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...codes import canonical_ipc
from ...graph import schema
from ...identity import arxiv_id_of, name_key, normalize_name, paper_key, patent_key
from ...loaders import deepinnovation as deep
from ...loaders.mapping import collapse_ws, parse_codes
from .kernels import distinct

__all__ = ["patent_keys", "paper_keys", "author_rows", "institution_rows", "venue_rows",
           "code_rows"]


def patent_keys(pn: pa.ChunkedArray) -> pa.Array:
    """``identity.patent_key`` of each ``PN`` cell (null for an empty one): by kernels for
    the common form (two country letters, not a US series, digits, a kind code:
    ``US10000001B2`` → ``US10000001``), by ``patent_key`` once per distinct other value."""
    pn = pn.combine_chunks() if isinstance(pn, pa.ChunkedArray) else pn
    m = pc.extract_regex(pn, r"^(?P<cc>[A-Z]{2})0*(?P<num>[0-9]+)(?:[A-Z][0-9]?)?$")
    cc, num = pc.struct_field(m, "cc"), pc.struct_field(m, "num")
    simple = pc.and_(pc.is_valid(m), pc.invert(pc.is_in(cc, pa.array(["RE", "PP", "AI"]))))
    simple = pc.fill_null(simple, False)
    keys = pc.if_else(simple, pc.binary_join_element_wise(cc, num, ""),
                      pa.scalar(None, pa.string()))
    return _patch(keys, simple, lambda v: patent_key(v) if v else None, pn)


def _patch(values: pa.Array, done: pa.Array, fn: Callable[[str], Any], src: pa.Array
           ) -> pa.Array:
    """``values`` where ``done``, else ``fn`` of ``src`` (once per distinct value)."""
    ok = done.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~ok)
    if not rest.size:
        return values
    vals, idx = distinct(src.take(pa.array(rest)), fn)
    other = pa.array(vals, pa.string()).take(pa.array(idx))
    pick = np.arange(len(values))
    pick[rest] = len(values) + np.arange(rest.size)
    return pa.concat_arrays([values.cast(pa.string()), other]).take(pa.array(pick))


def author_rows(v: str) -> list[tuple[int, str, str]]:
    """(position, author id, name) as ``ingest._person`` makes them from ``Name``."""
    out = []
    for pos, n in enumerate(deep._names(v), 1):
        name = normalize_name(n)
        pid = name_key(name)
        if pid:
            out.append((pos, pid, name))
    return out


def institution_rows(v: str) -> list[tuple[str, str]]:
    out = []
    for n in deep._names(v):
        name = normalize_name(n)
        iid = name_key(name)
        if iid:
            out.append((iid, name))
    return out


def venue_rows(v: str) -> list[tuple[str]]:
    name = normalize_name(collapse_ws(v or None))
    return [(name,)] if name else []


def code_rows(v: str) -> list[tuple[str, str | None]]:
    """(code as parsed, canonical code or None) as the row path's ``parse_codes`` +
    ``ingest.clean_code`` give them."""
    return [(c, canonical_ipc(c)) for c, _ in parse_codes(v or None, schema.SCHEME_IPC)]


def paper_keys(doi: pa.Array, given: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``mapping._assign_key`` for papers: DOI, else arXiv id, else DeepDiveAI:<ID>.
    Kernels for a numeric ID with no DOI (``DeepDiveAI:<ID>``) or with a plain ASCII
    DOI (``10.<digits>/<no space>``, not an arXiv DOI: its lower case); the identity
    functions for the other rows."""
    doi = doi.combine_chunks() if isinstance(doi, pa.ChunkedArray) else doi
    given = given.combine_chunks() if isinstance(given, pa.ChunkedArray) else given
    digits = pc.match_substring_regex(given, r"^[0-9]+$")
    prefixed = pc.binary_join_element_wise(deep.DIVE_SOURCE + ":", given, "")
    lower = pc.ascii_lower(doi)
    plain_doi = pc.and_(pc.and_(pc.string_is_ascii(doi), pc.match_substring_regex(
        doi, r"^10\.[0-9]+(\.[0-9]+)*/[^ ]+$")), pc.invert(pc.starts_with(
            lower, "10.48550/arxiv.")))
    no_doi = pc.is_null(doi)
    done = pc.fill_null(pc.and_(digits, pc.or_(no_doi, plain_doi)), False)
    keys = pc.if_else(no_doi, prefixed, lower)
    rest = np.flatnonzero(~done.to_numpy(zero_copy_only=False))
    arx = pa.nulls(len(keys), pa.string())
    if rest.size:
        d, g = doi.take(pa.array(rest)).to_pylist(), given.take(pa.array(rest)).to_pylist()
        prefix = deep.DIVE_SOURCE + ":"
        k2, a2 = [], []
        for di, gi in zip(d, g):
            a = arxiv_id_of(di, gi)
            a2.append(a)
            k2.append(paper_key(di, a, gi, prefix) or gi)
        pick = np.arange(len(keys))
        pick[rest] = len(keys) + np.arange(rest.size)
        keys = pa.concat_arrays([keys, pa.array(k2, pa.string())]).take(pa.array(pick))
        arx = pa.concat_arrays([arx, pa.array(a2, pa.string())]).take(pa.array(pick))
    return keys, arx
