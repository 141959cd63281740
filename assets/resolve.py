"""Stage 4, resolve: companies and markets, and reports consolidated into bans and deal talks."""
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from assets._metadata import POOL, table_metadata
from assets.resources import WarehouseResource
from newsintel.resolve.stage import resolve_all

SPECS = [
    AssetSpec("companies", group_name="resolve", deps=["mentions", "ban_reports", "deal_reports", "market_metrics"],
              description="One row per resolved organisation (registry or discovered), with its parent and counts."),
    AssetSpec("markets", group_name="resolve", deps=["mentions", "ban_reports", "deal_reports", "market_metrics"],
              description="One row per country or jurisdiction named in the news."),
    AssetSpec("bans", group_name="resolve", deps=["ban_reports"],
              description="One row per real-world ban, consolidated over every article that reports it."),
    AssetSpec("ban_history", group_name="resolve", deps=["ban_reports"],
              description="The status steps of each ban (proposed → enacted → blocked → lifted), with dates."),
    AssetSpec("deal_talks", group_name="resolve", deps=["deal_reports"],
              description="One row per real-world deal, consolidated over every article that reports it."),
    AssetSpec("deal_history", group_name="resolve", deps=["deal_reports"],
              description="The status steps of each deal (rumored → talks → agreed → …), with dates."),
]


@multi_asset(specs=SPECS, pool=POOL, compute_kind="python",
             description="Derived tables: the bans, deals, companies and markets that this run's new or changed "
                         "reports touched are recomputed and merged by key; the rest is not read.")
def resolved_tables(context: AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.get().writer() as con:
        stats = resolve_all(con)
        for spec in SPECS:
            table = spec.key.path[-1]
            yield MaterializeResult(asset_key=spec.key, metadata=table_metadata(con, table, stats[table]))
