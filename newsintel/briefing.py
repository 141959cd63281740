"""The briefing: one static HTML page that says what the news reports, drawn from the analytic views.

It opens from disk with no network: the CSS is inline and the charts are SVG written here, so the page
can be mailed, archived or put on a share as a single file. The markup is a Jinja template
(`newsintel/templates/briefing.html.j2`, autoescaped, with its stylesheet `briefing.css` beside it): this
module gathers the rows and draws the charts, the template lays out the page. Sections:

- figures: articles, companies, markets, bans, deals, and the window of publication dates covered
- ban timeline: one lane per market, one row per ban, coloured by status over time
- deal pipeline: deals by their latest status, then the deals with how their status moved
- most-named companies and markets: bar charts by the number of articles naming them
- tables quoting the evidence sentence behind every ban, deal, figure and latest development

Every value shown comes from a view under `sql/` (or a table the contract names), so anything on the
page can be traced back with SQL. The page is written atomically: a browser never reads half of it.
"""
from __future__ import annotations

import hashlib
import html
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

import duckdb
import jinja2
from markupsafe import Markup

from newsintel.paths import DEFAULT_DB_PATH, REPO_ROOT
from newsintel.storage import literal_list
from newsintel.vocab import DEAL_STATUSES, OPEN_DEAL_STATUSES

DEFAULT_BRIEFING_PATH = REPO_ROOT / "reports" / "briefing.html"   # the project's own database's page

# What the page reads; the Dagster asset depends on exactly these. The last three are optional: a
# section whose relation is missing is left out rather than failing the page.
REQUIRED = ("articles", "company_overview", "market_overview", "ban_timeline", "deal_pipeline")
OPTIONAL = ("deal_history", "company_exposure", "latest_developments")
READS = REQUIRED + OPTIONAL

BAN_COLORS = {"proposed": "#e6a100", "enacted": "#c62828", "blocked": "#1565c0", "lifted": "#2e7d32"}
DEAL_COLORS = {"rumored": "#9e9e9e", "talks": "#e6a100", "agreed": "#1565c0", "completed": "#2e7d32",
               "abandoned": "#616161", "blocked": "#c62828"}
OTHER_COLOR = "#757575"
# Short measure names for the timeline's row labels (a market may ban one app in several ways).
MEASURE_SHORT = {"app_ban": "app", "transaction_ban": "transactions", "equipment_ban": "equipment",
                 "divestiture_order": "divestiture"}

TOP_N = 12            # bars in the most-named charts
MAX_BAN_ROWS = 40     # bans drawn on the timeline
MAX_TABLE_ROWS = 30   # rows per evidence table


@dataclass
class Briefing:
    """The rendered page and what it shows, for the run's metadata."""
    html: str
    counts: dict[str, int] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------------

def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _top_ids(con: duckdb.DuckDBPyConnection, table: str, key: str, where: str = "TRUE") -> list[str]:
    """The keys of the TOP_N rows of `table` by its stored `article_count` (more on a tie at the last
    place, which the view's own order then breaks): what a most-named chart needs, read from the table
    alone, so the views are computed for these rows only."""
    where = f"article_count > 0 AND {where}"
    last = con.execute(f"SELECT article_count FROM {table} WHERE {where} "
                       f"ORDER BY article_count DESC LIMIT 1 OFFSET {TOP_N - 1}").fetchone()
    floor = last[0] if last else 1
    return [r[0] for r in con.execute(f"SELECT {key} FROM {table} WHERE {where} AND article_count >= ?",
                                      [floor]).fetchall()]


def _gather(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    have = _relations(con)
    missing = [r for r in REQUIRED if r not in have]
    if missing:
        raise LookupError(f"the briefing needs {', '.join(missing)}: run the pipeline first (make run)")
    data: dict[str, Any] = {}
    data["window"] = con.execute(
        "SELECT count(*), min(published_at), max(published_at) FROM articles").fetchone()
    # The most-named companies and markets: the top of the tables resolve keeps up to date (article_count
    # is stored, not computed), and only those rows read from the views: computing every company's
    # profile to draw twelve bars would cost a pass over every mention in the archive.
    top = _top_ids(con, "companies", "company_id", "kind <> 'media'")
    data["companies"] = _rows(con, f"""
        SELECT company_id, name, kind, parent_name, article_count, mention_count, ban_count, deal_count
        FROM company_overview WHERE company_id IN {literal_list(top) or "(NULL)"}
        ORDER BY article_count DESC, mention_count DESC, name""") if top else []
    data["company_total"] = con.execute(
        "SELECT count(*) FROM companies WHERE article_count > 0").fetchone()[0]
    top = _top_ids(con, "markets", "market_id")
    data["markets"] = _rows(con, f"""
        SELECT market_id, name, article_count, ban_count, deal_count
        FROM market_overview WHERE market_id IN {literal_list(top) or "(NULL)"}
        ORDER BY article_count DESC, name""") if top else []
    data["market_total"] = con.execute("SELECT count(*) FROM markets WHERE article_count > 0").fetchone()[0]
    data["ban_steps"] = _rows(con, """
        SELECT ban_id, step, status, happened_on, market_id, market_name, target_id, target_name, measure,
               authority, scope_count, current_status, evidence, is_latest
        FROM ban_timeline ORDER BY market_id, ban_id, step""")
    data["deals"] = _rows(con, """
        SELECT deal_id, status, stage_order, acquirer_name, target_name, asset, deal_type, market_id,
               value_usd, status_timeline, status_since, last_reported, article_count
        FROM deal_pipeline ORDER BY stage_order, last_reported DESC NULLS LAST, deal_id""")
    data["deal_evidence"] = {}
    if "deal_history" in have:
        # the evidence of the deals the table shows, not of every deal in the archive
        shown = literal_list([d["deal_id"] for d in data["deals"][:MAX_TABLE_ROWS]]) or "(NULL)"
        data["deal_evidence"] = dict(con.execute(f"""
            SELECT deal_id, arg_max(evidence, step) FROM deal_history WHERE evidence IS NOT NULL
            AND deal_id IN {shown} GROUP BY deal_id""").fetchall())
    data["exposure"] = _rows(con, f"""
        SELECT company_name, market_name, measure, ban_status, metric, value, qualifier, as_of, evidence
        FROM company_exposure ORDER BY value DESC NULLS LAST LIMIT {MAX_TABLE_ROWS}""") \
        if "company_exposure" in have else None
    data["latest"] = _rows(con, f"""
        SELECT development_kind, headline, published_at, status, evidence, article_title, article_url
        FROM latest_developments ORDER BY recency_rank LIMIT {MAX_TABLE_ROWS}""") \
        if "latest_developments" in have else None
    return data


# -- formatting ------------------------------------------------------------------------------------

def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def compact(value: float | int | None) -> str:
    """200000000 -> '200M', 1.5e9 -> '1.5B', 12345 -> '12.3K'."""
    if value is None:
        return ""
    v = float(value)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= div:
            text = f"{v / div:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{v:.0f}" if v == int(v) else f"{v:.2f}"


def money(value: float | None) -> str:
    return "" if value is None else "$" + compact(value)


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def label(text: str) -> str:
    return text.replace("_", " ")


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- charts (inline SVG) ---------------------------------------------------------------------------

def _svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(title)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart">'
            f"<title>{esc(title)}</title>")


def bar_chart(items: Sequence[tuple[str, float, str]], title: str, color: str, width: int = 470) -> str:
    """Horizontal bars: (label, value, tooltip) per item, largest first."""
    if not items:
        return '<p class="empty">Nothing to chart yet.</p>'
    row, top, label_w, value_w = 24, 6, 150, 44
    height = top * 2 + row * len(items)
    plot_w = width - label_w - value_w
    vmax = max(v for _, v, _ in items) or 1
    out = [_svg_open(width, height, title)]
    for i, (name, value, tip) in enumerate(items):
        y = top + i * row
        w = max(2.0, plot_w * value / vmax)
        out.append(f'<g><title>{esc(tip)}</title>'
                   f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="lbl">'
                   f'{esc(_truncate(name, 22))}</text>'
                   f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" rx="2" fill="{color}"/>'
                   f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="val">{esc(compact(value))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def column_chart(items: Sequence[tuple[str, int, str]], title: str, width: int = 520, height: int = 230) -> str:
    """Vertical columns: (label, value, colour) per item, in the order given (a pipeline's stages)."""
    top, bottom, left = 22, 34, 10
    plot_h = height - top - bottom
    slot = (width - 2 * left) / max(1, len(items))
    vmax = max([v for _, v, _ in items] + [1])
    out = [_svg_open(width, height, title),
           f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" class="grid"/>']
    for i, (name, value, color) in enumerate(items):
        h = plot_h * value / vmax
        x = left + i * slot + slot * 0.18
        w = slot * 0.64
        y = top + plot_h - h
        out.append(f'<g><title>{esc(name)}: {value} deal{"s" if value != 1 else ""}</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{max(h, 0):.1f}" rx="2" fill="{color}"/>'
                   f'<text x="{x + w / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle" class="val">{value}</text>'
                   f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" class="lbl">'
                   f'{esc(name)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _month_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """First-of-month ticks between start and end, at most ~10, aligned to the calendar (Jan, Apr, ...),
    labelled 'Jun 2020', or '2020' when the step is a year or more."""
    first = start.year * 12 + start.month - 1 + (start.day > 1)     # months since year 0, rounded up
    last = end.year * 12 + end.month - 1
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60, 120) if (last - first + 1) / s <= 10), 240)
    ticks = []
    for idx in range(first + (-first) % step, last + 1, step):
        d = date(idx // 12, idx % 12 + 1, 1)
        ticks.append((d, str(d.year) if step >= 12 else d.strftime("%b %Y")))
    return ticks


def ban_timeline_chart(steps: Sequence[dict[str, Any]], as_of: date | None = None,
                       width: int = 960) -> tuple[str, int]:
    """Markets × time: one lane per market, one row per ban; each ban is drawn as segments coloured by
    its status from one step to the next, the last status running on to `as_of` (the newest article)."""
    bans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in steps:
        if s["happened_on"] is not None:
            bans[s["ban_id"]].append(s)
    if not bans:
        return '<p class="empty">No dated bans yet.</p>', 0
    per_market: dict[str, list[str]] = defaultdict(list)
    for ban_id, ban_steps in bans.items():
        ban_steps.sort(key=lambda s: (s["happened_on"], s["step"]))
        per_market[ban_steps[0]["market_id"]].append(ban_id)
    markets = sorted(per_market, key=lambda m: (-len(per_market[m]), m))
    layout: list[tuple[str, list[str]]] = []
    shown = 0
    for m in markets:
        ids = sorted(per_market[m], key=lambda b: (bans[b][0]["happened_on"], bans[b][0]["target_name"] or ""))
        ids = ids[: max(0, MAX_BAN_ROWS - shown)]
        if ids:
            layout.append((m, ids))
            shown += len(ids)
    hidden = len(bans) - shown

    all_days = [s["happened_on"] for b in bans.values() for s in b]
    lo, hi = min(all_days), max(all_days + ([as_of] if as_of else []))
    pad = max(timedelta(days=20), (hi - lo) * 0.06)
    lo, hi = lo - pad, hi + pad
    row, top, bottom, market_w, target_w, right = 22, 30, 20, 120, 190, 34
    x0, x1 = market_w + target_w, width - right
    height = top + bottom + row * shown + 4 * len(layout)
    span = (hi - lo).days or 1

    def x(d: date) -> float:
        return x0 + (x1 - x0) * (d - lo).days / span

    out = [_svg_open(width, height, "Ban timeline: markets by time, coloured by status")]
    for d, text in _month_ticks(lo, hi):
        out.append(f'<line x1="{x(d):.1f}" y1="{top - 6}" x2="{x(d):.1f}" y2="{height - bottom}" class="grid"/>'
                   f'<text x="{x(d):.1f}" y="{top - 10}" text-anchor="middle" class="axis">{esc(text)}</text>')
    y = top
    for lane, (market, ids) in enumerate(layout):
        lane_h = row * len(ids) + 4
        name = bans[ids[0]][0]["market_name"] or market
        shade = "lane" if lane % 2 == 0 else "lane2"
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{lane_h}" class="{shade}"/>'
                   f'<text x="6" y="{y + 15}" class="lane-lbl">{esc(_truncate(name, 16))}</text>')
        for i, ban_id in enumerate(ids):
            b = bans[ban_id]
            cy = y + 2 + i * row + row / 2
            first = b[0]
            measure = MEASURE_SHORT.get(first["measure"], "")
            out.append(f'<text x="{x0 - 8}" y="{cy + 4:.1f}" text-anchor="end" class="lbl">'
                       f'{esc(_truncate(first["target_name"] or first["target_id"], 18))}'
                       + (f' <tspan class="val">{esc(measure)}</tspan>' if measure else "") + "</text>")
            for j, s in enumerate(b):
                end = x(b[j + 1]["happened_on"]) if j + 1 < len(b) else x(max(as_of or hi, s["happened_on"]))
                color = BAN_COLORS.get(s["status"], OTHER_COLOR)
                opacity = "0.85" if j + 1 < len(b) else "0.35"
                start = x(s["happened_on"])
                out.append(f'<rect x="{start:.1f}" y="{cy - 4:.1f}" width="{max(0.0, end - start):.1f}" height="8" '
                           f'fill="{color}" fill-opacity="{opacity}"/>')
            for s in b:
                color = BAN_COLORS.get(s["status"], OTHER_COLOR)
                tip = (f'{s["market_name"] or s["market_id"]}: {label(s["measure"] or "")} on '
                       f'{s["target_name"] or s["target_id"]}, {s["status"]} {day(s["happened_on"])}'
                       + (f' by {s["authority"]}' if s.get("authority") else "")
                       + (f' ({s["scope_count"]} apps or companies)' if s.get("scope_count") else ""))
                out.append(f'<circle cx="{x(s["happened_on"]):.1f}" cy="{cy:.1f}" r="6" fill="{color}" '
                           f'stroke="#fff" stroke-width="1.5"><title>{esc(tip)}</title></circle>')
        y += lane_h
    if as_of:
        out.append(f'<line x1="{x(as_of):.1f}" y1="{top - 4}" x2="{x(as_of):.1f}" y2="{y + 4}" class="asof"/>'
                   f'<text x="{x(as_of):.1f}" y="{y + 16}" text-anchor="middle" class="axis">'
                   f'latest article {esc(day(as_of))}</text>')
    out.append("</svg>")
    svg = "".join(out)
    if hidden:
        svg += f'<p class="note">…and {hidden} more ban{"s" if hidden != 1 else ""}, listed in the table below.</p>'
    return svg, shown


# -- the page --------------------------------------------------------------------------------------

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("newsintel", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_TEMPLATES.filters.update(day=day, money=money, compact=compact, label=label)


def build_briefing(con: duckdb.DuckDBPyConnection, generated_at: datetime | None = None,
                   database: str | None = None) -> Briefing:
    """Render the page from the warehouse `con` (a read-only connection on the published file is enough)."""
    generated_at = generated_at or datetime.now()
    data = _gather(con)
    n_articles, first_pub, last_pub = data["window"]
    ban_latest = [s for s in data["ban_steps"] if s["is_latest"]]
    ban_ids = {s["ban_id"] for s in data["ban_steps"]}
    deals = data["deals"]
    open_deals = sum(1 for d in deals if d["status"] in OPEN_DEAL_STATUSES)
    enacted = sum(1 for s in ban_latest if s["current_status"] == "enacted")
    counts = {"articles": n_articles, "companies": data["company_total"], "markets": data["market_total"],
              "bans": len(ban_ids), "bans_enacted": enacted, "deals": len(deals), "deals_open": open_deals}
    sections = ["figures", "ban_timeline", "deal_pipeline", "most_named", "bans", "deals"]

    window = (f"articles published {day(first_pub)} to {day(last_pub)}" if first_pub else
              "no dated articles yet")
    tiles = [("articles", n_articles), ("companies named", data["company_total"]),
             ("markets named", data["market_total"]), ("bans", len(ban_ids)), ("in force", enacted),
             ("deals", len(deals)), ("open deals", open_deals)]

    as_of = last_pub.date() if isinstance(last_pub, datetime) else last_pub
    ban_chart, drawn = ban_timeline_chart(data["ban_steps"], as_of)
    counts["bans_drawn"] = drawn

    by_status = Counter(d["status"] for d in deals)
    statuses = list(DEAL_STATUSES) + sorted(s for s in by_status if s not in DEAL_STATUSES)
    columns = [(s, by_status.get(s, 0), DEAL_COLORS.get(s, OTHER_COLOR)) for s in statuses]
    open_list = [d for d in deals if d["status"] in OPEN_DEAL_STATUSES]
    open_list.sort(key=lambda d: (-(d["stage_order"] or 0), -(d["value_usd"] or 0)))

    comp_items = [(c["name"], c["article_count"], f'{c["name"]}: {c["article_count"]} articles, '
                   f'{c["mention_count"]} mentions, {c["ban_count"]} bans, {c["deal_count"]} deals')
                  for c in data["companies"][:TOP_N]]
    mkt_items = [(m["name"], m["article_count"], f'{m["name"]} ({m["market_id"]}): {m["article_count"]} articles, '
                  f'{m["ban_count"]} bans, {m["deal_count"]} deals') for m in data["markets"][:TOP_N]]
    bans = sorted(ban_latest, key=lambda s: (s["happened_on"] is None, s["happened_on"] or date.min))

    if data["exposure"] is not None:
        sections.append("exposure")
    if data["latest"] is not None:
        sections.append("latest")
    page = _TEMPLATES.get_template("briefing.html.j2").render(
        css=_TEMPLATES.loader.get_source(_TEMPLATES, "briefing.css")[0], window=window, generated_at=generated_at,
        tiles=tiles, ban_colors=BAN_COLORS, deal_colors=DEAL_COLORS, other_color=OTHER_COLOR,
        ban_chart=Markup(ban_chart), status_chart=Markup(column_chart(columns, "Deals by latest status")),
        companies_chart=Markup(bar_chart(comp_items, "Most-named companies", "#3b6ea8")),
        markets_chart=Markup(bar_chart(mkt_items, "Most-named markets", "#5f8f5a")),
        open_count=open_deals, open_deals=open_list, deals=deals, max_rows=MAX_TABLE_ROWS,
        bans=bans[:MAX_TABLE_ROWS], deal_evidence=data["deal_evidence"], exposure=data["exposure"],
        latest=data["latest"], database=database)
    return Briefing(page, counts, sections)


def briefing_path_for(target: str | os.PathLike[str]) -> Path:
    """Where a database's briefing goes unless a setting says otherwise: beside the database it describes,
    so that a run on another database never overwrites the project's page. The project's own database
    (data/newsintel.duckdb) keeps reports/briefing.html; any other file `x.duckdb` gets `x.briefing.html`
    in its folder; a lake, which has no folder of its own here, gets a page in reports/ named after a
    digest of its target (never its password)."""
    target = str(target)
    if target.startswith("ducklake:"):
        return REPO_ROOT / "reports" / f"lake-{hashlib.sha256(target.encode()).hexdigest()[:12]}.briefing.html"
    path = Path(target).expanduser().resolve()
    if path == DEFAULT_DB_PATH.resolve():
        return DEFAULT_BRIEFING_PATH
    return path.with_name(f"{path.stem}.briefing.html")


def write_briefing(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str],
                   generated_at: datetime | None = None, database: str | None = None) -> Briefing:
    """Render and write the page atomically (a temporary file renamed over `path`)."""
    briefing = build_briefing(con, generated_at, database)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(briefing.html, encoding="utf-8")
    os.replace(tmp, target)
    return briefing
