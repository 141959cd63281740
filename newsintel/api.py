"""The analyst's door: `newsintel.connect()` and queries that come back as pandas DataFrames.

Why a door of its own: a notebook wants DataFrames, and it must never get in a run's way. Every query
opens a read-only session on the last *published* state (the file store's published copy, or a lake's last
committed snapshot) and closes it when the rows are fetched, so a pipeline run writing at the same time is
neither blocked nor seen half-done, and the next query sees the next published state. Arrow stays the
format of bulk writes (`newsintel.storage.writes`); DataFrames are for reading.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

import pandas as pd

from newsintel.storage import Warehouse


class Database:
    """Read-only queries on one storage target, each answered as a DataFrame."""

    def __init__(self, target: str | os.PathLike[str] | None = None):
        self._warehouse = Warehouse(target)

    @property
    def path(self) -> Any:
        """The database the queries read (a file path, or a lake's catalog with its password hidden)."""
        return self._warehouse.path

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """The query's rows as a DataFrame (`?` placeholders take `params`)."""
        with self._warehouse.reader() as con:
            return con.execute(query, params or []).df()

    def table(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """A table or view, whole or its first `limit` rows."""
        if not name.isidentifier():
            raise ValueError(f"not a table or view name: {name!r}")
        return self.sql(f"SELECT * FROM {name}" + (f" LIMIT {int(limit)}" if limit is not None else ""))

    def tables(self) -> pd.DataFrame:
        """The tables and views there are to read, with their kind (BASE TABLE or VIEW)."""
        return self.sql("SELECT table_name AS name, table_type AS kind FROM information_schema.tables "
                        "WHERE table_catalog = current_database() AND table_schema = current_schema() "
                        "ORDER BY kind, name")

    def __repr__(self) -> str:
        return f"newsintel.connect({str(self.path)!r})"


def connect(target: str | os.PathLike[str] | None = None) -> Database:
    """The published database (default: the project's data/newsintel.duckdb; or a .duckdb path, or a
    `ducklake:` target), read-only, safe to query while the pipeline runs."""
    return Database(target)
