"""Fan-out where storage allows it: on a DuckLake, extraction is partitioned by publication day.

Each partition (or range of days) extracts the articles published in it and commits them in its own
transaction, so a backfill over a date range runs as several runs in parallel processes; DuckLake lets
them commit concurrently, and they never take the same article. A run with no partition key (the main
job, the schedule, the inbox sensor, `make run`) extracts what is pending, as on the file.

On the single DuckDB file there are no partitions: its writers queue on one lock, so parallel runs
would only wait for each other (the "duckdb" pool of one stays, dagster.yaml).

Why ingest and clean are not partitioned (and stay in the "duckdb" pool of one on a lake too): two
sources may list the same URL, and cleaning is where one story seen under several sources' URLs becomes
one article. Two sessions storing the same page or story at once would both insert it, since DuckLake
has no key to refuse the second; and a page's day is known only once it is cleaned (docs/deploy.md).
"""
from __future__ import annotations

from datetime import date, timedelta

from dagster import AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition

from pipelines.resources import fans_out

FIRST_DAY = "2010-01-01"     # older articles are extracted by unpartitioned runs only
DAYS_PER_RUN = 366           # a backfill over a range runs as runs of at most this many days each

EXTRACT_DAYS = DailyPartitionsDefinition(start_date=FIRST_DAY, end_offset=1) if fans_out() else None
EXTRACT_BACKFILL = BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_RUN) if fans_out() else None
# On a lake the partitioned extraction is in no pool: its runs go side by side, bounded by the run queue
# (pipelines/dagster_postgres.yaml); the whole-table rebuilds and cleaning keep the "duckdb" pool of one.


def partition_days(context: AssetExecutionContext) -> tuple[date, date] | None:
    """The run's days (first, last, inclusive), or None for a run without a partition."""
    if not context.has_partition_key_range:
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()
