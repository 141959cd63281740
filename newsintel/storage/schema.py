"""The schema: every table's DDL in one place, and the upgrade of an older database to it.

Tables are listed in dependency order, the contract's columns first, then our own additions. What the
rest of the code knows about a table's key or columns is read from here (`primary_keys`, `columns_of`),
never restated: the quality checks, the lake's key-less DDL and the Dagster column schemas all derive from it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import duckdb


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
            body_file TEXT                     -- the Parquet segment holding the body (newsintel.storage.bodies)
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
            -- files sources: a file read before is read again only if its size or mtime changed
            -- (newsintel.scrape.consumed)
            source_id TEXT NOT NULL,
            path TEXT NOT NULL,
            size BIGINT NOT NULL,              -- as last read
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
    # bodies moved out of the file (newsintel.storage.bodies): an older database's body column must admit NULL
    if con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'raw_pages' "
                   "AND column_name = 'body' AND is_nullable = 'NO'").fetchone()[0]:
        con.execute("ALTER TABLE raw_pages ALTER COLUMN body DROP NOT NULL")


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns, as the connection's default catalog resolves the name (any DuckDB catalog)."""
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]




@dataclass(frozen=True)
class Column:
    """One column as the DDL declares it: for catalogs (the Dagster UI's column schema), not for writes."""
    name: str
    type: str
    nullable: bool
    description: str      # the comment on its line of the DDL, if any
    key: bool             # the table's PRIMARY KEY


@functools.lru_cache(maxsize=1)
def table_columns() -> dict[str, tuple[Column, ...]]:
    """Every table's columns, typed by DuckDB itself (the DDL run on an empty in-memory database), each with
    the comment its DDL line carries."""
    con = duckdb.connect()
    try:
        for ddl in DDL.values():
            con.execute(ddl)
        rows = con.execute("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                           "ORDER BY table_name, ordinal_position").fetchall()
    finally:
        con.close()
    keys = primary_keys()
    # a comment after a column on its line describes it (a comment on a line of its own, the table)
    notes = {table: dict(re.findall(r"^\s*(\w+)\s+[^\n-]*?--\s*(.+?)\s*$", ddl, re.MULTILINE))
             for table, ddl in DDL.items()}
    out: dict[str, list[Column]] = {}
    for table, name, dtype, nullable in rows:
        out.setdefault(table, []).append(Column(name, dtype, nullable == "YES", notes[table].get(name, ""),
                                                keys.get(table) == name))
    return {t: tuple(cols) for t, cols in out.items()}
