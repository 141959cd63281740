"""`make run`: the main job in this process (run history kept in DAGSTER_HOME), then a summary.

Before the run, what runs that died without finishing (kill -9, OOM, power cut) left behind is freed:
they are marked failed, their pool slots given back and their orphans' hold on the writer lock ended
(`assets.recovery.recover`), so one crash never blocks the next `make run`. (Every run does the same
as it starts, whatever launched it; doing it here first also reports it on the terminal.)
NEWSINTEL_BRIEFING, when set, is where the briefing page goes (tests keep it out of reports/).
"""
from __future__ import annotations

import os
import sys
import time

from assets.recovery import recover, slot_holders
from assets.resources import warehouse_target
from newsintel.report import summary
from newsintel.sources import SourcesError
from pipelines.definitions import defs
from pipelines.instance import get_instance


def ingest_summary(result) -> str | None:
    """One line on what ingest read and what it could not, from the raw_pages materialization."""
    mats = result.asset_materializations_for_node("raw_pages")
    if not mats:
        return None
    meta = {k: v.value for k, v in mats[-1].metadata.items()}
    line = (f"Ingest: {meta.get('new', 0)} new, {meta.get('updated', 0)} updated, "
            f"{meta.get('unchanged', 0)} unchanged, {meta.get('failed', 0)} failed records")
    if meta.get("failed"):
        line += " (each one is in fetch_log with its path and position: status 'failed')"
    for warning in (meta.get("warnings") or "").splitlines():
        line += f"\nWARNING: {warning}"
    dead = meta.get("sources_with_only_failures")
    if dead:
        line += f"\nWARNING: these sources yielded only failures, nothing was read from them: {dead}"
    return line


def _say_what_analysts_see(warehouse) -> None:
    note = warehouse.published_note()
    if note:
        print(f"newsintel: {note}", file=sys.stderr)


def main() -> int:
    started = time.monotonic()
    try:                        # every run checks this as it starts; here it is said once, without a trace
        defs.resources["sources"].load()
    except SourcesError as exc:
        print(f"newsintel: configuration error, nothing was run: {exc}", file=sys.stderr)
        return 2
    instance = get_instance()
    for message in recover(instance, warehouse_target()):
        print(f"newsintel: {message}", file=sys.stderr)
    for run_id, slots in slot_holders(instance).items():
        print(f"newsintel: run {run_id[:8]} is running and holds {', '.join(slots)}; this run's writing steps "
              "wait for it (one DuckDB writer at a time)", file=sys.stderr)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if os.environ.get("NEWSINTEL_BRIEFING"):
        run_config["ops"] = {"briefing": {"config": {"path": os.environ["NEWSINTEL_BRIEFING"]}}}
    result = defs.resolve_job_def("newsintel_job").execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config)
    warehouse = defs.resources["warehouse"].get()
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"newsintel: the run failed at {failed}; see the Dagster UI (make ui) for details", file=sys.stderr)
        said = False
        for event in result.all_events:
            if event.is_step_failure and event.step_key == "published_database":
                error = event.step_failure_data.error
                error = error.cause or error
                text = error.message.strip()
                for prefix in (f"newsintel.storage.publish.{error.cls_name}: ", f"{error.cls_name}: "):
                    text = text.removeprefix(prefix)
                print(f"newsintel: {text}", file=sys.stderr)
                said = True     # its message says which file analysts see
        if not said:
            _say_what_analysts_see(warehouse)
        return 1
    if warehouse.unpublished():
        # a run of Dagster's that stayed green although its work was not published: never report it green
        print("newsintel: the run's work was not published (see the run's log)", file=sys.stderr)
        _say_what_analysts_see(warehouse)
        return 1
    with warehouse.reader() as con:
        print(summary(con))
    ingested = ingest_summary(result)
    if ingested:
        print("\n" + ingested)
    print(f"\nDatabase: {warehouse.path}   run {result.run_id[:8]}   {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
