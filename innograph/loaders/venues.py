"""Venue impact factors from a user file (``innograph load venues FILE``; issue 16).

The IFF report's composite Z needs each paper's journal impact factor; nothing in the
papers' metadata carries it, so the user brings a table (e.g. an export of Journal Citation
Reports, or a hand-made list). This module only reads and validates the file; the pipeline
(:func:`innograph.pipeline.venues.load_venues`) matches its rows to the store's Venue nodes.

Accepted file: CSV or TSV (tab-separated when the header line has a tab), UTF-8 (a BOM is
fine). Column names are matched case-insensitively, spaces/underscores/hyphens ignored:

- venue name: ``name``, ``venue``, ``journal``, ``journal name``, ``full journal title``,
  ``source title``, ``title``;
- ISSN: ``issn``, ``eissn``, ``e-issn``, ``print issn``, ``online issn`` (the first non-empty
  one per row is used; a cell may hold several, separated by ``;`` or ``,``);
- impact: ``impact``, ``impact factor``, ``impact_factor``, ``jif``, ``journal impact factor``,
  ``if`` (a number ≥ 0; ``1,234.5`` and ``3,5`` (decimal comma) are read).

A row needs a name or an ISSN and an impact. A bad row (no name and no ISSN, impact missing,
not a number or negative, an ISSN that is not 8 digits/X with a valid check digit) is a
:class:`~innograph.loaders.records.Reject` with file, line and field; good rows are kept.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInputError
from .records import Reject

__all__ = ["VenueRow", "read_venues", "normalise_issn", "venue_key"]

_NAME = ("name", "venue", "journal", "journalname", "fulljournaltitle", "sourcetitle", "title")
_ISSN = ("issn", "eissn", "printissn", "onlineissn")
_IMPACT = ("impact", "impactfactor", "jif", "journalimpactfactor", "if")


@dataclass(frozen=True)
class VenueRow:
    """One usable row: 1-based line, name (or None), ISSNs (normalised ``1234-567X``), impact."""

    line: int
    name: str | None
    issns: tuple[str, ...]
    impact: float


def _col(c: str) -> str:
    return re.sub(r"[\s_\-]+", "", c.strip().lstrip("\ufeff")).casefold()


def normalise_issn(text: str) -> str:
    """``"0028 0836"`` / ``"00280836"`` / ``"0028-0836"`` → ``"0028-0836"``.

    Raises ValueError when the text is not 7 digits and a check character (digit or X) or
    the ISO 3297 check digit does not match."""
    s = re.sub(r"[\s\-]", "", text).upper()
    if not re.fullmatch(r"\d{7}[\dX]", s):
        raise ValueError(f"ISSN {text!r} is not 8 characters (7 digits and a digit or X)")
    total = sum(int(d) * w for d, w in zip(s[:7], range(8, 1, -1)))
    check = (11 - total % 11) % 11
    if s[7] != ("X" if check == 10 else str(check)):
        raise ValueError(f"ISSN {text!r} has a wrong check digit (expected "
                         f"{'X' if check == 10 else check})")
    return f"{s[:4]}-{s[4:]}"


def venue_key(name: str) -> str:
    """The matching key of a venue name: case-folded, ``&`` → ``and``, punctuation and a
    leading ``the`` dropped, spaces collapsed (``"The Journal of AI Research."`` and
    ``"journal of ai research"`` match)."""
    s = name.casefold().replace("&", " and ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r"^the ", "", s)


def _number(text: str) -> float:
    t = text.strip()
    if re.fullmatch(r"\d+,\d+", t):  # decimal comma
        t = t.replace(",", ".")
    t = t.replace(",", "")
    v = float(t)
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return v


def read_venues(path: str | Path) -> tuple[list[VenueRow], list[Reject]]:
    """Read a venue impact file; returns the good rows and the rejects (module docstring).

    Raises
    ------
    BadInputError
        When the file is missing or has no impact column or neither a name nor an ISSN
        column (the whole file is unusable).
    """
    p = Path(path)
    if not p.exists():
        raise BadInputError("file not found", file=str(p))
    with open(p, encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        fh.seek(0)
        reader = csv.reader(fh, delimiter="\t" if "\t" in first else ",")
        try:
            header = next(reader)
        except StopIteration:
            raise BadInputError("empty file", file=str(p), line=1) from None
        cols = [_col(c) for c in header]

        def find(names: tuple[str, ...]) -> list[int]:
            return [cols.index(n) for n in names if n in cols]

        i_name, i_issn, i_imp = find(_NAME)[:1], find(_ISSN), find(_IMPACT)[:1]
        if not i_imp:
            raise BadInputError(f"no impact column (one of {', '.join(_IMPACT)})",
                                file=str(p), line=1, field="header")
        if not i_name and not i_issn:
            raise BadInputError("needs a venue name column or an ISSN column",
                                file=str(p), line=1, field="header")
        good: list[VenueRow] = []
        bad: list[Reject] = []
        imp_field = header[i_imp[0]]
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                bad.append(Reject(str(p), line, "row", f"malformed CSV: {e}"))
                continue
            if not any(x.strip() for x in row):
                continue
            raw = ",".join(row)
            if len(row) != len(header):
                bad.append(Reject(str(p), line, "row",
                                  f"{len(row)} columns, header has {len(header)}", raw))
                continue
            name = row[i_name[0]].strip() if i_name else ""
            issns: list[str] = []
            problem = None
            for i in i_issn:
                for part in re.split(r"[;,]", row[i]):
                    if part.strip():
                        try:
                            issns.append(normalise_issn(part))
                        except ValueError as e:
                            problem = (header[i], str(e))
            if problem:
                bad.append(Reject(str(p), line, problem[0], problem[1], raw))
                continue
            if not name and not issns:
                bad.append(Reject(str(p), line, "name", "no venue name and no ISSN", raw))
                continue
            cell = row[i_imp[0]]
            if not cell.strip():
                bad.append(Reject(str(p), line, imp_field, "impact missing", raw))
                continue
            try:
                impact = _number(cell)
            except ValueError:
                bad.append(Reject(str(p), line, imp_field, f"impact {cell!r} is not a number",
                                  raw))
                continue
            if impact < 0:
                bad.append(Reject(str(p), line, imp_field, f"impact {impact} is negative", raw))
                continue
            good.append(VenueRow(line, name or None, tuple(dict.fromkeys(issns)), impact))
    return good, bad
