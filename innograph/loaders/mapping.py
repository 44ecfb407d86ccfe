"""Column mappings: one code path from a table row to a ``Document``.

A ``ColumnMapping`` says, for each document field, which column holds it (a string) or how
to compute it from the row (a callable ``row -> value``). The arXiv variants, the Google
Patents exports and ``innograph load csv FILE --kind paper --map title=Title,year=Date`` all
go through ``map_row`` / ``read_mapped``; only their mappings differ.

Fields (``FIELDS``; aliases in brackets):

==================  ================================================================
``id``              document id; empty → Reject. Unmapped: derived from the title as
                    ``title-<first 16 hex of sha1(casefolded, whitespace-collapsed title)>``
                    so reloading the same file gives the same ids
``title``,          text; NUL removed, stripped; longer than ``MAX_FIELD_CHARS`` → Reject
``abstract``
``year``            ``year_of`` (``parse_year``) of the value (``2019``, ``2019-05-01``,
                    ``20190501``, a date). Mapped but empty, or impossible (< ``MIN_YEAR``, > next year,
                    no year in the text) → Reject. A callable may return ``(year,
                    year_source)``. Unmapped → ``year=None`` and no Reject.
``keywords``        a JSON list, a Python list literal, or text split on the first of
                    ``;`` ``|`` ``,`` that occurs; unparsable list → Reject
``authors``         persons: list of names, list of ``[last, first, suffix]``, or text
(``inventors``)     (split on ``;``, else on ``,`` / `` and `` keeping ``Smith, J.``)
``applicants``      organisations (patents only): list or text split on ``;``, else on
(``assignees``)     ``,`` keeping legal suffixes (``Samsung Electronics Co., Ltd.``)
``institutions``    organisations (papers only), as applicants
(``affiliations``)
``venue``           papers only
``ipc``, ``cpc``    classification codes, split on ``,`` ``;`` ``|``; spelled
                    ``G06N 3/08`` (``canonical_code``)
``codes``           a callable returning ``[(code, scheme), ...]``
any other name      a property of the kind's node in ``graph.schema`` (``doi``, ``pn``,
                    ``categories``, ``novelty``, ``cited``, ...), converted by its schema
                    type (INT64 → int, DOUBLE → finite float, BOOL, STRING)
==================  ================================================================

A Reject's ``field`` is the source column for a column mapping (``Abstract``,
``patent_date``), else the document field name.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Union

from ..codes import canonical_ipc
from ..errors import BadInputError
from ..identity import arxiv_id_of, paper_key, patent_key
from ..graph import schema
from .records import NULL_WORDS, Document, Org, Person, Record, Reject, check_text, \
    parse_year
from .tabular import Row, TableInfo, read_rows

__all__ = [
    "ColumnMapping", "FieldError", "FIELDS", "ALIASES", "parse_map", "mapping_from_spec",
    "map_row", "read_mapped", "read_csv_mapped", "parse_list", "split_names", "person_name",
    "canonical_code", "parse_codes", "derive_id", "year_of", "year_in", "collapse_ws",
    "known_fields",
]

Getter = Union[str, Callable[[dict[str, Any]], Any]]

CORE_FIELDS = ("id", "title", "abstract", "year", "keywords", "authors", "applicants",
               "institutions", "venue", "ipc", "cpc", "codes")
FIELDS = CORE_FIELDS
ALIASES = {"inventors": "authors", "assignees": "applicants", "affiliations": "institutions"}
_PAPER_ONLY = {"institutions", "venue"}
_PATENT_ONLY = {"applicants"}
_NOT_MAPPABLE = {"id", "title", "abstract", "year", "year_source",
                 # written by jobs, with their provenance; not read from input files
                 "novelty_model", "ai_rule", "ai_rule_version", "is_ai", "ai_prob", "ai_stage",
                 "ai_model", "embedding", "embedding_model", "embedding_dim", "embedding_at",
                 "keywords_model",
                 # identity and provenance, written by ingest (README "Identity")
                 "sources", "source_ids", "keywords_given"}


class FieldError(ValueError):
    """A value that cannot be used; ``field`` overrides the name the Reject gets."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


def known_fields(kind: str) -> list[str]:
    """Every field name a mapping for ``kind`` (paper | patent) may use."""
    label = schema.PAPER if kind == "paper" else schema.PATENT
    spec = schema.node(label)
    core = [f for f in CORE_FIELDS
            if not (kind == "paper" and f in _PATENT_ONLY)
            and not (kind == "patent" and f in _PAPER_ONLY)]
    props = [p.name for p in spec.props
             if p.name not in _NOT_MAPPABLE and not p.type.endswith("[]")
             and p.name not in core]
    return core + props


# ------------------------------------------------------------------ value parsers
_WS = re.compile(r"\s+")


def collapse_ws(text: Any) -> str | None:
    """Whitespace runs (newlines included) to one space, NUL removed, stripped; ``None``
    if empty. Raises ``ValueError`` over ``MAX_FIELD_CHARS`` (via ``check_text``)."""
    s = check_text(text)
    return _WS.sub(" ", s).strip() or None if s else None


def parse_list(value: Any, seps: tuple[str, ...] = (";", "|", ","),
               json_only: bool = False) -> list[Any]:
    """A list from a list, a JSON list, a Python list literal or delimited text.

    ``None`` / empty text → ``[]``. Text starting with ``[`` must parse as a list
    (``FieldError`` otherwise); ``json_only`` refuses Python literals and delimited text.
    Otherwise the text is split on the first separator of ``seps`` that occurs in it.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, float) and math.isnan(value):
        return []
    s = str(value).replace("\x00", "").strip()
    if not s:
        return []
    if not json_only and s.startswith("[") and "'" in s and '"' not in s:
        try:  # a Python list literal (pandas / str(list) output): skip the JSON attempt
            out = ast.literal_eval(s)
            if isinstance(out, list):
                return out
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    if json_only or s.startswith("["):
        try:
            out = json.loads(s)
        except json.JSONDecodeError as e:
            if json_only:
                raise FieldError(f"not a JSON list: {e.msg} at column {e.colno}") from None
            try:
                out = ast.literal_eval(s)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise FieldError(f"not a JSON or Python list: {e.msg} at column "
                                 f"{e.colno}") from None
        if not isinstance(out, list):
            raise FieldError(f"a JSON {type(out).__name__}, not a list")
        return out
    for sep in seps:
        if sep in s:
            return [p.strip() for p in s.split(sep) if p.strip()]
    return [s]


_LEGAL = {
    "inc", "ltd", "llc", "co", "corp", "corporation", "company", "gmbh", "ag", "sa", "s a",
    "nv", "bv", "plc", "lp", "llp", "kg", "se", "spa", "sas", "oy", "ab", "as", "kk",
    "limited", "co ltd", "pty", "pte", "srl", "sarl", "ltda", "gmbh & co kg", "lllp",
    "incorporated", "the", "l p", "s p a", "b v", "n v",
}
_SUFFIX_PERSON = re.compile(r"^(jr|sr|ii|iii|iv|v)\.?$", re.IGNORECASE)
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.?[\s-]*){1,4}$")


def _legal_suffix(piece: str) -> bool:
    key = re.sub(r"[.\s]+", " ", piece.lower()).strip()
    return key in _LEGAL or key.replace(" ", "") in _LEGAL


def split_names(value: Any, persons: bool = True) -> list[str]:
    """Names from a list or from text.

    Text with ``;`` is split on it. Otherwise it is split on ``,`` (and, for persons, on
    `` and ``), then pieces that are a legal suffix (``Ltd.``, ``Inc``, ``Co.``), a
    generational suffix (``Jr.``) or initials only (``J. K.``) are joined back to the
    piece before: ``"Smith, J., Doe, K."`` → ``["Smith, J.", "Doe, K."]``;
    ``"Samsung Electronics Co., Ltd."`` → one name.
    """
    if isinstance(value, (list, tuple)) or (isinstance(value, str)
                                            and value.strip().startswith("[")):
        items = parse_list(value)
        out = []
        for it in items:
            if isinstance(it, (list, tuple)):
                out.append(person_name(it))
            elif it is not None:
                out.append(str(it))
        return [n for n in (collapse_ws(x) for x in out) if n]
    s = collapse_ws(value)
    if not s:
        return []
    if ";" in s:
        return [p.strip() for p in s.split(";") if p.strip()]
    pieces = [p.strip() for p in s.split(",")]
    if persons:
        pieces = [q.strip() for p in pieces for q in re.split(r"\s+and\s+", p)]
    out: list[str] = []
    for p in pieces:
        if not p:
            continue
        joinable = _legal_suffix(p) or _SUFFIX_PERSON.match(p) or (
            persons and _INITIALS.match(p))
        if out and joinable:
            out[-1] = f"{out[-1]}, {p}"
        else:
            out.append(p)
    return out


def person_name(parts: Any) -> str:
    """``[last, first, suffix, ...]`` (arXiv ``authors_parsed``) → ``first last suffix``."""
    items = [str(x).strip() for x in parts if x is not None]
    last = items[0] if items else ""
    first = items[1] if len(items) > 1 else ""
    suffix = items[2] if len(items) > 2 else ""
    return " ".join(x for x in (first, last, suffix) if x)


def canonical_code(text: Any) -> str | None:
    """An IPC / CPC code in its one canonical spelling (``innograph.codes.canonical_ipc``:
    ``G06N3/08``, ``G06N0003080000``, ``G06N 3/08 (2006.01)`` → ``G06N 3/08``); text that is
    not an IPC/CPC code is returned upper-cased with whitespace collapsed (``None`` if
    empty) and is left out of the graph at ingest (kept as raw text, counted)."""
    if text is None:
        return None
    c = canonical_ipc(text)
    if c:
        return c
    s = _WS.sub(" ", str(text).replace("\x00", "")).strip().upper()
    return s or None


def parse_codes(value: Any, scheme: str) -> list[tuple[str, str]]:
    """``[(code, scheme)]`` from a list or from text split on ``,`` ``;`` ``|`` (deduped,
    order kept)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in parse_list(value, seps=(";", "|", ",")):
        # "G06N 3/08, G06F 17/00 | H04L 9/00": split again on any remaining separator
        for part in re.split(r"[;|,]", str(item)):
            c = canonical_code(part)
            if c and c not in seen:
                seen.add(c)
                out.append((c, scheme))
    return out


_NEGATIVE = re.compile(r"^\s*[-\u2212]\s*\d")


def year_of(value: Any) -> int | None:
    """``records.parse_year``, plus: text starting with a minus sign (``-2018-06-19``,
    an ISO 8601 negative year) is a negative year, hence ``ValueError`` (parse_year alone
    would find ``2018`` inside it)."""
    if isinstance(value, str) and _NEGATIVE.match(value):
        raise ValueError(f"negative year in {value.strip()[:40]!r}")
    return parse_year(value)


def year_in(value: Any, column: str) -> int | None:
    """``year_of(value)``, its ``ValueError`` raised as a ``FieldError`` naming ``column``
    (the source column the Reject names)."""
    try:
        return year_of(value)
    except ValueError as e:
        raise FieldError(str(e), column) from None


def derive_id(title: str, prefix: str = "title-") -> str:
    """A stable id for a record without one: ``prefix + sha1(normalised title)[:16]``."""
    key = _WS.sub(" ", title.casefold()).strip()
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _number(s: str, what: str) -> float | None:
    """``float(s)`` of stripped cell text; ``None`` for an empty cell or a ``NULL_WORDS``
    one; ``FieldError`` ("not <what>") for other text."""
    if not s or s.lower() in NULL_WORDS:
        return None
    try:
        return float(s)
    except ValueError:
        raise FieldError(f"not {what}: {s[:40]!r}") from None


def _to_int(v: Any) -> int | None:
    if v is None or isinstance(v, bool):
        if isinstance(v, bool):
            raise FieldError(f"not an integer: {v!r}")
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if not v.is_integer():
            raise FieldError(f"not an integer: {v!r}")
        return int(v)
    s = str(v).strip().replace(",", "")
    f = _number(s, "an integer")
    if f is None:
        return None
    if not f.is_integer():
        raise FieldError(f"not an integer: {s[:40]!r}")
    return int(f)


def _to_float(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise FieldError(f"not a number: {v!r}")
    if isinstance(v, (int, float)):
        f = float(v)
    else:
        parsed = _number(str(v).strip(), "a number")
        if parsed is None:
            return None
        f = parsed
    if math.isnan(f):
        return None
    if math.isinf(f):
        raise FieldError("not a finite number")
    return f


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _to_bool(v: Any) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise FieldError(f"not a boolean: {s[:40]!r}")


def _convert_prop(label: str, name: str, v: Any) -> Any:
    typ = schema.node(label).prop_type(name)
    if name == "grant_year":
        return year_of(v)
    if typ == "INT64":
        n = _to_int(v)
        if n is not None and n < 0 and name in {"cited", "embedding_dim"}:
            raise FieldError(f"negative count {n}")
        return n
    if typ == "DOUBLE":
        return _to_float(v)
    if typ == "BOOL":
        return _to_bool(v)
    return check_text(v if not isinstance(v, (list, dict)) else json.dumps(v))


def _persons(v: Any) -> list[Person]:
    if isinstance(v, list) and all(isinstance(x, Person) for x in v):
        return v
    return [Person(name=n) for n in split_names(v, persons=True)]


def _orgs(v: Any) -> list[Org]:
    if isinstance(v, list) and all(isinstance(x, Org) for x in v):
        return v
    return [Org(name=n) for n in split_names(v, persons=False)]


# ------------------------------------------------------------------- the mapping
@dataclass
class ColumnMapping:
    """Document field → column name (str) or ``callable(row_values) -> value``.

    ``year_source``: what ``Document.year_source`` records for a year read from a column
    (default: the column's name). ``year_required``: a mapped year that is empty rejects
    the row (default True; the year rule of the bad-input suite). ``props``: constant
    properties added to every document. ``id_prefix``: prepended to every id.
    ``title_ws``: collapse whitespace (newlines of wrapped lines) in titles and abstracts.
    ``name``: what the mapping is for, used in messages.
    ``source``: the source name recorded on each document (``sources``, ``source_ids``).
    ``source_prefix``: prefix of the key of a paper with no DOI and no arXiv id, and of a
    patent with no publication number (``DeepDiveAI:``); ``load csv`` uses none.

    Keys (``innograph.identity``, README "Identity"): a patent whose ``pn`` is mapped is
    keyed by ``patent_key(pn)``; a paper by its DOI, else its arXiv id (``arxiv_id``, or an
    id that is one), else its id. The id as read is kept as the document's ``source_id``.
    """

    fields: dict[str, Getter]
    year_source: str | None = None
    year_required: bool = True
    props: dict[str, Any] = field(default_factory=dict)
    id_prefix: str = ""
    title_ws: bool = False
    name: str = "csv"
    source: str = "csv"
    source_prefix: str = ""

    def __post_init__(self) -> None:
        self.fields = {ALIASES.get(k, k): v for k, v in self.fields.items()}

    def columns(self) -> list[str]:
        """The column names the mapping reads directly."""
        return [v for v in self.fields.values() if isinstance(v, str)]

    def validate(self, kind: str) -> None:
        """``BadInputError`` naming any field not known for ``kind``."""
        if kind not in ("paper", "patent"):
            raise BadInputError(f"kind must be 'paper' or 'patent', not {kind!r}",
                                field="--kind")
        known = known_fields(kind)
        unknown = [k for k in list(self.fields) + list(self.props) if k not in known]
        if unknown:
            aliases = ", ".join(f"{a}={b}" for a, b in ALIASES.items())
            raise BadInputError(
                f"unknown field(s) {unknown} for a {kind} mapping; known fields: "
                f"{', '.join(known)} (aliases: {aliases})", field="--map")
        if "id" not in self.fields and "title" not in self.fields:
            raise BadInputError("a mapping needs id=COLUMN (or title=COLUMN to derive ids "
                                "from titles)", field="--map")

    def check_header(self, info: TableInfo) -> None:
        """``BadInputError`` when a mapped column is missing from a CSV/TSV header."""
        if info.fmt == "jsonl":
            return
        missing = [c for c in self.columns() if c not in info.header]
        if missing:
            raise BadInputError(
                f"column(s) {missing} of the {self.name} mapping are not in the header "
                f"{info.header}", file=info.file, line=info.line, field=missing[0])


def parse_map(spec: str) -> dict[str, str]:
    """``"title=Title,abstract=Summary,year=Date"`` → ``{"title": "Title", ...}``.

    Items are comma separated; an item with a comma or quote in a column name can be
    double-quoted (``"title=Title, short"``). Aliases are resolved. ``BadInputError`` for
    an item without ``=``, an empty side, or a field given twice.
    """
    out: dict[str, str] = {}
    if not spec or not spec.strip():
        raise BadInputError("empty --map; give field=column pairs, e.g. "
                            "id=ID,title=Title,year=Date", field="--map")
    items = next(csv.reader([spec.strip()], skipinitialspace=True))
    for item in items:
        if not item.strip():
            continue
        if "=" not in item:
            raise BadInputError(f"{item!r} is not field=column", field="--map")
        k, v = item.split("=", 1)
        k, v = ALIASES.get(k.strip().lower(), k.strip().lower()), v.strip()
        if not k or not v:
            raise BadInputError(f"{item!r} has an empty field or column", field="--map")
        if k in out:
            raise BadInputError(f"field {k!r} mapped twice", field="--map")
        out[k] = v
    return out


def mapping_from_spec(spec: str | dict[str, str], kind: str) -> ColumnMapping:
    """A validated ``ColumnMapping`` from a ``--map`` string or a dict."""
    fields = parse_map(spec) if isinstance(spec, str) else dict(spec)
    m = ColumnMapping(fields=fields)  # type: ignore[arg-type]
    m.validate(kind)
    return m


def _record_text(values: dict[str, Any]) -> str:
    parts = []
    for k, v in values.items():
        s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
        parts.append(f"{k}={s[:120]}")
    return " | ".join(parts)[:2000]


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.replace("\x00", "").strip()


def map_row(row: Row, kind: str, mapping: ColumnMapping) -> Document | Reject:
    """One row → a ``Document`` of ``kind``, or a ``Reject`` naming the field at fault."""
    values, file, line = row.values, row.file, row.line
    label = schema.PAPER if kind == "paper" else schema.PATENT
    current = "id"

    def name_of(f: str) -> str:
        g = mapping.fields.get(f)
        return g if isinstance(g, str) else f

    def get(f: str) -> Any:
        g = mapping.fields.get(f)
        if g is None:
            return None
        if isinstance(g, str):
            v = values.get(g)
            return None if _missing(v) else v
        return g(values)

    try:
        current = "title"
        raw_title = get("title")
        title = collapse_ws(raw_title) if mapping.title_ws else check_text(raw_title)
        current = "abstract"
        raw_abs = get("abstract")
        abstract = collapse_ws(raw_abs) if mapping.title_ws else check_text(raw_abs)
        current = "id"
        if "id" in mapping.fields:
            raw_id = get("id")
            did = check_text(raw_id if not isinstance(raw_id, float) or not raw_id.is_integer()
                             else int(raw_id), max_chars=1000)
            if not did:
                return Reject(file, line, name_of("id"), "empty id", _record_text(values))
            did = _WS.sub(" ", did)
        else:
            if not title:
                return Reject(file, line, "id", "no id column and no title to derive an id "
                              "from", _record_text(values))
            did = derive_id(title)
        did = mapping.id_prefix + did
        current = "year"
        year, year_source = None, None
        if "year" in mapping.fields:
            v = get("year")
            if isinstance(v, tuple):
                year, year_source = v
            else:
                year = year_of(v)
                g = mapping.fields["year"]
                year_source = mapping.year_source or (g if isinstance(g, str) else "year")
            if year is None:
                year_source = None
                if mapping.year_required:
                    return Reject(file, line, name_of("year"), "missing year",
                                  _record_text(values))
        doc = Document(kind=kind, id=did, title=title,  # type: ignore[arg-type]
                       abstract=abstract, year=year, year_source=year_source, file=file,
                       line=line)
        current = "keywords"
        if "keywords" in mapping.fields:
            doc.keywords = [k for k in (check_text(x) for x in parse_list(get("keywords"))
                                        if x is not None and not isinstance(x, (list, dict)))
                            if k]
        for current, parse in (("authors", _persons), ("applicants", _orgs),
                               ("institutions", _orgs), ("venue", collapse_ws)):
            if current in mapping.fields:
                setattr(doc, current, parse(get(current)))
        for scheme in (schema.SCHEME_IPC, schema.SCHEME_CPC):
            current = scheme
            if scheme in mapping.fields:
                doc.codes.extend(parse_codes(get(scheme), scheme))
        current = "codes"
        if "codes" in mapping.fields:
            doc.codes.extend(get("codes") or [])
        props = dict(mapping.props)
        for f in mapping.fields:
            if f in CORE_FIELDS:
                continue
            current = f
            v = _convert_prop(label, f, get(f))
            if v is not None:
                props[f] = v
        doc.props = props
        current = "id"
        _assign_key(doc, mapping)
    except FieldError as e:
        return Reject(file, line, e.field or name_of(current), str(e), _record_text(values))
    except ValueError as e:
        return Reject(file, line, name_of(current), str(e), _record_text(values))
    return doc


def _assign_key(doc: Document, mapping: ColumnMapping) -> None:
    """Replace ``doc.id`` by its identity key; the id as read becomes ``source_id``."""
    given = doc.id
    doc.source = mapping.source
    doc.source_id = given
    if doc.kind == "patent":
        pn = doc.props.get("pn")
        key = patent_key(pn) if pn else None
        if not key and mapping.source_prefix and given.isdigit():
            key = mapping.source_prefix + given
        doc.id = key or given
        return
    doi = doc.props.get("doi")
    arxiv = arxiv_id_of(doi, doc.props.get("arxiv_id") or given)
    if arxiv:
        doc.props["arxiv_id"] = arxiv
    if mapping.source_prefix:
        key = paper_key(doi, arxiv, given, mapping.source_prefix)
    else:
        key = paper_key(doi, arxiv) or given
    doc.id = key or given


MappingLike = Union[ColumnMapping, Callable[[TableInfo], ColumnMapping]]


def read_mapped(path: str | Path, kind: str, mapping: MappingLike,
                **read_opts: Any) -> Iterator[Record]:
    """Stream ``path`` (any form ``tabular.read_rows`` reads) as ``kind`` documents.

    ``mapping`` is a ``ColumnMapping`` or a chooser ``TableInfo -> ColumnMapping`` called
    once per table (file or zip member) with its header, which may raise
    ``BadInputError`` for a header it does not recognise. Mapped columns missing from a
    CSV/TSV header raise ``BadInputError``. ``read_opts`` go to ``read_rows``.
    Yields Documents and Rejects in file order.
    """
    if isinstance(mapping, ColumnMapping):
        mapping.validate(kind)
    elif kind not in ("paper", "patent"):
        raise BadInputError(f"kind must be 'paper' or 'patent', not {kind!r}", field="--kind")
    return _mapped(path, kind, mapping, read_opts)


def _mapped(path: str | Path, kind: str, mapping: MappingLike,
            read_opts: dict[str, Any]) -> Iterator[Record]:
    chosen: dict[str, ColumnMapping] = {}

    def on_header(info: TableInfo) -> None:
        m = mapping if isinstance(mapping, ColumnMapping) else mapping(info)
        if m is not mapping:
            m.validate(kind)
        m.check_header(info)
        chosen[info.file] = m

    for item in read_rows(path, on_header=on_header, **read_opts):
        if isinstance(item, Reject):
            yield item
        else:
            yield map_row(item, kind, chosen[item.file])


def read_csv_mapped(path: str | Path, kind: str,
                    mapping: str | dict[str, str] | ColumnMapping,
                    **read_opts: Any) -> Iterator[Record]:
    """``innograph load csv FILE --kind paper|patent --map field=column,...``.

    ``mapping``: the ``--map`` string, a ``{field: column}`` dict or a ``ColumnMapping``.
    Raises ``BadInputError`` at the call for a bad kind or mapping (unknown field names
    are listed with the known ones), and on iteration for mapped columns missing from the
    header. See the module docstring for the fields.
    """
    m = mapping if isinstance(mapping, ColumnMapping) else mapping_from_spec(mapping, kind)
    return read_mapped(path, kind, m, **read_opts)
