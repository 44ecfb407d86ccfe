"""IPC / CPC classification symbols: one parser, one canonical spelling, their levels.

Pure functions, no I/O, no store and no model imports, so that the loaders
(``loaders.mapping``), the ingest (``pipeline.ingest``), the AI rule
(``models.classify.parse_code``) and the analyses (``pipeline.analyze``) read a code the
same way. One code written in any of these forms is one ``IpcCode`` and one canonical text:

=============================  =================================================================
written                        canonical
=============================  =================================================================
``G06N 3/04``                  ``G06N 3/04``
``G06N3/04``, ``g06n 3/04``    ``G06N 3/04``
``G06N 3/04 (2006.01)``        ``G06N 3/04`` (a version note in brackets is dropped)
``G06N 3/04 20060101``         ``G06N 3/04`` (a trailing 8-digit version date, and what follows
                               it in EPO tables such as ``20060101AFI20051220BHEP``, is dropped)
``G06N0003040000``             ``G06N 3/04`` (DOCDB fixed width: 4-digit main group, 6-digit
                               subgroup; the subgroup's trailing zeros dropped down to 2 digits)
``G06N   3/04``                ``G06N 3/04`` (DOCDB padded)
``G06N 0003/04``               ``G06N 3/04``
``G06N 3/0454``, ``3/04540``   ``G06N 3/0454`` (trailing zeros beyond two digits are not
                               significant in IPC order)
``G06N 3``, ``G06N 3/``        ``G06N 3/00`` (the main group)
``G06N``, ``G06``, ``G``       ``G06N``, ``G06``, ``G`` (subclass, class, section)
``Y02E 10/50``                 CPC ``Y`` section; ``G06F 2203/04104``: CPC 2000-series
=============================  =================================================================

Anything else (``14-04`` Locarno, US classes ``D14/138``, free text) is not an IPC/CPC code:
``parse_ipc`` returns ``None`` and the loaders keep it only as raw text (see README
"Identity").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["IpcCode", "parse_ipc", "canonical_ipc", "ipc_level", "LEVELS"]

LEVELS = ("section", "class", "subclass", "group", "full")
Level = Literal["section", "class", "subclass", "group", "full"]

_VERSION_NOTE = re.compile(r"\(\s*\d{4}[.\-]?\d{2}\s*\)")
_TRAILING_DATE = re.compile(r"\s+\d{8}(?:[A-Z0-9]*)(?:\s.*)?$")
_FIXED = re.compile(r"^([A-HY])(\d{2})([A-Z])(\d{4})(\d{6})$")
_SPACED = re.compile(
    r"^([A-HY])\s*(?:(\d{2})\s*(?:([A-Z])\s*(?:0*(\d{1,4})\s*(?:/\s*(\d{0,6}))?)?)?)?$")


@dataclass(frozen=True, order=True)
class IpcCode:
    """A parsed IPC/CPC symbol. ``cls``, ``subclass``, ``group``, ``subgroup`` are ``None``
    above the code's level; ``subgroup`` is the digits after the slash, at least two, with
    non-significant trailing zeros removed (``'04'``, ``'0454'``)."""

    section: str
    cls: str | None = None  # two digits, "06"
    subclass: str | None = None  # one letter, "N"
    group: int | None = None  # main group number, 3
    subgroup: str | None = None  # "04"

    @property
    def head(self) -> str:
        """Section, class and subclass as far as given: ``'G06N'``, ``'G06'``, ``'G'``."""
        return self.section + (self.cls or "") + (self.subclass or "")

    @property
    def text(self) -> str:
        """The canonical spelling (``G06N 3/04``)."""
        if self.group is None:
            return self.head
        return f"{self.head} {self.group}/{self.subgroup or '00'}"

    def level(self, level: Level) -> str | None:
        """The code cut to ``level``: section ``G``, class ``G06``, subclass ``G06N``,
        group (main group) ``G06N 3``, full ``G06N 3/04``; ``None`` when the code does not
        reach that level (``G06`` has no subclass)."""
        if level == "section":
            return self.section
        if level == "class":
            return self.section + self.cls if self.cls else None
        if level == "subclass":
            return self.head if self.subclass else None
        if level == "group":
            return f"{self.head} {self.group}" if self.group is not None else None
        if level == "full":
            return self.text
        raise ValueError(f"unknown IPC level {level!r}; known: {', '.join(LEVELS)}")


def _subgroup(digits: str) -> str:
    return digits.rstrip("0").ljust(2, "0") if len(digits) > 2 else digits.ljust(2, "0")


def parse_ipc(text: Any) -> IpcCode | None:
    """An IPC/CPC symbol in any written form of the module table → ``IpcCode``; ``None``
    for empty text and for text that is not such a symbol."""
    if text is None:
        return None
    s = str(text).replace("\x00", "").upper().strip().rstrip("*").strip()
    if not s:
        return None
    s = _VERSION_NOTE.sub(" ", s).strip()
    s = _TRAILING_DATE.sub("", s).strip()
    m = _FIXED.match(s)
    if m:
        sec, cls, sub, grp, sg = m.groups()
        return IpcCode(sec, cls, sub, int(grp), _subgroup(sg))
    m = _SPACED.match(s)
    if not m:
        return None
    sec, cls, sub, grp, sg = m.groups()
    if grp is None:
        return IpcCode(sec, cls, sub)
    return IpcCode(sec, cls, sub, int(grp), _subgroup(sg or ""))


def canonical_ipc(text: Any) -> str | None:
    """The canonical spelling of an IPC/CPC symbol (``G06N0003040000`` → ``G06N 3/04``), or
    ``None`` when ``text`` is empty or not a symbol."""
    p = parse_ipc(text)
    return p.text if p else None


def ipc_level(text: Any, level: Level) -> str | None:
    """``text`` parsed and cut to ``level`` (see ``IpcCode.level``); ``None`` when it is not
    a code or does not reach that level."""
    p = parse_ipc(text)
    return p.level(level) if p else None
