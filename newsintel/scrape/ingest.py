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

from newsintel.scrape.files import read_files_source
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import Source
from newsintel.urls import url_id
from newsintel.warehouse import insert_rows, upsert_rows

Reader = Callable[[Source, duckdb.DuckDBPyConnection, datetime], Iterable[RawRecord | RecordError]]


@dataclass
class IngestReport:
    counts: Counter = field(default_factory=Counter)     # new | updated | unchanged | failed
    per_source: dict[str, Counter] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _read_files(src: Source, con: duckdb.DuckDBPyConnection, now: datetime) -> Iterator[RawRecord | RecordError]:
    return read_files_source(src)


def _web_reader(src: Source, con: duckdb.DuckDBPyConnection, now: datetime) -> Iterable[RawRecord | RecordError]:
    from newsintel.scrape import web  # imported lazily: files-only runs never load the HTTP stack
    return web.read_web_source(src, con, now)


READERS: dict[str, Reader] = {"files": _read_files, "feed": _web_reader, "site": _web_reader, "urls": _web_reader}


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def ingest_sources(con: duckdb.DuckDBPyConnection, sources: list[Source], now: datetime) -> IngestReport:
    report = IngestReport()
    stored: dict[str, str] = {}   # page_id → body hash, for the pages this run touches (not the whole archive)
    for src in sources:
        counts = report.per_source.setdefault(src.id, Counter())
        reader_logs = src.kind != "files"  # web readers write every attempt to fetch_log themselves
        try:
            records = list(READERS[src.kind](src, con, now))
        except Exception as exc:  # a whole source failing (bad glob, unreachable host) is logged, not fatal
            reader_logs = False
            records = [RecordError(src.url or src.path or src.id, src.id, f"source failed: {type(exc).__name__}: {exc}")]
        pages, log = [], []
        ids = [url_id(r.url) for r in records if isinstance(r, RawRecord)]
        if ids:
            stored.update(con.execute("SELECT page_id, body_sha256 FROM raw_pages WHERE page_id IN "
                                      "(SELECT unnest(CAST(? AS TEXT[])))", [ids]).fetchall())
        for rec in records:
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
            pages.append(dict(page_id=pid, url=rec.url, source_id=src.id, body_format=rec.body_format,
                              body=zlib.compress(rec.body.encode("utf-8"), 6), body_sha256=sha,
                              title_hint=rec.title_hint, published_hint=rec.published_hint,
                              http_status=rec.http_status, content_type=rec.content_type,
                              fetched_at=now, updated_at=now))
            if src.kind == "files":
                log.append(dict(url=rec.url, source_id=src.id, status="read", http_status=None,
                                attempt=1, attempted_at=now))
        # a page listed twice in one run keeps its last body
        upsert_rows(con, "raw_pages", "page_id", list({p["page_id"]: p for p in pages}.values()))
        insert_rows(con, "fetch_log", log)
        report.counts.update(counts)
    return report


def load_body(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")
