"""Identity: what makes two written forms one node (README "Identity").

Pure functions over text; no I/O, no store. The loaders and ingest call them, so that the
same patent, paper, keyword or name read from two sources has one key and meets itself in
the graph.

Patent key
    the normalised publication number: country + series letters + number without leading
    zeros, no kind code (``patent_key``): ``US-10000001-B2``, ``US10000001B2``,
    ``10000001`` (country ``US``) → ``US10000001``; ``D0913312`` → ``USD913312``.
Paper key
    the DOI (lower case, without ``https://doi.org/`` / ``doi:``) when there is one; an arXiv
    DOI (``10.48550/arXiv.2505.24868``) stands for its arXiv id; else the arXiv id (new
    ``2505.24868`` and old ``hep-th/9901001`` forms, ``arXiv:`` prefix and version suffix
    removed); else the source's own id, prefixed with the source when it is a bare number
    (``DeepDiveAI:17``).
Keyword name
    ``normalize_keyword``: ``"Neural  Networks"``, ``"neural network"`` and
    ``"Neural-Network "`` all become the one Keyword node ``"neural network"``.
Person / organisation name
    ``normalize_name`` (the name as stored: NFKC, whitespace collapsed, stripped) and
    ``name_key`` (the key of an Author / Applicant / Institution without a source id:
    case-folded, punctuation-free).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["patent_key", "normalise_doi", "normalise_arxiv_id", "paper_key", "arxiv_id_of",
           "ARXIV_DOI", "normalize_keyword", "normalize_keywords", "normalize_name",
           "name_key", "singular", "STOP_WORDS"]

# --------------------------------------------------------------------------- patents
_DASHED = re.compile(r"^(?:([A-Z]{2})-)?([A-Z]{0,2})0*(\d+)-([A-Z]\d?)$|"
                     r"^([A-Z]{2})-([A-Z]{0,2})0*(\d+)$")
_PLAIN = re.compile(r"^([A-Z]*)0*(\d+)([A-Z]\d?)?$")
_SERIES = {"", "D", "RE", "PP", "H", "T", "X", "AI", "S"}


def patent_key(number: Any, country: str = "US") -> str | None:
    """A publication number in one spelling: country + series letters + digits without
    leading zeros, no kind code. ``'5269177'`` → ``'US5269177'``; ``'US-10912345-B2'`` →
    ``'US10912345'``; ``'D0913312'`` → ``'USD913312'``; ``'RE45678'`` → ``'USRE45678'``;
    ``'US10912345B2'`` → ``'US10912345'``; ``'EP1234567A1'`` → ``'EP1234567'``. Letters
    before the digits that are a US series (D, RE, PP, H, T, X, AI) take ``country``;
    other letters are a country code (+ series). Text that fits no form is returned
    trimmed and upper-cased (``None`` if empty)."""
    if number is None:
        return None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    s = re.sub(r"[\s,]", "", str(number).replace("\x00", "")).upper()
    if s.endswith(".0") and s[:-2].isdigit():  # a float column
        s = s[:-2]
    if not s:
        return None
    m = _DASHED.match(s)
    if m:
        g = m.groups()
        cc, series, digits = g[:3] if g[2] else g[4:7]
        if series and cc is None and series not in _SERIES:
            return s
        return f"{cc or country.upper()}{series}{int(digits)}"
    m = _PLAIN.match(s)
    if m:
        letters, digits, _ = m.groups()
        if letters in _SERIES:
            cc, series = country.upper(), letters
        elif len(letters) >= 2:
            cc, series = letters[:2], letters[2:]
        else:
            return s
        return f"{cc}{series}{int(digits)}"
    return s


# ---------------------------------------------------------------------------- papers
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d+(?:\.\d+)*/\S+$")
ARXIV_DOI = "10.48550/arxiv."
_ARXIV_PREFIX = re.compile(r"^(?:https?://arxiv\.org/(?:abs|pdf)/|arxiv:)", re.IGNORECASE)
_NEW_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?$")
_OLD_ARXIV = re.compile(r"^([A-Za-z][A-Za-z\-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?$")


def normalise_doi(value: Any) -> str | None:
    """``https://doi.org/10.1103/PhysRevD.76.013009`` → ``10.1103/physrevd.76.013009``;
    ``None`` for empty text or text that is not a DOI (``10.<digits>/<suffix>``)."""
    if value is None:
        return None
    s = _DOI_PREFIX.sub("", str(value).replace("\x00", "").strip()).strip().lower()
    return s if _DOI.match(s) else None


def normalise_arxiv_id(value: Any) -> str | None:
    """``arXiv:2505.24868v2`` → ``2505.24868``; ``hep-th/9901001v1`` → ``hep-th/9901001``;
    ``None`` for text that is not an arXiv id (float-mangled ids are repaired by the arXiv
    loader before they get here)."""
    if value is None:
        return None
    s = _ARXIV_PREFIX.sub("", str(value).replace("\x00", "").strip()).strip()
    m = _NEW_ARXIV.match(s)
    if m:
        return m.group(1)
    m = _OLD_ARXIV.match(s)
    if m:
        return m.group(1)
    return None


def paper_key(doi: Any = None, arxiv_id: Any = None, source_id: Any = None,
              prefix: str = "") -> str | None:
    """The key of a paper: DOI, else arXiv id, else ``prefix + source_id`` (see module doc).

    An arXiv DOI gives the arXiv id. Only a numeric ``source_id`` (a dataset's own running
    number, meaningless outside its file) is prefixed; any other id is already a key (an
    export written with ``--ids source`` and read back) and is kept as it is.
    ``None`` when all three are empty.
    """
    d = normalise_doi(doi)
    if d and d.startswith(ARXIV_DOI):
        a = normalise_arxiv_id(d[len(ARXIV_DOI):])
        if a:
            return a
    if d:
        return d
    a = normalise_arxiv_id(arxiv_id)
    if a:
        return a
    if source_id is None:
        return None
    s = str(source_id).strip()
    if not s:
        return None
    return prefix + s if s.isdigit() else s


def arxiv_id_of(doi: Any = None, arxiv_id: Any = None) -> str | None:
    """The arXiv id a paper carries: from ``arxiv_id``, else from an arXiv DOI."""
    a = normalise_arxiv_id(arxiv_id)
    if a:
        return a
    d = normalise_doi(doi)
    if d and d.startswith(ARXIV_DOI):
        return normalise_arxiv_id(d[len(ARXIV_DOI):])
    return None


# ---------------------------------------------------------------------------- keywords
_WS = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_NUMERIC = re.compile(r"^[\d\s.,:/%+\-]+$")

# Words that end in -s but are not plurals (or whose plural form is the same).
_KEEP_S = {
    "analysis", "basis", "bias", "class", "gas", "glass", "lens", "loss", "mass", "process",
    "news", "physics", "mathematics", "statistics", "economics", "genomics", "robotics",
    "dynamics", "electronics", "optics", "series", "species", "status", "corpus", "radius",
    "virus", "bus", "focus", "consensus", "census", "chaos", "cos", "kinematics", "graphics",
    "linguistics", "semantics", "ethics", "logistics", "diagnosis", "prognosis", "synthesis",
    "hypothesis", "thesis", "axis", "crisis", "emphasis", "access", "address", "success",
    "wireless", "less", "across", "plus", "minus", "previous", "various", "gps", "os", "has",
    "this", "its", "always", "perhaps", "kubernetes", "mrs", "dns", "vs", "lidar",
}
_IRREGULAR = {
    "indices": "index", "matrices": "matrix", "vertices": "vertex", "analyses": "analysis",
    "hypotheses": "hypothesis", "theses": "thesis", "criteria": "criterion",
    "phenomena": "phenomenon", "data": "data", "media": "media", "children": "child",
    "people": "people", "men": "man", "women": "woman", "feet": "foot", "teeth": "tooth",
    "mice": "mouse", "geese": "goose", "axes": "axis", "diagnoses": "diagnosis",
    "crises": "crisis", "bases": "basis", "syntheses": "synthesis", "leaves": "leaf",
    "knives": "knife", "lives": "life", "halves": "half", "shelves": "shelf",
}

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also may might must shall use used using based via within without wherein thereof herein
    one two three first second new method methods system systems apparatus device devices""".split()
)


def singular(word: str) -> str:
    """Fold an English plural to its singular with a few safe rules (no dictionary)."""
    w = word
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w in _KEEP_S or not w.isalpha():
        return w
    if w.endswith(("ss", "us", "is", "ous")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("'s"):
        return w[:-1]
    return w


def normalize_keyword(text: object) -> str | None:
    """Normalise a keyword phrase; ``None`` when nothing usable remains.

    Steps: Unicode NFKC, lower case, hyphens/underscores to spaces, whitespace collapsed,
    punctuation stripped at both ends, plural folding on every word. Pure numbers and single
    stop words give ``None``. Results are cached (corpora repeat their keywords).
    """
    if text is None:
        return None
    return _normalize_keyword(str(text))


@lru_cache(maxsize=1 << 20)
def _normalize_keyword(text: str) -> str | None:
    s = unicodedata.normalize("NFKC", text).lower().replace("\x00", "")
    s = s.replace("-", " ").replace("_", " ")
    s = _WS.sub(" ", s).strip()
    s = _EDGE_PUNCT.sub("", s)
    if not s or _NUMERIC.match(s):
        return None
    words = [singular(w) for w in s.split(" ")]
    s = " ".join(words)
    if s in STOP_WORDS or len(s) < 2:
        return None
    return s


def normalize_keywords(items: object) -> list[str]:
    """Normalise a list of keyword phrases, dropping empties and duplicates, order kept."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items or []:  # type: ignore[union-attr]
        k = normalize_keyword(item)
        if k and k not in seen:
            seen.add(k)
            out.append(k)
    return out


# ------------------------------------------------------------------------------- names
def normalize_name(text: object) -> str | None:
    """Collapse whitespace and strip a person or organisation name; ``None`` if empty."""
    if text is None:
        return None
    s = _WS.sub(" ", unicodedata.normalize("NFKC", str(text)).replace("\x00", "")).strip()
    s = s.strip(" ,;")
    return s or None


def name_key(text: object) -> str | None:
    """A matching key for a name: case-folded, punctuation-free, whitespace collapsed."""
    s = normalize_name(text)
    if s is None:
        return None
    s = re.sub(r"[^\w\s]", " ", s.casefold())
    s = _WS.sub(" ", s).strip()
    return s or None
