"""The web source kinds against a real HTTP server on 127.0.0.1: good pages land, every fault is logged.

Every test drives `ingest_sources` on a temporary warehouse, as the pipeline does, and checks three
things: the run completes, `fetch_log` says what happened to each URL, and a second run asks the server
for nothing it already has. Nothing here may connect anywhere but 127.0.0.1: a guard on
`socket.connect` fails the test before a packet could leave.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import SHARED, LocalServer, guard_loopback

from newsintel.scrape import netguard, robots
from newsintel.scrape.ingest import ingest_sources
from newsintel.scrape.options import load_checked_sources as load_sources
from newsintel.sources import SourcesError
from newsintel.storage import Warehouse

NOW = datetime(2024, 5, 10, 12, 0, 0)
BENCH = SHARED / "benchmarks" / "article-extraction" / "html"
FAST = ("politeness: {delay_seconds: 0, timeout_seconds: 0.5, total_timeout_seconds: 5, max_attempts: 2, "
        "backoff_seconds: 0.01, max_bytes: 1000000, retry_after_max_seconds: 5}")

RU = ("Компания «Ростелеком» объявила о покупке регионального оператора связи за двенадцать миллиардов "
      "рублей. Сделка должна быть завершена до конца года, сообщили в пресс-службе компании. Аналитики "
      "считают, что покупка укрепит позиции компании на рынке широкополосного доступа.")
JA = ("東京証券取引所に上場する大手電機メーカーは、半導体事業の一部を売却すると発表した。売却額はおよそ"
      "三千億円となる見通しで、来年三月までに手続きを完了する予定だという。関係者によると、複数の投資"
      "ファンドが関心を示している。")

A1 = "/news/2024/05/01/acme-agrees-to-buy-borealis-for-two-billion.html"
A2 = "/news/2024/05/02/regulators-open-review-of-the-acme-borealis-deal.html"
A3 = "/news/2024/05/03/borealis-shares-jump-after-the-takeover-news.html"
SECRET = "/private/2024/05/04/secret-talks-between-the-two-rivals-leaked.html"


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1><p>{body}</p></article></body></html>")


def rss(items: list[tuple[str, str]]) -> str:
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate>"
                      f"</item>" for link, t in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Test news</title>"
            f"<link>/</link><description>d</description>{entries}</channel></rss>")


# -- the server --------------------------------------------------------------------------------------------
class Server(LocalServer):
    def __init__(self):
        super().__init__(Handler)
        self.hits: list[dict] = []
        self.counts: dict[str, int] = {}
        self.robots_status = 200
        self.robots_body: str | None = None
        self.pages: dict[str, tuple[int, dict, bytes]] = {}
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self, since: int = 0) -> list[str]:
        return [h["path"] for h in self.hits[since:]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, *args):  # keep pytest output clean
        pass

    def send(self, status: int, body: bytes | str = b"", ctype: str = "text/html; charset=utf-8",
             headers: dict | None = None, etag: bool = False) -> None:
        body = body.encode("utf-8") if isinstance(body, str) else body
        tag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        if etag and self.headers.get("If-None-Match") == tag:
            status, body = 304, b""
        self.hit["status"] = status
        self.send_response(status)
        if ctype and status != 304:
            self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", tag)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: C901 - one route table, read top to bottom
        srv = self.server
        path = self.path
        with srv.lock:
            n = srv.counts[path] = srv.counts.get(path, 0) + 1
            self.hit = dict(path=path, n=n, t=time.monotonic(), ua=self.headers.get("User-Agent"),
                            inm=self.headers.get("If-None-Match"), status=None)
            srv.hits.append(self.hit)
        try:
            if path == "/robots.txt":
                if srv.robots_status != 200:
                    return self.send(srv.robots_status, "down", "text/plain")
                if srv.robots_body is not None:
                    return self.send(200, srv.robots_body, "text/plain")
                return self.send(200, "User-agent: *\nDisallow: /private/\nAllow: /private/ok$\n\n"
                                      "User-agent: otherbot\nDisallow: /\n", "text/plain")
            if path in srv.pages:
                status, headers, body = srv.pages[path]
                return self.send(status, body, headers.get("ctype", "text/html; charset=utf-8"), etag=True)
            if path in (A1, A2, A3, SECRET, "/good1.html", "/good2.html", "/good3.html", "/private/ok"):
                return self.send(200, page(f"Page {path}", "Acme agreed to buy Borealis. " * 20), etag=True)
            if path == "/feed.xml":
                return self.send(200, rss([(A1, "Acme to buy Borealis"), (A2, "Regulators review"),
                                           (SECRET, "Secret")]), "application/rss+xml", etag=True)
            if path == "/bad-feed.xml":
                return self.send(200, "<rss><channel><<item>>\x00 this is not < xml &&&", "application/rss+xml")
            if path == "/feed-as-pdf.xml":
                return self.send(200, b"%PDF-1.4 not a feed", "application/pdf")
            if path == "/missing":
                return self.send(404, "no such page")
            if path == "/flaky":
                return self.send(500, "oops") if n == 1 else self.send(200, page("Flaky", "Back again."))
            if path == "/always-500":
                return self.send(503, "down")
            if path == "/ratelimited":
                if n == 1:
                    return self.send(429, "slow down", headers={"Retry-After": "1"})
                return self.send(200, page("Rate limited", "Patience pays."))
            if path == "/ratelimited-long":
                return self.send(429, "come back in an hour", headers={"Retry-After": "3600"})
            if path == "/slow":
                time.sleep(2)
                return self.send(200, page("Slow", "Too late."))
            if path in ("/loop/a", "/loop/b"):
                return self.send(302, "", headers={"Location": "/loop/b" if path == "/loop/a" else "/loop/a"})
            if path == "/redirect-to-good":
                return self.send(301, "", headers={"Location": "/good3.html"})
            if path == "/redirect-to-private-path":
                return self.send(302, "", headers={"Location": "/private/elsewhere.html"})
            if path == "/redirect-to-intranet":
                return self.send(302, "", headers={"Location": "http://intranet.test/admin"})
            if path == "/huge":
                return self.stream(50 * 1024 * 1024, chunked=False)
            if path == "/huge-chunked":
                return self.stream(50 * 1024 * 1024, chunked=True)
            if path == "/doc.pdf":
                return self.send(200, b"%PDF-1.4\n" + b"0" * 1000, "application/pdf")
            if path == "/pdf-as-html":
                return self.send(200, b"%PDF-1.4\n" + b"0" * 1000, "text/html")
            if path == "/ru.html":        # windows-1251 bytes, header claims UTF-8
                return self.send(200, page("Новости", RU).replace("<meta charset='utf-8'>", "").encode("cp1251"),
                                 "text/html; charset=utf-8")
            if path == "/ru-latin1.html":  # windows-1251 bytes, header claims the old ISO-8859-1 default
                return self.send(200, page("Новости", RU).replace("<meta charset='utf-8'>", "").encode("cp1251"),
                                 "text/html; charset=ISO-8859-1")
            if path == "/ja.html":        # Shift_JIS bytes, no charset anywhere
                return self.send(200, page("ニュース", JA).replace("<meta charset='utf-8'>", "").encode("shift_jis"),
                                 "text/html")
            if path == "/":
                return self.send(200, FRONT, etag=True)
            if path in ("/business", "/tech"):
                return self.send(200, SECTION[path], etag=True)
            if path == "/site-feed.xml":
                return self.send(200, rss([(A3, "Borealis shares jump")]), "application/rss+xml", etag=True)
            return self.send(404, "not here")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def stream(self, size: int, chunked: bool) -> None:
        """A big body written from one reused 64 KiB block: never allocated whole."""
        self.hit["status"] = 200
        block = b"<p>" + b"x" * (64 * 1024 - 3)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        sent = 0
        while sent < size:
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
            else:
                self.wfile.write(block)
            sent += len(block)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


FRONT = ("<html><head><title>Test News</title>"
         "<link rel='alternate' type='application/rss+xml' href='/site-feed.xml'></head><body>"
         "<nav><a href='/business'>Business</a> <a href='/tech'>Tech</a> <a href='/about'>About</a></nav>"
         f"<a href='{A1}'>Acme agrees to buy Borealis</a></body></html>")
SECTION = {"/business": f"<html><body><h1>Business</h1><a href='{A2}'>Regulators review the deal</a>"
                        f"<a href='{SECRET}'>Secret talks</a></body></html>",
           "/tech": f"<html><body><h1>Tech</h1><a href='{A1}'>Acme agrees</a></body></html>"}


@pytest.fixture
def server():
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any connect to anything but 127.0.0.1, and resolve `*.test` names to private addresses."""
    return guard_loopback(monkeypatch, {"intranet.test": "10.0.0.7", "metadata.test": "169.254.169.254"},
                          unknown_test_names_fail=True)


def run(tmp_path: Path, yaml: str, now: datetime = NOW):
    (tmp_path / "sources.yaml").write_text(yaml, encoding="utf-8")
    sources = load_sources(tmp_path / "sources.yaml")
    with Warehouse(tmp_path / "t.duckdb").writer() as con:
        return ingest_sources(con, sources, now)


def query(tmp_path: Path, sql: str, params=None) -> list[tuple]:
    return Warehouse(tmp_path / "t.duckdb").query(sql, params)


def log_by_url(tmp_path: Path, base: str) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for url, status, http_status, error, attempt in query(
            tmp_path, "SELECT url, status, http_status, error, attempt FROM fetch_log "
                      "ORDER BY attempted_at, attempt"):
        out.setdefault(url.replace(base, ""), []).append((status, http_status, error, attempt))
    return out


def stored_bodies(tmp_path: Path, base: str) -> dict[str, str]:
    return {url.replace(base, ""): body for url, body in Warehouse(tmp_path / "t.duckdb").page_bodies()}


# -- the tests ---------------------------------------------------------------------------------------------
def test_urls_source_every_fault_logged_and_second_run_fetches_nothing(tmp_path, server):
    faults = ["/good1.html", "/good2.html", "/redirect-to-good", "/missing", "/flaky", "/ratelimited",
              "/ratelimited-long", "/slow", "/loop/a", "/huge", "/huge-chunked", "/doc.pdf", "/pdf-as-html",
              "/ru.html", "/ru-latin1.html", "/ja.html", "/private/x.html", "/private/ok",
              "/redirect-to-private-path", "/good1.html?utm_source=x#frag"]
    urls = ", ".join(f'"{server.base}{p}"' for p in faults)
    yaml = f"sources:\n  - {{id: picked, kind: urls, local: true, urls: [{urls}], {FAST}}}\n"
    started = time.monotonic()
    report = run(tmp_path, yaml)
    assert time.monotonic() - started < 20
    log = log_by_url(tmp_path, server.base)
    st = lambda p: [row[0] for row in log[p]]  # noqa: E731

    assert st("/good1.html") == ["fetched"]                       # listed twice (tracking params): once
    assert st("/good2.html") == st("/redirect-to-good") == ["fetched"]
    assert log["/missing"] == [("failed", 404, "HTTP 404 Not Found", 1)]
    assert [(s, h) for s, h, _, _ in log["/flaky"]] == [("failed", 500), ("fetched", 200)]
    assert [(s, h, a) for s, h, _, a in log["/ratelimited"]] == [("failed", 429, 1), ("fetched", 200, 2)]
    assert st("/ratelimited-long") == ["failed"]                  # Retry-After 3600 > 5: deferred, not awaited
    assert st("/slow") == ["failed", "failed"] and "timeout" in log["/slow"][0][2]
    assert st("/loop/a") == ["failed"] and "redirect loop" in log["/loop/a"][0][2]
    assert st("/huge") == ["failed"] and "exceeds max_bytes" in log["/huge"][0][2]
    assert st("/huge-chunked") == ["failed"] and "stopped reading" in log["/huge-chunked"][0][2]
    assert st("/doc.pdf") == ["failed"] and "application/pdf" in log["/doc.pdf"][0][2]
    assert st("/pdf-as-html") == ["failed"] and "PDF" in log["/pdf-as-html"][0][2]
    assert log["/private/x.html"] == [("skipped", None, "disallowed by robots.txt", 0)]
    assert st("/private/ok") == ["fetched"]                       # Allow with $ beats the shorter Disallow
    assert st("/redirect-to-private-path") == ["skipped"]         # robots checked again on the redirect hop
    assert "/private/x.html" not in server.paths() and "/private/elsewhere.html" not in server.paths()

    bodies = stored_bodies(tmp_path, server.base)
    assert set(bodies) == {"/good1.html", "/good2.html", "/redirect-to-good", "/flaky", "/ratelimited",
                           "/ru.html", "/ru-latin1.html", "/ja.html", "/private/ok"}
    assert "двенадцать миллиардов рублей" in bodies["/ru.html"]
    assert "двенадцать миллиардов рублей" in bodies["/ru-latin1.html"]
    assert "三千億円" in bodies["/ja.html"]
    assert report.counts["new"] == 9 and report.counts["failed"] >= 8

    rate = [h["t"] for h in server.hits if h["path"] == "/ratelimited"]
    assert rate[1] - rate[0] >= 0.95                              # Retry-After: 1 was honoured
    assert {h["ua"] for h in server.hits} == {"newsintel/0.1 (+https://github.com/newsintel)"}

    state = dict(query(tmp_path, "SELECT replace(url, ?, ''), status FROM fetch_state", [server.base]))
    assert state["/missing"] == state["/loop/a"] == state["/doc.pdf"] == state["/huge"] == "gave_up"
    assert state["/slow"] == state["/ratelimited-long"] == "failed"
    assert state["/private/x.html"] == "skipped" and state["/good1.html"] == "fetched"
    (deferred,) = query(tmp_path, "SELECT next_attempt_at FROM fetch_state WHERE url = ?",
                        [server.base + "/ratelimited-long"])[0]
    assert deferred >= NOW + timedelta(seconds=3600)

    hits, rows = len(server.hits), query(tmp_path, "SELECT count(*) FROM fetch_log")[0][0]
    report2 = run(tmp_path, yaml, NOW + timedelta(minutes=1))
    assert server.paths(hits) == []                               # not even robots.txt: it is cached
    assert query(tmp_path, "SELECT count(*) FROM fetch_log")[0][0] == rows
    assert report2.counts["new"] == 0 and report2.counts["failed"] == 0


def test_feed_source_conditional_get_and_hints(tmp_path, server):
    yaml = f"sources:\n  - {{id: f, kind: feed, local: true, url: '{server.base}/feed.xml', {FAST}}}\n"
    run(tmp_path, yaml)
    log = log_by_url(tmp_path, server.base)
    assert [r[0] for r in log["/feed.xml"]] == ["fetched"]
    assert [r[0] for r in log[A1]] == [r[0] for r in log[A2]] == ["fetched"]
    assert log[SECRET] == [("skipped", None, "disallowed by robots.txt", 0)]
    hints = dict(query(tmp_path, "SELECT replace(url, ?, ''), title_hint FROM raw_pages", [server.base]))
    assert hints == {A1: "Acme to buy Borealis", A2: "Regulators review"}
    assert query(tmp_path, "SELECT published_hint FROM raw_pages LIMIT 1")[0][0].startswith("Wed, 01 May 2024")

    hits = len(server.hits)
    run(tmp_path, yaml, NOW + timedelta(hours=1))
    again = server.hits[hits:]
    assert [(h["path"], h["status"]) for h in again] == [("/feed.xml", 304)]
    assert again[0]["inm"]                                        # conditional GET with the stored ETag
    assert [r[0] for r in log_by_url(tmp_path, server.base)["/feed.xml"]] == ["fetched", "unchanged"]
    assert server.counts["/robots.txt"] == 1


def test_malformed_and_mistyped_feeds_fail_without_stopping_the_run(tmp_path, server):
    yaml = (f"sources:\n  - {{id: bad, kind: feed, local: true, url: '{server.base}/bad-feed.xml', {FAST}}}\n"
            f"  - {{id: pdf, kind: feed, local: true, url: '{server.base}/feed-as-pdf.xml', {FAST}}}\n"
            f"  - {{id: ok, kind: urls, local: true, urls: ['{server.base}/good1.html'], {FAST}}}\n")
    report = run(tmp_path, yaml)
    log = log_by_url(tmp_path, server.base)
    assert log["/bad-feed.xml"][0][0] == "failed" and "malformed feed" in log["/bad-feed.xml"][0][2]
    assert log["/feed-as-pdf.xml"][0][0] == "failed" and "application/pdf" in log["/feed-as-pdf.xml"][0][2]
    assert set(stored_bodies(tmp_path, server.base)) == {"/good1.html"}
    assert report.per_source["bad"]["failed"] == 1

    hits = len(server.hits)
    run(tmp_path, yaml, NOW + timedelta(minutes=1))               # feeds back off after a failure
    assert server.paths(hits) == []
    (status, nxt) = query(tmp_path, "SELECT status, next_attempt_at FROM fetch_state WHERE url LIKE '%bad-feed%'")[0]
    assert status == "failed" and nxt > NOW                       # a configured feed is never given up


def test_site_source_discovers_through_newspaper_and_polls_conditionally(tmp_path, server):
    yaml = f"sources:\n  - {{id: s, kind: site, local: true, url: '{server.base}/', {FAST}}}\n"
    run(tmp_path, yaml)
    log = log_by_url(tmp_path, server.base)
    assert {"/", "/business", "/tech", "/site-feed.xml"} <= set(log)
    assert "/about" not in log                                    # newspaper drops "about" sections
    assert set(stored_bodies(tmp_path, server.base)) == {A1, A2, A3}
    assert log[SECRET][0][:3] == ("skipped", None, "disallowed by robots.txt")
    roles = dict(query(tmp_path, "SELECT replace(url, ?, ''), role FROM fetch_state", [server.base]))
    assert roles["/"] == roles["/business"] == "index" and roles["/site-feed.xml"] == "feed" and roles[A1] == "page"

    hits = len(server.hits)
    run(tmp_path, yaml, NOW + timedelta(hours=1))
    again = server.hits[hits:]
    assert sorted(h["path"] for h in again) == sorted(["/", "/business", "/tech", "/site-feed.xml"])
    assert {h["status"] for h in again} == {304}


def test_private_hosts_are_refused_before_connecting(tmp_path, server, loopback_only):
    urls = [f"{server.base}/good1.html", "http://10.255.255.1/article", "http://intranet.test/a",
            "http://metadata.test/latest/meta-data/", "http://nowhere.test/x", "http://bad.test:99999/x"]
    yaml = (f"sources:\n  - {{id: web, kind: urls, urls: [{', '.join(repr(u) for u in urls)}], {FAST}}}\n"
            f"  - {{id: feed, kind: feed, url: '{server.base}/feed.xml', {FAST}}}\n")
    run(tmp_path, yaml)
    rows = query(tmp_path, "SELECT url, status, error FROM fetch_log")
    by_url = {u: (s, e) for u, s, e in rows}
    for url in urls[:4] + [f"{server.base}/feed.xml"]:
        status, error = by_url[url]
        assert status == "skipped" and "non-public address" in error and "local: true" in error, url
    assert by_url["http://nowhere.test/x"][0] == "failed" and "DNS" in by_url["http://nowhere.test/x"][1]
    assert by_url["http://bad.test:99999/x"][0] == "failed" and "invalid URL" in by_url["http://bad.test:99999/x"][1]
    assert server.hits == []                                      # not even robots.txt was asked for
    assert [a for a in loopback_only if a[0] != "127.0.0.1"] == []
    assert query(tmp_path, "SELECT count(*) FROM raw_pages")[0][0] == 0


def test_redirect_to_a_private_host_is_refused(tmp_path, server, monkeypatch, loopback_only):
    real = netguard.is_public
    monkeypatch.setattr(netguard, "is_public", lambda ip: str(ip) == "127.0.0.1" or real(ip))  # pretend public
    yaml = (f"sources:\n  - {{id: r, kind: urls, urls: ['{server.base}/redirect-to-intranet', "
            f"'{server.base}/good1.html'], {FAST}}}\n")
    run(tmp_path, yaml)
    log = log_by_url(tmp_path, server.base)
    (status, _, error, attempt), = log["/redirect-to-intranet"]
    assert status == "skipped" and "10.0.0.7" in error and attempt == 1
    assert [r[0] for r in log["/good1.html"]] == ["fetched"]
    assert [a for a in loopback_only if a[0] != "127.0.0.1"] == []


def test_failures_are_retried_on_later_runs_then_given_up(tmp_path, server):
    fast = FAST.replace("max_attempts: 2", "max_attempts: 1").rstrip("}") + ", give_up_after: 2}"
    yaml = (f"sources:\n  - {{id: r, kind: urls, local: true, urls: ['{server.base}/flaky', "
            f"'{server.base}/always-500', '{server.base}/ratelimited-long'], {fast}}}\n")
    run(tmp_path, yaml)
    state = lambda: {u.replace(server.base, ""): (s, n, r) for u, s, n, r in query(  # noqa: E731
        tmp_path, "SELECT url, status, next_attempt_at, failed_runs FROM fetch_state")}
    s1 = state()
    assert s1["/flaky"][0] == s1["/always-500"][0] == "failed"
    assert NOW + timedelta(minutes=13) <= s1["/always-500"][1] <= NOW + timedelta(minutes=17)
    assert s1["/ratelimited-long"][1] >= NOW + timedelta(hours=1)

    hits = len(server.hits)
    run(tmp_path, yaml, NOW + timedelta(minutes=5))               # not due yet
    assert server.paths(hits) == []

    run(tmp_path, yaml, NOW + timedelta(minutes=50))              # 500s due, Retry-After (1 h) not yet
    assert sorted(server.paths(hits)) == ["/always-500", "/flaky"]
    s3 = state()
    assert s3["/flaky"][0] == "fetched" and s3["/always-500"][0] == "gave_up" and s3["/always-500"][2] == 2
    reason = query(tmp_path, "SELECT last_error FROM fetch_state WHERE url LIKE '%always-500'")[0][0]
    assert reason.startswith("gave up (2 failed runs): HTTP 503")
    assert "/flaky" in stored_bodies(tmp_path, server.base)

    hits = len(server.hits)
    run(tmp_path, yaml, NOW + timedelta(days=30))
    assert server.paths(hits) == ["/robots.txt", "/ratelimited-long"]  # robots.txt expired; given-up URL not asked


def test_politeness_delay_concurrency_and_refetch(tmp_path, server):
    pol = "politeness: {delay_seconds: 0.25, workers: 4, timeout_seconds: 2}"
    urls = ", ".join(f"'{server.base}/good{i}.html'" for i in (1, 2, 3))
    run(tmp_path, f"sources:\n  - {{id: p, kind: urls, local: true, urls: [{urls}], {pol}}}\n")
    starts = sorted(h["t"] for h in server.hits)                 # robots.txt and three pages, one host
    assert len(starts) == 4
    assert min(b - a for a, b in pairwise(starts)) >= 0.24

    hits = len(server.hits)
    run(tmp_path, f"sources:\n  - {{id: p, kind: urls, local: true, refetch: true, urls: [{urls}], {pol}}}\n",
        NOW + timedelta(hours=1))
    again = server.hits[hits:]
    assert len(again) == 3 and all(h["inm"] and h["status"] == 304 for h in again)
    statuses = [s for (s,) in query(tmp_path, "SELECT status FROM fetch_log WHERE role <> 'robots' "
                                              "ORDER BY attempted_at")]
    assert statuses == ["fetched"] * 3 + ["unchanged"] * 3


def test_robots_unavailable_means_disallow_for_this_run(tmp_path, server):
    server.robots_status = 503
    yaml = f"sources:\n  - {{id: r, kind: urls, local: true, urls: ['{server.base}/good1.html'], {FAST}}}\n"
    run(tmp_path, yaml)
    (status, error), = query(tmp_path, "SELECT status, error FROM fetch_log WHERE role <> 'robots'")
    assert status == "skipped" and "robots.txt unavailable" in error
    assert query(tmp_path, "SELECT status, http_status FROM fetch_log WHERE role = 'robots'") == [("failed", 503)]
    assert server.paths() == ["/robots.txt"]
    server.robots_status = 200
    run(tmp_path, yaml, NOW + timedelta(hours=1))                 # rechecked soon, not in a day
    assert server.paths()[1:] == ["/robots.txt", "/good1.html"]


def test_broken_politeness_config_stops_the_run_before_any_fetch(tmp_path, server):
    """Issue 16: a bad option used to be one fetch_log row of its source under a green run."""
    yaml = (f"sources:\n  - {{id: ok, kind: urls, local: true, urls: ['{server.base}/good2.html'], {FAST}}}\n"
            f"  - {{id: bad, kind: urls, local: true, urls: ['{server.base}/good1.html'], "
            f"politeness: {{delay_secs: 1}}}}\n")
    with pytest.raises(SourcesError, match=r"source #2 \(bad\): unknown politeness option"):
        run(tmp_path, yaml)
    good = load_sources_text(tmp_path, yaml.split("  - {id: bad")[0])[0]
    broken = replace(good, id="bad", options={"politeness": {"delay_secs": 1}})   # built by code, not loaded
    with pytest.raises(SourcesError, match="unknown politeness option"):
        with Warehouse(tmp_path / "t.duckdb").writer() as con:
            ingest_sources(con, [broken], NOW)
    assert server.hits == []                                    # nothing was asked of the server


def load_sources_text(tmp_path: Path, yaml: str):
    (tmp_path / "only.yaml").write_text(yaml, encoding="utf-8")
    return load_sources(tmp_path / "only.yaml")


def test_benchmark_pages_are_stored_byte_for_byte(tmp_path, server):
    files = sorted(BENCH.glob("*.html.gz"))[:2] if BENCH.is_dir() else []
    if not files:
        pytest.skip(f"benchmark pages not found at {BENCH}")
    texts = {}
    for i, f in enumerate(files):
        with gzip.open(f, "rt", encoding="utf8") as fh:
            texts[f"/bench/{i}.html"] = fh.read()
        server.pages[f"/bench/{i}.html"] = (200, {}, texts[f"/bench/{i}.html"].encode("utf-8"))
    urls = ", ".join(f"'{server.base}{p}'" for p in texts)
    politeness = FAST.replace("1000000", "8000000")
    run(tmp_path, f"sources:\n  - {{id: b, kind: urls, local: true, urls: [{urls}], {politeness}}}\n")
    assert stored_bodies(tmp_path, server.base) == texts


def test_robots_rules_follow_rfc_9309():
    rules = robots.parse("User-agent: *\nDisallow: /\n\nUser-agent: NewsIntel\nUser-agent: other\n"
                         "Disallow: /search\nDisallow: /*.pdf$\nAllow: /search/about\nCrawl-delay: 3\n"
                         "Disallow: /caf%C3%A9/\n", "newsintel")
    allowed = rules.allowed
    assert allowed("https://x.com/news/a.html") and allowed("https://x.com/robots.txt")
    assert not allowed("https://x.com/search?q=1") and allowed("https://x.com/search/about")
    assert not allowed("https://x.com/files/report.pdf") and allowed("https://x.com/files/report.pdf?x=1")
    assert not allowed("https://x.com/café/menu")
    assert rules.crawl_delay == 3
    star = robots.parse("User-agent: *\nDisallow: /private\nAllow: /private\n", "newsintel")
    assert star.allowed("http://x/private/a")                     # equal length: allow wins
    assert robots.parse("", "newsintel").allowed("http://x/anything")


# A news site's robots.txt as they are written: wildcards for search and AMP pages, `$` anchors, Allow
# lines carving exceptions out of longer or shorter Disallow lines, a group for us and one for everyone.
NEWS_ROBOTS = """\
# robots.txt for www.example-news.com
User-agent: *
Disallow: /search
Allow: /search/help
Disallow: /*?s=
Disallow: /*/amp$
Disallow: /*.json$
Disallow: /live/*/comments
Allow: /live/*/comments/top$

User-agent: GPTBot
Disallow: /

User-agent: NewsIntel
Disallow: /archive/
Allow: /archive/*/index.html$
Allow: /archive/2024/
Crawl-delay: 2

Sitemap: https://www.example-news.com/sitemap.xml
"""


def test_robots_wildcards_and_end_anchor():
    star = robots.parse(NEWS_ROBOTS, "someotherbot").allowed           # only the `*` group names it
    site = "https://www.example-news.com"
    assert not star(f"{site}/news/acme-buys-borealis?s=acme")          # `*` in the middle of a path
    assert star(f"{site}/news/acme-buys-borealis?page=2")
    assert not star(f"{site}/news/acme-buys-borealis/amp")             # `$`: the path ends there
    assert star(f"{site}/news/acme-buys-borealis/amp/photos") and star(f"{site}/news/amp-and-more")
    assert not star(f"{site}/data/markets.json") and star(f"{site}/data/markets.json?v=2")
    assert not star(f"{site}/live/2024-05-10/comments") and not star(f"{site}/live/x/comments?page=3")
    assert star(f"{site}/live/2024-05-10/comments/top")                # the longer Allow, anchored
    assert not star(f"{site}/live/2024-05-10/comments/top/more")       # past the anchor: the Disallow again
    assert star(f"{site}/robots.txt")


def test_robots_longest_match_wins_whatever_the_order():
    ours = robots.parse(NEWS_ROBOTS, "newsintel")
    site = "https://www.example-news.com"
    assert ours.crawl_delay == 2
    assert ours.allowed(f"{site}/search?q=acme")                        # the `*` group is not ours
    assert not ours.allowed(f"{site}/archive/2023/05/story.html")      # Disallow /archive/
    assert ours.allowed(f"{site}/archive/2024/05/story.html")          # the longer Allow /archive/2024/
    assert ours.allowed(f"{site}/archive/2023/index.html")             # Allow with `*` and `$`, longer
    assert not ours.allowed(f"{site}/archive/2023/index.html?page=2")  # `$` does not reach past the query
    for rules in ("Disallow: /shop/\nAllow: /shop/*/public\n", "Allow: /shop/*/public\nDisallow: /shop/\n"):
        text = "User-agent: *\n" + rules
        allowed = robots.parse(text, "newsintel").allowed
        assert allowed("http://x/shop/42/public/a.html"), text         # longest pattern, not first listed
        assert not allowed("http://x/shop/42/private/a.html"), text
    shorter_allow = robots.parse("User-agent: *\nAllow: /\nDisallow: /*/print\n", "newsintel").allowed
    assert not shorter_allow("http://x/news/a/print") and shorter_allow("http://x/news/a")


def test_robots_wildcards_against_a_real_server(tmp_path, server):
    server.robots_body = ("User-agent: *\nDisallow: /\n\n"
                          "User-agent: newsintel\nDisallow: /*?s=\nDisallow: /*/amp$\n"
                          "Disallow: /archive/\nAllow: /archive/*/index.html$\n")
    paths = ["/news/a.html", "/news/a.html?s=acme", "/news/a/amp", "/news/a/amp/more",
             "/archive/2023/index.html", "/archive/2023/story.html", "/archive/2023/index.html?page=2"]
    for p in paths:
        server.pages[p] = (200, {}, page(f"Page {p}", "Acme agreed to buy Borealis. " * 20).encode())
    urls = ", ".join(f"'{server.base}{p}'" for p in paths)
    run(tmp_path, f"sources:\n  - {{id: w, kind: urls, local: true, urls: [{urls}], {FAST}}}\n")
    status = {url: rows[-1][0] for url, rows in log_by_url(tmp_path, server.base).items()}
    fetched = ["/news/a.html", "/news/a/amp/more", "/archive/2023/index.html"]
    assert status == {"/robots.txt": "fetched", **{p: "fetched" if p in fetched else "skipped" for p in paths}}
    assert sorted(server.paths()) == sorted(["/robots.txt", *fetched])   # nothing disallowed was asked for


def test_address_classification():
    import ipaddress
    public = lambda a: netguard.is_public(ipaddress.ip_address(a))  # noqa: E731
    assert public("93.184.216.34") and public("2606:2800:220:1:248:1893:25c8:1946")
    for a in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
              "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "224.0.0.1"):
        assert not public(a), a


def test_feed_item_that_failed_is_retried_after_it_left_the_feed(tmp_path, server):
    server.pages["/rotating.xml"] = (200, {"ctype": "application/rss+xml"}, rss([("/flaky", "Flaky story")]).encode())
    fast = FAST.replace("max_attempts: 2", "max_attempts: 1")
    yaml = f"sources:\n  - {{id: f, kind: feed, local: true, url: '{server.base}/rotating.xml', {fast}}}\n"
    run(tmp_path, yaml)
    assert stored_bodies(tmp_path, server.base) == {}
    server.pages["/rotating.xml"] = (200, {"ctype": "application/rss+xml"}, rss([("/good1.html", "Good")]).encode())
    run(tmp_path, yaml, NOW + timedelta(hours=1))
    assert set(stored_bodies(tmp_path, server.base)) == {"/flaky", "/good1.html"}
    hints = dict(query(tmp_path, "SELECT replace(url, ?, ''), title_hint FROM raw_pages", [server.base]))
    assert hints["/flaky"] == "Flaky story"                       # the feed's title survived the retry


def test_robots_crawl_delay_is_honoured(tmp_path, server):
    server.robots_body = "User-agent: *\nCrawl-delay: 0.3\nDisallow: /private/\n"
    urls = ", ".join(f"'{server.base}/good{i}.html'" for i in (1, 2, 3))
    run(tmp_path, f"sources:\n  - {{id: c, kind: urls, local: true, urls: [{urls}], {FAST}}}\n")
    starts = [h["t"] for h in server.hits if h["path"] != "/robots.txt"]
    assert len(starts) == 3 and min(b - a for a, b in pairwise(starts)) >= 0.29
