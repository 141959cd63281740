"""Storage in a DuckLake: tables as Parquet files in a data folder (or object store), their catalog in
PostgreSQL (or SQLite), so several processes on several hosts write and read at once.

Why a lake and not the file: one DuckDB file admits one writing process, so the pipeline's steps queue
behind one another (`FileStore`). A DuckLake catalog commits each transaction as a new *snapshot*: writers
in different processes commit concurrently, and a reader sees the last committed snapshot whatever a writer
is doing, so there is no work copy and nothing to publish. Earlier snapshots stay readable by number, e.g.
`SELECT * FROM bans AT (VERSION => 3)` (see `snapshots()` for the list).

Target syntax (the value of NEWSINTEL_DB):

    ducklake:postgres:dbname=lake host=127.0.0.1 port=5432 user=newsintel?data_path=/srv/lake/
    ducklake:sqlite:/srv/lake/catalog.sqlite?data_path=/srv/lake/
    ducklake:/srv/lake/catalog.ducklake?data_path=/srv/lake/        (DuckDB catalog: one process only)

Everything before `?data_path=` is handed to DuckDB's `ATTACH` as written (a libpq connection string for
PostgreSQL). The data path is needed only when a lake is created: DuckLake stores it in its catalog and
every later session finds it there, so readers may leave it out. `s3://` data paths need the `httpfs`
extension package and credentials as DuckDB secrets (docs/deploy.md).

Extensions come from the `duckdb-ext-*` wheels pinned in pyproject.toml and are loaded from their files;
automatic installing and loading are switched off, so nothing is ever downloaded at run time.

Concurrency: DuckLake retries a commit that only raced another commit (ducklake_max_retry_count); a
logical conflict (two sessions creating the same table or view, deleting the same rows) fails the
commit, and `CommitConflict` says so. Schema creation, which every writer does first, runs in its own
short transaction and is retried here with backoff. The pipeline's steps are retried by Dagster's retry
policy on lake deployments (pipelines/definitions.py).

PRIMARY KEY and UNIQUE do not exist in DuckLake, so the tables are made from `newsintel.storage.schema.DDL` with those
constraints turned into NOT NULL (`lake_ddl`); the write helpers never relied on them (they delete by
key before inserting), and the quality checks test key uniqueness on every run.
"""
from __future__ import annotations

import contextlib
import logging
import random
import re
import time
from typing import Iterator

import duckdb
import duckdb_ext
import sqlglot
from sqlglot import exp

from newsintel.storage.base import WarehouseError
from newsintel.storage.schema import DDL, columns_of

log = logging.getLogger(__name__)

PREFIX = "ducklake:"
DATA_PATH_MARK = "?data_path="
ALIAS = "lake"
# The extension files are looked up in the wheels' folder; nothing is installed or auto-loaded.
CONFIG = {
    "extension_directory": duckdb_ext.get_extension_dir(),
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
SCHEMA_RETRIES = 8
_SCHEMA_READY: set[str] = set()   # targets whose schema this process has checked (it only ever grows)
_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


class CommitConflict(WarehouseError):
    """Another session committed a change this transaction contradicts; running it again succeeds."""


def is_lake_target(target: str) -> bool:
    return target.startswith(PREFIX)


def split_target(target: str) -> tuple[str, str | None]:
    """`ducklake:<catalog>?data_path=<path>` → (`ducklake:<catalog>`, path or None)."""
    if not is_lake_target(target):
        raise WarehouseError(f"{target!r} is not a ducklake: target")
    catalog, mark, data_path = target.partition(DATA_PATH_MARK)
    if mark and not data_path:
        raise WarehouseError(f"{target!r}: data_path is empty")
    if not catalog[len(PREFIX):].strip():
        raise WarehouseError(f"{target!r}: no catalog after 'ducklake:'")
    return catalog, data_path or None


def extensions_for(catalog: str) -> list[str]:
    """The extensions an ATTACH of this catalog needs, in load order."""
    backend = catalog[len(PREFIX):]
    needed = ["parquet"]   # built into the duckdb wheel: LOAD is a no-op that states the need
    if backend.startswith(("postgres:", "postgresql:")):
        needed.append("postgres_scanner")
    elif backend.startswith("sqlite:"):
        needed.append("sqlite_scanner")
    return needed + ["ducklake"]


def _strip_keys(ddl: str) -> str:
    """One CREATE TABLE without PRIMARY KEY/UNIQUE (a key column stays NOT NULL)."""
    tree = sqlglot.parse_one(ddl, read="duckdb")
    for constraint in list(tree.find_all(exp.ColumnConstraint)):
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
            constraint.set("kind", exp.NotNullColumnConstraint())
        elif isinstance(kind, exp.UniqueColumnConstraint):
            constraint.pop()
    for table_constraint in list(tree.find_all(exp.PrimaryKey)):
        table_constraint.pop()
    return tree.sql(dialect="duckdb")


def lake_ddl(ddl: dict[str, str] | None = None) -> dict[str, str]:
    """`schema.DDL` (or `ddl`) in a form DuckLake accepts: same tables, same columns, no key constraints."""
    return {table: _strip_keys(sql) for table, sql in (ddl or DDL).items()}


def ensure_lake_schema(con: duckdb.DuckDBPyConnection, ddl: dict[str, str] | None = None) -> int:
    """Create missing tables and add missing columns, as `warehouse.ensure_schema` does for the file;
    returns how many statements changed the catalog (0 when it was up to date)."""
    changes = 0
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = 'main'").fetchall()}
    for table, sql in lake_ddl(ddl).items():
        if table not in existing:
            con.execute(sql)
            changes += 1
            continue
        have = set(columns_of(con, table))
        con.execute(sql.replace(f"CREATE TABLE IF NOT EXISTS {table}", "CREATE OR REPLACE TEMP TABLE _expected", 1))
        for name, dtype in con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                       "WHERE table_catalog = 'temp' AND table_name = '_expected' "
                                       "ORDER BY ordinal_position").fetchall():
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {dtype}")
                changes += 1
        con.execute("DROP TABLE _expected")
    return changes


def _is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and "conflict" in str(exc).lower()


def backoff_seconds(attempt: int, base: float = 0.2, cap: float = 5.0) -> float:
    """Exponential backoff with full jitter, so writers that collided do not collide again in step."""
    return random.uniform(0, min(cap, base * 2 ** attempt))


class LakeStore:
    """Storage in a DuckLake (see the module's doc); a `newsintel.storage.base.Store`, like `FileStore`."""

    publishes = False   # readers see committed snapshots directly; there is no copy to publish
    bodies = None       # bodies stay in raw_pages.body: the lake's tables are Parquet files already

    def configure(self, defer_publish: bool = False, log=None) -> None:
        """Nothing to set: a lake has no copy to publish, so there is no publish to defer or report."""

    def flush(self) -> None:
        """Nothing to publish: every committed snapshot is what readers see."""

    def __init__(self, target: str):
        self.target = target
        self.catalog, self.data_path = split_target(target)

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        """What users are shown as 'the database' (the CLI, the briefing's footer, run metadata):
        the catalog, with any password in the connection string blanked out."""
        return _PASSWORD.sub(r"\1***", self.catalog)

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB session with the lake attached as `lake` and made the default catalog."""
        con = duckdb.connect(config=CONFIG)
        try:
            con.execute("SET enable_progress_bar = false")   # a slow catalog query would draw one on stdout
            for name in extensions_for(self.catalog):
                con.execute(f"LOAD {name}")
            options = []
            if self.data_path and not read_only:
                options.append("DATA_PATH " + _quote(self.data_path))
            if read_only:
                options.append("READ_ONLY")
            self._attach(con, f"ATTACH {_quote(self.catalog)} AS {ALIAS}" +
                         (f" ({', '.join(options)})" if options else ""))
            con.execute(f"USE {ALIAS}")
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"cannot open the lake {self.path!r}: {exc}") from exc
        return con

    def _attach(self, con: duckdb.DuckDBPyConnection, statement: str) -> None:
        """ATTACH, retried while another process is creating the same new lake's catalog tables (the
        first sessions of a fresh lake race to create them; the losers find them on the next try)."""
        for attempt in range(SCHEMA_RETRIES):
            try:
                con.execute(statement)
                return
            except duckdb.Error as exc:
                message = str(exc)
                racing = ("initialize DuckLake" in message
                          and ("already exists" in message or "duplicate key" in message))
                if not racing or attempt == SCHEMA_RETRIES - 1:
                    raise
                wait = backoff_seconds(attempt)
                log.warning("lake catalog: another session is creating it (%s); retry %d in %.2f s",
                            message.splitlines()[-1][:120], attempt + 1, wait)
                time.sleep(wait)

    def exists(self) -> bool:
        """True when the lake's catalog holds our tables (a reachable catalog that is still empty is not)."""
        try:
            con = self.connect(read_only=True)
        except WarehouseError:
            return False
        try:
            return _has_tables(con)
        finally:
            con.close()

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        """Schema changes in their own transaction, retried when a concurrent writer made the same ones."""
        for attempt in range(SCHEMA_RETRIES):
            con.execute("BEGIN TRANSACTION")
            try:
                ensure_lake_schema(con)
                con.execute("COMMIT")
                break
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if not _is_conflict(exc) or attempt == SCHEMA_RETRIES - 1:
                    raise
                wait = backoff_seconds(attempt)
                log.warning("lake schema: a concurrent writer changed the catalog first (%s); "
                            "retry %d in %.2f s", str(exc).splitlines()[-1][:120], attempt + 1, wait)
                time.sleep(wait)

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write session: one transaction, committed as one snapshot; other writers are not waited for."""
        con = self.connect()
        try:
            if self.target not in _SCHEMA_READY:
                self._ensure_schema(con)
                # A fresh session for the writes: one that raced other sessions creating the catalog
                # can fail its commits later ("Failed to parse catalog entry", DuckLake 0.3, seen with
                # 4 writers on a new lake); a new session attaches the catalog as it now is.
                con.close()
                con = self.connect()
                _SCHEMA_READY.add(self.target)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
            try:
                con.execute("COMMIT")
            except duckdb.Error as exc:
                if _is_conflict(exc):
                    raise CommitConflict(
                        f"{self.path}: another writer committed a conflicting change first; the session "
                        f"was rolled back and can be run again ({str(exc).splitlines()[-1][:200]})") from exc
                raise
        finally:
            con.close()

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only session pinned to the snapshot current when it opened (one transaction)."""
        try:
            con = self.connect(read_only=True)
        except WarehouseError as exc:
            raise WarehouseError(f"{exc}; run the pipeline first to create the lake") from exc
        try:
            # One transaction: its first read of the catalog (just below) fixes the snapshot that every
            # statement of the session sees, whatever writers commit meanwhile.
            con.execute("BEGIN TRANSACTION")
            if not _has_tables(con):
                raise WarehouseError(f"no newsintel tables in the lake {self.path!r}: run the pipeline first")
            yield con
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            con.close()


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? "
                            "AND table_name = 'articles'", [ALIAS]).fetchone()[0])


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
