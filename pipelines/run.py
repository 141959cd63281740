"""`make run`: the main job in this process (run history kept in DAGSTER_HOME), then a summary."""
from __future__ import annotations

import sys
import time

from dagster import DagsterInstance

from newsintel.report import summary
from pipelines.definitions import defs


def main() -> int:
    started = time.monotonic()
    instance = DagsterInstance.get()
    result = defs.resolve_job_def("newsintel_job").execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    warehouse = defs.resources["warehouse"].get()
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"newsintel: the run failed at {failed}; see the Dagster UI (make ui) for details", file=sys.stderr)
        return 1
    with warehouse.reader() as con:
        print(summary(con))
    print(f"\nDatabase: {warehouse.path}   run {result.run_id[:8]}   {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
