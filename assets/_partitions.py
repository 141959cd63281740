"""Fan-out where storage allows it: on a DuckLake, extraction is partitioned by publication month.

Each partition (or range of months) extracts the articles published in it and commits them in its own
transaction, so a backfill over a date range runs as several runs in parallel processes; DuckLake lets
them commit concurrently, and they never take the same article.

Why months and not days: Dagster records one materialization per partition and asset, so a run over
a year of daily partitions writes 365 x 4 events to the run storage. Measured on the demo (29 articles in
2019-2020, instance on PostgreSQL, a loaded 2-core machine): a run over those two years as days took
303 s, most of it recording 2,900 events; as months (96 events), 78 s, mostly process starts.
A month is also the grain a re-extraction after a parser fix is asked for in ("all of 2020"). A run with no
partition key (the main job, the schedule, the inbox sensor, `make run`) extracts what is pending, as on the file.

On the single DuckDB file there are no partitions: its writers queue on one lock, so parallel runs
would only wait for each other (the "duckdb" pool of one stays, dagster.yaml).

Why ingest and clean are not partitioned (and stay in the "duckdb" pool of one on a lake too): two
sources may list the same URL, and cleaning is where one story seen under several sources' URLs becomes
one article. Two sessions storing the same page or story at once would both insert it, since DuckLake
has no key to refuse the second; and a page's date is known only once it is cleaned (docs/deploy.md).
"""
from __future__ import annotations

from datetime import date, timedelta

from dagster import AssetExecutionContext, BackfillPolicy, MonthlyPartitionsDefinition

from assets.resources import fans_out

FIRST_MONTH = "2010-01-01"   # older articles are extracted by unpartitioned runs only
MONTHS_PER_RUN = 12          # a backfill over a range runs as runs of at most this many months each

# end_offset=1: the current month is a partition while it is still going.
EXTRACT_MONTHS = MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=1) if fans_out() else None
EXTRACT_BACKFILL = BackfillPolicy.multi_run(max_partitions_per_run=MONTHS_PER_RUN) if fans_out() else None
# On a lake the partitioned extraction is in no pool: its runs go side by side, bounded by the run queue
# (pipelines/dagster_postgres.yaml); the whole-table rebuilds and cleaning keep the "duckdb" pool of one.


def partition_days(context: AssetExecutionContext) -> tuple[date, date] | None:
    """The run's days (first, last, inclusive), or None for a run without a partition."""
    if not context.has_partition_key_range:
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()
