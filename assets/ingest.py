"""Stage 1, ingest: every configured source into `raw_pages`, every attempt into `fetch_log`."""
from dagster import AssetExecutionContext, MaterializeResult, asset

from assets._metadata import POOL, failures_md, table_metadata
from newsintel.scrape.ingest import ingest_sources
from pipelines.resources import SourcesResource, WarehouseResource, utc_now


@asset(group_name="ingest", pool=POOL, compute_kind="python",
       description="Raw bodies of every article found in the configured sources (compressed, keyed by a hash "
                   "of the normalized URL). A URL already stored with the same body is not written again.")
def raw_pages(context: AssetExecutionContext, warehouse: WarehouseResource,
              sources: SourcesResource) -> MaterializeResult:
    configured = sources.load()
    with warehouse.get().writer() as con:
        report = ingest_sources(con, configured, utc_now())
        meta = table_metadata(
            con, "raw_pages", preview_sql="SELECT page_id, url, source_id, body_format, fetched_at FROM raw_pages "
                                          "ORDER BY updated_at DESC",
            sources=len(configured), new=report.counts["new"], updated=report.counts["updated"],
            unchanged=report.counts["unchanged"], failed=report.counts["failed"],
            failures=failures_md(report.errors))
    context.log.info(f"ingest: {dict(report.counts)}")
    return MaterializeResult(metadata=meta)
