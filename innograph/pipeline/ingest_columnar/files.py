"""The DeepInnovationAI tables on disk, read in blocks of text columns.

``deep_files`` finds the tables under a path; ``record_lines`` scans a CSV's bytes for the
physical line each record starts on; ``blocks`` yields ``Block`` s (every column as text,
header names, the line of each row) from a CSV (pyarrow's reader) or a Parquet file, or
says from which line on the row reader (``loaders.tabular``) must take over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import BadInputError, InnographError
from ...loaders import deepinnovation as deep
from ...loaders.tabular import MAX_LINE_BYTES

__all__ = ["deep_files", "record_lines", "Block", "blocks"]


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


def record_lines(path: Path) -> tuple[np.ndarray, bool] | None:
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
class Block:
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


def blocks(path: Path, expected: list[str], block_rows: int
            ) -> Iterator[Block | tuple[str, int]]:
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
            yield Block(t, np.arange(line, line + t.num_rows, dtype=np.int64))
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
    layout = record_lines(path) if names == expected else None
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

    def block() -> Block:
        t = pa.Table.from_batches(pending)
        if done + t.num_rows > len(lines):  # the scan and pyarrow disagree: stop loudly
            raise InnographError(f"{path}: the CSV reader found more rows than the line "
                                 "scan; load this file with --engine row")
        return Block(t, lines[done:done + t.num_rows])

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
