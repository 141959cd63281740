"""What every materialization shows in the Dagster UI: counts, new vs. updated, failures, a preview."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import duckdb
import pandas as pd
from dagster import MetadataValue, TableColumn, TableColumnConstraints, TableSchema

from assets.resources import fans_out, table_name
from newsintel.report import frame_markdown, markdown_table
from newsintel.storage import WriteStats, literal_list, preview
from newsintel.storage.schema import table_columns

# On a lake, writers that must not run side by side share the Dagster pool "duckdb" (limit 1): its
# writers are processes on any machine, and only the run storage sees them all. On the single file there
# is no pool: its writers queue on the file's OS lock, which the kernel frees when its holder dies, while
# a pool slot of a run killed with kill -9 stays claimed until someone notices (README, Failure and
# recovery).
POOL = "duckdb" if fans_out() else None
OWNERS = ["team:newsintel"]
# What kind of data an asset holds, as a tag the catalog filters on: raw (as fetched), core (the contract's
# tables, one row per fact or entity), mart (views for analysts), report (pages for people).
LAYER_TAGS = {"ingest": "raw", "clean": "core", "extract": "core", "resolve": "core", "models": "mart",
              "report": "report", "publish": "report"}


def tags(group: str) -> dict[str, str]:
    return {"layer": LAYER_TAGS[group]}


def table_spec(table: str) -> dict[str, Any]:
    """A table asset's definition metadata: its full name and column schema, read from the DDL
    (newsintel.storage.schema), so the UI shows the same columns, types and comments the database has."""
    columns = [TableColumn(c.name, c.type, description=c.description or None,
                           constraints=TableColumnConstraints(nullable=c.nullable, unique=c.key))
               for c in table_columns()[table]]
    return {"dagster/table_name": table_name(table), "dagster/column_schema": TableSchema(columns=columns)}


PREVIEW_IDS = 50   # a preview shows rows of at most this many of the run's items


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, stats: WriteStats | None = None,
                   preview_sql: str | None = None, run_ids: Sequence[str] | None = None,
                   **extra: Any) -> dict[str, Any]:
    """Counts and a preview of this run's rows, cheap at any archive size: the row count is one columnar
    count, and the preview reads only the rows the run wrote (`{run}` in `preview_sql` stands for the
    run's first PREVIEW_IDS ids in `run_ids`; `stats.preview` holds rows a merge changed). Nothing here
    computes a view or sorts a whole table."""
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if stats is not None and stats.preview is not None:
        cols, changed = stats.preview
        sample = pd.DataFrame(changed, columns=cols, dtype=object)    # the values as the merge read them
    elif preview_sql and "{run}" in preview_sql:
        ids = list(run_ids or [])[:PREVIEW_IDS]    # spelled out, so DuckDB reads only these rows (key_in)
        sample = preview(con, preview_sql.format(run=literal_list(ids)), limit=10)
    else:
        sample = preview(con, preview_sql or f"SELECT * FROM {table}", limit=10)
    shown = frame_markdown(sample) if len(sample) else "_no rows this run_"
    meta: dict[str, Any] = {"dagster/row_count": rows, "table": table, "preview": MetadataValue.md(shown)}
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
