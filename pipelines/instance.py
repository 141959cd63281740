"""The Dagster instance of `DAGSTER_HOME`, opened one process at a time while its storage is created.

Why: on a brand-new home, Dagster creates its SQLite tables and stamps their schema version when a
process first opens the instance. Two processes doing that at once (two `make run`s, or `dagster dev`'s
webserver and daemon) race: one dies on `table bulk_actions already exists`, and the schema-version
table can be left with two rows ("more than one head present"), which breaks the home for good. An OS
lock in the home serializes the first opening; later openings find the tables and only pay the lock.

`python -m pipelines.instance` creates the storage of `DAGSTER_HOME` (the Makefile does it once, before
`make run` or `make ui` start anything).
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from dagster import DagsterInstance


def get_instance() -> DagsterInstance:
    """`DagsterInstance.get()`, with its storage created (if new) under a lock in the home."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.get()          # Dagster's own error names the missing variable
    Path(home).mkdir(parents=True, exist_ok=True)
    with open(Path(home) / ".newsintel-instance.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        instance = DagsterInstance.get()
        instance.get_runs(limit=1)                            # run storage
        instance.event_log_storage.get_concurrency_keys()     # event log storage
        if instance.schedule_storage is not None:
            instance.all_instigator_state()                   # schedule storage
        return instance


if __name__ == "__main__":
    get_instance()
