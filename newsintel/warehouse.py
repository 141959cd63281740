"""The one door to storage: every read and write of the DuckDB database goes through here.

Why a work file and a published file: DuckDB lets one process write a file, and a reader that holds the
file open blocks that writer. So the pipeline writes to a private work file beside the database and
*publishes* it by copying it next to the database and renaming the copy over the database path. A rename
is atomic, so an analyst who opens `NEWSINTEL_DB` read-only always sees the last complete state; one who
holds it open through a run keeps reading the old snapshot (its inode) and never blocks the pipeline.
Writers serialize on an OS file lock instead of failing on DuckDB's lock.

What keeps publishing cheap (issue 10): a Dagster run publishes once, at its end, and only if a write
session changed the work file; raw page bodies, most of the bytes, live outside the file in immutable
Parquet segments (`newsintel.bodies`) that are never copied. What keeps it safe against analysts who open
the published file read-write, and against crashes, is in `newsintel.publish`.

The write helpers below (`insert_rows`, `upsert_rows`, `merge_rows`, `replace_table`) move rows in bulk
through Arrow and need no PRIMARY KEY, ON CONFLICT or index, so they work on any DuckDB connection,
DuckLake catalogs included.
"""
from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import duckdb
import pyarrow as pa

from newsintel import compact, publish
from newsintel.bodies import BodyStore

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = REPO_ROOT / "data" / "newsintel.duckdb"
_log = logging.getLogger("newsintel.warehouse")

def _history_ddl(table: str, key: str) -> str:
    """The steps an event's status went through (proposed → enacted → ..., rumored → talks → ...)."""
    return f"""
        CREATE TABLE IF NOT EXISTS {table} (
            {key} TEXT NOT NULL,
            step INTEGER NOT NULL,
            status TEXT NOT NULL,
            event_date DATE,
            first_reported TIMESTAMP,
            report_count INTEGER NOT NULL,
            evidence TEXT,
            date_precision TEXT                -- day | month | year: how much of event_date is known
        )"""


# Tables in dependency order; the contract's columns first, then our own additions.
DDL: dict[str, str] = {
    "raw_pages": """
        CREATE TABLE IF NOT EXISTS raw_pages (
            page_id TEXT PRIMARY KEY,          -- hash of the normalized URL
            url TEXT NOT NULL,
            source_id TEXT NOT NULL,
            body_format TEXT NOT NULL,         -- html | text
            body BLOB,                         -- zlib-compressed body, as fetched or read; NULL when in body_file
            body_sha256 TEXT NOT NULL,         -- content address of the uncompressed body
            title_hint TEXT,                   -- title given outside the body (txt first line, jsonl field)
            published_hint TEXT,               -- date given outside the body, as written
            http_status INTEGER,
            content_type TEXT,
            fetched_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            body_file TEXT                     -- the Parquet segment holding the body (newsintel.bodies)
        )""",
    "fetch_log": """
        CREATE TABLE IF NOT EXISTS fetch_log (
            url TEXT NOT NULL,
            source_id TEXT NOT NULL,
            status TEXT NOT NULL,              -- fetched | unchanged | skipped | failed | read
            http_status INTEGER,
            error TEXT,
            attempt INTEGER NOT NULL,          -- web: nth request for this URL since its last success; 0 = none sent
            attempted_at TIMESTAMP NOT NULL,
            role TEXT,                         -- web: page | feed | index (a site's front/section page)
            final_url TEXT,                    -- web: after redirects
            content_type TEXT,
            bytes BIGINT,
            elapsed_ms INTEGER
        )""",
    "source_files": """
        CREATE TABLE IF NOT EXISTS source_files (
            source_id TEXT NOT NULL,           -- files sources: a file read before is read again only if
            path TEXT NOT NULL,                -- its size or mtime changed (newsintel.scrape.consumed)
            size BIGINT NOT NULL,
            mtime_ns BIGINT NOT NULL,
            records INTEGER,                   -- what reading it gave (counted as unchanged when skipped)
            read_at TIMESTAMP NOT NULL
        )""",
    "fetch_state": """
        CREATE TABLE IF NOT EXISTS fetch_state (
            url_id TEXT PRIMARY KEY,           -- url_id(url): the same key as raw_pages.page_id
            url TEXT NOT NULL,                 -- normalized
            source_id TEXT NOT NULL,           -- the source that last listed it
            role TEXT NOT NULL,                -- page | feed | index
            status TEXT NOT NULL,              -- pending | fetched | unchanged | failed | skipped | gave_up
            attempts INTEGER NOT NULL,         -- requests since the last success
            failed_runs INTEGER NOT NULL,      -- runs in a row that ended in failure (give_up_after bounds it)
            next_attempt_at TIMESTAMP,         -- not tried before this (backoff, Retry-After, robots recheck)
            last_error TEXT,                   -- why it failed, was skipped, or was given up
            http_status INTEGER,
            etag TEXT,                         -- validators for conditional GET
            last_modified TEXT,
            title_hint TEXT,                   -- what the feed said, kept for a retry on a later run
            published_hint TEXT,
            first_seen TIMESTAMP NOT NULL,
            last_attempt_at TIMESTAMP,
            last_success_at TIMESTAMP
        )""",
    "robots_txt": """
        CREATE TABLE IF NOT EXISTS robots_txt (
            origin TEXT PRIMARY KEY,           -- scheme://host[:port]
            http_status INTEGER,               -- 2xx: body applies; 4xx: no rules (RFC 9309)
            body TEXT,
            fetched_at TIMESTAMP NOT NULL      -- trusted for politeness.robots_ttl_hours (24 h)
        )""",
    "articles": """
        CREATE TABLE IF NOT EXISTS articles (
            article_id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL,
            source_id TEXT NOT NULL,
            domain TEXT,
            title TEXT,
            authors TEXT[],
            published_at TIMESTAMP,
            fetched_at TIMESTAMP NOT NULL,
            language TEXT,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            page_id TEXT NOT NULL,
            simhash UBIGINT                    -- 64-bit SimHash of the text: near-identical copies are close
        )""",
    "article_urls": """
        CREATE TABLE IF NOT EXISTS article_urls (
            url TEXT PRIMARY KEY,              -- every URL a story appeared under (syndicated copies too)
            article_id TEXT NOT NULL,
            source_id TEXT NOT NULL,
            page_id TEXT NOT NULL,
            body_sha256 TEXT NOT NULL,         -- which raw body was cleaned: a changed page is cleaned again
            is_primary BOOLEAN NOT NULL,
            first_seen TIMESTAMP NOT NULL
        )""",
    "article_bands": """
        CREATE TABLE IF NOT EXISTS article_bands (
            article_id TEXT NOT NULL,          -- near-copy candidates are an equality join on (band, bucket)
            band UTINYINT NOT NULL,            -- MinHash LSH band (newsintel.clean.lsh)
            bucket BIGINT NOT NULL
        )""",
    "clean_failures": """
        CREATE TABLE IF NOT EXISTS clean_failures (
            page_id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            reason TEXT NOT NULL,
            body_sha256 TEXT NOT NULL,
            failed_at TIMESTAMP NOT NULL
        )""",
    "extractions": """
        CREATE TABLE IF NOT EXISTS extractions (
            article_id TEXT PRIMARY KEY,
            extractor_version TEXT NOT NULL,
            extracted_at TIMESTAMP NOT NULL,
            content_hash TEXT,                 -- the text extracted: a changed article is extracted again
            error TEXT
        )""",
    "mentions": """
        CREATE TABLE IF NOT EXISTS mentions (
            article_id TEXT NOT NULL,
            entity_kind TEXT NOT NULL,         -- company | market
            entity_id TEXT NOT NULL,
            surface TEXT NOT NULL,
            count INTEGER NOT NULL,
            entity_name TEXT,                  -- canonical name as extracted (discovered companies)
            entity_type TEXT,                  -- company kind as extracted
            origin TEXT,                       -- registry | discovered
            extractor_version TEXT NOT NULL
        )""",
    "market_metrics": """
        CREATE TABLE IF NOT EXISTS market_metrics (
            article_id TEXT NOT NULL,
            company_id TEXT NOT NULL,
            market_id TEXT,
            metric TEXT NOT NULL,
            value DOUBLE NOT NULL,
            qualifier TEXT,
            as_of DATE,
            evidence TEXT NOT NULL,
            extractor_version TEXT NOT NULL
        )""",
    "ban_reports": """
        CREATE TABLE IF NOT EXISTS ban_reports (
            report_id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL,
            market_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            authority TEXT,
            measure TEXT NOT NULL,
            status TEXT NOT NULL,
            event_date DATE,
            date_precision TEXT,
            scope_count INTEGER,
            evidence TEXT NOT NULL,
            confidence DOUBLE NOT NULL,
            extractor_version TEXT NOT NULL
        )""",
    "deal_reports": """
        CREATE TABLE IF NOT EXISTS deal_reports (
            report_id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL,
            acquirer_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            asset TEXT,
            deal_type TEXT NOT NULL,
            status TEXT NOT NULL,
            value_usd DOUBLE,
            amount DOUBLE,                     -- the stated amount, in its own currency
            currency TEXT,
            market_id TEXT,
            event_date DATE,
            date_precision TEXT,
            attributed_to TEXT,
            evidence TEXT NOT NULL,
            confidence DOUBLE NOT NULL,
            extractor_version TEXT NOT NULL
        )""",
    "companies": """
        CREATE TABLE IF NOT EXISTS companies (
            company_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            aliases TEXT[],
            parent_id TEXT,
            country TEXT,
            kind TEXT NOT NULL,
            first_seen TIMESTAMP,
            last_seen TIMESTAMP,
            article_count INTEGER NOT NULL,
            origin TEXT NOT NULL
        )""",
    "markets": """
        CREATE TABLE IF NOT EXISTS markets (
            market_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            region TEXT,
            article_count INTEGER NOT NULL
        )""",
    "bans": """
        CREATE TABLE IF NOT EXISTS bans (
            ban_id TEXT PRIMARY KEY,
            market_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            measure TEXT NOT NULL,
            status TEXT NOT NULL,
            first_reported TIMESTAMP,
            last_reported TIMESTAMP,
            event_date DATE,
            report_count INTEGER NOT NULL,
            article_count INTEGER NOT NULL,
            authority TEXT,
            scope_count INTEGER,
            date_precision TEXT                -- day | month | year: how much of event_date is known
        )""",
    "ban_history": _history_ddl("ban_history", "ban_id"),
    "deal_talks": """
        CREATE TABLE IF NOT EXISTS deal_talks (
            deal_id TEXT PRIMARY KEY,
            acquirer_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            deal_type TEXT NOT NULL,
            status TEXT NOT NULL,
            value_usd DOUBLE,
            market_id TEXT,
            first_reported TIMESTAMP,
            last_reported TIMESTAMP,
            report_count INTEGER NOT NULL,
            article_count INTEGER NOT NULL,
            asset TEXT
        )""",
    "deal_history": _history_ddl("deal_history", "deal_id"),
    "resolve_queue": """
        CREATE TABLE IF NOT EXISTS resolve_queue (
            kind TEXT NOT NULL,                -- ban | deal | company | market: what to recompute
            k1 TEXT NOT NULL,                  -- ban: market, target, measure; deal: the two parties, sorted
            k2 TEXT NOT NULL,
            k3 TEXT NOT NULL
        )""",
    "model_views": """
        CREATE TABLE IF NOT EXISTS model_views (
            view_name TEXT NOT NULL,           -- sql/<view_name>.sql, as last created
            digest TEXT NOT NULL               -- of its SQL: an unchanged view is not created again
        )""",
    "migrations": """
        CREATE TABLE IF NOT EXISTS migrations (
            name TEXT NOT NULL,                -- a one-off upgrade of stored data (e.g. article_bands), done
            done_at TIMESTAMP NOT NULL
        )""",
    "resolve_state": """
        CREATE TABLE IF NOT EXISTS resolve_state (
            fingerprint TEXT NOT NULL,         -- rules and registry the derived tables were computed with
            resolved_at TIMESTAMP NOT NULL
        )""",
}

CONTRACT_TABLES = (
    "articles", "companies", "markets", "mentions", "market_metrics",
    "ban_reports", "deal_reports", "bans", "deal_talks",
)


def primary_keys() -> dict[str, str]:
    """Each table's `PRIMARY KEY` column as the DDL declares it: the key the quality checks test, read
    from the one place that states it."""
    keys = {}
    for table, ddl in DDL.items():
        match = re.search(r"^\s*(\w+)\s+\w+\s+PRIMARY KEY\b", ddl, re.MULTILINE)
        if match:
            keys[table] = match.group(1)
    return keys


class WarehouseError(RuntimeError):
    """Raised with a message a user can act on (bad path, unsupported target)."""


@dataclass(frozen=True)
class WriteStats:
    """What one upsert did, for the run's metadata."""
    table: str
    inserted: int
    updated: int
    deleted: int = 0
    preview: tuple[list[str], list[tuple]] | None = None   # (columns, up to 10 new or changed rows)


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


def open_store(target: str):
    """The storage behind a target string. Every kind of store offers `writer()` (one transaction, the
    tables in the connection's default schema) and `reader()` (a read-only view of the last committed
    state that never blocks a writer)."""
    if target.startswith("ducklake:"):
        from newsintel.lake import LakeStore  # loads the DuckLake extensions only when a lake is used
        return LakeStore(target)
    if target.startswith(("md:", "motherduck:")):
        raise WarehouseError(
            f"{target!r}: MotherDuck needs DuckDB extensions that are downloaded at run time, which this "
            "deployment does not allow; use a local .duckdb path or a ducklake: target (newsintel/lake.py)")
    return FileStore(target)


class Warehouse:
    """The one door: a storage target (today a DuckDB file, see `FileStore`) and the session kinds."""

    def __init__(self, path: str | os.PathLike[str] | None = None, defer_publish: bool = False,
                 log: Callable[[str], None] | None = None):
        self.target = str(path) if path else str(DEFAULT_DB_PATH)
        self.store = open_store(self.target)
        if hasattr(self.store, "configure"):      # stores that publish: once per run, messages to the run's log
            self.store.configure(defer_publish=defer_publish, log=log)

    def flush(self) -> None:
        """Publish what the write sessions of a deferred run committed (a no-op for stores that do not
        publish, or when nothing changed)."""
        if hasattr(self.store, "flush"):
            self.store.flush()

    @property
    def path(self):
        """Where analysts find the data (a file path for the file store): shown to users."""
        return getattr(self.store, "path", self.target)

    @property
    def work_path(self) -> Path:
        return self.store.work_path

    @property
    def bodies(self) -> BodyStore | None:
        """Where raw page bodies go when the store keeps them out of its tables (None: in `raw_pages.body`)."""
        return getattr(self.store, "bodies", None)

    def page_bodies(self) -> list[tuple[str, str]]:
        """(url, body) of every stored raw page, wherever its body is kept."""
        from newsintel.scrape.ingest import load_body
        with self.reader() as con:
            rows = con.execute("SELECT url, body, body_sha256, body_file FROM raw_pages ORDER BY url").fetchall()
        texts = self.bodies.load([(r[2], r[3]) for r in rows if r[1] is None]) if self.bodies else {}
        return [(url, load_body(body) if body is not None else texts[sha]) for url, body, sha, _ in rows]

    def __repr__(self) -> str:
        return f"Warehouse({str(self.store)!r})"

    def writer(self):
        """A write session: serialized, one transaction, visible to readers only once it commits."""
        return self.store.writer()

    def reader(self):
        """A read-only session on the last committed state; never blocks or is blocked by a run."""
        return self.store.reader()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with self.reader() as con:
            return con.execute(sql, params or []).fetchall()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, and add columns a newer version declares to tables an older one made."""
    for table, ddl in DDL.items():
        con.execute(ddl)
        have = set(columns_of(con, table))
        con.execute(ddl.replace(f"CREATE TABLE IF NOT EXISTS {table}", "CREATE OR REPLACE TEMP TABLE _expected", 1))
        for name, dtype in con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                       "WHERE table_name = '_expected' ORDER BY ordinal_position").fetchall():
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {dtype}")
        con.execute("DROP TABLE _expected")
    # bodies moved out of the file (newsintel.bodies): an older database's body column must admit NULL
    if con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'raw_pages' "
                   "AND column_name = 'body' AND is_nullable = 'NO'").fetchone()[0]:
        con.execute("ALTER TABLE raw_pages ALTER COLUMN body DROP NOT NULL")


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns, as the connection's default catalog resolves the name (any DuckDB catalog)."""
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def _arrow_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    return con.execute(f"SELECT * FROM {table} LIMIT 0").fetch_arrow_table().schema


_frame_ids = itertools.count()


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, frame: Any) -> Iterator[str]:
    """A pandas DataFrame or Arrow table visible to SQL under a fresh name for the block's duration:
    the way rows move in bulk between Python and DuckDB (a scan of the frame, not a statement per row)."""
    name = f"_frame_{os.getpid()}_{next(_frame_ids)}"
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


def rows_frame(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Dict rows as an Arrow table typed like `table` (columns missing from a row are NULL)."""
    schema = _arrow_schema(con, table)
    unknown = set().union(*(r.keys() for r in rows)) - set(schema.names) if rows else set()
    if unknown:
        raise WarehouseError(f"{table}: unknown columns {sorted(unknown)}")
    try:
        return pa.Table.from_pylist(list(rows), schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise WarehouseError(f"{table}: a row does not fit the table's types: {exc}") from exc


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: Any) -> int:
    """Append a DataFrame/Arrow table whose columns are a subset of the table's, in one statement."""
    cols = list(frame.column_names if isinstance(frame, pa.Table) else frame.columns)
    if not len(frame):
        return 0
    with registered(con, frame) as name:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {name}")
    return len(frame)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """Insert dict rows in bulk (through Arrow); columns missing from a row are NULL. Returns the count."""
    rows = list(rows)
    if not rows:
        return 0
    return insert_frame(con, table, rows_frame(con, table, rows))


IN_LIST_MAX = 10_000   # keys spelled out as literals at most; beyond, a join with a registered frame


def key_in(column: str, values: Iterable[Any]) -> str | None:
    """`column IN ('k1', 'k2', …)` for a lookup by key, or None when there are no values, too many, or
    values that are not plain strings or integers (`key_filter` handles those cases).

    Why literals and not a join with a registered frame: DuckDB pushes a constant IN list into the table
    scan, reads the key column first and fetches the other columns only for the rows that match, while a
    join (or `= ANY(?)`) reads every column of every row. Fetching 2,000 article texts by id from a
    10,000-article table: 0.04 s and 18 MB of buffers with literals, 0.26 s and 62 MB with a join; the
    gap grows with the table, so a lookup costs what it finds, not what is stored."""
    values = list(dict.fromkeys(values))
    listed = literal_list(values) if values else None
    return f"{column} IN {listed}" if listed else None


def literal_list(values: Sequence[Any]) -> str | None:
    """`('k1', 'k2', …)`, the values as SQL literals; None when they are too many or not plain strings or
    integers. An empty list is `(NULL)`, which matches nothing."""
    if len(values) > IN_LIST_MAX:
        return None
    if not values:
        return "(NULL)"
    if all(isinstance(v, str) for v in values):
        return f"({', '.join(_quote(v) for v in values)})"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return f"({', '.join(str(v) for v in values)})"
    return None


@contextlib.contextmanager
def key_filter(con: duckdb.DuckDBPyConnection, column: str, values: Iterable[Any],
               arrow_type: pa.DataType = pa.string()) -> Iterator[str]:
    """A predicate "`column` is one of `values`" for the block's duration: the literal list of `key_in`
    when it can be one, else a semi-join with the values as a registered frame; FALSE for no values."""
    values = list(values)
    if not values:
        yield "FALSE"
        return
    only = key_in(column, values)
    if only is not None:
        yield only
        return
    with registered(con, pa.table({"v": pa.array(values, arrow_type)})) as name:
        yield f"{column} IN (SELECT v FROM {name})"


def _quote(value: str) -> str:
    if "\x00" in value:
        raise WarehouseError(f"a key holds a NUL character: {value!r}")
    return "'" + value.replace("'", "''") + "'"


def _key_list(key: str | Sequence[str]) -> list[str]:
    return [key] if isinstance(key, str) else list(key)


def _match(keys: list[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in keys)


def upsert_rows(con: duckdb.DuckDBPyConnection, table: str, key: str | Sequence[str],
                rows: Iterable[dict[str, Any]] | pa.Table) -> WriteStats:
    """Replace rows by key (DELETE of the frame's keys, then INSERT of the frame: no PRIMARY KEY or
    ON CONFLICT needed, so it works on DuckLake too); reports how many were new and how many existed."""
    frame = rows if isinstance(rows, pa.Table) else None
    if frame is None:
        rows = list(rows)
        if not rows:
            return WriteStats(table, 0, 0)
        frame = rows_frame(con, table, rows)
    if not len(frame):
        return WriteStats(table, 0, 0)
    keys = _key_list(key)
    # a key listed twice in one call keeps its last row, as a row-by-row upsert would
    frame = _last_per_key(frame, keys)
    cols = frame.column_names
    # every key column's values as literals: each is pushed into the scan (a source id alone narrows nothing)
    pushed = [key_in(f"t.{k}", frame.column(k).to_pylist()) for k in keys]
    narrow = "".join(f"{p} AND " for p in pushed if p)
    with registered(con, frame) as name:
        existing = con.execute(f"SELECT count(*) FROM {table} t WHERE {narrow}EXISTS "
                               f"(SELECT 1 FROM {name} f WHERE {_match(keys, 't', 'f')})").fetchone()[0]
        if existing:
            con.execute(f"DELETE FROM {table} t WHERE {narrow}EXISTS "
                        f"(SELECT 1 FROM {name} f WHERE {_match(keys, 't', 'f')})")
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {name}")
    return WriteStats(table, inserted=len(frame) - existing, updated=existing)


def _last_per_key(frame: pa.Table, keys: list[str]) -> pa.Table:
    if len(frame) < 2:
        return frame
    df = frame.select(keys).to_pandas()
    keep = ~df.duplicated(subset=keys, keep="last").to_numpy()
    return frame if keep.all() else frame.filter(pa.array(keep))


def merge_rows(con: duckdb.DuckDBPyConnection, table: str, key: str | Sequence[str],
               rows: Iterable[dict[str, Any]] | pa.Table, scope: tuple[str, Sequence[Any]] | None = None,
               ) -> WriteStats:
    """Make the rows of `table` in `scope` exactly `rows`, and count what changed by key.

    `scope` is (column, values): the rows whose column is one of values are the ones recomputed (the
    events a run touched); None means the whole table. Rows outside the scope are not read or written,
    so the cost follows the size of the scope, not of the table. Unchanged rows count as neither new nor
    updated; rows of the scope that are not in `rows` count as removed."""
    frame = rows if isinstance(rows, pa.Table) else rows_frame(con, table, list(rows))
    keys = _key_list(key)
    cols = columns_of(con, table)
    others = [c for c in cols if c not in keys]
    with contextlib.ExitStack() as stack:
        new = stack.enter_context(registered(con, frame))
        if scope is None:
            where = "TRUE"
        else:
            column, values = scope
            where = stack.enter_context(key_filter(con, column, values, _arrow_schema(con, table).field(column).type))
        old = f"_old_{next(_frame_ids)}"
        con.execute(f"CREATE TEMP TABLE {old} AS SELECT * FROM {table} WHERE {where}")
        try:
            inserted, updated, deleted = con.execute(f"""
                SELECT (SELECT count(*) FROM {new} n WHERE NOT EXISTS (SELECT 1 FROM {old} o WHERE {_match(keys, 'o', 'n')})),
                       (SELECT count(*) FROM {new} n JOIN {old} o ON {_match(keys, 'o', 'n')}
                        WHERE {' OR '.join(f'o.{c} IS DISTINCT FROM n.{c}' for c in others) or 'FALSE'}),
                       (SELECT count(*) FROM {old} o WHERE NOT EXISTS (SELECT 1 FROM {new} n WHERE {_match(keys, 'o', 'n')}))
            """).fetchone()
            cur = con.execute(f"""
                SELECT n.* FROM {new} n LEFT JOIN {old} o ON {_match(keys, 'o', 'n')}
                WHERE o.{keys[0]} IS NULL OR {' OR '.join(f'o.{c} IS DISTINCT FROM n.{c}' for c in others) or 'FALSE'}
                LIMIT 10""")
            changed = ([d[0] for d in cur.description], cur.fetchall())
            if inserted or updated or deleted:
                con.execute(f"DELETE FROM {table} WHERE {where}")
                if len(frame):
                    fcols = frame.column_names
                    con.execute(f"INSERT INTO {table} ({', '.join(fcols)}) SELECT {', '.join(fcols)} FROM {new}")
        finally:
            con.execute(f"DROP TABLE {old}")
    return WriteStats(table, inserted, updated, deleted=deleted, preview=changed)


def replace_table(con: duckdb.DuckDBPyConnection, table: str, key: str | Sequence[str],
                  rows: Iterable[dict[str, Any]]) -> WriteStats:
    """Rebuild a derived table from scratch, counting new, changed and vanished rows by key."""
    return merge_rows(con, table, key, rows)


class RenewingSession:
    """A write session's connection that can be reopened between chunks (`commit_chunk`).

    Why: an open DuckDB database keeps native memory (allocator caches behind its checkpoints) that
    grows with every row written through it and is only given back when the database is closed; the
    buffer manager neither counts nor bounds it, so `memory_limit` and CHECKPOINT do not help. Measured
    with one connection appending chunks of 2,000 rows of 4 KB text: resident memory went from 89 MB to
    560 MB over 24 chunks, and stayed at 190 MB when the file was reopened after each chunk (a few ms
    each); in the clean stage on 10,000 articles, 20-40 MB per chunk of 2,000. Everything else is the
    connection's own: every attribute is looked up on the current connection, so a session is used exactly
    like one."""

    def __init__(self, con: duckdb.DuckDBPyConnection, reopen: Callable[[], duckdb.DuckDBPyConnection]):
        self._con, self._reopen = con, reopen

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def renew(self) -> None:
        """Close and reopen the file; only between transactions (what is committed is on disk)."""
        self._con.close()
        self._con = self._reopen()


def commit_chunk(con: duckdb.DuckDBPyConnection) -> None:
    """Commit the chunk just written and go on in a new transaction of the same session.

    Why a stage commits per chunk: DuckDB holds a transaction's appended rows in memory until it commits,
    so one transaction per stage makes memory grow with the batch. Committed chunks are still invisible to
    analysts (they read the published file, which changes only when the session or run ends), each chunk
    is complete on its own (articles with their URLs and bands; facts with their extraction rows), and a
    crash keeps the finished chunks: the next run goes on from there. Without an open transaction
    (autocommit) there is nothing to do."""
    try:
        con.execute("COMMIT")
    except duckdb.TransactionException:
        return
    if isinstance(con, RenewingSession):
        con.renew()          # flat memory per chunk, however large the batch (see RenewingSession)
    con.execute("BEGIN TRANSACTION")


def row_counts(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def preview(con: duckdb.DuckDBPyConnection, sql: str, limit: int = 10) -> tuple[list[str], list[tuple]]:
    cur = con.execute(f"SELECT * FROM ({sql}) LIMIT {int(limit)}")
    return [d[0] for d in cur.description], cur.fetchall()
