"""Ingest: every configured source's records into `raw_pages`, every attempt into `fetch_log`.

A record whose normalized URL is already stored with the same body costs one hash and no write, so
re-running ingest changes nothing; a record that cannot be read is logged and the run goes on.

Given a `Warehouse`, web work is committed in batches, each its own write session (committed and
published): a web source commits every `politeness.commit_every` pages with the fetch_log rows of the
requests behind them, so a crash loses at most one batch and the next run does not download again what
was stored. A files source is one session (re-reading a file after a crash costs nothing but time).
Given a connection (tests, one-off scripts), everything happens in that one transaction.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Callable, ContextManager, Iterable, Iterator

import duckdb

from newsintel.scrape import consumed
from newsintel.scrape.files import list_files, read_files_source
from newsintel.scrape.limits import Limits, cap_words
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import Source, SourcesError
from newsintel.storage import Warehouse, commit_chunk, insert_rows, key_filter, upsert_rows
from newsintel.storage.base import WarehouseError
from newsintel.storage.bodies import BodyStore
from newsintel.storage.publish import PublishRefused
from newsintel.urls import MAX_URL_CHARS, url_id

STORAGE_ERRORS = (duckdb.Error, WarehouseError, PublishRefused)
FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
Sessions = Callable[[], ContextManager[duckdb.DuckDBPyConnection]]
FILES_BATCH = 500          # records of a files source held in memory at once (all in one write session)


@dataclass
class IngestReport:
    counts: Counter = field(default_factory=Counter)     # new | updated | unchanged | failed | truncated
    per_source: dict[str, Counter] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)   # records kept with a change (truncated)
    # Configuration that reads nothing (no sources, a glob matching no file): not an error, since an inbox
    # may be empty for a while, but never silent either: the run's log and the summary show each one.
    warnings: list[str] = field(default_factory=list)

    @property
    def sources_with_only_failures(self) -> list[str]:
        """Sources that yielded failures and not one record: the run must say so loudly."""
        return sorted(sid for sid, c in self.per_source.items()
                      if c["failed"] and not (c["new"] + c["updated"] + c["unchanged"]))


def _read_files(src: Source, con: duckdb.DuckDBPyConnection, now: datetime,
                warn: Callable[[str], None] = lambda _: None) -> Iterator[RawRecord | RecordError]:
    """Only the files that are new or changed (size, mtime) since they were last read; `refetch: true`
    reads them all again. The files are marked read once the reader is exhausted, in the same transaction
    as their records. A path or glob that matches no readable file is reported through `warn`."""
    paths = list_files(src)
    if not paths:
        warn(f"source {src.id}: path {src.path!r} matches no readable file (from {src.base_dir}); "
             f"nothing was read from it")
    fresh, stamps, skipped = consumed.unread(con, src.id, paths, every=bool(src.options.get("refetch")))
    if skipped:
        yield consumed.AlreadyRead(skipped)
    for path, stamp in zip(fresh, stamps, strict=True):
        stamp["records"] = 0
        for rec in read_files_source(src, [path]):
            stamp["records"] += 1
            yield rec
    consumed.mark(con, src.id, stamps, now)


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def ingest_sources(target: duckdb.DuckDBPyConnection | Warehouse, sources: list[Source],
                   now: datetime, bodies: BodyStore | None = None) -> IngestReport:
    """Every source's records into `raw_pages`, a batch at a time (flat memory however many there are).
    Raw bodies go to one Parquet segment per batch (`bodies`, or the warehouse's own) when the store keeps
    them out of its tables, else into `raw_pages.body`."""
    sessions = _sessions(target)
    if bodies is None and isinstance(target, Warehouse):
        bodies = target.bodies
    report = IngestReport()
    if not sources:
        report.warnings.append("no sources to read: the sources file lists none (or only_sources chose none)")
    for src in sources:
        store = _Store(src, now, report, bodies)
        try:
            store.max_words = Limits.from_source(src).max_words
            if src.kind == "files":             # one session: a crash loses nothing a re-read does not redo
                with sessions() as con:
                    records = _read_files(src, con, now, report.warnings.append)
                    while batch := list(islice(records, FILES_BATCH)):
                        store(con, batch)
                        commit_chunk(con)       # DuckDB keeps an open transaction's rows in memory
            else:
                from newsintel.scrape import web  # imported lazily: files-only runs never load the HTTP stack
                web.ingest_web_source(src, sessions, now, store)
        except (SourcesError, *STORAGE_ERRORS):
            # A configuration error stops the run; so does the storage refusing a session (an analyst's
            # read-write session on the published file, a full disk). Neither is the source's failure:
            # recorded as one, it used to leave a permanent, bogus "source failed" row.
            raise
        except Exception as exc:  # a whole source failing (unreadable folder, host down) is logged, not fatal
            if isinstance(exc, OSError) and exc.errno in FULL_DISK:
                raise
            failure = RecordError(src.url or src.path or src.id, src.id, f"source failed: {type(exc).__name__}: {exc}")
            with sessions() as con:
                store(con, [failure], reader_logged=False)
    return report


def _sessions(target: duckdb.DuckDBPyConnection | Warehouse) -> Sessions:
    if isinstance(target, Warehouse):
        return target.writer
    return lambda: contextlib.nullcontext(target)   # a connection (or a session) the caller holds


class _Store:
    """Writes one source's records, batch by batch, and counts them in the report."""

    def __init__(self, src: Source, now: datetime, report: IngestReport, bodies: BodyStore | None = None):
        self.src, self.now, self.report, self.bodies = src, now, report, bodies
        self.counts = report.per_source.setdefault(src.id, Counter())
        self.max_words = Limits().max_words    # the source's own bound is set once its options are read
        self.stored: dict[str, str] = {}       # page_id → body hash, for the pages this run touches
        self.segment: dict[str, str | None] = {}   # page_id → the body segment its stored body is in
        self._gone: dict[str, bool] = {}       # segment → lost (missing), asked once per segment

    def __call__(self, con: duckdb.DuckDBPyConnection, records: Iterable[RawRecord | RecordError],
                 reader_logged: bool | None = None) -> None:
        # web readers write every attempt to fetch_log themselves; files and whole-source failures do not
        logs_here = self.src.kind == "files" if reader_logged is None else not reader_logged
        records = [_url_checked(r) for r in records]
        ids = [url_id(r.url) for r in records if isinstance(r, RawRecord)]
        if ids:
            with key_filter(con, "page_id", ids) as only:
                for pid, sha, segment in con.execute(
                        f"SELECT page_id, body_sha256, body_file FROM raw_pages WHERE {only}").fetchall():
                    self.stored[pid], self.segment[pid] = sha, segment
        pages: dict[str, dict[str, Any]] = {}
        log: list[dict[str, Any]] = []
        batch = Counter()
        for rec in records:
            if isinstance(rec, consumed.AlreadyRead):   # files read before, unchanged: not opened again
                batch["unchanged"] += rec.records
                continue
            if isinstance(rec, RecordError):
                batch["failed"] += 1
                self.report.errors.append((rec.url, rec.reason))
                if logs_here:
                    log.append(dict(url=rec.url, source_id=self.src.id, status="failed", error=rec.reason,
                                    attempt=1, attempted_at=self.now))
                continue
            body, words = cap_words(rec.body, rec.body_format, self.max_words)
            note = None
            if words is not None:
                note = f"truncated to {self.max_words} of {words} words (limits.max_words)"
                batch["truncated"] += 1
                self.report.notes.append((rec.url, note))
            pid, sha = url_id(rec.url), body_sha256(body)
            if self.stored.get(pid) == sha and not self._body_lost(pid):
                batch["unchanged"] += 1
                continue
            if logs_here:
                log.append(dict(url=rec.url, source_id=self.src.id, status="read", http_status=None, error=note,
                                attempt=1, attempted_at=self.now))
            batch["updated" if pid in self.stored else "new"] += 1
            self.stored[pid], self.segment[pid] = sha, None
            pages[pid] = dict(page_id=pid, url=rec.url, source_id=self.src.id, body_format=rec.body_format,
                              body=body, body_sha256=sha,
                              title_hint=rec.title_hint, published_hint=rec.published_hint,
                              http_status=rec.http_status, content_type=rec.content_type,
                              fetched_at=self.now, updated_at=self.now)   # listed twice: the last body wins
        rows = list(pages.values())
        if rows and self.bodies is not None:
            segment = self.bodies.write((p["body_sha256"], p["body"]) for p in rows)
            for p in rows:
                p["body"], p["body_file"] = None, segment
        else:
            for p in rows:
                p["body"] = zlib.compress(p["body"].encode("utf-8"), 6)
        upsert_rows(con, "raw_pages", "page_id", rows)
        insert_rows(con, "fetch_log", log)
        self.counts.update(batch)
        self.report.counts.update(batch)

    def _body_lost(self, pid: str) -> bool:
        """Whether the stored body of page `pid` is in a segment that is gone or cut short: then an unchanged
        body is written again (to a new segment), so `refetch: true` restores what a lost segment took."""
        segment = self.segment.get(pid)
        if segment is None or self.bodies is None:
            return False
        if segment not in self._gone:
            self._gone[segment] = bool(self.bodies.missing([segment], read_footer=True))
        return self._gone[segment]



def _url_checked(rec):
    """A record whose URL is too long to be a key becomes its failure (readers refuse them first; this is
    the last door)."""
    if isinstance(rec, RawRecord) and len(rec.url) > MAX_URL_CHARS:
        return RecordError(rec.url[:200] + "…", rec.source_id,
                           f"URL of {len(rec.url)} characters, over the {MAX_URL_CHARS} allowed")
    return rec
