"""Resources: where the warehouse is and which sources to read. The only place that reads NEWSINTEL_DB and
NEWSINTEL_SOURCES, so a parameter's road is short: environment → resource → newsintel → DuckDB.

Here, beside the assets, because the assets name these types in their signatures: `pipelines/` imports
`assets/`, never the other way round."""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import pyarrow as pa
from dagster import ConfigurableResource, EnvVar, FreshnessPolicy, InitResourceContext

# pinned dagster==1.13.27: its own cron reader, so the freshness window follows any cron the schedule takes
from dagster._utils.schedules import cron_string_iterator, is_valid_cron_string
from pydantic import PrivateAttr

from assets.recovery import recover
from newsintel.paths import DEFAULT_DB_PATH
from newsintel.scrape.options import check_options
from newsintel.sources import DEFAULT_SOURCES_PATH, Source, load_sources
from newsintel.storage import Warehouse
from newsintel.storage.lake import is_lake_target


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse; `path` is the published database file analysts query.

    Inside a run the resource keeps one `Warehouse` that publishes once, in the run's `published_database`
    step (assets/publish.py: a publish that fails fails the run), rather than after every stage: one copy
    of the file per run. A run without that step (a subset of the assets) publishes when the resources are
    torn down (in-process executor: at the end of the run; multiprocess: after each step)."""
    path: str
    _run_warehouse: Optional[Warehouse] = PrivateAttr(default=None)
    _publish_failed: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # Arrow's default pool keeps freed chunks: measured with bench_scale's generator, the system
        # allocator holds peak memory about 80 MB lower on 6,000 articles and grows a third slower.
        pa.set_memory_pool(pa.system_memory_pool())
        log = context.log.warning if context.log else None
        if context.instance is not None:
            # Whatever launched this run (CLI, UI, schedule, sensor, a Python materialize), it starts by
            # freeing what dead runs hold, so it never waits on a dead run's lock or slot.
            for message in recover(context.instance, self.path, current_run=context.run_id):
                (log or print)(f"newsintel: {message}")
        self._run_warehouse = Warehouse(self.path, defer_publish=True, log=log)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._run_warehouse is not None:
            work = getattr(self._run_warehouse.store, "work_path", None)
            if isinstance(work, Path) and not work.exists():
                # Nothing was ever written (a run that failed before its first write session, on a new
                # database): publishing would only add a second, confusing error to the first.
                return
            if self._publish_failed:
                return   # the publish step failed the run and said why; a second try would only repeat it
            try:
                self._run_warehouse.flush()
            except Exception as exc:  # the run's work stays committed in the work file; the next run publishes
                if context.log:
                    context.log.error(f"publishing {self.path} failed: {exc}")
                raise

    def publish(self) -> bool:
        """Publish what this run committed (assets/publish.py); an error fails the step, and so the run.
        True when a new state was published."""
        wh = self.get()
        before = wh.unpublished()
        try:
            wh.flush()
        except Exception:
            self._publish_failed = True
            raise
        return before

    def get(self) -> Warehouse:
        """The run's warehouse in a run; outside one (the CLI, `make run`'s summary), one on the same target."""
        return self._run_warehouse or Warehouse(_resolved(self.path))


class SourcesResource(ConfigurableResource):
    """The sources YAML to ingest from, plus an optional inbox folder read as one more `files` source
    (`id: inbox`); the inbox sensor's runs set it (pipelines/sensors.py)."""
    path: str
    inbox: Optional[str] = None

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Every option of every source is checked as the run starts: a configuration error stops it
        before any step, with the one message that names the file, the source and the key."""
        self.load()

    def load(self) -> list[Source]:
        path = _resolved(self.path)
        sources = check_options(load_sources(path), path)
        if self.inbox:
            folder = Path(self.inbox).expanduser().resolve()
            sources.append(Source(id="inbox", kind="files", base_dir=folder, path="**/*"))
        return sources


def warehouse_target() -> str:
    """NEWSINTEL_DB: a .duckdb file (the default, data/newsintel.duckdb) or a `ducklake:` target
    (newsintel/storage/lake.py, docs/deploy.md)."""
    return os.environ.get("NEWSINTEL_DB") or str(DEFAULT_DB_PATH)


def table_name(table: str) -> str:
    """A table's name as an analyst's DuckDB session writes it in full (database.schema.table): the file's
    stem for the file store, `lake` for a DuckLake (the name the lake is attached under)."""
    target = warehouse_target()
    database = "lake" if is_lake_target(target) else Path(target).stem
    return f"{database}.main.{table}"


CRON_ENV = "NEWSINTEL_SCRAPE_CRON"
DEFAULT_CRON = "0 * * * *"   # at the top of every hour


def scrape_cron() -> str:
    """When the scrape schedule runs (pipelines/schedules.py); the scraped assets' freshness follows it."""
    return (os.environ.get(CRON_ENV) or DEFAULT_CRON).strip()


def scrape_freshness() -> FreshnessPolicy | None:
    """Fresh while the schedule keeps up: by each tick of the scrape cron, the asset must have been
    materialized within one interval of the cron before it (the run the previous tick started). None for
    a cron Dagster cannot read, so that the schedule's definition names the variable to fix."""
    cron = scrape_cron()
    if not is_valid_cron_string(cron):
        return None
    ticks = cron_string_iterator(time.time(), cron, "UTC")
    first, second = next(ticks), next(ticks)
    return FreshnessPolicy.cron(deadline_cron=cron, lower_bound_delta=second - first, timezone="UTC")


def fans_out() -> bool:
    """Whether the storage takes concurrent writers, so that steps and partitions may run in parallel
    processes: true for a DuckLake, false for the single file (its writers queue on a lock)."""
    return is_lake_target(warehouse_target())


def _resolved(value: str | EnvVar) -> str:
    """A setting's value: inside a run Dagster has resolved an `EnvVar` already, outside one we do."""
    return value.get_value() if isinstance(value, EnvVar) else value


def _setting(name: str, default: str) -> str | EnvVar:
    """The environment variable as an `EnvVar` when it is set, so Dagster resolves it when a run starts
    and the UI shows where the value comes from, not the value; else the project's default."""
    return EnvVar(name) if os.environ.get(name) else default


def default_resources() -> dict:
    return {
        "warehouse": WarehouseResource(path=_setting("NEWSINTEL_DB", str(DEFAULT_DB_PATH))),
        "sources": SourcesResource(path=_setting("NEWSINTEL_SOURCES", str(DEFAULT_SOURCES_PATH))),
    }
