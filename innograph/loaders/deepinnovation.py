"""The three DeepInnovationAI CSVs → paper / patent ``Document`` and ``Link`` records.

``read_deepinnovation(path)`` reads, from a folder, a ``.zip`` holding them (at any depth;
members with absolute or ``..`` paths and zip bombs are refused as in ``tabular``), or one
of the files given directly, in this order:

=================  ==========================================================================
DeepDiveAI.csv     papers. Header exactly ``schema.DEEP_DIVE_HEADER``. Columns become the
                   properties of ``schema.DEEP_DIVE_COLUMNS`` (``Source`` → ``venue`` and
                   the Venue node; ``Cited`` int ≥ 0; ``Novelty`` finite float); ``Year``
                   int; ``Keywords`` a JSON list, a Python list literal (read with
                   ``ast.literal_eval``) or text split on ``;`` / ``|`` (an unparsable
                   list → Reject, field ``Keywords``; empty cell → no keywords), kept as
                   given in ``keywords_given``; ``Name`` also → authors and
                   ``Affiliations`` → institutions when they are lists or ``;``-separated
                   (the text is kept as given in ``authors_text`` / ``affiliations_text``).
DeepPatentAI.csv   patents. Header exactly ``schema.DEEP_PATENT_HEADER``. ``IPC`` →
                   ``ipc_text`` as given, and codes ``(code, 'ipc')`` split on ``,`` ``;``
                   ``|``; ``PN`` → ``pn``; ``Year`` is the application year.
                   Keys (README "Identity"): a patent is keyed by its normalised ``PN``
                   (``US10000001B2`` → ``US10000001``), a paper by ``Doi``, else arXiv id,
                   else ``DeepDiveAI:<ID>``; the file's ``ID`` is kept in ``source_ids``.
DeepCosineAI.csv   ``Link(paper_id, patent_id, score, method='input')``, the ids being
                   the DeepDiveAI / DeepPatentAI ``ID`` values, resolved to keys at ingest
                   (the same load first, then the store's ``source_ids``); header exactly
                   ``schema.DEEP_COSINE_HEADER``; ``score`` must be a finite number in
                   [-1, 1] (raw cosine; 1e-6 tolerance).
=================  ==========================================================================

Any of the three may be absent (none present → ``BadInputError``). A header that differs
(after removing a BOM and surrounding spaces) → ``BadInputError`` naming the file and the
expected header. ``Year`` empty or impossible → Reject (field ``Year``), unless
``require_year=False``. Cells that ``innograph export`` neutralised against CSV injection
(``'=…``, ``'+…``, ``'-…``, ``'@…``) are read back without the ``'``, so an export
reloads to the same graph.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from ..errors import BadInputError
from ..graph import schema
from .mapping import ColumnMapping, FieldError, map_row, parse_list, split_names
from .records import Link, Org, Person, Record, Reject
from .tabular import Row, TableInfo, read_rows

__all__ = ["read_deepinnovation", "FILES", "unneutralise"]

FILES = (schema.DEEP_DIVE_CSV, schema.DEEP_PATENT_CSV, schema.DEEP_COSINE_CSV)
HEADERS = {schema.DEEP_DIVE_CSV: schema.DEEP_DIVE_HEADER,
           schema.DEEP_PATENT_CSV: schema.DEEP_PATENT_HEADER,
           schema.DEEP_COSINE_CSV: schema.DEEP_COSINE_HEADER}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
SCORE_TOL = 1e-6
DIVE_SOURCE = "DeepDiveAI"  # source names in ``sources`` / ``source_ids`` (README "Identity")
PATENT_SOURCE = "DeepPatentAI"


def unneutralise(value: Any) -> Any:
    """Undo export's CSV-injection guard: ``"'=SUM(A1)"`` → ``"=SUM(A1)"``."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" \
            and value[1] in _FORMULA:
        return value[1:]
    return value


def _keywords(v: dict[str, Any]) -> list[str]:
    raw = v.get("Keywords")
    if isinstance(raw, str) and raw.strip().startswith("{"):
        raise FieldError("a JSON object, not a list", "Keywords")
    try:
        items = parse_list(raw, seps=(";", "|"))
    except FieldError as e:
        raise FieldError(str(e), "Keywords") from None
    out = []
    for x in items:
        if isinstance(x, (list, dict)):
            raise FieldError("a keyword list item is not text", "Keywords")
        if x is not None and str(x).strip():
            out.append(str(x))
    return out


def _names(value: Any) -> list[str]:
    """Split ``Name`` / ``Affiliations`` only when the split is unambiguous: a list, or
    ``;``-separated text; other text is one entry."""
    if value is None or not str(value).strip():
        return []
    s = str(value).strip()
    if s.startswith("[") or ";" in s:
        try:
            return split_names(s)
        except FieldError:
            return [s]
    return [s]


def _dive_mapping() -> ColumnMapping:
    fields: dict[str, Any] = {prop: col for col, prop in schema.DEEP_DIVE_COLUMNS.items()}
    fields["keywords"] = _keywords
    fields["authors"] = lambda v: [Person(name=n) for n in _names(v.get("Name"))]
    fields["institutions"] = lambda v: [Org(name=n) for n in _names(v.get("Affiliations"))]
    return ColumnMapping(fields, year_source="Year", name="DeepDiveAI",
                         source=DIVE_SOURCE, source_prefix=DIVE_SOURCE + ":")


def _patent_mapping() -> ColumnMapping:
    fields: dict[str, Any] = {prop: col for col, prop in schema.DEEP_PATENT_COLUMNS.items()}
    fields["keywords"] = _keywords
    fields["ipc"] = "IPC"
    return ColumnMapping(fields, year_source="Year", name="DeepPatentAI",
                         source=PATENT_SOURCE, source_prefix=PATENT_SOURCE + ":")


def _check_header(expected: list[str]):  # type: ignore[no-untyped-def]
    def check(info: TableInfo) -> None:
        if info.fmt == "jsonl" or info.header != expected:
            raise BadInputError(
                f"header does not match; expected exactly {','.join(expected)} "
                f"(docs/method.md §6), found {','.join(info.header)}",
                file=info.file, line=info.line, field="header")
    return check


def _clean(row: Row) -> Row:
    return Row(row.line, {k: unneutralise(v) for k, v in row.values.items()}, row.file)


def _only(name: str) -> Callable[[str], bool]:
    return lambda member: member == name


def _documents(path: Path, kind: str, mapping: ColumnMapping, header: list[str],
               require_year: bool, encoding: str) -> Iterator[Record]:
    mapping.year_required = require_year
    mapping.validate(kind)
    name = schema.DEEP_DIVE_CSV if kind == "paper" else schema.DEEP_PATENT_CSV
    for item in read_rows(path, fmt="csv", encoding=encoding, members=_only(name),
                          on_header=_check_header(header)):
        if isinstance(item, Reject):
            yield item
            continue
        yield map_row(_clean(item), kind, mapping)


def _links(path: Path, encoding: str) -> Iterator[Link | Reject]:
    for item in read_rows(path, fmt="csv", encoding=encoding,
                          members=_only(schema.DEEP_COSINE_CSV),
                          on_header=_check_header(schema.DEEP_COSINE_HEADER)):
        if isinstance(item, Reject):
            yield item
            continue
        yield link_from_values(item.values, item.file, item.line)


def link_from_values(values: dict[str, Any], file: str, line: int) -> Link | Reject:
    """One DeepCosineAI.csv row (column → text) → a ``Link``, or a ``Reject`` naming the
    field (empty id, a score that is not a finite cosine in [-1, 1])."""
    v = {k: unneutralise(x) for k, x in values.items()}
    paper, patent = (v.get("Paper_ID") or "").strip(), (v.get("Patent_ID") or "").strip()
    if not paper:
        return Reject(file, line, "Paper_ID", "empty id", json.dumps(v)[:2000])
    if not patent:
        return Reject(file, line, "Patent_ID", "empty id", json.dumps(v)[:2000])
    raw = (v.get("Cosine similarity") or "").strip()
    try:
        score = float(raw)
    except ValueError:
        return Reject(file, line, "Cosine similarity", f"not a number: {raw[:40]!r}",
                      json.dumps(v)[:2000])
    if not math.isfinite(score) or abs(score) > 1 + SCORE_TOL:
        return Reject(file, line, "Cosine similarity",
                      f"{raw[:40]} is not a cosine in [-1, 1]", json.dumps(v)[:2000])
    return Link(paper_id=paper, patent_id=patent, score=max(-1.0, min(1.0, score)),
                method=schema.SOURCE_INPUT, paper_source=DIVE_SOURCE,
                patent_source=PATENT_SOURCE, file=file, line=line)


def read_deepinnovation(path: str | Path, *, require_year: bool = True,
                        encoding: str = "utf-8") -> Iterator[Record]:
    """Stream DeepDiveAI.csv, DeepPatentAI.csv, DeepCosineAI.csv (in that order).

    Parameters
    ----------
    path : the folder holding them (any may be absent), a ``.zip`` holding them, or one
        of the three files.
    require_year : an empty ``Year`` rejects the row (default); ``False`` loads it with
        ``year=None``.
    encoding : text encoding (UTF-8 by default).

    Raises ``BadInputError`` (at the call) when none of the files is there, and (on
    iteration) when a header is not the expected one.
    """
    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(p) as zf:
                names = {PurePosixPath(n.replace("\\", "/")).name for n in zf.namelist()}
        except (zipfile.BadZipFile, OSError) as e:
            raise BadInputError(f"not a readable zip archive: {e}", file=str(p)) from None
        files = {n: p for n in FILES if n in names}
        if not files:
            raise BadInputError(f"none of {', '.join(FILES)} is in this archive", file=str(p))
    elif p.is_file():
        if p.name not in FILES:
            raise BadInputError(f"not one of {', '.join(FILES)}", file=str(p))
        files = {p.name: p}
    elif p.is_dir():
        files = {n: p / n for n in FILES if (p / n).is_file()}
        if not files:
            raise BadInputError(f"none of {', '.join(FILES)} is in this folder",
                                file=str(p))
    else:
        raise BadInputError("no such file or folder", file=str(p))
    return _all(files, require_year, encoding)


def _all(files: dict[str, Path], require_year: bool, encoding: str) -> Iterator[Record]:
    if schema.DEEP_DIVE_CSV in files:
        yield from _documents(files[schema.DEEP_DIVE_CSV], "paper", _dive_mapping(),
                              schema.DEEP_DIVE_HEADER, require_year, encoding)
    if schema.DEEP_PATENT_CSV in files:
        yield from _documents(files[schema.DEEP_PATENT_CSV], "patent", _patent_mapping(),
                              schema.DEEP_PATENT_HEADER, require_year, encoding)
    if schema.DEEP_COSINE_CSV in files:
        yield from _links(files[schema.DEEP_COSINE_CSV], encoding)
