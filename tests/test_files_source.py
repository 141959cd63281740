"""The `files` source kind: seed-format text, HTML, JSONL and CSV exports, with stable identities."""
import json

from newsintel.scrape.files import parse_seed_text, read_files_source
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import load_sources


def _source(tmp_path, path="in/**/*"):
    (tmp_path / "sources.yaml").write_text(f'sources:\n  - {{id: local, kind: files, path: "{path}"}}\n')
    return load_sources(tmp_path / "sources.yaml")[0]


def test_seed_header_gives_date_and_title():
    rec = parse_seed_text(" date 2020-08-13 TikTok's ByteDance in talks.\n\nBody here.\n", "file://x/a.txt", "x")
    assert rec.published_hint == "2020-08-13"
    assert rec.title_hint == "TikTok's ByteDance in talks."
    assert rec.body.strip() == "Body here."


def test_text_without_header_is_all_body():
    rec = parse_seed_text("Just a body.\nSecond line.", "file://x/a.txt", "x")
    assert rec.published_hint is None and rec.body.startswith("Just a body.")


def test_every_format_is_read_and_identities_are_relative(tmp_path):
    d = tmp_path / "in" / "sub"
    d.mkdir(parents=True)
    (d / "a.txt").write_text(" date 2021-01-02 Title\n\nText body.")
    (d / "b.html").write_bytes("<html><head><meta charset='windows-1251'></head><body><p>Привет мир</p></body></html>"
                               .encode("cp1251"))
    (d / "c.jsonl").write_text(json.dumps({"url": "https://ex.example/1", "title": "T", "published": "2021-02-03",
                                           "text": "Body one."}) + "\n" + "{not json}\n" +
                               json.dumps({"title": "no body"}) + "\n" +
                               json.dumps({"text": "Body without url."}) + "\n")
    (d / "d.csv").write_text('url,title,published,text\n'
                             'https://ex.example/2,"A, quoted",2021-03-04,"Line one\nline two"\n')
    (d / "ignored.pdf").write_bytes(b"%PDF-1.4")
    recs = list(read_files_source(_source(tmp_path)))
    ok = [r for r in recs if isinstance(r, RawRecord)]
    bad = [r for r in recs if isinstance(r, RecordError)]
    urls = sorted(r.url for r in ok)
    assert "file://local/in/sub/a.txt" in urls and "file://local/in/sub/b.html" in urls
    assert "https://ex.example/1" in urls and "https://ex.example/2" in urls
    assert "file://local/in/sub/c.jsonl#4" in urls
    html = next(r for r in ok if r.url.endswith("b.html"))
    assert "Привет мир" in html.body
    csv_rec = next(r for r in ok if r.url == "https://ex.example/2")
    assert csv_rec.title_hint == "A, quoted" and "line two" in csv_rec.body
    assert sorted(e.url for e in bad) == ["file://local/in/sub/c.jsonl#2", "file://local/in/sub/c.jsonl#3"]
    assert all("line" in e.reason or "record" in e.reason for e in bad)


def test_unreadable_file_is_an_error_not_a_crash(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "bad.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    recs = list(read_files_source(_source(tmp_path)))
    assert recs and all(isinstance(r, RecordError) for r in recs)
