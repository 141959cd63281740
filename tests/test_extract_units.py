"""Extraction building blocks on short texts written for these tests."""
from datetime import date

import pytest

from newsintel.extract import extract_article
from newsintel.extract.amounts import find_money, find_quantities, to_usd
from newsintel.extract.companies import default_matcher, slugify, strip_corporate_suffix
from newsintel.extract.dates import find_date
from newsintel.extract.markets import find_markets
from newsintel.extract.sentences import split_sentences

PUB = date(2020, 8, 13)


def facts(text, title=None, published=PUB):
    return extract_article("t", title, text, published, default_matcher())


def test_sentences_keep_abbreviations_together():
    s = [x.text for x in split_sentences("The U.S. Commerce Dept. acted on Jan. 5 against Apple Inc. in court. "
                                         "Shares fell. In the U.S. The ban holds.")]
    assert s == ["The U.S. Commerce Dept. acted on Jan. 5 against Apple Inc. in court.", "Shares fell.",
                 "In the U.S.", "The ban holds."]


@pytest.mark.parametrize("text, value, precision", [
    ("banned in late June", date(2020, 6, 1), "month"),
    ("talks began late last month", date(2020, 7, 1), "month"),
    ("signed on Aug. 6", date(2020, 8, 6), "day"),
    ("announced on Monday", date(2020, 8, 10), "day"),
    ("revoked in June 2021", date(2021, 6, 1), "month"),
    ("signed on 24 April 2024", date(2024, 4, 24), "day"),
    ("first banned in 2019", date(2019, 1, 1), "year"),
    ("on December 20", date(2019, 12, 20), "day"),   # a date after publication belongs to the year before
])
def test_dates_resolve_against_publication(text, value, precision):
    d = find_date(text, PUB)
    assert (d.value, d.precision) == (value, precision)


def test_no_date_is_none():
    assert find_date("The company declined to comment.", PUB) is None


def test_money_in_dollars_crore_and_words():
    found = find_money("Facebook invested $5.7 billion (Rs 43,574 crore) and later 40 billion dollars, "
                       "then €2bn and £300 million.")
    assert [(m.amount, m.currency) for m in found] == [
        (5.7e9, "USD"), (4.3574e11, "INR"), (4e10, "USD"), (2e9, "EUR"), (3e8, "GBP")]
    assert to_usd(4.3574e11, "INR", 2020) == pytest.approx(5.88e9, rel=0.01)
    assert to_usd(1.0, "XYZ", 2020) is None


def test_quantities_with_indian_scales():
    assert [q[0] for q in find_quantities("over 200 million users and 5 lakh sellers, 130 crore people")] == [
        2e8, 5e5, 1.3e9]


def test_markets_from_names_aliases_capitals_and_state_demonyms():
    ids = [h.market_id for h in find_markets(
        "The U.S. and Britain acted; Beijing protested; Indian regulators met; the European Union waited.")]
    assert ids == ["US", "GB", "CN", "IN", "EU"]


def test_demonym_of_origin_is_not_a_market_and_us_pronoun_is_ignored():
    assert find_markets("It banned 59 Chinese apps. Tell us more. The Washington Post said so.") == []


def test_company_aliases_suffixes_and_parents():
    m = default_matcher()
    hits = m.find("Reliance Industries Limited, the parent of Jio Platforms, met RIL and Reliance Jio.")
    assert [h.company_id for h in hits] == ["reliance-industries", "jio-platforms", "reliance-industries",
                                            "jio-platforms"]
    assert m.resolve_name("Reliance Industries Ltd") == "reliance-industries"
    assert strip_corporate_suffix("Acme Widgets Inc.") == "Acme Widgets"
    assert slugify("Procter & Gamble") == "procter-and-gamble"


def test_unknown_organisations_are_discovered_with_stable_ids():
    hits = default_matcher().find("Zentrix Analytics Ltd signed with e-commerce firm Kestrel Bazaar yesterday.")
    found = {(h.company_id, h.origin) for h in hits}
    assert ("zentrix-analytics", "discovered") in found
    assert ("kestrel-bazaar", "discovered") in found


def test_people_and_governments_are_not_companies():
    hits = default_matcher().find("The Ministry of Electronics said Judge Carl Nichols and Mukesh Ambani met.")
    assert hits == []


def test_ban_status_vocabulary_from_wording():
    f = facts("Pakistan lifted its ban on TikTok after the company promised to moderate content.")
    assert [(b["market_id"], b["target_id"], b["status"]) for b in f.ban_reports] == [("PK", "tiktok", "lifted")]
    f = facts("A federal judge in Washington blocked the Trump administration's ban on TikTok on Sunday.")
    assert [(b["market_id"], b["status"]) for b in f.ban_reports] == [("US", "blocked")]
    f = facts("President Trump threatened to ban TikTok in the United States.")
    assert [(b["market_id"], b["status"]) for b in f.ban_reports] == [("US", "proposed")]


def test_ban_lists_give_one_report_per_app_with_scope():
    f = facts("India banned 59 Chinese apps including TikTok, WeChat and UC Browser on June 29.")
    assert sorted(b["target_id"] for b in f.ban_reports) == ["tiktok", "uc-browser", "wechat"]
    assert {b["scope_count"] for b in f.ban_reports} == {59}
    assert {b["event_date"] for b in f.ban_reports} == {date(2020, 6, 29)}


def test_hypothetical_and_denied_bans_report_nothing():
    assert facts("ByteDance must sell its US business to save itself from getting banned.").ban_reports == []
    assert facts("The minister said India has no plans to ban Twitter.").ban_reports == []


def test_deal_roles_and_status():
    f = facts("Microsoft has completed its acquisition of Activision Blizzard for $68.7 billion.",
              published=date(2023, 10, 13))
    (d,) = f.deal_reports
    assert (d["acquirer_id"], d["target_id"], d["deal_type"], d["status"], d["value_usd"]) == (
        "microsoft", "activision-blizzard", "acquisition", "completed", 68.7e9)
    f = facts("Arm was to be acquired by Nvidia, but the deal was called off.", published=date(2022, 2, 8))
    (d,) = f.deal_reports
    assert (d["acquirer_id"], d["target_id"], d["status"]) == ("nvidia", "arm", "abandoned")


def test_denied_talks_are_not_deals():
    assert facts("Reliance denied it was in talks with ByteDance about TikTok.").deal_reports == []


def test_values_in_rupees_are_converted_and_kept():
    f = facts("Google will invest Rs 33,737 crore in Jio Platforms for a 7.73% stake, the companies announced.",
              published=date(2020, 7, 15))
    (d,) = f.deal_reports
    assert (d["acquirer_id"], d["target_id"], d["deal_type"], d["currency"]) == (
        "google", "jio-platforms", "investment", "INR")
    assert d["amount"] == 3.3737e11 and d["value_usd"] == pytest.approx(4.55e9, rel=0.02)


@pytest.mark.parametrize("text, published, bans, deals", [
    ("Microsoft Corp. said Sunday it will continue discussions to purchase TikTok's U.S. operations from "
     "ByteDance Ltd.", date(2020, 8, 3), [], [("microsoft", "bytedance", "talks")]),
    ("U.S. President Donald Trump signed an executive order on Thursday banning transactions with ByteDance, "
     "the owner of TikTok.", date(2020, 8, 7), [("US", "bytedance", "enacted")], []),
    ("Oracle Corp. has won the bidding for TikTok's U.S. operations, beating out Microsoft, people familiar with "
     "the matter said.", date(2020, 9, 14), [], [("oracle", "bytedance", "agreed")]),
    ("Pakistan's telecom regulator said it had blocked the video-sharing app TikTok over immoral content.",
     date(2020, 10, 9), [("PK", "tiktok", "enacted")], []),
    ("Nigeria's government on Thursday lifted its seven-month suspension of Twitter after the company agreed to "
     "open a local office.", date(2022, 1, 13), [("NG", "twitter", "lifted")], []),
    ("Elon Musk completed his $44 billion acquisition of Twitter on Thursday.", date(2022, 10, 28), [],
     [("elon-musk", "twitter", "completed")]),
    ("Shares of Apple rose 3% after the company reported record iPhone sales in China.", date(2021, 1, 28), [], []),
    ("Emirates Airline finalized a deal to purchase 30 of Boeing's 787-9 Dreamliner jets.", date(2019, 11, 20), [], []),
    ('"At no point did we say she could not perform or block her Netflix special," they said.', date(2019, 11, 15),
     [], []),
])
def test_wire_style_sentences(text, published, bans, deals):
    f = facts(text, published=published)
    assert [(b["market_id"], b["target_id"], b["status"]) for b in f.ban_reports] == bans
    assert [(d["acquirer_id"], d["target_id"], d["status"]) for d in f.deal_reports] == deals


@pytest.mark.parametrize("text, published, bans, deals", [
    ("Walmart said it is teaming up with Microsoft on a bid for TikTok's U.S. assets.", date(2020, 8, 27), [],
     [("walmart", "bytedance", "talks"), ("microsoft", "bytedance", "talks")]),
    ("ByteDance has chosen Oracle over Microsoft as the winning bidder for TikTok's U.S. operations, sources said.",
     date(2020, 9, 13), [], [("oracle", "bytedance", "agreed")]),
    ("Britain will ban the purchase of new Huawei 5G equipment from the end of this year, the minister said.",
     date(2020, 7, 14), [("GB", "huawei", "enacted")], []),
    ("Google said it would invest $4.5 billion in Jio Platforms, the digital unit of Reliance Industries.",
     date(2020, 7, 15), [], [("google", "jio-platforms", "agreed")]),
    ("President Trump said he will ban TikTok in the United States.", date(2020, 8, 1), [("US", "tiktok", "proposed")],
     []),
])
def test_more_wire_style_sentences(text, published, bans, deals):
    test_wire_style_sentences(text, published, bans, deals)


@pytest.mark.parametrize("text, published, bans", [
    ("A U.S. judge on Friday temporarily blocked the Commerce Department from enforcing the WeChat ban.",
     date(2020, 9, 20), [("US", "wechat", "app_ban", "blocked")]),
    ("President Biden signed a law that requires ByteDance to sell TikTok within nine months or face a nationwide ban.",
     date(2024, 4, 24), [("US", "tiktok", "divestiture_order", "enacted")]),
    ("The US Commerce Department on Friday issued orders barring downloads of TikTok and WeChat from app stores.",
     date(2020, 9, 18), [("US", "tiktok", "app_ban", "enacted"), ("US", "wechat", "app_ban", "enacted")]),
    ("Huawei was added to the U.S. Commerce Department's entity list in May 2019.", date(2020, 7, 14),
     [("US", "huawei", "transaction_ban", "enacted")]),
])
def test_ban_measures_from_wire_style_sentences(text, published, bans):
    f = facts(text, published=published)
    assert sorted((b["market_id"], b["target_id"], b["measure"], b["status"]) for b in f.ban_reports) == sorted(bans)


def test_a_reuters_style_story_end_to_end():
    text = ("NEW DELHI (Reuters) - India on Monday banned 59 widely used apps with links to Chinese companies, "
            "including ByteDance's popular video app TikTok, saying they posed \"a threat to sovereignty.\"\n\n"
            "TikTok, which has about 120 million monthly active users in India, said it was complying with the "
            "order. Other banned apps include Tencent's WeChat and Alibaba's UC Browser.\n\n"
            "The ban is a blow to ByteDance, which had planned to invest $1 billion in India.")
    f = facts(text, title="India bans TikTok, WeChat and dozens more Chinese apps", published=date(2020, 6, 29))
    bans = {(b["market_id"], b["target_id"]): b for b in f.ban_reports}
    assert set(bans) == {("IN", "tiktok"), ("IN", "wechat"), ("IN", "uc-browser")}
    assert bans[("IN", "tiktok")]["scope_count"] == 59
    assert bans[("IN", "tiktok")]["event_date"] == date(2020, 6, 29)
    assert [(m["company_id"], m["market_id"], m["value"]) for m in f.market_metrics] == [("tiktok", "IN", 1.2e8)]


@pytest.mark.parametrize("text, published, deals", [
    ("Microsoft Corp said on Tuesday it would buy Activision Blizzard Inc for $68.7 billion in cash.",
     date(2022, 1, 18), [("microsoft", "activision-blizzard", "acquisition", "agreed")]),
    ("Reliance said on Wednesday it would sell a 7.7% stake in Jio Platforms to Google for $4.5 billion.",
     date(2020, 7, 15), [("google", "jio-platforms", "investment", "agreed")]),
    ("Oracle and Walmart have walked away from their plan to take stakes in TikTok Global, sources said.",
     date(2021, 2, 10), [("oracle", "bytedance", "investment", "abandoned"),
                         ("walmart", "bytedance", "investment", "abandoned")]),
    ("Britain's competition watchdog blocked Microsoft's takeover of Activision on Wednesday.", date(2023, 4, 26),
     [("microsoft", "activision-blizzard", "acquisition", "blocked")]),
    ("TikTok owner ByteDance denied a report that it was in talks to sell a stake in TikTok's U.S. business.",
     date(2020, 8, 1), []),
    # a past deal the story recalls is reported with its own status (and date, see test_background_deal_keeps_its_date)
    ("Amazon acquired Whole Foods for $13.7 billion in 2017, its largest deal ever.", date(2023, 6, 1),
     [("amazon", "whole-foods-market", "acquisition", "completed")]),
])
def test_deal_sentences_in_wire_style(text, published, deals):
    f = facts(text, published=published)
    assert [(d["acquirer_id"], d["target_id"], d["deal_type"], d["status"]) for d in f.deal_reports] == deals


@pytest.mark.parametrize("text, published, bans", [
    ("Russia restricted access to Facebook, citing discrimination against Russian media.", date(2022, 3, 4),
     [("RU", "meta", "enacted")]),
    ("Canada ordered TikTok to wind down its Canadian business on national security grounds.", date(2024, 11, 6),
     [("CA", "tiktok", "enacted")]),
    ("Italy's privacy watchdog temporarily banned ChatGPT over data concerns.", date(2023, 3, 31),
     [("IT", "chatgpt", "enacted")]),
    ("Vietnam's government threatened to shut down TikTok unless it removed harmful content.", date(2023, 4, 10),
     [("VN", "tiktok", "proposed")]),
    ("The European Commission fined Google 4.34 billion euros for abusing the dominance of Android.",
     date(2018, 7, 18), []),
])
def test_bans_around_the_world(text, published, bans):
    f = facts(text, published=published)
    assert [(b["market_id"], b["target_id"], b["status"]) for b in f.ban_reports] == bans


def test_apps_listed_after_such_as_are_discovered():
    hits = default_matcher().find("Pakistan blocked dating apps including Tinder, Tagged, Skout and SayHi on Tuesday.")
    assert [(h.company_id, h.origin) for h in hits] == [
        ("tinder", "registry"), ("tagged", "discovered"), ("skout", "discovered"), ("sayhi", "discovered")]
    assert all(h.kind == "app" for h in hits)


@pytest.mark.parametrize("text, bans, deals", [
    ("Samsung banned employees in South Korea from using ChatGPT after a data leak.", [], []),
    ("Apple removed TikTok from its App Store in India after the government order.", [("IN", "tiktok", "enacted")], []),
    ("Besides TikTok, ByteDance's regional-language social network Helo remains blocked in India.",
     [("IN", "tiktok", "enacted"), ("IN", "helo", "enacted")], []),   # "besides TikTok": both are blocked
    ("Microsoft and OpenAI extended their partnership in a multibillion-dollar deal.", [],
     [("microsoft", "openai", "agreed")]),
])
def test_companies_acting_are_not_governments(text, bans, deals):
    f = facts(text, published=date(2023, 5, 1))
    assert [(b["market_id"], b["target_id"], b["status"]) for b in f.ban_reports] == bans
    assert [(d["acquirer_id"], d["target_id"], d["status"]) for d in f.deal_reports] == deals


@pytest.mark.parametrize("text, deals", [
    ("PhonePe raised $350 million from General Atlantic at a valuation of $12 billion.",
     [("general-atlantic", "phonepe", "investment", "completed")]),
    ("Silver Lake will invest Rs 7,500 crore in Reliance Retail for a 1.75% stake, the companies said.",
     [("silver-lake", "reliance-retail", "investment", "agreed")]),
    ("With this deal, Jio Platforms has raised Rs 1,18,318 crore from investors including Facebook and KKR.", []),
    ("The startup raised $20 million last year.", []),
])
def test_fund_raising(text, deals):
    f = facts(text, published=date(2023, 1, 19))
    assert [(d["acquirer_id"], d["target_id"], d["deal_type"], d["status"]) for d in f.deal_reports] == deals


def test_what_is_bought_tells_who_buys():
    f = facts("ByteDance has held early talks with Reliance Industries about the Indian conglomerate investing in "
              "TikTok's business in India, TechCrunch reported.", published=date(2020, 8, 13))
    assert [(d["acquirer_id"], d["target_id"], d["deal_type"], d["status"], d["attributed_to"])
            for d in f.deal_reports] == [("reliance-industries", "bytedance", "investment", "talks", "TechCrunch")]
