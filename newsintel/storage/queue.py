"""What the resolve stage must recompute: the events and entities that changed articles told of.

Extraction writes, for every article it (re-)extracts, the keys its reports and mentions had before and
have after into `resolve_queue`; resolve recomputes exactly those bans (market, target, measure), deals
(the unordered pair of parties, since articles may disagree on the direction), companies and markets,
then empties the queue in the same transaction. A run with no new reports reads nothing.
"""
from __future__ import annotations

from typing import Sequence

import duckdb

from newsintel.storage.writes import key_filter

KINDS = ("ban", "deal", "company", "market")


def enqueue_for_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Queue every key the reports and mentions of these articles name now."""
    if not article_ids:
        return
    with key_filter(con, "article_id", article_ids) as only:
        _enqueue(con, only)


def _enqueue(con: duckdb.DuckDBPyConnection, only: str) -> None:
    con.execute(f"""
        INSERT INTO resolve_queue (kind, k1, k2, k3)
        SELECT DISTINCT * FROM (
            SELECT 'ban', market_id, target_id, measure FROM ban_reports WHERE {only}
            UNION ALL SELECT 'deal', least(acquirer_id, target_id), greatest(acquirer_id, target_id), ''
                FROM deal_reports WHERE {only}
            UNION ALL SELECT 'company', entity_id, '', '' FROM mentions
                WHERE entity_kind = 'company' AND {only}
            UNION ALL SELECT 'company', target_id, '', '' FROM ban_reports WHERE {only}
            UNION ALL SELECT 'company', unnest([acquirer_id, target_id]), '', '' FROM deal_reports
                WHERE {only}
            UNION ALL SELECT 'company', company_id, '', '' FROM market_metrics WHERE {only}
            UNION ALL SELECT 'market', entity_id, '', '' FROM mentions
                WHERE entity_kind = 'market' AND {only}
            UNION ALL SELECT 'market', market_id, '', '' FROM ban_reports WHERE {only}
            UNION ALL SELECT 'market', market_id, '', '' FROM deal_reports
                WHERE market_id IS NOT NULL AND {only}
            UNION ALL SELECT 'market', market_id, '', '' FROM market_metrics
                WHERE market_id IS NOT NULL AND {only}
        )""")


def queued(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {k: [] for k in KINDS}
    for kind, k1, k2, k3 in con.execute("SELECT DISTINCT kind, k1, k2, k3 FROM resolve_queue ORDER BY ALL").fetchall():
        out[kind].append((k1, k2, k3))
    return out


def clear(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM resolve_queue")
