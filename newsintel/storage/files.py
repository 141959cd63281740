"""The file store: storage in one DuckDB file, written privately and published atomically.

Why a work file and a published file: DuckDB lets one process write a file, and a reader that holds the
file open blocks that writer. So the pipeline writes to a private work file beside the database and
*publishes* it by copying it next to the database and renaming the copy over the database path. A rename
is atomic, so an analyst who opens `NEWSINTEL_DB` read-only always sees the last complete state; one who
holds it open through a run keeps reading the old snapshot (its inode) and never blocks the pipeline.
Writers serialize on an OS file lock instead of failing on DuckDB's lock.

What keeps publishing cheap (issue 10): a Dagster run publishes once, at its end, and only if a write
session changed the work file; raw page bodies, most of the bytes, live outside the file in immutable
Parquet segments (`newsintel.storage.bodies`) that are never copied. What keeps it safe against analysts
who open the published file read-write, and against crashes, is in `newsintel.storage.publish`.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from newsintel.storage import compact, publish
from newsintel.storage.base import WarehouseError
from newsintel.storage.bodies import BodyStore
from newsintel.storage.schema import ensure_schema
from newsintel.storage.sessions import RenewingSession

_log = logging.getLogger("newsintel.storage")


class FileStore:
    """Storage in one DuckDB file, published atomically from a private work copy (see the module's doc).

    `defer_publish=True` (a Dagster run's resource) publishes once, when the run ends (`flush`), instead
    of after every write session: a run then copies the file once, however many stages it has. Until then
    the run's own readers (asset checks, the briefing) read the work file under the writers' lock, so they
    see what the run wrote; everyone else keeps the last published state. A session that changed nothing
    publishes nothing."""

    publishes = True

    def __init__(self, target: str):
        self.path = Path(target).expanduser().resolve()
        self.work_path = self.path.with_name(f".{self.path.stem}.work{self.path.suffix or '.duckdb'}")
        self._lock_path = self.path.with_name(f".{self.path.name}.lock")
        self._unpublished = self.path.with_name(f".{self.path.name}.unpublished")
        self.bodies = BodyStore(self.path.with_name(f"{self.path.name}.bodies"))
        self.configure()

    def configure(self, defer_publish: bool = False, log: Callable[[str], None] | None = None) -> None:
        self.defer_publish = defer_publish
        self.log = log or _log.warning

    def __str__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def _locked(self, kind: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as lock:
            fcntl.flock(lock, kind)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write session: serialized across processes, one transaction, published on success."""
        with self._locked(fcntl.LOCK_EX):
            publish.clean_stale_temps(self.path)
            con = RenewingSession(self._open_work(), lambda: duckdb.connect(str(self.work_path)))
            before = _stat(self.work_path), _stat(Path(f"{self.work_path}.wal"))
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if (_stat(self.work_path), _stat(Path(f"{self.work_path}.wal"))) != before:
                self._unpublished.touch()
            if self.defer_publish:
                publish.check_publishable(self.path)   # fail this step now, not silently at the run's end
            else:
                self._publish_if_due()

    def flush(self) -> None:
        """Publish what write sessions committed since the last publish (the end of a deferred run)."""
        with self._locked(fcntl.LOCK_EX):
            self._publish_if_due()

    def _publish_if_due(self) -> None:
        if self._unpublished.exists() or not self.path.exists():
            compact.compact_if_bloated(self.work_path, _log.info)   # what is copied follows the data
            publish.publish(self.work_path, self.path, self.log)
            self._unpublished.unlink(missing_ok=True)

    def _open_work(self) -> duckdb.DuckDBPyConnection:
        """The work file, opened and with the current schema; adopted from the published file when there is
        none, and again (with a message saying so) when it is damaged."""
        if not self.work_path.exists() and self.path.exists():
            self._adopt()
        try:
            return _connect_with_schema(self.work_path)
        except duckdb.Error as exc:
            if _is_lock_error(exc) or not self.path.exists():
                raise
            damaged = _set_aside_damaged(self.work_path)
            self.log(f"the work file {self.work_path} is damaged ({_first_line(exc)}); it was moved to {damaged} "
                     f"and the run goes on from the last published state, {self.path}. Work committed after "
                     f"that publish is redone by this run (nothing already fetched is lost: raw pages are "
                     f"re-read from the sources).")
            self._unpublished.unlink(missing_ok=True)
            self._adopt()
            return _connect_with_schema(self.work_path)

    def _adopt(self) -> None:
        """Start the work file from the published one (a database made elsewhere, or a recovery)."""
        tmp = self.work_path.with_name(self.work_path.name + ".adopting")
        shutil.copyfile(self.path, tmp)
        try:
            duckdb.connect(str(tmp), read_only=True).close()
        except duckdb.Error as exc:
            tmp.unlink(missing_ok=True)
            raise WarehouseError(
                f"the published database {self.path} cannot be opened ({_first_line(exc)}): it is damaged "
                f"(truncated or overwritten?) and there is no work copy to recover from. Restore it from a "
                f"backup, or move it aside and run the pipeline again (make run) to rebuild it from the "
                f"sources.") from exc
        os.replace(tmp, self.work_path)

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only session on the last published state; never blocks or is blocked by a run. In a
        deferred run with unpublished work, the run's own state (the work file, under the writers' lock)."""
        if self.defer_publish and self._unpublished.exists():
            with self._locked(fcntl.LOCK_SH):
                con = duckdb.connect(str(self.work_path), read_only=True)
                try:
                    yield con
                finally:
                    con.close()
            return
        if not self.path.exists():
            raise WarehouseError(f"no database at {self.path}: run the pipeline first (make run)")
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            if _is_lock_error(exc):
                raise WarehouseError(f"{self.path} is open read-write by another process, which keeps every "
                                     f"reader out: close that session ({_first_line(exc)})") from exc
            raise WarehouseError(f"the published database {self.path} cannot be opened ({_first_line(exc)}); "
                                 "run the pipeline (make run) to publish it again from its work copy") from exc
        try:
            yield con
        finally:
            con.close()


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _connect_with_schema(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def _is_lock_error(exc: Exception) -> bool:
    return "lock" in str(exc).lower() and "conflicting" in str(exc).lower() or "Could not set lock" in str(exc)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _set_aside_damaged(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    os.replace(path, aside)
    wal = Path(f"{path}.wal")
    if wal.exists():
        os.replace(wal, Path(f"{aside}.wal"))
    return aside


