"""Resources: where the warehouse is and which sources to read. The only place that reads NEWSINTEL_DB and
NEWSINTEL_SOURCES, so a parameter's road is short: environment → resource → newsintel → DuckDB.

Here, beside the assets, because the assets name these types in their signatures: `pipelines/` imports
`assets/`, never the other way round."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import pyarrow as pa
from dagster import ConfigurableResource, InitResourceContext
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
        return self._run_warehouse or Warehouse(self.path)


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
        sources = check_options(load_sources(self.path), self.path)
        if self.inbox:
            folder = Path(self.inbox).expanduser().resolve()
            sources.append(Source(id="inbox", kind="files", base_dir=folder, path="**/*"))
        return sources


def warehouse_target() -> str:
    """NEWSINTEL_DB: a .duckdb file (the default, data/newsintel.duckdb) or a `ducklake:` target
    (newsintel/storage/lake.py, docs/deploy.md)."""
    return os.environ.get("NEWSINTEL_DB") or str(DEFAULT_DB_PATH)


def fans_out() -> bool:
    """Whether the storage takes concurrent writers, so that steps and partitions may run in parallel
    processes: true for a DuckLake, false for the single file (its writers queue on a lock)."""
    return is_lake_target(warehouse_target())


def default_resources() -> dict:
    return {
        "warehouse": WarehouseResource(path=warehouse_target()),
        "sources": SourcesResource(path=os.environ.get("NEWSINTEL_SOURCES") or str(DEFAULT_SOURCES_PATH)),
    }
