"""Timeouts measure the server, not the politeness queue: a real server on 127.0.0.1 with one host, slow
pages listed ahead of fast ones and a robots.txt Crawl-delay.

Before the fix a response's total timeout started before the wait for the host's politeness slot, so the
pages queued behind slow ones and the Crawl-delay timed out without being sent, counted as failed runs
and were given up; a site with a long Crawl-delay lost most of its pages every run.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from itertools import pairwise

import pytest
from conftest import LocalServer, guard_loopback, write_sources

from newsintel.scrape.ingest import ingest_sources
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2024, 5, 10, 12, 0, 0)
PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>Story {n}</title></head><body><article>"
        "<h1>Story {n}</h1><p>" + "Acme agreed to buy Borealis for two billion dollars. " * 20 +
        "</p></article></body></html>")


class Server(LocalServer):
    def __init__(self):
        super().__init__(Handler)
        self.hits: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, *args):
        pass

    def do_GET(self):
        with self.server.lock:
            self.server.hits.append((self.path, time.monotonic()))
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nCrawl-delay: 1\nAllow: /\n", "text/plain"
        else:
            if self.path.startswith("/slow/"):
                time.sleep(1.2)                   # within the 1.5 s total timeout, but not twice over
            body, ctype = PAGE.format(n=self.path).encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server(monkeypatch):
    guard_loopback(monkeypatch, {})
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _ingest(tmp_path, server, paths: list[str], extra: str = "", now: datetime = NOW):
    urls = ", ".join(f"'{server.base}{p}'" for p in paths)
    yaml = (f"sources:\n  - {{id: site, kind: urls, local: true, urls: [{urls}], politeness: "
            f"{{delay_seconds: 0, timeout_seconds: 5, total_timeout_seconds: 1.5, max_attempts: 1, "
            f"give_up_after: 1, workers: 4{extra}}}}}\n")
    wh = Warehouse(tmp_path / "w.duckdb")
    return ingest_sources(wh, load_sources(write_sources(tmp_path, yaml)), now), wh


def test_pages_queued_behind_slow_pages_and_a_crawl_delay_are_not_lost(tmp_path, server):
    paths = ["/slow/1", "/slow/2", "/fast/1", "/fast/2", "/fast/3", "/fast/4"]
    report, wh = _ingest(tmp_path, server, paths)
    assert report.counts["failed"] == 0, report.errors
    assert report.counts["new"] == len(paths)
    assert {u.removeprefix(server.base) for (u,) in wh.query("SELECT url FROM raw_pages")} == set(paths)
    assert wh.query("SELECT count(*) FROM fetch_state WHERE status IN ('failed', 'gave_up')") == [(0,)]
    times = sorted(t for p, t in server.hits if p != "/robots.txt")
    assert all(b - a >= 0.95 for a, b in pairwise(times))      # the Crawl-delay was kept


def test_a_page_without_a_slot_this_run_is_deferred_not_failed(tmp_path, server):
    paths = [f"/fast/{n}" for n in range(1, 6)]
    first, wh = _ingest(tmp_path, server, paths, extra=", max_wait_seconds: 2.6")
    assert first.counts["failed"] == 0 and 1 <= first.counts["new"] < len(paths)
    deferred = wh.query("SELECT status, failed_runs, next_attempt_at, last_error FROM fetch_state "
                        "WHERE url_id NOT IN (SELECT page_id FROM raw_pages)")
    assert deferred and all(s == "pending" and f == 0 and n is None and e.startswith("deferred: no politeness slot")
                            for s, f, n, e in deferred)
    logged = wh.query("SELECT DISTINCT status, attempt FROM fetch_log WHERE error LIKE 'deferred:%'")
    assert logged == [("skipped", 0)]                              # nothing was sent for them

    for run in range(1, 4):                                        # give_up_after is 1: deferrals never count
        if wh.query("SELECT count(*) FROM raw_pages") == [(len(paths),)]:
            break
        later, _ = _ingest(tmp_path, server, paths, extra=", max_wait_seconds: 2.6",
                           now=NOW + timedelta(hours=run))
        assert later.counts["failed"] == 0
    assert wh.query("SELECT count(*) FROM raw_pages") == [(len(paths),)]
    assert wh.query("SELECT count(*) FROM fetch_state WHERE status = 'gave_up'") == [(0,)]
