"""Streaming rows from CSV, TSV and JSON-lines files, plain or compressed: the reading half
of every tabular loader.

``read_rows(path)`` yields one ``Row(line, values, file)`` per data row, or a ``Reject``
for a row that cannot be read; it never loads a whole file (except a top-level JSON
*array*, which must be parsed at once). ``line`` is the 1-based physical line where the row
starts in the (decompressed) file, ``values`` maps header name → value (strings for
CSV/TSV; JSON types for JSON lines), ``file`` names the file (``archive.zip!member.csv`` for
a zip member).

Formats, from the name with any ``.gz`` / ``.bz2`` / ``.xz`` / ``.zip`` suffix removed:
``.csv`` (comma), ``.tsv`` / ``.tab`` (tab), ``.jsonl`` / ``.ndjson`` / ``.json`` (one JSON
object per line; a file whose first character is ``[`` is read as one JSON array of
objects); anything else is sniffed from its first line (``{`` → JSON lines, a tab and no
comma → TSV, else CSV). ``fmt=`` overrides.

What is done with bad input (each Reject names file, line and field):

=============================  =========================================================
empty file / header only       no rows, no error
UTF-8 BOM                      removed (also from the first header name); a UTF-16 BOM
                               switches the decoding to UTF-16
NUL bytes                      removed, the row is kept
bytes that are not UTF-8       the row is rejected; ``field`` is the column holding the
                               undecodable bytes (U+FFFD after decoding with
                               replacement), the reason quotes the bytes. Choice: reject
                               rather than keep a silently altered value.
                               ``encoding='latin-1'`` (or any codec) reads such files.
malformed quoting              parsed strictly (``"a"b`` is an error): the row is rejected
                               (field ``(row)``) and reading resumes on the line after
                               the row's first line. An unterminated quote that runs to
                               the end of the file or past ``MAX_ROW_CHARS`` is rejected
                               the same way, so the rows after it still come out.
wrong column count             rejected, field ``(row)``, reason names both counts; extra
                               trailing columns that are all empty are dropped silently
fields over ``max_field_chars`` rejected, field = that column (``MAX_FIELD_CHARS``,
                               1,000,000 characters, by default)
physical lines over            rejected, field ``(line)``; the line is skipped without
``MAX_LINE_BYTES``             being held in memory
blank lines                    skipped
duplicate / empty header       ``BadInputError`` (the file cannot be mapped)
zip members with absolute      a Reject for the member (line 0, field ``(archive)``);
paths or ``..``                the member is not read
zip bombs                      a member whose declared size exceeds ``limits.max_bytes``,
                               or whose ratio (size / compressed size) exceeds
                               ``limits.max_ratio`` once over ``limits.ratio_min_bytes``,
                               is refused with a Reject before it is inflated; a gzip
                               stream is counted while it is read and cut off with a
                               Reject at the same limits
corrupt compressed data        a Reject at the line reached, reading stops for that file
=============================  =========================================================
"""

from __future__ import annotations

import bisect
import bz2
import codecs
import csv
import gzip
import io
import json
import lzma
import re
import zipfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple

from ..errors import BadInputError
from .records import MAX_FIELD_CHARS, Reject

__all__ = [
    "Row", "TableInfo", "ArchiveLimits", "DEFAULT_LIMITS", "read_rows", "detect_format",
    "MAX_ROW_CHARS", "MAX_LINE_BYTES", "DATA_SUFFIXES",
]

MAX_ROW_CHARS = 16 * MAX_FIELD_CHARS  # csv field limit: a longer field is a runaway quote
MAX_LINE_BYTES = 64 * 1024 * 1024  # one physical line; longer ones are skipped unread
DATA_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                 ".ndjson": "jsonl", ".json": "jsonl", ".txt": None}
COMPRESSED = (".gz", ".bz2", ".xz")
ARCHIVE_FIELD = "(archive)"
ROW_FIELD = "(row)"
LINE_FIELD = "(line)"

if csv.field_size_limit() < MAX_ROW_CHARS:
    csv.field_size_limit(MAX_ROW_CHARS)


class Row(NamedTuple):
    """One data row: ``line`` (1-based physical line where it starts), ``values`` (header
    name → value), ``file`` (display name of the file or archive member)."""

    line: int
    values: dict[str, Any]
    file: str


@dataclass(frozen=True)
class TableInfo:
    """What ``on_header`` receives once per table (file or archive member).

    ``header``: column names (for JSON lines, the keys of the first object); ``line``: the
    header's line (the first object's line for JSON); ``fmt``: ``csv`` | ``tsv`` | ``jsonl``.
    """

    file: str
    header: list[str]
    line: int
    fmt: str


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps against decompression bombs (bytes after decompression).

    A member or stream is refused when it exceeds ``max_bytes``, or when it is larger than
    ``ratio_min_bytes`` and inflates more than ``max_ratio`` times its compressed size
    (text compresses 3-20x; deflate bombs reach ~1000x). ``max_total_bytes`` caps the sum
    over all members of one archive.
    """

    max_bytes: int = 32 * 1024**3
    max_ratio: float = 200.0
    ratio_min_bytes: int = 64 * 1024**2
    max_total_bytes: int = 128 * 1024**3


DEFAULT_LIMITS = ArchiveLimits()


class _TooBig(Exception):
    pass


class _CappedReader(io.RawIOBase):
    """Counts bytes read from a decompressing stream and stops at the limits."""

    def __init__(self, inner: IO[bytes], compressed_size: int, limits: ArchiveLimits,
                 name: str):
        self.inner, self.limits, self.name = inner, limits, name
        self.csize = max(compressed_size, 1)
        self.count = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
        super().close()

    def readinto(self, b: Any) -> int:  # type: ignore[override]
        data = self.inner.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        lim = self.limits
        if self.count > lim.max_bytes:
            raise _TooBig(f"decompressed size passed {lim.max_bytes:,} bytes (limit); "
                          "refusing a possible decompression bomb")
        if self.count > lim.ratio_min_bytes and self.count / self.csize > lim.max_ratio:
            raise _TooBig(f"decompresses more than {lim.max_ratio:g} times its compressed size "
                          f"({self.csize:,} bytes); refusing a possible decompression bomb")
        return n


# ---------------------------------------------------------------- file opening
def _strip_compression(name: str) -> tuple[str, str | None]:
    low = name.lower()
    for suf in COMPRESSED:
        if low.endswith(suf):
            return name[: -len(suf)], suf
    return name, None


def detect_format(name: str, head: bytes = b"") -> str:
    """``csv`` | ``tsv`` | ``jsonl`` from a file name (compression suffix removed) or,
    failing that, from the first bytes."""
    base, _ = _strip_compression(name)
    fmt = DATA_SUFFIXES.get(PurePosixPath(base.lower()).suffix)
    if fmt:
        return fmt
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first and b"," not in first else "csv"


def _decompress(stream: IO[bytes], suffix: str | None) -> IO[bytes]:
    if suffix == ".gz":
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    if suffix == ".bz2":
        return bz2.BZ2File(stream)  # type: ignore[return-value]
    if suffix == ".xz":
        return lzma.LZMAFile(stream)  # type: ignore[return-value]
    return stream


def _unsafe_member(name: str) -> bool:
    n = name.replace("\\", "/")
    return (n.startswith("/") or bool(re.match(r"^[A-Za-z]:", n))
            or ".." in n.split("/"))


def _sources(path: Path, limits: ArchiveLimits,
             members: Callable[[str], bool] | None
             ) -> Iterator[tuple[str, str, Callable[[], IO[bytes]]] | Reject]:
    """(display name, inner name, opener) per table in ``path``, or Rejects for members
    that are refused."""
    name = str(path)
    if not path.exists():
        raise BadInputError("file not found", file=name)
    if path.is_dir():
        raise BadInputError("is a folder; give a file", file=name)
    if path.suffix.lower() != ".zip":
        base, suf = _strip_compression(path.name)

        def opener() -> IO[bytes]:
            raw = open(path, "rb")
            if suf is None:
                return raw
            capped = _CappedReader(_decompress(raw, suf), path.stat().st_size, limits, name)
            return io.BufferedReader(capped, 1 << 16)  # type: ignore[arg-type]

        yield name, base, opener
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise BadInputError(f"not a readable zip archive: {e}", file=name) from None
    total = 0
    with zf:
        for info in zf.infolist():
            display = f"{name}!{info.filename}"
            if info.is_dir():
                continue
            base, suf = _strip_compression(info.filename)
            if members is not None and not members(PurePosixPath(base.replace("\\", "/")).name):
                continue  # not asked for: never read, so never reported
            if _unsafe_member(info.filename):
                yield Reject(display, 0, ARCHIVE_FIELD,
                             "member path is absolute or leaves the archive folder ('..'); "
                             "not read")
                continue
            if PurePosixPath(base.lower()).suffix not in DATA_SUFFIXES:
                if base.lower().endswith((".zip", ".tar", ".tgz", ".7z", ".rar")):
                    yield Reject(display, 0, ARCHIVE_FIELD, "nested archive; not read")
                continue  # README, images, ...: not data
            if info.flag_bits & 0x1:
                yield Reject(display, 0, ARCHIVE_FIELD, "encrypted member; not read")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            reason = None
            if info.file_size > limits.max_bytes:
                reason = (f"declares {info.file_size:,} bytes decompressed, over the limit "
                          f"of {limits.max_bytes:,}")
            elif info.file_size > limits.ratio_min_bytes and ratio > limits.max_ratio:
                reason = (f"declares {info.file_size:,} bytes from {info.compress_size:,} "
                          f"compressed (ratio {ratio:,.0f}, limit {limits.max_ratio:g})")
            elif total + info.file_size > limits.max_total_bytes:
                reason = (f"archive total would pass {limits.max_total_bytes:,} bytes "
                          "decompressed")
            if reason:
                yield Reject(display, 0, ARCHIVE_FIELD,
                             f"refused as a possible zip bomb: {reason}")
                continue
            total += info.file_size

            def opener(info: zipfile.ZipInfo = info, suf: str | None = suf,
                       display: str = display) -> IO[bytes]:
                inner = zf.open(info)
                capped: IO[bytes] = _CappedReader(inner, info.compress_size, limits,
                                                  display)  # type: ignore[assignment]
                stream = io.BufferedReader(capped, 1 << 16)  # type: ignore[arg-type]
                if suf:
                    stream = io.BufferedReader(  # type: ignore[assignment]
                        _CappedReader(_decompress(stream, suf), info.compress_size, limits,
                                      display), 1 << 16)
                return stream

            yield display, base, opener


# ------------------------------------------------------------------- lines
class _Line(NamedTuple):
    no: int
    text: str
    bad: bytes | None  # the undecodable bytes, when any
    overlong: bool


def _raw_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per physical line; ``None`` for a line over MAX_LINE_BYTES
    (consumed without being kept)."""
    no = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES)
        if not chunk:
            return
        no += 1
        if len(chunk) >= MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while True:
                more = stream.readline(MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            yield no, None
            continue
        yield no, chunk


def _bad_bytes(raw: bytes, encoding: str) -> bytes:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as e:
        return raw[e.start:min(e.end + 3, len(raw))]
    return b""


def _decoded(raw_lines: Iterator[tuple[int, bytes | None]], encoding: str) -> Iterator[_Line]:
    first = True
    for no, raw in raw_lines:
        if raw is None:
            yield _Line(no, "\n", None, True)
            continue
        if first:
            first = False
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
        if b"\x00" in raw:
            raw = raw.replace(b"\x00", b"")
        try:
            text, bad = raw.decode(encoding), None
        except UnicodeDecodeError:
            text, bad = raw.decode(encoding, errors="replace"), _bad_bytes(raw, encoding)
        yield _Line(no, text, bad, False)


def _utf16_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    text = io.TextIOWrapper(stream, encoding="utf-16", errors="replace", newline="")
    for no, line in enumerate(text, 1):
        yield no, line.replace("\ufeff", "").encode("utf-8")


class _Pushback:
    """A line iterator for ``csv.reader`` that remembers the lines of the current row and
    can put lines back (to resume after a malformed row)."""

    def __init__(self, lines: Iterator[_Line]):
        self.src = lines
        self.pending: deque[_Line] = deque()
        self.taken: list[_Line] = []

    def __iter__(self) -> "_Pushback":
        return self

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else next(self.src)
        self.taken.append(line)
        return line.text

    def push_back(self, lines: list[_Line]) -> None:
        self.pending.extendleft(reversed(lines))


def _short(values: Iterable[Any], width: int = 120) -> str:
    parts = []
    for v in values:
        s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
        parts.append(s if len(s) <= width else s[:width] + "…")
    return " | ".join(parts)[:2000]


def _check_values(values: dict[str, Any], max_chars: int) -> tuple[str, str] | None:
    for k, v in values.items():
        if isinstance(v, str) and len(v) > max_chars:
            return k, f"{len(v):,} characters, more than the limit of {max_chars:,}"
    return None


# -------------------------------------------------------------------- CSV / TSV
def _csv_rows(lines: Iterator[_Line], file: str, delimiter: str, max_chars: int,
              find_header: Callable[[list[str]], bool] | None,
              on_header: Callable[[TableInfo], None] | None, fmt: str
              ) -> Iterator[Row | Reject]:
    src = _Pushback(lines)
    reader = csv.reader(src, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    scanned = 0
    while True:
        src.taken = []
        try:
            row = next(reader)
        except StopIteration:
            if header is None and scanned:
                raise BadInputError(f"no header row found in the {scanned} rows of the file",
                                    file=file) from None
            return
        except csv.Error as e:
            taken = src.taken
            if header is None:
                raise BadInputError(f"header cannot be parsed: {e}", file=file,
                                    line=taken[0].no if taken else 1) from None
            start = taken[0].no if taken else 0
            yield Reject(file, start, ROW_FIELD, f"malformed CSV: {e}",
                         _short([t.text for t in taken[:3]]))
            src.push_back(taken[1:])
            reader = csv.reader(src, delimiter=delimiter, strict=True)
            continue
        taken = src.taken
        start = taken[0].no
        if any(t.overlong for t in taken):
            yield Reject(file, start, LINE_FIELD,
                         f"physical line longer than {MAX_LINE_BYTES:,} bytes; skipped")
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            scanned += 1
            if find_header is not None and not find_header(row):
                if scanned >= 20:
                    raise BadInputError("no header row found in the first 20 rows",
                                        file=file)
                continue
            if any(t.bad for t in taken):
                raise BadInputError("header has bytes that are not valid text in "
                                    "the expected encoding", file=file, line=start)
            header = [h.replace("\ufeff", "").strip() for h in row]
            dup = sorted({h for h in header if header.count(h) > 1})
            if dup:
                raise BadInputError(f"duplicate column names {dup} in header {header}",
                                    file=file, line=start)
            if on_header:
                on_header(TableInfo(file, header, start, fmt))
            continue
        bad = [t for t in taken if t.bad]
        if bad:
            cols = [h for h, v in zip(header, row) if "\ufffd" in v] or [ROW_FIELD]
            yield Reject(file, start, cols[0],
                         f"bytes that are not valid text ({bad[0].bad!r} on line "
                         f"{bad[0].no})" + (f"; also in {cols[1:]}" if len(cols) > 1 else ""),
                         _short(row))
            continue
        if len(row) != len(header):
            if len(row) > len(header) and not any(c.strip() for c in row[len(header):]):
                row = row[: len(header)]
            else:
                yield Reject(file, start, ROW_FIELD,
                             f"{len(row)} columns where the header has {len(header)}",
                             _short(row))
                continue
        values = dict(zip(header, row))
        over = _check_values(values, max_chars)
        if over:
            yield Reject(file, start, over[0], over[1], _short(row))
            continue
        yield Row(start, values, file)


# ------------------------------------------------------------------- JSON lines
def _json_rows(lines: Iterator[_Line], file: str, max_chars: int,
               on_header: Callable[[TableInfo], None] | None) -> Iterator[Row | Reject]:
    decoder = json.JSONDecoder(strict=False)
    announced = False
    it = iter(lines)
    first = next(it, None)
    while first is not None and not first.overlong and not first.text.strip():
        first = next(it, None)
    if first is None:
        return
    if not first.overlong and first.text.lstrip().startswith("["):
        yield from _json_array([first, *it], file, max_chars, on_header)
        return

    def all_lines() -> Iterator[_Line]:
        yield first  # type: ignore[misc]
        yield from it

    for line in all_lines():
        if line.overlong:
            yield Reject(file, line.no, LINE_FIELD,
                         f"line longer than {MAX_LINE_BYTES:,} bytes; skipped")
            continue
        text = line.text.strip()
        if not text:
            continue
        try:
            obj = decoder.decode(text)
        except json.JSONDecodeError as e:
            yield Reject(file, line.no, "(json)", f"not valid JSON: {e.msg} at column "
                         f"{e.colno}", text[:2000])
            continue
        if not isinstance(obj, dict):
            yield Reject(file, line.no, "(json)",
                         f"a JSON {type(obj).__name__}, not an object", text[:2000])
            continue
        if not announced:
            announced = True
            if on_header:
                on_header(TableInfo(file, list(obj), line.no, "jsonl"))
        if line.bad:
            cols = [k for k, v in obj.items() if "\ufffd" in json.dumps(v, ensure_ascii=False)]
            yield Reject(file, line.no, cols[0] if cols else LINE_FIELD,
                         f"bytes that are not valid text ({line.bad!r})", text[:2000])
            continue
        over = _check_values(obj, max_chars)
        if over:
            yield Reject(file, line.no, over[0], over[1], _short(obj.values()))
            continue
        yield Row(line.no, obj, file)


def _json_array(lines: list[_Line], file: str, max_chars: int,
                on_header: Callable[[TableInfo], None] | None) -> Iterator[Row | Reject]:
    """A file holding one JSON array of objects (parsed whole: memory ~ file size)."""
    starts = []
    parts = []
    pos = 0
    for ln in lines:
        if ln.overlong:
            raise BadInputError(f"line longer than {MAX_LINE_BYTES:,} bytes in a JSON array",
                                file=file, line=ln.no)
        starts.append((pos, ln.no))
        parts.append(ln.text)
        pos += len(ln.text)
    text = "".join(parts)
    line_starts = [p for p, _ in starts]

    def line_of(offset: int) -> int:
        i = bisect.bisect_right(line_starts, offset) - 1
        return starts[max(i, 0)][1]

    dec = json.JSONDecoder(strict=False)
    i = text.index("[") + 1
    announced = False
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            raise BadInputError("JSON array is not closed", file=file, line=line_of(n - 1))
        if text[i] == "]":
            return
        try:
            obj, end = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise BadInputError(f"not valid JSON: {e.msg}", file=file,
                                line=line_of(e.pos)) from None
        no = line_of(i)
        i = end
        if not isinstance(obj, dict):
            yield Reject(file, no, "(json)", f"a JSON {type(obj).__name__}, not an object")
            continue
        if not announced:
            announced = True
            if on_header:
                on_header(TableInfo(file, list(obj), no, "jsonl"))
        bad = [k for k, v in obj.items() if "\ufffd" in json.dumps(v, ensure_ascii=False)]
        if bad and any(ln.bad for ln in lines):
            yield Reject(file, no, bad[0], "bytes that are not valid text")
            continue
        over = _check_values(obj, max_chars)
        if over:
            yield Reject(file, no, over[0], over[1])
            continue
        yield Row(no, obj, file)


# ------------------------------------------------------------------------ API
def read_rows(path: str | Path, *, fmt: str | None = None, encoding: str = "utf-8",
              delimiter: str | None = None, max_field_chars: int = MAX_FIELD_CHARS,
              limits: ArchiveLimits = DEFAULT_LIMITS,
              find_header: Callable[[list[str]], bool] | None = None,
              on_header: Callable[[TableInfo], None] | None = None,
              members: Callable[[str], bool] | None = None) -> Iterator[Row | Reject]:
    """Stream the data rows of a CSV / TSV / JSON-lines file (plain, .gz, .bz2, .xz, .zip).

    Parameters
    ----------
    path : the file. A ``.zip`` is read member by member (data members only, in archive
        order); each member is its own table with its own header.
    fmt : ``csv`` | ``tsv`` | ``jsonl`` to override detection from the name.
    encoding : text encoding of the bytes (UTF-8 by default; a BOM is always removed).
    delimiter : override the column separator of csv/tsv.
    max_field_chars : longest value accepted; longer ones reject their row with the
        column as ``field``.
    limits : decompression-bomb caps, see ``ArchiveLimits``.
    find_header : for files with lines before the header (Google Patents' "search URL"
        line): rows before the first row for which it returns True are skipped.
    on_header : called once per table with a ``TableInfo`` before its first row; may raise
        ``BadInputError`` to refuse the table.
    members : for zips, a predicate on the member's base name (folders and compression
        suffix removed) choosing which members to read; members it does not choose are
        neither read nor reported.

    Yields
    ------
    ``Row(line, values, file)`` per good row, ``Reject`` per unusable row (see the module
    docstring for each case). Empty and header-only files yield nothing.

    Raises
    ------
    BadInputError when the file is missing, is not a readable archive, or its header cannot
    be used (unparsable, duplicate names).
    """
    if fmt not in (None, "csv", "tsv", "jsonl"):
        raise ValueError(f"fmt must be csv, tsv or jsonl, not {fmt!r}")
    p = Path(path)
    for src in _sources(p, limits, members):
        if isinstance(src, Reject):
            yield src
            continue
        display, inner_name, opener = src
        last_line = 0
        try:
            with opener() as stream:
                buffered = stream if isinstance(stream, io.BufferedReader) else \
                    io.BufferedReader(stream, 1 << 16)  # type: ignore[arg-type]
                head = buffered.peek(4096)[:4096]
                if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raw: Iterator[tuple[int, bytes | None]] = _utf16_lines(buffered)
                    enc = "utf-8"
                else:
                    raw, enc = _raw_lines(buffered), encoding
                kind = fmt or detect_format(inner_name, head)
                lines = _decoded(raw, enc)

                def counted(lines: Iterator[_Line] = lines) -> Iterator[_Line]:
                    nonlocal last_line
                    for ln in lines:
                        last_line = ln.no
                        yield ln

                if kind == "jsonl":
                    yield from _json_rows(counted(), display, max_field_chars, on_header)
                else:
                    sep = delimiter or ("\t" if kind == "tsv" else ",")
                    yield from _csv_rows(counted(), display, sep, max_field_chars,
                                         find_header, on_header, kind)
        except _TooBig as e:
            yield Reject(display, last_line, ARCHIVE_FIELD, f"reading stopped: {e}")
        except (EOFError, OSError, zipfile.BadZipFile, lzma.LZMAError) as e:
            if isinstance(e, (FileNotFoundError, PermissionError)):
                raise
            yield Reject(display, last_line, ARCHIVE_FIELD,
                         f"reading stopped: corrupt or truncated data ({e})")
