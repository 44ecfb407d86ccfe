"""What every loader yields: validated ``Document`` / ``Link`` records, or ``Reject`` rows.

Loaders turn a file into these records and never touch a store; ``pipeline.ingest`` turns
batches of records into node and edge tables. A loader is a generator::

    def read_xxx(path, ...) -> Iterator[Document | Link | Reject]

Each record carries ``file`` and ``line`` (1-based physical line where the row starts) so
that later problems (a duplicate id, say) can still be reported with their place.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from ..graph import schema

MIN_YEAR = 1790  # the first US patent act; older "years" are errors
MAX_FIELD_CHARS = 1_000_000  # a field longer than this is rejected (see README)
# text that stands for an empty cell in numeric and year columns (compared lower-cased)
NULL_WORDS = frozenset({"nan", "none", "null", "na", "n/a"})


def max_year() -> int:
    """The latest year a record may carry: next year (publication dates run slightly ahead)."""
    return _dt.date.today().year + 1


@dataclass(slots=True)
class Person:
    """An author or inventor. ``id`` is a disambiguated id where the source has one."""

    name: str
    id: str | None = None
    affiliations: list[str] = field(default_factory=list)
    country: str | None = None


@dataclass(slots=True)
class Org:
    """An applicant (assignee) or an institution."""

    name: str
    id: str | None = None
    country: str | None = None
    region: str | None = None  # state / province, for regional analyses


@dataclass(slots=True)
class Document:
    """One paper or patent, with everything that becomes nodes and edges around it.

    ``props`` holds the other schema properties of the document (``venue``, ``doi``, ``pn``,
    ``ipc_text``, ``cited``, ...; names from ``graph.schema``); unknown names are an error at
    ingest. ``keywords`` are raw phrases (normalised at ingest) and become HAS_KEYWORD edges
    with source ``input``. ``codes`` are (code, scheme) pairs for CLASSIFIED_AS.
    """

    kind: Literal["paper", "patent"]
    id: str
    title: str | None = None
    abstract: str | None = None
    year: int | None = None
    year_source: str | None = None
    props: dict[str, Any] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    keyword_scores: list[float | None] | None = None
    authors: list[Person] = field(default_factory=list)  # paper authors / patent inventors
    applicants: list[Org] = field(default_factory=list)  # patents
    institutions: list[Org] = field(default_factory=list)  # papers: affiliations
    codes: list[tuple[str, str]] = field(default_factory=list)
    venue: str | None = None
    figures: list[dict[str, Any]] = field(default_factory=list)  # {id, number, caption, file}
    source: str | None = None  # which source (dataset / loader) the record came from
    source_id: str | None = None  # that source's own id of the document, when not the key
    file: str = ""
    line: int = 0

    @property
    def label(self) -> str:
        return schema.PAPER if self.kind == "paper" else schema.PATENT


@dataclass(slots=True)
class Link:
    """A SIMILAR_TO edge given in the input (DeepCosineAI.csv rows)."""

    paper_id: str
    patent_id: str
    score: float
    method: str = "input"
    model: str | None = None
    rank: int = 1
    # when set, paper_id / patent_id are that source's own ids (DeepCosineAI → DeepDiveAI /
    # DeepPatentAI IDs), resolved to keys at ingest (same load first, then the store)
    paper_source: str | None = None
    patent_source: str | None = None
    file: str = ""
    line: int = 0


@dataclass(slots=True)
class Reject:
    """A row that could not be used, with where and why."""

    file: str
    line: int
    field: str
    reason: str
    record: str = ""

    def message(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


Record = Document | Link | Reject


# ------------------------------------------------------------------- validation
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(1[7-9]\d\d|20\d\d)(?!\d)")


def parse_year(value: Any) -> int | None:
    """A year from an int, a float, ``'2019'``, ``'2019-05-01'``, ``'20190501'`` or a date.

    Returns ``None`` for empty values; raises ``ValueError`` for text with no year in it and
    for years outside [MIN_YEAR, next year].
    """
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        y = value.year
    elif isinstance(value, (int,)) and not isinstance(value, bool):
        y = int(value)
    elif isinstance(value, float):
        if value != value:  # NaN
            return None
        if not value.is_integer():
            raise ValueError(f"not a year: {value!r}")
        y = int(value)
    else:
        s = str(value).strip()
        if not s or s.lower() in NULL_WORDS:
            return None
        if s.startswith("-"):
            raise ValueError(f"negative year {s[:40]!r}")
        if re.fullmatch(r"-?\d+(\.0+)?", s):
            y = int(float(s))
            if len(s.split(".")[0].lstrip("-")) == 8:  # 20190501
                y = int(s[:4])
        else:
            m = _YEAR_IN_TEXT.search(s)
            if not m:
                raise ValueError(f"no year in {s[:40]!r}")
            y = int(m.group(1))
    if y < MIN_YEAR or y > max_year():
        raise ValueError(f"year {y} outside {MIN_YEAR}..{max_year()}")
    return y


def check_text(value: Any, max_chars: int = MAX_FIELD_CHARS) -> str | None:
    """Clean a text field: ``None`` for empty, NUL bytes removed; ``ValueError`` if too long."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    s = str(value).replace("\x00", "")
    if len(s) > max_chars:
        raise ValueError(f"{len(s):,} characters, more than the limit of {max_chars:,}")
    s = s.strip()
    return s or None


# ---------------------------------------------------------------------- rejects
class RejectLog:
    """Appends rejects to ``<dir>/rejects.csv`` (header written once) and counts them."""

    def __init__(self, path: str | os.PathLike | None):
        self.path = Path(path) if path else None
        self.count = 0
        self.samples: list[Reject] = []

    def add(self, r: Reject) -> None:
        self.count += 1
        if len(self.samples) < 20:
            self.samples.append(r)
        if self.path is None:
            return
        new = not self.path.exists() or self.path.stat().st_size == 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            if new:
                w.writerow(schema.REJECTS_HEADER)
            w.writerow([r.file, r.line, r.field, r.reason, r.record[:2000]])


def batched(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    """Group a record stream into lists of at most ``size`` records."""
    batch: list[Record] = []
    for r in records:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
