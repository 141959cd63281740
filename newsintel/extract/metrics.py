"""Figures the news gives about a company in a market: users, subscribers, downloads, revenue."""
from __future__ import annotations

import re
from dataclasses import dataclass

from newsintel.extract.amounts import find_money, find_quantities, to_usd
from newsintel.extract.context import ArticleContext

_METRIC_AFTER = re.compile(
    r"^\s*\)?\s*(?:\([^)]{0,30}\)\s*)?(?:[\w-]+\s+){0,2}?(monthly active users|daily active users|active users|"
    r"users|subscribers|customers|downloads|installs|players|merchants|sellers|creators|viewers|"
    r"(?:people|Indians|Americans|Pakistanis|Nigerians|Britons)(?=\s+(?:in\s+(?:the\s+)?[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?\s+)?"
    r"(?:on|use|used|using|who use|who used|access|having signed up|signed up|have signed up)\b))\b", re.I)
_METRIC_NAMES = {"monthly active users": "users", "daily active users": "users", "active users": "users",
                 "installs": "downloads", "people": "users", "indians": "users", "americans": "users",
                 "pakistanis": "users", "nigerians": "users", "britons": "users"}
# Counts the news gives without naming a market still belong to one when the article is about one country;
# other figures (players, revenue) count only where a market is named beside them.
_ANYWHERE = {"users", "subscribers", "downloads"}
_QUALIFIERS = [("over", r"(?:over|more than|above|upwards of|in excess of|north of)"),
               ("about", r"(?:about|around|roughly|approximately|some|an estimated|close to|nearly|almost)"),
               ("at_least", r"(?:at least)"), ("up_to", r"(?:up to|as many as)"),
               ("under", r"(?:under|less than|fewer than)")]
_REVENUE = re.compile(r"\b(revenue|revenues|sales|turnover)\b", re.I)


@dataclass(frozen=True)
class MetricFinding:
    company_id: str
    market_id: str | None
    metric: str
    value: float
    qualifier: str | None
    evidence: str


def _qualifier(prefix: str) -> str | None:
    for name, pat in _QUALIFIERS:
        if re.search(pat + r"\s*$", prefix, re.I):
            return name
    return None


def find_metrics(ctx: ArticleContext) -> list[MetricFinding]:
    out = []
    for view in ctx.views:
        text = view.text
        found = []
        for value, start, end in find_quantities(text):
            m = _METRIC_AFTER.match(text[end:])
            if m and value >= 1000:
                metric = m.group(1).lower()
                found.append((start, _METRIC_NAMES.get(metric, metric), value))
        found = list({(round(v), n): (a, n, v) for a, n, v in found}.values())   # "41.08 crore (410.8 million)"
        if _REVENUE.search(text) and view.place_markets():
            year = ctx.published.year if ctx.published else None
            for money in find_money(text):
                usd = money.amount if money.currency == "USD" else to_usd(money.amount, money.currency, year)
                if usd and usd >= 1e6:   # "Rs 151 a month" is revenue per user, not a company's revenue
                    found.append((money.start, "revenue_usd", usd))
        if not found:
            continue
        parties = [h for h in view.companies if h.kind not in ("media", "person")]
        places = view.place_markets()
        for start, metric, value in found:
            company = _company(ctx, view, parties, start, metric)
            if company is None:
                continue
            if places:
                market = places[0].market_id
            elif metric not in _ANYWHERE:
                continue
            elif re.search(r"\b(?:in|across) the (?:country|nation)\b", text, re.I):
                market = ctx.salient_market(view.index)
            else:
                top = ctx.top_market()
                market = top if top and top == company.country else None
            if market is None:
                continue   # "1 billion people use the app every month": a global figure, not one in a market
            out.append(MetricFinding(company.company_id, market, metric, value,
                                     _qualifier(text[max(0, start - 25):start]), text))
    return out


_ANAPHOR_SUBJECT = re.compile(r"^(?:The|Its|This) (?:[\w-]+ ){0,2}?(?:company|app|game|service|platform|operator|"
                              r"carrier|group|firm|network)\b|^It\b")


def _company(ctx: ArticleContext, view, parties, start: int, metric: str):
    """Whose figure: the company the sentence is about ("The game is estimated to have ..."), an app for
    user counts, else the company named nearest before the number."""
    if _ANAPHOR_SUBJECT.match(view.text):
        hit = ctx.salient_company(view.index, prefer_kind="app" if metric == "users" else None)
        if hit is not None:
            return hit
    if metric == "users":
        apps = [h for h in parties if h.kind == "app"]
        if apps:
            return apps[0]
    before = [h for h in parties if h.end <= start]
    if before and start - before[-1].end <= 25:
        return before[-1]          # "TikTok's 200 million users", "Jio has 388 million subscribers"
    if parties:
        return parties[0]          # else the sentence's subject: "Grameenphone, owned by Telenor, has ..."
    return ctx.salient_company(view.index)
