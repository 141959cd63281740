"""The embedded demo corpus through the whole pipeline, as `make run` does it, on a temporary database."""

import pytest
import yaml
from conftest import REPO, run_pipeline, write_sources

from newsintel.evaluate import evaluate
from newsintel.models import load_models
from newsintel.storage import CONTRACT_TABLES, Warehouse, row_counts

CONTRACT_VIEWS = ["company_overview", "market_overview", "ban_timeline", "deal_pipeline", "company_exposure",
                  "daily_mentions", "co_mentions"]
LABELS = REPO / "data" / "demo_labels.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    run_pipeline(db, REPO / "data" / "sources.yaml")
    return Warehouse(db)


def test_every_contract_table_and_view_is_filled(demo):
    with demo.reader() as con:
        counts = row_counts(con, CONTRACT_TABLES)
        views = {m.name: con.execute(f"SELECT count(*) FROM {m.name}").fetchone()[0] for m in load_models()}
    assert all(n > 0 for n in counts.values()), counts
    assert all(views[v] > 0 for v in CONTRACT_VIEWS), views


def test_every_labeled_story_is_one_article_and_the_syndicated_copy_is_not(demo):
    labels = yaml.safe_load(LABELS.read_text())
    distinct = [x for x in labels if not x.get("duplicate_of")]
    assert demo.query("SELECT count(*) FROM articles") == [(len(distinct),)]
    assert demo.query("SELECT count(*) FROM clean_failures") == [(0,)]
    (urls,), = demo.query("SELECT max(n) FROM (SELECT count(*) AS n FROM article_urls GROUP BY article_id)")
    assert urls == 2


def test_publication_dates_come_from_every_template(demo):
    undated = demo.query("SELECT url FROM articles WHERE published_at IS NULL")
    assert undated == []


def test_developing_stories_keep_their_status_history(demo):
    steps = [s for (s,) in demo.query(
        "SELECT status FROM deal_history WHERE deal_id = 'microsoft--bytedance' ORDER BY step")]
    assert steps[-1] == "abandoned" and "talks" in steps
    (status,), = demo.query("SELECT status FROM deal_talks WHERE deal_id = 'nvidia--arm'")
    assert status == "abandoned"
    (status,), = demo.query("SELECT status FROM deal_talks WHERE deal_id = 'microsoft--activision-blizzard'")
    assert status == "completed"
    nigeria = demo.query("SELECT status FROM bans WHERE market_id = 'NG' AND target_id = 'twitter'")
    assert ("lifted",) in nigeria


def test_every_report_quotes_a_sentence_of_its_article(demo):
    bad = demo.query("""
        SELECT r.report_id FROM (SELECT report_id, article_id, evidence FROM ban_reports
                                 UNION ALL SELECT report_id, article_id, evidence FROM deal_reports) r
        JOIN articles a USING (article_id)
        WHERE strpos(a.title || ' ' || a.text, r.evidence) = 0""")
    assert bad == []


def test_extraction_quality_on_the_labels_does_not_regress():
    ev = evaluate(LABELS, REPO / "data" / "demo")
    assert ev.errors == []
    assert ev.tallies["companies"].f1 >= 0.93
    assert ev.tallies["markets"].f1 >= 0.95
    assert ev.tallies["bans"].f1 >= 0.85
    assert ev.tallies["deals_unordered"].f1 >= 0.65
    assert ev.status["right"] / sum(ev.status.values()) >= 0.8
    assert ev.quiet_articles["noisy"] == 0


def test_rerun_changes_no_row_count(demo):
    with demo.reader() as con:
        before = row_counts(con, CONTRACT_TABLES)
    run_pipeline(demo.path, REPO / "data" / "sources.yaml")
    with demo.reader() as con:
        assert row_counts(con, CONTRACT_TABLES) == before


def test_bad_inputs_never_sink_a_run(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_text(" date 2021-06-05 Nigeria suspends Twitter\n\n" + (
        "Nigeria suspended Twitter indefinitely on Friday, the information minister said, after the platform "
        "deleted a post by President Muhammadu Buhari. Telecom operators were told to block access. ") * 3)
    (corpus / "broken.jsonl").write_text('{"url": "https://x.example/1", "text": "fine text but short"}\n{oops\n')
    (corpus / "binary.html").write_bytes(b"\x00\x01\x02\xff" * 100)
    (corpus / "empty.txt").write_text("")
    sources = write_sources(tmp_path, 'sources:\n  - {id: mixed, kind: files, path: "in/*"}\n'
                                      '  - {id: gone, kind: files, path: "missing/**/*.html"}\n')
    wh = Warehouse(tmp_path / "m.duckdb")
    run_pipeline(wh.path, sources)
    assert wh.query("SELECT target_id, status FROM ban_reports") == [("twitter", "enacted")]
    # the bad JSONL line and the binary "page" fail at read time; the empty text fails cleaning
    assert wh.query("SELECT count(*) FROM fetch_log WHERE status = 'failed'") == [(2,)]
    assert wh.query("SELECT count(*) FROM clean_failures") >= [(1,)]


def test_views_answer_the_analysts_questions_on_the_demo(demo):
    exposure = demo.query("SELECT company_id, market_id, metric, value FROM company_exposure")
    assert ("tiktok", "IN", "users", 200000000.0) in exposure
    paths = dict(demo.query("SELECT deal_id, status_path FROM deal_pipeline"))
    assert paths["nvidia--arm"] == "agreed → blocked → abandoned"
    assert paths["microsoft--activision-blizzard"] == "agreed → blocked → completed"
    assert paths["microsoft--bytedance"].startswith("talks") and paths["microsoft--bytedance"].endswith("abandoned")
    (top, markets), = demo.query("SELECT company_id, markets FROM companies_banned_most_markets WHERE ban_rank = 1")
    assert (top, markets) == ("tiktok", "IN, PK, US")
    overview = demo.query("SELECT market_id FROM market_overview ORDER BY ban_count DESC, market_id LIMIT 2")
    assert sorted(overview) == [("IN",), ("US",)]       # the two markets with the most bans in the corpus
    nigeria = demo.query("SELECT status, happened_on FROM ban_timeline WHERE market_id = 'NG' ORDER BY step")
    assert [(s, str(d)) for s, d in nigeria] == [("enacted", "2021-06-04"), ("lifted", "2022-01-13")]
    assert demo.query("SELECT company_a_id, company_b_id FROM co_mentions ORDER BY article_count DESC LIMIT 1") == [
        ("bytedance", "tiktok")]
    stalled = {d for (d,) in demo.query("SELECT deal_id FROM stalled_deals")}
    assert "reliance-industries--bytedance" in stalled and "nvidia--arm" not in stalled
