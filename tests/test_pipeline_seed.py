"""The seed article through the whole pipeline, with Dagster's materialize on a temporary DuckDB file:
exactly the facts the contract lists, no more; and a second run changes nothing."""
import shutil
from datetime import date

import pytest
from conftest import run_pipeline, write_sources

from newsintel.storage import CONTRACT_TABLES, Warehouse, row_counts


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from conftest import SEED
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED} (set NEWSINTEL_SHARED to the shared/ folder)")
    seed_path, tmp_path = SEED, tmp_path_factory.mktemp("seed")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_path, corpus / seed_path.name)
    sources = write_sources(tmp_path, 'sources:\n  - {id: seed, kind: files, path: "corpus/*.txt"}\n')
    db = tmp_path / "seed.duckdb"
    run_pipeline(db, sources)
    return Warehouse(db), sources


def test_seed_companies_and_parents(seeded):
    wh, _ = seeded
    companies = dict(wh.query("SELECT company_id, parent_id FROM companies"))
    expected = {"bytedance", "tiktok", "reliance-industries", "jio-platforms", "microsoft", "twitter", "wechat"}
    optional = {"google", "google-play", "apple", "app-store", "techcrunch", "alphabet", "tencent"}
    assert expected <= set(companies) <= expected | optional
    assert companies["tiktok"] == "bytedance"
    assert companies["jio-platforms"] == "reliance-industries"
    kinds = dict(wh.query("SELECT company_id, kind FROM companies"))
    assert kinds.get("techcrunch", "media") == "media"
    assert "mukesh-ambani" not in companies


def test_seed_markets(seeded):
    wh, _ = seeded
    assert wh.query("SELECT market_id FROM markets ORDER BY 1") == [("IN",), ("US",)]


def test_seed_bans_exactly(seeded):
    wh, _ = seeded
    bans = wh.query("SELECT market_id, target_id, status, measure, event_date, date_precision, scope_count "
                    "FROM ban_reports ORDER BY market_id, target_id")
    assert [(b[0], b[1], b[2]) for b in bans] == [("IN", "tiktok", "enacted"), ("US", "tiktok", "enacted"),
                                                  ("US", "wechat", "enacted")]
    india = bans[0]
    assert india[4] == date(2020, 6, 1) and india[5] == "month" and india[6] == 59
    assert wh.query("SELECT count(*) FROM bans") == [(3,)]
    for (evidence,) in wh.query("SELECT evidence FROM ban_reports"):
        assert evidence in wh.query("SELECT text FROM articles")[0][0]


def test_seed_deals_exactly(seeded):
    wh, _ = seeded
    deals = wh.query("SELECT acquirer_id, target_id, deal_type, status, market_id, attributed_to, asset "
                     "FROM deal_reports ORDER BY acquirer_id")
    assert [d[:5] for d in deals] == [
        ("microsoft", "bytedance", "acquisition", "talks", "US"),
        ("reliance-industries", "bytedance", "investment", "talks", "IN"),
        ("twitter", "bytedance", "acquisition", "rumored", "US"),
    ]
    assert deals[1][5] == "TechCrunch"
    assert "US business" in deals[2][6]


def test_seed_market_metric(seeded):
    wh, _ = seeded
    assert wh.query("SELECT company_id, market_id, metric, value, qualifier FROM market_metrics") == [
        ("tiktok", "IN", "users", 200000000.0, "over")]


def test_seed_article_row(seeded):
    wh, _ = seeded
    (title, published, wc, lang, source), = wh.query(
        "SELECT title, published_at, word_count, language, source_id FROM articles")
    assert title.startswith("TikTok's ByteDance in talks")
    assert published.date() == date(2020, 8, 13)
    assert lang == "en" and wc > 300 and source == "seed"


def test_rerun_changes_nothing(seeded):
    wh, sources = seeded
    before = {t: wh.query(f"SELECT * FROM {t} ORDER BY ALL") for t in CONTRACT_TABLES}
    run_pipeline(wh.path, sources)
    after = {t: wh.query(f"SELECT * FROM {t} ORDER BY ALL") for t in CONTRACT_TABLES}
    for t in CONTRACT_TABLES:
        if t == "companies":
            continue
        assert before[t] == after[t], t
    with wh.reader() as con:
        assert row_counts(con, CONTRACT_TABLES) == {t: len(v) for t, v in before.items()}
