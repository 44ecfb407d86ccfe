"""``load deepinnovation`` at engine speed: the three DeepInnovationAI tables read in blocks
with pyarrow, validated and mapped with vectorised predicates, written with bulk COPY.

Same semantics as the row path (``loaders.deepinnovation`` → ``pipeline.ingest``): the same
keys (``innograph.identity``), node and edge tables, rejects (file, line, field, reason),
duplicate and merge rules, idempotent reruns (every write is key-diffed) and a load killed
midway reruns to the identical graph. How it stays the same:

* A row is mapped by arrow kernels only when every cell passes a conservative *fast*
  predicate (plain one-line text, ``Year`` four digits in range, ``Cited`` digits,
  ``Novelty`` a plain decimal, ``Keywords`` a JSON list / Python list literal of plain
  strings or ``;``/``|`` text, ...), for which the kernels give exactly what the row path
  gives. Every other row goes through the row path's own ``mapping.map_row`` (and so
  gets the same ``Document`` or the same ``Reject``).
* Functions that are not vectorisable (``patent_key``, ``normalize_keyword``,
  ``split_names``, IPC parsing) run once per *distinct* value, the result taken back to
  the rows by index.
* Line numbers: a byte scan of the CSV finds where each record starts (a newline ends a
  record when the quotes before it are even in number), so row *i* of pyarrow's reader is
  reported on the physical line it starts on, also when records run over several lines
  (quoted newlines in abstracts). A layout the scan cannot vouch for (a quote not at a
  field's edge, a bare ``\r``, a BOM, a quoted newline in a CRLF file, ...) or a row pyarrow
  cannot parse (wrong column count, bytes that are not UTF-8) is read from that point on
  by the row reader (``loaders.tabular``), which reports the exact lines.
* Parquet: the same three tables as ``DeepDiveAI.parquet`` etc. with the same column
  names; values are read as text (numbers cast); row *i* is "line" *i + 2*, as in the
  CSV it was made from.

Writes per block (``block_rows`` documents): documents (merged with stored ones by
``ingest.merge_document``), then entity nodes (Keyword, Author, Institution, Venue, IPC;
first mention kept, later ones only fill gaps), then edges, each edge table diffed against
the store with an arrow anti-join before ``COPY``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..codes import canonical_ipc
from ..errors import BadInputError, InnographError
from ..graph import queries, schema
from ..graph.kuzu_store import conform
from ..graph.store import Store
from ..identity import arxiv_id_of, name_key, normalize_keyword, normalize_name, paper_key, \
    patent_key
from ..loaders import deepinnovation as deep
from ..loaders.mapping import map_row
from ..loaders.records import MAX_FIELD_CHARS, MIN_YEAR, Document, Link, Reject, RejectLog, \
    max_year
from ..loaders.tabular import MAX_LINE_BYTES, Row, read_rows
from .ingest import LoadSummary, _document, _merge_stored, _Tables

__all__ = ["ingest_deepinnovation_columnar", "deep_files", "DEFAULT_BLOCK_ROWS"]

DEFAULT_BLOCK_ROWS = 250_000
# the document properties this loader writes (both paths), in one order
_COMMON = ["id", "title", "abstract", "year", "year_source", "novelty", "sources",
           "source_ids", "keywords_given"]
DOC_COLUMNS = {
    "paper": _COMMON + ["venue", "authors_text", "cited", "doi", "language", "doc_type",
                        "affiliations_text", "arxiv_id"],
    "patent": _COMMON + ["pn", "ipc_text"],
}
_SEP = "\x1f"  # joins list items; a control character, never in a fast cell
# characters that make a cell "not plain": controls, exotic spaces (Python's str.strip and
# arrow's trim would differ on them), the separator above
_EXOTIC = r"[\x00-\x1f\x7f-\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}" \
          r"\x{3000}\x{feff}]"
_SIMPLE_ID = r"^[0-9A-Za-z][0-9A-Za-z._:/\-]*$"
_DECIMAL = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"


# ------------------------------------------------------------------------- files
def deep_files(path: str | Path) -> dict[str, Path] | None:
    """The DeepInnovationAI tables under ``path`` (a folder, or one ``.csv``/``.parquet``
    file of the three), keyed by the CSV name; ``None`` for a ``.zip`` (read by the row
    path). ``BadInputError`` when none is there."""
    p = Path(path)
    stems = {Path(n).stem: n for n in deep.FILES}
    if p.is_file():
        if p.suffix.lower() == ".zip":
            return None
        if p.stem not in stems or p.suffix.lower() not in (".csv", ".parquet"):
            raise BadInputError(f"not one of {', '.join(deep.FILES)} (or .parquet)",
                                file=str(p))
        return {stems[p.stem]: p}
    if p.is_dir():
        out = {}
        for stem, name in stems.items():
            for suffix in (".csv", ".parquet"):
                if (p / (stem + suffix)).is_file():
                    out[name] = p / (stem + suffix)
                    break
        if not out:
            raise BadInputError(f"none of {', '.join(deep.FILES)} (or .parquet) is in this "
                                "folder", file=str(p))
        return out
    raise BadInputError("no such file or folder", file=str(p))


def _record_lines(path: Path) -> tuple[np.ndarray, bool] | None:
    """The physical line on which each data record of the CSV ``path`` starts (blank
    records left out, as both readers skip them), and whether any record spans more than
    one line; ``None`` when the layout is one the row reader must take: a quote that is not
    at a field's edge (or doubled inside one), a ``\r`` not before ``\n``, a record over
    several lines in a file with ``\r``, a blank or quoted first line, an unclosed quote,
    a line over ``MAX_LINE_BYTES``. A byte scan (memory-mapped, 64 MB at a time): a
    newline ends a record when the quotes before it are even in number."""
    size = path.stat().st_size
    if size == 0:
        return None
    mm = np.memmap(path, np.uint8, mode="r")
    ends: list[np.ndarray] = []
    end_lines: list[np.ndarray] = []
    quotes = newlines = 0
    last_nl = -1
    has_cr = False
    step = 64 << 20
    for a in range(0, size, step):
        arr = np.asarray(mm[a:a + step])
        q = np.flatnonzero(arr == 34) + a
        if q.size:
            prev = np.where(q > 0, mm[np.maximum(q - 1, 0)], 10)
            nxt = np.where(q + 1 < size, mm[np.minimum(q + 1, size - 1)], 10)
            edge = np.isin(prev, (44, 10)) | np.isin(nxt, (44, 10, 13)) | (prev == 34) \
                | (nxt == 34)
            if not edge.all():
                return None
        cr = np.flatnonzero(arr == 13) + a
        if cr.size:
            has_cr = True
            if np.any(cr + 1 >= size) or np.any(mm[np.minimum(cr + 1, size - 1)] != 10):
                return None
        nl = np.flatnonzero(arr == 10) + a
        if nl.size:
            if np.any(np.diff(np.concatenate([[last_nl], nl])) - 1 > MAX_LINE_BYTES):
                return None
            term = (quotes + np.searchsorted(q, nl)) % 2 == 0
            ends.append(nl[term])
            end_lines.append(newlines + 1 + np.flatnonzero(term))  # the line each one ends
            newlines += nl.size
            last_nl = int(nl[-1])
        quotes += q.size
    if quotes % 2 or size - 1 - last_nl > MAX_LINE_BYTES:
        return None
    term_pos = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    term_line = np.concatenate(end_lines) if end_lines else np.zeros(0, np.int64)
    starts = np.concatenate([[0], term_pos + 1])
    start_line = np.concatenate([[1], term_line + 1])
    stops = np.concatenate([term_pos, [size]])
    keep = starts < size
    starts, start_line, stops = starts[keep], start_line[keep], stops[keep]
    length = stops - starts
    blank = (length == 0) | ((length == 1) & (mm[np.minimum(starts, size - 1)] == 13))
    if blank[0] or mm[0] == 34:
        return None
    # a record spans several lines when its terminator ends a later line than it starts on
    rec_lines = np.concatenate([term_line, [newlines + 1]])[keep]
    multiline = bool(np.any(rec_lines - start_line > 0))
    if multiline and has_cr:
        return None
    return start_line[~blank][1:], multiline


@dataclass
class _Block:
    table: pa.Table  # every column as text, header names
    lines: np.ndarray  # the line of each row


def _check_header(names: list[str], expected: list[str], file: str) -> None:
    header = [h.replace("\ufeff", "").strip() for h in names]
    if header != expected:
        raise BadInputError(
            f"header does not match; expected exactly {','.join(expected)} "
            f"(METHOD.md §1), found {','.join(header)}", file=file, line=1, field="header")


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string())
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t):
        return pa.chunked_array([pa.array(
            [None if v is None else json.dumps(v, ensure_ascii=False) for v in col.to_pylist()],
            pa.string())])
    if pa.types.is_floating(t):  # 2019.0 → "2019.0": the row path reads that as 2019 too
        return pa.chunked_array([pa.array([None if v is None else repr(v)
                                           for v in col.to_pylist()], pa.string())])
    return col.cast(pa.string())


def _blocks(path: Path, expected: list[str], block_rows: int
            ) -> Iterator[_Block | tuple[str, int]]:
    """Blocks of text columns; ``("rows", line)`` when the rest of the file, from ``line``
    on, must be read by the row reader."""
    file = str(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        _check_header(pf.schema_arrow.names, expected, file)
        line = 2
        for b in pf.iter_batches(batch_size=block_rows):
            t = pa.Table.from_batches([b])
            t = pa.table({h: _as_text(t.column(i)) for i, h in enumerate(expected)})
            t = pa.table({h: pc.fill_null(t.column(h), "") for h in expected})
            yield _Block(t, np.arange(line, line + t.num_rows, dtype=np.int64))
            line += t.num_rows
        return
    import csv
    import pyarrow.csv as pcsv

    with open(path, "rb") as f:
        head = f.readline()
    try:
        names = next(csv.reader([head.decode("utf-8").rstrip("\r\n")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        names = []
    # anything unusual about the header (BOM, blank first line, other names): the row
    # reader decides, with its exact errors
    layout = _record_lines(path) if names == expected else None
    if layout is None:
        yield ("rows", 2)
        return
    lines, multiline = layout
    try:
        reader = pcsv.open_csv(
            path, read_options=pcsv.ReadOptions(block_size=16 << 20, use_threads=True,
                                                column_names=expected, skip_rows=1),
            parse_options=pcsv.ParseOptions(newlines_in_values=multiline),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in expected}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        yield ("rows", 2)
        return
    pending: list[pa.RecordBatch] = []
    done = count = size = 0

    def block() -> _Block:
        t = pa.Table.from_batches(pending)
        if done + t.num_rows > len(lines):  # the scan and pyarrow disagree: stop loudly
            raise InnographError(f"{path}: the CSV reader found more rows than the line "
                                 "scan; load this file with --engine row")
        return _Block(t, lines[done:done + t.num_rows])

    while True:
        try:
            b = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid:  # from the first record of the failed batch: row reader
            if pending:
                yield block()
                done += count
            yield ("rows", int(lines[done]) if done < len(lines) else 2 ** 62)
            return
        pending.append(b)
        count += b.num_rows
        size += b.nbytes
        # a block: block_rows rows, or 256 MB of text (long abstracts), whichever first
        if count >= block_rows or size >= 256 << 20:
            yield block()
            done += count
            pending, count, size = [], 0, 0
    if pending:
        yield block()
        done += count
    if done != len(lines):
        raise InnographError(f"{path}: the CSV reader found {done} rows where the line scan "
                             f"found {len(lines)}; load this file with --engine row")


# ------------------------------------------------------------------ cell kernels
def _unneutralised(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """``deepinnovation.unneutralise`` on a column: ``'=…`` → ``=…``."""
    if not pc.any(pc.starts_with(col, "'")).as_py():
        return col
    hit = pc.match_substring_regex(col, r"^'[=+\-@\t\r]")
    return pc.if_else(hit, pc.utf8_slice_codeunits(col, 1), col)


def _plain(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells ``check_text`` leaves as they are (or makes ``None`` when empty): no control or
    exotic space anywhere, no space at either end, within the length limit."""
    ok = pc.invert(pc.match_substring_regex(col, _EXOTIC))
    ok = pc.and_(ok, pc.invert(pc.match_substring_regex(col, r"^ | $")))
    return pc.and_(ok, pc.less_equal(pc.binary_length(col), MAX_FIELD_CHARS))


def _text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A plain cell as the row path stores it: empty → null."""
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _distinct(col: pa.ChunkedArray, fn: Callable[[str], Any]) -> tuple[list[Any], np.ndarray]:
    """``fn`` on each distinct value once; returns (results, index of each row's value)."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    enc = col.dictionary_encode()
    values = enc.dictionary.to_pylist()
    return [fn(v) for v in values], enc.indices.to_numpy(zero_copy_only=False)


def _safe(fn: Callable[[str], Any]) -> Callable[[str], Any]:
    def run(v: str) -> Any:
        try:
            return fn(v)
        except (ValueError, TypeError):
            return _FAIL
    return run


_FAIL = object()


def _explode(results: list[list[tuple]], idx: np.ndarray, rows: np.ndarray,
             width: int) -> tuple[np.ndarray, list[list[Any]]]:
    """Per-distinct lists of tuples (``width`` fields) → (row index, field columns) for the
    rows ``rows`` (indices into ``idx``), in row then list order."""
    lens = np.array([len(r) if r is not _FAIL else 0 for r in results], np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    flat = [x for r in results if r is not _FAIL for x in r]
    cols = [[x[i] for x in flat] for i in range(width)]
    u = idx[rows]
    cnt = lens[u]
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(0, np.int64), [[] for _ in range(width)]
    row_of = np.repeat(rows, cnt)
    within = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    take = np.repeat(starts[u], cnt) + within
    return row_of, [list(np.asarray(c, dtype=object)[take]) if c else [] for c in cols]


# -------------------------------------------------------------------- the load
class _Load:
    def __init__(self, store: Store, rejects: RejectLog, require_year: bool,
                 block_rows: int, progress: Callable[[int], None] | None) -> None:
        self.store = store
        self.rejects = rejects
        self.require_year = require_year
        self.block_rows = block_rows
        self.progress = progress
        self.summary = LoadSummary()
        self.seen: dict[str, list[pa.Table]] = {schema.PAPER: [], schema.PATENT: []}
        self.by_source: dict[str, list[pa.Table]] = {schema.PAPER: [], schema.PATENT: []}
        self.arxiv_keys: dict[str, str] = {}
        self.files: list[str] = []

    def reject(self, r: Reject) -> None:
        self.rejects.add(r)
        self.summary.rejected += 1

    # ------------------------------------------------------------- documents
    def documents(self, path: Path, kind: str) -> None:
        label = schema.PAPER if kind == "paper" else schema.PATENT
        header = deep.HEADERS[deep.FILES[0] if kind == "paper" else deep.FILES[1]]
        for item in _blocks(path, header, self.block_rows):
            if isinstance(item, tuple):
                self._rows_from(path, kind, header, item[1])
                return
            self._block(item, kind, label, str(path))

    def _mapping(self, kind: str) -> Any:
        m = deep._dive_mapping() if kind == "paper" else deep._patent_mapping()
        m.year_required = self.require_year
        return m

    def _rows_from(self, path: Path, kind: str, header: list[str], line: int) -> None:
        """The row reader from ``line`` on, in blocks."""
        mapping = self._mapping(kind)
        name = deep.FILES[0] if kind == "paper" else deep.FILES[1]
        docs: list[Document] = []
        for item in read_rows(path, fmt="csv", members=lambda m: m == name,
                              on_header=deep._check_header(header)):
            if item.line < line:
                continue
            rec = item if isinstance(item, Reject) else map_row(deep._clean(item), kind,
                                                               mapping)
            if isinstance(rec, Reject):
                self.reject(rec)
            else:
                docs.append(rec)
            if len(docs) >= 20_000:
                self._write_docs(kind, None, docs)
                docs = []
        if docs:
            self._write_docs(kind, None, docs)

    def _block(self, b: _Block, kind: str, label: str, file: str) -> None:
        t = b.table
        n = t.num_rows
        blank = None  # rows of empty cells only: skipped unreported, as by the row reader
        for h in t.column_names:
            e = pc.equal(pc.utf8_trim_whitespace(t.column(h)), "")
            blank = e if blank is None else pc.and_(blank, e)
        if blank is not None and pc.any(blank).as_py():
            keep = pc.invert(blank).to_numpy(zero_copy_only=False)
            b = _Block(t.filter(pa.array(keep)), b.lines[keep])
        return self._block_lines(b, kind, label, file)

    def _block_lines(self, b: _Block, kind: str, label: str, file: str) -> None:
        t = b.table
        n = t.num_rows
        cols = {h: _unneutralised(t.column(h)) for h in t.column_names}
        fast = pa.chunked_array([pa.array(np.ones(n, bool))])
        text_cols = ["Title", "Abstract"] + (
            ["Source", "Name", "Doi", "Language", "Type", "Affiliations"] if kind == "paper"
            else ["PN", "IPC"])
        for h in text_cols + ["Keywords"]:
            fast = pc.and_(fast, _plain(cols[h]))
        fast = pc.and_(fast, pc.match_substring_regex(cols["ID"], _SIMPLE_ID))
        fast = pc.and_(fast, pc.less_equal(pc.binary_length(cols["ID"]), 1000))
        year_ok = pc.match_substring_regex(cols["Year"], r"^[0-9]{4}$")
        if not self.require_year:
            year_ok = pc.or_(year_ok, pc.equal(cols["Year"], ""))
        fast = pc.and_(fast, year_ok)
        year = pc.cast(pc.if_else(pc.equal(cols["Year"], ""), None,
                                  pc.if_else(year_ok, cols["Year"], "0")), pa.int64())
        fast = pc.and_(fast, pc.or_(pc.is_null(year), pc.and_(
            pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, max_year()))))
        nov_ok = pc.or_(pc.equal(cols["Novelty"], ""),
                        pc.match_substring_regex(cols["Novelty"], _DECIMAL))
        fast = pc.and_(fast, nov_ok)
        if kind == "paper":
            cited_ok = pc.or_(pc.equal(cols["Cited"], ""),
                              pc.match_substring_regex(cols["Cited"], r"^(0|[1-9][0-9]{0,14})$"))
            fast = pc.and_(fast, cited_ok)
        kw_joined, kw_ok = _keyword_cells(cols["Keywords"])
        fast = pc.and_(fast, kw_ok)
        # per-distinct functions that may fail (→ that row takes the row path)
        if kind == "paper":
            authors, a_idx = _distinct(cols["Name"], _safe(_authors))
            insts, i_idx = _distinct(cols["Affiliations"], _safe(_institutions))
            venues, v_idx = _distinct(cols["Source"], _safe(_venue))
            bad = [i for i, r in enumerate(authors) if r is _FAIL]
            bad_i = [i for i, r in enumerate(insts) if r is _FAIL]
            bad_v = [i for i, r in enumerate(venues) if r is _FAIL]
            ok = ~np.isin(a_idx, bad) & ~np.isin(i_idx, bad_i) & ~np.isin(v_idx, bad_v)
        else:
            codes, c_idx = _distinct(cols["IPC"], _safe(_codes))
            pn_keys = _patent_keys(cols["PN"])
            bad = [i for i, r in enumerate(codes) if r is _FAIL]
            ok = ~np.isin(c_idx, bad)
        fast_np = pc.fill_null(fast, False).to_numpy(zero_copy_only=False) & ok
        slow_rows = np.flatnonzero(~fast_np)
        fast_rows = np.flatnonzero(fast_np)
        lines = b.lines

        # the row path for the rows that are not plain
        slow_docs: list[Document] = []
        if slow_rows.size:
            mapping = self._mapping(kind)
            sub = t.take(pa.array(slow_rows)).to_pylist()
            for r, values in zip(slow_rows, sub):
                rec = map_row(deep._clean(Row(int(lines[r]), values, file)), kind, mapping)
                if isinstance(rec, Reject):
                    self.reject(rec)
                else:
                    slow_docs.append(rec)

        # the plain rows, by kernels
        ft = {h: c.take(pa.array(fast_rows)) for h, c in cols.items()}
        m = len(fast_rows)
        source = deep.DIVE_SOURCE if kind == "paper" else deep.PATENT_SOURCE
        given = ft["ID"]
        if kind == "paper":
            doi = _text(ft["Doi"])
            key, arxiv = self._paper_keys(doi, given)
        else:
            pkeys = pn_keys.take(pa.array(fast_rows))
            digits = pc.match_substring_regex(given, r"^[0-9]+$")
            fallback = pc.if_else(digits, pc.binary_join_element_wise(
                deep.PATENT_SOURCE + ":", given, ""), given)
            key = pc.if_else(pc.is_null(pkeys), fallback, pkeys)
            arxiv = None
        items, parents = _keyword_items(kw_joined, fast_rows)
        kw_given = _keywords_given(items, parents, m)
        year_f = year.take(pa.array(fast_rows))
        doc: dict[str, Any] = {
            "id": key, "title": _text(ft["Title"]), "abstract": _text(ft["Abstract"]),
            "year": year_f,
            "year_source": pc.if_else(pc.is_null(year_f), pa.scalar(None, pa.string()),
                                      "Year"),
            "novelty": pc.cast(pc.if_else(pc.equal(ft["Novelty"], ""), None, ft["Novelty"]),
                               pa.float64()),
            "sources": pa.array([json.dumps([source])] * m, pa.string()),
            "source_ids": pc.binary_join_element_wise(
                '{"' + source + '": "', given, '"}', ""),
            "keywords_given": kw_given, "__sid": given,
        }
        if kind == "paper":
            doc.update({
                "venue": _text(ft["Source"]), "authors_text": _text(ft["Name"]),
                "cited": pc.cast(pc.if_else(pc.equal(ft["Cited"], ""), None, ft["Cited"]),
                                 pa.int64()),
                "doi": doi, "language": _text(ft["Language"]), "doc_type": _text(ft["Type"]),
                "affiliations_text": _text(ft["Affiliations"]), "arxiv_id": arxiv,
            })
        else:
            doc.update({"pn": _text(ft["PN"]), "ipc_text": _text(ft["IPC"])})
        fast_tab = pa.table({k: v if not isinstance(v, pa.ChunkedArray) else v.combine_chunks()
                             for k, v in doc.items() if v is not None})
        extra = {"authors": (authors, a_idx), "insts": (insts, i_idx),
                 "venues": (venues, v_idx)} if kind == "paper" else {"codes": (codes, c_idx)}
        self._write_docs(kind, _Fast(fast_tab, fast_rows, lines[fast_rows], items, parents,
                                     extra, file), slow_docs)
        if self.progress:
            self.progress(n)

    def _paper_keys(self, doi: pa.Array, given: pa.Array) -> tuple[pa.Array, pa.Array]:
        """``mapping._assign_key`` for papers: DOI, else arXiv id, else DeepDiveAI:<ID>.
        Kernels for a numeric ID with no DOI (``DeepDiveAI:<ID>``) or with a plain ASCII
        DOI (``10.<digits>/<no space>``, not an arXiv DOI: its lower case); the identity
        functions for the other rows."""
        doi = doi.combine_chunks() if isinstance(doi, pa.ChunkedArray) else doi
        given = given.combine_chunks() if isinstance(given, pa.ChunkedArray) else given
        digits = pc.match_substring_regex(given, r"^[0-9]+$")
        prefixed = pc.binary_join_element_wise(deep.DIVE_SOURCE + ":", given, "")
        lower = pc.ascii_lower(doi)
        plain_doi = pc.and_(pc.and_(pc.string_is_ascii(doi), pc.match_substring_regex(
            doi, r"^10\.[0-9]+(\.[0-9]+)*/[^ ]+$")), pc.invert(pc.starts_with(
                lower, "10.48550/arxiv.")))
        no_doi = pc.is_null(doi)
        done = pc.fill_null(pc.and_(digits, pc.or_(no_doi, plain_doi)), False)
        keys = pc.if_else(no_doi, prefixed, lower)
        rest = np.flatnonzero(~done.to_numpy(zero_copy_only=False))
        arx = pa.nulls(len(keys), pa.string())
        if rest.size:
            d, g = doi.take(pa.array(rest)).to_pylist(), given.take(pa.array(rest)).to_pylist()
            prefix = deep.DIVE_SOURCE + ":"
            k2, a2 = [], []
            for di, gi in zip(d, g):
                a = arxiv_id_of(di, gi)
                a2.append(a)
                k2.append(paper_key(di, a, gi, prefix) or gi)
            pick = np.arange(len(keys))
            pick[rest] = len(keys) + np.arange(rest.size)
            keys = pa.concat_arrays([keys, pa.array(k2, pa.string())]).take(pa.array(pick))
            arx = pa.concat_arrays([arx, pa.array(a2, pa.string())]).take(pa.array(pick))
        return keys, arx

    # ------------------------------------------------------- write one block
    def _write_docs(self, kind: str, fast: "_Fast | None", slow: list[Document]) -> None:
        """Documents of one block (plain rows in ``fast``, row-path ones in ``slow``): the
        arXiv re-keying, the duplicate rule, the merge with stored documents, then their
        entity nodes and edges."""
        label = schema.PAPER if kind == "paper" else schema.PATENT
        spec = schema.node(label)
        cols = DOC_COLUMNS[kind]
        typed = [(c, spec.prop_type(c)) for c in cols]
        extra = [("__line", "INT64"), ("__file", "STRING"), ("__sid", "STRING")]
        parts = []
        if fast is not None:
            t = fast.table.append_column("__line", pa.array(fast.lines)).append_column(
                "__file", pa.array([fast.file] * len(fast.lines), pa.string()))
            parts.append(conform(t, typed + extra))
        doc_rows = []
        for d in slow:  # ingest._document makes the node row (counters not touched here)
            t = _Tables(LoadSummary())
            _document(t, d)
            row = t.nodes[label][d.id]
            doc_rows.append({**{c: row.get(c) for c in cols}, "__line": d.line,
                             "__file": d.file, "__sid": d.source_id})
        if doc_rows:
            parts.append(conform(pa.Table.from_pylist(doc_rows), typed + extra))
        if not parts:
            return
        docs = pa.concat_tables(parts)
        docs = docs.take(pa.array(np.argsort(docs.column("__line").to_numpy(), kind="stable")))
        docs = self._meet_arxiv(kind, docs)
        keep = self._duplicates(label, docs)
        self.summary.documents += int(len(keep))
        docs = docs.filter(pa.array(keep))
        self.summary.yearless += int(pc.sum(pc.is_null(docs.column("year"))).as_py() or 0)
        self.by_source[label].append(pa.table({"sid": docs.column("__sid"),
                                               "key": docs.column("id")}))
        nodes: dict[str, list[pa.Table]] = {}
        edges: dict[tuple[str, str, str], list[pa.Table]] = {}
        if fast is not None:
            self._fast_edges(kind, label, fast, docs, nodes, edges)
        if slow:
            key_of = dict(zip(docs.column("__line").to_pylist(), docs.column("id").to_pylist()))
            for d in slow:
                if d.line not in key_of:
                    continue
                d.id = key_of[d.line]
                t = _Tables(self.summary)  # counts invalid codes, as the row path does
                yearless = self.summary.yearless
                _document(t, d)
                self.summary.yearless = yearless
                for lab, rows in t.nodes.items():
                    if lab != label:
                        nodes.setdefault(lab, []).append(_with_line(
                            pa.Table.from_pylist(list(rows.values())), d.line))
                for (rel, a, bb), rows in t.edges.items():
                    edges.setdefault((rel, a, bb), []).append(
                        _with_line(pa.Table.from_pylist(rows), d.line))
        write = docs.drop(["__line", "__file", "__sid"])
        # documents already stored (earlier loads, a killed run, an earlier block under
        # an arXiv key): merged (ingest.merge_document); the rest are new, and so are all
        # their edges (an edge needs both ends stored)
        present = self.store.existing_keys(label, write.column("id"))
        old_keys = pa.array(sorted(present), pa.string())
        mask = pc.is_in(write.column("id"), old_keys)
        if present:
            old = write.filter(mask)
            rows_by_key = {r["id"]: {k: v for k, v in r.items() if v is not None}
                           for r in old.to_pylist()}
            _merge_stored(self.store, label, rows_by_key, self.summary)
            merged = conform(pa.Table.from_pylist(list(rows_by_key.values())), typed)
            c = self.store.upsert_nodes(label, merged, overwrite=True)
            self.summary.inserted[label] += c.inserted
            self.summary.updated[label] += c.updated
        new = write.filter(pc.invert(mask))
        if hasattr(self.store, "copy_nodes"):
            self.summary.inserted[label] += self.store.copy_nodes(label, new)
        else:
            self.summary.inserted[label] += self.store.upsert_nodes(label, new).inserted
        for lab in (schema.KEYWORD, schema.AUTHOR, schema.INSTITUTION, schema.VENUE, schema.IPC):
            if lab in nodes:
                t = _first(nodes[lab], [schema.node(lab).key])
                c = self.store.upsert_nodes(lab, t, overwrite=False)
                self.summary.inserted[lab] += c.inserted
                self.summary.updated[lab] += c.updated
        for (rel, a, bb), tabs in edges.items():
            t = pa.concat_tables(tabs, promote_options="default")
            if len(tabs) > 1:
                t = t.take(pa.array(np.argsort(t.column("__line").to_numpy(), kind="stable")))
            # the plain rows' keyword edges are unique already
            unique = len(tabs) == 1 and rel == schema.HAS_KEYWORD and fast is not None
            side = "src" if a == label else "dst"
            self.summary.inserted[rel] += copy_new_edges(self.store, rel, a, bb,
                                                         t.drop(["__line"]), unique=unique,
                                                         old_keys=old_keys, side=side)

    def _meet_arxiv(self, kind: str, docs: pa.Table) -> pa.Table:
        """``ingest._meet_arxiv``: a paper carrying an arXiv id takes the key of the paper
        stored (or loaded in an earlier block) under that arXiv id."""
        if kind != "paper":
            return docs
        arx = docs.column("arxiv_id")
        has = pc.is_valid(arx)
        if not pc.any(has).as_py():
            return docs
        ids = sorted(set(pc.filter(arx, has).to_pylist()))
        found: dict[str, str] = {}
        for r in self.store.read_table(*queries.arxiv_matches(ids)).to_pylist():
            found.setdefault(r["arxiv_id"] or r["id"], r["id"])
        keys = docs.column("id").to_pylist()
        changed = False
        for i, a in enumerate(arx.to_pylist()):
            if a is None:
                continue
            k = self.arxiv_keys.get(a) or found.get(a)
            if k and k != keys[i]:
                keys[i] = k
                changed = True
        for i, a in enumerate(arx.to_pylist()):
            if a is not None:
                self.arxiv_keys.setdefault(a, keys[i])
        if changed:
            docs = docs.set_column(docs.column_names.index("id"), "id",
                                   pa.array(keys, pa.string()))
        return docs

    def _duplicates(self, label: str, docs: pa.Table) -> np.ndarray:
        """``ingest``'s rule: a key seen before in this load with the same content is a
        duplicate (counted, dropped); with other content, a Reject naming the first place."""
        import pandas as pd

        content = docs.drop(["id", "__line", "__file"])
        text = pc.binary_join_element_wise(
            *[c.cast(pa.string()) for c in content.columns], "\x1f",
            null_handling="replace", null_replacement="\x1e")
        h = pd.util.hash_array(text.to_numpy(zero_copy_only=False).astype(object))
        keys = docs.column("id")
        # the within-load key index: key, file number, line, content hash (~50 bytes a key)
        enc = docs.column("__file").combine_chunks().dictionary_encode()
        nos = np.array([self._file_no(f) for f in enc.dictionary.to_pylist()], np.int16)
        cur = pa.table({"id": keys, "file": pa.array(
            nos[enc.indices.to_numpy(zero_copy_only=False)]), "line": docs.column("__line"),
            "h": pa.array(h)})
        prev = [p.filter(pc.is_in(p.column("id"), keys)) for p in self.seen[label]]
        keep = np.ones(docs.num_rows, bool)
        allt = pa.concat_tables(prev + [cur.append_column(
            "__i", pa.array(np.arange(docs.num_rows)))] if prev else [cur.append_column(
                "__i", pa.array(np.arange(docs.num_rows)))], promote_options="default")
        counts = allt.group_by("id").aggregate([("id", "count")])
        multi = counts.filter(pc.greater(counts.column("id_count"), 1)).column("id")
        if len(multi):
            sub = allt.filter(pc.is_in(allt.column("id"), multi)).to_pylist()
            first: dict[str, dict[str, Any]] = {}
            for r in sub:  # previous blocks first, then this block in line order
                if r["id"] not in first:
                    first[r["id"]] = r
                    continue
                f = first[r["id"]]
                keep[r["__i"]] = False
                if f["h"] == r["h"]:
                    self.summary.duplicates += 1
                else:
                    self.reject(Reject(self.files[r["file"]], r["line"], "id",
                                       f"duplicate {label} key {r['id']!r} with different "
                                       f"content (first at {self.files[f['file']]}:"
                                       f"{f['line']})"))
        self.seen[label].append(cur.filter(pa.array(keep)))
        return keep

    def _file_no(self, file: str) -> int:
        if file not in self.files:
            self.files.append(file)
        return self.files.index(file)

    def _fast_edges(self, kind: str, label: str, fast: "_Fast", docs: pa.Table,
                    nodes: dict[str, list[pa.Table]], edges: dict[tuple, list[pa.Table]]) -> None:
        """Node and edge rows of the plain rows that were kept (by their line)."""
        kept = pc.is_in(pa.array(fast.lines), docs.column("__line")).to_numpy(
            zero_copy_only=False)
        # the key of each plain row (after re-keying; null for rows dropped as duplicates)
        pos = pc.index_in(pa.array(fast.lines), docs.column("__line"))
        key_arr = docs.column("id").combine_chunks().take(pos)
        keys = _Keys(key_arr)
        lines = fast.lines
        # keywords: normalised once per distinct phrase; first spelling's position = rank
        if len(fast.items):
            norm_vals, n_idx = _distinct(fast.items, normalize_keyword)
            code_of: dict[str, int] = {}
            codes = np.array([-1 if v is None else code_of.setdefault(v, len(code_of))
                              for v in norm_vals], np.int64)
            vocab = pa.array(list(code_of), pa.string())
            code = codes[n_idx] if len(n_idx) else np.zeros(0, np.int64)
            par = fast.parents
            ok = kept[par] & (code >= 0)
            par, code = par[ok], code[ok]
            # first mention of each (document, keyword): order of the items kept
            _, firsts = np.unique(par * (len(code_of) + 1) + code, return_index=True)
            firsts.sort()
            par, code = par[firsts], code[firsts]
            starts = np.searchsorted(par, par, side="left")
            rank = np.arange(len(par)) - starts + 1
            nodes.setdefault(schema.KEYWORD, []).append(pa.table({
                "name": vocab.take(pa.array(np.unique(code))),
                "__line": pa.array(np.zeros(len(np.unique(code)), np.int64))}))
            dst = vocab.take(pa.array(code))
            edges.setdefault((schema.HAS_KEYWORD, label, schema.KEYWORD), []).append(pa.table({
                "src": keys[par], "dst": dst,
                "score": pa.nulls(len(par), pa.float64()),
                "source": pa.array(np.full(len(par), schema.SOURCE_INPUT, object), pa.string()),
                "rank": pa.array(rank, pa.int64()), "__line": pa.array(lines[par])}))
        rows = np.flatnonzero(kept)
        if kind == "paper":
            res, idx = fast.extra["authors"]
            r, (pos, pid, name) = _explode(res, idx, fast.rows[rows], 3)
            r = _local(fast.rows, r)
            if len(r):
                nodes.setdefault(schema.AUTHOR, []).append(pa.table({
                    "id": pa.array(pid, pa.string()), "name": pa.array(name, pa.string()),
                    "__line": pa.array(lines[r])}))
                edges.setdefault((schema.AUTHORED, schema.AUTHOR, schema.PAPER), []).append(
                    pa.table({"src": pa.array(pid, pa.string()),
                              "dst": keys[r],
                              "position": pa.array(pos, pa.int64()),
                              "__line": pa.array(lines[r])}))
            res, idx = fast.extra["insts"]
            r, (iid, name) = _explode(res, idx, fast.rows[rows], 2)
            r = _local(fast.rows, r)
            if len(r):
                nodes.setdefault(schema.INSTITUTION, []).append(pa.table({
                    "id": pa.array(iid, pa.string()), "name": pa.array(name, pa.string()),
                    "region": pa.nulls(len(r), pa.string()), "__line": pa.array(lines[r])}))
                edges.setdefault((schema.AFFILIATED_WITH, schema.PAPER, schema.INSTITUTION),
                                 []).append(pa.table({
                                     "src": keys[r],
                                     "dst": pa.array(iid, pa.string()),
                                     "__line": pa.array(lines[r])}))
            res, idx = fast.extra["venues"]
            r, (vname,) = _explode(res, idx, fast.rows[rows], 1)
            r = _local(fast.rows, r)
            if len(r):
                nodes.setdefault(schema.VENUE, []).append(pa.table({
                    "name": pa.array(vname, pa.string()), "__line": pa.array(lines[r])}))
                edges.setdefault((schema.PUBLISHED_IN, schema.PAPER, schema.VENUE), []).append(
                    pa.table({"src": keys[r],
                              "dst": pa.array(vname, pa.string()),
                              "__line": pa.array(lines[r])}))
        else:
            res, idx = fast.extra["codes"]
            r, (raw, code) = _explode(res, idx, fast.rows[rows], 2)
            r = _local(fast.rows, r)
            if len(r):
                code_a = np.asarray(code, dtype=object)
                bad = np.array([c is None for c in code], bool)
                for j in np.flatnonzero(bad):
                    self.summary.codes_invalid += 1
                    self.summary.warn(f"{fast.file}:{int(lines[r[j]])}: ipc: "
                                      f"{str(raw[j])[:40]!r} is not an IPC/CPC code "
                                      "(kept as text, no node)")
                good = ~bad
                rg = r[good]
                cg = code_a[good].tolist()
                nodes.setdefault(schema.IPC, []).append(pa.table({
                    "code": pa.array(cg, pa.string()),
                    "scheme": pa.array([schema.SCHEME_IPC] * len(cg), pa.string()),
                    "__line": pa.array(lines[rg])}))
                edges.setdefault((schema.CLASSIFIED_AS, schema.PATENT, schema.IPC), []).append(
                    pa.table({"src": keys[rg],
                              "dst": pa.array(cg, pa.string()),
                              "__line": pa.array(lines[rg])}))

    # ----------------------------------------------------------------- links
    def links(self, path: Path) -> None:
        for item in _blocks(path, schema.DEEP_COSINE_HEADER, self.block_rows):
            if isinstance(item, tuple):
                recs: list[Link] = []
                for it in read_rows(path, fmt="csv",
                                    members=lambda m: m == schema.DEEP_COSINE_CSV,
                                    on_header=deep._check_header(schema.DEEP_COSINE_HEADER)):
                    if it.line < item[1]:
                        continue
                    if isinstance(it, Reject):
                        self.reject(it)
                        continue
                    rec = deep.link_from_values(it.values, it.file, it.line)
                    if isinstance(rec, Reject):
                        self.reject(rec)
                    else:
                        recs.append(rec)
                self._write_links(_links_table(recs))
                return
            self._link_block(item, str(path))

    def _link_block(self, b: _Block, file: str) -> None:
        t = b.table
        n = t.num_rows
        cols = {h: _unneutralised(t.column(h)) for h in t.column_names}
        p, q, s = cols["Paper_ID"], cols["Patent_ID"], cols["Cosine similarity"]
        fast = pc.and_(pc.match_substring_regex(p, _SIMPLE_ID),
                       pc.match_substring_regex(q, _SIMPLE_ID))
        fast = pc.and_(fast, pc.match_substring_regex(s, _DECIMAL))
        score = pc.cast(pc.if_else(fast, s, "0"), pa.float64())
        fast = pc.and_(fast, pc.less_equal(pc.abs(score), 1 + deep.SCORE_TOL))
        fast_np = fast.to_numpy(zero_copy_only=False)
        lines = b.lines
        slow = np.flatnonzero(~fast_np)
        recs: list[Link] = []
        for r, values in zip(slow, t.take(pa.array(slow)).to_pylist()):
            rec = deep.link_from_values(values, file, int(lines[r]))
            if isinstance(rec, Reject):
                self.reject(rec)
            else:
                recs.append(rec)
        fr = np.flatnonzero(fast_np)
        fs = pc.max_element_wise(pc.min_element_wise(score.take(pa.array(fr)), 1.0), -1.0)
        table = pa.table({"paper": p.take(pa.array(fr)).combine_chunks(),
                          "patent": q.take(pa.array(fr)).combine_chunks(),
                          "score": fs.combine_chunks() if isinstance(fs, pa.ChunkedArray)
                          else fs,
                          "file": pa.array([file] * len(fr), pa.string()),
                          "line": pa.array(lines[fr])})
        if recs:
            table = pa.concat_tables([table, _links_table(recs)]).take(
                pc.sort_indices(pa.concat_arrays([table.column("line").combine_chunks(),
                                                  pa.array([x.line for x in recs])])))
        self._write_links(table)
        if self.progress:
            self.progress(n)

    def _resolve(self, label: str, source: str, ids: pa.Array) -> pa.Array:
        """``ingest._resolve``: source ids → keys (this load, then the store's
        ``source_ids``, then ids that are keys)."""
        known = pa.concat_tables(self.by_source[label]) if self.by_source[label] else \
            pa.table({"sid": pa.array([], pa.string()), "key": pa.array([], pa.string())})
        # a source id given twice: the later document's key (the row path's dict update)
        known = _first([known.append_column("__line", pa.array(-np.arange(known.num_rows)))],
                       ["sid"])
        t = pa.table({"sid": ids, "__i": pa.array(np.arange(len(ids)))})
        j = t.join(known, "sid", join_type="left outer").sort_by("__i")
        out = j.column("key").to_pylist()
        missing = sorted({ids[i].as_py() for i, k in enumerate(out) if k is None})
        if missing:
            m: dict[str, str] = {}
            needle = json.dumps(source)
            for r in self.store.read_table(*queries.by_source_id(label, needle)).to_pylist():
                sid = json.loads(r["sids"]).get(source)
                if sid is not None:
                    m.setdefault(str(sid), r["id"])
            rest = [i for i in missing if i not in m]
            for k in self.store.existing_keys(label, rest) if rest else ():
                m[k] = k
            idl = ids.to_pylist()
            out = [k if k is not None else m.get(idl[i]) for i, k in enumerate(out)]
        return pa.array(out, pa.string())

    def _write_links(self, t: pa.Table) -> None:
        if t.num_rows == 0:
            return
        self.summary.links += t.num_rows
        pk = self._resolve(schema.PAPER, deep.DIVE_SOURCE, t.column("paper").combine_chunks())
        tk = self._resolve(schema.PATENT, deep.PATENT_SOURCE,
                           t.column("patent").combine_chunks())
        bad_p, bad_t = pc.is_null(pk), pc.is_null(tk)
        if pc.any(pc.or_(bad_p, bad_t)).as_py():
            for r, bp, bt in zip(t.to_pylist(), bad_p.to_pylist(), bad_t.to_pylist()):
                if bp:
                    self.reject(Reject(r["file"], r["line"], "Paper_ID",
                                       f"no paper with id {r['paper']!r}"))
                elif bt:
                    self.reject(Reject(r["file"], r["line"], "Patent_ID",
                                       f"no patent with id {r['patent']!r}"))
        good = pc.invert(pc.or_(bad_p, bad_t))
        n = int(pc.sum(good).as_py() or 0)
        rows = pa.table({"src": pk.filter(good), "dst": tk.filter(good),
                         "score": t.column("score").filter(good),
                         "rank": pa.array(np.ones(n, np.int64)),
                         "method": pa.array([schema.SOURCE_INPUT] * n, pa.string()),
                         "model": pa.nulls(n, pa.string())})
        self.summary.inserted[schema.SIMILAR_TO] += copy_new_edges(
            self.store, schema.SIMILAR_TO, schema.PAPER, schema.PATENT, rows)


class _Keys:
    """Document keys by position (arrow), indexed with numpy arrays."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, idx: np.ndarray) -> pa.Array:
        return self.arr.take(pa.array(np.asarray(idx, np.int64)))


@dataclass
class _Fast:
    table: pa.Table  # document columns of the plain rows
    rows: np.ndarray  # their row numbers in the block
    lines: np.ndarray  # their lines
    items: pa.Array  # keyword items (untrimmed), flattened
    parents: np.ndarray  # item → index into rows
    extra: dict[str, tuple[list[Any], np.ndarray]]  # per-distinct results, block row index
    file: str


def _local(rows: np.ndarray, block_rows: np.ndarray) -> np.ndarray:
    """Block row numbers → positions in ``rows`` (sorted)."""
    return np.searchsorted(rows, block_rows)


def _with_line(t: pa.Table, line: int) -> pa.Table:
    return t.append_column("__line", pa.array(np.full(t.num_rows, line, np.int64)))


def _first(tabs: list[pa.Table], key: list[str]) -> pa.Table:
    """Rows of ``tabs`` in ``__line`` order, the first of each ``key`` kept; ``__line``
    dropped. Tables may miss columns (null there)."""
    t = pa.concat_tables(tabs, promote_options="default")
    t = t.take(pa.array(np.argsort(t.column("__line").to_numpy(), kind="stable")))
    t = t.drop(["__line"])
    idx = t.select(key).append_column("__i", pa.array(np.arange(t.num_rows)))
    firsts = idx.group_by(key, use_threads=False).aggregate([("__i", "min")])
    if firsts.num_rows == t.num_rows:
        return t
    return t.take(pa.array(np.sort(firsts.column("__i_min").to_numpy())))


def _links_table(recs: list[Link]) -> pa.Table:
    return pa.table({"paper": pa.array([r.paper_id for r in recs], pa.string()),
                     "patent": pa.array([r.patent_id for r in recs], pa.string()),
                     "score": pa.array([r.score for r in recs], pa.float64()),
                     "file": pa.array([r.file for r in recs], pa.string()),
                     "line": pa.array([r.line for r in recs], pa.int64())})


# ------------------------------------------------------------ per-distinct maps
def _patent_keys(pn: pa.ChunkedArray) -> pa.Array:
    """``identity.patent_key`` of each ``PN`` cell (null for an empty one): by kernels for
    the common form (two country letters, not a US series, digits, a kind code:
    ``US10000001B2`` → ``US10000001``), by ``patent_key`` once per distinct other value."""
    pn = pn.combine_chunks() if isinstance(pn, pa.ChunkedArray) else pn
    m = pc.extract_regex(pn, r"^(?P<cc>[A-Z]{2})0*(?P<num>[0-9]+)(?:[A-Z][0-9]?)?$")
    cc, num = pc.struct_field(m, "cc"), pc.struct_field(m, "num")
    simple = pc.and_(pc.is_valid(m), pc.invert(pc.is_in(cc, pa.array(["RE", "PP", "AI"]))))
    simple = pc.fill_null(simple, False)
    keys = pc.if_else(simple, pc.binary_join_element_wise(cc, num, ""),
                      pa.scalar(None, pa.string()))
    return _patch(keys, simple, lambda v: patent_key(v) if v else None, pn)


def _patch(values: pa.Array, done: pa.Array, fn: Callable[[str], Any], src: pa.Array
           ) -> pa.Array:
    """``values`` where ``done``, else ``fn`` of ``src`` (once per distinct value)."""
    ok = done.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~ok)
    if not rest.size:
        return values
    vals, idx = _distinct(src.take(pa.array(rest)), fn)
    other = pa.array(vals, pa.string()).take(pa.array(idx))
    pick = np.arange(len(values))
    pick[rest] = len(values) + np.arange(rest.size)
    return pa.concat_arrays([values.cast(pa.string()), other]).take(pa.array(pick))


def _authors(v: str) -> list[tuple[int, str, str]]:
    """(position, author id, name) as ``ingest._person`` makes them from ``Name``."""
    out = []
    for pos, n in enumerate(deep._names(v), 1):
        name = normalize_name(n)
        pid = name_key(name)
        if pid:
            out.append((pos, pid, name))
    return out


def _institutions(v: str) -> list[tuple[str, str]]:
    out = []
    for n in deep._names(v):
        name = normalize_name(n)
        iid = name_key(name)
        if iid:
            out.append((iid, name))
    return out


def _venue(v: str) -> list[tuple[str]]:
    from ..loaders.mapping import collapse_ws

    name = normalize_name(collapse_ws(v or None))
    return [(name,)] if name else []


def _codes(v: str) -> list[tuple[str, str | None]]:
    """(code as parsed, canonical code or None) as the row path's ``parse_codes`` +
    ``ingest.clean_code`` give them."""
    from ..loaders.mapping import parse_codes

    return [(c, canonical_ipc(c)) for c, _ in parse_codes(v or None, schema.SCHEME_IPC)]


def _keyword_cells(kw: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Keyword cells → (items joined by ``_SEP``, fast) for the forms whose kernel result is
    the row path's ``_keywords`` (``parse_list``): a JSON list of strings written as
    ``json.dumps`` writes it (``["a", "b"]``: no ``"`` or ``\\`` inside items), a Python
    list literal as ``str(list)`` writes it (``['a', 'b']``: no quote or ``\\`` inside
    items), an empty list, or text not starting with ``[`` / ``{`` (split on ``;``, else
    ``|``) without ``"`` or ``\\``. Anything else is not fast (the row path reads it)."""
    opened = pc.and_(pc.starts_with(kw, "["), pc.ends_with(kw, "]"))
    body = pc.utf8_trim(pc.utf8_slice_codeunits(kw, 1, -1), " ")
    inner = pc.utf8_slice_codeunits(body, 1, -1)
    two = pc.greater_equal(pc.utf8_length(body), 2)
    jsep = pc.replace_substring(inner, '", "', _SEP)
    psep = pc.replace_substring(inner, "', '", _SEP)
    is_json = pc.and_(pc.and_(two, pc.and_(pc.starts_with(body, '"'), pc.ends_with(body, '"'))),
                      pc.invert(pc.match_substring_regex(jsep, r'["\\]')))
    is_py = pc.and_(pc.and_(two, pc.and_(pc.starts_with(body, "'"), pc.ends_with(body, "'"))),
                    pc.invert(pc.match_substring_regex(psep, r"['\"\\]")))
    empty = pc.equal(body, "")
    listy = pc.and_(opened, pc.or_(pc.or_(is_json, is_py), empty))
    plain_ok = pc.invert(pc.or_(pc.or_(pc.starts_with(kw, "["), pc.starts_with(kw, "{")),
                                pc.or_(pc.match_substring(kw, '"'),
                                       pc.match_substring(kw, "\\"))))
    plain = pc.if_else(pc.match_substring(kw, ";"), pc.replace_substring(kw, ";", _SEP),
                       pc.if_else(pc.match_substring(kw, "|"),
                                  pc.replace_substring(kw, "|", _SEP), kw))
    joined = pc.if_else(opened, pc.if_else(is_json, jsep, pc.if_else(is_py, psep, "")), plain)
    return joined, pc.or_(listy, plain_ok)


def _keyword_items(joined: pa.ChunkedArray, rows: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Joined keyword cells of ``rows`` → (items, position in ``rows``): split, trimmed,
    empty items dropped (``_keywords`` + ``check_text``)."""
    lists = pc.split_pattern(joined.take(pa.array(rows)).combine_chunks(), _SEP)
    items = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    trimmed = pc.utf8_trim(items, " ")
    ok = pc.not_equal(trimmed, "").to_numpy(zero_copy_only=False)
    return trimmed.filter(pa.array(ok)), parents[ok]


def _keywords_given(items: pa.Array, parents: np.ndarray, m: int) -> pa.Array:
    """``json.dumps(keywords, ensure_ascii=False)`` per document (null when none); items
    hold no ``"``, ``\\`` or control character, so no escaping is needed."""
    counts = np.bincount(parents, minlength=m) if len(parents) else np.zeros(m, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), items)
    joined = pc.binary_join(lists, '", "')
    text = pc.binary_join_element_wise('["', joined, '"]', "")
    return pc.if_else(pa.array(counts > 0), text, pa.scalar(None, pa.string()))


# ------------------------------------------------------------------- edge writes
def copy_new_edges(store: Store, rel: str, a: str, b: str, table: pa.Table,
                   unique: bool = False, old_keys: pa.Array | None = None,
                   side: str = "src") -> int:
    """Write the edges of ``table`` (src, dst, props; first row of each edge key kept) that
    are not stored yet; returns how many.

    The diff is an arrow anti-join (null key properties equal to null) against
    ``store.edge_keys`` (skipped while the store has no such edge), then one
    ``store.copy_edges``; a store without those methods (Neo4j) uses ``upsert_edges``.
    ``old_keys``: when given, only edges whose ``side`` endpoint is one of these keys can be
    stored already (the others' endpoint was new in this load); only those are diffed."""
    if table.num_rows == 0:
        return 0
    if not hasattr(store, "copy_edges"):
        return store.upsert_edges(rel, a, b, table).inserted
    kp = list(schema.rel(rel).key_props)
    cols = ["src", "dst", *kp]
    for p in kp:
        if p not in table.column_names:
            table = table.append_column(p, pa.nulls(table.num_rows, pa.string()))
    if not unique:  # ``unique``: the caller knows each edge key occurs once
        table = _first([table.append_column("__line", pa.array(np.arange(table.num_rows)))],
                       cols)
    cand = None if old_keys is None else pc.is_in(table.column(side), old_keys)
    if (cand is None or pc.any(cand).as_py()) and _has_edges(store, rel, a, b):
        sub = table if cand is None else table.filter(cand)
        stored = store.edge_keys(rel, a, b, sub.select(cols))  # type: ignore[attr-defined]
        if stored.num_rows:
            sentinel = "\x00null"
            left = table.select(cols).append_column("__i", pa.array(np.arange(table.num_rows)))
            for p in kp:
                left = left.set_column(left.column_names.index(p), p, pc.fill_null(
                    left.column(p).cast(pa.string()), sentinel))
                stored = stored.set_column(stored.column_names.index(p), p, pc.fill_null(
                    stored.column(p).cast(pa.string()), sentinel))
            anti = left.join(stored.select(cols), cols, join_type="left anti")
            table = table.take(pa.array(np.sort(anti.column("__i").to_numpy())))
    return store.copy_edges(rel, a, b, table)  # type: ignore[attr-defined]


def _has_edges(store: Store, rel: str, a: str, b: str) -> bool:
    r = store.read_table(*queries.any_edge(rel, a, b))
    return r.num_rows > 0


# --------------------------------------------------------------------------- API
def ingest_deepinnovation_columnar(store: Store, path: str | Path, rejects: RejectLog, *,
                                   require_year: bool = True,
                                   block_rows: int = DEFAULT_BLOCK_ROWS,
                                   progress: Callable[[int], None] | None = None,
                                   stats: dict[str, Any] | None = None
                                   ) -> LoadSummary | None:
    """Load DeepDiveAI, DeepPatentAI and DeepCosineAI (``.csv`` or ``.parquet``) from
    ``path`` (a folder or one of the files) into ``store``, columnar (module docstring).

    Returns the ``LoadSummary`` (same counters as ``pipeline.ingest.ingest``), or ``None``
    for a ``.zip`` (the caller uses the row path). Rejects go to ``rejects``.
    ``block_rows``: documents read, mapped and written together (memory ∝ block).
    ``stats``: when given, receives ``index_bytes``, the bytes held for the whole load (the
    within-load key index for duplicates and best-match ids: ∝ documents).
    Raises ``BadInputError`` for a missing folder/file or a header that is not the
    published one (nothing of that table is loaded).
    """
    files = deep_files(path)
    if files is None:
        return None
    load = _Load(store, rejects, require_year, block_rows, progress)
    if schema.DEEP_DIVE_CSV in files:
        load.documents(files[schema.DEEP_DIVE_CSV], "paper")
    if schema.DEEP_PATENT_CSV in files:
        load.documents(files[schema.DEEP_PATENT_CSV], "patent")
    if schema.DEEP_COSINE_CSV in files:
        load.links(files[schema.DEEP_COSINE_CSV])
    if stats is not None:
        stats["index_bytes"] = sum(t.nbytes for ts in (*load.seen.values(),
                                                       *load.by_source.values()) for t in ts)
    return load.summary
