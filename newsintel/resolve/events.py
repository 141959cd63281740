"""Reports into events: one row per real-world ban and deal, with the steps its status went through.

A report's place in time is its event date when the article states one, else the article's publication
date; ties go to the later publication, then to the further status. A date known only to the month or the
year ("last year") stands for its last plausible day (the end of that month or year, or the publication if
earlier), never for its first: "injunctions last year", read in February 2021, does not come before a threat
of July 2020. Such a date never overrides the order of precise ones, and an event's date is its most precise
one.

Separate legal acts are separate events, numbered `-2`, `-3` within their (market, target, measure) or pair:
a ban lifted and then proposed or enacted again later (Pakistan's TikTok bans; a 2024 law after a 2020 order
was revoked), and a measure or deal that starts over (proposed again, rumored again) more than `NEW_ACT_GAP`
after its last report. Consolidation is pure functions over report dicts (`consolidate_bans`,
`consolidate_deals`), so the resolve stage can run it on all reports or on the groups that changed.
"""
from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter

import duckdb

from newsintel.vocab import BAN_STATUS_ORDER as BAN_ORDER
from newsintel.vocab import DEAL_STATUS_ORDER as DEAL_ORDER

# A measure or a deal that starts over this long after its last report is a new act, not the same one.
NEW_ACT_GAP = timedelta(days=180)
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def _latest_day(event_date: date, precision: str | None) -> date:
    """The last day a date of this precision can stand for: 2020 (year) → 2020-12-31."""
    if precision == "year":
        return date(event_date.year, 12, 31)
    if precision == "month":
        return date(event_date.year, event_date.month, calendar.monthrange(event_date.year, event_date.month)[1])
    return event_date


def _when(event_date: date | None, published: datetime | None, precision: str | None = "day") -> date:
    """A report's place in time. A date after publication is a deadline or an effective date ("banned from
    September 2021"): the report still tells of the state when it was published. A month or a year stands
    for its last plausible day, capped by the publication."""
    reported = published.date() if published else None
    if event_date and (reported is None or event_date <= reported):
        latest = _latest_day(event_date, precision)
        return min(latest, reported) if reported else latest
    return reported or date.min


def _place(r: dict) -> date:
    return _when(r["event_date"], r["published_at"], r.get("date_precision") or "day")


def _precise(r: dict) -> bool:
    """Dated to the day, on or before its publication: a date that may override the order of reports."""
    return bool(r["event_date"] and (r.get("date_precision") or "day") == "day"
                and (r["published_at"] is None or r["event_date"] <= r["published_at"].date()))


def _best_date(reports: list[dict]) -> tuple[date | None, str | None]:
    """The earliest of the most precise event dates of these reports, with its precision."""
    dated = [r for r in reports if r["event_date"]]
    if not dated:
        return None, None
    rank = min(_PRECISION_RANK.get(r.get("date_precision") or "day", 0) for r in dated)
    best = min((r for r in dated if _PRECISION_RANK.get(r.get("date_precision") or "day", 0) == rank),
               key=lambda r: r["event_date"])
    return best["event_date"], best.get("date_precision") or "day"


def _moving(reports: list[dict], order: dict[str, int]) -> list[dict]:
    """The reports that move an event's status. A later article that names an earlier stage without a date
    of its own to the day ("Oracle had been in talks", "injunctions last year") is background, not a step back."""
    out: list[dict] = []
    for r in reports:
        if out and order[r["status"]] < order[out[-1]["status"]] and not _precise(r):
            continue
        out.append(r)
    return out


def _history(event_id: str, reports: list[dict]) -> list[dict]:
    steps = []
    for status, group in groupby(reports, key=lambda r: r["status"]):
        group = list(group)
        when, precision = _best_date(group)
        steps.append(dict(event_id=event_id, step=len(steps) + 1, status=status, event_date=when,
                          date_precision=precision,
                          first_reported=min((g["published_at"] for g in group if g["published_at"]), default=None),
                          report_count=len(group), evidence=group[0]["evidence"]))
    return steps


def ban_events(con: duckdb.DuckDBPyConnection, groups: str | None = None) -> tuple[list[dict], list[dict]]:
    """Every ban, or only those of the (market, target, measure) groups in relation `groups` (k1, k2, k3)."""
    only = "" if groups is None else (
        f" WHERE EXISTS (SELECT 1 FROM {groups} g WHERE g.k1 = r.market_id AND g.k2 = r.target_id "
        "AND g.k3 = r.measure)")
    return consolidate_bans(_reports(con, "ban_reports", only))


# What consolidation reads of each report (reading no more halves the fetch of a popular event's reports)
REPORT_COLUMNS = {
    "ban_reports": ("article_id", "market_id", "target_id", "measure", "status", "event_date", "date_precision",
                    "authority", "scope_count", "evidence"),
    "deal_reports": ("article_id", "acquirer_id", "target_id", "asset", "deal_type", "status", "value_usd",
                     "market_id", "event_date", "date_precision", "evidence", "confidence"),
}


def _reports(con: duckdb.DuckDBPyConnection, table: str, where: str) -> list[dict]:
    """The rows of a reports table (filtered by `where`, on alias r), each with its article's published_at."""
    columns = ", ".join(f"r.{c}" for c in REPORT_COLUMNS[table])
    cur = con.execute(f"SELECT {columns}, a.published_at FROM {table} r JOIN articles a USING (article_id){where}")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


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
    reports = _reports(con, "deal_reports", only)
    return consolidate_deals(reports)


def consolidate_deals(reports: list[dict]) -> tuple[list[dict], list[dict]]:
    """Deal reports (rows of deal_reports with the article's published_at) into deals and their histories."""
    _agree_on_direction(reports)
    reports = sorted(reports, key=lambda r: (r["acquirer_id"], r["target_id"]))
    deals, history = [], []
    for (acquirer, target), group in groupby(reports, key=lambda r: (r["acquirer_id"], r["target_id"])):
        ordered = _time_order(list(group), DEAL_ORDER)
        for n, ep in enumerate(_episodes(ordered, DEAL_ORDER, ("abandoned", "completed"),
                                           ("rumored", "talks", "agreed")), 1):
            moving = _moving(ep, DEAL_ORDER)
            deal_id = f"{acquirer}--{target}" + (f"-{n}" if n > 1 else "")
            published = [r["published_at"] for r in ep if r["published_at"]]
            types = Counter(r["deal_type"] for r in ep)
            markets = Counter(r["market_id"] for r in ep if r["market_id"])
            deals.append(dict(
                deal_id=deal_id, acquirer_id=acquirer, target_id=target, deal_type=types.most_common(1)[0][0],
                status=moving[-1]["status"],
                value_usd=next((r["value_usd"] for r in reversed(ep) if r["value_usd"]), None),
                market_id=markets.most_common(1)[0][0] if markets else None,
                first_reported=min(published, default=None), last_reported=max(published, default=None),
                report_count=len(ep), article_count=len({r["article_id"] for r in ep}),
                asset=next((r["asset"] for r in reversed(ep) if r["asset"]), None)))
            history += [dict(deal_id=h.pop("event_id"), **h) for h in _history(deal_id, moving)]
    return deals, history


def _episodes(reports: list[dict], order: dict[str, int], ended: tuple[str, ...],
              fresh: tuple[str, ...]) -> list[list[dict]]:
    """Reports of one (market, target, measure) or pair, in time order (`_time_order`), cut into separate
    acts: after an end (`ended`: a ban lifted, a deal abandoned or done), a later report of a `fresh` status
    (proposed or enacted; rumored, talks or agreed) dated after the end, or undated and at the first status;
    and a report that starts over at the first status more than NEW_ACT_GAP after the act's last report."""
    restart = fresh[0]
    episodes: list[list[dict]] = [[]]
    ended_on = None   # where the current act's latest end stands (kept as we go: one pass, not a rescan)
    for r in reports:
        current = episodes[-1]
        if current:
            place, last = r["_place"], current[-1]["_place"]
            anew = (ended_on and r["status"] in fresh and place > ended_on
                    and (r["event_date"] or r["status"] == restart)
                    and not (r["event_date"] and r["event_date"] <= ended_on))
            starts_over = (r["status"] == restart and order[current[-1]["status"]] > order[restart]
                           and place - last > NEW_ACT_GAP)
            if anew or starts_over:
                episodes.append([])
                ended_on = None
        episodes[-1].append(r)
        if r["status"] in ended:
            ended_on = r["_place"]
    return episodes


def _time_order(reports: list[dict], order: dict[str, int]) -> list[dict]:
    """The reports in time order; each keeps its place under "_place" (computed once: `_episodes` reads it)."""
    for r in reports:
        r["_place"] = _place(r)
    return sorted(reports, key=lambda r: (r["_place"], r["published_at"] or datetime.min, order[r["status"]]))


def consolidate_bans(reports: list[dict]) -> tuple[list[dict], list[dict]]:
    """Ban reports (rows of ban_reports with the article's published_at) into bans and their histories."""
    reports = sorted(reports, key=lambda r: (r["market_id"], r["target_id"], r["measure"]))
    bans, history = [], []
    for (market, target, measure), group in groupby(reports, key=itemgetter("market_id", "target_id", "measure")):
        ordered = _time_order(list(group), BAN_ORDER)
        for n, ep in enumerate(_episodes(ordered, BAN_ORDER, ("lifted",), ("proposed", "enacted")), 1):
            ban_id = f"{market.lower()}-{target}-{measure.replace('_', '-')}" + (f"-{n}" if n > 1 else "")
            published = [r["published_at"] for r in ep if r["published_at"]]
            moving = _moving(ep, BAN_ORDER)
            enacted = [r for r in ep if r["status"] == "enacted" and r["event_date"]]
            when, precision = _best_date(enacted) if enacted else _best_date(ep)
            bans.append(dict(
                ban_id=ban_id, market_id=market, target_id=target, measure=measure, status=moving[-1]["status"],
                first_reported=min(published, default=None), last_reported=max(published, default=None),
                event_date=when, date_precision=precision,
                report_count=len(ep), article_count=len({r["article_id"] for r in ep}),
                authority=Counter(r["authority"] for r in ep if r["authority"]).most_common(1)[0][0]
                if any(r["authority"] for r in ep) else None,
                scope_count=max((r["scope_count"] for r in ep if r["scope_count"]), default=None)))
            history += [dict(ban_id=h.pop("event_id"), **h) for h in _history(ban_id, moving)]
    return bans, history
