"""Every closed choice of the command line as an Enum, and the parsers of structured option
values (year ranges, n-gram ranges, devices).

typer turns an Enum-typed option into ``click.Choice``: a value outside it is a usage error
(exit status 2) listing the valid values. A parser raises ``typer.BadParameter`` for a value
it cannot read, which typer reports the same way. Commands read ``option.value``.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Optional

import typer

from ..graph import schema
from ..pipeline.export import EXPORT_METHODS, IDS as EXPORT_IDS


def _choice(name: str, values: tuple[str, ...] | list[str]) -> Any:
    """A ``str`` Enum whose members are ``values`` (member name = value)."""
    return Enum(name, {v: v for v in values}, type=str)


# output
Format = _choice("Format", ("table", "csv", "json"))
TableOrJson = _choice("TableOrJson", ("table", "json"))
# load
ArxivVariant = _choice("ArxivVariant", ("kaggle", "affiliations", "titles-terms", "scraped"))
LoadEngine = _choice("LoadEngine", ("columnar", "row"))
DocumentKind = _choice("DocumentKind", ("paper", "patent"))
# export
ExportMethod = _choice("ExportMethod", EXPORT_METHODS)
IdsChoice = _choice("IdsChoice", EXPORT_IDS)
# embed / match / keywords
EmbedMethod = _choice("EmbedMethod", ("sentence", "doc2vec"))
EmbedText = _choice("EmbedText", ("text", "keywords"))
MatchMethod = _choice("MatchMethod", ("exact", "index"))
Precision = _choice("Precision", ("fp32", "fp16", "bf16"))
YearFilter = _choice("YearFilter", ("after", "index"))
Diversity = _choice("Diversity", ("none", "mmr", "maxsum"))
# classify
Stage = _choice("Stage", ("inner", "outer"))
LocarnoLevel = _choice("LocarnoLevel", ("class", "subclass"))
RareClasses = _choice("RareClasses", ("error", "other", "drop"))
Monitor = _choice("Monitor", ("macro_f1", "accuracy", "loss"))
# novelty
Salience = _choice("Salience", ("freq", "paper", "fitted"))
Negatives = _choice("Negatives", ("exact", "sampled"))
KeywordSource = _choice("KeywordSource", (schema.SOURCE_INPUT, schema.SOURCE_KEYBERT))
# analyze
CooperationBy = _choice("CooperationBy", ("region", "country", "province", "state"))
ActorDocuments = _choice("ActorDocuments", ("patent", "paper"))
Measure = _choice("Measure", ("co_documents", "documents", "degree", "iur"))
NetworkNodes = _choice("NetworkNodes", ("applicant", "institution", "country", "region"))
Distance = _choice("Distance", ("hops", "inverse_weight"))
Counting = _choice("Counting", ("full", "fractional"))
Topics = _choice("Topics", ("keyword", "category"))
CountrySource = _choice("CountrySource", ("graph", "affiliations", "both"))
CooccurrenceOf = _choice("CooccurrenceOf", ("keyword", "ipc"))
CooccurrenceDocuments = _choice("CooccurrenceDocuments", ("both", "paper", "patent"))
IpcLevel = _choice("IpcLevel", ("subclass", "group", "full"))
# search / evaluate / demo
RetrievalQuery = _choice("RetrievalQuery", ("caption", "title"))


def value(choice: Optional[Enum]) -> Optional[str]:
    """The string of an Enum option (None stays None)."""
    return None if choice is None else choice.value


# ------------------------------------------------------------------------ parsers
def parse_years_option(text: Optional[str]) -> Optional[tuple[Optional[int], Optional[int]]]:
    """``--years``: ``A-B``, ``A-``, ``-B`` or one year (``innograph.years`` grammar) →
    ``(lo, hi)`` inclusive, an end None when open; no value → None (all years)."""
    from ..errors import BadInputError
    from ..years import parse_years

    if isinstance(text, tuple):  # already parsed (a default)
        return text
    try:
        return parse_years(text)
    except BadInputError as e:
        raise typer.BadParameter(e.reason) from None


def years_text(span: Optional[tuple[Optional[int], Optional[int]]]) -> str:
    """A parsed year range as the user would write it (``2012-2021``, ``2015``, ``2000-``)."""
    if span is None:
        return ""
    lo, hi = span
    if lo is not None and lo == hi:
        return str(lo)
    return f"{'' if lo is None else lo}-{'' if hi is None else hi}"


def parse_ngram(text: str) -> tuple[int, int]:
    """``--ngram``: ``N`` or ``A-B`` words per keyphrase, 1 ≤ A ≤ B → ``(A, B)``."""
    if isinstance(text, tuple):
        return text
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(text))
    if not m:
        raise typer.BadParameter(f"{text!r}: expected N or A-B words per keyphrase "
                                 "(e.g. 1, 1-2, 1-3)")
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if not 1 <= lo <= hi:
        raise typer.BadParameter(f"{text!r}: expected 1 ≤ A ≤ B in A-B")
    return lo, hi


_DEVICE = re.compile(r"auto|cpu|cuda(?::\d+)?")


def parse_device(text: Optional[str]) -> Optional[str]:
    """``--device``: ``auto`` (the default: CUDA when present, else the CPU), ``cpu``,
    ``cuda`` or ``cuda:N`` → the device string, None for auto."""
    if text is None:
        return None
    s = str(text).strip().lower()
    if not _DEVICE.fullmatch(s):
        raise typer.BadParameter(f"{text!r}: expected auto, cpu, cuda or cuda:N")
    return None if s == "auto" else s


DEVICE_VALUES = "auto | cpu | cuda | cuda:N"
