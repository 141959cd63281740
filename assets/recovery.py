"""Runs that died without telling Dagster: marked failed, and their concurrency-pool slots given back.

Why this exists: every writing asset runs in pool `duckdb` (limit 1). A step claims its slot in the
instance's storage and frees it when it ends; a run killed with `kill -9`, by the OOM killer or a power
cut never frees it, and the run stays STARTED. Every later run then waits forever for the slot ("Step
blocked by limit for pool duckdb", at DEBUG level), and the schedule skips its ticks because a run seems
to be going. Dagster's run monitoring only frees the slots of runs that have *ended*
(`free_slots_after_run_end_seconds`), and it cannot tell that a local run's process is gone: the default
run launcher has no worker health check, and `execute_in_process` (`make run`) has no launcher at all.

So we use what the engine records and offers: every run worker announces its process id in an engine
event ("Executing steps in process (pid: N)", "Started process for run (pid: N)"); a run in progress whose
process no longer exists is reported failed (`DagsterInstance.report_run_failed`) and its slots freed
(`free_concurrency_slots_for_run`); a finished run still holding slots has them freed at once. It runs
before every `make run` and every 30 s as the `dead_run_sensor` under the daemon.

A run killed before it announced its process (between its start and its executor's first event) has no
pid to check: once it has been silent for `NO_PID_GRACE` seconds it is failed too (a live run announces
its pid within a second of starting, and logs steadily after).

Process ids mean something only on the machine that launched the run: this applies to instances whose
runs start on this machine (in process, or the default run launcher), which is this project's set-up.

The data side: the DuckDB writer lock is an OS file lock, which the kernel drops when the last process
holding it is gone. Pool workers no longer inherit it (newsintel/parallel.py), and `free_orphaned_locks`
ends any process still holding a lock whose taker died (orphans of a run killed before that fix, or of
code that forks without it).

`recover` is the one entry: `make run`, the start of every run whatever launched it (the warehouse
resource's set-up: CLI, UI, schedule, sensor, a Python `materialize`), each schedule tick and the
`dead_run_sensor` call it.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, DefaultRunLauncher, RunsFilter

from newsintel.proclocks import end_orphans, orphaned_lock_holders
from newsintel.storage.lake import is_lake_target

# NOT_STARTED: a run created in process (`materialize`, `make run`) and killed before it started stays so.
IN_PROGRESS = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED,
               DagsterRunStatus.CANCELING]
NO_PID_GRACE = 120.0   # seconds a run may go without announcing its process before it is taken for dead
FINISHED_STATUSES = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


@dataclass(frozen=True)
class Reaped:
    run_id: str
    pid: int | None
    status: str                  # the run's status when it was found
    slots: tuple[str, ...]       # "pool:step" slots it held
    silent: float | None = None  # for a run that never announced its process: seconds since its last event

    @property
    def message(self) -> str:
        held = f"pool slot(s) {', '.join(self.slots)}" if self.slots else "no pool slot"
        if self.silent is not None:
            return (f"run {self.run_id[:8]} never announced its process and has been silent for "
                    f"{self.silent:.0f} s while {self.status.lower()}, holding {held}: it died before it "
                    f"started its steps; marked it failed and freed its slots")
        if self.pid is None:
            return f"run {self.run_id[:8]} had ended ({self.status.lower()}) but still held {held}: freed"
        return (f"run {self.run_id[:8]} died (its process {self.pid} is gone) while {self.status.lower()}, "
                f"holding {held}: marked it failed and freed its slots")


def recover(instance: DagsterInstance, target: str | None, current_run: str | None = None) -> list[str]:
    """Everything dead runs left behind, freed: runs failed and pool slots given back (`reap_dead_runs`),
    and the writer lock of the warehouse at `target` taken back from a dead run's orphans. Returns one
    message per thing done, for the caller to log."""
    messages = [item.message for item in reap_dead_runs(instance, exclude=current_run)]
    if target:
        messages += free_orphaned_locks(target)
    return messages


def free_orphaned_locks(target: str) -> list[str]:
    """End processes that hold a writer lock of the file warehouse at `target` taken by a process that no
    longer exists (the dead run's forked workers): until they go, no later run can write. A lake's locks
    are PostgreSQL's, which frees them with the dead session."""
    if is_lake_target(target):
        return []
    holders = orphaned_lock_holders(Path(target).expanduser().resolve().parent)
    if not holders:
        return []
    ended = end_orphans(holders)
    messages = []
    for path in sorted({h.path for h in holders}):
        gone = sorted(h.pid for h in ended if h.path == path)
        kept = sorted(h.pid for h in holders if h.path == path and h not in ended)
        taker = next(h.taker for h in holders if h.path == path)
        line = (f"the lock {path} was still held by process(es) {', '.join(map(str, gone + kept))} left by "
                f"process {taker}, which died holding it (orphaned workers of a killed run)")
        line += "; ended them" if not kept else f"; could not end {', '.join(map(str, kept))}: stop them by hand"
        messages.append(line)
    return messages


def reap_dead_runs(instance: DagsterInstance, exclude: str | None = None,
                   no_pid_grace: float | None = None) -> list[Reaped]:
    """Fail runs whose process is gone and free every slot held by a run that is not alive; returns what
    was done, each with a message the caller logs. Never touches a run whose process is still running,
    nor `exclude` (the caller's own run)."""
    if not _runs_are_local(instance):
        return []
    holders = _slot_holders(instance)
    candidates = {r.dagster_run.run_id: r for r in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS))}
    if holders:
        for rec in instance.get_run_records(RunsFilter(run_ids=sorted(holders))):
            candidates.setdefault(rec.dagster_run.run_id, rec)
    done = []
    for run_id, rec in candidates.items():
        if run_id == exclude:
            continue
        run = rec.dagster_run
        slots = tuple(sorted(holders.get(run_id, ())))
        if run.status in FINISHED_STATUSES:
            if slots:
                instance.event_log_storage.free_concurrency_slots_for_run(run_id)
                done.append(Reaped(run_id, None, run.status.value, slots))
            continue
        pid, since = _worker_pid(instance, run_id)
        if pid is None:
            silent = time.time() - _last_heard(instance, rec)
            if silent < (NO_PID_GRACE if no_pid_grace is None else no_pid_grace):
                continue       # just created or starting: its process announces itself in a moment
            item = Reaped(run_id, None, run.status.value, slots, silent=silent)
        elif _alive(pid, since):
            continue
        else:
            item = Reaped(run_id, pid, run.status.value, slots)
        instance.report_run_failed(run, message=f"newsintel: {item.message}")
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        done.append(item)
    return done


def slot_holders(instance: DagsterInstance) -> dict[str, list[str]]:
    """Runs holding a pool slot now (after reaping, live ones): run id → its "pool:step" slots, so a run
    that has to wait can say for whom."""
    return {run_id: sorted(slots) for run_id, slots in _slot_holders(instance).items() if slots}


def _runs_are_local(instance: DagsterInstance) -> bool:
    try:
        launcher = instance.run_launcher
    except Exception:
        return True
    return launcher is None or isinstance(launcher, DefaultRunLauncher)


def _slot_holders(instance: DagsterInstance) -> dict[str, set[str]]:
    """run id → "pool:step" of every slot claimed or waited for."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return {}
    holders: dict[str, set[str]] = {}
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        for slot in info.claimed_slots:
            holders.setdefault(slot.run_id, set()).add(f"{pool}:{slot.step_key}")
        for step in info.pending_steps:
            holders.setdefault(step.run_id, set())
    return holders


def _worker_pid(instance: DagsterInstance, run_id: str) -> tuple[int | None, float]:
    """The process id the run's worker announced last, and when. Step-level announcements (a multiprocess
    executor's child, which ends with its step) are not the run's worker and are passed over."""
    pid, when = None, 0.0
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        if entry.step_key:
            continue
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        value = (data.metadata or {}).get("pid") if data else None
        if value is not None and str(value.value).isdigit():
            pid, when = int(value.value), entry.timestamp
    return pid, when


def _last_heard(instance: DagsterInstance, rec) -> float:
    """When the run last showed life: its newest event, or its record's creation or last update."""
    stamps = [ts.timestamp() for ts in (rec.create_timestamp, rec.update_timestamp) if ts is not None]
    logs = instance.all_logs(rec.dagster_run.run_id)
    if logs:
        stamps.append(logs[-1].timestamp)
    return max(stamps, default=0.0)


def _alive(pid: int, since: float) -> bool:
    """Whether process `pid` runs and is the one that announced itself at `since` (not a reused id)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(float(line.split()[1]) for line in fh if line.startswith("btime"))
    except (OSError, StopIteration, IndexError, ValueError):
        return True            # no /proc: trust the signal check
    if fields[0] in ("Z", "X"):
        return False           # a zombie: dead, not yet collected by its parent
    started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= since + 2.0 and started <= time.time()
