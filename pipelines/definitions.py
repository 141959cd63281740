"""The code location `dagster dev` and `dagster asset materialize -m pipelines.definitions` load."""
import os

from dagster import (
                     AssetSelection,
                     Definitions,
                     define_asset_job,
                     in_process_executor,
                     load_assets_from_modules,
                     multiprocess_executor,
)

from assets import checks, clean, extract, ingest, models, report, resolve
from pipelines.resources import default_resources
from pipelines.schedules import scrape_schedule
from pipelines.sensors import dead_run_sensor, inbox_sensor

ALL_ASSETS = load_assets_from_modules([ingest, clean, extract, resolve, models])
# The briefing writes reports/briefing.html: kept out of ALL_ASSETS so tests that materialize ALL_ASSETS
# into a temporary database never overwrite the project's page.
REPORT_ASSETS = [report.briefing]

# The main job: the whole pipeline, sources to views and the briefing; the schedule and the inbox sensor run it.
newsintel_job = define_asset_job("newsintel_job", selection=AssetSelection.all(),
                                 description="Ingest, clean, extract, resolve; rebuild the views and the briefing.")

# One DuckDB file admits one writer, so on one machine the steps run in one process (about 5 s for the demo
# instead of a process start per step). NEWSINTEL_EXECUTOR=multiprocess fans steps out, for deployments whose
# storage takes concurrent writers (DuckLake, MotherDuck) or whose steps fetch from the web.
EXECUTOR = multiprocess_executor if os.environ.get("NEWSINTEL_EXECUTOR") == "multiprocess" else in_process_executor

defs = Definitions(
    executor=EXECUTOR,
    assets=ALL_ASSETS + REPORT_ASSETS,
    asset_checks=checks.CHECKS,
    jobs=[newsintel_job],
    schedules=[scrape_schedule],
    sensors=[inbox_sensor, dead_run_sensor],
    resources=default_resources(),
)
