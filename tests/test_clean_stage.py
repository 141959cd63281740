"""Cleaning over the warehouse: syndicated copies are one article, bad pages are recorded, nothing repeats."""
from datetime import datetime

from newsintel.clean.articles import clean_pages, clean_record
from newsintel.clean.text import content_hash, normalize_text
from newsintel.scrape.ingest import ingest_sources
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2026, 1, 1)
BODY = ("<p>Nigeria suspended Twitter indefinitely on Friday after the platform removed a post by the president, "
        "the information minister said in a statement.</p><p>Telecom operators were told to block access to the "
        "service, and several of them had done so by Saturday morning, according to users in Lagos and Abuja.</p>"
        "<p>The company called the move deeply concerning and said it would work to restore access for everyone "
        "in the country who relies on it to communicate and do business.</p>")


def page(site: str, canonical: str, clutter: str) -> str:
    return (f"<html lang='en'><head><title>Nigeria suspends Twitter | {site}</title>"
            f"<link rel='canonical' href='{canonical}'>"
            "<meta property='article:published_time' content='2021-06-05T09:00:00Z'></head><body>"
            f"<nav><a href='/'>Home</a><a href='/tech'>Tech</a></nav><div class='cookie'>We use cookies.</div>"
            f"<article><h1>Nigeria suspends Twitter</h1>{BODY}</article><aside>{clutter}</aside>"
            "<footer>© 2021 All rights reserved</footer></body></html>")


def _ingest_and_clean(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir(exist_ok=True)
    (inbox / "a.html").write_text(page("Ledger", "https://ledger.example/2021/06/05/nigeria-twitter", "Related: x"))
    (inbox / "b.html").write_text(page("Wire", "https://wire.example/news/nigeria-twitter", "Most read: y"))
    (inbox / "stub.html").write_text("<html><body><p>Subscribe to read.</p></body></html>")
    (tmp_path / "sources.yaml").write_text('sources:\n  - {id: t, kind: files, path: "in/*.html"}\n')
    wh = Warehouse(tmp_path / "t.duckdb")
    with wh.writer() as con:
        ingest_sources(con, load_sources(tmp_path / "sources.yaml"), NOW)
        report = clean_pages(con, NOW)
    return wh, report


def test_syndicated_copy_is_one_article_with_both_urls(tmp_path):
    wh, report = _ingest_and_clean(tmp_path)
    assert report.counts["new"] == 1 and report.counts["syndicated"] == 1
    (url, canonical, published, domain), = wh.query("SELECT url, canonical_url, published_at, domain FROM articles")
    assert canonical == "https://ledger.example/2021/06/05/nigeria-twitter" and domain == "ledger.example"
    assert published == datetime(2021, 6, 5, 9, 0)
    urls = wh.query("SELECT url, is_primary FROM article_urls ORDER BY url")
    assert [u[1] for u in urls] == [True, False]


def test_page_without_an_article_is_recorded_not_fatal(tmp_path):
    wh, report = _ingest_and_clean(tmp_path)
    assert report.counts["failed"] == 1
    (url, reason), = wh.query("SELECT url, reason FROM clean_failures")
    assert url.endswith("stub.html") and "no article body" in reason


def test_cleaning_again_does_nothing(tmp_path):
    wh, _ = _ingest_and_clean(tmp_path)
    with wh.writer() as con:
        ingest = ingest_sources(con, load_sources(tmp_path / "sources.yaml"), NOW)
        again = clean_pages(con, NOW)
    assert ingest.counts["unchanged"] == 3 and ingest.counts["new"] == 0
    assert sum(again.counts.values()) == 0


def test_changed_page_is_cleaned_again_as_an_update(tmp_path):
    wh, _ = _ingest_and_clean(tmp_path)
    (tmp_path / "in" / "a.html").write_text(page("Ledger", "https://ledger.example/2021/06/05/nigeria-twitter",
                                                 "x").replace("indefinitely", "until further notice"))
    with wh.writer() as con:
        ingest = ingest_sources(con, load_sources(tmp_path / "sources.yaml"), NOW)
        again = clean_pages(con, NOW)
    assert ingest.counts["updated"] == 1
    assert again.counts["updated"] == 1
    assert "until further notice" in wh.query("SELECT text FROM articles")[0][0]


def test_text_records_keep_hints_and_normalize():
    art = clean_record("https://ex.example/a", "text", "Line  one\r\ncontinues.\n\n\nSecond   para " + "word " * 30,
                       "A title", "2020-08-13")
    assert art.text.startswith("Line one continues.\n\nSecond para")
    assert art.published_at == datetime(2020, 8, 13) and art.title == "A title" and art.language == "en"


def test_content_hash_ignores_case_and_punctuation():
    assert content_hash("Hello, World!") == content_hash("hello world")
    assert normalize_text("a\u00a0b\n\n\n c") == "a b\n\nc"


def _clean_two_pages(tmp_path, second_body: str):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.html").write_text(page("Ledger", "https://ledger.example/a", "x"))
    (inbox / "b.html").write_text(page("Wire", "https://wire.example/b", "y").replace(BODY, second_body))
    (tmp_path / "sources.yaml").write_text('sources:\n  - {id: t, kind: files, path: "in/*.html"}\n')
    wh = Warehouse(tmp_path / "t.duckdb")
    with wh.writer() as con:
        ingest_sources(con, load_sources(tmp_path / "sources.yaml"), NOW)
        return wh, clean_pages(con, NOW)


def test_near_identical_copy_with_small_edits_is_the_same_story(tmp_path):
    edited = BODY.replace("several of them had done so by Saturday morning", "most had complied by the weekend")
    wh, report = _clean_two_pages(tmp_path, edited + "<p>Reporting by the wire desk; editing by the copy desk.</p>")
    assert report.counts["new"] == 1 and report.counts["syndicated"] == 1
    assert wh.query("SELECT count(*) FROM article_urls") == [(2,)]


def test_different_stories_on_the_same_topic_stay_apart(tmp_path):
    other = ("<p>Twitter said on Monday that it had restored access for users in Nigeria after the government ended "
             "its seven-month suspension, following talks over registration and local taxes.</p><p>The company "
             "agreed to open a local office and to work with the authorities on harmful content, the information "
             "ministry said in a statement issued in Abuja on Thursday evening.</p>")
    _, report = _clean_two_pages(tmp_path, other)
    assert report.counts["new"] == 2 and report.counts["syndicated"] == 0


def test_schema_gains_new_columns_on_an_old_database(tmp_path):
    import duckdb
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE articles (article_id TEXT PRIMARY KEY, url TEXT)")
    con.close()
    wh = Warehouse(db)
    with wh.writer() as con:
        cols = {r[0] for r in con.execute("DESCRIBE articles").fetchall()}
    assert {"simhash", "content_hash", "published_at"} <= cols
