"""Consolidation: reports from many articles become one event with its history."""
from datetime import date, datetime

from newsintel.resolve.events import ban_events, deal_events
from newsintel.warehouse import Warehouse, insert_rows


def _article(i, day):
    return dict(article_id=f"a{i}", url=f"https://x.example/{i}", canonical_url=f"https://x.example/{i}",
                source_id="t", published_at=datetime.combine(day, datetime.min.time()), fetched_at=datetime(2026, 1, 1),
                text="t", word_count=1, content_hash=f"h{i}", page_id=f"p{i}")


def _deal(i, acquirer, target, status, confidence, event=None):
    return dict(report_id=f"d{i}", article_id=f"a{i}", acquirer_id=acquirer, target_id=target,
                deal_type="acquisition", status=status, event_date=event, evidence="e", confidence=confidence,
                extractor_version="v")


def _ban(i, status, event=None):
    return dict(report_id=f"b{i}", article_id=f"a{i}", market_id="PK", target_id="tiktok", measure="app_ban",
                status=status, event_date=event, evidence="e", confidence=0.9, extractor_version="v")


def test_articles_that_disagree_on_direction_make_one_deal(tmp_path):
    with Warehouse(tmp_path / "r.duckdb").writer() as con:
        insert_rows(con, "articles", [_article(i, date(2020, 8, i + 1)) for i in range(3)])
        insert_rows(con, "deal_reports", [_deal(0, "microsoft", "bytedance", "rumored", 0.9),
                                          _deal(1, "microsoft", "bytedance", "talks", 0.9),
                                          _deal(2, "bytedance", "microsoft", "abandoned", 0.6)])
        deals, history = deal_events(con)
    assert [(d["deal_id"], d["status"], d["report_count"]) for d in deals] == [("microsoft--bytedance", "abandoned", 3)]
    assert [h["status"] for h in history] == ["rumored", "talks", "abandoned"]


def test_a_ban_lifted_then_enacted_again_is_a_new_ban(tmp_path):
    with Warehouse(tmp_path / "r.duckdb").writer() as con:
        insert_rows(con, "articles", [_article(i, d) for i, d in enumerate(
            [date(2020, 10, 9), date(2020, 10, 19), date(2021, 3, 11), date(2021, 3, 20)])])
        insert_rows(con, "ban_reports", [_ban(0, "enacted", date(2020, 10, 9)), _ban(1, "lifted", date(2020, 10, 19)),
                                         _ban(2, "enacted", date(2021, 3, 11)),
                                         _ban(3, "enacted")])   # undated background mention
        bans, history = ban_events(con)
    assert [(b["ban_id"], b["status"]) for b in bans] == [("pk-tiktok-app-ban", "lifted"),
                                                          ("pk-tiktok-app-ban-2", "enacted")]
    assert [(h["ban_id"], h["status"]) for h in history] == [
        ("pk-tiktok-app-ban", "enacted"), ("pk-tiktok-app-ban", "lifted"), ("pk-tiktok-app-ban-2", "enacted")]
