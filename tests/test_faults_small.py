"""The smaller faults of issue 16, each on real processes, files and addresses: two runs at once on a
brand-new Dagster home, an analyst's read-write session during ingest, million-character URLs, and IPv6
forms (NAT64, 6to4, IPv4-compatible) of loopback and private addresses.
"""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, write_sources

from newsintel.scrape import netguard
from newsintel.scrape.ingest import ingest_sources
from newsintel.sources import load_sources
from newsintel.storage import Warehouse
from newsintel.storage.publish import PublishRefused
from newsintel.urls import MAX_URL_CHARS

NOW = datetime(2024, 5, 10, 12, 0, 0)
BODY = ("Acme Robotics agreed to buy Borealis Systems for two billion dollars on Tuesday, the companies said, "
        "in a deal that regulators in three countries must still approve. ")


def test_two_runs_at_once_on_a_brand_new_dagster_home_both_complete(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")   # as a fresh checkout has it
    demo = REPO / "data" / "demo" / "bharat"
    sources = write_sources(tmp_path, f"sources:\n  - {{id: bharat, kind: files, path: '{demo}/*'}}\n")
    procs = []
    for name in ("a", "b"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINTEL_")}
        env.update(DAGSTER_HOME=str(home), NEWSINTEL_DB=str(tmp_path / f"{name}.duckdb"),
                   NEWSINTEL_SOURCES=str(sources), NEWSINTEL_BRIEFING=str(tmp_path / f"{name}.html"),
                   TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", TLDEXTRACT_CACHE=str(tmp_path / "tld"),
                   DAGSTER_DISABLE_TELEMETRY="1")
        procs.append(subprocess.Popen([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err[-3000:]       # before: "table bulk_actions already exists"


HOLD_OPEN = textwrap.dedent("""
    import duckdb, sys, time
    con = duckdb.connect(sys.argv[1])          # read-write: the DuckDB CLI's default
    print("open", flush=True)
    sys.stdin.read()
""")


def test_a_read_write_session_during_ingest_leaves_no_bogus_source_failure(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(BODY, encoding="utf-8")
    sources = load_sources(write_sources(tmp_path, 'sources:\n  - {id: desk, kind: files, path: "in/*"}\n'))
    db = tmp_path / "news.duckdb"
    wh = Warehouse(db)
    ingest_sources(wh, sources, NOW)                              # published

    analyst = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(db)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert analyst.stdout.readline().strip() == "open"
        (tmp_path / "in" / "b.txt").write_text(BODY + " Second story.", encoding="utf-8")
        with pytest.raises(PublishRefused, match="open read-write by process"):
            ingest_sources(wh, sources, NOW + timedelta(hours=1))
    finally:
        analyst.communicate("", timeout=30)

    def bogus(path: Path) -> list:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute("SELECT url, error FROM fetch_log WHERE error LIKE 'source failed%'").fetchall()
        finally:
            con.close()

    assert bogus(wh.store.work_path) == []       # before: "source failed: PublishRefused: ..." for good
    report = ingest_sources(wh, sources, NOW + timedelta(hours=2))
    assert report.counts["failed"] == 0
    assert bogus(db) == []
    assert {u for (u,) in wh.query("SELECT url FROM raw_pages")} == {"file://desk/in/a.txt", "file://desk/in/b.txt"}


def test_million_character_urls_are_refused_not_stored(tmp_path):
    huge = "https://news.example/" + "a" * 1_000_000
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.jsonl").write_text(
        json.dumps({"url": huge, "text": BODY}) + "\n" + json.dumps({"url": "https://news.example/ok", "text": BODY})
        + "\n", encoding="utf-8")
    yaml = ('sources:\n  - {id: dump, kind: files, path: "in/*"}\n'
            f"  - {{id: list, kind: urls, local: true, urls: ['http://127.0.0.1:9/{'b' * 1_000_000}']}}\n")
    wh = Warehouse(tmp_path / "w.duckdb")
    report = ingest_sources(wh, load_sources(write_sources(tmp_path, yaml)), NOW)
    assert report.counts["failed"] == 2 and report.counts["new"] == 1
    assert wh.query("SELECT url FROM raw_pages") == [("https://news.example/ok",)]
    longest = wh.query("SELECT max(length(url)) FROM fetch_log UNION ALL SELECT max(length(url)) FROM fetch_state")
    assert all(n is None or n <= MAX_URL_CHARS for (n,) in longest)
    errors = [e for (e,) in wh.query("SELECT error FROM fetch_log WHERE status = 'failed' ORDER BY error")]
    assert any("'url' has 1000021 characters, over the 8192 allowed" in e for e in errors)
    assert any("invalid URL: URL of 1000019 characters, over the 8192 allowed" in e for e in errors)


@pytest.mark.parametrize("address", [
    "64:ff9b::7f00:1",        # NAT64 (RFC 6052) of 127.0.0.1
    "64:ff9b::a9fe:a9fe",     # NAT64 of 169.254.169.254, the cloud metadata address
    "64:ff9b:1::a00:1",       # local-use NAT64 (RFC 8215) of 10.0.0.1
    "2002:7f00:1::1",         # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",      # 6to4 of 169.254.169.254
    "::7f00:1",               # IPv4-compatible 127.0.0.1
])
def test_ipv6_forms_of_loopback_and_private_addresses_are_refused(address):
    ip = ipaddress.ip_address(address)
    assert ip.is_global or ip.ipv4_mapped is not None           # what Python alone says: "public"
    assert not netguard.is_public(ip)
    for local in (False, True):                                  # `local: true` opens real loopback only
        with pytest.raises(netguard.BlockedHostError, match="non-public address"):
            netguard.check_url(f"http://[{address}]:8080/page", allow_loopback=local)


def test_ipv6_forms_of_public_addresses_stay_public():
    assert netguard.is_public(ipaddress.ip_address("64:ff9b::808:808"))       # NAT64 of 8.8.8.8
    assert netguard.is_public(ipaddress.ip_address("2002:808:808::1"))        # 6to4 of 8.8.8.8
    assert netguard.is_public(ipaddress.ip_address("2606:4700:4700::1111"))
