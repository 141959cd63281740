"""The web source kinds (`feed`, `site`, `urls`): discover article URLs, fetch the new ones politely.

One run of one source (the ingest commits it in batches, see `ingest_web_source`):
1. discover: poll the feed (conditional GET) / read the site's front and section pages / take the list;
2. select: normalize and dedupe; drop URLs already in `raw_pages` (unless `refetch: true`), given up,
   or still backing off; add earlier failures that are due again; at most `max_urls` per run;
3. fetch: in a small thread pool, through the address guard, robots.txt, the per-host gate and the retry
   loop (`newsintel.scrape.http`); every attempt becomes a `fetch_log` row, every URL's fate a
   `fetch_state` row (validators, attempts, next-attempt time, reason for giving up);
4. yield a RawRecord per page fetched (the ingest stores it), a RecordError per page that failed.

One bad URL never raises; only a broken configuration (unknown politeness option, wrong kind) does.
All database work happens on the caller's thread; worker threads only do HTTP.
"""
from __future__ import annotations

import random
import socket
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import zip_longest
from typing import Any, Callable, ContextManager, Iterable, Iterator
from urllib.parse import urlsplit

import duckdb

from newsintel.charset import decode_html, strip_controls
from newsintel.scrape import netguard, site
from newsintel.scrape.feeds import FeedError, FeedItem, parse_feed
from newsintel.scrape.http import Attempt, Client, FetchError, Outcome, Response
from newsintel.scrape.policy import ROBOTS_TOKEN, Policy
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.scrape.robots import RobotsCache
from newsintel.sources import Source, SourcesError
from newsintel.storage import columns_of, insert_rows, upsert_rows
from newsintel.urls import MAX_URL_CHARS, normalize_url, url_id

WEB_KINDS = ("feed", "site", "urls")
# An HTTP charset that is often a server default rather than a statement about the page (RFC 2616 made
# ISO-8859-1 the default for text/*): we let the <meta> tag or detection decide instead.
_DEFAULT_CHARSETS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}


@dataclass(frozen=True)
class Candidate:
    url: str                          # normalized
    title: str | None = None          # hints given outside the page (feed item title / date)
    published: str | None = None

    @property
    def uid(self) -> str:
        return url_id(self.url)


def read_web_source(src: Source, con: duckdb.DuckDBPyConnection,
                    now: datetime | None = None) -> Iterator[RawRecord | RecordError]:
    """Records of one feed/site/urls source, all in one session `con`; see the module docstring."""
    if src.kind not in WEB_KINDS:
        raise SourcesError(f"source {src.id}: kind {src.kind!r} is not a web kind")
    policy = Policy.from_source(src)              # a broken configuration raises here, before any fetch
    return _WebRun(src, con, _naive_utc(now or datetime.now(timezone.utc)), policy).records()


def ingest_web_source(src: Source, sessions: Callable[[], ContextManager[duckdb.DuckDBPyConnection]],
                      now: datetime, store: Callable[[duckdb.DuckDBPyConnection, list], None]) -> None:
    """One web source in committed batches: discovery and selection in a first write session, then every
    `politeness.commit_every` pages fetched (no session held while the network is slow) and written with
    the fetch_log and fetch_state rows of their requests in a session of their own. `store(con, records)`
    is the ingest's writer for raw_pages. A crash loses at most the batch being fetched."""
    if src.kind not in WEB_KINDS:
        raise SourcesError(f"source {src.id}: kind {src.kind!r} is not a web kind")
    policy = Policy.from_source(src)
    run: _WebRun | None = None
    try:
        with sessions() as con:
            run = _WebRun(src, con, _naive_utc(now), policy)
            todo = run.discover_and_select()
            store(con, run.take_errors())
            run.flush()
        for start in range(0, len(todo), policy.commit_every):
            records = list(run._fetch_pages(todo[start:start + policy.commit_every]))
            with sessions() as con:
                run.bind(con)
                store(con, records + run.take_errors())
                run.flush()
    finally:
        if run is not None:
            run.client.close()


def _naive_utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt


class _WebRun:
    def __init__(self, src: Source, con: duckdb.DuckDBPyConnection, now: datetime, policy: Policy):
        self.src, self.con, self.now, self.policy = src, con, now, policy
        self.refetch = bool(src.options.get("refetch"))
        self.t0 = time.monotonic()
        self.robots = RobotsCache(con, now, ROBOTS_TOKEN, policy.robots_ttl_hours, policy.crawl_delay_max_seconds)
        self.client = Client(policy, allow_loopback=src.local, robots_check=self.robots.check)
        self.robots.client = self.client
        self.state: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()
        self.log: list[dict[str, Any]] = []
        self.errors: list[RecordError] = []       # discovery failures, yielded so the ingest counts them
        self.configured = normalize_url(src.url) if src.url else None

    # -- the run ---------------------------------------------------------------------------------------
    def records(self) -> Iterator[RawRecord | RecordError]:
        try:
            todo = self.discover_and_select()
            yield from self.take_errors()
            yield from self._fetch_pages(todo)
        finally:
            self.flush()
            self.client.close()

    def discover_and_select(self) -> list[Candidate]:
        found = {"feed": self._discover_feed, "site": self._discover_site,
                 "urls": lambda: self._candidates((u, None, None) for u in self.src.urls)}[self.src.kind]()
        return self._select(found)

    def take_errors(self) -> list[RecordError]:
        errors, self.errors = self.errors, []
        return errors

    def bind(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the next batch through another session."""
        self.con = self.robots.con = con

    def flush(self) -> None:
        cols = set(columns_of(self.con, "fetch_log"))   # an older database lacks our extra columns
        self.log += [{**r, "source_id": self.src.id} for r in self.robots.take_attempts()]
        insert_rows(self.con, "fetch_log", [{k: v for k, v in r.items() if k in cols} for r in self.log])
        upsert_rows(self.con, "fetch_state", "url_id", [self.state[u] for u in sorted(self.dirty)])
        self.robots.flush()
        self.log, self.dirty = [], set()

    # -- discovery -------------------------------------------------------------------------------------
    def _discover_feed(self) -> list[Candidate]:
        return self._read_feed(self.configured)

    def _read_feed(self, url: str) -> list[Candidate]:
        parsed: list[list[FeedItem]] = []

        def check(resp: Response) -> str | None:
            try:
                items, warning = parse_feed(resp.body, resp.url, resp.content_type)
            except FeedError as exc:
                raise FetchError(str(exc), "feed", resp.status, final_url=resp.url) from None
            parsed.append(items)
            return warning

        self._poll(url, "feed", "feed", check)
        return self._candidates((i.url, i.title, i.published) for items in parsed for i in items)

    def _discover_site(self) -> list[Candidate]:
        front = self.configured
        pages: dict[str, str] = {}
        html = self._poll_html(front)
        if html is not None:
            pages[front] = html
        sections = self._links(front, site.section_urls, front, html) if html else []
        known = self._known_discovery_urls()
        index = [u for u in dict.fromkeys(sections + known["index"]) if u != front][: self.policy.max_index_pages]
        for url in index:
            html = self._poll_html(url)
            if html is not None:
                pages[url] = html
        advertised, found = [], []
        for url, html in pages.items():            # one page at a time: a page newspaper chokes on costs only itself
            advertised += self._links(url, site.feed_urls, {url: html})
            found += self._links(url, site.article_urls, front, {url: html})
        candidates = [Candidate(u) for u in dict.fromkeys(found)]
        for feed in list(dict.fromkeys(advertised + known["feed"]))[: self.policy.max_feeds]:
            candidates += self._read_feed(feed)
        return candidates

    def _links(self, page_url: str, finder: Callable[..., list[str]], *args: Any) -> list[str]:
        """Normalized links a site.* finder returns; its failure is logged against the page, not raised."""
        try:
            links = finder(*args)
        except Exception as exc:  # newspaper/lxml on hostile HTML
            reason = f"link discovery failed: {type(exc).__name__}: {exc}"
            self.log.append(dict(url=page_url, source_id=self.src.id, status="failed", error=reason, attempt=0,
                                 attempted_at=self._at(time.monotonic()), role="index"))
            self.errors.append(RecordError(page_url, self.src.id, reason))
            return []
        return [c.url for c in self._candidates((u, None, None) for u in links)]

    def _candidates(self, found: Iterable[tuple[str, str | None, str | None]]) -> list[Candidate]:
        """Normalized http(s) candidates; a URL that cannot be parsed is logged as failed, not raised."""
        out = []
        for url, title, published in found:
            try:
                norm = normalize_url(url)
                parts = urlsplit(norm)
                if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
                    raise ValueError("not an http(s) URL with a host")
            except ValueError as exc:
                reason = f"invalid URL: {exc}"
                if len(url) > MAX_URL_CHARS:        # logged by its start: never stored whole
                    url = url[:200] + "…"
                self.log.append(dict(url=url, source_id=self.src.id, status="failed", error=reason, attempt=0,
                                     attempted_at=self._at(time.monotonic()), role="page"))
                self.errors.append(RecordError(url, self.src.id, reason))
                continue
            out.append(Candidate(norm, title, published))
        return out

    def _known_discovery_urls(self) -> dict[str, list[str]]:
        """Section pages and feeds found on earlier runs: still polled when the front page is a 304."""
        rows = self.con.execute(
            "SELECT role, url FROM fetch_state WHERE source_id = ? AND role IN ('index', 'feed') "
            "AND status <> 'gave_up' ORDER BY first_seen, url", [self.src.id]).fetchall()
        out: dict[str, list[str]] = {"index": [], "feed": []}
        for role, url in rows:
            out[role].append(url)
        return out

    def _poll_html(self, url: str) -> str | None:
        return self._poll(url, "index", "html")[1]

    def _poll(self, url: str, role: str, accept: str,
              check: Callable[[Response], str | None] | None = None) -> tuple[Response | None, str | None]:
        """Fetch a feed or index page (conditional GET): the 200 response and its text, or Nones (304,
        failure, backing off)."""
        cand = Candidate(normalize_url(url))
        st = self._load_states([cand.uid]).get(cand.uid)
        if st and st["next_attempt_at"] and st["next_attempt_at"] > self.now:
            return None, None
        if st and st["status"] == "gave_up" and cand.url != self.configured:
            return None, None
        out = self._process(cand, accept, _validators(st), check)
        error = self._record(cand, role, out)
        if error is not None:
            self.errors.append(error)
        if out.response is None or out.response.status == 304:
            return None, None
        return out.response, out.text

    # -- selection -------------------------------------------------------------------------------------
    def _select(self, found: list[Candidate]) -> list[Candidate]:
        merged: dict[str, Candidate] = {}
        for c in found:
            if c.url.startswith(("http://", "https://")):
                merged.setdefault(c.uid, c)
        # Earlier failures that are due again. A feed's items scroll away, so they are remembered here;
        # a `urls` list is read whole every run, and a URL taken off it is meant to be dropped.
        for url, title, published in [] if self.src.kind == "urls" else self.con.execute(
                "SELECT url, title_hint, published_hint FROM fetch_state WHERE source_id = ? AND role = 'page' "
                "AND status IN ('pending', 'failed', 'skipped') AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "ORDER BY first_seen, url", [self.src.id, self.now]).fetchall():
            merged.setdefault(url_id(url), Candidate(url, title, published))
        uids = list(merged)
        stored = {r[0] for r in self.con.execute(
            "SELECT page_id FROM raw_pages WHERE page_id IN (SELECT unnest(?::VARCHAR[]))", [uids]).fetchall()}
        states = self._load_states(uids)
        todo = []
        for uid, c in merged.items():
            st = states.get(uid)
            if not self.refetch and (uid in stored or (st and st["status"] == "gave_up")):
                continue
            if st and st["next_attempt_at"] and st["next_attempt_at"] > self.now:
                continue
            todo.append(c)
        todo = _interleave_hosts(todo)
        for c in todo[self.policy.max_urls:]:           # left for the next run, remembered as pending
            if c.uid not in states:
                self.state[c.uid] = self._new_state(c, "page")
                self.dirty.add(c.uid)
        return todo[: self.policy.max_urls]

    # -- fetching --------------------------------------------------------------------------------------
    def _fetch_pages(self, todo: list[Candidate]) -> Iterator[RawRecord | RecordError]:
        if not todo:
            return
        states = {c.uid: self.state[c.uid] for c in todo if c.uid in self.state}   # _select loaded them
        pool = ThreadPoolExecutor(max_workers=self.policy.workers, thread_name_prefix=f"fetch-{self.src.id}")
        try:
            futures = {pool.submit(self._process, c, "html",
                                   _validators(states.get(c.uid)) if self.refetch else {}): c for c in todo}
            for fut in as_completed(futures):
                cand = futures[fut]
                out = fut.result()
                rec = self._record(cand, "page", out)
                if out.response is not None and out.response.status == 200 and out.text is not None:
                    yield RawRecord(cand.url, self.src.id, "html", out.text, title_hint=cand.title,
                                    published_hint=cand.published, content_type=out.response.content_type,
                                    http_status=out.response.status)
                elif rec is not None:
                    yield rec
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _process(self, cand: Candidate, accept: str, headers: dict[str, str],
                 check: Callable[[Response], str | None] | None = None) -> Outcome:
        """Everything about one URL that touches the network; runs on a worker thread, never raises."""
        started = time.monotonic()
        try:
            try:
                netguard.check_url(cand.url, self.src.local)       # before any connection, robots.txt included
                self.robots.check(cand.url)
            except netguard.BlockedHostError as exc:
                return _no_request(FetchError(f"refused: {exc}", "blocked", final_url=cand.url), started)
            except socket.gaierror as exc:
                return _no_request(FetchError(f"DNS: {exc}", "dns", final_url=cand.url), started)
            except FetchError as exc:
                return _no_request(exc, started)
            out = self.client.fetch_with_retries(cand.url, accept, headers)
            if check and out.response is not None and out.response.status == 200:
                try:
                    out.attempts[-1].error = check(out.response)
                except FetchError as exc:
                    out.attempts[-1].status, out.attempts[-1].error = "failed", exc.reason
                    out.response, out.error = None, exc
            if accept == "html" and out.response is not None and out.response.status == 200:
                out.text = _decode(out.response)
            return out
        except Exception as exc:  # one URL must never end the run
            return _no_request(FetchError(f"internal error: {type(exc).__name__}: {exc}", "protocol",
                                          final_url=cand.url), started, sent=True)

    # -- bookkeeping (caller's thread) -----------------------------------------------------------------
    def _record(self, cand: Candidate, role: str, out: Outcome) -> RecordError | None:
        st = self.state.get(cand.uid) or self._new_state(cand, role)
        n = st["attempts"]
        for a in out.attempts:
            n += 1 if a.sent else 0
            self.log.append(dict(url=cand.url, source_id=self.src.id, status=a.status, http_status=a.http_status,
                                 error=a.error, attempt=n if a.sent else 0, attempted_at=self._at(a.started),
                                 role=role, final_url=a.final_url, content_type=a.content_type, bytes=a.size,
                                 elapsed_ms=int(a.elapsed * 1000)))
        st.update(source_id=self.src.id, role=role, last_attempt_at=self.now, attempts=n,
                  title_hint=cand.title or st["title_hint"], published_hint=cand.published or st["published_hint"])
        resp, err = out.response, out.error
        result: RecordError | None = None
        if resp is not None:
            st.update(status="unchanged" if resp.status == 304 else "fetched", attempts=0, failed_runs=0,
                      next_attempt_at=None, last_error=None, http_status=resp.status, last_success_at=self.now)
            if resp.status != 304:
                st.update(etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"))
        elif err is not None and err.kind == "deferred":
            # never got its host's politeness slot this run: due again next run, no failure counted
            st.update(status="pending" if st["status"] in ("pending", "failed", "skipped") else st["status"],
                      next_attempt_at=None, last_error=err.reason)
        elif err is not None and err.skip:
            wait = (timedelta(minutes=self.policy.retry_base_minutes) if err.kind == "robots_unavailable"
                    else timedelta(hours=self.policy.recheck_skipped_hours))
            st.update(status="skipped", next_attempt_at=self.now + wait, last_error=err.reason,
                      http_status=err.http_status)
        elif err is not None:
            st["failed_runs"] += 1
            may_give_up = role == "page" or cand.url != self.configured
            if may_give_up and (not err.retry_later or st["failed_runs"] >= self.policy.give_up_after):
                why = "permanent error" if not err.retry_later else f"{st['failed_runs']} failed runs"
                st.update(status="gave_up", next_attempt_at=None, last_error=f"gave up ({why}): {err.reason}")
            else:
                st.update(status="failed",
                          next_attempt_at=self.now + self._backoff(st["failed_runs"], out.deferred_for),
                          last_error=err.reason)
            st["http_status"] = err.http_status
            result = RecordError(cand.url, self.src.id, st["last_error"])
        self.state[cand.uid] = st
        self.dirty.add(cand.uid)
        return result

    def _backoff(self, failed_runs: int, retry_after: float | None) -> timedelta:
        minutes = self.policy.retry_base_minutes * 2 ** (failed_runs - 1) * random.uniform(0.9, 1.1)
        minutes = min(minutes, self.policy.retry_max_hours * 60)
        if retry_after is not None:                     # the server's word wins, within a week
            minutes = max(minutes, min(retry_after, 7 * 86400) / 60)
        return timedelta(minutes=minutes)

    def _new_state(self, cand: Candidate, role: str) -> dict[str, Any]:
        return dict(url_id=cand.uid, url=cand.url, source_id=self.src.id, role=role, status="pending",
                    attempts=0, failed_runs=0, next_attempt_at=None, last_error=None, http_status=None,
                    etag=None, last_modified=None, title_hint=cand.title, published_hint=cand.published,
                    first_seen=self.now, last_attempt_at=None, last_success_at=None)

    def _load_states(self, uids: list[str]) -> dict[str, dict[str, Any]]:
        missing = [u for u in uids if u not in self.state]
        if missing:
            cur = self.con.execute("SELECT * FROM fetch_state WHERE url_id IN (SELECT unnest(?::VARCHAR[]))",
                                   [missing])
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                self.state[row[0]] = dict(zip(names, row, strict=True))
        return {u: self.state[u] for u in uids if u in self.state}

    def _at(self, mono: float) -> datetime:
        return self.now + timedelta(seconds=max(0.0, mono - self.t0))


def _no_request(err: FetchError, started: float, sent: bool = False) -> Outcome:
    status = "skipped" if err.skip else "failed"
    return Outcome([Attempt(status, started, time.monotonic() - started, err.http_status, err.reason,
                            err.final_url, sent=sent)], None, err)


def _validators(st: dict[str, Any] | None) -> dict[str, str]:
    headers = {}
    if st and st.get("etag"):
        headers["If-None-Match"] = st["etag"]
    if st and st.get("last_modified"):
        headers["If-Modified-Since"] = st["last_modified"]
    return headers


def _decode(resp: Response) -> str:
    declared = resp.charset
    if declared and declared.lower() in _DEFAULT_CHARSETS:
        declared = None
    return strip_controls(decode_html(resp.body, declared))   # a NUL in a page reaches every table otherwise


def _interleave_hosts(cands: list[Candidate]) -> list[Candidate]:
    """Round-robin over hosts, so one slow host's queue does not hold every worker."""
    by_host: dict[str, list[Candidate]] = {}
    for c in cands:
        by_host.setdefault(urlsplit(c.url).hostname or "", []).append(c)
    return [c for batch in zip_longest(*by_host.values()) for c in batch if c is not None]
