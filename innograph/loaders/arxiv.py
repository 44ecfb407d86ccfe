"""arXiv metadata → paper ``Document`` records, through column mappings.

``read_arxiv(path)`` reads JSON lines or CSV (plain, .gz, .zip: see ``tabular``) and picks
the mapping from the header (or the first JSON object's keys):

``kaggle``
    The Kaggle arXiv snapshot (``arxiv-metadata-oai-snapshot.json``) and CSV exports of
    it: ``id, submitter, authors, title, comments, journal-ref, doi, report-no,
    categories, license, abstract, versions, update_date, authors_parsed``.
``affiliations``
    Scraped listings with ``paper_id, title, authors, subjects, abstract,
    affilliations`` (sic; ``affiliations`` also accepted) ``, date`` (the
    arxiv-2023-with-affiliations.csv form).
``titles-terms``
    ``titles, summaries, terms`` (arxiv-titles-terms.csv): no ids and no dates.
``scraped``
    any other table (or ``--variant scraped``) with a column of arXiv ids, found by its
    values (``find_id_column``: at least 80% of the non-empty values of the first 200 rows
    are arXiv ids), whatever its name (``index``, ``arxiv_id``, ``link``); title
    (``title``/``titles``), abstract (``abstract``/``summary``/``summaries``), authors
    (text or a list literal), categories (``categories``, ``tags`` — also the arXiv API's
    ``[{'term': 'cs.LG', …}]`` — ``terms``), doi by name; year from the first date column
    (``published``, ``date``, ``update_date``, ``updated``, ``created``, …), else from the
    id (new style YYMM → 20YY, old style; ``year_source='id'``).

Fields
------
id
    The arXiv id. CSVs written through a float column lose digits (``0704.0010`` →
    ``704.001``): a value of the form ``ddd(d).d{1,5}`` is repaired by left-padding the
    YYMM part to 4 digits and right-padding the number to 4 digits (YYMM < 1501) or 5
    (from 1501 on, when arXiv numbers went to 5 digits). Old-style ids
    (``hep-th/9901001``) are kept. titles-terms rows get ``mapping.derive_id(title)``.
year, year_source
    kaggle: the year of ``versions[0].created`` (the first version) → ``first_version``;
    else of ``update_date`` → ``update_date``; else from the id → ``id`` (new style
    ``YYMM.NNNNN`` → 20YY; old style ``archive/YYMMNNN`` → 19YY for YY ≥ 91, else 20YY).
    A date that is present but impossible rejects the row naming its column; a row with
    none of the three rejects with field ``year``. affiliations: ``date`` → ``date``
    (empty → Reject). titles-terms: ``None`` (the file has no date; not a Reject).
title, abstract
    Whitespace (the hard line wraps of arXiv) collapsed to single spaces; LaTeX kept.
authors
    kaggle: ``authors_parsed`` (``[last, first, suffix]`` lists, JSON or a Python-list
    string) → ``Person("first last suffix")``; else the ``authors`` text split on ``,`` /
    `` and ``. affiliations: the list of names.
props
    ``categories`` (space-separated arXiv categories; affiliations: the codes in brackets
    of ``subjects``; titles-terms: ``terms``) — categories are not keywords. ``doi``;
    ``authors_text`` = the ``authors`` text as given; ``journal_ref`` when the schema has
    that property.
venue
    The journal name at the start of ``journal-ref`` (text before the first digit or
    bracket: ``Phys.Rev.D76:013009,2007`` → ``Phys.Rev.D``), when there is one.
institutions
    affiliations variant: the list entries that look like institution names (no ``@``,
    at least two words, one of them 4+ letters: drops the e-mails and the acronym debris
    ``'IC'``, ``'ODU'``, ``'The U'`` of that scrape). With exactly one author, the
    institutions also become that author's affiliations (with several authors the
    file does not say who was where).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..errors import BadInputError
from ..graph import schema
from ..identity import normalise_arxiv_id
from .mapping import (ColumnMapping, FieldError, parse_list, person_name, read_mapped,
                      split_names, year_in)
from .records import Document, Org, Person, Record, Reject
from .tabular import TableInfo, read_rows

__all__ = ["read_arxiv", "repair_arxiv_id", "year_from_arxiv_id", "journal_name",
           "VARIANTS", "detect_variant", "find_id_column", "looks_like_arxiv_id"]

VARIANTS = ("kaggle", "affiliations", "titles-terms", "scraped")
SNIFF_ROWS = 200  # rows read to find the id column of a scraped table by its values
SNIFF_SHARE = 0.8  # share of non-empty values that must be arXiv ids

_MANGLED = re.compile(r"^(\d{3,4})\.(\d{1,5})$")
_NEW_ID = re.compile(r"^(?:arxiv:)?(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?$", re.IGNORECASE)
_OLD_ID = re.compile(r"^(?:arxiv:)?[a-z][a-z\-]*(?:\.[a-z]{2})?/(\d{2})(\d{2})\d{3}(?:v\d+)?$",
                     re.IGNORECASE)


def repair_arxiv_id(value: Any) -> str | None:
    """The arXiv id as a string, repairing float-mangled new-style ids (see module doc)."""
    if value is None:
        return None
    if isinstance(value, float):
        value = repr(value)
    s = str(value).replace("\x00", "").strip()
    m = _MANGLED.match(s)
    if m:
        yymm = m.group(1).zfill(4)
        digits = 4 if yymm < "1501" else 5
        num = m.group(2)
        if 1 <= int(yymm[2:]) <= 12 and len(num) <= digits:
            return f"{yymm}.{num.ljust(digits, '0')}"
    return s or None


def year_from_arxiv_id(arxiv_id: str | None) -> int | None:
    """2007 for ``0704.0001``, 1999 for ``hep-th/9901001``; ``None`` for other ids."""
    if not arxiv_id:
        return None
    m = _NEW_ID.match(arxiv_id) or _OLD_ID.match(arxiv_id)
    if not m:
        return None
    yy, mm = int(m.group(1)), int(m.group(2))
    if not 1 <= mm <= 12:
        return None
    if _NEW_ID.match(arxiv_id):
        return 2000 + yy
    return 1900 + yy if yy >= 91 else 2000 + yy


def journal_name(ref: Any) -> str | None:
    """The journal at the start of a journal-ref: the text before its first digit or
    bracket, trailing punctuation removed; ``None`` when fewer than 2 letters remain."""
    if ref is None:
        return None
    s = re.sub(r"\s+", " ", str(ref)).strip()
    m = re.match(r"^[^\d(\[]*", s)
    name = (m.group(0) if m else "").strip(" ,;:-")
    if sum(ch.isalpha() for ch in name) < 2:
        return None
    return name


def _first(values: dict[str, Any], *names: str) -> Any:
    for n in names:
        v = values.get(n)
        if v is not None and not (isinstance(v, str) and not v.strip()):
            return v
    return None


_CREATED = re.compile(r"""['"]created['"]\s*:\s*['"]([^'"]*)['"]""")


def _kaggle_year(values: dict[str, Any]) -> tuple[int | None, str | None]:
    versions = _first(values, "versions")
    if versions is not None:
        m = _CREATED.search(versions) if isinstance(versions, str) else None
        try:
            items = [{"created": m.group(1)}] if m else parse_list(versions)
        except FieldError as e:
            raise FieldError(str(e), "versions") from None
        created = None
        if items and isinstance(items[0], dict):
            created = items[0].get("created")
        elif items and isinstance(items[0], str):
            created = items[0]
        if created:
            y = year_in(created, "versions")
            if y is not None:
                return y, "first_version"
    upd = _first(values, "update_date")
    if upd is not None:
        y = year_in(upd, "update_date")
        if y is not None:
            return y, "update_date"
    y = year_from_arxiv_id(repair_arxiv_id(_first(values, "id")))
    if y is not None:
        return y, "id"
    raise FieldError("no year in versions, update_date or the id", "year")


def _kaggle_authors(values: dict[str, Any]) -> list[Person]:
    parsed = _first(values, "authors_parsed")
    if parsed is not None:
        try:
            items = parse_list(parsed)
        except FieldError as e:
            raise FieldError(str(e), "authors_parsed") from None
        names = [person_name(x) if isinstance(x, (list, tuple)) else str(x)
                 for x in items]
        return [Person(name=n) for n in names if n.strip()]
    return [Person(name=n) for n in split_names(_first(values, "authors"))]


def _subject_codes(values: dict[str, Any]) -> str | None:
    s = _first(values, "subjects")
    if s is None:
        return None
    codes = re.findall(r"\(([a-zA-Z\-]+(?:\.[A-Za-z\-]+)?)\)", str(s))
    return " ".join(dict.fromkeys(codes)) or None


def _terms(values: dict[str, Any]) -> str | None:
    t = _first(values, "terms")
    if t is None:
        return None
    try:
        items = parse_list(t, seps=(";", "|", ",", " "))
    except FieldError as e:
        raise FieldError(str(e), "terms") from None
    return " ".join(dict.fromkeys(str(x).strip() for x in items if str(x).strip())) or None


def _plausible_institution(s: str) -> bool:
    if "@" in s or "http" in s.lower():
        return False
    words = s.split()
    return len(words) >= 2 and any(sum(ch.isalpha() for ch in w) >= 4 for w in words)


def _institutions(values: dict[str, Any]) -> list[Org]:
    raw = _first(values, "affilliations", "affiliations")
    if raw is None:
        return []
    try:
        items = parse_list(raw)
    except FieldError as e:
        col = "affilliations" if "affilliations" in values else "affiliations"
        raise FieldError(str(e), col) from None
    out: dict[str, Org] = {}
    for x in items:
        name = re.sub(r"\s+", " ", str(x)).strip()
        if name and _plausible_institution(name) and name.casefold() not in out:
            out[name.casefold()] = Org(name=name)
    return list(out.values())


def _affiliations_text(values: dict[str, Any]) -> str | None:
    """The raw affiliation list as given (e-mails and fragments too; an empty list is no
    text): countries are read from it at analysis time (issue 16)."""
    raw = _first(values, "affilliations", "affiliations")
    return raw if raw and raw.strip() not in ("", "[]") else None


def _with_optional(props: dict[str, Any]) -> dict[str, Any]:
    spec = schema.node(schema.PAPER)
    return {k: v for k, v in props.items() if k in spec.columns}


def _mapping(variant: str) -> ColumnMapping:
    if variant == "kaggle":
        fields: dict[str, Any] = {
            "id": lambda v: repair_arxiv_id(_first(v, "id")),
            "title": "title",
            "abstract": "abstract",
            "year": _kaggle_year,
            "authors": _kaggle_authors,
            "venue": lambda v: journal_name(_first(v, "journal-ref", "journal_ref")),
            "categories": lambda v: _category_text(_first(v, "categories", "tags", "terms")),
            "doi": lambda v: _first(v, "doi"),
            "authors_text": lambda v: _first(v, "authors"),
        }
        fields.update(_with_optional(
            {"journal_ref": lambda v: _first(v, "journal-ref", "journal_ref")}))
        return ColumnMapping(fields, title_ws=True, name="arXiv (Kaggle snapshot)",
                             source="arxiv")
    if variant == "affiliations":
        return ColumnMapping({
            "id": lambda v: repair_arxiv_id(_first(v, "paper_id")),
            "title": "title",
            "abstract": "abstract",
            "year": "date",
            "authors": "authors",
            "institutions": _institutions,
            "categories": _subject_codes,
            "authors_text": lambda v: ", ".join(split_names(_first(v, "authors"))) or None,
            "affiliations_text": _affiliations_text,
        }, year_source="date", title_ws=True, name="arXiv (listing with affiliations)",
            source="arxiv")
    if variant == "titles-terms":
        return ColumnMapping({
            "title": "titles",
            "abstract": "summaries",
            "categories": _terms,
        }, title_ws=True, name="arXiv (titles, summaries, terms)", source="arxiv")
    raise BadInputError(f"unknown arXiv variant {variant!r}; known: {', '.join(VARIANTS)}",
                        field="--variant")


_TITLE_COLS = ("title", "titles", "Title")
_ABSTRACT_COLS = ("abstract", "summary", "summaries", "Abstract", "Summary")
_CATEGORY_COLS = ("categories", "tags", "terms", "category", "subjects")
_DATE_COLS = ("published", "date", "update_date", "updated", "created", "submitted",
              "publication_date", "year")


def looks_like_arxiv_id(value: Any) -> bool:
    """Whether a cell holds an arXiv id (new or old style, ``arXiv:`` / URL / version
    allowed; float-mangled new-style ids repaired first)."""
    return normalise_arxiv_id(repair_arxiv_id(value)) is not None


def find_id_column(rows: list[dict[str, Any]], header: list[str]) -> str | None:
    """The column whose non-empty values are arXiv ids (at least ``SNIFF_SHARE`` of them,
    the highest share wins, ties by header order); ``None`` when no column qualifies."""
    best, best_share = None, 0.0
    for col in header:
        vals = [r.get(col) for r in rows]
        vals = [v for v in vals if v is not None and str(v).strip()]
        if not vals:
            continue
        share = sum(looks_like_arxiv_id(v) for v in vals) / len(vals)
        if share >= SNIFF_SHARE and share > best_share:
            best, best_share = col, share
    return best


def _category_text(value: Any) -> str | None:
    """Categories from a list (JSON / Python literal; items text or ``{'term': …}`` dicts,
    the arXiv API form) or text split on ``;`` ``|`` ``,`` or spaces."""
    items = parse_list(value, seps=(";", "|", ",", " "))
    out = []
    for x in items:
        if isinstance(x, dict):
            x = x.get("term") or x.get("label")
        if x is not None and str(x).strip():
            out.append(str(x).strip())
    return " ".join(dict.fromkeys(out)) or None


def _scraped_mapping(header: list[str], id_col: str) -> ColumnMapping:
    """A scraped arXiv table: the id column found by its values, title / abstract /
    authors / categories (``categories``, ``tags``, ``terms``, …) / doi by name, the year
    from the first date column present, else from a new-style id (``id``)."""
    h = set(header)

    def col(names: tuple[str, ...]) -> str | None:
        return next((c for c in names if c in h), None)

    title, abstract, cats = col(_TITLE_COLS), col(_ABSTRACT_COLS), col(_CATEGORY_COLS)
    date_cols = [c for c in _DATE_COLS if c in h]

    def year(v: dict[str, Any]) -> tuple[int | None, str | None]:
        for c in date_cols:
            if _first(v, c) is not None:
                y = year_in(_first(v, c), c)
                if y is not None:
                    return y, c
        y = year_from_arxiv_id(normalise_arxiv_id(repair_arxiv_id(_first(v, id_col))))
        if y is not None:
            return y, "id"
        raise FieldError(f"no year in {', '.join(date_cols) or 'any date column'} or the id",
                         date_cols[0] if date_cols else "year")

    def authors(v: dict[str, Any]) -> list[Person]:
        if _first(v, "authors_parsed") is not None:
            return _kaggle_authors(v)
        return [Person(name=n) for n in split_names(_first(v, "authors", "author"))]

    fields: dict[str, Any] = {
        "id": lambda v: normalise_arxiv_id(repair_arxiv_id(_first(v, id_col)))
        or repair_arxiv_id(_first(v, id_col)),
        "year": year,
        "authors": authors,
    }
    if title:
        fields["title"] = title
    if abstract:
        fields["abstract"] = abstract
    if cats:
        fields["categories"] = lambda v: _category_text(_first(v, cats))
    if "doi" in h:
        fields["doi"] = lambda v: _first(v, "doi")
    if "authors" in h:
        fields["authors_text"] = lambda v: ", ".join(split_names(_first(v, "authors"))) or None
    return ColumnMapping(fields, title_ws=True, name=f"arXiv (scraped; id column {id_col!r})",
                         source="arxiv")


def detect_variant(header: list[str]) -> str | None:
    """Which of ``VARIANTS`` a header (column names / JSON keys) is, or ``None``."""
    h = set(header)
    if {"id", "title"} <= h and h & {"versions", "update_date", "authors_parsed", "abstract"}:
        return "kaggle"
    if {"paper_id", "title"} <= h:
        return "affiliations"
    if {"titles", "summaries"} <= h:
        return "titles-terms"
    return None


def read_arxiv(path: str | Path, variant: str | None = None, *, encoding: str = "utf-8",
               fmt: str | None = None) -> Iterator[Record]:
    """Stream an arXiv metadata file as paper Documents (and Rejects).

    Parameters
    ----------
    path : JSON lines or CSV/TSV, plain or .gz/.bz2/.xz/.zip.
    variant : ``kaggle`` | ``affiliations`` | ``titles-terms``; default: detected from each
        table's header (``BadInputError`` naming the expected columns when none fits).
    encoding, fmt : passed to ``tabular.read_rows``.

    Yields ``Document(kind='paper')`` per good row, ``Reject`` per bad one.
    """
    if variant is not None and variant not in VARIANTS:
        raise BadInputError(f"unknown arXiv variant {variant!r}; known: {', '.join(VARIANTS)}",
                            field="--variant")

    def choose(info: TableInfo) -> ColumnMapping:
        v = variant or detect_variant(info.header)
        if v in (None, "scraped"):
            id_col = _sniff(path, info, encoding, fmt)
            if id_col is not None:
                return _scraped_mapping(info.header, id_col)
        if v is None or v == "scraped":
            raise BadInputError(
                "not an arXiv metadata table: expected the Kaggle snapshot columns (id, "
                "title, abstract, versions, update_date, authors_parsed, ...), or paper_id, "
                "title, authors, subjects, abstract, affilliations, date, or titles, "
                "summaries, terms, or any table with a column of arXiv ids (found by its "
                f"values in the first {SNIFF_ROWS} rows); found {info.header}. For other "
                "layouts use "
                "`innograph load csv FILE --kind paper --map field=column,...`",
                file=info.file, line=info.line, field="header")
        return _mapping(v)

    return _arxiv_records(read_mapped(path, "paper", choose, encoding=encoding, fmt=fmt))


def _sniff(path: str | Path, info: TableInfo, encoding: str, fmt: str | None) -> str | None:
    """The arXiv-id column of the table ``info`` (its first ``SNIFF_ROWS`` rows, read
    again from ``path``), or ``None``."""
    rows: list[dict[str, Any]] = []
    for item in read_rows(path, encoding=encoding, fmt=fmt):
        if isinstance(item, Reject) or item.file != info.file:
            continue
        rows.append(item.values)
        if len(rows) >= SNIFF_ROWS:
            break
    return find_id_column(rows, info.header)


def _arxiv_records(records: Iterator[Record]) -> Iterator[Record]:
    for r in records:
        if isinstance(r, Document) and r.institutions and len(r.authors) == 1:
            r.authors[0].affiliations = [o.name for o in r.institutions]
        yield r
