"""Orchestration: the scrape schedule and the inbox sensor, evaluated as the daemon evaluates them, and
the run the sensor asks for executed on a temporary DuckDB to show that a dropped file lands in `articles`."""
from __future__ import annotations

import importlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import write_sources
from dagster import (
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
    validate_run_config,
)

from assets.resources import SourcesResource, WarehouseResource
from newsintel.storage import Warehouse
from pipelines import schedules, sensors
from pipelines.definitions import ALL_ASSETS, REPORT_ASSETS, checks, defs, newsintel_job

ARTICLE = """ date 2024-03-05 Acme Robotics opens a factory in Portugal
Acme Robotics said on Tuesday it will open a factory near Porto, its first in Europe, after two years of
talks with the Portuguese government. The company, which makes warehouse robots for retailers and parcel
carriers, expects the plant to employ about 400 people when it reaches full output next year. Its chief
executive told reporters that European customers had waited too long for machines shipped from Asia, and
that a local plant would cut delivery times by half. Analysts said the move puts Acme in direct
competition with established European suppliers, who have so far dominated the market for automated
storage systems in the region. The factory will also house a research team working on software.
"""


def _old(path: Path, seconds: float = 120) -> None:
    """Age a file past the sensor's settling time, as if it had been dropped a while ago."""
    t = time.time() - seconds
    os.utime(path, (t, t))


@pytest.fixture
def inbox(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    monkeypatch.setenv("NEWSINTEL_INBOX", str(folder))
    return folder


@pytest.fixture
def sources_yaml(tmp_path) -> Path:
    (tmp_path / "corpus").mkdir()  # configured sources with nothing in them: every article comes from the inbox
    return write_sources(tmp_path, 'sources:\n  - {id: corpus, kind: files, path: "corpus/*.txt"}\n')


def _tick(sources_yaml: Path, cursor: str | None):
    context = build_sensor_context(cursor=cursor, resources={"sources": SourcesResource(path=str(sources_yaml))})
    return sensors.inbox_sensor.evaluate_tick(context)


# -- the schedule ----------------------------------------------------------------------------------

def test_schedule_is_hourly_on_by_default_and_targets_the_whole_job():
    schedule = defs.resolve_schedule_def("scrape_schedule")
    assert schedule.job_name == "newsintel_job"
    if not os.environ.get("NEWSINTEL_SCRAPE_CRON"):
        assert schedule.cron_schedule == "0 * * * *"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert schedule.execution_timezone == "UTC"


def test_schedule_cron_comes_from_the_environment(monkeypatch):
    try:
        monkeypatch.setenv("NEWSINTEL_SCRAPE_CRON", "*/15 6-22 * * 1-5")
        assert importlib.reload(schedules).scrape_schedule.cron_schedule == "*/15 6-22 * * 1-5"
        monkeypatch.setenv("NEWSINTEL_SCRAPE_CRON", "every hour")
        with pytest.raises(Exception, match="NEWSINTEL_SCRAPE_CRON"):
            importlib.reload(schedules)
    finally:
        monkeypatch.undo()
        importlib.reload(schedules)


def test_schedule_requests_a_run_whose_config_validates():
    job = defs.resolve_job_def("newsintel_job")
    with instance_for_test() as instance:
        context = build_schedule_context(instance=instance,
                                         scheduled_execution_time=datetime(2026, 1, 5, 9, tzinfo=timezone.utc))
        data = defs.resolve_schedule_def("scrape_schedule").evaluate_tick(context)
    assert data.skip_message is None
    (request,) = data.run_requests
    assert validate_run_config(job, request.run_config)
    assert request.tags.get("newsintel/trigger") == "schedule"


def test_schedule_skips_a_tick_while_a_run_is_going():
    with instance_for_test() as instance:
        instance.add_run(DagsterRun(job_name="newsintel_job", status=DagsterRunStatus.STARTED))
        context = build_schedule_context(instance=instance,
                                         scheduled_execution_time=datetime(2026, 1, 5, 10, tzinfo=timezone.utc))
        data = defs.resolve_schedule_def("scrape_schedule").evaluate_tick(context)
    assert not data.run_requests
    assert "still started" in data.skip_message


# -- the inbox sensor ------------------------------------------------------------------------------

def test_sensor_is_on_by_default_and_targets_the_whole_job():
    sensor = defs.resolve_sensor_def("inbox_sensor")
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert sensor.job_name == "newsintel_job"


def test_sensor_without_inbox_folder_skips(tmp_path, monkeypatch, sources_yaml):
    monkeypatch.setenv("NEWSINTEL_INBOX", str(tmp_path / "nowhere"))
    data = _tick(sources_yaml, None)
    assert not data.run_requests and "no inbox folder" in data.skip_message


def test_sensor_requests_each_new_batch_once(inbox, sources_yaml):
    # Nothing there yet: skip.
    data = _tick(sources_yaml, None)
    assert not data.run_requests and "no new files" in data.skip_message

    # A new file: one run request, keyed by the file, configured to read the inbox too.
    (inbox / "acme.txt").write_text(ARTICLE, encoding="utf-8")
    (inbox / "notes.md").write_text("not an article format", encoding="utf-8")      # ignored: suffix
    (inbox / ".acme.txt.swp").write_text("editor swap file", encoding="utf-8")      # ignored: hidden
    _old(inbox / "acme.txt")
    data = _tick(sources_yaml, data.cursor)
    (request,) = data.run_requests
    assert request.run_key.startswith("inbox-")
    assert request.tags["newsintel/inbox_files"] == "acme.txt"
    config = request.run_config["resources"]["sources"]["config"]
    assert config == {"path": str(sources_yaml), "inbox": str(inbox)}
    assert validate_run_config(defs.resolve_job_def("newsintel_job"), request.run_config)
    first_key, cursor = request.run_key, data.cursor

    # The same files again: no new request.
    data = _tick(sources_yaml, cursor)
    assert not data.run_requests and "1 already ingested" in data.skip_message
    # Even with the cursor lost, the run key is the same, so Dagster would not start the run twice.
    (again,) = _tick(sources_yaml, None).run_requests
    assert again.run_key == first_key

    # A file still being copied in waits for the next tick; then only the new file makes the key.
    (inbox / "later.txt").write_text(ARTICLE.replace("Portugal", "Spain"), encoding="utf-8")
    data = _tick(sources_yaml, data.cursor)
    assert not data.run_requests and "still being written" in data.skip_message
    _old(inbox / "later.txt")
    data = _tick(sources_yaml, data.cursor)
    (request,) = data.run_requests
    assert request.run_key != first_key and request.tags["newsintel/inbox_files"] == "later.txt"

    # A changed file is news again; a removed file starts nothing.
    (inbox / "acme.txt").write_text(ARTICLE + "\nUpdated with a correction.\n", encoding="utf-8")
    _old(inbox / "acme.txt", 60)
    data = _tick(sources_yaml, data.cursor)
    assert [r.tags["newsintel/inbox_files"] for r in data.run_requests] == ["acme.txt"]
    (inbox / "later.txt").unlink()
    data = _tick(sources_yaml, data.cursor)
    assert not data.run_requests


def test_inbox_run_lands_the_dropped_file_in_articles(tmp_path, inbox, sources_yaml):
    (inbox / "acme.txt").write_text(ARTICLE, encoding="utf-8")
    _old(inbox / "acme.txt")
    (request,) = _tick(sources_yaml, None).run_requests

    db = tmp_path / "inbox.duckdb"
    page = tmp_path / "briefing.html"
    test_defs = Definitions(assets=ALL_ASSETS + REPORT_ASSETS, asset_checks=checks.CHECKS, jobs=[newsintel_job],
                            resources={"warehouse": WarehouseResource(path=str(db)),
                                       "sources": SourcesResource(path=str(sources_yaml))})
    run_config = {**request.run_config, "ops": {"briefing": {"config": {"path": str(page)}}}}
    with DagsterInstance.ephemeral() as instance:
        result = test_defs.resolve_job_def("newsintel_job").execute_in_process(
            run_config=run_config, instance=instance, tags=request.tags)
    assert result.success

    rows = Warehouse(db).query("SELECT source_id, title, url, published_at FROM articles")
    assert len(rows) == 1
    source_id, title, url, published = rows[0]
    assert source_id == "inbox" and url == "file://inbox/acme.txt"
    assert title == "Acme Robotics opens a factory in Portugal" and published.date().isoformat() == "2024-03-05"
    assert page.is_file() and "newsintel briefing" in page.read_text(encoding="utf-8")
