"""Resources: where the warehouse is and which sources to read. The only place that reads NEWSINTEL_DB and
NEWSINTEL_SOURCES, so a parameter's road is short: environment → resource → newsintel → DuckDB."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from dagster import ConfigurableResource

from newsintel.lake import is_lake_target
from newsintel.sources import DEFAULT_SOURCES_PATH, Source, load_sources
from newsintel.warehouse import DEFAULT_DB_PATH, Warehouse


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse; `path` is the published database file analysts query."""
    path: str

    def get(self) -> Warehouse:
        return Warehouse(self.path)


class SourcesResource(ConfigurableResource):
    """The sources YAML to ingest from, plus an optional inbox folder read as one more `files` source
    (`id: inbox`); the inbox sensor's runs set it (pipelines/sensors.py)."""
    path: str
    inbox: Optional[str] = None

    def load(self) -> list[Source]:
        sources = load_sources(self.path)
        if self.inbox:
            folder = Path(self.inbox).expanduser().resolve()
            sources.append(Source(id="inbox", kind="files", base_dir=folder, path="**/*"))
        return sources


def warehouse_target() -> str:
    """NEWSINTEL_DB: a .duckdb file (the default, data/newsintel.duckdb) or a `ducklake:` target
    (newsintel/lake.py, docs/deploy.md)."""
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
