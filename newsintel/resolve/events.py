"""Reports into events: one row per real-world ban and deal, with the steps its status went through.

A report's place in time is its event date when the article states one, else the article's publication
date; ties go to the later publication, then to the further status. A ban that was lifted and then
enacted again on a stated later date (Pakistan's TikTok bans) is a new ban, numbered `-2`, `-3`.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from itertools import groupby

import duckdb

from newsintel.vocab import BAN_STATUS_ORDER as BAN_ORDER
from newsintel.vocab import DEAL_STATUS_ORDER as DEAL_ORDER


def _when(event_date: date | None, published: datetime | None) -> date:
    """A report's place in time. A date after publication is a deadline or an effective date ("banned from
    September 2021"): the report still tells of the state when it was published."""
    reported = published.date() if published else None
    if event_date and (reported is None or event_date <= reported):
        return event_date
    return reported or date.min


def _moving(reports: list[dict], order: dict[str, int]) -> list[dict]:
    """The reports that move an event's status. A later article that names an earlier stage without a date
    of its own ("Oracle had been in talks") is background, not a step back."""
    out: list[dict] = []
    for r in reports:
        dated = r["event_date"] and r["published_at"] and r["event_date"] <= r["published_at"].date()
        if out and order[r["status"]] < order[out[-1]["status"]] and not dated:
            continue
        out.append(r)
    return out


def _history(event_id: str, reports: list[dict]) -> list[dict]:
    steps = []
    for status, group in groupby(reports, key=lambda r: r["status"]):
        group = list(group)
        steps.append(dict(event_id=event_id, step=len(steps) + 1, status=status,
                          event_date=next((g["event_date"] for g in group if g["event_date"]), None),
                          first_reported=min((g["published_at"] for g in group if g["published_at"]), default=None),
                          report_count=len(group), evidence=group[0]["evidence"]))
    return steps


def ban_events(con: duckdb.DuckDBPyConnection, groups: str | None = None) -> tuple[list[dict], list[dict]]:
    """Every ban, or only those of the (market, target, measure) groups in relation `groups` (k1, k2, k3)."""
    only = "" if groups is None else (
        f" WHERE EXISTS (SELECT 1 FROM {groups} g WHERE g.k1 = r.market_id AND g.k2 = r.target_id "
        "AND g.k3 = r.measure)")
    cur = con.execute(f"""
        SELECT r.*, a.published_at FROM ban_reports r JOIN articles a USING (article_id){only}""")
    cols = [d[0] for d in cur.description]
    reports = [dict(zip(cols, row)) for row in cur.fetchall()]
    reports.sort(key=lambda r: (r["market_id"], r["target_id"], r["measure"], _when(r["event_date"], r["published_at"]),
                                r["published_at"] or datetime.min, BAN_ORDER[r["status"]]))
    bans, history = [], []
    for (market, target, measure), group in groupby(reports, key=lambda r: (r["market_id"], r["target_id"], r["measure"])):
        episodes: list[list[dict]] = [[]]
        lifted_on = None   # when the current episode's latest "lifted" report places it (kept as we go: one pass)
        for r in group:
            if (lifted_on and r["status"] in ("proposed", "enacted") and r["event_date"]
                    and r["event_date"] > lifted_on):
                episodes.append([])
                lifted_on = None
            episodes[-1].append(r)
            if r["status"] == "lifted":
                lifted_on = _when(r["event_date"], r["published_at"])
        for n, ep in enumerate(episodes, 1):
            ban_id = f"{market.lower()}-{target}-{measure.replace('_', '-')}" + (f"-{n}" if n > 1 else "")
            enacted = [r["event_date"] for r in ep if r["status"] == "enacted" and r["event_date"]]
            published = [r["published_at"] for r in ep if r["published_at"]]
            moving = _moving(ep, BAN_ORDER)
            bans.append(dict(
                ban_id=ban_id, market_id=market, target_id=target, measure=measure, status=moving[-1]["status"],
                first_reported=min(published, default=None), last_reported=max(published, default=None),
                event_date=min(enacted) if enacted else min((r["event_date"] for r in ep if r["event_date"]), default=None),
                report_count=len(ep), article_count=len({r["article_id"] for r in ep}),
                authority=Counter(r["authority"] for r in ep if r["authority"]).most_common(1)[0][0]
                if any(r["authority"] for r in ep) else None,
                scope_count=max((r["scope_count"] for r in ep if r["scope_count"]), default=None)))
            history += [dict(ban_id=h.pop("event_id"), **h) for h in _history(ban_id, moving)]
    return bans, history


def _agree_on_direction(reports: list[dict]) -> None:
    """One deal, one direction: when articles disagree on who buys whom, the reading with the most
    confidence behind it wins for the consolidated row (each report keeps its own reading)."""
    weight: dict[tuple[str, str], float] = Counter()
    for r in reports:
        weight[(r["acquirer_id"], r["target_id"])] += r["confidence"] or 0
    for r in reports:
        pair = (r["acquirer_id"], r["target_id"])
        reverse = (pair[1], pair[0])
        if weight.get(reverse, 0) > weight[pair]:
            r["acquirer_id"], r["target_id"] = reverse


def deal_events(con: duckdb.DuckDBPyConnection, pairs: str | None = None) -> tuple[list[dict], list[dict]]:
    """Every deal, or only those between the unordered pairs of parties in relation `pairs` (k1 < k2)."""
    only = "" if pairs is None else (
        f" WHERE EXISTS (SELECT 1 FROM {pairs} g WHERE g.k1 = least(r.acquirer_id, r.target_id) "
        "AND g.k2 = greatest(r.acquirer_id, r.target_id))")
    cur = con.execute(f"""
        SELECT r.*, a.published_at FROM deal_reports r JOIN articles a USING (article_id){only}""")
    cols = [d[0] for d in cur.description]
    reports = [dict(zip(cols, row)) for row in cur.fetchall()]
    _agree_on_direction(reports)
    reports.sort(key=lambda r: (r["acquirer_id"], r["target_id"], _when(r["event_date"], r["published_at"]),
                                r["published_at"] or datetime.min, DEAL_ORDER[r["status"]]))
    deals, history = [], []
    for (acquirer, target), group in groupby(reports, key=lambda r: (r["acquirer_id"], r["target_id"])):
        ep = list(group)
        moving = _moving(ep, DEAL_ORDER)
        deal_id = f"{acquirer}--{target}"
        published = [r["published_at"] for r in ep if r["published_at"]]
        types = Counter(r["deal_type"] for r in ep)
        markets = Counter(r["market_id"] for r in ep if r["market_id"])
        deals.append(dict(
            deal_id=deal_id, acquirer_id=acquirer, target_id=target, deal_type=types.most_common(1)[0][0],
            status=moving[-1]["status"], value_usd=next((r["value_usd"] for r in reversed(ep) if r["value_usd"]), None),
            market_id=markets.most_common(1)[0][0] if markets else None,
            first_reported=min(published, default=None), last_reported=max(published, default=None),
            report_count=len(ep), article_count=len({r["article_id"] for r in ep}),
            asset=next((r["asset"] for r in reversed(ep) if r["asset"]), None)))
        history += [dict(deal_id=h.pop("event_id"), **h) for h in _history(deal_id, moving)]
    return deals, history
