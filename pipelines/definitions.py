"""The code location `dagster dev` and `dagster asset materialize -m pipelines.definitions` load."""
import os

from dagster import (
                     AssetSelection,
                     Backoff,
                     Definitions,
                     Jitter,
                     RetryPolicy,
                     define_asset_job,
                     in_process_executor,
                     load_assets_from_modules,
)

from assets import checks, clean, extract, ingest, models, publish, report, resolve
from assets.resources import default_resources, fans_out
from pipelines.executors import recovering_multiprocess_executor
from pipelines.schedules import SWEEP_JOB_NAME, scrape_schedule, sweep_schedule
from pipelines.sensors import dead_run_sensor, inbox_sensor

ALL_ASSETS = load_assets_from_modules([ingest, clean, extract, resolve, models, publish])
# The briefing writes an HTML page beside the database: kept out of ALL_ASSETS so tests that materialize
# ALL_ASSETS into a temporary database write no page they do not look at. The publish step (in ALL_ASSETS)
# runs last when the briefing is in the run too.
REPORT_ASSETS = [report.briefing]

# On a lake, writers commit optimistically: a step whose commit lost to a conflicting one (two runs
# rebuilding the same derived table or view) is run again, after an exponentially growing, jittered wait.
# Dagster logs each retry in the run. The file never sees such conflicts (its writers queue on a lock).
LAKE_RETRY = RetryPolicy(max_retries=4, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

# Extraction alone: on a lake, the job to backfill a range of publication months from (assets/_partitions.py).
extract_job = define_asset_job("extract_job", selection=AssetSelection.groups("extract"),
                               op_retry_policy=LAKE_RETRY if fans_out() else None,
                               description="Extraction alone: what is pending, or (on a lake) the articles of "
                                           "the chosen publication months, for a backfill over a date range.")

# The main job: the whole pipeline, sources to views and the briefing; the schedule and the inbox sensor run it.
# Its table checks read the rows the run wrote (assets/checks.py); the views' checks, which read whole
# views, are left to the daily sweep.
newsintel_job = define_asset_job("newsintel_job",
                                 selection=AssetSelection.all() - AssetSelection.checks(*checks.VIEW_CHECKS),
                                 op_retry_policy=LAKE_RETRY if fans_out() else None,
                                 description="Ingest, clean, extract, resolve; rebuild the views and the briefing. "
                                             "The table checks read this run's rows.")

# The daily sweep: every check of every table and view over all of its rows, no asset materialized.
quality_sweep_job = define_asset_job(SWEEP_JOB_NAME, selection=AssetSelection.checks(*checks.CHECKS),
                                     description="Every asset check over whole tables and views (scope "
                                                 "'full sweep'): what the runs' checks, which read only "
                                                 "their own rows, leave out.")

# One DuckDB file admits one writer, so on one machine the steps run in one process (about 5 s for the demo
# instead of a process start per step). On a lake, or with NEWSINTEL_EXECUTOR=multiprocess, steps run in
# processes of their own, side by side where the graph and the pools allow; a run waiting for the pool
# slot of a run that died goes on by itself (pipelines/executors.py).
EXECUTOR = (recovering_multiprocess_executor if fans_out() or os.environ.get("NEWSINTEL_EXECUTOR") == "multiprocess"
            else in_process_executor)

defs = Definitions(
    executor=EXECUTOR,
    assets=ALL_ASSETS + REPORT_ASSETS,
    asset_checks=checks.CHECKS,
    jobs=[newsintel_job, extract_job, quality_sweep_job],
    schedules=[scrape_schedule, sweep_schedule],
    sensors=[inbox_sensor, dead_run_sensor],
    resources=default_resources(),
)
