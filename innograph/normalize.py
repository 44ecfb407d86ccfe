"""Text normalisation shared by loaders and models: keywords, names, years.

Pure functions, no I/O. Keyword normalisation is what makes one technical element one
Keyword node: ``"Neural  Networks"``, ``"neural network"`` and ``"Neural-Network "``
all become ``"neural network"``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
