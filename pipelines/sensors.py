"""The inbox sensor: files dropped into a watched folder are ingested with the next run.

Drop `.txt` (seed format), `.html`/`.htm`, `.jsonl` or `.csv` files into `data/inbox/` (or the folder in
NEWSINTEL_INBOX). Every 30 seconds the sensor compares the folder with its cursor (file name → mtime and
size); when a file is new or changed it requests one run of `newsintel_job` whose `sources` resource
reads the configured sources plus the inbox as a `files` source with id `inbox`, so the new articles go
through every stage up to the views and the briefing.

- The run key is made of the new or changed files' names, mtimes and sizes: the same files never start
  two runs, even if the cursor were lost (Dagster drops a request whose run key was already used).
- A file modified in the last few seconds may still be being written; it waits for the next tick.
- Files are left where they are: ingest is idempotent (an unchanged page is not written again), so
  re-reading the inbox costs a hash per file. Remove them when you like; removal starts no run.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from assets.recovery import recover
from assets.resources import SourcesResource, warehouse_target
from newsintel.paths import REPO_ROOT
from newsintel.scrape.files import SUFFIXES, kind_suffix
from pipelines.schedules import JOB_NAME

INBOX_ENV = "NEWSINTEL_INBOX"
DEFAULT_INBOX = REPO_ROOT / "data" / "inbox"
SETTLE_SECONDS = 5.0   # younger files may still be being copied in


def inbox_folder() -> Path:
    return Path(os.environ.get(INBOX_ENV) or DEFAULT_INBOX).expanduser().resolve()


def scan_inbox(folder: Path) -> dict[str, tuple[int, int]]:
    """Readable article files under `folder`: relative name → (mtime in ns, size). Hidden files and
    folders (editors' and copiers' temporary files) are ignored, as the `files` reader ignores them."""
    found: dict[str, tuple[int, int]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or kind_suffix(path) not in SUFFIXES:
            continue
        try:
            st = path.stat()
        except OSError:  # removed while we looked
            continue
        if path.is_file():
            found[rel.as_posix()] = (st.st_mtime_ns, st.st_size)
    return found


def inbox_run_config(sources: SourcesResource, folder: Path) -> dict:
    """Run config for one inbox run: the same sources YAML, plus the inbox folder."""
    return {"resources": {"sources": {"config": {"path": sources.path, "inbox": str(folder)}}}}


@sensor(job_name=JOB_NAME, name="inbox_sensor", minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Ingests files dropped into the inbox folder ({INBOX_ENV}, default data/inbox/): .txt, "
                    ".html, .jsonl or .csv; one run per batch of new or changed files.")
def inbox_sensor(context: SensorEvaluationContext, sources: SourcesResource):
    folder = inbox_folder()
    if not folder.is_dir():
        return SensorResult(skip_reason=f"no inbox folder at {folder}: create it and drop article files in")
    seen: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    now_ns = time.time_ns()
    files = scan_inbox(folder)
    settling = {n for n, (mtime, _) in files.items() if 0 <= now_ns - mtime < SETTLE_SECONDS * 1e9}
    ready = {n: v for n, v in files.items() if n not in settling}
    changed = {n: v for n, v in ready.items() if tuple(seen.get(n, ())) != v}
    # The cursor keeps what was requested, and forgets removed files (re-adding one is news again).
    cursor = json.dumps({n: list(v) for n, v in ready.items()}, sort_keys=True)
    if not changed:
        waiting = f"; {len(settling)} file(s) still being written" if settling else ""
        return SensorResult(skip_reason=f"no new files in {folder} ({len(ready)} already ingested{waiting})",
                            cursor=cursor)
    fingerprint = json.dumps(sorted((n, v[0], v[1]) for n, v in changed.items()))
    run_key = "inbox-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:24]
    names = sorted(changed)
    context.log.info(f"inbox: {len(names)} new or changed file(s): {', '.join(names[:20])}")
    return SensorResult(
        run_requests=[RunRequest(
            run_key=run_key, run_config=inbox_run_config(sources, folder),
            tags={"newsintel/trigger": "inbox", "newsintel/inbox_files": _short(", ".join(names), 200)})],
        cursor=cursor)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@sensor(name="dead_run_sensor", minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Marks failed any run whose process died without finishing (kill -9, OOM, power cut) and "
                    "frees its pool slots and the writer lock its orphans hold, so later runs and schedule "
                    "ticks are never blocked by it.")
def dead_run_sensor(context: SensorEvaluationContext):
    done = recover(context.instance, warehouse_target())
    for message in done:
        context.log.warning(f"newsintel: {message}")
    if not done:
        return SkipReason("every run in progress is alive; no pool slot is held by a finished run")
    return SkipReason("; ".join(done))
