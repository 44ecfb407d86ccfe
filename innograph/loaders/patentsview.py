"""PatentsView granted-patent bulk tables → patent ``Document`` records.

``read_patentsview(folder)`` reads the tables of the PatentsView bulk download
(https://patentsview.org/download/data-download-tables, 2023+ column names) that are in
``folder``, each as ``<name>.tsv``, ``.tsv.zip``, ``.tsv.gz``, ``.csv``, ``.csv.zip`` or
``.csv.gz`` (first found in that order). Only ``g_patent`` is required.

==============================  =======================================================
table (columns used)            becomes
==============================  =======================================================
g_patent (patent_id,            one Document per row: id = ``patent_id(patent_id)``
patent_type, patent_date,       (``US10000000``, ``USD900000``), ``pn`` = id, ``kind`` =
patent_title[, patent_abstract])  patent_type, ``grant_year`` from patent_date
g_patent_abstract               abstract
(patent_id, patent_abstract)
g_application                   year = filing year, ``year_source='filing_date'``; a
(patent_id, filing_date)        patent without a filing date gets the grant year,
                                ``year_source='grant_date'``. An impossible filing date
                                (or grant date when it is the year) rejects the patent
                                naming that column
g_cpc_current (patent_id,       codes ``(G06N 3/08, 'cpc')`` in cpc_sequence order
cpc_sequence, cpc_group         (``cpc_subgroup`` when a release has it)
[, cpc_subgroup])
g_ipc_at_issue (patent_id,      codes ``(section+ipc_class+subclass main_group/subgroup,
ipc_sequence, section,          'ipc')`` → ``G06N 3/08``; ``ipc_text`` = those codes
ipc_class, subclass,            joined with ``"; "``
main_group, subgroup)
g_inventor_disambiguated        authors: ``Person(name="first last", id=inventor_id,
(patent_id, inventor_sequence,  country)``, in inventor_sequence order
inventor_id, disambig_inventor_
name_first, _last[, location_id])
g_assignee_disambiguated        applicants: ``Org(name=organization or "first last",
(patent_id, assignee_sequence,  id=assignee_id, country, region=state)``
assignee_id, disambig_assignee_
organization, disambig_assignee_
individual_name_first, _last,
location_id)
g_location_disambiguated        location_id → (disambig_country, disambig_state)
(location_id, disambig_country,
disambig_state)
==============================  =======================================================

Memory. ``g_patent`` is streamed; the side tables are read first into dicts keyed by
patent_id (only the columns above). For the full US corpus (~9M patents, ~60M CPC rows)
that is tens of GB: pass ``only=`` a set of patent ids (as PatentsView writes them), or
split the tables (e.g. by grant year) and load the pieces one after another; loading is
idempotent, so the pieces can overlap. Rows of side tables whose patent is not in
``g_patent`` (or not in ``only``) are ignored. Bad rows of any table come out as Rejects
before the documents.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Collection, Iterator

from ..errors import BadInputError
from ..graph import schema
from .google_patents import patent_id
from .mapping import canonical_code, collapse_ws, year_of
from .records import Document, Org, Person, Record, Reject, check_text
from .tabular import Row, TableInfo, read_rows

__all__ = ["read_patentsview", "find_table", "TABLES", "SUFFIXES"]

SUFFIXES = (".tsv", ".tsv.zip", ".tsv.gz", ".csv", ".csv.zip", ".csv.gz")

# table → columns it must have
TABLES: dict[str, tuple[str, ...]] = {
    "g_patent": ("patent_id", "patent_date", "patent_title"),
    "g_patent_abstract": ("patent_id", "patent_abstract"),
    "g_application": ("patent_id", "filing_date"),
    "g_cpc_current": ("patent_id", "cpc_group"),
    "g_ipc_at_issue": ("patent_id", "section", "ipc_class", "subclass", "main_group",
                       "subgroup"),
    "g_inventor_disambiguated": ("patent_id", "disambig_inventor_name_first",
                                 "disambig_inventor_name_last"),
    "g_assignee_disambiguated": ("patent_id", "disambig_assignee_organization"),
    "g_location_disambiguated": ("location_id", "disambig_country"),
}


def find_table(folder: str | Path, name: str) -> Path | None:
    """The file of table ``name`` in ``folder`` (first of ``SUFFIXES``), or ``None``."""
    for suf in SUFFIXES:
        p = Path(folder) / f"{name}{suf}"
        if p.is_file():
            return p
    return None


def _rows(path: Path, table: str, encoding: str) -> Iterator[Row | Reject]:
    need = TABLES[table]

    def check(info: TableInfo) -> None:
        missing = [c for c in need if c not in info.header]
        if missing:
            raise BadInputError(
                f"{table} lacks column(s) {missing}; expected at least {list(need)} "
                f"(PatentsView 2023+ names); found {info.header}",
                file=info.file, line=info.line, field=missing[0])

    return read_rows(path, encoding=encoding, on_header=check)


def _v(values: dict[str, Any], col: str) -> str | None:
    v = values.get(col)
    if v is None:
        return None
    s = str(v).replace("\x00", "").strip()
    return s or None if s.upper() not in {"NULL", "NAN"} else None


def _seq(values: dict[str, Any], col: str) -> float:
    try:
        return float(values.get(col) or 0)
    except ValueError:
        return 0.0


class _Side:
    """The side tables, loaded into dicts keyed by raw patent_id."""

    def __init__(self) -> None:
        self.abstract: dict[str, str] = {}
        self.filing: dict[str, tuple[str, str, int]] = {}  # pid → (date, file, line)
        self.cpc: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.ipc: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.inventors: dict[str, list[tuple[float, str, str | None, str | None]]] = \
            defaultdict(list)
        self.assignees: dict[str, list[tuple[float, str, str | None, str | None]]] = \
            defaultdict(list)
        self.locations: dict[str, tuple[str | None, str | None]] = {}


def _load_side(folder: Path, encoding: str, only: set[str] | None,
               rejects: list[Reject]) -> _Side:
    side = _Side()

    def rows(table: str) -> Iterator[Row]:
        p = find_table(folder, table)
        if p is None:
            return
        for r in _rows(p, table, encoding):
            if isinstance(r, Reject):
                rejects.append(r)
                continue
            pid = _v(r.values, "patent_id")
            if table != "g_location_disambiguated" and (pid is None or (only is not None
                                                                        and pid not in only)):
                continue
            yield r

    for r in rows("g_location_disambiguated"):
        lid = _v(r.values, "location_id")
        if lid:
            side.locations[lid] = (_v(r.values, "disambig_country"),
                                   _v(r.values, "disambig_state"))
    for r in rows("g_patent_abstract"):
        a = _v(r.values, "patent_abstract")
        if a:
            side.abstract[_v(r.values, "patent_id")] = a  # type: ignore[index]
    for r in rows("g_application"):
        d = _v(r.values, "filing_date")
        if d:
            side.filing[_v(r.values, "patent_id")] = (d, r.file, r.line)  # type: ignore[index]
    for r in rows("g_cpc_current"):
        code = canonical_code(_v(r.values, "cpc_subgroup") or _v(r.values, "cpc_group"))
        if code:
            side.cpc[_v(r.values, "patent_id")].append(  # type: ignore[index]
                (_seq(r.values, "cpc_sequence"), code))
    for r in rows("g_ipc_at_issue"):
        v = r.values
        head = "".join(x for x in (_v(v, "section"), _v(v, "ipc_class"), _v(v, "subclass"))
                       if x)
        main, sub = _v(v, "main_group"), _v(v, "subgroup")
        code = canonical_code(f"{head} {main}/{sub}" if head and main and sub else head)
        if code:
            side.ipc[_v(v, "patent_id")].append(  # type: ignore[index]
                (_seq(v, "ipc_sequence"), code))
    for r in rows("g_inventor_disambiguated"):
        v = r.values
        name = collapse_ws(" ".join(x for x in (_v(v, "disambig_inventor_name_first"),
                                                _v(v, "disambig_inventor_name_last")) if x))
        if name:
            side.inventors[_v(v, "patent_id")].append(  # type: ignore[index]
                (_seq(v, "inventor_sequence"), name, _v(v, "inventor_id"),
                 _v(v, "location_id")))
    for r in rows("g_assignee_disambiguated"):
        v = r.values
        name = _v(v, "disambig_assignee_organization") or collapse_ws(" ".join(
            x for x in (_v(v, "disambig_assignee_individual_name_first"),
                        _v(v, "disambig_assignee_individual_name_last")) if x))
        if name:
            side.assignees[_v(v, "patent_id")].append(  # type: ignore[index]
                (_seq(v, "assignee_sequence"), name, _v(v, "assignee_id"),
                 _v(v, "location_id")))
    return side


def _dedupe_codes(items: list[tuple[float, str]], scheme: str) -> list[tuple[str, str]]:
    seen: dict[str, None] = {}
    for _, c in sorted(items, key=lambda x: x[0]):
        seen.setdefault(c, None)
    return [(c, scheme) for c in seen]


def _document(r: Row, side: _Side) -> Document | Reject:
    v, file, line = r.values, r.file, r.line
    raw = _v(v, "patent_id")
    pid = patent_id(raw)
    if not raw or not pid:
        return Reject(file, line, "patent_id", "empty id")
    try:
        grant_year = year_of(_v(v, "patent_date"))
    except ValueError as e:
        return Reject(file, line, "patent_date", str(e), raw)
    year, year_source = grant_year, "grant_date" if grant_year is not None else None
    filing = side.filing.get(raw)
    if filing:
        try:
            fy = year_of(filing[0])
        except ValueError as e:
            return Reject(file, line, "filing_date",
                          f"{e} (g_application {filing[1]}:{filing[2]})", raw)
        if fy is not None:
            year, year_source = fy, "filing_date"
    if year is None:
        return Reject(file, line, "patent_date", "missing year: no filing or grant date", raw)
    try:
        title = collapse_ws(_v(v, "patent_title"))
        abstract = check_text(_v(v, "patent_abstract") or side.abstract.get(raw))
    except ValueError as e:
        return Reject(file, line, "patent_title", str(e), raw)
    ipc = _dedupe_codes(side.ipc.get(raw, []), schema.SCHEME_IPC)
    codes = ipc + _dedupe_codes(side.cpc.get(raw, []), schema.SCHEME_CPC)
    props: dict[str, Any] = {"pn": pid, "kind": _v(v, "patent_type"),
                             "grant_year": grant_year}
    if ipc:
        props["ipc_text"] = "; ".join(c for c, _ in ipc)
    authors = []
    for _, name, iid, loc in sorted(side.inventors.get(raw, []), key=lambda x: x[0]):
        country = side.locations.get(loc, (None, None))[0] if loc else None
        authors.append(Person(name=name, id=iid, country=country))
    applicants = []
    for _, name, aid, loc in sorted(side.assignees.get(raw, []), key=lambda x: x[0]):
        country, state = side.locations.get(loc, (None, None)) if loc else (None, None)
        applicants.append(Org(name=name, id=aid, country=country, region=state))
    return Document(kind="patent", id=pid, title=title, abstract=abstract, year=year,
                    year_source=year_source, props=props, codes=codes, authors=authors,
                    applicants=applicants, source="patentsview", source_id=raw, file=file,
                    line=line)


def read_patentsview(folder: str | Path, *, only: Collection[str] | None = None,
                     encoding: str = "utf-8") -> Iterator[Record]:
    """Stream a folder of PatentsView tables as patent Documents (and Rejects).

    Parameters
    ----------
    folder : the folder holding ``g_patent.tsv[.zip]`` and any of the side tables.
    only : restrict to these PatentsView patent_ids (``'10000000'``, ``'D900000'``).
    encoding : text encoding (UTF-8 by default).

    Raises ``BadInputError`` when the folder or ``g_patent`` is missing, or a table lacks
    the columns it needs (``TABLES``).
    """
    root = Path(folder)
    if not root.is_dir():
        raise BadInputError("not a folder; give the folder of PatentsView tables",
                            file=str(root))
    g_patent = find_table(root, "g_patent")
    if g_patent is None:
        raise BadInputError(
            f"no g_patent table ({', '.join('g_patent' + s for s in SUFFIXES)}); it is the "
            "one table PatentsView loads need", file=str(root))
    return _records(root, g_patent, set(only) if only is not None else None, encoding)


def _records(root: Path, g_patent: Path, only: set[str] | None,
             encoding: str) -> Iterator[Record]:
    rejects: list[Reject] = []
    side = _load_side(root, encoding, only, rejects)
    yield from rejects
    for r in _rows(g_patent, "g_patent", encoding):
        if isinstance(r, Reject):
            yield r
            continue
        if only is not None and _v(r.values, "patent_id") not in only:
            continue
        yield _document(r, side)
