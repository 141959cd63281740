"""Resources: where the warehouse is and which sources to read. The only place that reads NEWSINTEL_DB and
NEWSINTEL_SOURCES, so a parameter's road is short: environment → resource → newsintel → DuckDB."""
from __future__ import annotations

import os
from datetime import datetime, timezone

from dagster import ConfigurableResource

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
    """The sources YAML to ingest from."""
    path: str

    def load(self) -> list[Source]:
        return load_sources(self.path)


def default_resources() -> dict:
    return {
        "warehouse": WarehouseResource(path=os.environ.get("NEWSINTEL_DB") or str(DEFAULT_DB_PATH)),
        "sources": SourcesResource(path=os.environ.get("NEWSINTEL_SOURCES") or str(DEFAULT_SOURCES_PATH)),
    }
