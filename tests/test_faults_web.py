"""Hostile servers on 127.0.0.1: a body that drips, redirects into private ranges from a `local` source,
and a crash in the middle of a web ingest (a real `kill -9` of a real process).

Nothing here may connect anywhere but 127.0.0.1: a guard on `socket.connect` fails the test first, so a
refusal is shown to happen before any connection to another address.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import REPO, LocalServer, guard_loopback

from newsintel.scrape.ingest import ingest_sources
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2024, 5, 10, 12, 0, 0)
FAST = "delay_seconds: 0, timeout_seconds: 5, max_attempts: 1, backoff_seconds: 0.01"
ARTICLE = ("<!doctype html><html><head><meta charset='utf-8'><title>Story {n}</title></head><body><article>"
           "<h1>Story {n}</h1><p>" + "Acme agreed to buy Borealis for two billion dollars. " * 20 +
           "</p></article></body></html>")


class Server(LocalServer):
    def __init__(self):
        super().__init__(Handler)
        self.hits: list[str] = []
        self.hold = threading.Event()          # /page/<hold_at> waits for this before answering
        self.hold_at: int | None = None
        self.reached = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for k, v in {"Content-Type": "text/html; charset=utf-8", **(headers or {})}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv, path = self.server, self.path
        srv.hits.append(path)
        try:
            if path == "/robots.txt":
                return self.send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
            if path == "/drip":                     # headers at once, then one byte a second
                body = b"<html><body>" + b"x" * 60
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(1)
                return None
            if path == "/drip-headers":             # the status line, then headers one byte a second
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for byte in b"Content-Type: text/html\r\nX-Slow: " + b"y" * 60:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(1)
                self.close_connection = True
                return None
            if path == "/to-metadata":
                return self.send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
            if path == "/to-ten":
                return self.send(302, headers={"Location": "http://10.0.0.1/admin"})
            if path == "/to-intranet":
                return self.send(302, headers={"Location": "http://intranet.test/"})
            if path == "/to-loopback":
                return self.send(302, headers={"Location": "/page/1"})
            if path.startswith("/page/"):
                n = int(path.rsplit("/", 1)[1])
                if n == srv.hold_at:
                    srv.reached.set()
                    srv.hold.wait(60)
                return self.send(200, ARTICLE.format(n=n).encode())
            return self.send(404, b"no")
        except (BrokenPipeError, ConnectionResetError):
            return None


@pytest.fixture
def server():
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.hold.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    return guard_loopback(monkeypatch, {"intranet.test": "192.168.10.5"})


def _yaml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _ingest_in_one_session(db: Path, yaml: Path) -> None:
    with Warehouse(db).writer() as con:
        ingest_sources(con, load_sources(yaml), NOW)


def _log(db: Path, base: str) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for url, status, error in Warehouse(db).query("SELECT url, status, error FROM fetch_log ORDER BY attempted_at"):
        out.setdefault(url.replace(base, ""), []).append((status, error))
    return out


@pytest.mark.parametrize("path, what", [("/drip", "a 72-second drip"),
                                        ("/drip-headers", "headers dripping for 80 seconds")])
def test_a_dripping_response_is_cut_at_total_timeout(tmp_path, server, path, what):
    yaml = _yaml(tmp_path, f"sources:\n  - {{id: d, kind: urls, local: true, urls: ['{server.base}{path}'], "
                           f"politeness: {{{FAST}, total_timeout_seconds: 1.5}}}}\n")
    started = time.monotonic()
    _ingest_in_one_session(tmp_path / "d.duckdb", yaml)
    elapsed = time.monotonic() - started
    assert elapsed < 6, f"{what} held the request {elapsed:.1f}s"   # before: the whole drip
    ((status, error),) = _log(tmp_path / "d.duckdb", server.base)[path]
    assert status == "failed" and "total_timeout_seconds 1.5s" in error


def test_a_local_source_reaches_loopback_only_even_by_redirect(tmp_path, server, loopback_only):
    urls = ["/to-metadata", "/to-ten", "/to-intranet", "/to-loopback"]
    yaml = _yaml(tmp_path, f"sources:\n  - {{id: l, kind: urls, local: true, "
                           f"urls: [{', '.join(repr(server.base + u) for u in urls)}], politeness: {{{FAST}}}}}\n")
    _ingest_in_one_session(tmp_path / "l.duckdb", yaml)
    log = _log(tmp_path / "l.duckdb", server.base)
    for path, address in (("/to-metadata", "169.254.169.254"), ("/to-ten", "10.0.0.1"),
                          ("/to-intranet", "192.168.10.5")):
        ((status, error),) = log[path]
        assert status == "skipped" and address in error and "loopback only" in error, path
    assert log["/to-loopback"] == [("fetched", None)]                # loopback itself is what local allows
    assert [a for a in loopback_only if a[0] != "127.0.0.1"] == []   # refused before connecting


def test_a_local_source_listing_a_private_address_is_refused(tmp_path, server, loopback_only):
    yaml = _yaml(tmp_path, "sources:\n  - {id: p, kind: urls, local: true, urls: ['http://10.0.0.1/a', "
                           f"'http://169.254.169.254/latest/'], politeness: {{{FAST}}}}}\n")
    _ingest_in_one_session(tmp_path / "p.duckdb", yaml)
    statuses = {u: s for u, s, in Warehouse(tmp_path / "p.duckdb").query("SELECT url, status FROM fetch_log")}
    assert statuses == {"http://10.0.0.1/a": "skipped", "http://169.254.169.254/latest/": "skipped"}
    assert [a for a in loopback_only if a[0] != "127.0.0.1"] == []


CRASHING_INGEST = textwrap.dedent("""
    import sys
    from datetime import datetime
    from newsintel.scrape.ingest import ingest_sources
    from newsintel.sources import load_sources
    from newsintel.storage import Warehouse
    ingest_sources(Warehouse(sys.argv[1]), load_sources(sys.argv[2]), datetime(2024, 5, 10, 12))
""")


def test_kill_9_in_a_web_ingest_loses_at_most_one_batch(tmp_path, server):
    pages = [f"/page/{n}" for n in range(1, 8)]
    yaml = _yaml(tmp_path, f"sources:\n  - {{id: w, kind: urls, local: true, "
                           f"urls: [{', '.join(repr(server.base + p) for p in pages)}], "
                           f"politeness: {{{FAST}, workers: 1, commit_every: 2}}}}\n")
    db = tmp_path / "w.duckdb"
    server.hold_at = 4                             # the second batch (pages 3, 4) is under way when we kill
    env = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_INGEST, str(db), str(yaml)], cwd=REPO, env=env)
    try:
        assert server.reached.wait(60), "the ingest never reached page 4"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.hold.set()
    assert proc.returncode == -signal.SIGKILL

    wh = Warehouse(db)                             # before: one transaction, nothing survived the crash
    stored = sorted(u.replace(server.base, "") for (u,) in wh.query("SELECT url FROM raw_pages"))
    assert stored == ["/page/1", "/page/2"]        # the first batch, committed with its requests
    assert sorted(u.replace(server.base, "") for (u,) in wh.query(
        "SELECT url FROM fetch_log WHERE status = 'fetched'")) == ["/page/1", "/page/2", "/robots.txt"]

    before = len(server.hits)
    server.hold_at = None
    report = ingest_sources(wh, load_sources(yaml), NOW + timedelta(minutes=5))
    again = [h for h in server.hits[before:] if h != "/robots.txt"]
    assert sorted(again) == sorted(pages[2:])      # only the lost batch and the rest: nothing fetched twice
    assert report.counts["new"] == 5
    assert wh.query("SELECT count(*) FROM raw_pages") == [(7,)]
    logged = {u for (u,) in wh.query("SELECT url FROM fetch_log WHERE role = 'page' AND status = 'fetched'")}
    assert logged == {server.base + p for p in pages}
    sent = {u.replace(server.base, "") for (u,) in wh.query("SELECT url FROM fetch_log WHERE attempt > 0")}
    assert sent == set(server.hits)                # every request the server saw is in fetch_log
