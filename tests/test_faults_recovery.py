"""The dead-run sensor, as the daemon evaluates it: a run whose process is gone is failed and its pool slot
freed; a run whose process is alive is never touched; a finished run's leftover slot is freed."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from dagster import (
    DagsterEventType,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    EventLogEntry,
    SkipReason,
    build_sensor_context,
    instance_for_test,
)
from dagster._core.events import DagsterEvent, EngineEventData

from assets.recovery import reap_dead_runs
from pipelines.definitions import defs
from pipelines.sensors import dead_run_sensor


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _announce(instance, run: DagsterRun, pid: int, step_key: str | None = None) -> None:
    event = DagsterEvent(DagsterEventType.ENGINE_EVENT.value, job_name=run.job_name, step_key=step_key,
                         message=f"Executing steps in process (pid: {pid})",
                         event_specific_data=EngineEventData.in_process(pid))
    instance.handle_new_event(EventLogEntry(error_info=None, level="DEBUG", user_message="", run_id=run.run_id,
                                            timestamp=time.time(), step_key=step_key, dagster_event=event))


def _started_run(instance, pid: int, step: str) -> DagsterRun:
    run = instance.add_run(DagsterRun(job_name="newsintel_job", status=DagsterRunStatus.STARTED))
    _announce(instance, run, pid)
    assert instance.event_log_storage.claim_concurrency_slot("duckdb", run.run_id, step).is_claimed
    return run


def _holders(instance) -> set[str]:
    return {s.run_id for s in instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots}


def test_sensor_fails_a_dead_run_and_frees_its_slot_but_leaves_a_live_one_alone():
    assert defs.resolve_sensor_def("dead_run_sensor").default_status == DefaultSensorStatus.RUNNING
    with instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 2}}}) as instance:
        instance.event_log_storage.set_concurrency_slots("duckdb", 2)
        dead = _started_run(instance, _dead_pid(), "articles")
        alive = _started_run(instance, os.getpid(), "raw_pages")
        _announce(instance, alive, _dead_pid(), step_key="raw_pages")    # a finished step's child process
        assert _holders(instance) == {dead.run_id, alive.run_id}

        # invoked directly: `evaluate_tick` inside a test instance leaves Dagster state that breaks later tests
        skip = dead_run_sensor(build_sensor_context(instance=instance))
        assert isinstance(skip, SkipReason)
        assert f"run {dead.run_id[:8]} died" in skip.skip_message and "duckdb:articles" in skip.skip_message

        assert _holders(instance) == {alive.run_id}
        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == DagsterRunStatus.STARTED
        failure = instance.all_logs(dead.run_id, of_type=DagsterEventType.RUN_FAILURE)
        assert "marked it failed and freed its slots" in failure[-1].dagster_event.message

        again = dead_run_sensor(build_sensor_context(instance=instance))
        assert "every run in progress is alive" in again.skip_message


def test_a_finished_run_that_still_holds_a_slot_gives_it_back():
    with instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        instance.event_log_storage.set_concurrency_slots("duckdb", 1)
        run = _started_run(instance, os.getpid(), "sql_models")
        instance.report_run_failed(run, message="ended elsewhere")
        (item,) = reap_dead_runs(instance)
        assert item.run_id == run.run_id and "had ended" in item.message
        assert _holders(instance) == set()
