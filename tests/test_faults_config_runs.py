"""A configuration error stops the run before it starts, once and clearly; a run that reads nothing says so.

Real runs: `python -m pipelines.run` (what `make run` starts) and a Python `materialize`. Before the fix a
bad `politeness:` value became one `fetch_log` row under a green run, a failed first step on a new
database was followed by a second, confusing error from the teardown's publish, and a glob matching no
file or `sources: []` passed without a word.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, write_sources
from dagster import DagsterEventType, materialize

from assets.resources import SourcesResource, WarehouseResource
from pipelines.definitions import ALL_ASSETS, checks


def _make_run(tmp_path: Path, sources: Path) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINTEL_")}
    env.update(DAGSTER_HOME=str(home), NEWSINTEL_DB=str(tmp_path / "db" / "news.duckdb"),
               NEWSINTEL_SOURCES=str(sources), NEWSINTEL_BRIEFING=str(tmp_path / "b.html"),
               TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", TLDEXTRACT_CACHE=str(tmp_path / "tld"),
               DAGSTER_DISABLE_TELEMETRY="1")
    return subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=240)


def test_make_run_stops_before_starting_on_a_bad_option_with_one_clear_line(tmp_path):
    sources = write_sources(tmp_path, "sources:\n  - {id: wire, kind: urls, urls: ['http://127.0.0.1:9/a'], "
                                      "local: true, politeness: {delay_seconds: .nan}}\n")
    done = _make_run(tmp_path, sources)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"newsintel: configuration error, nothing was run: {sources}: source #1 (wire): "
        "politeness.delay_seconds must be a finite number of at most 1000000000000, got nan"]
    assert not (tmp_path / "db").exists()          # nothing was fetched, nothing written


def test_every_run_checks_its_sources_as_it_starts(tmp_path):
    sources = write_sources(tmp_path, "sources:\n  - {id: wire, kind: urls, urls: ['http://127.0.0.1:9/a'], "
                                      "local: 'false'}\n")
    result = materialize(ALL_ASSETS + checks.CHECKS, raise_on_error=False,
                         resources={"warehouse": WarehouseResource(path=str(tmp_path / "db" / "n.duckdb")),
                                    "sources": SourcesResource(path=str(sources))})
    assert not result.success
    assert not [e for e in result.all_events if e.event_type == DagsterEventType.STEP_START]
    (failure,) = [e for e in result.all_events if e.event_type == DagsterEventType.RESOURCE_INIT_FAILURE]
    assert "'local' must be true or false" in str(failure.event_specific_data.error)


def test_a_failed_first_step_on_a_new_database_gives_one_error_not_two(tmp_path):
    sources = write_sources(tmp_path, "sources: []\n")
    result = materialize(ALL_ASSETS + checks.CHECKS, raise_on_error=False,
                         run_config={"ops": {"raw_pages": {"config": {"only_sources": ["nope"]}}}},
                         resources={"warehouse": WarehouseResource(path=str(tmp_path / "db" / "n.duckdb")),
                                    "sources": SourcesResource(path=str(sources))})
    assert not result.success
    errors = [e.message for e in result.all_events if e.event_type == DagsterEventType.ENGINE_EVENT
              and "Teardown" in (e.message or "")]
    assert errors == []                       # before: "publishing ... failed: No such file ... .work.duckdb"


def test_a_glob_matching_nothing_and_an_empty_source_set_are_warnings_in_the_summary(tmp_path):
    sources = write_sources(tmp_path, "sources:\n  - {id: archive, kind: files, path: 'nothing/here/*.txt'}\n")
    done = _make_run(tmp_path, sources)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WARNING: source archive: path 'nothing/here/*.txt' matches no readable file" in done.stdout

    empty = write_sources(tmp_path, "sources: []\n")
    result = materialize(ALL_ASSETS + checks.CHECKS,
                         resources={"warehouse": WarehouseResource(path=str(tmp_path / "db2" / "n.duckdb")),
                                    "sources": SourcesResource(path=str(empty))})
    (mat,) = result.asset_materializations_for_node("raw_pages")
    assert "no sources to read" in mat.metadata["warnings"].value
