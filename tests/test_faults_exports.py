"""Multi-record exports (JSONL, CSV) are bounded per record and read as a stream.

Real files on disk. Before the fix an export over `limits.max_bytes` (8 MB, about 2,000 articles) was
refused whole under a green run, a CSV row with an unclosed quote swallowed the rows after it and one with
an unquoted comma was cut at the comma, both with "0 failed records".
"""
from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import textwrap
from datetime import datetime

from conftest import REPO, write_sources

from newsintel.scrape.files import read_files_source
from newsintel.scrape.ingest import ingest_sources
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2024, 5, 10, 12, 0, 0)
BODY = ("Acme Robotics agreed to buy Borealis Systems for two billion dollars on Tuesday, the companies said, "
        "in a deal that regulators in three countries must still approve. ")


def _article(n: int, words: int = 600) -> bytes:
    text = f"Story {n}. " + " ".join(f"w{n % 97}x{i}" for i in range(words))
    return json.dumps({"url": f"https://news.example/{n}", "title": f"Story {n}", "text": text}).encode() + b"\n"


def _read(tmp_path, limits: str = ""):
    src = load_sources(write_sources(tmp_path, f'sources:\n  - {{id: x, kind: files, path: "in/*"{limits}}}\n'))[0]
    recs = list(read_files_source(src))
    return ([r for r in recs if isinstance(r, RawRecord)], [r for r in recs if isinstance(r, RecordError)])


def test_a_10000_article_jsonl_export_with_no_limits_lands_every_article(tmp_path):
    (tmp_path / "in").mkdir()
    with open(tmp_path / "in" / "export.jsonl", "wb") as fh:
        for n in range(10_000):
            fh.write(_article(n))
    assert (tmp_path / "in" / "export.jsonl").stat().st_size > 40_000_000         # five times max_bytes
    sources = load_sources(write_sources(tmp_path, 'sources:\n  - {id: dump, kind: files, path: "in/*"}\n'))
    wh = Warehouse(tmp_path / "w.duckdb")
    report = ingest_sources(wh, sources, NOW)
    assert report.counts["new"] == 10_000 and report.counts["failed"] == 0
    assert wh.query("SELECT count(*) FROM raw_pages") == [(10_000,)]


READER = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from newsintel.scrape.files import read_files_source
    from newsintel.scrape.records import RawRecord
    from newsintel.sources import load_sources
    src = load_sources(Path(sys.argv[1]))[0]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    good = sum(isinstance(r, RawRecord) for r in read_files_source(src))
    print(good, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024)
""")


def test_a_large_export_is_read_in_bounded_memory(tmp_path):
    (tmp_path / "in").mkdir()
    with gzip.open(tmp_path / "in" / "big.jsonl.gz", "wb", compresslevel=1) as fh:
        for n in range(40_000):                                   # about 160 MB inflated
            fh.write(_article(n))
    sources = write_sources(tmp_path, 'sources:\n  - {id: big, kind: files, path: "in/*"}\n')
    out = subprocess.run([sys.executable, "-c", READER, str(sources)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    good, grown = map(int, out.stdout.split())
    assert good == 40_000
    assert grown < 64 * 2**20, f"reading grew the process by {grown / 2**20:.0f} MB"


def test_max_bytes_bounds_a_record_of_an_export(tmp_path):
    (tmp_path / "in").mkdir()
    huge = json.dumps({"url": "https://news.example/huge", "text": "word " * 50_000}).encode() + b"\n"
    (tmp_path / "in" / "mixed.jsonl").write_bytes(_article(1, 50) + huge + _article(3, 50))
    rows = [b"url,title,text\n", b'https://news.example/4,Four,"' + BODY.encode() + b'"\n',
            b'https://news.example/5,Five,"' + b"long " * 50_000 + b'"\n',
            b'https://news.example/6,Six,"' + BODY.encode() + b'"\n']
    (tmp_path / "in" / "mixed.csv").write_bytes(b"".join(rows))
    good, bad = _read(tmp_path, ", limits: {max_bytes: 100000}")
    assert sorted(r.url for r in good) == [f"https://news.example/{n}" for n in (1, 3, 4, 6)]
    reasons = sorted(b.reason for b in bad)
    assert reasons[0] == "in/mixed.csv: row 2 (line 3): a record of more than limits.max_bytes 100000 bytes"
    assert re.fullmatch(r"in/mixed\.jsonl: line 2: a record of 2500\d\d bytes, over limits\.max_bytes 100000",
                        reasons[1])


def test_csv_reports_unclosed_quotes_and_extra_fields_per_row_and_keeps_the_rest(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.csv").write_text(
        "url,title,text\n"
        f'https://news.example/1,One,"{BODY}"\n'
        f'https://news.example/2,"Two never closes,"{BODY}\n'                       # unclosed quote
        f'https://news.example/3,Three,"{BODY}"\n'
        f"https://news.example/4,Four, with a comma,{BODY}\n"                       # unquoted comma
        f'https://news.example/5,Five,"Paragraph one.\n\nParagraph two, {BODY}"\n'  # a legal multi-line field
        f'https://news.example/6,Six,"{BODY}"\n', encoding="utf-8")
    good, bad = _read(tmp_path)
    assert sorted(r.url for r in good) == [f"https://news.example/{n}" for n in (1, 3, 5, 6)]
    five = next(r for r in good if r.url.endswith("/5"))
    assert five.body.startswith("Paragraph one.\n\nParagraph two")
    assert len(bad) == 2
    reasons = {b.url: b.reason for b in bad}
    assert "in/export.csv: row 2 (line 3): not CSV" in reasons["file://x/in/export.csv#2"]
    assert re.search(r"row 4 \(line 5\): not CSV \(\d fields where the header has 3 \(an unquoted comma",
                     reasons["file://x/in/export.csv#4"])


def test_a_quote_never_closed_before_the_end_is_one_failure_and_the_rows_after_it_are_kept(tmp_path):
    (tmp_path / "in").mkdir()
    lines = ["url,title,text"] + [f'https://news.example/{n},T{n},"{BODY}"' for n in range(1, 40)]
    lines[10] = f'https://news.example/10,"Open quote,{BODY}'
    (tmp_path / "in" / "export.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for limits in ("", ", limits: {max_bytes: 1000}"):          # held in memory, or read again past the bound
        good, bad = _read(tmp_path, limits)
        assert len(good) == 38, limits
        assert [b.url for b in bad] == ["file://x/in/export.csv#10"]
        assert "line 11" in bad[0].reason and "never closed" in bad[0].reason
