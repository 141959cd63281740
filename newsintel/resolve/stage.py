"""The resolve stage over the warehouse: rebuild every derived table from the reports, in one go."""
from __future__ import annotations

import duckdb

from newsintel.registry import load_registry
from newsintel.resolve.entities import company_rows, market_rows
from newsintel.resolve.events import ban_events, deal_events
from newsintel.warehouse import WriteStats, replace_table

KEYS = {"companies": "company_id", "markets": "market_id", "bans": "ban_id", "ban_history": ("ban_id", "step"),
        "deal_talks": "deal_id", "deal_history": ("deal_id", "step")}


def resolve_all(con: duckdb.DuckDBPyConnection, registry=None) -> dict[str, WriteStats]:
    registry = registry if registry is not None else load_registry()
    bans, ban_history = ban_events(con)
    deals, deal_history = deal_events(con)
    rows = {"companies": company_rows(con, registry), "markets": market_rows(con), "bans": bans,
            "ban_history": ban_history, "deal_talks": deals, "deal_history": deal_history}
    return {table: replace_table(con, table, KEYS[table], table_rows) for table, table_rows in rows.items()}
