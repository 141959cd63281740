"""Syndicated copies are found by key: a near copy arriving in a later run is matched through the stored
LSH bands, and unrelated articles never become candidates of each other."""
from datetime import datetime

from newsintel.clean.articles import clean_pages
from newsintel.clean.lsh import BANDS, fingerprints
from newsintel.scrape.ingest import ingest_sources
from newsintel.sources import load_sources
from newsintel.storage import Warehouse

NOW = datetime(2026, 1, 1)
STORY = ("Harbour Freight agreed on Monday to buy the river barge operator Selwyn Lines for an undisclosed sum, "
         "the two companies said in a joint statement. The deal gives the buyer eleven more terminals along the "
         "northern canal and a fleet of forty barges. Regulators in two provinces still have to approve it, and "
         "the companies expect the review to take until the autumn. Selwyn Lines was founded by a family of "
         "boat builders and has grown slowly over three generations, according to its own history page. ")


def _run(tmp_path, name, text):
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "in" / name).write_text(text)
    (tmp_path / "s.yaml").write_text('sources:\n  - {id: t, kind: files, path: "in/*.txt"}\n')
    wh = Warehouse(tmp_path / "t.duckdb")
    with wh.writer() as con:
        ingest_sources(con, load_sources(tmp_path / "s.yaml"), NOW, bodies=wh.bodies)
        return wh, clean_pages(con, NOW, bodies=wh.bodies)


def test_near_copy_in_a_later_run_is_matched_through_stored_bands(tmp_path):
    wh, first = _run(tmp_path, "a.txt", STORY)
    assert first.counts["new"] == 1
    assert wh.query("SELECT count(*) FROM article_bands") == [(BANDS,)]
    edited = STORY.replace("on Monday", "late on Monday").replace("forty barges", "about forty barges") + \
        "Reporting by the river desk."
    _, second = _run(tmp_path, "b.txt", edited)
    assert second.counts["syndicated"] == 1 and second.counts["new"] == 0
    assert wh.query("SELECT count(DISTINCT article_id), count(*) FROM article_urls") == [(1, 2)]


def test_unrelated_texts_share_no_band():
    other = ("The city council voted on Tuesday to extend the tram line to the airport, a project first proposed "
             "a decade ago. Construction is due to start next spring and to last three years, officials said. ")
    _, a = fingerprints(STORY)
    _, b = fingerprints(other * 2)
    assert not set(enumerate(a)) & set(enumerate(b))


def test_a_database_made_before_bands_existed_gets_them_once_and_then_finds_old_copies(tmp_path):
    wh, _ = _run(tmp_path, "a.txt", STORY)
    with wh.writer() as con:                    # as an older version left it: articles, no bands, no record
        con.execute("DELETE FROM article_bands")
        con.execute("DELETE FROM migrations")
    edited = STORY.replace("on Monday", "late on Monday") + "Reporting by the river desk."
    _, second = _run(tmp_path, "b.txt", edited)
    assert second.counts["bands_backfilled"] == 1
    assert second.counts["syndicated"] == 1 and second.counts["new"] == 0
    assert wh.query("SELECT count(*) FROM article_bands") == [(BANDS,)]
    assert wh.query("SELECT name FROM migrations") == [("article_bands",)]
    _, third = _run(tmp_path, "c.txt", STORY.replace("Harbour Freight", "Quay Freight") + " Another line.")
    assert "bands_backfilled" not in third.counts             # once per database
