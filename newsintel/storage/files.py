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

What repairs the two files from each other (issue 16): a work file that DuckDB finds corrupt or truncated,
when a session opens it or at any point of a session (a checksum error deep in extraction), is moved aside
as `.<db>.work.duckdb.damaged-<stamp>` and started again from the published file, with a message saying so;
the step that met it fails and the next run redoes the work since that publish. The reverse: a published
file that does not open, or that is not the one the pipeline published (truncated, overwritten, a record
missing), is set aside, never overwritten, and published again from the work file by the same run, whether
or not the run changed anything; a deferred run checks this as it starts and again as it publishes.

What keeps a failed publish from looking green: every failure is a `PublishFailed` whose message says which
file analysts still see and how old it is; a Dagster run publishes in a step of its own (assets/publish.py),
so the run fails with it.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from newsintel.storage import compact, publish
from newsintel.storage.base import WarehouseError
from newsintel.storage.bodies import BodyStore
from newsintel.storage.publish import PublishFailed, PublishRefused
from newsintel.storage.schema import ensure_schema
from newsintel.storage.sessions import RenewingSession

_log = logging.getLogger("newsintel.storage")
LOCK_POLL = 0.05   # seconds between tries for the writers' lock (see FileStore._locked)


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
        if defer_publish:
            self._check_published()

    def _check_published(self) -> None:
        """As a deferred run starts: a published file that is missing, does not open, or is not the one the
        pipeline published, while a work file exists, is published again at the run's end (changed or
        not), and until then the run's own readers read the work file."""
        if not self.work_path.exists() or self._unpublished.exists():
            return
        why = self._published_problem()
        if why:
            self.log(f"the published database {self.path} {why}; this run publishes it again from the work "
                     f"file {self.work_path.name} as it ends")
            self._unpublished.touch()

    def _published_problem(self) -> str | None:
        """Why the published file must be published again (None: it is the pipeline's, and it opens)."""
        if not self.path.exists():
            return "is missing"
        damage = publish.opens(self.path)
        if damage:
            return f"cannot be opened ({damage})"
        if publish.written_by_others(self.path) and publish.write_lock_holder(self.path) is None:
            return "is not the file the pipeline published (written or replaced since, or its record is missing)"
        return None

    def published_note(self) -> str:
        """Which file analysts see and how old it is, for messages about a publish that did not happen."""
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return f"there is no published database at {self.path} yet"
        age = max(0.0, time.time() - mtime)
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(mtime))
        return f"analysts still see {self.path} as published at {when} ({_age(age)} ago)"

    def unpublished(self) -> bool:
        """True while committed work waits to be published (a publish failed, or a run has not ended)."""
        return self._unpublished.exists()

    def __str__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def _locked(self, kind: int) -> Iterator[None]:
        """The writers' lock (LOCK_EX) or a reader's of the work file (LOCK_SH). Taken by polling with
        LOCK_NB every LOCK_POLL seconds, not by one blocking flock: a run waiting for another writer is then
        in Python between tries, so SIGTERM (and a Dagster interrupt) ends the wait at once, even where a
        handler only records the signal for later (see `_take`)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as lock:
            _take(lock, kind)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write session: serialized across processes, one transaction, published on success."""
        with self._locked(fcntl.LOCK_EX):
            self._clean_stale_temps()
            con = RenewingSession(self._open_work(), lambda: duckdb.connect(str(self.work_path)))
            before = _stat(self.work_path), _stat(Path(f"{self.work_path}.wal"))
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException as exc:
                    with contextlib.suppress(duckdb.Error):     # a corrupt file may refuse even this
                        con.execute("ROLLBACK")
                    if _is_damage(exc):
                        con.close()
                        raise self._repair_work(exc) from exc
                    raise
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            except duckdb.Error as exc:
                if _is_damage(exc):
                    con.close()
                    raise self._repair_work(exc) from exc
                raise
            finally:
                con.close()
            if (_stat(self.work_path), _stat(Path(f"{self.work_path}.wal"))) != before:
                self._unpublished.touch()
            if self.defer_publish:
                try:   # fail this step now, not silently at the run's end
                    publish.check_publishable(self.path)
                except PublishRefused as exc:
                    raise PublishRefused(f"{exc} Until then {self.published_note()}.") from None
            else:
                self._publish_if_due()

    def flush(self) -> None:
        """Publish what write sessions committed since the last publish (the end of a deferred run), and a
        published file that is missing, damaged or not the pipeline's, changed or not."""
        with self._locked(fcntl.LOCK_EX):
            self._clean_stale_temps()
            self._publish_if_due()

    def _clean_stale_temps(self) -> None:
        """What a writer killed mid-way left beside the files (call with the writers' lock held)."""
        publish.clean_stale_temps(self.path)
        compact.clean_stale(self.work_path)
        self.work_path.with_name(self.work_path.name + ".adopting").unlink(missing_ok=True)

    def _publish_if_due(self) -> None:
        if not self.work_path.exists():
            return                              # nothing was ever written here: nothing to publish
        due = self._unpublished.exists()
        if not due:
            why = self._published_problem()
            if why is None:
                return
            self.log(f"the published database {self.path} {why}; publishing it again from the work file")
        damage = publish.opens(self.work_path)
        if damage:              # the end of a run is a point of it too: never publish a damaged work file
            raise self._repair_work(RuntimeError(damage))
        try:
            compact.compact_if_bloated(self.work_path, _log.info)   # what is copied follows the data
            publish.publish(self.work_path, self.path, self.log)
        except PublishRefused as exc:
            raise PublishRefused(f"{exc} Until then {self.published_note()}.") from None
        except PublishFailed as exc:
            raise PublishFailed(f"publishing {self.path} failed ({exc}); {self.published_note()}. This run's "
                                f"work is committed in the work file {self.work_path} and the next run publishes "
                                f"it.") from exc
        self._unpublished.unlink(missing_ok=True)

    def _repair_work(self, exc: BaseException) -> WarehouseError:
        """Move a damaged work file aside and start it again from the published file; the error to raise
        says what was done (or, with no intact published file, that nothing could be)."""
        if not self.path.exists() or publish.opens(self.path):
            return WarehouseError(f"the work file {self.work_path} is damaged ({_first_line(exc)}) and the "
                                  f"published database {self.path} cannot replace it (missing or damaged too): "
                                  f"restore one from a backup, or move both aside and run the pipeline again to "
                                  f"rebuild from the sources.")
        damaged = _set_aside_damaged(self.work_path)
        self._unpublished.unlink(missing_ok=True)
        self._adopt()
        message = (f"the work file {self.work_path} is damaged ({_first_line(exc)}); it was moved to {damaged} and "
                   f"rebuilt from the published database {self.path}. This step failed; the next run redoes "
                   f"the work committed since that publish (raw pages are re-read from the sources).")
        self.log(message)
        return WarehouseError(message)

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


def _take(lock, kind: int) -> None:
    """flock `lock`, polling. While it waits, SIGTERM and SIGINT end the wait: a handler that only records
    the signal (Dagster's `capture_interrupts`, active outside step code, e.g. while resources are torn down)
    would otherwise leave the process waiting forever, as a blocking flock is retried after every signal."""
    try:
        fcntl.flock(lock, kind | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    with _signals_end_the_wait():
        while True:
            try:
                fcntl.flock(lock, kind | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(LOCK_POLL)


@contextlib.contextmanager
def _signals_end_the_wait() -> Iterator[None]:
    """While waiting (nothing is held yet), SIGTERM/SIGINT first do what the process's handler does, and
    then, if that handler returned (it only recorded the signal), raise KeyboardInterrupt to end the wait."""
    if threading.current_thread() is not threading.main_thread():
        yield                 # handlers belong to the main thread; a thread's wait ends with its process
        return
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def on_signal(signo: int, frame) -> None:
        previous = saved[signo]
        if callable(previous):
            previous(signo, frame)
            raise KeyboardInterrupt(f"signal {signo} while waiting for the writers' lock")
        if previous == signal.SIG_IGN:
            return
        signal.signal(signo, signal.SIG_DFL)       # the default action (SIGTERM: end the process), as before
        os.kill(os.getpid(), signo)

    for sig in saved:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


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


def _is_damage(exc: BaseException) -> bool:
    """A DuckDB error that means the file itself is damaged (not a bad query or a lock)."""
    text = str(exc)
    return isinstance(exc, duckdb.Error) and (
        "Corrupt database file" in text or "Could not read enough bytes" in text
        or "does not match stored checksum" in text or "not a valid DuckDB database file" in text)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _set_aside_damaged(path: Path) -> Path:
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    aside = next(a for a in (path.with_name(f"{path.name}.damaged-{stamp}{'' if n == 1 else f'-{n}'}")
                             for n in range(1, 10_000)) if not a.exists())
    os.replace(path, aside)
    wal = Path(f"{path}.wal")
    if wal.exists():
        os.replace(wal, Path(f"{aside}.wal"))
    return aside


