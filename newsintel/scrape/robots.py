"""robots.txt: parsed per RFC 9309, fetched once per origin and kept in the `robots_txt` table for a day.

Why not urllib.robotparser: it ignores the `*` and `$` patterns most news sites use (`Disallow: /*?s=`)
and picks the first matching rule instead of the longest, so it would allow what a site forbids.
Status handling follows the RFC: 2xx gives the rules; 4xx means there are none; 5xx or an unreachable
host means "assume everything is disallowed" for this run (not stored, so the next run asks again).
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

import duckdb

from newsintel.storage import upsert_rows

if TYPE_CHECKING:
    from newsintel.scrape.http import Client

MAX_ROBOTS_BYTES = 512 * 1024


def _norm_path(path: str) -> str:
    """Percent-encoding normalised so `/caf%C3%A9` and `/café` compare equal."""
    return quote(unquote(path), safe="/?=&;:@!$'()*+,~%-._")


@dataclass
class Rules:
    """The rules that apply to our product token, plus an optional Crawl-delay."""
    rules: list[tuple[str, bool]] = field(default_factory=list)   # (pattern, allow)
    crawl_delay: float | None = None
    unavailable: bool = False          # robots.txt could not be read: everything is disallowed

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        target = _norm_path((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if parts.path == "/robots.txt":
            return True
        if self.unavailable:
            return False
        best_len, best_allow = -1, True
        for pattern, allow in self.rules:
            if _matches(pattern, target):
                n = len(pattern)
                if n > best_len or (n == best_len and allow):
                    best_len, best_allow = n, allow
        return best_allow


_pattern_cache: dict[str, re.Pattern[str]] = {}


def _matches(pattern: str, path: str) -> bool:
    rx = _pattern_cache.get(pattern)
    if rx is None:
        anchored = pattern.endswith("$")
        body = _norm_path(pattern[:-1] if anchored else pattern)
        rx = re.compile("".join(".*" if c == "*" else re.escape(c) for c in body) + ("$" if anchored else ""))
        _pattern_cache[pattern] = rx
    return rx.match(path) is not None


def parse(text: str, token: str) -> Rules:
    """Rules of the groups naming `token` (case-insensitive), else of the `*` groups, else none."""
    groups: list[tuple[list[str], list[tuple[str, bool]], list[float]]] = []
    current: tuple[list[str], list[tuple[str, bool]], list[float]] | None = None
    last_was_agent = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if not last_was_agent or current is None:
                current = ([], [], [])
                groups.append(current)
            current[0].append(value.lower())
            last_was_agent = True
            continue
        last_was_agent = False
        if current is None:
            continue
        if key in ("allow", "disallow") and value:
            current[1].append((value, key == "allow"))
        elif key == "crawl-delay":
            try:
                current[2].append(float(value))
            except ValueError:
                pass
    token = token.lower()
    mine = [g for g in groups if any(a.split("/", 1)[0] == token for a in g[0])]
    chosen = mine or [g for g in groups if "*" in g[0]]
    delays = [d for g in chosen for d in g[2]]
    return Rules([r for g in chosen for r in g[1]], max(delays) if delays else None)


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
