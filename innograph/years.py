"""Year ranges: the one grammar every ``--years`` option and every year filter uses.

A range is ``(lo, hi)``, both ends inclusive, either end ``None`` for open; ``None`` for the
whole range means all years.
"""

from __future__ import annotations

import re

from .errors import BadInputError

__all__ = ["YearRange", "parse_years"]

YearRange = tuple[int | None, int | None]

_RANGE = re.compile(r"(\d{4})?\s*(?:-|–|:|\.\.)\s*(\d{4})?")


def parse_years(text: str | None) -> YearRange | None:
    """Parse a year range written by a user.

    ``"2000-2010"`` (also ``2000..2010``, ``2000:2010``, ``2000–2010``) → (2000, 2010);
    ``"2000-"`` / ``"-2010"`` → open ends (2000, None) / (None, 2010); ``"2005"`` →
    (2005, 2005); None or blank → None (all years).
    Raises ``BadInputError`` (field ``years``) for anything else, or a range that ends
    before it starts.
    """
    if text is None or not str(text).strip():
        return None
    s = str(text).strip()
    if re.fullmatch(r"\d{4}", s):
        return int(s), int(s)
    m = _RANGE.fullmatch(s)
    if not m or not (m.group(1) or m.group(2)):
        raise BadInputError(f"{s!r}: expected A-B, A-, -B or one year (e.g. 2000-2010)",
                            field="years")
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(2)) if m.group(2) else None
    if lo is not None and hi is not None and lo > hi:
        raise BadInputError(f"{s!r}: the range ends before it starts", field="years")
    return lo, hi
