"""Consolidation: reports from many articles become one event with its history."""
from datetime import date, datetime

from newsintel.resolve.events import ban_events, deal_events
from newsintel.storage import Warehouse, insert_rows


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


# Pure consolidation over report dicts (no database): the rules that make events read true.
from newsintel.resolve.events import consolidate_bans, consolidate_deals  # noqa: E402


def _ban_row(i, status, published, event=None, precision=None, measure="app_ban"):
    return dict(report_id=f"b{i}", article_id=f"a{i}", market_id="US", target_id="acmeapp", measure=measure,
                status=status, event_date=event, date_precision=precision if event else None, authority=None,
                scope_count=None, evidence=f"e{i}", confidence=0.9,
                published_at=datetime.combine(published, datetime.min.time()))


def test_a_year_precision_date_does_not_sort_as_first_of_january():
    reports = [_ban_row(0, "proposed", date(2020, 7, 31), date(2020, 7, 30), "day"),
               _ban_row(1, "enacted", date(2020, 9, 20), date(2020, 9, 18), "day"),
               _ban_row(2, "blocked", date(2020, 10, 1), date(2020, 9, 30), "day"),
               # read in February 2021: "the ban, enacted last year" (2020, year precision)
               _ban_row(3, "enacted", date(2021, 2, 10), date(2020, 1, 1), "year")]
    bans, history = consolidate_bans(reports)
    assert [(b["event_date"], b["date_precision"], b["status"]) for b in bans] == [
        (date(2020, 9, 18), "day", "blocked")]
    assert [h["status"] for h in history] == ["proposed", "enacted", "blocked"]
    dates = [h["event_date"] for h in history]
    assert dates == sorted(dates)


def test_a_date_known_only_to_the_year_is_kept_with_its_precision_when_nothing_is_more_precise():
    bans, history = consolidate_bans([_ban_row(0, "enacted", date(2021, 2, 10), date(2020, 1, 1), "year")])
    assert (bans[0]["event_date"], bans[0]["date_precision"]) == (date(2020, 1, 1), "year")
    assert history[0]["date_precision"] == "year"


def test_an_order_and_a_law_years_later_are_separate_acts():
    reports = [_ban_row(0, "enacted", date(2020, 8, 15), date(2020, 8, 14), "day", "divestiture_order"),
               _ban_row(1, "enacted", date(2020, 9, 14), None, None, "divestiture_order"),
               _ban_row(2, "proposed", date(2024, 3, 13), date(2024, 3, 13), "day", "divestiture_order"),
               _ban_row(3, "enacted", date(2024, 4, 24), date(2024, 4, 24), "day", "divestiture_order")]
    bans, history = consolidate_bans(reports)
    assert [(b["ban_id"], b["status"], b["event_date"]) for b in bans] == [
        ("us-acmeapp-divestiture-order", "enacted", date(2020, 8, 14)),
        ("us-acmeapp-divestiture-order-2", "enacted", date(2024, 4, 24))]
    assert [(h["ban_id"], h["status"]) for h in history] == [
        ("us-acmeapp-divestiture-order", "enacted"), ("us-acmeapp-divestiture-order-2", "proposed"),
        ("us-acmeapp-divestiture-order-2", "enacted")]


def test_a_ban_proposed_again_after_it_was_revoked_is_a_new_ban_even_undated():
    reports = [_ban_row(0, "enacted", date(2020, 8, 7), date(2020, 8, 6), "day"),
               _ban_row(1, "lifted", date(2021, 6, 10), date(2021, 6, 9), "day"),
               _ban_row(2, "proposed", date(2024, 3, 13)),        # a headline: "bill could ban the app"
               _ban_row(3, "enacted", date(2024, 4, 24))]
    bans, _ = consolidate_bans(reports)
    assert [(b["ban_id"], b["status"]) for b in bans] == [("us-acmeapp-app-ban", "lifted"),
                                                          ("us-acmeapp-app-ban-2", "enacted")]


def test_an_undated_recollection_after_a_revocation_is_background():
    reports = [_ban_row(0, "enacted", date(2020, 8, 7), date(2020, 8, 6), "day"),
               _ban_row(1, "lifted", date(2021, 6, 10), date(2021, 6, 9), "day"),
               _ban_row(2, "enacted", date(2021, 9, 1))]          # "the ban it had enacted", no date
    bans, history = consolidate_bans(reports)
    assert [(b["ban_id"], b["status"]) for b in bans] == [("us-acmeapp-app-ban", "lifted")]
    assert [h["status"] for h in history] == ["enacted", "lifted"]


def _deal_row(i, status, published, event=None):
    return dict(report_id=f"d{i}", article_id=f"a{i}", acquirer_id="globex", target_id="initech",
                deal_type="acquisition", status=status, event_date=event, date_precision="day" if event else None,
                value_usd=None, market_id=None, asset=None, evidence=f"e{i}", confidence=0.8,
                published_at=datetime.combine(published, datetime.min.time()))


def test_a_deal_rumoured_again_years_after_it_was_abandoned_is_a_new_deal():
    reports = [_deal_row(0, "talks", date(2019, 3, 1)), _deal_row(1, "abandoned", date(2019, 5, 2)),
               _deal_row(2, "rumored", date(2022, 6, 1)), _deal_row(3, "agreed", date(2022, 9, 1))]
    deals, history = consolidate_deals(reports)
    assert [(d["deal_id"], d["status"]) for d in deals] == [("globex--initech", "abandoned"),
                                                            ("globex--initech-2", "agreed")]
    assert [(h["deal_id"], h["status"]) for h in history] == [
        ("globex--initech", "talks"), ("globex--initech", "abandoned"),
        ("globex--initech-2", "rumored"), ("globex--initech-2", "agreed")]
