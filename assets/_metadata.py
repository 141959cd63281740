"""What every materialization shows in the Dagster UI: counts, new vs. updated, failures, a preview."""
from __future__ import annotations

from typing import Any, Iterable

import duckdb
from dagster import MetadataValue

from newsintel.report import markdown_table
from newsintel.warehouse import WriteStats, preview

POOL = "duckdb"   # one writer at a time: the pool's limit is 1 in dagster.yaml


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, stats: WriteStats | None = None,
                   preview_sql: str | None = None, **extra: Any) -> dict[str, Any]:
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    cols, sample = preview(con, preview_sql or f"SELECT * FROM {table}", limit=10)
    meta: dict[str, Any] = {"dagster/row_count": rows, "table": table,
                            "preview": MetadataValue.md(markdown_table(cols, sample) if sample else "_no rows_")}
    if stats is not None:
        meta.update(new=stats.inserted, updated=stats.updated, removed=stats.deleted)
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


def failures_md(failures: Iterable[tuple[str, str]], limit: int = 20) -> MetadataValue:
    failures = list(failures)
    if not failures:
        return MetadataValue.md("_none_")
    return MetadataValue.md(markdown_table(["item", "reason"], failures[:limit]) +
                            (f"\n…and {len(failures) - limit} more" if len(failures) > limit else ""))
