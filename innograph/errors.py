"""The exception types a user of innograph can catch. Each message says what to do."""

from __future__ import annotations


class InnographError(Exception):
    """Base class of every error innograph raises on purpose."""


class BadInputError(InnographError):
    """An input file (or one of its rows) cannot be used.

    ``file``, ``line`` (1-based, the physical line where the record starts) and ``field``
    name the place; ``str(err)`` reads ``file:line: field: reason``.
    """

    def __init__(self, reason: str, file: str = "", line: int | None = None, field: str = ""):
        self.reason, self.file, self.line, self.field = reason, str(file), line, field
        where = self.file + (f":{line}" if line is not None else "")
        prefix = ": ".join(x for x in (where, field) if x)
        super().__init__(f"{prefix}: {reason}" if prefix else reason)


class StoreLockedError(InnographError):
    """The embedded store is open for writing in another process."""


class StoreUnreachableError(InnographError):
    """The Neo4j server cannot be reached or refused the credentials."""


class ModelMissingError(InnographError):
    """A model (weights, a trained classifier, a fitted MMSB) is not where it was asked for."""


class ReadOnlyQueryError(InnographError):
    """A query sent through the read-only path tried to write."""


class StoreDamagedError(InnographError):
    """The embedded store fails its integrity check (``innograph check``); nothing was written."""


class DeviceUnavailableError(InnographError):
    """A job was asked to run on a device this machine does not have (``--device cuda``
    without CUDA)."""
