"""A recording stand-in for the neo4j driver: the driver boundary, not the store.

It records every (query, parameters) the Neo4j store sends, in the transaction kind it was
sent in ("write" / "read" managed transactions, "auto" for ``session.run`` auto-commit
statements), and answers with empty results (or canned rows), so the statements can be checked
and linted without a server.
"""

from __future__ import annotations

from typing import Any, Callable


class _Result:
    def __init__(self, rows: list[dict[str, Any]]):
        self._rows = rows

    def data(self) -> list[dict[str, Any]]:
        return self._rows


class _Tx:
    def __init__(self, driver: "RecordingDriver", mode: str):
        self.driver, self.mode = driver, mode

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kw: Any) -> _Result:
        params = dict(parameters or {}, **kw)
        self.driver.sent.append((self.mode, query, params))
        return _Result(self.driver.answer(query, params))


class _Session:
    def __init__(self, driver: "RecordingDriver"):
        self.driver = driver

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kw: Any) -> _Result:
        return _Tx(self.driver, "auto").run(query, parameters, **kw)

    def execute_write(self, fn: Callable[[_Tx], Any]) -> Any:
        return fn(_Tx(self.driver, "write"))

    def execute_read(self, fn: Callable[[_Tx], Any]) -> Any:
        return fn(_Tx(self.driver, "read"))


class RecordingDriver:
    def __init__(self, answer: Callable[[str, dict[str, Any]], list[dict[str, Any]]] | None = None):
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.sessions: list[dict[str, Any]] = []  # the keyword arguments of each session
        self.answer = answer or (lambda q, p: [])
        self.closed = False

    def session(self, **kw: Any) -> _Session:
        self.sessions.append(kw)
        return _Session(self)

    def verify_connectivity(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True
