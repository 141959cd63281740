"""A run killed with `kill -9` at any step never blocks the next one, and loses or duplicates nothing.

Real processes: `python -m pipelines.run` (what `make run` starts) on a temporary DAGSTER_HOME that has
the project's dagster.yaml, killed with SIGKILL the moment one of its writing steps starts. Each next run
goes on by itself (before the fixes it waited forever on the dead run's pool slot, "Step blocked by limit
for pool duckdb"; the file now has no pool, its writers queue on the OS lock the kernel frees). The run
that completes is started the other way, `dagster asset materialize` (the README's "other input, other
database" command), which used to wait forever too: it fails the dead run itself, and every table has the
rows an uninterrupted run gives.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_pipeline, write_sources
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from newsintel.storage import CONTRACT_TABLES, Warehouse

TABLES = ("raw_pages", "article_urls", "extractions", *CONTRACT_TABLES)
# Writing steps in job order: each run of the chain is killed at the next one.
KILL_AT = ("raw_pages", "articles", "extracted_facts", "resolved_tables", "sql_models")


def _env(tmp_path: Path, name: str, home: Path, sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINTEL_")}
    env.update(DAGSTER_HOME=str(home), NEWSINTEL_DB=str(tmp_path / f"{name}.duckdb"),
               NEWSINTEL_SOURCES=str(sources), NEWSINTEL_BRIEFING=str(tmp_path / f"{name}.html"),
               TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", TLDEXTRACT_CACHE=str(tmp_path / "tld"),
               DAGSTER_DISABLE_TELEMETRY="1")
    return env


def _home(path: Path) -> Path:
    path.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", path / "dagster.yaml")
    return path


def _run(env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _kill_at(env: dict[str, str], instance: DagsterInstance, step: str, timeout: float = 240) -> None:
    """Start a run and SIGKILL it as soon as `step` starts."""
    before = {r.dagster_run.run_id for r in instance.get_run_records()}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            runs = [r.dagster_run.run_id for r in instance.get_run_records() if r.dagster_run.run_id not in before]
            if runs and any(e.step_key == step for e in
                            instance.all_logs(runs[0], of_type=DagsterEventType.STEP_START)):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.005)             # writing steps last 0.3 s or more
    finally:
        if proc.poll() is None and time.monotonic() >= deadline:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"the run ended ({proc.returncode}) before step {step} began"


def _counts(db: Path) -> dict[str, int]:
    with Warehouse(db).reader() as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
def corpus(tmp_path) -> Path:
    demo = REPO / "data" / "demo"
    return write_sources(tmp_path, "sources:\n"
                                   f"  - {{id: bharat, kind: files, path: '{demo}/bharat/*'}}\n"
                                   f"  - {{id: wire, kind: files, path: '{demo}/wire/*'}}\n")


def test_kill_9_at_every_step_then_the_next_run_completes_with_the_same_rows(tmp_path, corpus):
    run_pipeline(tmp_path / "baseline.duckdb", corpus)      # uninterrupted, in this process: the same assets
    expected = _counts(tmp_path / "baseline.duckdb")
    assert expected["articles"] > 5 and expected["mentions"] > 0

    home = _home(tmp_path / "home")
    env = _env(tmp_path, "crashed", home, corpus)
    instance = DagsterInstance.from_config(str(home))
    for step in KILL_AT:                      # each run goes on past its killed predecessor
        _kill_at(env, instance, step)
    last = instance.get_run_records(limit=1)[0].dagster_run
    assert last.status == DagsterRunStatus.STARTED          # dead, but the run history does not know yet

    config = {"ops": {"briefing": {"config": {"path": str(tmp_path / "cli.html")}}}}
    done = subprocess.run([str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
                           "pipelines.definitions", "--select", "*", "--config-json", json.dumps(config)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"run {last.run_id[:8]} died (its process" in done.stderr    # said in the run's log
    assert _counts(tmp_path / "crashed.duckdb") == expected
    assert instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots == []
    killed = instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.FAILURE]))
    assert len(killed) == len(KILL_AT)        # every killed run was marked failed, none left "started"
    assert not instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
