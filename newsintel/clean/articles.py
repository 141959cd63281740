"""Raw pages into `articles` and `article_urls`.

Identity: `article_id` hashes the canonical URL (the page's own `<link rel=canonical>` when it has one),
so the same story reached by two URLs of one site is one row. A story syndicated under another site's
URL has its own canonical URL but the same `content_hash`; it is recorded in `article_urls` against the
article seen first, and never becomes a second article.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from newsintel.clean.simhash import CANDIDATE_DISTANCE, distance, is_near_copy, simhash
from newsintel.clean.text import content_hash, detect_language, normalize_text, parse_published, word_count
from newsintel.scrape.ingest import load_body
from newsintel.urls import domain_of, normalize_url, url_id
from newsintel.warehouse import upsert_rows

MIN_WORDS = 25  # below this a "page" is a stub, an error page or a paywall teaser, not an article


@dataclass
class CleanReport:
    counts: Counter = field(default_factory=Counter)   # new | updated | syndicated | failed
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CleanArticle:
    url: str
    canonical_url: str
    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    language: str | None
    text: str


def clean_record(url: str, body_format: str, body: str, title_hint: str | None,
                 published_hint: str | None) -> CleanArticle:
    """One raw body to a clean article; raises ValueError when there is no article in it."""
    hint_date = parse_published(published_hint)
    if body_format == "html":
        from newsintel.clean.html_page import parse_html
        page = parse_html(body, url if url.startswith("http") else None)
        text = normalize_text(page.text)
        canonical = page.canonical_url if page.canonical_url and page.canonical_url.startswith("http") else url
        title, authors = title_hint or page.title, tuple(page.authors)
        published, language = hint_date or page.published_at, page.language
    else:
        text = normalize_text(body)
        canonical, title, authors, published, language = url, title_hint, (), hint_date, None
    if word_count(text) < MIN_WORDS:
        raise ValueError(f"no article body found ({word_count(text)} words)")
    return CleanArticle(url=url, canonical_url=normalize_url(canonical), title=(title or "").strip() or None,
                        authors=authors, published_at=published,
                        language=language or detect_language(text), text=text)


def _near_copy_of(con, text: str, fingerprint: int, fingerprints: list[tuple[int, str]], article_id: str,
                  texts: dict[str, str]) -> str | None:
    """The article this text is a near-identical copy of (a syndicated story with small edits), if any.
    Stored articles are searched in DuckDB by SimHash distance, so a new article costs one indexed scan,
    not a Python loop over the archive; only the few candidates' texts are compared."""
    if not fingerprint:
        return None
    stored = con.execute("""
        SELECT article_id, text FROM articles
        WHERE simhash IS NOT NULL AND simhash <> 0 AND article_id <> ?
          AND bit_count(xor(simhash, CAST(? AS UBIGINT))) <= ?""",
        [article_id, fingerprint, CANDIDATE_DISTANCE]).fetchall()
    batch = [(other_id, texts[other_id]) for other, other_id in fingerprints
             if other_id != article_id and distance(fingerprint, other) <= CANDIDATE_DISTANCE]
    for other_id, other_text in stored + batch:
        if is_near_copy(text, other_text):
            return other_id
    return None


def clean_pages(con: duckdb.DuckDBPyConnection, now: datetime) -> CleanReport:
    report = CleanReport()
    pending = con.execute("""
        SELECT r.page_id, r.url, r.source_id, r.body_format, r.body, r.body_sha256, r.title_hint,
               r.published_hint, r.fetched_at
        FROM raw_pages r
        LEFT JOIN article_urls u ON u.url = r.url
        LEFT JOIN clean_failures f ON f.page_id = r.page_id AND f.body_sha256 = r.body_sha256
        WHERE (u.url IS NULL OR u.body_sha256 <> r.body_sha256) AND f.page_id IS NULL
        ORDER BY r.published_hint NULLS LAST, r.url""").fetchall()
    by_hash: dict[str, str] = {}   # content hash → article, for this batch; stored ones are looked up one by one
    fingerprints: list[tuple[int, str]] = []   # this batch's articles; stored ones are asked of DuckDB
    articles, urls, failures, texts = {}, [], [], {}
    for page_id, url, source_id, fmt, blob, sha, title_hint, published_hint, fetched_at in pending:
        try:
            art = clean_record(url, fmt, load_body(blob), title_hint, published_hint)
        except Exception as exc:  # one bad page never sinks the run: it is recorded and skipped
            reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
            failures.append(dict(page_id=page_id, url=url, reason=reason, body_sha256=sha, failed_at=now))
            report.failures.append((url, reason))
            report.counts["failed"] += 1
            continue
        article_id = url_id(art.canonical_url)
        chash = content_hash(art.text)
        fingerprint = simhash(art.text)
        if chash not in by_hash:
            row = con.execute("SELECT article_id FROM articles WHERE content_hash = ? LIMIT 1", [chash]).fetchone()
            if row:
                by_hash[chash] = row[0]
        owner = by_hash.get(chash) or _near_copy_of(con, art.text, fingerprint, fingerprints, article_id, texts)
        primary = owner is None or owner == article_id
        if primary:
            by_hash[chash] = article_id
            if fingerprint:
                fingerprints.append((fingerprint, article_id))
                texts[article_id] = art.text
            articles[article_id] = dict(
                article_id=article_id, url=url, canonical_url=art.canonical_url, source_id=source_id,
                domain=domain_of(art.canonical_url) or domain_of(url), title=art.title,
                authors=list(art.authors), published_at=art.published_at, fetched_at=fetched_at,
                language=art.language, text=art.text, word_count=word_count(art.text),
                content_hash=chash, page_id=page_id, simhash=fingerprint)
        else:
            report.counts["syndicated"] += 1
        urls.append(dict(url=url, article_id=article_id if primary else owner, source_id=source_id,
                         page_id=page_id, body_sha256=sha, is_primary=primary, first_seen=now))
    stats = upsert_rows(con, "articles", "article_id", list(articles.values()))
    report.counts["new"] += stats.inserted
    report.counts["updated"] += stats.updated
    upsert_rows(con, "article_urls", "url", urls)
    if failures:
        upsert_rows(con, "clean_failures", "page_id", failures)
    return report
