"""Cell kernels: which cells of a block are plain, and their values as the row path gives
them.

A cell is *plain* when the row path (``loaders.mapping.map_row``) would keep it as it is;
plain cells are mapped by arrow compute kernels, the others go through the row path.
``distinct`` / ``safe`` / ``explode`` run a Python function once per distinct value and
take its results back to the rows; ``keyword_cells`` / ``keyword_items`` /
``keywords_given`` read the ``Keywords`` column as ``deepinnovation._keywords`` does.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...loaders.records import MAX_FIELD_CHARS

__all__ = ["SEP", "SIMPLE_ID", "DECIMAL", "unneutralised", "plain", "cell_text", "distinct",
           "safe", "FAIL", "explode", "keyword_cells", "keyword_items", "keywords_given"]


SEP = "\x1f"  # joins list items; a control character, never in a fast cell
# characters that make a cell "not plain": controls, exotic spaces (Python's str.strip and
# arrow's trim would differ on them), the separator above
_EXOTIC = r"[\x00-\x1f\x7f-\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}" \
          r"\x{3000}\x{feff}]"
SIMPLE_ID = r"^[0-9A-Za-z][0-9A-Za-z._:/\-]*$"
DECIMAL = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"


def unneutralised(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """``deepinnovation.unneutralise`` on a column: ``'=…`` → ``=…``."""
    if not pc.any(pc.starts_with(col, "'")).as_py():
        return col
    hit = pc.match_substring_regex(col, r"^'[=+\-@\t\r]")
    return pc.if_else(hit, pc.utf8_slice_codeunits(col, 1), col)


def plain(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells ``check_text`` leaves as they are (or makes ``None`` when empty): no control or
    exotic space anywhere, no space at either end, within the length limit."""
    ok = pc.invert(pc.match_substring_regex(col, _EXOTIC))
    ok = pc.and_(ok, pc.invert(pc.match_substring_regex(col, r"^ | $")))
    return pc.and_(ok, pc.less_equal(pc.binary_length(col), MAX_FIELD_CHARS))


def cell_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A plain cell as the row path stores it: empty → null."""
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def distinct(col: pa.ChunkedArray, fn: Callable[[str], Any]) -> tuple[list[Any], np.ndarray]:
    """``fn`` on each distinct value once; returns (results, index of each row's value)."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    enc = col.dictionary_encode()
    values = enc.dictionary.to_pylist()
    return [fn(v) for v in values], enc.indices.to_numpy(zero_copy_only=False)


def safe(fn: Callable[[str], Any]) -> Callable[[str], Any]:
    def run(v: str) -> Any:
        try:
            return fn(v)
        except (ValueError, TypeError):
            return FAIL
    return run


FAIL = object()


def explode(results: list[list[tuple]], idx: np.ndarray, rows: np.ndarray,
             width: int) -> tuple[np.ndarray, list[list[Any]]]:
    """Per-distinct lists of tuples (``width`` fields) → (row index, field columns) for the
    rows ``rows`` (indices into ``idx``), in row then list order."""
    lens = np.array([len(r) if r is not FAIL else 0 for r in results], np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    flat = [x for r in results if r is not FAIL for x in r]
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


def keyword_cells(kw: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Keyword cells → (items joined by ``SEP``, fast) for the forms whose kernel result is
    the row path's ``_keywords`` (``parse_list``): a JSON list of strings written as
    ``json.dumps`` writes it (``["a", "b"]``: no ``"`` or ``\\`` inside items), a Python
    list literal as ``str(list)`` writes it (``['a', 'b']``: no quote or ``\\`` inside
    items), an empty list, or text not starting with ``[`` / ``{`` (split on ``;``, else
    ``|``) without ``"`` or ``\\``. Anything else is not fast (the row path reads it)."""
    opened = pc.and_(pc.starts_with(kw, "["), pc.ends_with(kw, "]"))
    body = pc.utf8_trim(pc.utf8_slice_codeunits(kw, 1, -1), " ")
    inner = pc.utf8_slice_codeunits(body, 1, -1)
    two = pc.greater_equal(pc.utf8_length(body), 2)
    jsep = pc.replace_substring(inner, '", "', SEP)
    psep = pc.replace_substring(inner, "', '", SEP)
    is_json = pc.and_(pc.and_(two, pc.and_(pc.starts_with(body, '"'), pc.ends_with(body, '"'))),
                      pc.invert(pc.match_substring_regex(jsep, r'["\\]')))
    is_py = pc.and_(pc.and_(two, pc.and_(pc.starts_with(body, "'"), pc.ends_with(body, "'"))),
                    pc.invert(pc.match_substring_regex(psep, r"['\"\\]")))
    empty = pc.equal(body, "")
    listy = pc.and_(opened, pc.or_(pc.or_(is_json, is_py), empty))
    plain_ok = pc.invert(pc.or_(pc.or_(pc.starts_with(kw, "["), pc.starts_with(kw, "{")),
                                pc.or_(pc.match_substring(kw, '"'),
                                       pc.match_substring(kw, "\\"))))
    plain = pc.if_else(pc.match_substring(kw, ";"), pc.replace_substring(kw, ";", SEP),
                       pc.if_else(pc.match_substring(kw, "|"),
                                  pc.replace_substring(kw, "|", SEP), kw))
    joined = pc.if_else(opened, pc.if_else(is_json, jsep, pc.if_else(is_py, psep, "")), plain)
    return joined, pc.or_(listy, plain_ok)


def keyword_items(joined: pa.ChunkedArray, rows: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Joined keyword cells of ``rows`` → (items, position in ``rows``): split, trimmed,
    empty items dropped (``_keywords`` + ``check_text``)."""
    lists = pc.split_pattern(joined.take(pa.array(rows)).combine_chunks(), SEP)
    items = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    trimmed = pc.utf8_trim(items, " ")
    ok = pc.not_equal(trimmed, "").to_numpy(zero_copy_only=False)
    return trimmed.filter(pa.array(ok)), parents[ok]


def keywords_given(items: pa.Array, parents: np.ndarray, m: int) -> pa.Array:
    """``json.dumps(keywords, ensure_ascii=False)`` per document (null when none); items
    hold no ``"``, ``\\`` or control character, so no escaping is needed."""
    counts = np.bincount(parents, minlength=m) if len(parents) else np.zeros(m, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), items)
    joined = pc.binary_join(lists, '", "')
    text = pc.binary_join_element_wise('["', joined, '"]', "")
    return pc.if_else(pa.array(counts > 0), text, pa.scalar(None, pa.string()))
