"""Figures the news gives about a company in a market: users, subscribers, downloads, revenue."""
from __future__ import annotations

import re
from dataclasses import dataclass

from newsintel.extract.amounts import find_money, find_quantities, to_usd
from newsintel.extract.context import ArticleContext

_METRIC_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,2}?(monthly active users|daily active users|active users|users|subscribers|customers|"
    r"downloads|installs|players|merchants|sellers|creators|viewers)\b", re.I)
_METRIC_NAMES = {"monthly active users": "monthly_active_users", "daily active users": "daily_active_users",
                 "active users": "users", "installs": "downloads"}
_QUALIFIERS = [("over", r"(?:over|more than|above|upwards of|in excess of|north of)"),
               ("about", r"(?:about|around|roughly|approximately|some|an estimated|close to|nearly|almost)"),
               ("at_least", r"(?:at least)"), ("up_to", r"(?:up to|as many as)"), ("under", r"(?:under|less than|fewer than)")]
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
        if _REVENUE.search(text):
            year = ctx.published.year if ctx.published else None
            for money in find_money(text):
                usd = money.amount if money.currency == "USD" else to_usd(money.amount, money.currency, year)
                if usd:
                    found.append((money.start, "revenue_usd", usd))
        if not found:
            continue
        parties = [h for h in view.companies if h.kind not in ("media", "person")]
        for start, metric, value in found:
            before = [h for h in parties if h.end <= start]
            company = (before[-1] if before else (parties[0] if parties else ctx.salient_company(view.index)))
            if company is None:
                continue
            places = view.place_markets()
            if places:
                market = places[0].market_id
            elif re.search(r"\b(?:in|across) the (?:country|nation)\b", text, re.I):
                market = ctx.salient_market(view.index)
            else:
                market = None
            out.append(MetricFinding(company.company_id, market, metric, value,
                                     _qualifier(text[max(0, start - 25):start]), text))
    return out
