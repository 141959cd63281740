"""The extraction stage over the warehouse: only articles that are new, changed or extracted by an
older extractor version are (re-)extracted; their previous rows are replaced, everything else is kept.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from newsintel.extract.article import EXTRACTOR_VERSION, extract_article
from newsintel.extract.companies import CompanyMatcher, default_matcher
from newsintel.warehouse import insert_rows, upsert_rows

FACT_TABLES = ("mentions", "market_metrics", "ban_reports", "deal_reports")


@dataclass
class ExtractReport:
    articles: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)


def pending_articles(con: duckdb.DuckDBPyConnection, version: str = EXTRACTOR_VERSION,
                     published_between: tuple[date, date] | None = None, window_only: bool = False) -> list[tuple]:
    """Articles never extracted, changed since, or extracted by another version; plus, for a backfill,
    every article published in `published_between` (inclusive). With `window_only`, the articles of that
    window and no others: a partition of the days, so that sessions extracting other days in parallel
    never take the same article."""
    low, high = published_between or (None, None)
    if window_only and low is None:
        raise ValueError("window_only needs a published_between window")
    return con.execute("""
        SELECT a.article_id, a.title, a.text, a.published_at, a.content_hash
        FROM articles a LEFT JOIN extractions e USING (article_id)
        WHERE (NOT ? AND (e.article_id IS NULL OR e.extractor_version <> ?
                          OR e.content_hash IS DISTINCT FROM a.content_hash))
           OR (CAST(? AS DATE) IS NOT NULL AND CAST(a.published_at AS DATE) BETWEEN ? AND ?)
        ORDER BY a.article_id""", [window_only, version, low, low, high]).fetchall()


def extract_pending(con: duckdb.DuckDBPyConnection, now: datetime, matcher: CompanyMatcher | None = None,
                    published_between: tuple[date, date] | None = None, window_only: bool = False) -> ExtractReport:
    matcher = matcher or default_matcher()
    report = ExtractReport()
    batch = {t: [] for t in FACT_TABLES}
    done = []
    pending = pending_articles(con, published_between=published_between, window_only=window_only)
    for article_id, title, text, published_at, chash in pending:
        try:
            facts = extract_article(article_id, title, text, published_at.date() if published_at else None, matcher)
        except Exception as exc:  # one article's failure is recorded; the others still land
            report.failed.append((article_id, f"{type(exc).__name__}: {exc}"))
            done.append(dict(article_id=article_id, extractor_version=EXTRACTOR_VERSION, extracted_at=now,
                             content_hash=chash, error=f"{type(exc).__name__}: {exc}"))
            continue
        report.articles += 1
        for table in FACT_TABLES:
            for row in getattr(facts, table):
                row["extractor_version"] = EXTRACTOR_VERSION
                batch[table].append(row)
        done.append(dict(article_id=article_id, extractor_version=EXTRACTOR_VERSION, extracted_at=now,
                         content_hash=chash, error=None))
    if done:
        con.execute("CREATE OR REPLACE TEMP TABLE _redo (article_id TEXT)")
        con.executemany("INSERT INTO _redo VALUES (?)", [[d["article_id"]] for d in done])
        for table in FACT_TABLES:
            report.rows[f"{table}_replaced"] += con.execute(
                f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _redo)").fetchone()[0]
            report.rows[table] += insert_rows(con, table, batch[table])
        con.execute("DROP TABLE _redo")
        upsert_rows(con, "extractions", "article_id", done)
    return report
