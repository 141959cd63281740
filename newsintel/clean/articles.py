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
from typing import Sequence

import duckdb
import pyarrow as pa

from newsintel.clean.lsh import fingerprints
from newsintel.clean.simhash import is_near_copy, shingles
from newsintel.clean.text import content_hash, detect_language, normalize_text, parse_published, word_count
from newsintel.parallel import chunked, map_chunks, sample
from newsintel.storage import commit_chunk, insert_frame, key_filter, registered, upsert_rows
from newsintel.storage.bodies import LOST, BodyStore, load_body
from newsintel.urls import domain_of, normalize_url, url_id

MIN_WORDS = 25  # below this a "page" is a stub, an error page or a paywall teaser, not an article


@dataclass
class CleanReport:
    counts: Counter = field(default_factory=Counter)   # new | updated | syndicated | failed
    failures: list[tuple[str, str]] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)   # the first of this run's new and updated articles (previews)


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


@dataclass
class _Cleaned:
    """What a worker hands back for one raw page: the clean article and its keys, or why it failed."""
    page: tuple
    article: CleanArticle | None = None
    content_hash: str = ""
    simhash: int = 0
    bands: list[int] = field(default_factory=list)
    error: str | None = None


class LostBody(str):
    """Stands for a body that could not be read (its segment is lost): the page fails with this reason."""


def _clean_one(page: tuple) -> _Cleaned:
    """Runs in a worker: everything per page that costs CPU (parsing, normalizing, fingerprints)."""
    page_id, url, source_id, fmt, body, sha, title_hint, published_hint, fetched_at = page
    if isinstance(body, LostBody):
        return _Cleaned(page, error=str(body))
    try:
        text = load_body(body) if isinstance(body, bytes) else body
        art = clean_record(url, fmt, text, title_hint, published_hint)
    except Exception as exc:  # one bad page never sinks the run: it is recorded and skipped
        return _Cleaned(page, error=f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc))
    fingerprint, bands = fingerprints(art.text)
    return _Cleaned(page, art, content_hash(art.text), fingerprint, bands)


def pending_pages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Pages never cleaned, or whose body changed since (and did not already fail with this body). A page
    that failed because its body was lost is pending again once ingest wrote the body anew (same hash)."""
    return [r[0] for r in con.execute(f"""
        SELECT r.page_id
        FROM raw_pages r
        LEFT JOIN article_urls u ON u.url = r.url
        LEFT JOIN clean_failures f ON f.page_id = r.page_id AND f.body_sha256 = r.body_sha256
             AND NOT (f.reason LIKE '{LOST}%' AND r.updated_at > f.failed_at)
        WHERE (u.url IS NULL OR u.body_sha256 <> r.body_sha256) AND f.page_id IS NULL
        ORDER BY r.published_hint NULLS LAST, r.url""").fetchall()]


def _fetch_pages(con: duckdb.DuckDBPyConnection, ids: list[str], bodies: BodyStore | None) -> list[tuple]:
    with key_filter(con, "r.page_id", ids) as only:      # only this chunk's rows (and bodies, on a lake)
        rows = con.execute(f"""
            SELECT r.page_id, r.url, r.source_id, r.body_format, r.body, r.body_sha256, r.title_hint,
                   r.published_hint, r.fetched_at, r.body_file
            FROM raw_pages r WHERE {only}
            ORDER BY r.published_hint NULLS LAST, r.url""").fetchall()
    lost: dict[str, str] = {}     # a lost segment fails its own pages (LostBody), never the chunk
    texts = bodies.load([(r[5], r[9]) for r in rows if r[4] is None], lost) if bodies else {}
    return [r[:4] + (r[4] if r[4] is not None else texts[r[5]] if r[5] in texts else LostBody(lost[r[5]]),) + r[5:9]
            for r in rows]


def record_lost_segments(con: duckdb.DuckDBPyConnection, now: datetime, bodies: BodyStore | None,
                         report: CleanReport) -> None:
    """Pages whose body segment is gone, cleaned or not: one `clean_failures` row each (once), so a deleted
    segment is in the run's failures instead of surfacing later as a read error; rows of pages whose body
    ingest has written anew since are removed. One stat per segment: nothing is read."""
    if bodies is None:
        return
    con.execute(f"""DELETE FROM clean_failures f USING raw_pages r WHERE f.page_id = r.page_id
                    AND f.reason LIKE '{LOST}%' AND (r.updated_at > f.failed_at OR r.body_file IS NULL)""")
    segments = [r[0] for r in con.execute("SELECT DISTINCT body_file FROM raw_pages WHERE body_file IS NOT NULL"
                                          ).fetchall()]
    gone = sorted(bodies.missing(segments))
    if not gone:
        return
    with key_filter(con, "r.body_file", gone) as only:
        rows = con.execute(f"""
            SELECT r.page_id, r.url, r.body_sha256, r.body_file FROM raw_pages r
            LEFT JOIN clean_failures f ON f.page_id = r.page_id AND f.body_sha256 = r.body_sha256
            WHERE {only} AND f.page_id IS NULL ORDER BY r.url""").fetchall()
    failures = [dict(page_id=pid, url=url, body_sha256=sha, failed_at=now,
                     reason=f"{LOST}: segment {segment} is missing; re-ingest with refetch: true")
                for pid, url, sha, segment in rows]
    for f in failures:
        report.failures.append((f["url"], f["reason"]))
    report.counts["failed"] += len(failures)
    report.counts["bodies_lost"] += len(failures)
    if failures:
        upsert_rows(con, "clean_failures", "page_id", failures)


def clean_pages(con: duckdb.DuckDBPyConnection, now: datetime, bodies: BodyStore | None = None) -> CleanReport:
    """Clean every pending page, a chunk at a time on every core; syndicated copies are found by key:
    content hashes joined once per chunk, near copies through the LSH band table (`newsintel.clean.lsh`)."""
    report = CleanReport()
    if backfilled := backfill_bands(con):
        report.counts["bands_backfilled"] = backfilled
    ids = pending_pages(con)
    chunks = (_fetch_pages(con, list(chunk), bodies) for chunk in chunked(ids))
    for _, results in map_chunks(_clean_one, chunks, total=len(ids)):
        _write_chunk(con, now, results, report)
        commit_chunk(con)
    record_lost_segments(con, now, bodies, report)
    return report


BANDS_MIGRATION = "article_bands"


def backfill_bands(con: duckdb.DuckDBPyConnection) -> int:
    """LSH bands for stored articles that have none, so that a database made before `article_bands`
    existed finds near copies of its old articles too. Once per database: a `migrations` row records that
    it is done (a new database records it at once, with nothing to do); a run killed midway goes on from
    the committed chunks. Returns how many articles got bands."""
    if con.execute("SELECT count(*) FROM migrations WHERE name = ?", [BANDS_MIGRATION]).fetchone()[0]:
        return 0
    ids = [r[0] for r in con.execute("""
        SELECT a.article_id FROM articles a
        WHERE NOT EXISTS (SELECT 1 FROM article_bands b WHERE b.article_id = a.article_id) ORDER BY 1""").fetchall()]

    def texts(chunk: Sequence[str]) -> list[tuple[str, str]]:
        with key_filter(con, "article_id", list(chunk)) as only:
            return con.execute(f"SELECT article_id, text FROM articles WHERE {only} ORDER BY 1").fetchall()
    for _, results in map_chunks(_bands_of, (texts(chunk) for chunk in chunked(ids)), total=len(ids)):
        rows = [(article_id, b, key) for article_id, keys in results for b, key in enumerate(keys)]
        insert_frame(con, "article_bands", pa.table({
            "article_id": pa.array([r[0] for r in rows], pa.string()),
            "band": pa.array([r[1] for r in rows], pa.uint8()),
            "bucket": pa.array([r[2] for r in rows], pa.int64())}))
        commit_chunk(con)
    con.execute("INSERT INTO migrations VALUES (?, now()::TIMESTAMP)", [BANDS_MIGRATION])
    return len(ids)


def _bands_of(item: tuple[str, str]) -> tuple[str, list[int]]:
    article_id, text = item
    return article_id, fingerprints(text or "")[1]


def _archive_matches(con: duckdb.DuckDBPyConnection, done: list[_Cleaned]
                     ) -> tuple[dict[str, str], dict[int, list[str]], dict[str, str]]:
    """For one chunk: stored articles with the same content hash, stored near-copy candidates per item
    (index into `done`), and the candidates' texts. Two joins, whatever the archive's size."""
    hashes = sorted({c.content_hash for c in done})
    with key_filter(con, "content_hash", hashes) as only:
        stored = dict(con.execute(f"SELECT content_hash, min(article_id) FROM articles WHERE {only} "
                                  "GROUP BY 1").fetchall())
    idx, band, bucket = [], [], []
    for i, c in enumerate(done):
        if c.content_hash not in stored:
            for b, key in enumerate(c.bands):
                idx.append(i)
                band.append(b)
                bucket.append(key)
    candidates: dict[int, list[str]] = {}
    if idx:
        frame = pa.table({"i": pa.array(idx, pa.int32()), "band": pa.array(band, pa.uint8()),
                          "bucket": pa.array(bucket, pa.int64())})
        with registered(con, frame) as name:
            for i, article_id in con.execute(f"SELECT DISTINCT f.i, b.article_id FROM {name} f JOIN article_bands b "
                                             "USING (band, bucket) ORDER BY 1, 2").fetchall():
                candidates.setdefault(i, []).append(article_id)
    wanted = sorted({a for ids in candidates.values() for a in ids})
    texts: dict[str, str] = {}
    if wanted:
        with key_filter(con, "article_id", wanted) as only:     # only the candidates' texts are read
            texts = dict(con.execute(f"SELECT article_id, text FROM articles WHERE {only}").fetchall())
    return stored, candidates, texts


def _write_chunk(con: duckdb.DuckDBPyConnection, now: datetime, results: list[_Cleaned],
                 report: CleanReport) -> None:
    failures = []
    for c in results:
        if c.error is not None:
            page_id, url, sha = c.page[0], c.page[1], c.page[5]
            failures.append(dict(page_id=page_id, url=url, reason=c.error, body_sha256=sha, failed_at=now))
            report.failures.append((url, c.error))
            report.counts["failed"] += 1
    done = [c for c in results if c.error is None]
    stored, candidates, texts = _archive_matches(con, done)
    # content hash → article for this chunk only: earlier chunks are committed, so the stored lookup
    # finds them, and nothing of a chunk outlives it (what outlives chunks is what makes memory grow)
    by_hash: dict[str, str] = {}
    in_batch: dict[tuple[int, int], list[str]] = {}   # (band, bucket) → this chunk's primary articles
    articles, bands, urls = {}, [], []
    for i, c in enumerate(done):
        page_id, url, source_id, _, _, sha, _, _, fetched_at = c.page
        art = c.article
        article_id = url_id(art.canonical_url)
        owner = by_hash.get(c.content_hash) or stored.get(c.content_hash)
        if owner is None:
            seen, own = set(), None
            near = [a for b, key in enumerate(c.bands) for a in in_batch.get((b, key), [])]
            for other in candidates.get(i, []) + near:
                if other == article_id or other in seen:
                    continue
                seen.add(other)
                if own is None:              # this text's 3-grams once, however many candidates it meets
                    own = shingles(art.text)
                if is_near_copy(own, texts[other]):
                    owner = other
                    break
        primary = owner is None or owner == article_id
        if primary:
            by_hash[c.content_hash] = article_id
            texts[article_id] = art.text
            for b, key in enumerate(c.bands):
                in_batch.setdefault((b, key), []).append(article_id)
                bands.append((article_id, b, key))
            articles[article_id] = dict(
                article_id=article_id, url=url, canonical_url=art.canonical_url, source_id=source_id,
                domain=domain_of(art.canonical_url) or domain_of(url), title=art.title,
                authors=list(art.authors), published_at=art.published_at, fetched_at=fetched_at,
                language=art.language, text=art.text, word_count=word_count(art.text),
                content_hash=c.content_hash, page_id=page_id, simhash=c.simhash)
        else:
            report.counts["syndicated"] += 1
        urls.append(dict(url=url, article_id=article_id if primary else owner, source_id=source_id,
                         page_id=page_id, body_sha256=sha, is_primary=primary, first_seen=now))
    stats = upsert_rows(con, "articles", "article_id", list(articles.values()))
    report.counts["new"] += stats.inserted
    report.counts["updated"] += stats.updated
    sample(report.article_ids, articles)
    if articles:
        if stats.updated:       # a new article has no bands yet
            with key_filter(con, "article_id", list(articles)) as only:
                con.execute(f"DELETE FROM article_bands WHERE {only}")
        insert_frame(con, "article_bands", pa.table({
            "article_id": pa.array([b[0] for b in bands], pa.string()),
            "band": pa.array([b[1] for b in bands], pa.uint8()),
            "bucket": pa.array([b[2] for b in bands], pa.int64())}))
    upsert_rows(con, "article_urls", "url", urls)
    if failures:
        upsert_rows(con, "clean_failures", "page_id", failures)
