"""What every store shares: the errors a user can act on, what a write did, and the `Store` Protocol.

Why a Protocol: the facade (`newsintel.storage.warehouse.Warehouse`) talks to the file store and the lake
store alike; a declared interface lets a type checker and a test hold both to it, where probing a store
with hasattr/getattr hid a missing method until a run took that path.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol, runtime_checkable

import duckdb

if TYPE_CHECKING:
    from newsintel.storage.bodies import BodyStore


class WarehouseError(RuntimeError):
    """Raised with a message a user can act on (bad path, unsupported target)."""


@dataclass(frozen=True)
class WriteStats:
    """What one upsert did, for the run's metadata."""
    table: str
    inserted: int
    updated: int
    deleted: int = 0
    preview: tuple[list[str], list[tuple]] | None = None   # (columns, up to 10 new or changed rows)




@runtime_checkable
class Store(Protocol):
    """A storage target: sessions over the tables, and where raw page bodies go.

    `writer()` is one transaction with the tables in the connection's default schema; `reader()` a read-only
    view of the last committed (for the file: published) state that never blocks a writer. A store that
    publishes a copy does it after each write session, or, once `configure(defer_publish=True)`, when
    `flush()` is called at the end of a run; a store that does not publish treats both as no-ops."""

    bodies: BodyStore | None     # where bodies live when kept out of `raw_pages.body` (None: in the table)

    @property
    def path(self) -> object:
        """What users are shown as the database (a file path, or a catalog with its password blanked)."""

    def configure(self, defer_publish: bool = False, log: Callable[[str], None] | None = None) -> None: ...

    def flush(self) -> None: ...

    def exists(self) -> bool: ...

    def writer(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def reader(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...
