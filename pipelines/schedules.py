"""The scrape schedule: the whole job, hourly by default (cron in NEWSINTEL_SCRAPE_CRON), on by default.

Why the schedule runs the whole job rather than ingest alone with eager automation downstream: every
stage is incremental (a stored page is not fetched again, only new or changed articles are cleaned and
extracted, the derived tables are cheap to rebuild), so a full run after a quiet hour costs little more
than ingest alone. One run is one consistent published state of the database, with the asset checks
between stages; eager conditions would instead start one run per stage through the automation sensor,
each queueing for the single DuckDB writer, and a manual materialization of one asset would set off a
cascade. `pipelines/sensors.py` starts the same job for files dropped into the inbox.

A tick is skipped while a run of the job is queued or in progress, so a slow scrape never piles up runs.
Each tick first fails runs whose process is gone (`assets.recovery.recover`): a run killed with
`kill -9` stays "started" in the run history, and used to make the schedule skip its ticks for hours.
"""
from __future__ import annotations

import os

from dagster import (
    DagsterInvalidDefinitionError,
    DagsterRunStatus,
    DefaultScheduleStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from assets.recovery import recover
from assets.resources import CRON_ENV, DEFAULT_CRON, scrape_cron, warehouse_target

JOB_NAME = "newsintel_job"
SWEEP_JOB_NAME = "quality_sweep_job"
SWEEP_CRON_ENV = "NEWSINTEL_SWEEP_CRON"
DEFAULT_SWEEP_CRON = "30 3 * * *"   # daily, at 03:30 UTC
IN_PROGRESS = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
               DagsterRunStatus.STARTED]


def _scrape(context: ScheduleEvaluationContext):
    for message in recover(context.instance, warehouse_target()):
        context.log.warning(f"newsintel: {message}")
    busy = context.instance.get_run_records(RunsFilter(job_name=JOB_NAME, statuses=IN_PROGRESS), limit=1)
    if busy:
        run = busy[0].dagster_run
        return SkipReason(f"run {run.run_id[:8]} of {JOB_NAME} is still {run.status.value.lower()}; tick skipped")
    return RunRequest(tags={"newsintel/trigger": "schedule"})


try:
    scrape_schedule = schedule(
        cron_schedule=scrape_cron(), job_name=JOB_NAME, name="scrape_schedule",
        default_status=DefaultScheduleStatus.RUNNING, execution_timezone="UTC",
        description=f"Scrape every configured source and refresh everything downstream (cron from {CRON_ENV}, "
                    f"default '{DEFAULT_CRON}', UTC). A tick is skipped while a run of the job is still going.",
    )(_scrape)
except DagsterInvalidDefinitionError as exc:  # name the variable to fix, not just the schedule
    raise DagsterInvalidDefinitionError(f"{CRON_ENV}={scrape_cron()!r}: {exc}") from exc


def _sweep(context: ScheduleEvaluationContext):
    busy = context.instance.get_run_records(RunsFilter(job_name=SWEEP_JOB_NAME, statuses=IN_PROGRESS), limit=1)
    if busy:
        return SkipReason(f"run {busy[0].dagster_run.run_id[:8]} of {SWEEP_JOB_NAME} is still going; tick skipped")
    return RunRequest(tags={"newsintel/trigger": "schedule"})


def sweep_cron() -> str:
    return (os.environ.get(SWEEP_CRON_ENV) or DEFAULT_SWEEP_CRON).strip()


try:
    # Why a sweep of its own: the scrape job's checks read only the rows each run wrote, so their cost
    # follows the run; once a day every check reads every row, which also covers rows a run changed
    # without naming them, and runs the views' checks the scrape job leaves out.
    sweep_schedule = schedule(
        cron_schedule=sweep_cron(), job_name=SWEEP_JOB_NAME, name="quality_sweep_schedule",
        default_status=DefaultScheduleStatus.RUNNING, execution_timezone="UTC",
        description=f"Every asset check over whole tables and views (cron from {SWEEP_CRON_ENV}, default "
                    f"'{DEFAULT_SWEEP_CRON}', UTC). A tick is skipped while a sweep is still going.",
    )(_sweep)
except DagsterInvalidDefinitionError as exc:
    raise DagsterInvalidDefinitionError(f"{SWEEP_CRON_ENV}={sweep_cron()!r}: {exc}") from exc
