"""`companies` and `markets` from the registry and from what the articles name."""
from __future__ import annotations

import contextlib
from typing import Collection, Iterable, Mapping

import duckdb

from newsintel.places import REGION_OF, market_name
from newsintel.registry import RegistryCompany
from newsintel.storage import key_filter


def ancestors(ids: Iterable[str], registry: Mapping[str, RegistryCompany]) -> set[str]:
    """The ids and every owner above them in the registry."""
    out, frontier = set(ids), list(ids)
    while frontier:
        cid = frontier.pop()
        parent = registry[cid].parent if cid in registry else None
        if parent and parent not in out:
            out.add(parent)
            frontier.append(parent)
    return out


def company_rows(con: duckdb.DuckDBPyConnection, registry: Mapping[str, RegistryCompany],
                 ids: Collection[str] | None = None) -> list[dict]:
    """Every company row, or the rows of `ids` only (then `ids` must hold the owners of its members, as
    `ancestors` returns them); an id that nothing names any more is kept while a stored company names it
    as its owner."""
    with contextlib.ExitStack() as stack:
        def among(column: str) -> str:     # "column is one of ids" (TRUE for every company)
            return "TRUE" if ids is None else stack.enter_context(key_filter(con, column, sorted(ids)))
        only = "" if ids is None else f" WHERE {among('company_id')}"
        seen = con.execute(f"""
            WITH named AS (
                SELECT * FROM (
                    SELECT entity_id AS company_id, article_id, entity_name, entity_type FROM mentions
                        WHERE entity_kind = 'company'
                    UNION ALL SELECT target_id, article_id, NULL, NULL FROM ban_reports
                    UNION ALL SELECT acquirer_id, article_id, NULL, NULL FROM deal_reports
                    UNION ALL SELECT target_id, article_id, NULL, NULL FROM deal_reports
                    UNION ALL SELECT company_id, article_id, NULL, NULL FROM market_metrics
                ){only}
            )
            SELECT n.company_id, count(DISTINCT n.article_id), min(coalesce(a.published_at, a.fetched_at)),
                   max(coalesce(a.published_at, a.fetched_at)), mode(n.entity_name), mode(n.entity_type)
            FROM named n JOIN articles a USING (article_id)
            GROUP BY n.company_id""").fetchall()
        # How the news wrote a discovered company ("JetBlue" for JetBlue Airways) are its aliases.
        written = dict(con.execute(f"""
            SELECT entity_id, list(DISTINCT surface ORDER BY surface) FROM mentions
            WHERE entity_kind = 'company' AND origin = 'discovered'
            AND {among('entity_id')}
            GROUP BY entity_id""").fetchall())
        owners = set()
        if ids is not None:
            owners = {r[0] for r in con.execute(
                f"SELECT DISTINCT parent_id FROM companies WHERE {among('parent_id')} "
                f"AND NOT ({among('company_id')})").fetchall()}
    stats = {r[0]: r[1:] for r in seen}
    # Owners of what the news names are rows too, so that every parent_id resolves.
    wanted = ancestors(set(stats) | owners, registry)
    rows = []
    for cid in sorted(wanted):
        count, first, last, name, kind = stats.get(cid, (0, None, None, None, None))
        if cid in registry:
            c = registry[cid]
            rows.append(dict(company_id=cid, name=c.name, aliases=list(c.aliases), parent_id=c.parent,
                             country=c.country, kind=c.kind, first_seen=first, last_seen=last,
                             article_count=count, origin="registry"))
        else:
            aliases = [a for a in written.get(cid, []) if a and a != (name or cid)]
            rows.append(dict(company_id=cid, name=name or cid, aliases=aliases, parent_id=None, country=None,
                             kind=kind or "company", first_seen=first, last_seen=last, article_count=count,
                             origin="discovered"))
    return rows


def market_rows(con: duckdb.DuckDBPyConnection, ids: Collection[str] | None = None) -> list[dict]:
    """Every market row, or the rows of `ids` only."""
    scope = contextlib.nullcontext("TRUE") if ids is None else key_filter(con, "market_id", sorted(ids))
    with scope as among:
        only = "" if ids is None else f" WHERE {among}"
        seen = con.execute(f"""
            WITH named AS (
                SELECT * FROM (
                    SELECT entity_id AS market_id, article_id FROM mentions WHERE entity_kind = 'market'
                    UNION ALL SELECT market_id, article_id FROM ban_reports
                    UNION ALL SELECT market_id, article_id FROM deal_reports WHERE market_id IS NOT NULL
                    UNION ALL SELECT market_id, article_id FROM market_metrics WHERE market_id IS NOT NULL
                ){only}
            )
            SELECT market_id, count(DISTINCT article_id) FROM named GROUP BY market_id ORDER BY market_id""").fetchall()
    return [dict(market_id=m, name=market_name(m), region=REGION_OF.get(m), article_count=n) for m, n in seen]
