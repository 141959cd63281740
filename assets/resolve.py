"""Stage 4, resolve: companies and markets, and reports consolidated into bans and deal talks."""
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from assets._metadata import OWNERS, POOL, table_metadata, table_spec, tags
from assets.resources import WarehouseResource
from newsintel.extract import EXTRACTOR_VERSION
from newsintel.resolve.stage import resolve_all

ENTITY_INPUTS = ["mentions", "ban_reports", "deal_reports", "market_metrics"]
TABLES = {  # table: (upstream assets, description)
    "companies": (ENTITY_INPUTS,
                  "One row per resolved organisation (registry or discovered), with its parent and counts."),
    "markets": (ENTITY_INPUTS, "One row per country or jurisdiction named in the news."),
    "bans": (["ban_reports"], "One row per real-world ban, consolidated over every article that reports it."),
    "ban_history": (["ban_reports"],
                    "The status steps of each ban (proposed → enacted → blocked → lifted), with dates."),
    "deal_talks": (["deal_reports"], "One row per real-world deal, consolidated over every article that reports it."),
    "deal_history": (["deal_reports"], "The status steps of each deal (rumored → talks → agreed → …), with dates."),
}
SPECS = [AssetSpec(table, group_name="resolve", deps=deps, description=description, kinds={"python", "duckdb"},
                   owners=OWNERS, tags=tags("resolve"), metadata=table_spec(table))
         for table, (deps, description) in TABLES.items()]


@multi_asset(specs=SPECS, pool=POOL,
             description="Derived tables: the bans, deals, companies and markets that this run's new or changed "
                         "reports touched are recomputed and merged by key; the rest is not read.")
def resolved_tables(context: AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.get().writer() as con:
        stats = resolve_all(con, extractor_version=EXTRACTOR_VERSION)
        for spec in SPECS:
            table = spec.key.path[-1]
            yield MaterializeResult(asset_key=spec.key, metadata=table_metadata(con, table, stats[table]))
