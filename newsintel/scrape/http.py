"""The polite HTTP client every web fetch goes through: one attempt at a time, each one bounded.

Why urllib3 directly rather than requests: we need each redirect hop in our hands (to check robots.txt
and the address guard again, and to detect loops), the body as a stream we can abandon at a size limit
(a 50 MB "article" must never be buffered), and no environment proxies or retry magic we did not ask
for. The client never raises anything but `FetchError`, whose `kind` says whether trying again makes
sense now (timeouts, 429, 5xx), later (DNS, TLS), never (404, PDF, too large, redirect loop), or whether
the URL was skipped on purpose (robots.txt, private address), or deferred (no politeness slot this run).

Timeouts measure the server, not the queue: the total timeout of a request starts when it is sent, once
its host's politeness slot is ours; time spent waiting for a slot (behind slow pages, a Crawl-delay)
counts nowhere. A page that gets no slot before the run's `max_wait_seconds` is deferred to the next run:
not failed, never a step towards `give_up_after`. (Before, the clock started before the wait, so pages
queued behind a Crawl-delay of 20 s timed out by the dozen, counted as failures and were given up.)
"""
from __future__ import annotations

import contextlib
import email.utils
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from newsintel.scrape.netguard import BlockedHostError, check_url, headers_deadline, pool_classes
from newsintel.scrape.policy import Policy
from newsintel.urls import normalize_url

REDIRECTS = {301, 302, 303, 307, 308}
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,"
            "text/xml;q=0.8,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_SNIFF_TYPES = {"", "text/plain", "application/octet-stream", "binary/octet-stream"}


class FetchError(Exception):
    """Why one attempt produced no usable response.

    kind: timeout | connect | protocol | http | dns | tls | content_type | too_large | redirect | feed
          | blocked | robots | robots_unavailable | deferred
    """

    def __init__(self, reason: str, kind: str, http_status: int | None = None,
                 retry_after: float | None = None, final_url: str | None = None):
        super().__init__(reason)
        self.reason, self.kind, self.http_status = reason, kind, http_status
        self.retry_after, self.final_url = retry_after, final_url

    @property
    def skip(self) -> bool:
        """Not fetched on purpose: logged as `skipped`, not counted as a failure."""
        return self.kind in ("blocked", "robots", "robots_unavailable", "deferred")

    @property
    def retry_now(self) -> bool:
        return self.kind in ("timeout", "connect", "protocol") or (
            self.kind == "http" and self.http_status in RETRY_STATUSES)

    @property
    def retry_later(self) -> bool:
        return self.retry_now or self.kind in ("dns", "tls", "feed")


@dataclass
class Response:
    url: str                     # after redirects
    status: int                  # 2xx, or 304 for a conditional GET
    headers: dict[str, str]      # lower-case names
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def mime(self) -> str:
        return (self.content_type or "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in (self.content_type or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


@dataclass
class Attempt:
    """One HTTP attempt, as the fetch log records it."""
    status: str                  # fetched | unchanged | failed | skipped
    started: float               # time.monotonic() when it began
    elapsed: float
    http_status: int | None = None
    error: str | None = None
    final_url: str | None = None
    content_type: str | None = None
    size: int | None = None
    sent: bool = True            # False: refused before any request (robots.txt, private address)


@dataclass
class Outcome:
    """All attempts at one URL in this run, and how it ended."""
    attempts: list[Attempt] = field(default_factory=list)
    response: Response | None = None
    error: FetchError | None = None
    deferred_for: float | None = None    # a Retry-After too long to wait for in this run
    text: str | None = None              # a page's body decoded (filled in by the web reader)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from now; Retry-After is either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def host_key(url: str) -> str:
    """What politeness is counted per: host and port, as a URL names them."""
    return urlsplit(url).netloc.lower()


# When each host may next be asked, shared by every gate in the process: two sources that list the same
# site, or two runs in one process, still leave the delay between their requests.
_NEXT: dict[str, float] = {}
_NEXT_LOCK = threading.Lock()


class NoSlot(Exception):
    """The host's politeness slot would not be ours before the caller's time limit."""


class HostGate:
    """Per-host politeness: at most N requests in flight, and a pause after each one."""

    def __init__(self, delay: float, concurrency: int):
        self.delay, self.concurrency = delay, concurrency
        self._lock = _NEXT_LOCK
        self._sems: dict[str, threading.BoundedSemaphore] = {}
        self._next = _NEXT
        self._delays: dict[str, float] = {}

    def set_delay(self, host: str, seconds: float) -> None:
        with self._lock:
            self._delays[host] = max(self.delay, seconds)

    def defer(self, host: str, seconds: float) -> None:
        """The host asked us to wait (Retry-After): nobody sends it anything before then."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)

    @contextlib.contextmanager
    def slot(self, host: str, until: float | None = None) -> Iterator[None]:
        """The host is ours (at most N holders, the delay kept); NoSlot when that would come after
        `until` (a time.monotonic() value), without taking anyone's turn."""
        with self._lock:
            sem = self._sems.setdefault(host, threading.BoundedSemaphore(self.concurrency))
        timeout = None if until is None else max(0.0, until - time.monotonic())
        if not sem.acquire(timeout=timeout):
            raise NoSlot(host)
        try:
            with self._lock:
                delay = self._delays.get(host, self.delay)
                start = max(time.monotonic(), self._next.get(host, 0.0))
                if until is not None and start > until:
                    raise NoSlot(host)
                self._next[host] = start + delay
            pause = start - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                yield
            finally:
                with self._lock:
                    self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + delay)
        finally:
            sem.release()


def _looks_like(kind: str, head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if head.startswith(b"%pdf"):
        return False
    if kind == "html":
        return any(tag in head for tag in (b"<html", b"<!doctype html", b"<head", b"<body")) or (
            head.startswith(b"<") and not head.startswith(b"<?xml"))
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


class Client:
    """One per source and run: a connection pool with the address guard, the host gate, the policy."""

    def __init__(self, policy: Policy, allow_loopback: bool,
                 robots_check: Callable[[str], None] | None = None):
        self.policy, self.allow_loopback = policy, allow_loopback
        self.gate = HostGate(policy.delay_seconds, policy.per_host_concurrency)
        self.robots_check = robots_check        # raises FetchError(kind robots...) for a disallowed URL
        kw: dict = {}
        with contextlib.suppress(ImportError):
            import certifi
            kw["ca_certs"] = certifi.where()
        self.pool = urllib3.PoolManager(num_pools=50, maxsize=max(1, policy.per_host_concurrency),
                                        block=False, cert_reqs="CERT_REQUIRED", **kw)
        self.pool.pool_classes_by_scheme = pool_classes(allow_loopback)
        self.timeout = urllib3.Timeout(connect=policy.timeout_seconds, read=policy.timeout_seconds)
        # pages wait for a politeness slot until then; later they are deferred to the next run
        self.slots_until = time.monotonic() + policy.max_wait_seconds

    def close(self) -> None:
        self.pool.clear()

    # -- one attempt ---------------------------------------------------------------------------------
    def fetch(self, url: str, accept: str, headers: dict[str, str] | None = None) -> Response:
        """One attempt, following redirects; returns a 2xx or 304 response or raises FetchError."""
        seen = [normalize_url(url)]
        current = url
        budget = [self.policy.total_timeout_seconds]   # server time left, spent by each hop once it is sent
        for hop in range(self.policy.max_redirects + 1):
            if urlsplit(current).scheme not in ("http", "https"):
                raise FetchError(f"redirected to a non-http URL {current}", "redirect", final_url=current)
            if hop:                        # a redirect is a new URL: check it as if it were listed
                try:
                    check_url(current, self.allow_loopback)
                except BlockedHostError as exc:
                    raise FetchError(f"refused redirect to {current}: {exc}", "blocked", final_url=current) from None
                except OSError as exc:
                    raise FetchError(f"DNS: {exc}", "dns", final_url=current) from None
                if self.robots_check and accept != "robots":
                    self.robots_check(current)
            result = self._request(current, accept, headers, budget)
            if isinstance(result, Response):
                return result
            try:
                nxt = urljoin(current, result.strip())
                key = normalize_url(nxt)
            except ValueError as exc:
                raise FetchError(f"unusable redirect Location {result!r}: {exc}", "redirect",
                                 final_url=current) from None
            if key in seen:
                raise FetchError("redirect loop: " + " -> ".join(seen + [key]), "redirect", final_url=nxt)
            seen.append(key)
            current = nxt
        raise FetchError(f"more than {self.policy.max_redirects} redirects", "redirect", final_url=current)

    def _request(self, url: str, accept: str, headers: dict[str, str] | None, budget: list[float]) -> Response | str:
        """One request: a Response, or the Location of a redirect. Its deadline starts once the host's
        slot is ours, with what `budget` has left; the time it takes is taken from `budget`."""
        h = {"User-Agent": self.policy.user_agent, "Accept": ACCEPT[accept],
             "Accept-Encoding": "gzip, deflate", **(headers or {})}
        try:
            with self.gate.slot(host_key(url), self.slots_until):
                sent = time.monotonic()
                try:
                    return self._send(url, accept, h, sent + budget[0])
                finally:
                    budget[0] -= time.monotonic() - sent
        except NoSlot:          # raised on entering the slot only: nothing was sent
            raise FetchError(f"deferred: no politeness slot for {host_key(url)} within max_wait_seconds "
                             f"{self.policy.max_wait_seconds:g}s of this run", "deferred", final_url=url) from None

    def _send(self, url: str, accept: str, h: dict[str, str], deadline: float) -> Response | str:
        """The request, sent now, its headers and body in by `deadline`."""
        try:
            with headers_deadline(deadline):
                r = self.pool.request("GET", url, headers=h, redirect=False, retries=False,
                                      preload_content=False, decode_content=True, timeout=self.timeout)
        except BlockedHostError as exc:
            raise FetchError(str(exc), "blocked", final_url=url) from None
        except Exception as exc:  # every network failure becomes a FetchError
            if time.monotonic() >= deadline:
                raise FetchError(f"no complete headers within total_timeout_seconds "
                                 f"{self.policy.total_timeout_seconds:g}s", "timeout", final_url=url) from None
            raise _network_error(exc, url) from None
        complete = False
        try:
            if r.status in REDIRECTS:
                location = r.headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {r.status} without a Location", "http", r.status, final_url=url)
                return location
            hdrs = {k.lower(): v for k, v in r.headers.items()}
            if r.status == 304:
                return Response(url, 304, hdrs, b"")
            if not 200 <= r.status < 300:
                raise FetchError(f"HTTP {r.status} {r.reason or ''}".strip(), "http", r.status,
                                 parse_retry_after(r.headers.get("Retry-After")), final_url=url)
            resp = Response(url, r.status, hdrs, b"")
            sniff = self._check_type(accept, resp)
            length = r.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > self.policy.max_bytes:
                raise FetchError(f"body of {int(length)} bytes exceeds max_bytes {self.policy.max_bytes}",
                                 "too_large", r.status, final_url=url)
            resp.body = self._read(r, url, deadline)
            complete = True
            if sniff and not _looks_like(accept, resp.body):
                raise FetchError(f"content type {resp.mime or 'missing'} and the body does not look like "
                                 f"{'HTML' if accept == 'html' else 'a feed'}", "content_type", r.status,
                                 final_url=url)
            if accept == "html" and not sniff and resp.body.lstrip()[:4] == b"%PDF":
                raise FetchError(f"declared {resp.mime} but the body is a PDF", "content_type", r.status,
                                 final_url=url)
            return resp
        finally:
            if not complete:
                r.close()               # abandon an unread body rather than drain it
            r.release_conn()

    def _check_type(self, accept: str, resp: Response) -> bool:
        """Refuse a wrong type from the headers alone; True when the body must be sniffed."""
        mime = resp.mime
        if accept == "robots":
            return False
        if accept == "html":
            if mime in _HTML_TYPES:
                return False
            if mime in _SNIFF_TYPES:
                return True
        else:
            if any(word in mime for word in ("xml", "rss", "atom")):
                return False
            if mime in _SNIFF_TYPES or mime == "text/html":
                return True
        raise FetchError(f"refused content type {mime}: expected "
                         f"{'HTML' if accept == 'html' else 'an RSS/Atom feed'}", "content_type",
                         resp.status, final_url=resp.url)

    def _read(self, r: urllib3.BaseHTTPResponse, url: str, deadline: float) -> bytes:
        """The body, at most max_bytes of it, by the deadline. A read blocks until its whole chunk has
        arrived, so a body that drips one byte a second would never reach a check between chunks: a
        watchdog shuts the socket down at the deadline, which ends the blocked read at once."""
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            with contextlib.suppress(Exception):
                r.shutdown()

        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
        watchdog.daemon = True
        watchdog.start()
        late = FetchError(f"response took longer than total_timeout_seconds {self.policy.total_timeout_seconds:g}s "
                          "(stopped reading)", "timeout", r.status, final_url=url)
        chunks, size = [], 0
        try:
            for chunk in r.stream(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise FetchError(f"body exceeds max_bytes {self.policy.max_bytes} (stopped reading)",
                                     "too_large", r.status, final_url=url)
                if fired.is_set() or time.monotonic() > deadline:
                    raise late
                chunks.append(chunk)
        except FetchError:
            raise
        except Exception as exc:
            raise late if fired.is_set() else _network_error(exc, url) from None
        finally:
            watchdog.cancel()
        if fired.is_set():             # the shutdown can look like a normal end of a body without a length
            raise late
        return b"".join(chunks)

    # -- attempts with backoff -----------------------------------------------------------------------
    def fetch_with_retries(self, url: str, accept: str, headers: dict[str, str] | None = None) -> Outcome:
        """Up to max_attempts attempts, with exponential backoff and jitter, honouring Retry-After."""
        out = Outcome()
        for n in range(1, self.policy.max_attempts + 1):
            started = time.monotonic()
            try:
                resp = self.fetch(url, accept, headers)
            except FetchError as exc:
                out.attempts.append(Attempt("skipped" if exc.skip else "failed", started,
                                            time.monotonic() - started, exc.http_status, exc.reason,
                                            exc.final_url, sent=exc.kind != "deferred"))
                out.error = exc
                if not exc.retry_now or n == self.policy.max_attempts:
                    if exc.retry_after is not None:
                        out.deferred_for = exc.retry_after
                    return out
                wait = min(self.policy.backoff_max_seconds, self.policy.backoff_seconds * 2 ** (n - 1))
                wait = wait / 2 + random.uniform(0, wait / 2)
                if exc.retry_after is not None:
                    if exc.retry_after > self.policy.retry_after_max_seconds:
                        out.deferred_for = exc.retry_after
                        return out
                    self.gate.defer(host_key(exc.final_url or url), exc.retry_after)
                    wait = max(wait, exc.retry_after)
                time.sleep(wait)
                continue
            out.attempts.append(Attempt("unchanged" if resp.status == 304 else "fetched", started,
                                        time.monotonic() - started, resp.status, None, resp.url,
                                        resp.content_type, len(resp.body)))
            out.response, out.error = resp, None
            return out
        return out


def _network_error(exc: Exception, url: str) -> FetchError:
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return FetchError(f"timeout: {exc}", "timeout", final_url=url)
    if isinstance(exc, NameResolutionError):
        return FetchError(f"DNS: {exc}", "dns", final_url=url)
    if isinstance(exc, SSLError):
        return FetchError(f"TLS: {exc}", "tls", final_url=url)
    if isinstance(exc, NewConnectionError):
        return FetchError(f"connection failed: {exc}", "connect", final_url=url)
    if isinstance(exc, (ProtocolError, HTTPError, OSError)):
        return FetchError(f"{type(exc).__name__}: {exc}", "protocol", final_url=url)
    return FetchError(f"{type(exc).__name__}: {exc}", "protocol", final_url=url)
