"""The multiprocess executor, with a run that notices when the holder of the pool slot it waits for died.

Why: on a DuckLake the writing assets share the Dagster pool "duckdb" (limit 1). A run whose step waits
for that slot spins in Dagster's executor until the slot is free, and a run killed with `kill -9` never
frees it: the waiting run spun forever, one core busy, one DEBUG line. Every run already frees what dead
runs hold when it starts (`assets.recovery.recover`, from the warehouse resource); this executor also
does it while the run is under way, every WATCH_SECONDS, so a run that was already waiting when the holder
died goes on by itself, with a warning in its log. Nothing else differs from Dagster's multiprocess
executor (same configuration).
"""
from __future__ import annotations

import threading

from dagster import executor, multiprocess_executor
from dagster._core.definitions.executor_definition import (
    _core_multiprocess_executor_creation,
    multiple_process_executor_requirements,
)
from dagster._core.executor.multiprocess import MultiprocessExecutor

from assets.recovery import recover
from assets.resources import warehouse_target

WATCH_SECONDS = 10.0


class RecoveringMultiprocessExecutor(MultiprocessExecutor):
    def execute(self, plan_context, execution_plan):
        stop = threading.Event()
        instance, run_id, log = plan_context.instance, plan_context.run_id, plan_context.log

        def watch() -> None:
            while not stop.wait(WATCH_SECONDS):
                try:
                    for message in recover(instance, warehouse_target(), current_run=run_id):
                        log.warning(f"newsintel: {message}")
                except Exception as exc:
                    log.warning(f"newsintel: looking for dead runs failed: {type(exc).__name__}: {exc}")

        watcher = threading.Thread(target=watch, name="newsintel-recovery", daemon=True)
        watcher.start()
        try:
            yield from super().execute(plan_context, execution_plan)
        finally:
            stop.set()


@executor(name="multiprocess", config_schema=multiprocess_executor.config_schema,
          requirements=multiple_process_executor_requirements())
def recovering_multiprocess_executor(init_context):
    """Dagster's multiprocess executor (same configuration) whose runs free what dead runs hold while
    they wait (see the module's doc)."""
    inner = _core_multiprocess_executor_creation(init_context.executor_config)
    recovering = RecoveringMultiprocessExecutor.__new__(RecoveringMultiprocessExecutor)
    recovering.__dict__.update(inner.__dict__)      # built by Dagster's own code from the same config
    return recovering
