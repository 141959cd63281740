"""Hostile files: each bad file, line or row is one logged failure with its path and position, every good
record is kept, bounds hold, symlink loops end, and a source that yields only failures is never green.

Real files on disk, ingested by `ingest_sources` into a temporary warehouse (committed in batches, as the
pipeline does), and one Dagster materialization for what the run reports.
"""
from __future__ import annotations

import gzip
import json
import threading
import time
import tracemalloc
from datetime import datetime

from conftest import write_sources
from dagster import materialize

from newsintel.scrape.files import list_files, read_files_source
from newsintel.scrape.ingest import ingest_sources
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2024, 5, 10, 12, 0, 0)
BODY = ("Acme Robotics agreed to buy Borealis Systems for two billion dollars on Tuesday, the companies said, "
        "in a deal that regulators in three countries must still approve. ")


def _line(n: int, **extra) -> bytes:
    return json.dumps({"url": f"https://news.example/{n}", "title": f"Story {n}", "text": f"{BODY} ({n})",
                       **extra}).encode("utf-8") + b"\n"


def _ingest(tmp_path, yaml: str):
    sources = load_sources(write_sources(tmp_path, yaml))
    wh = Warehouse(tmp_path / "f.duckdb")
    return ingest_sources(wh, sources, NOW), wh


def test_each_bad_record_is_one_logged_failure_and_every_good_record_is_kept(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(f" date 2024-05-01 Acme buys Borealis\n\n{BODY}", encoding="utf-8")
    whole = gzip.compress(_line(1) + b"".join(_line(n) for n in range(100, 130)) + _line(3))
    (d / "cut.jsonl.gz").write_bytes(whole[:-30])                                 # a truncated download
    page = gzip.compress(f"<html><body><p>{BODY * 20}</p></body></html>".encode())
    (d / "cut.html.gz").write_bytes(page[: len(page) // 2])
    (d / "numbers.jsonl").write_bytes(_line(4) + json.dumps({"url": 12345, "text": BODY}).encode() + b"\n" + _line(5))
    (d / "latin1.jsonl").write_bytes(_line(6) + '{"text": "Caf\u00e9 owner sells the chain"}\n'.encode("latin-1")
                                     + _line(7))
    long_text = "word " * 40_000                                                  # a 200 KB field
    (d / "big.csv").write_text(f'url,title,text\nhttps://news.example/8,Long,"{long_text}"\n'
                               f'https://news.example/9,Short,"{BODY}"\n', encoding="utf-8")
    (d / "junk.html").write_bytes(bytes(range(256)) * 64)                          # binary under an .html name
    (d / "utf16.txt").write_bytes(f" date 2024-05-02 Wide text\n\n{BODY}".encode("utf-16"))
    (d / "utf16-nobom.txt").write_bytes(f"{BODY} without a byte order mark.".encode("utf-16-le"))
    (d / "nul.jsonl").write_bytes(json.dumps({"url": "https://news.example/10", "title": "T\u0000",
                                              "text": f"Acme\u0000 {BODY}"}).encode() + b"\n")

    report, wh = _ingest(tmp_path, 'sources:\n  - {id: mixed, kind: files, path: "in/*"}\n')

    failures = dict(wh.query("SELECT url, error FROM fetch_log WHERE status = 'failed'"))
    assert set(failures) == {"file://mixed/in/cut.jsonl.gz", "file://mixed/in/cut.html.gz",
                             "file://mixed/in/numbers.jsonl#2", "file://mixed/in/latin1.jsonl#2",
                             "file://mixed/in/junk.html"}
    assert "in/cut.jsonl.gz: truncated gzip file" in failures["file://mixed/in/cut.jsonl.gz"]
    assert "records before it were kept" in failures["file://mixed/in/cut.jsonl.gz"]
    assert "in/numbers.jsonl: line 2: 'url' must be a string" in failures["file://mixed/in/numbers.jsonl#2"]
    assert "line 2: not UTF-8 (byte 0xe9" in failures["file://mixed/in/latin1.jsonl#2"]
    assert "not a text document" in failures["file://mixed/in/junk.html"]
    assert report.counts["failed"] == 5 and report.per_source["mixed"]["failed"] == 5

    bodies = dict(wh.page_bodies())
    assert {f"https://news.example/{n}" for n in (1, 4, 5, 6, 7, 8, 9, 10)} <= set(bodies)
    assert "https://news.example/3" not in bodies                                # after the truncation
    assert len(bodies["https://news.example/8"].split()) == 40_000               # not cut at 128 KB
    wide = bodies["file://mixed/in/utf16.txt"]
    assert wide.startswith("Acme Robotics") and "\x00" not in wide
    assert "\x00" not in bodies["file://mixed/in/utf16-nobom.txt"]
    assert bodies["file://mixed/in/utf16-nobom.txt"].startswith("Acme Robotics")
    assert bodies["https://news.example/10"] == f"Acme {BODY}"
    assert not any("\x00" in b for b in bodies.values())
    titles = dict(wh.query("SELECT url, title_hint FROM raw_pages"))
    assert titles["file://mixed/in/utf16.txt"] == "Wide text" and titles["https://news.example/10"] == "T"
    assert report.sources_with_only_failures == []

    again, _ = _ingest(tmp_path, 'sources:\n  - {id: mixed, kind: files, path: "in/*"}\n')
    assert again.counts["new"] == again.counts["updated"] == 0                   # idempotent


def test_bytes_and_words_are_bounded_per_source(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b"a " * 20_000_000))  # 40 MB of "page"
    (d / "huge.txt").write_bytes(b"word " * 300_000)                              # 1.5 MB
    (d / "long.txt").write_text("word " * 3000, encoding="utf-8")
    (d / "long.html").write_text("<html><head><script>var a = 1; var b = 2;</script></head><body>"
                                 + "<p>one two three four five</p>" * 400 + "</body></html>", encoding="utf-8")
    (d / "ok.txt").write_text(BODY, encoding="utf-8")
    yaml = 'sources:\n  - {id: b, kind: files, path: "in/*", limits: {max_bytes: 1000000, max_words: 1000}}\n'
    tracemalloc.start()
    started = time.monotonic()
    report, wh = _ingest(tmp_path, yaml)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 30
    assert peak < 40_000_000                        # the 40 MB bomb is never inflated whole
    errors = dict(wh.query("SELECT url, error FROM fetch_log"))
    assert "inflates to more than limits.max_bytes 1000000" in errors["file://b/in/bomb.html.gz"]
    assert "file is 1500000 bytes, over limits.max_bytes 1000000" in errors["file://b/in/huge.txt"]
    assert errors["file://b/in/long.txt"] == "truncated to 1000 of 3000 words (limits.max_words)"
    assert errors["file://b/in/long.html"] == "truncated to 1000 of 2000 words (limits.max_words)"
    assert errors["file://b/in/ok.txt"] is None
    bodies = dict(wh.page_bodies())
    assert len(bodies["file://b/in/long.txt"].split()) == 1000
    assert bodies["file://b/in/long.html"].count("<p>") == 200 and "var a" in bodies["file://b/in/long.html"]
    assert report.counts["truncated"] == 2 and report.counts["failed"] == 2


def test_symlink_loops_in_a_glob_folder_end(tmp_path):
    d = tmp_path / "in" / "a"
    d.mkdir(parents=True)
    (d / "story.txt").write_text(BODY, encoding="utf-8")
    (d / "up").symlink_to("..")                    # in/a/up -> in: a loop
    (d / "top").symlink_to("../..")                # in/a/top -> tmp: a second, wider loop
    (tmp_path / "in" / "b.txt").write_text(BODY, encoding="utf-8")
    src = load_sources(write_sources(tmp_path, 'sources:\n  - {id: s, kind: files, path: "in/**/*"}\n'))[0]
    found: list = []
    walker = threading.Thread(target=lambda: found.append(list_files(src)), daemon=True)
    walker.start()
    walker.join(timeout=20)                        # the standard glob walks 2^40 paths here
    assert found, "listing files hung on symlink loops"
    names = sorted(p.name for p in found[0])
    assert names.count("story.txt") == 1 and names.count("b.txt") == 1


def test_a_source_that_yields_only_failures_warns_loudly(tmp_path):
    from assets.resources import SourcesResource, WarehouseResource
    from pipelines.definitions import ALL_ASSETS, checks
    from pipelines.run import ingest_summary

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.jsonl").write_bytes(b"{not json\n")
    (tmp_path / "bad" / "b.html").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "a.txt").write_text(BODY * 3, encoding="utf-8")
    yaml = write_sources(tmp_path, 'sources:\n  - {id: broken, kind: files, path: "bad/*"}\n'
                                   '  - {id: fine, kind: files, path: "good/*"}\n')
    result = materialize(ALL_ASSETS + checks.CHECKS, selection=["raw_pages"],
                         resources={"warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
                                    "sources": SourcesResource(path=str(yaml))})
    assert result.success                          # the good source is stored and flows on
    (check,) = [e.asset_check_evaluation_data for e in result.all_events
                if e.event_type_value == "ASSET_CHECK_EVALUATION"
                and e.asset_check_evaluation_data.check_name == "every_source_yields_records"]
    assert not check.passed and check.severity.value == "WARN"
    assert check.metadata["sources_with_only_failures"].value == "broken"
    meta = result.asset_materializations_for_node("raw_pages")[0].metadata
    assert meta["failed"].value == 2 and meta["new"].value == 1
    line = ingest_summary(result)
    assert "2 failed records" in line and "WARNING" in line and "broken" in line


def test_reader_yields_good_records_before_a_broken_file_ends(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    whole = gzip.compress(b"".join(_line(n) for n in range(1, 50)))
    (d / "cut.jsonl.gz").write_bytes(whole[:-40])
    src = load_sources(write_sources(tmp_path, 'sources:\n  - {id: s, kind: files, path: "in/*"}\n'))[0]
    recs = list(read_files_source(src))
    good = [r for r in recs if isinstance(r, RawRecord)]
    bad = [r for r in recs if isinstance(r, RecordError)]
    assert len(good) >= 40 and len(bad) == 1 and "truncated gzip" in bad[0].reason
