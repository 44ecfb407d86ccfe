"""Store → DeepPatentAI.csv, DeepDiveAI.csv, DeepCosineAI.csv (headers: docs/method.md §6).

Rows are ordered by id (numerically when every id is a number), keywords by their rank on
the HAS_KEYWORD edge, so that loading an export into an empty store and exporting again
gives byte-identical files. Floats are written in Python's shortest round-trip form.

Text cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed with
``'`` (OWASP CSV-injection guidance) unless ``raw=True``; plain numbers are never touched.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import BadInputError
from ..graph import queries, schema
from ..graph.store import Store
from ..identity import normalize_keyword

IDS = ("sequential", "source")
# the source whose own id orders --ids sequential (a published file read back keeps its order)
_ORDER_SOURCE = {schema.PATENT: "DeepPatentAI", schema.PAPER: "DeepDiveAI"}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Which SIMILAR_TO method DeepCosineAI.csv prefers when several are in the store; also the
# only values ``export --method`` accepts.
METHOD_PREFERENCE = ("exact", "input", "index")
EXPORT_METHODS = METHOD_PREFERENCE


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with ``'``.

    Plain numbers (``-3.2``, ``+1``) are left alone: they are data, not formulas.
    """
    if not value.startswith(FORMULA_START):
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def id_order(ids: list[str]) -> list[str]:
    """Ids sorted numerically when all are integers, else as strings."""
    if ids and all(i.isdigit() for i in ids):
        return sorted(ids, key=int)
    return sorted(ids)


def sequential_order(rows: dict[str, dict[str, Any]], label: str) -> list[str]:
    """Store keys in the order ``--ids sequential`` numbers them 1..N: documents with a
    numeric DeepPatentAI / DeepDiveAI id (``source_ids``) first, by that id (so a published
    file read back keeps its order and ids), then the others in ``id_order``."""
    src = _ORDER_SOURCE[label]
    numbered, rest = [], []
    for k, r in rows.items():
        sid = json.loads(r["source_ids"]).get(src) if r.get("source_ids") else None
        if sid is not None and str(sid).isdigit():
            numbered.append((int(sid), k))
        else:
            rest.append(k)
    return [k for _, k in sorted(numbered)] + id_order(rest)


def _merge_given(given: str | None, names: list[str]) -> list[str]:
    """The keywords as given (JSON list in ``keywords_given``), then the document's other
    keywords (KeyBERT's) whose normalised form is not among the given ones."""
    if not given:
        return names
    out = [str(x) for x in json.loads(given)]
    have = {normalize_keyword(x) for x in out}
    return out + [n for n in names if n not in have]


def _keywords(store: Store, label: str) -> dict[str, list[str]]:
    t = store.read_table(*queries.keywords_of_documents(label)).to_pylist()
    by_doc: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in t:
        rank = r["rank"] if r["rank"] is not None else 1 << 30
        score = -(r["score"] if r["score"] is not None else 0.0)
        by_doc[r["id"]].append((rank, score, r["name"]))
    # an input keyword also found by KeyBERT appears once, at its best rank
    return {d: list(dict.fromkeys(n for *_, n in sorted(v))) for d, v in by_doc.items()}


def _write(path: Path, header: list[str], rows: list[list[Any]], raw: bool) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            cells = [_cell(v) for v in row]
            if not raw:
                cells = [neutralise(c) for c in cells]
            w.writerow(cells)
    return len(rows)


def _documents(store: Store, label: str, columns: dict[str, str], header: list[str],
               raw: bool, path: Path, ids: str = "source",
               ai_only: bool = False) -> dict[str, str]:
    """Write one document CSV; returns store key → the ID written."""
    props = [columns[h] for h in header if h in columns]
    extra = [p for p in ("keywords_given", "source_ids") if p not in props]
    rows = {r["id"]: r for r in store.read_table(
        *queries.export_documents(label, props + extra, ai_only)).to_pylist()}
    kws = _keywords(store, label)
    order = sequential_order(rows, label) if ids == "sequential" else id_order(list(rows))
    written = {k: (str(n) if ids == "sequential" else k) for n, k in enumerate(order, 1)}
    out = []
    for i in order:
        r = rows[i]
        cells = []
        for h in header:
            if h == "Keywords":
                cells.append(json.dumps(_merge_given(r.get("keywords_given"), kws.get(i, [])),
                                        ensure_ascii=False))
            elif h == "ID":
                cells.append(written[i])
            else:
                cells.append(r.get(columns[h]))
        out.append(cells)
    _write(path, header, out, raw)
    return written


def export_csvs(store: Store, out_dir: str | Path, raw: bool = False,
                method: str | None = None, ids: str = "source",
                ai_only: bool = False) -> dict[str, int]:
    """Write the three CSVs into ``out_dir``; returns rows written per file.

    ``method`` picks which SIMILAR_TO edges become DeepCosineAI.csv (default: the first of
    ``METHOD_PREFERENCE`` present); only rank-1 edges are written, one row per paper.

    ``ids``: ``source`` writes the store keys as IDs; ``sequential`` writes 1..N per file as
    the published files do (order: ``sequential_order``), DeepCosineAI's Paper_ID /
    Patent_ID pointing at them (the CLI's default). ``ai_only``: only documents whose final
    AI label is AI (``pipeline.scope``), and the cosine rows between two of them.

    Raises ``BadInputError`` before writing anything when ``method`` is not one of
    ``EXPORT_METHODS``, or when the store holds no SIMILAR_TO edge of that method (the message
    names the methods present and the command that makes them). With no ``method``, a store
    without SIMILAR_TO edges still gets the two document files and an empty DeepCosineAI.csv
    (the caller says so; see ``empty_reasons``).
    """
    if ids not in IDS:
        raise ValueError(f"ids must be one of {', '.join(IDS)}, not {ids!r}")
    if method is not None and method not in EXPORT_METHODS:
        raise BadInputError(f"--method {method!r} is not a SIMILAR_TO method: use one of "
                            f"{', '.join(EXPORT_METHODS)}")
    edges = store.read_table(*queries.similar_edges()).to_pylist()
    methods = {e["method"] for e in edges}
    if method is not None and method not in methods:
        present = ", ".join(sorted(map(str, methods))) or "none"
        make = {"exact": "innograph match", "index": "innograph match --method index",
                "input": "innograph load deepinnovation DIR (DeepCosineAI.csv)"}[method]
        raise BadInputError(f"--method {method}: the store has no SIMILAR_TO edges of method "
                            f"{method!r} (methods present: {present}); make them with `{make}`")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pat = _documents(store, schema.PATENT, schema.DEEP_PATENT_COLUMNS,
                     schema.DEEP_PATENT_HEADER, raw, out / schema.DEEP_PATENT_CSV, ids, ai_only)
    pap = _documents(store, schema.PAPER, schema.DEEP_DIVE_COLUMNS, schema.DEEP_DIVE_HEADER,
                     raw, out / schema.DEEP_DIVE_CSV, ids, ai_only)
    n = {schema.DEEP_PATENT_CSV: len(pat), schema.DEEP_DIVE_CSV: len(pap)}
    chosen = method or next((m for m in METHOD_PREFERENCE if m in methods),
                            min(methods) if methods else None)
    best: dict[str, dict[str, Any]] = {}
    for e in edges:
        if e["method"] != chosen or (e["rank"] not in (None, 1)):
            continue
        if e["paper"] not in pap or e["patent"] not in pat:  # --ai-only left one end out
            continue
        cur = best.get(e["paper"])
        if cur is None or (e["score"] or 0) > (cur["score"] or 0):
            best[e["paper"]] = e
    rows = [[pap[p], pat[best[p]["patent"]], best[p]["score"]]
            for p in id_order(list(best))] if ids == "source" else \
        [[pap[p], pat[best[p]["patent"]], best[p]["score"]]
         for p in sorted(best, key=lambda k: int(pap[k]))]
    n[schema.DEEP_COSINE_CSV] = _write(out / schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER,
                                       rows, raw)
    return n


def empty_reasons(counts: dict[str, int]) -> list[str]:
    """One sentence per exported file that has no rows, saying why (for the CLI's stderr).

    ``counts`` is what ``export_csvs`` returned (rows per file name).
    """
    why = {
        schema.DEEP_PATENT_CSV: "the store holds no Patent (load patents first)",
        schema.DEEP_DIVE_CSV: "the store holds no Paper (load papers first)",
        schema.DEEP_COSINE_CSV: "the store holds no SIMILAR_TO edge (run `innograph embed` "
                                "and `innograph match`, or load a DeepCosineAI.csv)",
    }
    return [f"{name} has no rows: {why[name]}" for name, n in counts.items() if n == 0]
