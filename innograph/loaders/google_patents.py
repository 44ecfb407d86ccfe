"""Google Patents exports → patent ``Document`` records.

``read_google_patents(path)`` accepts the two forms seen in practice (CSV, plain or
.gz/.zip), chosen from the header:

``query``
    BigQuery / scraped query results with ``patent_abstract, patent_date, patent_number,
    patent_title`` (../shared/data/patents/*.csv). ``patent_date`` is the grant date.
    Optional ``filing_date`` / ``application_date`` columns give the filing year.
``download``
    The "Download CSV" of patents.google.com: a first line ``search URL:,https://…``
    then the header ``id, title, assignee, inventor/author, priority date,
    filing/creation date, publication date, grant date, result link, representative
    figure link``.

Fields
------
id, ``pn``
    ``patent_id(number)``: country + number without leading zeros and without kind code:
    ``5269177`` (query form: the country is ``country=``, default ``US``) →
    ``US5269177``; ``US-10912345-B2`` → ``US10912345``; ``USD0913312`` → ``USD913312``.
    ``pn`` is the number as the file gives it (``US-10912345-B2``; the id for the query
    form); ``kind`` the kind code when given (``B2``).
year, year_source
    The filing (application) year when the file has a filing date (``filing_date``);
    else the grant year (``grant_date``); download form: else the publication year
    (``publication_date``). A date present but impossible rejects the row naming its
    column; no date at all in a file that has date columns rejects with the first date
    column's name. ``grant_year`` holds the grant year.
title, abstract
    The query files quote some values twice (``"Apparatus … (""sweet spot"") …"``
    inside the CSV quoting): one level of such quoting is removed (``unquote``).
applicants, authors
    download form: ``assignee`` → Orgs, ``inventor/author`` → Persons, both split on
    ``,`` with legal suffixes (``Co., Ltd.``) kept together.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..errors import BadInputError
from ..identity import patent_key
from .mapping import (ColumnMapping, FieldError, collapse_ws, read_mapped, split_names,
                      year_in)
from .records import Org, Person, Record
from .tabular import TableInfo

__all__ = ["read_google_patents", "patent_id", "unquote", "QUERY_COLUMNS",
           "DOWNLOAD_COLUMNS"]

QUERY_COLUMNS = ["patent_abstract", "patent_date", "patent_number", "patent_title"]
DOWNLOAD_COLUMNS = ["id", "title", "assignee", "inventor/author", "priority date",
                    "filing/creation date", "publication date", "grant date", "result link",
                    "representative figure link"]

def patent_id(number: Any, country: str = "US") -> str | None:
    """The patent key (``innograph.identity.patent_key``): country + series letters +
    digits without leading zeros, no kind code: ``'US-10912345-B2'`` → ``'US10912345'``."""
    return patent_key(number, country)


def _kind_code(number: Any) -> str | None:
    m = re.search(r"-([A-Z]\d?)$", str(number or "").strip().upper())
    return m.group(1) if m else None


def unquote(value: Any) -> Any:
    """Remove one level of CSV quoting left inside a value: ``'"a ""b"" c"'`` →
    ``'a "b" c'``. Values that are not wholly quoted that way are returned unchanged."""
    if not isinstance(value, str):
        return value
    s = value.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        inner = s[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return value


def _year_from(values: dict[str, Any], candidates: list[tuple[str, str]],
               first_col: str) -> tuple[int | None, str | None]:
    for col, source in candidates:
        v = values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        y = year_in(v, col)
        if y is not None:
            return y, source
    raise FieldError("missing year: no " + ", ".join(c for c, _ in candidates), first_col)


def _grant_year(values: dict[str, Any], col: str) -> int | None:
    v = values.get(col)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    return year_in(v, col)


SOURCE = "google-patents"  # the source name in ``sources`` / ``source_ids``


def _query_mapping(header: list[str], country: str) -> ColumnMapping:
    filing = next((c for c in ("filing_date", "application_date", "app_date") if c in header),
                  None)
    candidates = ([(filing, "filing_date")] if filing else []) + [("patent_date", "grant_date")]
    return ColumnMapping({
        "id": lambda v: patent_id(v.get("patent_number"), country),
        "pn": lambda v: patent_id(v.get("patent_number"), country),
        "title": lambda v: unquote(v.get("patent_title")),
        "abstract": lambda v: unquote(v.get("patent_abstract")),
        "year": lambda v: _year_from(v, candidates, candidates[0][0]),
        "grant_year": lambda v: _grant_year(v, "patent_date"),
    }, title_ws=True, name="Google Patents query export", source=SOURCE)


def _download_mapping() -> ColumnMapping:
    candidates = [("filing/creation date", "filing_date"), ("grant date", "grant_date"),
                  ("publication date", "publication_date")]
    return ColumnMapping({
        "id": lambda v: patent_id(v.get("id")),
        "pn": lambda v: collapse_ws(v.get("id")),
        "kind": lambda v: _kind_code(v.get("id")),
        "title": lambda v: unquote(v.get("title")),
        "year": lambda v: _year_from(v, candidates, "filing/creation date"),
        "grant_year": lambda v: _grant_year(v, "grant date"),
        "applicants": lambda v: [Org(name=n) for n in
                                 split_names(v.get("assignee"), persons=False)],
        "authors": lambda v: [Person(name=n) for n in split_names(v.get("inventor/author"))],
    }, title_ws=True, name="Google Patents download", source=SOURCE)


def _is_header(row: list[str]) -> bool:
    cells = {c.strip().lower() for c in row}
    return "patent_number" in cells or {"id", "title"} <= cells


def read_google_patents(path: str | Path, *, country: str = "US",
                        encoding: str = "utf-8") -> Iterator[Record]:
    """Stream a Google Patents export as patent Documents (and Rejects).

    Parameters
    ----------
    path : the CSV (plain or .gz/.bz2/.xz/.zip).
    country : country code put before bare patent numbers (query form), default ``US``.
    encoding : text encoding (UTF-8 by default).

    Raises ``BadInputError`` (on first iteration) when the header is neither form.
    """

    def choose(info: TableInfo) -> ColumnMapping:
        cols = [c.strip().lower() for c in info.header]
        if "patent_number" in cols:
            missing = [c for c in ("patent_number", "patent_title", "patent_date")
                       if c not in cols]
            if missing:
                raise BadInputError(f"query export without {missing}; expected columns "
                                    f"{QUERY_COLUMNS}", file=info.file, line=info.line,
                                    field="header")
            return _query_mapping(info.header, country)
        if "id" in cols and "title" in cols:
            missing = [c for c in ("filing/creation date", "grant date", "publication date")
                       if c not in cols]
            if len(missing) == 3:
                raise BadInputError(f"download export without any date column; expected "
                                    f"{DOWNLOAD_COLUMNS}", file=info.file, line=info.line,
                                    field="header")
            return _download_mapping()
        raise BadInputError(
            f"not a Google Patents export: expected {QUERY_COLUMNS} or (after the 'search "
            f"URL' line) {DOWNLOAD_COLUMNS}; found {info.header}",
            file=info.file, line=info.line, field="header")

    return read_mapped(path, "patent", choose, encoding=encoding, fmt="csv",
                       find_header=_is_header)
