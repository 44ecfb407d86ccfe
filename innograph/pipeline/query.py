"""Run a named query of the library (``innograph/cypher/*.cypher``) read-only.

Parameters arrive as text from the command line (``--param year=2019``) and are converted
with the type the query's header declares (``// param: $year (int) = 2015 - …``).
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from ..errors import InnographError
from ..graph import dialect
from ..graph.store import Store

_CASTS = {"int": int, "float": float, "str": str, "string": str,
          "bool": lambda s: str(s).lower() in {"1", "true", "yes", "y"},
          "list": lambda s: [x.strip() for x in str(s).split(",") if x.strip()]}


def parse_params(q: dialect.NamedQuery, given: dict[str, str],
                 types: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults from the header, overridden by ``given``, cast to their declared types."""
    types = types or {}
    unknown = set(given) - set(q.params)
    if unknown:
        raise InnographError(
            f"query {q.name!r} has no parameter(s) {sorted(unknown)}; it takes {sorted(q.params)}")
    values: dict[str, Any] = {}
    for name in q.params:
        raw = given.get(name, q.defaults.get(name))
        if raw is None:
            raise InnographError(f"query {q.name!r} needs --param {name}=…")
        cast = _CASTS.get(types.get(name, "str"), str)
        try:
            values[name] = cast(raw)
        except ValueError as e:
            raise InnographError(f"--param {name}={raw!r}: {e}") from e
    return values


def run_named_query(store: Store, name: str, given: dict[str, str] | None = None) -> pa.Table:
    """Run library query ``name`` on ``store`` with ``given`` parameters, read-only."""
    lib = dialect.query_library()
    if name not in lib:
        raise InnographError(f"no query named {name!r}; `innograph query --list` shows them")
    q = lib[name]
    params = parse_params(q, given or {}, q.types)
    text = q.for_store(store.kind)
    # a store variant may not use every declared parameter (Kùzu rejects unused ones)
    used = {k: v for k, v in params.items() if re.search(r"\$" + k + r"\b", text)}
    return store.run_read(text, used)
