"""Ingest: every configured source's records into `raw_pages`, every attempt into `fetch_log`.

A record whose normalized URL is already stored with the same body costs one hash and no write, so
re-running ingest changes nothing; a record that cannot be read is logged and the run goes on.
"""
from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Iterator

import duckdb

from newsintel.bodies import BodyStore
from newsintel.parallel import CHUNK
from newsintel.scrape import consumed
from newsintel.scrape.files import list_files, read_files_source
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import Source
from newsintel.urls import url_id
from newsintel.warehouse import commit_chunk, insert_rows, upsert_rows

Reader = Callable[[Source, duckdb.DuckDBPyConnection, datetime], Iterable[RawRecord | RecordError]]


@dataclass
class IngestReport:
    counts: Counter = field(default_factory=Counter)     # new | updated | unchanged | failed
    per_source: dict[str, Counter] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _read_files(src: Source, con: duckdb.DuckDBPyConnection, now: datetime) -> Iterator[RawRecord | RecordError]:
    """Only the files that are new or changed (size, mtime) since they were last read; `refetch: true`
    reads them all again. The files are marked read once the reader is exhausted, in the same transaction
    as their records."""
    paths = list_files(src)
    fresh, stamps, skipped = consumed.unread(con, src.id, paths, every=bool(src.options.get("refetch")))
    if skipped:
        yield consumed.AlreadyRead(skipped)
    for path, stamp in zip(fresh, stamps):
        stamp["records"] = 0
        for rec in read_files_source(src, [path]):
            stamp["records"] += 1
            yield rec
    consumed.mark(con, src.id, stamps, now)


def _web_reader(src: Source, con: duckdb.DuckDBPyConnection, now: datetime) -> Iterable[RawRecord | RecordError]:
    from newsintel.scrape import web  # imported lazily: files-only runs never load the HTTP stack
    return web.read_web_source(src, con, now)


READERS: dict[str, Reader] = {"files": _read_files, "feed": _web_reader, "site": _web_reader, "urls": _web_reader}


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def ingest_sources(con: duckdb.DuckDBPyConnection, sources: list[Source], now: datetime,
                   bodies: BodyStore | None = None) -> IngestReport:
    """Every source's records into `raw_pages`, CHUNK records at a time (flat memory however many there
    are). With `bodies`, raw bodies go to one Parquet segment per chunk instead of `raw_pages.body`."""
    report = IngestReport()
    stored: dict[str, str] = {}   # page_id → body hash, for the pages this run touches (not the whole archive)
    for src in sources:
        counts = report.per_source.setdefault(src.id, Counter())
        reader_logs = src.kind != "files"  # web readers write every attempt to fetch_log themselves
        records = None
        while True:
            chunk: list[RawRecord | RecordError] = []
            try:
                records = iter(READERS[src.kind](src, con, now)) if records is None else records
                for rec in records:
                    chunk.append(rec)
                    if len(chunk) >= CHUNK:
                        break
                else:
                    records = iter(())
            except Exception as exc:  # a whole source failing (bad glob, unreachable host) is logged, not fatal
                reader_logs = False
                records = iter(())
                chunk.append(RecordError(src.url or src.path or src.id, src.id,
                                         f"source failed: {type(exc).__name__}: {exc}"))
            if not chunk:
                break
            _write_chunk(con, src, chunk, now, stored, counts, report, reader_logs, bodies)
            if len(chunk) >= CHUNK:
                commit_chunk(con)
        report.counts.update(counts)
    return report


def _write_chunk(con, src: Source, records: list, now: datetime, stored: dict[str, str], counts: Counter,
                 report: IngestReport, reader_logs: bool, bodies: BodyStore | None) -> None:
    pages, log = {}, []
    ids = [url_id(r.url) for r in records if isinstance(r, RawRecord)]
    if ids:
        stored.update(con.execute("SELECT page_id, body_sha256 FROM raw_pages WHERE page_id IN "
                                  "(SELECT unnest(CAST(? AS TEXT[])))", [ids]).fetchall())
    for rec in records:
        if isinstance(rec, consumed.AlreadyRead):
            counts["unchanged"] += rec.records
            continue
        if isinstance(rec, RecordError):
            counts["failed"] += 1
            report.errors.append((rec.url, rec.reason))
            if not reader_logs:
                log.append(dict(url=rec.url, source_id=src.id, status="failed", error=rec.reason,
                                attempt=1, attempted_at=now))
            continue
        pid, sha = url_id(rec.url), body_sha256(rec.body)
        if stored.get(pid) == sha:
            counts["unchanged"] += 1
            continue
        counts["updated" if pid in stored else "new"] += 1
        stored[pid] = sha
        # a page listed twice in one run keeps its last body
        pages[pid] = dict(page_id=pid, url=rec.url, source_id=src.id, body_format=rec.body_format,
                          body=rec.body, body_sha256=sha, title_hint=rec.title_hint,
                          published_hint=rec.published_hint, http_status=rec.http_status,
                          content_type=rec.content_type, fetched_at=now, updated_at=now)
        if src.kind == "files":
            log.append(dict(url=rec.url, source_id=src.id, status="read", http_status=None,
                            attempt=1, attempted_at=now))
    rows = list(pages.values())
    if rows and bodies is not None:
        segment = bodies.write((p["body_sha256"], p["body"]) for p in rows)
        for p in rows:
            p["body"], p["body_file"] = None, segment
    else:
        for p in rows:
            p["body"] = zlib.compress(p["body"].encode("utf-8"), 6)
    upsert_rows(con, "raw_pages", "page_id", rows)
    insert_rows(con, "fetch_log", log)


def load_body(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")
