"""The extraction stage over the warehouse: only articles that are new, changed or extracted by an
older extractor version are (re-)extracted; their previous rows are replaced, everything else is kept.

The pending articles are extracted in chunks (`newsintel.parallel.CHUNK`) on every core and written in
bulk per chunk, so memory stays flat however large the backlog. Every event and entity an extracted
article told of, before and after, goes into `resolve_queue`: the resolve stage recomputes only those.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from newsintel.extract.article import EXTRACTOR_VERSION, extract_article
from newsintel.extract.companies import CompanyMatcher, default_matcher
from newsintel.parallel import chunked, map_chunks, sample
from newsintel.storage import commit_chunk, insert_rows, key_filter, upsert_rows
from newsintel.storage.queue import enqueue_for_articles

FACT_TABLES = ("mentions", "market_metrics", "ban_reports", "deal_reports")


@dataclass
class ExtractReport:
    articles: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    article_ids: list[str] = field(default_factory=list)   # the first of this run's extracted articles (previews)


def pending_ids(con: duckdb.DuckDBPyConnection, version: str = EXTRACTOR_VERSION,
                published_between: tuple[date, date] | None = None, window_only: bool = False) -> list[str]:
    """Articles never extracted, changed since, or extracted by another version; plus, for a backfill,
    every article published in `published_between` (inclusive). With `window_only`, the articles of that
    window and no others: a partition of the days, so that sessions extracting other days in parallel
    never take the same article."""
    low, high = published_between or (None, None)
    if window_only and low is None:
        raise ValueError("window_only needs a published_between window")
    return [r[0] for r in con.execute("""
        SELECT a.article_id
        FROM articles a LEFT JOIN extractions e USING (article_id)
        WHERE (NOT ? AND (e.article_id IS NULL OR e.extractor_version <> ?
                          OR e.content_hash IS DISTINCT FROM a.content_hash))
           OR (CAST(? AS DATE) IS NOT NULL AND CAST(a.published_at AS DATE) BETWEEN ? AND ?)
        ORDER BY a.article_id""", [window_only, version, low, low, high]).fetchall()]


def pending_articles(con: duckdb.DuckDBPyConnection, version: str = EXTRACTOR_VERSION,
                     published_between: tuple[date, date] | None = None, window_only: bool = False) -> list[tuple]:
    """(article_id, title, text, published_at, content_hash) of every pending article."""
    return [row for chunk in chunked(pending_ids(con, version, published_between, window_only))
            for row in _fetch(con, list(chunk))]


def _fetch(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[tuple]:
    """The articles of one chunk; looked up by their ids (`key_filter`), so only their texts are read."""
    with key_filter(con, "a.article_id", ids) as only:
        return con.execute(f"""
            SELECT a.article_id, a.title, a.text, a.published_at, a.content_hash
            FROM articles a WHERE {only} ORDER BY a.article_id""").fetchall()


_MATCHER: CompanyMatcher | None = None


def _extract_one(item: tuple) -> tuple[str, dict | str]:
    """One article's fact rows, or the error it raised (a worker never dies of one article)."""
    article_id, title, text, published_at, _ = item
    try:
        facts = extract_article(article_id, title, text, published_at.date() if published_at else None,
                                _MATCHER or default_matcher())
    except Exception as exc:  # one article's failure is recorded; the others still land
        return article_id, f"{type(exc).__name__}: {exc}"
    return article_id, {t: getattr(facts, t) for t in FACT_TABLES}


def extract_pending(con: duckdb.DuckDBPyConnection, now: datetime, matcher: CompanyMatcher | None = None,
                    published_between: tuple[date, date] | None = None, window_only: bool = False) -> ExtractReport:
    global _MATCHER
    report = ExtractReport()
    ids = pending_ids(con, published_between=published_between, window_only=window_only)
    _MATCHER = matcher or default_matcher()   # built before the workers fork, so they share it
    try:
        chunks = (_fetch(con, list(chunk)) for chunk in chunked(ids))
        for items, results in map_chunks(_extract_one, chunks, total=len(ids)):
            _write_chunk(con, now, items, results, report)
            commit_chunk(con)
    finally:
        _MATCHER = None
    return report


def _write_chunk(con: duckdb.DuckDBPyConnection, now: datetime, items: list[tuple], results: list,
                 report: ExtractReport) -> None:
    batch: dict[str, list[dict]] = {t: [] for t in FACT_TABLES}
    done = []
    hashes = {item[0]: item[4] for item in items}
    for article_id, outcome in results:
        error = outcome if isinstance(outcome, str) else None
        if error:
            report.failed.append((article_id, error))
        else:
            report.articles += 1
            for table in FACT_TABLES:
                for row in outcome[table]:
                    row["extractor_version"] = EXTRACTOR_VERSION
                    batch[table].append(row)
        done.append(dict(article_id=article_id, extractor_version=EXTRACTOR_VERSION, extracted_at=now,
                         content_hash=hashes[article_id], error=error))
    if not done:
        return
    redo = [d["article_id"] for d in done]
    sample(report.article_ids, redo)
    with key_filter(con, "article_id", redo) as only:
        before = [r[0] for r in con.execute(f"SELECT article_id FROM extractions WHERE {only}").fetchall()]
    # Articles extracted before have rows to replace and keys to queue; new ones (most of a run) have none,
    # and their chunk touches no stored fact row.
    if before:
        enqueue_for_articles(con, before)          # what these articles told of before
        with key_filter(con, "article_id", before) as only:
            for table in FACT_TABLES:
                report.rows[f"{table}_replaced"] += con.execute(f"DELETE FROM {table} WHERE {only}").fetchone()[0]
    for table in FACT_TABLES:
        report.rows[table] += insert_rows(con, table, batch[table])
    enqueue_for_articles(con, redo)                # and what they tell of now
    upsert_rows(con, "extractions", "article_id", done)
