"""The SQL models: lineage read by sqlglot, dependency order, and the values each view returns on a small
hand-made dataset (TikTok/WeChat bans in India and the US, ByteDance deal talks)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from newsintel import models, quality, storage
from newsintel.models import ModelError
from newsintel.vocab import DEAL_STATUS_ORDER

CONTRACT_VIEWS = {"company_overview", "market_overview", "ban_timeline", "deal_pipeline",
                  "company_exposure", "daily_mentions", "co_mentions"}
D, T = dt.date, dt.datetime


# -- loading and lineage -----------------------------------------------------------------------------
def test_every_model_parses_and_documents_its_grain():
    loaded = models.load_models(known_tables=storage.DDL)
    names = {m.name for m in loaded}
    assert CONTRACT_VIEWS | {"companies_banned_most_markets", "stalled_deals", "latest_developments"} <= names
    for m in loaded:
        assert m.description.startswith(m.name), m.name
        assert m.grain.startswith("one row per") and m.unique, m.name
        assert m.columns and all(m.columns.values()), m.name
        assert m.path.parent == models.default_sql_dir() and m.path.with_suffix(".yml").exists(), m.name


def test_the_views_live_in_the_top_level_sql_folder():
    repo = Path(__file__).resolve().parent.parent
    assert sorted(p.stem for p in (repo / "sql").glob("*.sql")) == sorted(m.name for m in models.load_models())
    assert not (repo / "newsintel" / "sql").exists()


def test_deps_are_read_from_the_sql():
    by_name = {m.name: m for m in models.load_models()}
    assert by_name["deal_pipeline"].deps == {"deal_talks", "deal_history", "companies"}
    assert by_name["company_exposure"].deps == {"bans", "market_metrics", "articles", "companies", "markets"}
    assert by_name["stalled_deals"].deps == {"deal_pipeline", "articles"}
    assert models.find_deps("WITH x AS (SELECT * FROM main.articles) SELECT * FROM x, range(3) r") == {"articles"}


def test_models_come_in_dependency_order():
    order = [m.name for m in models.load_models()]
    assert order.index("deal_pipeline") < order.index("stalled_deals")


def _write(folder: Path, **files: str) -> Path:
    for name, sql in files.items():
        (folder / f"{name}.sql").write_text(sql)
    return folder


def test_a_cycle_is_reported(tmp_path):
    _write(tmp_path, a="SELECT * FROM b", b="SELECT * FROM c", c="SELECT * FROM a", d="SELECT 1 AS x")
    with pytest.raises(ModelError, match=r"cycle.*a <- b <- c <- a|cycle.*b <- c <- a <- b"):
        models.load_models(tmp_path)


def test_unknown_tables_and_non_select_files_are_rejected(tmp_path):
    _write(tmp_path, v="SELECT * FROM articles JOIN nowhere USING (article_id)")
    with pytest.raises(ModelError, match="unknown tables: nowhere"):
        models.load_models(tmp_path, known_tables=storage.DDL)
    assert models.load_models(tmp_path)[0].deps == {"articles", "nowhere"}  # no check without known_tables
    _write(tmp_path, v="CREATE VIEW v AS SELECT 1")
    with pytest.raises(ModelError, match="one SELECT"):
        models.load_models(tmp_path)


def test_header_ends_at_the_first_blank_line():
    description = models.parse_header("-- v\n-- what v answers\n--\n-- more\n\n-- not header\nSELECT 1 AS a")
    assert description == "v\nwhat v answers\n\nmore"


def test_the_yaml_beside_a_view_gives_grain_columns_and_tests(tmp_path):
    _write(tmp_path, v="-- v\nSELECT 1 AS a, 2 AS b")
    (tmp_path / "v.yml").write_text(
        "name: v\ngrain: {description: one row per a, unique: [a]}\ncolumns:\n"
        "  - {name: a, description: first, data_tests: [not_null, {accepted_values: {vocabulary: BAN_STATUSES}}]}\n"
        "  - {name: b, description: second}\n")
    m, = models.load_models(tmp_path)
    assert (m.grain, m.unique, m.columns) == ("one row per a", ("a",), {"a": "first", "b": "second"})
    assert m.tests == {"a": ["not_null", {"accepted_values": {"vocabulary": "BAN_STATUSES"}}]}
    for bad, message in [("[not_nul]", "unknown data test 'not_nul'"),
                         ("[{accepted_values: {vocabulary: NO_SUCH}}]", "accepted_values needs"),
                         ("[{relationships: {to: companies}}]", "relationships needs")]:
        (tmp_path / "v.yml").write_text(f"name: v\ncolumns:\n  - {{name: a, description: x, data_tests: {bad}}}\n")
        with pytest.raises(ModelError, match=message):
            models.load_models(tmp_path)
    (tmp_path / "v.yml").write_text("name: v\ngrain: {unique: [c]}\ncolumns: [{name: a}]\n")
    with pytest.raises(ModelError, match="grain names columns the file does not list: c"):
        models.load_models(tmp_path)


# -- the views on data -------------------------------------------------------------------------------
def _articles():
    rows = [("a0", T(2020, 1, 15), "TikTok grows in India"), ("a1", T(2020, 6, 30), "India bans 59 Chinese apps"),
            ("a2", T(2020, 7, 10), "Microsoft eyes TikTok"), ("a3", T(2020, 8, 2), "Microsoft confirms talks"),
            ("a4", T(2020, 9, 14), "ByteDance rejects Microsoft"), ("a5", T(2020, 8, 13), "Reliance and TikTok"),
            ("a6", T(2021, 1, 20), "Oracle in talks"), ("a7", None, "Undated piece")]
    return [dict(article_id=i, url=f"https://news.example/{i}", canonical_url=f"https://news.example/{i}",
                 source_id="test", title=title, published_at=pub, fetched_at=T(2021, 2, 1), text="...",
                 word_count=1, content_hash=i, page_id=i) for i, pub, title in rows]


def _rows(cols: str, *values) -> list[dict]:
    return [dict(zip(cols.split(), v, strict=True)) for v in values]


DATA = {
    "articles": _articles(),
    "companies": _rows(
        "company_id name parent_id country kind article_count origin",
        ("bytedance", "ByteDance", None, "CN", "company", 6, "registry"),
        ("tiktok", "TikTok", "bytedance", "CN", "app", 6, "registry"),
        ("wechat", "WeChat", "tencent", "CN", "app", 2, "registry"),
        ("microsoft", "Microsoft", None, "US", "company", 3, "registry"),
        ("reliance-industries", "Reliance Industries", None, "IN", "company", 1, "registry"),
        ("oracle", "Oracle", None, "US", "company", 1, "registry"),
        ("twitter", "Twitter", None, "US", "company", 0, "registry")),
    "markets": _rows("market_id name region article_count",
                     ("IN", "India", "Asia", 3), ("US", "United States", "Americas", 3)),
    "mentions": _rows(
        "article_id entity_kind entity_id surface count extractor_version",
        ("a0", "company", "tiktok", "TikTok", 2, "v1"), ("a0", "market", "IN", "India", 1, "v1"),
        ("a1", "company", "tiktok", "TikTok", 3, "v1"), ("a1", "company", "bytedance", "ByteDance", 1, "v1"),
        ("a1", "company", "wechat", "WeChat", 1, "v1"), ("a1", "market", "IN", "India", 2, "v1"),
        ("a2", "company", "microsoft", "Microsoft", 2, "v1"), ("a2", "company", "bytedance", "ByteDance", 1, "v1"),
        ("a2", "company", "tiktok", "TikTok", 2, "v1"), ("a2", "market", "US", "US", 1, "v1"),
        ("a3", "company", "microsoft", "Microsoft", 1, "v1"), ("a3", "company", "bytedance", "ByteDance", 1, "v1"),
        ("a3", "company", "tiktok", "TikTok", 1, "v1"), ("a3", "market", "US", "US", 2, "v1"),
        ("a4", "company", "microsoft", "Microsoft", 1, "v1"), ("a4", "company", "bytedance", "ByteDance", 1, "v1"),
        ("a5", "company", "reliance-industries", "Reliance", 2, "v1"),
        ("a5", "company", "bytedance", "ByteDance", 1, "v1"), ("a5", "company", "tiktok", "TikTok", 2, "v1"),
        ("a5", "market", "IN", "India", 1, "v1"), ("a5", "market", "US", "US", 1, "v1"),
        ("a6", "company", "oracle", "Oracle", 2, "v1"), ("a6", "company", "bytedance", "ByteDance", 1, "v1"),
        ("a7", "company", "tiktok", "TikTok", 1, "v1"), ("a7", "company", "wechat", "WeChat", 1, "v1")),
    "market_metrics": _rows(
        "article_id company_id market_id metric value qualifier evidence extractor_version",
        ("a0", "tiktok", "IN", "users", 120e6, "about", "TikTok has about 120 million users in India.", "v1"),
        ("a1", "tiktok", "IN", "users", 200e6, "over", "TikTok had over 200 million users in India.", "v1"),
        ("a2", "tiktok", "US", "users", 100e6, "about", "TikTok has about 100 million US users.", "v1"),
        ("a2", "microsoft", "US", "revenue", 1e11, None, "Microsoft earns $100 billion in the US.", "v1")),
    "ban_reports": _rows(
        "report_id article_id market_id target_id authority measure status event_date scope_count evidence "
        "confidence extractor_version",
        ("rb1", "a1", "IN", "tiktok", "the government of India", "app_ban", "enacted", D(2020, 6, 29), 59,
         "India banned TikTok and 58 other apps.", 0.9, "v1"),
        ("rb2", "a1", "IN", "wechat", "the government of India", "app_ban", "enacted", D(2020, 6, 29), 59,
         "WeChat was among the 59 apps.", 0.9, "v1"),
        ("rb3", "a3", "US", "tiktok", "President Trump", "transaction_ban", "proposed", D(2020, 8, 2), None,
         "Trump said he would ban TikTok.", 0.8, "v1"),
        ("rb4", "a5", "US", "wechat", "President Trump", "transaction_ban", "enacted", None, None,
         "An executive order bans WeChat transactions.", 0.8, "v1")),
    "deal_reports": _rows(
        "report_id article_id acquirer_id target_id asset deal_type status market_id event_date evidence "
        "confidence extractor_version",
        ("rd1", "a2", "microsoft", "bytedance", "TikTok's US business", "acquisition", "rumored", "US", None,
         "Microsoft is said to eye TikTok.", 0.7, "v1"),
        ("rd2", "a3", "microsoft", "bytedance", "TikTok's US business", "acquisition", "talks", "US",
         D(2020, 8, 2), "Microsoft confirmed talks.", 0.9, "v1"),
        ("rd3", "a4", "microsoft", "bytedance", "TikTok's US business", "acquisition", "abandoned", "US",
         D(2020, 9, 13), "ByteDance rejected Microsoft's bid.", 0.9, "v1"),
        ("rd4", "a5", "reliance-industries", "bytedance", None, "investment", "talks", "IN", None,
         "Reliance is in talks to invest in TikTok's India business.", 0.8, "v1"),
        ("rd5", "a6", "oracle", "bytedance", None, "acquisition", "talks", "US", None,
         "Oracle is in talks with ByteDance.", 0.8, "v1")),
    "bans": _rows(
        "ban_id market_id target_id measure status first_reported last_reported event_date report_count "
        "article_count authority scope_count",
        ("b-in-tiktok", "IN", "tiktok", "app_ban", "enacted", T(2020, 6, 30), T(2020, 6, 30), D(2020, 6, 29), 1, 1,
         "the government of India", 59),
        ("b-in-wechat", "IN", "wechat", "app_ban", "enacted", T(2020, 6, 30), T(2020, 6, 30), D(2020, 6, 29), 1, 1,
         "the government of India", 59),
        ("b-us-tiktok", "US", "tiktok", "transaction_ban", "blocked", T(2020, 8, 2), T(2020, 9, 28),
         D(2020, 8, 6), 3, 3, "President Trump", None),
        ("b-us-wechat", "US", "wechat", "transaction_ban", "enacted", T(2020, 8, 13), T(2020, 8, 13), None, 1, 1,
         "President Trump", None)),
    "ban_history": _rows(
        "ban_id step status event_date first_reported report_count evidence",
        ("b-in-tiktok", 1, "enacted", D(2020, 6, 29), T(2020, 6, 30), 1, "India banned TikTok."),
        ("b-in-wechat", 1, "enacted", D(2020, 6, 29), T(2020, 6, 30), 1, "WeChat was among the 59 apps."),
        ("b-us-tiktok", 2, "enacted", D(2020, 8, 6), T(2020, 8, 7), 1, "Trump signed an order."),
        ("b-us-tiktok", 1, "proposed", D(2020, 8, 2), T(2020, 8, 2), 1, "Trump said he would ban TikTok."),
        ("b-us-tiktok", 3, "blocked", D(2020, 9, 27), T(2020, 9, 28), 1, "A judge blocked the ban.")),
    "deal_talks": _rows(
        "deal_id acquirer_id target_id deal_type status value_usd market_id first_reported last_reported "
        "report_count article_count asset",
        ("d-ms", "microsoft", "bytedance", "acquisition", "abandoned", None, "US", T(2020, 7, 10), T(2020, 9, 14),
         3, 3, "TikTok's US business"),
        ("d-ril", "reliance-industries", "bytedance", "investment", "talks", None, "IN", T(2020, 8, 13),
         T(2020, 8, 13), 1, 1, None),
        ("d-tw", "twitter", "bytedance", "acquisition", "rumored", None, "US", T(2020, 8, 8), T(2020, 10, 30),
         2, 2, "TikTok's US business"),
        ("d-or", "oracle", "bytedance", "acquisition", "talks", None, "US", T(2021, 1, 20), T(2021, 1, 20),
         1, 1, None)),
    "deal_history": _rows(
        "deal_id step status event_date first_reported report_count evidence",
        ("d-ms", 3, "abandoned", D(2020, 9, 13), T(2020, 9, 14), 1, "ByteDance rejected Microsoft's bid."),
        ("d-ms", 1, "rumored", None, T(2020, 7, 10), 1, "Microsoft is said to eye TikTok."),
        ("d-ms", 2, "talks", D(2020, 8, 2), T(2020, 8, 2), 1, "Microsoft confirmed talks."),
        ("d-ril", 1, "talks", None, T(2020, 8, 13), 1, "Reliance is in talks."),
        ("d-tw", 1, "rumored", None, T(2020, 8, 8), 2, "Twitter is said to be interested.")),
}


def _connect(path: Path, data: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    storage.ensure_schema(con)
    for table, rows in data.items():
        storage.insert_rows(con, table, rows)
    models.create_views(con, models.load_models(known_tables=storage.DDL))
    return con


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = _connect(tmp_path_factory.mktemp("models") / "test.duckdb", DATA)
    yield con
    con.close()


def q(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_views_work_on_empty_tables_and_match_their_documented_columns(tmp_path):
    con = _connect(tmp_path / "empty.duckdb", {})
    for m in models.load_models():
        assert con.execute(f"SELECT count(*) FROM {m.name}").fetchone()[0] == 0, m.name
        assert [r[0] for r in con.execute(f"DESCRIBE {m.name}").fetchall()] == list(m.columns), m.name
    con.close()


def test_the_views_pass_their_yaml_data_tests_and_the_tests_can_fail(con):
    rules = quality.view_rules(models.load_models())
    assert {r.table for r in rules} == {m.name for m in models.load_models()}
    failing = {r.name: n for r in rules if (n := con.execute(r.sql).fetchone()[0])}
    assert failing == {}
    broken = models.Model(name="bt", path=Path("bt.sql"), sql="", description="", columns={}, deps=frozenset(),
                          unique=("ban_id",), tests={"status": [{"accepted_values": {"values": ["enacted"]}}],
                                                     "previous_status": ["not_null"],
                                                     "target_id": [{"relationships": {"to": "markets",
                                                                                      "field": "market_id"}}]})
    con.execute("CREATE OR REPLACE TEMP VIEW bt AS SELECT * FROM ban_timeline")
    counts = {r.name: con.execute(r.sql).fetchone()[0] for r in quality.view_rules([broken])}
    assert all(counts.values()) and len(counts) == 4, counts


def test_company_exposure(con):
    rows = q(con, "SELECT company_id, market_id, metric, value, qualifier, figure_count, figure_article_id "
                  "FROM company_exposure ORDER BY market_id")
    assert rows == [
        dict(company_id="tiktok", market_id="IN", metric="users", value=200000000.0, qualifier="over",
             figure_count=2, figure_article_id="a1"),
        dict(company_id="tiktok", market_id="US", metric="users", value=100000000.0, qualifier="about",
             figure_count=1, figure_article_id="a2"),
    ]


def test_deal_pipeline_status_path(con):
    ms = q(con, "SELECT * FROM deal_pipeline WHERE deal_id = 'd-ms'")[0]
    assert ms["status_path"] == "rumored → talks → abandoned"
    assert ms["status_timeline"] == "rumored (2020-07-10) → talks (2020-08-02) → abandoned (2020-09-13)"
    assert (ms["step_count"], ms["first_status_on"], ms["status_since"]) == (3, D(2020, 7, 10), D(2020, 9, 13))
    assert (ms["is_open"], ms["stage_order"], ms["acquirer_name"], ms["target_name"]) == (
        False, DEAL_STATUS_ORDER["abandoned"] + 1, "Microsoft", "ByteDance")
    oracle = q(con, "SELECT status_path, is_open, step_count FROM deal_pipeline WHERE deal_id = 'd-or'")
    assert oracle == [dict(status_path="talks", is_open=True, step_count=1)]  # no history: its own status


def test_stalled_deals_use_the_datas_clock(con):
    rows = q(con, "SELECT deal_id, status, days_silent, data_as_of FROM stalled_deals")
    # d-ril: talks, silent 160 days; d-tw rumored but only 82 days; d-or fresh; d-ms abandoned.
    assert rows == [dict(deal_id="d-ril", status="talks", days_silent=160, data_as_of=T(2021, 1, 20))]


def test_co_mentions(con):
    rows = {(r["company_a_id"], r["company_b_id"]): r["article_count"]
            for r in q(con, "SELECT * FROM co_mentions")}
    assert rows[("bytedance", "tiktok")] == 4
    assert rows[("bytedance", "microsoft")] == 3
    assert rows[("tiktok", "wechat")] == 2  # a1 and the undated a7
    assert rows[("bytedance", "oracle")] == 1
    assert all(a < b for a, b in rows)
    assert len(rows) == 8
    pair = q(con, "SELECT * FROM co_mentions WHERE company_a_id = 'tiktok' AND company_b_id = 'wechat'")[0]
    assert (pair["company_a_name"], pair["first_co_mentioned_at"], pair["last_co_mentioned_at"]) == (
        "TikTok", T(2020, 6, 30), T(2020, 6, 30))


def test_daily_mentions(con):
    rows = q(con, "SELECT day, entity_name, article_count, mention_count FROM daily_mentions "
                  "WHERE entity_id = 'tiktok' ORDER BY day")
    assert [r["day"] for r in rows] == [D(2020, 1, 15), D(2020, 6, 30), D(2020, 7, 10), D(2020, 8, 2),
                                        D(2020, 8, 13)]  # the undated a7 is left out
    assert rows[1] == dict(day=D(2020, 6, 30), entity_name="TikTok", article_count=1, mention_count=3)
    india = q(con, "SELECT sum(mention_count) AS n FROM daily_mentions WHERE entity_kind = 'market' "
                   "AND entity_id = 'IN'")
    assert india == [dict(n=4)]


def test_ban_timeline(con):
    rows = q(con, "SELECT step, status, previous_status, happened_on, is_latest, market_name, target_name "
                  "FROM ban_timeline WHERE ban_id = 'b-us-tiktok' ORDER BY step")
    assert [(r["status"], r["previous_status"], r["is_latest"]) for r in rows] == [
        ("proposed", None, False), ("enacted", "proposed", False), ("blocked", "enacted", True)]
    assert (rows[0]["market_name"], rows[0]["target_name"], rows[2]["happened_on"]) == (
        "United States", "TikTok", D(2020, 9, 27))
    fallback = q(con, "SELECT step, status, happened_on, evidence, is_latest FROM ban_timeline "
                      "WHERE ban_id = 'b-us-wechat'")
    assert fallback == [dict(step=1, status="enacted", happened_on=D(2020, 8, 13), evidence=None, is_latest=True)]
    assert con.execute("SELECT count(*) FROM ban_timeline").fetchone()[0] == 6


def test_companies_banned_most_markets(con):
    rows = q(con, "SELECT ban_rank, company_id, enacted_market_count, market_count, enacted_markets, markets "
                  "FROM companies_banned_most_markets")
    assert rows == [
        dict(ban_rank=1, company_id="wechat", enacted_market_count=2, market_count=2, enacted_markets="IN, US",
             markets="IN, US"),
        dict(ban_rank=2, company_id="tiktok", enacted_market_count=1, market_count=2, enacted_markets="IN",
             markets="IN, US"),
    ]


def test_latest_developments(con):
    rows = q(con, "SELECT * FROM latest_developments")
    assert [r["report_id"] for r in rows[:4]] == ["rd5", "rd3", "rb4", "rd4"]
    top = rows[0]
    assert top["headline"] == "Oracle / ByteDance: acquisition (talks)"
    assert (top["article_title"], top["article_url"], top["evidence"]) == (
        "Oracle in talks", "https://news.example/a6", "Oracle is in talks with ByteDance.")
    india = next(r for r in rows if r["report_id"] == "rb1")
    assert india["headline"] == "India: app ban on TikTok (enacted)"
    assert india["actor"] == "the government of India"
    assert [r["recency_rank"] for r in rows] == list(range(1, 10))


def test_company_and_market_overview(con):
    bd = q(con, "SELECT mention_count, deal_count, deals_as_acquirer, deals_as_target, open_deal_count "
                "FROM company_overview WHERE company_id = 'bytedance'")[0]
    assert bd == dict(mention_count=6, deal_count=4, deals_as_acquirer=0, deals_as_target=4, open_deal_count=3)
    tt = q(con, "SELECT parent_name, ban_count, enacted_ban_count, banned_market_count, markets_with_figures "
                "FROM company_overview WHERE company_id = 'tiktok'")[0]
    assert tt == dict(parent_name="ByteDance", ban_count=2, enacted_ban_count=1, banned_market_count=2,
                      markets_with_figures=2)
    markets = {r["market_id"]: r for r in q(con, "SELECT * FROM market_overview")}
    assert {k: markets["IN"][k] for k in ("ban_count", "enacted_ban_count", "banned_company_count",
                                           "latest_ban_on", "deal_count", "open_deal_count",
                                           "companies_with_figures", "first_mentioned_at")} == dict(
        ban_count=2, enacted_ban_count=2, banned_company_count=2, latest_ban_on=D(2020, 6, 29), deal_count=1,
        open_deal_count=1, companies_with_figures=1, first_mentioned_at=T(2020, 1, 15))
    assert (markets["US"]["deal_count"], markets["US"]["open_deal_count"],
            markets["US"]["companies_with_figures"]) == (3, 2, 2)


def test_views_are_recreated_only_when_their_sql_changes(tmp_path):
    """A run that changes no SQL creates no view (nothing to publish, no view read); a changed view alone
    is created again."""
    import dataclasses
    con = duckdb.connect(str(tmp_path / "sync.duckdb"))
    storage.ensure_schema(con)
    models.write_vocab_tables(con)
    loaded = models.load_models(known_tables=storage.DDL)
    assert sorted(models.sync_views(con, loaded)) == sorted(m.name for m in loaded)
    assert models.sync_views(con, loaded) == []
    changed = [dataclasses.replace(m, sql=m.sql + "\n-- changed") if m.name == "market_overview" else m
               for m in loaded]
    assert models.sync_views(con, changed) == ["market_overview"]
    con.close()
