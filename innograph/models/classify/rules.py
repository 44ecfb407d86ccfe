"""The keywords + IPC rule (docs/method.md §2, step 1): the AI code and keyword lists, their
parser, and the rule over documents.

A document is coarse-AI when one of its IPC/CPC codes falls under an entry of the AI code list
(``parse_entry``: sections, classes, subclasses, main groups, subgroup prefixes, ranges in IPC
order, exact codes), or its title + abstract contains a phrase of the AI keyword list (whole
words, case-insensitive unless marked ``cs:``). The lists ship as versioned data files
(``innograph/data/ai_codes_v1.txt``, ``ai_keywords_v1.txt``) and are replaceable; the rule's
version (``RuleLists.version``) is written beside every label it gives.

Pure functions: codes and texts in, booleans out; the only I/O is reading the list files.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ...codes import parse_ipc
from ...errors import BadInputError, ModelMissingError

__all__ = ["CODES_FILE", "KEYWORDS_FILE", "CodeEntry", "RuleLists", "parse_code", "parse_entry",
           "code_matches", "load_rule_lists", "keyword_hits", "rule_is_ai", "rule_labels"]

CODES_FILE = "ai_codes_v1.txt"
KEYWORDS_FILE = "ai_keywords_v1.txt"

# ------------------------------------------------------------------------------ codes
_FIXED_RE = re.compile(r"^([A-HY]\d{2}[A-Z])(\d{4})(\d{6})$")  # EPO/DOCDB: G06N0003040000


def _compact(code: str) -> str:
    """Upper case, version notes like ``(2006.01)`` and all whitespace removed."""
    s = re.sub(r"\([^)]*\)", "", str(code).upper())
    return re.sub(r"\s+", "", s)


def parse_code(code: str) -> tuple[str, int | None, str | None] | None:
    """An IPC/CPC symbol as ``(head, group, subgroup_digits)``, or ``None`` if not one.

    ``head`` is the section, class or subclass as written (``'G'``, ``'G06'``, ``'G06N'``);
    ``group`` the main group number; ``subgroup_digits`` the digits after the slash as
    written (``'0454'``; a code without them, ``G06N 3``, reads as its heading ``'00'``).
    Spaces are optional, a version note in parentheses is ignored, and the 14-character
    DOCDB form (``G06N0003045400``) is read with its subgroup's trailing zeros dropped (to
    two digits). Locarno (``14-02``) and US classes are not IPC/CPC: ``None``.
    """
    parsed = parse_ipc(code)  # the one IPC/CPC parser (innograph.codes)
    if parsed is None:
        return None
    if parsed.group is None:
        return parsed.head, None, None
    return parsed.head, parsed.group, parsed.subgroup


def _frac(digits: str) -> Decimal:
    """Subgroup digits read as a decimal fraction: '0454' → 0.0454 (IPC order)."""
    return Decimal("0." + digits) if digits else Decimal(0)


def _ulp(digits: str) -> Decimal:
    return Decimal(1).scaleb(-len(digits))


@dataclass(frozen=True)
class CodeEntry:
    """One entry of an AI code list (see ``parse_entry``).

    ``head`` is a section / class / subclass; for group-level entries the matched codes are
    those of subclass ``head`` whose position ``(group, subgroup as decimal fraction)`` lies
    in ``[lo, hi)`` (``exact``: equals ``lo``). ``lo is None``: every code under ``head``.
    """

    text: str
    head: str
    lo: tuple[int, Decimal] | None = None
    hi: tuple[int, Decimal] | None = None
    exact: bool = False

    def matches(self, parsed: tuple[str, int | None, str | None] | None) -> bool:
        """Whether a ``parse_code`` result falls under this entry."""
        if parsed is None:
            return False
        head, group, sub = parsed
        if self.lo is None:
            return head.startswith(self.head)
        if head != self.head or group is None:
            return False
        pos = (group, _frac(sub or "00"))
        if self.exact:
            return pos == self.lo
        assert self.hi is not None
        return self.lo <= pos < self.hi


@lru_cache(maxsize=4096)
def parse_entry(entry: str) -> CodeEntry:
    """A code-list entry → ``CodeEntry``; ``ValueError`` for text that is not one.

    Forms (spaces optional; a trailing ``*`` is ignored):

    - ``G``, ``G06``, ``G06N``: every code under that section / class / subclass;
    - ``G06N 3/`` or ``G06N 3`` or ``G06N 3/00``: main group 3, every subgroup (the ``/00``
      heading stands for its whole group, as in the IPC hierarchy), never group 30;
    - ``G06N 3/02``: subgroups of group 3 whose digits start with ``02`` (3/02, 3/021,
      3/0245) — interval [0.02, 0.03) in IPC order; ``3/0`` and ``3/04`` are outside;
    - ``G06N 3/02-3/126`` (or ``-126``, or ``-G06N 3/126``): every code from 3/02 up to
      3/126 and its extensions (3/1265), in IPC order — how WIPO and CSET write a branch
      such as "neural networks", whose dot-level children (3/04, 3/0454) the digits alone
      do not reveal;
    - ``=G06N 3/00``: exactly that code.
    """
    raw = entry.strip()
    text = raw.rstrip("*").strip()
    exact = text.startswith("=")
    if exact:
        text = text[1:].strip()
    left, _, right = text.partition("-")
    p = parse_code(left) if left.strip() else None
    if p is None:
        raise ValueError(f"not an IPC/CPC code entry: {entry!r}")
    head, group, _ = p
    c = _compact(left)
    if "/" in c:
        sub_written = c.split("/", 1)[1]
    else:  # "G06N 3" is the main group; the DOCDB form carries its subgroup
        sub_written = p[2] if _FIXED_RE.match(c) and p[2] != "00" else ""
    if group is None:
        if right or exact:
            raise ValueError(f"ranges and '=' need a group: {entry!r}")
        return CodeEntry(raw, head)
    if len(head) != 4:
        raise ValueError(f"a group needs a full subclass (e.g. G06N 3/02): {entry!r}")
    lo = (group, _frac(sub_written))
    if exact:
        if right:
            raise ValueError(f"'=' takes one code, not a range: {entry!r}")
        return CodeEntry(raw, head, lo, lo, exact=True)
    if right:
        r = _compact(right)
        if re.fullmatch(r"\d{1,6}", r):
            g2, s2 = group, r
        elif re.fullmatch(r"\d{1,4}/\d{1,6}", r):
            g2, s2 = int(r.split("/")[0]), r.split("/")[1]
        else:
            q = parse_code(r)
            if q is None or q[0] != head or q[1] is None or "/" not in r:
                raise ValueError(f"range end must be in the same subclass: {entry!r}")
            g2, s2 = q[1], r.split("/", 1)[1]
        hi = (g2, _frac(s2) + _ulp(s2))
        if hi <= lo:
            raise ValueError(f"empty range: {entry!r}")
        return CodeEntry(raw, head, lo, hi)
    if sub_written in ("", "00"):  # main group
        return CodeEntry(raw, head, (group, Decimal(0)), (group, Decimal(1)))
    return CodeEntry(raw, head, lo, (group, _frac(sub_written) + _ulp(sub_written)))


def code_matches(code: str, prefixes: "Iterable[str | CodeEntry] | RuleLists") -> bool:
    """Whether IPC/CPC ``code`` falls under any entry of ``prefixes``.

    ``prefixes``: code-list entries as text (``'G06N 3/'``, ``'G06N 3/02-3/126'``, see
    ``parse_entry``), ``CodeEntry`` objects, or a ``RuleLists``. Examples: ``'G06N3/0454'``
    matches ``'G06N'``, ``'G06N 3/'`` and ``'G06N 3/02-126'``; ``'G06N 30/02'`` does not match
    ``'G06N 3/'``; ``'G06N 3/0'`` does not match ``'G06N 3/02'``. A code that is not IPC/CPC
    matches nothing.
    """
    if isinstance(prefixes, RuleLists):
        return prefixes.match_code(code)
    parsed = parse_code(code)
    if parsed is None:
        return False
    for e in prefixes:
        ce = e if isinstance(e, CodeEntry) else parse_entry(e)
        if ce.matches(parsed):
            return True
    return False


# --------------------------------------------------------------------------- keywords
def _phrase_regex(phrase: str) -> str:
    """Whole-word regex of one list phrase (``*`` = more word characters; a space or hyphen
    between words = any run of whitespace / hyphens)."""
    words = [w for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    if not words:
        raise ValueError(f"empty keyword phrase: {phrase!r}")
    parts = []
    for w in words:
        star = w.endswith("*")
        core = w.rstrip("*")
        if not core:
            raise ValueError(f"bad keyword phrase: {phrase!r}")
        parts.append(re.escape(core) + (r"\w*" if star else ""))
    return r"[\s\-]+".join(parts) + r"(?!\w)"


def _union(regexes: list[str], flags: int) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{r})" for r in regexes) + ")", flags)


def _read_list(path: Path) -> tuple[list[str], dict[str, str]]:
    """Entries (comments stripped) and ``# key: value`` header fields of a list file."""
    entries: list[str] = []
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        body, _, comment = line.partition("#")
        if not body.strip():
            m = re.match(r"\s*#\s*(version|source)\s*:\s*(.+)$", line)
            if m and m.group(1) not in header:
                header[m.group(1)] = m.group(2).strip()
            continue
        entries.append(body.strip())
    return entries, header


def _list_version(path: Path, entries: list[str], header: dict[str, str]) -> str:
    digest = hashlib.sha256("\n".join(entries).encode()).hexdigest()[:8]
    return f"{header.get('version') or path.stem}@{digest}"


@dataclass(frozen=True)
class RuleLists:
    """The AI code and keyword lists of the rule, compiled.

    ``version`` = ``'<codes version>+<keywords version>'``, each ``name@sha8`` of its entries,
    written as ``ai_rule_version`` on every document the rule marks.
    """

    codes: tuple[CodeEntry, ...]
    keywords: tuple[str, ...]
    codes_file: str
    keywords_file: str
    codes_version: str
    keywords_version: str
    _by_subclass: dict[str, tuple[CodeEntry, ...]] = field(repr=False, compare=False)
    _short: tuple[CodeEntry, ...] = field(repr=False, compare=False)
    _ci: re.Pattern[str] | None = field(repr=False, compare=False)
    _cs: re.Pattern[str] | None = field(repr=False, compare=False)

    @property
    def version(self) -> str:
        return f"{self.codes_version}+{self.keywords_version}"

    def match_code(self, code: str) -> bool:
        parsed = parse_code(code)
        if parsed is None:
            return False
        cands = self._by_subclass.get(parsed[0][:4], ()) + self._short
        return any(e.matches(parsed) for e in cands)

    def search_text(self, text: str) -> bool:
        return bool((self._ci and self._ci.search(text)) or (self._cs and self._cs.search(text)))


def _package_file(name: str) -> Path:
    return Path(str(resources.files("innograph") / "data" / name))


@lru_cache(maxsize=16)
def _load_lists(codes: str, keywords: str, mtimes: tuple[float, float]) -> RuleLists:
    cpath, kpath = Path(codes), Path(keywords)
    centries, cheader = _read_list(cpath)
    kentries, kheader = _read_list(kpath)
    parsed = []
    for e in centries:
        try:
            parsed.append(parse_entry(e))
        except ValueError as err:
            raise BadInputError(str(err), file=str(cpath)) from None
    by_sub: dict[str, list[CodeEntry]] = {}
    short = []
    for ce in parsed:
        (by_sub.setdefault(ce.head, []) if len(ce.head) == 4 else short).append(ce)
    ci, cs = [], []
    for k in kentries:
        try:
            if k.startswith("cs:"):
                cs.append(_phrase_regex(k[3:]))
            else:
                ci.append(_phrase_regex(k))
        except ValueError as err:
            raise BadInputError(str(err), file=str(kpath)) from None
    return RuleLists(
        codes=tuple(parsed), keywords=tuple(kentries), codes_file=str(cpath),
        keywords_file=str(kpath), codes_version=_list_version(cpath, centries, cheader),
        keywords_version=_list_version(kpath, kentries, kheader),
        _by_subclass={k: tuple(v) for k, v in by_sub.items()}, _short=tuple(short),
        _ci=_union(ci, re.IGNORECASE), _cs=_union(cs, 0),
    )


def load_rule_lists(codes_file: str | os.PathLike | None = None,
                    keywords_file: str | os.PathLike | None = None) -> RuleLists:
    """The rule's code and keyword lists: the packaged v1 files unless paths are given.

    List syntax is in the header of each packaged file (and ``parse_entry``). Raises
    ``BadInputError`` naming the file for an entry that cannot be read, ``ModelMissingError``
    for a missing file. Cached per (path, modification time).
    """
    cpath = Path(codes_file) if codes_file else _package_file(CODES_FILE)
    kpath = Path(keywords_file) if keywords_file else _package_file(KEYWORDS_FILE)
    for p in (cpath, kpath):
        if not p.is_file():
            raise ModelMissingError(f"AI list file {p} not found: give an existing --codes / "
                                    "--keywords file, or reinstall innograph")
    return _load_lists(str(cpath.resolve()), str(kpath.resolve()),
                       (cpath.stat().st_mtime, kpath.stat().st_mtime))


def keyword_hits(text: str | None, lists: RuleLists | None = None) -> list[str]:
    """The list phrases found in ``text`` (diagnostics; ``rule_is_ai`` uses one search)."""
    lists = lists or load_rule_lists()
    text = text or ""
    out = []
    for k in lists.keywords:
        cs = k.startswith("cs:")
        pat = r"(?<!\w)" + _phrase_regex(k[3:] if cs else k)
        if re.search(pat, text, 0 if cs else re.IGNORECASE):
            out.append(k)
    return out


def rule_is_ai(text: str | None, codes: Iterable[str] | None = (),
               lists: RuleLists | None = None) -> bool:
    """Keywords + IPC rule: True if any code matches the AI code list or ``text`` (title +
    abstract) contains an AI keyword phrase as whole words (case-insensitive unless the
    phrase is marked ``cs:``). ``lists`` defaults to the packaged v1 lists."""
    lists = lists or load_rule_lists()
    if any(lists.match_code(c) for c in (codes or ()) if c):
        return True
    return bool(text) and lists.search_text(text)


def rule_labels(texts: Sequence[str | None], codes: Sequence[Iterable[str] | None] | None = None,
                lists: RuleLists | None = None) -> np.ndarray:
    """``rule_is_ai`` over many documents: ``(n,)`` bool."""
    lists = lists or load_rule_lists()
    codes = codes if codes is not None else [()] * len(texts)
    if len(codes) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(codes)} code lists")
    return np.fromiter((rule_is_ai(t, c, lists) for t, c in zip(texts, codes)), bool,
                       count=len(texts))
