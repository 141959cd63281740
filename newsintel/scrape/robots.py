"""robots.txt: parsed by protego, fetched once per origin and kept in the `robots_txt` table for a day.

Why protego (Scrapy's robots.txt parser) rather than urllib.robotparser or our own parser: urllib's ignores
the `*` and `$` patterns most news sites use (`Disallow: /*?s=`) and picks the first matching rule instead of
the longest, so it would allow what a site forbids; protego implements RFC 9309's matching (wildcards, the
`$` anchor, the longest rule winning and `Allow` winning a tie, percent-encoding normalised on both sides)
and is maintained against the robots.txt files real sites serve, which a hand-written parser is not.
Which group applies is protego's too: the group whose User-agent names our product token (case-insensitive;
protego also takes a group named by the token's start, `User-agent: news`, and not one named with a version,
`NewsIntel/1.0`, which RFC 9309 does not allow), else the `*` group, else none; groups naming one agent are
merged, and of a repeated Crawl-delay the last counts.
Status handling follows the RFC: 2xx gives the rules; 4xx means there are none; 5xx or an unreachable
host means "assume everything is disallowed" for this run (not stored, so the next run asks again).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import duckdb
from protego import Protego

from newsintel.storage import upsert_rows

if TYPE_CHECKING:
    from newsintel.scrape.http import Client

MAX_ROBOTS_BYTES = 512 * 1024


@dataclass
class Rules:
    """The rules that apply to our product token, plus an optional Crawl-delay."""
    parsed: Protego | None = None      # None: no rules (a 4xx, or nothing fetched yet)
    token: str = ""
    crawl_delay: float | None = None
    unavailable: bool = False          # robots.txt could not be read: everything is disallowed

    def allowed(self, url: str) -> bool:
        if urlsplit(url).path == "/robots.txt":
            return True
        if self.unavailable:
            return False
        return self.parsed is None or self.parsed.can_fetch(url, self.token)


def parse(text: str, token: str) -> Rules:
    """Rules of the group naming `token` (case-insensitive), else of the `*` group, else none."""
    parsed = Protego.parse(text)
    return Rules(parsed, token, parsed.crawl_delay(token))


class RobotsCache:
    """robots.txt per origin: memory for this run, the `robots_txt` table across runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, now: datetime, token: str, ttl_hours: float,
                 crawl_delay_max: float):
        self.con, self.now, self.token = con, now, token
        self.ttl = timedelta(hours=ttl_hours)
        self.crawl_delay_max = crawl_delay_max
        self._rules: dict[str, Rules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._stored: dict[str, tuple[int | None, str | None, datetime]] = {
            origin: (status, body, fetched) for origin, status, body, fetched in con.execute(
                "SELECT origin, http_status, body, fetched_at FROM robots_txt").fetchall()}
        self.to_store: list[dict] = []      # written by flush(), from the caller's thread
        self.attempts: list[dict] = []      # every robots.txt request sent: fetch_log rows (role robots)
        self.client: Client | None = None

    def check(self, url: str) -> None:
        """Raise FetchError(kind robots | robots_unavailable) unless `url` may be fetched."""
        from newsintel.scrape.http import FetchError
        rules = self.rules_for(url)
        if not rules.allowed(url):
            if rules.unavailable:
                raise FetchError(f"robots.txt unavailable for {_origin(url)}: assuming disallow",
                                 "robots_unavailable", final_url=url)
            raise FetchError("disallowed by robots.txt", "robots", final_url=url)

    def rules_for(self, url: str) -> Rules:
        origin = _origin(url)
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:                                  # one fetch per origin, however many threads ask
            if origin not in self._rules:
                self._rules[origin] = self._load(origin)
                rules = self._rules[origin]
                if rules.crawl_delay and self.client:
                    self.client.gate.set_delay(urlsplit(origin).netloc,
                                               min(rules.crawl_delay, self.crawl_delay_max))
            return self._rules[origin]

    def _load(self, origin: str) -> Rules:
        stored = self._stored.get(origin)
        if stored and stored[2] + self.ttl > self.now:
            return self._from_status(stored[0], stored[1])
        from newsintel.scrape.http import FetchError
        assert self.client is not None
        url = origin + "/robots.txt"
        started = time.monotonic()
        try:
            resp = self.client.fetch(url, "robots")
        except FetchError as exc:
            self._attempt(url, "skipped" if exc.skip else "failed", exc.http_status, exc.reason, started,
                          sent=not exc.skip)
            if exc.kind == "http" and exc.http_status and 400 <= exc.http_status < 500 and exc.http_status != 429:
                self._remember(origin, exc.http_status, None)
                return Rules()
            return Rules(unavailable=True)         # 5xx, 429, timeout, unreachable: not stored
        self._attempt(url, "fetched", resp.status, None, started, size=len(resp.body))
        text = resp.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        self._remember(origin, resp.status, text)
        return self._from_status(resp.status, text)

    def _from_status(self, status: int | None, body: str | None) -> Rules:
        if status and 200 <= status < 300 and body is not None:
            return parse(body, self.token)
        return Rules()

    def _attempt(self, url: str, status: str, http_status: int | None, error: str | None, started: float,
                 size: int | None = None, sent: bool = True) -> None:
        elapsed = time.monotonic() - started
        with self._lock:
            self.attempts.append(dict(url=url, source_id=None, status=status, http_status=http_status, error=error,
                                      attempt=1 if sent else 0, attempted_at=self.now, role="robots",
                                      bytes=size, elapsed_ms=int(elapsed * 1000)))

    def take_attempts(self) -> list[dict]:
        with self._lock:
            rows, self.attempts = self.attempts, []
        return rows

    def _remember(self, origin: str, status: int, body: str | None) -> None:
        with self._lock:
            self.to_store.append(dict(origin=origin, http_status=status, body=body, fetched_at=self.now))

    def flush(self) -> None:
        with self._lock:
            rows, self.to_store = self.to_store, []
        upsert_rows(self.con, "robots_txt", "origin", list({r["origin"]: r for r in rows}.values()))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port and parts.port != default else "")
