"""USPTO grant full-text XML (``us-patent-grant`` v4.x) → patent ``Document`` records.

Input forms (``read_uspto_xml(path)``):

- one document per file (``USD0913312-20210316.XML``);
- a weekly file (``ipgYYMMDD.xml``) where thousands of documents follow each other, each
  with its own ``<?xml …?>`` declaration and ``<!DOCTYPE us-patent-grant …>``;
- a folder (every ``*.xml`` / ``*.zip`` below it, sorted by path);
- a ``.zip`` (the form the USPTO distributes weekly files in): every ``*.xml`` member.

Files are streamed: a concatenated file is split on the lines that start with an XML
declaration, so only one document is in memory at a time; each record carries the
1-based line of its ``<?xml`` line in the input file (``Document.line`` / ``Reject.line``).

Safety. The DOCTYPE names ``us-patent-grant-v45-…dtd``, which is not shipped and is never
fetched. Before parsing, the DOCTYPE is removed (its newlines kept, so parser line numbers
still map to file lines); a DOCTYPE whose internal subset is not empty is refused, and one
declaring an ``<!ENTITY`` is refused with an entity-expansion reason (the "billion laughs"
and external-entity attacks both need such a declaration). Without a DTD, expat resolves
only the five predefined entities and character references (``&#x26;``); any other
``&name;`` is a well-formedness error, i.e. a Reject.

Fields (names as in the v4.5 DTD):

=====================  =================================================================
Document.id / ``pn``   ``country + series letters + digits without leading zeros`` of the
                       publication doc-number, kind code dropped: ``D0913312`` →
                       ``USD913312``, ``10912345`` → ``US10912345``, ``07654321`` →
                       ``US7654321`` (the spelling ``loaders.google_patents.patent_id``
                       and the PatentsView loader use, so the same patent merges)
``props['kind']``      ``design`` | ``utility`` | ``plant`` | ``reissue`` | …, from the
                       application ``appl-type`` attribute, else from the kind code
                       (S/S1 design, B1/B2/A utility, E reissue, P2/P3 plant, H SIR)
``year``               filing year (application-reference date), ``year_source=
                       'filing_date'``; the grant year when no filing date is given
                       (``year_source='grant_date'``)
``props['grant_year']`` year of the publication (grant) date
title / abstract       ``invention-title``; ``abstract`` paragraphs (utility; designs
                       have none)
``props['claims']``    every claim's text, whitespace collapsed, one claim per line
``props['ipc_text']``  the IPC codes joined with ``"; "`` (when there are any)
applicants             ``us-applicant`` (or v4.0–4.2 ``applicant``) then ``assignee``
                       entries not already named, as ``Org(name, country, region=state)``
authors                ``inventor`` entries (or v4.0–4.2 applicants with
                       ``app-type="applicant-inventor"``) as ``Person(name, country)``
codes                  ``classification-ipcr`` → ``("G06N 3/08", "ipc")``;
                       ``classifications-cpc`` (main and further) → ``(…, "cpc")``;
                       ``classification-locarno`` ``1404`` → ``("14-04", "locarno")``.
                       The ``classification-cpc-text`` of the *search field* and of
                       citations is not the patent's classification and is ignored.
figures                design patents (or every patent with ``figures='all'``): one dict
                       per figure described in ``description-of-drawings``, see below
=====================  =================================================================

Figures. A paragraph describes figures when it starts with ``FIG. n`` / ``FIGS. n and m``
/ ``FIGS. n-m`` / ``FIGURE n`` (optionally lettered: ``FIG. 1A``), ``The FIGURE`` / ``The
sole figure`` (number 1), or a Hague-system reproduction number ``1.3 : Back`` (number = its
position in the list of reproductions). Each described figure becomes
``{"id": f"{patent_id}-F{n}{letter}", "number": n, "caption": paragraph text, "file": …}``;
a paragraph naming several figures gives each of them the same caption; a figure described
twice keeps its first caption. ``file`` is the image file of drawing sheet *k* (the
``<drawings><figure num="0000k"><img file=…>`` entries; sheet 0 is the front-page drawing
and is not used) for the *k*-th described figure, but only when the patent has exactly one
sheet per described figure: where a sheet holds several figures (``number-of-figures`` >
``number-of-drawing-sheets``) the XML does not say which figure is on which sheet, and
``file`` is ``None`` rather than a guess.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..errors import BadInputError
from ..graph import schema
from ..identity import name_key
from .mapping import canonical_code
from .records import Document, Org, Person, Reject, check_text, parse_year

__all__ = ["read_uspto_xml", "split_documents", "parse_grant", "parse_figure_paragraphs",
           "canonical_id"]

ROOT_TAG = "us-patent-grant"
FIGURES_MODES = ("design", "all", "none")

_DECL = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[\s?]")
_WS = re.compile(r"\s+")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")

_KIND_CODES = {
    "S": "design", "S1": "design", "B1": "utility", "B2": "utility", "A": "utility",
    "E": "reissue", "E1": "reissue", "P2": "plant", "P3": "plant", "H": "sir", "H1": "sir",
}


class _Refused(ValueError):
    """A document refused before parsing (unsafe or malformed prologue)."""


# ------------------------------------------------------------------ splitting
def split_documents(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Split a stream of byte lines into XML documents.

    A new document starts at every line that begins with an XML declaration (``<?xml``,
    after an optional BOM and spaces). Blank lines before the first document are skipped;
    a file with no declaration at all is one document.

    Yields ``(start_line, document_bytes)``, ``start_line`` 1-based.
    """
    buf: list[bytes] = []
    start = 0
    for n, line in enumerate(lines, 1):
        if _DECL.match(line):
            if buf:
                yield start, b"".join(buf)
            buf, start = [line], n
        elif buf:
            buf.append(line)
        elif line.strip():  # content before any declaration: a document without one
            buf, start = [line], n
    if buf and any(x.strip() for x in buf):
        yield start, b"".join(buf)


def _strip_doctype(doc: bytes) -> bytes:
    """``doc`` with its DOCTYPE replaced by as many newlines as it spanned.

    Raises ``_Refused`` for an internal subset that declares anything (``<!ENTITY`` gets its
    own reason) and for an unterminated DOCTYPE.
    """
    m = _FIRST_ELEMENT.search(doc)
    prologue_end = m.start() if m else len(doc)
    i = doc.find(b"<!DOCTYPE", 0, prologue_end)
    if i < 0:
        return doc
    j, quote, depth, subset_start, subset_end = i + 9, 0, 0, -1, -1
    end = -1
    while j < len(doc):
        c = doc[j]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):  # " '
            quote = c
        elif c == 0x5B:  # [
            depth += 1
            if subset_start < 0:
                subset_start = j + 1
        elif c == 0x5D:  # ]
            depth -= 1
            if depth == 0:
                subset_end = j
        elif c == 0x3E and depth == 0:  # >
            end = j
            break
        j += 1
    if end < 0:
        raise _Refused("unterminated <!DOCTYPE declaration")
    if subset_start >= 0:
        subset = doc[subset_start:subset_end if subset_end >= 0 else end]
        if b"<!ENTITY" in subset:
            raise _Refused("the DOCTYPE declares entities (<!ENTITY …>): refused, entity "
                           "expansion and external entities are not allowed")
        if subset.strip():
            raise _Refused("the DOCTYPE has an internal DTD subset with declarations: refused")
    return doc[:i] + b"\n" * doc.count(b"\n", i, end + 1) + doc[end + 1:]


def _parse_xml(doc: bytes) -> ET.Element:
    """Parse one document with the DOCTYPE removed (see the module notes on safety)."""
    parser = ET.XMLParser()
    parser.feed(_strip_doctype(doc))
    return parser.close()


# ------------------------------------------------------------------- helpers
_NUMBER = re.compile(r"^([A-Z]*)0*(\d+)$")


def canonical_id(country: str, doc_number: str) -> str:
    """``US`` + ``D0913312`` → ``USD913312``: series letters kept, leading zeros of the
    digits dropped; a number of another shape is kept as printed (spaces removed)."""
    s = re.sub(r"\s", "", doc_number).upper()
    m = _NUMBER.match(s)
    if m:
        s = f"{m.group(1)}{int(m.group(2))}"
    return f"{country.strip().upper()}{s}"


def _text(el: ET.Element | None) -> str | None:
    """All text inside ``el``, whitespace collapsed; ``None`` when empty or absent."""
    if el is None:
        return None
    s = _WS.sub(" ", "".join(el.itertext())).strip()
    return s or None


def _child_text(el: ET.Element | None, path: str) -> str | None:
    return _text(el.find(path)) if el is not None else None


def _country(value: str | None) -> str | None:
    if not value or value.strip().lower() in {"unknown", "xx", "n/a"}:
        return None
    return value.strip()


def _party_name(book: ET.Element) -> str | None:
    """``orgname``, else ``first-name last-name``."""
    org = _child_text(book, "orgname")
    if org:
        return org
    parts = [_child_text(book, "first-name"), _child_text(book, "last-name")]
    name = " ".join(p for p in parts if p)
    return name or _child_text(book, "name")


def _party(el: ET.Element) -> tuple[str | None, str | None, str | None]:
    """(name, country, state) of an applicant / inventor / assignee element."""
    book = el.find("addressbook")
    if book is None:
        book = el
    name = _party_name(book)
    country = _country(_child_text(book, "address/country") or _child_text(el, "residence/country"))
    state = _child_text(book, "address/state")
    return name, country, state


def _code_from_parts(el: ET.Element) -> str | None:
    """``section class subclass main-group/subgroup`` → ``G06N 3/08``."""
    parts = [_child_text(el, t) or "" for t in ("section", "class", "subclass")]
    head = "".join(parts).replace(" ", "")
    main, sub = _child_text(el, "main-group"), _child_text(el, "subgroup")
    if not head:
        return None
    if main and sub:
        return canonical_code(f"{head} {main.strip()}/{sub.strip()}")
    return canonical_code(head)


def _locarno(code: str | None) -> str | None:
    """Locarno ``1404`` → ``14-04`` (class-subclass); other spellings kept, trimmed."""
    if not code:
        return None
    s = code.replace(" ", "")
    if re.fullmatch(r"\d{4}", s):
        return f"{s[:2]}-{s[2:]}"
    return s


def _dedupe(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for x in items:
        if x[0] and x not in seen:
            seen.add(x)
            out.append(x)
    return out


# ------------------------------------------------------------------- figures
_FIG_HEAD = re.compile(r"^(?:FIGS?|FIGURES?)\b\.?\s*", re.IGNORECASE)
_FIG_REF = re.compile(r"(\d+)([A-Za-z]?)\b")
_FIG_SEP = re.compile(r"^\s*(?:,|;|and\b|&|-|–|—|through\b|to\b)\s*", re.IGNORECASE)
_SOLE = re.compile(r"^(?:the\s+)?(?:sole|single|only)?\s*figure\b", re.IGNORECASE)
_HAGUE = re.compile(r"^(\d+)\.(\d+)\s*[:.\-–]?\s*(\S.*)?$")
_MAX_RANGE = 500


def _figure_refs(text: str) -> list[tuple[int, str]] | None:
    """The figure numbers a caption paragraph starts with, or ``None`` if it names none.

    ``FIG. 3 is …`` → [(3, '')]; ``FIGS. 1 and 2 are …`` → [(1, ''), (2, '')];
    ``FIGS. 4-6 …`` → [(4,''), (5,''), (6,'')]; ``FIG. 1A …`` → [(1, 'A')].
    """
    m = _FIG_HEAD.match(text)
    if not m:
        return None
    rest = text[m.end():]
    refs: list[tuple[int, str]] = []
    pending_range = False
    while True:
        r = _FIG_REF.match(rest)
        if not r:
            break
        n, letter = int(r.group(1)), r.group(2).upper()
        if pending_range and refs and not letter and not refs[-1][1] and n > refs[-1][0] \
                and n - refs[-1][0] <= _MAX_RANGE:
            refs.extend((k, "") for k in range(refs[-1][0] + 1, n + 1))
        else:
            refs.append((n, letter))
        rest = rest[r.end():]
        s = _FIG_SEP.match(rest)
        if not s or not _FIG_REF.match(rest[s.end():]):
            break
        pending_range = s.group(0).strip().lower() in {"-", "–", "—", "through", "to"}
        rest = rest[s.end():]
    return refs or None


def parse_figure_paragraphs(paragraphs: list[str], patent_id: str,
                            sheet_files: list[str]) -> list[dict]:
    """Figure dicts from the paragraphs of a ``description-of-drawings``.

    Parameters
    ----------
    paragraphs : texts of the ``<p>`` elements, in order, whitespace collapsed.
    patent_id : the Document id the figure ids are built from.
    sheet_files : image file names of drawing sheets 1..S, in sheet order (sheet 0, the
        front-page drawing, excluded).

    Returns
    -------
    list of ``{"id", "number", "caption", "file"}`` in order of description; ``file`` is
    set only when ``len(figures) == len(sheet_files)`` (see the module notes).
    """
    figures: list[dict] = []
    seen: set[str] = set()
    hague = 0

    def add(number: int, letter: str, caption: str) -> None:
        fid = f"{patent_id}-F{number}{letter}"
        if fid not in seen:
            seen.add(fid)
            figures.append({"id": fid, "number": number, "caption": caption, "file": None})

    for text in paragraphs:
        refs = _figure_refs(text)
        if refs:
            for n, letter in refs:
                add(n, letter, text)
            continue
        if _SOLE.match(text) and re.search(r"\b(is|shows|illustrates|depicts)\b", text[:60]):
            add(1, "", text)
            continue
        h = _HAGUE.match(text)
        if h and h.group(3):
            hague += 1
            add(hague, "", text)
    if figures and len(figures) == len(sheet_files):
        for f, file in zip(figures, sheet_files):
            f["file"] = file
    return figures


def _sheet_files(root: ET.Element) -> list[str]:
    sheets: list[tuple[int, str]] = []
    for fig in root.findall("drawings/figure"):
        img = fig.find("img")
        try:
            num = int(fig.get("num") or -1)
        except ValueError:
            continue
        if num >= 1 and img is not None and img.get("file"):
            sheets.append((num, img.get("file", "")))
    return [f for _, f in sorted(sheets)]


def _figure_paragraphs(root: ET.Element) -> list[str]:
    dod = root.find("description/description-of-drawings")
    if dod is None:
        dod = root.find(".//description-of-drawings")
    paras = dod.findall("p") if dod is not None else root.findall("description/p")
    return [t for t in (_text(p) for p in paras) if t]


# ------------------------------------------------------------------- one grant
def parse_grant(root: ET.Element, file: str = "", line: int = 0,
                figures: str = "design") -> Document | Reject:
    """One ``<us-patent-grant>`` element → a patent ``Document`` (or a ``Reject``).

    ``figures``: ``'design'`` (figures of design patents only), ``'all'`` or ``'none'``.
    """
    if root.tag != ROOT_TAG:
        return Reject(file, line, "root", f"not a {ROOT_TAG} document (root <{root.tag}>)")
    bib = root.find("us-bibliographic-data-grant")
    if bib is None:
        return Reject(file, line, "us-bibliographic-data-grant", "missing")
    pub = bib.find("publication-reference/document-id")
    number = _child_text(pub, "doc-number")
    if not number:
        return Reject(file, line, "doc-number", "no publication doc-number")
    pid = canonical_id(_child_text(pub, "country") or "US", number)
    kind_code = _child_text(pub, "kind")
    app = bib.find("application-reference")
    appl_type = (app.get("appl-type") or "").strip().lower() if app is not None else ""
    kind = appl_type or _KIND_CODES.get((kind_code or "").upper()) or kind_code

    try:
        grant_year = parse_year(_child_text(pub, "date"))
    except ValueError as e:
        return Reject(file, line, "publication date", str(e), pid)
    year, year_source = None, None
    try:
        year = parse_year(_child_text(app, "document-id/date"))
        year_source = "filing_date" if year is not None else None
    except ValueError:
        year = None
    if year is None and grant_year is not None:
        year, year_source = grant_year, "grant_date"

    codes: list[tuple[str, str]] = []
    for el in bib.findall("classifications-ipcr/classification-ipcr"):
        codes.append((_code_from_parts(el) or "", schema.SCHEME_IPC))
    ipc_codes = [c for c, _ in _dedupe(codes)]
    for el in bib.findall("classifications-cpc//classification-cpc"):
        codes.append((_code_from_parts(el) or "", schema.SCHEME_CPC))
    for el in bib.findall("classification-locarno"):
        codes.append((_locarno(_child_text(el, "main-classification")) or "",
                      schema.SCHEME_LOCARNO))
    codes = _dedupe(codes)

    # parties: v4.3+ us-parties/{us-applicants,inventors}; v4.0-4.2 parties/applicants
    parties = bib.find("us-parties")
    if parties is None:
        parties = bib.find("parties")
    applicant_els = [] if parties is None else (
        parties.findall("us-applicants/us-applicant") + parties.findall("applicants/applicant"))
    inventor_els = [] if parties is None else parties.findall("inventors/inventor")
    applicants: list[Org] = []
    authors: list[Person] = []
    seen_orgs: set[str] = set()
    for el in applicant_els:
        name, ctry, state = _party(el)
        if not name:
            continue
        if not inventor_els and el.get("app-type") == "applicant-inventor":
            authors.append(Person(name=name, country=ctry))
            continue
        key = name_key(name) or name
        if key not in seen_orgs:
            seen_orgs.add(key)
            applicants.append(Org(name=name, country=ctry, region=state))
    for el in bib.findall("assignees/assignee"):
        name, ctry, state = _party(el)
        key = name_key(name) if name else None
        if name and key not in seen_orgs:
            seen_orgs.add(key or name)
            applicants.append(Org(name=name, country=ctry, region=state))
    for el in inventor_els:
        name, ctry, _ = _party(el)
        if name:
            authors.append(Person(name=name, country=ctry))

    try:
        title = check_text(_child_text(bib, "invention-title"))
        abs_el = root.find("abstract")
        abstract = None
        if abs_el is not None:
            paras = [_text(p) for p in abs_el.findall(".//p")] or [_text(abs_el)]
            abstract = check_text(" ".join(p for p in paras if p))
        claims = check_text("\n".join(
            t for t in (_text(c) for c in root.findall("claims/claim")) if t))
    except ValueError as e:
        return Reject(file, line, "text", str(e), pid)

    figs: list[dict] = []
    if figures == "all" or (figures == "design" and kind == "design"):
        figs = parse_figure_paragraphs(_figure_paragraphs(root), pid, _sheet_files(root))

    props: dict = {"pn": pid, "kind": kind, "grant_year": grant_year, "claims": claims}
    if ipc_codes:
        props["ipc_text"] = "; ".join(ipc_codes)
    return Document(
        kind="patent", id=pid, title=title, abstract=abstract, year=year,
        year_source=year_source, props=props, authors=authors, applicants=applicants,
        codes=codes, figures=figs, source="uspto-xml", source_id=number, file=file, line=line,
    )


def _parse_one(doc: bytes, file: str, line: int, figures: str) -> Document | Reject:
    try:
        root = _parse_xml(doc)
    except _Refused as e:
        return Reject(file, line, "DOCTYPE", str(e), doc[:300].decode("utf-8", "replace"))
    except ET.ParseError as e:
        err_line, col = getattr(e, "position", (1, 0))
        msg = str(e).split(":")[0]
        return Reject(file, line, "xml",
                      f"not well-formed XML: {msg} (file line {line + err_line - 1}, "
                      f"column {col + 1})", doc[:300].decode("utf-8", "replace"))
    return parse_grant(root, file, line, figures)


# ------------------------------------------------------------------- entry point
def _read_stream(stream: IO[bytes], name: str, figures: str) -> Iterator[Document | Reject]:
    for start, doc in split_documents(stream):
        yield _parse_one(doc, name, start, figures)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*")
                      if p.is_file() and p.suffix.lower() in (".xml", ".zip"))
    return [path]


def read_uspto_xml(path: str | Path, figures: str = "design") -> Iterator[Document | Reject]:
    """Stream patent Documents (or Rejects) from USPTO grant XML.

    Parameters
    ----------
    path : a ``.xml`` file (one document or a weekly concatenation), a ``.zip`` of such
        files, or a folder searched recursively for ``*.xml`` and ``*.zip``.
    figures : ``'design'`` (default: figures of design patents), ``'all'``, ``'none'``.

    Yields
    ------
    ``Document`` (kind ``'patent'``) per well-formed grant, ``Reject`` per document that
    cannot be used, with ``file`` and the 1-based ``line`` where that document starts
    (for zip members ``file`` reads ``archive.zip!member.xml``).

    Raises
    ------
    BadInputError : ``path`` does not exist, or ``figures`` is not a known mode.
    """
    if figures not in FIGURES_MODES:
        raise BadInputError(f"figures must be one of {FIGURES_MODES}, not {figures!r}")
    p = Path(path)
    if not p.exists():
        raise BadInputError("no such file or folder", file=str(p))
    for f in _files(p):
        if f.suffix.lower() == ".zip":
            with zipfile.ZipFile(f) as z:
                for info in z.infolist():
                    if info.filename.lower().endswith(".xml"):
                        with z.open(info) as raw:
                            yield from _read_stream(io.BufferedReader(raw),
                                                    f"{f}!{info.filename}", figures)
        else:
            with open(f, "rb") as stream:
                yield from _read_stream(stream, str(f), figures)
