"""Stage 3, extract: mentions, market figures, ban reports and deal reports from each article."""
from datetime import date
from typing import Optional

from dagster import AssetExecutionContext, AssetSpec, Config, MaterializeResult, multi_asset

from assets._metadata import OWNERS, POOL, failures_md, table_metadata, table_spec, tags
from assets._partitions import EXTRACT_BACKFILL, EXTRACT_MONTHS, partition_days
from assets.resources import WarehouseResource, utc_now
from newsintel.extract import EXTRACTOR_VERSION
from newsintel.extract.stage import FACT_TABLES, extract_pending

DESCRIPTIONS = {
    "mentions": "Which article names which company or market, with the surface text and count.",
    "market_metrics": "Figures the news gives about a company in a market (users, subscribers, revenue).",
    "ban_reports": "One row per ban one article reports, with its evidence sentence and confidence.",
    "deal_reports": "One row per deal or deal talk one article reports, with roles, status, value and evidence.",
}
# this run's rows only ({run}: the run's first extracted articles), so a preview costs the same at any size
PREVIEWS = {
    "mentions": "SELECT * FROM mentions WHERE article_id IN {run}",
    "market_metrics": "SELECT * FROM market_metrics WHERE article_id IN {run}",
    "ban_reports": "SELECT market_id, target_id, measure, status, event_date, scope_count, confidence, evidence "
                   "FROM ban_reports WHERE article_id IN {run} ORDER BY confidence DESC",
    "deal_reports": "SELECT acquirer_id, target_id, deal_type, status, value_usd, market_id, attributed_to, evidence "
                    "FROM deal_reports WHERE article_id IN {run} ORDER BY confidence DESC",
}


class ExtractConfig(Config):
    """A backfill over a date range: re-extract every stored article published between these days
    (ISO dates, inclusive), whatever version extracted it. Nothing is fetched or cleaned again."""
    backfill_from: Optional[str] = None
    backfill_to: Optional[str] = None


@multi_asset(
    specs=[AssetSpec(t, group_name="extract", deps=["articles"], description=d, kinds={"python", "duckdb"},
                     owners=OWNERS, tags=tags("extract"), metadata=table_spec(t)) for t, d in DESCRIPTIONS.items()],
    pool=None if EXTRACT_MONTHS else POOL,
    partitions_def=EXTRACT_MONTHS, backfill_policy=EXTRACT_BACKFILL,
    description="Rule-based extraction; only articles new, changed or extracted by an older version are processed.")
def extracted_facts(context: AssetExecutionContext, config: ExtractConfig, warehouse: WarehouseResource):
    window = None
    if config.backfill_from or config.backfill_to:
        window = (date.fromisoformat(config.backfill_from or "1900-01-01"),
                  date.fromisoformat(config.backfill_to or "2999-12-31"))
    days = partition_days(context)   # a partition (on a lake): exactly the articles of its months
    with warehouse.get().writer() as con:
        report = extract_pending(con, utc_now(), published_between=days or window, window_only=days is not None)
        for table in FACT_TABLES:
            yield MaterializeResult(asset_key=table, metadata=table_metadata(
                con, table, preview_sql=PREVIEWS[table], run_ids=report.article_ids,
                extractor_version=EXTRACTOR_VERSION,
                articles_extracted=report.articles, new=report.rows[table],
                replaced=report.rows[f"{table}_replaced"], failed=len(report.failed),
                failures=failures_md(report.failed)))
    context.log.info(f"extract: {report.articles} articles, {dict(report.rows)}")
